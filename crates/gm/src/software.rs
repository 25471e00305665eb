//! The software backend, on RustCrypto `sm2` arithmetic (constant-time: complete formulas and
//! `subtle` selection) and `sm3`.
//!
//! Signing is implemented here rather than through `sm2::dsa::SigningKey` so that (1 + d)⁻¹ and Z
//! are computed once per key, and so that the standard's worked example, which fixes k, runs
//! through the very code that signs in production ([`sign_with_nonce`]). k comes from RFC 6979's
//! HMAC-DRBG over SM3, hedged with 32 fresh random bytes: random as GB/T 32918.2 asks, and safe
//! even if the random source repeats.

use crate::provider::{Provider, Sm2Signer, Sm2Verifier, z_for};
use crate::sm2::{Sm2PrivateKey, Sm2PublicKey, Sm2Signature, UserId};
use crate::sm3::Sm3Digest;
use crate::{Error, Result};
use core::fmt;
use sm2::elliptic_curve::Group;
use sm2::elliptic_curve::ff::PrimeField;
use sm2::elliptic_curve::ops::Reduce;
use sm2::elliptic_curve::point::AffineCoordinates;
use sm2::elliptic_curve::subtle::ConstantTimeEq;
use sm2::{FieldBytes, ProjectivePoint, Scalar};
use zeroize::Zeroize;

/// The software provider.
#[derive(Debug, Default, Clone, Copy)]
pub struct SoftwareProvider;

/// The software provider as a `'static`, for [`crate::install_default`].
pub static SOFTWARE: SoftwareProvider = SoftwareProvider;

impl Provider for SoftwareProvider {
    fn name(&self) -> &'static str {
        "software"
    }

    fn fill_random(&self, buf: &mut [u8]) -> Result<()> {
        getrandom::fill(buf).map_err(|_| Error::Random)
    }

    fn sm2_signer(&self, key: &Sm2PrivateKey, id: UserId<'_>) -> Result<Box<dyn Sm2Signer>> {
        Ok(Box::new(SoftwareSigner::new(key, id)?))
    }

    fn sm2_verifier(&self, key: &Sm2PublicKey, id: UserId<'_>) -> Result<Box<dyn Sm2Verifier>> {
        Ok(Box::new(SoftwareVerifier::new(key, id)?))
    }

    fn as_dyn(&self) -> &dyn Provider {
        self
    }
}

/// A software signing handle.
pub struct SoftwareSigner {
    d: Scalar,
    d1_inv: Scalar,
    public: Sm2PublicKey,
    z: Sm3Digest,
}

impl SoftwareSigner {
    /// Precompute Z and (1 + d)⁻¹.
    pub fn new(key: &Sm2PrivateKey, id: UserId<'_>) -> Result<Self> {
        let bytes = key.expose_scalar();
        let d =
            Option::<Scalar>::from(Scalar::from_repr(FieldBytes::from(*bytes))).ok_or(Error::PrivateKeyOutOfRange)?;
        let d1_inv = Option::<Scalar>::from((d + Scalar::ONE).invert()).ok_or(Error::PrivateKeyOutOfRange)?;
        let public = key.public_key().clone();
        let z = z_for(&public, id);
        Ok(Self { d, d1_inv, public, z })
    }

    fn nonce(&self, e: &Scalar, attempt: u32) -> Result<Scalar> {
        let mut extra = [0u8; 36];
        getrandom::fill(&mut extra[..32]).map_err(|_| Error::Random)?;
        extra[32..].copy_from_slice(&attempt.to_be_bytes());
        let mut kgen = rfc6979::KGenerator::<sm3::Sm3, sm2::U256>::new(
            &self.d.to_repr(),
            &e.to_repr(),
            &extra,
            &<sm2::Sm2 as sm2::elliptic_curve::Curve>::ORDER,
        );
        extra.zeroize();
        let mut k = FieldBytes::default();
        kgen.fill_next_k(&mut k);
        let s = Option::<Scalar>::from(Scalar::from_repr(k));
        k.zeroize();
        s.filter(|s| !bool::from(s.is_zero())).ok_or(Error::Random)
    }
}

impl Drop for SoftwareSigner {
    fn drop(&mut self) {
        self.d.zeroize();
        self.d1_inv.zeroize();
    }
}

impl fmt::Debug for SoftwareSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoftwareSigner").field("public", &self.public).finish_non_exhaustive()
    }
}

impl Sm2Signer for SoftwareSigner {
    fn public_key(&self) -> &Sm2PublicKey {
        &self.public
    }

    fn z(&self) -> &Sm3Digest {
        &self.z
    }

    fn sign_digest(&self, e: &Sm3Digest) -> Result<Sm2Signature> {
        let e = reduce(&e.0);
        // The restart conditions of A5/A6 occur with probability ~2⁻²⁵⁶; bound the loop anyway.
        for attempt in 0..16 {
            let k = self.nonce(&e, attempt)?;
            if let Some(sig) = sign_core(&self.d, &self.d1_inv, &e, &k) {
                return Ok(sig);
            }
        }
        Err(Error::Random)
    }
}

/// GB/T 32918.2 §6.1 A4–A7 for a given nonce: r = (e + x₁) mod n, s = (1 + d)⁻¹ (k − r·d) mod n.
/// `None` when the standard says to pick another k.
fn sign_core(d: &Scalar, d1_inv: &Scalar, e: &Scalar, k: &Scalar) -> Option<Sm2Signature> {
    let x1 = ProjectivePoint::mul_by_generator(k).to_affine().x();
    let r = *e + <Scalar as Reduce<FieldBytes>>::reduce(&x1);
    if bool::from(r.is_zero() | (r + k).ct_eq(&Scalar::ZERO)) {
        return None;
    }
    let s = *d1_inv * (*k - r * d);
    if bool::from(s.is_zero()) {
        return None;
    }
    Sm2Signature::from_scalars(r.to_repr().into(), s.to_repr().into()).ok()
}

fn reduce(b: &[u8; 32]) -> Scalar {
    <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(*b))
}

/// Sign `e` with an explicit nonce k. **Only for reproducing published test vectors**: a reused or
/// predictable k reveals the private key.
#[doc(hidden)]
pub fn sign_with_nonce(key: &Sm2PrivateKey, e: &Sm3Digest, k: &[u8; 32]) -> Result<Sm2Signature> {
    let signer = SoftwareSigner::new(key, UserId::DEFAULT)?;
    let k = Option::<Scalar>::from(Scalar::from_repr(FieldBytes::from(*k))).ok_or(Error::Random)?;
    sign_core(&signer.d, &signer.d1_inv, &reduce(&e.0), &k).ok_or(Error::Random)
}

/// A software verification handle.
#[derive(Debug, Clone)]
pub struct SoftwareVerifier {
    key: sm2::dsa::VerifyingKey,
    public: Sm2PublicKey,
    z: Sm3Digest,
}

impl SoftwareVerifier {
    /// Precompute Z.
    pub fn new(public: &Sm2PublicKey, id: UserId<'_>) -> Result<Self> {
        // RustCrypto's VerifyingKey wants a UTF-8 ID for its own Z; we compute Z ourselves and use
        // only its prehash verification, so any ID works.
        let key = sm2::dsa::VerifyingKey::new("", *public.inner()).map_err(|_| Error::PointNotOnCurve)?;
        Ok(Self { key, public: public.clone(), z: z_for(public, id) })
    }
}

impl Sm2Verifier for SoftwareVerifier {
    fn public_key(&self) -> &Sm2PublicKey {
        &self.public
    }

    fn z(&self) -> &Sm3Digest {
        &self.z
    }

    fn verify_digest(&self, e: &Sm3Digest, sig: &Sm2Signature) -> Result<()> {
        use sm2::dsa::signature::hazmat::PrehashVerifier;
        let s = sm2::dsa::Signature::from_scalars(*sig.r(), *sig.s()).map_err(|_| Error::SignatureROutOfRange)?;
        self.key.verify_prehash(&e.0, &s).map_err(|_| Error::SignatureMismatch)
    }
}
