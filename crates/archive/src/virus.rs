//! SEC-01: virus scanning through clamd (ClamAV), over its Unix socket with the INSTREAM
//! command. Three outcomes, never two: clean (pass), infected with the signature's name (fail),
//! or could not scan — no scanner configured, clamd down, a size limit — which is "not run" with
//! the reason, never a pass. The event names the engine and its database version.

use crate::check::{CheckResult, Family, Outcome};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

/// A clamd reachable over a Unix socket.
#[derive(Debug, Clone)]
pub struct Clamd {
    socket: PathBuf,
    timeout: Duration,
}

/// Bytes sent in one INSTREAM chunk.
const CHUNK: usize = 64 << 10;

impl Clamd {
    /// clamd at this socket, with a 60 s timeout per scan.
    pub fn new(socket: impl Into<PathBuf>) -> Self {
        Self { socket: socket.into(), timeout: Duration::from_secs(60) }
    }

    fn command(&self, cmd: &[u8], body: Option<&[u8]>) -> std::io::Result<String> {
        let mut s = UnixStream::connect(&self.socket)?;
        s.set_read_timeout(Some(self.timeout))?;
        s.set_write_timeout(Some(self.timeout))?;
        s.write_all(cmd)?;
        if let Some(body) = body {
            for c in body.chunks(CHUNK) {
                s.write_all(&(c.len() as u32).to_be_bytes())?;
                s.write_all(c)?;
            }
            s.write_all(&0u32.to_be_bytes())?;
        }
        let mut reply = Vec::new();
        s.take(64 << 10).read_to_end(&mut reply)?;
        let end = reply.iter().position(|&b| b == 0).unwrap_or(reply.len());
        Ok(String::from_utf8_lossy(&reply[..end]).trim().to_string())
    }

    /// `ClamAV 1.4.6/27000/…`: the engine and database versions.
    pub fn version(&self) -> std::io::Result<String> {
        self.command(b"zVERSION\0", None)
    }

    /// Whether clamd answers.
    pub fn ping(&self) -> bool {
        self.command(b"zPING\0", None).is_ok_and(|r| r == "PONG")
    }

    /// Scan bytes.
    pub fn scan(&self, bytes: &[u8]) -> CheckResult {
        let tool = self.version().unwrap_or_else(|_| "clamd (version unknown)".into());
        let result = |outcome, detail: String| CheckResult {
            id: "SEC-01".into(),
            family: Family::Security,
            outcome,
            detail,
            tool: tool.clone(),
        };
        match self.command(b"zINSTREAM\0", Some(bytes)) {
            Err(e) => result(
                Outcome::NotRun(format!("clamd at {} did not answer: {e}", self.socket.display())),
                String::new(),
            ),
            Ok(r) if r == "stream: OK" => result(Outcome::Pass, "no virus found".into()),
            Ok(r) => match r.strip_prefix("stream: ").and_then(|x| x.strip_suffix(" FOUND")) {
                Some(name) => result(Outcome::Fail, format!("infected: {name}")),
                None => result(Outcome::NotRun(format!("clamd could not scan it: {r}")), String::new()),
            },
        }
    }
}

/// SEC-01 when no scanner is configured: not run, and it says so.
pub fn not_configured() -> CheckResult {
    CheckResult::ours(
        "SEC-01",
        Family::Security,
        Outcome::NotRun("no virus scanner is configured (clamd socket)".into()),
        "",
    )
}

/// Scan with `clamd` if given.
pub fn scan(clamd: Option<&Clamd>, bytes: &[u8]) -> CheckResult {
    clamd.map(|c| c.scan(bytes)).unwrap_or_else(not_configured)
}
