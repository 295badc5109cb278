//! Stories of [`FeedbackStore`](crate::FeedbackStore): ratings once per case and channel, a bad
//! rating's follow-up written with it, follow-ups and complaints saved by version, scoped lists.

use super::{at, code, date, seed_cases, subtree, COUNTY, FAR_TOWN, SIBLING_TOWN, TOWN};
use crate::{Store, StoreError};
use domain::access::Scope;
use domain::feedback::{
    Complainant, Complaint, ComplaintKind, ComplaintStatus, ComplaintSubject, Entry, FollowUp,
    FollowUpStatus, Rating, RatingChannel, RatingLevel,
};

pub(crate) fn rating(
    case: &str,
    unit: &str,
    channel: RatingChannel,
    level: RatingLevel,
    when: &str,
) -> Rating {
    Rating {
        id: 0,
        case_number: case.to_string(),
        channel,
        level,
        comment: "窗口服务".to_string(),
        rated_at: at(when),
        unit: code(unit),
        department: "scjg".to_string(),
    }
}

fn follow_up(r: &Rating, due: &str) -> FollowUp {
    FollowUp {
        id: 0,
        rating_id: 0,
        case_number: r.case_number.clone(),
        level: r.level,
        unit: r.unit.clone(),
        department: r.department.clone(),
        opened_on: date("2026-03-10"),
        due: date(due),
        status: FollowUpStatus::Open,
        appealed: false,
        report: String::new(),
        history: vec![Entry {
            at: r.rated_at,
            actor: "系统".to_string(),
            action: "opened".to_string(),
            text: "差评".to_string(),
        }],
        version: 1,
    }
}

fn conflict_code(e: StoreError) -> &'static str {
    match e {
        StoreError::Conflict { code, .. } => code,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

pub async fn feedback_rating_once_per_channel<S: Store + ?Sized>(store: &S) {
    let cases = seed_cases(store).await;
    let a = cases[0].filing.number.as_str();
    let good = rating(
        a,
        TOWN,
        RatingChannel::Online,
        RatingLevel::Satisfied,
        "2026-03-10T01:00:00.123456Z",
    );
    let (id, none) = store.add_rating(&good, None).await.unwrap();
    assert_eq!(none, None);
    assert_eq!(
        store.ratings_for_case(a).await.unwrap(),
        vec![Rating { id, ..good.clone() }],
        "round trip, microseconds included"
    );

    // A bad rating on the same channel: refused, and its follow-up is not stored either.
    let bad = rating(
        a,
        TOWN,
        RatingChannel::Online,
        RatingLevel::VeryDissatisfied,
        "2026-03-10T02:00:00Z",
    );
    let err = store
        .add_rating(&bad, Some(&follow_up(&bad, "2026-03-17")))
        .await
        .unwrap_err();
    assert_eq!(conflict_code(err), "already_rated");
    assert_eq!(store.ratings_for_case(a).await.unwrap().len(), 1);
    assert!(store.follow_ups_for_case(a).await.unwrap().is_empty());

    // Another channel is another rating; the bad one opens its follow-up in the same write.
    let tablet = Rating {
        channel: RatingChannel::WindowTablet,
        ..bad.clone()
    };
    let f = follow_up(&tablet, "2026-03-17");
    let (rid, fid) = store.add_rating(&tablet, Some(&f)).await.unwrap();
    let fid = fid.expect("a follow-up id");
    let stored = store.get_follow_up(fid).await.unwrap().unwrap();
    assert_eq!(
        stored,
        FollowUp {
            id: fid,
            rating_id: rid,
            ..f
        }
    );
    assert_eq!(store.follow_ups_for_case(a).await.unwrap(), vec![stored]);
    assert_eq!(store.get_follow_up(-1).await.unwrap(), None);
    let chans: Vec<_> = store
        .ratings_for_case(a)
        .await
        .unwrap()
        .iter()
        .map(|r| r.channel)
        .collect();
    assert_eq!(
        chans,
        [RatingChannel::Online, RatingChannel::WindowTablet],
        "oldest first"
    );

    let ghost = rating(
        "330102001000-20990101-0001",
        TOWN,
        RatingChannel::SmsLink,
        RatingLevel::Basic,
        "2026-03-10T01:00:00Z",
    );
    assert!(matches!(
        store.add_rating(&ghost, None).await,
        Err(StoreError::NotFound("case"))
    ));
}

pub async fn feedback_ratings_listed_by_scope<S: Store + ?Sized>(store: &S) {
    let cases = seed_cases(store).await;
    let (a, b) = (
        cases[0].filing.number.as_str(),
        cases[1].filing.number.as_str(),
    );
    let r1 = rating(
        a,
        TOWN,
        RatingChannel::Online,
        RatingLevel::Satisfied,
        "2026-03-10T01:00:00Z",
    );
    let r2 = rating(
        b,
        SIBLING_TOWN,
        RatingChannel::Online,
        RatingLevel::Basic,
        "2026-03-11T01:00:00Z",
    );
    let r3 = rating(
        a,
        TOWN,
        RatingChannel::SmsLink,
        RatingLevel::VerySatisfied,
        "2026-03-12T01:00:00Z",
    );
    let mut ids = vec![];
    for r in [&r1, &r2, &r3] {
        ids.push(store.add_rating(r, None).await.unwrap().0);
    }
    let list = |scope: Scope, limit: u32| async move {
        store
            .list_ratings(&scope, limit)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        list(Scope::All, 10).await,
        vec![ids[2], ids[1], ids[0]],
        "newest first"
    );
    assert_eq!(list(subtree(TOWN), 10).await, vec![ids[2], ids[0]]);
    assert_eq!(list(subtree(COUNTY), 1).await, vec![ids[2]], "limit");
    assert!(list(subtree(FAR_TOWN), 10).await.is_empty());
}

pub async fn feedback_follow_ups_saved_by_version<S: Store + ?Sized>(store: &S) {
    let cases = seed_cases(store).await;
    let (a, b) = (
        cases[0].filing.number.as_str(),
        cases[1].filing.number.as_str(),
    );
    let ra = rating(
        a,
        TOWN,
        RatingChannel::Online,
        RatingLevel::Dissatisfied,
        "2026-03-10T01:00:00Z",
    );
    let rb = rating(
        b,
        SIBLING_TOWN,
        RatingChannel::Online,
        RatingLevel::Dissatisfied,
        "2026-03-10T01:00:00Z",
    );
    let fa = store
        .add_rating(&ra, Some(&follow_up(&ra, "2026-03-18")))
        .await
        .unwrap()
        .1
        .unwrap();
    let fb = store
        .add_rating(&rb, Some(&follow_up(&rb, "2026-03-17")))
        .await
        .unwrap()
        .1
        .unwrap();
    let ids = |v: Vec<FollowUp>| v.into_iter().map(|f| f.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.list_follow_ups(&Scope::All, true).await.unwrap()),
        vec![fb, fa],
        "by due date"
    );
    assert_eq!(
        ids(store.list_follow_ups(&subtree(TOWN), true).await.unwrap()),
        vec![fa]
    );

    let f = store.get_follow_up(fa).await.unwrap().unwrap();
    let mut next = f.clone();
    next.status = FollowUpStatus::Closed;
    next.appealed = true;
    next.report = "已整改并反馈".to_string();
    next.due = date("2026-03-25");
    next.history.push(Entry {
        at: at("2026-03-11T01:00:00Z"),
        actor: "u".into(),
        action: "report_back".into(),
        text: "反馈".into(),
    });
    next.version = 2;
    store.save_follow_up(&next, 1).await.unwrap();
    assert_eq!(store.get_follow_up(fa).await.unwrap(), Some(next.clone()));
    // A writer holding version 1 loses; a version that does not move on by one is invalid.
    let err = store.save_follow_up(&next, 1).await.unwrap_err();
    assert_eq!(conflict_code(err), "stale_feedback");
    let skip = FollowUp {
        version: 4,
        ..next.clone()
    };
    assert!(matches!(
        store.save_follow_up(&skip, 2).await,
        Err(StoreError::Invalid(_))
    ));
    let ghost = FollowUp {
        id: -5,
        version: 2,
        ..next.clone()
    };
    assert!(matches!(
        store.save_follow_up(&ghost, 1).await,
        Err(StoreError::NotFound(_))
    ));

    assert_eq!(
        ids(store.list_follow_ups(&Scope::All, true).await.unwrap()),
        vec![fb],
        "closed ones leave the open list"
    );
    assert_eq!(
        ids(store.list_follow_ups(&Scope::All, false).await.unwrap()),
        vec![fb, fa]
    );
}

pub(crate) fn complaint(
    code_: &str,
    unit: &str,
    case: Option<&str>,
    named: bool,
    filed: &str,
) -> Complaint {
    Complaint {
        id: 0,
        code: code_.to_string(),
        kind: if named {
            ComplaintKind::Complaint
        } else {
            ComplaintKind::Report
        },
        subject: if case.is_some() {
            ComplaintSubject::Case
        } else {
            ComplaintSubject::Window
        },
        subject_ref: case.unwrap_or("3号窗口").to_string(),
        case_number: case.map(str::to_string),
        unit: code(unit),
        department: case.map(|_| "scjg".to_string()),
        body: "办事人员态度差".to_string(),
        complainant: named.then(|| Complainant {
            name: "周小燕".into(),
            phone: "13905781001".into(),
        }),
        filed_at: at(filed),
        filed_on: date(&filed[..10]),
        accept_due: date("2026-03-17"),
        answer_days: 15,
        accepted_on: None,
        answer_due: None,
        status: ComplaintStatus::Received,
        reply: String::new(),
        history: vec![],
        version: 1,
    }
}

pub async fn feedback_complaints<S: Store + ?Sized>(store: &S) {
    let cases = seed_cases(store).await;
    let a = cases[0].filing.number.as_str();
    let k1 = complaint("CODE000001", TOWN, Some(a), true, "2026-03-10T01:00:00.5Z");
    let k2 = complaint(
        "CODE000002",
        SIBLING_TOWN,
        None,
        false,
        "2026-03-11T01:00:00Z",
    );
    let k3 = complaint("CODE000003", FAR_TOWN, None, true, "2026-03-12T01:00:00Z");
    let mut ids = vec![];
    for k in [&k1, &k2, &k3] {
        ids.push(store.create_complaint(k).await.unwrap());
    }
    let k1 = Complaint { id: ids[0], ..k1 };
    let k2 = Complaint { id: ids[1], ..k2 };
    assert_eq!(store.get_complaint(k1.id).await.unwrap(), Some(k1.clone()));
    assert_eq!(
        store.find_complaint("CODE000002").await.unwrap(),
        Some(k2.clone()),
        "anonymous round trip"
    );
    assert_eq!(store.find_complaint("NOSUCHCODE").await.unwrap(), None);
    assert_eq!(
        store.complaints_for_case(a).await.unwrap(),
        vec![k1.clone()]
    );

    let dup = complaint("CODE000001", TOWN, None, false, "2026-03-12T01:00:00Z");
    assert_eq!(
        conflict_code(store.create_complaint(&dup).await.unwrap_err()),
        "complaint_code_taken"
    );
    let ghost = complaint(
        "CODE000009",
        TOWN,
        Some("330102001000-20990101-0001"),
        true,
        "2026-03-12T01:00:00Z",
    );
    assert!(matches!(
        store.create_complaint(&ghost).await,
        Err(StoreError::NotFound("case"))
    ));

    let list = |scope: Scope, open: bool| async move {
        store
            .list_complaints(&scope, open)
            .await
            .unwrap()
            .into_iter()
            .map(|k| k.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        list(Scope::All, false).await,
        vec![ids[2], ids[1], ids[0]],
        "newest first"
    );
    assert_eq!(list(subtree(COUNTY), false).await, vec![ids[1], ids[0]]);

    let mut acc = k1.clone();
    acc.status = ComplaintStatus::Answered;
    acc.accepted_on = Some(date("2026-03-11"));
    acc.answer_due = Some(date("2026-04-01"));
    acc.reply = "已约谈当事人".to_string();
    acc.version = 2;
    store.save_complaint(&acc, 1).await.unwrap();
    assert_eq!(
        store.get_complaint(acc.id).await.unwrap(),
        Some(acc.clone())
    );
    assert_eq!(
        conflict_code(store.save_complaint(&acc, 1).await.unwrap_err()),
        "stale_feedback"
    );
    assert!(matches!(
        store
            .save_complaint(
                &Complaint {
                    version: 9,
                    ..acc.clone()
                },
                2
            )
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store
            .save_complaint(
                &Complaint {
                    id: -1,
                    ..acc.clone()
                },
                1
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        list(subtree(COUNTY), true).await,
        vec![ids[1]],
        "answered ones leave the open list"
    );
}
