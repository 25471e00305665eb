//! `sm2p256`: yinxin's own SM2 backend — specialised field and scalar arithmetic, a constant-time
//! fixed-base comb for signing and key generation, and variable-time double-scalar
//! multiplication for verification, which only ever handles public values.
//!
//! Pure safe Rust (`#![forbid(unsafe_code)]` holds for the crate). Signing keeps Z and (1 + d)⁻¹
//! per key; verifying keeps Z and the key's odd multiples per key (and, from a key's second
//! verification on, its split table: [`lincomb`]), computes s·G + t·P_A with shared doublings,
//! and checks x₁ without an inversion (X ≡ x·Z², trying x = (r − e) mod n and x + n). The nonce
//! is RFC 6979's HMAC-DRBG over SM3 hedged with fresh randomness, as in the software backend.
//!
//! Constant-time review (signing path): `field` and `scalar` operations are branch-free on data;
//! `point::mul_base_ct` reads every table entry of every window; the only data-dependent branches
//! are the retry conditions r = 0, r + k = n and s = 0 of GB/T 32918.2 §6.1, which happen with
//! probability ~2⁻²⁵⁶, and the conversion of x₁ to affine uses a fixed addition chain. The
//! dudect harness `benches/examples/ct_sm2p256.rs` (run by `benches/ct.sh`) measures signing with
//! sparse versus random nonces, a small versus random keys, and k·G alone.

pub mod field;
pub mod group;
pub mod lincomb;
pub mod point;
pub mod scalar;

use crate::provider::{Provider, Sm2Signer, Sm2Verifier, z_for};
use crate::sm2::{Sm2PrivateKey, Sm2PublicKey, Sm2Signature, UserId};
use crate::sm3::Sm3Digest;
use crate::{Error, Result};
use core::fmt;
use field::{FP, Limbs, from_be, to_be};
use lincomb::{QSplit, lincomb_oneshot, lincomb_split, split_table};
use point::{Affine, Jacobian, mul_base_ct, odd_multiples};
use scalar::{FN, N, invert_plain, mul_plain, reduce};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use zeroize::Zeroize;

/// The backend.
#[derive(Debug, Default, Clone, Copy)]
pub struct Sm2p256Provider;

/// The backend as a `'static`.
pub static SM2P256: Sm2p256Provider = Sm2p256Provider;

impl Provider for Sm2p256Provider {
    fn name(&self) -> &'static str {
        "sm2p256"
    }

    fn fill_random(&self, buf: &mut [u8]) -> Result<()> {
        getrandom::fill(buf).map_err(|_| Error::Random)
    }

    /// d uniformly in [1, n − 2] by rejection sampling, then d·G with the constant-time comb.
    fn generate_sm2(&self) -> Result<Sm2PrivateKey> {
        let mut n_minus_1 = N;
        n_minus_1[0] -= 1;
        loop {
            let mut b = zeroize::Zeroizing::new([0u8; 32]);
            self.fill_random(b.as_mut())?;
            let mut d = from_be(&b);
            let ok = d != [0; 4] && field::lt_mask(&d, &n_minus_1) == u64::MAX;
            if ok {
                let public = mul_base(&b).ok_or(Error::PrivateKeyOutOfRange);
                d.zeroize();
                return Sm2PrivateKey::from_parts(&b, &public?);
            }
            d.zeroize();
        }
    }

    fn sm2_signer(&self, key: &Sm2PrivateKey, id: UserId<'_>) -> Result<Box<dyn Sm2Signer>> {
        Ok(Box::new(Signer::new(key, id)?))
    }

    fn sm2_verifier(&self, key: &Sm2PublicKey, id: UserId<'_>) -> Result<Box<dyn Sm2Verifier>> {
        Ok(Box::new(Verifier::new(key, id)))
    }

    fn as_dyn(&self) -> &dyn Provider {
        self
    }
}

/// A signing handle.
pub struct Signer {
    d: Limbs,
    d1_inv: Limbs,
    public: Sm2PublicKey,
    z: Sm3Digest,
}

impl Signer {
    /// Precompute Z and (1 + d)⁻¹.
    pub fn new(key: &Sm2PrivateKey, id: UserId<'_>) -> Result<Self> {
        let bytes = key.expose_scalar();
        let d = from_be(&bytes);
        let d1 = FN.add(&d, &[1, 0, 0, 0]);
        if d1 == [0; 4] {
            return Err(Error::PrivateKeyOutOfRange);
        }
        let public = key.public_key().clone();
        let z = z_for(&public, id);
        Ok(Self { d, d1_inv: invert_plain(&d1), public, z })
    }

    fn nonce(&self, e: &Limbs, attempt: u32) -> Result<Limbs> {
        let mut extra = [0u8; 36];
        getrandom::fill(&mut extra[..32]).map_err(|_| Error::Random)?;
        extra[32..].copy_from_slice(&attempt.to_be_bytes());
        let mut dk = to_be(&self.d);
        let mut kgen = rfc6979::KGenerator::<sm3::Sm3, sm2::U256>::new(
            &dk,
            &to_be(e),
            &extra,
            &<sm2::Sm2 as sm2::elliptic_curve::Curve>::ORDER,
        );
        dk.zeroize();
        extra.zeroize();
        let mut k = sm2::FieldBytes::default();
        kgen.fill_next_k(&mut k);
        let mut kb: [u8; 32] = k.into();
        k.zeroize();
        let kl = from_be(&kb);
        kb.zeroize();
        Ok(kl)
    }
}

impl Drop for Signer {
    fn drop(&mut self) {
        self.d.zeroize();
        self.d1_inv.zeroize();
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("sm2p256::Signer").field("public", &self.public).finish_non_exhaustive()
    }
}

/// GB/T 32918.2 §6.1 A4–A7 for a given k; `None` when the standard says to pick another k.
fn sign_core(d: &Limbs, d1_inv: &Limbs, e: &Limbs, k: &Limbs) -> Option<Sm2Signature> {
    let r_point = mul_base_ct(k).to_affine()?;
    let x1 = reduce(&FP.from_mont(&r_point.x));
    let r = FN.add(e, &x1);
    if r == [0; 4] || FN.add(&r, k) == [0; 4] {
        return None;
    }
    let s = mul_plain(d1_inv, &FN.sub(k, &mul_plain(&r, d)));
    if s == [0; 4] {
        return None;
    }
    Sm2Signature::from_scalars(to_be(&r), to_be(&s)).ok()
}

impl Sm2Signer for Signer {
    fn public_key(&self) -> &Sm2PublicKey {
        &self.public
    }

    fn z(&self) -> &Sm3Digest {
        &self.z
    }

    fn sign_digest(&self, e: &Sm3Digest) -> Result<Sm2Signature> {
        let e = reduce(&from_be(&e.0));
        for attempt in 0..16 {
            let mut k = self.nonce(&e, attempt)?;
            let sig = sign_core(&self.d, &self.d1_inv, &e, &k);
            k.zeroize();
            if let Some(s) = sig {
                return Ok(s);
            }
        }
        Err(Error::Random)
    }
}

/// Sign `e` with an explicit nonce. **Only for test vectors and timing tests.**
#[doc(hidden)]
pub fn sign_with_nonce(key: &Sm2PrivateKey, e: &Sm3Digest, k: &[u8; 32]) -> Result<Sm2Signature> {
    let s = Signer::new(key, UserId::DEFAULT)?;
    let k = from_be(k);
    if k == [0; 4] || field::lt_mask(&k, &N) == 0 {
        return Err(Error::Random);
    }
    sign_core(&s.d, &s.d1_inv, &reduce(&from_be(&e.0)), &k).ok_or(Error::Random)
}

/// A private key prepared for signing, for the timing harness (`benches/examples/ct_sm2p256`).
#[doc(hidden)]
#[derive(Clone)]
pub struct PreparedKey {
    d: Limbs,
    d1_inv: Limbs,
}

/// Prepare d (big-endian, in [1, n − 2]) for [`sign_prepared`].
#[doc(hidden)]
pub fn prepare(d: &[u8; 32]) -> PreparedKey {
    let d = from_be(d);
    PreparedKey { d, d1_inv: invert_plain(&FN.add(&d, &[1, 0, 0, 0])) }
}

/// Signing's secret-dependent core (k·G, r, s) with an explicit nonce, for the timing harness.
#[doc(hidden)]
pub fn sign_prepared(key: &PreparedKey, e: &[u8; 32], k: &[u8; 32]) -> Option<Sm2Signature> {
    sign_core(&key.d, &key.d1_inv, &reduce(&from_be(e)), &from_be(k))
}

/// k·G as an uncompressed point, for tests (constant time in k).
#[doc(hidden)]
pub fn mul_base(k: &[u8; 32]) -> Option<[u8; 65]> {
    let a = mul_base_ct(&from_be(k)).to_affine()?;
    let mut out = [4u8; 65];
    out[1..33].copy_from_slice(&to_be(&FP.from_mont(&a.x)));
    out[33..].copy_from_slice(&to_be(&FP.from_mont(&a.y)));
    Some(out)
}

/// A verification handle: Z and the key's odd multiples, computed once; on the key's second
/// verification also its split table ([`lincomb::QSplit`]), which makes every later
/// verification about twice as fast. A key verified once pays only for the odd multiples.
pub struct Verifier {
    public: Sm2PublicKey,
    z: Sm3Digest,
    q: Affine,
    odd: [Affine; point::ODD],
    used: AtomicBool,
    split: OnceLock<Box<QSplit>>,
}

impl Verifier {
    /// Precompute Z and the odd multiples.
    pub fn new(key: &Sm2PublicKey, id: UserId<'_>) -> Self {
        let (x, y) = key.coordinates();
        let q = Affine { x: FP.to_mont(&from_be(&x)), y: FP.to_mont(&from_be(&y)) };
        Self {
            public: key.clone(),
            z: z_for(key, id),
            q,
            odd: odd_multiples(&q),
            used: AtomicBool::new(false),
            split: OnceLock::new(),
        }
    }

    /// s·G + t·Q, through the split table once the key has been used before.
    fn lincomb(&self, s: &Limbs, t: &Limbs) -> Jacobian {
        if let Some(split) = self.split.get() {
            return lincomb_split(s, t, split);
        }
        if self.used.swap(true, Ordering::Relaxed) {
            return lincomb_split(s, t, self.split.get_or_init(|| split_table(&self.q)));
        }
        lincomb_oneshot(s, t, &self.odd)
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("sm2p256::Verifier").field("public", &self.public).finish_non_exhaustive()
    }
}

impl Sm2Verifier for Verifier {
    fn public_key(&self) -> &Sm2PublicKey {
        &self.public
    }

    fn z(&self) -> &Sm3Digest {
        &self.z
    }

    fn verify_digest(&self, e: &Sm3Digest, sig: &Sm2Signature) -> Result<()> {
        // r, s ∈ [1, n−1] is guaranteed by Sm2Signature (B1, B2).
        let r = from_be(sig.r());
        let s = from_be(sig.s());
        let e = reduce(&from_be(&e.0));
        let t = FN.add(&r, &s);
        if t == [0; 4] {
            return Err(Error::SignatureMismatch);
        }
        let pt = self.lincomb(&s, &t);
        if pt.is_infinity() {
            return Err(Error::SignatureMismatch);
        }
        // R = (e + x₁) mod n ⇔ x₁ ≡ r − e (mod n); x₁ < p < 2n, so x₁ is c or c + n.
        let c = FN.sub(&r, &e);
        let z2 = FP.square(&pt.z);
        if x_matches(&pt, &c, &z2) {
            return Ok(());
        }
        let (c2, carry) = add_raw(&c, &N);
        if carry == 0 && field::lt_mask(&c2, &field::P) == u64::MAX && x_matches(&pt, &c2, &z2) {
            return Ok(());
        }
        Err(Error::SignatureMismatch)
    }
}

fn x_matches(pt: &Jacobian, x: &Limbs, z2: &Limbs) -> bool {
    FP.mul(&FP.to_mont(x), z2) == pt.x
}

fn add_raw(a: &Limbs, b: &Limbs) -> (Limbs, u64) {
    let mut out = [0u64; 4];
    let mut carry = 0u128;
    for i in 0..4 {
        let t = a[i] as u128 + b[i] as u128 + carry;
        out[i] = t as u64;
        carry = t >> 64;
    }
    (out, carry as u64)
}
