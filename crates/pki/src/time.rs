//! Instants in UTC: parsing the CLI's `--at` values and converting to and from X.509 times.

use crate::{Error, Result};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Serde: an instant as [`format_instant`] writes it.
pub fn serialize_instant<S: serde::Serializer>(t: &OffsetDateTime, s: S) -> core::result::Result<S::Ok, S::Error> {
    s.serialize_str(&format_instant(*t))
}

/// Parse RFC 3339 (`2026-11-26T08:00:00Z`, `2026-11-26T16:00:00+08:00`), a bare date
/// (`2026-11-26`, midnight UTC), or `now`.
pub fn parse_instant(s: &str) -> Result<OffsetDateTime> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("now") {
        return Ok(OffsetDateTime::now_utc());
    }
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let date_fmt = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = time::Date::parse(s, &date_fmt) {
        return Ok(d.midnight().assume_utc());
    }
    Err(Error::Time(format!("{s:?} is not RFC 3339 (e.g. 2026-11-26T08:00:00Z), a date, or 'now'")))
}

/// RFC 3339 in UTC.
pub fn format_instant(t: OffsetDateTime) -> String {
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.to_offset(time::UtcOffset::UTC).format(&Rfc3339).unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// An X.509 `Time`: UTCTime through 2049, GeneralizedTime after (RFC 5280 §4.1.2.5).
pub fn x509_time(t: OffsetDateTime) -> Result<x509_cert::time::Time> {
    let secs = u64::try_from(t.unix_timestamp()).map_err(|_| Error::Time("before 1970".into()))?;
    let dt = der::DateTime::from_unix_duration(std::time::Duration::from_secs(secs))
        .map_err(|e| Error::Time(e.to_string()))?;
    if dt.year() < 2050 {
        Ok(x509_cert::time::Time::UtcTime(
            der::asn1::UtcTime::from_date_time(dt).map_err(|e| Error::Time(e.to_string()))?,
        ))
    } else {
        Ok(x509_cert::time::Time::GeneralTime(der::asn1::GeneralizedTime::from_date_time(dt)))
    }
}

/// A `GeneralizedTime` (for TSTInfo genTime).
pub fn generalized_time(t: OffsetDateTime) -> Result<der::asn1::GeneralizedTime> {
    let secs = u64::try_from(t.unix_timestamp()).map_err(|_| Error::Time("before 1970".into()))?;
    der::asn1::GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(secs))
        .map_err(|e| Error::Time(e.to_string()))
}

/// From an x509-parser time.
pub fn from_asn1(t: x509_parser::time::ASN1Time) -> OffsetDateTime {
    t.to_datetime()
}
