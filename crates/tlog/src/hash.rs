//! The hash a log is built on: [`Hash`](struct@Hash), 32 bytes, and the [`Hasher`] trait that gives the
//! RFC 9162 §2.1.1 leaf and interior-node hashes.
//!
//! yinxin's logs use [`Sm3`]. [`Sha256`] is here so that the same code is checked against the
//! published RFC 6962 / 9162 test vectors (which are SHA-256) and so that a C2SP log of the
//! ordinary kind can be read; the two share every line of tree and proof code.

use core::fmt;

/// A node or root hash of the tree: 32 bytes for both SM3 and SHA-256.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; 32]);

/// The size of a [`Hash`](struct@Hash) in bytes.
pub const HASH_SIZE: usize = 32;

impl Hash {
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A hash from exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        Some(Self(bytes.try_into().ok()?))
    }

    /// Lower-case hexadecimal.
    pub fn to_hex(&self) -> String {
        let mut s = String::with_capacity(64);
        for b in self.0 {
            s.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
            s.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
        }
        s
    }

    /// Standard base64 with padding (RFC 4648 §4), as checkpoints and witness requests carry it.
    pub fn to_base64(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(self.0)
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl From<yinxin_gm::Sm3Digest> for Hash {
    fn from(d: yinxin_gm::Sm3Digest) -> Self {
        Self(d.0)
    }
}

/// A hash function for the tree, with the RFC 9162 §2.1.1 domain separation: a leaf is
/// `H(0x00 ‖ d)`, an interior node `H(0x01 ‖ left ‖ right)`, the empty tree `H()`.
///
/// Implementors provide [`Hasher::hash_parts`]; the three tree hashes follow from it.
pub trait Hasher {
    /// A short name for diagnostics (`sm3`, `sha256`).
    const NAME: &'static str;

    /// The hash of the concatenation of `parts`.
    fn hash_parts(parts: &[&[u8]]) -> Hash;

    /// MTH({}) = HASH(), the root of the empty tree.
    fn empty_root() -> Hash {
        Self::hash_parts(&[])
    }

    /// MTH({d}) = HASH(0x00 ‖ d), a leaf.
    fn hash_leaf(data: &[u8]) -> Hash {
        Self::hash_parts(&[&[0x00], data])
    }

    /// HASH(0x01 ‖ left ‖ right), an interior node.
    fn hash_children(left: &Hash, right: &Hash) -> Hash {
        Self::hash_parts(&[&[0x01], &left.0, &right.0])
    }
}

/// SM3 (GB/T 32905), the hash of every yinxin log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sm3;

impl Hasher for Sm3 {
    const NAME: &'static str = "sm3";

    fn hash_parts(parts: &[&[u8]]) -> Hash {
        let mut h = yinxin_gm::sm3::Sm3Hasher::new();
        for p in parts {
            h.update(p);
        }
        h.finalize().into()
    }
}

/// SHA-256, for the published test vectors and for reading SHA-256 logs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sha256;

impl Hasher for Sha256 {
    const NAME: &'static str = "sha256";

    fn hash_parts(parts: &[&[u8]]) -> Hash {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for p in parts {
            h.update(p);
        }
        Hash(h.finalize().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_roots_are_the_hash_of_nothing() {
        assert_eq!(Sha256::empty_root().to_hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        // GB/T 32905 gives no empty-input vector; OpenSSL `dgst -sm3` of /dev/null prints this.
        assert_eq!(Sm3::empty_root().to_hex(), "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b");
    }

    #[test]
    fn leaf_and_node_prefixes_differ() {
        let a = Sm3::hash_leaf(b"x");
        assert_ne!(a, Sm3::hash_parts(&[b"x"]));
        assert_eq!(Sm3::hash_children(&a, &a), Sm3::hash_parts(&[&[1], &a.0, &a.0]));
        assert_ne!(Sm3::hash_children(&a, &a), Sm3::hash_leaf(&[a.0, a.0].concat()));
    }

    #[test]
    fn base64_and_hex() {
        let h = Hash([0xab; 32]);
        assert_eq!(h.to_hex(), "ab".repeat(32));
        assert_eq!(h.to_base64().len(), 44);
        assert_eq!(Hash::from_slice(&[1; 31]), None);
    }
}
