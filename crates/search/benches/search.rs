//! Search over 10,000 generated catalog items: `cargo bench -p yizhan-search`.
//!
//! Prints p50/p99/max per query and over the whole mix (what docs/PERFORMANCE.md reports; criterion
//! gives only means and medians), then runs criterion on each query.

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::Criterion;
use std::hint::black_box;
use std::time::{Duration, Instant};
use yizhan_search::SearchIndex;

/// Real item names from Chinese government service catalogs, with the theme each belongs to.
const BASES: &[(&str, &str)] = &[
    ("农村宅基地建房审批", "建房"),
    ("乡村建设规划许可证核发", "建房"),
    ("农村村民住宅用地审批", "建房"),
    ("不动产首次登记", "购房"),
    ("不动产转移登记", "购房"),
    ("商品房预售许可", "购房"),
    ("住房公积金提取", "购房"),
    ("住房公积金贷款", "购房"),
    ("公共租赁住房资格审核", "购房"),
    ("最低生活保障申请", "社会救助"),
    ("特困人员救助供养", "社会救助"),
    ("临时救助申请", "社会救助"),
    ("低收入家庭认定", "社会救助"),
    ("残疾人两项补贴", "社会救助"),
    ("医疗救助申请", "社会救助"),
    ("个体工商户设立登记", "开办企业"),
    ("个体工商户变更登记", "开办企业"),
    ("个体工商户注销登记", "开办企业"),
    ("营业执照变更", "开办企业"),
    ("营业执照遗失补领", "开办企业"),
    ("企业设立登记", "开办企业"),
    ("企业名称自主申报", "开办企业"),
    ("公章刻制备案", "开办企业"),
    ("食品经营许可", "开办企业"),
    ("食品生产许可", "开办企业"),
    ("小餐饮登记", "开办企业"),
    ("药品经营许可", "医疗"),
    ("医疗机构执业登记", "医疗"),
    ("医师执业注册", "医疗"),
    ("公共场所卫生许可", "开办企业"),
    ("烟草专卖零售许可", "开办企业"),
    ("酒类商品零售许可", "开办企业"),
    ("道路运输经营许可", "交通出行"),
    ("机动车驾驶证换证", "交通出行"),
    ("机动车注册登记", "交通出行"),
    ("出租汽车驾驶员从业资格证", "交通出行"),
    ("建设工程施工许可", "工程建设"),
    ("建设工程规划许可证核发", "工程建设"),
    ("建设用地规划许可证核发", "工程建设"),
    ("建设工程竣工验收备案", "工程建设"),
    ("建设工程消防设计审查", "工程建设"),
    ("建设工程消防验收", "工程建设"),
    ("城市建筑垃圾处置核准", "工程建设"),
    ("占用挖掘城市道路审批", "工程建设"),
    ("城镇污水排入排水管网许可", "工程建设"),
    ("临时占用林地审批", "农业"),
    ("林木采伐许可证核发", "农业"),
    ("土地权属争议调处", "农业"),
    ("农药经营许可", "农业"),
    ("动物防疫条件合格证核发", "农业"),
    ("种子生产经营许可", "农业"),
    ("渔业捕捞许可", "农业"),
    ("取水许可", "农业"),
    ("生育登记", "生育"),
    ("出生医学证明办理", "生育"),
    ("生育津贴申领", "生育"),
    ("独生子女父母奖励", "生育"),
    ("新生儿落户", "户籍"),
    ("户口迁移", "户籍"),
    ("居民身份证申领", "户籍"),
    ("居住证办理", "户籍"),
    ("结婚登记", "婚姻"),
    ("离婚登记", "婚姻"),
    ("补领结婚证", "婚姻"),
    ("失业保险金申领", "就业"),
    ("就业创业证申领", "就业"),
    ("创业担保贷款申请", "就业"),
    ("职业技能鉴定", "就业"),
    ("灵活就业人员社会保险登记", "就业"),
    ("城乡居民养老保险参保登记", "养老"),
    ("城乡居民养老保险缴费", "养老"),
    ("养老保险待遇领取资格认证", "养老"),
    ("高龄津贴申领", "养老"),
    ("养老机构备案", "养老"),
    ("基本医疗保险参保登记", "医疗"),
    ("异地就医备案", "医疗"),
    ("门诊慢特病待遇认定", "医疗"),
    ("中小学教师资格认定", "教育"),
    ("义务教育入学登记", "教育"),
    ("民办学校设立审批", "教育"),
    ("学生资助申请", "教育"),
    ("社会团体成立登记", "社会组织"),
    ("民办非企业单位成立登记", "社会组织"),
    ("宗教活动场所设立审批", "社会组织"),
    ("殡葬设施建设审批", "身后事"),
    ("丧葬补助金申领", "身后事"),
    ("残疾人证办理", "残疾人"),
    ("法律援助申请", "法律服务"),
    ("人民调解申请", "法律服务"),
    ("公证事项办理", "法律服务"),
    ("大型群众性活动安全许可", "文化旅游"),
    ("营业性演出审批", "文化旅游"),
    ("网吧经营许可", "文化旅游"),
    ("旅行社设立许可", "文化旅游"),
    ("户外广告设施设置审批", "城市管理"),
    ("城市绿地占用审批", "城市管理"),
    ("排污许可", "生态环境"),
    ("建设项目环境影响评价审批", "生态环境"),
    ("危险废物经营许可", "生态环境"),
    ("气象探测环境保护审批", "生态环境"),
];

/// Real variants of the same item in catalogs (情形), to make thousands of distinct names.
const VARIANTS: &[&str] = &[
    "",
    "(新办)",
    "(变更)",
    "(延续)",
    "(注销)",
    "(补办)",
    "(首次申请)",
    "(迁移)",
];
const QUALIFIERS: &[&str] = &[
    "",
    "个人",
    "企业",
    "农村",
    "城镇",
    "外国人",
    "港澳台居民",
    "集体",
    "非本地户籍",
    "军人",
    "退役军人",
    "残疾人",
    "老年人",
];
const DISTRICTS: &[&str] = &[
    "上城区",
    "西湖区",
    "滨江区",
    "萧山区",
    "余杭区",
    "临安区",
    "桐庐县",
    "淳安县",
];
const UNITS: &[&str] = &[
    "市场监督管理局",
    "民政局",
    "自然资源和规划局",
    "住房和城乡建设局",
    "人力资源和社会保障局",
    "卫生健康局",
    "公安分局",
    "交通运输局",
    "农业农村局",
    "教育局",
    "司法局",
    "文化和广电旅游体育局",
    "生态环境分局",
    "城市管理局",
    "医疗保障局",
    "人民政府",
];
const CONDITIONS: &[&str] = &[
    "申请人具有完全民事行为能力",
    "符合一户一宅规定,原有宅基地面积未超过规定标准",
    "家庭人均收入低于当地最低生活保障标准且财产状况符合规定",
    "有与经营的食品品种、数量相适应的经营场所",
    "已经办理该建筑工程用地批准手续",
    "在城市、镇规划区内的建筑工程已经取得规划许可证",
    "有符合规定的从业人员和健全的管理制度",
    "持有本市居住证且连续缴纳社会保险满六个月",
    "委托他人办理的,应当提交授权委托书",
    "申请材料齐全、符合法定形式",
];
const MATERIALS: &[&str] = &[
    "申请表",
    "居民身份证",
    "户口簿",
    "营业执照",
    "授权委托书",
    "不动产权证书",
    "场所使用证明",
    "收入证明",
    "建筑设计图纸",
    "承诺书",
    "结婚证",
    "出生医学证明",
];

fn items(n: usize) -> Vec<domain::CatalogItem> {
    (0..n)
        .map(|i| {
            let (base, theme) = BASES[i % BASES.len()];
            let variant = VARIANTS[(i / BASES.len()) % VARIANTS.len()];
            let qual = QUALIFIERS[(i / (BASES.len() * VARIANTS.len())) % QUALIFIERS.len()];
            let district = DISTRICTS[i % DISTRICTS.len()];
            let unit = format!("{district}{}", UNITS[(i * 7) % UNITS.len()]);
            let conditions = format!(
                "{};{};{}。",
                CONDITIONS[i % CONDITIONS.len()],
                CONDITIONS[(i / 3) % CONDITIONS.len()],
                CONDITIONS[(i / 7 + 2) % CONDITIONS.len()]
            );
            let mut it = common::item(
                &format!("BENCH-{i:05}"),
                &format!("{qual}{base}{variant}"),
                &[theme],
                &unit,
                &format!("{base}决定书"),
                &conditions,
            );
            it.legal_basis = "《中华人民共和国行政许可法》第二十九条;《浙江省行政程序办法》".into();
            it.materials = (0..3)
                .map(|k| {
                    let mut m = it.materials[0].clone();
                    m.name = MATERIALS[(i + k * 5) % MATERIALS.len()].into();
                    m
                })
                .collect();
            it
        })
        .collect()
}

fn synonyms() -> Vec<(String, Vec<String>)> {
    [
        ("开店", &["个体工商户", "营业执照"][..]),
        ("低保", &["最低生活保障"]),
        ("盖房", &["宅基地建房", "建设工程"]),
        ("上户口", &["落户", "户口迁移"]),
        ("办证", &["许可证"]),
        ("社保", &["社会保险"]),
        ("医保", &["医疗保险"]),
        ("公积金", &["住房公积金"]),
        ("开餐馆", &["小餐饮", "食品经营许可"]),
        ("失业金", &["失业保险金"]),
        ("身份证", &["居民身份证"]),
        ("驾照", &["驾驶证"]),
        ("生孩子", &["生育"]),
        ("领证", &["结婚登记"]),
        ("残疾补贴", &["残疾人两项补贴"]),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
    .collect()
}

const QUERIES: &[&str] = &[
    "建房",
    "低保",
    "jf",
    "jianfang",
    "营业执照",
    "开店",
    "宅基地见房",
    "建防",
    "db",
    "建fang",
];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn report(idx: &SearchIndex) {
    let rounds = 300;
    let mut all = Vec::new();
    println!(
        "{:<14} {:>6} {:>10} {:>10} {:>10}",
        "query", "hits", "p50", "p99", "max"
    );
    for q in QUERIES {
        let mut times = Vec::with_capacity(rounds);
        let mut hits = 0;
        for _ in 0..rounds {
            let t = Instant::now();
            hits = black_box(idx.search(black_box(q), 20)).len();
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "{:<14} {:>6} {:>10.1?} {:>10.1?} {:>10.1?}",
            q,
            hits,
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            times[times.len() - 1]
        );
        all.extend(times);
    }
    all.sort();
    println!(
        "{:<14} {:>6} {:>10.1?} {:>10.1?} {:>10.1?}",
        "mix",
        "",
        percentile(&all, 0.5),
        percentile(&all, 0.99),
        all[all.len() - 1]
    );
}

fn main() {
    let items = items(10_000);
    let t = Instant::now();
    let idx = SearchIndex::build(&items, &synonyms());
    println!(
        "built index over {} items in {:.0?}",
        idx.len(),
        t.elapsed()
    );
    // Under `cargo test --benches` (and clippy) only check that it runs.
    let bench_mode = std::env::args().any(|a| a == "--bench");
    if bench_mode {
        report(&idx);
    }
    let mut c = Criterion::default().configure_from_args();
    let mut g = c.benchmark_group("search_10k");
    for q in QUERIES {
        g.bench_function(*q, |b| b.iter(|| idx.search(black_box(q), 20)));
    }
    g.bench_function("mix", |b| {
        b.iter(|| {
            for q in QUERIES {
                black_box(idx.search(black_box(q), 20));
            }
        })
    });
    g.finish();
    c.final_summary();
}
