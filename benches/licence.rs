//! Licence issuance and verification throughput: one licence = validate the fields, render the OFD
//! and the PDF (CJK subset, seal picture, QR code), seal both with the department's e-seal, and
//! time-stamp both signatures — the whole `yinxin_licence::issue::issue` call. Measured on one
//! thread and on two threads (this machine's two cores), each with its own signer and TSA. Then
//! sealed OFDs and PDFs verified per second (chain links cached after the first verification).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use yinxin_gm::{Sm2PrivateKey, UserId, default_provider};
use yinxin_licence::catalogue::Catalogue;
use yinxin_licence::issue::{IssueRequest, Issued, Sealing, issue};
use yinxin_pki::report::Indication;
use yinxin_pki::tsp::TimeStampAuthority;
use yinxin_pki::{Cert, TrustStore};
use yinxin_seal::Seal;
use yinxin_seal::verify::VerifyOptions;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}
fn kd(f: &str) -> PathBuf {
    root().join("keys-dev").join(f)
}
fn cert(stem: &str) -> Cert {
    Cert::from_pem_or_der(&std::fs::read(kd(&format!("{stem}.cert.pem"))).unwrap()).unwrap()
}
fn key(stem: &str) -> Sm2PrivateKey {
    Sm2PrivateKey::from_pem(&std::fs::read_to_string(kd(&format!("{stem}.key.pem"))).unwrap(), None).unwrap()
}

/// Everything one issuing thread owns.
struct Issuer {
    cat: Catalogue,
    seal: Seal,
    cert: Cert,
    chain: Vec<Cert>,
    key: Sm2PrivateKey,
    tsa: TimeStampAuthority,
    fields: BTreeMap<String, String>,
}

impl Issuer {
    fn new() -> Self {
        let p = default_provider();
        let tsa = TimeStampAuthority::new(
            cert("tsa"),
            vec![cert("issuing-ca")],
            p.sm2_signer(&key("tsa"), UserId::DEFAULT).unwrap(),
            yinxin_pki::oid::YINXIN_TSA_POLICY,
        )
        .unwrap();
        let fields =
            serde_json::from_str(&std::fs::read_to_string(root().join("examples/营业执照.json")).unwrap()).unwrap();
        Issuer {
            cat: Catalogue::built_in().unwrap(),
            seal: Seal::parse(&std::fs::read(kd("seals/dept-market.esl")).unwrap()).unwrap(),
            cert: cert("dept-market"),
            chain: vec![cert("issuing-ca")],
            key: key("dept-market"),
            tsa,
            fields,
        }
    }

    /// Issue `n` licences with distinct serials.
    fn run(&self, n: u64, tag: u64) -> Option<Issued> {
        let p = default_provider();
        let signer = p.sm2_signer(&self.key, UserId::DEFAULT).unwrap();
        let sealing = Sealing {
            seal: &self.seal,
            cert: &self.cert,
            chain: &self.chain,
            signer: signer.as_ref(),
            tsa: Some(&self.tsa),
        };
        let ltype = self.cat.get("营业执照").unwrap();
        let mut last = None;
        for i in 0..n {
            let req = IssueRequest {
                ltype,
                fields: self.fields.clone(),
                issuer: "某市市场监督管理局".into(),
                issuer_code: "11530100MB0123456A".into(),
                serial: Some(format!("B{tag}X{i}")),
                version: 1,
                verify_url: "https://127.0.0.1/v".into(),
                issued_on: None,
            };
            last = Some(black_box(issue(&req, &sealing, OffsetDateTime::now_utc()).unwrap()));
        }
        last
    }
}

fn licences(c: &mut Criterion) {
    let issuers = [Issuer::new(), Issuer::new()];
    let mut g = c.benchmark_group("licence");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(Duration::from_secs(8));
    g.bench_function("issue OFD+PDF, sealed, time-stamped (1 thread)", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            issuers[0].run(iters, 0);
            t.elapsed()
        })
    });
    // Two threads sharing the work: the time per licence is the wall time over all licences.
    g.bench_function("issue OFD+PDF, sealed, time-stamped (2 threads)", |b| {
        b.iter_custom(|iters| {
            let t = Instant::now();
            std::thread::scope(|s| {
                let half = iters / 2;
                let (first, second) = (&issuers[0], &issuers[1]);
                let a = s.spawn(move || first.run(half, 1));
                let b = s.spawn(move || second.run(iters - half, 2));
                a.join().unwrap();
                b.join().unwrap();
            });
            t.elapsed()
        })
    });

    let lic = issuers[0].run(1, 9).unwrap();
    let trust = TrustStore::new(vec![cert("root-ca")]);
    let intermediates = [cert("issuing-ca")];
    let mut opts = VerifyOptions::new(&trust);
    opts.intermediates = &intermediates;
    assert_eq!(yinxin_doc::ofd::verify_ofd(&lic.ofd, &opts).indication, Indication::Passed);
    assert_eq!(yinxin_doc::pdf::verify_pdf(&lic.pdf, &opts).indication, Indication::Passed);
    g.bench_function("verify sealed OFD licence", |b| {
        b.iter(|| yinxin_doc::ofd::verify_ofd(black_box(&lic.ofd), &opts))
    });
    g.bench_function("verify signed PDF licence", |b| {
        b.iter(|| yinxin_doc::pdf::verify_pdf(black_box(&lic.pdf), &opts))
    });
    g.finish();
    println!("sizes: OFD {} bytes, PDF {} bytes", lic.ofd.len(), lic.pdf.len());
}

criterion_group!(benches, licences);
criterion_main!(benches);
