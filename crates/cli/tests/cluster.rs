//! yinxin beyond one machine, with real parts (issue 21): three `yinxin serve` nodes on one
//! PostgreSQL database and one S3-compatible object store (s3s-fs, a real S3 server process on
//! loopback), behind HAProxy (Debian's), as README's multi-node section sets them up.
//!
//! 1. **Consistency across nodes.** The same issuance, with the same `Idempotency-Key`, sent to
//!    all three nodes at once makes one licence; a revocation on node A is seen by verifications
//!    on nodes B and C at once (the licence's status is read from the database on every
//!    verification: the documented bound is zero); the status list is re-signed once for the
//!    change, on the node that made it; one audit chain verifies.
//! 2. **Faults under a mixed load** (issue, verify, revoke, archive ingest through the load
//!    balancer): node B is SIGKILLed and restarted; PostgreSQL is restarted; the object store is
//!    down for 10 s. The service answers 503 problems with `Retry-After` while a dependency is
//!    down, never a 500; clients retry with the same idempotency key. Afterwards every
//!    acknowledged write is there, every licence row's documents are in the object store (no
//!    half-written licence), the audit chain verifies and the archive patrol finds no drift.

use reqwest::blocking::Client;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use yinxin_store::blob_s3::testing::S3sFs;

fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_yinxin"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A node: its port and data directory stay the same across restarts.
struct Node {
    name: &'static str,
    port: u16,
    data: PathBuf,
    env: Vec<(String, String)>,
    child: Option<Child>,
}

impl Node {
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn start(&mut self) {
        std::fs::create_dir_all(&self.data).unwrap();
        let log = std::fs::OpenOptions::new().create(true).append(true).open(self.data.join("node.log")).unwrap();
        let child = Command::new(bin())
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port), "--data-dir"])
            .arg(&self.data)
            .arg("--key-dir")
            .arg(yinxin_tests::repo().join("keys-dev"))
            .env("YINXIN_RATE_PER_SECOND", "100000")
            .env("RUST_LOG", "warn")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("yinxin serve starts");
        self.child = Some(child);
        self.wait_ready();
    }

    fn wait_ready(&self) {
        let http = Client::builder().timeout(Duration::from_secs(2)).build().unwrap();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(60) {
            if http.get(format!("{}/readyz", self.url())).send().is_ok_and(|r| r.status().is_success()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let log = std::fs::read_to_string(self.data.join("node.log")).unwrap_or_default();
        panic!("node {} did not become ready: {log}", self.name);
    }

    /// SIGKILL, no goodbye.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// HAProxy in front of the nodes, with README's configuration (`tests/cluster/haproxy.cfg`):
/// round robin, health-checked on `/readyz` every 300 ms, a connection that fails retried on
/// another node. A request in flight on a node that dies gets HAProxy's 502: the client retries.
struct Balancer {
    child: Child,
    port: u16,
}

impl Balancer {
    fn start(dir: &Path, nodes: &[&Node], port: u16) -> Self {
        let haproxy = ["/usr/sbin/haproxy", "/usr/bin/haproxy"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("HAProxy is missing: run tests/run.sh, which installs it (Debian package haproxy)");
        // README's configuration, with this test's ports.
        let mut cfg = std::fs::read_to_string(yinxin_tests::repo().join("tests/cluster/haproxy.cfg")).unwrap();
        assert_eq!(nodes.len(), 3);
        cfg = cfg.replace("127.0.0.1:8080", &format!("127.0.0.1:{port}"));
        for (i, n) in nodes.iter().enumerate() {
            cfg = cfg.replace(&format!("127.0.0.1:808{}", i + 1), &format!("127.0.0.1:{}", n.port));
        }
        let path = dir.join("haproxy.cfg");
        std::fs::write(&path, cfg).unwrap();
        let check = Command::new(haproxy).arg("-c").arg("-f").arg(&path).output().unwrap();
        assert!(check.status.success(), "haproxy config: {}", String::from_utf8_lossy(&check.stderr));
        let child = Command::new(haproxy)
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let b = Balancer { child, port };
        let http = Client::new();
        let start = Instant::now();
        while !http.get(format!("{}/readyz", b.url())).send().is_ok_and(|r| r.status().is_success()) {
            assert!(start.elapsed() < Duration::from_secs(20), "HAProxy did not come up");
            std::thread::sleep(Duration::from_millis(100));
        }
        b
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The shared PostgreSQL cluster's version directory (for `pg_ctlcluster`).
fn pg_version() -> String {
    std::fs::read_dir("/etc/postgresql")
        .expect("PostgreSQL's /etc/postgresql")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .next()
        .expect("a PostgreSQL cluster")
}

fn psql(sql: &str) {
    let o = Command::new("psql")
        .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql])
        .output()
        .unwrap();
    assert!(o.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&o.stderr));
}

fn pg_restart() {
    let o = Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", &pg_version(), "main", "restart", "-m", "fast"])
        .output()
        .unwrap();
    assert!(o.status.success(), "pg_ctlcluster restart: {}", String::from_utf8_lossy(&o.stderr));
}

/// A response: status (0: no response), whether it is the service's own problem document (not
/// the balancer's page), its Retry-After, and the body.
struct Answer {
    status: u16,
    problem: bool,
    retry_after: Option<String>,
    body: Value,
}

fn send(req: reqwest::blocking::RequestBuilder) -> Answer {
    match req.send() {
        Ok(r) => {
            let status = r.status().as_u16();
            let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            let retry_after = r.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
            let body = r.json().unwrap_or(Value::Null);
            Answer { status, problem: ct.starts_with("application/problem+json"), retry_after, body }
        }
        Err(_) => Answer { status: 0, problem: false, retry_after: None, body: Value::Null },
    }
}

fn issue_body(n: usize) -> Value {
    let mut fields: Value = serde_json::from_slice(
        &std::fs::read(yinxin_tests::repo().join("examples/营业执照.json")).expect("examples/营业执照.json"),
    )
    .unwrap();
    fields["address"] = json!(format!("云南省昆明市五华区某某路{n}号"));
    json!({"type_code": "营业执照", "fields": fields})
}

const ITEM: &str = "530100-XK-001";

fn item() -> Value {
    json!({"item_code": ITEM, "version": "2026.1", "name": "营业执照设立登记", "retention": "30y",
           "materials": [{"code": "A001", "name": "设立登记申请书", "required": true, "class": "application"}]})
}

fn ingest_body(no: &str) -> Value {
    use base64::Engine;
    let pdf = yinxin_tests::corpus::pdf(no);
    json!({
        "transaction": {
            "txn_no": no, "item_code": ITEM, "item_name": "营业执照设立登记", "region_code": "530100",
            "applicant": {"name": "云南某某科技有限公司", "kind": "organisation", "id_type": "统一社会信用代码",
                          "id_number": "91530100MA6K0X123J"},
            "accepted_at": "2026-11-02T09:30:00+08:00", "completed_at": "2026-11-05T16:00:00+08:00",
            "result": "准予", "licence_no": "L-1", "declared_count": 1, "declared_bytes": pdf.len()
        },
        "materials": [{
            "metadata": {"title": "申请书", "responsible": "申请人", "date": "2026-11-01", "code": "A001",
                         "class": "application", "file_name": "申请书.pdf", "source": "upload", "sharing": "unconditional"},
            "content": base64::engine::general_purpose::STANDARD.encode(&pdf)
        }]
    })
}

/// What the load saw.
#[derive(Default)]
struct Seen {
    /// Idempotency key → the licence it made (acknowledged).
    issued: BTreeMap<String, String>,
    /// Licences whose revocation was acknowledged.
    revoked: BTreeSet<String>,
    /// Archive transactions acknowledged: txn_no → id.
    archived: BTreeMap<String, String>,
    verifications: usize,
    /// Answers by kind: "2xx", "503 service", "balancer", "no answer".
    kinds: BTreeMap<String, usize>,
    /// Anything that is not allowed: a 500, a 503 without Retry-After, an unexpected status.
    wrong: Vec<String>,
}

impl Seen {
    /// Classify an answer; true when it is a success.
    fn note(&mut self, what: &str, a: &Answer) -> bool {
        let kind = match a.status {
            200..=299 => "2xx",
            503 if a.problem => {
                if a.retry_after.is_none() {
                    self.wrong.push(format!("{what}: 503 without Retry-After: {}", a.body));
                }
                "503 service"
            }
            502..=504 if !a.problem => "balancer",
            0 => "no answer",
            _ => {
                self.wrong.push(format!("{what}: {} {}", a.status, a.body));
                "wrong"
            }
        };
        *self.kinds.entry(kind.to_string()).or_default() += 1;
        kind == "2xx"
    }
}

/// Retry `f` until it succeeds or `deadline` passes; true on success.
fn until_ok(seen: &Mutex<Seen>, what: &str, deadline: Instant, f: &dyn Fn() -> Answer) -> Option<Answer> {
    loop {
        let a = f();
        if seen.lock().unwrap().note(what, &a) {
            return Some(a);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn three_nodes_one_database_one_object_store_through_faults() {
    let tmp = tempfile::tempdir().unwrap();
    let db = format!("yinxin_cluster_{}", std::process::id());
    psql(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
    psql(&format!("CREATE DATABASE {db}"));
    let s3 = Arc::new(Mutex::new(S3sFs::start_in(&tmp.path().join("s3"))));
    let s3cfg = s3.lock().unwrap().config();
    let lb_port = free_port();
    let kek = "00112233445566778899aabbccddeeff";
    let env = vec![
        ("YINXIN_DATABASE_URL".to_string(), format!("postgres://postgres@127.0.0.1:5432/{db}")),
        ("YINXIN_KEK".into(), kek.into()),
        ("YINXIN_PUBLIC_URL".into(), format!("http://127.0.0.1:{lb_port}")),
        ("YINXIN_S3_ENDPOINT".into(), s3cfg.endpoint.clone()),
        ("YINXIN_S3_BUCKET".into(), s3cfg.bucket.clone()),
        ("YINXIN_S3_ACCESS_KEY".into(), s3cfg.access_key.clone()),
        ("YINXIN_S3_SECRET_KEY".into(), s3cfg.secret_key.clone()),
    ];
    let mut nodes: Vec<Node> = ["a", "b", "c"]
        .into_iter()
        .map(|name| Node { name, port: free_port(), data: tmp.path().join(name), env: env.clone(), child: None })
        .collect();
    // The first node creates the schema and imports keys-dev/; the others join it.
    nodes[0].start();
    std::thread::scope(|sc| {
        for n in nodes[1..].iter_mut() {
            sc.spawn(move || n.start());
        }
    });
    let _lb = Balancer::start(tmp.path(), &nodes.iter().collect::<Vec<_>>(), lb_port);
    let lb = format!("http://127.0.0.1:{lb_port}");
    let creds: Value =
        serde_json::from_slice(&std::fs::read(nodes[0].data.join("dev-credentials.json")).unwrap()).unwrap();
    let token = |k: &str| creds[k]["token"].as_str().unwrap().to_string();
    let (market, officer, admin) = (token("department:11530100MB0123456A"), token("officer"), token("admin"));
    let http = Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let urls: Vec<String> = nodes.iter().map(Node::url).collect();

    // 1. The same issuance with the same key on all three nodes at once: one licence.
    let mut first_ids = Vec::new();
    for k in 0..4 {
        let key = format!("same-{k}");
        let answers: Vec<Answer> = std::thread::scope(|sc| {
            let hs: Vec<_> = urls
                .iter()
                .map(|u| {
                    let (http, key, market) = (&http, &key, &market);
                    sc.spawn(move || {
                        send(
                            http.post(format!("{u}/v1/licences"))
                                .bearer_auth(market)
                                .header("Idempotency-Key", key)
                                .json(&issue_body(k)),
                        )
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let ids: BTreeSet<String> = answers
            .iter()
            .map(|a| {
                assert!(matches!(a.status, 200 | 201), "{} {}", a.status, a.body);
                a.body["identifier"].as_str().unwrap().to_string()
            })
            .collect();
        assert_eq!(ids.len(), 1, "one key, one licence across nodes: {ids:?}");
        first_ids.extend(ids);
    }

    // A revocation on node A is seen by a verification on B and on C at once.
    let status_signatures = || -> u64 {
        urls.iter()
            .map(|u| {
                let m = http.get(format!("{u}/metrics")).send().unwrap().text().unwrap();
                m.lines()
                    .find(|l| l.starts_with("yinxin_signatures_total{purpose=\"status-list\"}"))
                    .and_then(|l| l.rsplit(' ').next())
                    .and_then(|v| v.parse::<f64>().ok())
                    .unwrap_or(0.0) as u64
            })
            .sum()
    };
    let id = &first_ids[0];
    let pdf =
        http.get(format!("{}/v1/licences/{id}/pdf", urls[1])).bearer_auth(&market).send().unwrap().bytes().unwrap();
    // The holder takes a credential on node C: the licence gets a status-list entry.
    let p = yinxin_gm::default_provider();
    let device = p.generate_sm2().unwrap();
    let dev = p.sm2_signer(&device, yinxin_gm::UserId::DEFAULT).unwrap();
    let key = hex::encode(yinxin_present::compress(dev.public_key()));
    let msg = yinxin_server::routes::present::proof_message(id, &key);
    let cred = send(
        http.post(format!("{}/v1/holder/licences/{id}/credential", urls[2]))
            .bearer_auth(token("holder"))
            .json(&json!({"device_key": key, "proof": hex::encode(dev.sign(msg.as_bytes()).unwrap().to_raw())})),
    );
    assert_eq!(cred.status, 201, "{}", cred.body);
    // The same revocation on all three nodes at once, without an idempotency key: one succeeds,
    // the others find it revoked; the status list is re-signed once, on the node that changed it.
    let before = status_signatures();
    let answers: Vec<Answer> = std::thread::scope(|sc| {
        let hs: Vec<_> = urls
            .iter()
            .map(|u| {
                let (http, market) = (&http, &market);
                sc.spawn(move || {
                    send(
                        http.post(format!("{u}/v1/licences/{id}/revoke"))
                            .bearer_auth(market)
                            .json(&json!({"reason": "吊销"})),
                    )
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut codes: Vec<u16> = answers.iter().map(|a| a.status).collect();
    codes.sort();
    assert_eq!(
        codes,
        [200, 409, 409],
        "one revocation across the nodes: {:?}",
        answers.iter().map(|a| &a.body).collect::<Vec<_>>()
    );
    assert_eq!(status_signatures() - before, 1, "the status list is re-signed once for the change");
    let v = send(http.get(format!("{}/v1/verify/licences/{id}?format=pdf", urls[1])).bearer_auth(&officer));
    assert_eq!(v.body["licence"]["status"], "revoked", "node B sees node A's revocation: {}", v.body);
    assert_eq!(v.body["indication"], "FAILED");
    let v = send(
        http.post(format!("{}/v1/verify", urls[2]))
            .bearer_auth(&officer)
            .body(pdf.to_vec())
            .header("content-type", "application/pdf"),
    );
    assert_eq!(v.body["licence"]["status"], "revoked", "node C sees it too: {}", v.body);
    let st = send(http.get(format!("{}/v1/status/{id}", urls[2])).bearer_auth(&officer));
    assert_eq!(st.body["status"], "revoked", "{}", st.body);

    // Archive: the matter's item, once.
    let a = send(http.put(format!("{lb}/v1/archive/items/{ITEM}")).bearer_auth(&admin).json(&item()));
    assert_eq!(a.status, 200, "{}", a.body);

    // 2. A mixed load through the balancer, and faults during it.
    let seen = Arc::new(Mutex::new(Seen::default()));
    for id in &first_ids {
        seen.lock().unwrap().issued.insert(format!("first-{id}"), id.clone());
    }
    seen.lock().unwrap().revoked.insert(id.clone());
    let stop = Arc::new(AtomicBool::new(false));
    let pending: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let (seen, stop, pending) = (seen.clone(), stop.clone(), pending.clone());
            let (lb, market, officer) = (lb.clone(), market.clone(), officer.clone());
            let pdf = pdf.clone();
            std::thread::spawn(move || {
                let http = Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
                let mut n = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let deadline = Instant::now() + Duration::from_secs(20);
                    match n % 4 {
                        0 | 1 => {
                            let key = format!("load-{w}-{n}");
                            let body = issue_body(1000 * w + n);
                            let f = || {
                                send(
                                    http.post(format!("{lb}/v1/licences"))
                                        .bearer_auth(&market)
                                        .header("Idempotency-Key", &key)
                                        .json(&body),
                                )
                            };
                            match until_ok(&seen, "issue", deadline, &f) {
                                Some(a) => {
                                    let id = a.body["identifier"].as_str().unwrap().to_string();
                                    seen.lock().unwrap().issued.insert(key, id);
                                }
                                None => pending.lock().unwrap().push((key, body)),
                            }
                        }
                        2 => {
                            let f = || {
                                send(
                                    http.post(format!("{lb}/v1/verify"))
                                        .bearer_auth(&officer)
                                        .header("content-type", "application/pdf")
                                        .body(pdf.to_vec()),
                                )
                            };
                            if let Some(a) = until_ok(&seen, "verify", deadline, &f) {
                                assert_eq!(a.body["licence"]["status"], "revoked");
                                seen.lock().unwrap().verifications += 1;
                            }
                        }
                        _ => {
                            if n % 8 == 3 {
                                let no = format!("TXN-{w}-{n}");
                                let body = ingest_body(&no);
                                let f = || {
                                    send(
                                        http.post(format!("{lb}/v1/archive/transactions"))
                                            .bearer_auth(&market)
                                            .json(&body),
                                    )
                                };
                                if let Some(a) = until_ok(&seen, "ingest", deadline, &f) {
                                    let id = a.body["id"].as_str().unwrap().to_string();
                                    seen.lock().unwrap().archived.insert(no, id);
                                }
                            } else {
                                let target = {
                                    let s = seen.lock().unwrap();
                                    s.issued.values().find(|i| !s.revoked.contains(*i)).cloned()
                                };
                                if let Some(id) = target {
                                    // With an idempotency key, a retried revocation whose first
                                    // attempt committed is answered as that attempt was.
                                    let key = format!("revoke-{id}");
                                    let f = || {
                                        send(
                                            http.post(format!("{lb}/v1/licences/{id}/revoke"))
                                                .bearer_auth(&market)
                                                .header("Idempotency-Key", &key)
                                                .json(&json!({"reason": "吊销"})),
                                        )
                                    };
                                    if until_ok(&seen, "revoke", deadline, &f).is_some() {
                                        seen.lock().unwrap().revoked.insert(id);
                                    }
                                }
                            }
                        }
                    }
                }
            })
        })
        .collect();

    let phase = |what: &str, secs: u64| {
        eprintln!("cluster: {what}");
        std::thread::sleep(Duration::from_secs(secs));
    };
    phase("load running", 3);
    phase("SIGKILL node b", 0);
    nodes[1].kill();
    phase("node b down", 3);
    nodes[1].start();
    phase("node b back; restarting PostgreSQL", 1);
    pg_restart();
    phase("PostgreSQL back", 3);
    s3.lock().unwrap().stop();
    phase("object store down for 10 s", 2);
    // Asked directly (not through the balancer), a node says why it cannot issue now: a 503
    // problem with Retry-After, nothing written.
    let probe = send(
        http.post(format!("{}/v1/licences", urls[0]))
            .bearer_auth(&market)
            .header("Idempotency-Key", "probe-while-store-down")
            .json(&issue_body(999_999)),
    );
    assert_eq!((probe.status, probe.problem), (503, true), "{}", probe.body);
    assert!(probe.retry_after.is_some(), "a 503 says when to retry");
    std::thread::sleep(Duration::from_secs(8));
    s3.lock().unwrap().restart();
    phase("object store back", 4);
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }

    // Recovery: what was not acknowledged is sent again with its key; then every acknowledged
    // write must be there.
    for n in &nodes {
        n.wait_ready();
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    for (key, body) in pending.lock().unwrap().drain(..) {
        let f = || {
            send(
                http.post(format!("{lb}/v1/licences")).bearer_auth(&market).header("Idempotency-Key", &key).json(&body),
            )
        };
        let a = until_ok(&seen, "issue (after recovery)", deadline, &f).expect("issuance after recovery");
        seen.lock().unwrap().issued.insert(key, a.body["identifier"].as_str().unwrap().to_string());
    }
    let seen = seen.lock().unwrap();
    eprintln!(
        "cluster: {} licences, {} revoked, {} archived, {} verifications; answers {:?}",
        seen.issued.len(),
        seen.revoked.len(),
        seen.archived.len(),
        seen.verifications,
        seen.kinds
    );
    assert!(seen.wrong.is_empty(), "answers that are not allowed: {:#?}", seen.wrong);
    assert!(seen.issued.len() > 10 && seen.verifications > 5, "the load ran: {:?}", seen.kinds);
    let ids: BTreeSet<&String> = seen.issued.values().collect();
    assert_eq!(ids.len(), seen.issued.len(), "one licence per idempotency key");
    // Every row, from the listing (status and document digests included).
    let mut listed = BTreeMap::new();
    let mut cursor = String::new();
    loop {
        let page = send(http.get(format!("{lb}/v1/licences?limit=500{cursor}")).bearer_auth(&market));
        assert_eq!(page.status, 200, "{}", page.body);
        for l in page.body["items"].as_array().unwrap() {
            listed.insert(l["identifier"].as_str().unwrap().to_string(), l.clone());
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    // No licence the clients did not ask for and none lost: the rows are the acknowledgements.
    assert_eq!(
        listed.keys().collect::<BTreeSet<_>>(),
        ids.iter().copied().collect::<BTreeSet<_>>(),
        "rows and acknowledgements agree"
    );
    // None half-written: each row's two documents are objects in the store, with their bytes.
    let bucket = s3.lock().unwrap().root().join(yinxin_store::blob_s3::testing::BUCKET).join("documents");
    for (id, l) in &listed {
        let want = if seen.revoked.contains(id) { "revoked" } else { "valid" };
        assert_eq!(l["status"], want, "{id}");
        for d in [l["pdf_sm3"].as_str().unwrap(), l["ofd_sm3"].as_str().unwrap()] {
            let bytes = std::fs::read(bucket.join(&d[..2]).join(d))
                .unwrap_or_else(|e| panic!("licence {id}'s document {d} is not in the object store: {e}"));
            assert_eq!(yinxin_gm::sm3::sm3(&bytes).to_hex(), d, "licence {id}'s document {d}");
        }
    }
    // And the service reads them back through the balancer; they are in the one log, with
    // inclusion proofs to its latest checkpoint.
    for id in ids.iter().take(12) {
        let p = send(http.get(format!("{lb}/v1/licences/{id}/proof")).bearer_auth(&market));
        assert_eq!(p.status, 200, "licence {id}'s log entries: {}", p.body);
        assert!(!p.body["entries"].as_array().unwrap().is_empty());
        for f in ["pdf", "ofd"] {
            let r = http.get(format!("{lb}/v1/licences/{id}/{f}")).bearer_auth(&market).send().unwrap();
            assert_eq!(r.status().as_u16(), 200, "licence {id}'s {f}");
        }
    }
    for (no, id) in &seen.archived {
        let t = send(http.get(format!("{lb}/v1/archive/transactions/{id}")).bearer_auth(&market));
        assert_eq!(t.status, 200, "archived {no}: {}", t.body);
    }
    let audit = send(http.get(format!("{lb}/v1/audit/verify")).bearer_auth(&admin));
    assert_eq!(audit.body["ok"], true, "one audit chain across the nodes: {}", audit.body);
    let patrol = send(http.post(format!("{lb}/v1/archive/patrol")).bearer_auth(&admin).json(&json!({})));
    assert_eq!(patrol.status, 200, "{}", patrol.body);
    assert_eq!(patrol.body["problems"], json!([]), "the patrol finds no drift: {}", patrol.body);
    assert_eq!(patrol.body["chain_ok"], true);
    drop(seen);
    for n in nodes.iter_mut() {
        n.kill();
    }
    psql(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
}
