//! Scalars modulo the SM2 group order n, for the signature equation
//! s = (1 + d)⁻¹ · (k − r·d) mod n and r = (e + x₁) mod n. Same constant-time Montgomery
//! arithmetic as the field ([`super::field::Modulus`]).

use super::field::{Limbs, Modulus, lt_mask, select};

/// The order n of the base point.
pub const N: Limbs = [0x53BB_F409_39D5_4123, 0x7203_DF6B_21C6_052B, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFE_FFFF_FFFF];

/// Montgomery constants for n.
pub const FN: Modulus = Modulus::new(N);

/// x mod n for any 256-bit x: one conditional subtraction suffices because 2n > 2²⁵⁶.
#[inline(always)]
pub fn reduce(x: &Limbs) -> Limbs {
    let below = lt_mask(x, &N);
    let (d, _) = sub_raw(x, &N);
    select(&d, x, below)
}

fn sub_raw(a: &Limbs, b: &Limbs) -> (Limbs, u64) {
    let mut out = [0u64; 4];
    let mut borrow = 0u64;
    for i in 0..4 {
        let t = (a[i] as u128).wrapping_sub(b[i] as u128 + (borrow >> 63) as u128);
        out[i] = t as u64;
        borrow = (t >> 64) as u64;
    }
    (out, borrow)
}

/// a·b mod n for plain (not Montgomery) a, b < n: mont(mont(a, b), R²) = a·b.
#[inline(always)]
pub fn mul_plain(a: &Limbs, b: &Limbs) -> Limbs {
    FN.mul(&FN.mul(a, b), &FN.r2)
}

/// a⁻¹ mod n (plain in, plain out) by Fermat: n − 2 is public, so the operation sequence is fixed.
pub fn invert_plain(a: &Limbs) -> Limbs {
    let mut nm2 = N;
    nm2[0] -= 2;
    FN.from_mont(&FN.pow_public(&FN.to_mont(a), &nm2))
}
