//! One test per rule of `Handwriting::validate`, each with the value just inside the limit too.

use super::super::{Handwriting, MAX_DURATION_MS, Point, Stroke};
use super::{canvas, line, zhang_san};

/// The refusal's message.
fn refusal(hw: &Handwriting) -> String {
    match hw.validate() {
        Ok(()) => panic!("accepted: {hw:?}"),
        Err(e) => e.to_string(),
    }
}

/// A 40 px stroke starting at t = 0: enough ink on its own.
fn ink() -> Stroke {
    line((10.0, 10.0), (50.0, 10.0), 5, 0, 10, None)
}

#[test]
fn a_plain_signature_passes() {
    canvas(vec![ink()]).validate().unwrap();
    zhang_san().validate().unwrap();
}

#[test]
fn canvas_size_is_bounded() {
    for (w, h, ok) in [(50, 50, true), (2000, 2000, true), (49, 100, false), (100, 2001, false), (0, 0, false)] {
        let hw = Handwriting { width: w, height: h, ..canvas(vec![ink()]) };
        assert_eq!(hw.validate().is_ok(), ok, "{w}×{h}");
    }
    let hw = Handwriting { width: 2001, ..canvas(vec![ink()]) };
    assert!(refusal(&hw).contains("canvas width 2001 px"), "{}", refusal(&hw));
}

#[test]
fn stroke_counts_are_bounded() {
    assert!(refusal(&canvas(vec![])).contains("no strokes"));
    let many: Vec<Stroke> = (0..101).map(|i| line((10.0, 10.0), (50.0, 10.0), 2, i * 20, 10, None)).collect();
    assert!(refusal(&canvas(many.clone())).contains("101 strokes"));
    canvas(many[..100].to_vec()).validate().unwrap();
    let hw = canvas(vec![ink(), Stroke::default()]);
    assert!(refusal(&hw).contains("stroke 1 has no points"), "{}", refusal(&hw));
}

#[test]
fn point_counts_are_bounded() {
    let long = |n, t0| line((10.0, 10.0), (190.0, 90.0), n, t0, 0, None);
    canvas(vec![long(5_000, 0)]).validate().unwrap();
    let msg = refusal(&canvas(vec![ink(), long(5_001, 100)]));
    assert!(msg.contains("stroke 1 has 5001 points"), "{msg}");
    let four: Vec<Stroke> = (0..4).map(|i| long(5_000, i)).collect();
    canvas(four.clone()).validate().unwrap();
    let mut five = four;
    five.push(long(1, 10));
    assert!(refusal(&canvas(five)).contains("20001 points"));
}

#[test]
fn coordinates_must_be_finite() {
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut hw = canvas(vec![ink(), ink()]);
        hw.strokes[1].points[2].x = bad;
        hw.strokes[1].points.iter_mut().for_each(|p| p.t = 100);
        let msg = refusal(&hw);
        assert!(msg.contains("stroke 1, point 2") && msg.contains("finite"), "{msg}");
        let mut hw = canvas(vec![ink()]);
        hw.strokes[0].points[3].y = bad;
        assert!(refusal(&hw).contains("stroke 0, point 3"));
    }
}

#[test]
fn coordinates_must_lie_on_the_canvas_give_or_take_two_px() {
    let at = |x: f32, y: f32| canvas(vec![ink(), Stroke { points: vec![Point::new(x, y, 100, None)] }]);
    for (x, y) in [(-2.0, 50.0), (202.0, 50.0), (100.0, -2.0), (100.0, 102.0), (0.0, 0.0)] {
        at(x, y).validate().unwrap_or_else(|e| panic!("({x}, {y}): {e}"));
    }
    for (x, y) in [(-2.01, 50.0), (202.01, 50.0), (100.0, -2.01), (100.0, 102.01), (1e9, 0.0)] {
        let msg = refusal(&at(x, y));
        assert!(msg.contains("stroke 1, point 0") && msg.contains("outside the canvas"), "({x}, {y}): {msg}");
    }
    // Quantisation happens first: 202.004 is 202.00, on the margin.
    at(202.004, 50.0).validate().unwrap();
}

#[test]
fn time_starts_at_zero_and_never_goes_back() {
    let mut hw = canvas(vec![line((10.0, 10.0), (50.0, 10.0), 5, 7, 10, None)]);
    assert!(refusal(&hw).contains("first point's t must be 0"));
    hw.strokes[0].points[0].t = 0;
    hw.validate().unwrap();

    let mut hw = canvas(vec![ink()]);
    hw.strokes[0].points[3].t = 15;
    let msg = refusal(&hw);
    assert!(msg.contains("stroke 0, point 3") && msg.contains("earlier"), "{msg}");

    // Across strokes: the second stroke starts before the first ended (t = 40).
    let hw = canvas(vec![ink(), line((10.0, 50.0), (50.0, 50.0), 3, 39, 10, None)]);
    assert!(refusal(&hw).contains("stroke 1, point 0"));
    // Equal times are fine (coalesced pointer events share a timestamp).
    canvas(vec![ink(), line((10.0, 50.0), (50.0, 50.0), 3, 40, 0, None)]).validate().unwrap();
}

#[test]
fn duration_is_at_most_ten_minutes() {
    let last = |t| canvas(vec![ink(), Stroke { points: vec![Point::new(100.0, 50.0, t, None)] }]);
    last(MAX_DURATION_MS).validate().unwrap();
    let msg = refusal(&last(MAX_DURATION_MS + 1));
    assert!(msg.contains("stroke 1, point 0") && msg.contains("600000 ms"), "{msg}");
}

#[test]
fn pressure_lies_in_zero_to_one() {
    for ok in [0.0, 1.0, 0.5] {
        canvas(vec![line((10.0, 10.0), (50.0, 10.0), 5, 0, 10, Some(ok))]).validate().unwrap();
    }
    for bad in [-0.1, 1.0001, f32::NAN, f32::INFINITY] {
        let mut hw = canvas(vec![ink()]);
        hw.strokes[0].points[4].p = Some(bad);
        let msg = refusal(&hw);
        assert!(msg.contains("stroke 0, point 4") && msg.contains("pressure"), "{bad}: {msg}");
    }
}

#[test]
fn a_tap_is_not_a_signature() {
    let tap = canvas(vec![Stroke { points: vec![Point::new(100.0, 50.0, 0, None)] }]);
    assert!(refusal(&tap).contains("ink is 0.0 px"));
    let short = canvas(vec![line((10.0, 10.0), (39.99, 10.0), 4, 0, 10, None)]);
    assert!(refusal(&short).contains("at least 30 px"));
    canvas(vec![line((10.0, 10.0), (40.0, 10.0), 4, 0, 10, None)]).validate().unwrap();
    // Ink adds up across strokes; the jump between strokes is not ink.
    let two = canvas(vec![
        line((10.0, 10.0), (25.0, 10.0), 2, 0, 10, None),
        line((100.0, 10.0), (115.0, 10.0), 2, 20, 10, None),
    ]);
    two.validate().unwrap();
}

#[test]
fn device_is_short_printable_text() {
    let with = |d: &str| Handwriting { device: Some(d.into()), ..canvas(vec![ink()]) };
    with("Safari 17 / iOS 17.4 / iPhone").validate().unwrap();
    // Characters, not bytes: 200 CJK characters are 600 bytes of UTF-8.
    with(&"华".repeat(200)).validate().unwrap();
    assert!(refusal(&with(&"华".repeat(201))).contains("201 characters"));
    assert!(refusal(&with("")).contains("empty"));
    assert!(refusal(&with("Chrome\n124")).contains("control character"));
}
