//! The crate's error type.

/// Errors about licences and their codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A unified social credit code that is malformed or fails its check character.
    #[error("unified social credit code {code:?}: {reason}")]
    Uscc {
        /// The code as given.
        code: String,
        /// What is wrong.
        reason: String,
    },
    /// A citizen identity number that is malformed or fails its check character.
    #[error("citizen identity number: {0}")]
    CitizenId(String),
    /// A licence identifier that is malformed.
    #[error("licence identifier {id:?}: {reason}")]
    Identifier {
        /// The identifier as given.
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// A catalogue entry that is malformed or inconsistent.
    #[error("licence catalogue: {0}")]
    Catalogue(String),
    /// Field values that do not satisfy their type (every problem is listed).
    #[error("licence fields: {}", .0.join("; "))]
    Fields(Vec<String>),
    /// Reading an export or writing the issued files and the journal failed.
    #[error("{0}")]
    Io(String),
    /// Issuing failed in a lower layer (rendering, sealing).
    #[error("issuing: {0}")]
    Issue(String),
    /// A well-formed identifier whose check character does not match.
    #[error("licence identifier {id:?}: check character is {found}, expected {expected}")]
    IdentifierCheck {
        /// The identifier as given.
        id: String,
        /// The character it carries.
        found: char,
        /// The character the rule gives.
        expected: char,
    },
}

/// `Result` with [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
