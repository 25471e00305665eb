//! Secrets do not outlive their use in freed memory: a global allocator that, while a secret is
//! watched, scans every buffer handed back to it for the secret's bytes. A plain `Vec` holding
//! the secret is seen (the detector works); the key paths are not: an SM2 private key encoded
//! as PKCS #8, wrapped under the KEK and unwrapped again, and the KEK read from hex and written
//! back as hex. Stack copies are out of reach here (the review list in issue 22's note covers
//! them: `Sm2PrivateKey`, `Sm4Key` and the signing contexts zeroize on drop).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

struct Watching;

static WATCH: AtomicBool = AtomicBool::new(false);
static SECRET: [std::sync::atomic::AtomicU8; 32] = [const { std::sync::atomic::AtomicU8::new(0) }; 32];
static SECRET_LEN: AtomicUsize = AtomicUsize::new(0);
static HITS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Watching {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let n = SECRET_LEN.load(Ordering::Relaxed);
        if WATCH.load(Ordering::Relaxed) && n > 0 && layout.size() >= n {
            // SAFETY: the block is still ours until System.dealloc below.
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            let first = SECRET[0].load(Ordering::Relaxed);
            for i in 0..=block.len() - n {
                if block[i] == first && (0..n).all(|j| block[i + j] == SECRET[j].load(Ordering::Relaxed)) {
                    HITS.fetch_add(1, Ordering::Relaxed);
                    break;
                }
            }
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Watching = Watching;

/// Run `f` with `secret` watched; the number of freed buffers that still held it.
fn freed_copies(secret: &[u8], f: impl FnOnce()) -> usize {
    for (i, b) in secret.iter().enumerate() {
        SECRET[i].store(*b, Ordering::Relaxed);
    }
    SECRET_LEN.store(secret.len(), Ordering::Relaxed);
    HITS.store(0, Ordering::Relaxed);
    WATCH.store(true, Ordering::SeqCst);
    f();
    WATCH.store(false, Ordering::SeqCst);
    HITS.load(Ordering::Relaxed)
}

#[test]
fn keys_leave_no_copies_in_freed_memory() {
    use yinxin_gm::sm2::Sm2PrivateKey;
    use yinxin_server::keys::Kek;
    // A scalar with no run of bytes common elsewhere.
    let d: [u8; 32] = std::array::from_fn(|i| (0x5a ^ (i as u8).wrapping_mul(37)).wrapping_add(1));

    // The detector: a Vec that held the secret is found when freed.
    assert!(freed_copies(&d, || drop(std::hint::black_box(d.to_vec()))) >= 1, "the detector sees a plain Vec");

    let kek = Kek::generate().unwrap();
    let key = Sm2PrivateKey::from_bytes(&d).unwrap();
    let hits = freed_copies(&d, || {
        let der = key.to_pkcs8_der().unwrap();
        assert!(der.windows(32).any(|w| w == d), "the DER holds the scalar");
        drop(der);
        let wrapped = kek.wrap("department:test", &key).unwrap();
        let back = kek.unwrap("department:test", &wrapped).unwrap();
        assert_eq!(*back.expose_scalar(), d);
        drop(back);
        drop(key.to_encrypted_pem(b"passphrase").unwrap());
    });
    assert_eq!(hits, 0, "freed buffers held the private key {hits} times");

    // The KEK: from hex, to hex, used.
    let kek_bytes: [u8; 16] = std::array::from_fn(|i| 0xa5 ^ (i as u8).wrapping_mul(29));
    let hex = hex::encode(kek_bytes);
    let hits = freed_copies(&kek_bytes, || {
        let k = Kek::from_hex(&hex).unwrap();
        drop(k.to_hex());
        let w = k.wrap_secret("s", b"some secret").unwrap();
        drop(k.unwrap_secret("s", &w).unwrap());
    });
    assert_eq!(hits, 0, "freed buffers held the KEK {hits} times");
}
