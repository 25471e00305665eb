//! yinxin's SM2 signature types for signed notes: the log's checkpoint signature and the
//! witness cosignature. Neither has a byte assigned in C2SP `signed-note`, so both use the
//! spec's escape for unassigned types: the byte `0xff` followed by a longer identifier
//! ("It is RECOMMENDED that this byte be followed by a longer identifier that is unlikely to
//! collide"). A single byte from 0x07–0xf9 would be free today but is C2SP's to assign later.
//!
//! | | type identifier (bytes) | signed message | signature bytes after the key ID |
//! |---|---|---|---|
//! | checkpoint | `0xff` ‖ `yinxin/sm2-note/v1` | the note text | r ‖ s, 64 bytes |
//! | cosignature | `0xff` ‖ `yinxin/sm2-cosignature/v1` | `cosignature/v1\ntime <t>\n` ‖ note text | u64 t ‖ r ‖ s, 72 bytes |
//!
//! - **Key ID**: `SHA-256(key name ‖ 0x0A ‖ type identifier ‖ public key)[:4]`, the spec's
//!   recommendation, with the public key as the 65-byte uncompressed SEC1 point `04 ‖ x ‖ y`.
//!   The two identifiers are different, so one key used for both types has two key IDs.
//! - **Verifier key**: `<name>+<key ID hex>+base64(type identifier ‖ 65-byte point)`.
//! - **Signature**: SM2 (GB/T 32918.2) with SM3 and the default user ID `1234567812345678`
//!   (GM/T 0009), so Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ G ‖ P) and e = SM3(Z ‖ message), as every SM2
//!   signature in yinxin. Encoded raw: r ‖ s, 32 bytes each big-endian, not DER: fixed length,
//!   one encoding per signature (DER has several lengths and, in the wild, BER variants), and
//!   the shape of the Ed25519 types it sits beside.
//! - **Cosignature**: the message is the C2SP `tlog-cosignature` Ed25519 (v1) message, the
//!   header line `cosignature/v1`, the line `time <POSIX seconds>`, then the checkpoint's
//!   whole note text, extension lines included; the signature is the spec's
//!   `timestamped_signature` with SM2 in place of Ed25519: u64 timestamp big-endian, then r ‖ s.
//!   The timestamp must not exceed 2^63 − 1.
//!
//! Signing goes through yinxin-gm's [`Sm2Signer`] (so a hardware module can hold the key);
//! verifying through [`yinxin_gm::provider::verify`].

use crate::Error;
use crate::note::{NoteSigner, NoteVerifier, VerifierKey, check_key_name, key_id};
use yinxin_gm::{Sm2PublicKey, Sm2Signature, Sm2Signer, UserId};

/// The type identifier of yinxin's SM2 checkpoint signatures.
pub const SM2_NOTE_TYPE: &[u8] = b"\xffyinxin/sm2-note/v1";
/// The type identifier of yinxin's SM2 timestamped cosignatures.
pub const SM2_COSIGNATURE_TYPE: &[u8] = b"\xffyinxin/sm2-cosignature/v1";

/// The largest cosignature timestamp (tlog-cosignature: it MUST NOT exceed 2^63 − 1).
pub const MAX_TIMESTAMP: u64 = i64::MAX as u64;

/// Which of the two SM2 types a key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sm2Kind {
    /// Checkpoint (plain note) signatures.
    Note,
    /// Timestamped cosignatures.
    Cosignature,
}

impl Sm2Kind {
    /// The type identifier bytes.
    pub fn type_id(self) -> &'static [u8] {
        match self {
            Self::Note => SM2_NOTE_TYPE,
            Self::Cosignature => SM2_COSIGNATURE_TYPE,
        }
    }
}

/// The message a cosignature with timestamp `time` signs over checkpoint note text `text`.
pub fn cosigned_message(time: u64, text: &[u8]) -> Vec<u8> {
    let mut m = format!("cosignature/v1\ntime {time}\n").into_bytes();
    m.extend_from_slice(text);
    m
}

/// An SM2 key that signs notes of one kind.
#[derive(Debug)]
pub struct Sm2NoteSigner {
    name: String,
    kind: Sm2Kind,
    key_id: u32,
    signer: Box<dyn Sm2Signer>,
}

impl Sm2NoteSigner {
    /// A signer named `name` (a log's origin, or a witness's name) for `kind`.
    ///
    /// The signer's user ID must be the default one ([`UserId::DEFAULT`]), since verifiers
    /// assume it; a signer made with another is refused ([`Error::SignerUserId`]).
    pub fn new(name: &str, kind: Sm2Kind, signer: Box<dyn Sm2Signer>) -> Result<Self, Error> {
        check_key_name(name)?;
        if *signer.z() != yinxin_gm::provider::z_for(signer.public_key(), UserId::DEFAULT) {
            return Err(Error::SignerUserId);
        }
        let key_id = key_id(name, kind.type_id(), &signer.public_key().to_sec1());
        Ok(Self { name: name.to_owned(), kind, key_id, signer })
    }

    /// The verifier for this signer.
    pub fn verifier(&self) -> Sm2NoteVerifier {
        Sm2NoteVerifier {
            name: self.name.clone(),
            kind: self.kind,
            key_id: self.key_id,
            key: self.signer.public_key().clone(),
        }
    }

    /// The verifier key string to publish.
    pub fn vkey(&self) -> String {
        self.verifier().vkey()
    }

    /// A cosignature over `text` at `time` (for [`Sm2Kind::Cosignature`] signers only): the
    /// 72 bytes after the key ID.
    pub fn cosign(&self, text: &[u8], time: u64) -> Result<Vec<u8>, Error> {
        if self.kind != Sm2Kind::Cosignature {
            return Err(Error::InvalidVerifierKey("a checkpoint key does not cosign"));
        }
        if time > MAX_TIMESTAMP {
            return Err(Error::MalformedNote("cosignature timestamp beyond 2^63 - 1"));
        }
        let sig = self.signer.sign(&cosigned_message(time, text)).map_err(Error::Signing)?;
        let mut out = time.to_be_bytes().to_vec();
        out.extend_from_slice(&sig.to_raw());
        Ok(out)
    }
}

impl NoteSigner for Sm2NoteSigner {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.key_id
    }

    /// A checkpoint signature; a cosignature signer signs with [`Sm2NoteSigner::cosign`] and
    /// refuses here, since it needs a timestamp.
    fn sign(&self, text: &[u8]) -> Result<Vec<u8>, Error> {
        match self.kind {
            Sm2Kind::Note => Ok(self.signer.sign(text).map_err(Error::Signing)?.to_raw().to_vec()),
            Sm2Kind::Cosignature => Err(Error::InvalidVerifierKey("a cosignature needs a timestamp: use cosign")),
        }
    }
}

/// An SM2 public key that checks notes of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sm2NoteVerifier {
    name: String,
    kind: Sm2Kind,
    key_id: u32,
    key: Sm2PublicKey,
}

impl Sm2NoteVerifier {
    /// A verifier for `key` under `name`.
    pub fn new(name: &str, kind: Sm2Kind, key: Sm2PublicKey) -> Result<Self, Error> {
        check_key_name(name)?;
        let key_id = key_id(name, kind.type_id(), &key.to_sec1());
        Ok(Self { name: name.to_owned(), kind, key_id, key })
    }

    /// From a verifier key string; its type must be one of the two SM2 types and its key ID the
    /// one the name, type and key give.
    pub fn from_vkey(vkey: &str) -> Result<Self, Error> {
        let vk = VerifierKey::parse(vkey)?;
        let (kind, point) = if let Some(p) = vk.key.strip_prefix(SM2_NOTE_TYPE) {
            (Sm2Kind::Note, p)
        } else if let Some(p) = vk.key.strip_prefix(SM2_COSIGNATURE_TYPE) {
            (Sm2Kind::Cosignature, p)
        } else {
            return Err(Error::InvalidVerifierKey("not a yinxin SM2 signature type"));
        };
        if point.len() != 65 || point[0] != 0x04 {
            return Err(Error::InvalidVerifierKey("SM2 key is not a 65-byte uncompressed point"));
        }
        let key = Sm2PublicKey::from_sec1(point).map_err(|_| Error::InvalidVerifierKey("SM2 point is invalid"))?;
        let v = Self::new(&vk.name, kind, key)?;
        if v.key_id != vk.key_id {
            return Err(Error::InvalidVerifierKey("key ID does not match the name and key"));
        }
        Ok(v)
    }

    /// The verifier key string.
    pub fn vkey(&self) -> String {
        let mut key = self.kind.type_id().to_vec();
        key.extend_from_slice(&self.key.to_sec1());
        VerifierKey { name: self.name.clone(), key_id: self.key_id, key }.to_string()
    }

    /// Which kind of signature it checks.
    pub fn kind(&self) -> Sm2Kind {
        self.kind
    }

    /// The public key.
    pub fn public_key(&self) -> &Sm2PublicKey {
        &self.key
    }

    /// For a cosignature key: the timestamp of `sig` over `text` if it verifies.
    pub fn verify_cosignature(&self, text: &[u8], sig: &[u8]) -> Option<u64> {
        if self.kind != Sm2Kind::Cosignature || sig.len() != 72 {
            return None;
        }
        let time = u64::from_be_bytes(sig[..8].try_into().ok()?);
        if time > MAX_TIMESTAMP {
            return None;
        }
        self.check(&cosigned_message(time, text), &sig[8..]).then_some(time)
    }

    fn check(&self, msg: &[u8], raw: &[u8]) -> bool {
        let Ok(sig) = Sm2Signature::from_raw(raw) else { return false };
        yinxin_gm::provider::verify(&self.key, UserId::DEFAULT, msg, &sig).is_ok()
    }
}

impl NoteVerifier for Sm2NoteVerifier {
    fn name(&self) -> &str {
        &self.name
    }

    fn key_id(&self) -> u32 {
        self.key_id
    }

    fn verify(&self, text: &[u8], sig: &[u8]) -> bool {
        match self.kind {
            Sm2Kind::Note => sig.len() == 64 && self.check(text, sig),
            Sm2Kind::Cosignature => self.verify_cosignature(text, sig).is_some(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::note::Note;
    use yinxin_gm::{Sm2PrivateKey, default_provider};

    /// A fixed test key (scalar 0x11…11), never used outside tests.
    pub(crate) fn test_signer(name: &str, kind: Sm2Kind, byte: u8) -> Sm2NoteSigner {
        let key = Sm2PrivateKey::from_bytes(&[byte; 32]).unwrap();
        Sm2NoteSigner::new(name, kind, default_provider().sm2_signer(&key, UserId::DEFAULT).unwrap()).unwrap()
    }

    #[test]
    fn sm2_note_signatures_round_trip_through_the_vkey() {
        let s = test_signer("log.example/yinxin", Sm2Kind::Note, 0x11);
        let v = Sm2NoteVerifier::from_vkey(&s.vkey()).unwrap();
        assert_eq!(v, s.verifier());
        assert!(s.vkey().starts_with("log.example/yinxin+"));
        let mut note = Note::new("hello\n").unwrap();
        note.sign(&s).unwrap();
        assert_eq!(note.signatures()[0].signature.len(), 64);
        let parsed = Note::parse(&note.to_bytes()).unwrap();
        assert_eq!(parsed.verify(&[&v]).unwrap(), vec![0]);
        // Another text with the same signature is refused as a bad signature from a known key.
        let forged = String::from_utf8(note.to_bytes()).unwrap().replace("hello", "hullo");
        assert!(matches!(Note::parse(forged.as_bytes()).unwrap().verify(&[&v]), Err(Error::BadSignature { .. })));
    }

    #[test]
    fn a_signer_with_another_user_id_is_refused() {
        let key = Sm2PrivateKey::from_bytes(&[0x11; 32]).unwrap();
        let id = UserId::new(b"yinxin").unwrap();
        let signer = default_provider().sm2_signer(&key, id).unwrap();
        assert_eq!(Sm2NoteSigner::new("a.example", Sm2Kind::Note, signer).unwrap_err(), Error::SignerUserId);
    }

    #[test]
    fn key_ids_commit_to_name_type_and_key() {
        let a = test_signer("a.example", Sm2Kind::Note, 0x11);
        let b = test_signer("a.example", Sm2Kind::Cosignature, 0x11);
        let c = test_signer("b.example", Sm2Kind::Note, 0x11);
        let d = test_signer("a.example", Sm2Kind::Note, 0x12);
        let ids = [a.key_id(), b.key_id(), c.key_id(), d.key_id()];
        for i in 0..4 {
            for j in i + 1..4 {
                assert_ne!(ids[i], ids[j]);
            }
        }
        let point = a.verifier().public_key().to_sec1();
        let mut input = b"a.example\n\xffyinxin/sm2-note/v1".to_vec();
        input.extend_from_slice(&point);
        use crate::hash::{Hasher, Sha256};
        assert_eq!(a.key_id().to_be_bytes(), Sha256::hash_parts(&[&input]).0[..4]);
    }

    #[test]
    fn vkeys_of_other_types_or_wrong_ids_are_refused() {
        let s = test_signer("a.example", Sm2Kind::Note, 0x11);
        let vk = s.vkey();
        let (head, _) = vk.rsplit_once('+').unwrap();
        let wrong_id = vk.replacen(&format!("{:08x}", s.key_id()), &format!("{:08x}", s.key_id() ^ 1), 1);
        assert!(Sm2NoteVerifier::from_vkey(&wrong_id).is_err());
        assert!(Sm2NoteVerifier::from_vkey(&format!("{head}+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")).is_err());
        assert!(
            Sm2NoteVerifier::from_vkey("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
                .is_err()
        );
    }

    #[test]
    fn cosignatures_sign_the_v1_message_with_a_timestamp() {
        let w = test_signer("witness.example/w1", Sm2Kind::Cosignature, 0x22);
        let v = w.verifier();
        let text = b"log.example\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
        let sig = w.cosign(text, 1_700_000_000).unwrap();
        assert_eq!(sig.len(), 72);
        assert_eq!(sig[..8], 1_700_000_000u64.to_be_bytes());
        assert_eq!(v.verify_cosignature(text, &sig), Some(1_700_000_000));
        assert!(NoteVerifier::verify(&v, text, &sig));
        let mut later = sig.clone();
        later[7] ^= 1;
        assert_eq!(v.verify_cosignature(text, &later), None);
        assert!(w.sign(text).is_err());
        assert!(w.cosign(text, MAX_TIMESTAMP + 1).is_err());
        // The cosignature verifies over exactly the v1 message, checked with the plain SM2 API.
        let raw = Sm2Signature::from_raw(&sig[8..]).unwrap();
        let msg = [b"cosignature/v1\ntime 1700000000\n".as_slice(), text].concat();
        yinxin_gm::provider::verify(v.public_key(), UserId::DEFAULT, &msg, &raw).unwrap();
    }
}
