//! A stored envelope ([`Envelope`]): the draft's content, each party's status and the dates — and
//! [`Envelope::apply`], which moves it on when the organiser, a party or the service acts. On top
//! of the [`lifecycle`](super::lifecycle) table it enforces what depends on the contents: whose
//! turn it is, the deadline, that nobody acts twice, and that it completes only once every acting
//! party has signed.
//!
//! Not here: the signatures themselves (the caller applies [`ActionRequest::Sign`] once the
//! party's signature is on the documents; see [`handwriting`](crate::handwriting) and
//! [`cosign`](crate::cosign)), storage, notifications (the caller turns the returned [`Event`]s into
//! audit records and webhooks), and the clock (every call takes `now`).

use super::lifecycle::{Action, EnvelopeState, Role, transition};
use super::model::{DocumentSpec, EnvelopeDraft, PartySpec, check_text, rfc3339};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Longest reason for declining or voiding, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// An envelope as the store keeps it. Its fields change only through [`Envelope::apply`], so they
/// are read through accessors; serde is for the store and the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    state: EnvelopeState,
    title: String,
    documents: Vec<DocumentSpec>,
    parties: Vec<Party>,
    #[serde(with = "time::serde::rfc3339")]
    deadline: OffsetDateTime,
    message: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    sent_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    completed_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    closed_at: Option<OffsetDateTime>,
    void_reason: Option<String>,
}

/// A party of a stored envelope: what the draft said, and what it has done. Kept together so a
/// status can never belong to a missing party.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// Who, in which role, at which step, with which fields.
    pub spec: PartySpec,
    /// What it has done. Copy recipients stay [`PartyStatus::Waiting`]: they act on nothing.
    pub status: PartyStatus,
}

/// What a party has done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PartyStatus {
    /// Nothing yet.
    Waiting,
    /// Signed (or sealed, or approved).
    Signed {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Refused to sign, which ended the envelope.
    Declined {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
        /// Why, in the party's words.
        reason: String,
    },
}

/// Who asks for an action; [`Envelope::apply`] works out the [`Role`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The department or firm that created the envelope.
    Organiser,
    /// The party at this index of the envelope's parties.
    Party(usize),
    /// The system itself.
    Service,
}

/// An action with the data it needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum ActionRequest {
    /// Replace the draft's content.
    Edit {
        /// The new content; validated as a new envelope would be.
        draft: EnvelopeDraft,
    },
    /// Send to the parties.
    Send,
    /// Look at it.
    Open,
    /// Record that the party has signed its fields.
    Sign,
    /// Refuse to sign.
    Decline {
        /// Why; required, at most [`MAX_REASON_CHARS`] characters.
        reason: String,
    },
    /// Remind the parties in turn.
    Remind,
    /// Withdraw the envelope.
    Void {
        /// Why; required, at most [`MAX_REASON_CHARS`] characters.
        reason: String,
    },
    /// Close it after the deadline.
    Expire,
    /// Close it once every acting party has signed.
    Complete,
    /// Take the final documents.
    Download,
}

impl ActionRequest {
    /// The action asked for.
    pub fn action(&self) -> Action {
        match self {
            ActionRequest::Edit { .. } => Action::Edit,
            ActionRequest::Send => Action::Send,
            ActionRequest::Open => Action::Open,
            ActionRequest::Sign => Action::Sign,
            ActionRequest::Decline { .. } => Action::Decline,
            ActionRequest::Remind => Action::Remind,
            ActionRequest::Void { .. } => Action::Void,
            ActionRequest::Expire => Action::Expire,
            ActionRequest::Complete => Action::Complete,
            ActionRequest::Download => Action::Download,
        }
    }
}

/// Something that happened, for the caller's audit trail and webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// When (the `now` given to [`Envelope::apply`]).
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// What.
    pub kind: EventKind,
    /// The party that acted, if a party did.
    pub party: Option<usize>,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// The draft's content was replaced.
    Edited,
    /// The envelope went out.
    Sent,
    /// A step's parties are now in turn (notify them).
    StepStarted {
        /// The step.
        step: u32,
        /// Its parties.
        parties: Vec<usize>,
    },
    /// Someone looked at it.
    Opened,
    /// A party signed.
    Signed,
    /// Every party of a step has signed.
    StepCompleted {
        /// The step.
        step: u32,
    },
    /// Every acting party has signed; the service may now close the envelope.
    AllSigned,
    /// The service closed it.
    Completed,
    /// A party declined, which ended the envelope.
    Declined {
        /// The party's reason.
        reason: String,
    },
    /// The organiser withdrew it.
    Voided {
        /// The organiser's reason.
        reason: String,
    },
    /// The deadline passed.
    Expired,
    /// The organiser reminded the parties in turn.
    Reminded {
        /// Whom.
        parties: Vec<usize>,
    },
    /// Someone took the final documents.
    Downloaded,
}

impl Envelope {
    /// A new envelope in [`EnvelopeState::Draft`], if `draft` is valid at `now`.
    pub fn new(draft: EnvelopeDraft, now: OffsetDateTime) -> Result<Envelope> {
        draft.validate(now)?;
        let mut envelope = Envelope {
            state: EnvelopeState::Draft,
            title: String::new(),
            documents: Vec::new(),
            parties: Vec::new(),
            deadline: draft.deadline,
            message: None,
            created_at: now,
            sent_at: None,
            completed_at: None,
            closed_at: None,
            void_reason: None,
        };
        envelope.replace_content(draft);
        Ok(envelope)
    }

    /// Where it is in its life.
    pub fn state(&self) -> EnvelopeState {
        self.state
    }
    /// Its title.
    pub fn title(&self) -> &str {
        &self.title
    }
    /// Its documents; fields refer to them by index.
    pub fn documents(&self) -> &[DocumentSpec] {
        &self.documents
    }
    /// Its parties and what each has done; [`Actor::Party`] refers to them by index.
    pub fn parties(&self) -> &[Party] {
        &self.parties
    }
    /// After this it can no longer be signed.
    pub fn deadline(&self) -> OffsetDateTime {
        self.deadline
    }
    /// The organiser's note to the parties.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    /// When it was created.
    pub fn created_at(&self) -> OffsetDateTime {
        self.created_at
    }
    /// When it was sent.
    pub fn sent_at(&self) -> Option<OffsetDateTime> {
        self.sent_at
    }
    /// When the service completed it.
    pub fn completed_at(&self) -> Option<OffsetDateTime> {
        self.completed_at
    }
    /// When it was declined, expired or voided.
    pub fn closed_at(&self) -> Option<OffsetDateTime> {
        self.closed_at
    }
    /// Why the organiser voided it.
    pub fn void_reason(&self) -> Option<&str> {
        self.void_reason.as_deref()
    }

    /// Its content as a draft (e.g. to start a new envelope from this one).
    pub fn to_draft(&self) -> EnvelopeDraft {
        EnvelopeDraft {
            title: self.title.clone(),
            documents: self.documents.clone(),
            parties: self.parties.iter().map(|p| p.spec.clone()).collect(),
            deadline: self.deadline,
            message: self.message.clone(),
        }
    }

    /// The step whose parties may act now: the lowest step with an acting party still waiting.
    /// `None` unless the envelope is sent or in progress, and once every acting party has signed.
    pub fn current_step(&self) -> Option<u32> {
        if !self.state.is_open() {
            return None;
        }
        self.parties
            .iter()
            .filter(|p| p.spec.role.is_acting() && p.status == PartyStatus::Waiting)
            .map(|p| p.spec.step)
            .min()
    }

    /// The parties that may sign now (those of the current step that have not acted), by index.
    pub fn parties_in_turn(&self) -> Vec<usize> {
        let Some(step) = self.current_step() else { return Vec::new() };
        self.indices(|p| p.spec.role.is_acting() && p.spec.step == step && p.status == PartyStatus::Waiting)
    }

    /// Whether every acting party has signed (false for an envelope without one, which
    /// validation never lets through).
    pub fn all_signed(&self) -> bool {
        let mut acting = self.parties.iter().filter(|p| p.spec.role.is_acting()).peekable();
        acting.peek().is_some() && acting.all(|p| matches!(p.status, PartyStatus::Signed { .. }))
    }

    /// Whom to tell about the envelope as it stands, by index: while it is open, the parties in
    /// turn; once completed, every party, copy recipients included (they receive the final
    /// documents); once declined, expired or voided after sending, the acting parties it had
    /// reached (those who acted and those who were in turn). Nobody for a draft.
    pub fn next_to_notify(&self) -> Vec<usize> {
        match self.state {
            EnvelopeState::Draft => Vec::new(),
            EnvelopeState::Sent | EnvelopeState::InProgress => self.parties_in_turn(),
            EnvelopeState::Completed => (0..self.parties.len()).collect(),
            EnvelopeState::Declined | EnvelopeState::Expired | EnvelopeState::Voided => {
                if self.sent_at.is_none() {
                    return Vec::new();
                }
                // The step that was current when it ended: the lowest one not fully signed (a
                // decliner counts as not signed, or the step after it would look reached).
                let reached = self
                    .parties
                    .iter()
                    .filter(|p| p.spec.role.is_acting() && !matches!(p.status, PartyStatus::Signed { .. }))
                    .map(|p| p.spec.step)
                    .min();
                self.indices(|p| {
                    p.spec.role.is_acting()
                        && (p.status != PartyStatus::Waiting || reached.is_some_and(|step| p.spec.step <= step))
                })
            }
        }
    }

    /// The role of whoever is asking: `party` if it names one of this envelope's parties, else
    /// the organiser if `is_organiser`, else an outsider. One who is both a party and the
    /// organiser acts in one capacity at a time: pass `None` to act as the organiser.
    pub fn role_of(&self, party: Option<usize>, is_organiser: bool) -> Role {
        match party.and_then(|i| self.parties.get(i)) {
            Some(p) if !p.spec.role.is_acting() => Role::CopyRecipient,
            Some(p) if p.status == PartyStatus::Waiting && self.current_step() == Some(p.spec.step) => {
                Role::PartyInTurn
            }
            Some(_) => Role::PartyNotInTurn,
            None if is_organiser => Role::Organiser,
            None => Role::Outsider,
        }
    }

    /// Does what `actor` asks at `now` and says what happened, or refuses and changes nothing.
    ///
    /// Refusals: those of [`transition`]; `envelope.not_a_party` for a party index the envelope
    /// lacks; `envelope.out_of_turn` (naming the current step) and `envelope.already_acted` for a
    /// party signing or declining when it may not; `envelope.expired` for anything but opening,
    /// downloading or expiring once the deadline has passed (completing stays possible when every
    /// acting party signed in time, and then expiring is refused); `envelope.not_expired` for
    /// expiring before it; `envelope.incomplete` for completing before every acting party has signed;
    /// `envelope.reason_required` for declining or voiding without a reason; [`Error::Invalid`]
    /// for an edited or sent draft that is not valid, or an overlong reason.
    pub fn apply(&mut self, actor: Actor, request: ActionRequest, now: OffsetDateTime) -> Result<Vec<Event>> {
        let next = self.check(actor, &request, now)?;
        // Every refusal is above; committing cannot fail, so a refusal never leaves half an action.
        Ok(self.commit(actor, request, next, now))
    }

    /// Every check of [`apply`](Self::apply); the state the action leads to.
    fn check(&self, actor: Actor, request: &ActionRequest, now: OffsetDateTime) -> Result<EnvelopeState> {
        let action = request.action();
        let role = match actor {
            Actor::Organiser => Role::Organiser,
            Actor::Service => Role::Service,
            Actor::Party(i) if i < self.parties.len() => self.role_of(Some(i), false),
            Actor::Party(i) => {
                return Err(Error::lifecycle(
                    "envelope.not_a_party",
                    format!("the envelope has {} parties; there is no party {i}", self.parties.len()),
                ));
            }
        };
        // The table would only say "not in turn"; a party deserves to know whether it is early or
        // has already acted.
        if let Actor::Party(i) = actor
            && role == Role::PartyNotInTurn
            && self.state.is_open()
            && matches!(action, Action::Sign | Action::Decline)
        {
            return Err(self.why_not_in_turn(i));
        }
        let next = transition(self.state, action, role)?;

        if self.state.is_open() {
            let past = now >= self.deadline;
            match action {
                Action::Open | Action::Download => {}
                // Everyone signed in time: the service's closing seal may come after the deadline,
                // and such an envelope never expires.
                Action::Complete if self.all_signed() => {}
                Action::Expire if self.all_signed() => {
                    return Err(Error::lifecycle(
                        "envelope.incomplete",
                        "every acting party signed before the deadline: the envelope completes, it does not expire",
                    ));
                }
                Action::Expire if past => {}
                Action::Expire => {
                    return Err(Error::lifecycle(
                        "envelope.not_expired",
                        format!("the deadline {} has not passed yet", rfc3339(self.deadline)),
                    ));
                }
                _ if past => {
                    return Err(Error::lifecycle(
                        "envelope.expired",
                        format!(
                            "the deadline {} has passed; {action:?} is refused, the envelope can only be opened \
                             until the service expires it",
                            rfc3339(self.deadline)
                        ),
                    ));
                }
                _ => {}
            }
        }

        match request {
            ActionRequest::Edit { draft } => draft.validate(now)?,
            // The draft may have waited past its deadline since it was last checked.
            ActionRequest::Send => self.to_draft().validate(now)?,
            ActionRequest::Decline { reason } | ActionRequest::Void { reason } => check_reason(reason)?,
            ActionRequest::Complete if !self.all_signed() => {
                return Err(Error::lifecycle(
                    "envelope.incomplete",
                    format!("not every party has signed; waiting for parties {:?}", self.parties_in_turn()),
                ));
            }
            ActionRequest::Remind if self.parties_in_turn().is_empty() => {
                return Err(Error::lifecycle(
                    "envelope.state",
                    "every acting party has signed; there is nobody to remind",
                ));
            }
            _ => {}
        }
        Ok(next)
    }

    /// Records a checked action. Infallible by design: see [`apply`](Self::apply).
    fn commit(&mut self, actor: Actor, request: ActionRequest, next: EnvelopeState, now: OffsetDateTime) -> Vec<Event> {
        let party = match actor {
            Actor::Party(i) => Some(i),
            Actor::Organiser | Actor::Service => None,
        };
        let event = |kind| Event { at: now, kind, party };
        self.state = next;
        let mut events = Vec::new();
        match request {
            ActionRequest::Edit { draft } => {
                self.replace_content(draft);
                events.push(event(EventKind::Edited));
            }
            ActionRequest::Send => {
                self.sent_at = Some(now);
                events.push(event(EventKind::Sent));
                if let Some(step) = self.current_step() {
                    events.push(event(EventKind::StepStarted { step, parties: self.parties_in_turn() }));
                }
            }
            ActionRequest::Open => events.push(event(EventKind::Opened)),
            ActionRequest::Sign => {
                let Some(step) = party.and_then(|i| self.parties.get_mut(i)).map(|p| {
                    p.status = PartyStatus::Signed { at: now };
                    p.spec.step
                }) else {
                    return events; // unreachable: check() found the party in turn
                };
                events.push(event(EventKind::Signed));
                if self.current_step() != Some(step) {
                    events.push(event(EventKind::StepCompleted { step }));
                    match self.current_step() {
                        Some(next) => {
                            events.push(event(EventKind::StepStarted { step: next, parties: self.parties_in_turn() }))
                        }
                        None => events.push(event(EventKind::AllSigned)),
                    }
                }
            }
            ActionRequest::Decline { reason } => {
                let reason = reason.trim().to_owned();
                if let Some(p) = party.and_then(|i| self.parties.get_mut(i)) {
                    p.status = PartyStatus::Declined { at: now, reason: reason.clone() };
                }
                self.closed_at = Some(now);
                events.push(event(EventKind::Declined { reason }));
            }
            ActionRequest::Remind => events.push(event(EventKind::Reminded { parties: self.parties_in_turn() })),
            ActionRequest::Void { reason } => {
                let reason = reason.trim().to_owned();
                self.void_reason = Some(reason.clone());
                self.closed_at = Some(now);
                events.push(event(EventKind::Voided { reason }));
            }
            ActionRequest::Expire => {
                self.closed_at = Some(now);
                events.push(event(EventKind::Expired));
            }
            ActionRequest::Complete => {
                self.completed_at = Some(now);
                events.push(event(EventKind::Completed));
            }
            ActionRequest::Download => events.push(event(EventKind::Downloaded)),
        }
        events
    }

    /// The refusal for party `i`, not in turn, that tries to sign or decline.
    fn why_not_in_turn(&self, i: usize) -> Error {
        let Some(p) = self.parties.get(i) else {
            return Error::lifecycle("envelope.not_a_party", format!("there is no party {i}"));
        };
        let who = format!("party {i} ({})", p.spec.name);
        match &p.status {
            PartyStatus::Signed { at } => {
                Error::lifecycle("envelope.already_acted", format!("{who} already signed at {}", rfc3339(*at)))
            }
            PartyStatus::Declined { at, .. } => {
                Error::lifecycle("envelope.already_acted", format!("{who} already declined at {}", rfc3339(*at)))
            }
            PartyStatus::Waiting => match self.current_step() {
                Some(current) => Error::lifecycle(
                    "envelope.out_of_turn",
                    format!(
                        "{who} acts at step {}; the current step is {current}, waiting for parties {:?}",
                        p.spec.step,
                        self.parties_in_turn()
                    ),
                ),
                None => Error::lifecycle("envelope.state", format!("{who} cannot act: nobody is in turn")),
            },
        }
    }

    fn replace_content(&mut self, draft: EnvelopeDraft) {
        self.title = draft.title;
        self.documents = draft.documents;
        self.parties = draft.parties.into_iter().map(|spec| Party { spec, status: PartyStatus::Waiting }).collect();
        self.deadline = draft.deadline;
        self.message = draft.message;
    }

    fn indices(&self, keep: impl Fn(&Party) -> bool) -> Vec<usize> {
        self.parties.iter().enumerate().filter(|(_, p)| keep(p)).map(|(i, _)| i).collect()
    }
}

/// A reason for declining or voiding: the other parties and the audit trail read it.
fn check_reason(reason: &str) -> Result<()> {
    if reason.trim().is_empty() {
        return Err(Error::lifecycle("envelope.reason_required", "a reason is required"));
    }
    check_text("reason", reason, MAX_REASON_CHARS, true)
}
