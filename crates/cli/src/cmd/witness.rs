//! `yinxin witness`: a witness of one transparency log, as its own process with its own SM2
//! key. It answers C2SP `tlog-witness` `add-checkpoint` (`POST /add-checkpoint`; body: `old
//! <size>`, the consistency proof's lines, a blank line, the checkpoint) with a
//! `tlog-cosignature` line, after `yinxin_tlog::witness` has checked the log's signature and
//! the consistency proof from the last checkpoint it cosigned. Refusals get the spec's status
//! (409 with the witness's size for a wrong old size, 422 for a fork or a failed proof);
//! evidence of misbehaviour (fork, inconsistent proof, rollback) is reported on stderr.
//!
//! The state (origin, size and root last cosigned) is kept in `--state` as JSON, written to a
//! temporary file, synced and renamed over the old one *before* the cosignature is released,
//! as the spec requires; requests are handled one at a time, so the check of the old size and
//! the update are atomic. Started, it prints `witness <vkey> listening on http://ADDR`.

use crate::io::{CliError, CliResult, EXIT_OK, PassphraseArgs, load_private_key};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use clap::Args;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use yinxin_gm::{UserId, default_provider};
use yinxin_tlog::Sm3;
use yinxin_tlog::note::NoteVerifier;
use yinxin_tlog::signature::{Sm2Kind, Sm2NoteSigner, Sm2NoteVerifier};
use yinxin_tlog::witness::{AddCheckpoint, TreeHead, Witness, WitnessError};

#[derive(Args)]
pub struct WitnessArgs {
    /// The log's URL (informational: the log pushes its checkpoints to this witness).
    #[arg(long)]
    log_url: Option<String>,
    /// The log's checkpoint verifier key (`<origin>+<key id>+<base64>`); its name is the origin.
    #[arg(long)]
    log_vkey: String,
    /// The witness's SM2 private key (PEM or DER).
    #[arg(long)]
    key: PathBuf,
    #[command(flatten)]
    pass: PassphraseArgs,
    /// The state file (created on the first cosignature).
    #[arg(long)]
    state: PathBuf,
    /// The witness's name (its cosignature key's name).
    #[arg(long, default_value = "yinxin-witness")]
    name: String,
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: String,
}

#[derive(Serialize, Deserialize)]
struct StateFile {
    origin: String,
    size: u64,
    /// The root, base64.
    root: String,
}

struct Inner {
    witness: Witness<Sm3>,
    origin: String,
    state: PathBuf,
}

type Shared = Arc<Mutex<Inner>>;

fn load_state(path: &Path, origin: &str) -> CliResult<Option<TreeHead>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(CliError::input(format!("{}: {e}", path.display()))),
    };
    let s: StateFile = serde_json::from_str(&text).map_err(|e| CliError::input(format!("{}: {e}", path.display())))?;
    if s.origin != origin {
        return Err(CliError::input(format!("{}: the state is for log {}, not {origin}", path.display(), s.origin)));
    }
    let root = yinxin_tlog::checkpoint::parse_hash(&s.root)
        .map_err(|e| CliError::input(format!("{}: root: {e}", path.display())))?;
    Ok(Some(TreeHead { size: s.size, root }))
}

/// Write the state to a temporary file beside it, sync, rename over it, sync the directory.
fn store_state(path: &Path, origin: &str, head: TreeHead) -> std::io::Result<()> {
    let s = StateFile { origin: origin.to_owned(), size: head.size, root: head.root.to_base64() };
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(serde_json::to_string(&s).map_err(std::io::Error::other)?.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

fn refuse(e: &WitnessError) -> Response {
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if e.is_misbehaviour() {
        eprintln!("witness: MISBEHAVIOUR by the log: {e}");
    }
    match e.conflict_body() {
        Some(body) => (status, [(header::CONTENT_TYPE, "text/x.tlog.size")], body).into_response(),
        None => (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{e}\n")).into_response(),
    }
}

async fn add_checkpoint(State(shared): State<Shared>, body: Bytes) -> Response {
    let req = match AddCheckpoint::parse(&body) {
        Ok(r) => r,
        Err(e) => return refuse(&WitnessError::Malformed(e)),
    };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let Ok(mut inner) = shared.lock() else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "state lock poisoned\n").into_response();
    };
    let c = match inner.witness.evaluate(&req, now) {
        Ok(c) => c,
        Err(e) => return refuse(&e),
    };
    if let Err(e) = store_state(&inner.state, &inner.origin, c.state) {
        return (StatusCode::INTERNAL_SERVER_ERROR, format!("cannot store the state: {e}\n")).into_response();
    }
    if let Err(e) = inner.witness.commit(&c) {
        return refuse(&e);
    }
    ([(header::CONTENT_TYPE, "text/x.tlog.cosignature")], c.response_body()).into_response()
}

pub fn run(a: WitnessArgs) -> CliResult {
    let log = Sm2NoteVerifier::from_vkey(&a.log_vkey).map_err(|e| CliError::usage(format!("--log-vkey: {e}")))?;
    if log.kind() != Sm2Kind::Note {
        return Err(CliError::usage("--log-vkey: not a checkpoint key"));
    }
    let origin = log.name().to_owned();
    let key = load_private_key(&a.key, &a.pass)?;
    let signer = default_provider().sm2_signer(&key, UserId::DEFAULT)?;
    let cosigner = Sm2NoteSigner::new(&a.name, Sm2Kind::Cosignature, signer)
        .map_err(|e| CliError::usage(format!("--name: {e}")))?;
    let state = load_state(&a.state, &origin)?;
    let mut witness = Witness::<Sm3>::new(cosigner);
    witness.follow(&origin, vec![Box::new(log)], state);
    let vkey = witness.verifier().vkey();
    let shared: Shared = Arc::new(Mutex::new(Inner { witness, origin: origin.clone(), state: a.state }));
    let router = axum::Router::new()
        .route("/add-checkpoint", axum::routing::post(add_checkpoint))
        .layer(axum::extract::DefaultBodyLimit::max(64 << 10))
        .with_state(shared);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::input(format!("cannot start the runtime: {e}")))?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&a.listen)
            .await
            .map_err(|e| CliError::input(format!("{}: {e}", a.listen)))?;
        let addr = listener.local_addr().map_err(|e| CliError::input(e.to_string()))?;
        println!("witness {vkey} listening on http://{addr}");
        let _ = std::io::stdout().flush();
        if let Some(u) = &a.log_url {
            eprintln!("witness: following {origin} at {u}; state at {size:?}", size = state.map(|s| s.size));
        }
        axum::serve(listener, router).await.map_err(|e| CliError::input(e.to_string()))
    })?;
    Ok(EXIT_OK)
}
