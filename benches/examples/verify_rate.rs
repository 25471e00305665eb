//! In-process verification rate, the peer of the service's HTTP verification in `benches/load.sh`:
//! the same file verified with the same trust anchors, intermediates and CRLs the service uses,
//! by N threads for S seconds, no HTTP. Prints `verifications_per_s=…`.
//!
//! Usage: verify_rate FILE KEY_DIR [THREADS] [SECONDS]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use yinxin_pki::chain::RevocationPolicy;
use yinxin_pki::{Cert, Crl, TrustStore};
use yinxin_seal::verify::{At, VerifyOptions};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let file = std::fs::read(&args[1]).expect("the file to verify");
    let kd = std::path::PathBuf::from(&args[2]);
    let threads: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(2);
    let secs: u64 = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(10);
    let read = |p: &str| std::fs::read(kd.join(p)).unwrap();
    let mut trust = TrustStore::default();
    trust.add(Cert::from_pem_or_der(&read("root-ca.cert.pem")).unwrap());
    let chain = vec![Cert::from_pem_or_der(&read("issuing-ca.cert.pem")).unwrap()];
    let crls = vec![
        Crl::from_pem_or_der(&read("crl/root-ca.crl.pem")).unwrap(),
        Crl::from_pem_or_der(&read("crl/issuing-ca.crl.pem")).unwrap(),
    ];
    let done = AtomicU64::new(0);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                while start.elapsed() < Duration::from_secs(secs) {
                    let opts = VerifyOptions {
                        trust: &trust,
                        seal_authorities: None,
                        intermediates: &chain,
                        crls: &crls,
                        revocation: RevocationPolicy::IfAvailable,
                        at: At::Now,
                        now: time::OffsetDateTime::now_utc(),
                        policy: yinxin_pki::policy::default_policy(),
                        data_sm3: None,
                        poe: None,
                    };
                    let r = yinxin_doc::stamp::verify_any(&file, None, &opts).expect("a signed document");
                    assert_eq!(r.indication, yinxin_pki::Indication::Passed);
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    let n = done.load(Ordering::Relaxed);
    println!("verifications_per_s={:.0} threads={threads} seconds={secs}", n as f64 / start.elapsed().as_secs_f64());
}
