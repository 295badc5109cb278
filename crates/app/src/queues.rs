//! Work queues: the cases a user may act on in one step of the process, earliest deadline first,
//! a page at a time.

use crate::access::Caller;
use crate::cases;
use crate::{Error, Result, Services};
use domain::access::{Action, Role};
use domain::case::CaseState;
use store::listing::ListKey;
use store::{CaseFilter, CaseSummary, User};

/// Largest page of a queue.
pub const MAX_PAGE: u32 = 500;

/// Rows a review or decision queue reads at most for one page before it hands back a shorter
/// page and where to go on (each row read is a case loaded to see whose turn it is).
const QUEUE_READ_LIMIT: usize = 2_000;

/// Which page of a queue: the rows after `after`, at most `limit`, only those whose number,
/// applicant or item contains `text` when it is given.
#[derive(Debug, Clone)]
pub struct Page {
    pub after: Option<ListKey>,
    pub limit: u32,
    pub text: Option<String>,
}

impl Page {
    /// The same page, searched for `text` (trimmed; empty: no search; at most 50 characters).
    pub fn searching(self, text: &str) -> Result<Page> {
        let text = text.trim();
        if text.chars().count() > 50 {
            return Err(Error::bad_field(
                "too_long",
                "text",
                "搜索内容不能超过50个字",
            ));
        }
        Ok(Page {
            text: (!text.is_empty()).then(|| text.to_string()),
            ..self
        })
    }
}

impl Page {
    /// Checks the `after` and `limit` query fields.
    pub fn parse(after: Option<&str>, limit: Option<u32>, default: u32) -> Result<Page> {
        let after = match after.filter(|a| !a.is_empty()) {
            None => None,
            Some(a) => Some(ListKey::decode(a).ok_or_else(|| {
                Error::bad_field("invalid_after", "after", "翻页位置无效,请从第一页重新开始")
            })?),
        };
        let limit = limit.unwrap_or(default);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(Error::bad_field(
                "invalid_limit",
                "limit",
                "每页条数应在 1 到 500 之间",
            ));
        }
        Ok(Page {
            after,
            limit,
            text: None,
        })
    }
}

/// A page of a queue and where the next one starts (none after the last page).
pub struct QueuePage {
    pub rows: Vec<CaseSummary>,
    pub next: Option<ListKey>,
}

/// A work queue: the cases this user may act on in one step of the process, earliest deadline first.
pub async fn queue(state: &Services, u: &User, queue: &str, page: &Page) -> Result<QueuePage> {
    let mine = CaseFilter {
        applicant_user_id: Some(u.id),
        ..Default::default()
    };
    let by_role = |r: Role| u.grants().iter().any(|g| g.role == r);
    let (filter, decide_only) = match queue {
        "mine" | "" if !u.can_anywhere(Action::ReadCases) => {
            if by_role(Role::VillageAgent) {
                (
                    CaseFilter {
                        agent_user_id: Some(u.id),
                        ..Default::default()
                    },
                    false,
                )
            } else {
                (mine, false)
            }
        }
        "prereview" => (
            CaseFilter {
                states: vec![CaseState::Submitted, CaseState::CorrectionRequested],
                ..Default::default()
            },
            false,
        ),
        "review" => (
            CaseFilter {
                states: vec![CaseState::InReview, CaseState::Suspended],
                ..Default::default()
            },
            false,
        ),
        "decide" => (
            CaseFilter {
                states: vec![CaseState::InReview],
                ..Default::default()
            },
            true,
        ),
        "deliver" => (
            CaseFilter {
                states: vec![CaseState::Decided, CaseState::Delivered],
                ..Default::default()
            },
            false,
        ),
        // 待批延期: joint items in review, not yet extended — the government head's (art. 42).
        "extend" => (
            CaseFilter {
                states: vec![CaseState::InReview, CaseState::Suspended],
                ..Default::default()
            },
            false,
        ),
        "all" | "" => (CaseFilter::default(), false),
        _ => {
            return Err(Error::bad_field(
                "invalid_queue",
                "queue",
                "队列应为 prereview、review、decide、deliver、extend、all 或 mine",
            ))
        }
    };
    let filter = if filter.applicant_user_id.is_some() || filter.agent_user_id.is_some() {
        filter
    } else {
        let scope = u.scope(Action::ReadCases);
        CaseFilter {
            place_scope: Some(scope),
            // Cases filed from this subtree but handled above (转办, 上报) stay visible to it.
            with_filed_from: queue == "all",
            ..filter
        }
    };
    // Reviewers see the cases with a stage of their department running; heads those ready to decide.
    let depts: Vec<String> = {
        let actor = cases::actor_for(state, u).await?;
        actor
            .roles
            .iter()
            .filter(|r| matches!(r.role, Role::Reviewer | Role::DepartmentHead))
            .filter_map(|r| r.department.clone())
            .collect()
    };
    let filter = CaseFilter {
        text: page.text.clone(),
        ..filter
    };
    let review = queue == "review" && !depts.is_empty();
    let extension = queue == "extend";
    if !review && !decide_only && !extension {
        let filter = CaseFilter {
            limit: Some(page.limit),
            after: page.after.clone(),
            ..filter
        };
        let rows = state.store.list_cases(&filter).await?;
        let next = (rows.len() == page.limit as usize)
            .then(|| rows.last().map(ListKey::of))
            .flatten();
        return Ok(QueuePage { rows, next });
    }
    // Whether a case is this user's to act on is read from the case itself, so the list is read
    // on until the page is full (or the end, or a bounded number of rows read, after which the
    // next page goes on from the last row read: nothing is skipped).
    let mut rows = vec![];
    let mut after = page.after.clone();
    let mut read = 0usize;
    let next = loop {
        let batch = state
            .store
            .list_cases(&CaseFilter {
                limit: Some(page.limit),
                after: after.clone(),
                ..filter.clone()
            })
            .await?;
        let more = batch.len() == page.limit as usize;
        read += batch.len();
        for r in batch {
            let key = ListKey::of(&r);
            if let Some(c) = state.store.get_case(&r.number).await? {
                let mine = if extension {
                    c.filing.item.is_joint() && !c.extended
                } else if review {
                    c.state == CaseState::Suspended
                        || c.active_stages()
                            .iter()
                            .any(|i| depts.contains(&c.stages[*i].department))
                } else {
                    c.review_stages_pending().is_empty()
                        && (depts.is_empty() || depts.contains(&c.filing.item.department))
                };
                if mine {
                    rows.push(r);
                }
            }
            after = Some(key);
            if rows.len() == page.limit as usize {
                break;
            }
        }
        if rows.len() == page.limit as usize || (more && read >= QUEUE_READ_LIMIT) {
            break after;
        }
        if !more {
            break None;
        }
    };
    Ok(QueuePage { rows, next })
}
