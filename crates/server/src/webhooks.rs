//! Webhooks for envelopes: every state change the rules report (sent, a party signed or
//! declined, completed, voided, expired) is posted to the organiser's receiver.
//!
//! - **Nothing is lost**: a delivery row is written in the transaction of the change it reports
//!   (the outbox pattern); a task posts due rows and retries failures with exponential backoff
//!   (5 s doubling, at most an hour apart). Receivers get each delivery's id in
//!   `Yinxin-Delivery` and drop repeats: a delivery can arrive twice if the service stops between
//!   posting and recording.
//! - **Authentic**: `Yinxin-Signature: sm2-sm3=<hex DER>` is the service's SM2 signature (user ID
//!   1234567812345678) over the body's bytes, checkable with the certificate `GET /v1/trust`
//!   serves; receivers that cannot do SM2 may give a secret at creation and check
//!   `Yinxin-Hmac-Sm3: <hex>` instead (HMAC-SM3, GB/T 15852.2 with SM3). The secret is stored
//!   SM4-wrapped.

use crate::app::{App, random_hex};
use crate::problem::{ApiResult, Problem};
use serde_json::json;
use yinxin_sign::envelope::{Event, EventKind};
use yinxin_store::envelopes::{self as rows, Delivery};
use yinxin_store::{Tx, now_ts};

/// Longest wait between two attempts (seconds).
pub const MAX_BACKOFF: i64 = 3600;

/// The name of the wrapped secret of an envelope's webhook.
pub fn secret_name(envelope_id: &str) -> String {
    format!("webhook:{envelope_id}")
}

fn event_name(k: &EventKind) -> Option<&'static str> {
    Some(match k {
        EventKind::Sent => "envelope.sent",
        EventKind::Signed => "envelope.signed",
        EventKind::Declined { .. } => "envelope.declined",
        EventKind::AllSigned => "envelope.all_signed",
        EventKind::Completed => "envelope.completed",
        EventKind::Voided { .. } => "envelope.voided",
        EventKind::Expired => "envelope.expired",
        EventKind::StepStarted { .. } => "envelope.step_started",
        _ => return None,
    })
}

/// Queue the deliveries `events` call for, in the transaction that records them.
pub async fn queue(tx: &mut Tx, envelope_id: &str, state: &str, events: &[Event]) -> ApiResult<()> {
    if rows::webhook_tx(tx, envelope_id).await?.is_none() {
        return Ok(());
    }
    let ms = yinxin_store::now_ms();
    for (k, ev) in events.iter().enumerate() {
        let Some(name) = event_name(&ev.kind) else { continue };
        // Ordered by the time of the change and the event's place in it; random after that.
        let id = format!("dlv-{ms:013}-{k:03}-{}", random_hex(6));
        let body = json!({
            "delivery": id,
            "envelope": envelope_id,
            "event": name,
            "party": ev.party,
            "detail": ev.kind,
            "state": state,
            "at": ev.at.unix_timestamp(),
        });
        rows::queue_delivery(
            tx,
            &Delivery {
                id,
                envelope_id: envelope_id.to_string(),
                event: name.to_string(),
                body: body.to_string(),
                attempts: 0,
                next_at: now_ts(),
                delivered_at: None,
                last_error: None,
            },
        )
        .await?;
    }
    Ok(())
}

/// Post the deliveries that are due; how many were accepted.
pub async fn deliver_due(app: &App) -> ApiResult<usize> {
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(Problem::internal)?;
    let mut ok = 0;
    for d in rows::due_deliveries(&app.db, now_ts(), 100).await? {
        let Some(hook) = rows::webhook(&app.db, &d.envelope_id).await? else { continue };
        let sig = app.keys.service.1.sign(d.body.as_bytes()).map_err(Problem::internal)?;
        let mut req = http
            .post(&hook.url)
            .header("content-type", "application/json")
            .header("yinxin-delivery", &d.id)
            .header("yinxin-event", &d.event)
            .header("yinxin-signature", format!("sm2-sm3={}", hex::encode(sig.to_der())))
            .body(d.body.clone());
        if let Some(w) = &hook.secret_wrapped {
            let secret =
                app.require_kek()?.unwrap_secret(&secret_name(&d.envelope_id), w).map_err(Problem::internal)?;
            req = req.header("yinxin-hmac-sm3", hex::encode(yinxin_gm::sm3::hmac_sm3(&secret, d.body.as_bytes())));
        }
        let outcome = match req.send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("HTTP {}", r.status().as_u16())),
            Err(e) => Err(e.to_string()),
        };
        match outcome {
            Ok(()) => {
                rows::delivery_attempted(&app.db, &d.id, Some(now_ts()), None, d.next_at).await?;
                ok += 1;
            }
            Err(e) => {
                let wait = (5i64 << d.attempts.clamp(0, 20)).min(MAX_BACKOFF);
                rows::delivery_attempted(&app.db, &d.id, None, Some(&e), now_ts() + wait).await?;
            }
        }
    }
    Ok(ok)
}
