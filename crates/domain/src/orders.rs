//! Supervision orders (督办单) as a state machine of typed actions, like `feedback`'s: a
//! supervisor issues an order to a unit with a reply deadline; the unit replies; a supervisor closes
//! it, sends it back (reopen) or escalates it to the level above, which sets a new deadline. Who may
//! do what in which state is decided here, once; the use case only loads, asks and stores.

use serde::{Deserialize, Serialize};

/// Where an order stands.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum OrderStatus {
    /// Issued, waiting for the unit's reply.
    Open,
    Replied,
    Closed,
    /// Sent on to the level above.
    Escalated,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 4] = [
        OrderStatus::Open,
        OrderStatus::Replied,
        OrderStatus::Closed,
        OrderStatus::Escalated,
    ];
    /// The stored code (the serde name).
    pub fn as_str(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<OrderStatus> {
        s.parse().ok()
    }
}

/// What someone does to an order; its word is its form and JSON spelling.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum OrderAction {
    /// The unit answers.
    Reply,
    /// A supervisor is satisfied.
    Close,
    /// A supervisor sends a reply back.
    Reopen,
    /// A supervisor hands the order to the supervision of the level above.
    Escalate,
}

impl OrderAction {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Who is acting, as far as the order is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderParty {
    /// Supervises the order's unit.
    pub supervisor: bool,
    /// Answers for the unit (its center manager, or the head of the named department).
    pub unit: bool,
    /// The order was issued (or last escalated) at city level: there is no level above.
    pub at_top: bool,
}

/// The actions `party` may take on an order in `status`, in the order a page offers them.
pub fn allowed(status: OrderStatus, party: OrderParty) -> Vec<OrderAction> {
    use OrderAction::*;
    let s = party.supervisor;
    let up = s && !party.at_top;
    let candidates: &[(OrderAction, bool)] = match status {
        OrderStatus::Open => &[(Reply, party.unit), (Escalate, up), (Close, s)],
        OrderStatus::Replied => &[(Close, s), (Reopen, s), (Escalate, up)],
        OrderStatus::Escalated => &[(Close, s), (Reply, party.unit)],
        OrderStatus::Closed => &[],
    };
    candidates
        .iter()
        .filter(|(_, ok)| *ok)
        .map(|(a, _)| *a)
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    #[error("当前状态下无权执行此操作")]
    NotAllowed,
    #[error("请填写回复内容")]
    ReplyRequired,
}

/// What an allowed action does: the new status, the word kept in the history, and whether the
/// order moves to the level above with a new deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderStep {
    pub status: OrderStatus,
    pub recorded: &'static str,
    pub escalates: bool,
}

/// Decides an action on an order: refused unless `allowed`; a reply must say something.
pub fn decide(
    status: OrderStatus,
    action: OrderAction,
    party: OrderParty,
    text: &str,
) -> Result<OrderStep, OrderError> {
    if !allowed(status, party).contains(&action) {
        return Err(OrderError::NotAllowed);
    }
    let step = |status, recorded, escalates| OrderStep {
        status,
        recorded,
        escalates,
    };
    Ok(match action {
        OrderAction::Reply if text.trim().is_empty() => return Err(OrderError::ReplyRequired),
        OrderAction::Reply => step(OrderStatus::Replied, "replied", false),
        OrderAction::Close => step(OrderStatus::Closed, "closed", false),
        OrderAction::Reopen => step(OrderStatus::Open, "reopened", false),
        OrderAction::Escalate => step(OrderStatus::Escalated, "escalated", true),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parties() -> Vec<OrderParty> {
        let mut v = vec![];
        for supervisor in [false, true] {
            for unit in [false, true] {
                for at_top in [false, true] {
                    v.push(OrderParty {
                        supervisor,
                        unit,
                        at_top,
                    });
                }
            }
        }
        v
    }

    #[test]
    fn only_supervisors_close_reopen_and_escalate_and_only_the_unit_replies() {
        for status in OrderStatus::ALL {
            for p in parties() {
                for a in allowed(status, p) {
                    match a {
                        OrderAction::Reply => assert!(p.unit, "{status:?} {p:?}"),
                        OrderAction::Escalate => assert!(p.supervisor && !p.at_top),
                        OrderAction::Close | OrderAction::Reopen => assert!(p.supervisor),
                    }
                }
            }
        }
    }

    #[test]
    fn a_closed_order_takes_no_action_and_only_a_reply_can_be_reopened() {
        for p in parties() {
            assert!(allowed(OrderStatus::Closed, p).is_empty());
            for s in [OrderStatus::Open, OrderStatus::Escalated] {
                assert!(!allowed(s, p).contains(&OrderAction::Reopen));
            }
        }
    }

    #[test]
    fn steps_follow_the_action() {
        let sup = OrderParty {
            supervisor: true,
            unit: false,
            at_top: false,
        };
        let unit = OrderParty {
            supervisor: false,
            unit: true,
            at_top: false,
        };
        let top = OrderParty {
            at_top: true,
            ..sup
        };
        assert_eq!(
            decide(OrderStatus::Open, OrderAction::Reply, unit, "已整改"),
            Ok(OrderStep {
                status: OrderStatus::Replied,
                recorded: "replied",
                escalates: false
            })
        );
        assert_eq!(
            decide(OrderStatus::Open, OrderAction::Reply, unit, "  "),
            Err(OrderError::ReplyRequired)
        );
        assert_eq!(
            decide(OrderStatus::Replied, OrderAction::Reopen, sup, "").map(|s| s.status),
            Ok(OrderStatus::Open)
        );
        assert!(
            decide(OrderStatus::Replied, OrderAction::Escalate, sup, "")
                .unwrap()
                .escalates
        );
        assert_eq!(
            decide(OrderStatus::Replied, OrderAction::Escalate, top, ""),
            Err(OrderError::NotAllowed)
        );
        assert_eq!(
            decide(OrderStatus::Open, OrderAction::Reply, sup, "x"),
            Err(OrderError::NotAllowed)
        );
    }

    #[test]
    fn words_parse_as_they_are_spelled_and_nothing_else() {
        assert_eq!("escalate".parse(), Ok(OrderAction::Escalate));
        assert!("delete".parse::<OrderAction>().is_err());
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
    }
}
