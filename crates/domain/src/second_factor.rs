//! 双因素认证 (issue 17, part 3; GB/T 22239-2019 8.1.4.1 d): which accounts need a second factor,
//! and the TOTP check (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, one step of clock skew
//! either way) with replay refused — a code's step must be later than the last one accepted.

use crate::access::{Grant, Role};

/// The roles that must present a second factor unless configured otherwise
/// (`second_factor_roles`): the three administrators and the supervisors.
pub const DEFAULT_ROLES: [Role; 4] = [
    Role::Administrator,
    Role::SecurityAdministrator,
    Role::Auditor,
    Role::Supervisor,
];

/// Seconds per TOTP step (RFC 6238's default, what every authenticator app assumes).
pub const STEP_SECONDS: u64 = 30;
/// Digits of a code.
pub const DIGITS: usize = 6;
/// Bytes of a new secret (160 bits, RFC 4226's recommendation).
pub const SECRET_BYTES: usize = 20;
/// Recovery codes issued at enrolment, each good once.
pub const RECOVERY_CODES: usize = 10;

/// The `second_factor_roles` setting: role words separated by commas or spaces; an unknown word
/// is an error (a typo must not silently drop a role's requirement). Empty means nobody.
pub fn parse_roles(setting: &str) -> Result<Vec<Role>, String> {
    let mut roles = vec![];
    for word in setting
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        let role = word
            .parse::<Role>()
            .map_err(|_| format!("second_factor_roles: unknown role `{word}`"))?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    Ok(roles)
}

/// Whether an account with `grants` must present a second factor: it holds one of `roles`.
pub fn required(grants: &[Grant], roles: &[Role]) -> bool {
    grants.iter().any(|g| roles.contains(&g.role))
}

/// Why a code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeRefused {
    #[error("验证码不正确")]
    Wrong,
    #[error("该验证码已使用,请等待下一个验证码")]
    Replayed,
}

impl CodeRefused {
    pub fn code(&self) -> &'static str {
        match self {
            CodeRefused::Wrong => "invalid_second_factor",
            CodeRefused::Replayed => "second_factor_replayed",
        }
    }
}

fn totp(secret: &[u8]) -> totp_rs::TOTP {
    // `new_unchecked`: the secret's length is ours to choose (SECRET_BYTES), and RFC 6238's own
    // test secret is shorter than the crate's 128-bit floor.
    totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        DIGITS,
        1,
        STEP_SECONDS,
        secret.to_vec(),
        None,
        String::new(),
    )
}

/// The code for `unix_time` (what an authenticator app shows then).
pub fn code_at(secret: &[u8], unix_time: u64) -> String {
    totp(secret).generate(unix_time)
}

/// Checks `code` at `unix_time` against the steps one before to one after, and returns the step
/// it matched; a step not later than `last_step` (already used) is refused, so a code seen over a
/// shoulder cannot be used again.
pub fn verify(
    secret: &[u8],
    code: &str,
    unix_time: u64,
    last_step: Option<u64>,
) -> Result<u64, CodeRefused> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CodeRefused::Wrong);
    }
    let t = totp(secret);
    let now = unix_time / STEP_SECONDS;
    let matched = [now.saturating_sub(1), now, now + 1]
        .into_iter()
        .filter(|step| {
            let expected = t.generate(step * STEP_SECONDS);
            // Compare every byte: no early exit that times out how much was right.
            expected
                .bytes()
                .zip(code.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
        })
        .max();
    match matched {
        None => Err(CodeRefused::Wrong),
        Some(step) if last_step.is_some_and(|last| step <= last) => Err(CodeRefused::Replayed),
        Some(step) => Ok(step),
    }
}

/// The `otpauth://` address an authenticator app reads from the enrolment QR code.
pub fn otpauth_url(secret: &[u8], issuer: &str, account: &str) -> String {
    let mut t = totp(secret);
    t.issuer = Some(issuer.to_string());
    t.account_name = account.to_string();
    t.get_url()
}

/// The secret as the enrolment page shows it for typing in by hand (RFC 4648 base32).
pub fn secret_text(secret: &[u8]) -> String {
    totp(secret).get_secret_base32()
}

/// The secret from its text form ([`secret_text`], spaces and case forgiven), as an app takes it
/// typed in by hand; `None` when it is not base32.
pub fn secret_from_text(text: &str) -> Option<Vec<u8>> {
    let s: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    totp_rs::Secret::Encoded(s)
        .to_bytes()
        .ok()
        .filter(|b| !b.is_empty())
}

/// The step whose code a holder of the secret can present at `unix_time` without repeating the
/// last one used: the earliest [`verify`] still takes. `None` when the next is more than a step
/// ahead (wait for the clock). For automated clients (the load harness, tests) that sign in more
/// than once a step.
pub fn usable_step(unix_time: u64, last_step: Option<u64>) -> Option<u64> {
    let now = unix_time / STEP_SECONDS;
    let step = match last_step {
        Some(last) => (last + 1).max(now.saturating_sub(1)),
        None => now.saturating_sub(1),
    };
    (step <= now + 1).then_some(step)
}

/// A recovery code as issued: 10 characters of base32 in two groups (`abcde-fghij`, 50 bits),
/// from 7 random bytes the caller draws.
pub fn recovery_code(random: [u8; 7]) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    let bits = random
        .iter()
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    let chars: String = (0..10)
        .map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// A recovery code as typed, in the form it was issued in (case, spaces and dashes forgiven), or
/// `None` when it cannot be one.
pub fn normalize_recovery_code(typed: &str) -> Option<String> {
    let s: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let ok = s.len() == 10
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b));
    ok.then(|| format!("{}-{}", &s[..5], &s[5..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::region::{Level, RegionCode};

    /// RFC 6238 appendix B, SHA-1 (the 8-digit values, of which a 6-digit code is the tail).
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_match_rfc_6238() {
        for (t, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            assert_eq!(code_at(RFC_SECRET, t), &eight[2..], "t={t}");
        }
    }

    #[test]
    fn the_secret_text_reads_back_and_usable_steps_are_taken() {
        let secret = [7u8; SECRET_BYTES];
        let text = secret_text(&secret);
        assert_eq!(secret_from_text(&text).as_deref(), Some(&secret[..]));
        let spaced = text
            .to_lowercase()
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(secret_from_text(&spaced).as_deref(), Some(&secret[..]));
        assert_eq!(secret_from_text("not base32!"), None);
        let t = 1_234_567_890;
        let mut last = None;
        for _ in 0..3 {
            let step = usable_step(t, last).expect("three steps are open");
            let code = code_at(&secret, step * STEP_SECONDS);
            assert_eq!(verify(&secret, &code, t, last), Ok(step));
            last = Some(step);
        }
        assert_eq!(usable_step(t, last), None, "all three used");
    }

    #[test]
    fn a_code_is_good_one_step_either_way_and_once() {
        let t = 1_234_567_890;
        let code = code_at(RFC_SECRET, t);
        let step = t / STEP_SECONDS;
        assert_eq!(verify(RFC_SECRET, &code, t, None), Ok(step));
        assert_eq!(verify(RFC_SECRET, &code, t + 30, None), Ok(step));
        assert_eq!(verify(RFC_SECRET, &code, t - 30, None), Ok(step));
        assert_eq!(
            verify(RFC_SECRET, &code, t + 90, None),
            Err(CodeRefused::Wrong)
        );
        assert_eq!(
            verify(RFC_SECRET, &code, t, Some(step)),
            Err(CodeRefused::Replayed)
        );
        assert_eq!(
            verify(RFC_SECRET, &code, t, Some(step - 1)),
            Ok(step),
            "a later step than the last one used"
        );
        for bad in ["", "12345", "1234567", "abcdef", "000000"] {
            assert_eq!(
                verify(RFC_SECRET, bad, t, None),
                Err(CodeRefused::Wrong),
                "{bad}"
            );
        }
        assert_eq!(
            verify(
                RFC_SECRET,
                &format!(" {} {} ", &code[..3], &code[3..]),
                t,
                None
            ),
            Ok(step)
        );
    }

    #[test]
    fn roles_come_from_the_setting_and_an_unknown_one_is_refused() {
        assert_eq!(parse_roles("").unwrap(), vec![]);
        assert_eq!(
            parse_roles("administrator, auditor supervisor,auditor").unwrap(),
            vec![Role::Administrator, Role::Auditor, Role::Supervisor]
        );
        assert!(parse_roles("administrator,admin").is_err());
        let g = |role| Grant {
            role,
            region_code: RegionCode::parse("330100000000").unwrap(),
            region_level: Level::City,
            department_id: None,
        };
        for role in Role::ALL {
            assert_eq!(
                required(&[g(Role::WindowClerk), g(role)], &DEFAULT_ROLES),
                matches!(
                    role,
                    Role::Administrator
                        | Role::SecurityAdministrator
                        | Role::Auditor
                        | Role::Supervisor
                ),
                "{role:?}"
            );
        }
    }

    #[test]
    fn recovery_codes_read_back_as_typed() {
        let code = recovery_code([1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(code.len(), 11);
        assert_eq!(
            normalize_recovery_code(&code).as_deref(),
            Some(code.as_str())
        );
        let sloppy = code.to_uppercase().replace('-', " ");
        assert_eq!(normalize_recovery_code(&sloppy), Some(code.clone()));
        assert_ne!(recovery_code([7, 6, 5, 4, 3, 2, 1]), code);
        assert_eq!(
            normalize_recovery_code("abcde-fghi1"),
            None,
            "1 is not base32"
        );
        assert_eq!(normalize_recovery_code("abcd"), None);
    }

    #[test]
    fn the_enrolment_address_names_issuer_and_account() {
        let url = otpauth_url(RFC_SECRET, "一站", "sec.city");
        assert!(url.starts_with("otpauth://totp/"), "{url}");
        assert!(
            url.contains(&format!("secret={}", secret_text(RFC_SECRET))),
            "{url}"
        );
        assert!(url.contains("sec.city"), "{url}");
    }
}
