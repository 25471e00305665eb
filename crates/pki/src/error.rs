//! The crate's error type.

/// Errors from building or parsing PKI objects. Validation outcomes are not errors: they are
/// [`crate::report::Check`]s.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A certificate that does not parse.
    #[error("certificate does not parse: {0}")]
    CertificateFormat(String),
    /// A CRL that does not parse.
    #[error("CRL does not parse: {0}")]
    CrlFormat(String),
    /// A time-stamp request, response or token that does not parse.
    #[error("time-stamp structure does not parse: {0}")]
    TimestampFormat(String),
    /// A distinguished name that cannot be built or parsed.
    #[error("distinguished name is invalid: {0}")]
    Name(String),
    /// A time outside what X.509 can carry, or an unparsable time string.
    #[error("invalid time: {0}")]
    Time(String),
    /// A request that cannot be issued as asked (the reason is given).
    #[error("cannot issue: {0}")]
    Issue(String),
    /// A validation policy that does not parse or cannot be read.
    #[error("{0}")]
    Policy(String),
    /// ASN.1 encoding failed.
    #[error("DER encoding failed: {0}")]
    Encoding(#[from] der::Error),
    /// From the crypto layer.
    #[error(transparent)]
    Crypto(#[from] yinxin_gm::Error),
    /// Reading a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What happened.
        source: std::io::Error,
    },
}

/// `Result` with [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
