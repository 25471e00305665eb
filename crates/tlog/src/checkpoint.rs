//! Checkpoints (C2SP `tlog-checkpoint`, v1.0.0): a signed note whose text is the log's origin,
//! its tree size and its root hash, then optional extension lines.
//!
//! ```text
//! yinxin.example/log
//! 20852163
//! CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
//!
//! — yinxin.example/log <base64(key ID ‖ SM2 r ‖ s)>
//! ```
//!
//! Parsing is strict: a non-empty origin (any text: the spec forbids clients to assume it is a
//! URL), the size in ASCII decimal without leading zeros ("0" for the empty tree) and within
//! u64, the root in canonical padded base64 of exactly 32 bytes, and extension lines that are
//! non-empty; at most [`MAX_EXTENSIONS`] of them and [`MAX_LINE`] bytes a line. yinxin's logs
//! write no extension lines (the spec discourages them: monitors cannot audit them) but accept
//! them from other logs.
//!
//! A checkpoint is trusted only once a signature from the log's key (and, per policy, enough
//! witness cosignatures) has been verified: [`SignedCheckpoint::open`] does both at once.

use crate::Error;
use crate::hash::Hash;
use crate::note::{Note, NoteSignature, NoteSigner, NoteVerifier};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

/// The most extension lines accepted.
pub const MAX_EXTENSIONS: usize = 16;
/// The longest line accepted in a checkpoint body, in bytes.
pub const MAX_LINE: usize = 1024;

/// A log's tree head: origin, size, root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, e.g. `yinxin.example/log`.
    pub origin: String,
    /// The number of leaves.
    pub size: u64,
    /// The root hash at that size.
    pub root: Hash,
    /// Opaque extension lines (none in yinxin's own checkpoints).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    pub fn new(origin: impl Into<String>, size: u64, root: Hash) -> Self {
        Self { origin: origin.into(), size, root, extensions: Vec::new() }
    }

    /// The note text: the lines, each ending in a newline.
    pub fn to_text(&self) -> Result<String, Error> {
        check_line(&self.origin, "origin")?;
        if self.extensions.len() > MAX_EXTENSIONS {
            return Err(Error::MalformedCheckpoint("too many extension lines"));
        }
        let mut s = format!("{}\n{}\n{}\n", self.origin, self.size, self.root.to_base64());
        for e in &self.extensions {
            check_line(e, "extension line")?;
            s.push_str(e);
            s.push('\n');
        }
        Ok(s)
    }

    /// Parse the note text of a checkpoint.
    pub fn parse_text(text: &str) -> Result<Self, Error> {
        let body = text.strip_suffix('\n').ok_or(Error::MalformedCheckpoint("text does not end in a newline"))?;
        let mut lines = body.split('\n');
        let origin = lines.next().ok_or(Error::MalformedCheckpoint("no origin line"))?;
        check_line(origin, "origin")?;
        let size = parse_size(lines.next().ok_or(Error::MalformedCheckpoint("no size line"))?)?;
        let root = parse_hash(lines.next().ok_or(Error::MalformedCheckpoint("no root line"))?)?;
        let mut extensions = Vec::new();
        for line in lines {
            if extensions.len() == MAX_EXTENSIONS {
                return Err(Error::MalformedCheckpoint("too many extension lines"));
            }
            check_line(line, "extension line")?;
            extensions.push(line.to_owned());
        }
        Ok(Self { origin: origin.to_owned(), size, root, extensions })
    }

    /// Sign as the log: a note with this text and `signer`'s signature.
    pub fn sign(&self, signer: &dyn NoteSigner) -> Result<SignedCheckpoint, Error> {
        let mut note = Note::new(self.to_text()?)?;
        note.sign(signer)?;
        Ok(SignedCheckpoint { checkpoint: self.clone(), note })
    }
}

/// A checkpoint with its note: the form that is served, cosigned and embedded in receipts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    checkpoint: Checkpoint,
    note: Note,
}

impl SignedCheckpoint {
    /// Parse without verifying any signature; for tools that show a checkpoint. Nothing in it
    /// may be relied on until [`SignedCheckpoint::verify`] passes.
    pub fn parse_unverified(bytes: &[u8]) -> Result<Self, Error> {
        let note = Note::parse(bytes)?;
        let checkpoint = Checkpoint::parse_text(note.text())?;
        Ok(Self { checkpoint, note })
    }

    /// Parse and verify by the signed-note rules against `verifiers`; returns the checkpoint
    /// and the indexes of the verifiers whose signatures verified.
    pub fn open(bytes: &[u8], verifiers: &[&dyn NoteVerifier]) -> Result<(Self, Vec<usize>), Error> {
        let cp = Self::parse_unverified(bytes)?;
        let ok = cp.verify(verifiers)?;
        Ok((cp, ok))
    }

    /// Verify the signatures against `verifiers` (see [`Note::verify`]).
    pub fn verify(&self, verifiers: &[&dyn NoteVerifier]) -> Result<Vec<usize>, Error> {
        self.note.verify(verifiers)
    }

    /// The tree head.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The note (text and signature lines).
    pub fn note(&self) -> &Note {
        &self.note
    }

    /// Add a signature line, e.g. a witness's cosignature.
    pub fn add_signature(&mut self, sig: NoteSignature) -> Result<(), Error> {
        self.note.add_signature(sig)
    }

    /// The bytes to serve at `<prefix>/checkpoint`.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.note.to_bytes()
    }
}

/// Which checkpoints of one log to trust: the log's keys, the witnesses' cosigning keys, and
/// how many distinct witnesses must have cosigned (the quorum; 0 trusts the log alone).
/// Monitors, offline verifiers and the service's own publishing step share it.
pub struct CheckpointPolicy {
    /// The log's origin.
    pub origin: String,
    /// The log's keys (any one suffices).
    pub log_keys: Vec<Box<dyn NoteVerifier + Send + Sync>>,
    /// The witnesses' cosignature keys.
    pub witnesses: Vec<Box<dyn NoteVerifier + Send + Sync>>,
    /// Cosignatures required from distinct witnesses.
    pub quorum: usize,
}

impl core::fmt::Debug for CheckpointPolicy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CheckpointPolicy")
            .field("origin", &self.origin)
            .field("log_keys", &self.log_keys.len())
            .field("witnesses", &self.witnesses.len())
            .field("quorum", &self.quorum)
            .finish()
    }
}

impl CheckpointPolicy {
    /// Parse `bytes` and check them against the policy: the origin, a valid signature by a log
    /// key, no failing signature by any known key, and at least `quorum` witness cosignatures.
    pub fn open(&self, bytes: &[u8]) -> Result<SignedCheckpoint, Error> {
        let cp = SignedCheckpoint::parse_unverified(bytes)?;
        if cp.checkpoint().origin != self.origin {
            return Err(Error::WrongOrigin { expected: self.origin.clone(), got: cp.checkpoint().origin.clone() });
        }
        self.check(&cp)?;
        Ok(cp)
    }

    /// Check an already parsed checkpoint against the policy.
    pub fn check(&self, cp: &SignedCheckpoint) -> Result<(), Error> {
        let all: Vec<&dyn NoteVerifier> =
            self.log_keys.iter().chain(self.witnesses.iter()).map(|v| v.as_ref() as &dyn NoteVerifier).collect();
        let ok = cp.verify(&all)?;
        if !ok.iter().any(|&i| i < self.log_keys.len()) {
            return Err(Error::NoKnownSignature);
        }
        let cosigned = ok.iter().filter(|&&i| i >= self.log_keys.len()).count();
        if cosigned < self.quorum {
            return Err(Error::TooFewCosignatures { got: cosigned, need: self.quorum });
        }
        Ok(())
    }
}

/// The lines before a checkpoint in a witness request and in a tlog-proof: header lines, then
/// base64 hash lines up to a blank line, then the checkpoint's bytes.
pub(crate) struct HeadLines<'a>(pub(crate) &'a [u8]);

impl<'a> HeadLines<'a> {
    /// The next line, without its newline.
    pub(crate) fn line(&mut self) -> Result<&'a str, Error> {
        let end = self.0.iter().position(|b| *b == b'\n').ok_or(Error::MalformedNote("line without a newline"))?;
        let l = core::str::from_utf8(&self.0[..end]).map_err(|_| Error::MalformedNote("not UTF-8"))?;
        self.0 = &self.0[end + 1..];
        Ok(l)
    }

    /// Hash lines up to and including the blank line; at most `max` hashes.
    pub(crate) fn hashes(&mut self, max: usize) -> Result<Vec<Hash>, Error> {
        let mut out = Vec::new();
        loop {
            let l = self.line()?;
            if l.is_empty() {
                return Ok(out);
            }
            if out.len() == max {
                return Err(Error::MalformedNote("too many proof lines"));
            }
            out.push(parse_hash(l)?);
        }
    }

    /// What follows: the checkpoint.
    pub(crate) fn rest(self) -> Vec<u8> {
        self.0.to_vec()
    }
}

/// Hash lines and the blank line that ends them.
pub(crate) fn put_hash_lines(s: &mut String, hashes: &[Hash]) {
    for h in hashes {
        s.push_str(&h.to_base64());
        s.push('\n');
    }
    s.push('\n');
}

/// A tree size: ASCII decimal, no sign, no leading zero except "0" itself, within u64.
pub fn parse_size(s: &str) -> Result<u64, Error> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return Err(Error::MalformedCheckpoint("size is not a decimal without leading zeros"));
    }
    s.parse().map_err(|_| Error::MalformedCheckpoint("size does not fit in 64 bits"))
}

/// A hash in canonical padded base64, exactly 32 bytes.
pub fn parse_hash(s: &str) -> Result<Hash, Error> {
    if s.len() != 44 {
        return Err(Error::MalformedCheckpoint("hash is not 44 base64 characters"));
    }
    let raw = B64.decode(s).map_err(|_| Error::MalformedCheckpoint("hash is not canonical base64"))?;
    Hash::from_slice(&raw).ok_or(Error::MalformedCheckpoint("hash is not 32 bytes"))
}

fn check_line(line: &str, _what: &'static str) -> Result<(), Error> {
    if line.is_empty() {
        return Err(Error::MalformedCheckpoint("empty line"));
    }
    if line.len() > MAX_LINE {
        return Err(Error::MalformedCheckpoint("line too long"));
    }
    if line.bytes().any(|b| b < 0x20) {
        return Err(Error::MalformedCheckpoint("control character"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::NoteSigner;
    use crate::signature::Sm2Kind;
    use crate::signature::tests::test_signer;

    /// The spec's example (tlog-checkpoint.md).
    const EXAMPLE: &str = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";

    #[test]
    fn spec_example_parses() {
        let cp = SignedCheckpoint::parse_unverified(EXAMPLE.as_bytes()).unwrap();
        assert_eq!(cp.checkpoint().origin, "example.com/behind-the-sofa");
        assert_eq!(cp.checkpoint().size, 20852163);
        assert_eq!(cp.checkpoint().root.to_base64(), "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
        assert_eq!(cp.to_bytes(), EXAMPLE.as_bytes());
        assert_eq!(cp.checkpoint().to_text().unwrap(), cp.note().text());
    }

    #[test]
    fn signed_and_opened_with_sm2() {
        let log = test_signer("yinxin.example/log", Sm2Kind::Note, 0x11);
        let cp = Checkpoint::new("yinxin.example/log", 42, Hash([7; 32]));
        let signed = cp.sign(&log).unwrap();
        let (opened, ok) = SignedCheckpoint::open(&signed.to_bytes(), &[&log.verifier()]).unwrap();
        assert_eq!(ok, vec![0]);
        assert_eq!(opened.checkpoint(), &cp);
        let other = test_signer("yinxin.example/log", Sm2Kind::Note, 0x12);
        assert_eq!(
            SignedCheckpoint::open(&signed.to_bytes(), &[&other.verifier()]).unwrap_err(),
            Error::NoKnownSignature
        );
        let tampered = String::from_utf8(signed.to_bytes()).unwrap().replace("\n42\n", "\n43\n");
        assert!(matches!(
            SignedCheckpoint::open(tampered.as_bytes(), &[&log.verifier()]),
            Err(Error::BadSignature { .. })
        ));
    }

    #[test]
    fn the_policy_wants_the_log_and_a_quorum_of_witnesses() {
        let log = test_signer("yinxin.example/log", Sm2Kind::Note, 0x11);
        let w1 = test_signer("w1.example", Sm2Kind::Cosignature, 0x21);
        let w2 = test_signer("w2.example", Sm2Kind::Cosignature, 0x22);
        let policy = |quorum| CheckpointPolicy {
            origin: "yinxin.example/log".into(),
            log_keys: vec![Box::new(log.verifier())],
            witnesses: vec![Box::new(w1.verifier()), Box::new(w2.verifier())],
            quorum,
        };
        let mut cp = Checkpoint::new("yinxin.example/log", 42, Hash([7; 32])).sign(&log).unwrap();
        assert!(policy(0).open(&cp.to_bytes()).is_ok());
        assert_eq!(policy(1).open(&cp.to_bytes()), Err(Error::TooFewCosignatures { got: 0, need: 1 }));
        let text = cp.note().text().as_bytes().to_vec();
        for w in [&w1, &w1, &w2] {
            let signature = w.cosign(&text, 1_765_000_000).unwrap();
            cp.add_signature(NoteSignature { name: w.name().into(), key_id: w.key_id(), signature }).unwrap();
        }
        // SM2 signatures are randomised: w1's two cosignatures are two lines, but one witness.
        assert_eq!(cp.note().signatures().len(), 4);
        assert!(policy(2).open(&cp.to_bytes()).is_ok());
        assert_eq!(policy(3).open(&cp.to_bytes()), Err(Error::TooFewCosignatures { got: 2, need: 3 }));
        // Cosignatures alone, without the log's signature, are not enough.
        let only_witness = String::from_utf8(cp.to_bytes()).unwrap();
        let first_sig = only_witness.split('\n').nth(4).unwrap();
        let stripped = only_witness.replace(&format!("{first_sig}\n"), "");
        assert_eq!(policy(0).open(stripped.as_bytes()), Err(Error::NoKnownSignature));
        let mut p = policy(0);
        p.origin = "other".into();
        assert!(matches!(p.open(&cp.to_bytes()), Err(Error::WrongOrigin { .. })));
    }

    #[test]
    fn bodies_are_parsed_strictly() {
        let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
        assert!(Checkpoint::parse_text(&format!("o\n0\n{root}\n")).is_ok());
        assert_eq!(Checkpoint::parse_text(&format!("o\n1\n{root}\next\n")).unwrap().extensions, vec!["ext"]);
        for bad in [
            format!("o\n1\n{root}"),
            format!("\n1\n{root}\n"),
            format!("o\n01\n{root}\n"),
            format!("o\n+1\n{root}\n"),
            format!("o\n-1\n{root}\n"),
            format!("o\n 1\n{root}\n"),
            format!("o\n18446744073709551616\n{root}\n"),
            format!("o\n1\n{}\n", &root[..43]),
            format!("o\n1\n{}\n", root.replace("2I=", "2J=")),
            format!("o\n1\n{}\n", root.replace('/', "_")),
            format!("o\n1\n{root}\n\n"),
            format!("o\n1\n{root}\n\next\n"),
            "o\n1\n".to_string(),
            format!("o\n1\n{root}\n{}", "e\n".repeat(MAX_EXTENSIONS + 1)),
        ] {
            assert!(Checkpoint::parse_text(&bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_size("18446744073709551615").unwrap(), u64::MAX);
    }
}
