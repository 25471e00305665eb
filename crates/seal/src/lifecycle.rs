//! The life of a seal (《电子印章管理办法》 practice; `docs/standards.md` §10): apply → make →
//! file (备案) → in use → suspended ⇄ in use → cancelled (注销), and who may act at each step.
//! The service stores states and calls [`transition`]; the rules live here, with their tests.

use crate::{Error, Result};
use serde::Serialize;

/// Where a seal is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SealState {
    /// An organisation (or person) has applied for a seal.
    Applied,
    /// The seal authority has made it (the .esl exists).
    Made,
    /// The filing authority has recorded it (备案).
    Filed,
    /// It may sign.
    InUse,
    /// Temporarily barred from signing.
    Suspended,
    /// Permanently cancelled (注销): signs nothing more; earlier signatures stay verifiable through
    /// their time stamps.
    Cancelled,
    /// The application was refused.
    Rejected,
}

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The organisation or person the seal belongs to (用章单位).
    Holder,
    /// The seal-making body (制章机构).
    SealAuthority,
    /// The authority that keeps the seal register (备案机关, e.g. public security).
    FilingAuthority,
    /// The platform operator.
    Admin,
}

/// What is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Make the seal.
    Make,
    /// Refuse the application.
    Reject,
    /// Record it in the register.
    File,
    /// Put it in use.
    Activate,
    /// Bar it from signing for a while.
    Suspend,
    /// Lift a suspension.
    Resume,
    /// Cancel it for good.
    Cancel,
}

/// The state after `action` by `role` in `state`, or why it is not allowed.
pub fn transition(state: SealState, action: Action, role: Role) -> Result<SealState> {
    use Action::*;
    use SealState::*;
    if matches!(state, Cancelled | Rejected) {
        return Err(Error::Lifecycle(format!("the seal is {state:?}: nothing more can be done with it")));
    }
    if !transition_inner(state, action, role) {
        let allowed: Vec<String> = allowed_actions(state)
            .iter()
            .map(|(a, r)| format!("{a:?} by {}", r.iter().map(|x| format!("{x:?}")).collect::<Vec<_>>().join("/")))
            .collect();
        return Err(Error::Lifecycle(format!(
            "{action:?} by {role:?} is not allowed when the seal is {state:?}; allowed: {}",
            if allowed.is_empty() { "nothing".into() } else { allowed.join(", ") }
        )));
    }
    Ok(match action {
        Make => Made,
        Reject => Rejected,
        File => Filed,
        Activate | Resume => InUse,
        Suspend => Suspended,
        Cancel => Cancelled,
    })
}

/// The actions possible in `state`, and who may take each.
pub fn allowed_actions(state: SealState) -> Vec<(Action, Vec<Role>)> {
    let all_roles = [Role::Holder, Role::SealAuthority, Role::FilingAuthority, Role::Admin];
    let actions =
        [Action::Make, Action::Reject, Action::File, Action::Activate, Action::Suspend, Action::Resume, Action::Cancel];
    actions
        .into_iter()
        .filter_map(|a| {
            let roles: Vec<Role> = all_roles.into_iter().filter(|r| transition_ok(state, a, *r)).collect();
            (!roles.is_empty()).then_some((a, roles))
        })
        .collect()
}

fn transition_ok(state: SealState, action: Action, role: Role) -> bool {
    !matches!(state, SealState::Cancelled | SealState::Rejected) && transition_inner(state, action, role)
}

fn transition_inner(state: SealState, action: Action, role: Role) -> bool {
    use Action::*;
    use Role::*;
    use SealState::*;
    matches!(
        (state, action, role),
        (Applied, Make, SealAuthority)
            | (Applied, Reject, SealAuthority)
            | (Applied, Cancel, Holder)
            | (Made, File, FilingAuthority)
            | (Filed, Activate, Holder | SealAuthority)
            | (InUse, Suspend, Holder | FilingAuthority | Admin)
            | (Suspended, Resume, Holder | FilingAuthority)
            | (Made | Filed | InUse | Suspended, Cancel, Holder | FilingAuthority)
    )
}

/// Whether a seal in `state` may sign.
pub fn may_sign(state: SealState) -> bool {
    state == SealState::InUse
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Role::*;
    use SealState::*;

    #[test]
    fn the_whole_life() {
        let mut s = Applied;
        for (a, r, want) in [
            (Make, SealAuthority, Made),
            (File, FilingAuthority, Filed),
            (Activate, Holder, InUse),
            (Suspend, Admin, Suspended),
            (Resume, Holder, InUse),
            (Cancel, FilingAuthority, Cancelled),
        ] {
            s = transition(s, a, r).unwrap();
            assert_eq!(s, want);
        }
        assert!(transition(Cancelled, Resume, Holder).is_err());
        assert!(!may_sign(Cancelled) && !may_sign(Suspended) && !may_sign(Filed) && may_sign(InUse));
    }

    #[test]
    fn who_may_act() {
        assert!(transition(Applied, Make, Holder).is_err(), "a holder cannot make its own seal");
        assert!(transition(Made, File, SealAuthority).is_err(), "the maker does not file");
        assert!(transition(InUse, Resume, Holder).is_err(), "nothing to resume");
        assert!(transition(Suspended, Resume, Admin).is_err(), "the operator may suspend but not resume");
        assert!(transition(Made, Activate, Holder).is_err(), "an unfiled seal is not put in use");
        assert_eq!(transition(Applied, Reject, SealAuthority).unwrap(), Rejected);
        assert!(transition(Rejected, Make, SealAuthority).is_err());
        // allowed_actions agrees with transition for every combination.
        for s in [Applied, Made, Filed, InUse, Suspended, Cancelled, Rejected] {
            for a in [Make, Reject, File, Activate, Suspend, Resume, Cancel] {
                for r in [Holder, SealAuthority, FilingAuthority, Admin] {
                    let listed = allowed_actions(s).iter().any(|(x, rs)| *x == a && rs.contains(&r));
                    assert_eq!(listed, transition(s, a, r).is_ok(), "{s:?} {a:?} {r:?}");
                }
            }
        }
        let e = transition(InUse, Make, Holder).unwrap_err().to_string();
        assert!(e.contains("allowed: Suspend"), "{e}");
    }
}
