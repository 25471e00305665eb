//! Errors as RFC 9457 problem documents (`application/problem+json`) with stable codes.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A problem document. Its `type` is `https://yinxin.invalid/problems/{code}`.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// Short summary.
    pub title: &'static str,
    /// HTTP status.
    pub status: u16,
    /// What happened, for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The stable code clients match on.
    pub code: &'static str,
    /// Every problem found, when there are several (field validation).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// Seconds to wait before retrying (429).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

/// Seconds a client is asked to wait after a 503 for a dependency that is down.
pub const RETRY_AFTER_SECONDS: u64 = 5;

impl Problem {
    /// A problem.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: Some(detail.into()),
            code,
            errors: Vec::new(),
            retry_after: None,
        }
    }
    /// 400.
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }
    /// 401.
    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", detail)
    }
    /// 403.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }
    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }
    /// 409.
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }
    /// 422 with every problem.
    pub fn invalid(code: &'static str, detail: impl Into<String>, errors: Vec<String>) -> Self {
        let mut p = Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, detail);
        p.errors = errors;
        p
    }
    /// 503 `issuance-unavailable`: something issuing needs is missing (the typeface, the
    /// department's seal or key); the detail says what, for the operator to fix.
    pub fn issuance_unavailable(reason: impl Into<String>) -> Self {
        let reason = reason.into();
        tracing::warn!(%reason, "issuance unavailable");
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "issuance-unavailable", reason)
    }
    /// 503 with `Retry-After`: a dependency (the database, the object store) is down for now;
    /// nothing was written and the same request may be made again. The detail is logged, not
    /// shown.
    pub fn unavailable(detail: impl std::fmt::Display) -> Self {
        tracing::warn!(error = %detail, "a dependency is unavailable");
        let mut p = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "dependency-unavailable",
            "a service this one depends on (database or object store) is unavailable; nothing was changed: retry later",
        );
        p.retry_after = Some(RETRY_AFTER_SECONDS);
        p
    }
    /// 500: the detail is logged, not shown.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "an internal error; it has been logged")
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        #[derive(Serialize)]
        struct Doc<'a> {
            #[serde(rename = "type")]
            kind: String,
            #[serde(flatten)]
            problem: &'a Problem,
        }
        let mut this = self;
        this.detail = this.detail.map(|d| withhold(&d));
        this.errors = this.errors.iter().map(|e| withhold(e)).collect();
        let doc = Doc { kind: format!("https://yinxin.invalid/problems/{}", this.code), problem: &this };
        let body = serde_json::to_vec(&doc).unwrap_or_default();
        let mut r = (status, body).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(s) = this.retry_after {
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        r
    }
}

/// A problem document's text with secrets withheld: a problem often names what the request
/// carried ("licence X not found", "uscc: X is not …"), and a request may carry a secret where
/// it does not belong (an ID number as a licence identifier, a token pasted into a field). So
/// any run of letters and digits that is a valid citizen ID number (GB 11643, with its check
/// character), or 32 or more hex digits (keys, tokens after their `yx_` prefix, the KEK), is
/// replaced by `[withheld]` before the document leaves. Licence identifiers, USCCs and type
/// codes are none of these and stay.
pub fn withhold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let hex = run.len() >= 32 && run.bytes().all(|b| b.is_ascii_hexdigit());
        let id = run.len() == 18 && yinxin_licence::codes::validate_citizen_id(run).is_ok();
        out.push_str(if hex || id { "[withheld]" } else { run });
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

impl From<yinxin_store::Error> for Problem {
    fn from(e: yinxin_store::Error) -> Self {
        match e {
            yinxin_store::Error::NotFound(what) => Problem::not_found(format!("{what} not found")),
            yinxin_store::Error::Conflict(what) => {
                Problem::conflict("concurrent_change", format!("{what}: another request changed it first; retry"))
            }
            e if e.is_transient() => Problem::unavailable(e),
            e => Problem::internal(e),
        }
    }
}

impl From<yinxin_licence::Error> for Problem {
    fn from(e: yinxin_licence::Error) -> Self {
        match e {
            yinxin_licence::Error::Fields(list) => {
                Problem::invalid("licence.fields", "the licence fields do not validate", list)
            }
            e @ (yinxin_licence::Error::Uscc { .. }
            | yinxin_licence::Error::CitizenId(_)
            | yinxin_licence::Error::Identifier { .. }
            | yinxin_licence::Error::IdentifierCheck { .. }) => {
                Problem::invalid("licence.invalid", e.to_string(), vec![])
            }
            yinxin_licence::Error::Unprintable(list) => Problem::invalid(
                "licence.unprintable",
                "the licence font has no glyph for some characters: the licence would show empty boxes",
                list.iter().map(ToString::to_string).collect(),
            ),
            yinxin_licence::Error::Unavailable(reason) => Problem::issuance_unavailable(reason),
            // Rendering, sealing, time-stamping, the catalogue: the service's own trouble.
            e => Problem::internal(e),
        }
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, Problem>;

#[cfg(test)]
mod tests {
    use super::withhold;

    #[test]
    fn secrets_are_withheld_and_identifiers_stay() {
        assert_eq!(withhold("licence 530102199001011231 not found"), "licence [withheld] not found");
        assert_eq!(
            withhold("token yx_129bbb268c68a4de09965be3ca3e3c42199fee7aca1d4101301b649da4de3376."),
            "token yx_[withheld]."
        );
        assert_eq!(withhold("kek 20b6be7e30f44fd95eef5edb4f12b1b4"), "kek [withheld]");
        // A licence identifier, a USCC, a type code, an 18-digit number that is no ID number.
        for keep in [
            "1153010011530100MB0123456A00100000000001",
            "91530100MA6K0X123J",
            "11530100MB0123456A001",
            "530102199001011232",
        ] {
            assert_eq!(withhold(keep), keep);
        }
    }
}
