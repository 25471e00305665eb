//! One error type for the crate: precise, matchable, and free of secrets.

/// Everything that can go wrong in yinxin-gm.
///
/// Variants are specific on purpose: a verifier reports *why* a signature or key was refused
/// (r out of range, a non-canonical DER length, a point off the curve), never just "invalid".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The signature bytes end before the structure does.
    #[error("SM2 signature is truncated")]
    SignatureTruncated,
    /// The signature is DER-shaped but breaks a DER rule (the rule is named).
    #[error("SM2 signature is not canonical DER: {0}")]
    SignatureNotCanonical(&'static str),
    /// Neither a DER `SEQUENCE { r, s }` nor 64 raw bytes.
    #[error("SM2 signature has {0} bytes and is neither DER nor raw r||s (64 bytes)")]
    SignatureEncoding(usize),
    /// r is 0 or not below the group order n.
    #[error("SM2 signature r is outside [1, n-1]")]
    SignatureROutOfRange,
    /// s is 0 or not below the group order n.
    #[error("SM2 signature s is outside [1, n-1]")]
    SignatureSOutOfRange,
    /// The signature is well formed but does not verify for this key, user ID and message.
    #[error("SM2 signature does not verify")]
    SignatureMismatch,
    /// A public key's coordinates do not satisfy the SM2 curve equation.
    #[error("SM2 public key point is not on the curve")]
    PointNotOnCurve,
    /// The public key is the point at infinity.
    #[error("SM2 public key is the point at infinity")]
    PointAtInfinity,
    /// A public key that is not an SEC1 point of the right length and form.
    #[error("SM2 public key encoding is invalid: {0}")]
    PublicKeyEncoding(&'static str),
    /// A private scalar of 0 or not below n.
    #[error("SM2 private key is outside [1, n-2]")]
    PrivateKeyOutOfRange,
    /// A key file that is not PKCS#8, SEC1 or SPKI, or whose ASN.1 is broken.
    #[error("key file is not a valid {format}: {detail}")]
    KeyFormat {
        /// The format that was expected or tried.
        format: &'static str,
        /// What the decoder said (never contains key material).
        detail: String,
    },
    /// The key is well formed but for another algorithm or curve (the OID is given).
    #[error("key is not an SM2 key (algorithm or curve {0})")]
    NotSm2Key(String),
    /// An encrypted private key could not be opened: wrong passphrase or a damaged file.
    #[error("encrypted private key could not be decrypted (wrong passphrase or damaged file)")]
    KeyDecryption,
    /// An encrypted key file was given, but no passphrase.
    #[error("private key is encrypted: a passphrase is needed")]
    PassphraseRequired,
    /// A user ID longer than the 8191 bytes ENTL (16 bits, in bits) can describe.
    #[error("SM2 user ID is {0} bytes; at most 8191 are allowed")]
    UserIdTooLong(usize),
    /// An SM2 ciphertext that cannot be parsed.
    #[error("SM2 ciphertext is malformed: {0}")]
    CiphertextMalformed(&'static str),
    /// An SM2 ciphertext that parsed but whose C3 check failed.
    #[error("SM2 decryption failed: C3 does not match")]
    DecryptionFailed,
    /// SM2 encryption of an empty message (the standard's KDF check cannot pass).
    #[error("SM2 encryption needs a non-empty message")]
    EmptyPlaintext,
    /// SM4 key or IV/nonce of the wrong size.
    #[error("SM4 {what} must be {expected} bytes, got {got}")]
    Sm4Length {
        /// key, iv or nonce
        what: &'static str,
        /// the required size
        expected: usize,
        /// the size given
        got: usize,
    },
    /// SM4-GCM authentication failed: the data, the associated data or the key is wrong.
    #[error("SM4-GCM authentication failed")]
    AeadAuthentication,
    /// SM4-CBC ciphertext whose length or padding is wrong.
    #[error("SM4-CBC ciphertext has a bad length or padding")]
    CbcPadding,
    /// The KDF was asked for more output than GM/T 0003.4 allows.
    #[error("KDF output length {0} is too large")]
    KdfLength(usize),
    /// The operating system's random source failed.
    #[error("random number source failed")]
    Random,
    /// The provider cannot do this (for example, a hardware module that will not export a key).
    #[error("the crypto provider does not support {0}")]
    Unsupported(&'static str),
}

/// `Result` with [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
