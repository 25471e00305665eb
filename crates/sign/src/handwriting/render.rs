//! The appearance picture drawn from the strokes, the usual signature-pad way: each stroke is
//! smoothed with quadratic Bézier curves through the midpoints of successive points (the points
//! themselves are the control points), and the pen's width follows the pressure where the device
//! gave one, else the speed (faster is thinner, as with ink). Round caps and joins; a stroke of
//! one point is a dot. The ink is trimmed to its bounds, scaled to fit the box with its aspect
//! ratio kept and centred, on a transparent background.
//!
//! Rendering is deterministic for one build (tiny-skia, no fonts, no system state) but not a
//! contract: verifiers compare digests of the strokes, never pixels.

use super::{Handwriting, invalid};
use crate::Result;
use std::ops::RangeInclusive;
use tiny_skia::{FillRule, LineCap, LineJoin, Paint, PathBuilder, Pixmap, Stroke, Transform};

/// Blue-black ink, as sRGB.
pub const INK: [u8; 3] = [0x1a, 0x1a, 0x40];
/// Output width and height allowed, in px.
pub const OUTPUT_SIZE: RangeInclusive<u32> = 16..=4096;
/// Pen widths allowed, in CSS px of the canvas.
const PEN_RANGE: RangeInclusive<f32> = 0.25..=20.0;
/// The fitted region is at least this share of the canvas's longer side, so a very small
/// signature is not blown up to fill the box.
const MIN_EXTENT: f32 = 0.15;
/// Blank border around the fitted region, as a share of the output's shorter side.
const OUTPUT_MARGIN: f32 = 0.04;
/// How much of the newest speed sample the smoothed speed takes (signature_pad uses 0.7).
const SPEED_WEIGHT: f32 = 0.7;
/// Widths are drawn in steps of 1/WIDTH_STEPS output px, so a stroke is a few paths, not one a
/// segment.
const WIDTH_STEPS: f32 = 4.0;

/// How to render: the box, the ink colour and the pen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RenderOptions {
    /// Output width in px ([`OUTPUT_SIZE`]).
    pub width: u32,
    /// Output height in px ([`OUTPUT_SIZE`]).
    pub height: u32,
    /// Ink colour, sRGB.
    pub ink: [u8; 3],
    /// Pen width at no pressure or top speed, in CSS px of the canvas (scaled with the ink).
    pub min_pen: f32,
    /// Pen width at full pressure or at rest, in CSS px of the canvas.
    pub max_pen: f32,
}

impl RenderOptions {
    /// A `width` × `height` box, [`INK`], pen 1 to 3.5 CSS px.
    pub fn new(width: u32, height: u32) -> Self {
        RenderOptions { width, height, ink: INK, min_pen: 1.0, max_pen: 3.5 }
    }

    fn check(&self) -> Result<()> {
        for (name, v) in [("width", self.width), ("height", self.height)] {
            if !OUTPUT_SIZE.contains(&v) {
                return Err(invalid(format!(
                    "picture {name} {v} px is outside {}..={} px",
                    OUTPUT_SIZE.start(),
                    OUTPUT_SIZE.end()
                )));
            }
        }
        if !PEN_RANGE.contains(&self.min_pen) || !PEN_RANGE.contains(&self.max_pen) || self.min_pen > self.max_pen {
            return Err(invalid(format!(
                "pen widths {}..={} px: both must lie in {}..={} px, smallest first",
                self.min_pen,
                self.max_pen,
                PEN_RANGE.start(),
                PEN_RANGE.end()
            )));
        }
        Ok(())
    }
}

/// A vertex of the flattened, smoothed stroke in output px, with the pen width there.
#[derive(Debug, Clone, Copy)]
struct Vertex {
    x: f32,
    y: f32,
    w: f32,
}

/// `hw` must have validated.
pub(super) fn render(hw: &Handwriting, o: &RenderOptions) -> Result<Vec<u8>> {
    o.check()?;
    let b = hw.ink_bounds().ok_or_else(|| invalid("no points to render"))?;
    let min_extent = MIN_EXTENT * hw.width.max(hw.height) as f32;
    let region_w = (b.width() + 2.0 * o.max_pen).max(min_extent);
    let region_h = (b.height() + 2.0 * o.max_pen).max(min_extent);
    let (ow, oh) = (o.width as f32, o.height as f32);
    let margin = OUTPUT_MARGIN * ow.min(oh);
    let scale = ((ow - 2.0 * margin) / region_w).min((oh - 2.0 * margin) / region_h);
    let (cx, cy) = ((b.left + b.right) / 2.0, (b.top + b.bottom) / 2.0);
    let to_out = |x: f32, y: f32| (ow / 2.0 + (x - cx) * scale, oh / 2.0 + (y - cy) * scale);

    let mut pm = Pixmap::new(o.width, o.height).ok_or_else(|| invalid("cannot allocate the picture"))?;
    let mut paint = Paint::default();
    paint.set_color_rgba8(o.ink[0], o.ink[1], o.ink[2], 255);
    paint.anti_alias = true;
    for stroke in &hw.strokes {
        let widths = pen_widths(stroke, o);
        let nodes: Vec<Vertex> = stroke
            .points
            .iter()
            .zip(&widths)
            .map(|(p, w)| {
                let (x, y) = to_out(p.x, p.y);
                Vertex { x, y, w: w * scale }
            })
            .collect();
        draw_stroke(&mut pm, &paint, &flatten(&nodes));
    }
    encode_png(&pm)
}

/// The pen width at each point, in canvas px.
fn pen_widths(stroke: &super::Stroke, o: &RenderOptions) -> Vec<f32> {
    let pts = &stroke.points;
    // Speed in px/ms between each point and the one before; repeated timestamps (coalesced
    // events) carry the previous speed forward.
    let mut raw: Vec<Option<f32>> = Vec::with_capacity(pts.len());
    raw.push(None);
    for w in pts.windows(2) {
        let dt = w[1].t.saturating_sub(w[0].t);
        raw.push((dt > 0).then(|| (w[1].x - w[0].x).hypot(w[1].y - w[0].y) / dt as f32));
    }
    let first = raw.iter().flatten().next().copied().unwrap_or(0.0);
    let mut smooth = first;
    let mut out = Vec::with_capacity(pts.len());
    for (p, v) in pts.iter().zip(raw) {
        if let Some(v) = v {
            smooth = SPEED_WEIGHT * v + (1.0 - SPEED_WEIGHT) * smooth;
        }
        let w = match p.p {
            Some(pressure) => o.min_pen + (o.max_pen - o.min_pen) * pressure,
            None => (o.max_pen / (1.0 + smooth)).clamp(o.min_pen, o.max_pen),
        };
        out.push(w);
    }
    out
}

/// The smoothed stroke as a polyline: from the first point, a quadratic curve to the midpoint of
/// each pair of neighbours with the point between them as control, then a line to the last.
fn flatten(nodes: &[Vertex]) -> Vec<Vertex> {
    let mut out = Vec::with_capacity(nodes.len() * 4);
    let Some(&first) = nodes.first() else { return out };
    out.push(first);
    let mut start = first;
    for pair in nodes.get(1..).unwrap_or_default().windows(2) {
        let (ctrl, next) = (pair[0], pair[1]);
        let end = Vertex { x: (ctrl.x + next.x) / 2.0, y: (ctrl.y + next.y) / 2.0, w: (ctrl.w + next.w) / 2.0 };
        let length = (ctrl.x - start.x).hypot(ctrl.y - start.y) + (end.x - ctrl.x).hypot(end.y - ctrl.y);
        let pieces = (length / 3.0).ceil().clamp(1.0, 16.0) as u32;
        for j in 1..=pieces {
            let t = j as f32 / pieces as f32;
            let (a, b, c) = ((1.0 - t) * (1.0 - t), 2.0 * t * (1.0 - t), t * t);
            out.push(Vertex {
                x: a * start.x + b * ctrl.x + c * end.x,
                y: a * start.y + b * ctrl.y + c * end.y,
                w: start.w + (end.w - start.w) * t,
            });
        }
        start = end;
    }
    if let Some(&last) = nodes.last().filter(|_| nodes.len() > 1) {
        out.push(last);
    }
    // Repeated points would give zero-length segments, which stroke to nothing.
    out.dedup_by(|b, a| (a.x - b.x).abs() < 1e-3 && (a.y - b.y).abs() < 1e-3);
    out
}

fn draw_stroke(pm: &mut Pixmap, paint: &Paint<'_>, line: &[Vertex]) {
    if let [dot] = line {
        if let Some(path) = PathBuilder::from_circle(dot.x, dot.y, (dot.w / 2.0).max(0.5)) {
            pm.fill_path(&path, paint, FillRule::Winding, Transform::identity(), None);
        }
        return;
    }
    // Consecutive segments of the same width step are one path; round caps hide the seams.
    let step = |a: &Vertex, b: &Vertex| ((a.w + b.w) / 2.0 * WIDTH_STEPS).round().max(1.0);
    let mut i = 0;
    while i + 1 < line.len() {
        let s = step(&line[i], &line[i + 1]);
        let mut j = i + 1;
        while j + 1 < line.len() && step(&line[j], &line[j + 1]) == s {
            j += 1;
        }
        let mut pb = PathBuilder::new();
        pb.move_to(line[i].x, line[i].y);
        for v in &line[i + 1..=j] {
            pb.line_to(v.x, v.y);
        }
        if let Some(path) = pb.finish() {
            let pen = Stroke {
                width: s / WIDTH_STEPS,
                line_cap: LineCap::Round,
                line_join: LineJoin::Round,
                ..Stroke::default()
            };
            pm.stroke_path(&path, paint, &pen, Transform::identity(), None);
        }
        i = j;
    }
}

/// RGBA, 8 bits, straight alpha.
fn encode_png(pm: &Pixmap) -> Result<Vec<u8>> {
    let mut rgba = Vec::with_capacity(pm.data().len());
    for p in pm.pixels() {
        let c = p.demultiply();
        rgba.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, pm.width(), pm.height());
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(|e| invalid(format!("PNG: {e}")))?;
        w.write_image_data(&rgba).map_err(|e| invalid(format!("PNG: {e}")))?;
    }
    Ok(out)
}
