//! Handwritten signatures (手写签名): the strokes a person draws on the signing page, their
//! canonical bytes and SM3 digest, and the appearance picture rendered from them.
//!
//! The phone page records pointer events (mouse, touch or pen; pressure and timing where the
//! device gives them) and sends them as [`Handwriting`]. The service renders the appearance
//! itself ([`Handwriting::render_png`]) so the picture in the document is exactly what the strokes
//! say, and binds the strokes to the person's SM2 signature by putting [`Handwriting::digest`]
//! (SM3, GB/T 32905-2016, of [`Handwriting::canonical_bytes`]) into its CMS signed attributes.
//! A verifier takes the embedded canonical bytes, recomputes the digest, compares it with the
//! signed attribute and may re-render the strokes ([`Handwriting::from_canonical_bytes`]).
//!
//! Values are quantised when they are made ([`Point::new`], JSON, canonical bytes): coordinates to
//! 0.01 CSS px, pressure to 0.0001. The JSON wire form, the canonical bytes and the digest all
//! describe the quantised values, so they agree with each other by construction.
//!
//! **Wire form** (JSON): `{"width":360,"height":200,"pointer":"pen","device":"…",
//! "strokes":[[[x,y,t],[x,y,t,p],…],…]}` — a stroke is an array of points, a point an array of
//! 3 or 4 numbers: x and y in CSS px of the canvas (origin top left), t in ms since the first
//! point of the signature, and the pressure p in 0..=1 when the device reports one. `pointer`
//! and `device` may be left out; unknown fields are refused. About 27 bytes a point with
//! pressure, 20 without; numbers are written with the fewest digits that say the quantised value.
//!
//! **Canonical bytes**, version 1 (every integer big-endian; "absent" is always `0xFFFF`):
//!
//! | bytes | field |
//! |---|---|
//! | 4 | magic `YXHW` |
//! | 1 | version, `1` |
//! | 2, 2 | canvas width, height (CSS px) |
//! | 1 | pointer: 0 not given, 1 mouse, 2 touch, 3 pen |
//! | 2 + n | device: n as u16 (`0xFFFF` = not given), then n bytes of UTF-8 |
//! | 2 | number of strokes |
//! | per stroke: 2 | number of points |
//! | per point: 4, 4, 4, 2 | x, y as i32 in 0.01 px; t as u32 ms; p as u16 in 0.0001 (`0xFFFF` = not given) |
//!
//! Coordinates are fixed point, not `f32` bits, so that NaN, −0 and the many spellings of one
//! decimal in JSON cannot give two byte strings for one signature. Everything the record stores —
//! including `pointer` and `device` — is in the bytes: the embedded record carries no field that
//! the signature does not cover. Two values that pass [`Handwriting::validate`] have the same
//! bytes only if they are equal once quantised, and [`Handwriting::from_canonical_bytes`] refuses
//! the bytes of any value that does not pass.
//!
//! Not here: where the picture goes in a PDF or OFD, the CMS attribute's OID and the signature
//! itself (the signing flow), and any judgement of whether the strokes look like the person's
//! signature (this module checks form, not identity).

mod canonical;
mod render;
#[cfg(test)]
mod tests;
mod wire;

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::ops::RangeInclusive;
use yinxin_gm::Sm3Digest;

pub use render::{INK, OUTPUT_SIZE, RenderOptions};

/// Canvas width and height the page may use, in CSS px.
pub const CANVAS_SIZE: RangeInclusive<u32> = 50..=2000;
/// How far outside the canvas a point may lie, in CSS px: pointer events report a point or two
/// past the edge when a stroke leaves the canvas while the pointer is captured.
pub const CANVAS_MARGIN: f32 = 2.0;
/// Most strokes in one signature.
pub const MAX_STROKES: usize = 100;
/// Most points in one stroke.
pub const MAX_POINTS_PER_STROKE: usize = 5_000;
/// Most points in one signature.
pub const MAX_POINTS: usize = 20_000;
/// Least total ink length, in CSS px: an accidental tap or a tiny flick is not a signature.
pub const MIN_INK_LENGTH: f32 = 30.0;
/// Latest time of a point, in ms since the first (10 minutes).
pub const MAX_DURATION_MS: u32 = 600_000;
/// Longest device description, in characters.
pub const MAX_DEVICE_CHARS: usize = 200;
/// Coordinates are kept in whole multiples of this many CSS px.
pub const COORD_QUANTUM: f32 = 0.01;
/// Pressures are kept in whole multiples of this.
pub const PRESSURE_QUANTUM: f32 = 0.0001;

/// Quanta per px and per unit of pressure.
const COORD_SCALE: f64 = 100.0;
const PRESSURE_SCALE: f64 = 10_000.0;
/// The canonical encoding's marker for "not given".
const ABSENT: u16 = 0xFFFF;

/// A handwritten signature: the canvas it was drawn on and its strokes in drawing order.
///
/// Parsing (JSON or canonical bytes) validates; a value built in code should be checked with
/// [`Handwriting::validate`] before its digest is used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "wire::HandwritingWire")]
pub struct Handwriting {
    /// Canvas width in CSS px ([`CANVAS_SIZE`]).
    pub width: u32,
    /// Canvas height in CSS px ([`CANVAS_SIZE`]).
    pub height: u32,
    /// What the strokes were drawn with, when the page knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<PointerKind>,
    /// A short description of the device (user agent summary), at most [`MAX_DEVICE_CHARS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// The strokes, in the order they were drawn.
    pub strokes: Vec<Stroke>,
}

/// What drew the strokes: the `pointerType` of the DOM pointer events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PointerKind {
    /// A mouse or trackpad.
    Mouse,
    /// A finger on a touch screen.
    Touch,
    /// A stylus.
    Pen,
}

impl PointerKind {
    /// The kind's byte in the canonical encoding (0 is "not given").
    fn code(self) -> u8 {
        match self {
            PointerKind::Mouse => 1,
            PointerKind::Touch => 2,
            PointerKind::Pen => 3,
        }
    }

    fn from_code(code: u8) -> Option<Option<Self>> {
        match code {
            0 => Some(None),
            1 => Some(Some(PointerKind::Mouse)),
            2 => Some(Some(PointerKind::Touch)),
            3 => Some(Some(PointerKind::Pen)),
            _ => None,
        }
    }
}

/// One stroke: the points from pointer down to pointer up. On the wire, an array of points.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stroke {
    /// The points in the order they were sampled.
    pub points: Vec<Point>,
}

/// One sampled point of a stroke. On the wire, `[x, y, t]` or `[x, y, t, p]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Horizontal position in CSS px from the canvas's left edge.
    pub x: f32,
    /// Vertical position in CSS px from the canvas's top edge (downwards).
    pub y: f32,
    /// Milliseconds since the first point of the signature.
    pub t: u32,
    /// Pen pressure in 0..=1, when the device reports it.
    pub p: Option<f32>,
}

impl Point {
    /// A point with its coordinates rounded to [`COORD_QUANTUM`] and its pressure to
    /// [`PRESSURE_QUANTUM`]. Values that can never validate (NaN, a pressure outside 0..=1) are
    /// kept as given so that [`Handwriting::validate`] can say what was wrong.
    pub fn new(x: f32, y: f32, t: u32, p: Option<f32>) -> Self {
        Self::from_f64(f64::from(x), f64::from(y), t, p.map(f64::from))
    }

    fn from_f64(x: f64, y: f64, t: u32, p: Option<f64>) -> Self {
        let coord = |v: f64| if v.is_finite() && v.abs() < 1e6 { coord_from_q(coord_q(v)) } else { v as f32 };
        let pressure = |p: f64| match pressure_q(p) {
            Some(q) => pressure_from_q(q),
            None => p as f32,
        };
        Point { x: coord(x), y: coord(y), t, p: p.map(pressure) }
    }
}

/// Coordinate in quanta; NaN goes to `i32::MIN` (far outside any canvas), large values saturate.
fn coord_q(v: f64) -> i32 {
    if v.is_nan() { i32::MIN } else { (v * COORD_SCALE).round() as i32 }
}

fn coord_from_q(q: i32) -> f32 {
    (f64::from(q) / COORD_SCALE) as f32
}

/// Pressure in quanta, or `None` when it is not a number in 0..=1.
fn pressure_q(p: f64) -> Option<u16> {
    (0.0..=1.0).contains(&p).then(|| (p * PRESSURE_SCALE).round() as u16)
}

fn pressure_from_q(q: u16) -> f32 {
    (f64::from(q) / PRESSURE_SCALE) as f32
}

/// The rectangle the points of a signature span, in CSS px of its canvas.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InkBounds {
    /// Smallest x.
    pub left: f32,
    /// Smallest y.
    pub top: f32,
    /// Largest x.
    pub right: f32,
    /// Largest y.
    pub bottom: f32,
}

impl InkBounds {
    /// `right - left`.
    pub fn width(&self) -> f32 {
        self.right - self.left
    }

    /// `bottom - top`.
    pub fn height(&self) -> f32 {
        self.bottom - self.top
    }
}

fn invalid(msg: impl std::fmt::Display) -> Error {
    Error::Handwriting(msg.to_string())
}

impl Handwriting {
    /// Check the signature against the limits above. Stroke and point indices in messages count
    /// from 0, as in the JSON arrays. Nothing is clamped or dropped: a value either passes as it
    /// is or is refused.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [("width", self.width), ("height", self.height)] {
            if !CANVAS_SIZE.contains(&v) {
                return Err(invalid(format!(
                    "canvas {name} {v} px is outside {}..={} px",
                    CANVAS_SIZE.start(),
                    CANVAS_SIZE.end()
                )));
            }
        }
        if let Some(d) = &self.device {
            let n = d.chars().count();
            if n == 0 {
                return Err(invalid("device is empty; leave it out instead"));
            }
            if n > MAX_DEVICE_CHARS {
                return Err(invalid(format!("device is {n} characters; at most {MAX_DEVICE_CHARS}")));
            }
            if d.chars().any(char::is_control) {
                return Err(invalid("device contains a control character"));
            }
        }
        if self.strokes.is_empty() {
            return Err(invalid("no strokes"));
        }
        if self.strokes.len() > MAX_STROKES {
            return Err(invalid(format!("{} strokes; at most {MAX_STROKES}", self.strokes.len())));
        }
        let total: usize = self.strokes.iter().map(|s| s.points.len()).sum();
        if total > MAX_POINTS {
            return Err(invalid(format!("{total} points; at most {MAX_POINTS}")));
        }
        let margin = coord_q(f64::from(CANVAS_MARGIN));
        let x_range = -margin..=coord_q(f64::from(self.width)) + margin;
        let y_range = -margin..=coord_q(f64::from(self.height)) + margin;
        let mut last_t = 0u32;
        let mut ink_q = 0f64;
        for (si, stroke) in self.strokes.iter().enumerate() {
            if stroke.points.is_empty() {
                return Err(invalid(format!("stroke {si} has no points")));
            }
            if stroke.points.len() > MAX_POINTS_PER_STROKE {
                return Err(invalid(format!(
                    "stroke {si} has {} points; at most {MAX_POINTS_PER_STROKE}",
                    stroke.points.len()
                )));
            }
            let mut prev: Option<(i32, i32)> = None;
            for (pi, pt) in stroke.points.iter().enumerate() {
                let at = format!("stroke {si}, point {pi}");
                if !pt.x.is_finite() || !pt.y.is_finite() {
                    return Err(invalid(format!("{at}: coordinates must be finite numbers")));
                }
                let (x, y) = (coord_q(f64::from(pt.x)), coord_q(f64::from(pt.y)));
                for (axis, v, range, size) in [("x", x, &x_range, self.width), ("y", y, &y_range, self.height)] {
                    if !range.contains(&v) {
                        return Err(invalid(format!(
                            "{at}: {axis} = {} px is outside the canvas (0..={size} px, ±{CANVAS_MARGIN} px allowed)",
                            coord_from_q(v)
                        )));
                    }
                }
                if si == 0 && pi == 0 && pt.t != 0 {
                    return Err(invalid(format!(
                        "{at}: t = {} ms; the first point's t must be 0, as times count from it",
                        pt.t
                    )));
                }
                if pt.t < last_t {
                    return Err(invalid(format!(
                        "{at}: t = {} ms is earlier than the point before it ({last_t} ms)",
                        pt.t
                    )));
                }
                if pt.t > MAX_DURATION_MS {
                    return Err(invalid(format!("{at}: t = {} ms is past the {MAX_DURATION_MS} ms limit", pt.t)));
                }
                last_t = pt.t;
                if let Some(p) = pt.p
                    && pressure_q(f64::from(p)).is_none()
                {
                    return Err(invalid(format!("{at}: pressure {p} is outside 0..=1")));
                }
                if let Some((px, py)) = prev {
                    ink_q += f64::from(x - px).hypot(f64::from(y - py));
                }
                prev = Some((x, y));
            }
        }
        let ink = ink_q / COORD_SCALE;
        if ink < f64::from(MIN_INK_LENGTH) {
            return Err(invalid(format!(
                "the ink is {ink:.1} px long; a signature needs at least {MIN_INK_LENGTH} px"
            )));
        }
        Ok(())
    }

    /// The canonical bytes (version 1, see the module documentation). Deterministic for every
    /// value; one-to-one on quantised values that validate, as every parsed value is.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        canonical::encode(self)
    }

    /// Parse canonical bytes, e.g. the record embedded in a signed document. Bounded: counts are
    /// checked against the limits and the input's length before anything is allocated, trailing
    /// bytes are refused, and the result is validated.
    pub fn from_canonical_bytes(bytes: &[u8]) -> Result<Self> {
        canonical::decode(bytes)
    }

    /// SM3 of [`Handwriting::canonical_bytes`]: the value the signed attribute carries.
    pub fn digest(&self) -> Sm3Digest {
        yinxin_gm::sm3::sm3(&self.canonical_bytes())
    }

    /// The rectangle spanned by the points (not widened by the pen), or `None` without points.
    pub fn ink_bounds(&self) -> Option<InkBounds> {
        let mut points = self.strokes.iter().flat_map(|s| &s.points).filter(|p| p.x.is_finite() && p.y.is_finite());
        let first = points.next()?;
        let init = InkBounds { left: first.x, top: first.y, right: first.x, bottom: first.y };
        Some(points.fold(init, |b, p| InkBounds {
            left: b.left.min(p.x),
            top: b.top.min(p.y),
            right: b.right.max(p.x),
            bottom: b.bottom.max(p.y),
        }))
    }

    /// Render the appearance as a transparent RGBA PNG of `width` × `height` px with the default
    /// ink and pen ([`RenderOptions::new`]).
    pub fn render_png(&self, width: u32, height: u32) -> Result<Vec<u8>> {
        self.render_png_with(&RenderOptions::new(width, height))
    }

    /// Render the appearance as a transparent RGBA PNG: the ink trimmed to its bounds, scaled to
    /// fit the box with its aspect ratio kept, centred. Validates first.
    pub fn render_png_with(&self, options: &RenderOptions) -> Result<Vec<u8>> {
        self.validate()?;
        render::render(self, options)
    }
}
