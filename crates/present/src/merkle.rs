//! The claim tree of a format-2 credential: a Merkle tree over the claims' leaf hashes, so that
//! a presentation carries the few nodes that prove the shown claims instead of every claim's
//! digest (RFC 9162 §2.1 tree shape, SM3 truncated to [`NODE_LEN`] bytes).
//!
//! ```text
//! leaf(d)    = SM3(0x00 ‖ disclosure bytes)[..16]
//! node(l, r) = SM3(0x01 ‖ l ‖ r)[..16]
//! tree       = over the leaves sorted ascending (their order says nothing of which claim is which);
//!              a tree of n > 1 leaves is node(tree(first k), tree(rest)), k the largest power of
//!              two below n, as RFC 9162 defines MTH
//! multiproof = the hash of every maximal subtree holding no shown leaf, in left-to-right order
//! ```
//!
//! Sixteen bytes keep a leaf's second-preimage resistance at 2^128, the SM2 curve's level (see
//! [`crate::credential`] for what the truncation costs and why a collision does not help a
//! holder); the 0x00/0x01 prefixes keep a node from being passed off as a leaf.

use crate::{Result, format_err};

/// Bytes of a leaf or node hash.
pub const NODE_LEN: usize = 16;
/// The most claims a credential's tree holds.
pub const MAX_LEAVES: u32 = 256;

/// A leaf or node hash.
pub type Hash = [u8; NODE_LEN];

fn sm3_prefix(parts: &[&[u8]]) -> Hash {
    let mut h = yinxin_gm::sm3::Sm3Hasher::new();
    for p in parts {
        h.update(p);
    }
    let d = h.finalize();
    let mut out = [0u8; NODE_LEN];
    out.copy_from_slice(&d.as_bytes()[..NODE_LEN]);
    out
}

/// The leaf hash of a disclosure's bytes.
pub fn leaf(disclosure: &[u8]) -> Hash {
    sm3_prefix(&[&[0x00], disclosure])
}

fn node(l: &Hash, r: &Hash) -> Hash {
    sm3_prefix(&[&[0x01], l, r])
}

fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// The root over `leaves` (sorted by the caller; at least one).
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => sm3_prefix(&[]),
        1 => leaves[0],
        n => {
            let k = split(n);
            node(&root(&leaves[..k]), &root(&leaves[k..]))
        }
    }
}

/// The multiproof for the leaves at `shown` (positions in `leaves`, any order).
pub fn prove(leaves: &[Hash], shown: &[usize]) -> Vec<Hash> {
    fn walk(leaves: &[Hash], lo: usize, shown: &[usize], out: &mut Vec<Hash>) {
        let hi = lo + leaves.len();
        if !shown.iter().any(|&i| (lo..hi).contains(&i)) {
            out.push(root(leaves));
            return;
        }
        if leaves.len() == 1 {
            return;
        }
        let k = split(leaves.len());
        walk(&leaves[..k], lo, shown, out);
        walk(&leaves[k..], lo + k, shown, out);
    }
    let mut out = Vec::new();
    walk(leaves, 0, shown, &mut out);
    out
}

/// The root a multiproof gives for a tree of `n` leaves in which the leaf at each position of
/// `shown` is the paired hash. Refuses positions out of range or given twice, and proofs with
/// nodes missing or left over.
pub fn verify(n: u32, shown: &[(u32, Hash)], proof: &[Hash]) -> Result<Hash> {
    if n == 0 || n > MAX_LEAVES {
        return Err(format_err(format!("claim tree of {n} leaves (1 to {MAX_LEAVES})")));
    }
    let mut seen = std::collections::BTreeMap::new();
    for (i, h) in shown {
        if *i >= n {
            return Err(format_err(format!("claim position {i} beyond the tree's {n} leaves")));
        }
        if seen.insert(*i as usize, *h).is_some() {
            return Err(format_err(format!("claim position {i} given twice")));
        }
    }
    fn walk(
        lo: usize,
        len: usize,
        seen: &std::collections::BTreeMap<usize, Hash>,
        proof: &mut std::slice::Iter<'_, Hash>,
    ) -> Result<Hash> {
        if seen.range(lo..lo + len).next().is_none() {
            return proof.next().copied().ok_or_else(|| format_err("the claim proof is missing nodes"));
        }
        if len == 1 {
            return Ok(seen[&lo]);
        }
        let k = split(len);
        let l = walk(lo, k, seen, proof)?;
        let r = walk(lo + k, len - k, seen, proof)?;
        Ok(node(&l, &r))
    }
    let mut it = proof.iter();
    let r = walk(0, n as usize, &seen, &mut it)?;
    if it.next().is_some() {
        return Err(format_err("the claim proof has nodes left over"));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subset_of_every_small_tree_proves_its_root() {
        for n in 1..=13usize {
            let leaves: Vec<Hash> = (0..n).map(|i| leaf(&[i as u8])).collect();
            let r = root(&leaves);
            for mask in 0u32..(1 << n) {
                let shown: Vec<usize> = (0..n).filter(|i| mask & (1 << i) != 0).collect();
                let proof = prove(&leaves, &shown);
                let pairs: Vec<(u32, Hash)> = shown.iter().map(|&i| (i as u32, leaves[i])).collect();
                assert_eq!(verify(n as u32, &pairs, &proof).unwrap(), r, "n={n} mask={mask:b}");
                if let Some(&(i, _)) = pairs.first() {
                    let mut bad = pairs.clone();
                    bad[0].1[0] ^= 1;
                    assert_ne!(verify(n as u32, &bad, &proof).unwrap(), r);
                    // A shown leaf moved to another position does not give the root either.
                    if n > 1 && shown.len() < n {
                        let j = (0..n as u32).find(|j| !shown.contains(&(*j as usize))).unwrap();
                        let mut moved = pairs.clone();
                        moved[0].0 = j;
                        assert!(verify(n as u32, &moved, &proof).map(|x| x != r).unwrap_or(true), "{i}->{j}");
                    }
                }
                if !proof.is_empty() {
                    assert!(verify(n as u32, &pairs, &proof[1..]).is_err());
                }
                let mut longer = proof.clone();
                longer.push([0; NODE_LEN]);
                assert!(verify(n as u32, &pairs, &longer).is_err());
            }
        }
    }
}
