//! 亮证 in the service: status-list entries and their signed lists, the trust bundle offline
//! verifiers fetch, and the verifier the online endpoint uses (cached, rebuilt when a status
//! changes on this node and at least every [`CACHE_SECONDS`] otherwise, so that other nodes'
//! revocations are seen within that time).

use crate::app::App;
use crate::problem::{ApiResult, Problem};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use yinxin_present::bundle::{self, Bundle, Content, IssuerEntry};
use yinxin_present::status::{self, Bits, Status};
use yinxin_present::verify::Verifier;
use yinxin_present::{MIN_STATUS_ENTRIES, key_id};
use yinxin_store::repo::{self, Licence, StatusListRow};
use yinxin_store::{Tx, now_ts};

/// How long a built bundle and verifier are reused at most (seconds).
pub const CACHE_SECONDS: u64 = 10;

/// A built bundle and the verifier over it.
pub struct Built {
    /// The signed bundle (JSON).
    pub bundle: Arc<Vec<u8>>,
    /// The verifier.
    pub verifier: Arc<Verifier>,
    made: Instant,
    generation: u64,
}

/// The per-node cache.
#[derive(Default)]
pub struct PresentCache {
    built: tokio::sync::Mutex<Option<Arc<Built>>>,
    generation: AtomicU64,
}

impl PresentCache {
    /// A status changed here: the next request rebuilds.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

fn dept_kid(app: &App, code: &str) -> ApiResult<[u8; 8]> {
    app.keys
        .departments
        .get(code)
        .map(|d| key_id(d.cert.der()))
        .ok_or_else(|| Problem::internal(format!("no department {code} for a status list")))
}

/// Sign a list's bits now, valid for the configured time.
fn sign_row(app: &App, row: &mut StatusListRow, now: i64) -> ApiResult<()> {
    let bits = Bits::from_bytes(row.entries as u32, row.bits.clone()).map_err(Problem::internal)?;
    let expires = now + app.cfg.status_ttl_seconds as i64;
    let info = status::ListInfo {
        issuer_kid: dept_kid(app, &row.issuer_code)?,
        issuer_code: &row.issuer_code,
        list: row.list_id as u32,
        issued_at: now,
        expires_at: expires,
    };
    let signed = status::sign(&bits, &info, app.keys.service.1.as_ref(), key_id(app.keys.service.0.der()))
        .map_err(Problem::internal)?;
    app.metrics.signed("status-list", 1);
    row.signed = signed.bytes;
    row.issued_at = now;
    row.expires_at = expires;
    Ok(())
}

fn random_below(n: u32) -> ApiResult<u32> {
    let mut b = [0u8; 4];
    yinxin_gm::default_provider().fill_random(&mut b).map_err(Problem::internal)?;
    Ok(u32::from_le_bytes(b) % n)
}

/// The licence's status entry, drawn at random from its issuer's newest list on first use (a
/// new list is opened when the newest is three-quarters full, so that draws stay cheap).
pub async fn entry_for(app: &App, tx: &mut Tx, licence: &Licence) -> ApiResult<(u32, u32)> {
    if let Some((_, list, idx)) = repo::status_entry_tx(tx, &licence.identifier).await? {
        return Ok((list as u32, idx as u32));
    }
    let issuer = &licence.issuer_code;
    let now = now_ts();
    let mut row = match repo::lock_newest_status_list(tx, issuer).await? {
        Some(r) if r.used < r.entries * 3 / 4 => r,
        newest => {
            let list_id = newest.map(|r| r.list_id + 1).unwrap_or(0);
            let mut r = StatusListRow {
                issuer_code: issuer.clone(),
                list_id,
                entries: MIN_STATUS_ENTRIES.into(),
                used: 0,
                version: 0,
                bits: Bits::new(MIN_STATUS_ENTRIES).as_bytes().to_vec(),
                signed: Vec::new(),
                issued_at: 0,
                expires_at: 0,
            };
            sign_row(app, &mut r, now)?;
            repo::insert_status_list(tx, &r).await?;
            repo::lock_status_list(tx, issuer, list_id)
                .await?
                .ok_or_else(|| Problem::internal("a new status list vanished"))?
        }
    };
    for _ in 0..64 {
        let idx = random_below(row.entries as u32)?;
        if repo::insert_status_entry(tx, issuer, row.list_id, idx.into(), &licence.identifier).await? {
            row.used += 1;
            // The new entry is 0 (valid) already: the signed list stays as it is.
            repo::update_status_list(tx, &row).await?;
            return Ok((row.list_id as u32, idx));
        }
        if let Some((_, list, idx)) = repo::status_entry_tx(tx, &licence.identifier).await? {
            return Ok((list as u32, idx as u32));
        }
    }
    Err(Problem::internal("no free status entry found in 64 draws"))
}

/// A licence's status changed (inside the transaction that changed it): set its bits, if it has
/// an entry, and re-sign its list. True when a list changed: call [`PresentCache::changed`]
/// after the commit.
pub async fn status_changed(app: &App, tx: &mut Tx, licence_id: &str, status_name: &str) -> ApiResult<bool> {
    let Some((issuer, list, idx)) = repo::status_entry_tx(tx, licence_id).await? else {
        return Ok(false);
    };
    let s = Status::from_name(status_name).ok_or_else(|| Problem::internal(format!("status {status_name}")))?;
    let mut row = repo::lock_status_list(tx, &issuer, list)
        .await?
        .ok_or_else(|| Problem::internal("a status entry without its list"))?;
    let mut bits = Bits::from_bytes(row.entries as u32, row.bits).map_err(Problem::internal)?;
    bits.set(idx as u32, s);
    row.bits = bits.as_bytes().to_vec();
    sign_row(app, &mut row, now_ts())?;
    repo::update_status_list(tx, &row).await?;
    Ok(true)
}

/// A list, re-signed first when past half its lifetime (unless its bits changed meanwhile, in
/// which case that change signed a fresh one, which is read back).
async fn refreshed(app: &App, mut row: StatusListRow, now: i64) -> ApiResult<StatusListRow> {
    if now <= row.issued_at + app.cfg.status_ttl_seconds as i64 / 2 {
        return Ok(row);
    }
    sign_row(app, &mut row, now)?;
    if repo::resign_status_list(&app.db, &row).await? {
        return Ok(row);
    }
    repo::status_list(&app.db, &row.issuer_code, row.list_id)
        .await?
        .ok_or_else(|| Problem::internal("a status list vanished"))
}

/// Every list, fresh.
pub async fn fresh_lists(app: &App) -> ApiResult<Vec<StatusListRow>> {
    let now = now_ts();
    let mut out = Vec::new();
    for row in repo::status_lists(&app.db).await? {
        out.push(refreshed(app, row, now).await?);
    }
    Ok(out)
}

/// One list, fresh.
pub async fn fresh_list(app: &App, issuer: &str, list: i64) -> ApiResult<Option<StatusListRow>> {
    match repo::status_list(&app.db, issuer, list).await? {
        Some(row) => Ok(Some(refreshed(app, row, now_ts()).await?)),
        None => Ok(None),
    }
}

async fn build(app: &App) -> ApiResult<(Vec<u8>, Verifier)> {
    let lists = fresh_lists(app).await?;
    let now = now_ts();
    let crls = app.crls().await?;
    let mut issuers: Vec<IssuerEntry> = app
        .keys
        .departments
        .values()
        .map(|d| IssuerEntry {
            code: d.code.clone(),
            name: d.name.clone(),
            types: d.types.clone(),
            cert: B64.encode(d.cert.der()),
        })
        .collect();
    issuers.sort_by(|a, b| a.code.cmp(&b.code));
    let content = Content {
        format: bundle::FORMAT.into(),
        issued_at: now,
        expires_at: lists.iter().map(|l| l.expires_at).min().unwrap_or(now + app.cfg.status_ttl_seconds as i64),
        roots: app.keys.trust.anchors().iter().map(|c| B64.encode(c.der())).collect(),
        intermediates: app.keys.chain.iter().map(|c| B64.encode(c.der())).collect(),
        crls: crls.iter().map(|c| B64.encode(c.der())).collect(),
        issuers,
        status_signer: B64.encode(app.keys.service.0.der()),
        status_lists: lists.iter().map(|l| B64.encode(&l.signed)).collect(),
        log_checkpoint: crate::tlog::published(app).await?,
        type_names: app.catalogue.types().iter().map(|t| (t.type_code.clone(), t.name.clone())).collect(),
        revoked_readers: repo::revoked_readers(&app.db, now).await?,
    };
    let env = bundle::sign(&content, app.keys.service.1.as_ref(), &app.keys.service.0).map_err(Problem::internal)?;
    app.metrics.signed("trust-bundle", 1);
    let json = serde_json::to_vec(&env).map_err(Problem::internal)?;
    let t = time::OffsetDateTime::now_utc();
    let opened = Bundle::open(&json, None, t).map_err(Problem::internal)?;
    Ok((json, Verifier::new(&opened, t)))
}

/// The current bundle and verifier.
pub async fn current(app: &App) -> ApiResult<Arc<Built>> {
    let mut guard = app.present.built.lock().await;
    let generation = app.present.generation.load(Ordering::SeqCst);
    if let Some(b) = guard.as_ref()
        && b.generation == generation
        && b.made.elapsed().as_secs() < CACHE_SECONDS
    {
        return Ok(b.clone());
    }
    let (json, verifier) = build(app).await?;
    let b = Arc::new(Built { bundle: Arc::new(json), verifier: Arc::new(verifier), made: Instant::now(), generation });
    *guard = Some(b.clone());
    Ok(b)
}
