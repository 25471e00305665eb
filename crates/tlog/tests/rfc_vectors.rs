//! The RFC 6962 / 9162 reference tree: eight leaves with the well-known inputs, the root of
//! every size 1..8, the subtree hashes, and the published inclusion and consistency paths.
//!
//! Source: transparency-dev/merkle, `testonly/constants.go` (commit 582a6ad1, leaf inputs,
//! node hashes and roots) and `proof/verify_test.go` (commit 02194e9a, inclusion and
//! consistency paths; its leaf numbers there are 1-based). The same vectors are in
//! certificate-transparency-go's `merkle` tests; they are SHA-256. The tests then run the same
//! code over SM3 and hold it to the recursive definition, which has no published SM3 vectors.

use hex_literal::hex;
use yinxin_tlog::proof::{
    consistency_proof, inclusion_proof, root_from_inclusion, verify_consistency, verify_inclusion,
};
use yinxin_tlog::tree::{MemoryTree, NodeId, mth_of_leaf_hashes};
use yinxin_tlog::{Error, Hash, Hasher, Sha256, Sm3};

const LEAVES: [&[u8]; 8] = [
    &hex!(""),
    &hex!("00"),
    &hex!("10"),
    &hex!("2021"),
    &hex!("3031"),
    &hex!("40414243"),
    &hex!("5051525354555657"),
    &hex!("606162636465666768696a6b6c6d6e6f"),
];

const ROOTS: [[u8; 32]; 9] = [
    hex!("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    hex!("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    hex!("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    hex!("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    hex!("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    hex!("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    hex!("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    hex!("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    hex!("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
];

/// Perfect-subtree hashes by level, then index.
const NODES: [&[[u8; 32]]; 4] = [
    &[
        hex!("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        hex!("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        hex!("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
        hex!("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
        hex!("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        hex!("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
        hex!("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        hex!("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
    ],
    &[
        hex!("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        hex!("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        hex!("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        hex!("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
    ],
    &[
        hex!("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        hex!("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ],
    &[hex!("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")],
];

/// (leaf index, 0-based; tree size; path).
const INCLUSION: [(u64, u64, &[[u8; 32]]); 5] = [
    (0, 1, &[]),
    (
        0,
        8,
        &[
            hex!("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            hex!("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            hex!("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        5,
        8,
        &[
            hex!("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            hex!("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            hex!("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (2, 3, &[hex!("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        1,
        5,
        &[
            hex!("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            hex!("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            hex!("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
];

/// (old size, new size, path).
const CONSISTENCY: [(u64, u64, &[[u8; 32]]); 5] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            hex!("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            hex!("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            hex!("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        &[
            hex!("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            hex!("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            hex!("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        &[
            hex!("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            hex!("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        &[
            hex!("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            hex!("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            hex!("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
];

/// The roots of the same tree over SM3, sizes 0..=8: computed outside yinxin, by a ten-line
/// recursive MTH in Python over `hashlib.new("sm3")` (OpenSSL's SM3).
const SM3_ROOTS: [[u8; 32]; 9] = [
    hex!("1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"),
    hex!("2daef60e7a0b8f5e024c81cd2ab3109f2b4f155cf83adeb2ae5532f74a157fdf"),
    hex!("0b990fe0c7ad70f1bf1a1262f2c7908ea48146b14253a6db99f2917ab1f5cc4d"),
    hex!("209ec96a210d662a964772680e8544d18cab7b88ffec3e00962220349b56ea56"),
    hex!("28e4e307ef6d2d0c62d84b11ef96e835efe490f35b93c8f024ecfe38c8dd4377"),
    hex!("bb10c996aeebbcdc69be3715fc847344de77442d37a5ab8213da9f41785b103b"),
    hex!("8723c1ab1f82ddfba4a3733ac0c80d936d9f4c208c7dbc8cc81ca9fff8584f66"),
    hex!("bd36c22a1ac6ff4308e0c3cc1a85bf0ffa30538ec60a55c70413ab15d45db4d2"),
    hex!("bc48ba7a709184b5f2a631e1adeb8dc2a0d4c018c1d6cc89b5664fe154c93b38"),
];

fn hashes(v: &[[u8; 32]]) -> Vec<Hash> {
    v.iter().map(|h| Hash(*h)).collect()
}

fn reference_tree<H: Hasher>() -> MemoryTree<H> {
    MemoryTree::from_entries(LEAVES).unwrap()
}

#[test]
fn sha256_roots_of_every_size_match_the_published_ones() {
    let tree = reference_tree::<Sha256>();
    for (size, root) in ROOTS.iter().enumerate() {
        assert_eq!(tree.root_at(size as u64).unwrap(), Hash(*root), "size {size}");
    }
}

#[test]
fn sha256_subtree_hashes_match_the_published_ones() {
    let tree = reference_tree::<Sha256>();
    for (level, row) in NODES.iter().enumerate() {
        for (index, h) in row.iter().enumerate() {
            assert_eq!(tree.node(NodeId::new(level as u8, index as u64)), Some(Hash(*h)), "{level}/{index}");
        }
    }
}

#[test]
fn sha256_inclusion_proofs_match_the_published_paths_and_verify() {
    let tree = reference_tree::<Sha256>();
    for (index, size, path) in INCLUSION {
        let want = hashes(path);
        assert_eq!(inclusion_proof::<Sha256>(&tree, index, size).unwrap(), want, "leaf {index} size {size}");
        let leaf = Sha256::hash_leaf(LEAVES[index as usize]);
        let root = Hash(ROOTS[size as usize]);
        verify_inclusion::<Sha256>(&leaf, index, size, &want, &root).unwrap();
        assert_eq!(root_from_inclusion::<Sha256>(&leaf, index, size, &want).unwrap(), root);
    }
}

#[test]
fn sha256_consistency_proofs_match_the_published_paths_and_verify() {
    let tree = reference_tree::<Sha256>();
    for (old, new, path) in CONSISTENCY {
        let want = hashes(path);
        assert_eq!(consistency_proof::<Sha256>(&tree, old, new).unwrap(), want, "{old} -> {new}");
        verify_consistency::<Sha256>(old, new, &Hash(ROOTS[old as usize]), &Hash(ROOTS[new as usize]), &want).unwrap();
    }
}

/// The corruptions transparency-dev's verifier tests apply to each published proof.
#[test]
fn sha256_corrupted_published_proofs_are_rejected() {
    let some = Hash(hex!("abacaba000000000000000000000000000000000000000000060061e00123456"));
    for (index, size, path) in INCLUSION {
        let proof = hashes(path);
        let leaf = Sha256::hash_leaf(LEAVES[index as usize]);
        let root = Hash(ROOTS[size as usize]);
        let bad = |i: u64, n: u64, l: &Hash, p: &[Hash], r: &Hash| verify_inclusion::<Sha256>(l, i, n, p, r).is_err();
        assert!(bad(index.wrapping_sub(1), size, &leaf, &proof, &root));
        assert!(bad(index + 1, size, &leaf, &proof, &root));
        assert!(bad(index ^ 2, size, &leaf, &proof, &root));
        assert!(bad(index, size * 2, &leaf, &proof, &root));
        assert!(bad(index, size / 2, &leaf, &proof, &root));
        assert!(bad(index, size, &some, &proof, &root));
        assert!(bad(index, size, &leaf, &proof, &Sha256::empty_root()));
        assert!(bad(index, size, &leaf, &proof, &some));
        assert!(bad(index, size, &leaf, &[proof.clone(), vec![root]].concat(), &root));
        assert!(bad(index, size, &leaf, &[vec![root], proof.clone()].concat(), &root));
        for i in 0..proof.len() {
            let mut p = proof.clone();
            p[i].0[0] ^= 8;
            assert!(bad(index, size, &leaf, &p, &root));
        }
        if !proof.is_empty() {
            assert!(bad(index, size, &leaf, &proof[..proof.len() - 1], &root));
        }
    }
    for (old, new, path) in CONSISTENCY {
        let proof = hashes(path);
        if proof.is_empty() {
            continue;
        }
        let (r1, r2) = (Hash(ROOTS[old as usize]), Hash(ROOTS[new as usize]));
        let bad = |o: u64, n: u64, a: &Hash, b: &Hash, p: &[Hash]| verify_consistency::<Sha256>(o, n, a, b, p).is_err();
        assert!(bad(old - 1, new, &r1, &r2, &proof));
        assert!(bad(old + 1, new, &r1, &r2, &proof));
        assert!(bad(old ^ 2, new, &r1, &r2, &proof));
        assert!(bad(old, new * 2, &r1, &r2, &proof));
        assert!(bad(old, new / 2, &r1, &r2, &proof));
        assert!(bad(old, new, &some, &r2, &proof));
        assert!(bad(old, new, &r1, &some, &proof));
        assert!(bad(old, new, &r2, &r1, &proof));
        assert!(bad(old, new, &r1, &r2, &[]));
        assert!(bad(old, new, &r1, &r2, &[proof.clone(), vec![r1]].concat()));
        assert!(bad(old, new, &r1, &r2, &[vec![proof[0]], proof.clone()].concat()));
        assert!(bad(old, new, &r1, &r2, &proof[..proof.len() - 1]));
        for i in 0..proof.len() {
            let mut p = proof.clone();
            p[i].0[0] ^= 16;
            assert!(bad(old, new, &r1, &r2, &p));
        }
    }
}

#[test]
fn consistency_edge_cases() {
    let e = Sha256::empty_root();
    let r = Hash(ROOTS[1]);
    verify_consistency::<Sha256>(0, 0, &e, &e, &[]).unwrap();
    verify_consistency::<Sha256>(0, 5, &e, &Hash(ROOTS[5]), &[]).unwrap();
    verify_consistency::<Sha256>(1, 1, &r, &r, &[]).unwrap();
    assert_eq!(verify_consistency::<Sha256>(1, 1, &r, &e, &[]), Err(Error::RootMismatch));
    assert_eq!(verify_consistency::<Sha256>(0, 1, &r, &r, &[]), Err(Error::OldRootMismatch));
    assert_eq!(verify_consistency::<Sha256>(2, 1, &r, &r, &[]), Err(Error::SizesOutOfOrder { old: 2, new: 1 }));
    assert!(matches!(verify_consistency::<Sha256>(1, 1, &r, &r, &[e]), Err(Error::ProofLength { .. })));
    assert!(matches!(verify_consistency::<Sha256>(0, 1, &e, &r, &[e]), Err(Error::ProofLength { .. })));
    assert!(matches!(verify_consistency::<Sha256>(1, 2, &r, &Hash(ROOTS[2]), &[]), Err(Error::ProofLength { .. })));
    assert_eq!(verify_inclusion::<Sha256>(&r, 0, 0, &[], &e), Err(Error::LeafIndexOutOfRange { index: 0, size: 0 }));
}

/// The same tree over SM3: roots agree with OpenSSL's and with the recursive definition, and every proof between
/// sizes 1..=8 verifies.
#[test]
fn sm3_reference_tree_roots_and_proofs() {
    let tree = reference_tree::<Sm3>();
    let leaves: Vec<Hash> = LEAVES.iter().map(|d| Sm3::hash_leaf(d)).collect();
    // SM3 leaf hash of the empty entry, checked with `printf '\0' | openssl dgst -sm3`.
    assert_eq!(leaves[0].to_hex(), "2daef60e7a0b8f5e024c81cd2ab3109f2b4f155cf83adeb2ae5532f74a157fdf");
    for n in 0..=8u64 {
        let root = tree.root_at(n).unwrap();
        assert_eq!(root, Hash(SM3_ROOTS[n as usize]), "size {n}");
        assert_eq!(root, mth_of_leaf_hashes::<Sm3>(&leaves[..n as usize]));
        for i in 0..n {
            let p = inclusion_proof::<Sm3>(&tree, i, n).unwrap();
            verify_inclusion::<Sm3>(&leaves[i as usize], i, n, &p, &root).unwrap();
        }
        for m in 0..=n {
            let p = consistency_proof::<Sm3>(&tree, m, n).unwrap();
            verify_consistency::<Sm3>(m, n, &tree.root_at(m).unwrap(), &root, &p).unwrap();
        }
    }
    // And an SM3 proof is no SHA-256 proof.
    let p = inclusion_proof::<Sm3>(&tree, 0, 8).unwrap();
    assert_eq!(verify_inclusion::<Sha256>(&leaves[0], 0, 8, &p, &tree.root()), Err(Error::RootMismatch));
}
