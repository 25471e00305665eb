//! The entries of yinxin's log: one per licence, seal or person-certificate event, in a
//! versioned, canonical binary encoding (one value, one byte string; nothing else decodes).
//!
//! # Encoding, version 1
//!
//! Big-endian integers; `str` is a u16 length then that many bytes of UTF-8 without control
//! characters; fields in this order, nothing after the last:
//!
//! | field | type | meaning |
//! |---|---|---|
//! | version | u8 = 1 | this format |
//! | kind | u8 | [`EntryKind`] code |
//! | time | u64 | when the event took effect, POSIX seconds, UTC |
//! | issuer | str, 1..=128 bytes | code of the department (发证部门) or seal authority (制章机构) acting |
//! | subject | str, 1..=256 | licence identifier (GB/T 36904), seal code, or certificate serial (hex) |
//! | subject type | str, 0..=128 | licence type code (GB/T 36902 catalogue), seal type, certificate profile |
//! | holder | 32 bytes | [`HolderTag`] of the holder (持证主体) |
//! | digests | u8 count 0..=4, then count × (u8 [`DigestKind`], 32-byte SM3) | kinds strictly ascending |
//! | replaces | str, 0..=256 | for a re-issue, the identifier it replaces; empty otherwise |
//! | reason | str, 0..=1024 | for suspension, revocation, cancellation: the stated reason; may be empty |
//!
//! A length-prefixed format rather than CBOR: it is canonical by construction (no choice of
//! integer width, map order or indefinite lengths to pin down), a dozen lines in any language
//! for the independent checker and monitors, and short (about 150 bytes for an issuance). The
//! leaf hash is the log's `H(0x00 ‖ encoding)`; a later version gets a new version byte and
//! readers refuse versions they do not know.
//!
//! # Holders
//!
//! The log must let a citizen find their own licences without revealing anyone's ID number.
//! The holder field is `HMAC-SM3(K, "yinxin-tlog/holder/v1" ‖ 0x00 ‖ code)` where `code` is the
//! holder's identity code (公民身份号码, 统一社会信用代码, …) trimmed and in upper case, and `K`
//! is a 32-byte secret of the log ([`HolderKey`], the "per-log salt"). K is never published:
//! a published salt would let anyone test every possible ID number (about 10^11 of them) against
//! the log. Instead the wallet gives each holder their own tag; with it a monitor lists that
//! holder's entries, and learns nothing about any other holder.

use crate::Error;
use crate::hash::{Hash, Hasher};
use zeroize::Zeroizing;

/// The encoding version this module writes and reads.
pub const ENTRY_VERSION: u8 = 1;

const MAX_ISSUER: usize = 128;
const MAX_SUBJECT: usize = 256;
const MAX_SUBJECT_TYPE: usize = 128;
const MAX_REASON: usize = 1024;
const MAX_DIGESTS: usize = 4;
const MAX_HOLDER_CODE: usize = 64;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum EntryKind {
    /// A licence was issued.
    LicenceIssued = 0x01,
    /// A licence was re-issued (replacing another; `replaces` names it).
    LicenceReissued = 0x02,
    /// A licence was suspended.
    LicenceSuspended = 0x03,
    /// A suspended licence was resumed.
    LicenceResumed = 0x04,
    /// A licence was revoked.
    LicenceRevoked = 0x05,
    /// An e-seal was made (制作).
    SealMade = 0x11,
    /// An e-seal was filed (备案).
    SealFiled = 0x12,
    /// An e-seal was suspended.
    SealSuspended = 0x13,
    /// An e-seal was cancelled (注销).
    SealCancelled = 0x14,
    /// A person's signing certificate was issued.
    PersonCertIssued = 0x21,
    /// A person's signing certificate was cancelled.
    PersonCertCancelled = 0x22,
}

impl EntryKind {
    /// All kinds.
    pub const ALL: [EntryKind; 11] = [
        Self::LicenceIssued,
        Self::LicenceReissued,
        Self::LicenceSuspended,
        Self::LicenceResumed,
        Self::LicenceRevoked,
        Self::SealMade,
        Self::SealFiled,
        Self::SealSuspended,
        Self::SealCancelled,
        Self::PersonCertIssued,
        Self::PersonCertCancelled,
    ];

    /// The kind with this code.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|k| *k as u8 == code)
    }

    /// The digest kinds an entry of this kind must carry at least one of (none for status
    /// changes).
    fn required_digests(self) -> &'static [DigestKind] {
        match self {
            Self::LicenceIssued | Self::LicenceReissued => &[DigestKind::Ofd, DigestKind::Pdf],
            Self::SealMade => &[DigestKind::Seal],
            Self::PersonCertIssued => &[DigestKind::Certificate],
            _ => &[],
        }
    }
}

/// What a digest in an entry is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum DigestKind {
    /// The licence's OFD file (GB/T 33190), as issued.
    Ofd = 0x01,
    /// The licence's PDF file, as issued.
    Pdf = 0x02,
    /// The seal structure (GB/T 38540 SES_Seal, DER).
    Seal = 0x03,
    /// The certificate (DER).
    Certificate = 0x04,
}

impl DigestKind {
    fn from_code(code: u8) -> Option<Self> {
        [Self::Ofd, Self::Pdf, Self::Seal, Self::Certificate].into_iter().find(|k| *k as u8 == code)
    }
}

/// A holder's tag: what the log holds instead of the holder's identity code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HolderTag(pub [u8; 32]);

/// The log's secret for holder tags (see the module docs). Zeroized on drop, never printed.
#[derive(Clone)]
pub struct HolderKey(Zeroizing<[u8; 32]>);

impl core::fmt::Debug for HolderKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("HolderKey(..)")
    }
}

impl HolderKey {
    /// The key from its 32 bytes.
    pub fn from_bytes(key: [u8; 32]) -> Self {
        Self(Zeroizing::new(key))
    }

    /// The tag of holder `code`: trimmed, upper-cased, then HMAC-SM3 with the domain label.
    /// Codes are 1..=64 characters of `0-9`, `A-Z` and `-` after normalising.
    pub fn tag(&self, code: &str) -> Result<HolderTag, Error> {
        let code = code.trim().to_ascii_uppercase();
        if code.is_empty()
            || code.len() > MAX_HOLDER_CODE
            || !code.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'-')
        {
            return Err(Error::InvalidEntry("holder code is not 1..=64 of 0-9, A-Z, '-'"));
        }
        let mut mac = yinxin_gm::sm3::HmacSm3::new(self.0.as_slice());
        mac.update(b"yinxin-tlog/holder/v1\0").update(code.as_bytes());
        Ok(HolderTag(mac.finalize()))
    }
}

/// One log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// What happened.
    pub kind: EntryKind,
    /// When, POSIX seconds UTC.
    pub time: u64,
    /// The acting department's or seal authority's code.
    pub issuer: String,
    /// The licence identifier, seal code or certificate serial.
    pub subject: String,
    /// The licence type code, seal type or certificate profile (may be empty).
    pub subject_type: String,
    /// The holder's tag.
    pub holder: HolderTag,
    /// SM3 digests of what was issued, kinds strictly ascending.
    pub digests: Vec<(DigestKind, yinxin_gm::Sm3Digest)>,
    /// For a re-issue, the identifier replaced; empty otherwise.
    pub replaces: String,
    /// The stated reason of a status change (may be empty).
    pub reason: String,
}

impl Entry {
    /// Check the rules the encoding alone does not: digests a kind needs, `replaces` only on
    /// a re-issue, field lengths, no control characters.
    pub fn validate(&self) -> Result<(), Error> {
        check_str(&self.issuer, 1, MAX_ISSUER, "issuer")?;
        check_str(&self.subject, 1, MAX_SUBJECT, "subject")?;
        check_str(&self.subject_type, 0, MAX_SUBJECT_TYPE, "subject type")?;
        check_str(&self.replaces, 0, MAX_SUBJECT, "replaces")?;
        check_str(&self.reason, 0, MAX_REASON, "reason")?;
        if self.digests.len() > MAX_DIGESTS {
            return Err(Error::InvalidEntry("more than 4 digests"));
        }
        if self.digests.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(Error::InvalidEntry("digest kinds are not strictly ascending"));
        }
        let need = self.kind.required_digests();
        if !need.is_empty() && !self.digests.iter().any(|(k, _)| need.contains(k)) {
            return Err(Error::InvalidEntry("the kind needs a digest of what was issued"));
        }
        if (self.kind == EntryKind::LicenceReissued) == self.replaces.is_empty() {
            return Err(Error::InvalidEntry("'replaces' is set on, and only on, a re-issue"));
        }
        Ok(())
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        self.validate()?;
        let mut out = vec![ENTRY_VERSION, self.kind as u8];
        out.extend_from_slice(&self.time.to_be_bytes());
        for s in [&self.issuer, &self.subject, &self.subject_type] {
            put_str(&mut out, s);
        }
        out.extend_from_slice(&self.holder.0);
        out.push(self.digests.len() as u8);
        for (k, d) in &self.digests {
            out.push(*k as u8);
            out.extend_from_slice(&d.0);
        }
        put_str(&mut out, &self.replaces);
        put_str(&mut out, &self.reason);
        Ok(out)
    }

    /// Decode, strictly: exactly the bytes [`Entry::encode`] writes for some valid entry.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let mut r = Reader(bytes);
        if r.u8()? != ENTRY_VERSION {
            return Err(Error::InvalidEntry("unknown version"));
        }
        let kind = EntryKind::from_code(r.u8()?).ok_or(Error::InvalidEntry("unknown kind"))?;
        let time = u64::from_be_bytes(r.array()?);
        let issuer = r.str()?;
        let subject = r.str()?;
        let subject_type = r.str()?;
        let holder = HolderTag(r.array()?);
        let n = usize::from(r.u8()?);
        if n > MAX_DIGESTS {
            return Err(Error::InvalidEntry("more than 4 digests"));
        }
        let mut digests = Vec::with_capacity(n);
        for _ in 0..n {
            let k = DigestKind::from_code(r.u8()?).ok_or(Error::InvalidEntry("unknown digest kind"))?;
            digests.push((k, yinxin_gm::Sm3Digest(r.array()?)));
        }
        let replaces = r.str()?;
        let reason = r.str()?;
        if !r.0.is_empty() {
            return Err(Error::InvalidEntry("bytes after the last field"));
        }
        let e = Self { kind, time, issuer, subject, subject_type, holder, digests, replaces, reason };
        e.validate()?;
        Ok(e)
    }

    /// The leaf hash of this entry in a log hashed with `H`.
    pub fn leaf_hash<H: Hasher>(&self) -> Result<Hash, Error> {
        Ok(H::hash_leaf(&self.encode()?))
    }
}

fn check_str(s: &str, min: usize, max: usize, _what: &'static str) -> Result<(), Error> {
    if s.len() < min || s.len() > max {
        return Err(Error::InvalidEntry("a text field's length is out of bounds"));
    }
    if s.chars().any(char::is_control) {
        return Err(Error::InvalidEntry("control character in a text field"));
    }
    Ok(())
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u16).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], Error> {
        if self.0.len() < n {
            return Err(Error::InvalidEntry("truncated"));
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.take(1)?[0])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        self.take(N)?.try_into().map_err(|_| Error::InvalidEntry("truncated"))
    }

    fn str(&mut self) -> Result<String, Error> {
        let n = usize::from(u16::from_be_bytes(self.array()?));
        let b = self.take(n)?;
        String::from_utf8(b.to_vec()).map_err(|_| Error::InvalidEntry("text field is not UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::Sm3;
    use proptest::prelude::*;
    use yinxin_gm::Sm3Digest;

    fn key() -> HolderKey {
        HolderKey::from_bytes([0x5a; 32])
    }

    pub(crate) fn issued() -> Entry {
        Entry {
            kind: EntryKind::LicenceIssued,
            time: 1_760_000_000,
            issuer: "11330100002493827X".into(),
            subject: "33010020250000001X".into(),
            subject_type: "11100000000000127W001".into(),
            holder: key().tag("330102199001011234").unwrap(),
            digests: vec![(DigestKind::Ofd, Sm3Digest([1; 32])), (DigestKind::Pdf, Sm3Digest([2; 32]))],
            replaces: String::new(),
            reason: String::new(),
        }
    }

    #[test]
    fn an_issuance_encodes_to_the_documented_bytes() {
        let e = issued();
        let b = e.encode().unwrap();
        assert_eq!(&b[..2], &[1, 0x01]);
        assert_eq!(&b[2..10], &1_760_000_000u64.to_be_bytes());
        assert_eq!(&b[10..12], &[0, 18]);
        assert_eq!(&b[12..30], b"11330100002493827X");
        assert_eq!(b.len(), 2 + 8 + (2 + 18) + (2 + 18) + (2 + 21) + 32 + 1 + 2 * 33 + 2 + 2);
        assert_eq!(Entry::decode(&b).unwrap(), e);
        assert_eq!(e.leaf_hash::<Sm3>().unwrap(), Sm3::hash_leaf(&b));
    }

    #[test]
    fn holder_tags_normalise_and_depend_on_the_key() {
        let k = key();
        let t = k.tag("330102199001011234").unwrap();
        assert_eq!(k.tag(" 330102199001011234\n").unwrap(), t);
        assert_eq!(k.tag("33010219900101123x").unwrap(), k.tag("33010219900101123X").unwrap());
        assert_ne!(k.tag("330102199001011235").unwrap(), t);
        assert_ne!(HolderKey::from_bytes([0; 32]).tag("330102199001011234").unwrap(), t);
        // The tag is HMAC-SM3 over the labelled code, nothing else.
        let mut data = b"yinxin-tlog/holder/v1\0".to_vec();
        data.extend_from_slice(b"330102199001011234");
        assert_eq!(t.0, yinxin_gm::sm3::hmac_sm3(&[0x5a; 32], &data));
        for bad in ["", "   ", "33 01", "张三", &"1".repeat(65)] {
            assert!(k.tag(bad).is_err(), "{bad:?}");
        }
        assert_eq!(format!("{k:?}"), "HolderKey(..)");
    }

    #[test]
    fn kind_rules_are_enforced() {
        let mut e = issued();
        e.digests.clear();
        assert!(e.encode().is_err());
        let mut e = issued();
        e.replaces = "old".into();
        assert!(e.encode().is_err());
        e.kind = EntryKind::LicenceReissued;
        e.encode().unwrap();
        let mut e = issued();
        e.kind = EntryKind::LicenceRevoked;
        e.digests.clear();
        e.reason = "申请人以欺骗手段取得".into();
        Entry::decode(&e.encode().unwrap()).unwrap();
        let mut e = issued();
        e.digests.swap(0, 1);
        assert!(e.encode().is_err());
        let mut e = issued();
        e.issuer = "a\nb".into();
        assert!(e.encode().is_err());
    }

    #[test]
    fn decoding_is_strict() {
        let b = issued().encode().unwrap();
        assert!(Entry::decode(&[b.as_slice(), &[0]].concat()).is_err());
        assert!(Entry::decode(&b[..b.len() - 1]).is_err());
        let mut v2 = b.clone();
        v2[0] = 2;
        assert!(Entry::decode(&v2).is_err());
        let mut k = b.clone();
        k[1] = 0x06;
        assert!(Entry::decode(&k).is_err());
        assert!(Entry::decode(&[]).is_err());
    }

    fn any_entry() -> impl Strategy<Value = Entry> {
        let text = |min: usize, max: usize| {
            proptest::string::string_regex(&format!("[a-zA-Z0-9 证照-]{{{min},{max}}}")).unwrap()
        };
        (
            proptest::sample::select(EntryKind::ALL.to_vec()),
            any::<u64>(),
            text(1, 40),
            text(1, 60),
            text(0, 30),
            any::<[u8; 32]>(),
            proptest::sample::subsequence(
                vec![DigestKind::Ofd, DigestKind::Pdf, DigestKind::Seal, DigestKind::Certificate],
                0..=4,
            ),
            any::<[u8; 32]>(),
            text(1, 40),
            text(0, 100),
        )
            .prop_map(|(kind, time, issuer, subject, subject_type, holder, kinds, d, replaces, reason)| {
                let mut digests: Vec<_> = kinds.into_iter().map(|k| (k, Sm3Digest(d))).collect();
                let need = kind.required_digests();
                if !need.is_empty() && !digests.iter().any(|(k, _)| need.contains(k)) {
                    digests.push((need[0], Sm3Digest(d)));
                    digests.sort_by_key(|(k, _)| *k);
                }
                let replaces = if kind == EntryKind::LicenceReissued { replaces } else { String::new() };
                Entry {
                    kind,
                    time,
                    issuer,
                    subject,
                    subject_type,
                    holder: HolderTag(holder),
                    digests,
                    replaces,
                    reason,
                }
            })
    }

    proptest! {
        #[test]
        fn encode_decode_round_trip(e in any_entry()) {
            let b = e.encode().unwrap();
            prop_assert_eq!(Entry::decode(&b).unwrap(), e);
        }

        #[test]
        fn whatever_decodes_re_encodes_to_the_same_bytes(e in any_entry(), pos in any::<usize>(), byte in any::<u8>()) {
            let mut b = e.encode().unwrap();
            let i = pos % b.len();
            b[i] = byte;
            if let Ok(d) = Entry::decode(&b) {
                prop_assert_eq!(d.encode().unwrap(), b);
            }
        }
    }
}
