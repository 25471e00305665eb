//! `yinxin witness` beside `yinxin serve` with one witness required: the published checkpoint
//! carries the witness's cosignature and passes a policy that requires it; without the witness
//! a new checkpoint is not published; and a forked checkpoint signed with the log's own key is
//! refused by the witness, whose state stays as it was.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use yinxin_gm::{Sm2PrivateKey, UserId, default_provider};
use yinxin_tlog::checkpoint::{Checkpoint, CheckpointPolicy};
use yinxin_tlog::note::NoteSigner;
use yinxin_tlog::signature::{Sm2Kind, Sm2NoteSigner, Sm2NoteVerifier};
use yinxin_tlog::witness::AddCheckpoint;

const MARKET: &str = "11530100MB0123456A";
const ORIGIN: &str = "yinxin.test/log";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn request(i: u32) -> Value {
    let first17 = format!("91530100{:09}", 720_000_000 + i);
    let uscc = format!("{first17}{}", yinxin_licence::codes::uscc_check_char(&first17).unwrap());
    let mut f: Value =
        serde_json::from_slice(&std::fs::read(workspace().join("examples/营业执照.json")).unwrap()).unwrap();
    f["uscc"] = json!(uscc);
    json!({"type_code": "营业执照", "fields": f})
}

/// The log's checkpoint signer: the service key of keys-dev, under the origin of the test's
/// public URL.
fn log_signer() -> Sm2NoteSigner {
    let pem = std::fs::read_to_string(workspace().join("keys-dev/status-list.key.pem")).unwrap();
    let key = Sm2PrivateKey::from_pem(&pem, None).unwrap();
    Sm2NoteSigner::new(ORIGIN, Sm2Kind::Note, default_provider().sm2_signer(&key, UserId::DEFAULT).unwrap()).unwrap()
}

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn first_line(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    line
}

fn checkpoint(http: &reqwest::blocking::Client, base: &str) -> Option<Vec<u8>> {
    let r = http.get(format!("{base}/tlog/checkpoint")).send().unwrap();
    (r.status().as_u16() == 200).then(|| r.bytes().unwrap().to_vec())
}

fn size_of(cp: &[u8]) -> u64 {
    String::from_utf8_lossy(cp).lines().nth(1).unwrap().parse().unwrap()
}

#[test]
fn checkpoints_are_published_with_the_witness_cosignature_and_a_fork_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("witness.key.pem");
    std::fs::write(&key_path, default_provider().generate_sm2().unwrap().to_pkcs8_pem().unwrap().as_bytes()).unwrap();
    let state = dir.path().join("witness.state");
    let log = log_signer();
    let log_vkey = log.vkey();

    let mut w = Command::new(env!("CARGO_BIN_EXE_yinxin"))
        .args(["witness", "--log-vkey", &log_vkey, "--name", "witness.test", "--listen", "127.0.0.1:0", "--key"])
        .arg(&key_path)
        .arg("--state")
        .arg(&state)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let line = first_line(&mut w);
    let mut witness = Kill(w);
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words[0], "witness", "{line}");
    let witness_vkey = words[1].to_string();
    let witness_url = words.iter().find(|w| w.starts_with("http://")).unwrap().to_string();

    let data = dir.path().join("data");
    let config = dir.path().join("yinxin.toml");
    std::fs::write(
        &config,
        format!(
            "public_url = \"http://yinxin.test\"\nwitness_quorum = 1\n\n[[witnesses]]\nname = \"witness.test\"\nvkey = \"{witness_vkey}\"\nurl = \"{witness_url}\"\n"
        ),
    )
    .unwrap();
    let serve = yinxin_tests::serve(
        std::path::Path::new(env!("CARGO_BIN_EXE_yinxin")),
        &data,
        &["--config".as_ref(), config.as_os_str()],
        &[],
    );
    let base = serve.base.clone();
    let creds: Value = serde_json::from_slice(&std::fs::read(data.join("dev-credentials.json")).unwrap()).unwrap();
    let token = creds[format!("department:{MARKET}")]["token"].as_str().unwrap().to_string();
    let http = reqwest::blocking::Client::new();
    let issue = |i: u32| {
        let r = http.post(format!("{base}/v1/licences")).bearer_auth(&token).json(&request(i)).send().unwrap();
        assert_eq!(r.status().as_u16(), 201);
        r.json::<Value>().unwrap()["identifier"].as_str().unwrap().to_string()
    };
    for i in 0..3 {
        issue(i);
    }

    // The published checkpoint reaches size 3 with the witness's cosignature.
    let deadline = Instant::now() + Duration::from_secs(30);
    let published = loop {
        match checkpoint(&http, &base) {
            Some(cp) if size_of(&cp) >= 3 => break cp,
            _ if Instant::now() > deadline => panic!("no witnessed checkpoint of size 3"),
            _ => std::thread::sleep(Duration::from_millis(200)),
        }
    };
    let policy = |witness: &str, quorum| CheckpointPolicy {
        origin: ORIGIN.into(),
        log_keys: vec![Box::new(log.verifier())],
        witnesses: vec![Box::new(Sm2NoteVerifier::from_vkey(witness).unwrap())],
        quorum,
    };
    let cp = policy(&witness_vkey, 1).open(&published).expect("the witness's cosignature verifies");
    assert_eq!(cp.checkpoint().size, 3);
    let other = Sm2NoteSigner::new(
        "witness.test",
        Sm2Kind::Cosignature,
        default_provider().sm2_signer(&default_provider().generate_sm2().unwrap(), UserId::DEFAULT).unwrap(),
    )
    .unwrap();
    assert!(policy(&other.vkey(), 1).open(&published).is_err(), "another witness key does not count");
    let st: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    assert_eq!(st["size"], 3);
    assert_eq!(st["root"].as_str().unwrap(), cp.checkpoint().root.to_base64());

    // A fork: the same size, another root, signed with the log's own key. Refused (422, the
    // spec's answer to a fork), and a request from the wrong old size gets 409; the state
    // file is unchanged by both.
    let before = std::fs::read(&state).unwrap();
    let mut root = *cp.checkpoint().root.as_bytes();
    root[0] ^= 1;
    let forked = Checkpoint::new(ORIGIN, 3, yinxin_tlog::Hash::from_slice(&root).unwrap())
        .sign(&log as &dyn NoteSigner)
        .unwrap()
        .to_bytes();
    let post = |old, checkpoint: &[u8]| {
        let body = AddCheckpoint { old_size: old, proof: Vec::new(), checkpoint: checkpoint.to_vec() }.to_bytes();
        let r = http.post(format!("{witness_url}/add-checkpoint")).body(body).send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    let (status, body) = post(3, &forked);
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("fork"), "{body}");
    let (status, body) = post(0, &forked);
    assert_eq!((status, body.as_str()), (409, "3\n"));
    assert_eq!(std::fs::read(&state).unwrap(), before, "the witness's state is unchanged");

    // Without the witness, a new checkpoint is signed (the proof endpoint sees it) but the
    // published one stays at size 3.
    let _ = witness.0.kill();
    let _ = witness.0.wait();
    let id = issue(3);
    let proof: Value =
        http.get(format!("{base}/v1/licences/{id}/proof")).bearer_auth(&token).send().unwrap().json().unwrap();
    assert_eq!(proof["entries"][0]["index"], 3, "{proof}");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(size_of(&checkpoint(&http, &base).unwrap()), 3, "an unwitnessed checkpoint is not published");

    // A restart, the witness still down: the checkpoint published before is served at once,
    // with its cosignature (it was recorded), not nothing until the witness is back.
    drop(serve);
    let serve = yinxin_tests::serve(
        std::path::Path::new(env!("CARGO_BIN_EXE_yinxin")),
        &data,
        &["--config".as_ref(), config.as_os_str()],
        &[],
    );
    let again = checkpoint(&http, &serve.base).expect("the published checkpoint survives a restart");
    assert_eq!(again, published);
    policy(&witness_vkey, 1).open(&again).unwrap();
}
