//! The SM2 curve as a prime-order group, for protocols built on SM2 rather than SM2 itself:
//! two-party signing (`yinxin-sign`'s `cosign`) and its proofs of knowledge.
//!
//! - [`Scalar`]: integers modulo n, zeroized on drop. Arithmetic is the constant-time
//!   Montgomery code of [`super::scalar`]; inversion is Fermat's with the public exponent n − 2.
//! - [`Point`]: a point other than infinity, kept affine. [`Point::mul_base`] and [`Point::mul`]
//!   take secret scalars and run in constant time ([`super::point::mul_base_ct`],
//!   [`super::point::mul_ct`]); [`Point::lincomb_vartime`] and [`Point::add`] are for public
//!   values (proof verification, combining published points).
//!
//! Points are exchanged in SEC1 uncompressed form (65 bytes) and checked on the curve when
//! parsed; a point from outside never skips that check. This module does not hash to the curve,
//! encode compressed points, or offer variable-time paths for secret data.

use super::field::{FP, Limbs, from_be, lt_mask, to_be};
use super::lincomb::lincomb_oneshot;
use super::point::{Affine, Jacobian, mul_base_ct, mul_ct, odd_multiples, on_curve};
use super::scalar::{FN, N, invert_plain, mul_plain, reduce};
use crate::sm2::Sm2PublicKey;
use crate::{Error, Result};
use core::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// An integer modulo n (plain representation, always reduced). Zeroized on drop.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Scalar(Limbs);

impl fmt::Debug for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Scalar(…)")
    }
}

impl Scalar {
    /// Zero.
    pub const ZERO: Scalar = Scalar([0; 4]);
    /// One.
    pub const ONE: Scalar = Scalar([1, 0, 0, 0]);

    /// Uniformly random in [1, n − 1], by rejection sampling from the operating system's source.
    pub fn random() -> Result<Scalar> {
        for _ in 0..128 {
            let mut b = zeroize::Zeroizing::new([0u8; 32]);
            getrandom::fill(b.as_mut()).map_err(|_| Error::Random)?;
            let v = from_be(&b);
            if v != [0; 4] && lt_mask(&v, &N) == u64::MAX {
                return Ok(Scalar(v));
            }
        }
        Err(Error::Random)
    }

    /// From 32 big-endian bytes; `None` unless the value is below n.
    pub fn from_be_bytes(b: &[u8; 32]) -> Option<Scalar> {
        let v = from_be(b);
        (lt_mask(&v, &N) == u64::MAX).then_some(Scalar(v))
    }

    /// From 32 big-endian bytes reduced modulo n (a hash output, the SM2 digest e).
    pub fn from_be_bytes_reduced(b: &[u8; 32]) -> Scalar {
        Scalar(reduce(&from_be(b)))
    }

    /// 32 big-endian bytes.
    pub fn to_be_bytes(&self) -> [u8; 32] {
        to_be(&self.0)
    }

    /// Whether this is zero (constant time is not needed: callers test public values or retry
    /// conditions of probability 2⁻²⁵⁶).
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 4]
    }

    /// self + other mod n.
    pub fn add(&self, other: &Scalar) -> Scalar {
        Scalar(FN.add(&self.0, &other.0))
    }

    /// self − other mod n.
    pub fn sub(&self, other: &Scalar) -> Scalar {
        Scalar(FN.sub(&self.0, &other.0))
    }

    /// −self mod n.
    pub fn neg(&self) -> Scalar {
        Scalar(FN.neg(&self.0))
    }

    /// self · other mod n.
    pub fn mul(&self, other: &Scalar) -> Scalar {
        Scalar(mul_plain(&self.0, &other.0))
    }

    /// self⁻¹ mod n; `None` for zero.
    pub fn invert(&self) -> Option<Scalar> {
        (!self.is_zero()).then(|| Scalar(invert_plain(&self.0)))
    }
}

/// A point of the SM2 curve other than infinity (affine, Montgomery form inside).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Point(Affine);

impl fmt::Debug for Point {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Point({})", hex::encode(self.to_sec1()))
    }
}

impl Point {
    /// The base point G.
    pub fn generator() -> Point {
        Point(super::point::generator())
    }

    /// From SEC1 uncompressed bytes (`04 ‖ x ‖ y`), checked to be on the curve.
    pub fn from_sec1(b: &[u8]) -> Option<Point> {
        if b.len() != 65 || b[0] != 4 {
            return None;
        }
        let x = from_be(b[1..33].try_into().ok()?);
        let y = from_be(b[33..].try_into().ok()?);
        on_curve(&x, &y).then(|| Point(Affine { x: FP.to_mont(&x), y: FP.to_mont(&y) }))
    }

    /// SEC1 uncompressed bytes.
    pub fn to_sec1(&self) -> [u8; 65] {
        let mut out = [4u8; 65];
        out[1..33].copy_from_slice(&to_be(&FP.from_mont(&self.0.x)));
        out[33..].copy_from_slice(&to_be(&FP.from_mont(&self.0.y)));
        out
    }

    /// The affine x coordinate, 32 big-endian bytes.
    pub fn x_bytes(&self) -> [u8; 32] {
        to_be(&FP.from_mont(&self.0.x))
    }

    /// As an SM2 public key.
    pub fn to_public_key(&self) -> Result<Sm2PublicKey> {
        Sm2PublicKey::from_sec1(&self.to_sec1())
    }

    /// From an SM2 public key.
    pub fn from_public_key(key: &Sm2PublicKey) -> Point {
        let (x, y) = key.coordinates();
        Point(Affine { x: FP.to_mont(&from_be(&x)), y: FP.to_mont(&from_be(&y)) })
    }

    /// k·G for secret k, constant time; `None` when k = 0.
    pub fn mul_base(k: &Scalar) -> Option<Point> {
        mul_base_ct(&k.0).to_affine().map(Point)
    }

    /// k·self for secret k, constant time in k; `None` when k = 0.
    pub fn mul(&self, k: &Scalar) -> Option<Point> {
        mul_ct(&k.0, &self.0).to_affine().map(Point)
    }

    /// a·G + b·self for public a and b, variable time; `None` at infinity.
    pub fn lincomb_vartime(a: &Scalar, b: &Scalar, p: &Point) -> Option<Point> {
        lincomb_oneshot(&a.0, &b.0, &odd_multiples(&p.0)).to_affine().map(Point)
    }

    /// self + other; `None` at infinity. Its special cases (equal or opposite points) branch, so
    /// it is for points whose sum is published anyway.
    pub fn add(&self, other: &Point) -> Option<Point> {
        Jacobian::from_affine(&self.0).add_affine_vartime(&other.0).to_affine().map(Point)
    }

    /// −self.
    pub fn neg(&self) -> Point {
        Point(Affine { x: self.0.x, y: FP.neg(&self.0.y) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: u64) -> Scalar {
        Scalar([v, 0, 0, 0])
    }

    #[test]
    fn mul_agrees_with_the_variable_time_paths() {
        let g = Point::generator();
        for _ in 0..64 {
            let k = Scalar::random().unwrap();
            let p = Point::mul_base(&Scalar::random().unwrap()).unwrap();
            let ct = p.mul(&k).unwrap();
            let vt = Point::lincomb_vartime(&Scalar::ZERO, &k, &p).unwrap();
            assert_eq!(ct, vt);
            assert_eq!(g.mul(&k).unwrap(), Point::mul_base(&k).unwrap());
        }
    }

    #[test]
    fn mul_at_the_edges() {
        // Small multiples hit every special case of the masked addition: A = E (k = 2: the
        // accumulator P meets the entry P), A at infinity, zero digits.
        let g = Point::generator();
        let mut acc = g;
        for k in 2..=40u64 {
            acc = acc.add(&g).unwrap_or_else(|| panic!("{k}"));
            assert_eq!(g.mul(&s(k)), Some(acc), "k = {k}");
        }
        assert_eq!(g.mul(&Scalar::ZERO), None);
        assert_eq!(g.mul(&Scalar::ONE), Some(g));
        // n − 1: −P; n − 16 … n − 1 make the accumulator meet ±E in the last window.
        let p = Point::mul_base(&Scalar::random().unwrap()).unwrap();
        for j in 1..=17u64 {
            let k = s(j).neg();
            let want = p.mul(&s(j)).unwrap().neg();
            assert_eq!(p.mul(&k), Some(want), "n − {j}");
        }
        // k with every nibble 0xf, 0x1, and alternating.
        for pattern in [0x1111_1111_1111_1111u64, 0x0f0f_0f0f_0f0f_0f0f, 0x8000_0000_0000_0001] {
            let k = Scalar([pattern, pattern, pattern, pattern & 0x7fff_ffff_ffff_ffff]);
            assert_eq!(p.mul(&k), Point::lincomb_vartime(&Scalar::ZERO, &k, &p));
        }
    }

    #[test]
    fn scalars() {
        let a = Scalar::random().unwrap();
        let b = Scalar::random().unwrap();
        assert_eq!(a.mul(&a.invert().unwrap()), Scalar::ONE);
        assert_eq!(a.add(&b).sub(&b), a);
        assert_eq!(a.add(&a.neg()), Scalar::ZERO);
        assert!(Scalar::ZERO.invert().is_none());
        assert_eq!(Scalar::from_be_bytes(&to_be(&N)), None);
        assert_eq!(Scalar::from_be_bytes_reduced(&to_be(&N)), Scalar::ZERO);
        // (a·b)·G = a·(b·G)
        let ab = Point::mul_base(&a.mul(&b)).unwrap();
        assert_eq!(Point::mul_base(&b).unwrap().mul(&a).unwrap(), ab);
    }

    #[test]
    fn sec1() {
        let p = Point::mul_base(&Scalar::random().unwrap()).unwrap();
        assert_eq!(Point::from_sec1(&p.to_sec1()), Some(p));
        let mut off = p.to_sec1();
        off[64] ^= 1;
        assert_eq!(Point::from_sec1(&off), None, "off the curve");
        assert_eq!(Point::from_sec1(&p.to_sec1()[..64]), None);
        let key = p.to_public_key().unwrap();
        assert_eq!(Point::from_public_key(&key), p);
    }
}
