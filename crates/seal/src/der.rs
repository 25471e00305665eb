//! A lenient reader of the BER/DER that real seals carry, keeping every TLV's bytes as stored.
//!
//! Seals in the field break DER (an explicit `BOOLEAN FALSE` for a DEFAULT, raw r‖s in a BIT
//! STRING, UTCTime where GeneralizedTime belongs; see `docs/standards.md` §2.4). This reader
//! accepts definite lengths in any form and hands back slices of the input, so that signatures are
//! checked over the stored bytes and never over a re-encoding. Indefinite lengths are refused:
//! no seal producer uses them and they cannot be signed over reliably. Nesting costs nothing:
//! the parsers above read each level by name, never recursively (`tests/limits.rs`).

use crate::{Error, Result};
use time::OffsetDateTime;

/// One TLV.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    /// The tag byte (single-byte tags only, as in every seal structure).
    pub tag: u8,
    /// Tag, length and value as stored.
    pub raw: &'a [u8],
    /// The value.
    pub value: &'a [u8],
}

/// ASN.1 universal tags used here.
#[allow(missing_docs)]
pub mod tag {
    pub const BOOLEAN: u8 = 0x01;
    pub const INTEGER: u8 = 0x02;
    pub const BIT_STRING: u8 = 0x03;
    pub const OCTET_STRING: u8 = 0x04;
    pub const OID: u8 = 0x06;
    pub const UTF8_STRING: u8 = 0x0c;
    pub const PRINTABLE_STRING: u8 = 0x13;
    pub const IA5_STRING: u8 = 0x16;
    pub const UTC_TIME: u8 = 0x17;
    pub const GENERALIZED_TIME: u8 = 0x18;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;
    pub const CTX0_CONS: u8 = 0xa0;
    pub const CTX0_PRIM: u8 = 0x80;
}

/// Read one TLV from the front of `input`.
pub fn read<'a>(input: &'a [u8], what: &str) -> Result<(Tlv<'a>, &'a [u8])> {
    let err = |m: &str| Error::Format(format!("{what}: {m}"));
    let (&t, rest) = input.split_first().ok_or_else(|| err("missing"))?;
    if t & 0x1f == 0x1f {
        return Err(err("multi-byte tag"));
    }
    let (&l0, rest) = rest.split_first().ok_or_else(|| err("truncated length"))?;
    let (len, rest) = match l0 {
        0..=0x7f => (usize::from(l0), rest),
        0x80 => return Err(err("indefinite length")),
        0x81..=0x84 => {
            let n = usize::from(l0 & 0x7f);
            if rest.len() < n {
                return Err(err("truncated length"));
            }
            (rest[..n].iter().fold(0usize, |a, b| (a << 8) | usize::from(*b)), &rest[n..])
        }
        _ => return Err(err("length too large")),
    };
    if rest.len() < len {
        return Err(err("truncated value"));
    }
    let header = input.len() - rest.len();
    Ok((Tlv { tag: t, raw: &input[..header + len], value: &rest[..len] }, &rest[len..]))
}

/// Read exactly one TLV that fills `input`.
pub fn read_all<'a>(input: &'a [u8], what: &str) -> Result<Tlv<'a>> {
    let (t, rest) = read(input, what)?;
    if !rest.is_empty() {
        return Err(Error::Format(format!("{what}: {} bytes after the structure", rest.len())));
    }
    Ok(t)
}

impl<'a> Tlv<'a> {
    /// The children of a constructed TLV.
    pub fn children(&self, what: &str) -> Result<Vec<Tlv<'a>>> {
        if self.tag & 0x20 == 0 {
            return Err(Error::Format(format!("{what}: expected a constructed value")));
        }
        let mut out = Vec::new();
        let mut rest = self.value;
        while !rest.is_empty() {
            let (t, r) = read(rest, what)?;
            out.push(t);
            rest = r;
        }
        Ok(out)
    }

    /// Require a tag.
    pub fn expect(self, tag: u8, what: &str) -> Result<Self> {
        if self.tag != tag {
            return Err(Error::Format(format!("{what}: expected tag {tag:#04x}, found {:#04x}", self.tag)));
        }
        Ok(self)
    }

    /// A small INTEGER (negative allowed).
    pub fn int(self, what: &str) -> Result<i64> {
        let v = self.expect(tag::INTEGER, what)?.value;
        if v.is_empty() || v.len() > 8 {
            return Err(Error::Format(format!("{what}: INTEGER of {} bytes", v.len())));
        }
        let mut x: i64 = if v[0] & 0x80 != 0 { -1 } else { 0 };
        for b in v {
            x = (x << 8) | i64::from(*b);
        }
        Ok(x)
    }

    /// Text of an IA5String, PrintableString or UTF8String (lossy for invalid UTF-8, which is
    /// reported by [`Tlv::utf8_strict`] where it matters).
    pub fn text(self, what: &str) -> Result<String> {
        match self.tag {
            tag::IA5_STRING | tag::PRINTABLE_STRING | tag::UTF8_STRING | 0x1e | 0x14 => {
                Ok(String::from_utf8_lossy(self.value).into_owned())
            }
            t => Err(Error::Format(format!("{what}: expected a string, found tag {t:#04x}"))),
        }
    }

    /// OCTET STRING content.
    pub fn octets(self, what: &str) -> Result<&'a [u8]> {
        Ok(self.expect(tag::OCTET_STRING, what)?.value)
    }

    /// BIT STRING content without the unused-bits byte, which must be 0.
    pub fn bits(self, what: &str) -> Result<&'a [u8]> {
        let v = self.expect(tag::BIT_STRING, what)?.value;
        match v.split_first() {
            Some((0, rest)) => Ok(rest),
            Some((n, _)) => Err(Error::Format(format!("{what}: BIT STRING with {n} unused bits"))),
            None => Err(Error::Format(format!("{what}: empty BIT STRING"))),
        }
    }

    /// BIT STRING or OCTET STRING content (some v1 producers use either for timeInfo/dataHash).
    pub fn bits_or_octets(self, what: &str) -> Result<&'a [u8]> {
        if self.tag == tag::OCTET_STRING { Ok(self.value) } else { self.bits(what) }
    }

    /// An OBJECT IDENTIFIER, dotted.
    pub fn oid(self, what: &str) -> Result<String> {
        let v = self.expect(tag::OID, what)?.value;
        yinxin_pki::oid::decode_wide(v).ok_or_else(|| Error::Format(format!("{what}: malformed OID")))
    }

    /// A UTCTime or GeneralizedTime (fractional seconds and a missing zone, read as UTC, allowed).
    pub fn time(self, what: &str) -> Result<OffsetDateTime> {
        let s = core::str::from_utf8(self.value).map_err(|_| Error::Format(format!("{what}: time is not ASCII")))?;
        let parsed = match self.tag {
            tag::UTC_TIME => parse_time(s, true),
            tag::GENERALIZED_TIME => parse_time(s, false),
            t => return Err(Error::Format(format!("{what}: expected a time, found tag {t:#04x}"))),
        };
        parsed.ok_or_else(|| Error::Format(format!("{what}: invalid time {s:?}")))
    }
}

/// `YYMMDDHHMM[SS]Z` (UTCTime) or `YYYYMMDDHHMMSS[.fff][Z|±hhmm]` (GeneralizedTime).
pub fn parse_time(s: &str, utc_time: bool) -> Option<OffsetDateTime> {
    let (body, offset_secs) = if let Some(b) = s.strip_suffix('Z') {
        (b, 0i32)
    } else if let Some(pos) = s.rfind(['+', '-']).filter(|p| *p >= 10) {
        let (b, z) = s.split_at(pos);
        let sign = if z.starts_with('-') { -1 } else { 1 };
        let hh: i32 = z.get(1..3)?.parse().ok()?;
        let mm: i32 = z.get(3..5).unwrap_or("00").parse().ok()?;
        (b, sign * (hh * 3600 + mm * 60))
    } else {
        (s, 0)
    };
    let (main, _frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = |r: core::ops::Range<usize>| -> Option<u32> { main.get(r)?.parse().ok() };
    let (year, rest) = if utc_time {
        let yy = digits(0..2)? as i32;
        (if yy >= 50 { 1900 + yy } else { 2000 + yy }, 2)
    } else {
        (digits(0..4)? as i32, 4)
    };
    if !main.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let month = digits(rest..rest + 2)?;
    let day = digits(rest + 2..rest + 4)?;
    let hour = digits(rest + 4..rest + 6)?;
    let minute = digits(rest + 6..rest + 8)?;
    let second = if main.len() >= rest + 10 { digits(rest + 8..rest + 10)? } else { 0 };
    let date = time::Date::from_calendar_date(year, time::Month::try_from(month as u8).ok()?, day as u8).ok()?;
    let t = time::Time::from_hms(hour as u8, minute as u8, second as u8).ok()?;
    let offset = time::UtcOffset::from_whole_seconds(offset_secs).ok()?;
    Some(time::PrimitiveDateTime::new(date, t).assume_offset(offset).to_offset(time::UtcOffset::UTC))
}

/// DER encoding helpers for the strict writer.
pub mod write {
    /// A TLV with a definite, minimal length.
    pub use yinxin_pki::issue::tlv;
    /// SEQUENCE of already-encoded parts.
    pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
        tlv(super::tag::SEQUENCE, &parts.concat())
    }
    /// A minimal INTEGER.
    pub fn int(v: i64) -> Vec<u8> {
        let bytes = v.to_be_bytes();
        let mut start = 0;
        while start < 7
            && ((bytes[start] == 0 && bytes[start + 1] & 0x80 == 0)
                || (bytes[start] == 0xff && bytes[start + 1] & 0x80 != 0))
        {
            start += 1;
        }
        tlv(super::tag::INTEGER, &bytes[start..])
    }
    /// BIT STRING with 0 unused bits.
    pub fn bits(content: &[u8]) -> Vec<u8> {
        tlv(super::tag::BIT_STRING, &[&[0u8][..], content].concat())
    }
    /// The text of a GeneralizedTime in UTC, `YYYYMMDDHHMMSSZ` (also OFD's SignatureDateTime).
    pub fn generalized_time_text(t: time::OffsetDateTime) -> String {
        let t = t.to_offset(time::UtcOffset::UTC);
        format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
    /// GeneralizedTime `YYYYMMDDHHMMSSZ`.
    pub fn generalized_time(t: time::OffsetDateTime) -> Vec<u8> {
        tlv(super::tag::GENERALIZED_TIME, generalized_time_text(t).as_bytes())
    }
    /// An OID from dotted form (validated by the caller's constants).
    pub fn oid(dotted: &str) -> Vec<u8> {
        tlv(super::tag::OID, &yinxin_pki::oid::encode_wide(dotted).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_the_forms_seals_use() {
        let t = |s, u| parse_time(s, u).map(|t| t.unix_timestamp());
        assert_eq!(t("20201010151120Z", false), Some(1602342680));
        assert_eq!(t("20201004072855.302Z", false), Some(1601796535));
        assert_eq!(t("20221031141634", false), Some(1667225794));
        assert_eq!(t("201010151120Z", true), Some(1602342680));
        assert_eq!(t("20201010231120+0800", false), Some(1602342680));
        assert_eq!(t("2020101015", false), None);
        assert_eq!(t("garbage", true), None);
    }

    #[test]
    fn integers_encode_minimally() {
        assert_eq!(write::int(4), vec![2, 1, 4]);
        assert_eq!(write::int(128), vec![2, 2, 0, 128]);
        assert_eq!(write::int(-1), vec![2, 1, 0xff]);
        let encoded = write::int(300);
        let (t, _) = read(&encoded, "x").unwrap();
        assert_eq!(t.int("x").unwrap(), 300);
    }
}
