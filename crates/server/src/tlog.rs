//! The service's transparency log: what it puts in, and the sequencer that grows the tree.
//! The rules (entries, tree, tiles, checkpoints) are `yinxin-tlog`'s; the tables are
//! `yinxin_store::tlog`'s; this module composes them with the service's keys and clock.
//!
//! - **Keys.** Checkpoints are signed with the service key through `yinxin-tlog`'s SM2 note
//!   signer, under the origin `<host of public_url>/log` (e.g. `yinxin.dev/log`); its verifier
//!   key is published beside the checkpoint. Holder codes go in as HMAC-SM3 tags under the
//!   log's holder key, 32 random bytes made on first start and kept wrapped under the KEK.
//! - **Entries are written with the action.** A handler queues its entry in the transaction
//!   that issues or changes the licence ([`enqueue`]), so neither commits without the other,
//!   even if the process dies before the sequencer runs.
//! - **Sequencing.** One task a process ([`sequencer`]) takes every waiting entry (up to a
//!   batch) in one transaction: one tree update, one checkpoint a batch. It runs when woken and
//!   every [`TICK`] in any case (entries left by a crash, or queued on another node).
//! - **Issuance waits for its entry to be sequenced** ([`sequenced`]): the response leaves
//!   only once the entry has an index in a signed checkpoint, so `GET /v1/licences/{id}/proof`
//!   answers at once and a receipt can carry the index. The wait is one batch (a few
//!   milliseconds; concurrent requests share it). If sequencing fails the action stands (its
//!   entry is durable and waiting) and the failure is logged; the next batch takes it.

use crate::app::App;
use crate::problem::{ApiResult, Problem};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use yinxin_gm::Sm3Digest;
use yinxin_store::repo::Licence;
use yinxin_store::{Db, Tx};
use yinxin_tlog::entry::{DigestKind, Entry, EntryKind, HolderKey};
use yinxin_tlog::note::NoteSigner;
use yinxin_tlog::signature::Sm2NoteSigner;

/// How often the sequencer looks for waiting entries when nobody wakes it.
pub const TICK: Duration = Duration::from_secs(2);

/// How long a request waits for its entry to be sequenced before answering anyway.
const WAIT: Duration = Duration::from_secs(10);

/// A request to sequence now; answered when the batch that follows it is committed.
pub type Wake = oneshot::Sender<Result<(), String>>;

/// The log as the service runs it.
pub struct Log {
    /// The origin line of its checkpoints.
    pub origin: String,
    /// Its checkpoint signer (the service key).
    pub signer: Arc<Sm2NoteSigner>,
    /// The holder-tag key.
    pub holder: HolderKey,
    /// Wakes the sequencer.
    pub wake: mpsc::Sender<Wake>,
}

impl Log {
    /// The verifier key to publish (`<origin>+<key id>+<base64>`).
    pub fn vkey(&self) -> String {
        self.signer.vkey()
    }
}

/// The log's origin for a service reachable at `public_url`: its host (and port), then `/log`.
pub fn origin_for(public_url: &str) -> String {
    let host = public_url.split_once("://").map_or(public_url, |(_, rest)| rest);
    let host = host.split('/').next().unwrap_or(host);
    format!("{}/log", if host.is_empty() { "yinxin" } else { host })
}

/// Sequence whenever woken, and every [`TICK`]; answer each wake after the batch that
/// follows it.
pub async fn sequencer(db: Db, origin: String, signer: Arc<Sm2NoteSigner>, mut rx: mpsc::Receiver<Wake>) {
    let mut tick = tokio::time::interval(TICK);
    loop {
        let mut waiting = Vec::new();
        tokio::select! {
            w = rx.recv() => match w {
                Some(w) => waiting.push(w),
                None => return,
            },
            _ = tick.tick() => {}
        }
        while let Ok(w) = rx.try_recv() {
            waiting.push(w);
        }
        // An idle tick costs two reads, not a write transaction.
        if waiting.is_empty() && idle(&db).await {
            continue;
        }
        let result = run_batches(&db, &origin, &signer).await;
        if let Err(e) = &result {
            tracing::error!(error = %e, "transparency log: sequencing failed; the entries wait for the next batch");
        }
        for w in waiting {
            let _ = w.send(result.clone());
        }
    }
}

/// Whether nothing waits and the tree has a checkpoint (a read error is not idle).
async fn idle(db: &Db) -> bool {
    matches!(yinxin_store::tlog::pending(db).await, Ok(0))
        && matches!(yinxin_store::tlog::latest_checkpoint(db).await, Ok(Some(_)))
}

/// Sequence until nothing waits (or a batch fails).
async fn run_batches(db: &Db, origin: &str, signer: &Sm2NoteSigner) -> Result<(), String> {
    loop {
        let sign = |cp: &yinxin_tlog::checkpoint::Checkpoint| {
            cp.sign(signer as &dyn NoteSigner).map(|s| s.to_bytes()).map_err(|e| e.to_string())
        };
        let batch = yinxin_store::tlog::sequence(db, origin, sign).await.map_err(|e| e.to_string())?;
        match batch {
            Some(b) if b.size - b.old_size == yinxin_store::tlog::MAX_BATCH as u64 => continue,
            _ => return Ok(()),
        }
    }
}

/// Queue `entry` in the caller's transaction.
pub async fn enqueue(tx: &mut Tx, entry: &Entry) -> ApiResult<()> {
    let bytes = entry.encode().map_err(|e| Problem::internal(format!("log entry: {e}")))?;
    let e = yinxin_store::tlog::NewEntry { subject: entry.subject.clone(), kind: entry.kind as u8, bytes };
    yinxin_store::tlog::enqueue(tx, &e).await?;
    Ok(())
}

/// Wait until the entries committed before this call are sequenced (see the module docs).
pub async fn sequenced(app: &App) {
    let (tx, rx) = oneshot::channel();
    if app.tlog.wake.send(tx).await.is_err() {
        tracing::error!("transparency log: the sequencer is not running");
        return;
    }
    match tokio::time::timeout(WAIT, rx).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(e))) => tracing::warn!(error = %e, "transparency log: the entry waits for the next batch"),
        _ => tracing::warn!("transparency log: no batch within the wait; the entry waits for the next batch"),
    }
}

fn digest(hex: &str) -> ApiResult<Sm3Digest> {
    Sm3Digest::from_hex(hex).ok_or_else(|| Problem::internal("a stored document digest is not SM3 hex"))
}

/// The entry of a licence issued (or, with `replaces`, re-issued).
pub fn licence_issued(app: &App, l: &Licence, replaces: Option<&str>) -> ApiResult<Entry> {
    let mut e =
        licence_entry(app, l, if replaces.is_some() { EntryKind::LicenceReissued } else { EntryKind::LicenceIssued })?;
    e.digests = vec![(DigestKind::Ofd, digest(&l.ofd_sm3)?), (DigestKind::Pdf, digest(&l.pdf_sm3)?)];
    e.replaces = replaces.unwrap_or_default().to_owned();
    Ok(e)
}

/// The entry of a status change (`suspend`, `resume`, `revoke`) with its reason.
pub fn licence_status(app: &App, l: &Licence, action: &str, reason: &str) -> ApiResult<Entry> {
    let kind = match action {
        "suspend" => EntryKind::LicenceSuspended,
        "resume" => EntryKind::LicenceResumed,
        "revoke" => EntryKind::LicenceRevoked,
        _ => return Err(Problem::internal(format!("no log entry for licence action {action}"))),
    };
    let mut e = licence_entry(app, l, kind)?;
    // The entry holds at most 1,024 bytes of reason (the API allows 500 characters, which in
    // Chinese can be more): cut at a character boundary.
    let mut end = reason.len().min(1024);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    e.reason = reason[..end].to_owned();
    Ok(e)
}

fn licence_entry(app: &App, l: &Licence, kind: EntryKind) -> ApiResult<Entry> {
    let holder = app.tlog.holder.tag(&l.holder_code).map_err(|e| Problem::internal(format!("holder tag: {e}")))?;
    Ok(Entry {
        kind,
        time: u64::try_from(yinxin_store::now_ts()).unwrap_or(0),
        issuer: l.issuer_code.clone(),
        subject: l.identifier.clone(),
        subject_type: l.type_code.clone(),
        holder,
        digests: Vec::new(),
        replaces: String::new(),
        reason: String::new(),
    })
}
