//! Whatever a caller hands the generic verifier (a seal, an SES signature, GM/T 0010 signed data,
//! a PDF or an OFD), with the same bytes as the signed data: a report or `None`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yinxin_pki::TrustStore;
use yinxin_seal::verify::VerifyOptions;

fuzz_target!(|data: &[u8]| {
    let trust = TrustStore::default();
    let opts = VerifyOptions::new(&trust);
    let _ = yinxin_doc::stamp::verify_any(data, Some(data), &opts);
    let _ = yinxin_doc::stamp::verify_any(data, None, &opts);
});
