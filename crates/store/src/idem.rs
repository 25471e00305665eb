//! Idempotency keys: a client that retries a create with the same `Idempotency-Key` gets the
//! first response again instead of a second licence. The key is recorded in the same transaction
//! as what it created, so a crash leaves either both or neither.

use crate::{Result, Tx};
use sqlx::Row;

/// A stored response.
#[derive(Debug, Clone)]
pub struct Stored {
    /// SM3 of the request that created it.
    pub request_sm3: String,
    /// HTTP status.
    pub status: u16,
    /// The JSON body.
    pub body: String,
}

/// The stored response for `(client, key)`.
pub async fn find(db: &crate::Db, client: &str, key: &str) -> Result<Option<Stored>> {
    let row = sqlx::query("SELECT request_sm3, status, body FROM idempotency WHERE client_id = $1 AND idem_key = $2")
        .bind(client)
        .bind(key)
        .fetch_optional(db.pool())
        .await?;
    Ok(match row {
        Some(r) => Some(Stored {
            request_sm3: r.try_get("request_sm3")?,
            status: r.try_get::<i64, _>("status")? as u16,
            body: r.try_get("body")?,
        }),
        None => None,
    })
}

/// Record the response in the caller's transaction. A unique violation means a concurrent
/// request with the same key won: roll back and replay its response.
pub async fn record(tx: &mut Tx, client: &str, key: &str, request_sm3: &str, status: u16, body: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO idempotency (client_id, idem_key, request_sm3, status, body, created) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(client)
    .bind(key)
    .bind(request_sm3)
    .bind(status as i64)
    .bind(body)
    .bind(crate::now_ts())
    .execute(tx.conn())
    .await?;
    Ok(())
}
