//! Seals, SES signatures and GM/T 0010 signed data from arbitrary bytes: parsing, and verifying
//! whatever parses, must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yinxin_pki::TrustStore;
use yinxin_seal::verify::{VerifyOptions, verify_seal, verify_signature};
use yinxin_seal::{Seal, SesSignature, gmt0010};

fuzz_target!(|data: &[u8]| {
    let trust = TrustStore::default();
    let opts = VerifyOptions::new(&trust);
    if let Ok(seal) = Seal::parse(data) {
        let _ = verify_seal(&seal, &opts);
    }
    if let Ok(sig) = SesSignature::parse(data) {
        let _ = verify_signature(&sig, Some(data), &opts);
    }
    if gmt0010::SignedData::parse(data).is_ok() {
        let _ = gmt0010::verify(data, Some(data), &opts);
    }
});
