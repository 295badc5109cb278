//! Each query form of issue 6 part 2 against a small realistic catalog.

mod common;

use common::item;
use proptest::prelude::*;
use std::sync::OnceLock;
use yizhan_search::{MatchKind, SearchIndex};

fn index() -> &'static SearchIndex {
    static IDX: OnceLock<SearchIndex> = OnceLock::new();
    IDX.get_or_init(|| {
        let items = vec![
            item(
                "ZJ-001",
                "农村宅基地建房审批",
                &["建房"],
                "乡镇人民政府",
                "农村宅基地批准书",
                "本集体经济组织成员,符合一户一宅规定",
            ),
            item(
                "ZJ-002",
                "乡村建设规划许可证核发",
                &["建房"],
                "县自然资源和规划局",
                "乡村建设规划许可证",
                "在乡、村庄规划区内进行农村村民住宅建设",
            ),
            item(
                "MZ-001",
                "最低生活保障申请",
                &["社会救助"],
                "县民政局",
                "最低生活保障金领取证",
                "家庭人均收入低于当地最低生活保障标准",
            ),
            item(
                "MZ-002",
                "临时救助申请",
                &["社会救助"],
                "县民政局",
                "临时救助金",
                "遭遇突发困难的家庭,已纳入低保的按规定优先救助",
            ),
            item(
                "SC-001",
                "个体工商户设立登记",
                &["开办企业"],
                "县市场监督管理局",
                "营业执照",
                "有经营能力的自然人",
            ),
            item(
                "SC-002",
                "食品经营许可",
                &["开办企业"],
                "县市场监督管理局",
                "食品经营许可证",
                "有与经营的食品品种、数量相适应的经营场所",
            ),
            item(
                "SC-003",
                "营业执照变更",
                &["开办企业"],
                "县市场监督管理局",
                "营业执照",
                "登记事项发生变化",
            ),
            item(
                "SC-004",
                "营业执照注销登记",
                &["开办企业"],
                "县市场监督管理局",
                "准予注销登记通知书",
                "经营者决定解散",
            ),
            item(
                "SC-005",
                "食品经营许可延续",
                &["开办企业"],
                "县市场监督管理局",
                "食品经营许可证",
                "许可证有效期届满需要继续经营",
            ),
            item(
                "JS-001",
                "建设工程施工许可",
                &["工程建设"],
                "县住房和城乡建设局",
                "建筑工程施工许可证",
                "已经办理该建筑工程用地批准手续",
            ),
            item(
                "RS-001",
                "城乡居民养老保险缴费",
                &["养老"],
                "县人力资源和社会保障局",
                "缴费凭证",
                "年满16周岁的城乡居民",
            ),
            item(
                "MZ-003",
                "长者助餐服务补贴申请",
                &["养老"],
                "县民政局",
                "助餐补贴",
                "年满60周岁的老年人",
            ),
            item(
                "WJ-001",
                "生育登记",
                &["生育"],
                "乡镇人民政府",
                "生育登记服务单",
                "夫妻双方生育子女,已参加养老保险",
            ),
        ];
        let synonyms = vec![
            ("开店".to_string(), vec!["个体工商户".to_string()]),
            ("低保".to_string(), vec!["最低生活保障".to_string()]),
        ];
        SearchIndex::build(&items, &synonyms)
    })
}

fn codes(q: &str) -> Vec<String> {
    index().search(q, 10).into_iter().map(|h| h.code).collect()
}

#[track_caller]
fn first(q: &str, code: &str) {
    let got = codes(q);
    assert_eq!(
        got.first().map(String::as_str),
        Some(code),
        "query {q:?} gave {got:?}"
    );
}

#[track_caller]
fn before(q: &str, a: &str, b: &str) {
    let got = codes(q);
    let pa = got.iter().position(|c| c == a);
    let pb = got.iter().position(|c| c == b);
    assert!(
        pa.is_some() && pb.is_some() && pa < pb,
        "query {q:?}: {a} before {b}, got {got:?}"
    );
}

fn kind(q: &str) -> MatchKind {
    index().search(q, 1)[0].matched
}

#[test]
fn two_character_queries() {
    first("建房", "ZJ-001");
    first("营业", "SC-003");
    first("施工", "JS-001");
    first("生育", "WJ-001");
    assert_eq!(kind("建房"), MatchKind::Contains);
}

#[test]
fn longer_and_multi_term_queries() {
    first("农村宅基地建房审批", "ZJ-001");
    assert_eq!(kind("农村宅基地建房审批"), MatchKind::Exact);
    first("营业执照 变更", "SC-003");
    first("营业执照，注销", "SC-004");
    // Words of the name not next to each other.
    first("农村建房", "ZJ-001");
    assert_eq!(kind("农村建房"), MatchKind::Partial);
}

#[test]
fn single_character_queries_look_at_names_and_labels() {
    first("餐", "MZ-003");
}

#[test]
fn synonyms() {
    first("开店", "SC-001");
    assert_eq!(kind("开店"), MatchKind::Synonym);
    first("低保", "MZ-001");
    // The literal 低保 in another item's conditions still comes, below.
    before("低保", "MZ-001", "MZ-002");
    // A synonym inside a longer query is replaced in place.
    first("开店登记", "SC-001");
}

#[test]
fn pinyin_full_and_initials() {
    first("jianfang", "ZJ-001");
    assert_eq!(kind("jianfang"), MatchKind::Pinyin);
    first("jf", "ZJ-001");
    assert_eq!(kind("jf"), MatchKind::Initials);
    first("JF", "ZJ-001");
    first("ｊｆ", "ZJ-001");
    first("nczjdjfsp", "ZJ-001");
    first("yingyezhizhao", "SC-003");
    first("yyzz", "SC-003");
    first("shipin", "SC-002");
    first("gtgsh", "SC-001");
}

#[test]
fn pinyin_reaches_synonyms() {
    first("dibao", "MZ-001");
    first("db", "MZ-001");
    first("kaidian", "SC-001");
    assert_eq!(kind("db"), MatchKind::Synonym);
}

#[test]
fn pinyin_mixed_and_half_typed() {
    first("建fang", "ZJ-001");
    first("jian房", "ZJ-001");
    first("jianf", "ZJ-001");
    first("jfang", "ZJ-001");
    first("zhaijid", "ZJ-001");
    // zh/ch/sh as a two-letter initial.
    first("zhjd", "ZJ-001");
}

#[test]
fn every_reading_of_a_polyphone_is_indexed() {
    // 长 reads zhǎng (长者) and cháng: both find the item.
    first("zhangzhe", "MZ-003");
    first("changzhe", "MZ-003");
}

#[test]
fn one_wrong_character() {
    first("宅基地见房", "ZJ-001");
    assert_eq!(kind("宅基地见房"), MatchKind::Fuzzy);
    first("建防", "ZJ-001");
    // Not a homophone, in a longer query.
    first("宅基地盖房", "ZJ-001");
    first("食品经营许课", "SC-002");
}

#[test]
fn nothing_matches() {
    assert!(codes("火星签证").is_empty());
    assert!(codes("鲸鱼").is_empty());
    assert!(codes("xqxqxq").is_empty());
    assert!(codes("j").is_empty());
}

#[test]
fn empty_and_whitespace_queries() {
    for q in ["", " ", "   ", "\t\n", "\u{3000}", "，。！", "  ,  "] {
        assert!(codes(q).is_empty(), "{q:?}");
    }
}

#[test]
fn ranking() {
    // Name above theme: 乡村建设规划许可证核发 has 建房 only as its theme.
    before("建房", "ZJ-001", "ZJ-002");
    // Theme above body text: 养老 is MZ-003's theme and only in WJ-001's conditions.
    before("养老", "RS-001", "MZ-003");
    before("养老", "MZ-003", "WJ-001");
    // Responsible unit: 县民政局 (three items) above the longer 乡镇人民政府.
    let mut top: Vec<String> = codes("民政").into_iter().take(3).collect();
    top.sort();
    assert_eq!(top, ["MZ-001", "MZ-002", "MZ-003"]);
    // Exact above prefix.
    before("食品经营许可", "SC-002", "SC-005");
    // Prefix above contains: 许可 starts no name here, 经营 starts none; use 营业执照.
    before("营业执照", "SC-003", "SC-001");
    // Shorter name above longer for the same kind of match.
    before("营业执照", "SC-003", "SC-004");
    // Literal above fuzzy: 建设 is literal in 建设工程施工许可, homophones never displace it.
    first("建设", "JS-001");
    // Scores are descending.
    let hits = index().search("许可", 20);
    assert!(hits.len() >= 3);
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
}

#[test]
fn limit_and_versions() {
    assert_eq!(index().search("许可", 2).len(), 2);
    assert!(index().search("许可", 0).is_empty());
    let mut v2 = item("X-1", "食品经营许可", &[], "", "", "");
    v2.version = 2;
    let v1 = item("X-1", "食品经营许可", &[], "", "", "");
    let idx = SearchIndex::build(&[v1, v2], &[]);
    assert_eq!(idx.search("食品", 10).len(), 1);
    assert_eq!(idx.len(), 1);
}

#[test]
fn empty_index_and_odd_synonyms() {
    let idx = SearchIndex::build(&[], &[("".into(), vec!["x".into()]), ("a".into(), vec![])]);
    assert!(idx.is_empty());
    assert!(idx.search("建房", 10).is_empty());
    assert!(idx.search("jf", 10).is_empty());
}

#[test]
fn very_long_queries() {
    let long = "农村宅基地建房审批".repeat(2000);
    let _ = index().search(&long, 10);
    let _ = index().search(&"jianfang".repeat(5000), 10);
    let _ = index().search(&"建 ".repeat(5000), 10);
    first(&"农村宅基地建房审批".repeat(3), "ZJ-001");
}

proptest! {
    #[test]
    fn arbitrary_queries_never_panic(q in ".{0,200}") {
        let hits = index().search(&q, 5);
        prop_assert!(hits.len() <= 5);
        prop_assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn chinese_and_pinyin_soup_never_panics(
        q in "[建房低保营业执照jianfgdbzhsq开店 ，ａ-ｚ]{0,80}"
    ) {
        let hits = index().search(&q, 10);
        let mut codes: Vec<_> = hits.iter().map(|h| h.code.clone()).collect();
        codes.sort();
        codes.dedup();
        prop_assert_eq!(codes.len(), hits.len());
    }
}
