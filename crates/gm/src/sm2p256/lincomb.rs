//! s·G + t·Q for SM2 verification (GB/T 32918.2 §7.1 B6–B7: (x₁′, y₁′) = [s′]G + [t]P_A), where
//! every input is public, so this is variable time throughout.
//!
//! Both scalars are recoded in width-w NAF and processed in one loop (Straus' interleaving), so
//! the doublings are shared. Two layouts:
//!
//! - [`lincomb_oneshot`]: for a key seen once. Q's table is its odd multiples Q, 3Q, …, 31Q
//!   (width 6, [`super::point::odd_multiples`]); the loop doubles 256 times. G's digits use
//!   width 8 over G's static odd multiples G, 3G, …, 127G (about one addition per 9 bits).
//! - [`lincomb_split`]: for a key verified against repeatedly. Each scalar's NAF digits are
//!   split into four quarters of 64 positions, x = Σ x_j·2⁶⁴ʲ, and each quarter has its own
//!   table of odd multiples of 2⁶⁴ʲ·P. The loop then doubles only 64 times (65 when the NAF
//!   carries into bit 256) and adds the digits of all four quarters at each step. G's split
//!   table is static ([`g_split`], 4 × 64 affine points, 16 KiB); Q's ([`QSplit`], 4 × 16
//!   points, 4 KiB) costs about as much to build as one one-shot verification, so
//!   [`super::Verifier`] builds it on a key's second use.
//!
//! Additions are mixed (Jacobian + affine), and every table is normalised to affine with one
//! inversion (Montgomery's trick, [`super::point::batch_to_affine`]).

use super::field::FP;
use super::point::{Affine, Jacobian, ODD, batch_to_affine, generator};
use std::sync::OnceLock;

/// NAF width for G's digits (64 odd multiples a quarter).
const WG: u32 = 8;
/// Odd multiples of G a quarter: G, 3G, …, 127G.
const G_ODD: usize = 1 << (WG - 2);
/// NAF width for Q's digits; Q's odd multiples are [`super::point::ODD`] = 16 a quarter.
const WQ: u32 = 6;
const _: () = assert!(ODD == 1 << (WQ - 2));

/// Quarter tables: `t[j][k] = (2k + 1)·2⁶⁴ʲ·P`, affine.
pub type Split<const E: usize> = [[Affine; E]; 4];

/// Q's split table (4 KiB), kept by a [`super::Verifier`] that is used more than once.
pub type QSplit = Split<ODD>;

/// Width-w NAF digits of a public scalar below 2²⁵⁶, least significant first: every nonzero
/// digit is odd with |d| < 2^(w−1), and any w consecutive digits hold at most one nonzero.
pub(super) fn wnaf(s: &[u64; 4], w: u32) -> [i8; 257] {
    let mut out = [0i8; 257];
    let mut k = [s[0], s[1], s[2], s[3], 0u64];
    let mut i = 0;
    while i < 257 {
        if k[0] == 0 {
            if k == [0; 5] {
                break;
            }
            k = [k[1], k[2], k[3], k[4], 0];
            i += 64;
            continue;
        }
        if k[0] & 1 == 0 {
            // Skip a run of zero bits at once.
            let z = k[0].trailing_zeros();
            shr(&mut k, z);
            i += z as usize;
            continue;
        }
        let mut d = (k[0] & ((1 << w) - 1)) as i64;
        if d >= 1 << (w - 1) {
            d -= 1 << w;
        }
        out[i] = d as i8;
        // k −= d clears the low w bits; the carry (d < 0) or borrow (never: d ≤ k mod 2^w)
        // runs up the limbs.
        let (v, mut carry) = k[0].overflowing_sub(d as u64);
        k[0] = v;
        carry ^= d < 0;
        let mut j = 1;
        while carry && j < 5 {
            (k[j], carry) = k[j].overflowing_add(1);
            j += 1;
        }
        shr(&mut k, w);
        i += w as usize;
    }
    out
}

/// k >>= n for 1 ≤ n ≤ 63.
#[inline(always)]
fn shr(k: &mut [u64; 5], n: u32) {
    for j in 0..4 {
        k[j] = (k[j] >> n) | (k[j + 1] << (64 - n));
    }
    k[4] >>= n;
}

/// Odd multiples P, 3P, …, (2E − 1)P of each 2⁶⁴ʲ·P, j = 0…3, normalised with one inversion.
pub fn split_table<const E: usize>(p: &Affine) -> Box<Split<E>> {
    let mut jac = Vec::with_capacity(4 * E);
    let mut base = Jacobian::from_affine(p);
    for j in 0..4 {
        if j > 0 {
            for _ in 0..64 {
                base = base.double();
            }
        }
        let two = base.double();
        let mut acc = base;
        for k in 0..E {
            if k > 0 {
                acc = acc.add_vartime(&two);
            }
            jac.push(acc);
        }
    }
    // No entry is infinity: (2k + 1)·2⁶⁴ʲ < n for every k < E ≤ 64, j ≤ 3, and P has order n.
    let aff = batch_to_affine(&jac);
    let mut out = Box::new([[Affine::default(); E]; 4]);
    for (row, chunk) in out.iter_mut().zip(aff.chunks_exact(E)) {
        row.copy_from_slice(chunk);
    }
    out
}

/// G's split table, built on first use (about 0.2 ms).
pub fn g_split() -> &'static Split<G_ODD> {
    static T: OnceLock<Box<Split<G_ODD>>> = OnceLock::new();
    T.get_or_init(|| split_table::<G_ODD>(&generator()))
}

/// acc + d·(table entry), for a NAF digit d (odd, or zero for nothing).
#[inline(always)]
fn add_digit(acc: &Jacobian, d: i8, odd: &[Affine]) -> Jacobian {
    if d == 0 {
        return *acc;
    }
    let mut e = odd[(d.unsigned_abs() as usize) / 2];
    if d < 0 {
        e.y = FP.neg(&e.y);
    }
    acc.add_affine_vartime(&e)
}

/// s·G + t·Q with Q's plain odd multiples (256 shared doublings).
pub fn lincomb_oneshot(s: &[u64; 4], t: &[u64; 4], q_odd: &[Affine; ODD]) -> Jacobian {
    let g = &g_split()[0];
    let ds = wnaf(s, WG);
    let dt = wnaf(t, WQ);
    let top = (0..257).rev().find(|&i| ds[i] != 0 || dt[i] != 0);
    let Some(top) = top else { return Jacobian::INFINITY };
    let mut acc = Jacobian::INFINITY;
    for i in (0..=top).rev() {
        if i < top {
            acc = acc.double();
        }
        acc = add_digit(&acc, ds[i], g);
        acc = add_digit(&acc, dt[i], q_odd);
    }
    acc
}

/// s·G + t·Q with both points' quarter tables (64 or 65 shared doublings).
pub fn lincomb_split(s: &[u64; 4], t: &[u64; 4], q: &QSplit) -> Jacobian {
    let g = g_split();
    let ds = wnaf(s, WG);
    let dt = wnaf(t, WQ);
    // Digit i belongs to quarter j = min(i / 64, 3) at position i − 64j; only quarter 3 has a
    // position 64 (digit 256, the NAF's carry out of the top bit).
    let digit = |d: &[i8; 257], j: usize, r: usize| if r < 64 || j == 3 { d[64 * j + r] } else { 0 };
    let mut acc = Jacobian::INFINITY;
    let mut started = false;
    for r in (0..=64).rev() {
        if started {
            acc = acc.double();
        }
        for j in 0..4 {
            let (a, b) = (digit(&ds, j, r), digit(&dt, j, r));
            if a != 0 || b != 0 {
                acc = add_digit(&acc, a, &g[j]);
                acc = add_digit(&acc, b, &q[j]);
                started = true;
            }
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::super::point::{mul_base_vartime, mul_vartime, odd_multiples};
    use super::super::scalar::N;
    use super::*;

    fn rand_scalar(seed: &mut u64) -> [u64; 4] {
        let mut l = [0u64; 4];
        for x in l.iter_mut() {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            *x = *seed;
        }
        // Below n: clear the top bit (n > 2²⁵⁵).
        l[3] &= 0x7fff_ffff_ffff_ffff;
        l
    }

    fn reference(s: &[u64; 4], t: &[u64; 4], q: &Affine) -> Option<Affine> {
        mul_base_vartime(s).add_vartime(&mul_vartime(t, &odd_multiples(q))).to_affine()
    }

    #[test]
    fn wnaf_recodes_the_scalar() {
        let mut seed = 5;
        for w in [5, 6, 8] {
            for _ in 0..200 {
                let mut s = rand_scalar(&mut seed);
                if seed & 1 == 1 {
                    s[3] |= 0x8000_0000_0000_0000;
                }
                let d = wnaf(&s, w);
                // Σ d_i 2^i, accumulated in i128 slices of 64 bits with carries.
                let mut acc = [0i128; 5];
                for (i, di) in d.iter().enumerate() {
                    assert!(*di == 0 || (di % 2 != 0 && di.unsigned_abs() < 1 << (w - 1)));
                    acc[i / 64] += (*di as i128) << (i % 64);
                }
                for j in 0..4 {
                    let c = acc[j].div_euclid(1 << 64);
                    acc[j] = acc[j].rem_euclid(1 << 64);
                    acc[j + 1] += c;
                }
                assert_eq!([acc[0] as u64, acc[1] as u64, acc[2] as u64, acc[3] as u64], s);
                assert_eq!(acc[4], 0);
                for win in d.windows(w as usize) {
                    assert!(win.iter().filter(|x| **x != 0).count() <= 1);
                }
            }
        }
    }

    /// Both layouts against the separate comb and wNAF multiplications, for random scalars and
    /// the edges: 0, 1, n − 1, 2⁶⁴ʲ boundaries, all ones, sums that are infinity (s·G = −t·Q).
    #[test]
    fn agree_with_separate_multiplications() {
        let mut seed = 0x9e37_79b9_7f4a_7c15;
        let g = generator();
        let mut n1 = N;
        n1[0] -= 1;
        let mut edges = vec![[0u64; 4], [1, 0, 0, 0], [2, 0, 0, 0], n1, N, [u64::MAX; 4]];
        for j in 0..4 {
            let mut e = [0u64; 4];
            e[j] = 1;
            edges.push(e);
            let mut m = [0u64; 4];
            for x in m.iter_mut().take(j + 1) {
                *x = u64::MAX;
            }
            edges.push(m);
        }
        let qs: Vec<Affine> = (0..4)
            .map(|i| if i == 0 { g } else { mul_base_vartime(&rand_scalar(&mut seed)).to_affine().unwrap() })
            .collect();
        for q in &qs {
            let odd = odd_multiples(q);
            let split = split_table::<ODD>(q);
            assert_eq!(split[0], odd);
            let mut cases: Vec<([u64; 4], [u64; 4])> = Vec::new();
            for a in &edges {
                for b in &edges {
                    cases.push((*a, *b));
                }
            }
            for _ in 0..100 {
                cases.push((rand_scalar(&mut seed), rand_scalar(&mut seed)));
            }
            for (s, t) in cases {
                let want = reference(&s, &t, q);
                assert_eq!(lincomb_oneshot(&s, &t, &odd).to_affine(), want, "oneshot s={s:x?} t={t:x?}");
                assert_eq!(lincomb_split(&s, &t, &split).to_affine(), want, "split s={s:x?} t={t:x?}");
            }
        }
        // Q = G: s·G + (n − s)·G is infinity, s·G + s·G is a doubling met mid-loop.
        let odd = odd_multiples(&g);
        let split = split_table::<ODD>(&g);
        for _ in 0..50 {
            let s = rand_scalar(&mut seed);
            let mut ns = [0u64; 4];
            let mut borrow = false;
            for i in 0..4 {
                let (v, b1) = N[i].overflowing_sub(s[i]);
                let (v, b2) = v.overflowing_sub(borrow as u64);
                ns[i] = v;
                borrow = b1 || b2;
            }
            assert!(lincomb_oneshot(&s, &ns, &odd).is_infinity());
            assert!(lincomb_split(&s, &ns, &split).is_infinity());
            let want = reference(&s, &s, &g);
            assert_eq!(lincomb_split(&s, &s, &split).to_affine(), want);
            assert_eq!(lincomb_oneshot(&s, &s, &odd).to_affine(), want);
        }
    }
}
