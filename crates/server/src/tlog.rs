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
//! - **Sequencing.** One task a process ([`Sequencer`]) takes every waiting entry (up to a
//!   batch) in one transaction: one tree update, one checkpoint a batch. It runs when woken and
//!   every [`TICK`] in any case (entries left by a crash, or queued on another node). While
//!   entries keep coming it lingers [`LINGER`] before a batch (group commit), so a batch takes
//!   many entries and the log costs issuance one INSERT, not a transaction each.
//! - **Issuance does not wait; status changes do.** Issuance wakes the sequencer and answers
//!   ([`sequence_soon`]): waiting for the batch cost a quarter of the throughput at 8
//!   connections (`benches/tlog-issuance.sh`). Suspension, resumption, revocation, seal and
//!   certificate events wait for their entry to be in a signed checkpoint ([`sequenced`]), so a
//!   revocation is in the log when its response leaves. Whoever asks for a licence's proof (`GET
//!   /v1/licences/{id}/proof`, a verification receipt) while one of its entries still waits
//!   gets it after that batch ([`crate::routes::tlog::proofs_for`]). If sequencing fails the
//!   action stands (its entry is durable and waiting) and the failure is logged; the next
//!   batch takes it.
//! - **Witnesses** ([`Witnessing`]). With `witness_quorum` > 0, after each batch (and on each
//!   tick while the latest checkpoint is unpublished) a publishing task beside the sequencer
//!   (so a slow witness never holds a batch) sends the latest checkpoint
//!   to every configured witness (`POST <url>/add-checkpoint`, C2SP `tlog-witness`) with a
//!   consistency proof from the size that witness last cosigned (learnt from its 409 answer
//!   after a restart), verifies each cosignature against the witness's key, and publishes the
//!   checkpoint at `/tlog/checkpoint` only when the [`CheckpointPolicy`] with that quorum
//!   accepts it. Until then the previously published checkpoint stays (none after a restart
//!   until the first round succeeds). Proofs (`/v1/licences/{id}/proof`, receipts) still go to
//!   the latest signed checkpoint, which may be ahead of the published one.

use crate::app::App;
use crate::problem::{ApiResult, Problem};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use yinxin_gm::Sm3Digest;
use yinxin_store::objects::ObjectStore;
use yinxin_store::repo::Licence;
use yinxin_store::{Db, Tx};
use yinxin_tlog::Sm3;
use yinxin_tlog::checkpoint::{CheckpointPolicy, SignedCheckpoint};
use yinxin_tlog::entry::{DigestKind, Entry, EntryKind, HolderKey};
use yinxin_tlog::note::NoteSigner;
use yinxin_tlog::note::{NoteSignature, NoteVerifier};
use yinxin_tlog::signature::{Sm2NoteSigner, Sm2NoteVerifier};
use yinxin_tlog::witness::AddCheckpoint;

/// How often the sequencer looks for waiting entries when nobody wakes it.
pub const TICK: Duration = Duration::from_secs(2);

/// How long the sequencer lingers for more entries when the last batch was under [`BUSY`] ago.
const LINGER: Duration = Duration::from_millis(50);

/// A batch this recent means entries are arriving steadily: the next one lingers.
const BUSY: Duration = Duration::from_millis(250);

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
    /// The witnesses, when a quorum of them must cosign before a checkpoint is published.
    pub witnessing: Option<Arc<Witnessing>>,
    /// Whether events are logged at all (`transparency_log`; see the configuration).
    pub enabled: bool,
    /// The latest checkpoint and proofs to it, as verifications ask for them.
    pub proofs: crate::routes::tlog::ProofCache,
}

/// Where the published log is mirrored as static files (`tlog_mirror_dir`), and how far.
pub struct Mirror {
    objects: Arc<dyn ObjectStore>,
    /// The tree size the mirror's checkpoint has.
    size: Mutex<u64>,
}

impl Mirror {
    /// The mirror in `objects`. A checkpoint already there must be this log's (its origin)
    /// and no larger than the log in the database: a mirror of another log, or of a database
    /// since restored from an older backup, is refused rather than overwritten.
    pub async fn open(db: &Db, objects: Arc<dyn ObjectStore>, origin: &str) -> Result<Arc<Self>, String> {
        let there = objects.get("checkpoint").await.map_err(|e| e.to_string())?;
        let size = match there {
            None => 0,
            Some(bytes) => {
                let cp = SignedCheckpoint::parse_unverified(&bytes)
                    .map_err(|e| format!("{}/checkpoint: {e}", objects.describe()))?;
                let c = cp.checkpoint();
                if c.origin != origin {
                    return Err(format!(
                        "{}/checkpoint is of the log {}, not {origin}: mirror this log elsewhere",
                        objects.describe(),
                        c.origin
                    ));
                }
                let head = yinxin_store::tlog::latest_checkpoint(db).await.map_err(|e| e.to_string())?;
                let here = head.map_or(0, |h| h.size);
                if c.size > here {
                    return Err(format!(
                        "{}/checkpoint has size {}, beyond the {here} entries in the database",
                        objects.describe(),
                        c.size
                    ));
                }
                c.size
            }
        };
        Ok(Arc::new(Self { objects, size: Mutex::new(size) }))
    }

    /// Write what the published checkpoint adds to the mirror (see
    /// [`yinxin_store::tlog::mirror`]). A failure is logged and retried on the next batch or tick.
    async fn sync(&self, db: &Db, published: Option<Vec<u8>>) {
        let Some(bytes) = published else { return };
        let Ok(cp) = SignedCheckpoint::parse_unverified(&bytes) else { return };
        let size = cp.checkpoint().size;
        let from = match self.size.lock() {
            Ok(m) if *m < size => *m,
            _ => return,
        };
        match yinxin_store::tlog::mirror(db, self.objects.as_ref(), from, size, &bytes).await {
            Ok(()) => {
                if let Ok(mut m) = self.size.lock() {
                    *m = size;
                }
            }
            Err(e) => {
                tracing::error!(to = %self.objects.describe(), size, error = %e, "transparency log: mirroring failed; retried on the next batch")
            }
        }
    }
}

/// The witnesses a checkpoint goes to, and the checkpoint last published with their quorum.
pub struct Witnessing {
    peers: Vec<Peer>,
    policy: CheckpointPolicy,
    published: RwLock<Option<(u64, Vec<u8>)>>,
    http: reqwest::Client,
}

struct Peer {
    name: String,
    url: String,
    verifier: Sm2NoteVerifier,
    /// The size it last cosigned, as far as this process knows.
    size: Mutex<Option<u64>>,
}

impl Witnessing {
    /// From the configuration: None when the quorum is 0.
    pub fn from_config(cfg: &crate::Config, origin: &str, log: &Sm2NoteSigner) -> Result<Option<Arc<Self>>, String> {
        if cfg.witness_quorum == 0 {
            return Ok(None);
        }
        let mut peers = Vec::new();
        let mut keys: Vec<Box<dyn NoteVerifier + Send + Sync>> = Vec::new();
        for w in &cfg.witnesses {
            let verifier = Sm2NoteVerifier::from_vkey(&w.vkey).map_err(|e| format!("witness {}: {e}", w.name))?;
            if verifier.name() != w.name {
                return Err(format!("witness {}: its vkey names {}", w.name, verifier.name()));
            }
            keys.push(Box::new(verifier.clone()));
            peers.push(Peer { name: w.name.clone(), url: w.url.clone(), verifier, size: Mutex::new(None) });
        }
        let policy = CheckpointPolicy {
            origin: origin.to_owned(),
            log_keys: vec![Box::new(log.verifier())],
            witnesses: keys,
            quorum: cfg.witness_quorum,
        };
        let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().map_err(|e| e.to_string())?;
        Ok(Some(Arc::new(Self { peers, policy, published: RwLock::new(None), http })))
    }

    /// Take up the checkpoint published before a restart.
    pub async fn restore(&self, db: &Db) -> Result<(), String> {
        let Some(p) = yinxin_store::tlog::published(db).await.map_err(|e| e.to_string())? else { return Ok(()) };
        // Published once, it stays published; but only under today's quorum is it served.
        let cp = SignedCheckpoint::parse_unverified(p.note.as_bytes()).map_err(|e| e.to_string())?;
        if self.policy.check(&cp).is_ok() {
            if let Ok(mut w) = self.published.write() {
                *w = Some((p.size, p.note.into_bytes()));
            }
        } else {
            tracing::warn!(
                size = p.size,
                "transparency log: the checkpoint published before the restart lacks today's witness quorum; publishing waits for the next round"
            );
        }
        Ok(())
    }

    /// The published checkpoint's bytes.
    pub fn published(&self) -> Option<Vec<u8>> {
        self.published.read().ok()?.as_ref().map(|(_, b)| b.clone())
    }

    fn published_size(&self) -> Option<u64> {
        self.published.read().ok()?.as_ref().map(|(s, _)| *s)
    }

    /// Send the latest checkpoint to the witnesses and publish it with their quorum.
    async fn round(&self, db: &Db) {
        let Ok(Some(stored)) = yinxin_store::tlog::latest_checkpoint(db).await else {
            return;
        };
        let Ok(mut cp) = SignedCheckpoint::parse_unverified(stored.note.as_bytes()) else {
            tracing::error!("transparency log: the stored checkpoint does not parse");
            return;
        };
        let size = cp.checkpoint().size;
        if self.published_size().is_some_and(|p| p >= size) {
            return;
        }
        let unsigned = cp.clone();
        for peer in &self.peers {
            match self.cosign(db, peer, &unsigned).await {
                Ok(sig) => {
                    if let Err(e) = cp.add_signature(sig) {
                        tracing::warn!(witness = %peer.name, error = %e, "transparency log: cosignature not added");
                    }
                }
                Err(e) => {
                    tracing::warn!(witness = %peer.name, size, error = %e, "transparency log: witness refused or unreachable")
                }
            }
        }
        match self.policy.check(&cp) {
            Ok(()) => {
                let bytes = cp.to_bytes();
                match String::from_utf8(bytes.clone()) {
                    Ok(text) => {
                        if let Err(e) = yinxin_store::tlog::set_published(db, size, &text).await {
                            tracing::error!(size, error = %e, "transparency log: the published checkpoint was not recorded");
                        }
                    }
                    Err(_) => tracing::error!(size, "transparency log: a cosigned checkpoint that is not UTF-8"),
                }
                if let Ok(mut p) = self.published.write() {
                    *p = Some((size, bytes));
                }
                tracing::info!(size, "transparency log: checkpoint published with its witnesses' cosignatures");
            }
            Err(e) => tracing::warn!(size, error = %e, "transparency log: checkpoint not published"),
        }
    }

    async fn cosign(&self, db: &Db, peer: &Peer, cp: &SignedCheckpoint) -> Result<NoteSignature, String> {
        let size = cp.checkpoint().size;
        let mut old = peer.size.lock().map_err(|e| e.to_string())?.unwrap_or(0);
        let url = format!("{}/add-checkpoint", peer.url.trim_end_matches('/'));
        for _ in 0..3 {
            if old > size {
                return Err(format!("the witness has cosigned size {old}, beyond this checkpoint's {size}"));
            }
            let proof = consistency(db, old, size).await?;
            let body = AddCheckpoint { old_size: old, proof, checkpoint: cp.to_bytes() }.to_bytes();
            let r = self.http.post(&url).body(body).send().await.map_err(|e| e.to_string())?;
            let status = r.status().as_u16();
            let text = r.text().await.map_err(|e| e.to_string())?;
            match status {
                200 => {
                    let note = cp.note().text().as_bytes();
                    for line in text.lines().filter(|l| !l.is_empty()) {
                        let sig = NoteSignature::parse_line(line).map_err(|e| e.to_string())?;
                        if sig.key_id == peer.verifier.key_id() && peer.verifier.verify(note, &sig.signature) {
                            *peer.size.lock().map_err(|e| e.to_string())? = Some(size);
                            return Ok(sig);
                        }
                    }
                    return Err("no valid cosignature in the answer".into());
                }
                409 => {
                    old = text.trim().parse().map_err(|_| format!("409 without a size: {text}"))?;
                    *peer.size.lock().map_err(|e| e.to_string())? = Some(old);
                }
                _ => return Err(format!("HTTP {status}: {}", text.trim())),
            }
        }
        Err("the witness kept answering 409".into())
    }
}

/// The published checkpoint's text: with witnesses required, the last one cosigned by their
/// quorum; otherwise the latest signed. None before the first.
pub async fn published(app: &App) -> ApiResult<Option<String>> {
    if !app.tlog.enabled {
        return Ok(None);
    }
    let bytes = published_bytes(&app.db, app.tlog.witnessing.as_deref()).await?;
    bytes.map(|b| String::from_utf8(b).map_err(|_| Problem::internal("a checkpoint that is not UTF-8"))).transpose()
}

async fn published_bytes(db: &Db, witnessing: Option<&Witnessing>) -> yinxin_store::Result<Option<Vec<u8>>> {
    Ok(match witnessing {
        Some(w) => w.published(),
        None => yinxin_store::tlog::latest_checkpoint(db).await?.map(|c| c.note.into_bytes()),
    })
}

/// The consistency proof from `old` to `new` out of the stored tiles.
async fn consistency(db: &Db, old: u64, new: u64) -> Result<Vec<yinxin_tlog::Hash>, String> {
    if old == 0 || old == new {
        return Ok(Vec::new());
    }
    let nodes = yinxin_tlog::proof::consistency_nodes(old, new).map_err(|e| e.to_string())?;
    let ids = yinxin_tlog::tile::tiles_for(nodes.ids(), new).map_err(|e| e.to_string())?;
    let set = yinxin_store::tlog::tile_set(db, new, &ids).await.map_err(|e| e.to_string())?;
    yinxin_tlog::proof::consistency_proof::<Sm3>(&set, old, new).map_err(|e| e.to_string())
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

/// The task that grows the log: what it needs.
pub struct Sequencer {
    /// The database.
    pub db: Db,
    /// The checkpoints' origin.
    pub origin: String,
    /// The checkpoint signer.
    pub signer: Arc<Sm2NoteSigner>,
    /// The witnesses, if any.
    pub witnessing: Option<Arc<Witnessing>>,
    /// The static mirror, if any.
    pub mirror: Option<Arc<Mirror>>,
}

impl Sequencer {
    /// Sequence whenever woken, and every [`TICK`]; answer each wake after the batch that
    /// follows it. After each batch (and on idle ticks) the witnesses are asked to cosign
    /// and the mirror gets what was published.
    pub async fn run(self, mut rx: mpsc::Receiver<Wake>) {
        let db = &self.db;
        // Publishing (witness rounds, the mirror) runs in a task of its own, told after each
        // batch and tick: a witness that answers slowly (up to its 5 s timeout) must not hold
        // the next batch, which a revocation's response waits for.
        let publish = std::sync::Arc::new(tokio::sync::Notify::new());
        if self.witnessing.is_some() || self.mirror.is_some() {
            tokio::spawn(publisher(db.clone(), self.witnessing.clone(), self.mirror.clone(), publish.clone()));
        }
        let mut tick = tokio::time::interval(TICK);
        let mut last_batch: Option<tokio::time::Instant> = None;
        loop {
            let mut waiting = Vec::new();
            tokio::select! {
                w = rx.recv() => match w {
                    Some(w) => waiting.push(w),
                    None => return,
                },
                _ = tick.tick() => {}
            }
            // Group commit: while entries keep coming (a batch ran moments ago), linger so
            // that one batch (one transaction, one signature) takes several; a lone entry on
            // a quiet service is sequenced at once.
            if !waiting.is_empty() && last_batch.is_some_and(|t| t.elapsed() < BUSY) {
                tokio::time::sleep(LINGER).await;
            }
            while let Ok(w) = rx.try_recv() {
                waiting.push(w);
            }
            // An idle tick costs two reads, not a write transaction.
            if !(waiting.is_empty() && idle(db).await) {
                let result = run_batches(db, &self.origin, &self.signer).await;
                last_batch = Some(tokio::time::Instant::now());
                if let Err(e) = &result {
                    tracing::error!(error = %e, "transparency log: sequencing failed; the entries wait for the next batch");
                }
                for w in waiting {
                    let _ = w.send(result.clone());
                }
            }
            // One stored permit: notifications while a round runs collapse into the next round.
            publish.notify_one();
        }
    }
}

/// Send the latest checkpoint to the witnesses and mirror what is published, whenever told.
async fn publisher(
    db: Db,
    witnessing: Option<Arc<Witnessing>>,
    mirror: Option<Arc<Mirror>>,
    told: Arc<tokio::sync::Notify>,
) {
    loop {
        told.notified().await;
        if let Some(w) = &witnessing {
            w.round(&db).await;
        }
        if let Some(m) = &mirror {
            match published_bytes(&db, witnessing.as_deref()).await {
                Ok(p) => m.sync(&db, p).await,
                Err(e) => tracing::error!(error = %e, "transparency log: reading the published checkpoint"),
            }
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

/// Queue `entry` in the caller's transaction (nothing when the log is off).
pub async fn enqueue(app: &App, tx: &mut Tx, entry: &Entry) -> ApiResult<()> {
    if !app.tlog.enabled {
        return Ok(());
    }
    let bytes = entry.encode().map_err(|e| Problem::internal(format!("log entry: {e}")))?;
    let e = yinxin_store::tlog::NewEntry { subject: entry.subject.clone(), kind: entry.kind as u8, bytes };
    yinxin_store::tlog::enqueue(tx, &e).await?;
    Ok(())
}

/// Wake the sequencer for the entries committed before this call, without waiting for it.
pub fn sequence_soon(app: &App) {
    if !app.tlog.enabled {
        return;
    }
    let (tx, _rx) = oneshot::channel();
    if let Err(mpsc::error::TrySendError::Closed(_)) = app.tlog.wake.try_send(tx) {
        tracing::error!("transparency log: the sequencer is not running");
    }
    // A full channel means wakes are already queued: the batch they start takes this entry.
}

/// Wait until the entries committed before this call are sequenced (see the module docs).
pub async fn sequenced(app: &App) {
    if !app.tlog.enabled {
        return;
    }
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
    e.reason = reason[..reason.floor_char_boundary(1024)].to_owned();
    Ok(e)
}

/// The entry of a seal action that goes in the log (make, file, suspend, cancel; None for
/// the others). The issuer is the owning department, so its monitor lists its seals; the
/// subject is the seal's ES ID (made seals have one), the holder the department's tag.
pub fn seal_action(
    app: &App,
    s: &yinxin_store::repo::SealRecord,
    action: yinxin_seal::lifecycle::Action,
    reason: &str,
) -> ApiResult<Option<Entry>> {
    use yinxin_seal::lifecycle::Action;
    let kind = match action {
        Action::Make => EntryKind::SealMade,
        Action::File => EntryKind::SealFiled,
        Action::Suspend => EntryKind::SealSuspended,
        Action::Cancel => EntryKind::SealCancelled,
        _ => return Ok(None),
    };
    let holder = app.tlog.holder.tag(&s.owner_code).map_err(|e| Problem::internal(format!("holder tag: {e}")))?;
    let mut e = Entry {
        kind,
        time: u64::try_from(yinxin_store::now_ts()).unwrap_or(0),
        issuer: s.owner_code.clone(),
        subject: s.es_id.clone().unwrap_or_else(|| s.id.clone()),
        subject_type: s.kind.clone(),
        holder,
        digests: Vec::new(),
        replaces: String::new(),
        reason: String::new(),
    };
    if kind == EntryKind::SealMade {
        let esl = s.esl.as_deref().ok_or_else(|| Problem::internal("a made seal without its ESL"))?;
        e.digests = vec![(DigestKind::Seal, yinxin_gm::sm3::sm3(esl))];
    }
    e.reason = reason[..reason.floor_char_boundary(1024)].to_owned();
    Ok(Some(e))
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

/// The entry of a person's signing certificate issued or cancelled: the issuer is the issuing
/// CA (its subject's CN), the subject the certificate's serial (hex), the holder the person's
/// tag, so a citizen's monitor lists every certificate issued in their name.
pub fn person_cert(app: &App, s: &yinxin_store::repo::Signer, kind: EntryKind) -> ApiResult<Entry> {
    let der = s.cert.as_deref().ok_or_else(|| Problem::internal("a signer without a certificate"))?;
    let serial = s.serial.clone().ok_or_else(|| Problem::internal("a signer without a serial"))?;
    let ca = &app.keys.issuing_ca.0;
    let issuer = ca.subject_attr("CN").unwrap_or_else(|| ca.subject());
    let holder = app.tlog.holder.tag(&s.holder_code).map_err(|e| Problem::internal(format!("holder tag: {e}")))?;
    Ok(Entry {
        kind,
        time: u64::try_from(yinxin_store::now_ts()).unwrap_or(0),
        issuer: issuer[..issuer.floor_char_boundary(128)].to_owned(),
        subject: serial,
        subject_type: "person-signing-certificate".into(),
        holder,
        digests: vec![(DigestKind::Certificate, yinxin_gm::sm3::sm3(der))],
        replaces: String::new(),
        reason: String::new(),
    })
}
