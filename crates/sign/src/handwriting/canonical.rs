//! The canonical bytes of a handwritten signature, version 1; the layout is in the parent
//! module's documentation. Verifiers recompute the SM3 of these bytes, so the encoding of a valid
//! signature must never change; a new layout takes a new version byte.

use super::{
    ABSENT, Handwriting, MAX_POINTS, MAX_POINTS_PER_STROKE, MAX_STROKES, Point, PointerKind, Stroke, coord_from_q,
    coord_q, invalid, pressure_from_q, pressure_q,
};
use crate::Result;

/// First four bytes.
pub(super) const MAGIC: &[u8; 4] = b"YXHW";
/// The layout this module writes and reads.
pub(super) const VERSION: u8 = 1;
/// x, y, t, p.
const POINT_LEN: usize = 4 + 4 + 4 + 2;
/// A pressure byte pair that no valid value has: what an invalid pressure encodes to, so that
/// its bytes are refused rather than read as a valid pressure or as "not given".
const BAD_PRESSURE: u16 = 0xFFFE;

/// Counts saturate, so a value too large for its field encodes to one that the decoder refuses.
fn count16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(ABSENT)
}

pub(super) fn encode(hw: &Handwriting) -> Vec<u8> {
    let points: usize = hw.strokes.iter().map(|s| s.points.len()).sum();
    let device = hw.device.as_deref().map(str::as_bytes);
    let mut out = Vec::with_capacity(16 + device.map_or(0, <[u8]>::len) + 2 * hw.strokes.len() + POINT_LEN * points);
    out.extend_from_slice(MAGIC);
    out.push(VERSION);
    out.extend_from_slice(&count16(hw.width as usize).to_be_bytes());
    out.extend_from_slice(&count16(hw.height as usize).to_be_bytes());
    out.push(hw.pointer.map_or(0, PointerKind::code));
    match device {
        None => out.extend_from_slice(&ABSENT.to_be_bytes()),
        Some(d) => {
            // A description too long for the field is cut; it is refused either way (> 200 chars).
            let d = &d[..d.len().min(usize::from(ABSENT - 1))];
            out.extend_from_slice(&count16(d.len()).to_be_bytes());
            out.extend_from_slice(d);
        }
    }
    out.extend_from_slice(&count16(hw.strokes.len()).to_be_bytes());
    for stroke in &hw.strokes {
        out.extend_from_slice(&count16(stroke.points.len()).to_be_bytes());
        for p in &stroke.points {
            out.extend_from_slice(&coord_q(f64::from(p.x)).to_be_bytes());
            out.extend_from_slice(&coord_q(f64::from(p.y)).to_be_bytes());
            out.extend_from_slice(&p.t.to_be_bytes());
            let pressure = match p.p {
                None => ABSENT,
                Some(v) => pressure_q(f64::from(v)).unwrap_or(BAD_PRESSURE),
            };
            out.extend_from_slice(&pressure.to_be_bytes());
        }
    }
    out
}

/// A cursor that refuses to read past the end.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(invalid(format!("canonical bytes end inside the {what} at byte {}", self.at)));
        };
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N, what)?);
        Ok(a)
    }

    fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array(what)?))
    }

    fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }
}

pub(super) fn decode(bytes: &[u8]) -> Result<Handwriting> {
    let mut r = Reader { bytes, at: 0 };
    if r.take(4, "magic")? != MAGIC {
        return Err(invalid("canonical bytes do not start with YXHW"));
    }
    let version = r.u8("version")?;
    if version != VERSION {
        return Err(invalid(format!("canonical bytes are version {version}; this reader knows version {VERSION}")));
    }
    let width = u32::from(r.u16("width")?);
    let height = u32::from(r.u16("height")?);
    let code = r.u8("pointer")?;
    let pointer = PointerKind::from_code(code).ok_or_else(|| invalid(format!("pointer kind {code} is unknown")))?;
    let device = match r.u16("device length")? {
        ABSENT => None,
        n => {
            let raw = r.take(usize::from(n), "device")?;
            let s = std::str::from_utf8(raw).map_err(|_| invalid("device is not UTF-8"))?;
            Some(s.to_owned())
        }
    };
    let stroke_count = usize::from(r.u16("stroke count")?);
    if stroke_count > MAX_STROKES {
        return Err(invalid(format!("{stroke_count} strokes; at most {MAX_STROKES}")));
    }
    let mut strokes = Vec::with_capacity(stroke_count);
    let mut total = 0usize;
    for si in 0..stroke_count {
        let n = usize::from(r.u16("point count")?);
        total += n;
        if n > MAX_POINTS_PER_STROKE || total > MAX_POINTS {
            return Err(invalid(format!(
                "stroke {si} has {n} points ({total} so far); at most {MAX_POINTS_PER_STROKE} a stroke and {MAX_POINTS} in all"
            )));
        }
        // Checked before allocating, so a forged count costs nothing.
        if n * POINT_LEN > r.remaining() {
            return Err(invalid(format!("stroke {si} claims {n} points but the canonical bytes end first")));
        }
        let mut points = Vec::with_capacity(n);
        for _ in 0..n {
            let x = i32::from_be_bytes(r.array("x")?);
            let y = i32::from_be_bytes(r.array("y")?);
            let t = u32::from_be_bytes(r.array("t")?);
            let p = match r.u16("pressure")? {
                ABSENT => None,
                // Out of range values stay out of range (> 1) and are refused by validate.
                q => Some(pressure_from_q(q)),
            };
            points.push(Point { x: coord_from_q(x), y: coord_from_q(y), t, p });
        }
        strokes.push(Stroke { points });
    }
    if r.remaining() != 0 {
        return Err(invalid(format!("{} bytes after the last stroke", r.remaining())));
    }
    let hw = Handwriting { width, height, pointer, device, strokes };
    hw.validate()?;
    Ok(hw)
}
