//! Issuing a licence (the flow of GB/T 36901): type + field values → validated metadata
//! (GB/T 36903) → identifier (GB/T 36904) → the licence laid out once and written as OFD and as
//! PDF, each with a QR code that links to verification → sealed with the department's seal and
//! time-stamped → a record ready to store.

use crate::catalogue::{LicenceType, parse_date};
use crate::identifier::LicenceId;
use crate::{Error, Result, Unprintable};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use yinxin_doc::layout::{Item, break_lines, text_width};
use yinxin_pki::Cert;
use yinxin_pki::tsp::TimeStampAuthority;
use yinxin_seal::Seal;
use yinxin_seal::font::CjkFont;

/// Per-licence metadata (GB/T 36903), as stored and as written into the OFD's CustomDatas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// 证照标识.
    pub identifier: String,
    /// 证照名称 (the type's name).
    pub name: String,
    /// 证照编号.
    pub number: String,
    /// 证照类型代码.
    pub type_code: String,
    /// 证照颁发机构.
    pub issuer: String,
    /// 证照颁发机构代码.
    pub issuer_code: String,
    /// 证照颁发日期.
    pub issued: String,
    /// 证照有效期起始日期.
    pub valid_from: String,
    /// 证照有效期截止日期 (empty for 长期).
    pub valid_until: String,
    /// 持证主体.
    pub holder: String,
    /// 持证主体代码.
    pub holder_code: String,
    /// 持证主体代码类型: 统一社会信用代码 or 公民身份号码.
    pub holder_code_type: String,
    /// 状态: U in use (the service keeps the live status).
    pub status: String,
    /// 版本号.
    pub version: u16,
    /// The surface fields.
    pub fields: BTreeMap<String, String>,
    /// The identifier of the version this one supersedes (a re-issue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
    /// Set on a 加注件: the annotated copy's use-cause, user and expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotation: Option<Annotation>,
}

/// A 加注件's annotation: who may use this copy, for what, until when. The copy carries it on its
/// face and in its metadata, and is sealed again, so it cannot be reused for another purpose
/// without the change showing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotation {
    /// 用证事由: what the copy is for (at most 200 characters, as the national platform asks).
    pub use_cause: String,
    /// 用证方: the department or organisation that will use it.
    pub user: String,
    /// The last day the copy may be used (YYYY-MM-DD).
    pub expires: String,
    /// When the copy was made.
    pub annotated: String,
}

/// What a 加注件 is asked for.
#[derive(Debug, Clone, Copy)]
pub struct AnnotationRequest<'a> {
    /// 用证事由.
    pub use_cause: &'a str,
    /// 用证方.
    pub user: &'a str,
    /// The last day the copy may be used (YYYY-MM-DD).
    pub expires: &'a str,
}

impl Annotation {
    /// The line printed on the copy.
    pub fn text(&self) -> String {
        format!("加注：本件仅供{}用于{}，{}前有效", self.user, self.use_cause, self.expires)
    }
}

/// What to issue.
#[derive(Debug, Clone)]
pub struct IssueRequest<'a> {
    /// The type.
    pub ltype: &'a LicenceType,
    /// Surface field values.
    pub fields: BTreeMap<String, String>,
    /// The issuing department's name.
    pub issuer: String,
    /// Its USCC.
    pub issuer_code: String,
    /// The serial (流水号); the licence number when the type has one, else derived from the time.
    pub serial: Option<String>,
    /// Version (1 for a new licence).
    pub version: u16,
    /// Where verification is reached: the QR code holds `{verify_url}?id={identifier}`.
    pub verify_url: String,
    /// The date the licence was first issued, for licences converted from an existing database
    /// (存量证照); `None` for today.
    pub issued_on: Option<time::Date>,
}

/// Who seals.
pub struct Sealing<'a> {
    /// The department's seal.
    pub seal: &'a Seal,
    /// Its signing certificate.
    pub cert: &'a Cert,
    /// CA certificates to embed.
    pub chain: &'a [Cert],
    /// Its key.
    pub signer: &'a dyn yinxin_gm::Sm2Signer,
    /// The time-stamp authority.
    pub tsa: Option<&'a TimeStampAuthority>,
}

/// An issued licence.
#[derive(Debug, Clone)]
pub struct Issued {
    /// Its identifier.
    pub id: LicenceId,
    /// Its metadata.
    pub metadata: Metadata,
    /// The sealed OFD.
    pub ofd: Vec<u8>,
    /// The signed PDF.
    pub pdf: Vec<u8>,
}

fn serial_from(s: &str) -> String {
    let v: String = s.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect();
    v.chars().take(32).collect()
}

/// Issue a licence at `now`.
pub fn issue(req: &IssueRequest<'_>, sealing: &Sealing<'_>, now: OffsetDateTime) -> Result<Issued> {
    let (t, metadata) = metadata_for(req, now)?;
    render_and_seal(t, metadata, &req.verify_url, sealing, now)
}

/// Re-issue a licence: the same type, serial and holder, version + 1, superseding `previous`
/// (whose status the service then sets to superseded). The fields may change (a new address, an
/// extended term); the holder's code may not.
pub fn reissue(
    previous: &Metadata,
    ltype: &LicenceType,
    fields: BTreeMap<String, String>,
    verify_url: &str,
    sealing: &Sealing<'_>,
    now: OffsetDateTime,
) -> Result<Issued> {
    let old = LicenceId::parse(&previous.identifier)?;
    if old.type_code() != ltype.type_code {
        return Err(Error::Issue(format!(
            "{} is a {} licence, not {}",
            previous.identifier, previous.name, ltype.name
        )));
    }
    let next = old.next_version()?;
    let req = IssueRequest {
        ltype,
        fields,
        issuer: previous.issuer.clone(),
        issuer_code: previous.issuer_code.clone(),
        serial: Some(old.serial().to_string()),
        version: next.version(),
        verify_url: verify_url.to_string(),
        issued_on: None,
    };
    let (t, mut metadata) = metadata_for(&req, now)?;
    if metadata.holder_code != previous.holder_code {
        return Err(Error::Fields(vec![format!(
            "the holder's code {} differs from the licence's {}: a different holder needs a new licence",
            metadata.holder_code, previous.holder_code
        )]));
    }
    metadata.supersedes = Some(previous.identifier.clone());
    render_and_seal(t, metadata, verify_url, sealing, now)
}

/// Make a 加注件: a copy of the licence annotated with a use-cause, a user and an expiry, sealed
/// again by the issuing department. The identifier stays the licence's own; the annotation is on
/// the page and in the metadata (OFD CustomDatas 加注事由, 加注用证方, 加注有效期至).
pub fn annotate(
    licence: &Metadata,
    ltype: &LicenceType,
    ask: &AnnotationRequest<'_>,
    verify_url: &str,
    sealing: &Sealing<'_>,
    now: OffsetDateTime,
) -> Result<Issued> {
    let mut problems = Vec::new();
    let use_cause = ask.use_cause.trim();
    let user = ask.user.trim();
    let expires = ask.expires.trim();
    if use_cause.is_empty() || use_cause.chars().count() > 200 {
        problems.push("the use-cause is required, at most 200 characters".to_string());
    }
    if user.is_empty() || user.chars().count() > 100 {
        problems.push("the user (用证方) is required, at most 100 characters".to_string());
    }
    match parse_date(expires) {
        None => problems.push(format!("expiry {expires:?} is not a date (YYYY-MM-DD)")),
        Some(d) if d <= now.date() => problems.push(format!("expiry {expires} is not after today")),
        Some(d) => {
            if let Some(until) = parse_date(&licence.valid_until)
                && d > until
            {
                problems.push(format!("expiry {expires} is after the licence's own {}", licence.valid_until));
            }
        }
    }
    if licence.annotation.is_some() {
        problems.push("annotate the licence itself, not an annotated copy".to_string());
    }
    if !problems.is_empty() {
        return Err(Error::Fields(problems));
    }
    printable(&typeface()?, [("use_cause", use_cause), ("user", user)])?;
    if ltype.type_code != licence.type_code {
        return Err(Error::Issue(format!("{} is not a {} licence", licence.identifier, ltype.name)));
    }
    let mut metadata = licence.clone();
    metadata.annotation = Some(Annotation {
        use_cause: use_cause.to_string(),
        user: user.to_string(),
        expires: expires.to_string(),
        annotated: format!("{}", now.date()),
    });
    render_and_seal(ltype, metadata, verify_url, sealing, now)
}

/// Validate the request and build the metadata (and so the identifier) without rendering or
/// signing anything: what [`issue`] will produce for the same request on the same day.
pub fn prepare<'a>(req: &IssueRequest<'a>, now: OffsetDateTime) -> Result<(&'a LicenceType, Metadata)> {
    metadata_for(req, now)
}

/// Validate the request and build the metadata.
fn metadata_for<'a>(req: &IssueRequest<'a>, now: OffsetDateTime) -> Result<(&'a LicenceType, Metadata)> {
    let t = req.ltype;
    t.validate(&req.fields)?;
    let font = typeface()?;
    printable(
        &font,
        t.fields
            .iter()
            .filter_map(|f| req.fields.get(&f.key).map(|v| (f.key.as_str(), v.as_str())))
            .chain([("issuer", req.issuer.as_str())]),
    )?;
    let get = |pred: fn(&crate::catalogue::Field) -> bool| {
        t.fields.iter().find(|f| pred(f)).and_then(|f| req.fields.get(&f.key)).cloned().unwrap_or_default()
    };
    let holder = get(|f| f.holder_name);
    let holder_code = get(|f| f.holder_code);
    let number = get(|f| f.number);
    let expiry = get(|f| f.expiry);
    let holder_code_type = match t.fields.iter().find(|f| f.holder_code).map(|f| f.kind) {
        Some(crate::catalogue::FieldKind::CitizenId) => "公民身份号码",
        _ => "统一社会信用代码",
    };
    let today = now.date();
    let issued_on = req.issued_on.unwrap_or(today);
    if issued_on > today {
        return Err(Error::Fields(vec![format!("the issue date {issued_on} is in the future")]));
    }
    let issued = format!("{issued_on}");
    if !expiry.is_empty() && parse_date(&expiry).is_some_and(|d| d <= today) {
        return Err(Error::Fields(vec![format!(
            "expiry {expiry} is not after today ({today}): the licence has expired"
        )]));
    }
    let serial = match &req.serial {
        Some(s) => serial_from(s),
        None if !number.is_empty() => serial_from(&number),
        None => format!("{}{:09}", today.year(), now.unix_timestamp_nanos() as u64 % 1_000_000_000),
    };
    let id = LicenceId::new(&t.type_code, &req.issuer_code, &serial, req.version)?;
    let metadata = Metadata {
        identifier: id.to_string(),
        name: t.name.clone(),
        number: number.clone(),
        type_code: t.type_code.clone(),
        issuer: req.issuer.clone(),
        issuer_code: req.issuer_code.clone(),
        issued: issued.clone(),
        valid_from: issued.clone(),
        valid_until: expiry,
        holder,
        holder_code,
        holder_code_type: holder_code_type.into(),
        status: "U".into(),
        version: req.version,
        fields: req.fields.clone(),
        supersedes: None,
        annotation: None,
    };
    Ok((t, metadata))
}

/// Lay the licence out, write it as OFD and PDF, seal and time-stamp both.
fn render_and_seal(
    t: &LicenceType,
    metadata: Metadata,
    verify_url: &str,
    sealing: &Sealing<'_>,
    now: OffsetDateTime,
) -> Result<Issued> {
    let id = LicenceId::parse(&metadata.identifier)?;
    let issued = metadata.issued.clone();
    let url = format!("{verify_url}?id={}", metadata.identifier);
    let font = typeface()?;
    let labels = t.fields.iter().map(|f| ("catalogue", f.label.as_str()));
    printable(&font, [("catalogue", t.name.as_str()), ("issuer", metadata.issuer.as_str())].into_iter().chain(labels))?;
    let pages = layout(&font, t, &metadata.fields, &metadata, &url)?;

    // OFD, sealed.
    let mut custom = BTreeMap::new();
    for (k, v) in [
        ("证照标识", &metadata.identifier),
        ("证照名称", &metadata.name),
        ("证照编号", &metadata.number),
        ("证照类型代码", &metadata.type_code),
        ("证照颁发机构", &metadata.issuer),
        ("证照颁发机构代码", &metadata.issuer_code),
        ("证照颁发日期", &metadata.issued),
        ("证照有效期起始日期", &metadata.valid_from),
        ("证照有效期截止日期", &metadata.valid_until),
        ("持证主体", &metadata.holder),
        ("持证主体代码", &metadata.holder_code),
        ("持证主体代码类型", &metadata.holder_code_type),
        ("版本号", &format!("{:03}", metadata.version)),
    ] {
        custom.insert(k.to_string(), v.clone());
    }
    if let Some(s) = &metadata.supersedes {
        custom.insert("替代证照标识".into(), s.clone());
    }
    if let Some(a) = &metadata.annotation {
        custom.insert("加注事由".into(), a.use_cause.clone());
        custom.insert("加注用证方".into(), a.user.clone());
        custom.insert("加注有效期至".into(), a.expires.clone());
    }
    let spec = yinxin_doc::ofd::write::DocumentSpec {
        title: t.name.clone(),
        page_mm: (210.0, 297.0),
        pages: pages.clone(),
        custom,
        doc_id: hex::encode(
            &yinxin_gm::sm3::sm3(format!("{}|{:?}", metadata.identifier, metadata.annotation).as_bytes()).0[..16],
        ),
        creation_date: issued.clone(),
    };
    let err = |e: &dyn std::fmt::Display| Error::Issue(e.to_string());
    // One subset of the face for both carriers.
    let subset = yinxin_doc::subset::FontSubset::new(&font, &page_text(&pages)).map_err(|e| err(&e))?;
    let mut b = yinxin_doc::ofd::write::build_with(&spec, &subset).map_err(|e| err(&e))?;
    let (w, h) = (sealing.seal.picture.width_mm as f64, sealing.seal.picture.height_mm as f64);
    let req_seal = yinxin_seal::make::SignRequest {
        seal: sealing.seal,
        signer_cert: sealing.cert,
        signer: sealing.signer,
        data: b"",
        property_info: "",
        tsa: sealing.tsa,
    };
    yinxin_doc::ofd::sign::seal(
        &mut b,
        &req_seal,
        yinxin_doc::ofd::sign::StampPlace { page: 0, x: 135.0, y: 225.0, w, h },
        now,
    )
    .map_err(|e| err(&e))?;
    let ofd = b.to_zip().map_err(|e| err(&e))?;

    // PDF, signed with the seal's picture as the visible stamp.
    let pdf = yinxin_doc::pdf::render::render_with(
        &yinxin_doc::pdf::render::PdfSpec { title: t.name.clone(), page_mm: (210.0, 297.0), pages },
        &subset,
    )
    .map_err(|e| err(&e))?;
    let png = sealing.seal.picture.kind.eq_ignore_ascii_case("png").then(|| sealing.seal.picture.data.clone());
    let make = |data: &[u8]| {
        yinxin_seal::gmt0010::sign_detached(data, sealing.cert, sealing.chain, sealing.signer, now, sealing.tsa)
            .map_err(|e| yinxin_doc::Error::Package(e.to_string()))
    };
    let ap = yinxin_doc::pdf::sign::Appearance { page: 0, rect_mm: (135.0, 225.0, w, h), png };
    let pdf = yinxin_doc::pdf::sign::sign(&pdf, &ap, &metadata.issuer, now, &make).map_err(|e| err(&e))?;
    Ok(Issued { id, metadata, ofd, pdf })
}

/// The typeface licences are set in ([`yinxin_seal::font`]): built in, so only a configured face
/// that cannot be loaded makes issuing unavailable.
fn typeface() -> Result<CjkFont> {
    CjkFont::find().map_err(|e| Error::Unavailable(e.to_string()))
}

/// Refuse text the typeface cannot print: (field, text) pairs, every problem listed.
fn printable<'a>(font: &CjkFont, texts: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<()> {
    let bad: Vec<Unprintable> = texts
        .into_iter()
        .filter_map(|(field, text)| {
            let characters = font.missing(text);
            (!characters.is_empty()).then(|| Unprintable { field: field.to_string(), characters })
        })
        .collect();
    if bad.is_empty() { Ok(()) } else { Err(Error::Unprintable(bad)) }
}

/// Every character the pages print.
fn page_text(pages: &[Vec<Item>]) -> String {
    pages
        .iter()
        .flatten()
        .filter_map(|it| match it {
            Item::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

/// Page geometry, in mm from the top-left corner of an A4 page.
mod page {
    /// The frame.
    pub const FRAME: (f64, f64, f64, f64) = (12.0, 12.0, 186.0, 273.0);
    /// Labels: left edge and width.
    pub const LABEL: (f64, f64) = (24.0, 44.0);
    /// Values: left edge and width (to 6 mm inside the frame's right edge).
    pub const VALUE: (f64, f64) = (70.0, 120.0);
    /// Field text size.
    pub const SIZE: f64 = 4.2;
    /// Line pitch.
    pub const PITCH: f64 = 6.5;
    /// Space between fields.
    pub const GAP: f64 = 3.0;
    /// The first field baseline of a continuation page.
    pub const CONT_TOP: f64 = 46.0;
    /// The lowest field baseline of a continuation page.
    pub const CONT_BOTTOM: f64 = 266.0;
    /// Footer baseline (the identifier, page numbers).
    pub const FOOTER: f64 = 278.0;
    /// Footer size.
    pub const FOOTER_SIZE: f64 = 2.6;
    /// The issuer block: left edge, width, first baseline.
    pub const ISSUER: (f64, f64, f64) = (112.0, 78.0, 250.0);
    /// The top of the seal's place on page 1 (135, 225 mm): fields stop above it.
    pub const SEAL_TOP: f64 = 225.0;
}

/// Text centred on the page.
fn centred(font: &CjkFont, y: f64, size: f64, text: &str, bold: bool) -> Item {
    let w = text_width(font, text, size);
    Item::Text { x: (210.0 - w) / 2.0, y, size, text: text.to_string(), bold }
}

/// The licence's pages: frame, title, fields (labels and values each wrapped in their column by
/// the face's advances and the kinsoku rules), issuer and date, identifier, QR code. Fields that
/// do not fit page 1 continue on continuation pages (续页), as long 经营范围 do on paper licences.
fn layout(
    font: &CjkFont,
    t: &LicenceType,
    fields: &BTreeMap<String, String>,
    m: &Metadata,
    url: &str,
) -> Result<Vec<Vec<Item>>> {
    use page::*;
    let frame = || Item::Frame { x: FRAME.0, y: FRAME.1, w: FRAME.2, h: FRAME.3, line: 0.6 };
    let mut first = vec![frame(), centred(font, 38.0, 11.0, &t.name, true)];
    let mut y: f64 = 58.0;
    if let Some(a) = &m.annotation {
        let lines = break_lines(font, &a.text(), 3.5, 164.0);
        for (i, text) in lines.iter().enumerate() {
            first.push(Item::Text { x: 22.0, y: 47.0 + i as f64 * 5.0, size: 3.5, text: text.clone(), bold: true });
        }
        y = y.max(47.0 + lines.len() as f64 * 5.0 + 6.0);
    }
    // The QR code: 0.8 mm modules with a 4-module quiet zone, bottom left; fields stop above it.
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| Error::Issue(format!("QR code: {e}")))?;
    let n = code.width();
    let module = 0.8;
    let (x0, y0) = (24.0, 272.0 - n as f64 * module);
    let colors = code.to_colors();
    let rects = (0..n * n)
        .filter(|i| colors[*i] == qrcode::Color::Dark)
        .map(|i| (x0 + (i % n) as f64 * module, y0 + (i / n) as f64 * module, module, module))
        .collect();
    let first_bottom = (y0 - 5.0).min(SEAL_TOP - 5.0);

    let mut pages = vec![first];
    let mut bottom = first_bottom;
    for f in &t.fields {
        let Some(v) = fields.get(&f.key).filter(|v| !v.trim().is_empty()) else { continue };
        let values = break_lines(font, v, SIZE, VALUE.1);
        let mut row = 0;
        while row < values.len() {
            let label = if row == 0 { format!("{}：", f.label) } else { format!("{}（续）：", f.label) };
            let labels = break_lines(font, &label, SIZE, LABEL.1);
            // A new page when not even the label fits above the bottom.
            if y + PITCH * labels.len().saturating_sub(1) as f64 > bottom {
                pages.push(vec![frame(), centred(font, 30.0, 6.0, &format!("{}（续页）", t.name), true)]);
                y = CONT_TOP;
                bottom = CONT_BOTTOM;
            }
            let page = pages.last_mut().ok_or_else(|| Error::Issue("no page".into()))?;
            // As many value lines as fit here, at least one.
            let room = (((bottom - y) / PITCH).floor() as usize + 1).max(1);
            let take = room.min(values.len() - row);
            for (i, l) in labels.iter().enumerate() {
                page.push(Item::Text { x: LABEL.0, y: y + i as f64 * PITCH, size: SIZE, text: l.clone(), bold: false });
            }
            for (i, l) in values[row..row + take].iter().enumerate() {
                page.push(Item::Text { x: VALUE.0, y: y + i as f64 * PITCH, size: SIZE, text: l.clone(), bold: false });
            }
            y += PITCH * take.max(labels.len()) as f64;
            row += take;
        }
        y += GAP;
    }

    let count = pages.len();
    let first = &mut pages[0];
    let mut iy = ISSUER.2;
    for line in [format!("发证机关：{}", m.issuer), format!("发证日期：{}", m.issued)] {
        for l in break_lines(font, &line, SIZE, ISSUER.1) {
            first.push(Item::Text { x: ISSUER.0, y: iy, size: SIZE, text: l, bold: false });
            iy += PITCH * 0.9;
        }
    }
    first.push(Item::Rects { rects });
    for (i, p) in pages.iter_mut().enumerate() {
        let footer = format!("证照标识：{}", m.identifier);
        p.push(Item::Text { x: LABEL.0, y: FOOTER, size: FOOTER_SIZE, text: footer, bold: false });
        if count > 1 {
            let text = format!("第 {} 页 共 {count} 页", i + 1);
            let w = text_width(font, &text, FOOTER_SIZE);
            p.push(Item::Text { x: VALUE.0 + VALUE.1 - w, y: FOOTER, size: FOOTER_SIZE, text, bold: false });
        }
    }
    Ok(pages)
}
