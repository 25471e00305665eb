//! Verification receipts: what the service signs when it answers a verification, and how anyone
//! checks one later.
//!
//! A verification answer is one JSON object whose members come in this order:
//! `{"indication":…,"licence":…,"receipt":{"payload":…,"signature":…,"certificate":…},"report":…}`.
//! The receipt's `payload` (base64) is UTF-8 JSON naming what was verified, when, the verdict,
//! the licence's status and transparency-log entry, and — since version 2 — the SM3 of the
//! report: `report_sm3`, over the bytes of the answer's `report` member exactly as sent (from the
//! character after `"report":` to the byte before the answer's closing brace; the report is the
//! last member). `signature` is SM2-with-SM3 (user ID 1234567812345678, DER, base64) over the
//! payload bytes under the service `certificate`. Signing the report's digest instead of a second
//! copy of it halves the answer.
//!
//! Version 1 receipts (issued before version 2; their payload has no `v` and carries the whole
//! report under `report`) stay readable: [`check`] accepts both.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;
use yinxin_gm::sm3::sm3;
use yinxin_gm::{Sm2Signature, UserId};

/// The receipt version the service issues.
pub const VERSION: u64 = 2;

/// The member that precedes the report in an answer (the report is the last member).
const REPORT_KEY: &[u8] = b",\"report\":";

/// The bytes of an answer's `report` member as sent: from after `"report":` to the closing brace.
/// `None` when the answer is not laid out as [`check`] documents.
pub fn report_text(answer: &[u8]) -> Option<&[u8]> {
    // Keys are the only places a quoted `"report":` can appear unescaped, and no member before
    // the report has a key of that name, so the first occurrence is the top-level member.
    let at = answer.windows(REPORT_KEY.len()).position(|w| w == REPORT_KEY)? + REPORT_KEY.len();
    let end = answer.iter().rposition(|b| !b.is_ascii_whitespace())?;
    (answer[end] == b'}' && at < end).then(|| &answer[at..end])
}

/// What a checked receipt says.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The receipt's version (1 or 2).
    pub version: u64,
    /// The signed payload, parsed.
    pub payload: Value,
    /// The certificate (PEM) that signed it; the caller decides whether it is the service's.
    pub certificate: String,
}

/// Check a verification answer's receipt: the SM2 signature over the payload under the enclosed
/// certificate, that the payload's verdict is the answer's, and that the report it signs is the
/// answer's report (version 2: its SM3 over the report's bytes as sent; version 1: the whole
/// report, compared as JSON). Whether the certificate is the service's is the caller's question.
pub fn check(answer: &[u8]) -> Result<Checked, String> {
    let v: Value = serde_json::from_slice(answer).map_err(|e| format!("the answer is not JSON: {e}"))?;
    let r = &v["receipt"];
    let field = |k: &str| r[k].as_str().ok_or_else(|| format!("the receipt has no {k}"));
    let payload = B64.decode(field("payload")?).map_err(|e| format!("payload: {e}"))?;
    let signature = B64.decode(field("signature")?).map_err(|e| format!("signature: {e}"))?;
    let certificate = field("certificate")?.to_string();
    let cert = yinxin_pki::Cert::from_pem_or_der(certificate.as_bytes()).map_err(|e| format!("certificate: {e}"))?;
    let key = cert.public_key.as_ref().map_err(|e| format!("certificate key: {e}"))?;
    let sig = Sm2Signature::from_der(&signature).map_err(|e| format!("signature: {e}"))?;
    yinxin_gm::provider::verify(key, UserId::DEFAULT, &payload, &sig)
        .map_err(|e| format!("the receipt's SM2 signature does not verify: {e}"))?;
    let p: Value = serde_json::from_slice(&payload).map_err(|e| format!("payload is not JSON: {e}"))?;
    if p["indication"] != v["indication"] {
        return Err(format!("the receipt says {} but the answer says {}", p["indication"], v["indication"]));
    }
    let version = p["v"].as_u64().unwrap_or(1);
    match version {
        1 => {
            if p["report"] != v["report"] {
                return Err("the version 1 receipt's report is not the answer's report".into());
            }
        }
        2 => {
            let text = report_text(answer).ok_or("the answer's report is not its last member")?;
            let want = p["report_sm3"].as_str().ok_or("the receipt has no report_sm3")?;
            let got = sm3(text).to_hex();
            if got != want {
                return Err(format!("the answer's report hashes to {got}, the receipt signs {want}"));
            }
        }
        n => return Err(format!("receipt version {n} is not known")),
    }
    Ok(Checked { version, payload: p, certificate })
}
