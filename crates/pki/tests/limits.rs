//! Hostile ASN.1 and certificate sets are refused in bounded memory and time, with a reason: DER
//! nested tens of thousands deep, a length that claims gigabytes, and two CA certificates that
//! name each other as issuer. Each test says which limit it guards.

#[path = "../../../tests/support/peak.rs"]
mod peak;

#[global_allocator]
static ALLOC: peak::Counting = peak::Counting;

use peak::bounded;
use time::{Duration, OffsetDateTime};
use yinxin_gm::{Sm2PrivateKey, Sm2Signer, UserId, default_provider};
use yinxin_pki::chain::{RevocationPolicy, ValidationOptions};
use yinxin_pki::report::{Indication, SubIndication, TimeSource};
use yinxin_pki::tsp::{TokenExpectations, token_from_response, verify_token};
use yinxin_pki::{Cert, CertRequest, Crl, DnBuilder, Profile, Purpose, TrustStore, issue_cert, tlv, validate_chain};

/// `depth` SEQUENCEs, each holding the next, around `inner`; definite lengths, built in one pass.
fn nested(depth: usize, inner: &[u8]) -> Vec<u8> {
    let header = |len: usize| -> Vec<u8> {
        let mut h = vec![0x30];
        match len {
            0..=0x7f => h.push(len as u8),
            _ => {
                let b = (len as u32).to_be_bytes();
                let skip = b.iter().take_while(|x| **x == 0).count();
                h.push(0x80 | (4 - skip) as u8);
                h.extend_from_slice(&b[skip..]);
            }
        }
        h
    };
    let mut headers = Vec::with_capacity(depth);
    let mut len = inner.len();
    for _ in 0..depth {
        let h = header(len);
        len += h.len();
        headers.push(h);
    }
    let mut out = Vec::with_capacity(len);
    for h in headers.iter().rev() {
        out.extend_from_slice(h);
    }
    out.extend_from_slice(inner);
    out
}

/// Inputs built to exhaust an ASN.1 reader: deep nesting (definite, and BER indefinite), and a
/// length claiming 2 GiB over a few bytes.
fn hostile() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("nested 12,000 deep (fits the 64 KiB certificate limit)", nested(12_000, &[0x05, 0x00])),
        ("nested 200,000 deep", nested(200_000, &[0x05, 0x00])),
        ("indefinite lengths 30,000 deep", [0x30, 0x80].repeat(30_000)),
        ("a length of 2 GiB", [&[0x30, 0x84, 0x7f, 0xff, 0xff, 0xff][..], &[0u8; 16]].concat()),
        (
            "a length of 4 GiB inside a sequence",
            [&[0x30, 0x08, 0x04, 0x84, 0xff, 0xff, 0xff, 0xff][..], &[0u8; 2]].concat(),
        ),
    ]
}

/// Guards the length check of `tlv.rs` (a length is compared with the bytes present before any
/// slice is taken, and longer forms than 4 bytes are refused) and its iterative walk (no
/// recursion: nesting costs no stack).
#[test]
fn the_tlv_reader_walks_hostile_der_in_bounded_time() {
    for (what, der) in hostile() {
        bounded(what, || {
            let mut cur: &[u8] = &der;
            let mut depth = 0;
            while let Some((t, _)) = tlv::read(cur) {
                depth += 1;
                if t.tag & 0x20 == 0 || t.value.is_empty() {
                    break;
                }
                cur = t.value;
            }
            assert!(depth <= 200_001, "{what}");
        });
    }
    assert!(tlv::read(&[0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0]).is_none(), "a 2 GiB length over one byte");
    assert!(tlv::read(&[0x30, 0x85, 1, 0, 0, 0, 0]).is_none(), "a five-byte length form");
}

/// Guards MAX_CERT_LEN (`cert.rs`), MAX_CRL_LEN (`crl.rs`) and MAX_TOKEN_LEN (`tsp.rs`) with the
/// recursion limits of the parsers under them (x509-parser's asn1-rs, RustCrypto's der): every
/// hostile input is refused, none overflows the stack or allocates what a length claims.
#[test]
fn certificates_crls_and_time_stamps_refuse_hostile_der() {
    let trust = TrustStore::default();
    let expect = TokenExpectations::default();
    for (what, der) in hostile() {
        bounded(what, || {
            assert!(Cert::from_der(&der).is_err(), "certificate: {what}");
            assert!(yinxin_pki::cert::parse_many(&der).map(|v| v.is_empty()).unwrap_or(true), "parse_many: {what}");
            assert!(Crl::from_der(&der).is_err(), "CRL: {what}");
            assert!(token_from_response(&der).is_err(), "time-stamp response: {what}");
            let r = verify_token(&der, &expect, &trust, OffsetDateTime::now_utc());
            assert_eq!(r.indication, Indication::Failed, "time-stamp token: {what}");
        });
    }
}

struct Party {
    key: Sm2PrivateKey,
    cert: Cert,
}

impl Party {
    fn signer(&self) -> Box<dyn Sm2Signer> {
        default_provider().sm2_signer(&self.key, UserId::DEFAULT).unwrap()
    }
}

/// Validation a month after [`t0`], for any purpose, without CRLs.
fn a_month_in() -> ValidationOptions<'static> {
    let at = t0() + Duration::days(30);
    ValidationOptions {
        at,
        time_source: TimeSource::Caller,
        now: at,
        purpose: Purpose::Any,
        crls: &[],
        revocation: RevocationPolicy::IfAvailable,
        crl_max_age: None,
    }
}

fn t0() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_780_000_000).unwrap() // 2026-05-28
}

/// A certificate for `key` named `cn`, issued by `issuer` (self-signed root when `None`).
fn issue(profile: Profile, cn: &str, key: Sm2PrivateKey, issuer: Option<&Party>, days: (i64, i64)) -> Party {
    let req = CertRequest {
        profile,
        subject_der: DnBuilder::new().c("CN").unwrap().cn(cn).unwrap().to_der().unwrap(),
        public_key: key.public_key().clone(),
        not_before: t0() + Duration::days(days.0),
        not_after: t0() + Duration::days(days.1),
        serial: None,
        path_len: None,
        crl_url: None,
    };
    let cert = match issuer {
        None => issue_cert(&req, None, default_provider().sm2_signer(&key, UserId::DEFAULT).unwrap().as_ref()),
        Some(i) => issue_cert(&req, Some(&i.cert), i.signer().as_ref()),
    }
    .unwrap();
    Party { key, cert }
}

/// Guards the rule of `chain.rs` build_path that each certificate is used once in a path (and,
/// behind it, MAX_CHAIN_LEN): CA "A" is issued by "B" and CA "B" by "A". The walk from a leaf
/// of A stops after A and B and names the loop; without the rule it would go round until
/// MAX_CHAIN_LEN, and without both it would never end.
#[test]
fn a_certificate_loop_is_named_and_ends() {
    let p = default_provider();
    let (ka, kb) = (p.generate_sm2().unwrap(), p.generate_sm2().unwrap());
    // B as a root first, only to issue A under the name B with B's key.
    let b_root = issue(Profile::RootCa, "环B", kb.clone(), None, (0, 3650));
    let a = issue(Profile::IssuingCa, "环A", ka, Some(&b_root), (1, 3000));
    let b = issue(Profile::IssuingCa, "环B", kb, Some(&a), (2, 2900));
    let leaf = issue(Profile::SealHolder, "某单位", p.generate_sm2().unwrap(), Some(&a), (3, 700));
    assert_eq!(a.cert.issuer_der, b.cert.subject_der);
    assert_eq!(b.cert.issuer_der, a.cert.subject_der);

    let other_root = issue(Profile::RootCa, "无关根", p.generate_sm2().unwrap(), None, (0, 3650));
    let trust = TrustStore::new(vec![other_root.cert]);
    let opts = a_month_in();
    let r =
        bounded("certificate loop", || validate_chain(&leaf.cert, &[a.cert.clone(), b.cert.clone()], &trust, &opts));
    assert_eq!(r.chain.len(), 3, "leaf, A, B: {:?}", r.chain);
    let build = r.checks.iter().find(|c| c.id == "chain.build").expect("a chain.build check");
    assert_eq!(build.sub_indication, Some(SubIndication::NoCertificateChainFound));
    assert!(build.reason_en.contains("certificate loop"), "{}", build.reason_en);
    assert_ne!(r.indication, Indication::Passed);
}

/// Guards MAX_ISSUER_CANDIDATES (`chain.rs` build_path): forty decoys named like the issuing CA,
/// each with its own key, come before the real CA in the file's certificates. Only the first
/// 16 are tried (16 signature checks, not 40 at each step): the chain is not found, and the
/// verdict says why and is INDETERMINATE, not FAILED. Without the bound, the 41st certificate
/// would be reached and the chain pass.
#[test]
fn thousands_of_would_be_issuers_are_not_all_tried() {
    let p = default_provider();
    let root = issue(Profile::RootCa, "根", p.generate_sm2().unwrap(), None, (0, 3650));
    let ca = issue(Profile::IssuingCa, "真CA", p.generate_sm2().unwrap(), Some(&root), (1, 3000));
    let leaf = issue(Profile::SealHolder, "某单位", p.generate_sm2().unwrap(), Some(&ca), (3, 700));
    let mut certs: Vec<Cert> =
        (0..40).map(|i| issue(Profile::RootCa, "真CA", p.generate_sm2().unwrap(), None, (0, 3650 + i)).cert).collect();
    certs.push(ca.cert.clone());
    let trust = TrustStore::new(vec![root.cert.clone()]);
    let opts = a_month_in();
    let r = bounded("forty would-be issuers", || validate_chain(&leaf.cert, &certs, &trust, &opts));
    let build = r.checks.iter().find(|c| c.id == "chain.build").expect("a chain.build check");
    assert!(build.reason_en.contains("only the first 16 were tried"), "{}", build.reason_en);
    assert_eq!(r.indication, Indication::Indeterminate);
    assert_eq!(build.sub_indication, Some(SubIndication::NoCertificateChainFound));
    // The same chain with the real CA among the first 16 passes.
    let mut few = certs[..10].to_vec();
    few.push(ca.cert.clone());
    let r = validate_chain(&leaf.cert, &few, &trust, &opts);
    assert_eq!(r.indication, Indication::Passed, "{:?}", r.checks);
}
