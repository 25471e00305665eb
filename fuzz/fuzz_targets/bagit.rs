//! A BagIt package (RFC 8493) from arbitrary bytes, verified from a directory: the input is cut
//! at 0xFF bytes into the tag files and two payload files of a tiny bag, written to a temporary
//! directory and checked: never a panic.
#![no_main]

#[path = "split_files.rs"]
mod split_files;

use libfuzzer_sys::fuzz_target;
use yinxin_archive::bagit;

const FILES: [&str; 8] = [
    "bagit.txt",
    "bag-info.txt",
    "manifest-sha256.txt",
    "manifest-sm3.txt",
    "tagmanifest-sha256.txt",
    "tagmanifest-sm3.txt",
    "data/a.pdf",
    "data/子目录/b.xml",
];

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let bag = dir.path().join("bag");
    split_files::write_split(&bag, &FILES, data);
    let _ = bagit::verify(&bag);
    let _ = bagit::check(&bag);
});
