//! SM3 (GB/T 32905-2016 / GM/T 0004-2012), HMAC-SM3 (RFC 2104 over SM3) and the key derivation
//! function of GM/T 0003.4-2012 §5.4.3. Streaming APIs for all three inputs that can be large.
//!
//! The compression function is our own ([`compress`]), unrolled for speed; padding (§5.2) and
//! the iteration (§5.3.1) are here. RustCrypto's `sm3` is the differential-test oracle.

mod compress;

use compress::{IV, compress};
use core::fmt;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// An SM3 digest: 32 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sm3Digest(pub [u8; 32]);

impl Sm3Digest {
    /// Lower-case hexadecimal.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parse 64 hexadecimal digits.
    pub fn from_hex(s: &str) -> Option<Self> {
        let v = hex::decode(s).ok()?;
        Some(Self(v.try_into().ok()?))
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl AsRef<[u8]> for Sm3Digest {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Sm3Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sm3Digest({})", self.to_hex())
    }
}

impl fmt::Display for Sm3Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// SM3 of one buffer.
pub fn sm3(data: &[u8]) -> Sm3Digest {
    let mut h = Sm3Hasher::new();
    h.update(data);
    h.finalize()
}

/// Streaming SM3.
#[derive(Clone)]
pub struct Sm3Hasher {
    state: [u32; 8],
    /// Bytes of an incomplete block; `buf[..buffered]` is meaningful.
    buf: [u8; 64],
    buffered: usize,
    /// Bytes compressed so far (whole blocks).
    blocks_len: u64,
}

impl Default for Sm3Hasher {
    fn default() -> Self {
        Self { state: IV, buf: [0; 64], buffered: 0, blocks_len: 0 }
    }
}

impl Sm3Hasher {
    /// A fresh hasher.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feed more data. Whole blocks are compressed straight from `data`, without a copy.
    pub fn update(&mut self, mut data: &[u8]) -> &mut Self {
        if self.buffered > 0 {
            let take = (64 - self.buffered).min(data.len());
            self.buf[self.buffered..self.buffered + take].copy_from_slice(&data[..take]);
            self.buffered += take;
            data = &data[take..];
            if self.buffered < 64 {
                return self;
            }
            compress(&mut self.state, &self.buf);
            self.blocks_len += 64;
            self.buffered = 0;
        }
        let whole = data.len() - data.len() % 64;
        if whole > 0 {
            compress(&mut self.state, &data[..whole]);
            self.blocks_len += whole as u64;
        }
        let rest = &data[whole..];
        self.buf[..rest.len()].copy_from_slice(rest);
        self.buffered = rest.len();
        self
    }

    /// The digest of everything fed so far.
    pub fn finalize(mut self) -> Sm3Digest {
        Sm3Digest(self.finalize_words())
    }

    /// Padding (§5.2): 1, zeros to 448 mod 512 bits, then the bit length as 64 bits big-endian.
    fn finalize_words(&mut self) -> [u8; 32] {
        let bits = (self.blocks_len + self.buffered as u64).wrapping_mul(8);
        let mut last = [0u8; 128];
        last[..self.buffered].copy_from_slice(&self.buf[..self.buffered]);
        last[self.buffered] = 0x80;
        let n = if self.buffered < 56 { 64 } else { 128 };
        last[n - 8..n].copy_from_slice(&bits.to_be_bytes());
        compress(&mut self.state, &last[..n]);
        last.zeroize();
        let mut out = [0u8; 32];
        for (o, w) in out.chunks_exact_mut(4).zip(self.state) {
            o.copy_from_slice(&w.to_be_bytes());
        }
        out
    }

    /// Wipe the state (for hashers that have absorbed a key).
    fn wipe(&mut self) {
        self.state.zeroize();
        self.buf.zeroize();
    }
}

impl fmt::Debug for Sm3Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sm3Hasher")
    }
}

impl std::io::Write for Sm3Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// SM3 of everything a reader yields, in 64 KiB chunks.
pub fn sm3_reader(mut r: impl std::io::Read) -> std::io::Result<Sm3Digest> {
    let mut h = Sm3Hasher::new();
    std::io::copy(&mut r, &mut h)?;
    Ok(h.finalize())
}

/// Streaming HMAC-SM3. The key-derived states are zeroized on drop.
#[derive(Clone)]
pub struct HmacSm3 {
    inner: Sm3Hasher,
    /// SM3 state after absorbing K ⊕ opad.
    outer: Sm3Hasher,
}

impl HmacSm3 {
    /// A MAC under `key` (any length, as RFC 2104 allows: keys over one block are hashed first).
    pub fn new(key: &[u8]) -> Self {
        let mut k0 = [0u8; 64];
        if key.len() > 64 {
            k0[..32].copy_from_slice(&sm3(key).0);
        } else {
            k0[..key.len()].copy_from_slice(key);
        }
        let mut pad = [0u8; 64];
        for (p, k) in pad.iter_mut().zip(&k0) {
            *p = k ^ 0x36;
        }
        let mut inner = Sm3Hasher::new();
        inner.update(&pad);
        for (p, k) in pad.iter_mut().zip(&k0) {
            *p = k ^ 0x5c;
        }
        let mut outer = Sm3Hasher::new();
        outer.update(&pad);
        pad.zeroize();
        k0.zeroize();
        Self { inner, outer }
    }
    /// Feed more data.
    pub fn update(&mut self, data: &[u8]) -> &mut Self {
        self.inner.update(data);
        self
    }
    /// The 32-byte tag.
    pub fn finalize(mut self) -> [u8; 32] {
        let mut inner = self.inner.finalize_words();
        self.outer.update(&inner);
        inner.zeroize();
        self.outer.finalize_words()
    }
    /// Check a tag in constant time.
    pub fn verify(self, tag: &[u8]) -> bool {
        tag.len() == 32 && bool::from(self.finalize().ct_eq(tag))
    }
}

impl Drop for HmacSm3 {
    fn drop(&mut self) {
        self.inner.wipe();
        self.outer.wipe();
    }
}

impl fmt::Debug for HmacSm3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacSm3 { .. }")
    }
}

/// HMAC-SM3 of one buffer.
pub fn hmac_sm3(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut m = HmacSm3::new(key);
    m.update(data);
    m.finalize()
}

/// The KDF of GM/T 0003.4 §5.4.3: `K = SM3(Z ‖ ct₁) ‖ SM3(Z ‖ ct₂) ‖ …` truncated to `klen` bytes,
/// with a 32-bit big-endian counter starting at 1.
pub fn kdf(z: &[u8], klen: usize) -> crate::Result<zeroize::Zeroizing<Vec<u8>>> {
    let mut k = Kdf::new(z);
    let mut out = zeroize::Zeroizing::new(vec![0u8; klen]);
    k.fill(&mut out)?;
    Ok(out)
}

/// Streaming form of [`kdf`], for long key streams (SM2 decryption of large messages).
#[derive(Clone)]
pub struct Kdf {
    base: Sm3Hasher,
    counter: u32,
    block: [u8; 32],
    used: usize,
}

impl Kdf {
    /// A KDF over the shared secret `z`.
    pub fn new(z: &[u8]) -> Self {
        let mut base = Sm3Hasher::new();
        base.update(z);
        Self { base, counter: 0, block: [0; 32], used: 32 }
    }

    /// Fill `out` with the next bytes of the key stream.
    pub fn fill(&mut self, out: &mut [u8]) -> crate::Result<()> {
        for b in out.iter_mut() {
            if self.used == 32 {
                self.counter = self.counter.checked_add(1).ok_or(crate::Error::KdfLength(0))?;
                let mut h = self.base.clone();
                h.update(&self.counter.to_be_bytes());
                self.block = h.finalize_words();
                h.wipe();
                self.used = 0;
            }
            *b = self.block[self.used];
            self.used += 1;
        }
        Ok(())
    }
}

impl Drop for Kdf {
    fn drop(&mut self) {
        self.block.zeroize();
        self.base.wipe();
    }
}

impl fmt::Debug for Kdf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Kdf { .. }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{KeyInit, Mac};
    use sm3::Digest;

    /// xorshift64: reproducible test data without a dependency.
    fn bytes(seed: &mut u64, n: usize) -> Vec<u8> {
        (0..n)
            .map(|_| {
                *seed ^= *seed << 13;
                *seed ^= *seed >> 7;
                *seed ^= *seed << 17;
                (*seed >> 24) as u8
            })
            .collect()
    }

    fn oracle(data: &[u8]) -> [u8; 32] {
        sm3::Sm3::digest(data).into()
    }

    #[test]
    fn standard_vectors() {
        assert_eq!(sm3(b"abc").to_hex(), "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
        assert_eq!(
            sm3(&b"abcd".repeat(16)).to_hex(),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
        );
        assert_eq!(sm3(b"").to_hex(), "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b");
    }

    /// Against RustCrypto `sm3` for every length 0..2000 (all padding cases: remainder below
    /// 56, exactly 56, 57–63, whole blocks), and incrementally at random split points.
    #[test]
    fn agrees_with_rustcrypto() {
        let mut seed = 0x2545_f491_4f6c_dd1d;
        let data = bytes(&mut seed, 2000);
        for len in 0..2000 {
            let m = &data[..len];
            let want = oracle(m);
            assert_eq!(sm3(m).0, want, "one shot, {len} bytes");
            let cuts = bytes(&mut seed, 3);
            let mut cut: Vec<usize> = cuts.iter().map(|c| *c as usize * len / 255).collect();
            cut.sort();
            let mut h = Sm3Hasher::new();
            h.update(&m[..cut[0]]).update(&m[cut[0]..cut[1]]).update(&m[cut[1]..cut[2]]).update(&m[cut[2]..]);
            assert_eq!(h.finalize().0, want, "split at {cut:?}, {len} bytes");
        }
        // Byte by byte.
        let mut h = Sm3Hasher::new();
        for b in &data[..300] {
            h.update(std::slice::from_ref(b));
        }
        assert_eq!(h.finalize().0, oracle(&data[..300]));
    }

    #[test]
    fn one_mebibyte() {
        let mut seed = 7;
        let data = bytes(&mut seed, 1 << 20);
        assert_eq!(sm3(&data).0, oracle(&data));
        let mut h = Sm3Hasher::new();
        for chunk in data.chunks(65_521) {
            h.update(chunk);
        }
        assert_eq!(h.finalize().0, oracle(&data));
        assert_eq!(sm3_reader(&data[..]).unwrap().0, oracle(&data));
    }

    /// Against the `hmac` crate over SM3, keys shorter than, equal to and longer than a block.
    #[test]
    fn hmac_agrees_with_rustcrypto() {
        let mut seed = 99;
        for (klen, mlen) in [(0, 0), (3, 10), (32, 64), (63, 100), (64, 55), (65, 1000), (200, 3)] {
            let key = bytes(&mut seed, klen);
            let msg = bytes(&mut seed, mlen);
            let mut m = <hmac::Hmac<sm3::Sm3> as KeyInit>::new_from_slice(&key).unwrap();
            Mac::update(&mut m, &msg);
            let want: [u8; 32] = m.finalize().into_bytes().into();
            assert_eq!(hmac_sm3(&key, &msg), want, "key {klen}, message {mlen}");
            let mut ours = HmacSm3::new(&key);
            ours.update(&msg[..mlen / 2]).update(&msg[mlen / 2..]);
            assert!(ours.clone().verify(&want));
            let mut bad = want;
            bad[31] ^= 1;
            assert!(!ours.clone().verify(&bad));
            assert!(!ours.verify(&want[..31]));
        }
    }
}
