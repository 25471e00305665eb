//! An exported archive package (GB/T 18894 style, in a BagIt bag) from arbitrary bytes, verified
//! end to end as `yinxin archive verify-package` does: the input is cut at 0xFF bytes into the
//! bag's tag files, the metadata XML, the sealed list with its SES signature and two materials,
//! written to a temporary directory and checked with an empty trust store: a verdict with its
//! checks, never a panic.
#![no_main]

#[path = "split_files.rs"]
mod split_files;

use libfuzzer_sys::fuzz_target;
use yinxin_archive::service::Authority;
use yinxin_pki::TrustStore;
use yinxin_pki::report::Report;
use yinxin_seal::verify::VerifyOptions;

const FILES: [&str; 9] = [
    "bagit.txt",
    "bag-info.txt",
    "manifest-sm3.txt",
    "tagmanifest-sm3.txt",
    "data/元数据.xml",
    "data/证据/清单.txt",
    "data/证据/清单.ses",
    "data/材料/营业执照.ofd",
    "data/材料/申请表.pdf",
];

struct Empty(TrustStore);

impl Authority for Empty {
    fn verify(&self, bytes: &[u8]) -> Option<Report> {
        yinxin_doc::stamp::verify_any(bytes, None, &VerifyOptions::new(&self.0))
    }
    fn seal(&self, _: &str, _: &[u8]) -> Result<Vec<u8>, String> {
        Err("verify only".into())
    }
    fn verify_seal(&self, signature: &[u8], data: &[u8]) -> Report {
        yinxin_seal::verify::verify_signature_bytes(signature, Some(data), &VerifyOptions::new(&self.0))
    }
    fn tool(&self) -> String {
        "fuzz".into()
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let bag = dir.path().join("bag");
    split_files::write_split(&bag, &FILES, data);
    let (_verdict, checks) = yinxin_archive::export::verify_package(&bag, &Empty(TrustStore::default()));
    assert!(!checks.is_empty());
});
