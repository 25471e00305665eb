//! Tests of the handwriting module, and the fixtures they share.

mod canonical;
mod render;
mod validate;
mod wire;

use super::{Handwriting, Point, PointerKind, Stroke};

/// A cubic Bézier segment: start, two controls, end, in canvas px.
type Cubic = [(f64, f64); 4];

/// The strokes of a cursive 张三 on a 400 × 200 canvas, as chains of cubic Béziers drawn by
/// hand for these tests (张: 弓 in one stroke, then 长's upright, bar, and two sweeps; 三: three
/// bars, the last longest).
const ZHANG_SAN: &[&[Cubic]] = &[
    // 弓
    &[
        [(30.0, 50.0), (50.0, 46.0), (70.0, 44.0), (82.0, 48.0)],
        [(82.0, 48.0), (80.0, 60.0), (78.0, 72.0), (76.0, 84.0)],
        [(76.0, 84.0), (60.0, 86.0), (45.0, 87.0), (36.0, 90.0)],
        [(36.0, 90.0), (38.0, 100.0), (39.0, 108.0), (42.0, 114.0)],
        [(42.0, 114.0), (60.0, 112.0), (78.0, 110.0), (88.0, 112.0)],
        [(88.0, 112.0), (86.0, 135.0), (82.0, 155.0), (62.0, 166.0)],
    ],
    // 长: upright, bar, upper sweep, lower sweep
    &[[(112.0, 38.0), (110.0, 70.0), (109.0, 100.0), (110.0, 150.0)]],
    &[[(96.0, 106.0), (125.0, 103.0), (160.0, 100.0), (188.0, 98.0)]],
    &[[(165.0, 42.0), (150.0, 62.0), (135.0, 80.0), (118.0, 94.0)]],
    &[[(122.0, 112.0), (140.0, 135.0), (160.0, 155.0), (190.0, 172.0)]],
    // 三
    &[[(236.0, 62.0), (270.0, 56.0), (310.0, 55.0), (338.0, 60.0)]],
    &[[(248.0, 104.0), (280.0, 100.0), (312.0, 100.0), (330.0, 103.0)]],
    &[[(222.0, 160.0), (270.0, 152.0), (330.0, 150.0), (378.0, 156.0)]],
];

/// The fixture with `samples` points per Bézier segment, a point every 8 ms (a 125 Hz
/// digitiser), 150 ms between strokes, and a pressure that rises and falls along each stroke.
/// Only + and × on f64, so the points are the same on every platform: the digest test depends
/// on it.
pub(super) fn zhang_san_with(samples: u32) -> Handwriting {
    let mut t = 0u32;
    let mut strokes = Vec::new();
    for (si, segments) in ZHANG_SAN.iter().enumerate() {
        if si > 0 {
            t += 150;
        }
        let total = segments.len() as u32 * samples;
        let mut points = Vec::new();
        let mut n = 0u32;
        for (gi, seg) in segments.iter().enumerate() {
            let first = if gi == 0 { 0 } else { 1 };
            for j in first..=samples {
                let s = f64::from(j) / f64::from(samples);
                let u = 1.0 - s;
                let (a, b, c, d) = (u * u * u, 3.0 * s * u * u, 3.0 * s * s * u, s * s * s);
                let x = a * seg[0].0 + b * seg[1].0 + c * seg[2].0 + d * seg[3].0;
                let y = a * seg[0].1 + b * seg[1].1 + c * seg[2].1 + d * seg[3].1;
                let progress = f64::from(n) / f64::from(total);
                let p = 0.25 + 2.4 * progress * (1.0 - progress);
                if n > 0 {
                    t += 8;
                }
                points.push(Point::new(x as f32, y as f32, t, Some(p as f32)));
                n += 1;
            }
        }
        strokes.push(Stroke { points });
    }
    Handwriting {
        width: 400,
        height: 200,
        pointer: Some(PointerKind::Pen),
        device: Some("fixture: synthetic 张三, handwriting/tests.rs".into()),
        strokes,
    }
}

/// The fixture at its usual density: 12 points a segment, 164 points in all.
pub(super) fn zhang_san() -> Handwriting {
    zhang_san_with(12)
}

/// A straight stroke of `n` points from (x0, y0) to (x1, y1), `dt` ms apart from `t0`.
pub(super) fn line(from: (f32, f32), to: (f32, f32), n: u32, t0: u32, dt: u32, p: Option<f32>) -> Stroke {
    let points = (0..n)
        .map(|i| {
            let s = if n > 1 { i as f32 / (n - 1) as f32 } else { 0.0 };
            Point::new(from.0 + (to.0 - from.0) * s, from.1 + (to.1 - from.1) * s, t0 + i * dt, p)
        })
        .collect();
    Stroke { points }
}

/// A 200 × 100 canvas with the given strokes and nothing else.
pub(super) fn canvas(strokes: Vec<Stroke>) -> Handwriting {
    Handwriting { width: 200, height: 100, pointer: None, device: None, strokes }
}

#[test]
fn fixture_is_valid_and_its_point_count_is_what_the_docs_say() {
    let hw = zhang_san();
    hw.validate().unwrap();
    assert_eq!(hw.strokes.len(), 8);
    assert_eq!(hw.strokes.iter().map(|s| s.points.len()).sum::<usize>(), 164);
}
