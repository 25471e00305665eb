//! Points of the SM2 curve y² = x³ − 3x + b over F_p, in Jacobian coordinates (X : Y : Z) standing
//! for (X/Z², Y/Z³), all in Montgomery form.
//!
//! - [`mul_base_ct`] — k·G for secret k (signing, key generation): a fixed-base comb over 43
//!   windows of 6 bits with signed (Booth) digits and a table of 32 affine multiples per window,
//!   so k·G is 43 mixed additions and no doublings. Every table entry of a window is read and
//!   masked in (no secret index), the digit's sign is applied by a masked negation, and the two
//!   special cases — the accumulator still at infinity, a zero digit — are resolved by masked
//!   selection, not branches.
//! - [`mul_base_vartime`] and [`mul_vartime`] — s·G and t·P for public scalars, separately: the
//!   same table read directly, and width-6 wNAF over a per-key table of odd multiples. They are
//!   the reference for [`super::lincomb`], which verification uses.
//!
//! Why no secret-dependent branch or index remains in the constant-time path: field operations
//! are branch-free (see [`super::field`]); every selection in this module and the table gather
//! pass their mask through an optimisation barrier so the compiler cannot turn it back into a branch (without it, dudect measured
//! |t| ≈ 290 on sparse nonces; with it |t| < 4); the Booth digit is computed arithmetically; table
//! entries are gathered by scanning all 32 under equality masks; the loop runs 43 times for every
//! k; `madd`'s special cases (accumulator at infinity, zero digit) are resolved by masked
//! selection.
//!
//! The case `madd` cannot handle — accumulator A = ±E, the entry being added — never occurs for
//! k ∈ [1, n−1]. Before window i, A = a·G with |a| ≤ 32·(2⁶ⁱ−1)/63 < 2⁶ⁱ⁻¹, and E = d·2⁶ⁱ·G with
//! 1 ≤ |d| ≤ 32. For i ≤ 41, 0 < |a ∓ d·2⁶ⁱ| < 2²⁵² < n, so A ≠ ±E. In the top window (i = 42,
//! bits 251–257 of k, the last two zero) d ∈ [1, 16], and A = ±E would need a ∓ d·2²⁵² = ±n
//! exactly; each solution makes the represented integer a + d·2²⁵² equal to n or 2²⁵⁷ − n, neither
//! of which is a k below n.

use super::field::{FP, Fe, P, invert, is_zero_mask, select};
use std::sync::OnceLock;

/// Jacobian point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Jacobian {
    /// X.
    pub x: Fe,
    /// Y.
    pub y: Fe,
    /// Z (zero for the point at infinity).
    pub z: Fe,
}

/// Affine point (never infinity).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Affine {
    /// x.
    pub x: Fe,
    /// y.
    pub y: Fe,
}

/// G in Montgomery form.
pub fn generator() -> Affine {
    use super::field::from_be;
    Affine { x: FP.to_mont(&from_be(&crate::sm2::GX)), y: FP.to_mont(&from_be(&crate::sm2::GY)) }
}

impl Jacobian {
    /// The point at infinity.
    pub const INFINITY: Jacobian = Jacobian { x: FP.r, y: FP.r, z: [0; 4] };

    /// From affine.
    pub fn from_affine(a: &Affine) -> Self {
        Jacobian { x: a.x, y: a.y, z: FP.r }
    }

    /// Whether this is the point at infinity (public values only).
    pub fn is_infinity(&self) -> bool {
        self.z == [0; 4]
    }

    /// 2P, "dbl-2001-b" for a = −3: 3M + 5S. Infinity doubles to infinity.
    #[inline(always)]
    pub fn double(&self) -> Self {
        let f = &FP;
        let delta = f.square(&self.z);
        let gamma = f.square(&self.y);
        let beta = f.mul(&self.x, &gamma);
        let t0 = f.sub(&self.x, &delta);
        let t1 = f.add(&self.x, &delta);
        let t2 = f.mul(&t0, &t1);
        let alpha = f.add(&f.add(&t2, &t2), &t2);
        let beta4 = f.add(&beta, &beta);
        let beta4 = f.add(&beta4, &beta4);
        let beta8 = f.add(&beta4, &beta4);
        let x3 = f.sub(&f.square(&alpha), &beta8);
        let yz = f.add(&self.y, &self.z);
        let z3 = f.sub(&f.sub(&f.square(&yz), &gamma), &delta);
        let g2 = f.square(&gamma);
        let g2_2 = f.add(&g2, &g2);
        let g2_4 = f.add(&g2_2, &g2_2);
        let g2_8 = f.add(&g2_4, &g2_4);
        let y3 = f.sub(&f.mul(&alpha, &f.sub(&beta4, &x3)), &g2_8);
        Jacobian { x: x3, y: y3, z: z3 }
    }

    /// P + Q for affine Q, "madd-2007-bl": 7M + 4S. Not valid when P is infinity or P = ±Q
    /// (callers handle those).
    #[inline(always)]
    fn madd_raw(&self, q: &Affine) -> (Self, Fe, Fe) {
        let f = &FP;
        let z1z1 = f.square(&self.z);
        let u2 = f.mul(&q.x, &z1z1);
        let s2 = f.mul(&q.y, &f.mul(&self.z, &z1z1));
        let h = f.sub(&u2, &self.x);
        let hh = f.square(&h);
        let i = f.add(&hh, &hh);
        let i = f.add(&i, &i);
        let j = f.mul(&h, &i);
        let r = f.sub(&s2, &self.y);
        let r = f.add(&r, &r);
        let v = f.mul(&self.x, &i);
        let x3 = f.sub(&f.sub(&f.square(&r), &j), &f.add(&v, &v));
        let yj = f.mul(&self.y, &j);
        let y3 = f.sub(&f.mul(&r, &f.sub(&v, &x3)), &f.add(&yj, &yj));
        let zh = f.add(&self.z, &h);
        let z3 = f.sub(&f.sub(&f.square(&zh), &z1z1), &hh);
        (Jacobian { x: x3, y: y3, z: z3 }, h, r)
    }

    /// P + Q for affine Q, variable time, correct for every input.
    pub fn add_affine_vartime(&self, q: &Affine) -> Self {
        if self.is_infinity() {
            return Jacobian::from_affine(q);
        }
        let (sum, h, r) = self.madd_raw(q);
        if h == [0; 4] {
            return if r == [0; 4] { Jacobian::from_affine(q).double() } else { Jacobian::INFINITY };
        }
        sum
    }

    /// P + Q, "add-2007-bl": 11M + 5S, variable time, correct for every input.
    pub fn add_vartime(&self, q: &Jacobian) -> Self {
        if self.is_infinity() {
            return *q;
        }
        if q.is_infinity() {
            return *self;
        }
        let f = &FP;
        let z1z1 = f.square(&self.z);
        let z2z2 = f.square(&q.z);
        let u1 = f.mul(&self.x, &z2z2);
        let u2 = f.mul(&q.x, &z1z1);
        let s1 = f.mul(&self.y, &f.mul(&q.z, &z2z2));
        let s2 = f.mul(&q.y, &f.mul(&self.z, &z1z1));
        let h = f.sub(&u2, &u1);
        let r = f.sub(&s2, &s1);
        if h == [0; 4] {
            return if r == [0; 4] { self.double() } else { Jacobian::INFINITY };
        }
        let h2 = f.add(&h, &h);
        let i = f.square(&h2);
        let j = f.mul(&h, &i);
        let r = f.add(&r, &r);
        let v = f.mul(&u1, &i);
        let x3 = f.sub(&f.sub(&f.square(&r), &j), &f.add(&v, &v));
        let s1j = f.mul(&s1, &j);
        let y3 = f.sub(&f.mul(&r, &f.sub(&v, &x3)), &f.add(&s1j, &s1j));
        let zz = f.add(&self.z, &q.z);
        let z3 = f.mul(&f.sub(&f.sub(&f.square(&zz), &z1z1), &z2z2), &h);
        Jacobian { x: x3, y: y3, z: z3 }
    }

    /// −P.
    pub fn neg(&self) -> Self {
        Jacobian { x: self.x, y: FP.neg(&self.y), z: self.z }
    }

    /// Affine coordinates in Montgomery form, or `None` at infinity. Constant time apart from
    /// the final infinity test on the result.
    pub fn to_affine(&self) -> Option<Affine> {
        let zi = invert(&self.z);
        let zi2 = FP.square(&zi);
        let a = Affine { x: FP.mul(&self.x, &zi2), y: FP.mul(&self.y, &FP.mul(&zi2, &zi)) };
        if self.is_infinity() { None } else { Some(a) }
    }
}

/// Windows of the comb.
pub const WINDOWS: usize = 43;
/// Entries a window.
pub const ENTRIES: usize = 32;

/// T[i][j] = (j + 1)·2⁶ⁱ·G, affine.
pub type CombTable = Vec<[Affine; ENTRIES]>;

/// The base-point table, built on first use (43 × 32 points, 88 KiB; about a millisecond).
pub fn comb_table() -> &'static CombTable {
    static T: OnceLock<CombTable> = OnceLock::new();
    T.get_or_init(|| {
        let mut table = Vec::with_capacity(WINDOWS);
        let mut base = Jacobian::from_affine(&generator());
        for _ in 0..WINDOWS {
            let mut row = [Affine::default(); ENTRIES];
            let mut jac = Vec::with_capacity(ENTRIES);
            let mut acc = base;
            for _ in 0..ENTRIES {
                jac.push(acc);
                acc = acc.add_vartime(&base);
            }
            let aff = batch_to_affine(&jac);
            row.copy_from_slice(&aff);
            table.push(row);
            for _ in 0..6 {
                base = base.double();
            }
        }
        table
    })
}

/// Normalise many points with one inversion (Montgomery's trick). None may be infinity.
pub fn batch_to_affine(pts: &[Jacobian]) -> Vec<Affine> {
    let f = &FP;
    let mut prefix = Vec::with_capacity(pts.len());
    let mut acc = f.r;
    for p in pts {
        prefix.push(acc);
        acc = f.mul(&acc, &p.z);
    }
    let mut inv = invert(&acc);
    let mut out = vec![Affine::default(); pts.len()];
    for i in (0..pts.len()).rev() {
        let zi = f.mul(&inv, &prefix[i]);
        inv = f.mul(&inv, &pts[i].z);
        let zi2 = f.square(&zi);
        out[i] = Affine { x: f.mul(&pts[i].x, &zi2), y: f.mul(&pts[i].y, &f.mul(&zi2, &zi)) };
    }
    out
}

/// The signed 6-bit Booth digit of window `i` of k: (magnitude 0..=32, sign mask).
#[inline(always)]
fn booth_digit(k: &[u64; 4], i: usize) -> (u64, u64) {
    // Bits 6i−1 … 6i+5 of k (bit −1 is 0), 7 bits.
    let bit = 6 * i as isize - 1;
    let w = if bit < 0 {
        (k[0] << 1) & 0x7f
    } else {
        let b = bit as usize;
        let lo = k[b / 64] >> (b % 64);
        let hi = if b % 64 > 57 && b / 64 + 1 < 4 { k[b / 64 + 1] << (64 - b % 64) } else { 0 };
        (lo | hi) & 0x7f
    };
    // OpenSSL's _booth_recode_w6, arithmetic only.
    let s = !((w >> 6).wrapping_sub(1));
    let d = (1u64 << 7).wrapping_sub(w).wrapping_sub(1);
    let d = (d & s) | (w & !s);
    let d = (d >> 1) + (d & 1);
    (d, 0u64.wrapping_sub(s & 1))
}

/// All ones if a == b.
#[inline(always)]
fn eq_mask(a: u64, b: u64) -> u64 {
    is_zero_mask(&[a ^ b, 0, 0, 0])
}

/// k·G in constant time, k < n (as limbs, plain).
pub fn mul_base_ct(k: &[u64; 4]) -> Jacobian {
    let table = comb_table();
    let mut acc = Jacobian::INFINITY;
    let mut acc_inf = u64::MAX;
    for (i, row) in table.iter().enumerate() {
        let (mag, neg) = booth_digit(k, i);
        // Gather entry mag−1 by scanning the whole row: every entry is read, the one wanted is
        // OR-ed in under an all-ones mask (at most one mask is set; none for a zero digit). The
        // mask passes an optimisation barrier so the compiler cannot make it a branch.
        let mut e = Affine::default();
        for (j, entry) in row.iter().enumerate() {
            let m = core::hint::black_box(eq_mask(mag, j as u64 + 1));
            for l in 0..4 {
                e.x[l] |= entry.x[l] & m;
                e.y[l] |= entry.y[l] & m;
            }
        }
        e.y = select(&e.y, &FP.neg(&e.y), neg);
        let (sum, _, _) = acc.madd_raw(&e);
        let fresh = Jacobian::from_affine(&e);
        let zero_digit = eq_mask(mag, 0);
        // acc at infinity: take the entry; zero digit: keep acc.
        let mut next = Jacobian {
            x: select(&sum.x, &fresh.x, acc_inf),
            y: select(&sum.y, &fresh.y, acc_inf),
            z: select(&sum.z, &fresh.z, acc_inf),
        };
        next = Jacobian {
            x: select(&next.x, &acc.x, zero_digit),
            y: select(&next.y, &acc.y, zero_digit),
            z: select(&next.z, &acc.z, zero_digit),
        };
        acc = next;
        acc_inf &= zero_digit;
    }
    // k = 0 leaves the accumulator "at infinity" but holding garbage coordinates: zero its Z.
    Jacobian { x: acc.x, y: acc.y, z: select(&acc.z, &[0; 4], acc_inf) }
}

/// s·G for public s, variable time.
pub fn mul_base_vartime(s: &[u64; 4]) -> Jacobian {
    let table = comb_table();
    let mut acc = Jacobian::INFINITY;
    for (i, row) in table.iter().enumerate() {
        let (mag, neg) = booth_digit(s, i);
        if mag == 0 {
            continue;
        }
        let mut e = row[mag as usize - 1];
        if neg != 0 {
            e.y = FP.neg(&e.y);
        }
        acc = acc.add_affine_vartime(&e);
    }
    acc
}

/// Entries of [`mul_ct`]'s per-point table: P, 2P, …, 16P.
const CT_ENTRIES: usize = 16;

/// k·P for secret k and public P, constant time in k: fixed 4-bit windows from the top, four
/// doublings and one masked mixed addition per window (64 windows for every k), the table entry
/// gathered by scanning all 16 under equality masks.
///
/// Unlike the base-point comb, the accumulator here can meet the entry being added (A = ±E): for
/// the last windows of some k, and always for small P-relative multiples. So every addition
/// computes both the mixed sum and the entry's double and selects, by masks, among: the sum, the
/// double (A = E), infinity (A = −E), the entry (A at infinity) and A (zero digit). The cost is
/// one extra doubling a window; the gain is a function correct for every k and P with no
/// secret-dependent branch. The table of P's multiples is built in variable time: P is public.
pub fn mul_ct(k: &[u64; 4], p: &Affine) -> Jacobian {
    let pj = Jacobian::from_affine(p);
    let mut jac = [pj; CT_ENTRIES];
    for i in 1..CT_ENTRIES {
        jac[i] = jac[i - 1].add_affine_vartime(p);
    }
    // j·P for 1 ≤ j ≤ 16 is never infinity on a curve of prime order n > 16.
    let aff = batch_to_affine(&jac);
    let mut acc = Jacobian::INFINITY;
    for i in (0..64).rev() {
        for _ in 0..4 {
            acc = acc.double();
        }
        let digit = (k[i / 16] >> ((i % 16) * 4)) & 0xf;
        let mut e = Affine::default();
        for (j, entry) in aff.iter().enumerate() {
            let m = core::hint::black_box(eq_mask(digit, j as u64 + 1));
            for l in 0..4 {
                e.x[l] |= entry.x[l] & m;
                e.y[l] |= entry.y[l] & m;
            }
        }
        let acc_inf = is_zero_mask(&acc.z);
        let (sum, h, r) = acc.madd_raw(&e);
        let fresh = Jacobian::from_affine(&e);
        let doubled = fresh.double();
        let h0 = is_zero_mask(&h) & !acc_inf;
        let r0 = is_zero_mask(&r);
        let mut next = sum;
        next = select_point(&next, &doubled, h0 & r0);
        next = select_point(&next, &Jacobian::INFINITY, h0 & !r0);
        next = select_point(&next, &fresh, acc_inf);
        acc = select_point(&next, &acc, eq_mask(digit, 0));
    }
    acc
}

/// `b` where `mask` is all ones, else `a`.
#[inline(always)]
fn select_point(a: &Jacobian, b: &Jacobian, mask: u64) -> Jacobian {
    Jacobian { x: select(&a.x, &b.x, mask), y: select(&a.y, &b.y, mask), z: select(&a.z, &b.z, mask) }
}

/// wNAF width for verification.
const W: u32 = 6;
/// Odd multiples kept per key: P, 3P, …, (2^(W−1) − 1)P.
pub const ODD: usize = 1 << (W - 2);

/// Odd multiples P, 3P, …, 31P, affine, for width-6 wNAF (computed once per verification key).
pub fn odd_multiples(p: &Affine) -> [Affine; ODD] {
    let pj = Jacobian::from_affine(p);
    let two_p = pj.double();
    let mut jac = [pj; ODD];
    for i in 1..ODD {
        jac[i] = jac[i - 1].add_vartime(&two_p);
    }
    let aff = batch_to_affine(&jac);
    let mut out = [Affine::default(); ODD];
    out.copy_from_slice(&aff);
    out
}

/// t·P for public t with P's odd multiples precomputed, variable time.
pub fn mul_vartime(t: &[u64; 4], odd: &[Affine; ODD]) -> Jacobian {
    let digits = super::lincomb::wnaf(t, W);
    let top = digits.iter().rposition(|d| *d != 0);
    let Some(top) = top else { return Jacobian::INFINITY };
    let mut acc = Jacobian::INFINITY;
    for i in (0..=top).rev() {
        acc = acc.double();
        let d = digits[i];
        if d != 0 {
            let mut e = odd[(d.unsigned_abs() as usize) / 2];
            if d < 0 {
                e.y = FP.neg(&e.y);
            }
            acc = acc.add_affine_vartime(&e);
        }
    }
    acc
}

/// Whether (x, y) (plain, big-endian bytes decoded to limbs) is on the curve.
pub fn on_curve(x: &Fe, y: &Fe) -> bool {
    let f = &FP;
    let b = f.to_mont(&super::field::from_be(&crate::sm2::CURVE_B));
    let xm = f.to_mont(x);
    let ym = f.to_mont(y);
    let x3 = f.mul(&f.square(&xm), &xm);
    let three_x = f.add(&f.add(&xm, &xm), &xm);
    let rhs = f.add(&f.sub(&x3, &three_x), &b);
    f.square(&ym) == rhs && super::field::lt_mask(x, &P) == u64::MAX && super::field::lt_mask(y, &P) == u64::MAX
}
