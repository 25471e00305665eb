//! Reading a PDF's bytes as stored, for the checks made beside lopdf's parse: searching for a
//! keyword (`/ByteRange`, `%%EOF`, `trailer`) and comparing a signature's hole with its
//! /Contents.
//!
//! A verifier searches the whole file, hex-encoded signature holes and compressed streams
//! included, for every document it checks, so the search is done a block at a time: the
//! keyword's first byte is compared with 32 bytes at once (a loop the compiler turns into vector
//! compares), and only where it occurs is the rest compared.

/// Offsets at which `needle` occurs in `hay`, in increasing order (overlapping occurrences
/// included). An empty needle occurs nowhere.
pub(crate) fn find_iter<'a>(hay: &'a [u8], needle: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
    let first = needle.first().copied();
    first.into_iter().flat_map(move |b| positions(hay, b)).filter(move |&i| hay[i..].starts_with(needle))
}

/// The first offset at or after `from` at which `needle` occurs in `hay`.
pub(crate) fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let rest = hay.get(from..)?;
    find_iter(rest, needle).next().map(|i| i + from)
}

/// Whether `hex` is hexadecimal digits only, two for each byte of `bytes`, spelling `bytes`.
/// Compared as it is decoded, without a copy and without a branch per digit (the hole of a
/// signature is tens of kilobytes, mostly zero padding).
pub(crate) fn hex_is(hex: &[u8], bytes: &[u8]) -> bool {
    /// A digit's value and whether `c` is one (`0-9`, `a-f`, `A-F`).
    fn digit(c: u8) -> (u8, bool) {
        let d = c.wrapping_sub(b'0');
        let l = (c | 0x20).wrapping_sub(b'a');
        let (is_d, is_l) = (d < 10, l < 6);
        (if is_d { d } else { l.wrapping_add(10) }, is_d | is_l)
    }
    let (pairs, odd) = hex.as_chunks::<2>();
    odd.is_empty()
        && pairs.len() == bytes.len()
        && pairs.iter().zip(bytes).fold(true, |ok, ([h, l], b)| {
            let ((h, h_ok), (l, l_ok)) = (digit(*h), digit(*l));
            ok & h_ok & l_ok & ((h << 4 | l) == *b)
        })
}

/// Offsets of `byte` in `hay`, in increasing order.
fn positions(hay: &[u8], byte: u8) -> impl Iterator<Item = usize> + '_ {
    const N: usize = 32;
    let (blocks, tail) = hay.as_chunks::<N>();
    let in_blocks = blocks.iter().enumerate().flat_map(move |(k, block)| {
        let mask = block.iter().enumerate().fold(0u32, |m, (i, b)| m | (u32::from(*b == byte) << i));
        bits(mask).map(move |i| k * N + i)
    });
    let base = blocks.len() * N;
    let in_tail = tail.iter().enumerate().filter(move |(_, b)| **b == byte).map(move |(i, _)| base + i);
    in_blocks.chain(in_tail)
}

/// The positions of the set bits of `mask`, lowest first.
fn bits(mut mask: u32) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (mask != 0).then(|| {
            let i = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            i
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(hay: &[u8], needle: &[u8]) -> Vec<usize> {
        if needle.is_empty() {
            return Vec::new();
        }
        hay.windows(needle.len()).enumerate().filter(|(_, w)| *w == needle).map(|(i, _)| i).collect()
    }

    #[test]
    fn finds_what_a_byte_by_byte_search_finds() {
        // Occurrences at block boundaries, across them, overlapping, at both ends, and a first
        // byte that often occurs without the rest.
        let needles: [&[u8]; 4] = [b"/ByteRange", b"aa", b"%%EOF", b"/"];
        for len in [0, 1, 9, 31, 32, 33, 63, 64, 65, 100, 257] {
            for at in [0usize, 1, 22, 23, 30, 31, 32, 33, 60, 90, 247] {
                for needle in needles {
                    let mut hay: Vec<u8> = (0..len).map(|i| if i % 7 == 0 { b'/' } else { b'a' }).collect();
                    if at + needle.len() <= hay.len() {
                        hay[at..at + needle.len()].copy_from_slice(needle);
                    }
                    let got: Vec<usize> = find_iter(&hay, needle).collect();
                    assert_eq!(got, naive(&hay, needle), "len {len}, at {at}, {needle:?}");
                    for from in [0, 1, 31, 33, len, len + 1] {
                        let want = naive(&hay, needle).into_iter().find(|i| *i >= from);
                        assert_eq!(find(&hay, needle, from), want, "len {len}, from {from}, {needle:?}");
                    }
                }
            }
        }
        assert_eq!(find_iter(b"abc", b"").count(), 0);
    }

    #[test]
    fn hex_is_the_bytes_it_spells() {
        assert!(hex_is(b"00aBfF", &[0x00, 0xab, 0xff]));
        assert!(hex_is(b"", &[]));
        assert!(!hex_is(b"00aBfE", &[0x00, 0xab, 0xff]));
        assert!(!hex_is(b"00aBf", &[0x00, 0xab, 0xf0]));
        assert!(!hex_is(b"00aBff00", &[0x00, 0xab, 0xff]));
        assert!(!hex_is(b"0 aBff", &[0x00, 0xab, 0xff]));
        assert!(!hex_is(b"0gaBff", &[0x0, 0xab, 0xff]));
        // Every byte value as a digit: exactly the 22 hexadecimal digits pass.
        let spelled = |c: u8| (0u8..=255).find(|b| hex_is(&[b'0', c], &[*b]));
        let digits: Vec<u8> = (0u8..=255).filter(|c| spelled(*c).is_some()).collect();
        assert_eq!(digits, b"0123456789ABCDEFabcdef");
        assert!(digits.iter().all(|c| spelled(*c) == Some((*c as char).to_digit(16).unwrap() as u8)));
    }
}
