//! The browser's device code (`crates/server/assets/cosign.js`, run by Node) against the
//! service in Rust: enrolment both ways (each side checks the other's proof), 300 signatures
//! verified by the RustCrypto backend, the share stored and restored, and the JavaScript device
//! refusing an altered answer and a reused nonce without releasing s.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use yinxin_gm::{Provider, UserId};
use yinxin_sign::cosign::{Answer, Commitment, Completion, EnrolRequest, ServiceShare, SignSession, digest_for};

struct Device {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Device {
    fn start() -> Device {
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js/device.cjs");
        let mut child = Command::new("node")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node is installed (the README's test command installs it)");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Device { child, stdin, stdout }
    }

    fn call(&mut self, request: serde_json::Value) -> serde_json::Value {
        writeln!(self.stdin, "{request}").unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_browser_device_signs_with_the_rust_service() {
    let mut device = Device::start();
    let id = b"person-0001";
    let request: EnrolRequest =
        serde_json::from_value(device.call(serde_json::json!({"op": "enrol", "id": hex::encode(id)}))).unwrap();
    let (service, response) = ServiceShare::enrol(id, &request).unwrap();
    let finished = device.call(serde_json::json!({"op": "enrol_finish", "response": response}));
    let public = service.public_key().unwrap();
    assert_eq!(finished["public_key"], hex::encode(public.to_sec1()));
    let stored_share = finished["share"].as_str().unwrap().to_owned();
    let verifier = yinxin_gm::software::SOFTWARE.sm2_verifier(&public, UserId::DEFAULT).unwrap();

    let sign = |device: &mut Device, message: &[u8]| {
        let e = digest_for(&public, message);
        let mut session = SignSession::new(e).unwrap();
        let commitment: Commitment = serde_json::from_value(
            device.call(serde_json::json!({"op": "commit", "session": session.id.to_hex(), "e": e.to_hex()})),
        )
        .unwrap();
        let answer = service.answer(&mut session, &commitment).unwrap();
        let completion: Completion =
            serde_json::from_value(device.call(serde_json::json!({"op": "finish", "answer": answer}))).unwrap();
        service.accept(&mut session, &completion).unwrap()
    };
    for i in 0..300 {
        let message = format!("采购合同 第{i}号").into_bytes();
        let sig = sign(&mut device, &message);
        verifier.verify(&message, &sig).unwrap_or_else(|e| panic!("signature {i}: {e}"));
    }

    // Restored from its stored bytes (as the page reads it back from IndexedDB), it still signs.
    let mut restarted = Device::start();
    let restored = restarted.call(serde_json::json!({"op": "restore", "share": stored_share}));
    assert_eq!(restored["public_key"], hex::encode(public.to_sec1()));
    let sig = sign(&mut restarted, b"after a restart");
    verifier.verify(b"after a restart", &sig).unwrap();

    // An altered answer: the JavaScript device refuses and releases nothing; its nonce is spent.
    let e = digest_for(&public, b"altered");
    let mut session = SignSession::new(e).unwrap();
    let commitment: Commitment = serde_json::from_value(
        device.call(serde_json::json!({"op": "commit", "session": session.id.to_hex(), "e": e.to_hex()})),
    )
    .unwrap();
    let answer = service.answer(&mut session, &commitment).unwrap();
    let mut altered: Answer = answer.clone();
    altered.s2 = hex::encode(yinxin_gm::sm2p256::group::Scalar::random().unwrap().to_be_bytes());
    assert_eq!(device.call(serde_json::json!({"op": "finish", "answer": altered}))["error"], "cosign.invalid");
    assert_eq!(device.call(serde_json::json!({"op": "finish", "answer": answer}))["error"], "cosign.nonce");

    // A service that lies about the public key at enrolment is caught by the device.
    let request: EnrolRequest =
        serde_json::from_value(device.call(serde_json::json!({"op": "enrol", "id": hex::encode(b"person-0002")})))
            .unwrap();
    let (_, mut lying) = ServiceShare::enrol(b"person-0002", &request).unwrap();
    lying.public_key = hex::encode(public.to_sec1());
    assert_eq!(device.call(serde_json::json!({"op": "enrol_finish", "response": lying}))["error"], "cosign.key");
}
