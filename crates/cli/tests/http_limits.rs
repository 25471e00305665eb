//! The HTTP server against clients that hold connections or send too much before a handler
//! runs, through the real `yinxin serve` (its connection settings are made in `serve`):
//! - slow loris: headers trickled in are cut off after `header_read_timeout_seconds`;
//! - slow POST: a body trickled in gets 408 after `request_timeout_seconds`;
//! - a request head larger than `header_bytes`, or with more than `headers` fields: 431;
//!
//! and the service still answers afterwards. The limits are set small here; each test waits
//! for the server's answer with a deadline far above them (a bound, not a timing measurement).

use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn start(dir: &std::path::Path) -> (yinxin_tests::Served, String) {
    let config = dir.join("limits.toml");
    std::fs::write(
        &config,
        "[limits]\nheader_read_timeout_seconds = 1\nrequest_timeout_seconds = 2\nheader_bytes = 16384\nheaders = 40\n",
    )
    .unwrap();
    let served = yinxin_tests::serve(
        std::path::Path::new(env!("CARGO_BIN_EXE_yinxin")),
        &dir.join("data"),
        &["--config".as_ref(), config.as_os_str()],
        &[],
    );
    let addr = served.base.trim_start_matches("http://").to_string();
    (served, addr)
}

/// Send `head`, read the answer's status line (None when the server closed without one).
fn status_of(addr: &str, head: &[u8]) -> Option<String> {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    // The server may answer and close before it has read everything: a write error is fine.
    let _ = s.write_all(head);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    text.lines().next().filter(|l| l.starts_with("HTTP/")).map(str::to_string)
}

fn healthy(addr: &str) {
    let line = status_of(addr, b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    assert_eq!(line.as_deref(), Some("HTTP/1.1 200 OK"));
}

/// Send `prefix` at once, then trickle `rest` four bytes at a time (about 20 bytes a second);
/// returns how long until the server closed the connection (with what it answered), or None
/// if it kept the connection past `deadline`.
fn trickle(addr: &str, prefix: &[u8], rest: &[u8], deadline: Duration) -> (Option<Duration>, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let start = Instant::now();
    let mut got = Vec::new();
    s.write_all(prefix).unwrap();
    for chunk in rest.chunks(4).cycle() {
        if start.elapsed() > deadline {
            return (None, String::from_utf8_lossy(&got).into_owned());
        }
        if s.write_all(chunk).is_err() {
            return (Some(start.elapsed()), String::from_utf8_lossy(&got).into_owned());
        }
        let mut buf = [0u8; 1024];
        match s.read(&mut buf) {
            Ok(0) => return (Some(start.elapsed()), String::from_utf8_lossy(&got).into_owned()),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return (Some(start.elapsed()), String::from_utf8_lossy(&got).into_owned()),
        }
    }
    unreachable!()
}

#[test]
fn slow_and_oversized_requests_are_cut_off_and_the_service_stays_up() {
    let dir = tempfile::tempdir().unwrap();
    let (_served, addr) = start(dir.path());
    healthy(&addr);

    // Slow loris: a header line every 200 ms, never ending. Closed once the header timeout
    // (1 s) passes, well before the 20 s the client would go on for.
    let mut head = b"GET /healthz HTTP/1.1\r\nHost: t\r\n".to_vec();
    for i in 0..1000 {
        head.extend_from_slice(format!("X-Pad-{i}: a\r\n").as_bytes());
    }
    let (closed, _) = trickle(&addr, b"", &head, Duration::from_secs(20));
    assert!(closed.is_some(), "a trickled request head kept its connection for 20 s");

    // Slow POST: complete headers, then a body a few bytes at a time: 408 after the request
    // timeout (2 s).
    let creds: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("data/dev-credentials.json")).unwrap()).unwrap();
    let officer = creds["officer"]["token"].as_str().unwrap();
    let post = format!(
        "POST /v1/verify HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {officer}\r\nContent-Type: application/pdf\r\nContent-Length: 1000000\r\n\r\n"
    )
    .into_bytes();
    let body = vec![b'%'; 1_000_000];
    let (closed, answer) = trickle(&addr, &post, &body, Duration::from_secs(20));
    assert!(closed.is_some(), "a trickled body kept its connection for 20 s");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");

    // A request head beyond 16 KiB, and one with more fields than allowed: 431.
    let big = format!("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: {}\r\n\r\n", "a".repeat(40_000));
    assert_eq!(status_of(&addr, big.as_bytes()).as_deref(), Some("HTTP/1.1 431 Request Header Fields Too Large"));
    let mut many = String::from("GET /healthz HTTP/1.1\r\nHost: t\r\n");
    for i in 0..60 {
        many.push_str(&format!("X-F{i}: b\r\n"));
    }
    many.push_str("\r\n");
    assert_eq!(status_of(&addr, many.as_bytes()).as_deref(), Some("HTTP/1.1 431 Request Header Fields Too Large"));

    // And the service answers as before.
    healthy(&addr);
}
