//! Presentation token sizes and the QR code each needs: a business licence showing 1, 5 and all
//! of its claims (the example licence in `examples/营业执照.json`), at error-correction levels M
//! (what the wallet uses) and L. Run: `cargo run --release -p yinxin-benches --example present_sizes`.

use qrcode::EcLevel;
use time::OffsetDateTime;
use yinxin_benches::present::{claims, device, issue, token};
use yinxin_present::qr::version_for;

fn main() {
    let t = OffsetDateTime::now_utc().unix_timestamp();
    let dev = device();
    let issued = issue(dev.as_ref(), t);
    let all: Vec<String> = claims().into_iter().map(|c| c.name).collect();
    let cases: [(&str, Vec<&str>); 3] = [
        ("1 field (name)", vec!["name"]),
        ("5 fields", vec!["name", "legal_representative", "term", "address", "registration_authority"]),
        ("all 11 claims", all.iter().map(String::as_str).collect()),
    ];
    let claims = match &issued.credential.body.claims {
        yinxin_present::credential::Commitment::Tree { leaves, .. } => format!("a claim tree of {leaves} leaves"),
        yinxin_present::credential::Commitment::Digests(d) => format!("{} claim digests", d.len()),
    };
    println!(
        "credential (format {}): {} bytes ({claims})",
        issued.credential.body.format,
        issued.credential.bytes.len()
    );
    println!("| shown | token bytes | QR text chars | QR version (M) | modules (M) | QR version (L) | modules (L) |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (label, names) in cases {
        let text = token(&issued, &names, dev.as_ref(), t);
        let bytes = yinxin_present::base45::decode(&text[4..]).expect("base45").len();
        let m = version_for(&text, EcLevel::M);
        let l = version_for(&text, EcLevel::L);
        let show = |v: Option<(i16, usize)>| {
            v.map(|(v, w)| (v.to_string(), w.to_string())).unwrap_or(("too big".into(), "-".into()))
        };
        let (mv, mw) = show(m);
        let (lv, lw) = show(l);
        println!("| {label} | {bytes} | {} | {mv} | {mw} | {lv} | {lw} |", text.len());
    }
}
