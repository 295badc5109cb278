//! The legal wording of what a case issues, by the item's type (事项类型, issue 19 finding 2).
//!
//! Only a 行政许可 is decided under the Administrative Licensing Law: its notices cite the
//! articles of that law (32 acceptance, 38 decision, 42 extension, 45 special procedures) and its
//! decision "准予行政许可". Every other type — 行政确认, 行政给付, 行政征收, 行政裁决, 行政奖励,
//! 其他行政权力, 公共服务 — has its own decision words, cites the item's own legal basis from the
//! catalog (办事依据), and, for a public service (not an administrative act), offers a complaint
//! channel instead of review and litigation. One table here, so every document, message and page
//! says the same.

use crate::catalog::ItemType;

/// How a case of one item speaks. Built from the terms the case was filed under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wording {
    pub item_type: ItemType,
    /// The item's own 办事依据, e.g. "《社会救助暂行办法》第九条;《浙江省最低生活保障办法》".
    pub legal_basis: String,
}

const LICENSING_LAW: &str = "《中华人民共和国行政许可法》";

/// Review and litigation, for an administrative act.
const REMEDY_ACT: &str = "如对本决定不服,可以自收到本通知书之日起六十日内依法申请行政复议,或者在六个月内依法向人民法院提起行政诉讼。";
/// A public service is no administrative act: its applicant is told where to complain.
const REMEDY_SERVICE: &str =
    "如对办理结果有异议,可以向本机关提出,或者拨打12345政务服务便民热线反映。";

impl Wording {
    pub fn new(item_type: ItemType, legal_basis: &str) -> Wording {
        Wording {
            item_type,
            legal_basis: legal_basis.trim().to_string(),
        }
    }

    pub fn is_licensing(&self) -> bool {
        self.item_type == ItemType::Licensing
    }

    /// "根据…的规定" for a step: the licensing law's article for a licence, the item's own basis
    /// otherwise ("有关法律法规" when the catalog names none).
    pub fn basis_for(&self, licensing_article: &str) -> String {
        if self.is_licensing() {
            format!("根据{LICENSING_LAW}{licensing_article}的规定")
        } else if self.legal_basis.is_empty() {
            "根据有关法律、法规和规章的规定".to_string()
        } else {
            // The catalog separates laws with ";": a sentence lists them with "、".
            let laws: Vec<&str> = self
                .legal_basis
                .split([';', ';'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            format!("根据{}的规定", laws.join("、"))
        }
    }

    /// The decision's title, granted or not.
    pub fn decision_title(&self, granted: bool) -> &'static str {
        use ItemType::*;
        match (self.item_type, granted) {
            (Licensing, true) => "准予行政许可决定书",
            (Licensing, false) => "不予行政许可决定书",
            (Confirmation, true) => "行政确认决定书",
            (Confirmation, false) => "不予行政确认决定书",
            (Payment, true) => "行政给付决定书",
            (Payment, false) => "不予行政给付决定书",
            (Levy, true) => "行政征收决定书",
            (Levy, false) => "不予征收决定书",
            (Ruling, true) => "行政裁决书",
            (Ruling, false) => "不予裁决决定书",
            (Reward, true) => "行政奖励决定书",
            (Reward, false) => "不予奖励决定书",
            (OtherPower, true) => "准予办理决定书",
            (OtherPower, false) => "不予办理决定书",
            (PublicService, true) => "办理结果告知书",
            (PublicService, false) => "不予办理告知书",
        }
    }

    /// What was decided, as the decision states it: "决定准予行政许可", "决定予以确认", … — the
    /// message's words with "决定" before them, but for a licence's full name, a ruling made (its
    /// own act) and a public service (no decision of an authority).
    pub fn decision_words(&self, granted: bool) -> String {
        use ItemType::*;
        match (self.item_type, granted) {
            (Licensing, true) => "决定准予行政许可".into(),
            (Licensing, false) => "决定不予行政许可".into(),
            (Ruling, true) | (PublicService, _) => self.decision_short(granted).into(),
            _ => format!("决定{}", self.decision_short(granted)),
        }
    }

    /// The decision in a message: "准予许可", "予以确认", "不予给付", …
    pub fn decision_short(&self, granted: bool) -> &'static str {
        use ItemType::*;
        match (self.item_type, granted) {
            (Licensing, true) => "准予许可",
            (Licensing, false) => "不予许可",
            (Confirmation, true) => "予以确认",
            (Confirmation, false) => "不予确认",
            (Payment, true) => "予以给付",
            (Payment, false) => "不予给付",
            (Levy, true) => "予以征收",
            (Levy, false) => "不予征收",
            (Ruling, true) => "作出裁决",
            (Ruling, false) => "不予裁决",
            (Reward, true) => "给予奖励",
            (Reward, false) => "不予奖励",
            (OtherPower, true) => "准予办理",
            (OtherPower, false) => "不予办理",
            (PublicService, true) => "予以办理",
            (PublicService, false) => "不予办理",
        }
    }

    /// The time limit's name in a notice: "行政许可期限" or "办理期限".
    pub fn time_limit_name(&self) -> &'static str {
        if self.is_licensing() {
            "行政许可期限"
        } else {
            "办理期限"
        }
    }

    /// Where an applicant may turn against a decision or a refusal.
    pub fn remedy(&self) -> &'static str {
        if self.item_type == ItemType::PublicService {
            REMEDY_SERVICE
        } else {
            REMEDY_ACT
        }
    }

    /// The same, in one line of a message.
    pub fn remedy_short(&self) -> &'static str {
        if self.item_type == ItemType::PublicService {
            "如有异议,可向本机关提出或拨打12345反映。"
        } else {
            "如不服,可在60日内申请行政复议,或在6个月内提起行政诉讼。"
        }
    }

    /// What the result is delivered as: a licence's certificate (证件) or the result itself.
    pub fn delivery_words(&self) -> &'static str {
        if self.is_licensing() {
            "颁发、送达行政许可证件(《中华人民共和国行政许可法》第四十四条)"
        } else {
            "送达办理结果"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ItemType;

    #[test]
    fn only_a_licence_cites_the_licensing_law() {
        for t in ItemType::ALL {
            let w = Wording::new(*t, "《社会救助暂行办法》第九条;《某省最低生活保障办法》");
            let s = format!(
                "{}{}{}{}{}",
                w.basis_for("第三十二条"),
                w.decision_title(true),
                w.decision_title(false),
                w.decision_words(true),
                w.delivery_words()
            );
            assert_eq!(
                s.contains("行政许可"),
                *t == ItemType::Licensing,
                "{t:?}: {s}"
            );
            if *t != ItemType::Licensing {
                assert_eq!(
                    w.basis_for("第三十二条"),
                    "根据《社会救助暂行办法》第九条、《某省最低生活保障办法》的规定"
                );
            }
        }
    }

    #[test]
    fn each_type_has_its_own_words_and_a_public_service_no_litigation() {
        let titles: std::collections::HashSet<_> = ItemType::ALL
            .iter()
            .flat_map(|t| {
                let w = Wording::new(*t, "");
                [w.decision_title(true), w.decision_title(false)]
            })
            .collect();
        assert_eq!(titles.len(), ItemType::ALL.len() * 2, "no two alike");
        let service = Wording::new(ItemType::PublicService, "");
        assert!(!service.remedy().contains("行政诉讼"));
        assert!(Wording::new(ItemType::Payment, "")
            .remedy()
            .contains("行政复议"));
        assert_eq!(
            service.basis_for("第三十二条"),
            "根据有关法律、法规和规章的规定"
        );
        assert_eq!(
            Wording::new(ItemType::Licensing, "").decision_short(false),
            "不予许可"
        );
        assert_eq!(
            Wording::new(ItemType::Confirmation, "").decision_short(true),
            "予以确认"
        );
    }
}
