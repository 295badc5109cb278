//! Demo accounts: every role at every level where it makes sense, all sharing one password.

use crate::regions::{
    city_code, county_code, township_code, village_code, TownKind, CENTER_DEPTS, CITY_NAME, TREE,
};
use domain::access::Grant;
use domain::{Level, RegionCode, Role};
use store::NewUser;

/// One demo account before the store assigns ids (departments are named by code).
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Where the account belongs (list views of users are scoped by it).
    pub home: RegionCode,
    pub home_name: String,
    /// The subtree the role is granted on.
    pub grant_region: RegionCode,
    pub grant_level: Level,
    pub department: Option<&'static str>,
}

/// Departments whose window has its own clerk at city and county centers.
const CLERK_DEPTS: &[&str] = &["scjg", "zrzy", "zj"];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖",
    "田", "董", "潘", "袁", "蔡", "蒋", "余", "叶",
];
const GIVEN: &[&str] = &[
    "建国", "丽华", "志强", "秀英", "海燕", "俊杰", "晓明", "文静", "国华", "春梅", "伟", "敏",
    "磊", "洁", "勇", "艳", "军", "霞", "涛", "娟", "明辉", "静怡", "永强", "芳", "斌", "琳",
    "浩然", "婷", "鹏飞", "颖", "宇航", "雪梅", "凯", "倩", "晨曦", "红英", "志华", "燕萍", "亮",
    "秋菊",
];

fn person_name(i: usize) -> String {
    // Stepping the given name by a coprime stride spreads combinations instead of pairing in lockstep.
    format!(
        "{}{}",
        SURNAMES[i % SURNAMES.len()],
        GIVEN[(i * 7 + i / SURNAMES.len()) % GIVEN.len()]
    )
}

/// Every demo account, in a stable order.
pub(crate) fn accounts() -> Vec<Account> {
    let mut out: Vec<Account> = Vec::new();
    let mut push = |username: String,
                    role: Role,
                    home: &RegionCode,
                    home_name: &str,
                    level: Level,
                    department: Option<&'static str>| {
        let display_name = person_name(out.len());
        out.push(Account {
            username,
            display_name,
            role,
            home: home.clone(),
            home_name: home_name.into(),
            grant_region: home.clone(),
            grant_level: level,
            department,
        });
    };
    let city = city_code();
    // City and counties share one staffing pattern: a general clerk, clerks of the busiest windows,
    // and a reviewer and a head in every department.
    let mut centers: Vec<(String, RegionCode, &str, Level)> =
        vec![("city".into(), city.clone(), CITY_NAME, Level::City)];
    for c in TREE {
        centers.push((c.pinyin.into(), county_code(c), c.name, Level::County));
    }
    push(
        "admin".into(),
        Role::Administrator,
        &city,
        CITY_NAME,
        Level::City,
        None,
    );
    for (key, code, name, level) in &centers {
        push(
            format!("sup.{key}"),
            Role::Supervisor,
            code,
            name,
            *level,
            None,
        );
        push(
            format!("mgr.{key}"),
            Role::CenterManager,
            code,
            name,
            *level,
            None,
        );
        push(
            format!("clerk.{key}"),
            Role::WindowClerk,
            code,
            name,
            *level,
            None,
        );
        for d in CLERK_DEPTS {
            push(
                format!("clerk.{key}.{d}"),
                Role::WindowClerk,
                code,
                name,
                *level,
                Some(d),
            );
        }
        for (d, _) in CENTER_DEPTS {
            push(
                format!("rev.{key}.{d}"),
                Role::Reviewer,
                code,
                name,
                *level,
                Some(d),
            );
            push(
                format!("head.{key}.{d}"),
                Role::DepartmentHead,
                code,
                name,
                *level,
                Some(d),
            );
        }
    }
    for c in TREE {
        for t in c.townships {
            let tc = township_code(c, t);
            let p = t.pinyin;
            let lvl = Level::Township;
            push(format!("sup.{p}"), Role::Supervisor, &tc, t.name, lvl, None);
            push(
                format!("mgr.{p}"),
                Role::CenterManager,
                &tc,
                t.name,
                lvl,
                None,
            );
            push(
                format!("clerk.{p}"),
                Role::WindowClerk,
                &tc,
                t.name,
                lvl,
                Some("zh"),
            );
            // The township's first review (初审) of social assistance is the 社会事务办's.
            push(
                format!("rev.{p}"),
                Role::Reviewer,
                &tc,
                t.name,
                lvl,
                Some("mz"),
            );
            push(
                format!("head.{p}"),
                Role::DepartmentHead,
                &tc,
                t.name,
                lvl,
                Some("mz"),
            );
            if t.kind != TownKind::Street {
                push(
                    format!("rev.{p}.zrzy"),
                    Role::Reviewer,
                    &tc,
                    t.name,
                    lvl,
                    Some("zrzy"),
                );
                // Rural townships review homestead applications (宅基地) first, under 农业农村.
                push(
                    format!("rev.{p}.nync"),
                    Role::Reviewer,
                    &tc,
                    t.name,
                    lvl,
                    Some("nync"),
                );
            }
            for (vn, vp, vs) in t.villages {
                push(
                    format!("agent.{vp}"),
                    Role::VillageAgent,
                    &village_code(c, t, vs),
                    vn,
                    Level::Village,
                    None,
                );
            }
        }
    }
    // Applicants may file anywhere in the city; their home is where they live.
    let yunxi = &TREE[1];
    let shiqiao = &yunxi.townships[1];
    let applicants = [
        ("citizen1", "陈晓雨", county_code(&TREE[0]), TREE[0].name),
        (
            "enterprise1",
            "云溪县绿源茶业有限公司",
            county_code(yunxi),
            yunxi.name,
        ),
        (
            "villager1",
            "王福根",
            village_code(yunxi, shiqiao, shiqiao.villages[0].2),
            shiqiao.villages[0].0,
        ),
    ];
    for (username, display, home, home_name) in applicants {
        out.push(Account {
            username: username.into(),
            display_name: display.into(),
            role: Role::Applicant,
            home,
            home_name: home_name.into(),
            grant_region: city.clone(),
            grant_level: Level::City,
            department: None,
        });
    }
    // Last, so the names drawn for everyone before stay as they were.
    out.push(Account {
        username: "audit.city".into(),
        display_name: "周佳宁".into(),
        role: Role::Auditor,
        home: city.clone(),
        home_name: CITY_NAME.into(),
        grant_region: city.clone(),
        grant_level: Level::City,
        department: None,
    });
    out.push(Account {
        username: "sec.city".into(),
        display_name: "林若溪".into(),
        role: Role::SecurityAdministrator,
        home: city.clone(),
        home_name: CITY_NAME.into(),
        grant_region: city.clone(),
        grant_level: Level::City,
        department: None,
    });
    // The heads of the people's governments in charge (分管负责人), who approve joint items'
    // extensions (art. 42 para. 2); after everyone, for the same reason.
    let govs = std::iter::once(("city".to_string(), city, CITY_NAME, Level::City)).chain(
        TREE.iter()
            .map(|c| (c.pinyin.to_string(), county_code(c), c.name, Level::County)),
    );
    for (key, code, name, level) in govs {
        let display_name = person_name(out.len());
        out.push(Account {
            username: format!("gov.{key}"),
            display_name,
            role: Role::GovernmentHead,
            home: code.clone(),
            home_name: name.into(),
            grant_region: code,
            grant_level: level,
            department: None,
        });
    }
    out
}

/// The ID number each demo applicant account registered with (an online filing's applicant must
/// be the account holder): the people and the enterprise the demo cases name.
pub fn applicant_id_number(username: &str) -> Option<String> {
    use domain::identity::{complete_credit_code, complete_resident_id};
    match username {
        "citizen1" => complete_resident_id("33990219900808124"),
        "villager1" => complete_resident_id("33992119620918201"),
        "enterprise1" => complete_credit_code("91339921MA2C0TP7K"),
        _ => None,
    }
}

/// The accounts as the store takes them. `dept_id` maps (region, department code) to the store id.
pub fn users(
    password_hash: &str,
    dept_id: &dyn Fn(&RegionCode, &str) -> Option<i64>,
) -> Vec<NewUser> {
    accounts()
        .into_iter()
        .enumerate()
        .map(|(i, a)| NewUser {
            phone: format!("1395990{:04}", i + 1),
            grants: vec![Grant {
                role: a.role,
                region_code: a.grant_region.clone(),
                region_level: a.grant_level,
                department_id: a.department.and_then(|d| dept_id(&a.grant_region, d)),
            }],
            id_number: applicant_id_number(&a.username),
            username: a.username,
            display_name: a.display_name,
            home_region: a.home,
            password_hash: password_hash.into(),
        })
        .collect()
}
