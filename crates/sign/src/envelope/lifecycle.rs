//! The life of an envelope as a table: which [`Action`] each [`Role`] may take in each
//! [`EnvelopeState`], and the state it leads to. Draft → sent → in progress → completed, or it
//! ends declined, expired or voided.
//!
//! This is the static part of the rules only. What depends on the envelope's contents — whose turn
//! it is, the deadline, whether every party has signed, a reason for declining — is checked by
//! [`Envelope::apply`](super::Envelope::apply), which consults this table first.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// Where an envelope is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnvelopeState {
    /// Being prepared by the organiser; no party has seen it.
    Draft,
    /// Sent to the parties; nobody has signed yet.
    Sent,
    /// At least one party has signed; others are still to act.
    InProgress,
    /// Every acting party has signed and the service has closed it. Terminal.
    Completed,
    /// A party refused to sign. Terminal.
    Declined,
    /// The deadline passed before every party signed. Terminal.
    Expired,
    /// The organiser withdrew it. Terminal.
    Voided,
}

impl EnvelopeState {
    /// Every state, in the order of the life.
    pub const ALL: [EnvelopeState; 7] = [
        EnvelopeState::Draft,
        EnvelopeState::Sent,
        EnvelopeState::InProgress,
        EnvelopeState::Completed,
        EnvelopeState::Declined,
        EnvelopeState::Expired,
        EnvelopeState::Voided,
    ];

    /// Whether nothing more can change: the envelope can only be looked at.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Declined | Self::Expired | Self::Voided)
    }

    /// Whether the envelope is out with the parties, waiting for them to act.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Sent | Self::InProgress)
    }
}

/// What is done to an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Change the draft's documents, parties, fields or deadline.
    Edit,
    /// Send it to the parties of the first step.
    Send,
    /// Look at it (and the documents as they stand).
    Open,
    /// Sign (or seal, or approve) one's fields.
    Sign,
    /// Refuse to sign, with a reason; this ends the envelope.
    Decline,
    /// Remind the parties whose turn it is.
    Remind,
    /// Withdraw it, with a reason.
    Void,
    /// Close it because the deadline passed.
    Expire,
    /// Close it once every acting party has signed (the service applies the organiser's seal).
    Complete,
    /// Take the final, fully signed documents.
    Download,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 10] = [
        Action::Edit,
        Action::Send,
        Action::Open,
        Action::Sign,
        Action::Decline,
        Action::Remind,
        Action::Void,
        Action::Expire,
        Action::Complete,
        Action::Download,
    ];
}

/// Who acts, relative to one envelope. Computed by [`Envelope::role_of`](super::Envelope::role_of);
/// the same account can be in turn on one envelope and an outsider on the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The department or firm that created the envelope.
    Organiser,
    /// An acting party whose step is the current one and who has not acted yet.
    PartyInTurn,
    /// An acting party whose step is later, or who has already acted.
    PartyNotInTurn,
    /// A party that only receives a copy of the final documents.
    CopyRecipient,
    /// The system itself: expiry ticks, and closing with the organiser's seal.
    Service,
    /// Anyone else.
    Outsider,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 6] =
        [Role::Organiser, Role::PartyInTurn, Role::PartyNotInTurn, Role::CopyRecipient, Role::Service, Role::Outsider];
}

/// Whether `role` may take `action` when the envelope is in `state`. The whole table; an outsider
/// appears nowhere in it.
pub fn transition_allowed(state: EnvelopeState, action: Action, role: Role) -> bool {
    use Action::*;
    use EnvelopeState::*;
    use Role::*;
    matches!(
        (state, action, role),
        (Draft, Edit | Send | Void, Organiser)
            | (Sent | InProgress, Open, PartyInTurn | PartyNotInTurn | Organiser | CopyRecipient)
            | (Sent | InProgress, Sign | Decline, PartyInTurn)
            | (Sent | InProgress, Remind | Void, Organiser)
            | (Sent | InProgress, Expire, Service)
            // Sent cannot complete: nobody has signed yet.
            | (InProgress, Complete, Service)
            | (Completed, Open | Download, Organiser | PartyInTurn | PartyNotInTurn | CopyRecipient)
            // Parties who were asked may see how it ended; a copy recipient only ever gets the final documents.
            | (Declined | Expired | Voided, Open, Organiser | PartyInTurn | PartyNotInTurn)
    )
}

/// The actions possible in `state`, and who may take each (in [`Action::ALL`] and [`Role::ALL`]
/// order).
pub fn allowed_actions(state: EnvelopeState) -> Vec<(Action, Vec<Role>)> {
    Action::ALL
        .into_iter()
        .filter_map(|a| {
            let roles: Vec<Role> = Role::ALL.into_iter().filter(|r| transition_allowed(state, a, *r)).collect();
            (!roles.is_empty()).then_some((a, roles))
        })
        .collect()
}

/// The state after `action` by `role` in `state`, or why it is not allowed (naming what is).
///
/// Codes: `envelope.not_a_party` for an outsider, `envelope.state` when nobody may take the action
/// in this state, `envelope.role` when somebody else may.
pub fn transition(state: EnvelopeState, action: Action, role: Role) -> Result<EnvelopeState> {
    use Action::*;
    use EnvelopeState::*;
    if transition_allowed(state, action, role) {
        return Ok(match action {
            Send => Sent,
            Sign => InProgress,
            Complete => Completed,
            Decline => Declined,
            Void => Voided,
            Expire => Expired,
            Edit | Open | Remind | Download => state,
        });
    }
    if role == Role::Outsider {
        return Err(Error::lifecycle(
            "envelope.not_a_party",
            "only the organiser and the envelope's parties may act on it",
        ));
    }
    let allowed = allowed_actions(state);
    let code = if allowed.iter().any(|(a, _)| *a == action) { "envelope.role" } else { "envelope.state" };
    Err(Error::lifecycle(
        code,
        format!(
            "{action:?} by {role:?} is not allowed when the envelope is {state:?}; allowed: {}",
            describe(&allowed)
        ),
    ))
}

/// "Open by Organiser/PartyInTurn, Void by Organiser", or "nothing".
fn describe(allowed: &[(Action, Vec<Role>)]) -> String {
    if allowed.is_empty() {
        return "nothing".into();
    }
    allowed
        .iter()
        .map(|(a, rs)| format!("{a:?} by {}", rs.iter().map(|r| format!("{r:?}")).collect::<Vec<_>>().join("/")))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use EnvelopeState::*;
    use Role::*;

    fn code(e: Error) -> &'static str {
        match e {
            Error::Lifecycle { code, .. } => code,
            other => panic!("not a lifecycle refusal: {other}"),
        }
    }

    #[test]
    fn allowed_actions_and_transition_agree_everywhere() {
        for s in EnvelopeState::ALL {
            for a in Action::ALL {
                for r in Role::ALL {
                    let listed = allowed_actions(s).iter().any(|(x, rs)| *x == a && rs.contains(&r));
                    assert_eq!(listed, transition(s, a, r).is_ok(), "{s:?} {a:?} {r:?}");
                    assert_eq!(listed, transition_allowed(s, a, r), "{s:?} {a:?} {r:?}");
                }
            }
        }
    }

    #[test]
    fn outsiders_never_act_and_terminal_states_only_show() {
        for s in EnvelopeState::ALL {
            for a in Action::ALL {
                assert_eq!(code(transition(s, a, Outsider).unwrap_err()), "envelope.not_a_party", "{s:?} {a:?}");
                if s.is_terminal() && !matches!(a, Open | Download) {
                    for r in Role::ALL {
                        assert!(transition(s, a, r).is_err(), "{s:?} {a:?} {r:?}");
                    }
                }
            }
        }
        // A copy recipient sees the final documents, not how a failed envelope ended.
        assert!(transition(Completed, Download, CopyRecipient).is_ok());
        assert!(transition(Declined, Open, CopyRecipient).is_err());
        assert!(transition(Voided, Download, Organiser).is_err());
    }

    #[test]
    fn next_states() {
        assert_eq!(transition(Draft, Edit, Organiser).unwrap(), Draft);
        assert_eq!(transition(Draft, Send, Organiser).unwrap(), Sent);
        assert_eq!(transition(Draft, Void, Organiser).unwrap(), Voided);
        assert_eq!(transition(Sent, Sign, PartyInTurn).unwrap(), InProgress);
        assert_eq!(transition(InProgress, Sign, PartyInTurn).unwrap(), InProgress);
        assert_eq!(transition(Sent, Decline, PartyInTurn).unwrap(), Declined);
        assert_eq!(transition(InProgress, Expire, Service).unwrap(), Expired);
        assert_eq!(transition(InProgress, Complete, Service).unwrap(), Completed);
        assert_eq!(transition(InProgress, Remind, Organiser).unwrap(), InProgress);
        assert_eq!(transition(Sent, Open, CopyRecipient).unwrap(), Sent);
        assert_eq!(transition(Completed, Download, PartyNotInTurn).unwrap(), Completed);
    }

    #[test]
    fn refusals_say_what_is_allowed() {
        assert!(transition(Sent, Complete, Service).is_err(), "nobody has signed yet");
        assert!(transition(Sent, Sign, PartyNotInTurn).is_err());
        assert!(transition(Sent, Sign, Organiser).is_err(), "the organiser signs only as a party");
        assert!(transition(Sent, Void, Service).is_err());
        assert!(transition(Sent, Edit, Organiser).is_err(), "a sent envelope is not edited");
        assert!(transition(InProgress, Expire, Organiser).is_err());

        let e = transition(Sent, Sign, CopyRecipient).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("Sign by PartyInTurn"), "{msg}");
        assert!(msg.contains("Void by Organiser"), "{msg}");
        assert_eq!(code(e), "envelope.role");

        let e = transition(Sent, Edit, Organiser).unwrap_err();
        assert_eq!(code(e), "envelope.state");
        let msg = transition(Voided, Sign, PartyInTurn).unwrap_err().to_string();
        assert!(msg.contains("allowed: Open by Organiser/PartyInTurn/PartyNotInTurn"), "{msg}");
    }
}
