//! What an envelope holds, as its creator submits it ([`EnvelopeDraft`]): the documents, the
//! parties (who, in which role, at which step), the fields each party fills, and the deadline —
//! with the rules that make one well formed ([`EnvelopeDraft::validate`]).
//!
//! Not here: the documents' bytes (the store keeps them; a [`DocumentSpec`] only names one),
//! whether a field's page exists in its document (that needs the file; the server checks it on
//! upload), and who the organiser is (the caller knows the account).

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use time::OffsetDateTime;

/// At most this many documents in one envelope.
pub const MAX_DOCUMENTS: usize = 20;
/// At most this many parties (acting and copy) in one envelope.
pub const MAX_PARTIES: usize = 50;
/// At most this many fields for one party.
pub const MAX_FIELDS_PER_PARTY: usize = 20;
/// Longest title, in characters (not bytes: titles are mostly Chinese).
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest document or party name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest message to the parties, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2000;
/// Longest contact, seal id or masked id number, in characters.
pub const MAX_SHORT_CHARS: usize = 100;
/// The largest page coordinate a field may reach, in points: PDF's own limit on page size
/// (ISO 32000-1 Annex C.2, 14 400 units = 200 inches).
pub const MAX_PAGE_POINTS: f32 = 14_400.0;

/// An envelope as its creator submits it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeDraft {
    /// What the parties see first, e.g. 《技术服务合同》.
    pub title: String,
    /// The documents to sign, in order; fields refer to them by index.
    pub documents: Vec<DocumentSpec>,
    /// Who acts, in which role and order, and who receives a copy.
    pub parties: Vec<PartySpec>,
    /// After this the envelope can no longer be signed.
    #[serde(with = "time::serde::rfc3339")]
    pub deadline: OffsetDateTime,
    /// A note from the organiser shown to every party.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// One document of an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentSpec {
    /// Its name as shown to the parties, e.g. 技术服务合同.pdf.
    pub name: String,
    /// Its format.
    pub media_type: DocumentKind,
}

/// The formats a document may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// PDF (signed per GB/T 38540 / PAdES).
    Pdf,
    /// OFD (GB/T 33190; signed per GB/T 38540).
    Ofd,
}

impl DocumentKind {
    /// The media type to serve the document with.
    pub fn media_type(self) -> &'static str {
        match self {
            DocumentKind::Pdf => "application/pdf",
            DocumentKind::Ofd => "application/ofd",
        }
    }
}

/// One party of an envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartySpec {
    /// The person's or organisation's name, e.g. 某某科技有限公司.
    pub name: String,
    /// A person or an organisation.
    pub kind: PartyKind,
    /// What the party does.
    pub role: PartyRole,
    /// When it acts: parties with the same step act in parallel; steps run 1, 2, 3… in turn.
    /// Ignored for copy recipients.
    pub step: u32,
    /// Where on the documents it signs, seals or dates.
    #[serde(default)]
    pub fields: Vec<Field>,
    /// Where to reach it (mobile number or e-mail), if the organiser gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

/// Whether a party is a person or an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum PartyKind {
    /// A natural person.
    Person {
        /// The id number with most digits masked (e.g. `110***********1234`), to tell namesakes
        /// apart. Never the full number: the envelope is shown to every party.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id_number_masked: Option<String>,
    },
    /// A firm, department or other organisation.
    Organisation {
        /// The e-seal it is expected to use, if the organiser knows it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seal_id: Option<String>,
    },
}

impl PartyKind {
    fn is_person(&self) -> bool {
        matches!(self, PartyKind::Person { .. })
    }
}

/// What a party does in the envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    /// A person signs with a handwritten signature.
    Sign,
    /// An organisation applies its e-seal.
    Seal,
    /// A department approves, and seals.
    Approve,
    /// Receives the final documents; acts on nothing.
    Copy,
}

impl PartyRole {
    /// Whether the party must act before the envelope can complete (everything but [`Copy`](Self::Copy)).
    pub fn is_acting(self) -> bool {
        self != PartyRole::Copy
    }

    /// The field kind a party in this role needs at least one of.
    pub fn required_field(self) -> Option<FieldKind> {
        match self {
            PartyRole::Sign => Some(FieldKind::Signature),
            PartyRole::Seal | PartyRole::Approve => Some(FieldKind::Seal),
            PartyRole::Copy => None,
        }
    }
}

/// A place on a document page that a party fills.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Index into the envelope's documents.
    pub document: usize,
    /// Page number, from 1.
    pub page: u32,
    /// x, y, width, height in PDF points, origin at the page's bottom-left corner.
    pub rect: [f32; 4],
    /// What goes there.
    pub kind: FieldKind,
}

/// What fills a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// A handwritten signature.
    Signature,
    /// An e-seal's appearance.
    Seal,
    /// The date of signing, filled in by the service.
    Date,
}

impl EnvelopeDraft {
    /// Whether the draft is well formed at `now`; the first problem found, naming the party or
    /// field and what is wrong, as [`Error::Invalid`].
    pub fn validate(&self, now: OffsetDateTime) -> Result<()> {
        check_text("title", &self.title, MAX_TITLE_CHARS, false)?;
        if let Some(message) = &self.message {
            check_text("message", message, MAX_MESSAGE_CHARS, true)?;
        }

        if self.documents.is_empty() {
            return Err(invalid("an envelope needs at least one document"));
        }
        if self.documents.len() > MAX_DOCUMENTS {
            return Err(invalid(format!("{} documents; at most {MAX_DOCUMENTS}", self.documents.len())));
        }
        for (i, d) in self.documents.iter().enumerate() {
            check_text(&format!("document {i}: name"), &d.name, MAX_NAME_CHARS, false)?;
        }

        if self.parties.len() > MAX_PARTIES {
            return Err(invalid(format!("{} parties; at most {MAX_PARTIES}", self.parties.len())));
        }
        for (i, p) in self.parties.iter().enumerate() {
            p.validate(i, self.documents.len())?;
        }
        check_steps(&self.parties)?;

        if self.deadline <= now {
            return Err(invalid(format!(
                "the deadline {} is not after now ({})",
                rfc3339(self.deadline),
                rfc3339(now)
            )));
        }
        Ok(())
    }
}

impl PartySpec {
    /// Checks one party on its own; `index` names it in errors, `documents` bounds its fields.
    fn validate(&self, index: usize, documents: usize) -> Result<()> {
        check_text(&format!("party {index}: name"), &self.name, MAX_NAME_CHARS, false)?;
        // The name is checked, so it can now help a reader find the party.
        let who = format!("party {index} ({})", self.name);
        if let Some(contact) = &self.contact {
            check_text(&format!("{who}: contact"), contact, MAX_SHORT_CHARS, false)?;
        }
        match &self.kind {
            PartyKind::Person { id_number_masked: Some(id) } => {
                check_text(&format!("{who}: id_number_masked"), id, MAX_SHORT_CHARS, false)?;
                // Every party sees the envelope; a full id number would disclose personal
                // information (《个人信息保护法》) to all of them.
                if !id.contains('*') {
                    return Err(invalid(format!(
                        "{who}: id_number_masked shows no masking ('*'); never send a full id number"
                    )));
                }
            }
            PartyKind::Organisation { seal_id: Some(seal) } => {
                check_text(&format!("{who}: seal_id"), seal, MAX_SHORT_CHARS, false)?;
            }
            _ => {}
        }

        match (self.role, self.kind.is_person()) {
            (PartyRole::Sign, false) => {
                return Err(invalid(format!("{who}: role sign needs a person; an organisation seals (role seal)")));
            }
            (PartyRole::Seal, true) => {
                return Err(invalid(format!("{who}: role seal needs an organisation; a person signs (role sign)")));
            }
            _ => {}
        }

        let Some(required) = self.role.required_field() else {
            // A copy recipient acts on nothing, so a field of its would never be filled and the
            // envelope could never look complete.
            if !self.fields.is_empty() {
                return Err(invalid(format!("{who}: a copy recipient has no fields, found {}", self.fields.len())));
            }
            return Ok(());
        };
        if self.step == 0 {
            return Err(invalid(format!("{who}: step 0; steps start at 1")));
        }
        if self.fields.len() > MAX_FIELDS_PER_PARTY {
            return Err(invalid(format!("{who}: {} fields; at most {MAX_FIELDS_PER_PARTY}", self.fields.len())));
        }
        for (j, f) in self.fields.iter().enumerate() {
            f.validate(documents).map_err(|why| invalid(format!("{who}: field {j}: {why}")))?;
        }
        if !self.fields.iter().any(|f| f.kind == required) {
            return Err(invalid(format!("{who}: role {:?} needs at least one {required:?} field", self.role)));
        }
        Ok(())
    }
}

impl Field {
    /// What is wrong with the field, if anything, in an envelope of `documents` documents.
    fn validate(&self, documents: usize) -> core::result::Result<(), String> {
        if self.document >= documents {
            return Err(format!("document {} does not exist (the envelope has {documents})", self.document));
        }
        if self.page == 0 {
            return Err("page 0; pages are numbered from 1".into());
        }
        let [x, y, w, h] = self.rect;
        if !(x.is_finite() && y.is_finite() && x >= 0.0 && y >= 0.0) {
            return Err(format!("position ({x}, {y}) must be finite and not negative"));
        }
        if !(w.is_finite() && h.is_finite() && w > 0.0 && h > 0.0) {
            return Err(format!("size {w} × {h} must be finite and positive"));
        }
        if x + w > MAX_PAGE_POINTS || y + h > MAX_PAGE_POINTS {
            return Err(format!("rectangle reaches beyond {MAX_PAGE_POINTS} points, larger than any PDF page"));
        }
        Ok(())
    }
}

/// Acting parties' steps must run 1, 2, 3… without a gap, or a step with nobody in it would stall
/// the envelope (nobody could ever be in turn after it).
fn check_steps(parties: &[PartySpec]) -> Result<()> {
    let steps: BTreeSet<u32> = parties.iter().filter(|p| p.role.is_acting()).map(|p| p.step).collect();
    if steps.is_empty() {
        return Err(invalid("an envelope needs at least one party who signs, seals or approves"));
    }
    for (expected, step) in (1u32..).zip(&steps) {
        if *step != expected {
            return Err(invalid(format!(
                "steps must run 1, 2, 3… without a gap: no party acts at step {expected}, but one does at step {step}"
            )));
        }
    }
    Ok(())
}

/// A required text: not blank, at most `max` characters, no control characters (line breaks only
/// where `multiline`).
pub(crate) fn check_text(what: &str, value: &str, max: usize, multiline: bool) -> Result<()> {
    if value.trim().is_empty() {
        return Err(invalid(format!("{what} is empty")));
    }
    let chars = value.chars().count();
    if chars > max {
        return Err(invalid(format!("{what} is {chars} characters long; at most {max}")));
    }
    if value.chars().any(|c| c.is_control() && !(multiline && c == '\n')) {
        return Err(invalid(format!("{what} contains a control character")));
    }
    Ok(())
}

/// A time as RFC 3339 for messages; `time`'s own display is hard to read.
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    // Formatting fails only for offsets with seconds, which no real zone has.
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| t.to_string())
}

fn invalid(reason: impl Into<String>) -> Error {
    Error::Invalid(reason.into())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use time::macros::datetime;

    pub(crate) const NOW: OffsetDateTime = datetime!(2025-03-03 09:00 +8);

    fn field(kind: FieldKind) -> Field {
        Field { document: 0, page: 1, rect: [100.0, 120.0, 160.0, 60.0], kind }
    }

    fn org(name: &str, role: PartyRole, step: u32) -> PartySpec {
        let kind = match role {
            PartyRole::Sign => FieldKind::Signature,
            _ => FieldKind::Seal,
        };
        PartySpec {
            name: name.into(),
            kind: PartyKind::Organisation { seal_id: None },
            role,
            step,
            fields: vec![field(kind), field(FieldKind::Date)],
            contact: None,
        }
    }

    /// The three-party contract of the tests: 甲方 a firm signs by its representative at step 1,
    /// 乙方 a firm seals at step 2, the 行政审批局 approves at step 3, and the 区大数据中心 gets a copy.
    pub(crate) fn contract() -> EnvelopeDraft {
        EnvelopeDraft {
            title: "《智慧政务平台技术服务合同》".into(),
            documents: vec![
                DocumentSpec { name: "技术服务合同.pdf".into(), media_type: DocumentKind::Pdf },
                DocumentSpec { name: "附件一 服务清单.ofd".into(), media_type: DocumentKind::Ofd },
            ],
            parties: vec![
                PartySpec {
                    name: "张三（甲方 某某科技有限公司 法定代表人）".into(),
                    kind: PartyKind::Person { id_number_masked: Some("110***********1234".into()) },
                    role: PartyRole::Sign,
                    step: 1,
                    fields: vec![field(FieldKind::Signature), field(FieldKind::Date)],
                    contact: Some("138****0000".into()),
                },
                org("乙方 某某信息技术有限公司", PartyRole::Seal, 2),
                org("某某区行政审批局", PartyRole::Approve, 3),
                PartySpec {
                    name: "某某区大数据中心".into(),
                    kind: PartyKind::Organisation { seal_id: None },
                    role: PartyRole::Copy,
                    step: 0,
                    fields: vec![],
                    contact: None,
                },
            ],
            deadline: datetime!(2025-03-31 18:00 +8),
            message: Some("请于3月31日前完成签署。".into()),
        }
    }

    /// The error message of a draft that must be refused.
    fn refused(d: &EnvelopeDraft) -> String {
        match d.validate(NOW) {
            Err(Error::Invalid(m)) => m,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn a_realistic_contract_is_valid() {
        contract().validate(NOW).unwrap();
        // Two parties at one step, then one: fine.
        let mut d = contract();
        d.parties[1].step = 1;
        d.parties[2].step = 2;
        d.validate(NOW).unwrap();
        // A copy recipient's step is ignored, whatever it is.
        d.parties[3].step = 99;
        d.validate(NOW).unwrap();
    }

    #[test]
    fn needs_documents_and_an_acting_party() {
        let mut d = contract();
        d.documents.clear();
        d.parties.iter_mut().for_each(|p| p.fields.clear());
        assert!(refused(&d).contains("at least one document"));

        let mut d = contract();
        d.parties.retain(|p| p.role == PartyRole::Copy);
        assert!(refused(&d).contains("at least one party who signs"));
        d.parties.clear();
        assert!(refused(&d).contains("at least one party who signs"));
    }

    #[test]
    fn counts_and_lengths_are_bounded() {
        let mut d = contract();
        d.documents = vec![d.documents[0].clone(); MAX_DOCUMENTS + 1];
        assert!(refused(&d).contains("21 documents"));

        let mut d = contract();
        let extra = d.parties[3].clone();
        d.parties.extend(std::iter::repeat_n(extra, MAX_PARTIES - 3));
        assert!(refused(&d).contains("51 parties"));

        let mut d = contract();
        d.parties[0].fields = vec![field(FieldKind::Signature); MAX_FIELDS_PER_PARTY + 1];
        assert!(refused(&d).contains("party 0 (张三"), "{}", refused(&d));
        assert!(refused(&d).contains("21 fields"));

        let mut d = contract();
        d.title = "合".repeat(MAX_TITLE_CHARS);
        d.validate(NOW).unwrap();
        d.title.push('同');
        assert!(refused(&d).contains("title is 201 characters"));
        d.title = "  ".into();
        assert!(refused(&d).contains("title is empty"));

        let mut d = contract();
        d.message = Some("第一行\n第二行".into());
        d.validate(NOW).unwrap();
        d.message = Some("x".repeat(MAX_MESSAGE_CHARS + 1));
        assert!(refused(&d).contains("message is 2001"));

        let mut d = contract();
        d.parties[1].name = "乙方\u{0}".into();
        assert!(refused(&d).contains("party 1: name contains a control character"));
        let mut d = contract();
        d.documents[1].name = String::new();
        assert!(refused(&d).contains("document 1: name is empty"));
        let mut d = contract();
        d.parties[0].contact = Some("1".repeat(MAX_SHORT_CHARS + 1));
        assert!(refused(&d).contains("party 0 (张三（甲方 某某科技有限公司 法定代表人）): contact"));
    }

    #[test]
    fn steps_run_from_one_without_gaps() {
        let mut d = contract();
        d.parties[2].step = 4;
        let m = refused(&d);
        assert!(m.contains("no party acts at step 3, but one does at step 4"), "{m}");

        let mut d = contract();
        d.parties[0].step = 2;
        d.parties[1].step = 2;
        d.parties[2].step = 3;
        assert!(refused(&d).contains("no party acts at step 1"));

        let mut d = contract();
        d.parties[0].step = 0;
        assert!(refused(&d).contains("party 0 (张三（甲方 某某科技有限公司 法定代表人）): step 0"));
    }

    #[test]
    fn roles_match_kinds_and_fields() {
        let mut d = contract();
        d.parties[0].kind = PartyKind::Organisation { seal_id: None };
        assert!(refused(&d).contains("party 0 (张三（甲方 某某科技有限公司 法定代表人）): role sign needs a person"));

        let mut d = contract();
        d.parties[1].kind = PartyKind::Person { id_number_masked: None };
        assert!(refused(&d).contains("party 1 (乙方 某某信息技术有限公司): role seal needs an organisation"));

        // Approve may be either.
        let mut d = contract();
        d.parties[2].kind = PartyKind::Person { id_number_masked: None };
        d.validate(NOW).unwrap();

        let mut d = contract();
        d.parties[0].fields = vec![field(FieldKind::Date), field(FieldKind::Seal)];
        assert!(refused(&d).contains(
            "party 0 (张三（甲方 某某科技有限公司 法定代表人）): role Sign needs at least one Signature field"
        ));
        let mut d = contract();
        d.parties[2].fields = vec![field(FieldKind::Signature)];
        assert!(refused(&d).contains("party 2 (某某区行政审批局): role Approve needs at least one Seal field"));

        let mut d = contract();
        d.parties[3].fields.push(field(FieldKind::Signature));
        assert!(refused(&d).contains("party 3 (某某区大数据中心): a copy recipient has no fields"));

        let mut d = contract();
        d.parties[0].kind = PartyKind::Person { id_number_masked: Some("110101199001011234".into()) };
        assert!(refused(&d).contains("never send a full id number"));
    }

    #[test]
    fn fields_point_at_real_places() {
        type Spoil = fn(&mut Field);
        let cases: [(Spoil, &str); 8] = [
            (|f| f.document = 2, "field 1: document 2 does not exist (the envelope has 2)"),
            (|f| f.page = 0, "field 1: page 0"),
            (|f| f.rect[0] = -1.0, "position (-1, 120) must be finite and not negative"),
            (|f| f.rect[1] = f32::NAN, "must be finite and not negative"),
            (|f| f.rect[2] = 0.0, "size 0 × 60 must be finite and positive"),
            (|f| f.rect[3] = f32::INFINITY, "must be finite and positive"),
            (|f| f.rect[3] = -5.0, "must be finite and positive"),
            (|f| f.rect[0] = 14_300.0, "beyond 14400 points"),
        ];
        for (spoil, want) in cases {
            let mut d = contract();
            spoil(&mut d.parties[1].fields[1]);
            let m = refused(&d);
            assert!(m.starts_with("party 1 (乙方 某某信息技术有限公司): field 1: "), "{m}");
            assert!(m.contains(want), "{m} lacks {want}");
        }
        // The second document and a later page are fine.
        let mut d = contract();
        d.parties[1].fields[1].document = 1;
        d.parties[1].fields[1].page = 12;
        d.validate(NOW).unwrap();
    }

    #[test]
    fn deadline_must_be_in_the_future() {
        let mut d = contract();
        d.deadline = NOW;
        assert!(refused(&d).contains("deadline"));
        d.deadline = NOW + time::Duration::seconds(1);
        d.validate(NOW).unwrap();
    }

    #[test]
    fn a_draft_round_trips_through_json() {
        let json = r#"{
            "title": "《智慧政务平台技术服务合同》",
            "documents": [
                {"name": "技术服务合同.pdf", "media_type": "pdf"},
                {"name": "附件一 服务清单.ofd", "media_type": "ofd"}
            ],
            "parties": [
                {"name": "张三（甲方 某某科技有限公司 法定代表人）",
                 "kind": {"type": "person", "id_number_masked": "110***********1234"},
                 "role": "sign", "step": 1, "contact": "138****0000",
                 "fields": [{"document": 0, "page": 1, "rect": [100.0, 120.0, 160.0, 60.0], "kind": "signature"},
                            {"document": 0, "page": 1, "rect": [100.0, 120.0, 160.0, 60.0], "kind": "date"}]},
                {"name": "乙方 某某信息技术有限公司", "kind": {"type": "organisation"}, "role": "seal", "step": 2,
                 "fields": [{"document": 0, "page": 1, "rect": [100.0, 120.0, 160.0, 60.0], "kind": "seal"},
                            {"document": 0, "page": 1, "rect": [100.0, 120.0, 160.0, 60.0], "kind": "date"}]},
                {"name": "某某区行政审批局", "kind": {"type": "organisation"}, "role": "approve", "step": 3,
                 "fields": [{"document": 0, "page": 1, "rect": [100.0, 120.0, 160.0, 60.0], "kind": "seal"},
                            {"document": 0, "page": 1, "rect": [100.0, 120.0, 160.0, 60.0], "kind": "date"}]},
                {"name": "某某区大数据中心", "kind": {"type": "organisation"}, "role": "copy", "step": 0}
            ],
            "deadline": "2025-03-31T18:00:00+08:00",
            "message": "请于3月31日前完成签署。"
        }"#;
        let parsed: EnvelopeDraft = serde_json::from_str(json).unwrap();
        assert_eq!(parsed, contract());
        let again: EnvelopeDraft = serde_json::from_str(&serde_json::to_string(&parsed).unwrap()).unwrap();
        assert_eq!(again, parsed);
        let value = serde_json::to_value(&parsed).unwrap();
        assert_eq!(value["deadline"], "2025-03-31T18:00:00+08:00");
        assert_eq!(value["parties"][2]["kind"]["type"], "organisation");

        // A misspelt key is an error, not silently dropped.
        let typo = json.replace("\"message\"", "\"mesage\"");
        assert!(serde_json::from_str::<EnvelopeDraft>(&typo).is_err());
        let typo = json.replace("\"contact\"", "\"contacts\"");
        assert!(serde_json::from_str::<EnvelopeDraft>(&typo).is_err());
        let typo = json.replacen("\"id_number_masked\"", "\"id_number\"", 1);
        assert!(serde_json::from_str::<EnvelopeDraft>(&typo).is_err());
    }
}
