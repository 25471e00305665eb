//! Signed notes (C2SP `signed-note`, v1.0.0): text signed by one or more keys, the envelope of
//! checkpoints and cosignatures.
//!
//! ```text
//! <text, one or more lines, each ending in U+000A>
//! <blank line>
//! — <key name> base64(32-bit big-endian key ID ‖ signature)
//! …
//! ```
//!
//! Parsing is strict, and bounded: valid UTF-8, no control character but newline, the text
//! separated from the signatures by the *last* blank line, every signature line exactly
//! `U+2014 U+0020 name U+0020 base64 U+000A`, key names non-empty without Unicode spaces or `+`,
//! canonical standard base64 (RFC 4648 §4, padded), at most [`MAX_NOTE_SIZE`] bytes and
//! [`MAX_SIGNATURES`] signature lines (the spec asks verifiers to accept at least 16).
//!
//! Verification follows the spec's rules: a signature line whose (name, key ID) matches no
//! known key is ignored; one that matches a known key MUST verify, or the whole note is refused
//! ([`Error::BadSignature`]); and a note with no verified signature from a known key is refused
//! ([`Error::NoKnownSignature`]).
//!
//! Key IDs are the spec's recommended `SHA-256(key name ‖ 0x0A ‖ signature type ‖ public key)[:4]`
//! ([`key_id`]); verifier keys ("vkeys") are `<name>+<hex key ID>+base64(type ‖ public key)`
//! ([`VerifierKey`]). yinxin's SM2 signature types are in [`crate::signature`].

use crate::Error;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

/// The largest note accepted, in bytes: room for dozens of post-quantum signatures.
pub const MAX_NOTE_SIZE: usize = 256 * 1024;
/// The most signature lines accepted in one note.
pub const MAX_SIGNATURES: usize = 64;
/// The longest key name accepted, in bytes.
pub const MAX_KEY_NAME: usize = 256;

const DASH: &str = "\u{2014} ";

/// One signature line: who signed (name and key ID) and the signature bytes after the key ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name.
    pub name: String,
    /// The 32-bit key ID.
    pub key_id: u32,
    /// The signature, without the key ID.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The line as it appears in a note, newline included.
    pub fn to_line(&self) -> String {
        let mut raw = self.key_id.to_be_bytes().to_vec();
        raw.extend_from_slice(&self.signature);
        format!("{DASH}{} {}\n", self.name, B64.encode(raw))
    }

    /// Parse one line without its final newline.
    pub fn parse_line(line: &str) -> Result<Self, Error> {
        let rest = line.strip_prefix(DASH).ok_or(Error::MalformedNote("signature line does not start with '— '"))?;
        let (name, b64) = rest.split_once(' ').ok_or(Error::MalformedNote("signature line has no signature"))?;
        check_key_name(name)?;
        let raw = B64.decode(b64).map_err(|_| Error::MalformedNote("signature is not canonical base64"))?;
        if raw.len() < 5 {
            return Err(Error::MalformedNote("signature shorter than a key ID and one byte"));
        }
        let key_id = u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]);
        Ok(Self { name: name.to_owned(), key_id, signature: raw[4..].to_vec() })
    }
}

/// A parsed (not yet verified) note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

impl Note {
    /// A note with `text` (checked as note text) and no signature yet.
    pub fn new(text: impl Into<String>) -> Result<Self, Error> {
        let text = text.into();
        check_text(&text)?;
        Ok(Self { text, signatures: Vec::new() })
    }

    /// Parse a signed note, strictly.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() > MAX_NOTE_SIZE {
            return Err(Error::NoteTooLarge(bytes.len()));
        }
        let s = core::str::from_utf8(bytes).map_err(|_| Error::MalformedNote("not UTF-8"))?;
        check_no_controls(s)?;
        let split = s.rfind("\n\n").ok_or(Error::MalformedNote("no blank line before the signatures"))?;
        let (text, sigs) = (&s[..split + 1], &s[split + 2..]);
        check_text(text)?;
        if sigs.is_empty() {
            return Err(Error::MalformedNote("no signature lines"));
        }
        let body = sigs.strip_suffix('\n').ok_or(Error::MalformedNote("signature lines do not end in a newline"))?;
        let mut signatures = Vec::new();
        for line in body.split('\n') {
            if signatures.len() == MAX_SIGNATURES {
                return Err(Error::TooManySignatures(MAX_SIGNATURES));
            }
            signatures.push(NoteSignature::parse_line(line)?);
        }
        Ok(Self { text: text.to_owned(), signatures })
    }

    /// The signed text, final newline included.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signature lines, in order.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Add a signature line (a cosignature, say); a line equal to one present is not repeated.
    pub fn add_signature(&mut self, sig: NoteSignature) -> Result<(), Error> {
        check_key_name(&sig.name)?;
        if self.signatures.contains(&sig) {
            return Ok(());
        }
        if self.signatures.len() == MAX_SIGNATURES {
            return Err(Error::TooManySignatures(MAX_SIGNATURES));
        }
        self.signatures.push(sig);
        Ok(())
    }

    /// Sign with `signer` and add the line.
    pub fn sign(&mut self, signer: &dyn NoteSigner) -> Result<(), Error> {
        let signature = signer.sign(self.text.as_bytes())?;
        self.add_signature(NoteSignature { name: signer.name().to_owned(), key_id: signer.key_id(), signature })
    }

    /// The note as served: text, blank line, signature lines.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.text.clone();
        out.push('\n');
        for s in &self.signatures {
            out.push_str(&s.to_line());
        }
        out.into_bytes()
    }

    /// Check the signatures against the known keys `verifiers`, by the spec's rules; returns the
    /// indexes (into `verifiers`) of the keys whose signatures verified, at least one.
    pub fn verify(&self, verifiers: &[&dyn NoteVerifier]) -> Result<Vec<usize>, Error> {
        let mut verified = Vec::new();
        for sig in &self.signatures {
            for (i, v) in verifiers.iter().enumerate() {
                if v.name() != sig.name || v.key_id() != sig.key_id {
                    continue;
                }
                if !v.verify(self.text.as_bytes(), &sig.signature) {
                    return Err(Error::BadSignature { name: sig.name.clone() });
                }
                if !verified.contains(&i) {
                    verified.push(i);
                }
            }
        }
        if verified.is_empty() {
            return Err(Error::NoKnownSignature);
        }
        Ok(verified)
    }
}

/// A key that can check note signatures of one type.
pub trait NoteVerifier {
    /// The key name.
    fn name(&self) -> &str;
    /// The key ID.
    fn key_id(&self) -> u32;
    /// Whether `sig` (without the key ID) is this key's signature over `text`.
    fn verify(&self, text: &[u8], sig: &[u8]) -> bool;
}

/// A key that signs notes.
pub trait NoteSigner {
    /// The key name.
    fn name(&self) -> &str;
    /// The key ID.
    fn key_id(&self) -> u32;
    /// The signature over `text`, without the key ID.
    fn sign(&self, text: &[u8]) -> Result<Vec<u8>, Error>;
}

/// The spec's recommended key ID: `SHA-256(name ‖ 0x0A ‖ signature type ‖ public key)[:4]`,
/// big-endian. `sig_type` is the type identifier (one byte, or 0xff and a longer identifier).
pub fn key_id(name: &str, sig_type: &[u8], public_key: &[u8]) -> u32 {
    use crate::hash::{Hasher, Sha256};
    let h = Sha256::hash_parts(&[name.as_bytes(), b"\n", sig_type, public_key]);
    u32::from_be_bytes([h.0[0], h.0[1], h.0[2], h.0[3]])
}

/// A verifier key string: `<name>+<hex key ID>+base64(signature type ‖ public key)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierKey {
    /// The key name.
    pub name: String,
    /// The key ID (checked against the rest only by the signature type's own constructor).
    pub key_id: u32,
    /// The signature type identifier followed by the public key.
    pub key: Vec<u8>,
}

impl VerifierKey {
    /// Parse a vkey.
    pub fn parse(s: &str) -> Result<Self, Error> {
        if s.len() > 16 * 1024 {
            return Err(Error::InvalidVerifierKey("too long"));
        }
        // The name has no '+' and the ID is hex, so the first two '+' split; base64 may hold more.
        let mut parts = s.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Error::InvalidVerifierKey("not three '+'-separated parts"));
        };
        check_key_name(name).map_err(|_| Error::InvalidVerifierKey("invalid key name"))?;
        if id.len() != 8 || !id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(Error::InvalidVerifierKey("key ID is not 8 lower-case hex digits"));
        }
        let key_id = u32::from_str_radix(id, 16).map_err(|_| Error::InvalidVerifierKey("key ID"))?;
        let key = B64.decode(key).map_err(|_| Error::InvalidVerifierKey("key is not canonical base64"))?;
        if key.len() < 2 {
            return Err(Error::InvalidVerifierKey("key too short"));
        }
        Ok(Self { name: name.to_owned(), key_id, key })
    }
}

impl core::fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}+{:08x}+{}", self.name, self.key_id, B64.encode(&self.key))
    }
}

/// A key name: non-empty, at most [`MAX_KEY_NAME`] bytes, no Unicode space, no `+`, no control.
pub fn check_key_name(name: &str) -> Result<(), Error> {
    if name.is_empty()
        || name.len() > MAX_KEY_NAME
        || name.chars().any(|c| c.is_whitespace() || c == '+' || c.is_control())
    {
        return Err(Error::InvalidKeyName);
    }
    Ok(())
}

fn check_no_controls(s: &str) -> Result<(), Error> {
    if s.bytes().any(|b| b < 0x20 && b != b'\n') {
        return Err(Error::MalformedNote("control character"));
    }
    Ok(())
}

/// Note text: non-empty, ending in a newline, no control character other than newline.
fn check_text(text: &str) -> Result<(), Error> {
    if text.len() > MAX_NOTE_SIZE {
        return Err(Error::NoteTooLarge(text.len()));
    }
    if text.is_empty() || !text.ends_with('\n') {
        return Err(Error::MalformedNote("text is empty or does not end in a newline"));
    }
    check_no_controls(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec's example: vkey and note (signed-note.md, "Example").
    const VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
    const NOTE: &str = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

    struct Fixed(&'static str, u32, bool);
    impl NoteVerifier for Fixed {
        fn name(&self) -> &str {
            self.0
        }
        fn key_id(&self) -> u32 {
            self.1
        }
        fn verify(&self, _: &[u8], _: &[u8]) -> bool {
            self.2
        }
    }

    #[test]
    fn spec_example_parses_and_its_key_id_is_the_recommended_one() {
        let vk = VerifierKey::parse(VKEY).unwrap();
        assert_eq!(vk.to_string(), VKEY);
        assert_eq!(vk.key[0], 0x01);
        assert_eq!(key_id(&vk.name, &vk.key[..1], &vk.key[1..]), 0x530d903a);
        let note = Note::parse(NOTE.as_bytes()).unwrap();
        assert_eq!(note.text(), "This is an example message.\n");
        assert_eq!(note.signatures().len(), 1);
        assert_eq!(note.signatures()[0].key_id, 0x530d903a);
        assert_eq!(note.signatures()[0].signature.len(), 64);
        assert_eq!(note.to_bytes(), NOTE.as_bytes());
    }

    #[test]
    fn unknown_keys_are_ignored_known_keys_must_verify() {
        let note = Note::parse(NOTE.as_bytes()).unwrap();
        let good = Fixed("example.com/foo", 0x530d903a, true);
        let bad = Fixed("example.com/foo", 0x530d903a, false);
        let other_id = Fixed("example.com/foo", 1, false);
        let other_name = Fixed("example.com/bar", 0x530d903a, false);
        assert_eq!(note.verify(&[&other_id, &good]).unwrap(), vec![1]);
        assert_eq!(note.verify(&[&bad]), Err(Error::BadSignature { name: "example.com/foo".into() }));
        assert_eq!(note.verify(&[&other_id, &other_name]), Err(Error::NoKnownSignature));
        assert_eq!(note.verify(&[]), Err(Error::NoKnownSignature));
    }

    #[test]
    fn malformed_notes_are_refused() {
        let sig = NOTE.split_once("\n\n").unwrap().1;
        for (bad, why) in [
            (format!("text\n{sig}"), "no blank line"),
            ("text\n\n".to_string(), "no signature"),
            (format!("\n{sig}"), "empty text"),
            (format!("text\n\n{}", sig.trim_end()), "no final newline"),
            (format!("te\x01xt\n\n{sig}"), "control"),
            (format!("te\rxt\n\n{sig}"), "carriage return"),
            (format!("text\n\n{}", sig.replace('\u{2014}', "-")), "hyphen"),
            (format!("text\n\n{}", sig.replace("foo ", "foo  ")), "two spaces"),
            (format!("text\n\n{}", sig.replace("foo", "f+o")), "plus"),
            (format!("text\n\n{}", sig.replace("aQM=", "aQM")), "unpadded"),
            (format!("text\n\n{}", sig.replace("aQM=", "aQN=")), "non-canonical"),
            (format!("text\n\n{sig}\n"), "trailing blank"),
            ("text\n\n\u{2014} a AAAA\n".to_string(), "short signature"),
        ] {
            assert!(Note::parse(bad.as_bytes()).is_err(), "{why}");
        }
        assert!(Note::parse(&[0xff, b'\n', b'\n']).is_err());
        let many = format!("text\n\n{}", sig.repeat(MAX_SIGNATURES + 1));
        assert_eq!(Note::parse(many.as_bytes()), Err(Error::TooManySignatures(MAX_SIGNATURES)));
        let huge = format!("{}\n\n{sig}", "a".repeat(MAX_NOTE_SIZE));
        assert!(matches!(Note::parse(huge.as_bytes()), Err(Error::NoteTooLarge(_))));
    }

    #[test]
    fn text_with_blank_lines_splits_at_the_last_one() {
        let sig = NOTE.split_once("\n\n").unwrap().1;
        let n = Note::parse(format!("a\n\nb\n\n\n{sig}").as_bytes()).unwrap();
        assert_eq!(n.text(), "a\n\nb\n\n");
    }

    #[test]
    fn vkeys_are_strict() {
        for bad in [
            "example.com/foo+530d903a",
            "example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
            "example.com/foo+530d903+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
            "+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
            "example.com/foo+530d903a+AQ",
        ] {
            assert!(VerifierKey::parse(bad).is_err(), "{bad}");
        }
    }
}
