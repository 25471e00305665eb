//! The crate's error type.

/// Errors reading documents.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The package (zip) is broken or breaks a limit.
    #[error("package: {0}")]
    Package(String),
    /// An XML part does not parse or lacks what it must have.
    #[error("{file}: {detail}")]
    Xml {
        /// The part.
        file: String,
        /// What is wrong.
        detail: String,
    },
    /// A referenced part is missing.
    #[error("missing part {0}")]
    Missing(String),
}

/// `Result` with [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
