//! Proofs between every pair of sizes up to 64, random sizes up to 10^6, and one flipped bit
//! anywhere in a proof (or in the leaf, the root, the index or a size) always rejected.

use proptest::prelude::*;
use std::sync::OnceLock;
use yinxin_tlog::proof::{
    consistency_proof, consistency_proof_len, inclusion_proof, inclusion_proof_len, verify_consistency,
    verify_inclusion,
};
use yinxin_tlog::tree::{MemoryTree, mth_of_leaf_hashes};
use yinxin_tlog::{Hash, Hasher, Sm3};

fn entry(i: u64) -> [u8; 8] {
    i.to_be_bytes()
}

fn flip(h: &Hash, bit: usize) -> Hash {
    let mut h = *h;
    h.0[(bit / 8) % 32] ^= 1 << (bit % 8);
    h
}

#[test]
fn every_pair_up_to_64_proves_and_rejects_every_flipped_element() {
    let tree = MemoryTree::<Sm3>::from_entries((0..64).map(entry)).unwrap();
    let roots: Vec<Hash> = (0..=64).map(|n| tree.root_at(n).unwrap()).collect();
    let mut bit = 0usize;
    for n in 1..=64u64 {
        for i in 0..n {
            let leaf = tree.leaf_hash(i).unwrap();
            let proof = inclusion_proof::<Sm3>(&tree, i, n).unwrap();
            assert_eq!(proof.len(), inclusion_proof_len(i, n).unwrap());
            verify_inclusion::<Sm3>(&leaf, i, n, &proof, &roots[n as usize]).unwrap();
            for k in 0..proof.len() {
                let mut bad = proof.clone();
                bit = (bit + 37) % 256;
                bad[k] = flip(&bad[k], bit);
                assert!(verify_inclusion::<Sm3>(&leaf, i, n, &bad, &roots[n as usize]).is_err(), "{i}/{n} [{k}]");
            }
            assert!(verify_inclusion::<Sm3>(&flip(&leaf, bit), i, n, &proof, &roots[n as usize]).is_err());
            assert!(verify_inclusion::<Sm3>(&leaf, i, n, &proof, &flip(&roots[n as usize], bit)).is_err());
            // Another index of the same size never verifies with this proof (the leaves differ).
            for j in (0..n).filter(|&j| j != i) {
                assert!(verify_inclusion::<Sm3>(&leaf, j, n, &proof, &roots[n as usize]).is_err());
            }
        }
        for m in 0..=n {
            let proof = consistency_proof::<Sm3>(&tree, m, n).unwrap();
            assert_eq!(proof.len(), consistency_proof_len(m, n).unwrap());
            verify_consistency::<Sm3>(m, n, &roots[m as usize], &roots[n as usize], &proof).unwrap();
            for k in 0..proof.len() {
                let mut bad = proof.clone();
                bit = (bit + 37) % 256;
                bad[k] = flip(&bad[k], bit);
                let r = verify_consistency::<Sm3>(m, n, &roots[m as usize], &roots[n as usize], &bad);
                assert!(r.is_err(), "{m}->{n} [{k}]");
            }
            if m > 0 && m < n {
                let (r1, r2) = (&roots[m as usize], &roots[n as usize]);
                assert!(verify_consistency::<Sm3>(m, n, &flip(r1, bit), r2, &proof).is_err());
                assert!(verify_consistency::<Sm3>(m, n, r1, &flip(r2, bit), &proof).is_err());
            }
        }
    }
}

/// One tree of 10^6 leaves, built once for all the cases below.
fn big_tree() -> &'static MemoryTree<Sm3> {
    static TREE: OnceLock<MemoryTree<Sm3>> = OnceLock::new();
    TREE.get_or_init(|| MemoryTree::from_entries((0..1_000_000).map(entry)).unwrap())
}

#[test]
fn roots_of_large_trees_match_the_recursive_definition() {
    let tree = big_tree();
    let leaves: Vec<Hash> = (0..1_000_000).map(|i| tree.leaf_hash(i).unwrap()).collect();
    for n in [1_000_000u64, 999_999, 524_288, 524_289, 65_537, 123_457] {
        assert_eq!(tree.root_at(n).unwrap(), mth_of_leaf_hashes::<Sm3>(&leaves[..n as usize]), "size {n}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_inclusion_up_to_a_million(n in 1u64..=1_000_000, i_frac in 0.0f64..1.0, bit in 0usize..256, k_frac in 0.0f64..1.0) {
        let tree = big_tree();
        let i = ((n as f64 * i_frac) as u64).min(n - 1);
        let root = tree.root_at(n).unwrap();
        let leaf = tree.leaf_hash(i).unwrap();
        let proof = inclusion_proof::<Sm3>(tree, i, n).unwrap();
        prop_assert!(proof.len() <= 20);
        prop_assert!(verify_inclusion::<Sm3>(&leaf, i, n, &proof, &root).is_ok());
        if !proof.is_empty() {
            let k = ((proof.len() as f64 * k_frac) as usize).min(proof.len() - 1);
            let mut bad = proof.clone();
            bad[k] = flip(&bad[k], bit);
            prop_assert!(verify_inclusion::<Sm3>(&leaf, i, n, &bad, &root).is_err());
        }
        prop_assert!(verify_inclusion::<Sm3>(&Sm3::hash_leaf(b"not this"), i, n, &proof, &root).is_err());
    }

    #[test]
    fn random_consistency_up_to_a_million(n in 1u64..=1_000_000, m_frac in 0.0f64..1.0, bit in 0usize..256, k_frac in 0.0f64..1.0) {
        let tree = big_tree();
        let m = (n as f64 * m_frac) as u64;
        let (r1, r2) = (tree.root_at(m).unwrap(), tree.root_at(n).unwrap());
        let proof = consistency_proof::<Sm3>(tree, m, n).unwrap();
        prop_assert!(verify_consistency::<Sm3>(m, n, &r1, &r2, &proof).is_ok());
        if !proof.is_empty() {
            let k = ((proof.len() as f64 * k_frac) as usize).min(proof.len() - 1);
            let mut bad = proof.clone();
            bad[k] = flip(&bad[k], bit);
            prop_assert!(verify_consistency::<Sm3>(m, n, &r1, &r2, &bad).is_err());
            prop_assert!(verify_consistency::<Sm3>(m, n, &flip(&r1, bit), &r2, &proof).is_err());
            prop_assert!(verify_consistency::<Sm3>(m, n, &r1, &flip(&r2, bit), &proof).is_err());
        }
    }
}
