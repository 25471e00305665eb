//! The wallet (`/wallet`) and verifier (`/verifier`) pages and their assets, compiled into the
//! binary: nothing is fetched from outside the service (a content security policy says so to
//! the browser too).

use crate::problem::{ApiResult, Problem};
use axum::http::header;
use axum::response::{IntoResponse, Response};

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
                   media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// (name, content type, bytes).
const ASSETS: &[(&str, &str, &[u8])] = &[
    ("app.css", "text/css; charset=utf-8", include_bytes!("../assets/app.css")),
    ("i18n.js", "text/javascript; charset=utf-8", include_bytes!("../assets/i18n.js")),
    ("sm.js", "text/javascript; charset=utf-8", include_bytes!("../assets/sm.js")),
    ("wallet.js", "text/javascript; charset=utf-8", include_bytes!("../assets/wallet.js")),
    ("verifier.js", "text/javascript; charset=utf-8", include_bytes!("../assets/verifier.js")),
    ("present.js", "text/javascript; charset=utf-8", include_bytes!("../assets/present.js")),
    ("icon.svg", "image/svg+xml", include_bytes!("../assets/icon.svg")),
    ("qrcode.js", "text/javascript; charset=utf-8", include_bytes!("../assets/vendor/qrcode.js")),
    ("jsQR.js", "text/javascript; charset=utf-8", include_bytes!("../assets/vendor/jsQR.js")),
    ("cosign.js", "text/javascript; charset=utf-8", include_bytes!("../assets/cosign.js")),
    ("sign.js", "text/javascript; charset=utf-8", include_bytes!("../assets/sign.js")),
    ("sign.css", "text/css; charset=utf-8", include_bytes!("../assets/sign.css")),
];

fn page(html: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        html,
    )
        .into_response()
}

/// GET /wallet
pub async fn wallet() -> Response {
    page(include_str!("../assets/wallet.html"))
}

/// GET /sign/{token}: the party's signing page (the token is read by the page from its address).
pub async fn sign(axum::extract::Path(_token): axum::extract::Path<String>) -> Response {
    page(include_str!("../assets/sign.html"))
}

/// GET /verifier
pub async fn verifier() -> Response {
    page(include_str!("../assets/verifier.html"))
}

/// GET /verifier-sw.js: the verifier's service worker, at the root so that its scope covers
/// `/verifier` (it caches the page and its scripts for use with no network).
pub async fn verifier_sw() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        include_bytes!("../assets/verifier-sw.js").as_slice(),
    )
        .into_response()
}

/// GET /verifier.webmanifest: makes the verifier installable.
pub async fn verifier_manifest() -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/manifest+json"),
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        include_bytes!("../assets/verifier.webmanifest").as_slice(),
    )
        .into_response()
}

/// GET /assets/{name}
pub async fn asset(axum::extract::Path(name): axum::extract::Path<String>) -> ApiResult<Response> {
    let (_, ct, bytes) =
        ASSETS.iter().find(|(n, _, _)| *n == name).ok_or_else(|| Problem::not_found(format!("no asset {name}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, *ct),
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        *bytes,
    )
        .into_response())
}
