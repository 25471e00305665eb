//! SM2 signature values: `SM2Signature ::= SEQUENCE { R INTEGER, S INTEGER }` (GM/T 0009-2012 §7.2)
//! or the raw 64-byte r‖s some seal formats carry (GM/T 0031-2014 seals in the field do).
//!
//! Parsing is strict DER: definite minimal lengths, minimal non-negative INTEGERs, nothing after
//! the SEQUENCE. Each defect has its own error, so a verification report can say which. r and s
//! are checked against [1, n−1] here, before any curve arithmetic (GB/T 32918.2 §7.1 B1–B2).

use super::in_scalar_range;
use crate::{Error, Result};
use core::fmt;

/// A well-formed SM2 signature: r and s are both in [1, n−1].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sm2Signature {
    r: [u8; 32],
    s: [u8; 32],
}

impl Sm2Signature {
    /// A signature from r and s (big-endian, 32 bytes each), range-checked.
    pub fn from_scalars(r: [u8; 32], s: [u8; 32]) -> Result<Self> {
        if !in_scalar_range(&r) {
            return Err(Error::SignatureROutOfRange);
        }
        if !in_scalar_range(&s) {
            return Err(Error::SignatureSOutOfRange);
        }
        Ok(Self { r, s })
    }

    /// r, big-endian.
    pub fn r(&self) -> &[u8; 32] {
        &self.r
    }

    /// s, big-endian.
    pub fn s(&self) -> &[u8; 32] {
        &self.s
    }

    /// Parse 64 raw bytes r‖s.
    pub fn from_raw(raw: &[u8]) -> Result<Self> {
        if raw.len() != 64 {
            return Err(Error::SignatureEncoding(raw.len()));
        }
        let mut r = [0u8; 32];
        let mut s = [0u8; 32];
        r.copy_from_slice(&raw[..32]);
        s.copy_from_slice(&raw[32..]);
        Self::from_scalars(r, s)
    }

    /// Parse strict DER.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let mut outer = Reader(der);
        let body = outer.tlv(0x30, "expected a SEQUENCE")?;
        if !outer.0.is_empty() {
            return Err(Error::SignatureNotCanonical("bytes after the SEQUENCE"));
        }
        let mut inner = Reader(body);
        let r = inner.integer()?;
        let s = inner.integer()?;
        if !inner.0.is_empty() {
            return Err(Error::SignatureNotCanonical("extra elements in the SEQUENCE"));
        }
        let r = r.ok_or(Error::SignatureROutOfRange)?;
        let s = s.ok_or(Error::SignatureSOutOfRange)?;
        Self::from_scalars(r, s)
    }

    /// Accept either form, as a verifier of other vendors' data must: DER when the bytes are a
    /// DER SEQUENCE, raw r‖s when they are exactly 64 bytes and not DER.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.first() == Some(&0x30) {
            match Self::from_der(bytes) {
                Ok(s) => return Ok(s),
                Err(e) if bytes.len() != 64 => return Err(e),
                Err(_) => {}
            }
        }
        if bytes.len() == 64 {
            return Self::from_raw(bytes);
        }
        if bytes.is_empty() {
            return Err(Error::SignatureTruncated);
        }
        // Not DER-shaped and not 64 bytes: say why in DER terms when it starts like DER.
        Err(Error::SignatureEncoding(bytes.len()))
    }

    /// Accept what other vendors' seals carry: strict DER, raw r‖s, or DER whose INTEGERs break
    /// the rules (a missing 0x00 pad that makes them look negative, superfluous leading zeros).
    /// Returns the signature and, when the input was not canonical, which quirk was tolerated.
    /// Only for verifying stored data: r and s are still range-checked.
    pub fn from_bytes_lenient(bytes: &[u8]) -> Result<(Self, Option<&'static str>)> {
        match Self::from_bytes(bytes) {
            Ok(s) if bytes.len() == 64 && bytes.first() != Some(&0x30) => {
                Ok((s, Some("raw 64-byte r||s instead of DER")))
            }
            Ok(s) if bytes.len() == 64 && Self::from_der(bytes).is_err() => {
                Ok((s, Some("raw 64-byte r||s instead of DER")))
            }
            Ok(s) => Ok((s, None)),
            Err(Error::SignatureNotCanonical(_)) => {
                let mut outer = Reader(bytes);
                let body = outer.tlv(0x30, "expected a SEQUENCE")?;
                let mut inner = Reader(body);
                let mut take = || -> Result<[u8; 32]> {
                    let v = inner.tlv(0x02, "expected an INTEGER")?;
                    let first = v.iter().position(|b| *b != 0).unwrap_or(v.len());
                    let v = &v[first..];
                    if v.len() > 32 {
                        return Err(Error::SignatureROutOfRange);
                    }
                    let mut out = [0u8; 32];
                    out[32 - v.len()..].copy_from_slice(v);
                    Ok(out)
                };
                let r = take()?;
                let s = take()
                    .map_err(|e| if e == Error::SignatureROutOfRange { Error::SignatureSOutOfRange } else { e })?;
                Ok((Self::from_scalars(r, s)?, Some("non-canonical DER INTEGERs (read as unsigned)")))
            }
            Err(e) => Err(e),
        }
    }

    /// The DER encoding.
    pub fn to_der(&self) -> Vec<u8> {
        let r = der_uint(&self.r);
        let s = der_uint(&self.s);
        let len = r.len() + s.len();
        let mut out = Vec::with_capacity(len + 2);
        out.push(0x30);
        out.push(len as u8); // at most 2 × 35 = 70 < 128: short form
        out.extend(r);
        out.extend(s);
        out
    }

    /// The raw 64-byte r‖s encoding.
    pub fn to_raw(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&self.r);
        out[32..].copy_from_slice(&self.s);
        out
    }
}

impl fmt::Debug for Sm2Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sm2Signature {{ r: {}, s: {} }}", hex::encode(self.r), hex::encode(self.s))
    }
}

fn der_uint(v: &[u8; 32]) -> Vec<u8> {
    let first = v.iter().position(|b| *b != 0).unwrap_or(31);
    let body = &v[first..];
    let pad = body[0] & 0x80 != 0;
    let mut out = Vec::with_capacity(body.len() + 3);
    out.push(0x02);
    out.push((body.len() + usize::from(pad)) as u8);
    if pad {
        out.push(0);
    }
    out.extend_from_slice(body);
    out
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8> {
        let (b, rest) = self.0.split_first().ok_or(Error::SignatureTruncated)?;
        self.0 = rest;
        Ok(*b)
    }

    fn tlv(&mut self, tag: u8, wrong_tag: &'static str) -> Result<&'a [u8]> {
        if self.byte()? != tag {
            return Err(Error::SignatureNotCanonical(wrong_tag));
        }
        let first = self.byte()?;
        let len = match first {
            0..=0x7f => usize::from(first),
            0x80 => return Err(Error::SignatureNotCanonical("indefinite length")),
            0x81 => {
                let l = self.byte()?;
                if l < 0x80 {
                    return Err(Error::SignatureNotCanonical("long-form length where the short form fits"));
                }
                usize::from(l)
            }
            _ => {
                return Err(Error::SignatureNotCanonical("length too large for an SM2 signature"));
            }
        };
        if self.0.len() < len {
            return Err(Error::SignatureTruncated);
        }
        let (v, rest) = self.0.split_at(len);
        self.0 = rest;
        Ok(v)
    }

    /// A non-negative minimal INTEGER that fits 256 bits; `None` when it is zero.
    fn integer(&mut self) -> Result<Option<[u8; 32]>> {
        let v = self.tlv(0x02, "expected an INTEGER")?;
        match v {
            [] => Err(Error::SignatureNotCanonical("empty INTEGER")),
            [b, ..] if b & 0x80 != 0 => Err(Error::SignatureNotCanonical("negative INTEGER")),
            [0, b, ..] if b & 0x80 == 0 => Err(Error::SignatureNotCanonical("INTEGER with a superfluous leading zero")),
            _ => {
                let v = if v[0] == 0 && v.len() > 1 { &v[1..] } else { v };
                if v.len() > 32 {
                    // Too large for [1, n-1]; which one is decided by the caller's order of reads.
                    return Ok(Some([0xff; 32]));
                }
                let mut out = [0u8; 32];
                out[32 - v.len()..].copy_from_slice(v);
                Ok(if out == [0u8; 32] { None } else { Some(out) })
            }
        }
    }
}
