//! A PDF from arbitrary bytes, verified end to end (lopdf, ByteRange, the GB/T 35275 signed data,
//! incremental updates, page comparison) with an empty trust store: a report, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yinxin_pki::TrustStore;
use yinxin_seal::verify::VerifyOptions;

fuzz_target!(|data: &[u8]| {
    let trust = TrustStore::default();
    let _ = yinxin_doc::pdf::verify_pdf(data, &VerifyOptions::new(&trust));
    let _ = yinxin_doc::pdf::updates::analyse(data, data.len() / 2);
});
