//! RFC 4998 evidence records: batches, renewals, tampering, the DER as openssl and an independent
//! Python checker (tests/ers/check_ers.py) read it.

use std::path::PathBuf;
use std::process::Command;
use time::{Duration, OffsetDateTime};
use yinxin_pki::ers::{
    Covers, ErsError, EvidenceRecord, MAX_CHAINS, MAX_RECORD_LEN, build_batch, build_batch_digests, imprint_of,
    renew_hash_trees, renew_time_stamps, renewal_gaps, verify, verify_report,
};
use yinxin_pki::report::Indication;
use yinxin_pki::tsp::{HashAlg, Imprint, TokenExpectations, verify_token};
use yinxin_pki::{Profile, TrustStore};

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

mod common;
use common::Tsa;

fn setup() -> Tsa {
    common::setup(Profile::TimeStamping)
}

impl Tsa {
    fn at(&self, at: OffsetDateTime) -> impl FnMut(&Imprint) -> yinxin_pki::Result<Vec<u8>> + '_ {
        move |imprint| self.tsa.stamp(imprint, None, true, at)
    }
}

/// Package `k`: `n` files of different lengths.
fn package(k: usize, n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|j| format!("电子证照 package {k} file {j} {}", "x".repeat((k * 7 + j * 13) % 50)).into_bytes())
        .collect()
}

/// Packages with 1, 3 and 5 files in turn.
fn packages(count: usize, first: usize) -> Vec<Vec<Vec<u8>>> {
    (first..first + count).map(|k| package(k, [1, 3, 5][k % 3])).collect()
}

fn refs(group: &[Vec<u8>]) -> Vec<&[u8]> {
    group.iter().map(Vec::as_slice).collect()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn flip(der: &[u8], at: usize) -> Vec<u8> {
    let mut d = der.to_vec();
    d[at] ^= 0x01;
    d
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    yinxin_pki::issue::tlv(tag, content)
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("yinxin-ers-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const SM3_ALG: [u8; 10] = [0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x11];

/// The DER written by hand from the record's parts (the schema of RFC 4998 with its IMPLICIT
/// tags), to hold `to_der` to it byte for byte.
fn expected_der(r: &EvidenceRecord) -> Vec<u8> {
    let alg_content = |a: HashAlg| match a {
        HashAlg::Sm3 => SM3_ALG.to_vec(),
        HashAlg::Sha256 => vec![0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01],
    };
    let algs: Vec<u8> = r.hash_algs().into_iter().flat_map(|a| tlv(0x30, &alg_content(a))).collect();
    let mut chains = Vec::new();
    for chain in r.chains() {
        let mut atss = Vec::new();
        for ats in chain {
            let mut c = Vec::new();
            if let Some(a) = ats.digest_alg() {
                c.extend(tlv(0xa0, &alg_content(a)));
            }
            if let Some(rht) = ats.reduced_hash_tree() {
                let lists: Vec<u8> = rht
                    .iter()
                    .flat_map(|l| tlv(0x30, &l.iter().flat_map(|h| tlv(0x04, h)).collect::<Vec<_>>()))
                    .collect();
                c.extend(tlv(0xa2, &lists));
            }
            c.extend_from_slice(ats.time_stamp());
            atss.extend(tlv(0x30, &c));
        }
        chains.extend(tlv(0x30, &atss));
    }
    tlv(0x30, &[vec![0x02, 0x01, 0x01], tlv(0x30, &algs), tlv(0x30, &chains)].concat())
}

#[test]
fn round_trip_der_is_exact() {
    let t = setup();
    let groups = packages(3, 0);
    let records = build_batch(&groups, HashAlg::Sm3, t.at(now())).unwrap();
    for r in &records {
        let der = r.to_der().unwrap();
        assert_eq!(der.len(), r.encoded_len());
        assert_eq!(der, expected_der(r));
        let back = EvidenceRecord::from_der(&der).unwrap();
        assert_eq!(&back, r);
        assert_eq!(back.to_der().unwrap(), der);
        // digestAlgorithm [0] IMPLICIT is written in the ATS: A0 0A 06 08 <SM3>.
        assert!(find(&der, &[&[0xa0, 0x0a][..], &SM3_ALG[..]].concat()).is_some());
    }
}

#[test]
fn batches_of_every_size_verify() {
    let t = setup();
    let trust = TrustStore::new(vec![t.root.clone()]);
    for size in [1usize, 2, 3, 7, 1000] {
        let groups = packages(size, 0);
        let at = now();
        let records = build_batch(&groups, HashAlg::Sm3, t.at(at)).unwrap();
        assert_eq!(records.len(), size);
        for (k, (r, g)) in records.iter().zip(&groups).enumerate() {
            let r = EvidenceRecord::from_der(&r.to_der().unwrap()).unwrap();
            let v = verify(&r, &refs(g)).unwrap_or_else(|e| panic!("batch of {size}, record {k}: {e}"));
            assert_eq!(v.chain_lengths, [1]);
            assert_eq!(v.stamps[0].covers, Covers::Data);
            assert_eq!(v.stamps[0].alg, HashAlg::Sm3);
            assert_eq!(v.stamps[0].gen_time.unix_timestamp(), at.unix_timestamp());
            // Depth: the group's list, then at most one sibling per level.
            let depth = r.chains()[0][0].reduced_hash_tree().map_or(0, <[_]>::len);
            assert!(depth <= 1 + (usize::BITS - size.leading_zeros()) as usize, "depth {depth}");
            // Files in another order verify too (a group is a set).
            let mut rev = refs(g);
            rev.reverse();
            verify(&r, &rev).unwrap();
        }
        // One token for the batch, and the TSA's signature over it holds.
        let token = records[0].chains()[0][0].time_stamp();
        assert!(records.iter().all(|r| r.chains()[0][0].time_stamp() == token));
        let rep = verify_token(token, &TokenExpectations::default(), &trust, now());
        assert_eq!(rep.indication, Indication::Passed, "{:#?}", rep.checks);
    }
}

#[test]
fn a_single_file_alone_needs_no_reduced_hash_tree() {
    let t = setup();
    let file = b"the only file".to_vec();
    let records = build_batch(&[vec![file.clone()]], HashAlg::Sm3, t.at(now())).unwrap();
    let ats = &records[0].chains()[0][0];
    assert!(ats.reduced_hash_tree().is_none());
    let (imprint, _) = imprint_of(ats.time_stamp()).unwrap();
    assert_eq!(imprint.digest, HashAlg::Sm3.digest(&file));
    verify(&records[0], &[&file[..]]).unwrap();
    assert_eq!(
        verify(&records[0], &[&b"another file"[..]]).unwrap_err(),
        ErsError::FileMismatch { chain: 0, index: 0, files: vec![0] }
    );

    // One group of many files alone: the reduced hash tree is the group's list only.
    let group = package(9, 5);
    let records = build_batch(std::slice::from_ref(&group), HashAlg::Sm3, t.at(now())).unwrap();
    let rht = records[0].chains()[0][0].reduced_hash_tree().unwrap();
    assert_eq!(rht.len(), 1);
    let mut hashes: Vec<Vec<u8>> = group.iter().map(|f| HashAlg::Sm3.digest(f)).collect();
    hashes.sort();
    assert_eq!(rht[0], hashes);
    verify(&records[0], &refs(&group)).unwrap();
}

#[test]
fn time_stamp_and_hash_tree_renewals_verify() {
    let t = setup();
    let trust = TrustStore::new(vec![t.root.clone()]);
    let t0 = now() - Duration::days(5);
    // Two batches, renewed together.
    let mut groups = packages(3, 0);
    groups.extend(packages(4, 10));
    let mut records = build_batch(&groups[..3], HashAlg::Sm3, t.at(t0)).unwrap();
    records.extend(build_batch(&groups[3..], HashAlg::Sm3, t.at(t0 + Duration::hours(1))).unwrap());

    renew_time_stamps(&mut records, t.at(t0 + Duration::days(1))).unwrap();
    renew_time_stamps(&mut records, t.at(t0 + Duration::days(2))).unwrap();
    // One token per renewal for the whole batch.
    for j in 1..3 {
        assert!(records.iter().all(|r| r.chains()[0][j].time_stamp() == records[0].chains()[0][j].time_stamp()));
    }
    // Two previous tokens (two batches): two leaves, a reduced hash tree of one list.
    assert_eq!(records[0].chains()[0][1].reduced_hash_tree().map(<[_]>::len), Some(1));
    // After the first renewal all share one token: one leaf, no reduced hash tree.
    assert!(records[0].chains()[0][2].reduced_hash_tree().is_none());
    renew_hash_trees(&mut records, &groups, HashAlg::Sha256, t.at(t0 + Duration::days(3))).unwrap();
    renew_time_stamps(&mut records, t.at(t0 + Duration::days(4))).unwrap();

    for (k, (r, g)) in records.iter().zip(&groups).enumerate() {
        let der = r.to_der().unwrap();
        assert_eq!(der, expected_der(r));
        let r = EvidenceRecord::from_der(&der).unwrap();
        assert_eq!(r.hash_algs(), [HashAlg::Sm3, HashAlg::Sha256]);
        let v = verify(&r, &refs(g)).unwrap_or_else(|e| panic!("record {k}: {e}"));
        assert_eq!(v.chain_lengths, [3, 2]);
        let shape: Vec<(usize, usize, HashAlg, Covers)> =
            v.stamps.iter().map(|s| (s.chain, s.index, s.alg, s.covers)).collect();
        assert_eq!(
            shape,
            [
                (0, 0, HashAlg::Sm3, Covers::Data),
                (0, 1, HashAlg::Sm3, Covers::PreviousStamp),
                (0, 2, HashAlg::Sm3, Covers::PreviousStamp),
                (1, 0, HashAlg::Sha256, Covers::DataAndEarlierChains),
                (1, 1, HashAlg::Sha256, Covers::PreviousStamp),
            ]
        );
        assert!(v.stamps.windows(2).all(|w| w[0].gen_time < w[1].gen_time));
        assert_eq!(v.newest_gen_time(), Some(r.newest_gen_time().unwrap()));
        for s in &v.stamps {
            let rep = verify_token(&s.token, &TokenExpectations::default(), &trust, now());
            assert_eq!(rep.indication, Indication::Passed, "{:#?}", rep.checks);
        }
    }
    assert_eq!(renewal_gaps(&records, None).unwrap(), Vec::<usize>::new());
}

#[test]
fn a_changed_file_is_named() {
    let t = setup();
    let mut groups = packages(5, 0);
    groups[2] = package(2, 4);
    let mut records = build_batch(&groups, HashAlg::Sm3, t.at(now() - Duration::days(2))).unwrap();
    for k in 0..4 {
        let mut g = groups[2].clone();
        g[k][3] ^= 0x20;
        assert_eq!(
            verify(&records[2], &refs(&g)).unwrap_err(),
            ErsError::FileMismatch { chain: 0, index: 0, files: vec![k] }
        );
    }
    // One file alone is checked as a single data object: it was stamped (and nothing more is said).
    verify(&records[2], &refs(&groups[2][1..2])).unwrap();
    assert_eq!(
        verify(&records[2], &[&b"not in it"[..]]).unwrap_err(),
        ErsError::FileMismatch { chain: 0, index: 0, files: vec![0] }
    );
    // A file missing; a file added.
    let g = &groups[2];
    assert_eq!(
        verify(&records[2], &refs(&g[..3])).unwrap_err(),
        ErsError::GroupSize { chain: 0, index: 0, files: 3, listed: 4 }
    );
    let mut more = g.clone();
    more.push(b"extra".to_vec());
    assert_eq!(
        verify(&records[2], &refs(&more)).unwrap_err(),
        ErsError::FileMismatch { chain: 0, index: 0, files: vec![4] }
    );

    // After renewals: the first ATS of each chain names the file; the time-stamp renewals hold.
    renew_time_stamps(&mut records, t.at(now() - Duration::days(1))).unwrap();
    renew_hash_trees(&mut records, &groups, HashAlg::Sha256, t.at(now())).unwrap();
    let mut g = groups[2].clone();
    g[1][0] ^= 1;
    let v = verify_report(&records[2], &refs(&g)).unwrap();
    let errors: Vec<Option<ErsError>> = v.stamps.iter().map(|s| s.error.clone()).collect();
    assert_eq!(
        errors,
        [
            Some(ErsError::FileMismatch { chain: 0, index: 0, files: vec![1] }),
            None,
            Some(ErsError::RenewalMismatch { chain: 1, files: vec![1] }),
        ]
    );
    assert!(!v.all_hashes_ok());
    assert!(verify(&records[2], &refs(&g)).is_err());
    let msg = verify(&records[2], &refs(&g)).unwrap_err().to_string();
    assert!(msg.contains("file(s) [1]"), "{msg}");
}

#[test]
fn a_record_of_another_package_fails() {
    let t = setup();
    let groups = packages(4, 0);
    let records = build_batch(&groups, HashAlg::Sm3, t.at(now())).unwrap();
    assert!(matches!(
        verify(&records[0], &refs(&groups[1])),
        Err(ErsError::FileMismatch { .. } | ErsError::GroupSize { .. })
    ));
    assert_eq!(
        verify(&records[1], &refs(&groups[2])).unwrap_err(),
        ErsError::FileMismatch { chain: 0, index: 0, files: vec![0, 1, 2, 3, 4] }
    );
    // Same shape (1 file each), other content.
    assert_eq!(
        verify(&records[0], &refs(&groups[3])).unwrap_err(),
        ErsError::FileMismatch { chain: 0, index: 0, files: vec![0] }
    );
}

#[test]
fn any_flipped_partial_hashtree_byte_fails() {
    let t = setup();
    let groups = packages(7, 0);
    let records = build_batch(&groups, HashAlg::Sm3, t.at(now())).unwrap();
    for (r, g) in records.iter().zip(&groups) {
        let der = r.to_der().unwrap();
        let rht = r.chains()[0][0].reduced_hash_tree().unwrap();
        for (level, list) in rht.iter().enumerate() {
            for value in list {
                let at = find(&der, value).unwrap() + 16;
                let bad = EvidenceRecord::from_der(&flip(&der, at)).unwrap();
                let err = verify(&bad, &refs(g)).unwrap_err();
                let own = g.iter().any(|f| HashAlg::Sm3.digest(f) == *value);
                match err {
                    ErsError::FileMismatch { chain: 0, index: 0, .. } => assert!(own && level == 0),
                    ErsError::ImprintMismatch { chain: 0, index: 0 } => assert!(!own),
                    other => panic!("{other}"),
                }
            }
        }
        // Lengths and tags: a flipped length byte of a value does not even parse.
        let first = &rht[0][0];
        let at = find(&der, first).unwrap() - 1;
        assert!(EvidenceRecord::from_der(&flip(&der, at)).is_err());
    }
}

#[test]
fn a_changed_earlier_time_stamp_fails() {
    let t = setup();
    let groups = packages(3, 0);
    let mut records = build_batch(&groups, HashAlg::Sm3, t.at(now() - Duration::days(2))).unwrap();
    renew_time_stamps(&mut records, t.at(now() - Duration::days(1))).unwrap();
    let der = records[1].to_der().unwrap();
    let token0 = records[1].chains()[0][0].time_stamp();
    // The last byte of the first token is in its signature: the ATS's own hash checks still hold
    // (verify_token catches it), the renewal no longer covers it.
    let at = find(&der, token0).unwrap() + token0.len() - 1;
    let bad = EvidenceRecord::from_der(&flip(&der, at)).unwrap();
    let v = verify_report(&bad, &refs(&groups[1])).unwrap();
    assert!(v.stamps[0].hash_ok);
    assert_eq!(v.stamps[1].error, Some(ErsError::PreviousStampNotCovered { chain: 0, index: 1 }));
    let trust = TrustStore::new(vec![t.root.clone()]);
    let rep = verify_token(&v.stamps[0].token, &TokenExpectations::default(), &trust, now());
    assert_ne!(rep.indication, Indication::Passed);

    // After a hash-tree renewal, the last token of the first chain is covered by the new chain.
    renew_hash_trees(&mut records, &groups, HashAlg::Sha256, t.at(now())).unwrap();
    let der = records[1].to_der().unwrap();
    let token1 = records[1].chains()[0][1].time_stamp();
    let at = find(&der, token1).unwrap() + token1.len() - 1;
    let bad = EvidenceRecord::from_der(&flip(&der, at)).unwrap();
    let v = verify_report(&bad, &refs(&groups[1])).unwrap();
    let errors: Vec<Option<ErsError>> = v.stamps.iter().map(|s| s.error.clone()).collect();
    assert_eq!(errors, [None, None, Some(ErsError::RenewalMismatch { chain: 1, files: vec![0, 1, 2] })]);
    // A flipped byte in the first chain's reduced hash tree fails its ATS and the new chain.
    let value = &records[1].chains()[0][0].reduced_hash_tree().unwrap()[0][0];
    let at = find(&der, value).unwrap() + 3;
    let v = verify_report(&EvidenceRecord::from_der(&flip(&der, at)).unwrap(), &refs(&groups[1])).unwrap();
    assert!(!v.stamps[0].hash_ok && v.stamps[1].hash_ok && !v.stamps[2].hash_ok);
}

#[test]
fn a_changed_token_fails() {
    let t = setup();
    let groups = packages(3, 0);
    let records = build_batch(&groups, HashAlg::Sm3, t.at(now())).unwrap();
    let der = records[2].to_der().unwrap();
    let token = records[2].chains()[0][0].time_stamp();
    let (imprint, _) = imprint_of(token).unwrap();
    let start = find(&der, token).unwrap();
    // In the messageImprint.
    let at = start + find(token, &imprint.digest).unwrap() + 7;
    let bad = EvidenceRecord::from_der(&flip(&der, at)).unwrap();
    assert_eq!(verify(&bad, &refs(&groups[2])).unwrap_err(), ErsError::ImprintMismatch { chain: 0, index: 0 });
    // In the signature: not a hash matter, the token check fails.
    let bad = EvidenceRecord::from_der(&flip(&der, start + token.len() - 2)).unwrap();
    let v = verify(&bad, &refs(&groups[2])).unwrap();
    let trust = TrustStore::new(vec![t.root.clone()]);
    assert_ne!(
        verify_token(&v.stamps[0].token, &TokenExpectations::default(), &trust, now()).indication,
        Indication::Passed
    );
    // In its structure (the SignedData OID): the token no longer parses.
    let oid = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
    let bad = EvidenceRecord::from_der(&flip(&der, start + find(token, &oid).unwrap() + 8)).unwrap();
    assert!(matches!(verify(&bad, &refs(&groups[2])), Err(ErsError::Token { chain: 0, index: 0, .. })));
}

#[test]
fn a_record_left_out_of_a_renewal_is_found() {
    let t = setup();
    let groups = packages(4, 0);
    let mut records = build_batch(&groups, HashAlg::Sm3, t.at(now() - Duration::days(30))).unwrap();
    let renewed_at = now() - Duration::days(1);
    let (left_out, rest) = records.split_at_mut(1);
    renew_time_stamps(rest, t.at(renewed_at)).unwrap();
    // It still verifies: only its end is early.
    let v = verify(&left_out[0], &refs(&groups[0])).unwrap();
    assert!(v.newest_gen_time().unwrap() < renewed_at - Duration::days(2));
    assert_eq!(renewal_gaps(&records, None).unwrap(), [0]);
    assert_eq!(renewal_gaps(&records, Some(renewed_at - Duration::seconds(2))).unwrap(), [0]);
    assert_eq!(renewal_gaps(&records[1..], Some(renewed_at - Duration::seconds(2))).unwrap(), Vec::<usize>::new());
}

#[test]
fn the_stamp_must_cover_the_root() {
    let t = setup();
    let groups = packages(3, 0);
    let other = |_: &Imprint| t.tsa.stamp(&Imprint::sm3_of(b"something else"), None, false, now());
    assert!(matches!(build_batch(&groups, HashAlg::Sm3, other), Err(ErsError::StampMismatch(_))));
    let failing = |_: &Imprint| Err(yinxin_pki::Error::Issue("TSA unreachable".into()));
    assert!(
        matches!(build_batch(&groups, HashAlg::Sm3, failing), Err(ErsError::Stamp(m)) if m.contains("unreachable"))
    );
    let garbage = |_: &Imprint| Ok(vec![0x30, 0x00]);
    assert!(matches!(build_batch(&groups, HashAlg::Sm3, garbage), Err(ErsError::StampMismatch(_))));
}

#[test]
fn bad_input_is_refused() {
    let t = setup();
    let empty: Vec<Vec<Vec<u8>>> = Vec::new();
    assert!(matches!(build_batch(&empty, HashAlg::Sm3, t.at(now())), Err(ErsError::Input(_))));
    let with_empty_group = vec![package(0, 2), Vec::new()];
    assert!(matches!(
        build_batch(&with_empty_group, HashAlg::Sm3, t.at(now())),
        Err(ErsError::Record { record: 1, .. })
    ));
    let short = vec![vec![vec![0u8; 20]]];
    assert!(matches!(build_batch_digests(&short, HashAlg::Sm3, t.at(now())), Err(ErsError::Record { record: 0, .. })));
    let groups = packages(2, 0);
    let mut records = build_batch(&groups, HashAlg::Sm3, t.at(now())).unwrap();
    let before = records.clone();
    // A hash-tree renewal over the wrong data is refused, and changes nothing.
    let swapped = vec![groups[1].clone(), groups[0].clone()];
    assert!(matches!(
        renew_hash_trees(&mut records, &swapped, HashAlg::Sha256, t.at(now())),
        Err(ErsError::Record { record: 0, .. })
    ));
    assert!(matches!(
        renew_hash_trees(&mut records, &groups[..1], HashAlg::Sha256, t.at(now())),
        Err(ErsError::Input(_))
    ));
    assert_eq!(records, before);
    assert!(matches!(verify(&records[0], &Vec::<Vec<u8>>::new()), Err(ErsError::Input(_))));
}

#[test]
fn hostile_records_are_refused() {
    let t = setup();
    let groups = packages(2, 0);
    let records = build_batch(&groups, HashAlg::Sm3, t.at(now())).unwrap();
    let der = records[0].to_der().unwrap();
    // Too large.
    assert!(matches!(EvidenceRecord::from_der(&vec![0u8; MAX_RECORD_LEN + 1]), Err(ErsError::Format(_))));
    // Trailing bytes.
    assert!(EvidenceRecord::from_der(&[der.clone(), vec![0]].concat()).is_err());
    // Not DER: the outer length in a longer form than needed.
    assert_eq!(der[1], 0x82);
    let body = &der[4..];
    let mut ber = vec![0x30, 0x84];
    ber.extend_from_slice(&(body.len() as u32).to_be_bytes());
    ber.extend_from_slice(body);
    assert!(matches!(EvidenceRecord::from_der(&ber), Err(ErsError::Format(_))));
    // Version 2.
    let v2 = tlv(0x30, &[&[0x02, 0x01, 0x02][..], &body[3..]].concat());
    assert!(matches!(EvidenceRecord::from_der(&v2), Err(ErsError::Format(_))));
    // Pieces of a record, rebuilt.
    let algs = tlv(0x30, &tlv(0x30, &SM3_ALG));
    let chain = {
        let seq_content = {
            let (_, rest) = split_tlv(body); // version
            let (_, rest) = split_tlv(rest); // digestAlgorithms
            let (seq, _) = split_tlv(rest);
            content_of(seq).to_vec()
        };
        let (chain, _) = split_tlv(&seq_content);
        chain.to_vec()
    };
    let record = |algs: &[u8], chains: &[u8]| tlv(0x30, &[&[0x02, 0x01, 0x01][..], algs, &tlv(0x30, chains)].concat());
    assert_eq!(record(&algs, &chain), der);
    // Too many chains.
    let many = chain.repeat(MAX_CHAINS + 1);
    assert!(
        matches!(EvidenceRecord::from_der(&record(&algs, &many)), Err(ErsError::Format(m)) if m.contains("more than"))
    );
    // No chain, an empty chain.
    assert!(EvidenceRecord::from_der(&record(&algs, &[])).is_err());
    assert!(EvidenceRecord::from_der(&record(&algs, &[0x30, 0x00])).is_err());
    // An algorithm this build does not know (SHA-1).
    let sha1 = tlv(0x30, &tlv(0x30, &[0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a]));
    assert!(matches!(EvidenceRecord::from_der(&record(&sha1, &chain)), Err(ErsError::UnsupportedAlgorithm(_))));
    // A record listing only SHA-256 whose ATS uses SM3: parses, fails verification.
    let sha256 = tlv(0x30, &tlv(0x30, &[0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]));
    let r = EvidenceRecord::from_der(&record(&sha256, &chain)).unwrap();
    assert!(matches!(verify(&r, &refs(&groups[0])), Err(ErsError::Algorithm { chain: 0, index: 0, .. })));
}

/// An ATS without digestAlgorithm (RFC 4998 §4.1: the token's imprint algorithm applies), and
/// with cryptoInfos: parses, verifies, round-trips.
#[test]
fn foreign_shapes_are_read() {
    let t = setup();
    let groups = packages(3, 0);
    let records = build_batch(&groups, HashAlg::Sm3, t.at(now())).unwrap();
    let ats = &records[1].chains()[0][0];
    let lists: Vec<u8> = ats
        .reduced_hash_tree()
        .unwrap()
        .iter()
        .flat_map(|l| tlv(0x30, &l.iter().flat_map(|h| tlv(0x04, h)).collect::<Vec<_>>()))
        .collect();
    let ats_der = tlv(0x30, &[tlv(0xa2, &lists), ats.time_stamp().to_vec()].concat());
    let crypto_infos = tlv(0xa0, &tlv(0x30, &[tlv(0x06, &[0x2a, 0x03]), tlv(0x31, &tlv(0x05, &[]))].concat()));
    let der = tlv(
        0x30,
        &[
            vec![0x02, 0x01, 0x01],
            tlv(0x30, &tlv(0x30, &SM3_ALG)),
            crypto_infos.clone(),
            tlv(0x30, &tlv(0x30, &ats_der)),
        ]
        .concat(),
    );
    let r = EvidenceRecord::from_der(&der).unwrap();
    assert_eq!(r.chains()[0][0].digest_alg(), None);
    assert_eq!(r.chains()[0][0].hash_alg().unwrap(), HashAlg::Sm3);
    assert_eq!(r.crypto_infos_der(), Some(&crypto_infos[..]));
    assert_eq!(r.to_der().unwrap(), der);
    verify(&r, &refs(&groups[1])).unwrap();
}

fn split_tlv(d: &[u8]) -> (&[u8], &[u8]) {
    let (len, hdr) = match d[1] {
        n if n < 0x80 => (n as usize, 2),
        0x81 => (d[2] as usize, 3),
        0x82 => (((d[2] as usize) << 8) | d[3] as usize, 4),
        _ => panic!("long"),
    };
    (&d[..hdr + len], &d[hdr + len..])
}

fn content_of(d: &[u8]) -> &[u8] {
    let hdr = match d[1] {
        n if n < 0x80 => 2,
        0x81 => 3,
        _ => 4,
    };
    &d[hdr..]
}

#[test]
fn openssl_parses_a_record() {
    let t = setup();
    let groups = packages(5, 0);
    let mut records = build_batch(&groups, HashAlg::Sm3, t.at(now() - Duration::days(1))).unwrap();
    renew_hash_trees(&mut records, &groups, HashAlg::Sha256, t.at(now())).unwrap();
    let dir = temp_dir("asn1parse");
    let path = dir.join("record.ers");
    std::fs::write(&path, records[2].to_der().unwrap()).unwrap();
    let out = Command::new("openssl").args(["asn1parse", "-inform", "DER", "-in"]).arg(&path).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}{}", text, String::from_utf8_lossy(&out.stderr));
    assert!(!text.contains("Error"), "{text}");
    assert!(text.contains("cont [ 0 ]") && text.contains("cont [ 2 ]") && text.contains("OCTET STRING"), "{text}");
    assert!(text.contains("sha256") && text.contains("id-smime-ct-TSTInfo"), "{text}");
    if std::env::var_os("YINXIN_ERS_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Run the independent checker on a record and files.
fn python_check(dir: &std::path::Path, record: &EvidenceRecord, files: &[Vec<u8>], name: &str) -> (bool, String) {
    let rec = dir.join(format!("{name}.ers"));
    std::fs::write(&rec, record.to_der().unwrap()).unwrap();
    let mut cmd = Command::new("python3");
    cmd.arg(workspace().join("tests/ers/check_ers.py")).arg(&rec);
    for (j, f) in files.iter().enumerate() {
        let p = dir.join(format!("{name}.file{j}"));
        std::fs::write(&p, f).unwrap();
        cmd.arg(p);
    }
    let out = cmd.output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn an_independent_python_checker_agrees() {
    let t = setup();
    let dir = temp_dir("python");
    let self_test =
        Command::new("python3").arg(workspace().join("tests/ers/check_ers.py")).arg("--self-test").output().unwrap();
    assert!(self_test.status.success(), "{}", String::from_utf8_lossy(&self_test.stderr));

    // A fresh batch: single files and groups, plus a batch of one file and of one group.
    let groups = packages(7, 0);
    let records = build_batch(&groups, HashAlg::Sm3, t.at(now() - Duration::days(3))).unwrap();
    for (k, (r, g)) in records.iter().zip(&groups).enumerate() {
        let (ok, out) = python_check(&dir, r, g, &format!("fresh{k}"));
        assert!(ok, "record {k}: {out}");
    }
    for g in [package(50, 1), package(51, 4)] {
        let r = build_batch(std::slice::from_ref(&g), HashAlg::Sm3, t.at(now())).unwrap();
        let (ok, out) = python_check(&dir, &r[0], &g, "alone");
        assert!(ok, "{out}");
    }
    // Tampered: a changed file, another package's record.
    let mut g = groups[4].clone();
    g[2][0] ^= 1;
    let (ok, out) = python_check(&dir, &records[4], &g, "tampered");
    assert!(!ok, "{out}");
    let (ok, out) = python_check(&dir, &records[4], &groups[5], "other");
    assert!(!ok, "{out}");

    // Renewed: a time-stamp renewal, then a hash-tree renewal (3 ATS in 2 chains).
    let mut renewed = records.clone();
    renew_time_stamps(&mut renewed, t.at(now() - Duration::days(2))).unwrap();
    renew_hash_trees(&mut renewed, &groups, HashAlg::Sha256, t.at(now() - Duration::days(1))).unwrap();
    for (k, (r, g)) in renewed.iter().zip(&groups).enumerate() {
        assert_eq!(r.chains().iter().map(Vec::len).collect::<Vec<_>>(), [2, 1]);
        let (ok, out) = python_check(&dir, r, g, &format!("renewed{k}"));
        assert!(ok, "record {k}: {out}");
        assert!(out.contains("3 time stamps") && out.contains("2 chains"), "{out}");
    }
    // Once more under SHA-256, and tampered after renewal: the first chain's second token.
    renew_time_stamps(&mut renewed, t.at(now())).unwrap();
    let (ok, out) = python_check(&dir, &renewed[3], &groups[3], "renewed-again");
    assert!(ok, "{out}");
    let der = renewed[3].to_der().unwrap();
    let token = renewed[3].chains()[0][1].time_stamp();
    let at = find(&der, token).unwrap() + token.len() - 1;
    let bad = EvidenceRecord::from_der(&flip(&der, at)).unwrap();
    let (ok, out) = python_check(&dir, &bad, &groups[3], "renewed-tampered");
    assert!(!ok, "{out}");
    let mut g = groups[3].clone();
    g[0].push(b'!');
    let (ok, out) = python_check(&dir, &renewed[3], &g, "renewed-file-tampered");
    assert!(!ok, "{out}");
    if std::env::var_os("YINXIN_ERS_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Stored detached (each token a 47-byte reference, the batch's token kept once), a record is
/// small, and attached again it is the same record; a wrong or missing token is refused.
#[test]
fn detached_records_attach_again() {
    let t = setup();
    let groups = packages(7, 0);
    let mut records = build_batch(&groups, HashAlg::Sm3, t.at(now() - Duration::days(2))).unwrap();
    renew_time_stamps(&mut records, t.at(now() - Duration::days(1))).unwrap();
    let tokens: Vec<Vec<u8>> = records[0].tokens().into_iter().map(<[u8]>::to_vec).collect();
    assert_eq!(tokens.len(), 2);
    for (r, g) in records.iter().zip(&groups) {
        let stored = EvidenceRecord::from_der(&r.detached().to_der().unwrap()).unwrap();
        let whole = r.to_der().unwrap().len();
        let detached = stored.to_der().unwrap().len();
        // Each token replaced by 49 bytes (lengths in the headers above may shrink a little too).
        let tokens_len: usize = tokens.iter().map(Vec::len).sum();
        assert!(detached <= whole - tokens_len + 2 * 49, "{detached} {whole}");
        assert!(detached + 8 >= whole - tokens_len + 2 * 49, "{detached} {whole}");
        assert!(verify(&stored, &refs(g)).is_err(), "a detached record is not a record to check");
        let back = stored.attached(|d| tokens.iter().find(|t| &yinxin_gm::sm3::sm3(t).0 == d).cloned()).unwrap();
        assert_eq!(&back, r);
        verify(&back, &refs(g)).unwrap();
        assert!(stored.attached(|_| None).is_err());
        assert!(stored.attached(|_| Some(tokens[0].clone())).is_err(), "a token of another SM3");
    }
}
