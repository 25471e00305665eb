//! 存量证照 conversion: issue licences in bulk from an export of an existing licence database.
//!
//! The export is CSV (with a header row) or JSON lines (one object a line). A mapping file names
//! the catalogue type and which column holds each surface field:
//!
//! ```json
//! { "type": "营业执照",
//!   "columns": { "uscc": "TYSHXYDM", "name": "QYMC", "legal_representative": "FDDBR" },
//!   "constants": { "term": "长期" },
//!   "serial_column": "ZZBH", "issued_column": "FZRQ" }
//! ```
//!
//! Every row gets an outcome in the journal `import-journal.jsonl` in the output directory,
//! appended and flushed to disk row by row: `issued` (with the identifier), `rejected` (with
//! every reason) or `duplicate` (the same row content earlier in the export). A run that is
//! interrupted — killed, a power cut — is resumed by running the same command again:
//!
//! - rows with a journal entry are skipped;
//! - a row's identifier does not depend on when it is issued (its serial is the serial column, the
//!   licence number, or else derived from the row's content), so a row whose files were written
//!   but whose journal entry was lost is recognised by its `<identifier>.json` and recorded as
//!   issued without being signed again. No row is ever issued under two identifiers.
//!
//! Files are written to a temporary name and renamed, so a file present under its final name is
//! complete.

use crate::catalogue::{Catalogue, LicenceType};
use crate::issue::{IssueRequest, Issued, Metadata, Sealing, issue, prepare};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// The journal's file name in the output directory.
pub const JOURNAL: &str = "import-journal.jsonl";
/// Rows larger than this (all values together) are rejected rather than read into a licence.
pub const MAX_ROW_BYTES: usize = 64 * 1024;

/// How export columns become licence fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// The licence type: code or Chinese name.
    #[serde(rename = "type")]
    pub ltype: String,
    /// Field key → column name.
    pub columns: BTreeMap<String, String>,
    /// Field key → the same value for every row.
    #[serde(default)]
    pub constants: BTreeMap<String, String>,
    /// A column to use as the identifier's serial (otherwise the licence number, or a serial
    /// derived from the row's content).
    #[serde(default)]
    pub serial_column: Option<String>,
    /// A column holding the original issue date (YYYY-MM-DD), kept as the licence's 发证日期.
    #[serde(default)]
    pub issued_column: Option<String>,
}

impl Mapping {
    /// Read a mapping file and check it against the catalogue.
    pub fn load(path: &Path, catalogue: &Catalogue) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io(format!("{}: {e}", path.display())))?;
        let m: Mapping =
            serde_json::from_str(&text).map_err(|e| Error::Catalogue(format!("{}: {e}", path.display())))?;
        let t = m.licence_type(catalogue)?;
        let unknown: Vec<&String> =
            m.columns.keys().chain(m.constants.keys()).filter(|k| !t.fields.iter().any(|f| &f.key == *k)).collect();
        if !unknown.is_empty() {
            return Err(Error::Catalogue(format!("{}: {} has no field {unknown:?}", path.display(), t.name)));
        }
        Ok(m)
    }

    /// The catalogue type it maps to.
    pub fn licence_type<'c>(&self, catalogue: &'c Catalogue) -> Result<&'c LicenceType> {
        catalogue
            .get(&self.ltype)
            .ok_or_else(|| Error::Catalogue(format!("mapping type {:?} is not in the catalogue", self.ltype)))
    }
}

/// One row of an export: its line (1-based, counting the CSV header) and its values by column.
#[derive(Debug, Clone)]
pub struct Row {
    /// Where it is in the export.
    pub line: usize,
    /// Column → value.
    pub values: BTreeMap<String, String>,
}

/// Read an export: `.csv` with a header row, or `.jsonl` / `.ndjson` (one JSON object a line;
/// numbers and booleans become their text, null an empty value).
pub fn read_rows(path: &Path) -> Result<Vec<Row>> {
    let io = |e: &dyn std::fmt::Display| Error::Io(format!("{}: {e}", path.display()));
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let mut rows = Vec::new();
    match ext.as_str() {
        "csv" => {
            let mut r = csv::ReaderBuilder::new().flexible(false).from_path(path).map_err(|e| io(&e))?;
            let headers: Vec<String> =
                r.headers().map_err(|e| io(&e))?.iter().map(|h| h.trim_start_matches('\u{feff}').to_string()).collect();
            for (i, rec) in r.records().enumerate() {
                let rec = rec.map_err(|e| io(&e))?;
                let values = headers.iter().cloned().zip(rec.iter().map(str::to_string)).collect();
                rows.push(Row { line: i + 2, values });
            }
        }
        "jsonl" | "ndjson" => {
            let f = std::fs::File::open(path).map_err(|e| io(&e))?;
            for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
                let line = line.map_err(|e| io(&e))?;
                if line.trim().is_empty() {
                    continue;
                }
                let obj: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(&line).map_err(|e| io(&format!("line {}: {e}", i + 1)))?;
                let values = obj
                    .into_iter()
                    .map(|(k, v)| {
                        let s = match v {
                            serde_json::Value::String(s) => s,
                            serde_json::Value::Null => String::new(),
                            other => other.to_string(),
                        };
                        (k, s)
                    })
                    .collect();
                rows.push(Row { line: i + 1, values });
            }
        }
        _ => return Err(Error::Io(format!("{}: expected a .csv or .jsonl export", path.display()))),
    }
    Ok(rows)
}

/// What happened to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Issued (or found issued by an interrupted run).
    Issued,
    /// Not issued: see the reasons.
    Rejected,
    /// The same content as an earlier row.
    Duplicate,
}

/// A journal entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The row's line in the export.
    pub line: usize,
    /// SM3 of the row's mapped content (hex): what "the same row" means across runs.
    pub key: String,
    /// What happened.
    pub status: Status,
    /// The licence identifier, when issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// Why not, when rejected or duplicate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

/// Counts for a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Issued in this run.
    pub issued: usize,
    /// Found issued (files present) but missing from the journal: recorded, not signed again.
    pub recovered: usize,
    /// Rejected in this run.
    pub rejected: usize,
    /// Duplicates found in this run.
    pub duplicate: usize,
    /// Already in the journal from an earlier run.
    pub already_done: usize,
}

/// A bulk conversion.
pub struct Import<'a> {
    /// The type rows are issued as.
    pub ltype: &'a LicenceType,
    /// The mapping.
    pub mapping: &'a Mapping,
    /// The issuing department's name and USCC.
    pub issuer: String,
    /// Its USCC.
    pub issuer_code: String,
    /// The verification address for the QR codes.
    pub verify_url: String,
    /// Output directory: `<identifier>.ofd`, `.pdf`, `.json` and the journal.
    pub out: PathBuf,
}

impl Import<'_> {
    fn fields(&self, row: &Row) -> BTreeMap<String, String> {
        let mut f = self.mapping.constants.clone();
        for (key, col) in &self.mapping.columns {
            if let Some(v) = row.values.get(col) {
                f.insert(key.clone(), v.trim().to_string());
            }
        }
        f.retain(|_, v| !v.is_empty());
        f
    }

    /// Read the journal (a torn last line from a crash is ignored; `run` rewrites it).
    pub fn journal(&self) -> Result<Vec<Outcome>> {
        Ok(parse_journal(&self.journal_text()?))
    }

    fn journal_text(&self) -> Result<String> {
        let path = self.out.join(JOURNAL);
        match std::fs::read_to_string(&path) {
            Ok(t) => Ok(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
            Err(e) => Err(Error::Io(format!("{}: {e}", path.display()))),
        }
    }

    /// Run over `rows`, calling `progress` after each one. Stops at the first I/O error (the
    /// journal stays consistent: rerun to resume).
    pub fn run(
        &self,
        rows: &[Row],
        sealing: &Sealing<'_>,
        mut progress: impl FnMut(&Row, &Outcome),
    ) -> Result<Summary> {
        let io = |p: &Path, e: std::io::Error| Error::Io(format!("{}: {e}", p.display()));
        std::fs::create_dir_all(&self.out).map_err(|e| io(&self.out, e))?;
        // What earlier runs recorded: by (line, content) for the rows themselves, and the first
        // line each content was processed at, so a copy of it elsewhere is still a duplicate.
        let mut done: HashMap<(usize, String), Outcome> = HashMap::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut text = self.journal_text()?;
        for o in parse_journal(&text) {
            if o.status != Status::Duplicate {
                seen.entry(o.key.clone()).or_insert(o.line);
            }
            done.insert((o.line, o.key.clone()), o);
        }
        let jpath = self.out.join(JOURNAL);
        // Rewrite the journal without a torn last line before appending.
        if !text.is_empty() && !text.ends_with('\n') {
            text.truncate(text.rfind('\n').map_or(0, |i| i + 1));
            std::fs::write(&jpath, &text).map_err(|e| io(&jpath, e))?;
        }
        let mut journal =
            std::fs::OpenOptions::new().create(true).append(true).open(&jpath).map_err(|e| io(&jpath, e))?;
        let mut summary = Summary::default();
        for row in rows {
            let fields = self.fields(row);
            let key = hex::encode(
                yinxin_gm::sm3::sm3(
                    serde_json::to_string(&(&self.ltype.type_code, &self.issuer_code, &fields))
                        .unwrap_or_default()
                        .as_bytes(),
                )
                .0,
            );
            if let Some(o) = done.get(&(row.line, key.clone())) {
                summary.already_done += 1;
                progress(row, o);
                continue;
            }
            let outcome = if let Some(first) = seen.get(&key) {
                summary.duplicate += 1;
                Outcome {
                    line: row.line,
                    key,
                    status: Status::Duplicate,
                    identifier: None,
                    reasons: vec![format!("the same as line {first}")],
                }
            } else {
                seen.insert(key.clone(), row.line);
                self.one(row, key, fields, sealing, &mut summary)?
            };
            let mut line = serde_json::to_string(&outcome).map_err(|e| Error::Io(e.to_string()))?;
            line.push('\n');
            journal.write_all(line.as_bytes()).map_err(|e| io(&jpath, e))?;
            journal.sync_data().map_err(|e| io(&jpath, e))?;
            progress(row, &outcome);
        }
        Ok(summary)
    }

    fn one(
        &self,
        row: &Row,
        key: String,
        fields: BTreeMap<String, String>,
        sealing: &Sealing<'_>,
        summary: &mut Summary,
    ) -> Result<Outcome> {
        let rejected = |key: String, reasons: Vec<String>| Outcome {
            line: row.line,
            key,
            status: Status::Rejected,
            identifier: None,
            reasons,
        };
        let size: usize = row.values.values().map(String::len).sum();
        if size > MAX_ROW_BYTES {
            summary.rejected += 1;
            return Ok(rejected(key, vec![format!("the row is {size} bytes, over {MAX_ROW_BYTES}")]));
        }
        let serial = match &self.mapping.serial_column {
            Some(col) => row.values.get(col).map(|v| v.trim().to_string()).filter(|v| !v.is_empty()),
            None => None,
        };
        let issued_on = match &self.mapping.issued_column {
            Some(col) => match row.values.get(col).map(|v| v.trim()).filter(|v| !v.is_empty()) {
                None => None,
                Some(v) => match crate::catalogue::parse_date(v) {
                    Some(d) => Some(d),
                    None => {
                        summary.rejected += 1;
                        return Ok(rejected(key, vec![format!("issue date {v:?} (column {col}) is not YYYY-MM-DD")]));
                    }
                },
            },
            None => None,
        };
        let has_number = self.ltype.fields.iter().any(|f| f.number && fields.contains_key(&f.key));
        let serial = serial.or_else(|| (!has_number).then(|| key[..20].to_ascii_uppercase()));
        let req = IssueRequest {
            ltype: self.ltype,
            fields,
            issuer: self.issuer.clone(),
            issuer_code: self.issuer_code.clone(),
            serial,
            version: 1,
            verify_url: self.verify_url.clone(),
            issued_on,
        };
        let now = OffsetDateTime::now_utc();
        let metadata = match prepare(&req, now) {
            Ok((_, m)) => m,
            Err(e) => {
                summary.rejected += 1;
                return Ok(rejected(key, reasons(e)));
            }
        };
        let issued = |id: String| Outcome {
            line: row.line,
            key: key.clone(),
            status: Status::Issued,
            identifier: Some(id),
            reasons: vec![],
        };
        let existing = self.out.join(format!("{}.json", metadata.identifier));
        if existing.exists() {
            // Either this row's own licence from an interrupted run, or another row that maps to
            // the same identifier (the same licence number with different content).
            let text =
                std::fs::read_to_string(&existing).map_err(|e| Error::Io(format!("{}: {e}", existing.display())))?;
            let before: Metadata =
                serde_json::from_str(&text).map_err(|e| Error::Io(format!("{}: {e}", existing.display())))?;
            if before.fields == metadata.fields {
                summary.recovered += 1;
                return Ok(issued(metadata.identifier));
            }
            summary.rejected += 1;
            return Ok(rejected(
                key.clone(),
                vec![format!(
                    "identifier {} is already taken by a licence with different content (the same licence number?)",
                    metadata.identifier
                )],
            ));
        }
        match issue(&req, sealing, now) {
            Ok(lic) => {
                self.write(&lic)?;
                summary.issued += 1;
                Ok(issued(lic.metadata.identifier))
            }
            Err(e @ (Error::Issue(_) | Error::Io(_))) => Err(e),
            Err(e) => {
                summary.rejected += 1;
                Ok(rejected(key.clone(), reasons(e)))
            }
        }
    }

    /// Write the OFD, the PDF and the metadata (last: its presence means the licence is complete).
    fn write(&self, lic: &Issued) -> Result<()> {
        let id = &lic.metadata.identifier;
        let json = serde_json::to_vec_pretty(&lic.metadata).map_err(|e| Error::Io(e.to_string()))?;
        for (ext, bytes) in [("ofd", &lic.ofd), ("pdf", &lic.pdf), ("json", &json)] {
            let path = self.out.join(format!("{id}.{ext}"));
            let tmp = self.out.join(format!(".{id}.{ext}.part"));
            let io = |e: std::io::Error| Error::Io(format!("{}: {e}", path.display()));
            let mut f = std::fs::File::create(&tmp).map_err(io)?;
            f.write_all(bytes).map_err(io)?;
            f.sync_data().map_err(io)?;
            std::fs::rename(&tmp, &path).map_err(io)?;
        }
        Ok(())
    }
}

fn parse_journal(text: &str) -> Vec<Outcome> {
    text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

fn reasons(e: Error) -> Vec<String> {
    match e {
        Error::Fields(v) => v,
        other => vec![other.to_string()],
    }
}
