//! 口令 (GB/T 22239-2019 8.1.4.1 a): what a new password must be, and when the one in use must be
//! changed. The rules are checked when a password is set (registration, an account created by an
//! administrator, a change, a reset); passwords set before they applied keep working until they
//! expire or are reset.

use chrono::{DateTime, Duration, Utc};

/// Passwords people choose most often, lower-cased, one a line: the top of the public-domain
/// "10 million passwords" list (Mark Burnett), the usual Chinese ones, and the variants made of
/// them to pass a composition rule (`Password1!`, `woaini1314`, `qwerty2026`). Built by
/// `common_passwords.py` beside it; shipped inside the binary, nothing is fetched.
const COMMON: &str = include_str!("common_passwords.txt");

/// The shortest password accepted.
pub const MIN_LENGTH: usize = 8;

/// The rule as a form says it.
pub const RULE: &str =
    "密码至少8位,须包含大写字母、小写字母、数字、符号中的至少三类,不得包含用户名,不得是常见密码";

/// Why a password is refused: each a stable code and a message in Chinese.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooFewClasses,
    ContainsUsername,
    Common,
}

impl PasswordProblem {
    pub fn code(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "password_too_short",
            PasswordProblem::TooFewClasses => "password_too_simple",
            PasswordProblem::ContainsUsername => "password_contains_username",
            PasswordProblem::Common => "password_too_common",
        }
    }
    pub fn message(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "密码至少8位",
            PasswordProblem::TooFewClasses => {
                "密码须包含大写字母、小写字母、数字、符号中的至少三类"
            }
            PasswordProblem::ContainsUsername => "密码不得包含用户名",
            PasswordProblem::Common => "该密码过于常见,容易被猜中,请换一个",
        }
    }
}

/// Checks a new password for the account `username`; the first problem found.
pub fn check(password: &str, username: &str) -> Result<(), PasswordProblem> {
    if password.chars().count() < MIN_LENGTH {
        return Err(PasswordProblem::TooShort);
    }
    let classes = [
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        // Symbols: anything that is not a letter or a digit (a Chinese character counts here).
        password
            .chars()
            .any(|c| !c.is_alphanumeric() || !c.is_ascii()),
    ];
    if classes.iter().filter(|c| **c).count() < 3 {
        return Err(PasswordProblem::TooFewClasses);
    }
    let lower = password.to_lowercase();
    let name = username.trim().to_lowercase();
    if name.chars().count() >= 3 && lower.contains(&name) {
        return Err(PasswordProblem::ContainsUsername);
    }
    if is_common(&lower) {
        return Err(PasswordProblem::Common);
    }
    Ok(())
}

/// Whether the lower-cased password is on the shipped list.
fn is_common(lower: &str) -> bool {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    SET.get_or_init(|| COMMON.lines().filter(|l| !l.is_empty()).collect())
        .contains(lower)
}

/// Why someone must choose a new password before doing anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeReason {
    /// An administrator created the account or reset its password: the password is known to
    /// someone else.
    SetByAdministrator,
    /// A staff password older than the configured expiry.
    Expired,
}

impl ChangeReason {
    pub fn message(self) -> &'static str {
        match self {
            ChangeReason::SetByAdministrator => "密码由管理员设置,请先修改为只有您知道的新密码",
            ChangeReason::Expired => "密码已过有效期,请先修改密码",
        }
    }
}

/// Whether the password in use must be changed now: one an administrator set, or — for staff —
/// one older than `expiry_days` (0 turns expiry off). `changed_at` is when it was set.
pub fn change_due(
    set_by_administrator: bool,
    staff: bool,
    changed_at: DateTime<Utc>,
    expiry_days: i64,
    now: DateTime<Utc>,
) -> Option<ChangeReason> {
    if set_by_administrator {
        Some(ChangeReason::SetByAdministrator)
    } else if staff && expiry_days > 0 && now - changed_at >= Duration::days(expiry_days) {
        Some(ChangeReason::Expired)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_refuses_each_weakness_with_its_own_code() {
        assert_eq!(check("Ab1!xyz", "zhang"), Err(PasswordProblem::TooShort));
        assert_eq!(
            check("password1", "zhang"),
            Err(PasswordProblem::TooFewClasses)
        );
        assert_eq!(
            check("abcdefgh", "zhang"),
            Err(PasswordProblem::TooFewClasses)
        );
        assert_eq!(
            check("Zhang.San-2026", "zhang.san"),
            Err(PasswordProblem::ContainsUsername)
        );
        assert_eq!(
            check("xxADMINxx9", "admin"),
            Err(PasswordProblem::ContainsUsername)
        );
        // Three classes, but everyone's first choice.
        assert_eq!(check("Password1", "zhang"), Err(PasswordProblem::Common));
        assert_eq!(check("P@ssw0rd", "zhang"), Err(PasswordProblem::Common));
        assert_eq!(check("Woaini1314", "zhang"), Err(PasswordProblem::Common));
        assert_eq!(check("Qwerty123!", "zhang"), Err(PasswordProblem::Common));
        assert_eq!(check("Yizhan-2026-ok", "zhang"), Ok(()));
        assert_eq!(check("窗口办件2026a", "clerk"), Ok(()));
        assert_eq!(check("tiger-lily-77", "zhang"), Ok(()));
    }

    #[test]
    fn the_list_is_large_and_lower_case() {
        let n = COMMON.lines().count();
        assert!(n > 5000, "{n}");
        assert!(COMMON.lines().all(|l| l == l.to_lowercase()));
    }

    #[test]
    fn a_change_is_due_when_set_by_an_administrator_or_expired_for_staff() {
        let t0: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let later = t0 + Duration::days(90);
        assert_eq!(
            change_due(true, false, t0, 90, t0),
            Some(ChangeReason::SetByAdministrator)
        );
        assert_eq!(
            change_due(false, true, t0, 90, later),
            Some(ChangeReason::Expired)
        );
        assert_eq!(
            change_due(false, true, t0, 90, later - Duration::seconds(1)),
            None
        );
        assert_eq!(
            change_due(false, false, t0, 90, later),
            None,
            "applicants do not expire"
        );
        assert_eq!(
            change_due(false, true, t0, 0, later),
            None,
            "0 turns expiry off"
        );
    }
}
