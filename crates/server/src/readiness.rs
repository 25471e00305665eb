//! What issuing needs, and what is missing of it: the typeface (built in, so only a configured
//! `YINXIN_SEAL_FONT` that cannot be loaded is missing), each department's signing key, and
//! each department's official seal in use with a picture to stamp. `yinxin serve` logs a line per
//! missing part at start; `/readyz` lists them; an issuance that meets one answers
//! `issuance-unavailable` with the same reason.
//!
//! Only a missing typeface makes the node unready (nothing can be issued anywhere). A department
//! whose seal is suspended is part of a seal's normal life and must not drain every node, so it
//! is listed while the node stays ready.

use crate::app::App;
use crate::problem::ApiResult;
use serde::Serialize;
use yinxin_store::repo;

/// A part issuing needs that is missing.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Lack {
    /// `font`, `keys` or `seal`.
    pub part: &'static str,
    /// The department it concerns, when it concerns one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// What is wrong, for the operator.
    pub reason: String,
}

/// The department's seal that seals licences, or why there is none fit to use. The outer error
/// is the database's; the inner one is the reason issuing cannot proceed.
pub async fn issuing_seal(app: &App, dept_code: &str) -> ApiResult<Result<yinxin_seal::Seal, String>> {
    let Some(row) = repo::issuing_seal(&app.db, dept_code).await? else {
        return Ok(Err(format!("department {dept_code} has no official seal in use")));
    };
    if row.state != "in_use" {
        return Ok(Err(format!("department {dept_code}'s seal {} is {}: it cannot seal", row.id, row.state)));
    }
    let seal = match yinxin_seal::Seal::parse(row.esl.as_deref().unwrap_or_default()) {
        Ok(s) => s,
        Err(e) => return Ok(Err(format!("department {dept_code}'s seal {} does not parse: {e}", row.id))),
    };
    if seal.picture.data.is_empty() {
        return Ok(Err(format!("department {dept_code}'s seal {} has no picture to stamp", row.id)));
    }
    Ok(Ok(seal))
}

/// Everything issuing lacks now.
pub async fn lacks(app: &App) -> ApiResult<Vec<Lack>> {
    let mut out = Vec::new();
    if let Err(e) = yinxin_seal::font::CjkFont::find() {
        out.push(Lack { part: "font", department: None, reason: e.to_string() });
    }
    if app.keys.departments.is_empty() {
        out.push(Lack {
            part: "keys",
            department: None,
            reason: "no department has a signing key: nothing can be issued (see the key directory and `departments` \
                     in the configuration)"
                .into(),
        });
    }
    let mut codes: Vec<&String> = app.keys.departments.keys().collect();
    codes.sort();
    for code in codes {
        if let Err(reason) = issuing_seal(app, code).await? {
            out.push(Lack { part: "seal", department: Some(code.clone()), reason });
        }
    }
    Ok(out)
}

/// Log a line for each missing part (at start), or one line saying issuing is ready.
pub async fn log_at_start(app: &App) {
    match lacks(app).await {
        Ok(l) if l.is_empty() => match yinxin_seal::font::CjkFont::find() {
            Ok(f) => tracing::info!(font = %f.source(), departments = app.keys.departments.len(), "issuing is ready"),
            Err(e) => tracing::warn!(error = %e, "issuing: the typeface cannot be loaded"),
        },
        Ok(l) => {
            for lack in l {
                tracing::warn!(
                    part = lack.part,
                    department = lack.department.as_deref().unwrap_or("-"),
                    "issuing is unavailable: {}",
                    lack.reason
                );
            }
        }
        Err(e) => tracing::warn!(error = ?e, "could not check what issuing needs"),
    }
}
