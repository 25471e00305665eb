//! An uploaded file from arbitrary bytes through the archive's format identification and
//! usability checks (PDF, OFD zip, JPEG, PNG, TIFF, XML decoded whole): never a panic of ours.
//!
//! The image decoders are third-party code that `yinxin_archive::format` runs under
//! `catch_unwind` (a decoder's panic makes the file "not decodable"). libFuzzer's panic hook
//! aborts before anything can catch, so this target puts back a hook that lets a panic raised
//! inside those decoder crates unwind to that guard; every other panic still aborts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::Once;
use yinxin_archive::format::{identify, usability};

const DECODERS: [&str; 5] = ["/zune-jpeg-", "/zune-core-", "/image-0.", "/png-0.", "/tiff-0."];

fn guard_decoders() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let abort_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let file = info.location().map(|l| l.file()).unwrap_or("");
            if !DECODERS.iter().any(|d| file.contains(d)) {
                abort_hook(info);
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    guard_decoders();
    let ident = identify(data);
    let _ = usability(data, &ident);
});
