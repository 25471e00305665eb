//! GB/T 35275 / GM/T 0010 detached signed data made by yinxin (the CMS a PDF signature carries):
//! verified by yinxin, checked independently with the OpenSSL CLI, and every byte's change caught.

use std::path::PathBuf;
use time::OffsetDateTime;
use yinxin_gm::{Sm2PrivateKey, UserId, default_provider};
use yinxin_pki::report::{Indication, Outcome, SubIndication, TimeSource};
use yinxin_pki::tsp::TimeStampAuthority;
use yinxin_pki::{Cert, TrustStore};
use yinxin_seal::gmt0010::{SignedData, sign_detached, verify};
use yinxin_seal::verify::VerifyOptions;

fn kd(f: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../keys-dev").join(f)
}
fn cert(stem: &str) -> Cert {
    Cert::from_pem_or_der(&std::fs::read(kd(&format!("{stem}.cert.pem"))).unwrap()).unwrap()
}
fn key(stem: &str) -> Sm2PrivateKey {
    Sm2PrivateKey::from_pem(&std::fs::read_to_string(kd(&format!("{stem}.key.pem"))).unwrap(), None).unwrap()
}

fn make(data: &[u8], with_tsa: bool) -> Vec<u8> {
    let p = default_provider();
    let tsa = TimeStampAuthority::new(
        cert("tsa"),
        vec![cert("issuing-ca")],
        p.sm2_signer(&key("tsa"), UserId::DEFAULT).unwrap(),
        yinxin_pki::oid::YINXIN_TSA_POLICY,
    )
    .unwrap();
    let signer = p.sm2_signer(&key("person-zhangsan"), UserId::DEFAULT).unwrap();
    sign_detached(
        data,
        &cert("person-zhangsan"),
        &[cert("issuing-ca")],
        signer.as_ref(),
        OffsetDateTime::now_utc(),
        with_tsa.then_some(&tsa),
    )
    .unwrap()
}

fn trust() -> TrustStore {
    TrustStore::new(vec![cert("root-ca")])
}

#[test]
fn signs_and_verifies_with_and_without_a_time_stamp() {
    let data = b"%PDF-1.7 ... the ByteRange bytes of a licence";
    let t = trust();
    let opts = VerifyOptions::new(&t);
    let r = verify(&make(data, true), Some(data), &opts);
    assert_eq!(r.indication, Indication::Passed, "{:#?}", r.checks);
    assert_eq!(r.time_source, Some(TimeSource::TimeStamp));
    assert!(r.signer.as_ref().unwrap().subject.contains("张三"));
    let r = verify(&make(data, false), Some(data), &opts);
    assert_eq!(r.indication, Indication::Passed, "{:#?}", r.checks);
    assert_eq!(r.time_source, Some(TimeSource::Now));
    let r = verify(&make(data, true), Some(b"other bytes"), &opts);
    assert_eq!((r.indication, r.sub_indication), (Indication::Failed, Some(SubIndication::HashFailure)));
    assert_eq!(verify(&make(data, false), None, &opts).indication, Indication::Indeterminate);
}

#[test]
fn every_flipped_byte_is_caught() {
    let data = b"data";
    let sd = make(data, false);
    let t = trust();
    let opts = VerifyOptions::new(&t);
    for i in 0..sd.len() {
        let mut b = sd.clone();
        b[i] ^= 0x01;
        assert_ne!(verify(&b, Some(data), &opts).indication, Indication::Passed, "byte {i}");
    }
}

#[test]
fn openssl_checks_the_cms_independently() {
    let data = b"bytes covered by a PDF signature's /ByteRange";
    let der = make(data, true);
    let dir = std::env::temp_dir().join(format!("yinxin-gmt0010-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |args: &[&str]| {
        let o = std::process::Command::new("openssl").args(args).current_dir(&dir).output().unwrap();
        assert!(o.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    std::fs::write(dir.join("sd.der"), &der).unwrap();
    std::fs::write(dir.join("data.bin"), data).unwrap();
    let text = run(&["asn1parse", "-inform", "DER", "-in", "sd.der", "-i"]);
    assert!(
        text.contains("1.2.156.10197.6.1.4.2.2")
            && text.contains("messageDigest")
            && text.contains("id-smime-aa-timeStampToken"),
        "{text}"
    );
    // messageDigest equals SM3 of the data as OpenSSL computes it.
    let dgst = run(&["dgst", "-sm3", "-r", "data.bin"]);
    let sd = SignedData::parse(&der).unwrap();
    assert_eq!(hex::encode(sd.message_digest.as_ref().unwrap()), dgst.split_whitespace().next().unwrap());
    // The SM2 signature over the DER of the signed attributes (the [0] tag read as SET).
    let mut attrs = sd.signed_attrs_raw.clone().unwrap();
    attrs[0] = 0x31;
    std::fs::write(dir.join("attrs.der"), &attrs).unwrap();
    std::fs::write(dir.join("sig.der"), &sd.signature).unwrap();
    std::fs::write(dir.join("pub.pem"), cert("person-zhangsan").public_key.unwrap().to_spki_pem()).unwrap();
    run(&[
        "pkeyutl",
        "-verify",
        "-rawin",
        "-digest",
        "sm3",
        "-pubin",
        "-inkey",
        "pub.pem",
        "-in",
        "attrs.der",
        "-sigfile",
        "sig.der",
        "-pkeyopt",
        "distid:1234567812345678",
    ]);
    std::fs::remove_dir_all(&dir).ok();
    // And the verifier reports the time stamp's check.
    let t = trust();
    let r = verify(&der, Some(data), &VerifyOptions::new(&t));
    assert_eq!(r.checks.iter().find(|c| c.id == "sig.time_stamp").map(|c| c.outcome), Some(Outcome::Passed));
}
