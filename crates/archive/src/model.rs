//! What a department hands in for one transaction (办件): its metadata, after the 福州 field
//! set of DA/T 85 (archive.md §6.1), and its materials with the DA/T 46 core elements (§6.2); and
//! the material catalogue of an item (事项), which says what a transaction of it must hold.

use serde::{Deserialize, Serialize};

/// 保管期限: how long a transaction is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Retention {
    /// 永久.
    #[serde(rename = "permanent")]
    Permanent,
    /// 30年.
    #[serde(rename = "30y")]
    Years30,
    /// 10年.
    #[serde(rename = "10y")]
    Years10,
}

impl Retention {
    /// Its name in the archive's terms.
    pub fn zh(self) -> &'static str {
        match self {
            Retention::Permanent => "永久",
            Retention::Years30 => "30年",
            Retention::Years10 => "10年",
        }
    }
    /// The code used in 档号 and 电子文件号 (Y, D30, D10).
    pub fn code(self) -> &'static str {
        match self {
            Retention::Permanent => "Y",
            Retention::Years30 => "D30",
            Retention::Years10 => "D10",
        }
    }
    /// Years, or `None` for permanent.
    pub fn years(self) -> Option<i32> {
        match self {
            Retention::Permanent => None,
            Retention::Years30 => Some(30),
            Retention::Years10 => Some(10),
        }
    }
    /// From its serialised name.
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.into())).ok()
    }
    /// Its serialised name.
    pub fn name(self) -> &'static str {
        match self {
            Retention::Permanent => "permanent",
            Retention::Years30 => "30y",
            Retention::Years10 => "10y",
        }
    }
}

/// A material's class (申报 / 过程 / 结果).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// 申报材料: handed in by the applicant.
    Application,
    /// 过程材料: made while handling.
    Process,
    /// 结果材料: the outcome (a licence, a decision).
    Result,
}

impl Class {
    /// The package folder (archive.md §7).
    pub fn folder(self) -> &'static str {
        match self {
            Class::Application => "申报文件",
            Class::Process => "过程文件",
            Class::Result => "结果文件",
        }
    }
    /// Its name in Chinese.
    pub fn zh(self) -> &'static str {
        match self {
            Class::Application => "申报",
            Class::Process => "过程",
            Class::Result => "结果",
        }
    }
}

/// Where a material came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Uploaded by the applicant.
    Upload,
    /// Scanned at the counter.
    Scan,
    /// Pulled from the licence library.
    LicenceLibrary,
    /// Shared by another department.
    Share,
    /// Made by the handling system.
    System,
}

/// 共享类型: whether a material may be offered for reuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sharing {
    /// 无条件共享.
    Unconditional,
    /// 有条件共享: the condition is recorded with each reuse.
    Conditional,
    /// 不予共享: never offered.
    None,
}

impl Sharing {
    /// Its name in Chinese.
    pub fn zh(self) -> &'static str {
        match self {
            Sharing::Unconditional => "无条件共享",
            Sharing::Conditional => "有条件共享",
            Sharing::None => "不予共享",
        }
    }
    /// Its serialised name.
    pub fn name(self) -> &'static str {
        match self {
            Sharing::Unconditional => "unconditional",
            Sharing::Conditional => "conditional",
            Sharing::None => "none",
        }
    }
}

/// The applicant (行政相对人).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applicant {
    /// 名称.
    pub name: String,
    /// `person` or `organisation`.
    pub kind: String,
    /// 证件类型 (居民身份证, 统一社会信用代码, …).
    pub id_type: String,
    /// 证件号码: the holder code reuse is matched on.
    pub id_number: String,
}

/// A transaction's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransactionMeta {
    /// 办件编号 (unique per department).
    pub txn_no: String,
    /// 事项编码.
    pub item_code: String,
    /// 事项名称.
    pub item_name: String,
    /// 行政区划编码 (six digits).
    pub region_code: String,
    /// The applicant.
    pub applicant: Applicant,
    /// 受理时间 (RFC 3339).
    pub accepted_at: String,
    /// 办结时间 (RFC 3339); required once the result is given.
    #[serde(default)]
    pub completed_at: Option<String>,
    /// 办理结果 (准予, 不予, 办结, 在办, …).
    pub result: String,
    /// 结果证照编号, when the result is a licence.
    #[serde(default)]
    pub licence_no: Option<String>,
    /// 保管期限; the item's when absent.
    #[serde(default)]
    pub retention: Option<Retention>,
    /// The number of materials the sender counted (INT-01).
    #[serde(default)]
    pub declared_count: Option<u64>,
    /// The bytes the sender counted (INT-01).
    #[serde(default)]
    pub declared_bytes: Option<u64>,
    /// 备注.
    #[serde(default)]
    pub remarks: Option<String>,
}

/// One material's metadata (DA/T 46 core elements and the reuse fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialMeta {
    /// 题名.
    pub title: String,
    /// 责任者.
    pub responsible: String,
    /// 形成日期 (YYYY-MM-DD).
    pub date: String,
    /// 文号.
    #[serde(default)]
    pub doc_number: Option<String>,
    /// 材料编码 from the item's catalogue.
    pub code: String,
    /// 申报 / 过程 / 结果.
    pub class: Class,
    /// 计算机文件名 as handed in (never trusted for the format).
    pub file_name: String,
    /// The media type the sender declared (AUT-07 compares it with what the bytes are).
    #[serde(default)]
    pub declared_format: Option<String>,
    /// The SM3 the sender computed (AUT-01 compares it with the bytes received).
    #[serde(default)]
    pub declared_sm3: Option<String>,
    /// Where it came from.
    pub source: Source,
    /// 共享类型.
    pub sharing: Sharing,
    /// 共享条件 (for conditional sharing).
    #[serde(default)]
    pub sharing_condition: Option<String>,
    /// Valid until (YYYY-MM-DD), for materials that expire (certificates, licences).
    #[serde(default)]
    pub valid_until: Option<String>,
}

/// A material handed in: metadata and bytes.
#[derive(Debug, Clone)]
pub struct MaterialIn {
    /// Metadata.
    pub meta: MaterialMeta,
    /// The bytes.
    pub content: Vec<u8>,
}

/// One material of an item's catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemMaterial {
    /// 材料编码.
    pub code: String,
    /// 标准材料名称.
    pub name: String,
    /// Whether every transaction must hold it.
    pub required: bool,
    /// Its class.
    pub class: Class,
}

/// An item's archiving configuration (GB/T 42727 §5.2), versioned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// 事项编码.
    pub item_code: String,
    /// 事项版本号.
    pub version: String,
    /// 事项名称.
    pub name: String,
    /// The retention of its transactions.
    pub retention: Retention,
    /// Its material catalogue.
    pub materials: Vec<ItemMaterial>,
}

/// Bounds on what one request may hold (a request beyond them is refused whole, before any check).
pub const MAX_MATERIALS: usize = 500;
/// Longest text field, in characters.
pub const MAX_FIELD_CHARS: usize = 500;

fn field(errors: &mut Vec<String>, name: &str, v: &str, required: bool) {
    if required && v.trim().is_empty() {
        errors.push(format!("{name}: required"));
    }
    if v.chars().count() > MAX_FIELD_CHARS {
        errors.push(format!("{name}: longer than {MAX_FIELD_CHARS} characters"));
    }
}

/// Structural problems that refuse a request before any check runs (empty identifiers, over-long
/// fields, too many materials). Plausibility (dates, formats) is a check, recorded, not a refusal.
pub fn request_problems(t: &TransactionMeta, materials: &[MaterialMeta]) -> Vec<String> {
    let mut e = Vec::new();
    for (n, v) in [
        ("txn_no", &t.txn_no),
        ("item_code", &t.item_code),
        ("item_name", &t.item_name),
        ("region_code", &t.region_code),
        ("applicant.name", &t.applicant.name),
        ("applicant.kind", &t.applicant.kind),
        ("applicant.id_type", &t.applicant.id_type),
        ("applicant.id_number", &t.applicant.id_number),
        ("accepted_at", &t.accepted_at),
        ("result", &t.result),
    ] {
        field(&mut e, n, v, true);
    }
    for (n, v) in [("txn_no", &t.txn_no), ("item_code", &t.item_code)] {
        if !plain_code(v, 64) {
            e.push(format!("{n}: up to 64 letters, digits, '-', '_' or '.'"));
        }
    }
    for (n, v) in [("completed_at", &t.completed_at), ("licence_no", &t.licence_no), ("remarks", &t.remarks)] {
        field(&mut e, n, v.as_deref().unwrap_or(""), false);
    }
    if materials.is_empty() {
        e.push("materials: a transaction holds at least one material".into());
    }
    if materials.len() > MAX_MATERIALS {
        e.push(format!("materials: at most {MAX_MATERIALS}"));
    }
    for (i, m) in materials.iter().enumerate() {
        for (n, v) in [
            ("title", m.title.as_str()),
            ("responsible", &m.responsible),
            ("date", &m.date),
            ("code", &m.code),
            ("file_name", &m.file_name),
        ] {
            field(&mut e, &format!("materials[{i}].{n}"), v, true);
        }
        for (n, v) in [
            ("doc_number", &m.doc_number),
            ("declared_format", &m.declared_format),
            ("declared_sm3", &m.declared_sm3),
            ("sharing_condition", &m.sharing_condition),
            ("valid_until", &m.valid_until),
        ] {
            field(&mut e, &format!("materials[{i}].{n}"), v.as_deref().unwrap_or(""), false);
        }
        if !plain_code(&m.code, 40) {
            e.push(format!("materials[{i}].code: up to 40 letters, digits, '-', '_' or '.'"));
        }
    }
    e
}

/// A code of letters, digits, `-`, `_` and `.`, 1 to `max` bytes.
pub fn plain_code(v: &str, max: usize) -> bool {
    !v.is_empty() && v.len() <= max && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// Problems with an item's configuration.
pub fn item_problems(item: &Item) -> Vec<String> {
    let mut e = Vec::new();
    for (n, v) in [("item_code", &item.item_code), ("version", &item.version), ("name", &item.name)] {
        field(&mut e, n, v, true);
    }
    if item.materials.len() > MAX_MATERIALS {
        e.push(format!("materials: at most {MAX_MATERIALS}"));
    }
    let mut seen = std::collections::BTreeSet::new();
    if !plain_code(&item.item_code, 64) {
        e.push("item_code: up to 64 letters, digits, '-', '_' or '.'".into());
    }
    for (i, m) in item.materials.iter().enumerate() {
        if !plain_code(&m.code, 40) {
            e.push(format!("materials[{i}].code: up to 40 letters, digits, '-', '_' or '.'"));
        }
        field(&mut e, &format!("materials[{i}].name"), &m.name, true);
        if !seen.insert(&m.code) {
            e.push(format!("materials[{i}].code: {} is listed twice", m.code));
        }
    }
    e
}
