//! 亮证: offline verification of a presentation token (one core), making a token on the device
//! side, and building the signed status lists for 1,000,000 licences the way the service lays
//! them out (random entries, lists of 131,072 filled to three quarters, 2 bits a licence, 1 %
//! revoked and 0.5 % suspended), compressed and signed.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use time::OffsetDateTime;
use yinxin_benches::present::{bundle, device, issue, token};
use yinxin_benches::{dev_cert, dev_signer};
use yinxin_pki::report::Indication;
use yinxin_present::status::{self, Bits, ListInfo, Status};
use yinxin_present::verify::Verifier;
use yinxin_present::{MIN_STATUS_ENTRIES, key_id};

const FIVE: [&str; 5] = ["name", "legal_representative", "term", "address", "registration_authority"];

fn verify(c: &mut Criterion) {
    let now = OffsetDateTime::now_utc();
    let t = now.unix_timestamp();
    let dev = device();
    let issued = issue(dev.as_ref(), t);
    let verifier = Verifier::new(&bundle(t), now);
    let tok = token(&issued, &FIVE, dev.as_ref(), t);
    assert_eq!(verifier.verify(&tok, now, None).indication(), Indication::Passed);
    let mut g = c.benchmark_group("present");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("verify_offline_5_fields", |b| b.iter(|| black_box(verifier.verify(black_box(&tok), now, None))));
    g.bench_function("make_token_5_fields", |b| b.iter(|| black_box(token(&issued, &FIVE, dev.as_ref(), t))));
    g.finish();
}

/// A small deterministic generator (xorshift64*), enough to spread entries.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Lay out `n` licences over lists as the service does and sign them; the signed lists' bytes.
fn build_lists(n: u32) -> Vec<Vec<u8>> {
    let signer = dev_signer("status-list.key.pem");
    let signer_kid = key_id(dev_cert("status-list.cert.pem").der());
    let issuer_kid = key_id(dev_cert("dept-market.cert.pem").der());
    let per_list = MIN_STATUS_ENTRIES / 4 * 3;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out = Vec::new();
    let mut left = n;
    let mut list = 0;
    while left > 0 {
        let take = left.min(per_list);
        let mut used = vec![false; MIN_STATUS_ENTRIES as usize];
        let mut bits = Bits::new(MIN_STATUS_ENTRIES);
        for _ in 0..take {
            let idx = loop {
                let i = (rng.next() % u64::from(MIN_STATUS_ENTRIES)) as usize;
                if !used[i] {
                    used[i] = true;
                    break i as u32;
                }
            };
            match rng.next() % 1000 {
                0..10 => bits.set(idx, Status::Revoked),
                10..15 => bits.set(idx, Status::Suspended),
                _ => {}
            }
        }
        let signed = status::sign(
            &bits,
            &ListInfo { issuer_kid, issuer_code: "11530100MB0123456A", list, issued_at: 0, expires_at: 43_200 },
            signer.as_ref(),
            signer_kid,
        )
        .expect("sign");
        out.push(signed.bytes);
        left -= take;
        list += 1;
    }
    out
}

fn status_lists(c: &mut Criterion) {
    let lists = build_lists(1_000_000);
    let total: usize = lists.iter().map(Vec::len).sum();
    eprintln!(
        "status lists for 1,000,000 licences: {} lists of {MIN_STATUS_ENTRIES} entries, {total} bytes signed and compressed ({} bytes a list on average; uncompressed {} bytes a list)",
        lists.len(),
        total / lists.len(),
        MIN_STATUS_ENTRIES / 4
    );
    let mut g = c.benchmark_group("present");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));
    g.bench_function("status_lists_1m_licences", |b| b.iter(|| black_box(build_lists(1_000_000))));
    g.finish();
}

criterion_group!(benches, verify, status_lists);
criterion_main!(benches);
