//! Case services shared by the API and the pages: filing with routing, running commands through
//! the domain state machine, notices to the applicant, result disclosure, art. 32 sweeps, and
//! chain verification. Handlers only parse, authorize and call these.

use crate::access::Caller;
use crate::error::{Error, Result};
use crate::services::Services;
use chrono::{DateTime, Utc};
use domain::access::{Action, Role};
use domain::case::{
    self, Actor, ActorRole, Applicant, ApplicantKind, Case, CaseNumber, CaseState, Channel,
    Command, EventKind, Filing, IdempotencyKey, ItemTerms,
};
use domain::catalog::{CatalogItem, ItemStatus};
use domain::identity;
use domain::{Level, RegionCode, ValidationErrors};
use rand::Rng;
use serde::{Deserialize, Serialize};
use store::User;
use store::{Message, PublishedResult};

/// The actor of a signed-in user: every grant with its department code resolved.
pub async fn actor_for(state: &Services, u: &User) -> Result<Actor> {
    actor_for_user(state, u).await
}

pub async fn actor_for_user(state: &Services, user: &store::User) -> Result<Actor> {
    let u = user;
    let mut roles = vec![];
    for g in &u.grants {
        let department = match g.department_id {
            Some(id) => {
                let cached = state
                    .caches
                    .department_codes
                    .read()
                    .expect("cache lock")
                    .get(&id)
                    .cloned();
                match cached {
                    Some(code) => code,
                    None => {
                        // Department codes never change once created, so they can be kept.
                        let code = state.store.get_department(id).await?.map(|d| d.code);
                        state
                            .caches
                            .department_codes
                            .write()
                            .expect("cache lock")
                            .insert(id, code.clone());
                        code
                    }
                }
            }
            None => None,
        };
        roles.push(ActorRole {
            role: g.role,
            region: g.region_code.clone(),
            level: g.region_level,
            department,
        });
    }
    Ok(Actor {
        user_id: Some(u.id),
        name: u.display_name.clone(),
        roles,
        system: false,
    })
}

/// May this user see this case? Staff over its places (who handle, supervise or manage them), its
/// applicant, its agent.
pub fn can_view(u: &User, c: &Case) -> bool {
    let f = &c.filing;
    visible_to(
        u,
        [&f.place, &f.decide_place, &f.applicant_region],
        [f.applicant.user_id, f.agent_user_id],
    )
}

/// [`can_view`] asked of a listed case (the same columns, copied into its row).
pub fn can_view_summary(u: &User, s: &store::CaseSummary) -> bool {
    visible_to(
        u,
        [&s.place, &s.decide_place, &s.applicant_region],
        [s.applicant_user_id, s.agent_user_id],
    )
}

fn visible_to(u: &User, regions: [&RegionCode; 3], people: [Option<i64>; 2]) -> bool {
    let staff = regions
        .iter()
        .any(|r| u.authorize(Action::ReadCases, r).is_ok());
    staff || people.contains(&Some(u.id))
}

/// A case the user may see. One they may not see is answered exactly as one that does not exist
/// (`NotFound`), so that trying numbers tells nobody which are in use (issue 17, part 13).
pub async fn load_visible(state: &Services, u: &User, number: &CaseNumber) -> Result<Case> {
    state
        .store
        .get_case(number.as_str())
        .await?
        .filter(|c| can_view(u, c))
        .ok_or(Error::NotFound("办件"))
}

/// Runs a command the caller asked for on a case they may see: `load_visible`, then
/// [`execute_on`]. The case comes from the hot set when this process wrote it last; if anything
/// fails on it (a stale copy makes the visibility check, `decide` or the version check fail), it is
/// forgotten and the command runs once more on the stored case, so only a success ever comes
/// from the copy — and a success means the copy was current (the write checked its version).
#[allow(clippy::too_many_arguments)]
pub async fn command_visible(
    state: &Services,
    u: &User,
    number: &CaseNumber,
    cmd: &Command,
    comment: &str,
    attachments: &[String],
    key: Option<&IdempotencyKey>,
) -> Result<Executed> {
    let hot = state.caches.hot_case(number.as_str());
    if let Some(c) = hot.filter(|c| can_view(u, c) && !matches!(cmd, Command::AutoAccept)) {
        let actor = actor_for(state, u).await?;
        let done = execute_on(state, &actor, c, cmd, comment, attachments, key).await;
        if done.is_ok() {
            return done;
        }
        state.caches.forget_hot(number.as_str());
        // Not something a stale copy explains: answered as it is, never run twice.
        if let Err(e @ Error::Internal(_)) = done {
            return Err(e);
        }
    }
    let c = load_visible(state, u, number).await?;
    // The system's own step (art. 32), never a caller's.
    if matches!(cmd, Command::AutoAccept) {
        return Err(Error::Forbidden);
    }
    let actor = actor_for(state, u).await?;
    execute_on(state, &actor, c, cmd, comment, attachments, key).await
}

/// A case with its whole log (the hash-chained events, in order).
pub struct CaseLog {
    pub case: Case,
    pub events: Vec<case::CaseEvent>,
}

/// A case the caller may see, with its log.
pub async fn case_log(state: &Services, u: &User, number: &CaseNumber) -> Result<CaseLog> {
    let case = load_visible(state, u, number).await?;
    let events = state.store.case_events(&case.filing.number).await?;
    Ok(CaseLog { case, events })
}

/// The caller's own notices (办件消息), newest first.
pub async fn messages(state: &Services, u: &User) -> Result<Vec<Message>> {
    Ok(state.store.messages_for_user(u.id).await?)
}

/// How many disclosed results the public list shows.
pub const RESULTS_SHOWN: u32 = 200;

/// Disclosed grants (结果公开) as `q` selects and pages them, personal data masked; public.
pub async fn results(state: &Services, q: &store::ResultQuery) -> Result<Vec<PublishedResult>> {
    Ok(state.store.list_results(q).await?)
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ApplicantInput {
    pub kind: ApplicantKind,
    pub name: String,
    pub id_number: String,
    pub phone: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct FileRequest {
    pub item_code: String,
    pub applicant: ApplicantInput,
    /// For agents and clerks: the applicant's region (village or community). Online applicants
    /// apply from their own home region.
    #[serde(default)]
    pub applicant_region: Option<String>,
    #[serde(default)]
    pub form: serde_json::Value,
}

/// Validates who is applying (`domain::identity::check_applicant`).
pub fn validate_applicant(a: &ApplicantInput) -> Result<(), ValidationErrors> {
    identity::check_applicant(a.kind, &a.name, &a.id_number, &a.phone)
}

fn where_to_go(item: &CatalogItem) -> String {
    let levels: Vec<&str> = item.accept_levels.iter().map(|l| l.place_label()).collect();
    format!(
        "“{}”由{}受理,请到相应的服务场所或通过网上申报办理",
        item.name,
        levels.join("、")
    )
}

fn query_code() -> String {
    // No 0/O, 1/I/L: codes are read aloud and typed on phones.
    const A: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut r = rand::thread_rng();
    (0..8).map(|_| A[r.gen_range(0..A.len())] as char).collect()
}

/// The counter case numbers are issued from, one scope per place and day.
pub const CASE_COUNTER: &str = "case";

/// 办件编号: accepting region code + date + 5-digit sequence, unique network-wide. Taken with a
/// claim on it (one transaction), which creating the case ends.
async fn case_number(
    state: &Services,
    place: &RegionCode,
    at: DateTime<Utc>,
) -> Result<CaseNumber> {
    let scope = CaseNumber::counter_scope(place, case::local_date(at));
    let number = state
        .store
        .claim_case_number(CASE_COUNTER, &scope, at)
        .await?;
    CaseNumber::parse(&number).map_err(|e| Error::Internal(format!("case number {number}: {e}")))
}

/// Numbers claimed more than ten minutes ago without a case: filings a stopped server never
/// finished. Each is recorded void with that reason, so the gap it leaves is explained.
pub async fn void_stale_claims(state: &Services) -> Result<usize> {
    let now = state.clock.now();
    let stale = state
        .store
        .claims(Some(now - chrono::Duration::minutes(10)))
        .await?;
    for n in &stale {
        state
            .store
            .void_number(n, "服务中断,立案未完成", now)
            .await?;
    }
    Ok(stale.len())
}

/// Files a case. Online applicants get a draft; clerks and village agents file at their place and
/// the materials count as received now.
/// Online, one applies for oneself (issue 17, part 13): the applicant's ID number (or credit
/// code) must be the one the account registered with. Filings for someone else go through a
/// window clerk or a village agent.
fn account_holder_applies(user: &User, a: &ApplicantInput) -> Result<()> {
    let typed = identity::normalize_id_number(&a.id_number);
    match &user.id_number {
        Some(own) if *own == typed => Ok(()),
        Some(_) => Err(Error::bad_field(
            "applicant_not_account_holder",
            "applicant.id_number",
            "网上申报只能以账户本人(注册时登记的证件号码)为申请人;代他人申请请到窗口或由村代办员办理",
        )),
        None => Err(Error::bad_field(
            "id_number_not_registered",
            "applicant.id_number",
            "本账户未登记证件号码,不能网上申报;请到窗口办理",
        )),
    }
}

pub async fn file_case(state: &Services, u: &User, req: &FileRequest) -> Result<Case> {
    file_case_as(state, u, req).await
}

pub async fn file_case_as(state: &Services, user: &store::User, req: &FileRequest) -> Result<Case> {
    let item = state
        .store
        .get_published(req.item_code.trim())
        .await?
        .ok_or_else(|| Error::bad_field("item_not_found", "item_code", "事项不存在或未发布"))?;
    if item.status != ItemStatus::Published {
        return Err(Error::bad_field(
            "item_not_published",
            "item_code",
            "事项未发布",
        ));
    }
    validate_applicant(&req.applicant)?;
    let mut too_long = ValidationErrors::default();
    domain::limits::check_form(&mut too_long, &req.form);
    too_long.into_result(())?;
    let grants = &user.grants;
    let clerk = grants.iter().find(|g| g.role == Role::WindowClerk);
    let agent = grants.iter().find(|g| g.role == Role::VillageAgent);
    let (channel, place, applicant_region, applicant_user, agent_user) = if let Some(g) = clerk {
        // A window files at its own center, if that center's level accepts the item.
        if !item.accept_levels.contains(&g.region_level) {
            return Err(Error::bad_field(
                "wrong_place",
                "item_code",
                where_to_go(&item),
            ));
        }
        let home = match &req.applicant_region {
            Some(r) if !r.trim().is_empty() => {
                let code = RegionCode::parse(r)?;
                // A walk-in applicant lives in the region the window serves (its county); the
                // region decides who else may see the case, so it must be real and nearby.
                let county = g.region_code.ancestor(Level::County.min(g.region_level));
                let near = county.contains(Level::County.min(g.region_level), &code);
                if !near || state.store.get_region(&code).await?.is_none() {
                    return Err(Error::bad_field(
                        "invalid_applicant_region",
                        "applicant_region",
                        "申请人所在区划不存在或不在本窗口服务范围内",
                    ));
                }
                code
            }
            _ => g.region_code.clone(),
        };
        (Channel::Window, g.region_code.clone(), home, None, None)
    } else if let Some(g) = agent {
        if !item.proxy_allowed {
            return Err(Error::bad_field(
                "no_proxy",
                "item_code",
                format!("“{}”不能由村代办员代办,请申请人到服务中心办理", item.name),
            ));
        }
        // The village room files; the case goes to the nearest center above that accepts the item.
        let above = g.region_level.parent().unwrap_or(g.region_level);
        let place = item
            .accepting_place(&g.region_code, above)
            .ok_or_else(|| Error::bad_field("wrong_place", "item_code", where_to_go(&item)))?;
        (
            Channel::Proxy,
            place,
            g.region_code.clone(),
            None,
            Some(user.id),
        )
    } else if grants.iter().any(|g| g.role == Role::Applicant) {
        let home = user.home_region.clone();
        let region = state
            .store
            .get_region(&home)
            .await?
            .ok_or(Error::NotFound("区划"))?;
        let place = item
            .accepting_place(&home, region.level)
            .ok_or_else(|| Error::bad_field("wrong_place", "item_code", where_to_go(&item)))?;
        account_holder_applies(user, &req.applicant)?;
        if !item.online.may_file_online() {
            return Err(Error::bad_field(
                "window_only",
                "item_code",
                format!(
                    "“{}”须到服务窗口办理,不能网上申请;可到就近便民服务中心或请村代办员代办",
                    item.name
                ),
            ));
        }
        (Channel::Online, place, home, Some(user.id), None)
    } else {
        return Err(Error::Forbidden);
    };
    let now = state.clock.now();
    let number = case_number(state, &place, now).await?;
    let a = &req.applicant;
    let terms = ItemTerms::for_channel(&item, channel);
    let filing = Filing {
        number: number.to_string(),
        query_code: query_code(),
        channel,
        applicant: Applicant {
            kind: a.kind,
            name: a.name.trim().into(),
            id_number: identity::normalize_id_number(&a.id_number),
            phone: a.phone.trim().into(),
            user_id: applicant_user,
        },
        item: terms,
        decide_place: place.ancestor(item.decide_level.min(place.implied_level())),
        place,
        applicant_region,
        agent_user_id: agent_user,
        form: req.form.clone(),
        suite: state.suite,
    };
    // From here the number is taken: a filing that fails records it void, so the gap it leaves in
    // the counter is explained (verify reports unexplained gaps as deleted cases).
    let filed = async {
        let cal = state.calendar_for(&filing.place).await?;
        let actor = case::ActorRef {
            user_id: Some(user.id),
            name: user.display_name.clone(),
            role: grants.first().map(|g| g.role),
            place: Some(filing.place.clone()),
        };
        let kinds = case::open(filing, now, &cal);
        let events = case::seal(
            state.suite,
            number.as_str(),
            0,
            case::GENESIS_HASH,
            now,
            &actor,
            "",
            &[],
            kinds,
        );
        let c = Case::replay(&events).expect("open starts with Filed");
        // The case, its notice and its supervision rows in one transaction.
        let rules = crate::supervision::rules(state).await?;
        let effects = store::SideEffects {
            messages: notices(&c, &events),
            result: None,
            supervision: crate::supervision::change_if_changed(state, None, &c, &rules).await?,
            outcome: None,
            fees: vec![],
            violations: vec![],
        };
        state
            .store
            .commit_transition(&c, 0, &events, &effects)
            .await?;
        Ok::<_, Error>((c, effects))
    }
    .await;
    let (c, effects) = match filed {
        Ok(x) => x,
        Err(e) => {
            let reason = format!("立案未完成: {e}");
            if let Err(v) = state.store.void_number(number.as_str(), &reason, now).await {
                tracing::error!(%number, error = %v, "could not record a void case number");
            }
            return Err(e);
        }
    };
    send_sms(state, &c, &effects.messages);
    state.notify_change();
    Ok(c)
}

/// Runs a command as a signed-in user (or the system) and stores the events it produces.
pub async fn execute(
    state: &Services,
    actor: &Actor,
    number: &CaseNumber,
    cmd: &Command,
    comment: &str,
    attachments: &[String],
) -> Result<Case> {
    execute_keyed(state, actor, number, cmd, comment, attachments, None).await
}

/// Like [`execute`] with the client's idempotency key: a command already applied under this key
/// (its reply lost, the client retrying) is not applied again; the current case is returned. The
/// same key with another request is refused (`idempotency_key_reused`).
pub async fn execute_keyed(
    state: &Services,
    actor: &Actor,
    number: &CaseNumber,
    cmd: &Command,
    comment: &str,
    attachments: &[String],
    key: Option<&IdempotencyKey>,
) -> Result<Case> {
    let c = state
        .store
        .get_case(number.as_str())
        .await?
        .ok_or(Error::NotFound("办件"))?;
    execute_on(state, actor, c, cmd, comment, attachments, key)
        .await
        .map(|done| done.case)
}

/// Checks that `user` may upload material `index` of `c` now — the command's own rule, asked
/// with a stand-in hash — and returns their actor. Transports call it before they read the file,
/// so a refused upload is neither buffered nor written to disk.
pub async fn upload_allowed(
    state: &Services,
    user: &User,
    c: &Case,
    index: usize,
) -> Result<Actor> {
    let actor = actor_for(state, user).await?;
    let cal = state.calendar_for(&c.filing.place).await?;
    let probe = Command::UploadMaterial {
        index,
        sha256: "0".repeat(64),
    };
    case::decide(c, &probe, &actor, state.clock.now(), &cal)?;
    Ok(actor)
}

/// Stores an uploaded material file and records it on the case (after [`upload_allowed`]).
pub async fn upload_material(
    state: &Services,
    actor: &Actor,
    number: &CaseNumber,
    index: usize,
    bytes: &[u8],
) -> Result<(String, &'static str)> {
    let (sha256, content_type) = crate::files::store_upload(state, bytes).await?;
    execute(
        state,
        actor,
        number,
        &Command::UploadMaterial {
            index,
            sha256: sha256.clone(),
        },
        "",
        std::slice::from_ref(&sha256),
    )
    .await?;
    Ok((sha256, content_type))
}

/// Whether `key` was already taken by the case (a retry: answer with the case as it is), an error
/// when it was taken by another request, `false` when it is new. Keys live in `case_keys`; a
/// snapshot written before them may still carry its recent keys.
async fn replayed(state: &Services, c: &Case, key: &IdempotencyKey) -> Result<bool> {
    let seen = match c.recent_keys.iter().find(|seen| seen.key == key.key) {
        Some(seen) => Some(seen.clone()),
        None => {
            state
                .store
                .idempotency_key(c.filing.number.as_str(), &key.key)
                .await?
        }
    };
    match seen.and_then(|seen| key.replays(&seen)) {
        Some(true) => Ok(true),
        Some(false) => Err(Error::Unprocessable {
            code: "idempotency_key_reused",
            message: "此幂等键已用于另一操作,请为新的操作生成新的键".into(),
            field: Some("Idempotency-Key".into()),
        }),
        None => Ok(false),
    }
}

/// A command's outcome: the case after it and the events it appended (none when the request was
/// a replay of one already applied).
pub struct Executed {
    pub case: Case,
    pub events: Vec<case::CaseEvent>,
}

/// Runs a command on a case the caller has just loaded (saves reading and decoding it twice).
///
/// A payment gets its receipt number here, from the center's counter, and only once the payment
/// is known to go through: the command is first decided with a stand-in number, and a number
/// taken but then not used (the write failed, or the request was a retry) is voided with why.
pub async fn execute_on(
    state: &Services,
    actor: &Actor,
    c: Case,
    cmd: &Command,
    comment: &str,
    attachments: &[String],
    key: Option<&IdempotencyKey>,
) -> Result<Executed> {
    let Command::RecordPayment {
        amount_fen,
        method,
        paper_no,
        ..
    } = cmd
    else {
        return execute_decided(state, actor, c, cmd, comment, attachments, key).await;
    };
    let with_receipt = |receipt_no: String| Command::RecordPayment {
        amount_fen: *amount_fen,
        method: *method,
        receipt_no,
        paper_no: paper_no.clone(),
    };
    let probe = with_receipt("PJ-待开具".into());
    let cal = state.calendar_for(&c.filing.place).await?;
    if case::decide(&c, &probe, actor, state.clock.now(), &cal).is_err() {
        // Refused (or a retry of one applied): the same answer as ever, and no number taken.
        return execute_decided(state, actor, c, &probe, comment, attachments, key).await;
    }
    let place = c.filing.place.clone();
    let receipt_no = crate::fees::next_receipt(state, &place).await?;
    let paid = with_receipt(receipt_no.clone());
    let out = execute_decided(state, actor, c, &paid, comment, attachments, key).await;
    match &out {
        Err(e) => crate::fees::void(state, &place, &receipt_no, &format!("收费未记录:{e}")).await,
        Ok(done) if done.events.is_empty() => {
            crate::fees::void(state, &place, &receipt_no, "重复提交的收费,未重复收取").await
        }
        Ok(_) => {}
    }
    out
}

async fn execute_decided(
    state: &Services,
    actor: &Actor,
    c: Case,
    cmd: &Command,
    comment: &str,
    attachments: &[String],
    key: Option<&IdempotencyKey>,
) -> Result<Executed> {
    let replay = |case| Executed {
        case,
        events: vec![],
    };
    let number = c.filing.number.clone();
    let number = number.as_str();
    if let Some(k) = key {
        if k.key.is_empty() || k.key.len() > 100 {
            return Err(Error::bad_field(
                "invalid_idempotency_key",
                "Idempotency-Key",
                "幂等键应为1至100个字符",
            ));
        }
        // Keys a snapshot still carries are checked here for free; `case_keys` is read only when
        // the command cannot go ahead (below), since a retry of an applied command either fails
        // `decide` on the case as it now is or fails the write on the key.
        if c.recent_keys.iter().any(|seen| seen.key == k.key) && replayed(state, &c, k).await? {
            return Ok(replay(c));
        }
    }
    domain::limits::check_command(cmd, comment)?;
    let now = state.clock.now();
    let cal = state.calendar_for(&c.filing.place).await?;
    let d = match case::decide(&c, cmd, actor, now, &cal) {
        Ok(d) => d,
        Err(e) => {
            if let Some(k) = key {
                if replayed(state, &c, k).await? {
                    return Ok(replay(c));
                }
            }
            return Err(e.into());
        }
    };
    let events = case::seal_with_key(
        c.filing.suite,
        number,
        c.version,
        &c.last_hash,
        now,
        &d.actor,
        comment.trim(),
        attachments,
        d.events,
        key,
    );
    let mut next = c.clone();
    for e in &events {
        next.apply(e);
    }
    // Everything the command writes goes to the store as one transition: one transaction (one
    // writer job on SQLite), so a crash keeps the events and their notices, result and warnings
    // together, and a retry under the same key finds them all.
    let rules = crate::supervision::rules(state).await?;
    // A case that completes gets its evaluation figures, computed from its whole log once.
    let outcome = if next.state == CaseState::Completed && c.state != CaseState::Completed {
        let mut log = state.store.case_events(number).await?;
        log.extend(events.iter().cloned());
        crate::supervision::outcome_record(state, &next, &log, &rules)
    } else {
        None
    };
    let effects = store::SideEffects {
        messages: notices(&next, &events),
        result: result_of(&next, &events),
        supervision: crate::supervision::change_if_changed(state, Some(&c), &next, &rules).await?,
        outcome,
        fees: crate::fees::ledger_lines(&next, &events),
        violations: crate::supervision::violation_rows(&c, &next, &events, &cal),
    };
    match state
        .store
        .commit_transition(&next, c.version, &events, &effects)
        .await
    {
        Ok(_) => {}
        // A concurrent retry of the same command got there first, or the key was taken by a
        // command the case has moved past.
        Err(store::StoreError::Conflict {
            code: "stale_case" | "idempotency_key_taken",
            ..
        }) if key.is_some() => {
            let now_case = state
                .store
                .get_case(number)
                .await?
                .ok_or(Error::NotFound("办件"))?;
            if let Some(k) = key {
                if replayed(state, &now_case, k).await? {
                    return Ok(replay(now_case));
                }
            }
            return Err(Error::Conflict {
                code: "stale_case",
                message: "办件已被他人更新,请刷新后重试".into(),
            });
        }
        Err(e) => return Err(e.into()),
    }
    // Text messages leave the building only once the transition is durable.
    send_sms(state, &next, &effects.messages);
    state.notify_change();
    state.caches.keep_hot(&next);
    Ok(Executed { case: next, events })
}

/// The disclosed result of a grant among new events (公示), if any.
fn result_of(c: &Case, events: &[case::CaseEvent]) -> Option<PublishedResult> {
    events.iter().rev().find_map(|e| match &e.kind {
        EventKind::Decided {
            granted: true,
            on,
            licence_no,
            ..
        } => {
            let f = &c.filing;
            let applicant_masked = match f.applicant.kind {
                ApplicantKind::Person => identity::mask_name(&f.applicant.name),
                ApplicantKind::Enterprise => f.applicant.name.clone(),
            };
            Some(PublishedResult {
                case_number: f.number.clone(),
                item_name: f.item.name.clone(),
                applicant_masked,
                decided_on: *on,
                licence_no: licence_no.clone().unwrap_or_default(),
                place: f.place.clone(),
            })
        }
        _ => None,
    })
}

pub use domain::notices::notice_text;

/// Writes notices to the applicant's (and agent's) message list and sends the SMS.
/// The applicant notices (办件消息) of new events: one per event with a notice, to the applicant's
/// account and the village agent's (or unaddressed for a walk-in without an account).
fn notices(c: &Case, events: &[case::CaseEvent]) -> Vec<Message> {
    let f = &c.filing;
    let recipients: Vec<Option<i64>> = match (f.applicant.user_id, f.agent_user_id) {
        (None, None) => vec![None],
        (a, g) => [a, g].into_iter().filter(Option::is_some).collect(),
    };
    let mut messages = vec![];
    for e in events {
        let Some(text) = notice_text(c, &e.kind) else {
            continue;
        };
        for user_id in &recipients {
            messages.push(Message {
                id: 0,
                user_id: *user_id,
                case_number: f.number.clone(),
                text: text.clone(),
                created_at: e.at,
            });
        }
    }
    messages
}

/// One text message per notice (not per recipient account) to the applicant's phone.
fn send_sms(state: &Services, c: &Case, messages: &[Message]) {
    let mut sent: Vec<&str> = vec![];
    for m in messages {
        if !sent.contains(&m.text.as_str()) {
            state.notifier.sms(&c.filing.applicant.phone, &m.text);
            sent.push(&m.text);
        }
    }
}

/// art. 32: accepts, as of receipt, every submitted case whose correction window has passed
/// without a notice. Run at start-up, every hour, and on demand. Returns how many were accepted.
pub async fn auto_accept_overdue(state: &Services) -> Result<usize> {
    let today = state.clock.today();
    let waiting = state
        .store
        .list_cases(&store::CaseFilter {
            states: vec![CaseState::Submitted],
            ..Default::default()
        })
        .await?;
    let mut n = 0;
    for s in waiting
        .into_iter()
        .filter(|s| s.due.is_some_and(|d| d < today))
    {
        let c = state
            .store
            .get_case(&s.number)
            .await?
            .ok_or(Error::NotFound("办件"))?;
        let reason = format!(
            "{},逾期不告知补正的,自收到申请材料之日起即为受理",
            c.filing.item.wording().basis_for("第三十二条")
        );
        match execute_on(
            state,
            &Actor::system(),
            c,
            &Command::AutoAccept,
            &reason,
            &[],
            None,
        )
        .await
        {
            Ok(_) => n += 1,
            // Another process got there first, or the case moved on: nothing to do.
            Err(Error::Conflict { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// SMS and e-mail senders. The default writes to the log; a deployment plugs in a real gateway.
pub use crate::services::{LogNotifier, Notifier};
