//! The JSON wire form: a stroke is an array of points, a point `[x, y, t]` or `[x, y, t, p]`
//! (layout in the parent module's documentation). Parsing is bounded — stroke and point counts
//! are refused as soon as they pass the limits, before the rest is read — quantises the numbers,
//! and validates the whole.

use super::{
    COORD_SCALE, Handwriting, MAX_POINTS, MAX_POINTS_PER_STROKE, MAX_STROKES, PRESSURE_SCALE, Point, PointerKind,
    Stroke, coord_q, pressure_q,
};
use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, SerializeTuple};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The fields as they arrive, before validation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HandwritingWire {
    width: u32,
    height: u32,
    #[serde(default)]
    pointer: Option<PointerKind>,
    #[serde(default)]
    device: Option<String>,
    #[serde(deserialize_with = "strokes")]
    strokes: Vec<Stroke>,
}

impl TryFrom<HandwritingWire> for Handwriting {
    type Error = crate::Error;

    fn try_from(w: HandwritingWire) -> crate::Result<Self> {
        let hw =
            Handwriting { width: w.width, height: w.height, pointer: w.pointer, device: w.device, strokes: w.strokes };
        hw.validate()?;
        Ok(hw)
    }
}

impl Serialize for Point {
    /// Written from the quantised values with the fewest digits that say them (`12.34`, `20`), so
    /// the JSON carries exactly what the canonical bytes keep.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(if self.p.is_some() { 4 } else { 3 })?;
        t.serialize_element(&Decimal::new(coord_q(f64::from(self.x)).into(), COORD_SCALE))?;
        t.serialize_element(&Decimal::new(coord_q(f64::from(self.y)).into(), COORD_SCALE))?;
        t.serialize_element(&self.t)?;
        if let Some(p) = self.p {
            match pressure_q(f64::from(p)) {
                Some(q) => t.serialize_element(&Decimal::new(q.into(), PRESSURE_SCALE))?,
                // Only a value built in code can get here; it is refused when parsed back.
                None => t.serialize_element(&p)?,
            }
        }
        t.end()
    }
}

/// A count of quanta, written as an integer when it is whole.
struct Decimal {
    quanta: i64,
    scale: f64,
}

impl Decimal {
    fn new(quanta: i64, scale: f64) -> Self {
        Decimal { quanta, scale }
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let per_unit = self.scale as i64;
        if self.quanta % per_unit == 0 {
            s.serialize_i64(self.quanta / per_unit)
        } else {
            s.serialize_f64(self.quanta as f64 / self.scale)
        }
    }
}

impl<'de> Deserialize<'de> for Point {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(PointVisitor)
    }
}

struct PointVisitor;

impl<'de> Visitor<'de> for PointVisitor {
    type Value = Point;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a point [x, y, t] or [x, y, t, pressure]")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Point, A::Error> {
        let x: f64 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let y: f64 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
        let t: u32 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(2, &self))?;
        let p: Option<f64> = seq.next_element()?;
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(5, &self));
        }
        Ok(Point::from_f64(x, y, t, p))
    }
}

impl Serialize for Stroke {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.points.len()))?;
        for p in &self.points {
            seq.serialize_element(p)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Stroke {
    /// A stroke on its own: bounded by the per-stroke limit.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut budget = MAX_POINTS;
        StrokeSeed { index: 0, budget: &mut budget }.deserialize(d)
    }
}

/// Reads one stroke, counting its points against what is left of the signature's budget.
struct StrokeSeed<'b> {
    index: usize,
    budget: &'b mut usize,
}

impl<'de> DeserializeSeed<'de> for StrokeSeed<'_> {
    type Value = Stroke;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Stroke, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for StrokeSeed<'_> {
    type Value = Stroke;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a stroke: an array of points")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Stroke, A::Error> {
        let mut points = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(p) = seq.next_element::<Point>()? {
            if points.len() == MAX_POINTS_PER_STROKE {
                return Err(de::Error::custom(format!(
                    "handwriting: stroke {} has more than {MAX_POINTS_PER_STROKE} points",
                    self.index
                )));
            }
            if *self.budget == 0 {
                return Err(de::Error::custom(format!("handwriting: more than {MAX_POINTS} points")));
            }
            *self.budget -= 1;
            points.push(p);
        }
        Ok(Stroke { points })
    }
}

fn strokes<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Stroke>, D::Error> {
    d.deserialize_seq(StrokesVisitor)
}

struct StrokesVisitor;

impl<'de> Visitor<'de> for StrokesVisitor {
    type Value = Vec<Stroke>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of strokes")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Stroke>, A::Error> {
        let mut budget = MAX_POINTS;
        let mut strokes = Vec::new();
        loop {
            let index = strokes.len();
            let Some(stroke) = seq.next_element_seed(StrokeSeed { index, budget: &mut budget })? else { break };
            if index == MAX_STROKES {
                return Err(de::Error::custom(format!("handwriting: more than {MAX_STROKES} strokes")));
            }
            strokes.push(stroke);
        }
        Ok(strokes)
    }
}
