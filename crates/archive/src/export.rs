//! Export of one transaction as a BagIt package (archive.md §7), and its verification end to end.
//!
//! ```text
//! <电子文件号>/
//!   bagit.txt  bag-info.txt  manifest-{sha256,sm3}.txt  tagmanifest-{sha256,sm3}.txt
//!   data/元数据.xml            the transaction and each material (DA/T 46 elements)
//!   data/premis.xml            objects, events (each with its place in the hash chain), agents
//!   data/检测报告.xml          the checks at capture and again at hand-over
//!   data/申报文件/ 过程文件/ 结果文件/   <材料编码>-<文档序号>-<标准名>.<ext>
//!   data/证据/<material>-验证报告.json   the signature verifier's report kept at capture
//!   data/证据/清单.txt         SM3 and path of every other payload file
//!   data/证据/清单.ses         the department's seal over 清单.txt (GB/T 38540, time-stamped)
//! ```
//!
//! The seal covers the list, the list covers every other file, and the bag's manifests cover
//! everything: one changed byte anywhere breaks a digest, and a re-made list breaks the seal.
//! Two exports of the same transaction at the same `now` are byte-identical apart from the
//! seal (an SM2 signature is randomised) and its time stamp.

use crate::bagit::{self, PayloadFile};
use crate::check::{CheckResult, Family, Outcome};
use crate::inspect::Verdict;
use crate::service::{Actor, Archive, Authority, Error, MaterialRow, Result, TransactionRow, digests};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use yinxin_gm::sm3::sm3;

/// The namespace of our own elements.
pub const NS: &str = "urn:yinxin:archive:1";

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => o.push(c),
        }
    }
    o
}

fn el(out: &mut String, indent: usize, name: &str, text: &str) {
    let _ = writeln!(out, "{:indent$}<{name}>{}</{name}>", "", esc(text), indent = indent);
}

fn opt(out: &mut String, indent: usize, name: &str, text: Option<&str>) {
    if let Some(t) = text {
        el(out, indent, name, t);
    }
}

/// China time, RFC 3339.
pub fn cst(ts: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ts)
        .map(|t| t.to_offset(time::macros::offset!(+8)))
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

fn ext(kind: &str) -> &'static str {
    match kind {
        "pdf" => "pdf",
        "ofd" => "ofd",
        "jpeg" => "jpg",
        "png" => "png",
        "tiff" => "tif",
        "xml" => "xml",
        "zip" => "zip",
        "text" => "txt",
        _ => "bin",
    }
}

/// A name part safe in a package path: no separators, controls or `%`, at most 40 characters.
fn safe(s: &str) -> String {
    let t: String =
        s.chars().map(|c| if c.is_control() || "/\\:*?\"<>|%".contains(c) { '_' } else { c }).take(40).collect();
    let t = t.trim().trim_matches('.').to_string();
    if t.is_empty() { "材料".into() } else { t }
}

/// A title without a file extension it may carry (`审核记录.xml` → `审核记录`): the package
/// adds the extension of what the bytes are.
fn without_extension(s: &str) -> &str {
    match s.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty() && (1..=4).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            stem
        }
        _ => s,
    }
}

/// Where a material goes in the package.
pub fn material_path(m: &MaterialRow, standard_name: Option<&str>) -> String {
    let class = match m.class.as_str() {
        "申报" => "申报文件",
        "过程" => "过程文件",
        _ => "结果文件",
    };
    format!(
        "{class}/{}-{:03}-{}.{}",
        safe(&m.material_code),
        m.seq,
        safe(without_extension(standard_name.unwrap_or(&m.metadata.title))),
        ext(&m.kind)
    )
}

fn metadata_xml(t: &TransactionRow, mats: &[(MaterialRow, String)], bag_bytes: u64) -> String {
    let md = &t.metadata;
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(x, "<归档信息包 xmlns=\"{NS}\">");
    x.push_str("  <办件>\n");
    el(&mut x, 4, "电子文件号", &t.id);
    el(&mut x, 4, "办件编号", &t.txn_no);
    el(&mut x, 4, "事项编码", &md.item_code);
    el(&mut x, 4, "事项名称", &md.item_name);
    el(&mut x, 4, "行政区划编码", &md.region_code);
    el(&mut x, 4, "立档单位统一社会信用代码", &t.department_code);
    el(&mut x, 4, "保管期限", crate::model::Retention::parse(&t.retention).map(|r| r.zh()).unwrap_or(&t.retention));
    el(&mut x, 4, "受理时间", &md.accepted_at);
    opt(&mut x, 4, "办结时间", md.completed_at.as_deref());
    el(&mut x, 4, "办理结果", &md.result);
    opt(&mut x, 4, "结果证照编号", md.licence_no.as_deref());
    el(&mut x, 4, "归档时间", &cst(t.created));
    x.push_str("    <行政相对人>\n");
    el(&mut x, 6, "名称", &md.applicant.name);
    el(&mut x, 6, "类型", &md.applicant.kind);
    el(&mut x, 6, "证件类型", &md.applicant.id_type);
    el(&mut x, 6, "证件号码", &md.applicant.id_number);
    x.push_str("    </行政相对人>\n");
    el(&mut x, 4, "文件总数", &mats.len().to_string());
    el(&mut x, 4, "材料总字节数", &bag_bytes.to_string());
    opt(&mut x, 4, "备注", md.remarks.as_deref());
    x.push_str("  </办件>\n  <材料列表>\n");
    for (m, path) in mats {
        let mm = &m.metadata;
        x.push_str("    <材料>\n");
        el(&mut x, 6, "材料实例标识", &m.id);
        el(&mut x, 6, "文档序号", &m.seq.to_string());
        el(&mut x, 6, "题名", &mm.title);
        el(&mut x, 6, "责任者", &mm.responsible);
        el(&mut x, 6, "形成日期", &mm.date);
        opt(&mut x, 6, "文号", mm.doc_number.as_deref());
        el(&mut x, 6, "材料编码", &m.material_code);
        el(&mut x, 6, "类别", &m.class);
        el(&mut x, 6, "计算机文件名", &mm.file_name);
        el(&mut x, 6, "包内路径", &format!("data/{path}"));
        el(&mut x, 6, "格式", &m.kind);
        el(&mut x, 6, "大小", &m.size.to_string());
        el(&mut x, 6, "SM3", &m.sm3);
        el(&mut x, 6, "SHA256", &m.sha256);
        el(
            &mut x,
            6,
            "来源",
            serde_json::to_value(mm.source).ok().and_then(|v| v.as_str().map(String::from)).as_deref().unwrap_or(""),
        );
        el(&mut x, 6, "共享类型", mm.sharing.zh());
        opt(&mut x, 6, "共享条件", mm.sharing_condition.as_deref());
        opt(&mut x, 6, "有效期至", mm.valid_until.as_deref());
        opt(&mut x, 6, "关联证照", m.licence_id.as_deref());
        opt(&mut x, 6, "复用自", m.reused_from.as_deref());
        el(&mut x, 6, "检测结论", &m.verdict);
        x.push_str("    </材料>\n");
    }
    x.push_str("  </材料列表>\n</归档信息包>\n");
    x
}

fn premis_xml(t: &TransactionRow, mats: &[(MaterialRow, String)], events: &[yinxin_store::audit::Chained]) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<premis xmlns=\"http://www.loc.gov/premis/v3\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xmlns:yx=\"{NS}\" version=\"3.0\">"
    );
    for (m, path) in mats {
        x.push_str("  <object xsi:type=\"file\">\n    <objectIdentifier>\n");
        el(&mut x, 6, "objectIdentifierType", "yinxin-material");
        el(&mut x, 6, "objectIdentifierValue", &m.id);
        x.push_str("    </objectIdentifier>\n    <objectCharacteristics>\n");
        for (alg, d) in [("SM3", &m.sm3), ("SHA-256", &m.sha256)] {
            x.push_str("      <fixity>\n");
            el(&mut x, 8, "messageDigestAlgorithm", alg);
            el(&mut x, 8, "messageDigest", d);
            el(&mut x, 8, "messageDigestOriginator", "yinxin-archive");
            x.push_str("      </fixity>\n");
        }
        el(&mut x, 6, "size", &m.size.to_string());
        x.push_str("      <format>\n        <formatDesignation>\n");
        el(&mut x, 10, "formatName", &m.kind);
        x.push_str("        </formatDesignation>\n      </format>\n    </objectCharacteristics>\n");
        el(&mut x, 4, "originalName", &m.metadata.file_name);
        x.push_str("    <storage>\n      <contentLocation>\n");
        el(&mut x, 8, "contentLocationType", "package path");
        el(&mut x, 8, "contentLocationValue", &format!("data/{path}"));
        x.push_str("      </contentLocation>\n    </storage>\n  </object>\n");
    }
    let mut agents: BTreeMap<(String, String), ()> = BTreeMap::new();
    for e in events {
        let d: Value = serde_json::from_str(&e.entry.detail).unwrap_or(Value::Null);
        let ty = d["event"].as_str().unwrap_or(e.entry.action.trim_start_matches("archive."));
        x.push_str("  <event>\n    <eventIdentifier>\n");
        el(&mut x, 6, "eventIdentifierType", "yinxin-audit-seq");
        el(&mut x, 6, "eventIdentifierValue", &e.entry.seq.to_string());
        x.push_str("    </eventIdentifier>\n");
        el(&mut x, 4, "eventType", ty);
        el(&mut x, 4, "eventDateTime", &cst(e.entry.at));
        x.push_str("    <eventDetailInformation>\n");
        let mut detail = String::new();
        if let Some(c) = d["check"].as_str() {
            let _ = write!(detail, "{c} ");
        }
        if let Some(s) = d["detail"].as_str() {
            detail.push_str(s);
        }
        el(&mut x, 6, "eventDetail", detail.trim());
        let _ = writeln!(
            x,
            "      <eventDetailExtension><yx:chain seq=\"{}\" prev=\"{}\" hash=\"{}\" action=\"{}\"/></eventDetailExtension>",
            e.entry.seq,
            e.prev_hash,
            e.hash,
            esc(&e.entry.action)
        );
        x.push_str("    </eventDetailInformation>\n");
        let outcome = d["outcome"].as_str().or(d["verdict"].as_str()).unwrap_or("pass");
        x.push_str("    <eventOutcomeInformation>\n");
        el(&mut x, 6, "eventOutcome", outcome);
        if let Some(why) = d["why"]["why"].as_str() {
            x.push_str("      <eventOutcomeDetail>\n");
            el(&mut x, 8, "eventOutcomeDetailNote", why);
            x.push_str("      </eventOutcomeDetail>\n");
        }
        x.push_str("    </eventOutcomeInformation>\n");
        let tool = d["tool"].as_str().unwrap_or("yinxin").to_string();
        for (ty, value, role) in
            [("yinxin-client", e.entry.actor.as_str(), "implementer"), ("software", &tool, "executing program")]
        {
            agents.insert((ty.to_string(), value.to_string()), ());
            x.push_str("    <linkingAgentIdentifier>\n");
            el(&mut x, 6, "linkingAgentIdentifierType", ty);
            el(&mut x, 6, "linkingAgentIdentifierValue", value);
            el(&mut x, 6, "linkingAgentRole", role);
            x.push_str("    </linkingAgentIdentifier>\n");
        }
        let object = d["object"].as_str().unwrap_or(&t.id);
        x.push_str("    <linkingObjectIdentifier>\n");
        el(
            &mut x,
            6,
            "linkingObjectIdentifierType",
            if object == t.id { "yinxin-transaction" } else { "yinxin-material" },
        );
        el(&mut x, 6, "linkingObjectIdentifierValue", object);
        x.push_str("    </linkingObjectIdentifier>\n  </event>\n");
    }
    for (ty, value) in agents.keys() {
        x.push_str("  <agent>\n    <agentIdentifier>\n");
        el(&mut x, 6, "agentIdentifierType", ty);
        el(&mut x, 6, "agentIdentifierValue", value);
        x.push_str("    </agentIdentifier>\n");
        el(&mut x, 4, "agentType", if ty == "software" { "software" } else { "organization" });
        x.push_str("  </agent>\n");
    }
    x.push_str("</premis>\n");
    x
}

fn check_xml(x: &mut String, indent: usize, r: &CheckResult, stage: &str) {
    let why = match &r.outcome {
        Outcome::NotRun(w) => format!(" 原因=\"{}\"", esc(w)),
        _ => String::new(),
    };
    let _ = writeln!(
        x,
        "{:indent$}<检测项 编号=\"{}\" 属性=\"{}\" 环节=\"{stage}\" 结果=\"{}\"{why} 工具=\"{}\">{}</检测项>",
        "",
        esc(&r.id),
        r.family.zh(),
        r.outcome.name(),
        esc(&r.tool),
        esc(&r.detail),
        indent = indent
    );
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    /// The bag directory.
    pub dir: String,
    /// Payload files.
    pub files: usize,
    /// Payload bytes.
    pub bytes: u64,
    /// The verdict of the hand-over checks.
    pub verdict: Verdict,
    /// SM3 of the SM3 tag manifest: the package's digest for the transfer manifest.
    pub package_sm3: String,
}

impl Archive {
    /// Export a transaction as a sealed BagIt package into `dir` (which must not exist). The
    /// checks run again at hand-over: every blob is read back (its SM3 verified by the store) and
    /// its SHA-256 compared (AUT-01), and every signature verified again (AUT-02).
    pub async fn export(
        &self,
        actor: &Actor,
        id: &str,
        dir: &Path,
        auth: &dyn Authority,
        now: i64,
    ) -> Result<Exported> {
        let t = self.transaction(id).await?;
        if t.disposed.is_some() {
            return Err(Error::Conflict(format!("transaction {id} is disposed of")));
        }
        if t.verdict == "rejected" {
            return Err(Error::Conflict(format!("transaction {id} was rejected at ingest: nothing to hand over")));
        }
        let item = self.item(&t.metadata.item_code).await?;
        let rows = self.materials(id).await?;
        let events: Vec<_> = self
            .events(id)
            .await?
            .into_iter()
            .filter(|e| e.entry.action != "archive.information package creation")
            .collect();
        let mut files = Vec::new();
        let mut mats = Vec::new();
        let mut report = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(report, "<检测报告 xmlns=\"{NS}\" 电子文件号=\"{}\" 检测时间=\"{}\">", esc(&t.id), cst(now));
        let mut all = t.checks.clone();
        for r in &t.checks {
            check_xml(&mut report, 2, r, "归档");
        }
        let mut bytes_total = 0u64;
        let mut handover = Vec::new();
        for m in rows {
            let name = item
                .as_ref()
                .and_then(|i| i.materials.iter().find(|x| x.code == m.material_code))
                .map(|x| x.name.clone());
            let path = material_path(&m, name.as_deref());
            let content = match self.blobs.get(&m.sm3).await {
                Ok(b) => b,
                Err(e) => return Err(Error::Other(format!("material {} ({}): {e}", m.id, m.sm3))),
            };
            let (s, sha) = digests(&content);
            let fixity = if s == m.sm3 && sha == m.sha256 {
                CheckResult::ours(
                    "AUT-01",
                    Family::Authenticity,
                    Outcome::Pass,
                    "SM3 and SHA-256 equal the values fixed at capture",
                )
            } else {
                CheckResult::ours(
                    "AUT-01",
                    Family::Authenticity,
                    Outcome::Fail,
                    "the bytes no longer match the capture digests",
                )
            };
            let sig = match crate::service::authenticity(auth, &content) {
                (r, _) if r.outcome == Outcome::NotApplicable => None,
                (mut r, _) => {
                    r.detail = format!("at hand-over: {}", r.detail);
                    Some(r)
                }
            };
            let _ = writeln!(report, "  <材料 标识=\"{}\" 包内路径=\"data/{}\">", esc(&m.id), esc(&path));
            for r in &m.checks {
                check_xml(&mut report, 4, r, "归档");
            }
            for r in std::iter::once(&fixity).chain(sig.as_ref()) {
                check_xml(&mut report, 4, r, "移交");
            }
            report.push_str("  </材料>\n");
            all.extend(m.checks.iter().cloned());
            handover.push(fixity);
            handover.extend(sig);
            if let Some(ev) = &m.evidence {
                files.push(PayloadFile {
                    path: format!("证据/{}-验证报告.json", m.id),
                    bytes: serde_json::to_vec_pretty(ev).unwrap_or_default(),
                });
            }
            bytes_total += content.len() as u64;
            files.push(PayloadFile { path: path.clone(), bytes: content });
            mats.push((m, path));
        }
        all.extend(handover.iter().cloned());
        let verdict = Verdict::of(&all);
        let _ = writeln!(
            report,
            "  <结论 归档=\"{}\" 移交=\"{}\">{}</结论>",
            t.verdict,
            serde_json::to_value(Verdict::of(&handover))
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            serde_json::to_value(verdict).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
        );
        report.push_str("</检测报告>\n");
        files.push(PayloadFile {
            path: "元数据.xml".into(), bytes: metadata_xml(&t, &mats, bytes_total).into_bytes()
        });
        files.push(PayloadFile { path: "premis.xml".into(), bytes: premis_xml(&t, &mats, &events).into_bytes() });
        files.push(PayloadFile { path: "检测报告.xml".into(), bytes: report.into_bytes() });
        files.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
        let list: String = files.iter().map(|f| format!("{}  data/{}\n", sm3(&f.bytes).to_hex(), f.path)).collect();
        let seal = auth
            .seal(&t.department_code, list.as_bytes())
            .map_err(|e| Error::Conflict(format!("the package cannot be sealed: {e}")))?;
        files.push(PayloadFile { path: "证据/清单.txt".into(), bytes: list.into_bytes() });
        files.push(PayloadFile { path: "证据/清单.ses".into(), bytes: seal });
        let day = cst(now);
        let info = [
            ("Source-Organization", t.department_code.clone()),
            ("External-Identifier", t.txn_no.clone()),
            ("External-Description", format!("{} {}", t.metadata.item_name, t.id)),
            ("Bag-Group-Identifier", day.get(..10).unwrap_or("").replace('-', "")),
            ("Bagging-Date", day.get(..10).unwrap_or("").to_string()),
            ("Bag-Count", "1 of 1".to_string()),
        ];
        let payload_bytes: u64 = files.iter().map(|f| f.bytes.len() as u64).sum();
        let n = files.len();
        let dir2 = dir.to_path_buf();
        tokio::task::spawn_blocking(move || bagit::write(&dir2, &files, &info))
            .await
            .map_err(|e| Error::Other(e.to_string()))?
            .map_err(|e| Error::Other(format!("{}: {e}", dir.display())))?;
        let tm = std::fs::read(dir.join("tagmanifest-sm3.txt")).map_err(|e| Error::Other(e.to_string()))?;
        let package_sm3 = sm3(&tm).to_hex();
        let mut tx = self.db.begin().await?;
        let d = json!({"event": "information package creation", "package_sm3": package_sm3, "files": n,
                       "bytes": payload_bytes, "verdict": verdict, "tool": format!("yinxin-archive {}", crate::TOOL_VERSION)});
        yinxin_store::audit::append(
            &mut tx,
            yinxin_store::audit::Entry {
                seq: 0,
                at: yinxin_store::now_ts(),
                actor: actor.id.clone(),
                role: actor.role.clone(),
                action: "archive.information package creation".into(),
                subject: t.id.clone(),
                holder_code: None,
                detail: d.to_string(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Exported { dir: dir.display().to_string(), files: n, bytes: payload_bytes, verdict, package_sm3 })
    }
}

/// Every material element of 元数据.xml: its fields by element name.
fn metadata_materials(xml: &str) -> core::result::Result<Vec<BTreeMap<String, String>>, String> {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    let mut cur: Option<BTreeMap<String, String>> = None;
    let mut field: Option<String> = None;
    let mut root = false;
    loop {
        match r.read_event().map_err(|e| format!("元数据.xml: {e}"))? {
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_string();
                root = true;
                if name == "材料" {
                    cur = Some(BTreeMap::new());
                } else if cur.is_some() {
                    field = Some(name);
                }
            }
            Event::Text(t) => {
                if let (Some(c), Some(f)) = (cur.as_mut(), field.as_ref()) {
                    let v: &str = t.as_ref();
                    c.entry(f.clone()).or_default().push_str(v);
                }
            }
            Event::GeneralRef(g) => {
                if let (Some(c), Some(f)) = (cur.as_mut(), field.as_ref()) {
                    let s = match g.as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    };
                    c.entry(f.clone()).or_default().push_str(s);
                }
            }
            Event::End(e) => {
                if e.local_name().as_ref() == "材料" {
                    out.extend(cur.take());
                }
                field = None;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !root {
        return Err("元数据.xml has no root element".into());
    }
    Ok(out)
}

/// Verify an exported package end to end: the bag (AUT-09), the metadata XML (USE-01), every
/// material listed and present and nothing else in the material folders (AUT-08), each material's
/// SM3 as recorded (AUT-01), the evidence record when there is one (AUT-03, RFC 4998: its hashes
/// and archive time stamps), the sealed list over every payload file (AUT-01), and the seal with
/// its time stamp (AUT-02, through `auth`), judged at the time the evidence record proves.
pub fn verify_package(dir: &Path, auth: &dyn Authority) -> (Verdict, Vec<CheckResult>) {
    let mut out = vec![bagit::check(dir)];
    let read = |p: &str| std::fs::read(dir.join("data").join(p));
    let c = |id: &'static str, f: Family, o: Outcome, d: String| CheckResult::ours(id, f, o, d);
    let xml = read("元数据.xml").map(|b| String::from_utf8_lossy(&b).into_owned());
    let mats = match xml.as_deref().map_err(|e| e.to_string()).and_then(metadata_materials) {
        Ok(m) => {
            out.push(c(
                "USE-01",
                Family::Usability,
                Outcome::Pass,
                format!("元数据.xml well-formed, {} materials", m.len()),
            ));
            Some(m)
        }
        Err(e) => {
            out.push(c("USE-01", Family::Usability, Outcome::Fail, e));
            None
        }
    };
    if let Some(mats) = mats {
        let mut problems = Vec::new();
        let mut listed = std::collections::BTreeSet::new();
        for m in &mats {
            let path = m.get("包内路径").cloned().unwrap_or_default();
            let rel = path.strip_prefix("data/").unwrap_or(&path).to_string();
            listed.insert(rel.clone());
            match read(&rel) {
                Ok(b) => {
                    if m.get("SM3").map(String::as_str) != Some(sm3(&b).to_hex().as_str()) {
                        problems.push(format!("{path}: its SM3 differs from 元数据.xml"));
                    }
                    if m.get("大小").and_then(|s| s.parse::<usize>().ok()) != Some(b.len()) {
                        problems.push(format!("{path}: its size differs from 元数据.xml"));
                    }
                }
                Err(_) => problems.push(format!("{path}: listed in 元数据.xml but not in the package")),
            }
        }
        let mut unlisted = Vec::new();
        for folder in ["申报文件", "过程文件", "结果文件"] {
            if let Ok(rd) = std::fs::read_dir(dir.join("data").join(folder)) {
                for e in rd.flatten() {
                    let rel = format!("{folder}/{}", e.file_name().to_string_lossy());
                    if !listed.contains(&rel) {
                        unlisted.push(rel);
                    }
                }
            }
        }
        out.push(if unlisted.is_empty() && !problems.iter().any(|p| p.contains("not in the package")) {
            c(
                "AUT-08",
                Family::Authenticity,
                Outcome::Pass,
                "every listed material is in the package, and nothing else".into(),
            )
        } else {
            c("AUT-08", Family::Authenticity, Outcome::Fail, format!("unlisted: {unlisted:?}; {}", problems.join("; ")))
        });
        out.push(if problems.is_empty() {
            c("AUT-01", Family::Authenticity, Outcome::Pass, "every material's SM3 and size equal 元数据.xml".into())
        } else {
            c("AUT-01", Family::Authenticity, Outcome::Fail, problems.join("; "))
        });
    }
    // The evidence record (RFC 4998), when the package has one: its hashes, its archive time
    // stamps, and the proof of existence it gives the seal below.
    let record = dir.join("data").join(crate::evidence::RECORD).is_file();
    let evidence = match auth.evidence_trust() {
        Some((trust, now)) => crate::evidence::check(dir, trust, now),
        None if record => {
            out.push(CheckResult::ours(
                "AUT-03",
                Family::Authenticity,
                Outcome::NotRun("this verifier has no trust anchors for time stamps".into()),
                format!("{} is not checked", crate::evidence::RECORD),
            ));
            None
        }
        None => None,
    };
    if let Some(e) = &evidence {
        out.push(e.result.clone());
    }
    match (read("证据/清单.txt"), read("证据/清单.ses")) {
        (Ok(list), Ok(seal)) => {
            let mut problems = Vec::new();
            let text = String::from_utf8_lossy(&list);
            let mut listed = std::collections::BTreeSet::new();
            for line in text.lines() {
                let Some((d, p)) = line.split_once("  ") else {
                    problems.push(format!("清单.txt: {line:?} is not `sm3  path`"));
                    continue;
                };
                listed.insert(p.to_string());
                match read(p.strip_prefix("data/").unwrap_or(p)) {
                    Ok(b) if sm3(&b).to_hex() == d => {}
                    Ok(_) => problems.push(format!("{p} differs from the sealed list")),
                    Err(_) => problems.push(format!("{p} is in the sealed list but not in the package")),
                }
            }
            let mut all = Vec::new();
            let _ = bagit::walk(dir, "data", &mut all);
            for p in all {
                let record = format!("data/{}", crate::evidence::RECORD);
                if p != "data/证据/清单.txt" && p != "data/证据/清单.ses" && p != record && !listed.contains(&p)
                {
                    problems.push(format!("{p} is not in the sealed list"));
                }
            }
            out.push(if problems.is_empty() {
                c("AUT-01", Family::Authenticity, Outcome::Pass, "every payload file equals the sealed list".into())
            } else {
                c("AUT-01", Family::Authenticity, Outcome::Fail, problems.join("; "))
            });
            let r = match &evidence {
                Some(e) => auth.verify_seal_proven(&seal, &list, &e.material, e.poe.as_ref()),
                None => auth.verify_seal(&seal, &list),
            };
            let outcome = Outcome::from(r.indication);
            let tst = serde_json::to_value(&r)
                .ok()
                .and_then(|v| time_stamp_check(&v))
                .map(|(id, o, why)| format!("; {id} {o}: {why}"));
            out.push(CheckResult {
                id: "AUT-02".into(),
                family: Family::Authenticity,
                outcome,
                detail: format!(
                    "the department's seal over 清单.txt: {}{}{}{}",
                    r.indication,
                    r.sub_indication.map(|s| format!("/{s}")).unwrap_or_default(),
                    tst.unwrap_or_default(),
                    r.poe
                        .as_ref()
                        .map(|p| format!(
                            "; judged at {}, proven by {}",
                            yinxin_pki::time::format_instant(p.time),
                            p.by
                        ))
                        .unwrap_or_default()
                ),
                tool: auth.tool(),
            });
        }
        _ => out.push(c(
            "AUT-02",
            Family::Authenticity,
            Outcome::Fail,
            "the sealed list (证据/清单.txt, 清单.ses) is missing".into(),
        )),
    }
    (Verdict::of(&out), out)
}

/// The time-stamp check anywhere in a report (its id ends in `time_stamp`): id, outcome, reason.
fn time_stamp_check(v: &Value) -> Option<(String, String, String)> {
    match v {
        Value::Object(o) => {
            if let (Some(Value::String(id)), Some(Value::String(out))) = (o.get("id"), o.get("outcome"))
                && id.ends_with("time_stamp")
            {
                return Some((
                    id.clone(),
                    out.clone(),
                    o.get("reason_en").and_then(Value::as_str).unwrap_or("").into(),
                ));
            }
            o.values().find_map(time_stamp_check)
        }
        Value::Array(a) => a.iter().find_map(time_stamp_check),
        _ => None,
    }
}

/// A bag directory as one zip (entries stored, not compressed: the materials are compressed
/// formats already), every path under the bag's own name.
pub fn zip_dir(dir: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "package".into());
    let mut files = Vec::new();
    for top in ["bagit.txt", "bag-info.txt"] {
        files.push(top.to_string());
    }
    let mut rest = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let n = e?.file_name().to_string_lossy().into_owned();
        if n != "data" && n != "bagit.txt" && n != "bag-info.txt" {
            rest.push(n);
        }
    }
    rest.sort();
    files.extend(rest);
    bagit::walk(dir, "data", &mut files)?;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default())
        .large_file(false);
    for f in files {
        w.start_file(format!("{name}/{f}"), opts).map_err(std::io::Error::other)?;
        w.write_all(&std::fs::read(dir.join(&f))?)?;
    }
    Ok(w.finish().map_err(std::io::Error::other)?.into_inner())
}
