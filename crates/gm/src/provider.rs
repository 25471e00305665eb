//! The crypto provider: the one seam through which yinxin hashes, signs, verifies and draws
//! randomness, in the manner of rustls' `CryptoProvider`.
//!
//! The rest of yinxin asks [`default_provider`] (or a provider it was handed) for an
//! [`Sm2Signer`] or [`Sm2Verifier`] and never names a backend. A signer is a handle: a hardware
//! module (GM/T 0018 SDF, PKCS#11) returns one whose key never leaves the device; the software
//! backend returns one that holds the scalar in zeroizing memory.
//!
//! A process installs its provider once at start-up with [`install_default`]; without that, the
//! `sm2p256` backend is used (or the one `YINXIN_SM2_BACKEND` names).

use crate::Result;
use crate::sm2::{Sm2PrivateKey, Sm2PublicKey, Sm2Signature, UserId, compute_z, message_digest};
use crate::sm3::{Sm3Digest, Sm3Hasher};
use core::fmt::Debug;
use std::sync::OnceLock;

/// A backend for SM2/SM3 and randomness.
pub trait Provider: Send + Sync + Debug {
    /// A short stable name (`software`, `sdf:…`), for logs, metrics and `yinxin sm2 bench`.
    fn name(&self) -> &'static str;

    /// Fill `buf` from a cryptographically secure random source.
    fn fill_random(&self, buf: &mut [u8]) -> Result<()>;

    /// SM3 of one buffer. Backends with SM3 hardware may override it.
    fn sm3(&self, data: &[u8]) -> Sm3Digest {
        crate::sm3::sm3(data)
    }

    /// A streaming SM3 hasher.
    fn sm3_hasher(&self) -> Sm3Hasher {
        Sm3Hasher::new()
    }

    /// Generate a new SM2 key pair held in software.
    fn generate_sm2(&self) -> Result<Sm2PrivateKey> {
        Sm2PrivateKey::generate(self.as_dyn())
    }

    /// A signer for a software-held key, signing with user ID `id`. Z and (1 + d)⁻¹ are computed
    /// once here, not per signature.
    fn sm2_signer(&self, key: &Sm2PrivateKey, id: UserId<'_>) -> Result<Box<dyn Sm2Signer>>;

    /// A verifier for `key` and user ID `id`, with Z cached.
    fn sm2_verifier(&self, key: &Sm2PublicKey, id: UserId<'_>) -> Result<Box<dyn Sm2Verifier>>;

    /// Verify one signature without keeping a verifier.
    fn sm2_verify(&self, key: &Sm2PublicKey, id: UserId<'_>, msg: &[u8], sig: &Sm2Signature) -> Result<()> {
        self.sm2_verifier(key, id)?.verify(msg, sig)
    }

    /// This provider as a trait object (implemented by the blanket impl below).
    fn as_dyn(&self) -> &dyn Provider;
}

/// A handle that signs with one SM2 key and one user ID.
pub trait Sm2Signer: Send + Sync + Debug {
    /// The public key.
    fn public_key(&self) -> &Sm2PublicKey;

    /// Z_A for this key and ID.
    fn z(&self) -> &Sm3Digest;

    /// Sign e = SM3(Z ‖ M) computed by the caller (GB/T 32918.2 §6.1 A3–A7).
    fn sign_digest(&self, e: &Sm3Digest) -> Result<Sm2Signature>;

    /// Sign a message (Z is prepended).
    fn sign(&self, msg: &[u8]) -> Result<Sm2Signature> {
        self.sign_digest(&message_digest(self.z(), msg))
    }
}

/// A verifier for one SM2 public key and one user ID.
pub trait Sm2Verifier: Send + Sync + Debug {
    /// The public key.
    fn public_key(&self) -> &Sm2PublicKey;

    /// Z_A for this key and ID.
    fn z(&self) -> &Sm3Digest;

    /// Verify against e = SM3(Z ‖ M) computed by the caller (GB/T 32918.2 §7.1 B3–B7).
    fn verify_digest(&self, e: &Sm3Digest, sig: &Sm2Signature) -> Result<()>;

    /// Verify a message (Z is prepended).
    fn verify(&self, msg: &[u8], sig: &Sm2Signature) -> Result<()> {
        self.verify_digest(&message_digest(self.z(), msg), sig)
    }
}

/// Helper for backends: Z for a key and ID.
pub fn z_for(key: &Sm2PublicKey, id: UserId<'_>) -> Sm3Digest {
    compute_z(id, key)
}

static DEFAULT: OnceLock<&'static dyn Provider> = OnceLock::new();

/// Install the process-wide provider. Call once, early; returns the provider already installed
/// if another call (or a first use) got there first.
pub fn install_default(p: &'static dyn Provider) -> core::result::Result<(), &'static dyn Provider> {
    let mut installed = false;
    let now = DEFAULT.get_or_init(|| {
        installed = true;
        p
    });
    if installed { Ok(()) } else { Err(*now) }
}

/// The backends compiled in, by name.
pub fn by_name(name: &str) -> Option<&'static dyn Provider> {
    match name {
        "sm2p256" => Some(&crate::sm2p256::SM2P256),
        "software" => Some(&crate::software::SOFTWARE),
        _ => None,
    }
}

/// Names accepted by [`by_name`].
pub const BACKENDS: [&str; 2] = ["sm2p256", "software"];

/// The process-wide provider: the installed one; else the one `YINXIN_SM2_BACKEND` names
/// (`sm2p256` or `software`); else `sm2p256`. An unknown name in the variable is a
/// configuration error and stops the process rather than silently picking another backend.
pub fn default_provider() -> &'static dyn Provider {
    *DEFAULT.get_or_init(|| match std::env::var("YINXIN_SM2_BACKEND") {
        Ok(name) => by_name(&name).unwrap_or_else(|| panic!("YINXIN_SM2_BACKEND={name:?} is not one of {BACKENDS:?}")),
        Err(_) => &crate::sm2p256::SM2P256,
    })
}

/// Verify with the default provider, for one-off checks.
pub fn verify(key: &Sm2PublicKey, id: UserId<'_>, msg: &[u8], sig: &Sm2Signature) -> Result<()> {
    default_provider().sm2_verify(key, id, msg, sig)
}

/// Parse a signature in either encoding and verify it with the default provider.
pub fn verify_bytes(key: &Sm2PublicKey, id: UserId<'_>, msg: &[u8], sig: &[u8]) -> Result<()> {
    let sig = Sm2Signature::from_bytes(sig)?;
    verify(key, id, msg, &sig)
}
