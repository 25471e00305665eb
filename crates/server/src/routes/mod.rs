//! The API's handlers, one module per resource.

pub mod admin;
pub mod archive;
pub mod envelopes;
pub mod holders;
pub mod licences;
pub mod materials;
pub mod misc;
pub mod present;
pub mod seals;
pub mod signing;
pub mod tlog;
pub mod verify;

/// A stated reason (a status change, a seal action, a hold): trimmed, at most 500 characters
/// and no control characters (it is printed on documents and goes into the transparency log's
/// entry, which refuses them); empty only when `required` is false. The problem names `code`.
pub fn reason_text<'a>(raw: &'a str, required: bool, code: &'static str) -> crate::problem::ApiResult<&'a str> {
    // Control characters anywhere, before trimming: a tab or a newline at the end is one too.
    if raw.chars().any(char::is_control) {
        return Err(crate::problem::Problem::invalid(code, "the reason has a control character", vec![]));
    }
    let reason = raw.trim();
    if required && reason.is_empty() {
        return Err(crate::problem::Problem::invalid(code, "a reason is required", vec![]));
    }
    if reason.chars().count() > 500 {
        return Err(crate::problem::Problem::invalid(code, "the reason is at most 500 characters", vec![]));
    }
    Ok(reason)
}
