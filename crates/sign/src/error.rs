//! The crate's error type. Each refusal carries a stable code for the API's problem documents.

/// Errors and refusals of the envelope rules and the two-party signing protocol.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An envelope action that its state, the actor's role or the signing order does not allow.
    #[error("envelope refused ({code}): {reason}")]
    Lifecycle {
        /// Stable machine code (`envelope.state`, `envelope.role`, `envelope.out_of_turn`, …).
        code: &'static str,
        /// What was asked, why it is refused, and what is allowed instead.
        reason: String,
    },
    /// An envelope that is not well formed (parties, order, fields).
    #[error("envelope is invalid: {0}")]
    Invalid(String),
    /// A handwritten signature that is not well formed or out of bounds.
    #[error("handwritten signature is invalid: {0}")]
    Handwriting(String),
    /// A two-party signing message that is refused: malformed, replayed, altered, out of turn, or
    /// a result that does not verify. The service changes nothing when it refuses one.
    #[error("two-party signing refused ({code}): {reason}")]
    Protocol {
        /// Stable machine code (`cosign.replayed`, `cosign.proof`, …).
        code: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// From the crypto layer.
    #[error(transparent)]
    Crypto(#[from] yinxin_gm::Error),
}

impl Error {
    /// A lifecycle refusal.
    pub(crate) fn lifecycle(code: &'static str, reason: impl Into<String>) -> Self {
        Error::Lifecycle { code, reason: reason.into() }
    }

    /// A protocol refusal.
    pub(crate) fn protocol(code: &'static str, reason: impl Into<String>) -> Self {
        Error::Protocol { code, reason: reason.into() }
    }
}

/// `Result` with [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
