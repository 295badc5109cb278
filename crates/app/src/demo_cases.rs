//! Demo cases: cases in every state, some near and some past their deadlines, so a new user sees
//! real queues at once. They are made through the same services as real work, on a clock set back
//! in time, so every event, deadline and hash is genuine.

use crate::cases::{self, ApplicantInput, FileRequest};
use crate::error::{Error, Result};
use crate::services::{ManualClock, Services};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use domain::case::{
    ApplicantKind, CaseNumber, Command, DeliveryMethod, MaterialStatus, PaymentMethod,
    SpecialProcedure,
};
use domain::identity::{complete_credit_code, complete_resident_id};
use std::sync::Arc;

const LOADED: &str = "demo_cases_loaded";

struct Demo {
    state: Services,
    clock: Arc<ManualClock>,
}

impl Demo {
    /// 10:00 Shanghai time on `day`.
    fn at(&self, day: NaiveDate) {
        let t = Utc.from_utc_datetime(&day.and_hms_opt(2, 0, 0).expect("valid time"));
        self.clock.set(t);
    }
    async fn user(&self, username: &str) -> Result<store::User> {
        self.state
            .store
            .find_user(username)
            .await?
            .ok_or(Error::NotFound("演示用户"))
    }
    async fn file(
        &self,
        username: &str,
        item: &str,
        who: (&str, &str, &str),
    ) -> Result<CaseNumber> {
        let u = self.user(username).await?;
        let (name, id17, phone) = who;
        let enterprise = id17.len() == 17 && id17.chars().any(|c| c.is_ascii_alphabetic());
        let id = if enterprise {
            complete_credit_code(id17)
        } else {
            complete_resident_id(id17)
        }
        .ok_or(Error::Internal("bad demo id".into()))?;
        let req = FileRequest {
            item_code: item.into(),
            applicant: ApplicantInput {
                kind: if enterprise {
                    ApplicantKind::Enterprise
                } else {
                    ApplicantKind::Person
                },
                name: name.into(),
                id_number: id,
                phone: phone.into(),
            },
            applicant_region: None,
            form: serde_json::Value::Null,
        };
        let c = cases::file_case_as(&self.state, &u, &req).await?;
        Ok(CaseNumber::parse(&c.filing.number)?)
    }
    async fn run(&self, username: &str, number: &CaseNumber, cmd: Command) -> Result<()> {
        let u = self.user(username).await?;
        let actor = cases::actor_for_user(&self.state, &u).await?;
        cases::execute(&self.state, &actor, number, &cmd, "", &[])
            .await
            .map(|_| ())
    }
    async fn receive_all(&self, clerk: &str, number: &CaseNumber) -> Result<()> {
        let c = self
            .state
            .store
            .get_case(number.as_str())
            .await?
            .ok_or(Error::NotFound("办件"))?;
        for i in 0..c.materials.len() {
            self.run(
                clerk,
                number,
                Command::MarkMaterial {
                    index: i,
                    status: MaterialStatus::Received,
                    reason: String::new(),
                },
            )
            .await?;
        }
        Ok(())
    }
    /// Completes every running review stage with the department's reviewer, one step at a time.
    async fn review_all(
        &self,
        number: &CaseNumber,
        reviewer_of: &dyn Fn(&str) -> String,
    ) -> Result<()> {
        loop {
            let c = self
                .state
                .store
                .get_case(number.as_str())
                .await?
                .ok_or(Error::NotFound("办件"))?;
            let active = c.active_stages();
            let Some(i) = active.first().copied() else {
                return Ok(());
            };
            let who = reviewer_of(&c.stages[i].department);
            self.run(
                &who,
                number,
                Command::CompleteStage {
                    index: i,
                    approved: true,
                    opinion: "材料齐全,符合条件".into(),
                },
            )
            .await?;
        }
    }
}

/// Loads the demo cases once (after `demo::load`). Returns false when they were already loaded.
pub async fn load(state: &Services) -> Result<bool> {
    if state.store.get_setting(LOADED).await?.is_some() {
        return Ok(false);
    }
    let today = state.clock.today();
    let clock = Arc::new(ManualClock::new(state.clock.now()));
    let d = Demo {
        state: Services {
            clock: clock.clone(),
            ..state.clone()
        },
        clock,
    };
    let cal = state.calendar();
    // A date `n` working days before today (so deadlines land where we want them).
    let back = |n: i64| {
        let mut day = today;
        let mut left = n;
        while left > 0 {
            day -= Duration::days(1);
            if cal.is_working_day(day) {
                left -= 1;
            }
        }
        day
    };
    const FOOD: &str = "339900-XK-002";
    const GETIHU: &str = "339900-XK-001";
    let clerk = "clerk.yunxi.scjg";
    let rev = |_: &str| "rev.yunxi.scjg".to_string();
    let head = "head.yunxi.scjg";
    let people = [
        ("周小燕", "33992119850312262", "13905781001"),
        ("吴海军", "33992119790708451", "13905781002"),
        ("云溪县绿源茶业有限公司", "91339921MA2C0LY0T", "13905781003"),
        ("陈美华", "33992119921120382", "13905781004"),
        ("郑立新", "33992119700214091", "13905781005"),
        ("孙丽娟", "33992119880505002", "13905781006"),
        ("王福根", "33992119620918201", "13905781007"),
        ("李春花", "33992119950101312", "13905781008"),
        ("云溪县山里人家餐饮店", "92339921MA2C1PL1N", "13905781009"),
        ("黄志明", "33992119830630101", "13905781010"),
    ];

    // Online draft by the demo citizen.
    d.at(today);
    d.file(
        "citizen1",
        FOOD,
        ("陈晓雨", "33990219900808124", "13905781099"),
    )
    .await?;

    // Just received at the window: waiting for pre-review.
    let n = d.file(clerk, FOOD, people[0]).await?;
    d.receive_all(clerk, &n).await.ok();

    // Received 7 working days ago, no notice: art. 32 accepts it automatically.
    d.at(back(7));
    d.file(clerk, FOOD, people[1]).await?;

    // Correction requested two days ago.
    d.at(back(2));
    let n = d.file(clerk, FOOD, people[2]).await?;
    d.run(
        clerk,
        &n,
        Command::MarkMaterial {
            index: 0,
            status: MaterialStatus::Defective,
            reason: "申请书未签字盖章".into(),
        },
    )
    .await?;
    d.run(clerk, &n, Command::RequestCorrection { defects: vec![] })
        .await?;

    // In review, accepted 9 working days ago: due tomorrow (promised 10).
    for (ago, who) in [(9, people[3]), (13, people[4]), (4, people[5])] {
        d.at(back(ago));
        let n = d.file(clerk, FOOD, who).await?;
        d.receive_all(clerk, &n).await?;
        d.run(clerk, &n, Command::Accept).await?;
    }

    // Suspended for testing.
    d.at(back(6));
    let n = d.file(clerk, FOOD, people[6]).await?;
    d.receive_all(clerk, &n).await?;
    d.run(clerk, &n, Command::Accept).await?;
    d.at(back(3));
    d.run(
        &rev(""),
        &n,
        Command::Suspend {
            procedure: SpecialProcedure::Testing,
            reason: "经营场所需进行卫生检测".into(),
            expected_days: 5,
        },
    )
    .await?;

    // Granted, awaiting delivery; and completed.
    for (i, who) in [people[7], people[8]].into_iter().enumerate() {
        d.at(back(12));
        let n = d.file(clerk, FOOD, who).await?;
        d.receive_all(clerk, &n).await?;
        d.run(clerk, &n, Command::Accept).await?;
        d.at(back(6));
        d.review_all(&n, &rev).await?;
        d.run(
            head,
            &n,
            Command::Decide {
                granted: true,
                reasons: String::new(),
                licence_no: Some(format!("JY13399210{:06}", 1200 + i)),
            },
        )
        .await?;
        if i == 1 {
            d.at(back(4));
            let c = d
                .state
                .store
                .get_case(n.as_str())
                .await?
                .ok_or(Error::NotFound("办件"))?;
            if c.fee_outstanding() > 0 {
                // The receipt number is the platform's to issue (`app::fees`).
                d.run(
                    clerk,
                    &n,
                    Command::RecordPayment {
                        amount_fen: c.fee_outstanding(),
                        method: PaymentMethod::Cash,
                        receipt_no: String::new(),
                        paper_no: None,
                    },
                )
                .await?;
            }
            d.run(
                clerk,
                &n,
                Command::Deliver {
                    method: DeliveryMethod::Window,
                    recipient: who.0.into(),
                },
            )
            .await?;
            d.run(clerk, &n, Command::Complete).await?;
        }
    }

    // Refused.
    d.at(back(5));
    let n = d.file(clerk, FOOD, people[9]).await?;
    d.run(
        clerk,
        &n,
        Command::Refuse {
            reasons: "申请经营的项目不属于食品经营许可范围".into(),
        },
    )
    .await?;

    // Immediate item handled on the spot at the township.
    d.at(back(1));
    let n = d
        .file(
            "clerk.shiqiao",
            GETIHU,
            ("石桥镇阿明小吃店", "92339921MA2C2AM2X", "13905781011"),
        )
        .await?;
    d.receive_all("clerk.shiqiao", &n).await?;
    d.run(
        "clerk.shiqiao",
        &n,
        Command::HandleImmediately {
            licence_no: Some("92339921MA2C2AM2X".into()),
        },
    )
    .await?;

    // A homestead application the 桥头村 agent filed, in the township's first review.
    d.at(back(3));
    let n = d
        .file(
            "agent.qiaotou",
            "339900-XK-010",
            ("王福根", "33992119620918201", "13905781007"),
        )
        .await?;
    d.receive_all("clerk.shiqiao", &n).await?;
    d.run("clerk.shiqiao", &n, Command::Accept).await?;

    // Township centers with finished 临时救助 cases, some on time and some late, so supervisors can
    // rank the township centers of 云溪县 at once.
    const RELIEF: &str = "339900-JF-003";
    let towns = ["chengguan", "shiqiao", "longtan", "taoyuan"];
    let applicants = [
        ("钱秀兰", "33992119560303102"),
        ("赵大勇", "33992119681111331"),
        ("孙小梅", "33992119770707442"),
    ];
    for (t_i, t) in towns.iter().enumerate() {
        let clerk = format!("clerk.{t}");
        let rev = format!("rev.{t}");
        let head = format!("head.{t}");
        for (a_i, (name, id17)) in applicants.iter().enumerate() {
            let start = 30 - a_i as i64 * 3;
            d.at(back(start));
            let n = d.file(&clerk, RELIEF, (name, id17, "13905782001")).await?;
            d.receive_all(&clerk, &n).await?;
            d.run(&clerk, &n, Command::Accept).await?;
            // Working days each center takes: 城关 quick, 桃源 slow (its promise is 10).
            let took = [4, 7, 9, 13][t_i] + a_i as i64;
            d.at(back(start - took));
            let reviewer = rev.clone();
            d.review_all(&n, &move |_| reviewer.clone()).await?;
            d.run(
                &head,
                &n,
                Command::Decide {
                    granted: true,
                    reasons: String::new(),
                    licence_no: None,
                },
            )
            .await?;
            d.run(
                &clerk,
                &n,
                Command::Deliver {
                    method: DeliveryMethod::Window,
                    recipient: name.to_string(),
                },
            )
            .await?;
            d.run(&clerk, &n, Command::Complete).await?;
        }
    }

    state
        .store
        .set_setting(LOADED, &state.clock.now().to_rfc3339())
        .await?;
    Ok(true)
}
