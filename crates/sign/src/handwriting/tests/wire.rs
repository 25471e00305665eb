//! The JSON wire form: shape, quantisation, bounds, and agreement with the canonical bytes.

use super::super::{Handwriting, Point, PointerKind};
use super::{zhang_san, zhang_san_with};

fn parse(json: &str) -> Result<Handwriting, String> {
    serde_json::from_str(json).map_err(|e| e.to_string())
}

#[test]
fn a_page_payload_parses() {
    let json = r#"{"width":360,"height":200,"pointer":"pen","device":"Safari/iOS 17",
        "strokes":[[[10,20,0,0.5],[30.5,20.25,16,0.625],[60,22,33]],[[100,100,150]]]}"#;
    let hw = parse(json).unwrap();
    assert_eq!((hw.width, hw.height), (360, 200));
    assert_eq!(hw.pointer, Some(PointerKind::Pen));
    assert_eq!(hw.device.as_deref(), Some("Safari/iOS 17"));
    assert_eq!(hw.strokes.len(), 2);
    assert_eq!(hw.strokes[0].points[1], Point { x: 30.5, y: 20.25, t: 16, p: Some(0.625) });
    assert_eq!(hw.strokes[0].points[2].p, None);
    assert_eq!(hw.strokes[1].points.len(), 1);
    // pointer and device may be left out.
    let hw = parse(r#"{"width":360,"height":200,"strokes":[[[10,20,0],[60,20,16]]]}"#).unwrap();
    assert_eq!((hw.pointer, hw.device), (None, None));
}

#[test]
fn numbers_are_rounded_to_the_quanta_on_parse() {
    let hw =
        parse(r#"{"width":360,"height":200,"strokes":[[[10.123456,20.0049,0,0.512345],[60.996,20,16]]]}"#).unwrap();
    let p = hw.strokes[0].points[0];
    assert_eq!((p.x, p.y, p.p), (10.12, 20.0, Some(0.5123)));
    assert_eq!(hw.strokes[0].points[1].x, 61.0);
    // The same signature spelt with fewer digits has the same bytes.
    let short = parse(r#"{"width":360,"height":200,"strokes":[[[10.12,20,0,0.5123],[61,20,16]]]}"#).unwrap();
    assert_eq!(hw.canonical_bytes(), short.canonical_bytes());
}

#[test]
fn the_written_form_is_compact_and_exact() {
    let hw =
        parse(r#"{"width":100,"height":60,"pointer":"touch","strokes":[[[10.123,20,0,0.5],[60.5,20,16]]]}"#).unwrap();
    assert_eq!(
        serde_json::to_string(&hw).unwrap(),
        r#"{"width":100,"height":60,"pointer":"touch","strokes":[[[10.12,20,0,0.5],[60.5,20,16]]]}"#
    );
}

#[test]
fn json_round_trips_to_the_same_canonical_bytes() {
    for hw in [zhang_san(), zhang_san_with(1), zhang_san_with(100)] {
        let json = serde_json::to_string(&hw).unwrap();
        let back = parse(&json).unwrap();
        assert_eq!(back, hw);
        assert_eq!(back.canonical_bytes(), hw.canonical_bytes());
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }
}

#[test]
fn a_dense_signature_stays_small() {
    // 2,010 points with pressure over 17 s: a long signature on a 125 Hz pen. Coordinates keep two
    // decimals and times five digits, so a point costs about 27 bytes with pressure and 20
    // without (mouse, most touch screens): 54 KB and 40 KB here, before the HTTP compression.
    let hw = zhang_san_with(154);
    let points = hw.strokes.iter().map(|s| s.points.len()).sum::<usize>();
    assert_eq!(points, 2_010);
    let len = serde_json::to_string(&hw).unwrap().len();
    assert!(len < 28 * points, "{len} bytes");
    let mut bare = hw;
    bare.strokes.iter_mut().flat_map(|s| &mut s.points).for_each(|p| p.p = None);
    let len = serde_json::to_string(&bare).unwrap().len();
    assert!(len < 21 * points, "{len} bytes");
}

#[test]
fn malformed_payloads_are_refused() {
    let cases = [
        (r#"{"width":360,"height":200,"strokes":[[[10,20,0],[60,20,16]]],"colour":"red"}"#, "unknown field"),
        (r#"{"width":360,"height":200,"strokes":[[[10,20],[60,20,16]]]}"#, "invalid length"),
        (r#"{"width":360,"height":200,"strokes":[[[10,20,0,0.5,9],[60,20,16]]]}"#, "invalid length"),
        (r#"{"width":360,"height":200,"strokes":[[[10,20,-1],[60,20,16]]]}"#, "invalid value"),
        (r#"{"width":360,"height":200,"strokes":[[[10,20,0.5],[60,20,16]]]}"#, "invalid type"),
        (r#"{"width":360,"height":200,"strokes":[[[10,20,0,null],[60,20,16]]]}"#, "invalid type"),
        (r#"{"width":360,"height":200,"pointer":"stylus","strokes":[[[10,20,0],[60,20,16]]]}"#, "unknown variant"),
        (r#"{"width":360,"strokes":[[[10,20,0],[60,20,16]]]}"#, "missing field `height`"),
        (r#"{"width":360,"height":200,"strokes":[{"points":[[10,20,0],[60,20,16]]}]}"#, "array of points"),
    ];
    for (json, expect) in cases {
        let err = parse(json).unwrap_err();
        assert!(err.contains(expect), "{json}: {err}");
    }
}

#[test]
fn parsing_validates() {
    let err = parse(r#"{"width":360,"height":200,"strokes":[[[10,20,0],[400,20,16]]]}"#).unwrap_err();
    assert!(err.contains("stroke 0, point 1: x = 400 px is outside the canvas"), "{err}");
    let err = parse(r#"{"width":360,"height":200,"strokes":[[[10,20,0]]]}"#).unwrap_err();
    assert!(err.contains("ink is 0.0 px"), "{err}");
}

#[test]
fn parsing_stops_at_the_limits() {
    let point = "[10,20,0],";
    let stroke = format!("[{}[60,20,0]]", point.repeat(4));
    let json = format!(r#"{{"width":360,"height":200,"strokes":[{}]}}"#, vec![stroke; 101].join(","));
    assert!(parse(&json).unwrap_err().contains("more than 100 strokes"));
    let json = format!(r#"{{"width":360,"height":200,"strokes":[[{}[60,20,0]]]}}"#, point.repeat(5_000));
    assert!(parse(&json).unwrap_err().contains("stroke 0 has more than 5000 points"));
    let stroke = format!("[{}[60,20,0]]", point.repeat(4_000));
    let json = format!(r#"{{"width":360,"height":200,"strokes":[{}]}}"#, vec![stroke; 5].join(","));
    assert!(parse(&json).unwrap_err().contains("more than 20000 points"));
}
