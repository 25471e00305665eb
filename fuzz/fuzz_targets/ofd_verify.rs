//! An OFD package from arbitrary bytes, verified end to end (zip with limits, the XML parts, the
//! References, SES or GM/T 0010 signatures) with an empty trust store: a report, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yinxin_pki::TrustStore;
use yinxin_seal::verify::VerifyOptions;

fuzz_target!(|data: &[u8]| {
    let trust = TrustStore::default();
    let _ = yinxin_doc::ofd::verify_ofd(data, &VerifyOptions::new(&trust));
});
