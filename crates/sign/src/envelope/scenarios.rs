//! Envelopes driven through whole lives with [`Envelope::apply`]: the orders, the refusals, and
//! that a refusal changes nothing. The drafts come from [`model::tests`](super::model::tests).

use super::model::tests::{NOW, contract};
use super::*;
use crate::Error;
use time::{Duration, OffsetDateTime};

use ActionRequest as Req;
use Actor::{Organiser, Party as P, Service};

fn hours(h: i64) -> OffsetDateTime {
    NOW + Duration::hours(h)
}

fn sent(draft: EnvelopeDraft) -> Envelope {
    let mut e = Envelope::new(draft, NOW).unwrap();
    e.apply(Organiser, Req::Send, NOW).unwrap();
    e
}

fn kinds(events: &[Event]) -> Vec<EventKind> {
    events.iter().map(|e| e.kind.clone()).collect()
}

/// The code and message of a lifecycle refusal.
fn refusal(r: crate::Result<Vec<Event>>) -> (&'static str, String) {
    match r {
        Err(Error::Lifecycle { code, reason }) => (code, reason),
        other => panic!("expected a lifecycle refusal, got {other:?}"),
    }
}

fn dump(e: &Envelope) -> String {
    serde_json::to_string(e).unwrap()
}

/// Two parties at step 1 (a person signs, a firm seals), the department approves at step 2.
fn parallel() -> EnvelopeDraft {
    let mut d = contract();
    d.parties[1].step = 1;
    d.parties[2].step = 2;
    d
}

#[test]
fn three_party_contract_runs_to_completed() {
    let mut e = Envelope::new(contract(), NOW).unwrap();
    assert_eq!(e.state(), EnvelopeState::Draft);
    assert_eq!(e.current_step(), None);
    assert_eq!(e.role_of(Some(0), false), Role::PartyNotInTurn, "nobody is in turn on a draft");
    assert!(e.next_to_notify().is_empty());

    let ev = e.apply(Organiser, Req::Send, hours(1)).unwrap();
    assert_eq!(kinds(&ev), [EventKind::Sent, EventKind::StepStarted { step: 1, parties: vec![0] }]);
    assert_eq!(ev[0].party, None);
    assert_eq!((e.state(), e.sent_at()), (EnvelopeState::Sent, Some(hours(1))));
    assert_eq!(e.next_to_notify(), [0]);
    assert_eq!(e.role_of(Some(0), false), Role::PartyInTurn);
    assert_eq!(e.role_of(Some(1), false), Role::PartyNotInTurn);
    assert_eq!(e.role_of(Some(3), false), Role::CopyRecipient);
    assert_eq!(e.role_of(None, true), Role::Organiser);
    assert_eq!(e.role_of(Some(9), false), Role::Outsider);
    assert_eq!(e.role_of(Some(0), true), Role::PartyInTurn, "a named party acts as the party");

    let ev = e.apply(P(0), Req::Open, hours(2)).unwrap();
    assert_eq!(ev, [Event { at: hours(2), kind: EventKind::Opened, party: Some(0) }]);

    // 甲方 signs: step 1 is done, 乙方 is in turn.
    let ev = e.apply(P(0), Req::Sign, hours(3)).unwrap();
    assert_eq!(
        kinds(&ev),
        [EventKind::Signed, EventKind::StepCompleted { step: 1 }, EventKind::StepStarted { step: 2, parties: vec![1] }]
    );
    assert_eq!(ev[0].party, Some(0));
    assert_eq!(e.state(), EnvelopeState::InProgress);
    assert_eq!(e.parties()[0].status, PartyStatus::Signed { at: hours(3) });
    assert_eq!(e.current_step(), Some(2));
    assert_eq!(refusal(e.apply(Service, Req::Complete, hours(3))).0, "envelope.incomplete");

    // 乙方 seals, then the 审批局 approves.
    let ev = e.apply(P(1), Req::Sign, hours(4)).unwrap();
    assert_eq!(kinds(&ev)[2], EventKind::StepStarted { step: 3, parties: vec![2] });
    assert!(!e.all_signed());
    let ev = e.apply(P(2), Req::Sign, hours(5)).unwrap();
    assert_eq!(kinds(&ev), [EventKind::Signed, EventKind::StepCompleted { step: 3 }, EventKind::AllSigned]);
    assert!(e.all_signed());
    assert_eq!(e.state(), EnvelopeState::InProgress, "only the service completes, after its seal");
    assert_eq!((e.current_step(), e.parties_in_turn()), (None, vec![]));
    assert_eq!(refusal(e.apply(Organiser, Req::Remind, hours(5))).0, "envelope.state");

    let ev = e.apply(Service, Req::Complete, hours(6)).unwrap();
    assert_eq!(kinds(&ev), [EventKind::Completed]);
    assert_eq!((e.state(), e.completed_at()), (EnvelopeState::Completed, Some(hours(6))));
    assert_eq!(e.next_to_notify(), [0, 1, 2, 3], "the copy recipient gets the final documents too");

    assert_eq!(kinds(&e.apply(P(3), Req::Download, hours(7)).unwrap()), [EventKind::Downloaded]);
    e.apply(Organiser, Req::Download, hours(7)).unwrap();
    assert_eq!(refusal(e.apply(P(0), Req::Sign, hours(7))).0, "envelope.state");
    assert_eq!(refusal(e.apply(Organiser, Req::Void { reason: "撤回".into() }, hours(7))).0, "envelope.state");
}

#[test]
fn a_parallel_step_waits_for_both_in_either_order() {
    for (first, second) in [(0, 1), (1, 0)] {
        let mut e = sent(parallel());
        assert_eq!(e.parties_in_turn(), [0, 1]);
        assert_eq!(e.next_to_notify(), [0, 1]);

        let ev = e.apply(P(first), Req::Sign, hours(1)).unwrap();
        assert_eq!(kinds(&ev), [EventKind::Signed], "step 1 is not done with one of two");
        assert_eq!(e.parties_in_turn(), [second]);
        assert_eq!(e.role_of(Some(2), false), Role::PartyNotInTurn);
        let (code, msg) = refusal(e.apply(P(2), Req::Sign, hours(1)));
        assert_eq!(code, "envelope.out_of_turn");
        assert!(msg.contains(&format!("current step is 1, waiting for parties [{second}]")), "{msg}");

        let ev = e.apply(P(second), Req::Sign, hours(2)).unwrap();
        assert_eq!(
            kinds(&ev),
            [
                EventKind::Signed,
                EventKind::StepCompleted { step: 1 },
                EventKind::StepStarted { step: 2, parties: vec![2] }
            ]
        );
        assert_eq!(e.role_of(Some(2), false), Role::PartyInTurn);
        let ev = e.apply(P(2), Req::Sign, hours(3)).unwrap();
        assert_eq!(kinds(&ev).last(), Some(&EventKind::AllSigned));
        e.apply(Service, Req::Complete, hours(3)).unwrap();
        assert_eq!(e.state(), EnvelopeState::Completed);
    }
}

#[test]
fn out_of_turn_is_refused_naming_the_current_step() {
    let mut e = sent(contract());
    let (code, msg) = refusal(e.apply(P(2), Req::Sign, hours(1)));
    assert_eq!(code, "envelope.out_of_turn");
    assert!(msg.contains("party 2 (某某区行政审批局) acts at step 3; the current step is 1"), "{msg}");
    let (code, _) = refusal(e.apply(P(1), Req::Decline { reason: "不同意".into() }, hours(1)));
    assert_eq!(code, "envelope.out_of_turn", "declining early is out of turn too");

    e.apply(P(0), Req::Sign, hours(1)).unwrap();
    let (_, msg) = refusal(e.apply(P(2), Req::Sign, hours(2)));
    assert!(msg.contains("the current step is 2, waiting for parties [1]"), "{msg}");
    // Neither the copy recipient nor the organiser signs.
    assert_eq!(refusal(e.apply(P(3), Req::Sign, hours(2))).0, "envelope.role");
    assert_eq!(refusal(e.apply(Organiser, Req::Sign, hours(2))).0, "envelope.role");
    assert_eq!(refusal(e.apply(P(4), Req::Open, hours(2))).0, "envelope.not_a_party");
}

#[test]
fn nobody_signs_twice() {
    let mut e = sent(parallel());
    e.apply(P(0), Req::Sign, hours(1)).unwrap();
    let (code, msg) = refusal(e.apply(P(0), Req::Sign, hours(2)));
    assert_eq!(code, "envelope.already_acted");
    assert!(msg.contains("already signed at 2025-03-03T10:00:00+08:00"), "{msg}");
    let (code, _) = refusal(e.apply(P(0), Req::Decline { reason: "反悔".into() }, hours(2)));
    assert_eq!(code, "envelope.already_acted", "a signature is not taken back by declining");
    assert_eq!(e.parties()[0].status, PartyStatus::Signed { at: hours(1) });
}

#[test]
fn a_decline_ends_it_for_everyone() {
    let mut e = sent(contract());
    e.apply(P(0), Req::Sign, hours(1)).unwrap();
    assert_eq!(refusal(e.apply(P(1), Req::Decline { reason: "  ".into() }, hours(2))).0, "envelope.reason_required");
    let long = Req::Decline { reason: "价".repeat(501) };
    assert!(matches!(e.apply(P(1), long, hours(2)), Err(Error::Invalid(_))));

    let ev = e.apply(P(1), Req::Decline { reason: " 价格条款有异议 ".into() }, hours(2)).unwrap();
    assert_eq!(
        ev,
        [Event { at: hours(2), kind: EventKind::Declined { reason: "价格条款有异议".into() }, party: Some(1) }]
    );
    assert_eq!(e.state(), EnvelopeState::Declined);
    assert_eq!(e.closed_at(), Some(hours(2)));
    assert_eq!(e.parties()[1].status, PartyStatus::Declined { at: hours(2), reason: "价格条款有异议".into() });

    for party in 0..3 {
        assert_eq!(refusal(e.apply(P(party), Req::Sign, hours(3))).0, "envelope.state", "party {party}");
    }
    assert_eq!(e.current_step(), None);
    assert_eq!(e.next_to_notify(), [0, 1], "those it reached; the approver never saw it");
    e.apply(P(2), Req::Open, hours(3)).unwrap();
    e.apply(Organiser, Req::Open, hours(3)).unwrap();
    assert_eq!(refusal(e.apply(P(3), Req::Open, hours(3))).0, "envelope.role");
    assert_eq!(refusal(e.apply(Service, Req::Complete, hours(3))).0, "envelope.state");
}

#[test]
fn after_the_deadline_only_opening_and_expiry() {
    let mut e = sent(contract());
    let deadline = e.deadline();
    e.apply(P(0), Req::Sign, hours(24)).unwrap();

    let (code, _) = refusal(e.apply(Service, Req::Expire, deadline - Duration::seconds(1)));
    assert_eq!(code, "envelope.not_expired");
    for (actor, req) in [
        (P(1), Req::Sign),
        (P(1), Req::Decline { reason: "来不及".into() }),
        (Organiser, Req::Remind),
        (Organiser, Req::Void { reason: "逾期".into() }),
    ] {
        let (code, msg) = refusal(e.apply(actor, req, deadline));
        assert_eq!(code, "envelope.expired", "{actor:?}");
        assert!(msg.contains("2025-03-31T18:00:00+08:00"), "{msg}");
    }
    e.apply(P(1), Req::Open, deadline).unwrap();
    assert_eq!(refusal(e.apply(Organiser, Req::Expire, deadline)).0, "envelope.role");

    let ev = e.apply(Service, Req::Expire, deadline + Duration::minutes(5)).unwrap();
    assert_eq!(kinds(&ev), [EventKind::Expired]);
    assert_eq!((e.state(), e.closed_at()), (EnvelopeState::Expired, Some(deadline + Duration::minutes(5))));
    assert_eq!(refusal(e.apply(P(1), Req::Sign, deadline + Duration::hours(1))).0, "envelope.state");
    assert_eq!(e.next_to_notify(), [0, 1]);
}

#[test]
fn signed_in_time_completes_after_the_deadline_and_never_expires() {
    let mut e = sent(contract());
    let deadline = e.deadline();
    let n = e.parties().len();
    let mut at = hours(1);
    while let Some(&i) = e.parties_in_turn().first() {
        e.apply(P(i), Req::Sign, at).unwrap();
        at += Duration::minutes(1);
    }
    assert!(e.all_signed(), "{n} parties");
    let (code, _) = refusal(e.apply(Service, Req::Expire, deadline + Duration::minutes(1)));
    assert_eq!(code, "envelope.incomplete");
    e.apply(Service, Req::Complete, deadline + Duration::minutes(2)).unwrap();
    assert_eq!(e.state(), EnvelopeState::Completed);
}

#[test]
fn the_organiser_voids() {
    let mut draft = Envelope::new(contract(), NOW).unwrap();
    draft.apply(Organiser, Req::Void { reason: "项目取消".into() }, hours(1)).unwrap();
    assert_eq!(draft.state(), EnvelopeState::Voided);
    assert!(draft.next_to_notify().is_empty(), "nobody had seen the draft");

    let mut e = sent(contract());
    e.apply(P(0), Req::Sign, hours(1)).unwrap();
    assert_eq!(
        refusal(e.apply(Organiser, Req::Void { reason: String::new() }, hours(2))).0,
        "envelope.reason_required"
    );
    assert_eq!(refusal(e.apply(P(1), Req::Void { reason: "x".into() }, hours(2))).0, "envelope.role");
    let ev = e.apply(Organiser, Req::Void { reason: "合同条款需重新协商".into() }, hours(2)).unwrap();
    assert_eq!(
        ev,
        [Event { at: hours(2), kind: EventKind::Voided { reason: "合同条款需重新协商".into() }, party: None }]
    );
    assert_eq!((e.state(), e.void_reason()), (EnvelopeState::Voided, Some("合同条款需重新协商")));
    assert_eq!(refusal(e.apply(P(1), Req::Sign, hours(3))).0, "envelope.state");
    assert_eq!(e.next_to_notify(), [0, 1]);
    e.apply(P(0), Req::Open, hours(3)).unwrap();
}

#[test]
fn a_refusal_changes_nothing() {
    let mut e = sent(contract());
    e.apply(P(0), Req::Sign, hours(1)).unwrap();
    let before = dump(&e);
    let mut bad_draft = contract();
    bad_draft.parties[0].step = 5;
    let deadline = e.deadline();
    let refused: Vec<(Actor, ActionRequest, OffsetDateTime)> = vec![
        (P(2), Req::Sign, hours(2)),
        (P(0), Req::Sign, hours(2)),
        (P(9), Req::Sign, hours(2)),
        (P(3), Req::Sign, hours(2)),
        (P(1), Req::Decline { reason: String::new() }, hours(2)),
        (P(1), Req::Sign, deadline),
        (Organiser, Req::Edit { draft: bad_draft }, hours(2)),
        (Organiser, Req::Edit { draft: contract() }, hours(2)),
        (Organiser, Req::Send, hours(2)),
        (Organiser, Req::Void { reason: "\u{7}".into() }, hours(2)),
        (Service, Req::Complete, hours(2)),
        (Service, Req::Expire, hours(2)),
    ];
    for (actor, req, now) in refused {
        let what = format!("{actor:?} {req:?}");
        assert!(e.apply(actor, req, now).is_err(), "{what}");
        assert_eq!(dump(&e), before, "{what}");
    }
    // A refused edit of a draft leaves the draft as it was.
    let mut d = Envelope::new(contract(), NOW).unwrap();
    let before = dump(&d);
    let mut bad_draft = contract();
    bad_draft.documents.clear();
    assert!(matches!(d.apply(Organiser, Req::Edit { draft: bad_draft }, hours(1)), Err(Error::Invalid(_))));
    assert_eq!(dump(&d), before);
}

#[test]
fn drafts_are_edited_then_checked_again_when_sent() {
    let mut e = Envelope::new(contract(), NOW).unwrap();
    let mut edited = contract();
    edited.title = "《技术服务合同（修订版）》".into();
    edited.deadline = NOW + Duration::hours(2);
    assert_eq!(kinds(&e.apply(Organiser, Req::Edit { draft: edited.clone() }, hours(1)).unwrap()), [EventKind::Edited]);
    assert_eq!(e.to_draft(), edited);
    assert_eq!(refusal(e.apply(P(0), Req::Edit { draft: contract() }, hours(1))).0, "envelope.role");
    // The deadline passed while it sat as a draft.
    let sent = e.apply(Organiser, Req::Send, hours(3));
    assert!(matches!(&sent, Err(Error::Invalid(m)) if m.contains("deadline")), "{sent:?}");
    assert_eq!(e.state(), EnvelopeState::Draft);
}

#[test]
fn a_single_signer_completes() {
    let mut d = contract();
    d.parties.truncate(1);
    let mut e = sent(d);
    let ev = e.apply(P(0), Req::Sign, hours(1)).unwrap();
    assert_eq!(kinds(&ev), [EventKind::Signed, EventKind::StepCompleted { step: 1 }, EventKind::AllSigned]);
    assert_eq!(e.state(), EnvelopeState::InProgress);
    e.apply(Service, Req::Complete, hours(1)).unwrap();
    assert_eq!(e.state(), EnvelopeState::Completed);
}

/// `apply` never allows what the table forbids, in any state, for any actor and action.
#[test]
fn apply_stays_within_the_table() {
    let mut in_progress = sent(contract());
    in_progress.apply(P(0), Req::Sign, hours(1)).unwrap();
    let mut all_signed = sent(parallel());
    for p in 0..3 {
        all_signed.apply(P(p), Req::Sign, hours(1)).unwrap();
    }
    let mut completed = all_signed.clone();
    completed.apply(Service, Req::Complete, hours(1)).unwrap();
    let mut declined = sent(contract());
    declined.apply(P(0), Req::Decline { reason: "不同意".into() }, hours(1)).unwrap();
    let mut expired = sent(contract());
    expired.apply(Service, Req::Expire, expired.deadline()).unwrap();
    let mut voided = sent(contract());
    voided.apply(Organiser, Req::Void { reason: "撤回".into() }, hours(1)).unwrap();
    let envelopes = [
        Envelope::new(contract(), NOW).unwrap(),
        sent(contract()),
        in_progress,
        all_signed,
        completed,
        declined,
        expired,
        voided,
    ];

    let mut allowed = 0;
    for e in &envelopes {
        for actor in [Organiser, Service, P(0), P(1), P(2), P(3), P(4)] {
            for req in [
                Req::Edit { draft: contract() },
                Req::Send,
                Req::Open,
                Req::Sign,
                Req::Decline { reason: "理由".into() },
                Req::Remind,
                Req::Void { reason: "理由".into() },
                Req::Expire,
                Req::Complete,
                Req::Download,
            ] {
                let role = match actor {
                    Organiser => Role::Organiser,
                    Service => Role::Service,
                    P(i) => e.role_of(Some(i), false),
                };
                let action = req.action();
                let ok = e.clone().apply(actor, req, hours(2)).is_ok();
                if ok {
                    allowed += 1;
                    assert!(transition_allowed(e.state(), action, role), "{:?} {action:?} {actor:?}", e.state());
                }
            }
        }
    }
    assert!(allowed > 30, "the envelopes exercise the table ({allowed} allowed)");
}

#[test]
fn a_stored_envelope_round_trips_through_json() {
    let mut e = sent(contract());
    e.apply(P(0), Req::Sign, hours(1)).unwrap();
    let json = dump(&e);
    let back: Envelope = serde_json::from_str(&json).unwrap();
    assert_eq!(back, e);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["state"], "in_progress");
    assert_eq!(value["parties"][0]["status"]["status"], "signed");
    assert_eq!(value["parties"][0]["status"]["at"], "2025-03-03T10:00:00+08:00");

    let req: ActionRequest = serde_json::from_str(r#"{"action": "decline", "reason": "价格条款有异议"}"#).unwrap();
    assert_eq!(req, Req::Decline { reason: "价格条款有异议".into() });
    assert!(serde_json::from_str::<ActionRequest>(r#"{"action": "void", "reason": "x", "why": "y"}"#).is_err());
    let ev = serde_json::to_value(Event { at: NOW, kind: EventKind::StepCompleted { step: 2 }, party: None }).unwrap();
    assert_eq!(ev["kind"]["type"], "step_completed");
    assert_eq!(ev["kind"]["step"], 2);
}
