//! A signed status list (CBOR, zlib bitstring) from arbitrary bytes: parsed, inflated, read and
//! its signature checked under the keys-dev status-list key: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use yinxin_gm::{Sm2Verifier, UserId, default_provider};
use yinxin_pki::Cert;
use yinxin_present::status::{Bits, SignedStatusList};

fn verifier() -> &'static dyn Sm2Verifier {
    static V: OnceLock<Box<dyn Sm2Verifier>> = OnceLock::new();
    V.get_or_init(|| {
        let pem = std::fs::read(format!("{}/../keys-dev/status-list.cert.pem", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let key = Cert::from_pem_or_der(&pem).unwrap().public_key.unwrap();
        default_provider().sm2_verifier(&key, UserId::DEFAULT).unwrap()
    })
    .as_ref()
}

fuzz_target!(|data: &[u8]| {
    if data.len() > 4 {
        let entries = u32::from_le_bytes([data[0], data[1], data[2], data[3]]);
        let _ = Bits::decompress(entries, &data[4..]);
    }
    let Ok(list) = SignedStatusList::parse(data) else { return };
    let _ = list.verify_signature(verifier());
    if let Ok(bits) = list.bits() {
        for i in [0, 1, bits.entries() / 2, bits.entries().saturating_sub(1), bits.entries()] {
            let _ = bits.get(i);
        }
    }
});
