//! Identity numbers and masking of personal data (ID numbers and phones are never shown whole in
//! public views).

/// Checks an 18-character resident identity number (GB 11643-1999): digits, a valid birth date and
/// the ISO 7064 MOD 11-2 check character.
pub fn valid_resident_id(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let birth = &s[6..14];
    if chrono::NaiveDate::parse_from_str(birth, "%Y%m%d").is_err() {
        return false;
    }
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: &[u8; 11] = b"10X98765432";
    let sum: u32 = b[..17]
        .iter()
        .zip(W)
        .map(|(d, w)| (d - b'0') as u32 * w)
        .sum();
    b[17].to_ascii_uppercase() == C[(sum % 11) as usize]
}

/// Checks an 18-character unified social credit code (统一社会信用代码, GB 32100-2015).
pub fn valid_credit_code(s: &str) -> bool {
    const CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let up = s.to_ascii_uppercase();
    if up.len() != 18 {
        return false;
    }
    let vals: Option<Vec<u32>> = up
        .chars()
        .map(|c| CHARS.find(c).map(|i| i as u32))
        .collect();
    let Some(vals) = vals else { return false };
    let sum: u32 = vals[..17].iter().zip(W).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    vals[17] == check
}

/// Appends the check character to the first 17 characters of a resident ID (for fixtures and demo data).
pub fn complete_resident_id(first17: &str) -> Option<String> {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: &[u8; 11] = b"10X98765432";
    let b = first17.as_bytes();
    if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b.iter().zip(W).map(|(d, w)| (d - b'0') as u32 * w).sum();
    Some(format!("{first17}{}", C[(sum % 11) as usize] as char))
}

/// Appends the check character to the first 17 characters of a unified social credit code.
pub fn complete_credit_code(first17: &str) -> Option<String> {
    const CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    if first17.len() != 17 {
        return None;
    }
    let vals: Option<Vec<u32>> = first17
        .chars()
        .map(|c| CHARS.find(c).map(|i| i as u32))
        .collect();
    let sum: u32 = vals?.iter().zip(W).map(|(v, w)| v * w).sum();
    let check = ((31 - sum % 31) % 31) as usize;
    Some(format!("{first17}{}", &CHARS[check..check + 1]))
}

/// Mainland mobile number: 11 digits starting with 1.
/// An ID number (resident ID or credit code) as it is kept and compared: without the spaces a
/// form lets through, letters upper-case (a check character typed as `x` is `X`).
pub fn normalize_id_number(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

pub fn valid_mobile(s: &str) -> bool {
    s.len() == 11 && s.starts_with('1') && s.bytes().all(|b| b.is_ascii_digit())
}

/// Who is applying, checked: a name, a resident ID (person) or unified social credit code
/// (enterprise) with valid check digits, and a mobile number. Every problem at once, under the
/// `applicant.*` field names forms and the API use.
pub fn check_applicant(
    kind: crate::case::ApplicantKind,
    name: &str,
    id_number: &str,
    phone: &str,
) -> Result<(), crate::ValidationErrors> {
    use crate::case::ApplicantKind;
    let mut e = crate::ValidationErrors::default();
    if name.trim().is_empty() {
        e.push("applicant.name", "required", "申请人名称不能为空");
    }
    crate::limits::check(&mut e, "applicant.name", name, crate::limits::NAME);
    match kind {
        ApplicantKind::Person if !valid_resident_id(id_number.trim()) => e.push(
            "applicant.id_number",
            "invalid_id_number",
            "身份证号码无效(18位,校验位不符或出生日期有误)",
        ),
        ApplicantKind::Enterprise if !valid_credit_code(id_number.trim()) => e.push(
            "applicant.id_number",
            "invalid_credit_code",
            "统一社会信用代码无效(18位,校验位不符)",
        ),
        _ => {}
    }
    if !valid_mobile(phone.trim()) {
        e.push("applicant.phone", "invalid_phone", "手机号应为11位数字");
    }
    e.into_result(())
}

/// An account name: 3–32 ASCII letters, digits, `.`, `_` or `-` (staff and applicants alike).
pub fn valid_username(s: &str) -> bool {
    (3..=32).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// What [`valid_username`] asks, as a form says it.
pub const USERNAME_RULE: &str = "用户名为3-32位字母、数字、“.”、“_”或“-”";

/// `330102199001011234` → `3301**********1234`; short values are masked whole.
pub fn mask_id(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 8))
}

/// `13812345678` → `138****5678`.
pub fn mask_phone(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

/// A person's name with all but the surname masked (`张三丰` → `张**`); enterprise names are public.
pub fn mask_name(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count())),
        None => String::new(),
    }
}

/// `zhang.san@qingchuan.gov.cn` → `z***@qingchuan.gov.cn`; without an `@`, all masked.
pub fn mask_email(s: &str) -> String {
    match s.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "*".repeat(s.chars().count()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_applicant_is_checked_field_by_field_at_once() {
        use crate::case::ApplicantKind;
        assert!(check_applicant(
            ApplicantKind::Person,
            "张三",
            "11010519491231002X",
            "13800000000"
        )
        .is_ok());
        let e =
            check_applicant(ApplicantKind::Person, " ", "110105194912310021", "12").unwrap_err();
        let fields: Vec<&str> = e.errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["applicant.name", "applicant.id_number", "applicant.phone"]
        );
        let e = check_applicant(
            ApplicantKind::Enterprise,
            "某公司",
            "11010519491231002X",
            "13800000000",
        )
        .unwrap_err();
        assert_eq!(e.errors[0].code, "invalid_credit_code");
    }

    #[test]
    fn usernames_are_short_ascii_words() {
        for ok in ["abc", "clerk.shiqiao", "a_b-c", &"x".repeat(32)] {
            assert!(valid_username(ok), "{ok}");
        }
        for bad in ["ab", "", "张三丰", "a b c", "a/bc", &"x".repeat(33)] {
            assert!(!valid_username(bad), "{bad}");
        }
    }

    #[test]
    fn emails_keep_only_their_first_letter_and_domain() {
        assert_eq!(
            mask_email("zhang.san@qingchuan.gov.cn"),
            "z***@qingchuan.gov.cn"
        );
        assert_eq!(mask_email("nobody"), "******");
    }

    #[test]
    fn id_numbers_normalize_to_one_form() {
        assert_eq!(
            normalize_id_number(" 3301 0219900101123x\t"),
            "33010219900101123X"
        );
        assert_eq!(
            normalize_id_number("91330100MA2AAAAA1X"),
            "91330100MA2AAAAA1X"
        );
    }

    #[test]
    fn resident_ids() {
        // Check character computed by the MOD 11-2 rule.
        assert!(valid_resident_id("11010519491231002X"));
        assert!(!valid_resident_id("110105194912310021"));
        assert!(!valid_resident_id("11010519491331002X"), "month 13");
        assert!(!valid_resident_id("1101051949123100"));
    }

    #[test]
    fn credit_codes() {
        assert!(valid_credit_code("91350100M000100Y43"));
        assert!(!valid_credit_code("91350100M000100Y44"));
        assert!(!valid_credit_code("91350100M000100Y4"));
        assert!(
            !valid_credit_code("91350100M000100YI3"),
            "I is not in the alphabet"
        );
    }

    #[test]
    fn completed_numbers_validate() {
        let id = complete_resident_id("33992119800101123").unwrap();
        assert!(valid_resident_id(&id));
        let cc = complete_credit_code("91339921MA2XXXXXX").unwrap();
        assert!(valid_credit_code(&cc));
        assert_eq!(complete_resident_id("1101051949123100").as_deref(), None);
    }

    #[test]
    fn masking() {
        assert_eq!(mask_id("11010519491231002X"), "1101**********002X");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_name("张三丰"), "张**");
        assert!(valid_mobile("13812345678") && !valid_mobile("23812345678"));
    }
}
