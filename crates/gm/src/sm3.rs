//! SM3 (GB/T 32905-2016 / GM/T 0004-2012), HMAC-SM3 (RFC 2104 over SM3) and the key derivation
//! function of GM/T 0003.4-2012 §5.4.3. Streaming APIs for all three inputs that can be large.

use core::fmt;
use hmac::{KeyInit, Mac};
use sm3::Digest;

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
    Sm3Digest(sm3::Sm3::digest(data).into())
}

/// Streaming SM3.
#[derive(Clone, Default)]
pub struct Sm3Hasher(sm3::Sm3);

impl Sm3Hasher {
    /// A fresh hasher.
    pub fn new() -> Self {
        Self::default()
    }
    /// Feed more data.
    pub fn update(&mut self, data: &[u8]) -> &mut Self {
        Digest::update(&mut self.0, data);
        self
    }
    /// The digest of everything fed so far.
    pub fn finalize(self) -> Sm3Digest {
        Sm3Digest(self.0.finalize().into())
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

type HmacSm3Inner = hmac::Hmac<sm3::Sm3>;

/// Streaming HMAC-SM3. The key is zeroized inside the MAC state on drop.
#[derive(Clone)]
pub struct HmacSm3(HmacSm3Inner);

impl HmacSm3 {
    /// A MAC under `key` (any length, as RFC 2104 allows).
    pub fn new(key: &[u8]) -> Self {
        Self(<HmacSm3Inner as KeyInit>::new_from_slice(key).expect("HMAC accepts any key length"))
    }
    /// Feed more data.
    pub fn update(&mut self, data: &[u8]) -> &mut Self {
        Mac::update(&mut self.0, data);
        self
    }
    /// The 32-byte tag.
    pub fn finalize(self) -> [u8; 32] {
        self.0.finalize().into_bytes().into()
    }
    /// Check a tag in constant time.
    pub fn verify(self, tag: &[u8]) -> bool {
        self.0.verify_slice(tag).is_ok()
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
    base: sm3::Sm3,
    counter: u32,
    block: [u8; 32],
    used: usize,
}

impl Kdf {
    /// A KDF over the shared secret `z`.
    pub fn new(z: &[u8]) -> Self {
        let mut base = sm3::Sm3::new();
        Digest::update(&mut base, z);
        Self { base, counter: 0, block: [0; 32], used: 32 }
    }

    /// Fill `out` with the next bytes of the key stream.
    pub fn fill(&mut self, out: &mut [u8]) -> crate::Result<()> {
        for b in out.iter_mut() {
            if self.used == 32 {
                self.counter = self.counter.checked_add(1).ok_or(crate::Error::KdfLength(0))?;
                let mut h = self.base.clone();
                Digest::update(&mut h, self.counter.to_be_bytes());
                self.block = h.finalize().into();
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
        zeroize::Zeroize::zeroize(&mut self.block);
    }
}

impl fmt::Debug for Kdf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Kdf { .. }")
    }
}
