//! Every sealed OFD in `../shared/samples` gets the verdict its README lists, signature by
//! signature, judged at signing time with the certificates each signature carries as anchors.

use std::path::PathBuf;
use yinxin_pki::report::{Indication, Outcome, Report, SubIndication};
use yinxin_pki::{Cert, TrustStore};
use yinxin_seal::verify::{At, VerifyOptions};

fn sample(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/samples").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The certificates an OFD carries: every signer, maker and embedded certificate.
fn carried(ofd: &[u8]) -> TrustStore {
    let pkg = yinxin_doc::ofd::Package::read(ofd).unwrap();
    let mut t = TrustStore::default();
    let names: Vec<String> = pkg.names().map(str::to_string).collect();
    for n in names.iter().filter(|n| n.ends_with(".dat") || n.ends_with(".esl")) {
        let b = pkg.get(n).unwrap();
        if let Ok(s) = yinxin_seal::SesSignature::parse(b) {
            for der in [&s.signer_cert, &s.seal.maker_cert] {
                if let Ok(c) = Cert::from_der(der) {
                    t.add(c);
                }
            }
        }
        if let Ok(sd) = yinxin_seal::gmt0010::SignedData::parse(b) {
            for c in sd.certs {
                t.add(c);
            }
        }
    }
    t
}

fn verify(name: &str) -> Report {
    let bytes = sample(name);
    let trust = carried(&bytes);
    let mut opts = VerifyOptions::new(&trust);
    opts.at = At::SigningTime;
    yinxin_doc::ofd::verify_ofd(&bytes, &opts)
}

fn check(r: &Report, id: &str) -> Outcome {
    r.checks.iter().find(|c| c.id == id).map(|c| c.outcome).unwrap_or_else(|| panic!("no {id} in {:#?}", r.checks))
}

#[test]
fn good_sealed_ofds_pass_at_signing_time() {
    for (name, signatures) in [
        ("einvoice-gomain-v4-cq-test.ofd", 1),
        ("einvoice-gomain-v4-js.ofd", 1),
        ("einvoice-kinggrid-gomainseal-v4.ofd", 1),
        ("einvoice-antchain-v4.ofd", 1),
        ("einvoice-gomain-v4-sealesl.ofd", 1),
        ("ofdrw-v4-allprotected.ofd", 1),
        ("elicence-yn-gmt0010-sign.ofd", 2),
    ] {
        let r = verify(name);
        assert_eq!(r.parts.len(), signatures, "{name}");
        for p in &r.parts {
            assert_eq!(p.indication, Indication::Passed, "{name} {:?}: {:#?}", p.location, p.checks);
            for id in ["ofd.references", "sig.signature", "sig.data_hash"] {
                assert_eq!(check(p, id), Outcome::Passed, "{name} {id}");
            }
            if p.kind == "ses-signature" {
                for id in ["sig.signer_in_cert_list", "seal.maker_signature", "seal.validity"] {
                    assert_eq!(check(p, id), Outcome::Passed, "{name} {id}");
                }
            }
        }
        assert_eq!(r.indication, Indication::Passed, "{name}");
    }
    // The Seal.esl file of the Beijing invoice equals the seal inside the signature.
    let r = verify("einvoice-gomain-v4-sealesl.ofd");
    assert_eq!(check(&r.parts[0], "ofd.seal_file"), Outcome::Passed);
}

#[test]
fn dms360_v1_fails_for_the_reasons_listed() {
    let r = verify("doc-dms360-v1-gmt0031.ofd");
    assert_eq!(r.indication, Indication::Failed);
    let p = &r.parts[0];
    // Keyed SM3 references cannot be reproduced; Signature.xml was re-formatted after signing;
    // the signature is over the raw dataHash, not TBS_Sign; the signer is not in certList (which
    // holds an IA5String); the v1 seal itself verifies.
    assert_eq!(check(p, "ofd.references"), Outcome::Indeterminate);
    assert_eq!(check(p, "sig.data_hash"), Outcome::Failed);
    assert_eq!(check(p, "sig.signature"), Outcome::Failed);
    assert_eq!(check(p, "sig.signer_in_cert_list"), Outcome::Failed);
    assert_eq!(check(p, "seal.maker_signature"), Outcome::Passed);
}

#[test]
fn without_signing_time_expired_certificates_are_indeterminate_now() {
    // Judged now, the 2020 invoice's seal and certificates have expired, and no time stamp proves
    // when it was signed: INDETERMINATE / OUT_OF_BOUNDS_NO_POE (EN 319 102-1 §5.2.6), never PASSED
    // and never FAILED — it may well have been sealed while everything was valid.
    let bytes = sample("einvoice-gomain-v4-cq-test.ofd");
    let trust = carried(&bytes);
    let r = yinxin_doc::ofd::verify_ofd(&bytes, &VerifyOptions::new(&trust));
    assert_eq!((r.indication, r.sub_indication), (Indication::Indeterminate, Some(SubIndication::OutOfBoundsNoPoe)));
    // With no trust anchors at all: no chain, which is "cannot tell", not "forged".
    let r = yinxin_doc::ofd::verify_ofd(&bytes, &VerifyOptions::new(&TrustStore::default()));
    assert_eq!(r.indication, Indication::Indeterminate);
}
