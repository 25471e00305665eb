//! Envelopes (签署信封): a department or firm sends documents to several parties to sign in order
//! — contracts, tenders, online services that need a handwritten signature — and the rules for
//! who may do what, when.
//!
//! | module | what |
//! |---|---|
//! | [`model`] | what a creator submits ([`EnvelopeDraft`]: documents, parties, roles, steps, fields, deadline) and when it is well formed |
//! | [`lifecycle`] | the state × action × role table ([`transition`], [`allowed_actions`]) |
//! | [`progress`] | the stored [`Envelope`], party statuses, and [`Envelope::apply`], which enforces turn, deadline and completeness and returns [`Event`]s |
//!
//! Rules only: no I/O, no clock (every call takes `now`), no storage. The signatures themselves
//! are made in [`handwriting`](crate::handwriting) and [`cosign`](crate::cosign); the store keeps
//! envelopes; the server maps accounts to an [`Actor`] and events to audit records and webhooks.

pub mod lifecycle;
pub mod model;
pub mod progress;

#[cfg(test)]
mod scenarios;

pub use lifecycle::{Action, EnvelopeState, Role, allowed_actions, transition, transition_allowed};
pub use model::{DocumentKind, DocumentSpec, EnvelopeDraft, Field, FieldKind, PartyKind, PartyRole, PartySpec};
pub use progress::{ActionRequest, Actor, Envelope, Event, EventKind, Party, PartyStatus};
