//! HTTPS with rustls, and mutual TLS: a department registered by its client certificate's
//! SHA-256 is identified by the certificate alone; an unregistered certificate and no
//! credentials are refused.

mod common;

use common::*;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use serde_json::{Value, json};

fn ca() -> (rcgen::Certificate, KeyPair, CertificateParams) {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name.push(DnType::CommonName, "yinxin test client CA");
    let k = KeyPair::generate().unwrap();
    (p.self_signed(&k).unwrap(), k, p)
}

fn leaf(names: &[&str], cn: &str, ca: &CertificateParams, ca_key: &KeyPair) -> (rcgen::Certificate, KeyPair) {
    let mut p = CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    let k = KeyPair::generate().unwrap();
    let issuer = rcgen::Issuer::from_params(ca, ca_key);
    (p.signed_by(&k, &issuer).unwrap(), k)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_and_client_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, ca_key, ca_params) = ca();
    let (server, server_key) = leaf(&["127.0.0.1", "localhost"], "yinxin test server", &ca_params, &ca_key);
    let (client, client_key) = leaf(&[], "某市市场监督管理局 API", &ca_params, &ca_key);
    let (stranger, stranger_key) = leaf(&[], "someone else", &ca_params, &ca_key);
    let w = |name: &str, text: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let tls = yinxin_server::config::Tls {
        cert: w("server.pem", server.pem()),
        key: w("server.key", server_key.serialize_pem()),
        client_ca: Some(w("ca.pem", ca.pem())),
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut cfg = config(&dir.path().join("data"), None);
    cfg.listen = format!("127.0.0.1:{port}");
    cfg.tls = Some(tls);
    tokio::spawn(yinxin_server::serve(cfg));
    let base = format!("https://127.0.0.1:{port}");
    let root = reqwest::Certificate::from_pem(ca.pem().as_bytes()).unwrap();
    let plain = reqwest::Client::builder().add_root_certificate(root.clone()).build().unwrap();
    let mut up = false;
    for _ in 0..100 {
        if plain.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(up, "the HTTPS service answers");
    let creds: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("data/dev-credentials.json")).unwrap()).unwrap();
    let admin = creds["admin"]["token"].as_str().unwrap();

    // Register the client certificate to the market regulator.
    let fp = hex::encode(ring::digest::digest(&ring::digest::SHA256, client.der()).as_ref());
    let r = plain
        .post(format!("{base}/v1/admin/clients"))
        .bearer_auth(admin)
        .json(&json!({"role": "department", "name": "市场监管局 API", "principal": "11530100MB0123456A", "cert_sha256": fp}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);

    let with = |cert: &rcgen::Certificate, key: &KeyPair| {
        let id = reqwest::Identity::from_pem(format!("{}{}", cert.pem(), key.serialize_pem()).as_bytes()).unwrap();
        reqwest::Client::builder().add_root_certificate(root.clone()).identity(id).build().unwrap()
    };
    // The certificate alone identifies the department: it may issue.
    let dept = with(&client, &client_key);
    let r = dept.post(format!("{base}/v1/licences")).json(&business(None)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap());
    let r = dept.get(format!("{base}/v1/licences")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // An unregistered certificate, and no credentials at all, are refused.
    let r = with(&stranger, &stranger_key).get(format!("{base}/v1/licences")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = plain.get(format!("{base}/v1/licences")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // Plain HTTP to the TLS port gets no answer.
    let r = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await;
    assert!(r.is_err() || !r.unwrap().status().is_success());
}
