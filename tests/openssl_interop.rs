//! Interoperability with the OpenSSL 3 CLI, both ways: signatures, key files, certificate chains,
//! CRLs and time stamps. OpenSSL is the independent oracle: nothing here checks yinxin with yinxin
//! alone.

use std::path::Path;
use time::{Duration, OffsetDateTime};
use yinxin_gm::sm2::encrypt::{CiphertextFormat, decrypt, encrypt};
use yinxin_gm::{Sm2PrivateKey, Sm2PublicKey, Sm2Signature, UserId, default_provider};
use yinxin_pki::chain::{RevocationPolicy, ValidationOptions};
use yinxin_pki::crl::{CrlRequest, Revoked, issue_crl};
use yinxin_pki::report::{Indication, SubIndication, TimeSource};
use yinxin_pki::tsp::{Imprint, TimeStampAuthority, TokenExpectations, verify_token};
use yinxin_pki::{Cert, CertRequest, Crl, DnBuilder, Profile, Purpose, TrustStore, issue_cert, validate_chain};
use yinxin_tests::{DISTID, openssl, openssl_ok, put, scratch};

fn message(n: usize) -> Vec<u8> {
    let mut m = vec![0u8; n];
    default_provider().fill_random(&mut m).unwrap();
    m
}

fn openssl_verify(dir: &Path, pubkey: &str, msg: &str, sig: &str, distid: &str) -> bool {
    openssl(
        dir,
        &[
            "pkeyutl", "-verify", "-rawin", "-digest", "sm3", "-pubin", "-inkey", pubkey, "-in", msg, "-sigfile", sig,
            "-pkeyopt", distid,
        ],
    )
    .status
    .success()
}

#[test]
fn our_signatures_verify_with_openssl() {
    let d = scratch();
    let dir = d.path();
    let p = default_provider();
    for (i, id) in [&b"1234567812345678"[..], b"alice@example.com"].into_iter().enumerate() {
        let key = p.generate_sm2().unwrap();
        let msg = message(1024 + i * 77);
        put(dir, "pub.pem", key.public_key().to_spki_pem());
        put(dir, "msg.bin", &msg);
        let sig = p.sm2_signer(&key, UserId::new(id).unwrap()).unwrap().sign(&msg).unwrap();
        put(dir, "sig.der", sig.to_der());
        let distid = format!("distid:{}", String::from_utf8_lossy(id));
        assert!(
            openssl_verify(dir, "pub.pem", "msg.bin", "sig.der", &distid),
            "OpenSSL rejected our signature with ID {distid}"
        );
        // OpenSSL must reject it for another ID and for another message.
        assert!(!openssl_verify(dir, "pub.pem", "msg.bin", "sig.der", "distid:wrong"));
        put(dir, "msg2.bin", [&msg[..], b"x"].concat());
        assert!(!openssl_verify(dir, "pub.pem", "msg2.bin", "sig.der", &distid));
    }
}

#[test]
fn openssl_signatures_verify_with_ours() {
    let d = scratch();
    let dir = d.path();
    openssl_ok(dir, &["genpkey", "-algorithm", "SM2", "-out", "key.pem"]);
    openssl_ok(dir, &["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"]);
    let msg = message(1024);
    put(dir, "msg.bin", &msg);
    openssl_ok(
        dir,
        &[
            "pkeyutl", "-sign", "-rawin", "-digest", "sm3", "-inkey", "key.pem", "-in", "msg.bin", "-out", "sig.der",
            "-pkeyopt", DISTID,
        ],
    );
    let pk = Sm2PublicKey::from_pem(&std::fs::read_to_string(dir.join("pub.pem")).unwrap()).unwrap();
    let sig = Sm2Signature::from_bytes(&std::fs::read(dir.join("sig.der")).unwrap()).unwrap();
    let p = default_provider();
    p.sm2_verify(&pk, UserId::DEFAULT, &msg, &sig).unwrap();
    assert_eq!(p.sm2_verify(&pk, UserId::new(b"").unwrap(), &msg, &sig), Err(yinxin_gm::Error::SignatureMismatch));
    assert_eq!(p.sm2_verify(&pk, UserId::DEFAULT, &msg[1..], &sig), Err(yinxin_gm::Error::SignatureMismatch));
    // The private key OpenSSL wrote loads in ours and has the same public key.
    let key = Sm2PrivateKey::from_pem(&std::fs::read_to_string(dir.join("key.pem")).unwrap(), None).unwrap();
    assert_eq!(key.public_key(), &pk);
}

#[test]
fn key_files_cross_over() {
    let d = scratch();
    let dir = d.path();
    let p = default_provider();
    let key = p.generate_sm2().unwrap();
    let want_pub = key.public_key().to_spki_pem();
    // Ours → OpenSSL: PKCS#8, SEC1 and encrypted PKCS#8 all open, giving our public key.
    put(dir, "k8.pem", key.to_pkcs8_pem().unwrap().as_bytes());
    put(dir, "sec1.pem", key.to_sec1_pem().unwrap().as_bytes());
    put(dir, "enc.pem", key.to_encrypted_pem(b"correct horse").unwrap().as_bytes());
    for (file, extra) in [("k8.pem", None), ("sec1.pem", None), ("enc.pem", Some("pass:correct horse"))] {
        let mut args = vec!["pkey", "-in", file, "-pubout"];
        if let Some(pass) = extra {
            args.extend(["-passin", pass]);
        }
        assert_eq!(openssl_ok(dir, &args), want_pub, "{file}");
    }
    assert!(!openssl(dir, &["pkey", "-in", "enc.pem", "-passin", "pass:wrong", "-pubout"]).status.success());

    // OpenSSL → ours: PKCS#8, its SEC1 form ("SM2 PRIVATE KEY"), PBES2 with PBKDF2 and with scrypt.
    openssl_ok(dir, &["genpkey", "-algorithm", "SM2", "-out", "o.pem"]);
    openssl_ok(dir, &["ec", "-in", "o.pem", "-out", "o.sec1.pem"]);
    openssl_ok(
        dir,
        &["pkcs8", "-topk8", "-in", "o.pem", "-v2", "aes-256-cbc", "-passout", "pass:s3cret", "-out", "o.pbkdf2.pem"],
    );
    openssl_ok(dir, &["pkcs8", "-topk8", "-in", "o.pem", "-scrypt", "-passout", "pass:s3cret", "-out", "o.scrypt.pem"]);
    openssl_ok(dir, &["pkey", "-in", "o.pem", "-outform", "DER", "-out", "o.der"]);
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    let base = Sm2PrivateKey::from_pem(&read("o.pem"), None).unwrap();
    assert_eq!(Sm2PrivateKey::from_pem(&read("o.sec1.pem"), None).unwrap().public_key(), base.public_key());
    for f in ["o.pbkdf2.pem", "o.scrypt.pem"] {
        assert_eq!(Sm2PrivateKey::from_pem(&read(f), Some(b"s3cret")).unwrap().public_key(), base.public_key(), "{f}");
        assert_eq!(
            Sm2PrivateKey::from_pem(&read(f), Some(b"wrong")).unwrap_err(),
            yinxin_gm::Error::KeyDecryption,
            "{f}"
        );
        assert_eq!(Sm2PrivateKey::from_pem(&read(f), None).unwrap_err(), yinxin_gm::Error::PassphraseRequired, "{f}");
    }
    let der = std::fs::read(dir.join("o.der")).unwrap();
    assert_eq!(Sm2PrivateKey::from_der(&der, None).unwrap().public_key(), base.public_key());
    // A P-256 key is refused as not SM2, with the curve named.
    openssl_ok(dir, &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "p256.pem"]);
    assert_eq!(
        Sm2PrivateKey::from_pem(&read("p256.pem"), None).unwrap_err(),
        yinxin_gm::Error::NotSm2Key("1.2.840.10045.3.1.7".into())
    );
}

#[test]
fn sm2_encryption_interoperates() {
    let d = scratch();
    let dir = d.path();
    let p = default_provider();
    let key = p.generate_sm2().unwrap();
    put(dir, "key.pem", key.to_pkcs8_pem().unwrap().as_bytes());
    put(dir, "pub.pem", key.public_key().to_spki_pem());
    put(dir, "plain.bin", b"SM4 key to wrap: 0123456789abcdef");
    // OpenSSL encrypts (GM/T 0009 DER), we decrypt.
    openssl_ok(dir, &["pkeyutl", "-encrypt", "-pubin", "-inkey", "pub.pem", "-in", "plain.bin", "-out", "ct.der"]);
    assert_eq!(
        decrypt(&key, &std::fs::read(dir.join("ct.der")).unwrap()).unwrap(),
        b"SM4 key to wrap: 0123456789abcdef"
    );
    // We encrypt, OpenSSL decrypts.
    put(dir, "ours.der", encrypt(p, key.public_key(), b"sealed to a recipient", CiphertextFormat::Der).unwrap());
    openssl_ok(dir, &["pkeyutl", "-decrypt", "-inkey", "key.pem", "-in", "ours.der", "-out", "back.bin"]);
    assert_eq!(std::fs::read(dir.join("back.bin")).unwrap(), b"sealed to a recipient");
}

struct Party {
    key: Sm2PrivateKey,
    cert: Cert,
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn issue(profile: Profile, cn: &str, issuer: Option<&Party>, path_len: Option<u8>) -> Party {
    let p = default_provider();
    let key = p.generate_sm2().unwrap();
    let req = CertRequest {
        profile,
        subject_der: DnBuilder::new()
            .c("CN")
            .unwrap()
            .o("yinxin 互操作测试")
            .unwrap()
            .cn(cn)
            .unwrap()
            .to_der()
            .unwrap(),
        public_key: key.public_key().clone(),
        not_before: now() - Duration::hours(1),
        not_after: now()
            + Duration::days(match profile {
                Profile::RootCa => 3650,
                Profile::IssuingCa => 1000,
                _ => 300,
            }),
        serial: None,
        path_len,
        crl_url: None,
    };
    let cert = match issuer {
        None => issue_cert(&req, None, p.sm2_signer(&key, UserId::DEFAULT).unwrap().as_ref()).unwrap(),
        Some(i) => issue_cert(&req, Some(&i.cert), p.sm2_signer(&i.key, UserId::DEFAULT).unwrap().as_ref()).unwrap(),
    };
    Party { key, cert }
}

/// OpenSSL 3.0 applies distid only to the leaf of a chain, so each link is checked on its own:
/// the TBS bytes, the issuer's public key and the signature value, with pkeyutl.
fn openssl_checks_link(dir: &Path, tbs: &[u8], sig: &[u8], issuer_pub: &Sm2PublicKey) -> bool {
    put(dir, "tbs.bin", tbs);
    put(dir, "sig.der", sig);
    put(dir, "issuer.pub.pem", issuer_pub.to_spki_pem());
    openssl_verify(dir, "issuer.pub.pem", "tbs.bin", "sig.der", DISTID)
}

#[test]
fn every_link_of_our_chain_verifies_with_openssl() {
    let d = scratch();
    let dir = d.path();
    let root = issue(Profile::RootCa, "互操作根CA", None, None);
    let ca = issue(Profile::IssuingCa, "互操作签发CA", Some(&root), None);
    let leaf = issue(Profile::SealHolder, "某市市场监督管理局", Some(&ca), None);
    let tsa = issue(Profile::TimeStamping, "互操作时间戳", Some(&ca), None);
    for (c, i) in [(&root, &root), (&ca, &root), (&leaf, &ca), (&tsa, &ca)] {
        assert!(
            openssl_checks_link(dir, c.cert.tbs_der(), &c.cert.signature, i.key.public_key()),
            "link {} ← {}",
            c.cert.subject(),
            i.cert.subject()
        );
        // OpenSSL parses each certificate and shows the extensions of its profile.
        put(dir, "c.pem", c.cert.to_pem());
        let text = openssl_ok(dir, &["x509", "-in", "c.pem", "-noout", "-text"]);
        assert!(text.contains("SM2-with-SM3"), "{text}");
        assert!(text.contains("X509v3 Key Usage: critical"), "{text}");
    }
    put(dir, "tsa.pem", tsa.cert.to_pem());
    assert!(openssl_ok(dir, &["x509", "-in", "tsa.pem", "-noout", "-ext", "extendedKeyUsage"]).contains("critical"));
    // And OpenSSL's own chain verification (distid reaches the leaf link; the CA link is
    // verified above) accepts the leaf when the CA is the trust anchor.
    put(dir, "ca.pem", ca.cert.to_pem());
    put(dir, "leaf.pem", leaf.cert.to_pem());
    openssl_ok(dir, &["verify", "-vfyopt", DISTID, "-partial_chain", "-CAfile", "ca.pem", "leaf.pem"]);

    // Our CRL parses in OpenSSL, and its signature verifies over the TBS.
    let crl = issue_crl(
        &CrlRequest {
            this_update: now(),
            next_update: now() + Duration::days(7),
            number: 3,
            revoked: vec![Revoked { serial: leaf.cert.serial.clone(), date: now(), reason: Some(1) }],
        },
        &ca.cert,
        default_provider().sm2_signer(&ca.key, UserId::DEFAULT).unwrap().as_ref(),
    )
    .unwrap();
    put(dir, "crl.pem", crl.to_pem());
    let text = openssl_ok(dir, &["crl", "-in", "crl.pem", "-noout", "-text"]);
    assert!(text.contains(&leaf.cert.serial_hex().to_uppercase()), "{text}");
    assert!(text.contains("Key Compromise"), "{text}");
    assert!(openssl_checks_link(dir, crl.tbs_der(), &crl.signature, ca.key.public_key()), "CRL signature");
}

const EXT_CNF: &str = "
[ v3_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ v3_ica ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_noca ]
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_leaf ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_kuenc ]
basicConstraints = CA:FALSE
keyUsage = critical,keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ req ]
distinguished_name = dn
[ dn ]
";

const CA_CNF: &str = "
[ ca ]
default_ca = myca
[ myca ]
database = db/index.txt
crlnumber = db/crlnumber
default_md = sm3
default_crl_days = 30
policy = pol
new_certs_dir = db
serial = db/serial
[ pol ]
commonName = supplied
[ crl_ext ]
authorityKeyIdentifier = keyid
";

/// Build root → CA → two leaves with the OpenSSL CLI, and a CRL from the CA that revokes the
/// first leaf.
fn openssl_pki(dir: &Path) {
    put(dir, "ext.cnf", EXT_CNF);
    for k in ["root", "ca", "leaf1", "leaf2", "noca", "leaf3", "leaf4"] {
        openssl_ok(dir, &["genpkey", "-algorithm", "SM2", "-out", &format!("{k}.key")]);
    }
    openssl_ok(
        dir,
        &[
            "req",
            "-new",
            "-x509",
            "-config",
            "ext.cnf",
            "-key",
            "root.key",
            "-sm3",
            "-sigopt",
            DISTID,
            "-subj",
            "/C=CN/O=OpenSSL/CN=OpenSSL Root",
            "-days",
            "3650",
            "-extensions",
            "v3_ca",
            "-out",
            "root.pem",
        ],
    );
    let sign = |csr_key: &str, subj: &str, issuer: &str, ext: &str, out: &str| {
        openssl_ok(
            dir,
            &[
                "req", "-new", "-config", "ext.cnf", "-key", csr_key, "-sm3", "-sigopt", DISTID, "-subj", subj, "-out",
                "x.csr",
            ],
        );
        openssl_ok(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                "x.csr",
                "-CA",
                &format!("{issuer}.pem"),
                "-CAkey",
                &format!("{issuer}.key"),
                "-CAcreateserial",
                "-sm3",
                "-sigopt",
                DISTID,
                "-vfyopt",
                DISTID,
                "-days",
                "365",
                "-extfile",
                "ext.cnf",
                "-extensions",
                ext,
                "-out",
                out,
            ],
        );
    };
    sign("ca.key", "/C=CN/O=OpenSSL/CN=OpenSSL CA", "root", "v3_ica", "ca.pem");
    sign("leaf1.key", "/C=CN/O=OpenSSL/CN=Leaf One", "ca", "v3_leaf", "leaf1.pem");
    sign("leaf2.key", "/C=CN/O=OpenSSL/CN=Leaf Two", "ca", "v3_leaf", "leaf2.pem");
    // A leaf whose keyUsage allows only key encipherment.
    sign("leaf4.key", "/C=CN/O=OpenSSL/CN=Leaf Four", "ca", "v3_kuenc", "leaf4.pem");
    // A "CA" without basicConstraints, and a leaf under it.
    sign("noca.key", "/C=CN/O=OpenSSL/CN=Not A CA", "root", "v3_noca", "noca.pem");
    sign("leaf3.key", "/C=CN/O=OpenSSL/CN=Leaf Three", "noca", "v3_leaf", "leaf3.pem");

    std::fs::create_dir_all(dir.join("db")).unwrap();
    put(dir, "db/index.txt", "");
    put(dir, "db/crlnumber", "1000\n");
    put(dir, "ca.cnf", CA_CNF);
    openssl_ok(
        dir,
        &[
            "ca",
            "-config",
            "ca.cnf",
            "-revoke",
            "leaf1.pem",
            "-keyfile",
            "ca.key",
            "-cert",
            "ca.pem",
            "-crl_reason",
            "keyCompromise",
        ],
    );
    openssl_ok(
        dir,
        &[
            "ca", "-config", "ca.cnf", "-gencrl", "-keyfile", "ca.key", "-cert", "ca.pem", "-sigopt", DISTID,
            "-crlexts", "crl_ext", "-out", "ca.crl",
        ],
    );
}

#[test]
fn openssl_chain_and_crl_validate_in_ours() {
    let d = scratch();
    let dir = d.path();
    openssl_pki(dir);
    let load = |f: &str| Cert::from_pem_or_der(&std::fs::read(dir.join(f)).unwrap()).unwrap();
    let (root, ca, leaf1, leaf2) = (load("root.pem"), load("ca.pem"), load("leaf1.pem"), load("leaf2.pem"));
    let crl = Crl::from_pem_or_der(&std::fs::read(dir.join("ca.crl")).unwrap()).unwrap();
    crl.verify_issued_by(&ca).unwrap();
    let crls = [crl];
    let trust = TrustStore::new(vec![root.clone()]);
    let t = now() + Duration::minutes(1);
    let opts = ValidationOptions {
        at: t,
        time_source: TimeSource::Caller,
        now: t,
        purpose: Purpose::DocumentSigning,
        crls: &crls,
        revocation: RevocationPolicy::IfAvailable,
        crl_max_age: None,
    };

    let good = validate_chain(&leaf2, std::slice::from_ref(&ca), &trust, &opts);
    assert_eq!(good.indication, Indication::Passed, "{:#?}", good.checks);
    let revoked = validate_chain(&leaf1, std::slice::from_ref(&ca), &trust, &opts);
    assert_eq!(
        (revoked.indication, revoked.sub_indication),
        (Indication::Failed, Some(SubIndication::Revoked)),
        "{:#?}",
        revoked.checks
    );

    // A certificate for key encipherment only does not sign documents (EN 319 102-1 pairs
    // SIG_CONSTRAINTS_FAILURE with INDETERMINATE).
    let r = validate_chain(&load("leaf4.pem"), std::slice::from_ref(&ca), &trust, &opts);
    assert_eq!(
        (r.indication, r.sub_indication),
        (Indication::Indeterminate, Some(SubIndication::SigConstraintsFailure)),
        "{:#?}",
        r.checks
    );
    assert!(r.checks.iter().any(|c| c.reason_en.contains("keyUsage")));

    // The CA without basicConstraints cannot issue.
    let noca = load("noca.pem");
    let r = validate_chain(&load("leaf3.pem"), &[noca], &trust, &opts);
    assert_eq!(
        (r.indication, r.sub_indication),
        (Indication::Indeterminate, Some(SubIndication::ChainConstraintsFailure)),
        "{:#?}",
        r.checks
    );

    // A flipped bit in OpenSSL's leaf signature is caught: the chain cannot be validated
    // (EN 319 102-1: INDETERMINATE / CERTIFICATE_CHAIN_GENERAL_FAILURE), never PASSED.
    let mut der = leaf2.der().to_vec();
    let n = der.len();
    der[n - 5] ^= 0x10;
    let bad = Cert::from_der(&der).unwrap();
    let r = validate_chain(&bad, &[ca], &trust, &opts);
    assert_eq!(
        (r.indication, r.sub_indication),
        (Indication::Indeterminate, Some(SubIndication::CertificateChainGeneralFailure))
    );
}

#[test]
fn time_stamps_interoperate_with_openssl_ts() {
    let d = scratch();
    let dir = d.path();
    let root = issue(Profile::RootCa, "时间戳根CA", None, None);
    let tsa_party = issue(Profile::TimeStamping, "互操作时间戳服务", Some(&root), None);
    let signer = default_provider().sm2_signer(&tsa_party.key, UserId::DEFAULT).unwrap();
    let tsa = TimeStampAuthority::new(
        tsa_party.cert.clone(),
        vec![root.cert.clone()],
        signer,
        yinxin_pki::oid::YINXIN_TSA_POLICY,
    )
    .unwrap();

    // OpenSSL writes the request (SM3 imprint, nonce, certReq); our TSA answers it.
    put(dir, "data.bin", b"the signature value of an e-seal");
    openssl_ok(dir, &["ts", "-query", "-data", "data.bin", "-sm3", "-cert", "-out", "req.tsq"]);
    let resp = tsa.respond(&std::fs::read(dir.join("req.tsq")).unwrap(), now()).unwrap();
    put(dir, "resp.tsr", &resp);
    // OpenSSL reads our response: status granted, SM3 imprint of the data, our policy.
    let text = openssl_ok(dir, &["ts", "-reply", "-in", "resp.tsr", "-text"]);
    assert!(text.contains("Status: Granted"), "{text}");
    assert!(text.contains(yinxin_pki::oid::YINXIN_TSA_POLICY), "{text}");
    let imprint = hex::encode(yinxin_gm::sm3::sm3(b"the signature value of an e-seal").0);
    // The hex dump lines look like "    0000 - fe 64 66 e9 ...-c7 fb ...   .df....".
    let dumped: String = text
        .lines()
        .skip_while(|l| !l.starts_with("Message data:"))
        .skip(1)
        .take_while(|l| l.contains(" - "))
        .filter_map(|l| {
            l.split_once(" - ").map(|(_, rest)| rest.split("   ").next().unwrap_or("").replace(['-', ' '], ""))
        })
        .collect();
    assert_eq!(dumped, imprint, "imprint in:\n{text}");
    // OpenSSL's CMS parser reads the token structure.
    openssl_ok(dir, &["ts", "-reply", "-in", "resp.tsr", "-token_out", "-out", "token.der"]);
    let cms = openssl_ok(dir, &["cms", "-cmsout", "-print", "-inform", "DER", "-in", "token.der"]);
    assert!(cms.contains("id-smime-ct-TSTInfo"), "{cms}");

    // Our verifier accepts the token against the data, with the nonce OpenSSL chose.
    let token = std::fs::read(dir.join("token.der")).unwrap();
    let trust = TrustStore::new(vec![root.cert.clone()]);
    let r = verify_token(
        &token,
        &TokenExpectations { data: Some(b"the signature value of an e-seal"), ..Default::default() },
        &trust,
        now(),
    );
    assert_eq!(r.indication, Indication::Passed, "{:#?}", r.checks);
    let token2 = tsa.stamp(&Imprint::sm3_of(b"x"), None, true, now()).unwrap();
    assert_eq!(
        verify_token(&token2, &TokenExpectations { data: Some(b"y"), ..Default::default() }, &trust, now())
            .sub_indication,
        Some(SubIndication::HashFailure)
    );
}
