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
    /// Characters the licence's typeface cannot print (each field with its characters): the
    /// licence would show empty boxes, so it is not issued.
    #[error("characters the licence font cannot print: {}", .0.iter().map(|u| u.to_string()).collect::<Vec<_>>().join("; "))]
    Unprintable(Vec<Unprintable>),
    /// What issuing needs is not there (the typeface could not be loaded).
    #[error("issuing is unavailable: {0}")]
    Unavailable(String),
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

/// A field whose value holds characters the licence's typeface has no glyph for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unprintable {
    /// The field's key (or `issuer`, `use_cause`, `user` for what is not a surface field).
    pub field: String,
    /// The characters, each once, in order.
    pub characters: Vec<char>,
}

impl std::fmt::Display for Unprintable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list: Vec<String> = self.characters.iter().map(|c| format!("{c} (U+{:04X})", u32::from(*c))).collect();
        write!(f, "{}: {}", self.field, list.join(", "))
    }
}

/// `Result` with [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
