//! What a signature in a PDF says besides its signed data, as report checks: the revision it
//! covers (`pdf.revision`), the handwritten signature it binds (`pdf.handwriting`), and its
//! signer's name as the signature dictionary gives it.

use yinxin_gm::sm3::sm3;
use yinxin_pki::report::{Check, SubIndication};

/// `pdf.revision`: which revision of the document the signature covers.
pub(crate) fn revision_check(pdf: &[u8], end: usize) -> Check {
    let total = super::updates::revision_number(pdf);
    match super::updates::revision_number(&pdf[..end]) {
        Some(k) => {
            let of = total.map(|t| format!(" of {t}")).unwrap_or_default();
            let of_zh = total.map(|t| format!("（共{t}个版本）")).unwrap_or_default();
            Check::pass(
                "pdf.revision",
                format!("签名覆盖第{k}个版本{of_zh}，即第0至{end}字节"),
                format!("the signature covers revision {k}{of}, bytes 0 to {end}"),
            )
        }
        None => Check::pass(
            "pdf.revision",
            format!("签名覆盖第0至{end}字节（版本号无法从交叉引用链得出）"),
            format!(
                "the signature covers bytes 0 to {end} (the revision number cannot be read from the cross-reference chain)"
            ),
        ),
    }
}

/// `pdf.handwriting`: the handwritten signature the signed attributes bind (`bound`, the SM3 of
/// its strokes, from the parsed signed data), against the strokes the revision carries. Absent
/// when neither is there.
pub(crate) fn handwriting_check(
    bound: Option<Vec<u8>>,
    strokes: Option<&core::result::Result<Vec<u8>, String>>,
) -> Option<Check> {
    const ID: &str = "pdf.handwriting";
    let c = match (bound, strokes) {
        (None, None) => return None,
        (None, Some(_)) => Check::warning(
            ID,
            "文档附有手写签名笔迹，但签名未绑定它（签名属性中没有其SM3）：笔迹可能来自别处",
            "the revision carries handwriting strokes the signature does not bind (no SM3 of them among the signed \
             attributes): the picture may come from elsewhere",
        ),
        (Some(_), None) => Check::fail(
            ID,
            SubIndication::SignedDataNotFound,
            "签名绑定了手写签名笔迹，但文档中没有笔迹数据",
            "the signature binds handwriting strokes, but the document does not carry them",
        ),
        (Some(_), Some(Err(why))) => Check::fail(
            ID,
            SubIndication::FormatFailure,
            format!("手写签名笔迹无法读取：{why}"),
            format!("the handwriting strokes cannot be read: {why}"),
        ),
        (Some(want), Some(Ok(strokes))) if sm3(strokes).0.as_slice() == want.as_slice() => Check::pass(
            ID,
            format!("手写签名笔迹（{}字节，SM3 {}）与签名绑定的一致", strokes.len(), hex_lower(&want)),
            format!(
                "the handwriting strokes ({} bytes, SM3 {}) are the ones the signature binds",
                strokes.len(),
                hex_lower(&want)
            ),
        ),
        (Some(want), Some(Ok(strokes))) => Check::fail(
            ID,
            SubIndication::HashFailure,
            format!("手写签名笔迹的SM3为{}，签名绑定的是{}", sm3(strokes).to_hex(), hex_lower(&want)),
            format!(
                "the handwriting strokes hash to {}, the signature binds {}",
                sm3(strokes).to_hex(),
                hex_lower(&want)
            ),
        ),
    };
    Some(c)
}

fn hex_lower(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A PDF text string: UTF-16BE after its byte order mark, else PDFDocEncoding read as Latin-1
/// (ISO 32000-1 §7.9.2.2).
pub(crate) fn decode_text_string(b: &[u8]) -> String {
    match b.strip_prefix(&[0xfe, 0xff]) {
        Some(u) => String::from_utf16_lossy(
            &u.chunks(2).map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])).collect::<Vec<_>>(),
        ),
        None => b.iter().map(|c| *c as char).collect(),
    }
}
