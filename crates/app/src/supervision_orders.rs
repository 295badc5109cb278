//! Supervision orders (督办单): a supervisor issues one about a case or a unit with a reply
//! deadline; the unit replies; the supervisor closes it or escalates it to the level above. Every
//! step is kept in the order's history.

use crate::access::Caller;
use crate::error::{Error, Result};
use crate::services::Services;
use domain::access::{Action, Role};
use domain::orders::{self, OrderAction, OrderError, OrderParty, OrderStatus};
use domain::{CaseNumber, Level, RegionCode, Scope};
use store::User;
use store::{OrderEntry, SupervisionOrder};

fn entry(state: &Services, u: &User, action: &str, text: &str) -> OrderEntry {
    OrderEntry {
        at: state.clock.now(),
        user_id: Some(u.id),
        actor: u.display_name.clone(),
        action: action.into(),
        text: text.trim().into(),
    }
}

/// The supervisor's own region that covers `unit` (where the order is issued from).
fn issuing_region(u: &User, unit: &RegionCode) -> Option<RegionCode> {
    u.grants()
        .iter()
        .filter(|g| g.role.allows(Action::Supervise) && g.covers(unit))
        .max_by_key(|g| g.region_level)
        .map(|g| g.region_code.clone())
}

/// A supervisor issues an order about a case (its holder answers) or, without one, about `unit`.
pub async fn issue(
    state: &Services,
    u: &User,
    case: Option<&CaseNumber>,
    unit: &str,
    subject: &str,
    body: &str,
    days: u32,
) -> Result<i64> {
    let mut e = domain::ValidationErrors::default();
    if subject.trim().is_empty() {
        e.push("subject", "required", "请填写督办事由");
    }
    if body.trim().is_empty() {
        e.push("body", "required", "请填写督办内容");
    }
    if !(1..=30).contains(&days) {
        e.push("days", "out_of_range", "回复期限应为1至30个工作日");
    }
    e.into_result(())?;
    let (case_number, unit, department) = if let Some(case_number) = case {
        // A case the supervisor may not see is one that does not exist, as on every case route.
        let c = crate::cases::load_visible(state, u, case_number).await?;
        // The unit that holds the case now answers for it.
        let holder = if c.is_two_level() && c.forwarded_on.is_some() {
            c.filing.decide_place.clone()
        } else {
            c.filing.place.clone()
        };
        (
            Some(case_number.to_string()),
            holder,
            Some(c.filing.item.department.clone()),
        )
    } else {
        (None, RegionCode::parse(unit)?, None)
    };
    u.authorize(Action::Supervise, &unit)?;
    let issued_in = issuing_region(u, &unit).ok_or(Error::Forbidden)?;
    let cal = state.calendar_for(&unit).await?;
    let order = SupervisionOrder {
        id: 0,
        case_number,
        unit,
        department,
        subject: subject.trim().into(),
        body: body.trim().into(),
        issued_in,
        issued_by: u.id,
        issued_at: state.clock.now(),
        reply_due: cal.add_working_days(state.clock.today(), days),
        status: OrderStatus::Open,
        history: vec![entry(state, u, "issued", body)],
        version: 1,
    };
    let id = state.store.create_order(&order).await?;
    state.notify_change();
    Ok(id)
}

/// The orders the caller sees: a supervisor those of their subtrees; anyone else those addressed
/// to the units they handle cases for or manage (whose case handlers and center managers reply).
pub async fn list(state: &Services, u: &User) -> Result<Vec<SupervisionOrder>> {
    let scope = match u.scope(Action::Supervise) {
        Scope::Within(v) if v.is_empty() => u.scope(Action::ReadCases),
        s => s,
    };
    let orders = state.store.list_orders(&scope).await?;
    if u.can_anywhere(Action::Supervise) {
        return Ok(orders);
    }
    let actor = crate::cases::actor_for(state, u).await?;
    Ok(orders
        .into_iter()
        .filter(|o| is_unit(&actor, o) || unit_staff(&actor, o))
        .collect())
}

/// Supervisors over the unit, and the unit's own managers and staff (those who read its cases:
/// the clerk whose case it is about among them), may see an order; the list shows the same.
pub async fn load_visible(state: &Services, u: &User, id: i64) -> Result<SupervisionOrder> {
    let o = state
        .store
        .get_order(id)
        .await?
        .ok_or(Error::NotFound("督办单"))?;
    let actor = crate::cases::actor_for(state, u).await?;
    let ok = u.authorize(Action::Supervise, &o.unit).is_ok()
        || u.authorize(Action::Supervise, &o.issued_in).is_ok()
        || is_unit(&actor, &o)
        || unit_staff(&actor, &o);
    if !ok {
        return Err(Error::Forbidden);
    }
    Ok(o)
}

/// Someone who works the unit's cases, of the order's department (or of none, as the general
/// window): they see the order, the clerk whose case it is about among them; they do not answer it.
fn unit_staff(actor: &domain::case::Actor, o: &SupervisionOrder) -> bool {
    actor.roles.iter().any(|r| {
        r.role.allows(Action::ReadCases)
            && r.region.contains(r.level, &o.unit)
            && (o.department.is_none() || r.department.is_none() || r.department == o.department)
    })
}

/// Someone who answers for the unit: its center manager, or the head of the named department there.
fn is_unit(actor: &domain::case::Actor, o: &SupervisionOrder) -> bool {
    actor.roles.iter().any(|r| {
        r.region == o.unit
            && (r.role == Role::CenterManager
                || (r.role == Role::DepartmentHead
                    && o.department.is_some()
                    && r.department == o.department))
    })
}

/// Who the user is to this order.
fn party(u: &User, actor: &domain::case::Actor, o: &SupervisionOrder) -> OrderParty {
    OrderParty {
        supervisor: u.authorize(Action::Supervise, &o.unit).is_ok(),
        unit: is_unit(actor, o),
        at_top: o.issued_in.implied_level() == Level::City,
    }
}

/// The actions the user may take on the order now (`domain::orders::allowed`).
pub fn allowed_actions(
    u: &User,
    actor: &domain::case::Actor,
    o: &SupervisionOrder,
) -> Vec<OrderAction> {
    orders::allowed(o.status, party(u, actor, o))
}

/// Takes an action on an order, as `domain::orders::decide` says; `action` is its word, and an
/// unknown word is a field error.
pub async fn act(
    state: &Services,
    u: &User,
    id: i64,
    action: &str,
    text: &str,
) -> Result<SupervisionOrder> {
    let action: OrderAction = action
        .parse()
        .map_err(|_| Error::bad_field("invalid_action", "action", "未知操作"))?;
    let mut o = load_visible(state, u, id).await?;
    let actor = crate::cases::actor_for(state, u).await?;
    let step =
        orders::decide(o.status, action, party(u, &actor, &o), text).map_err(|e| match e {
            OrderError::NotAllowed => Error::Forbidden,
            OrderError::ReplyRequired => Error::bad_field("required", "text", e.to_string()),
        })?;
    let version = o.version;
    if step.escalates {
        // To the supervision of the level above the one that issued it, with a new deadline.
        let up = o
            .issued_in
            .implied_level()
            .parent()
            .ok_or(Error::bad("no_higher_level", "已是最高层级"))?;
        o.issued_in = o.issued_in.ancestor(up);
        let cal = state.calendar_for(&o.unit).await?;
        o.reply_due = cal.add_working_days(state.clock.today(), 3);
    }
    o.status = step.status;
    o.history.push(entry(state, u, step.recorded, text));
    o.version += 1;
    state.store.save_order(&o, version).await?;
    state.notify_change();
    Ok(o)
}
