//! Status lists read from outside are inflated in bounded memory and time: a list that claims
//! billions of entries, and a bitstring that inflates far past what its entry count allows, are
//! refused with a reason that names the limit. Each test says which limit it guards.

#[path = "../../../tests/support/peak.rs"]
mod peak;

#[global_allocator]
static ALLOC: peak::Counting = peak::Counting;

use ciborium::Value;
use peak::bounded;
use std::io::Write;
use std::sync::OnceLock;
use yinxin_present::status::{Bits, SignedStatusList};
use yinxin_present::{MAX_STATUS_ENTRIES, MIN_STATUS_ENTRIES};

/// zlib of 320 MiB of zeros (about 320 KiB), made once.
fn bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        let chunk = vec![0u8; 1 << 20];
        for _ in 0..320 {
            z.write_all(&chunk).unwrap();
        }
        z.finish().unwrap()
    })
}

fn cbor(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out).unwrap();
    out
}

/// A status list in the carried form (its signature is not checked by `parse`), with whatever
/// entry count and bitstring it claims.
fn list(entries: u64, compressed: &[u8]) -> Vec<u8> {
    let body = cbor(&Value::Array(vec![
        Value::Text("yx-status-1".into()),
        Value::Bytes(vec![1; 8]),
        Value::Text("11530100MB0123456A".into()),
        Value::Integer(0.into()),
        Value::Integer(2.into()),
        Value::Integer(entries.into()),
        Value::Integer(1_780_000_000.into()),
        Value::Integer(1_780_003_600.into()),
        Value::Bytes(compressed.to_vec()),
    ]));
    cbor(&Value::Array(vec![Value::Bytes(body), Value::Bytes(vec![2; 8]), Value::Bytes(vec![3; 64])]))
}

/// Parse and inflate, as a verifier does; the error says why.
fn read(bytes: &[u8]) -> Result<Bits, String> {
    SignedStatusList::parse(bytes).and_then(|l| l.bits()).map_err(|e| e.to_string())
}

/// Guards MAX_STATUS_ENTRIES (`lib.rs`, checked in `status.rs`): a list claiming 2^32 - 1
/// entries, whose bitstring would be a gigabyte.
#[test]
fn a_list_claiming_billions_of_entries_is_refused() {
    let bytes = list(u64::from(u32::MAX), bomb());
    let e = bounded("4 billion entries", || read(&bytes)).expect_err("refused");
    assert!(e.contains(&format!("exceed the limit of {MAX_STATUS_ENTRIES}")), "{e}");
    let e = bounded("4 billion entries, inflated directly", || Bits::decompress(u32::MAX, bomb()))
        .expect_err("refused")
        .to_string();
    assert!(e.contains(&format!("exceed the limit of {MAX_STATUS_ENTRIES}")), "{e}");
}

/// Guards the inflation bound of `Bits::decompress` (at most the entries' bytes plus one): a
/// list of the usual size whose bitstring inflates to 320 MiB.
#[test]
fn a_bitstring_bomb_is_not_inflated() {
    let bytes = list(u64::from(MIN_STATUS_ENTRIES), bomb());
    let e = bounded("bitstring bomb", || read(&bytes)).expect_err("refused");
    assert!(e.contains("inflates beyond the 32768 bytes"), "{e}");
}
