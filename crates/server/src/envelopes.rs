//! 电子签名 envelopes in the service: the rules of `yinxin-sign` composed with storage, keys and
//! documents. The routes (`routes/envelopes.rs` for organisers, `routes/signing.rs` for parties)
//! call into this module.
//!
//! - An envelope's documents get a blank last page when it is created: the page the closing
//!   seal's appearance fills with the signing report (签署报告). Adding it before any signature
//!   keeps every later change a permitted one (a further signature, ISO 32000-1 §12.8.2.2.2).
//! - A party signs with a two-party SM2 key (`yinxin_sign::cosign`): its device holds one share,
//!   the service the other, SM4-wrapped under the key-encryption key. The certificate over the
//!   joint public key is issued by the service's issuing CA at enrolment.
//! - When the last acting party has signed, the organiser's department closes every document:
//!   a time-stamped signature with its seal, locking the document (FieldMDP /P 1), whose
//!   appearance on the report page is the signing report. [`close`] is idempotent and is also
//!   run by a periodic task, so a crash between the last signature and the closing only delays
//!   it.

use crate::app::{App, random_hex};
use crate::problem::{ApiResult, Problem};
use serde::Serialize;
use serde_json::json;
use yinxin_sign::envelope::{ActionRequest, Actor, Envelope, EnvelopeState, PartyStatus};
use yinxin_store::audit::Entry;
use yinxin_store::envelopes::{self as rows, EnvelopeRow, Revision};
use yinxin_store::{Tx, now_ts};

/// How long a party's access lasts after the code (seconds).
pub const ACCESS_SECONDS: i64 = 30 * 60;
/// How long a one-time code lasts (seconds).
pub const CODE_SECONDS: i64 = 10 * 60;
/// Wrong codes before a new one must be asked for.
pub const CODE_ATTEMPTS: i64 = 5;
/// Codes a link may have sent in [`CODE_WINDOW`] seconds: with [`CODE_ATTEMPTS`] guesses each,
/// at most 25 guesses an hour against a million codes, and the party's phone hears of each.
pub const CODES_PER_WINDOW: i64 = 5;
/// The window of [`CODES_PER_WINDOW`] (seconds).
pub const CODE_WINDOW: i64 = 3600;
/// How long a signing session stays open (seconds).
pub const SESSION_SECONDS: i64 = 10 * 60;

/// The envelope in a row.
pub fn parse(row: &EnvelopeRow) -> ApiResult<Envelope> {
    serde_json::from_str(&row.body).map_err(|e| Problem::internal(format!("envelope {} does not parse: {e}", row.id)))
}

/// Load an envelope.
pub async fn load(app: &App, id: &str) -> ApiResult<(EnvelopeRow, Envelope)> {
    let row = rows::envelope_by_id(&app.db, id).await?.ok_or_else(|| Problem::not_found(format!("envelope {id}")))?;
    let e = parse(&row)?;
    Ok((row, e))
}

/// Write `e` over `row` (which must still be at its version) and return the new version.
pub async fn save(tx: &mut Tx, row: &EnvelopeRow, e: &Envelope) -> ApiResult<i64> {
    let body = serde_json::to_string(e).map_err(Problem::internal)?;
    Ok(rows::update_envelope(tx, &row.id, state_name(e.state()), &body, row.version, now_ts()).await?)
}

/// The state as stored and shown.
pub fn state_name(s: EnvelopeState) -> &'static str {
    match s {
        EnvelopeState::Draft => "draft",
        EnvelopeState::Sent => "sent",
        EnvelopeState::InProgress => "in_progress",
        EnvelopeState::Completed => "completed",
        EnvelopeState::Declined => "declined",
        EnvelopeState::Expired => "expired",
        EnvelopeState::Voided => "voided",
    }
}

/// Apply an action, mapping the rules' refusals to 409 problems with their stable codes.
pub fn apply(e: &mut Envelope, actor: Actor, req: ActionRequest) -> ApiResult<Vec<yinxin_sign::envelope::Event>> {
    e.apply(actor, req, time::OffsetDateTime::now_utc()).map_err(refusal)
}

/// A rule's refusal as a problem.
pub fn refusal(e: yinxin_sign::Error) -> Problem {
    match e {
        yinxin_sign::Error::Lifecycle { code, reason } => Problem::conflict(code, reason),
        yinxin_sign::Error::Protocol { code, reason } => Problem::conflict(code, reason),
        yinxin_sign::Error::Invalid(m) => Problem::invalid("envelope.invalid", m, vec![]),
        yinxin_sign::Error::Handwriting(m) => Problem::invalid("handwriting.invalid", m, vec![]),
        e => Problem::internal(e),
    }
}

/// An audit entry for something a party or the service did.
pub fn party_entry(actor: &str, action: &str, subject: &str, detail: serde_json::Value) -> Entry {
    Entry {
        seq: 0,
        at: now_ts(),
        actor: actor.to_string(),
        role: if actor == "system" { "system".into() } else { "party".into() },
        action: action.to_string(),
        subject: subject.to_string(),
        holder_code: None,
        detail: detail.to_string(),
    }
}

/// The latest revision of each document, by document index.
pub fn latest(revisions: &[Revision]) -> Vec<Revision> {
    let mut out: Vec<Revision> = Vec::new();
    for r in revisions {
        match out.iter_mut().find(|x| x.document == r.document) {
            Some(x) if x.seq < r.seq => *x = r.clone(),
            Some(_) => {}
            None => out.push(r.clone()),
        }
    }
    out.sort_by_key(|r| r.document);
    out
}

/// The latest revision of document `document`.
pub fn latest_of(revisions: &[Revision], document: i64) -> Option<&Revision> {
    revisions.iter().filter(|r| r.document == document).max_by_key(|r| r.seq)
}

/// The latest revision of a document as a PDF download.
pub async fn document_file(
    app: &App,
    row: &EnvelopeRow,
    e: &Envelope,
    index: usize,
) -> ApiResult<axum::response::Response> {
    let name =
        e.documents().get(index).map(|d| d.name.clone()).ok_or_else(|| Problem::not_found("no such document"))?;
    let revisions = rows::revisions(&app.db, &row.id).await?;
    let last = latest_of(&revisions, index as i64).ok_or_else(|| Problem::not_found("no such document"))?;
    let bytes = app.blobs.get(&last.sm3).await?;
    Ok(crate::routes::licences::file_response(bytes, "application/pdf", &format!("{name}.pdf")))
}

/// Queue a message to a party (SMS or mail in production; the outbox in development).
pub async fn message(tx: &mut Tx, to: &str, subject: String, body: String) -> ApiResult<()> {
    let m = rows::OutboxMessage {
        id: format!("msg-{}", random_hex(8)),
        recipient: to.to_string(),
        subject,
        body,
        created_at: now_ts(),
    };
    Ok(rows::send(tx, &m).await?)
}

/// A party as an organiser or another party sees it.
#[derive(Debug, Serialize)]
pub struct PartyView {
    /// Its index.
    pub index: usize,
    /// Its name.
    pub name: String,
    /// `sign`, `seal`, `approve`, `copy`.
    pub role: serde_json::Value,
    /// Its step.
    pub step: u32,
    /// `waiting`, `signed`, `declined`.
    pub status: &'static str,
    /// When it signed or declined (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// Every party's view.
pub fn party_views(e: &Envelope) -> Vec<PartyView> {
    e.parties()
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (status, at) = match &p.status {
                PartyStatus::Waiting => ("waiting", None),
                PartyStatus::Signed { at } => ("signed", Some(*at)),
                PartyStatus::Declined { at, .. } => ("declined", Some(*at)),
            };
            PartyView {
                index: i,
                name: p.spec.name.clone(),
                role: serde_json::to_value(p.spec.role).unwrap_or_default(),
                step: p.spec.step,
                status,
                at: at.and_then(|t| {
                    t.replace_nanosecond(0).ok()?.format(&time::format_description::well_known::Rfc3339).ok()
                }),
            }
        })
        .collect()
}

/// The signing report (签署报告): every party, when, how authenticated, from which device, and
/// the SM3 of every revision of every document.
pub fn report(app: &App, row: &EnvelopeRow, e: &Envelope, revisions: &[Revision]) -> serde_json::Value {
    json!({
        "envelope": row.id,
        "title": e.title(),
        "organiser": row.department,
        "organiser_name": organiser_name(app, row),
        "state": state_name(e.state()),
        "created_at": row.created_at,
        "parties": party_views(e),
        "documents": e.documents().iter().enumerate().map(|(i, d)| json!({
            "index": i,
            "name": d.name,
            "revisions": revisions.iter().filter(|r| r.document == i as i64).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// The organiser department's name (its code when it has no key here).
pub fn organiser_name(app: &App, row: &EnvelopeRow) -> String {
    app.keys.departments.get(&row.department).map_or_else(|| row.department.clone(), |d| d.name.clone())
}

/// The report's lines for the report page.
fn report_lines(
    organiser: &str,
    row: &EnvelopeRow,
    e: &Envelope,
    revisions: &[Revision],
    document: usize,
) -> Vec<yinxin_seal::picture::PanelLine> {
    use yinxin_seal::picture::PanelLine;
    let line = |t: String, px: f32, strong: bool| PanelLine { text: t, px, strong };
    let fmt = |ts: i64| {
        time::OffsetDateTime::from_unix_timestamp(ts)
            .ok()
            .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_default()
    };
    let mut out = vec![
        line("签署报告  Signing report".into(), 58.0, true),
        line(format!("文件：{}", e.title()), 34.0, false),
        line(format!("信封编号：{}    发起方：{organiser}（{}）", row.id, row.department), 28.0, false),
        line(String::new(), 14.0, false),
        line("签署方 Parties".into(), 36.0, true),
    ];
    for p in party_views(e) {
        let rev = revisions.iter().find(|r| r.document == document as i64 && r.party == Some(p.index as i64));
        let detail = rev.map(|r| &r.detail);
        out.push(line(
            format!(
                "{}. {}（第{}步，{}）{}",
                p.index + 1,
                p.name,
                p.step,
                p.role.as_str().unwrap_or(""),
                p.at.as_deref().map(|t| format!("  签署于 {t}")).unwrap_or_default()
            ),
            28.0,
            false,
        ));
        if let Some(d) = detail {
            out.push(line(
                format!(
                    "    认证：{}  设备：{}  证书序列号：{}",
                    d["auth"].as_str().unwrap_or("—"),
                    d["device"].as_str().unwrap_or("—"),
                    d["serial"].as_str().unwrap_or("—")
                ),
                22.0,
                false,
            ));
        }
    }
    out.push(line(String::new(), 14.0, false));
    out.push(line("文件版本 Revisions (SM3)".into(), 36.0, true));
    for r in revisions.iter().filter(|r| r.document == document as i64) {
        out.push(line(format!("{}. {}  {}  {}", r.seq, r.action, fmt(r.at), r.sm3), 20.0, false));
    }
    out.push(line(String::new(), 14.0, false));
    out.push(line("本页由发起方印章签署并锁定文件，其后任何改动都会使验证失败。".into(), 22.0, false));
    out.push(line("This page is signed with the organiser's seal, which locks the document.".into(), 22.0, false));
    out
}

/// Close a fully signed envelope: the organiser's seal on every document, over its report
/// page, time-stamped and locking it; then Completed. Idempotent: a document already closed
/// (its latest revision is `closed`) is not sealed again.
pub async fn close(app: &App, id: &str) -> ApiResult<bool> {
    let (row, mut e) = load(app, id).await?;
    if e.state() != EnvelopeState::InProgress || !e.all_signed() {
        return Ok(false);
    }
    let revisions = rows::revisions(&app.db, id).await?;
    let mut new_revisions = Vec::new();
    for last in latest(&revisions) {
        if last.action == "closed" {
            continue;
        }
        let pdf = app.blobs.get(&last.sm3).await?;
        let doc = last.document as usize;
        let lines = report_lines(&organiser_name(app, &row), &row, &e, &revisions, doc);
        let app2 = app.clone();
        let department = row.department.clone();
        let out = app
            .cpu_work(move || -> ApiResult<Vec<u8>> {
                let d = app2
                    .keys
                    .departments
                    .get(&department)
                    .ok_or_else(|| Problem::internal(format!("no signing key for department {department}")))?;
                let font = yinxin_seal::font::CjkFont::find().map_err(Problem::internal)?;
                let page = yinxin_doc::pdf::raster::page_sizes(&pdf).map_err(Problem::internal)?;
                let last_page =
                    page.len().checked_sub(1).ok_or_else(|| Problem::internal("a document without pages"))?;
                let size = page[last_page];
                let (w, h) = (1240u32, (1240.0 * size.height_pt / size.width_pt) as u32);
                let png = yinxin_seal::picture::text_panel(&lines, w, h, &font).map_err(Problem::internal)?;
                let now = time::OffsetDateTime::now_utc();
                let rect = yinxin_doc::pdf::sign::rect_mm_from_points(
                    &pdf,
                    last_page,
                    [0.0, 0.0, size.width_pt, size.height_pt],
                )
                .map_err(Problem::internal)?;
                let ap = yinxin_doc::pdf::sign::Appearance { page: last_page, rect_mm: rect, png: Some(png) };
                let options = yinxin_doc::pdf::sign::SignatureOptions {
                    lock: true,
                    reason: Some("签署完成，发起方盖章锁定"),
                    ..Default::default()
                };
                let prepared =
                    yinxin_doc::pdf::sign::prepare(&pdf, &ap, &d.name, now, &options).map_err(Problem::internal)?;
                let attrs = yinxin_seal::gmt0010::SignedAttributes::new(&prepared.covered_sm3().0, now, None);
                let sig = d.signer.sign(&attrs.to_be_signed()).map_err(Problem::internal)?;
                let cms = attrs
                    .assemble(&sig, &d.cert, &app2.keys.chain, now, Some(&app2.keys.tsa))
                    .map_err(Problem::internal)?;
                prepared.fill(&cms).map_err(Problem::internal)
            })
            .await??;
        let sm3 = app.blobs.put(&out).await?;
        new_revisions.push(Revision {
            document: last.document,
            seq: last.seq + 1,
            sm3,
            party: None,
            action: "closed".into(),
            detail: json!({"by": row.department, "lock": true}),
            at: now_ts(),
        });
    }
    let events = apply(&mut e, Actor::Service, ActionRequest::Complete)?;
    let mut tx = app.db.begin().await?;
    for r in &new_revisions {
        rows::insert_revision(&mut tx, id, r).await?;
    }
    save(&mut tx, &row, &e).await?;
    crate::webhooks::queue(&mut tx, id, state_name(e.state()), &events).await?;
    yinxin_store::audit::append(
        &mut tx,
        party_entry(
            "system",
            "envelope.complete",
            id,
            json!({"events": events.len(), "documents": new_revisions.len()}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Close every envelope whose parties have all signed but that is not closed yet (after a
/// crash between the last signature and its closing), and expire those past their deadline.
pub async fn tick(app: &App) -> ApiResult<()> {
    for row in rows::envelopes_in_state(&app.db, "in_progress", 100).await? {
        let e = parse(&row)?;
        if e.all_signed()
            && let Err(p) = close(app, &row.id).await
        {
            tracing::warn!(envelope = %row.id, "closing failed: {:?}", p.detail);
        }
    }
    let now = time::OffsetDateTime::now_utc();
    for state in ["sent", "in_progress"] {
        for row in rows::envelopes_in_state(&app.db, state, 100).await? {
            let mut e = parse(&row)?;
            if e.deadline() > now || e.all_signed() {
                continue;
            }
            if let Ok(events) = apply(&mut e, Actor::Service, ActionRequest::Expire) {
                let mut tx = app.db.begin().await?;
                save(&mut tx, &row, &e).await?;
                crate::webhooks::queue(&mut tx, &row.id, state_name(e.state()), &events).await?;
                yinxin_store::audit::append(&mut tx, party_entry("system", "envelope.expire", &row.id, json!({})))
                    .await?;
                tx.commit().await?;
            }
        }
    }
    crate::webhooks::deliver_due(app).await?;
    Ok(())
}

/// A random one-time link token (URL-safe) and its SM3.
pub fn new_link() -> (String, String) {
    let t = random_hex(24);
    let d = yinxin_gm::sm3::sm3(t.as_bytes()).to_hex();
    (t, d)
}
