//! Seals and signatures made by other vendors (`../shared/samples`, see its README): each gets
//! the verdict the README lists. Signing-time judgement, with the certificates the objects carry
//! as trust anchors, as the README's "expected" column was established.

use std::path::PathBuf;
use yinxin_pki::report::{Indication, Outcome, Report, SubIndication};
use yinxin_pki::{Cert, TrustStore};
use yinxin_seal::verify::{At, VerifyOptions, verify_seal, verify_signature};
use yinxin_seal::{Seal, SealVersion, SesSignature};

fn sample(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/samples").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn carried(seal: &Seal, extra: &[&[u8]]) -> TrustStore {
    let mut t = TrustStore::default();
    for der in std::iter::once(seal.maker_cert.as_slice()).chain(extra.iter().copied()) {
        if let Ok(c) = Cert::from_der(der) {
            t.add(c);
        }
    }
    t
}

fn outcome(r: &Report, id: &str) -> Outcome {
    r.checks.iter().find(|c| c.id == id).map(|c| c.outcome).unwrap_or_else(|| panic!("no check {id}: {:#?}", r.checks))
}

#[test]
fn stand_alone_seals() {
    for (file, version, want) in [
        ("seal-ofdrw-v4.esl", SealVersion::V4, Indication::Passed),
        ("seal-gomain-v4-yn-zjt.esl", SealVersion::V4, Indication::Passed),
        ("seal-ofdrw-v1.esl", SealVersion::V1, Indication::Passed),
        ("seal-hebeigede-v4-unverified.der", SealVersion::V4, Indication::Failed),
        // ofdrw made this v5 seal on 2026-04-24 with its test certificate that expired on
        // 2022-04-21: at the making time the maker certificate had expired, so FAILED/EXPIRED.
        ("seal-ofdrw-v5-ts.esl", SealVersion::V5, Indication::Failed),
    ] {
        let seal = Seal::parse(&sample(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(seal.version, version, "{file}");
        let trust = carried(&seal, &[]);
        let mut opts = VerifyOptions::new(&trust);
        opts.at = At::SigningTime;
        let r = verify_seal(&seal, &opts);
        assert_eq!(r.indication, want, "{file}: {:#?}", r.checks);
        match want {
            Indication::Failed if version == SealVersion::V5 => {
                // The placeholder time stamp is reported as unparsable (INDETERMINATE, never
                // valid); the maker's signature itself verifies.
                assert_eq!(outcome(&r, "seal.maker_signature"), Outcome::Passed, "{file}");
                assert_eq!(outcome(&r, "seal.time_stamp"), Outcome::Indeterminate, "{file}");
                assert_eq!(r.sub_indication, Some(SubIndication::Expired), "{file}");
            }
            Indication::Failed => {
                assert_eq!(outcome(&r, "seal.maker_signature"), Outcome::Failed, "{file}");
                assert_eq!(r.sub_indication, Some(SubIndication::SigCryptoFailure), "{file}");
            }
            _ => assert_eq!(outcome(&r, "seal.maker_signature"), Outcome::Passed, "{file}"),
        }
    }
}

/// The two stand-alone signature files of the tongz sample: an SES_Signature with a raw r‖s
/// signature value, over its Signature.xml.
#[test]
fn tongz_raw_rs_signature() {
    let sig = SesSignature::parse(&sample("tongz-v4-rawsig_Sign_1_SignedValue.dat")).unwrap();
    assert_eq!(sig.signature.len(), 64);
    let data = sample("tongz-v4-rawsig_Sign_1_Signature.xml");
    let signer = sig.signer_cert.clone();
    let trust = carried(&sig.seal, &[&signer]);
    let mut opts = VerifyOptions::new(&trust);
    opts.at = At::SigningTime;
    let r = verify_signature(&sig, Some(&data), &opts);
    assert_eq!(r.indication, Indication::Passed, "{:#?}", r.checks);
    let c = r.checks.iter().find(|c| c.id == "sig.signature").unwrap();
    assert!(c.reason_en.contains("raw 64-byte"), "{c:?}");
    // Other data: dataHash fails.
    let r = verify_signature(&sig, Some(b"other"), &opts);
    assert_eq!((r.indication, r.sub_indication), (Indication::Failed, Some(SubIndication::HashFailure)));
}

/// The tongz `Type="Sign"` signature: GM/T 0010 attached, eContent = SM3(Signature.xml), raw r‖s.
#[test]
fn tongz_gmt0010_attached() {
    let bytes = sample("tongz-gmt0010-attached_Sign_3_SignedValue.dat");
    let data = sample("tongz-gmt0010-attached_Sign_3_Signature.xml");
    let sd = yinxin_seal::gmt0010::SignedData::parse(&bytes).unwrap();
    let trust = TrustStore::new(sd.certs.clone());
    let mut opts = VerifyOptions::new(&trust);
    opts.at = At::Given(sd.certs[0].not_before + time::Duration::days(30));
    let r = yinxin_seal::gmt0010::verify(&bytes, Some(&data), &opts);
    assert_eq!(r.indication, Indication::Passed, "{:#?}", r.checks);
    let r = yinxin_seal::gmt0010::verify(&bytes, Some(b"x"), &opts);
    assert_eq!(r.sub_indication, Some(SubIndication::HashFailure));
}
