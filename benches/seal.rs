//! E-seal throughput on one core: verifying an SES_Signature (seal, signature and time stamp, with
//! certificate chains cached after the first verification) and making a seal plus signing with
//! it (maker's signature, signer's signature, time stamp). Uses `keys-dev/`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::PathBuf;
use time::{Duration, OffsetDateTime};
use yinxin_gm::{Sm2PrivateKey, UserId, default_provider};
use yinxin_pki::tsp::TimeStampAuthority;
use yinxin_pki::{Cert, TrustStore};
use yinxin_seal::make::{CertListForm, SealKind, SealRequest, SignRequest, make_seal, sign};
use yinxin_seal::verify::{VerifyOptions, verify_signature};

fn kd(f: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../keys-dev").join(f)
}
fn cert(stem: &str) -> Cert {
    Cert::from_pem_or_der(&std::fs::read(kd(&format!("{stem}.cert.pem"))).unwrap()).unwrap()
}
fn key(stem: &str) -> Sm2PrivateKey {
    Sm2PrivateKey::from_pem(&std::fs::read_to_string(kd(&format!("{stem}.key.pem"))).unwrap(), None).unwrap()
}

fn seals(c: &mut Criterion) {
    let p = default_provider();
    let maker = cert("seal-maker");
    let maker_signer = p.sm2_signer(&key("seal-maker"), UserId::DEFAULT).unwrap();
    let holder = cert("dept-market");
    let holder_signer = p.sm2_signer(&key("dept-market"), UserId::DEFAULT).unwrap();
    let tsa = TimeStampAuthority::new(
        cert("tsa"),
        vec![cert("issuing-ca")],
        p.sm2_signer(&key("tsa"), UserId::DEFAULT).unwrap(),
        yinxin_pki::oid::YINXIN_TSA_POLICY,
    )
    .unwrap();
    // A seal with a real picture, as departments have.
    let picture = std::fs::read(kd("seals/dept-market.png")).unwrap();
    let now = OffsetDateTime::now_utc();
    let req = SealRequest {
        es_id: String::new(),
        kind: SealKind::Contract,
        name: "某市市场监督管理局合同专用章".into(),
        holders: vec![holder.clone()],
        cert_list_form: CertListForm::Certificates,
        valid_start: now - Duration::hours(1),
        valid_end: now + Duration::days(365),
        picture_kind: "PNG".into(),
        picture,
        picture_mm: (42, 42),
        vid: "yinxin".into(),
    };
    let data = vec![0x42u8; 4096];
    let seal = make_seal(&req, &maker, maker_signer.as_ref(), now).unwrap();
    let sreq = SignRequest {
        seal: &seal,
        signer_cert: &holder,
        signer: holder_signer.as_ref(),
        data: &data,
        property_info: "/Doc_0/Signs/Sign_0/Signature.xml",
        tsa: Some(&tsa),
    };
    let sig = sign(&sreq, now).unwrap();
    let trust = TrustStore::new(vec![cert("root-ca")]);
    let chain = vec![cert("issuing-ca")];
    let mut opts = VerifyOptions::new(&trust);
    opts.intermediates = &chain;
    assert_eq!(verify_signature(&sig, Some(&data), &opts).indication, yinxin_pki::Indication::Passed);

    let mut g = c.benchmark_group("seal");
    g.bench_function("verify_ses_signature_with_time_stamp", |b| {
        b.iter(|| verify_signature(black_box(&sig), Some(&data), &opts))
    });
    g.bench_function("parse_and_verify_ses_signature", |b| {
        b.iter(|| {
            let s = yinxin_seal::SesSignature::parse(black_box(&sig.raw)).unwrap();
            verify_signature(&s, Some(&data), &opts)
        })
    });
    g.bench_function("make_seal_and_sign_with_time_stamp", |b| {
        b.iter(|| {
            let seal = make_seal(&req, &maker, maker_signer.as_ref(), now).unwrap();
            let sreq = SignRequest {
                seal: &seal,
                signer_cert: &holder,
                signer: holder_signer.as_ref(),
                data: &data,
                property_info: "x",
                tsa: Some(&tsa),
            };
            sign(&sreq, now).unwrap()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(5));
    targets = seals
}
criterion_main!(benches);
