//! The crate's error type. Verification outcomes are report checks, not errors.

/// Errors from parsing, making and signing seals.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A structure that does not parse (the path and the reason are given).
    #[error("seal structure is malformed: {0}")]
    Format(String),
    /// A request that cannot be carried out as asked.
    #[error("{0}")]
    Invalid(String),
    /// A lifecycle transition that is not allowed.
    #[error("seal lifecycle: {0}")]
    Lifecycle(String),
    /// The CJK face: a configured font that cannot be used.
    #[error("font: {0}")]
    Font(String),
    /// Seal picture rendering or checking.
    #[error("seal picture: {0}")]
    Picture(String),
    /// From the crypto layer.
    #[error(transparent)]
    Crypto(#[from] yinxin_gm::Error),
    /// From the PKI layer.
    #[error(transparent)]
    Pki(#[from] yinxin_pki::Error),
}

/// `Result` with [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
