//! Arithmetic modulo the SM2 prime p = 2²⁵⁶ − 2²²⁴ − 2⁹⁶ + 2⁶⁴ − 1 (GB/T 32918.5 §A.1), in
//! Montgomery form with four 64-bit limbs, and the same Montgomery machinery for the group
//! order n (see [`super::scalar`]).
//!
//! Every function here runs in time independent of its operands' values: no branch or memory
//! index depends on them. Carries and borrows become all-ones/all-zeros masks that select
//! between two results (`select`, `sub_if_ge`). Multiplication is CIOS Montgomery multiplication
//! with u128 products; for p, −p⁻¹ mod 2⁶⁴ = 1, so the quotient digit is just the low limb.

/// Limbs, least significant first.
pub type Limbs = [u64; 4];

/// The SM2 prime p.
pub const P: Limbs = [0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_0000_0000, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFE_FFFF_FFFF];

/// Constants for Montgomery arithmetic modulo an odd 256-bit m > 2²⁵⁵.
#[derive(Debug, Clone, Copy)]
pub struct Modulus {
    /// m.
    pub m: Limbs,
    /// −m⁻¹ mod 2⁶⁴.
    pub m0inv: u64,
    /// R mod m, R = 2²⁵⁶ (the Montgomery form of 1).
    pub r: Limbs,
    /// R² mod m (to convert into Montgomery form).
    pub r2: Limbs,
}

const fn adc(a: u64, b: u64, c: u64) -> (u64, u64) {
    let t = a as u128 + b as u128 + c as u128;
    (t as u64, (t >> 64) as u64)
}

const fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let t = (a as u128).wrapping_sub(b as u128 + (borrow >> 63) as u128);
    (t as u64, (t >> 64) as u64)
}

const fn mac(a: u64, b: u64, c: u64, carry: u64) -> (u64, u64) {
    let t = a as u128 + (b as u128) * (c as u128) + carry as u128;
    (t as u64, (t >> 64) as u64)
}

/// `a` if `mask` is all zeros, `b` if all ones. The mask passes through an optimisation barrier
/// so that the compiler cannot turn the selection back into a branch on it (measured: without
/// the barrier, the comb's table gather leaked the nonce's zero digits, dudect |t| ≈ 290).
#[inline(always)]
pub fn select(a: &Limbs, b: &Limbs, mask: u64) -> Limbs {
    let mask = core::hint::black_box(mask);
    [
        a[0] ^ (mask & (a[0] ^ b[0])),
        a[1] ^ (mask & (a[1] ^ b[1])),
        a[2] ^ (mask & (a[2] ^ b[2])),
        a[3] ^ (mask & (a[3] ^ b[3])),
    ]
}

/// The same selection for values only the compiler's constant evaluation sees.
#[inline(always)]
const fn select_const(a: &Limbs, b: &Limbs, mask: u64) -> Limbs {
    [
        a[0] ^ (mask & (a[0] ^ b[0])),
        a[1] ^ (mask & (a[1] ^ b[1])),
        a[2] ^ (mask & (a[2] ^ b[2])),
        a[3] ^ (mask & (a[3] ^ b[3])),
    ]
}

/// All ones if `a` is zero, else all zeros.
#[inline(always)]
pub const fn is_zero_mask(a: &Limbs) -> u64 {
    let t = a[0] | a[1] | a[2] | a[3];
    // (t | -t) has its top bit set iff t != 0.
    ((t | t.wrapping_neg()) >> 63).wrapping_sub(1)
}

/// (value, carry) of a 5-limb value minus m, kept when it does not borrow.
#[inline(always)]
const fn sub_if_ge(t: [u64; 5], m: &Limbs) -> Limbs {
    let (d0, b) = sbb(t[0], m[0], 0);
    let (d1, b) = sbb(t[1], m[1], b);
    let (d2, b) = sbb(t[2], m[2], b);
    let (d3, b) = sbb(t[3], m[3], b);
    let (_, b) = sbb(t[4], 0, b);
    // b is all ones when t < m: keep t.
    select_const(&[d0, d1, d2, d3], &[t[0], t[1], t[2], t[3]], b)
}

impl Modulus {
    /// Build the constants for `m` at compile time.
    pub const fn new(m: Limbs) -> Self {
        // m⁻¹ mod 2⁶⁴ by Newton's iteration, doubling the correct bits each step.
        let mut inv: u64 = 1;
        let mut i = 0;
        while i < 6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(m[0].wrapping_mul(inv)));
            i += 1;
        }
        // R mod m = 2²⁵⁶ − m, as m > 2²⁵⁵.
        let (r0, b) = sbb(0, m[0], 0);
        let (r1, b) = sbb(0, m[1], b);
        let (r2, b) = sbb(0, m[2], b);
        let (r3, _) = sbb(0, m[3], b);
        let r = [r0, r1, r2, r3];
        // R² mod m: double R 256 times modulo m.
        let mut x = r;
        let mut k = 0;
        while k < 256 {
            x = Self::add_raw(&x, &x, &m);
            k += 1;
        }
        Self { m, m0inv: inv.wrapping_neg(), r, r2: x }
    }

    #[inline(always)]
    const fn add_raw(a: &Limbs, b: &Limbs, m: &Limbs) -> Limbs {
        let (s0, c) = adc(a[0], b[0], 0);
        let (s1, c) = adc(a[1], b[1], c);
        let (s2, c) = adc(a[2], b[2], c);
        let (s3, c) = adc(a[3], b[3], c);
        sub_if_ge([s0, s1, s2, s3, c], m)
    }

    /// a + b mod m, for a, b < m.
    #[inline(always)]
    pub fn add(&self, a: &Limbs, b: &Limbs) -> Limbs {
        Self::add_raw(a, b, &self.m)
    }

    /// a − b mod m, for a, b < m.
    #[inline(always)]
    pub fn sub(&self, a: &Limbs, b: &Limbs) -> Limbs {
        let (d0, br) = sbb(a[0], b[0], 0);
        let (d1, br) = sbb(a[1], b[1], br);
        let (d2, br) = sbb(a[2], b[2], br);
        let (d3, br) = sbb(a[3], b[3], br);
        // On borrow add m back (mask all ones).
        let m = &self.m;
        let (e0, c) = adc(d0, m[0] & br, 0);
        let (e1, c) = adc(d1, m[1] & br, c);
        let (e2, c) = adc(d2, m[2] & br, c);
        let (e3, _) = adc(d3, m[3] & br, c);
        [e0, e1, e2, e3]
    }

    /// −a mod m.
    #[inline(always)]
    pub fn neg(&self, a: &Limbs) -> Limbs {
        self.sub(&[0; 4], a)
    }

    /// Montgomery product a·b·R⁻¹ mod m (CIOS).
    #[inline(always)]
    pub fn mul(&self, a: &Limbs, b: &Limbs) -> Limbs {
        let m = &self.m;
        let mut t = [0u64; 6];
        let mut i = 0;
        while i < 4 {
            let (t0, c) = mac(t[0], a[0], b[i], 0);
            let (t1, c) = mac(t[1], a[1], b[i], c);
            let (t2, c) = mac(t[2], a[2], b[i], c);
            let (t3, c) = mac(t[3], a[3], b[i], c);
            let (t4, c) = adc(t[4], c, 0);
            let t5 = c;
            let q = t0.wrapping_mul(self.m0inv);
            let (_, c) = mac(t0, q, m[0], 0);
            let (u0, c) = mac(t1, q, m[1], c);
            let (u1, c) = mac(t2, q, m[2], c);
            let (u2, c) = mac(t3, q, m[3], c);
            let (u3, c) = adc(t4, c, 0);
            t = [u0, u1, u2, u3, t5 + c, 0];
            i += 1;
        }
        sub_if_ge([t[0], t[1], t[2], t[3], t[4]], m)
    }

    /// a² in Montgomery form: the 512-bit square with the six cross products computed once
    /// (10 multiplications instead of 16), then word-by-word Montgomery reduction.
    #[inline(always)]
    pub fn square(&self, a: &Limbs) -> Limbs {
        // Cross products a_i·a_j, i < j.
        let (t1, c) = mac(0, a[0], a[1], 0);
        let (t2, c) = mac(0, a[0], a[2], c);
        let (t3, c) = mac(0, a[0], a[3], c);
        let t4 = c;
        let (t3, c) = mac(t3, a[1], a[2], 0);
        let (t4, c) = mac(t4, a[1], a[3], c);
        let t5 = c;
        let (t5, c) = mac(t5, a[2], a[3], 0);
        let t6 = c;
        // Double them.
        let t7 = t6 >> 63;
        let t6 = (t6 << 1) | (t5 >> 63);
        let t5 = (t5 << 1) | (t4 >> 63);
        let t4 = (t4 << 1) | (t3 >> 63);
        let t3 = (t3 << 1) | (t2 >> 63);
        let t2 = (t2 << 1) | (t1 >> 63);
        let t1 = t1 << 1;
        // Add the squares a_i².
        let (t0, c) = mac(0, a[0], a[0], 0);
        let (t1, c) = adc(t1, 0, c);
        let (t2, c) = mac(t2, a[1], a[1], c);
        let (t3, c) = adc(t3, 0, c);
        let (t4, c) = mac(t4, a[2], a[2], c);
        let (t5, c) = adc(t5, 0, c);
        let (t6, c) = mac(t6, a[3], a[3], c);
        let (t7, _) = adc(t7, 0, c);
        self.reduce_wide([t0, t1, t2, t3, t4, t5, t6, t7])
    }

    /// Montgomery reduction of a 512-bit value below m·R: t·R⁻¹ mod m.
    #[inline(always)]
    fn reduce_wide(&self, t: [u64; 8]) -> Limbs {
        let m = &self.m;
        let mut t = t;
        let mut carry_top = 0u64;
        let mut i = 0;
        while i < 4 {
            let q = t[i].wrapping_mul(self.m0inv);
            let (_, c) = mac(t[i], q, m[0], 0);
            let (v1, c) = mac(t[i + 1], q, m[1], c);
            let (v2, c) = mac(t[i + 2], q, m[2], c);
            let (v3, c) = mac(t[i + 3], q, m[3], c);
            t[i + 1] = v1;
            t[i + 2] = v2;
            t[i + 3] = v3;
            // Propagate into the upper half, remembering the carry out of the top.
            let (v4, c2) = adc(t[i + 4], c, carry_top);
            t[i + 4] = v4;
            carry_top = c2;
            i += 1;
        }
        sub_if_ge([t[4], t[5], t[6], t[7], carry_top], m)
    }

    /// Into Montgomery form (a must be < m).
    #[inline(always)]
    pub fn to_mont(&self, a: &Limbs) -> Limbs {
        self.mul(a, &self.r2)
    }

    /// Out of Montgomery form.
    #[inline(always)]
    pub fn from_mont(&self, a: &Limbs) -> Limbs {
        self.mul(a, &[1, 0, 0, 0])
    }

    /// `n` squarings.
    #[inline(always)]
    pub fn sqn(&self, a: &Limbs, n: u32) -> Limbs {
        let mut x = *a;
        for _ in 0..n {
            x = self.square(&x);
        }
        x
    }

    /// a^e for a public exponent (square-and-multiply over e's bits, which are not secret:
    /// the sequence of operations depends only on e).
    pub fn pow_public(&self, a: &Limbs, e: &Limbs) -> Limbs {
        let mut x = self.r;
        for i in (0..256).rev() {
            x = self.square(&x);
            if (e[i / 64] >> (i % 64)) & 1 == 1 {
                x = self.mul(&x, a);
            }
        }
        x
    }
}

/// The field modulus.
pub const FP: Modulus = Modulus::new(P);

/// A field element in Montgomery form.
pub type Fe = Limbs;

/// a⁻¹ mod p in Montgomery form (0 maps to 0), by Fermat's little theorem with a fixed addition
/// chain for p − 2: 256 squarings and 15 multiplications, the same for every input.
pub fn invert(a: &Fe) -> Fe {
    let f = &FP;
    let x1 = *a;
    let x2 = f.mul(&f.sqn(&x1, 1), &x1);
    let x3 = f.mul(&f.sqn(&x2, 1), &x1);
    let x6 = f.mul(&f.sqn(&x3, 3), &x3);
    let x12 = f.mul(&f.sqn(&x6, 6), &x6);
    let x24 = f.mul(&f.sqn(&x12, 12), &x12);
    let x30 = f.mul(&f.sqn(&x24, 6), &x6);
    let x31 = f.mul(&f.sqn(&x30, 1), &x1);
    let x32 = f.mul(&f.sqn(&x31, 1), &x1);
    // p − 2 = [31 ones][0][128 ones][32 zeros][62 ones][0][1], most significant first.
    let mut r = f.sqn(&x31, 1);
    for _ in 0..4 {
        r = f.mul(&f.sqn(&r, 32), &x32);
    }
    r = f.sqn(&r, 32);
    for _ in 0..2 {
        r = f.mul(&f.sqn(&r, 31), &x31);
    }
    f.mul(&f.sqn(&r, 2), &x1)
}

/// Big-endian 32 bytes to limbs.
pub fn from_be(b: &[u8; 32]) -> Limbs {
    let mut l = [0u64; 4];
    for (i, limb) in l.iter_mut().enumerate() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[32 - 8 * (i + 1)..32 - 8 * i]);
        *limb = u64::from_be_bytes(w);
    }
    l
}

/// Limbs to big-endian 32 bytes.
pub fn to_be(l: &Limbs) -> [u8; 32] {
    let mut b = [0u8; 32];
    for (i, limb) in l.iter().enumerate() {
        b[32 - 8 * (i + 1)..32 - 8 * i].copy_from_slice(&limb.to_be_bytes());
    }
    b
}

/// All ones if a < b (as integers), in constant time.
#[inline(always)]
pub const fn lt_mask(a: &Limbs, b: &Limbs) -> u64 {
    let (_, br) = sbb(a[0], b[0], 0);
    let (_, br) = sbb(a[1], b[1], br);
    let (_, br) = sbb(a[2], b[2], br);
    let (_, br) = sbb(a[3], b[3], br);
    br
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn montgomery_constants() {
        assert_eq!(FP.m0inv, 1, "−p⁻¹ mod 2⁶⁴ is 1 for the SM2 prime");
        let one = FP.to_mont(&[1, 0, 0, 0]);
        assert_eq!(one, FP.r);
        assert_eq!(FP.from_mont(&one), [1, 0, 0, 0]);
    }

    #[test]
    fn inversion_and_fermat_agree() {
        let mut pm2 = P;
        pm2[0] -= 2;
        for seed in 1u64..50 {
            let a =
                FP.to_mont(&[seed.wrapping_mul(0x9e37_79b9_7f4a_7c15), seed, !seed, seed << 7 & 0x7fff_ffff_ffff_ffff]);
            let i1 = invert(&a);
            assert_eq!(i1, FP.pow_public(&a, &pm2));
            assert_eq!(FP.mul(&a, &i1), FP.r);
        }
        assert_eq!(invert(&[0; 4]), [0; 4]);
    }
}
