use super::*;
use crate::calendar::{CalendarDay, DayKind, WorkingCalendar};
use crate::region::RegionCode;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}
fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap()
}
/// 2026 清明: 4-4..4-6 off (Sat–Mon).
fn cal() -> WorkingCalendar {
    WorkingCalendar::new(
        ["2026-04-04", "2026-04-05", "2026-04-06"].map(|x| CalendarDay {
            date: d(x),
            kind: DayKind::Holiday,
            name: "清明节".into(),
        }),
    )
}
fn unit() -> RegionCode {
    RegionCode::parse("339921102000").unwrap()
}
fn rating(level: RatingLevel) -> Rating {
    Rating {
        id: 7,
        case_number: "N1".into(),
        channel: RatingChannel::Online,
        level,
        comment: String::new(),
        rated_at: at(),
        unit: unit(),
        department: "scjg".into(),
    }
}

#[test]
fn levels_scores_and_codes() {
    assert_eq!(RatingLevel::VerySatisfied.gb_code(), 1);
    assert_eq!(RatingLevel::VeryDissatisfied.gb_code(), 5);
    assert_eq!(RatingLevel::VerySatisfied.score(), 5);
    assert_eq!(RatingLevel::VeryDissatisfied.score(), 1);
    for l in RatingLevel::ALL {
        assert_eq!(RatingLevel::from_score(l.score()), Some(l));
        assert_eq!(RatingLevel::parse(l.as_str()), Some(l));
        assert_eq!(RatingLevel::parse(l.label()), Some(l));
    }
    assert_eq!(RatingLevel::from_score(0), None);
    assert_eq!(RatingLevel::from_score(6), None);
    let bad: Vec<_> = RatingLevel::ALL
        .into_iter()
        .filter(|l| l.opens_follow_up())
        .collect();
    assert_eq!(
        bad,
        [RatingLevel::Dissatisfied, RatingLevel::VeryDissatisfied]
    );
    for c in RatingChannel::ALL {
        assert_eq!(RatingChannel::parse(c.as_str()), Some(c));
    }
}

#[test]
fn follow_up_only_for_the_two_lowest_with_working_day_deadline() {
    assert!(open_follow_up(&rating(RatingLevel::Basic), d("2026-03-30"), 5, &cal()).is_none());
    // Monday 3-30 + 5 working days, skipping 清明 (4-4..4-6): 3-31, 4-1, 4-2, 4-3, 4-7.
    let f = open_follow_up(
        &rating(RatingLevel::Dissatisfied),
        d("2026-03-30"),
        5,
        &cal(),
    )
    .unwrap();
    assert_eq!(f.due, d("2026-04-07"));
    assert_eq!(f.status, FollowUpStatus::Open);
    assert_eq!(f.rating_id, 7);
    let f8 = open_follow_up(
        &rating(RatingLevel::VeryDissatisfied),
        d("2026-03-30"),
        8,
        &cal(),
    )
    .unwrap();
    assert_eq!(f8.due, d("2026-04-10"), "administrators' length is used");
}

#[test]
fn follow_up_steps_in_order_then_appeal_once() {
    let c = cal();
    let today = d("2026-03-30");
    let f = open_follow_up(&rating(RatingLevel::Dissatisfied), today, 5, &c).unwrap();
    let t = |s: &str| s.to_string();
    // Out of order is refused with the state named.
    let e = f
        .apply(
            &FollowUpAction::Rectify { text: t("x") },
            "u",
            at(),
            today,
            &c,
        )
        .unwrap_err();
    assert!(matches!(e, FeedbackError::WrongState { .. }), "{e}");
    assert_eq!(
        f.apply(
            &FollowUpAction::Contact { text: t(" ") },
            "u",
            at(),
            today,
            &c
        ),
        Err(FeedbackError::Required("办理情况"))
    );
    let steps = [
        FollowUpAction::Contact {
            text: t("电话联系"),
        },
        FollowUpAction::Verify { text: t("属实") },
        FollowUpAction::Rectify {
            text: t("已培训")
        },
        FollowUpAction::ReportBack {
            text: t("已向申请人反馈"),
        },
    ];
    let mut cur = f.clone();
    for s in &steps {
        cur = cur.apply(s, "u", at(), today, &c).unwrap();
    }
    assert_eq!(cur.status, FollowUpStatus::Closed);
    assert_eq!(cur.report, "已向申请人反馈");
    assert_eq!(cur.version, 5);
    assert_eq!(cur.history.len(), 5);
    // Closed is not overdue however late.
    assert_eq!(cur.overdue_days(d("2026-05-01"), &c), None);
    let appealed = cur
        .apply(
            &FollowUpAction::Appeal {
                text: t("没有整改"),
            },
            "申请人",
            at(),
            today,
            &c,
        )
        .unwrap();
    assert_eq!(appealed.status, FollowUpStatus::Appealed);
    // Reopened with a fresh period of the same length (5 working days).
    let later = d("2026-04-13");
    let reopened = appealed
        .apply(
            &FollowUpAction::ReviewAppeal {
                upheld: false,
                text: t("重新整改"),
            },
            "监察",
            at(),
            later,
            &c,
        )
        .unwrap();
    assert_eq!(reopened.status, FollowUpStatus::Open);
    assert_eq!(reopened.due, d("2026-04-20"));
    assert!(reopened.report.is_empty());
    let mut again = reopened;
    for s in &steps {
        again = again.apply(s, "u", at(), later, &c).unwrap();
    }
    assert_eq!(
        again.apply(
            &FollowUpAction::Appeal {
                text: t("再申诉")
            },
            "申请人",
            at(),
            later,
            &c
        ),
        Err(FeedbackError::AlreadyAppealed)
    );
    // Upheld closes it.
    let upheld = appealed
        .apply(
            &FollowUpAction::ReviewAppeal {
                upheld: true,
                text: t("维持"),
            },
            "监察",
            at(),
            later,
            &c,
        )
        .unwrap();
    assert_eq!(upheld.status, FollowUpStatus::Closed);
}

#[test]
fn follow_up_overdue_counts_working_days() {
    let c = cal();
    let f = open_follow_up(&rating(RatingLevel::Dissatisfied), d("2026-03-30"), 5, &c).unwrap();
    assert_eq!(
        f.overdue_days(d("2026-04-07"), &c),
        None,
        "due day is on time"
    );
    assert_eq!(f.overdue_days(d("2026-04-08"), &c), Some(1));
}

fn input(kind: ComplaintKind, who: Option<Complainant>) -> ComplaintInput {
    ComplaintInput {
        kind,
        subject: ComplaintSubject::Window,
        subject_ref: "3号窗口".into(),
        case_number: None,
        unit: unit(),
        department: None,
        body: "窗口人员态度差".into(),
        complainant: who,
    }
}
fn named() -> Option<Complainant> {
    Some(Complainant {
        name: "周小燕".into(),
        phone: "13905781001".into(),
    })
}

#[test]
fn anonymity_only_for_reports() {
    let c = cal();
    let day = d("2026-03-02");
    let code = || "ABCDEFGH23".to_string();
    assert!(file_complaint(
        input(ComplaintKind::Report, None),
        code(),
        15,
        at(),
        day,
        &c
    )
    .unwrap()
    .complainant
    .is_none());
    for k in [ComplaintKind::Complaint, ComplaintKind::Petition] {
        assert_eq!(
            file_complaint(input(k, None), code(), 15, at(), day, &c),
            Err(FeedbackError::NameRequired)
        );
    }
    let bad_phone = Some(Complainant {
        name: "周".into(),
        phone: "123".into(),
    });
    assert_eq!(
        file_complaint(
            input(ComplaintKind::Complaint, bad_phone),
            code(),
            15,
            at(),
            day,
            &c
        ),
        Err(FeedbackError::BadPhone)
    );
    let mut empty = input(ComplaintKind::Complaint, named());
    empty.body = "  ".into();
    assert_eq!(
        file_complaint(empty, code(), 15, at(), day, &c),
        Err(FeedbackError::Required("反映内容"))
    );
}

#[test]
fn complaint_accept_answer_and_deadlines() {
    let c = cal();
    let filed = d("2026-03-30");
    let k = file_complaint(
        input(ComplaintKind::Complaint, named()),
        "X".into(),
        15,
        at(),
        filed,
        &c,
    )
    .unwrap();
    // 5 working days across 清明.
    assert_eq!(k.accept_due, d("2026-04-07"));
    let dl = k.deadline(d("2026-04-07"), &c).unwrap();
    assert_eq!(dl.kind, ComplaintDeadlineKind::Accept);
    assert!(!dl.is_overdue());
    let late = k.deadline(d("2026-04-09"), &c).unwrap();
    assert_eq!(late.days_late, 2);
    assert!(matches!(
        k.apply(
            &ComplaintAction::Answer { text: "x".into() },
            "u",
            at(),
            filed,
            &c
        ),
        Err(FeedbackError::WrongState { .. })
    ));
    assert_eq!(
        k.apply(
            &ComplaintAction::Decline { reason: "".into() },
            "u",
            at(),
            filed,
            &c
        ),
        Err(FeedbackError::Required("不予受理理由"))
    );
    let acc = k
        .apply(
            &ComplaintAction::Accept {
                text: String::new(),
            },
            "u",
            at(),
            d("2026-04-01"),
            &c,
        )
        .unwrap();
    assert_eq!(acc.status, ComplaintStatus::Accepted);
    // 4-1 + 15 working days: 4-2, 4-3, 4-7..4-10 (4), 4-13..4-17 (5), 4-20..4-23 (4) = 15 → 4-23.
    assert_eq!(acc.answer_due, Some(d("2026-04-23")));
    let dl = acc.deadline(d("2026-04-24"), &c).unwrap();
    assert_eq!(dl.kind, ComplaintDeadlineKind::Answer);
    assert_eq!(dl.days_late, 1);
    let ans = acc
        .apply(
            &ComplaintAction::Answer {
                text: "已约谈".into(),
            },
            "u",
            at(),
            d("2026-04-24"),
            &c,
        )
        .unwrap();
    assert_eq!(ans.status, ComplaintStatus::Answered);
    assert_eq!(ans.reply, "已约谈");
    assert_eq!(
        ans.deadline(d("2026-06-01"), &c),
        None,
        "answered: nothing runs"
    );
    assert_eq!(ans.version, 3);
    let dec = k
        .apply(
            &ComplaintAction::Decline {
                reason: "不属于本单位职责".into(),
            },
            "u",
            at(),
            filed,
            &c,
        )
        .unwrap();
    assert_eq!(dec.status, ComplaintStatus::Declined);
    assert_eq!(dec.reply, "不属于本单位职责");
}

#[test]
fn overdue_list_is_sorted_and_excludes_on_time() {
    let c = cal();
    let mk = |id: i64, filed: &str| {
        let mut k = file_complaint(
            input(ComplaintKind::Report, None),
            format!("C{id}"),
            15,
            at(),
            d(filed),
            &c,
        )
        .unwrap();
        k.id = id;
        k
    };
    let ks = vec![
        mk(1, "2026-03-02"),
        mk(2, "2026-03-09"),
        mk(3, "2026-03-16"),
    ];
    // Due: 3-9, 3-16, 3-23. On 3-17: #1 is 6 days late, #2 one day, #3 on time.
    let over = overdue_complaints(&ks, d("2026-03-17"), &c);
    let ids: Vec<i64> = over.iter().map(|(k, _)| k.id).collect();
    assert_eq!(ids, [1, 2]);
    assert_eq!(over[0].1.days_late, 6);
}

#[test]
fn codes() {
    let code = follow_code(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 255]);
    assert_eq!(code.len(), CODE_LEN);
    assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)));
    assert_eq!(normalize_code(" ab-cd 23 "), "ABCD23");
}

/// No center investigates its own people: a complaint about a person or a window goes to the
/// level above; one about a case or a department stays with the responsible unit.
#[test]
fn complaints_about_staff_go_to_the_level_above() {
    let township = RegionCode::parse("339921102000").unwrap();
    let county = RegionCode::parse("339921000000").unwrap();
    let city = RegionCode::parse("339900000000").unwrap();
    for s in [ComplaintSubject::Person, ComplaintSubject::Window] {
        assert_eq!(handling_unit(s, &township), county);
        assert_eq!(handling_unit(s, &county), city);
        assert_eq!(handling_unit(s, &city), city, "the city has none above");
    }
    for s in [ComplaintSubject::Case, ComplaintSubject::Department] {
        assert_eq!(handling_unit(s, &township), township);
    }
}
