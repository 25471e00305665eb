//! Canonical bytes and digest: the layout byte for byte, stability, round trips, sensitivity to
//! every change, and bounded decoding.

use super::super::{Handwriting, Point, PointerKind, Stroke, coord_from_q, pressure_from_q};
use super::{canvas, line, zhang_san};
use hex_literal::hex;
use proptest::prelude::*;
use std::collections::HashSet;

/// A two-point signature whose bytes are spelt out below from the layout in the module docs,
/// field by field, not from the encoder's output.
fn small() -> Handwriting {
    Handwriting {
        width: 100,
        height: 60,
        pointer: Some(PointerKind::Touch),
        device: Some("ab".into()),
        strokes: vec![Stroke { points: vec![Point::new(10.12, 20.0, 0, Some(0.5)), Point::new(60.5, 20.0, 16, None)] }],
    }
}

const SMALL_BYTES: [u8; 46] = hex!(
    "59584857"  // magic YXHW
    "01"        // version 1
    "0064 003c" // canvas 100 × 60
    "02"        // touch
    "0002 6162" // device "ab"
    "0001"      // 1 stroke
    "0002"      // 2 points
    "000003f4 000007d0 00000000 1388" // (10.12, 20.00) px, t 0, p 0.5
    "000017a2 000007d0 00000010 ffff" // (60.50, 20.00) px, t 16, no pressure
);

#[test]
fn the_layout_is_as_documented() {
    assert_eq!(small().canonical_bytes(), SMALL_BYTES);
    let none = Handwriting { pointer: None, device: None, ..small() };
    let bytes = none.canonical_bytes();
    assert_eq!(bytes[9..12], hex!("00 ffff"), "pointer and device not given");
    assert_eq!(Handwriting::from_canonical_bytes(&bytes).unwrap(), none);
}

#[test]
fn the_fixture_digest_is_stable() {
    // Verifiers recompute this digest from the embedded bytes and compare it with the signed
    // attribute, possibly years later with another release: if this assertion fails, the
    // encoding of version 1 has changed, and every signature already made would stop verifying.
    // Do not update the value; give the new layout a new version byte instead.
    assert_eq!(zhang_san().digest().to_hex(), "2724d36e11999cfdc43c49ec3722ead17d65281119a3c8da3c9db2f70da4b8a3");
    assert_eq!(small().digest(), yinxin_gm::sm3::sm3(&SMALL_BYTES));
}

#[test]
fn the_fixture_round_trips() {
    let hw = zhang_san();
    let bytes = hw.canonical_bytes();
    assert_eq!(bytes.len(), 12 + hw.device.as_ref().unwrap().len() + 2 + 2 * 8 + 14 * 164);
    let back = Handwriting::from_canonical_bytes(&bytes).unwrap();
    assert_eq!(back, hw);
    assert_eq!(back.canonical_bytes(), bytes);
}

#[test]
fn any_change_changes_the_digest() {
    let base = zhang_san();
    let mut variants: Vec<(&str, Handwriting)> = Vec::new();
    let mut edit = |name, f: &dyn Fn(&mut Handwriting)| {
        let mut v = base.clone();
        f(&mut v);
        v.validate().unwrap_or_else(|e| panic!("{name}: {e}"));
        variants.push((name, v));
    };
    edit("x by one quantum", &|h| h.strokes[3].points[5].x += 0.01);
    edit("y by one quantum", &|h| h.strokes[3].points[5].y -= 0.01);
    edit("t by 1 ms", &|h| h.strokes[7].points[12].t += 1);
    edit("pressure by one quantum", &|h| h.strokes[0].points[0].p = Some(0.2501));
    edit("pressure dropped", &|h| h.strokes[0].points[0].p = None);
    edit("point removed", &|h| {
        h.strokes[2].points.remove(6);
    });
    edit("point duplicated", &|h| {
        let p = h.strokes[2].points[6];
        h.strokes[2].points.insert(6, p)
    });
    edit("stroke removed", &|h| {
        h.strokes.remove(7);
    });
    edit("strokes swapped", &|h| {
        // Same times, so the reordered value is valid and differs only in order.
        let (a, b) = (h.strokes[5].clone(), h.strokes[6].clone());
        h.strokes[5].points = b.points.iter().zip(&a.points).map(|(p, q)| Point { t: q.t, ..*p }).collect();
        h.strokes[6].points = a.points.iter().zip(&b.points).map(|(p, q)| Point { t: q.t, ..*p }).collect();
    });
    edit("stroke split", &|h| {
        let tail = h.strokes[1].points.split_off(6);
        h.strokes.insert(2, Stroke { points: tail });
    });
    edit("pointer", &|h| h.pointer = Some(PointerKind::Touch));
    edit("pointer not given", &|h| h.pointer = None);
    edit("device", &|h| h.device = Some("fixture: synthetic 张三, handwriting/tests.rs ".into()));
    edit("device not given", &|h| h.device = None);
    edit("canvas width", &|h| h.width = 401);
    edit("canvas height", &|h| h.height = 201);
    let mut seen = HashSet::from([base.digest()]);
    for (name, v) in &variants {
        assert!(seen.insert(v.digest()), "{name} left the digest unchanged or equal to another's");
    }
    // A change below the quantum is rounded away when the point is made: same signature.
    let mut same = base.clone();
    same.strokes[3].points[5].x += 0.004;
    assert_eq!(same.digest(), base.digest());
}

#[test]
fn malformed_bytes_are_refused() {
    let good = zhang_san().canonical_bytes();
    let refuse = |bytes: &[u8], expect: &str| {
        let err = Handwriting::from_canonical_bytes(bytes).unwrap_err().to_string();
        assert!(err.contains(expect), "expected {expect:?}, got {err}");
    };
    let patched = |at: usize, with: &[u8]| {
        let mut b = good.clone();
        b[at..at + with.len()].copy_from_slice(with);
        b
    };
    refuse(&patched(0, b"YXHX"), "do not start with YXHW");
    refuse(&patched(4, &[2]), "version 2");
    refuse(&patched(9, &[4]), "pointer kind 4");
    refuse(&patched(12, &[0xff]), "not UTF-8");
    let strokes_at = 12 + zhang_san().device.unwrap().len();
    refuse(&patched(strokes_at, &[0, 101]), "101 strokes");
    refuse(&patched(strokes_at + 2, &[0x13, 0x88]), "claims 5000 points but the canonical bytes end first");
    refuse(&patched(strokes_at + 2, &[0x13, 0x89]), "5001 points");
    let mut long = good.clone();
    long.push(0);
    refuse(&long, "1 bytes after the last stroke");
    // Every truncation is refused, however it falls.
    for n in 0..good.len() {
        assert!(Handwriting::from_canonical_bytes(&good[..n]).is_err(), "prefix of {n} bytes accepted");
    }
    // Well formed but not valid: decoding validates.
    let tap = canvas(vec![Stroke { points: vec![Point::new(100.0, 50.0, 0, None)] }]);
    refuse(&tap.canonical_bytes(), "ink is 0.0 px");
    let mut bad_p = canvas(vec![line((10.0, 10.0), (50.0, 10.0), 3, 0, 10, None)]).canonical_bytes();
    let last = bad_p.len() - 2;
    bad_p[last..].copy_from_slice(&10_001u16.to_be_bytes());
    refuse(&bad_p, "pressure 1.0001 is outside 0..=1");
}

/// Valid signatures built from quanta, as any parser would leave them.
fn valid() -> impl Strategy<Value = Handwriting> {
    (50u32..=2000, 50u32..=2000)
        .prop_flat_map(|(w, h)| {
            let (xm, ym) = (w as i32 * 100 + 200, h as i32 * 100 + 200);
            let point = (-200..=xm, -200..=ym, 0u32..40, prop::option::of(0u16..=10_000));
            let strokes = prop::collection::vec(prop::collection::vec(point, 1..20), 1..6);
            let device = prop::option::of("\\PC{1,30}");
            (Just(w), Just(h), prop::option::of(0usize..3), device, strokes)
        })
        .prop_map(|(width, height, pointer, device, strokes)| {
            let mut t = 0;
            let strokes = strokes
                .into_iter()
                .map(|s| Stroke {
                    points: s
                        .into_iter()
                        .map(|(x, y, dt, p)| {
                            t += dt;
                            Point { x: coord_from_q(x), y: coord_from_q(y), t, p: p.map(pressure_from_q) }
                        })
                        .collect(),
                })
                .collect::<Vec<_>>();
            let pointer = pointer.map(|i| [PointerKind::Mouse, PointerKind::Touch, PointerKind::Pen][i]);
            let mut hw = Handwriting { width, height, pointer, device, strokes };
            // The first point is the origin of time.
            let t0 = hw.strokes[0].points[0].t;
            hw.strokes.iter_mut().flat_map(|s| &mut s.points).for_each(|p| p.t -= t0);
            hw
        })
        .prop_filter("enough ink", |hw| hw.validate().is_ok())
}

/// Small signatures of any values at all, most of them invalid.
fn anything() -> impl Strategy<Value = Handwriting> {
    let coord = prop_oneof![-5.0f32..2010.0, any::<f32>(), Just(f32::NAN), Just(-0.0)];
    let pressure = prop::option::of(prop_oneof![0.0f32..=1.0, -0.5f32..1.5, any::<f32>()]);
    let point = (coord.clone(), coord, prop_oneof![0u32..100, 590_000u32..610_000], pressure);
    let stroke = prop::collection::vec(point.prop_map(|(x, y, t, p)| Point { x, y, t, p }), 0..6);
    let size = prop_oneof![40u32..2100, Just(70_000)];
    let device = prop::option::of(prop_oneof!["\\PC{0,4}", "[a\n]{1,3}", Just("华".repeat(201))]);
    (size.clone(), size, device, prop::collection::vec(stroke.prop_map(|points| Stroke { points }), 0..4)).prop_map(
        |(width, height, device, mut strokes)| {
            // Give time a chance: sort it, start it at zero, as a page would.
            let mut ts: Vec<u32> = strokes.iter().flat_map(|s| s.points.iter().map(|p| p.t)).collect();
            ts.sort_unstable();
            let t0 = ts.first().copied().unwrap_or(0);
            let mut it = ts.into_iter();
            for p in strokes.iter_mut().flat_map(|s| &mut s.points) {
                p.t = it.next().unwrap_or(0) - t0;
            }
            Handwriting { width, height, pointer: None, device, strokes }
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn canonical_bytes_round_trip(hw in valid()) {
        let bytes = hw.canonical_bytes();
        let back = Handwriting::from_canonical_bytes(&bytes).unwrap();
        prop_assert_eq!(&back, &hw);
        prop_assert_eq!(back.canonical_bytes(), bytes.clone());
        let json: Handwriting = serde_json::from_str(&serde_json::to_string(&hw).unwrap()).unwrap();
        prop_assert_eq!(json.canonical_bytes(), bytes);
    }

    #[test]
    fn bytes_decode_exactly_when_the_value_validates(hw in anything()) {
        let decoded = Handwriting::from_canonical_bytes(&hw.canonical_bytes());
        prop_assert_eq!(decoded.is_ok(), hw.validate().is_ok(), "{:?}", decoded.err());
        if let Ok(back) = decoded {
            prop_assert_eq!(back.canonical_bytes(), hw.canonical_bytes());
        }
    }
}
