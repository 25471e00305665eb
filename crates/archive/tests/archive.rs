//! Format identification, usability and unpack checks over a generated corpus, and BagIt
//! packages checked by our verifier and by the independent `bagit` package from PyPI.

use yinxin_archive::bagit::{self, PayloadFile};
use yinxin_archive::check::{CheckResult, Outcome};
use yinxin_archive::format::{Kind, identify, usability};
use yinxin_archive::unpack::{Limits, read_zip};
use yinxin_tests::corpus::{self, ofd, python_bagit, zip};

fn pdf() -> Vec<u8> {
    corpus::pdf("")
}

fn image(f: image::ImageFormat) -> Vec<u8> {
    corpus::image(f, 0)
}

fn outcome(results: &[CheckResult], id: &str) -> Outcome {
    results.iter().find(|r| r.id == id).unwrap_or_else(|| panic!("no {id}")).outcome.clone()
}

#[test]
fn formats_are_identified_by_content_and_checked_whole() {
    let jpeg = image(image::ImageFormat::Jpeg);
    let good_pdf = pdf();
    let cases: Vec<(&str, Vec<u8>, Kind, Outcome, Outcome)> = vec![
        // (what, bytes, kind, USE-02, USE-03)
        ("pdf", good_pdf.clone(), Kind::Pdf, Outcome::Pass, Outcome::Pass),
        ("truncated pdf", good_pdf[..good_pdf.len() / 2].to_vec(), Kind::Pdf, Outcome::Pass, Outcome::Fail),
        ("ofd", ofd(true), Kind::Ofd, Outcome::Pass, Outcome::Pass),
        ("ofd without its DocRoot", ofd(false), Kind::Ofd, Outcome::Pass, Outcome::Fail),
        ("jpeg", jpeg.clone(), Kind::Jpeg, Outcome::Pass, Outcome::Pass),
        ("truncated jpeg", jpeg[..jpeg.len() / 2].to_vec(), Kind::Jpeg, Outcome::Pass, Outcome::Fail),
        ("png", image(image::ImageFormat::Png), Kind::Png, Outcome::Pass, Outcome::Pass),
        ("tiff", image(image::ImageFormat::Tiff), Kind::Tiff, Outcome::Pass, Outcome::Pass),
        ("xml", b"<?xml version=\"1.0\"?><a><b>x</b></a>".to_vec(), Kind::Xml, Outcome::Pass, Outcome::Pass),
        ("broken xml", b"<?xml version=\"1.0\"?><a><b>x</a>".to_vec(), Kind::Xml, Outcome::Pass, Outcome::Fail),
        ("text named .pdf", "申请书：这不是PDF".as_bytes().to_vec(), Kind::Text, Outcome::Fail, Outcome::NotApplicable),
        (
            "an executable",
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec(),
            Kind::Unknown,
            Outcome::Fail,
            Outcome::NotApplicable,
        ),
        ("empty", Vec::new(), Kind::Empty, Outcome::Fail, Outcome::Fail),
    ];
    for (what, bytes, kind, use02, use03) in cases {
        let id = identify(&bytes);
        assert_eq!(id.kind, kind, "{what}");
        let r = usability(&bytes, &id);
        assert_eq!(outcome(&r, "USE-02"), use02, "{what}: {r:?}");
        assert_eq!(outcome(&r, "USE-03"), use03, "{what}: {r:?}");
        assert!(r.iter().all(|c| c.tool.starts_with("yinxin-archive ")));
    }
    assert_eq!(identify(&good_pdf).version.as_deref(), Some("1.7"));
}

#[test]
fn unsafe_containers_are_refused_before_anything_is_inflated() {
    let ok = zip(&[("申报文件/a.txt", b"hello"), ("b.xml", b"<a/>")]);
    let (entries, r) = read_zip(&ok, &Limits::default());
    assert_eq!(entries.unwrap().len(), 2);
    assert_eq!((outcome(&r, "SEC-02"), outcome(&r, "USE-04")), (Outcome::Pass, Outcome::Pass));

    for name in ["../../etc/passwd", "/etc/passwd", "a/../../b", "C:/windows/x", "a\\..\\b"] {
        let (e, r) = read_zip(&zip(&[(name, b"x")]), &Limits::default());
        assert!(e.is_none(), "{name}");
        assert_eq!(outcome(&r, "SEC-02"), Outcome::Fail, "{name}");
    }
    // A symbolic link entry.
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.add_symlink("link", "/etc/shadow", zip::write::SimpleFileOptions::default()).unwrap();
    let (e, r) = read_zip(&w.finish().unwrap().into_inner(), &Limits::default());
    assert!(e.is_none());
    assert!(matches!(outcome(&r, "SEC-02"), Outcome::Fail));

    // A decompression bomb: 64 MiB of zeros in about 64 KiB, over 1,000:1.
    let zeros = vec![0u8; 64 << 20];
    let bomb = zip(&[("zeros.bin", &zeros)]);
    assert!(bomb.len() < 200 << 10);
    let (e, r) = read_zip(&bomb, &Limits::default());
    assert!(e.is_none());
    assert_eq!(outcome(&r, "USE-04"), Outcome::Fail);
    assert!(r.iter().any(|c| c.detail.contains("bomb")));

    // Too many entries.
    let many: Vec<(String, Vec<u8>)> = (0..30).map(|i| (format!("f{i}"), vec![1])).collect();
    let refs: Vec<(&str, &[u8])> = many.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let (e, r) = read_zip(&zip(&refs), &Limits { entries: 10, ..Limits::default() });
    assert!(e.is_none());
    assert_eq!(outcome(&r, "SEC-02"), Outcome::Fail);

    // Not a zip at all: SEC-02 did not run (and says why), USE-04 fails.
    let (e, r) = read_zip(b"PK\x03\x04garbage", &Limits::default());
    assert!(e.is_none());
    assert!(matches!(outcome(&r, "SEC-02"), Outcome::NotRun(_)));
}

fn sample_bag(dir: &std::path::Path) {
    let files = vec![
        PayloadFile { path: "元数据.xml".into(), bytes: "<?xml version=\"1.0\"?><办件/>".as_bytes().to_vec() },
        PayloadFile { path: "申报文件/A001-1-申请书.pdf".into(), bytes: pdf() },
        PayloadFile { path: "结果文件/B001-1-营业执照.ofd".into(), bytes: ofd(true) },
        PayloadFile { path: "过程文件/C001-1-现场照片.jpg".into(), bytes: image(image::ImageFormat::Jpeg) },
    ];
    let info = [
        ("Source-Organization", "某市市场监督管理局".to_string()),
        ("External-Identifier", "BJ-2026-000123".to_string()),
        ("Bagging-Date", "2026-11-26".to_string()),
    ];
    bagit::write(dir, &files, &info).unwrap();
}

#[test]
fn bags_validate_with_ours_and_with_python_bagit_and_one_flipped_byte_fails_both() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good");
    sample_bag(&good);
    assert_eq!(bagit::verify(&good), Vec::<String>::new());
    assert_eq!(bagit::check(&good).outcome, Outcome::Pass);
    let (ok, text) = python_bagit(&good);
    assert!(ok, "python bagit refuses our bag: {text}");

    // Deterministic: the same payload and info give the same bytes.
    let again = tmp.path().join("again");
    sample_bag(&again);
    for f in ["manifest-sha256.txt", "manifest-sm3.txt", "tagmanifest-sha256.txt", "bag-info.txt"] {
        assert_eq!(std::fs::read(good.join(f)).unwrap(), std::fs::read(again.join(f)).unwrap(), "{f}");
    }

    // One flipped byte in every payload and tag file, one at a time.
    let mut targets = vec!["bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sm3.txt"];
    targets.extend([
        "data/元数据.xml",
        "data/申报文件/A001-1-申请书.pdf",
        "data/结果文件/B001-1-营业执照.ofd",
        "data/过程文件/C001-1-现场照片.jpg",
    ]);
    for (i, t) in targets.iter().enumerate() {
        let bag = tmp.path().join(format!("flip{i}"));
        sample_bag(&bag);
        let p = bag.join(t);
        let mut b = std::fs::read(&p).unwrap();
        let at = b.len() / 2;
        b[at] ^= 0x01;
        std::fs::write(&p, b).unwrap();
        assert!(!bagit::verify(&bag).is_empty(), "ours misses a flipped byte in {t}");
        let (ok, text) = python_bagit(&bag);
        assert!(!ok, "python bagit misses a flipped byte in {t}: {text}");
    }

    // A file added to the payload, or removed, is caught.
    let extra = tmp.path().join("extra");
    sample_bag(&extra);
    std::fs::write(extra.join("data/smuggled.txt"), b"x").unwrap();
    assert!(bagit::verify(&extra).iter().any(|p| p.contains("smuggled")));
    let missing = tmp.path().join("missing");
    sample_bag(&missing);
    std::fs::remove_file(missing.join("data/元数据.xml")).unwrap();
    assert!(!bagit::verify(&missing).is_empty());

    // Unsafe payload paths are refused at write time.
    for p in ["../x", "/abs", "a//b", "a/./b", "line\nbreak", "50%"] {
        let r = bagit::write(&tmp.path().join("bad"), &[PayloadFile { path: p.into(), bytes: vec![1] }], &[]);
        assert!(r.is_err(), "{p:?}");
    }
}

#[test]
fn a_files_checks_add_up_to_one_verdict() {
    use yinxin_archive::inspect::{Verdict, check_file};
    let limits = Limits::default();
    // A good OFD, no scanner: accepted with warnings, never plainly accepted.
    let (id, r) = check_file(&ofd(true), None, &limits);
    assert_eq!(id.kind, Kind::Ofd);
    assert_eq!(Verdict::of(&r), Verdict::AcceptedWithWarnings);
    assert_eq!(r.iter().filter(|c| c.id == "USE-04").count(), 1);
    assert_eq!(outcome(&r, "SEC-02"), Outcome::Pass);
    assert!(matches!(outcome(&r, "SEC-01"), Outcome::NotRun(_)));
    // A zip bomb: rejected on USE-04, reported once.
    let bomb = zip(&[("zeros.bin", &vec![0u8; 16 << 20])]);
    let (_, r) = check_file(&bomb, None, &limits);
    assert_eq!(Verdict::of(&r), Verdict::Rejected);
    assert_eq!(r.iter().filter(|c| c.id == "USE-04").count(), 1);
    assert_eq!(outcome(&r, "USE-04"), Outcome::Fail);
    // All passed: accepted.
    let pass = [CheckResult::ours("USE-02", yinxin_archive::check::Family::Usability, Outcome::Pass, "")];
    assert_eq!(Verdict::of(&pass), Verdict::Accepted);
}
