//! Certificates and CRLs from arbitrary bytes (DER or PEM): parsing, and validating whatever
//! parses as a chain (the last certificate as anchor) with whatever CRL parses: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yinxin_pki::chain::{Purpose, ValidationOptions};
use yinxin_pki::{Cert, Crl, TrustStore, cert::parse_many, validate_chain};

fuzz_target!(|data: &[u8]| {
    let _ = Cert::from_der(data);
    let crl = Crl::from_pem_or_der(data).ok();
    if let Some(c) = &crl {
        let _ = (c.issuer(), c.find(&[1]));
    }
    let Ok(certs) = parse_many(data) else { return };
    let (Some(leaf), Some(anchor)) = (certs.first(), certs.last()) else { return };
    let _ = (leaf.subject(), leaf.issuer(), leaf.serial_hex(), leaf.is_ca(), leaf.to_pem());
    let crls: Vec<Crl> = crl.into_iter().collect();
    let mut opts = ValidationOptions::now(Purpose::Any);
    opts.crls = &crls;
    let _ = validate_chain(leaf, &certs, &TrustStore::new(vec![anchor.clone()]), &opts);
    if let Some(c) = crls.first() {
        let _ = c.verify_issued_by(anchor);
    }
});
