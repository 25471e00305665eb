//! A trust bundle (JSON envelope, Base64 payload, SM2 signature, certificates, status lists) from
//! arbitrary bytes, opened with and without a pinned root: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use yinxin_pki::Cert;
use yinxin_present::bundle::Bundle;

fn root() -> &'static Cert {
    static ROOT: OnceLock<Cert> = OnceLock::new();
    ROOT.get_or_init(|| {
        let pem = std::fs::read(format!("{}/../keys-dev/root-ca.cert.pem", env!("CARGO_MANIFEST_DIR"))).unwrap();
        Cert::from_pem_or_der(&pem).unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    // Ten days into keys-dev's validity, when the seed bundle is fresh.
    let now = root().not_before + time::Duration::days(10);
    let _ = Bundle::open(data, None, now);
    let _ = Bundle::open(data, Some(root()), now);
});
