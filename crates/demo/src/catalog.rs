//! About forty catalog items of the kind a city and its counties actually publish (§2), with every
//! item type, handling kind and level present, and a few items with version history.

use crate::regions::{city_code, county_code, CENTER_DEPTS, CITY_NAME, TREE};
use domain::catalog::{
    CatalogItem, Fee, ItemKind, ItemStatus, ItemType, Material, MaterialForm, OnlineLevel,
    ServiceObject, Stage,
};
use domain::Level::{self, City, County, Township, Village};
use ItemKind::{Forwarded, Immediate, Joint, Promised};
use ItemType::{Confirmation, Levy, Licensing, OtherPower, Payment, PublicService, Reward, Ruling};

pub const ITEM_GETIHU: &str = "339900-XK-001";
pub const ITEM_FOOD_LICENSE: &str = "339900-XK-002";
pub const ITEM_DIBAO: &str = "339900-JF-001";
pub const ITEM_ZHAIJIDI: &str = "339900-XK-010";
pub const ITEM_CONSTRUCTION_PERMIT: &str = "339900-XK-020";

const ORIG: MaterialForm = MaterialForm::Original;
const COPY: MaterialForm = MaterialForm::Copy;
const BOTH: MaterialForm = MaterialForm::OriginalAndCopy;
const ELEC: MaterialForm = MaterialForm::Electronic;

const PERSON: ServiceObject = ServiceObject::Person;
const ENTERPRISE: ServiceObject = ServiceObject::Enterprise;
const INSTITUTION: ServiceObject = ServiceObject::Institution;
const SOCIAL_ORG: ServiceObject = ServiceObject::SocialOrg;
const OTHER_ORG: ServiceObject = ServiceObject::Other;

const ID_CARD: &str = "申请人居民身份证";
const PROXY_LETTER: &str = "授权委托书及受托人身份证";
const PROXY_WHEN: &str = "委托他人或村(社区)代办员代为办理的";
const HOURS: &str = "周一至周五 上午8:30-12:00 下午14:00-17:30(法定节假日除外)";

fn m(name: &str, form: MaterialForm, count: u32) -> Material {
    Material {
        name: name.into(),
        form,
        count,
        mandatory: true,
        condition: String::new(),
        issuer: String::new(),
        template: String::new(),
        note: String::new(),
        agent_authorization: false,
    }
}

/// A material required only in the situation `condition` describes.
fn cond(name: &str, form: MaterialForm, count: u32, condition: &str) -> Material {
    Material {
        mandatory: false,
        condition: condition.into(),
        ..m(name, form, count)
    }
}

trait MaterialExt {
    fn authorizes_agent(self) -> Self;
    fn by(self, issuer: &str) -> Self;
    fn tpl(self, file: &str) -> Self;
    fn note(self, note: &str) -> Self;
}

impl MaterialExt for Material {
    fn authorizes_agent(mut self) -> Self {
        self.agent_authorization = true;
        self
    }
    fn by(mut self, issuer: &str) -> Self {
        self.issuer = issuer.into();
        self
    }
    fn tpl(mut self, file: &str) -> Self {
        self.template = file.into();
        self
    }
    fn note(mut self, note: &str) -> Self {
        self.note = note.into();
        self
    }
}

fn id_card() -> Material {
    m(ID_CARD, BOTH, 1).by("公安机关").note("原件核验后退回")
}
fn proxy() -> Material {
    cond(PROXY_LETTER, ORIG, 1, PROXY_WHEN).authorizes_agent()
}

fn st(name: &str, dept: &str, days: u32) -> Stage {
    Stage {
        name: name.into(),
        department: dept.into(),
        limit_days: days,
        parallel_group: None,
    }
}
fn par(name: &str, dept: &str, days: u32, group: u32) -> Stage {
    Stage {
        parallel_group: Some(group),
        ..st(name, dept, days)
    }
}
fn fee(name: &str, fen: i64, basis: &str) -> Fee {
    Fee {
        name: name.into(),
        amount_fen: fen,
        basis: basis.into(),
    }
}
fn themes(t: &[&str]) -> Vec<String> {
    t.iter().map(|s| s.to_string()).collect()
}

/// The defaults every item shares; `finish` fills the fields derived from department and levels.
#[allow(clippy::too_many_arguments)]
fn item(
    code: &str,
    name: &str,
    item_type: ItemType,
    kind: ItemKind,
    dept: &str,
    accept: &[Level],
    decide: Level,
    statutory: u32,
    promised: u32,
) -> CatalogItem {
    CatalogItem {
        code: code.into(),
        version: 1,
        status: ItemStatus::Published,
        implementation_code: String::new(),
        name: name.into(),
        item_type,
        kind,
        region_code: city_code(),
        department: dept.into(),
        accept_levels: accept.to_vec(),
        decide_level: decide,
        legal_basis: String::new(),
        conditions: String::new(),
        materials: Vec::new(),
        stages: Vec::new(),
        statutory_limit_days: statutory,
        promised_limit_days: promised,
        fees: Vec::new(),
        place: String::new(),
        hours: HOURS.into(),
        responsible_unit: String::new(),
        responsible_person: String::new(),
        consult_phone: String::new(),
        complaint_phone: "12345".into(),
        online: OnlineLevel::WindowOnly,
        visits: 1,
        service_objects: vec![PERSON],
        themes: Vec::new(),
        proxy_allowed: false,
        result_name: String::new(),
        faq: String::new(),
    }
}

fn dept_suffix(dept: &str, level: Level) -> &'static str {
    match (level, dept) {
        (Level::Township, "mz") => "社会事务办公室",
        (Level::Township, "rs") => "人力资源和社会保障服务所",
        (Level::Township, "nync") => "农业农村办公室",
        (Level::Township, "scjg") => "市场监督管理所",
        (Level::Township, "zrzy") => "自然资源所",
        (Level::Township, "sf") => "司法所",
        (Level::Township, _) => "党政综合办公室",
        (Level::Village, "sf") => "人民调解委员会",
        (Level::Village, _) => "村(居)民委员会",
        _ => CENTER_DEPTS
            .iter()
            .find(|(c, _)| *c == dept)
            .map(|(_, s)| *s)
            .unwrap_or("人民政府"),
    }
}

fn window_of(dept: &str) -> &'static str {
    match dept {
        "scjg" => "市场监管窗口",
        "zrzy" | "zj" | "xf" => "工程建设窗口",
        "mz" | "sf" => "社会事务窗口",
        "rs" => "人力社保窗口",
        "yb" => "医保窗口",
        "ga" => "公安户籍窗口",
        "wj" => "卫生健康窗口",
        "jy" => "教育窗口",
        "nync" => "农业农村窗口",
        _ => "综合受理窗口",
    }
}

const PEOPLE: &[&str] = &[
    "陈立新",
    "王海涛",
    "李晓燕",
    "张志刚",
    "刘美华",
    "周建军",
    "吴丽萍",
    "徐国强",
    "孙文斌",
    "朱红梅",
    "胡永明",
    "郑小兰",
    "何家伟",
    "林秀珍",
    "罗振华",
    "梁春燕",
];

/// Fills what follows from the item's department, levels and owner, so the list above stays short.
fn finish(mut items: Vec<CatalogItem>) -> Vec<CatalogItem> {
    for (i, it) in items.iter_mut().enumerate() {
        let owner_county = TREE.iter().find(|c| county_code(c) == it.region_code);
        let dept_idx = CENTER_DEPTS
            .iter()
            .position(|(c, _)| *c == it.department)
            .unwrap_or(CENTER_DEPTS.len());
        if it.responsible_unit.is_empty() {
            let suffix = dept_suffix(&it.department, it.decide_level);
            it.responsible_unit = match (it.decide_level, owner_county) {
                (City, _) => match it.department.as_str() {
                    "wj" => format!("{CITY_NAME}卫生健康委员会"),
                    _ => format!("{CITY_NAME}{suffix}"),
                },
                (County, Some(c)) => format!("{}{suffix}", c.name),
                (County, None) => format!("各县(市、区){suffix}"),
                (Township, _) => format!("各乡镇(街道){suffix}"),
                (Village, _) => format!("各村(社区){suffix}"),
            };
        }
        if it.place.is_empty() {
            let window = window_of(&it.department);
            let county = owner_county.map(|c| c.name).unwrap_or("各县(市、区)");
            let parts: Vec<String> = it
                .accept_levels
                .iter()
                .map(|l| match l {
                    City => format!("{CITY_NAME}行政服务中心(市民中心A座){window}"),
                    County => format!("{county}行政服务中心{window}"),
                    Township => "各乡镇(街道)便民服务中心综合受理窗口".to_string(),
                    Village => "各村(社区)便民服务室(代办)".to_string(),
                })
                .collect();
            it.place = parts.join(";");
        }
        if it.responsible_person.is_empty() {
            it.responsible_person = format!("{}(审批服务科)", PEOPLE[i % PEOPLE.len()]);
        }
        if it.consult_phone.is_empty() {
            let county_digit =
                owner_county.map(|c| TREE.iter().position(|x| x.name == c.name).unwrap_or(0) + 2);
            it.consult_phone = format!(
                "0599-8{}01{:02}{}8",
                county_digit.unwrap_or(7),
                dept_idx + 10,
                i % 10
            );
        }
        if it.implementation_code.is_empty() {
            // 统一社会信用代码 of the unit (11 + region + org code + check) + type + sequence + level.
            let seq: String = it
                .code
                .chars()
                .rev()
                .take(3)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            it.implementation_code = format!(
                "11{}MB{:07}X{}{}000{}0001",
                &it.region_code.as_str()[..6],
                1_000_000 + dept_idx * 1013,
                it.item_type.national_code(),
                seq,
                it.decide_level.national_code()
            );
        }
    }
    items
}

/// Every version of every item, ordered by code then version (older superseded versions and one
/// pending draft included, so versioning is visible).
pub fn catalog() -> Vec<CatalogItem> {
    let mut items = finish(published_items());
    let mut extra = Vec::new();
    for it in &items {
        match it.code.as_str() {
            ITEM_GETIHU => extra.push(getihu_draft_v2(it)),
            ITEM_FOOD_LICENSE => extra.push(food_v1(it)),
            ITEM_DIBAO => extra.push(dibao_v1(it)),
            "339900-QR-030" => extra.push(budongchan_v1(it)),
            _ => {}
        }
    }
    items.extend(extra);
    items.sort_by(|a, b| (a.code.as_str(), a.version).cmp(&(b.code.as_str(), b.version)));
    items
}

/// 个体工商户 v2 in preparation: the premises proof becomes a self-declaration (住所申报承诺制).
fn getihu_draft_v2(v1: &CatalogItem) -> CatalogItem {
    let mut v2 = CatalogItem {
        version: 2,
        status: ItemStatus::Draft,
        ..v1.clone()
    };
    v2.materials
        .retain(|m| !m.name.starts_with("经营场所使用证明"));
    v2.materials.insert(
        2,
        m("住所(经营场所)申报承诺书", ORIG, 1).tpl("住所申报承诺书.docx"),
    );
    v2.legal_basis
        .push_str(";《青川市市场主体住所(经营场所)申报承诺制实施办法》");
    v2
}

/// 食品经营许可 as first published, before the promised limit was cut from 15 to 10 days.
fn food_v1(v2: &CatalogItem) -> CatalogItem {
    CatalogItem {
        version: 1,
        status: ItemStatus::Superseded,
        promised_limit_days: 15,
        stages: vec![
            st("受理", "scjg", 2),
            st("材料审查", "scjg", 4),
            st("现场核查", "scjg", 5),
            st("审核决定", "scjg", 3),
            st("制证", "scjg", 1),
        ],
        online: OnlineLevel::WindowOnly,
        visits: 2,
        legal_basis: "《中华人民共和国食品安全法》第三十五条;《食品经营许可管理办法》(原国家食品药品监督管理总局令第17号)".into(),
        ..v2.clone()
    }
}

/// 最低生活保障 before the 2021 审核确认办法 shortened the county stage.
fn dibao_v1(v2: &CatalogItem) -> CatalogItem {
    CatalogItem {
        version: 1,
        status: ItemStatus::Superseded,
        promised_limit_days: 30,
        stages: vec![
            st("乡镇(街道)受理", "mz", 1),
            st("入户调查与民主评议", "mz", 10),
            st("乡镇(街道)初审", "mz", 5),
            st("县级民政部门审核确认", "mz", 14),
        ],
        legal_basis: "《社会救助暂行办法》第九条至第十三条;《最低生活保障审核审批办法(试行)》(民发〔2012〕220号)".into(),
        ..v2.clone()
    }
}

/// 不动产登记 before the promised limit fell to 5 working days (一窗受理、集成服务).
fn budongchan_v1(v2: &CatalogItem) -> CatalogItem {
    CatalogItem {
        version: 1,
        status: ItemStatus::Superseded,
        promised_limit_days: 10,
        stages: vec![
            st("受理", "zrzy", 1),
            st("审核", "zrzy", 6),
            st("登簿", "zrzy", 2),
            st("缮证发证", "zrzy", 1),
        ],
        ..v2.clone()
    }
}

const JUDICIAL_REMEDY: &str =
    "对决定不服的,可自收到决定之日起六十日内依法申请行政复议,或者六个月内依法提起行政诉讼。";

fn published_items() -> Vec<CatalogItem> {
    vec![
        // ---------------------------------------------------------------- 开办企业 / 市场监管
        CatalogItem {
            legal_basis: "《市场主体登记管理条例》第三条、第十九条;《促进个体工商户发展条例》".into(),
            conditions: "有经营能力的自然人;经营场所符合规定;名称符合《企业名称登记管理规定》;经营范围不属于法律法规禁止的项目;申请材料齐全、符合法定形式的当场登记".into(),
            materials: vec![
                m("个体工商户登记(备案)申请书", ORIG, 1).tpl("个体工商户登记申请书.docx"),
                m("经营者居民身份证", BOTH, 1).by("公安机关"),
                m("经营场所使用证明(房产证明或租赁合同)", COPY, 1),
                cond("前置审批文件或许可证", COPY, 1, "经营范围涉及前置许可项目的"),
                proxy(),
            ],
            stages: vec![st("受理审核即办", "scjg", 0)],
            online: OnlineLevel::FullOnline,
            visits: 0,
            themes: themes(&["开办企业", "就业"]),
            proxy_allowed: true,
            result_name: "营业执照(含电子营业执照)".into(),
            faq: "问:可以在乡镇便民服务中心办理吗?答:可以,乡镇(街道)便民服务中心市场监管窗口当场核发营业执照。".into(),
            ..item(ITEM_GETIHU, "个体工商户设立登记", Licensing, Immediate, "scjg", &[Township, County], County, 3, 0)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国食品安全法》第三十五条;《中华人民共和国行政许可法》第四十二条;《食品经营许可和备案管理办法》(国家市场监督管理总局令第78号)".into(),
            conditions: "具有与经营的食品品种、数量相适应的食品贮存、经营场所;具有相应的设备设施、食品安全管理人员和规章制度;设备布局和工艺流程合理".into(),
            materials: vec![
                m("食品经营许可申请书", ORIG, 1).by("申请人").tpl("食品经营许可申请书.docx"),
                m("营业执照或其他主体资格证明文件", COPY, 1),
                m("与食品经营相适应的主要设备设施布局、操作流程等文件", ORIG, 1),
                m("食品安全自查、从业人员健康管理、进货查验记录等食品安全管理制度", ORIG, 1),
                cond("专间、专区等设施设置说明", ORIG, 1, "从事冷食类、生食类食品制售的"),
                proxy(),
            ],
            stages: vec![
                st("受理", "scjg", 1),
                st("材料审查", "scjg", 2),
                st("现场核查", "scjg", 4),
                st("审核决定", "scjg", 2),
                st("制证", "scjg", 1),
            ],
            version: 2,
            online: OnlineLevel::OnlinePrereview,
            service_objects: vec![PERSON, ENTERPRISE],
            themes: themes(&["开办企业"]),
            result_name: "食品经营许可证".into(),
            faq: "问:仅销售预包装食品需要许可吗?答:仅销售预包装食品的,向县级市场监管部门备案即可,无需许可。".into(),
            ..item(ITEM_FOOD_LICENSE, "食品经营许可", Licensing, Promised, "scjg", &[County], County, 20, 10)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国公司法》第二十九条;《市场主体登记管理条例》第十九条".into(),
            conditions: "股东符合法定人数;有符合公司章程规定的出资;有公司名称、住所和组织机构;申请材料齐全、符合法定形式".into(),
            materials: vec![
                m("公司登记(备案)申请书", ORIG, 1).tpl("公司登记申请书.docx"),
                m("公司章程", ORIG, 1),
                m("股东主体资格证明或自然人身份证明", COPY, 1),
                m("法定代表人、董事、监事和经理的任职文件", ORIG, 1),
                m("住所使用证明", COPY, 1),
                cond("前置审批文件", COPY, 1, "经营范围涉及前置许可项目的"),
            ],
            stages: vec![st("受理审核", "scjg", 1)],
            online: OnlineLevel::FullOnline,
            visits: 0,
            service_objects: vec![PERSON, ENTERPRISE],
            themes: themes(&["开办企业"]),
            result_name: "营业执照".into(),
            ..item("339900-XK-003", "企业设立登记", Licensing, Promised, "scjg", &[City], City, 3, 1)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国药品管理法》第五十一条、第五十二条;《药品经营和使用质量监督管理办法》(国家市场监督管理总局令第84号)".into(),
            conditions: "有依法经过资格认定的药师或者其他药学技术人员;有与所经营药品相适应的营业场所、设备、仓储设施和卫生环境;有保证药品质量的规章制度".into(),
            materials: vec![
                m("药品经营许可证申请表", ORIG, 1).tpl("药品经营许可证申请表.docx"),
                m("营业执照", COPY, 1),
                m("执业药师注册证及身份证明", COPY, 1),
                m("营业场所、仓库平面布置图及房屋产权或使用证明", COPY, 1),
                m("药品质量管理制度文件", ORIG, 1),
            ],
            stages: vec![
                st("受理", "scjg", 1),
                st("材料审查", "scjg", 3),
                st("现场检查", "scjg", 8),
                st("审核决定", "scjg", 2),
                st("制证", "scjg", 1),
            ],
            online: OnlineLevel::OnlinePrereview,
            service_objects: vec![ENTERPRISE],
            themes: themes(&["开办企业", "医疗"]),
            result_name: "药品经营许可证".into(),
            ..item("339900-XK-004", "药品零售企业经营许可", Licensing, Promised, "scjg", &[County], County, 20, 15)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国食品安全法》第一百一十五条;《市场监督管理领域重大违法行为举报奖励暂行办法》(国市监稽规〔2021〕4号)".into(),
            conditions: "举报情况经查证属实;举报人为实名举报并提供了有效联系方式;举报的违法行为此前未被市场监管部门掌握".into(),
            materials: vec![
                m("举报奖励申请表", ORIG, 1).tpl("举报奖励申请表.docx"),
                id_card(),
                m("本人银行账户信息", COPY, 1),
                proxy(),
            ],
            stages: vec![st("受理核实", "scjg", 5), st("奖励审批", "scjg", 10), st("奖金发放", "scjg", 5)],
            online: OnlineLevel::OnlinePrereview,
            themes: themes(&["食品安全"]),
            result_name: "举报奖励决定书".into(),
            ..item("339900-JL-001", "食品安全违法行为举报奖励", Reward, Promised, "scjg", &[County], County, 30, 20)
        },
        CatalogItem {
            legal_basis: "《国务院关于第三批取消中央指定地方实施行政许可事项的决定》(国发〔2017〕7号);《印铸刻字业暂行管理规则》".into(),
            conditions: "已依法取得营业执照或登记证书的单位;在公安机关备案的印章刻制企业刻制".into(),
            materials: vec![
                m("营业执照或登记证书", COPY, 1),
                m("法定代表人身份证明", COPY, 1),
                cond("经办人身份证及单位介绍信", ORIG, 1, "法定代表人以外的人员办理的"),
            ],
            stages: vec![st("即时备案", "ga", 0)],
            online: OnlineLevel::FullOnline,
            visits: 0,
            service_objects: vec![ENTERPRISE, INSTITUTION, SOCIAL_ORG],
            themes: themes(&["开办企业"]),
            result_name: "公章刻制备案回执".into(),
            ..item("339900-QT-001", "公章刻制备案", OtherPower, Immediate, "ga", &[County], County, 1, 0)
        },
        // ---------------------------------------------------------------- 建房 / 自然资源
        CatalogItem {
            legal_basis: "《中华人民共和国土地管理法》第六十二条;《中华人民共和国城乡规划法》第四十一条;《农业农村部 自然资源部关于规范农村宅基地审批管理的通知》(农经发〔2019〕6号)".into(),
            conditions: "本集体经济组织成员;符合一户一宅规定,无宅基地或现有宅基地面积低于标准;符合国土空间规划和村庄规划;经村民小组会议讨论通过并公示无异议".into(),
            materials: vec![
                m("农村宅基地和建房(规划许可)申请表", ORIG, 1).by("申请人").tpl("农村宅基地和建房申请表.docx"),
                m("农村宅基地使用承诺书", ORIG, 1).tpl("宅基地使用承诺书.docx"),
                m("申请人户口簿", BOTH, 1).by("公安机关"),
                id_card(),
                m("村民小组会议记录及公示材料", ORIG, 1).by("村民委员会"),
                m("农房设计图或通用图", COPY, 1),
                cond("原宅基地退出协议", ORIG, 1, "拆旧建新或原宅基地须退出的"),
                cond("地质灾害危险性评估意见", ORIG, 1, "建房地点位于地质灾害易发区的"),
                proxy(),
            ],
            stages: vec![
                st("村级审查", "nync", 4),
                par("乡镇初审(宅基地审查)", "nync", 5, 1),
                par("乡镇初审(规划审查)", "zrzy", 5, 1),
                st("县级审批", "nync", 7),
            ],
            online: OnlineLevel::OnlinePrereview,
            visits: 1,
            themes: themes(&["建房"]),
            proxy_allowed: true,
            result_name: "农村宅基地批准书、乡村建设规划许可证".into(),
            faq: "问:申请后多久可以开工?答:取得批准书后,须申请乡镇组织现场放样、定位,经确认后方可开工。".into(),
            ..item(ITEM_ZHAIJIDI, "农村宅基地建房审批", Licensing, Forwarded, "nync", &[Village, Township], County, 20, 18)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国城乡规划法》第四十一条".into(),
            conditions: "在乡、村庄规划区内进行乡镇企业、乡村公共设施和公益事业建设;符合乡规划、村庄规划".into(),
            materials: vec![
                m("乡村建设规划许可申请表", ORIG, 1).tpl("乡村建设规划许可申请表.docx"),
                m("建设项目用地证明", COPY, 1),
                m("建设工程设计方案", ORIG, 2),
                m("村民委员会意见", ORIG, 1).by("村民委员会"),
            ],
            stages: vec![st("乡镇受理初审", "zrzy", 5), st("县级审查决定", "zrzy", 8)],
            online: OnlineLevel::OnlinePrereview,
            service_objects: vec![PERSON, ENTERPRISE, OTHER_ORG],
            themes: themes(&["建房"]),
            result_name: "乡村建设规划许可证".into(),
            ..item("339900-XK-011", "乡村建设规划许可证核发", Licensing, Forwarded, "zrzy", &[Township], County, 20, 15)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国城乡规划法》第四十条".into(),
            conditions: "已取得建设用地使用权;建设工程设计方案符合控制性详细规划和规划条件".into(),
            materials: vec![
                m("建设工程规划许可申请表", ORIG, 1).tpl("建设工程规划许可申请表.docx"),
                m("不动产权证书或土地使用证明", COPY, 1),
                m("建设工程设计方案总平面图及建筑单体图", ORIG, 2),
                cond("人防、交通等专项审查意见", COPY, 1, "项目须进行专项审查的"),
            ],
            stages: vec![st("受理", "zrzy", 1), st("方案审查", "zrzy", 6), st("审核决定", "zrzy", 2), st("制证", "zrzy", 1)],
            online: OnlineLevel::OnlinePrereview,
            service_objects: vec![ENTERPRISE, INSTITUTION],
            themes: themes(&["工程建设"]),
            result_name: "建设工程规划许可证".into(),
            ..item("339900-XK-012", "建设工程规划许可证核发", Licensing, Promised, "zrzy", &[County], County, 20, 10)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国民法典》第二百一十条;《不动产登记暂行条例》第十四条、第二十条".into(),
            conditions: "权属清楚、界址清晰、面积准确;申请材料齐全、符合法定形式".into(),
            materials: vec![
                m("不动产登记申请书", ORIG, 1).tpl("不动产登记申请书.docx"),
                m("申请人身份证明", BOTH, 1),
                m("不动产权属来源证明材料(购房合同、继承或赠与证明等)", ORIG, 1),
                cond("原不动产权证书", ORIG, 1, "办理转移登记的"),
                cond("完税凭证", COPY, 1, "依法应当缴纳税费的"),
                proxy(),
            ],
            stages: vec![st("受理", "zrzy", 1), st("审核", "zrzy", 2), st("登簿", "zrzy", 1), st("缮证发证", "zrzy", 1)],
            version: 2,
            fees: vec![
                fee("住宅类不动产登记费(每件)", 8_000, "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》(发改价格规〔2016〕2559号)"),
                fee("非住宅类不动产登记费(每件)", 55_000, "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》(发改价格规〔2016〕2559号)"),
                fee("证书工本费(第二本起每本)", 1_000, "《财政部 国家发展改革委关于不动产登记收费有关政策问题的通知》(财税〔2016〕79号)"),
            ],
            place: "各县(市、区)行政服务中心不动产窗口".into(),
            online: OnlineLevel::OnlinePrereview,
            service_objects: vec![PERSON, ENTERPRISE, INSTITUTION, SOCIAL_ORG, OTHER_ORG],
            themes: themes(&["建房", "购房"]),
            result_name: "不动产权证书".into(),
            ..item("339900-QR-030", "不动产登记(首次登记、转移登记)", Confirmation, Promised, "zrzy", &[County], County, 30, 5)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国土地管理法》第十四条;《土地权属争议调查处理办法》(原国土资源部令第17号)".into(),
            faq: format!("问:对处理决定不服怎么办?答:{JUDICIAL_REMEDY}"),
            conditions: "申请人与争议土地有直接利害关系;有明确的请求处理对象、具体的处理请求和事实根据".into(),
            materials: vec![
                m("土地权属争议调查处理申请书", ORIG, 2).tpl("土地权属争议处理申请书.docx"),
                m("申请人身份证明或主体资格证明", COPY, 1),
                m("权属来源证明及相关证据材料", COPY, 1),
                proxy(),
            ],
            stages: vec![st("受理审查", "zrzy", 7), st("调查取证", "zrzy", 40), st("组织调解", "zrzy", 20), st("作出处理决定", "zrzy", 20)],
            service_objects: vec![PERSON, ENTERPRISE, OTHER_ORG],
            themes: themes(&["农业"]),
            result_name: "土地权属争议处理决定书".into(),
            ..item("339900-CJ-001", "土地权属争议行政裁决", Ruling, Promised, "zrzy", &[County], County, 120, 90)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国森林法》第二十二条;《林木林地权属争议处理办法》(原林业部令第10号)".into(),
            faq: format!("问:对处理决定不服怎么办?答:{JUDICIAL_REMEDY}"),
            conditions: "单位之间或个人与单位之间发生的林木所有权和林地使用权争议;当事人协商不成".into(),
            materials: vec![
                m("林木林地权属争议处理申请书", ORIG, 2),
                m("林权证或其他权属证明", COPY, 1),
                m("争议地块四至范围示意图", ORIG, 1),
                cond("乡镇人民政府调处意见", ORIG, 1, "经乡镇调处未达成协议的"),
            ],
            stages: vec![st("受理", "zrzy", 5), st("调查调解", "zrzy", 35), st("作出处理决定", "zrzy", 15)],
            service_objects: vec![PERSON, OTHER_ORG],
            themes: themes(&["农业"]),
            result_name: "林木林地权属争议处理决定书".into(),
            region_code: county_code(&TREE[1]),
            ..item("339921-CJ-002", "林木林地权属争议处理", Ruling, Promised, "zrzy", &[Township, County], County, 90, 60)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国土地管理法》第三十条;《中华人民共和国土地管理法实施条例》第八条".into(),
            conditions: "经批准占用耕地,且没有条件开垦或者开垦的耕地不符合要求的建设单位".into(),
            materials: vec![m("建设用地批准文件", COPY, 1), m("耕地开垦费缴纳申请表", ORIG, 1), m("占用耕地面积测绘成果", COPY, 1)],
            stages: vec![st("核定征收金额", "zrzy", 3), st("开具缴款通知", "zrzy", 2)],
            fees: vec![fee("耕地开垦费(按占用耕地面积,每平方米)", 2_400, "《中华人民共和国土地管理法》第三十条;省人民政府关于耕地开垦费征收标准的规定")],
            service_objects: vec![ENTERPRISE, INSTITUTION],
            themes: themes(&["工程建设"]),
            result_name: "耕地开垦费缴款通知书".into(),
            ..item("339900-ZS-001", "耕地开垦费征收", Levy, Promised, "zrzy", &[County], County, 20, 10)
        },
        // ---------------------------------------------------------------- 工程建设 / 住建 消防
        CatalogItem {
            legal_basis: "《中华人民共和国建筑法》第七条、第八条;《建筑工程施工许可管理办法》(住房和城乡建设部令第18号);《中华人民共和国城乡规划法》第四十条;《中华人民共和国消防法》第十一条;《中华人民共和国行政许可法》第二十六条、第四十二条".into(),
            conditions: "已办理用地批准手续;已取得建设工程规划许可证;施工场地已基本具备施工条件;已确定施工企业;有满足施工需要的技术资料,施工图设计文件已按规定审查合格;有保证工程质量和安全的具体措施".into(),
            materials: vec![
                m("建筑工程施工许可证申请表", ORIG, 1).tpl("施工许可申请表.docx"),
                m("建设工程规划许可证", COPY, 1).by("自然资源和规划部门"),
                m("施工合同及中标通知书", COPY, 1),
                m("施工图设计文件审查合格书", COPY, 1),
                m("建设工程消防设计审查意见", COPY, 1),
                m("工程质量安全监督手续及保证工程质量安全的具体措施", ORIG, 1),
                cond("建设资金落实承诺书", ORIG, 1, "政府投资项目以外的").tpl("资金落实承诺书.docx"),
            ],
            stages: vec![
                st("受理", "zj", 1),
                par("规划许可核验", "zrzy", 3, 1),
                par("消防安全审查意见", "xf", 5, 1),
                par("质量安全监督登记", "zj", 3, 1),
                st("审核决定", "zj", 2),
                st("制证", "zj", 1),
            ],
            online: OnlineLevel::OnlinePrereview,
            service_objects: vec![ENTERPRISE, INSTITUTION],
            themes: themes(&["工程建设"]),
            result_name: "建筑工程施工许可证".into(),
            faq: "问:为什么是联办件?答:住建部门牵头,自然资源和规划、消防救援部门并联审查,一窗受理、一次办结。".into(),
            ..item(ITEM_CONSTRUCTION_PERMIT, "建筑工程施工许可证核发", Licensing, Joint, "zj", &[County], County, 45, 10)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国消防法》第十五条".into(),
            conditions: "公众聚集场所已依法取得营业执照;场所的消防设施、器材和疏散通道符合消防技术标准;已建立消防安全管理制度".into(),
            materials: vec![
                m("公众聚集场所投入使用、营业前消防安全检查申报表", ORIG, 1).tpl("消防安全检查申报表.docx"),
                m("营业执照", COPY, 1),
                m("消防安全制度、灭火和应急疏散预案", ORIG, 1),
                cond("消防安全告知承诺书", ORIG, 1, "选择告知承诺方式办理的").tpl("消防安全告知承诺书.docx"),
            ],
            stages: vec![st("受理", "xf", 1), st("现场检查", "xf", 4), st("审核决定", "xf", 2)],
            online: OnlineLevel::OnlinePrereview,
            service_objects: vec![ENTERPRISE, OTHER_ORG],
            themes: themes(&["开办企业"]),
            result_name: "公众聚集场所投入使用、营业前消防安全检查合格证".into(),
            ..item("339900-XK-021", "公众聚集场所投入使用、营业前消防安全检查", Licensing, Promised, "xf", &[County], County, 10, 7)
        },
        CatalogItem {
            legal_basis: "《建设工程质量管理条例》第四十九条;《房屋建筑和市政基础设施工程竣工验收备案管理办法》(住房和城乡建设部令第2号)".into(),
            conditions: "工程已竣工验收合格;自验收合格之日起15日内申请".into(),
            materials: vec![
                m("工程竣工验收备案表", ORIG, 2).tpl("竣工验收备案表.docx"),
                m("工程竣工验收报告", ORIG, 1),
                m("施工单位签署的工程质量保修书", ORIG, 1),
                cond("住宅质量保证书和住宅使用说明书", COPY, 1, "商品住宅工程"),
            ],
            stages: vec![st("材料审查", "zj", 3), st("备案", "zj", 2)],
            service_objects: vec![ENTERPRISE, INSTITUTION],
            themes: themes(&["工程建设"]),
            result_name: "竣工验收备案证明".into(),
            ..item("339900-QT-010", "房屋建筑和市政基础设施工程竣工验收备案", OtherPower, Promised, "zj", &[County], County, 15, 5)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国消防法》第十三条;《建设工程消防设计审查验收管理暂行规定》(住房和城乡建设部令第51号)".into(),
            conditions: "其他建设工程(非特殊建设工程)竣工验收合格之日起5个工作日内".into(),
            materials: vec![m("建设工程消防验收备案表", ORIG, 1), m("工程竣工验收报告", COPY, 1), m("涉及消防的建设工程竣工图纸", COPY, 1)],
            stages: vec![st("备案受理", "zj", 1), st("抽查确定", "zj", 2)],
            online: OnlineLevel::FullOnline,
            visits: 0,
            service_objects: vec![ENTERPRISE, INSTITUTION],
            themes: themes(&["工程建设"]),
            result_name: "消防验收备案凭证".into(),
            ..item("339900-QT-011", "建设工程消防验收备案", OtherPower, Promised, "zj", &[County], County, 5, 3)
        },
        CatalogItem {
            legal_basis: "《财政部关于城市基础设施配套费性质的批复》(财综函〔2002〕3号);省物价局、省财政厅城市基础设施配套费收费标准".into(),
            conditions: "在城市规划区内新建、扩建、改建工程项目的建设单位".into(),
            materials: vec![m("建设工程规划许可证", COPY, 1), m("城市基础设施配套费缴纳申报表", ORIG, 1)],
            stages: vec![st("核定", "zj", 3), st("开具缴款通知书", "zj", 2)],
            fees: vec![fee("城市基础设施配套费(按建筑面积,每平方米)", 10_000, "《财政部关于城市基础设施配套费性质的批复》(财综函〔2002〕3号);省物价局、省财政厅核定标准")],
            service_objects: vec![ENTERPRISE, INSTITUTION],
            themes: themes(&["工程建设"]),
            result_name: "配套费缴款通知书".into(),
            ..item("339900-ZS-002", "城市基础设施配套费征收", Levy, Promised, "zj", &[County], County, 10, 5)
        },
        // ---------------------------------------------------------------- 民政 / 社会救助 养老 婚姻
        CatalogItem {
            legal_basis: "《社会救助暂行办法》第九条至第十三条;《最低生活保障审核确认办法》(民发〔2021〕57号)".into(),
            conditions: "共同生活的家庭成员人均收入低于当地最低生活保障标准,且财产状况符合规定;持有本地户籍".into(),
            materials: vec![
                m("最低生活保障申请书", ORIG, 1).by("申请人").tpl("最低生活保障申请书.docx"),
                m("家庭成员居民身份证、户口簿", BOTH, 1).by("公安机关"),
                m("家庭经济状况核对授权书(每名家庭成员签字)", ORIG, 1).tpl("家庭经济状况核对授权书.docx"),
                cond("残疾人证或病历诊断证明", COPY, 1, "家庭成员有残疾或患重病的"),
                cond("村(社区)代办委托书", ORIG, 1, "由村(社区)代办员代为申请的").tpl("代办委托书.docx").authorizes_agent(),
            ],
            stages: vec![
                st("乡镇(街道)受理", "mz", 1),
                st("入户调查与民主评议", "mz", 9),
                st("乡镇(街道)初审", "mz", 5),
                st("县级民政部门审核确认", "mz", 10),
            ],
            version: 2,
            online: OnlineLevel::OnlinePrereview,
            themes: themes(&["社会救助"]),
            proxy_allowed: true,
            result_name: "最低生活保障金领取证".into(),
            faq: "问:行动不便怎么申请?答:可由村(社区)代办员上门代为申请,全程免费。".into(),
            ..item(ITEM_DIBAO, "最低生活保障申请", Payment, Forwarded, "mz", &[Township, Village], County, 30, 25)
        },
        CatalogItem {
            legal_basis: "《社会救助暂行办法》第十四条至第十九条;《特困人员认定办法》(民发〔2021〕43号)".into(),
            conditions: "无劳动能力、无生活来源,且无法定赡养、抚养、扶养义务人或者其法定义务人无履行义务能力的老年人、残疾人以及未满16周岁的未成年人".into(),
            materials: vec![
                m("特困人员救助供养申请书", ORIG, 1).tpl("特困人员救助供养申请书.docx"),
                id_card(),
                m("户口簿", BOTH, 1),
                cond("残疾人证", COPY, 1, "申请人为残疾人的"),
                cond("村(社区)代办委托书", ORIG, 1, "由村(社区)代办员代为申请的").authorizes_agent(),
            ],
            stages: vec![st("乡镇(街道)受理", "mz", 1), st("调查初审", "mz", 15), st("县级审核确认", "mz", 14)],
            themes: themes(&["社会救助", "养老"]),
            proxy_allowed: true,
            result_name: "特困人员救助供养证".into(),
            ..item("339900-JF-002", "特困人员救助供养申请", Payment, Forwarded, "mz", &[Village, Township], County, 40, 30)
        },
        CatalogItem {
            legal_basis: "《社会救助暂行办法》第四十七条至第五十一条;《民政部 财政部关于进一步加强和改进临时救助工作的意见》(民发〔2018〕23号)".into(),
            conditions: "因火灾、交通事故等意外事件或家庭成员突发重大疾病等原因,导致基本生活暂时出现严重困难的家庭或个人".into(),
            materials: vec![
                m("临时救助申请书", ORIG, 1).tpl("临时救助申请书.docx"),
                id_card(),
                m("遭遇困难的证明材料(医疗费用票据、事故证明等)", COPY, 1),
                proxy(),
            ],
            stages: vec![st("受理", "mz", 1), st("审核审批", "mz", 7), st("救助金发放", "mz", 2)],
            themes: themes(&["社会救助"]),
            proxy_allowed: true,
            result_name: "临时救助金".into(),
            faq: "问:情况紧急怎么办?答:对情况紧急的,乡镇(街道)可先行救助,再补齐审核手续。".into(),
            ..item("339900-JF-003", "临时救助申请", Payment, Promised, "mz", &[Village, Township], Township, 15, 10)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国老年人权益保障法》第三十三条;《青川市高龄津贴发放管理办法》".into(),
            conditions: "具有本市户籍、年满80周岁的老年人".into(),
            materials: vec![m("高龄津贴申请表", ORIG, 1).tpl("高龄津贴申请表.docx"), id_card(), m("本人社会保障卡或银行账户", COPY, 1), proxy()],
            stages: vec![st("受理", "mz", 1), st("审核", "mz", 10), st("公示并纳入发放", "mz", 4)],
            online: OnlineLevel::OnlinePrereview,
            themes: themes(&["养老"]),
            proxy_allowed: true,
            result_name: "高龄津贴".into(),
            ..item("339900-JF-004", "高龄津贴申领", Payment, Promised, "mz", &[Village, Township], Township, 20, 15)
        },
        CatalogItem {
            legal_basis: "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》(国发〔2015〕52号)".into(),
            conditions: "持有第二代残疾人证的低保家庭残疾人(生活补贴);残疾等级为一、二级且需要长期照护的重度残疾人(护理补贴)".into(),
            materials: vec![m("残疾人两项补贴申请审批表", ORIG, 1).tpl("残疾人两项补贴申请表.docx"), m("残疾人证", BOTH, 1).by("残疾人联合会"), m("户口簿", COPY, 1), proxy()],
            stages: vec![st("乡镇(街道)受理初审", "mz", 8), st("县级民政部门审核", "mz", 10)],
            themes: themes(&["社会救助"]),
            proxy_allowed: true,
            result_name: "残疾人两项补贴".into(),
            ..item("339900-JF-005", "困难残疾人生活补贴和重度残疾人护理补贴申领", Payment, Forwarded, "mz", &[Village, Township], County, 30, 20)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国民法典》第一千零四十六条、第一千零四十九条;《婚姻登记条例》第四条至第七条".into(),
            conditions: "男女双方完全自愿;男年满二十二周岁,女年满二十周岁;双方均无配偶;不属于直系血亲和三代以内的旁系血亲;双方亲自到场".into(),
            materials: vec![
                m("本人居民身份证", ORIG, 1).by("公安机关"),
                m("本人户口簿", ORIG, 1).by("公安机关").note("全国通办地区可仅凭身份证办理"),
                m("近期半身免冠2寸双人合影照片", ORIG, 3),
                m("申请结婚登记声明书(现场签署)", ORIG, 1).tpl("申请结婚登记声明书.docx"),
                cond("离婚证或配偶死亡证明", ORIG, 1, "再婚的"),
            ],
            stages: vec![st("审查登记颁证", "mz", 0)],
            hours: "周一至周五 上午8:30-12:00 下午14:00-17:30;5月20日、七夕等特殊日期如逢周末另行公告".into(),
            themes: themes(&["婚姻"]),
            result_name: "结婚证".into(),
            ..item("339900-QR-010", "内地居民结婚登记", Confirmation, Immediate, "mz", &[County], County, 1, 0)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国老年人权益保障法》第五章(社会优待)".into(),
            conditions: "年满60周岁的本市户籍老年人及在本市居住的外地老年人".into(),
            materials: vec![id_card(), m("近期1寸免冠照片", ORIG, 1).note("可现场拍摄"), proxy()],
            stages: vec![st("即时办理", "mz", 0)],
            online: OnlineLevel::FullOnline,
            visits: 0,
            themes: themes(&["养老"]),
            proxy_allowed: true,
            result_name: "老年人优待证".into(),
            ..item("339900-GG-001", "老年人优待证办理", PublicService, Immediate, "mz", &[Village, Township], Township, 1, 0)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国老年人权益保障法》第四十三条;《养老机构管理办法》(民政部令第66号)".into(),
            conditions: "已依法办理法人登记的养老机构;具备与服务规模相适应的场所、设施和人员".into(),
            materials: vec![
                m("养老机构备案书", ORIG, 1).tpl("养老机构备案书.docx"),
                m("养老机构备案承诺书", ORIG, 1),
                m("登记证书或营业执照", COPY, 1),
                m("养老服务场所的消防、食品安全证明材料", COPY, 1),
            ],
            stages: vec![st("即时备案", "mz", 0)],
            online: OnlineLevel::FullOnline,
            visits: 0,
            service_objects: vec![ENTERPRISE, INSTITUTION, SOCIAL_ORG],
            themes: themes(&["养老"]),
            result_name: "养老机构备案回执".into(),
            ..item("339900-QT-020", "养老机构备案", OtherPower, Immediate, "mz", &[County], County, 5, 0)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国人民调解法》第十七条、第二十八条、第二十九条".into(),
            conditions: "当事人之间的民间纠纷(邻里、婚姻家庭、土地承包、山林权属等);当事人自愿申请调解;不属于已经进入诉讼程序的纠纷".into(),
            materials: vec![m("人民调解申请书(可口头申请,由调解员记录)", ORIG, 1), id_card(), cond("纠纷相关证据材料", COPY, 1, "当事人持有相关证据的")],
            stages: vec![st("受理登记", "sf", 1), st("调查与调解", "sf", 12), st("制作调解协议书", "sf", 2)],
            themes: themes(&["矛盾纠纷调解"]),
            result_name: "人民调解协议书".into(),
            faq: "问:调解收费吗?答:人民调解不收取任何费用。".into(),
            ..item("339900-GG-002", "村(社区)民间纠纷人民调解", PublicService, Promised, "sf", &[Village], Village, 30, 15)
        },
        // ---------------------------------------------------------------- 人社 / 就业 养老
        CatalogItem {
            legal_basis: "《中华人民共和国社会保险法》第四十五条;《失业保险条例》第十四条、第十六条;《失业保险金申领发放办法》".into(),
            conditions: "失业前用人单位和本人已缴纳失业保险费满一年;非因本人意愿中断就业;已办理失业登记并有求职要求".into(),
            materials: vec![id_card(), m("社会保障卡或本人银行账户", COPY, 1), cond("解除或终止劳动关系证明", COPY, 1, "系统中无法查询到解除劳动关系信息的")],
            stages: vec![st("受理审核", "rs", 3), st("核定发放", "rs", 2)],
            online: OnlineLevel::FullOnline,
            visits: 0,
            themes: themes(&["就业"]),
            result_name: "失业保险金".into(),
            ..item("339900-JF-010", "失业保险金申领", Payment, Promised, "rs", &[Township, County], County, 10, 5)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国就业促进法》第三十五条;《就业服务与就业管理规定》(劳动和社会保障部令第28号)".into(),
            conditions: "法定劳动年龄内、有劳动能力和就业要求的城乡劳动者".into(),
            materials: vec![id_card(), m("近期1寸免冠照片", ORIG, 1).note("可现场拍摄"), proxy()],
            stages: vec![st("即时办理", "rs", 0)],
            online: OnlineLevel::FullOnline,
            visits: 0,
            themes: themes(&["就业"]),
            proxy_allowed: true,
            result_name: "就业创业证".into(),
            ..item("339900-GG-010", "就业创业证申领", PublicService, Immediate, "rs", &[Township, County], County, 1, 0)
        },
        CatalogItem {
            legal_basis: "《人力资源市场暂行条例》第十八条、第十九条;《人力资源服务机构管理规定》(人力资源社会保障部令第50号)".into(),
            conditions: "有明确的章程和管理制度;有开展业务必备的固定场所、办公设施;有3名以上取得相应职业资格的专职工作人员".into(),
            materials: vec![
                m("人力资源服务许可申请表", ORIG, 1).tpl("人力资源服务许可申请表.docx"),
                m("营业执照", COPY, 1),
                m("专职工作人员名单及资格证明", COPY, 1),
                m("机构章程和管理制度", ORIG, 1),
            ],
            stages: vec![st("受理", "rs", 1), st("审查", "rs", 5), st("审核决定", "rs", 3), st("制证", "rs", 1)],
            online: OnlineLevel::OnlinePrereview,
            service_objects: vec![ENTERPRISE],
            themes: themes(&["开办企业", "就业"]),
            result_name: "人力资源服务许可证".into(),
            ..item("339900-XK-030", "经营性人力资源服务机构从事职业中介活动许可", Licensing, Promised, "rs", &[City], City, 20, 10)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国社会保险法》第二十条至第二十二条;《国务院关于建立统一的城乡居民基本养老保险制度的意见》(国发〔2014〕8号)".into(),
            conditions: "参加城乡居民基本养老保险、年满60周岁、累计缴费满15年,且未领取国家规定的基本养老保障待遇".into(),
            materials: vec![m("城乡居民基本养老保险待遇领取申请表", ORIG, 1).tpl("城乡居保待遇申请表.docx"), id_card(), m("户口簿", COPY, 1), proxy()],
            stages: vec![st("村级代办受理", "rs", 1), st("乡镇(街道)审核", "rs", 5), st("县社保经办机构核定", "rs", 8)],
            online: OnlineLevel::OnlinePrereview,
            themes: themes(&["养老"]),
            proxy_allowed: true,
            result_name: "城乡居民基本养老金".into(),
            ..item("339900-JF-011", "城乡居民基本养老保险待遇申领", Payment, Forwarded, "rs", &[Village, Township], County, 20, 15)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国社会保险法》第五十八条;《社会保障卡管理办法》".into(),
            conditions: "参加本市社会保险或在本市居住的人员".into(),
            materials: vec![id_card(), m("近期彩色免冠证件照", ELEC, 1).note("可现场拍摄或上传电子照片"), proxy()],
            stages: vec![st("受理", "rs", 1), st("制卡", "rs", 7), st("发卡", "rs", 2)],
            online: OnlineLevel::FullOnline,
            visits: 1,
            themes: themes(&["就业", "医疗"]),
            proxy_allowed: true,
            result_name: "社会保障卡".into(),
            ..item("339900-GG-011", "社会保障卡申领", PublicService, Promised, "rs", &[Village, Township, County], County, 15, 10)
        },
        // ---------------------------------------------------------------- 卫健 / 生育 医疗
        CatalogItem {
            legal_basis: "《公共场所卫生管理条例》第八条;《公共场所卫生管理条例实施细则》(原卫生部令第80号)".into(),
            conditions: "从事住宿、沐浴、美容美发等公共场所经营;场所布局和卫生设施符合卫生标准;从业人员持有有效健康合格证明".into(),
            materials: vec![
                m("公共场所卫生许可申请表", ORIG, 1).tpl("公共场所卫生许可申请表.docx"),
                m("营业执照", COPY, 1),
                m("公共场所地址方位示意图、平面图和卫生设施平面布局图", ORIG, 1),
                m("从业人员健康合格证明", COPY, 1),
                cond("公共场所卫生检测或评价报告", COPY, 1, "使用集中空调通风系统的"),
            ],
            stages: vec![st("受理", "wj", 1), st("现场审查", "wj", 5), st("审核决定", "wj", 3), st("制证", "wj", 1)],
            online: OnlineLevel::OnlinePrereview,
            service_objects: vec![PERSON, ENTERPRISE],
            themes: themes(&["开办企业"]),
            result_name: "公共场所卫生许可证".into(),
            ..item("339900-XK-040", "公共场所卫生许可", Licensing, Promised, "wj", &[County], County, 20, 10)
        },
        CatalogItem {
            legal_basis: "《医疗机构管理条例》第十五条、第十六条;《医疗机构管理条例实施细则》".into(),
            conditions: "已取得设置医疗机构批准书(或按规定免于设置审批);符合医疗机构基本标准;有适合的名称、组织机构和场所;有与开展业务相适应的经费、设施、设备和专业卫生技术人员".into(),
            materials: vec![
                m("医疗机构申请执业登记注册书", ORIG, 1).tpl("医疗机构执业登记注册书.docx"),
                m("医疗机构用房产权证明或使用证明", COPY, 1),
                m("医疗机构建筑设计平面图", ORIG, 1),
                m("医疗机构规章制度及人员名录、执业证书", COPY, 1),
                cond("设置医疗机构批准书", COPY, 1, "须经设置审批的"),
            ],
            stages: vec![st("受理", "wj", 1), st("材料审查", "wj", 4), st("现场审核", "wj", 6), st("审核决定", "wj", 3), st("制证", "wj", 1)],
            online: OnlineLevel::OnlinePrereview,
            service_objects: vec![ENTERPRISE, INSTITUTION, SOCIAL_ORG],
            themes: themes(&["医疗", "开办企业"]),
            result_name: "医疗机构执业许可证".into(),
            ..item("339900-XK-041", "医疗机构执业登记(床位100张以上)", Licensing, Promised, "wj", &[City], City, 20, 15)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国人口与计划生育法》第十八条;《国家卫生健康委办公厅关于做好生育登记服务工作的通知》".into(),
            conditions: "夫妻双方或一方户籍在本市,或在本市居住的流动人口".into(),
            materials: vec![m("夫妻双方居民身份证", ELEC, 1).note("网上办理时由系统核验"), cond("结婚证", ELEC, 1, "已办理结婚登记的")],
            stages: vec![st("即时登记", "wj", 0)],
            online: OnlineLevel::FullOnline,
            visits: 0,
            themes: themes(&["生育"]),
            proxy_allowed: true,
            result_name: "生育登记服务单(电子)".into(),
            ..item("339900-GG-020", "生育登记", PublicService, Immediate, "wj", &[Village, Township], Township, 1, 0)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国疫苗管理法》第四十七条;《预防接种工作规范》".into(),
            conditions: "新生儿出生后一个月内,或在本辖区居住满3个月的适龄儿童".into(),
            materials: vec![m("出生医学证明", COPY, 1).by("助产机构"), m("监护人居民身份证", ORIG, 1), cond("原预防接种证", ORIG, 1, "由外地迁入的")],
            stages: vec![st("即时建证", "wj", 0)],
            themes: themes(&["生育", "医疗"]),
            place: "各乡镇卫生院(社区卫生服务中心)预防接种门诊".into(),
            result_name: "预防接种证".into(),
            ..item("339900-GG-021", "预防接种证办理", PublicService, Immediate, "wj", &[Township], Township, 1, 0)
        },
        // ---------------------------------------------------------------- 公安 / 户籍
        CatalogItem {
            legal_basis: "《中华人民共和国户口登记条例》第七条".into(),
            conditions: "婴儿出生后一个月以内,由户主、亲属、抚养人或者邻居向婴儿常住地户口登记机关申报出生登记".into(),
            materials: vec![
                m("出生医学证明", ORIG, 1).by("助产机构"),
                m("父母双方居民户口簿、居民身份证", ORIG, 1),
                cond("父母结婚证", ORIG, 1, "父母已办理结婚登记的"),
                cond("亲子鉴定证明", ORIG, 1, "非婚生育且无法提供出生医学证明的"),
            ],
            stages: vec![st("即时登记", "ga", 0)],
            online: OnlineLevel::OnlinePrereview,
            themes: themes(&["户籍", "生育"]),
            result_name: "居民户口簿(新生儿户口页)".into(),
            ..item("339900-QR-040", "出生登记", Confirmation, Immediate, "ga", &[County], County, 1, 0)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国居民身份证法》第八条、第十条、第二十条".into(),
            conditions: "居住在中华人民共和国境内的年满十六周岁的中国公民;未满十六周岁的公民可以依照规定申请领取".into(),
            materials: vec![m("居民户口簿", ORIG, 1).by("公安机关"), cond("原居民身份证", ORIG, 1, "换领的"), cond("监护人身份证明", ORIG, 1, "未满十六周岁的")],
            stages: vec![st("受理采集", "ga", 1), st("制证", "ga", 15), st("发证", "ga", 2)],
            fees: vec![
                fee("居民身份证工本费(申领、换领、补领)", 2_000, "《国家发展改革委 财政部关于居民身份证收费标准及有关问题的通知》(发改价格〔2003〕2322号)"),
                fee("临时居民身份证工本费", 1_000, "《国家发展改革委 财政部关于居民身份证收费标准及有关问题的通知》(发改价格〔2003〕2322号)"),
            ],
            themes: themes(&["户籍"]),
            result_name: "居民身份证".into(),
            faq: "问:首次申领收费吗?答:十六周岁以下首次申领免收工本费以外的其他费用,工本费按标准收取;可申请邮寄送达。".into(),
            ..item("339900-QR-041", "居民身份证申领", Confirmation, Promised, "ga", &[County], County, 60, 20)
        },
        CatalogItem {
            legal_basis: "《居住证暂行条例》第二条、第六条、第十条".into(),
            conditions: "离开常住户口所在地,到本市居住半年以上,符合有合法稳定就业、合法稳定住所、连续就读条件之一".into(),
            materials: vec![id_card(), m("居住证申领登记表", ORIG, 1), m("合法稳定住所、就业或就读证明之一", COPY, 1)],
            stages: vec![st("受理", "ga", 1), st("审核制证", "ga", 7), st("发证", "ga", 2)],
            online: OnlineLevel::OnlinePrereview,
            themes: themes(&["户籍", "就业"]),
            result_name: "居住证".into(),
            ..item("339900-GG-030", "居住证办理", PublicService, Promised, "ga", &[Township, County], County, 15, 10)
        },
        // ---------------------------------------------------------------- 医保
        CatalogItem {
            legal_basis: "《中华人民共和国社会保险法》第二十五条;《国家医保局 财政部 国家税务总局关于做好城乡居民基本医疗保障工作的通知》".into(),
            conditions: "不属于职工基本医疗保险应参保范围的本市户籍城乡居民及持居住证的常住人口".into(),
            materials: vec![id_card(), cond("居住证", COPY, 1, "非本市户籍人员"), proxy()],
            stages: vec![st("即时参保登记", "yb", 0)],
            online: OnlineLevel::FullOnline,
            visits: 0,
            themes: themes(&["医疗"]),
            proxy_allowed: true,
            result_name: "参保登记凭证".into(),
            ..item("339900-GG-040", "城乡居民基本医疗保险参保登记", PublicService, Immediate, "yb", &[Village, Township, County], County, 1, 0)
        },
        CatalogItem {
            legal_basis: "《国家医保局 财政部关于进一步做好基本医疗保险跨省异地就医直接结算工作的通知》(医保发〔2022〕22号)".into(),
            conditions: "参加本市基本医疗保险,因异地长期居住、工作或转诊需在参保地以外就医的参保人".into(),
            materials: vec![m("异地就医备案登记表", ELEC, 1), cond("转诊转院证明", COPY, 1, "转诊就医的")],
            stages: vec![st("即时备案", "yb", 0)],
            online: OnlineLevel::FullOnline,
            visits: 0,
            themes: themes(&["医疗"]),
            result_name: "异地就医备案凭证".into(),
            ..item("339900-GG-041", "异地就医备案", PublicService, Immediate, "yb", &[County], County, 1, 0)
        },
        CatalogItem {
            legal_basis: "《中华人民共和国社会保险法》第五十四条、第五十六条".into(),
            conditions: "参加职工基本医疗保险(生育保险)的女职工或其未就业配偶,符合生育政策规定".into(),
            materials: vec![m("生育保险待遇申请表", ORIG, 1), id_card(), m("出生医学证明", COPY, 1), m("医疗费用票据及费用清单", ORIG, 1)],
            stages: vec![st("受理审核", "yb", 5), st("核定支付", "yb", 5)],
            online: OnlineLevel::OnlinePrereview,
            themes: themes(&["生育"]),
            result_name: "生育医疗费用及生育津贴".into(),
            ..item("339900-JF-020", "生育医疗费用及生育津贴申领", Payment, Promised, "yb", &[County], County, 20, 10)
        },
        // ---------------------------------------------------------------- 教育
        CatalogItem {
            legal_basis: "《中华人民共和国义务教育法》第十二条".into(),
            conditions: "适龄儿童少年(年满6周岁);具有学区内户籍或随迁子女入学条件".into(),
            materials: vec![m("户口簿", COPY, 1), m("房屋产权证明或租赁登记证明", COPY, 1), cond("父母居住证及就业证明", COPY, 1, "随迁子女入学的")],
            stages: vec![st("报名审核", "jy", 10), st("学位分配", "jy", 5)],
            online: OnlineLevel::FullOnline,
            visits: 0,
            themes: themes(&["教育"]),
            result_name: "入学通知书".into(),
            ..item("339900-GG-050", "义务教育阶段入学报名", PublicService, Promised, "jy", &[County], County, 20, 15)
        },
        CatalogItem {
            legal_basis: "《学生资助资金管理办法》(财教〔2021〕310号)".into(),
            conditions: "具有正式学籍、家庭经济困难的在校学生(建档立卡、低保、特困供养、残疾等优先)".into(),
            materials: vec![m("家庭经济困难学生认定申请表", ORIG, 1).tpl("家庭经济困难学生认定申请表.docx"), cond("低保证、残疾人证等证明", COPY, 1, "属于特殊困难群体的")],
            stages: vec![st("学校审核", "jy", 8), st("教育部门审批", "jy", 7)],
            themes: themes(&["教育", "社会救助"]),
            result_name: "学生资助金".into(),
            ..item("339900-JF-030", "家庭经济困难学生资助申请", Payment, Promised, "jy", &[County], County, 30, 15)
        },
        // ---------------------------------------------------------------- 农业农村(云溪县自有事项)
        CatalogItem {
            legal_basis: "《中华人民共和国农业机械化促进法》第二十七条;《云溪县农机购置与应用补贴实施方案》".into(),
            conditions: "从事农业生产的个人和农业生产经营组织,购买列入补贴范围的农业机械".into(),
            materials: vec![
                m("农机购置补贴申请表", ORIG, 1).tpl("农机购置补贴申请表.docx"),
                id_card(),
                m("购机发票", COPY, 1),
                m("机具铭牌及人机合影照片", ORIG, 1),
                proxy(),
            ],
            stages: vec![st("乡镇受理核验", "nync", 5), st("县级审核兑付", "nync", 10)],
            online: OnlineLevel::OnlinePrereview,
            service_objects: vec![PERSON, OTHER_ORG],
            themes: themes(&["农业"]),
            proxy_allowed: true,
            result_name: "农机购置补贴资金".into(),
            region_code: county_code(&TREE[1]),
            ..item("339921-JF-001", "农机购置补贴申领", Payment, Forwarded, "nync", &[Village, Township], County, 30, 15)
        },
    ]
}
