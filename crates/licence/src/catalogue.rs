//! The catalogue of licence types (GB/T 36902 目录信息): for each type its name and code, the
//! defining authority and its USCC, holder category, issuing levels, validity, and the surface
//! fields with their kinds and validation rules. Types are data (`crates/licence/catalogue/*.json`,
//! compiled in; or a directory given at run time), so a new type needs no code.
//!
//! The shipped type codes are development codes built on `keys-dev/` USCCs (each file says so in
//! `type_code_note`): the national catalogue's codes must replace them in a deployment.

use crate::codes::{validate_citizen_id, validate_uscc};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The kind of a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Free text.
    Text,
    /// `YYYY-MM-DD`.
    Date,
    /// A unified social credit code.
    Uscc,
    /// A citizen identity number.
    CitizenId,
}

/// One surface field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// Key in field files.
    pub key: String,
    /// Label printed on the licence.
    pub label: String,
    /// Kind.
    pub kind: FieldKind,
    /// Whether it must be given.
    #[serde(default)]
    pub required: bool,
    /// Longest value in characters.
    #[serde(default)]
    pub max_len: Option<usize>,
    /// A regular-expression-like pattern: `^`, `$`, `[…]` classes with `{n}`/`{m,n}` counts.
    #[serde(default)]
    pub pattern: Option<String>,
    /// This field is the holder's name (证照持有人名称).
    #[serde(default)]
    pub holder_name: bool,
    /// This field is the holder's code (持证主体代码).
    #[serde(default)]
    pub holder_code: bool,
    /// This field is the licence number (证照编号).
    #[serde(default)]
    pub number: bool,
    /// This field is the expiry date.
    #[serde(default)]
    pub expiry: bool,
}

/// A licence type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceType {
    /// 证照类型名称.
    pub name: String,
    /// 证照类型代码: the defining authority's USCC and a 3-digit sequence.
    pub type_code: String,
    /// Where the code comes from.
    #[serde(default)]
    pub type_code_note: String,
    /// 证照定义机构.
    pub defining_authority: String,
    /// 证照定义机构代码.
    pub defining_authority_code: String,
    /// 持证主体类别.
    pub holder_category: String,
    /// 证照颁发机构级别.
    pub issuing_levels: Vec<String>,
    /// 有效期限范围.
    pub validity: String,
    /// Surface fields.
    pub fields: Vec<Field>,
}

const BUILT_IN: [&str; 5] = [
    include_str!("../catalogue/business-licence.json"),
    include_str!("../catalogue/food-business-licence.json"),
    include_str!("../catalogue/road-transport-licence.json"),
    include_str!("../catalogue/construction-safety-licence.json"),
    include_str!("../catalogue/pollutant-discharge-permit.json"),
];

/// The catalogue.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    types: Vec<LicenceType>,
}

impl Catalogue {
    /// The types shipped with yinxin.
    pub fn built_in() -> Result<Self> {
        let mut c = Self::default();
        for (i, json) in BUILT_IN.iter().enumerate() {
            c.add(serde_json::from_str(json).map_err(|e| Error::Catalogue(format!("built-in type {i}: {e}")))?)?;
        }
        Ok(c)
    }

    /// Every `*.json` in a directory.
    pub fn load_dir(dir: &std::path::Path) -> Result<Self> {
        let mut c = Self::default();
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| Error::Catalogue(format!("{}: {e}", dir.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).map_err(|e| Error::Catalogue(format!("{}: {e}", f.display())))?;
            c.add(serde_json::from_str(&text).map_err(|e| Error::Catalogue(format!("{}: {e}", f.display())))?)?;
        }
        Ok(c)
    }

    /// Add a type, checking it.
    pub fn add(&mut self, t: LicenceType) -> Result<()> {
        let tc: Vec<char> = t.type_code.chars().collect();
        if tc.len() != 21 || !tc[18..].iter().all(char::is_ascii_digit) {
            return Err(Error::Catalogue(format!(
                "{}: type code {} is not a USCC and three digits",
                t.name, t.type_code
            )));
        }
        validate_uscc(&t.type_code[..18]).map_err(|e| Error::Catalogue(format!("{}: type code: {e}", t.name)))?;
        validate_uscc(&t.defining_authority_code)
            .map_err(|e| Error::Catalogue(format!("{}: defining authority: {e}", t.name)))?;
        for (what, n) in [
            ("holder_name", t.fields.iter().filter(|f| f.holder_name).count()),
            ("holder_code", t.fields.iter().filter(|f| f.holder_code).count()),
        ] {
            if n != 1 {
                return Err(Error::Catalogue(format!("{}: exactly one field must be {what}", t.name)));
            }
        }
        if self.types.iter().any(|x| x.type_code == t.type_code || x.name == t.name) {
            return Err(Error::Catalogue(format!("{}: defined twice", t.name)));
        }
        self.types.push(t);
        Ok(())
    }

    /// A type by code or Chinese name.
    pub fn get(&self, code_or_name: &str) -> Option<&LicenceType> {
        self.types.iter().find(|t| t.type_code == code_or_name || t.name == code_or_name)
    }

    /// All types.
    pub fn types(&self) -> &[LicenceType] {
        &self.types
    }
}

impl LicenceType {
    /// Check field values against the type: every required field present, no unknown field,
    /// each value of its kind, length and pattern. All problems are reported together.
    pub fn validate(&self, values: &BTreeMap<String, String>) -> Result<()> {
        let mut problems = Vec::new();
        for k in values.keys() {
            if !self.fields.iter().any(|f| &f.key == k) {
                problems.push(format!("{k}: not a field of {}", self.name));
            }
        }
        for f in &self.fields {
            let v = values.get(&f.key).map(|s| s.trim()).filter(|s| !s.is_empty());
            let Some(v) = v else {
                if f.required {
                    problems.push(format!("{}（{}）: required", f.key, f.label));
                }
                continue;
            };
            if let Some(m) = f.max_len.filter(|m| v.chars().count() > *m) {
                problems.push(format!("{}（{}）: longer than {m} characters", f.key, f.label));
            }
            let kind_ok = match f.kind {
                FieldKind::Text => Ok(()),
                FieldKind::Date => parse_date(v).map(|_| ()).ok_or_else(|| "not a date YYYY-MM-DD".to_string()),
                FieldKind::Uscc => validate_uscc(v).map_err(|e| e.to_string()),
                FieldKind::CitizenId => validate_citizen_id(v).map_err(|e| e.to_string()),
            };
            if let Err(e) = kind_ok {
                problems.push(format!("{}（{}）: {e}", f.key, f.label));
            }
            if let Some(p) = &f.pattern
                && !pattern_matches(p, v)
            {
                problems.push(format!("{}（{}）: does not match {p}", f.key, f.label));
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(Error::Fields(problems)) }
    }
}

/// `YYYY-MM-DD` to a date.
pub fn parse_date(s: &str) -> Option<time::Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &fmt).ok()
}

/// One pattern atom: a character class (ranges) and how many times it repeats (min, max).
type Atom = (Vec<(char, char)>, usize, usize);

/// A small pattern language: literals, `[…]` classes with ranges, `{n}` / `{m,n}` counts, anchored
/// by `^…$` (always anchored). Enough for licence-number formats without a regex engine.
pub fn pattern_matches(pattern: &str, s: &str) -> bool {
    let p = pattern.trim_start_matches('^').trim_end_matches('$');
    let mut atoms: Vec<Atom> = Vec::new();
    let chars: Vec<char> = p.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let set = if chars[i] == '[' {
            let end = match chars[i..].iter().position(|c| *c == ']') {
                Some(e) => i + e,
                None => return false,
            };
            let inner = &chars[i + 1..end];
            let mut set = Vec::new();
            let mut j = 0;
            while j < inner.len() {
                if j + 2 < inner.len() && inner[j + 1] == '-' {
                    set.push((inner[j], inner[j + 2]));
                    j += 3;
                } else {
                    set.push((inner[j], inner[j]));
                    j += 1;
                }
            }
            i = end + 1;
            set
        } else {
            i += 1;
            vec![(chars[i - 1], chars[i - 1])]
        };
        let (mut lo, mut hi) = (1, 1);
        if i < chars.len() && chars[i] == '{' {
            let end = match chars[i..].iter().position(|c| *c == '}') {
                Some(e) => i + e,
                None => return false,
            };
            let spec: String = chars[i + 1..end].iter().collect();
            let (a, b) = spec.split_once(',').unwrap_or((&spec, &spec));
            lo = a.trim().parse().unwrap_or(1);
            hi = b.trim().parse().unwrap_or(lo);
            i = end + 1;
        }
        atoms.push((set, lo, hi));
    }
    fn go(atoms: &[Atom], s: &[char]) -> bool {
        let Some(((set, lo, hi), rest)) = atoms.split_first() else { return s.is_empty() };
        let in_set = |c: char| set.iter().any(|(a, b)| *a <= c && c <= *b);
        let mut n = 0;
        while n < *hi && n < s.len() && in_set(s[n]) {
            n += 1;
        }
        (*lo..=n).rev().any(|k| go(rest, &s[k..]))
    }
    let s: Vec<char> = s.chars().collect();
    go(&atoms, &s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_catalogue_loads_and_validates() {
        let c = Catalogue::built_in().unwrap();
        assert_eq!(c.types().len(), 5);
        for name in ["营业执照", "食品经营许可证", "道路运输经营许可证", "建筑施工企业安全生产许可证", "排污许可证"]
        {
            let t = c.get(name).unwrap();
            assert_eq!(c.get(&t.type_code).unwrap().name, name);
        }
        let food = c.get("食品经营许可证").unwrap();
        let mut v: BTreeMap<String, String> = [
            ("licence_number", "JY15301020012345"),
            ("operator", "某某餐饮有限公司"),
            ("uscc", "91530100MA6K0X1234"),
            ("legal_representative", "李四"),
            ("address", "云南省昆明市某路1号"),
            ("premises", "云南省昆明市某路1号"),
            ("business_form", "餐饮服务经营者（小型餐馆）"),
            ("business_items", "热食类食品制售"),
            ("valid_until", "2031-11-25"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let e = food.validate(&v).unwrap_err().to_string();
        assert!(e.contains("uscc"), "the made-up code fails its check character: {e}");
        v.insert("uscc".into(), "11530100MB0123456A".into());
        food.validate(&v).unwrap();
        v.insert("licence_number".into(), "JY1530".into());
        v.insert("valid_until".into(), "2031-13-01".into());
        v.insert("colour".into(), "red".into());
        let Error::Fields(problems) = food.validate(&v).unwrap_err() else { panic!() };
        assert_eq!(problems.len(), 3, "{problems:?}");
    }

    #[test]
    fn patterns() {
        assert!(pattern_matches("^JY[0-9]{14}$", "JY15301020012345"));
        assert!(!pattern_matches("^JY[0-9]{14}$", "JY1530102001234"));
        assert!(pattern_matches("^[0-9-]{3,20}$", "0871-12345"));
        assert!(!pattern_matches("^[0-9-]{3,20}$", "12"));
        assert!(pattern_matches("^[0-9A-Z]{18}[0-9]{3}[A-Z]$", "91530100MA6K0X1234001P"));
    }

    #[test]
    fn bad_types_are_refused() {
        let mut c = Catalogue::built_in().unwrap();
        let mut t = c.types()[0].clone();
        assert!(c.add(t.clone()).is_err(), "twice");
        t.name = "新证照".into();
        t.type_code = "11530100MB0123456B009".into();
        assert!(c.add(t.clone()).is_err(), "bad check character");
        t.type_code = "11530100MB0123456A009".into();
        t.fields.retain(|f| !f.holder_name);
        assert!(c.add(t).is_err(), "no holder name field");
    }
}
