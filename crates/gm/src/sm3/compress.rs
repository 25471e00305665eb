//! The SM3 compression function CF (GB/T 32905-2016 §5.3), written for speed in portable safe
//! Rust: the 64 rounds fully unrolled by a macro, so every index below is a constant and the
//! message words live in registers.
//!
//! - Message expansion (§5.3.2) runs on the fly in a ring of 16 words: round j needs W_j and
//!   W′_j = W_j ⊕ W_{j+4}, so W_{j+4} is expanded just before round j, in place of W_{j−12},
//!   which no later round reads.
//! - The constants T_j ⋘ (j mod 32) are precomputed ([`K`]).
//! - Rounds 0–15 and 16–63 use their own boolean functions FF/GG, chosen at expansion time.
//! - The eight state words are not shuffled after each round: round j's macro writes its results
//!   into the registers that round j + 1 names differently (B ⋘ 9 in place, D ← TT1, F ⋘ 19 in
//!   place, H ← P0(TT2)), so four rounds bring the names back to A…H.

/// T_j ⋘ (j mod 32): T_j = 0x79cc4519 for j < 16, 0x7a879d8a after.
pub(crate) const K: [u32; 64] = {
    let mut k = [0u32; 64];
    let mut j = 0;
    while j < 64 {
        let t: u32 = if j < 16 { 0x79cc_4519 } else { 0x7a87_9d8a };
        k[j] = t.rotate_left((j % 32) as u32);
        j += 1;
    }
    k
};

/// The initial value IV (§4.1).
pub(crate) const IV: [u32; 8] =
    [0x7380_166f, 0x4914_b2b9, 0x1724_42d7, 0xda8a_0600, 0xa96f_30bc, 0x1631_38aa, 0xe38d_ee4d, 0xb0fb_0e4e];

#[inline(always)]
fn p0(x: u32) -> u32 {
    x ^ x.rotate_left(9) ^ x.rotate_left(17)
}

#[inline(always)]
fn p1(x: u32) -> u32 {
    x ^ x.rotate_left(15) ^ x.rotate_left(23)
}

#[inline(always)]
fn ff0(x: u32, y: u32, z: u32) -> u32 {
    x ^ y ^ z
}

/// Majority, (x ∧ y) ∨ (x ∧ z) ∨ (y ∧ z), in three operations.
#[inline(always)]
fn ff1(x: u32, y: u32, z: u32) -> u32 {
    (x & y) | ((x | y) & z)
}

#[inline(always)]
fn gg0(x: u32, y: u32, z: u32) -> u32 {
    x ^ y ^ z
}

/// Choice, (x ∧ y) ∨ (¬x ∧ z), in three operations.
#[inline(always)]
fn gg1(x: u32, y: u32, z: u32) -> u32 {
    ((y ^ z) & x) ^ z
}

/// W_k for k ≥ 16, written over W_{k−16} in the ring.
macro_rules! expand {
    ($w:ident, $k:expr) => {
        $w[$k % 16] = p1($w[$k % 16] ^ $w[($k - 9) % 16] ^ $w[($k - 3) % 16].rotate_left(15))
            ^ $w[($k - 13) % 16].rotate_left(7)
            ^ $w[($k - 6) % 16];
    };
}

/// One round j, writing B ⋘ 9, TT1, F ⋘ 19 and P0(TT2) into b, d, f and h.
macro_rules! round {
    ($ff:ident, $gg:ident, $w:ident, $j:expr, $a:ident, $b:ident, $c:ident, $d:ident,
     $e:ident, $f:ident, $g:ident, $h:ident) => {
        if $j >= 12 {
            expand!($w, $j + 4);
        }
        let a12 = $a.rotate_left(12);
        let ss1 = a12.wrapping_add($e).wrapping_add(K[$j]).rotate_left(7);
        let ss2 = ss1 ^ a12;
        let wj = $w[$j % 16];
        let tt1 = $ff($a, $b, $c).wrapping_add($d).wrapping_add(ss2).wrapping_add(wj ^ $w[($j + 4) % 16]);
        let tt2 = $gg($e, $f, $g).wrapping_add($h).wrapping_add(ss1).wrapping_add(wj);
        $b = $b.rotate_left(9);
        $d = tt1;
        $f = $f.rotate_left(19);
        $h = p0(tt2);
    };
}

/// Four rounds starting at j, after which the names A…H are back in place.
macro_rules! rounds4 {
    ($ff:ident, $gg:ident, $w:ident, $j:expr, $a:ident, $b:ident, $c:ident, $d:ident,
     $e:ident, $f:ident, $g:ident, $h:ident) => {
        round!($ff, $gg, $w, $j, $a, $b, $c, $d, $e, $f, $g, $h);
        round!($ff, $gg, $w, $j + 1, $d, $a, $b, $c, $h, $e, $f, $g);
        round!($ff, $gg, $w, $j + 2, $c, $d, $a, $b, $g, $h, $e, $f);
        round!($ff, $gg, $w, $j + 3, $b, $c, $d, $a, $f, $g, $h, $e);
    };
}

/// Compress every 64-byte block of `blocks` into `state`, read straight from the caller's
/// buffer. `blocks.len()` must be a multiple of 64 (any remainder is ignored).
pub(crate) fn compress(state: &mut [u32; 8], blocks: &[u8]) {
    debug_assert_eq!(blocks.len() % 64, 0);
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    for block in blocks.chunks_exact(64) {
        let mut w = [0u32; 16];
        for (wi, bytes) in w.iter_mut().zip(block.chunks_exact(4)) {
            *wi = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        let (a0, b0, c0, d0, e0, f0, g0, h0) = (a, b, c, d, e, f, g, h);

        rounds4!(ff0, gg0, w, 0, a, b, c, d, e, f, g, h);
        rounds4!(ff0, gg0, w, 4, a, b, c, d, e, f, g, h);
        rounds4!(ff0, gg0, w, 8, a, b, c, d, e, f, g, h);
        rounds4!(ff0, gg0, w, 12, a, b, c, d, e, f, g, h);
        rounds4!(ff1, gg1, w, 16, a, b, c, d, e, f, g, h);
        rounds4!(ff1, gg1, w, 20, a, b, c, d, e, f, g, h);
        rounds4!(ff1, gg1, w, 24, a, b, c, d, e, f, g, h);
        rounds4!(ff1, gg1, w, 28, a, b, c, d, e, f, g, h);
        rounds4!(ff1, gg1, w, 32, a, b, c, d, e, f, g, h);
        rounds4!(ff1, gg1, w, 36, a, b, c, d, e, f, g, h);
        rounds4!(ff1, gg1, w, 40, a, b, c, d, e, f, g, h);
        rounds4!(ff1, gg1, w, 44, a, b, c, d, e, f, g, h);
        rounds4!(ff1, gg1, w, 48, a, b, c, d, e, f, g, h);
        rounds4!(ff1, gg1, w, 52, a, b, c, d, e, f, g, h);
        rounds4!(ff1, gg1, w, 56, a, b, c, d, e, f, g, h);
        rounds4!(ff1, gg1, w, 60, a, b, c, d, e, f, g, h);

        // V_{i+1} = ABCDEFGH ⊕ V_i.
        a ^= a0;
        b ^= b0;
        c ^= c0;
        d ^= d0;
        e ^= e0;
        f ^= f0;
        g ^= g0;
        h ^= h0;
    }
    *state = [a, b, c, d, e, f, g, h];
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The round constants as §4.2 defines them, rotated the slow way.
    #[test]
    fn constants() {
        for (j, k) in K.iter().enumerate() {
            let t: u32 = if j < 16 { 0x79cc4519 } else { 0x7a879d8a };
            let mut r = t;
            for _ in 0..j {
                r = r.rotate_left(1);
            }
            assert_eq!(*k, r, "j = {j}");
        }
    }

    /// CF against a direct transcription of §5.3 (W and W′ arrays, state shuffled every round).
    #[test]
    fn compress_matches_the_standards_text() {
        fn reference(v: &mut [u32; 8], block: &[u8]) {
            let mut w = [0u32; 68];
            for i in 0..16 {
                w[i] = u32::from_be_bytes(block[4 * i..4 * i + 4].try_into().unwrap());
            }
            for j in 16..68 {
                w[j] = p1(w[j - 16] ^ w[j - 9] ^ w[j - 3].rotate_left(15)) ^ w[j - 13].rotate_left(7) ^ w[j - 6];
            }
            let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *v;
            for j in 0..64 {
                let t: u32 = if j < 16 { 0x79cc4519 } else { 0x7a879d8a };
                let ss1 = a.rotate_left(12).wrapping_add(e).wrapping_add(t.rotate_left(j as u32 % 32)).rotate_left(7);
                let ss2 = ss1 ^ a.rotate_left(12);
                let (ff, gg) =
                    if j < 16 { (a ^ b ^ c, e ^ f ^ g) } else { ((a & b) | (a & c) | (b & c), (e & f) | (!e & g)) };
                let tt1 = ff.wrapping_add(d).wrapping_add(ss2).wrapping_add(w[j] ^ w[j + 4]);
                let tt2 = gg.wrapping_add(h).wrapping_add(ss1).wrapping_add(w[j]);
                d = c;
                c = b.rotate_left(9);
                b = a;
                a = tt1;
                h = g;
                g = f.rotate_left(19);
                f = e;
                e = p0(tt2);
            }
            for (x, y) in v.iter_mut().zip([a, b, c, d, e, f, g, h]) {
                *x ^= y;
            }
        }
        let mut x = 0x1234_5678_9abc_def0u64;
        let mut data = vec![0u8; 64 * 7];
        for byte in data.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *byte = x as u8;
        }
        let mut fast = IV;
        let mut slow = IV;
        compress(&mut fast, &data);
        for block in data.chunks_exact(64) {
            reference(&mut slow, block);
        }
        assert_eq!(fast, slow);
    }
}
