//! An uploaded file from arbitrary bytes through the archive's format identification and
//! usability checks (PDF, OFD zip, JPEG, PNG, TIFF, XML decoded whole): never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yinxin_archive::format::{identify, usability};

fuzz_target!(|data: &[u8]| {
    let ident = identify(data);
    let _ = usability(data, &ident);
});
