//! The transparency log over HTTP, as C2SP `tlog-tiles` lays it out: the latest signed
//! checkpoint, hash tiles and entry bundles (full ones immutable and cacheable for a year,
//! partial ones briefly), and a licence's inclusion proofs (`GET /v1/licences/{id}/proof`).
//! The tree hash is SM3 (see `yinxin-tlog`); paths, widths and encodings are the spec's.

use crate::app::{App, Caller, Path};
use crate::problem::{ApiResult, Problem};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Serialize;
use yinxin_store::tlog as store;
use yinxin_tlog::Sm3;
use yinxin_tlog::checkpoint::SignedCheckpoint;
use yinxin_tlog::proof::{inclusion_nodes, inclusion_proof};
use yinxin_tlog::tile::{TILE_WIDTH, TilePath, tiles_for};
use yinxin_tlog::tlog_proof::TlogProof;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const SHORT: &str = "public, max-age=5";
const NO_CACHE: &str = "no-cache";

fn bytes(body: Vec<u8>, mime: &'static str, cache: &'static str) -> Response {
    ([(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, cache)], body).into_response()
}

async fn latest(app: &App) -> ApiResult<SignedCheckpoint> {
    if !app.tlog.enabled {
        return Err(Problem::not_found("the transparency log is off"));
    }
    let cp = store::latest_checkpoint(&app.db).await?.ok_or_else(|| Problem::not_found("no checkpoint yet"))?;
    SignedCheckpoint::parse_unverified(cp.note.as_bytes())
        .map_err(|e| Problem::internal(format!("stored checkpoint: {e}")))
}

/// GET /tlog/checkpoint: the latest signed checkpoint (a signed note); with witnesses
/// required, the latest one cosigned by their quorum.
pub async fn checkpoint(State(app): State<App>) -> ApiResult<Response> {
    if let Some(w) = &app.tlog.witnessing {
        let cp = w.published().ok_or_else(|| Problem::not_found("no checkpoint cosigned by the witnesses yet"))?;
        return Ok(bytes(cp, "text/plain; charset=utf-8", NO_CACHE));
    }
    let cp = latest(&app).await?;
    Ok(bytes(cp.to_bytes(), "text/plain; charset=utf-8", NO_CACHE))
}

/// GET /tlog/tile/{path}: a hash tile (`tile/<L>/<N>[.p/<W>]`) or an entry bundle
/// (`tile/entries/<N>[.p/<W>]`).
pub async fn tile(State(app): State<App>, Path(path): Path<String>) -> ApiResult<Response> {
    let parsed = TilePath::parse(&format!("tile/{path}"))
        .map_err(|_| Problem::not_found(format!("tile/{path} is not a tile path")))?;
    let gone = || Problem::not_found(format!("tile/{path}: the log has not grown that far"));
    match parsed {
        TilePath::Hashes(id) => {
            let t = store::tile(&app.db, id).await?.ok_or_else(gone)?;
            let cache = if u64::from(id.width) == TILE_WIDTH { IMMUTABLE } else { SHORT };
            Ok(bytes(t.to_bytes(), "application/octet-stream", cache))
        }
        TilePath::Entries(id) => {
            let b = store::bundle(&app.db, id.index, id.width).await?.ok_or_else(gone)?;
            let cache = if u64::from(id.width) == TILE_WIDTH { IMMUTABLE } else { SHORT };
            Ok(bytes(b.to_bytes(), "application/octet-stream", cache))
        }
    }
}

/// One entry of a licence with its inclusion proof.
#[derive(Serialize)]
pub struct ProvenEntry {
    /// Its index in the log.
    pub index: u64,
    /// What it records (`licence_issued`, `licence_revoked`, …).
    pub kind: &'static str,
    /// The entry's canonical encoding, base64.
    pub entry: String,
    /// The inclusion proof to the checkpoint, base64 hashes, the leaf's sibling first.
    pub inclusion: Vec<String>,
    /// The same as a C2SP `tlog-proof@v1` text (index, proof, checkpoint), for offline checks.
    pub tlog_proof: String,
}

/// The proofs of a licence.
#[derive(Serialize)]
pub struct LicenceProof {
    /// The licence.
    pub identifier: String,
    /// The tree size the proofs lead to.
    pub size: u64,
    /// The signed checkpoint of that size.
    pub checkpoint: String,
    /// The log's verifier key (`<origin>+<key id>+<base64>`).
    pub vkey: String,
    /// The licence's entries, oldest first.
    pub entries: Vec<ProvenEntry>,
}

fn kind_name(code: u8) -> &'static str {
    use yinxin_tlog::entry::EntryKind as K;
    match K::from_code(code) {
        Some(K::LicenceIssued) => "licence_issued",
        Some(K::LicenceReissued) => "licence_reissued",
        Some(K::LicenceSuspended) => "licence_suspended",
        Some(K::LicenceResumed) => "licence_resumed",
        Some(K::LicenceRevoked) => "licence_revoked",
        Some(K::SealMade) => "seal_made",
        Some(K::SealFiled) => "seal_filed",
        Some(K::SealSuspended) => "seal_suspended",
        Some(K::SealCancelled) => "seal_cancelled",
        Some(K::PersonCertIssued) => "person_cert_issued",
        Some(K::PersonCertCancelled) => "person_cert_cancelled",
        None => "other",
    }
}

/// The latest checkpoint as this node last read it, and the inclusion proofs to it it has
/// computed. Verifications ask for a licence's proof on every request; the checkpoint is read
/// again when it is older than [`ProofCache::FRESH`] or does not yet include an entry asked
/// for (so a revocation sequenced on another node is always in the proof of a receipt that
/// reports it), and a proof to a fixed tree size never changes, so proofs are kept until the
/// size does.
#[derive(Default)]
pub struct ProofCache {
    /// The checkpoint and when it was last read from (or found unchanged in) the database.
    head: std::sync::Mutex<Option<(std::time::Instant, std::sync::Arc<Head>)>>,
}

/// A checkpoint and the proofs to it.
pub struct Head {
    /// The checkpoint.
    pub checkpoint: SignedCheckpoint,
    /// Its tree size.
    pub size: u64,
    /// Its signed note, as proofs carry it.
    pub note: Vec<u8>,
    proofs: std::sync::Mutex<std::collections::HashMap<u64, Vec<yinxin_tlog::Hash>>>,
}

impl Head {
    /// Proofs kept per checkpoint at most.
    const MAX_PROOFS: usize = 4096;

    fn proof(&self, index: u64) -> Option<Vec<yinxin_tlog::Hash>> {
        self.proofs.lock().unwrap_or_else(|p| p.into_inner()).get(&index).cloned()
    }

    fn keep(&self, index: u64, proof: &[yinxin_tlog::Hash]) {
        let mut m = self.proofs.lock().unwrap_or_else(|p| p.into_inner());
        if m.len() < Self::MAX_PROOFS {
            m.insert(index, proof.to_vec());
        }
    }
}

impl ProofCache {
    /// How long a checkpoint read from the database is used before it is read again.
    pub const FRESH: std::time::Duration = std::time::Duration::from_secs(1);

    /// The latest checkpoint, of at least `min_size` entries when the database has one that
    /// large; None when the log has no checkpoint yet.
    async fn head(&self, app: &App, min_size: u64) -> ApiResult<Option<std::sync::Arc<Head>>> {
        if let Some((read, h)) = self.head.lock().unwrap_or_else(|p| p.into_inner()).as_ref()
            && read.elapsed() < Self::FRESH
            && h.size >= min_size
        {
            return Ok(Some(h.clone()));
        }
        let Some(stored) = store::latest_checkpoint(&app.db).await? else {
            return Ok(None);
        };
        let checkpoint = SignedCheckpoint::parse_unverified(stored.note.as_bytes())
            .map_err(|e| Problem::internal(format!("stored checkpoint: {e}")))?;
        let size = checkpoint.checkpoint().size;
        let mut guard = self.head.lock().unwrap_or_else(|p| p.into_inner());
        let now = std::time::Instant::now();
        // The same checkpoint as before keeps its proofs.
        if let Some((read, h)) = guard.as_mut()
            && h.size == size
        {
            *read = now;
            return Ok(Some(h.clone()));
        }
        let note = checkpoint.to_bytes();
        let h = std::sync::Arc::new(Head { checkpoint, size, note, proofs: Default::default() });
        *guard = Some((now, h.clone()));
        Ok(Some(h))
    }
}

/// Every entry of `identifier` with its inclusion proof to the latest checkpoint (as of at
/// most [`ProofCache::FRESH`] ago, and always one that includes every entry the licence has),
/// and that checkpoint; None when the log has no checkpoint yet.
pub async fn proofs_for(app: &App, identifier: &str) -> ApiResult<Option<(SignedCheckpoint, Vec<ProvenEntry>)>> {
    if !app.tlog.enabled {
        return Ok(None);
    }
    let mut logged = store::entries_for(&app.db, identifier).await?;
    // Issuance does not wait for its batch (every later action does): a licence with no
    // sequenced entry may have its issuance still waiting. Then wait for that batch, so the
    // answer has it. A licence already in the log costs no extra query here. Read the entries
    // again even when nothing is pending: a batch may have committed between the two reads
    // (the entry moved from pending to sequenced, and the first read saw neither).
    if logged.is_empty() {
        if store::pending_for(&app.db, identifier).await? > 0 {
            crate::tlog::sequenced(app).await;
        }
        logged = store::entries_for(&app.db, identifier).await?;
    }
    let newest = logged.iter().map(|e| e.index + 1).max().unwrap_or(0);
    let Some(head) = app.tlog.proofs.head(app, newest).await? else {
        return Ok(None);
    };
    let (cp, size, note) = (head.checkpoint.clone(), head.size, &head.note);
    let mut entries = Vec::new();
    for e in logged.into_iter().filter(|e| e.index < size) {
        let proof = match head.proof(e.index) {
            Some(p) => p,
            None => {
                let nodes = inclusion_nodes(e.index, size).map_err(Problem::internal)?;
                let ids = tiles_for(nodes.ids(), size).map_err(Problem::internal)?;
                let set = store::tile_set(&app.db, size, &ids).await?;
                let proof = inclusion_proof::<Sm3>(&set, e.index, size).map_err(Problem::internal)?;
                head.keep(e.index, &proof);
                proof
            }
        };
        let text = TlogProof { extra: None, index: e.index, proof: proof.clone(), checkpoint: note.clone() }.to_bytes();
        entries.push(ProvenEntry {
            index: e.index,
            kind: kind_name(e.kind),
            entry: B64.encode(&e.bytes),
            inclusion: proof.iter().map(|h| h.to_base64()).collect(),
            tlog_proof: String::from_utf8(text).map_err(Problem::internal)?,
        });
    }
    Ok(Some((cp, entries)))
}

/// GET /v1/licences/{id}/proof: every entry of the licence, each with an inclusion proof to
/// the latest checkpoint (for whoever may read the licence).
pub async fn licence_proof(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let l = crate::routes::licences::readable(&app, &caller, &id).await?;
    let (cp, entries) = proofs_for(&app, &l.identifier).await?.ok_or_else(|| {
        Problem::not_found(if app.tlog.enabled { "no checkpoint yet" } else { "the transparency log is off" })
    })?;
    if entries.is_empty() {
        return Err(Problem::not_found(format!("licence {id} has no entry in the log's latest checkpoint yet")));
    }
    let body = LicenceProof {
        identifier: l.identifier,
        size: cp.checkpoint().size,
        checkpoint: String::from_utf8(cp.to_bytes()).map_err(Problem::internal)?,
        vkey: app.tlog.vkey(),
        entries,
    };
    Ok(axum::Json(body).into_response())
}
