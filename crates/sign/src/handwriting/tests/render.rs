//! The appearance: a real PNG of the asked size, ink where the strokes are and nowhere else,
//! fitted to the box, pen width following pressure and speed.

use super::super::{Handwriting, INK, InkBounds, Point, RenderOptions, Stroke};
use super::{canvas, line, zhang_san};

/// A decoded picture: width, height, RGBA rows.
struct Picture {
    width: u32,
    height: u32,
    rgba: Vec<u8>,
}

impl Picture {
    fn decode(png_bytes: &[u8]) -> Picture {
        let mut reader = png::Decoder::new(std::io::Cursor::new(png_bytes)).read_info().unwrap();
        let mut rgba = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut rgba).unwrap();
        assert_eq!((info.color_type, info.bit_depth), (png::ColorType::Rgba, png::BitDepth::Eight));
        rgba.truncate(info.buffer_size());
        Picture { width: info.width, height: info.height, rgba }
    }

    fn alpha(&self, x: u32, y: u32) -> u8 {
        self.rgba[((y * self.width + x) * 4 + 3) as usize]
    }

    /// Pixels with any ink at all.
    fn inked(&self) -> usize {
        self.rgba.chunks(4).filter(|p| p[3] > 0).count()
    }

    /// The columns and rows that hold ink: (left, top, right, bottom).
    fn ink_box(&self) -> (u32, u32, u32, u32) {
        let mut b = (u32::MAX, u32::MAX, 0, 0);
        for y in 0..self.height {
            for x in 0..self.width {
                if self.alpha(x, y) > 0 {
                    b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
                }
            }
        }
        b
    }
}

fn render(hw: &Handwriting, w: u32, h: u32) -> Picture {
    Picture::decode(&hw.render_png(w, h).unwrap())
}

#[test]
fn the_fixture_renders_as_ink_on_transparency() {
    let pic = render(&zhang_san(), 600, 300);
    assert_eq!((pic.width, pic.height), (600, 300));
    for (x, y) in [(0, 0), (599, 0), (0, 299), (599, 299)] {
        assert_eq!(pic.alpha(x, y), 0, "corner ({x}, {y})");
    }
    let opaque: Vec<&[u8]> = pic.rgba.chunks(4).filter(|p| p[3] == 255).collect();
    assert!(opaque.len() > 2_000, "{} opaque pixels", opaque.len());
    assert!(opaque.iter().all(|p| p[..3] == INK), "opaque pixels are the ink colour");
    // Mostly background: a signature, not a filled box.
    assert!(pic.inked() < 600 * 300 / 4, "{} inked pixels", pic.inked());
}

#[test]
fn the_ink_is_trimmed_and_fitted_with_its_aspect_kept() {
    // The fixture's ink spans 348 × 134 px of a 400 × 200 canvas: wider than tall.
    let b = zhang_san().ink_bounds().unwrap();
    assert!((b.width() - 348.0).abs() < 1.0 && (b.height() - 134.0).abs() < 1.0, "{b:?}");
    for (w, h) in [(600, 300), (300, 300), (1200, 200)] {
        let pic = render(&zhang_san(), w, h);
        let (l, t, r, btm) = pic.ink_box();
        let (iw, ih) = (f64::from(r - l + 1), f64::from(btm - t + 1));
        // One side nearly fills the box (less the 4 % margins and the pen's reach)...
        assert!(iw > 0.85 * f64::from(w) || ih > 0.85 * f64::from(h), "{w}×{h}: ink {iw}×{ih}");
        // ...the other keeps the signature's proportions.
        let aspect = iw / ih;
        assert!((aspect - 348.0 / 134.0).abs() < 0.25, "{w}×{h}: aspect {aspect}");
        // Centred.
        assert!((f64::from(l) - f64::from(w - 1 - r)).abs() <= 2.0, "{w}×{h}: {l}..{r}");
        assert!((f64::from(t) - f64::from(h - 1 - btm)).abs() <= 2.0, "{w}×{h}: {t}..{btm}");
    }
}

#[test]
fn a_single_point_stroke_is_a_dot() {
    let stroke = line((20.0, 50.0), (180.0, 50.0), 20, 0, 10, None);
    let without = canvas(vec![stroke.clone()]);
    let mut with = canvas(vec![stroke, Stroke { points: vec![Point::new(100.0, 80.0, 300, None)] }]);
    let (a, b) = (render(&without, 400, 200), render(&with, 400, 200));
    assert!(b.inked() > a.inked() + 10, "{} vs {}", b.inked(), a.inked());
    // The dot lies below the line, where the line left no ink.
    let (_, _, _, bottom_without) = a.ink_box();
    let (_, _, _, bottom_with) = b.ink_box();
    assert!(bottom_with > bottom_without + 10);
    // A stroke of repeated points is a dot too.
    with.strokes[1].points.push(Point::new(100.0, 80.0, 310, None));
    assert_eq!(render(&with, 400, 200).rgba, b.rgba);
}

#[test]
fn pressure_and_speed_set_the_pen_width() {
    let at = |p, dt| canvas(vec![line((20.0, 20.0), (180.0, 80.0), 40, 0, dt, p)]);
    let light = render(&at(Some(0.1), 8), 400, 200).inked();
    let heavy = render(&at(Some(1.0), 8), 400, 200).inked();
    assert!(heavy as f64 > 1.5 * light as f64, "heavy {heavy}, light {light}");
    // No pressure: slow (0.1 px/ms) is broad, fast (4 px/ms) is thin.
    let slow = render(&at(None, 40), 400, 200).inked();
    let fast = render(&at(None, 1), 400, 200).inked();
    assert!(slow as f64 > 1.5 * fast as f64, "slow {slow}, fast {fast}");
}

#[test]
fn rendering_is_deterministic_and_the_ink_colour_is_an_option() {
    let hw = zhang_san();
    assert_eq!(hw.render_png(500, 200).unwrap(), hw.render_png(500, 200).unwrap());
    let black = RenderOptions { ink: [0, 0, 0], ..RenderOptions::new(500, 200) };
    let pic = Picture::decode(&hw.render_png_with(&black).unwrap());
    assert!(pic.rgba.chunks(4).filter(|p| p[3] == 255).all(|p| p[..3] == [0, 0, 0]));
}

#[test]
fn bad_requests_are_refused() {
    let hw = zhang_san();
    for (w, h) in [(15, 100), (100, 4097), (0, 0)] {
        let err = hw.render_png(w, h).unwrap_err().to_string();
        assert!(err.contains("outside 16..=4096 px"), "{w}×{h}: {err}");
    }
    hw.render_png(16, 16).unwrap();
    for (min_pen, max_pen) in [(3.0, 2.0), (0.0, 2.0), (1.0, f32::NAN), (1.0, 50.0)] {
        let o = RenderOptions { min_pen, max_pen, ..RenderOptions::new(100, 100) };
        assert!(hw.render_png_with(&o).is_err(), "pen {min_pen}..{max_pen}");
    }
    // The strokes are validated first: no picture of a value that would not be signed.
    let tap = canvas(vec![Stroke { points: vec![Point::new(100.0, 50.0, 0, None)] }]);
    assert!(tap.render_png(100, 100).unwrap_err().to_string().contains("ink is 0.0 px"));
}

#[test]
fn ink_bounds_are_the_points_extent() {
    let hw = canvas(vec![
        line((20.0, 30.0), (180.0, 40.0), 5, 0, 10, None),
        line((60.0, 90.0), (70.0, 5.5), 2, 50, 10, None),
    ]);
    assert_eq!(hw.ink_bounds(), Some(InkBounds { left: 20.0, top: 5.5, right: 180.0, bottom: 90.0 }));
    assert_eq!(canvas(vec![]).ink_bounds(), None);
}
