//! The tables of 电子签名 envelopes (see `yinxin-sign` for the rules): the envelope (its
//! `Envelope` as JSON, with a version for optimistic concurrency), every revision of every
//! document, each party's link, code, session and two-party key, the signing sessions, and the
//! outbox of messages to parties. Plain rows: the server composes them with the rules.

use crate::{Db, Error, Result, Tx};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// An envelope row.
#[derive(Debug, Clone)]
pub struct EnvelopeRow {
    /// `env-…`.
    pub id: String,
    /// The client that created it.
    pub organiser: String,
    /// The organiser's department code (whose seal closes it).
    pub department: String,
    /// Its state (copied from the body, for queries).
    pub state: String,
    /// `yinxin_sign::envelope::Envelope` as JSON.
    pub body: String,
    /// Increments with every change.
    pub version: i64,
    /// Created (Unix seconds).
    pub created_at: i64,
    /// Last changed (Unix seconds).
    pub updated_at: i64,
}

fn envelope(r: &AnyRow) -> Result<EnvelopeRow> {
    Ok(EnvelopeRow {
        id: r.try_get("id")?,
        organiser: r.try_get("organiser")?,
        department: r.try_get("department")?,
        state: r.try_get("state")?,
        body: r.try_get("body")?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

const ENVELOPE_COLS: &str = "id, organiser, department, state, body, version, created_at, updated_at";

/// Insert a new envelope (version 1).
pub async fn insert_envelope(tx: &mut Tx, e: &EnvelopeRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO envelopes (id, organiser, department, state, body, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6, $6)",
    )
    .bind(&e.id)
    .bind(&e.organiser)
    .bind(&e.department)
    .bind(&e.state)
    .bind(&e.body)
    .bind(e.created_at)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// An envelope by id.
pub async fn envelope_by_id(db: &Db, id: &str) -> Result<Option<EnvelopeRow>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {ENVELOPE_COLS} FROM envelopes WHERE id = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    r.as_ref().map(envelope).transpose()
}

/// An envelope by id, inside a transaction.
pub async fn envelope_tx(tx: &mut Tx, id: &str) -> Result<Option<EnvelopeRow>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {ENVELOPE_COLS} FROM envelopes WHERE id = $1")))
        .bind(id)
        .fetch_optional(tx.conn())
        .await?;
    r.as_ref().map(envelope).transpose()
}

/// Write a changed envelope if it is still at `read_version`; the new version. A conflict (another
/// node changed it since) is [`Error::Conflict`]: the caller reads again and retries or refuses.
pub async fn update_envelope(
    tx: &mut Tx,
    id: &str,
    state: &str,
    body: &str,
    read_version: i64,
    at: i64,
) -> Result<i64> {
    let done = sqlx::query(
        "UPDATE envelopes SET state = $1, body = $2, version = version + 1, updated_at = $3 \
         WHERE id = $4 AND version = $5",
    )
    .bind(state)
    .bind(body)
    .bind(at)
    .bind(id)
    .bind(read_version)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() != 1 {
        return Err(Error::Conflict(format!("envelope {id} changed since version {read_version}")));
    }
    Ok(read_version + 1)
}

/// The organiser's envelopes, newest first, after a cursor (an id).
pub async fn envelopes_of(db: &Db, organiser: &str, before: &str, limit: i64) -> Result<Vec<EnvelopeRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ENVELOPE_COLS} FROM envelopes WHERE organiser = $1 AND ($2 = '' OR id < $2) ORDER BY id DESC LIMIT $3"
    )))
    .bind(organiser)
    .bind(before)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(envelope).collect()
}

/// Envelopes in `state` (the closing and expiry tasks), at most `limit`.
pub async fn envelopes_in_state(db: &Db, state: &str, limit: i64) -> Result<Vec<EnvelopeRow>> {
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {ENVELOPE_COLS} FROM envelopes WHERE state = $1 LIMIT $2")))
            .bind(state)
            .bind(limit)
            .fetch_all(db.pool())
            .await?;
    rows.iter().map(envelope).collect()
}

/// A revision of a document.
#[derive(Debug, Clone, Serialize)]
pub struct Revision {
    /// The document's index in the envelope.
    pub document: i64,
    /// 0 for the original, then one a change.
    pub seq: i64,
    /// SM3 of the revision's bytes (its blob).
    pub sm3: String,
    /// The party whose signature made it, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<i64>,
    /// `original`, `signed`, `closed`.
    pub action: String,
    /// What the step recorded (JSON): signer, certificate serial, device, authentication.
    pub detail: serde_json::Value,
    /// When (Unix seconds).
    pub at: i64,
}

/// Record a revision.
pub async fn insert_revision(tx: &mut Tx, envelope_id: &str, r: &Revision) -> Result<()> {
    sqlx::query(
        "INSERT INTO envelope_revisions (envelope_id, document, seq, blob_sm3, party, action, detail, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(envelope_id)
    .bind(r.document)
    .bind(r.seq)
    .bind(&r.sm3)
    .bind(r.party)
    .bind(&r.action)
    .bind(r.detail.to_string())
    .bind(r.at)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Every revision of an envelope, by document then sequence.
pub async fn revisions(db: &Db, envelope_id: &str) -> Result<Vec<Revision>> {
    let rows = sqlx::query(
        "SELECT document, seq, blob_sm3, party, action, detail, at FROM envelope_revisions \
         WHERE envelope_id = $1 ORDER BY document, seq",
    )
    .bind(envelope_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let detail: String = r.try_get("detail")?;
            Ok(Revision {
                document: r.try_get("document")?,
                seq: r.try_get("seq")?,
                sm3: r.try_get("blob_sm3")?,
                party: r.try_get("party")?,
                action: r.try_get("action")?,
                detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
                at: r.try_get("at")?,
            })
        })
        .collect()
}

/// A party's access row.
#[derive(Debug, Clone, Default)]
pub struct PartyRow {
    /// The envelope.
    pub envelope_id: String,
    /// The party's index.
    pub party: i64,
    /// SM3 of the one-time link token.
    pub link_sm3: String,
    /// SM3 of the current one-time code.
    pub code_sm3: Option<String>,
    /// When the code expires (Unix seconds).
    pub code_expires: Option<i64>,
    /// Wrong codes entered since the last code was sent.
    pub code_attempts: i64,
    /// SM3 of the current access token.
    pub access_sm3: Option<String>,
    /// When it expires.
    pub access_expires: Option<i64>,
    /// The two-party key's enrolment identifier (hex).
    pub enrolment_id: String,
    /// The service's share, SM4-wrapped.
    pub share_wrapped: Option<Vec<u8>>,
    /// The certificate issued over the two-party public key (DER).
    pub cert: Option<Vec<u8>>,
}

fn party(r: &AnyRow) -> Result<PartyRow> {
    Ok(PartyRow {
        envelope_id: r.try_get("envelope_id")?,
        party: r.try_get("party")?,
        link_sm3: r.try_get("link_sm3")?,
        code_sm3: r.try_get("code_sm3")?,
        code_expires: r.try_get("code_expires")?,
        code_attempts: r.try_get("code_attempts")?,
        access_sm3: r.try_get("access_sm3")?,
        access_expires: r.try_get("access_expires")?,
        enrolment_id: r.try_get("enrolment_id")?,
        share_wrapped: r.try_get("share_wrapped")?,
        cert: r.try_get("cert")?,
    })
}

const PARTY_COLS: &str = "envelope_id, party, link_sm3, code_sm3, code_expires, code_attempts, access_sm3, \
                          access_expires, enrolment_id, share_wrapped, cert";

/// Insert a party's row (when the envelope is sent).
pub async fn insert_party(tx: &mut Tx, p: &PartyRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO envelope_parties (envelope_id, party, link_sm3, enrolment_id, code_attempts) \
         VALUES ($1, $2, $3, $4, 0)",
    )
    .bind(&p.envelope_id)
    .bind(p.party)
    .bind(&p.link_sm3)
    .bind(&p.enrolment_id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A party by the SM3 of its link token.
pub async fn party_by_link(db: &Db, link_sm3: &str) -> Result<Option<PartyRow>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PARTY_COLS} FROM envelope_parties WHERE link_sm3 = $1")))
        .bind(link_sm3)
        .fetch_optional(db.pool())
        .await?;
    r.as_ref().map(party).transpose()
}

/// The parties of an envelope.
pub async fn parties(db: &Db, envelope_id: &str) -> Result<Vec<PartyRow>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PARTY_COLS} FROM envelope_parties WHERE envelope_id = $1 ORDER BY party"
    )))
    .bind(envelope_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(party).collect()
}

/// Store a new one-time code (its SM3) and reset the attempts, if fewer than `max` codes were
/// sent in the window of `window` seconds that holds `now` (a new window starts when the last
/// one is over). Whether the code was stored.
pub async fn set_code(
    tx: &mut Tx,
    link_sm3: &str,
    code_sm3: &str,
    expires: i64,
    now: i64,
    window: i64,
    max: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE envelope_parties SET code_sm3 = $1, code_expires = $2, code_attempts = 0, \
         codes_sent = CASE WHEN codes_since + $4 <= $3 THEN 1 ELSE codes_sent + 1 END, \
         codes_since = CASE WHEN codes_since + $4 <= $3 THEN $3 ELSE codes_since END \
         WHERE link_sm3 = $5 AND (codes_since + $4 <= $3 OR codes_sent < $6)",
    )
    .bind(code_sm3)
    .bind(expires)
    .bind(now)
    .bind(window)
    .bind(link_sm3)
    .bind(max)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Count a wrong code.
pub async fn code_failed(tx: &mut Tx, link_sm3: &str) -> Result<()> {
    sqlx::query("UPDATE envelope_parties SET code_attempts = code_attempts + 1 WHERE link_sm3 = $1")
        .bind(link_sm3)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The code was right: spend it and open an access session.
pub async fn open_access(tx: &mut Tx, link_sm3: &str, access_sm3: &str, expires: i64) -> Result<()> {
    sqlx::query(
        "UPDATE envelope_parties SET code_sm3 = NULL, code_expires = NULL, code_attempts = 0, access_sm3 = $1, \
         access_expires = $2 WHERE link_sm3 = $3",
    )
    .bind(access_sm3)
    .bind(expires)
    .bind(link_sm3)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Store the party's two-party key: the wrapped service share and the certificate.
pub async fn set_key(tx: &mut Tx, link_sm3: &str, share_wrapped: &[u8], cert: &[u8]) -> Result<()> {
    sqlx::query("UPDATE envelope_parties SET share_wrapped = $1, cert = $2 WHERE link_sm3 = $3")
        .bind(share_wrapped)
        .bind(cert)
        .bind(link_sm3)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// A signing session row.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// The session id (hex, as in the protocol).
    pub id: String,
    /// The envelope.
    pub envelope_id: String,
    /// The party.
    pub party: i64,
    /// The document.
    pub document: i64,
    /// The revision the prepared one extends.
    pub base_seq: i64,
    /// `yinxin_sign::cosign::SignSession` as JSON.
    pub state: String,
    /// SM3 of the prepared PDF (a blob).
    pub prepared_sm3: String,
    /// The signed attributes (DER content of the SET).
    pub attrs: Vec<u8>,
    /// The strokes' canonical bytes.
    pub handwriting: Vec<u8>,
    /// The device, as its page described it.
    pub device: String,
    /// Created (Unix seconds).
    pub created_at: i64,
    /// Expires (Unix seconds).
    pub expires_at: i64,
}

fn session_row(r: &AnyRow) -> Result<SessionRow> {
    Ok(SessionRow {
        id: r.try_get("id")?,
        envelope_id: r.try_get("envelope_id")?,
        party: r.try_get("party")?,
        document: r.try_get("document")?,
        base_seq: r.try_get("base_seq")?,
        state: r.try_get("state")?,
        prepared_sm3: r.try_get("prepared_sm3")?,
        attrs: r.try_get("attrs")?,
        handwriting: r.try_get("handwriting")?,
        device: r.try_get("device")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
    })
}

const SESSION_COLS: &str = "id, envelope_id, party, document, base_seq, state, prepared_sm3, attrs, handwriting, device, created_at, expires_at";

/// Insert a signing session.
pub async fn insert_session(tx: &mut Tx, s: &SessionRow) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO sign_sessions ({SESSION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    )))
    .bind(&s.id)
    .bind(&s.envelope_id)
    .bind(s.party)
    .bind(s.document)
    .bind(s.base_seq)
    .bind(&s.state)
    .bind(&s.prepared_sm3)
    .bind(&s.attrs)
    .bind(&s.handwriting)
    .bind(&s.device)
    .bind(s.created_at)
    .bind(s.expires_at)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A session.
pub async fn session(db: &Db, id: &str) -> Result<Option<SessionRow>> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {SESSION_COLS} FROM sign_sessions WHERE id = $1")))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    r.as_ref().map(session_row).transpose()
}

/// Move a session from the state it was read in to `to`; a conflict if another request moved it
/// first (a replayed message racing the original).
pub async fn update_session(tx: &mut Tx, id: &str, from: &str, to: &str) -> Result<()> {
    let done = sqlx::query("UPDATE sign_sessions SET state = $1 WHERE id = $2 AND state = $3")
        .bind(to)
        .bind(id)
        .bind(from)
        .execute(tx.conn())
        .await?;
    if done.rows_affected() != 1 {
        return Err(Error::Conflict(format!("signing session {id} changed meanwhile")));
    }
    Ok(())
}

/// A message for a party.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxMessage {
    /// Its id.
    pub id: String,
    /// To whom (a phone number or address).
    pub recipient: String,
    /// What about.
    pub subject: String,
    /// The text.
    pub body: String,
    /// When (Unix seconds).
    pub created_at: i64,
}

/// Queue a message.
pub async fn send(tx: &mut Tx, m: &OutboxMessage) -> Result<()> {
    sqlx::query("INSERT INTO outbox (id, recipient, subject, body, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&m.id)
        .bind(&m.recipient)
        .bind(&m.subject)
        .bind(&m.body)
        .bind(m.created_at)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Messages to a recipient, newest first.
pub async fn outbox(db: &Db, recipient: &str, limit: i64) -> Result<Vec<OutboxMessage>> {
    let rows = sqlx::query(
        "SELECT id, recipient, subject, body, created_at FROM outbox WHERE recipient = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(recipient)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(OutboxMessage {
                id: r.try_get("id")?,
                recipient: r.try_get("recipient")?,
                subject: r.try_get("subject")?,
                body: r.try_get("body")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// Where an envelope's changes are posted.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// The receiver's URL.
    pub url: String,
    /// The HMAC-SM3 secret, SM4-wrapped.
    pub secret_wrapped: Option<Vec<u8>>,
}

/// Set an envelope's webhook.
pub async fn set_webhook(tx: &mut Tx, envelope_id: &str, w: &Webhook) -> Result<()> {
    sqlx::query("INSERT INTO envelope_webhooks (envelope_id, url, secret_wrapped) VALUES ($1, $2, $3)")
        .bind(envelope_id)
        .bind(&w.url)
        .bind(&w.secret_wrapped)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// An envelope's webhook, inside a transaction.
pub async fn webhook_tx(tx: &mut Tx, envelope_id: &str) -> Result<Option<Webhook>> {
    let r = sqlx::query("SELECT url, secret_wrapped FROM envelope_webhooks WHERE envelope_id = $1")
        .bind(envelope_id)
        .fetch_optional(tx.conn())
        .await?;
    r.map(|r| Ok(Webhook { url: r.try_get("url")?, secret_wrapped: r.try_get("secret_wrapped")? })).transpose()
}

/// An envelope's webhook.
pub async fn webhook(db: &Db, envelope_id: &str) -> Result<Option<Webhook>> {
    let r = sqlx::query("SELECT url, secret_wrapped FROM envelope_webhooks WHERE envelope_id = $1")
        .bind(envelope_id)
        .fetch_optional(db.pool())
        .await?;
    r.map(|r| Ok(Webhook { url: r.try_get("url")?, secret_wrapped: r.try_get("secret_wrapped")? })).transpose()
}

/// A delivery waiting or done.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    /// Its id (also sent, so receivers can drop repeats).
    pub id: String,
    /// The envelope.
    pub envelope_id: String,
    /// The event (`envelope.sent`, `envelope.signed`, …).
    pub event: String,
    /// The JSON body sent.
    pub body: String,
    /// Attempts so far.
    pub attempts: i64,
    /// Not before (Unix seconds).
    pub next_at: i64,
    /// When it was accepted.
    pub delivered_at: Option<i64>,
    /// The last failure.
    pub last_error: Option<String>,
}

/// Queue a delivery in the caller's transaction.
pub async fn queue_delivery(tx: &mut Tx, d: &Delivery) -> Result<()> {
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, envelope_id, event, body, attempts, next_at, created_at) \
         VALUES ($1, $2, $3, $4, 0, $5, $5)",
    )
    .bind(&d.id)
    .bind(&d.envelope_id)
    .bind(&d.event)
    .bind(&d.body)
    .bind(d.next_at)
    .execute(tx.conn())
    .await?;
    Ok(())
}

fn delivery(r: &AnyRow) -> Result<Delivery> {
    Ok(Delivery {
        id: r.try_get("id")?,
        envelope_id: r.try_get("envelope_id")?,
        event: r.try_get("event")?,
        body: r.try_get("body")?,
        attempts: r.try_get("attempts")?,
        next_at: r.try_get("next_at")?,
        delivered_at: r.try_get("delivered_at")?,
        last_error: r.try_get("last_error")?,
    })
}

/// Deliveries due at `now`, oldest first.
pub async fn due_deliveries(db: &Db, now: i64, limit: i64) -> Result<Vec<Delivery>> {
    let rows = sqlx::query(
        "SELECT id, envelope_id, event, body, attempts, next_at, delivered_at, last_error FROM webhook_deliveries \
         WHERE delivered_at IS NULL AND next_at <= $1 ORDER BY created_at, id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(delivery).collect()
}

/// An envelope's deliveries, oldest first.
pub async fn deliveries(db: &Db, envelope_id: &str) -> Result<Vec<Delivery>> {
    let rows = sqlx::query(
        "SELECT id, envelope_id, event, body, attempts, next_at, delivered_at, last_error FROM webhook_deliveries \
         WHERE envelope_id = $1 ORDER BY created_at, id",
    )
    .bind(envelope_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(delivery).collect()
}

/// Record an attempt: delivered, or failed with the next time to try.
pub async fn delivery_attempted(
    db: &Db,
    id: &str,
    delivered_at: Option<i64>,
    error: Option<&str>,
    next_at: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, delivered_at = $1, last_error = $2, next_at = $3 \
         WHERE id = $4",
    )
    .bind(delivered_at)
    .bind(error)
    .bind(next_at)
    .bind(id)
    .execute(db.pool())
    .await?;
    Ok(())
}
