//! The platform's configuration, layered (figment): built-in defaults → `yizhan.toml` (or the file
//! `--config`/`YIZHAN_CONFIG` names) → `YIZHAN_*` environment variables → command-line flags; each
//! later layer overrides the earlier. A key the platform does not know, in the file or a value of
//! the wrong type anywhere, stops the start with a message naming it and where it came from.

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Deserializer, Serialize};
use std::path::{Path, PathBuf};

/// The file read when none is named: `yizhan.toml` in the working directory, if there is one.
pub const DEFAULT_FILE: &str = "yizhan.toml";

/// Every setting, with its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address the server listens on.
    pub bind: String,
    /// The address people reach the platform at, printed in every QR code on official notices and
    /// in links; `https://…` also turns on HSTS. Unset: `http://` + `bind`, right only on one machine.
    pub public_url: Option<String>,
    /// `sqlite://PATH` or `postgres://user@host/db`. Unset: `sqlite://` + data_dir/yizhan.db.
    pub database_url: Option<String>,
    /// Folder of the SQLite database and uploaded files.
    pub data_dir: PathBuf,
    /// Send cookies without `Secure` (a plain-HTTP intranet without TLS; never on the internet).
    #[serde(deserialize_with = "flexible_bool")]
    pub insecure_cookies: bool,
    /// How long a sign-in lasts at most.
    pub session_hours: i64,
    /// Minutes without activity that end a staff member's session, and an applicant's.
    pub session_idle_minutes: i64,
    pub applicant_idle_minutes: i64,
    /// Base delay after a failed sign-in, growing with each consecutive failure.
    pub login_delay_ms: u64,
    /// Failed sign-ins within `lock_minutes` that lock an account for the address they came
    /// from, and for how long.
    pub lock_after: u32,
    pub lock_minutes: i64,
    /// Failed sign-ins within `lock_minutes` from one address, over all accounts, that stop it.
    pub source_lock_after: u32,
    /// Days a staff password is good for before it must be changed (0: no expiry).
    pub password_expiry_days: i64,
    /// Roles whose accounts must present a second factor (an authenticator app's code) at sign-in,
    /// separated by commas; empty for none.
    pub second_factor_roles: String,
    /// `text` for people, `json` (one object a line) for log collectors.
    pub log_format: LogFormat,
    /// The crypto suite of a new database's record: `intl` (SHA-256, Ed25519, AES-256-GCM) or `gm`
    /// (国密 SM3, SM2, SM4). Recorded when the first server starts on the database; a server
    /// configured for the other suite then refuses to start.
    pub crypto_suite: crypto::Suite,
    /// The key ring file (signing key for checkpoints, data and index keys). Never in the
    /// database. Unset: `<data_dir>/keys/record-keys.json`, created on first start, with a warning
    /// at every start that a production key belongs on another disk, in a KMS or an HSM.
    pub signing_key: Option<PathBuf>,
    /// Days the audit log is kept at least before sealed entries may be pruned (at least 183:
    /// 网络安全法 art. 21 asks for six months).
    pub audit_retention_days: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Settings {
    fn default() -> Self {
        let web = app::Settings::default();
        Settings {
            bind: "127.0.0.1:8080".to_string(),
            public_url: None,
            database_url: None,
            data_dir: web.data_dir,
            insecure_cookies: !web.cookie_secure,
            session_hours: web.session_hours,
            session_idle_minutes: web.session_idle_minutes,
            applicant_idle_minutes: web.applicant_idle_minutes,
            login_delay_ms: web.login_delay_ms,
            lock_after: web.lock_after,
            lock_minutes: web.lock_minutes,
            source_lock_after: web.source_lock_after,
            password_expiry_days: web.password_expiry_days,
            second_factor_roles: web
                .second_factor_roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(","),
            log_format: LogFormat::Text,
            crypto_suite: crypto::Suite::Intl,
            signing_key: None,
            audit_retention_days: web.audit_retention_days,
        }
    }
}

/// Keys read from the environment, as `YIZHAN_<KEY>` (e.g. `YIZHAN_DATABASE_URL`). A fixed list,
/// so other `YIZHAN_*` variables (the test and demo knobs) are not taken for settings.
const ENV_KEYS: &[&str] = &[
    "bind",
    "public_url",
    "database_url",
    "data_dir",
    "insecure_cookies",
    "session_hours",
    "session_idle_minutes",
    "applicant_idle_minutes",
    "login_delay_ms",
    "lock_after",
    "lock_minutes",
    "source_lock_after",
    "password_expiry_days",
    "second_factor_roles",
    "log_format",
    "crypto_suite",
    "signing_key",
    "audit_retention_days",
];

/// Values given as flags; `None` leaves the layers below in force.
#[derive(Debug, Default, Serialize)]
pub struct Flags {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insecure_cookies: Option<bool>,
}

/// The layers, unmerged into `Settings` yet, so `yizhan config` can say where each value came from.
pub fn figment(file: Option<&Path>, flags: &Flags) -> Result<Figment, String> {
    let file = match file {
        Some(f) if !f.is_file() => {
            return Err(format!("配置文件 {} 不存在", f.display()));
        }
        Some(f) => f.to_path_buf(),
        None => PathBuf::from(DEFAULT_FILE),
    };
    Ok(Figment::from(Serialized::defaults(Settings::default()))
        .merge(Toml::file(file))
        .merge(Env::prefixed("YIZHAN_").only(ENV_KEYS))
        .merge(Serialized::defaults(flags)))
}

/// The effective settings, checked.
pub fn load(file: Option<&Path>, flags: &Flags) -> Result<Settings, String> {
    let settings: Settings = figment(file, flags)?
        .extract()
        .map_err(|e| format!("配置有误:{e}"))?;
    settings.check()?;
    Ok(settings)
}

impl Settings {
    fn check(&self) -> Result<(), String> {
        if let Some(url) = &self.public_url {
            let rest = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"));
            if rest.is_none_or(|r| {
                r.trim_end_matches('/').is_empty() || r.contains(char::is_whitespace)
            }) {
                return Err(format!(
                    "配置有误:public_url “{url}” 应为 http:// 或 https:// 开头的完整地址"
                ));
            }
        }
        if self.session_hours <= 0
            || self.session_idle_minutes <= 0
            || self.applicant_idle_minutes <= 0
            || self.lock_minutes <= 0
            || self.lock_after == 0
            || self.source_lock_after == 0
        {
            return Err("配置有误:session_hours、session_idle_minutes、applicant_idle_minutes、lock_after、lock_minutes、source_lock_after 应为正数".into());
        }
        if self.password_expiry_days < 0 {
            return Err("配置有误:password_expiry_days 不能为负数(0 表示不过期)".into());
        }
        domain::second_factor::parse_roles(&self.second_factor_roles)
            .map_err(|e| format!("配置有误:{e}"))?;
        Ok(())
    }

    /// The public address without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.bind),
        }
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("yizhan.db").display()))
    }

    /// The key ring file, and whether it is the default beside the data.
    pub fn signing_key(&self) -> (PathBuf, bool) {
        match &self.signing_key {
            Some(p) => (p.clone(), false),
            None => (app::keys::default_path(&self.data_dir), true),
        }
    }

    /// What the web layer needs.
    pub fn web_config(&self) -> app::Settings {
        app::Settings {
            cookie_secure: !self.insecure_cookies,
            session_hours: self.session_hours,
            session_idle_minutes: self.session_idle_minutes,
            applicant_idle_minutes: self.applicant_idle_minutes,
            login_delay_ms: self.login_delay_ms,
            lock_after: self.lock_after,
            lock_minutes: self.lock_minutes,
            source_lock_after: self.source_lock_after,
            password_expiry_days: self.password_expiry_days,
            // Checked when loaded (`check`).
            second_factor_roles: domain::second_factor::parse_roles(&self.second_factor_roles)
                .unwrap_or_else(|_| domain::second_factor::DEFAULT_ROLES.to_vec()),
            data_dir: self.data_dir.clone(),
            public_url: self.public_url(),
            audit_retention_days: self.audit_retention_days.max(183),
        }
    }

    /// The effective configuration as TOML lines, each with where it came from; a password in the
    /// database URL is shown as `***`.
    pub fn describe(&self, figment: &Figment) -> String {
        let value = serde_json::to_value(self).expect("settings serialize");
        let mut out = String::new();
        for (key, v) in value.as_object().expect("a table") {
            let shown = match (key.as_str(), v) {
                ("database_url", serde_json::Value::String(s)) => {
                    serde_json::Value::String(hide_password(s))
                }
                _ => v.clone(),
            };
            let source = figment
                .find_metadata(key)
                .map(|m| match &m.source {
                    Some(figment::Source::File(p)) => p.display().to_string(),
                    // Serialized providers are named after their type.
                    _ if m.name.ends_with("Flags") => "command-line flag".to_string(),
                    _ if m.name.ends_with("Settings") => "default".to_string(),
                    _ => format!("environment (YIZHAN_{})", key.to_uppercase()),
                })
                .unwrap_or_default();
            let line = match shown {
                serde_json::Value::Null => {
                    let derived = match key.as_str() {
                        "public_url" => self.public_url(),
                        "database_url" => hide_password(&self.database_url()),
                        _ => String::new(),
                    };
                    format!("# {key} 未设置,取 {derived:?}")
                }
                serde_json::Value::String(s) => format!("{key} = {s:?}"),
                other => format!("{key} = {other}"),
            };
            out.push_str(&format!("{line:<56} # {source}\n"));
        }
        out
    }
}

/// `postgres://user:secret@host/db?password=…` → `postgres://user:***@host/db?password=***`; in the
/// key-value form, `password = value` (quoted or not) → `password=***`.
pub fn hide_password(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let (base, query) = match rest.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (rest, None),
        };
        let base = match base.rsplit_once('@') {
            Some((auth, host)) => match auth.split_once(':') {
                Some((user, _)) => format!("{user}:***@{host}"),
                None => base.to_string(),
            },
            None => base.to_string(),
        };
        let query = query.map(|q| {
            q.split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_string(),
                })
                .collect::<Vec<_>>()
                .join("&")
        });
        return match query {
            Some(q) => format!("{scheme}://{base}?{q}"),
            None => format!("{scheme}://{base}"),
        };
    }
    // Key-value form: find `password`, skip `=` and spaces, replace the (maybe quoted) value.
    let lower = url.to_ascii_lowercase();
    let Some(at) = lower.find("password") else {
        return url.to_string();
    };
    let after_key = at + "password".len();
    let rest = url[after_key..].trim_start();
    let Some(value) = rest.strip_prefix('=').map(str::trim_start) else {
        return url.to_string();
    };
    let value_len = if let Some(quoted) = value.strip_prefix('\'') {
        // Up to the closing quote; `\'` inside is an escaped quote.
        let mut end = quoted.len();
        let mut escaped = false;
        for (i, c) in quoted.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '\'' if !escaped => {
                    end = i + 1;
                    break;
                }
                _ => escaped = false,
            }
        }
        1 + end
    } else {
        value.find(char::is_whitespace).unwrap_or(value.len())
    };
    let value_start = url.len() - value.len();
    format!(
        "{}password=***{}",
        &url[..at],
        &url[value_start + value_len..]
    )
}

/// `true`/`false`, and `1`/`0`, `yes`/`no`, `on`/`off` as environment variables are often written.
fn flexible_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum B {
        Bool(bool),
        Int(i64),
        Text(String),
    }
    match B::deserialize(d)? {
        B::Bool(b) => Ok(b),
        B::Int(0) => Ok(false),
        B::Int(1) => Ok(true),
        B::Text(s) => match s.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" | "" => Ok(false),
            _ => Err(serde::de::Error::custom(format!(
                "“{s}” is not a yes/no value"
            ))),
        },
        B::Int(n) => Err(serde::de::Error::custom(format!(
            "{n} is not a yes/no value"
        ))),
    }
}

#[cfg(test)]
// figment's `Jail` closures return its large `figment::Error`; that is its API, not ours.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn defaults_alone() {
        Jail::expect_with(|_| {
            let s = load(None, &Flags::default()).unwrap();
            assert_eq!(s, Settings::default());
            assert_eq!(s.public_url(), "http://127.0.0.1:8080");
            assert_eq!(s.database_url(), "sqlite://yizhan-data/yizhan.db");
            assert!(s.web_config().cookie_secure);
            Ok(())
        });
    }

    #[test]
    fn file_then_environment_then_flags() {
        Jail::expect_with(|jail| {
            jail.create_file(
                DEFAULT_FILE,
                r#"
                bind = "0.0.0.0:9000"
                public_url = "https://zwfw.qingchuan.gov.cn/"
                session_hours = 8
                lock_after = 3
                log_format = "json"
                "#,
            )?;
            let s = load(None, &Flags::default()).unwrap();
            assert_eq!(s.bind, "0.0.0.0:9000");
            assert_eq!(s.public_url(), "https://zwfw.qingchuan.gov.cn");
            assert_eq!(s.session_hours, 8);
            assert_eq!(s.log_format, LogFormat::Json);

            jail.set_env("YIZHAN_SESSION_HOURS", "4");
            jail.set_env("YIZHAN_INSECURE_COOKIES", "1");
            // Not a setting: the test and demo knobs share the prefix and are left alone.
            jail.set_env("YIZHAN_TEST_PG_URL", "postgres://x@y/z");
            let s = load(None, &Flags::default()).unwrap();
            assert_eq!(s.session_hours, 4);
            assert!(s.insecure_cookies);
            assert_eq!(
                s.lock_after, 3,
                "the file's value where the environment is silent"
            );

            let flags = Flags {
                bind: Some("127.0.0.1:7000".into()),
                insecure_cookies: Some(false),
                ..Flags::default()
            };
            let s = load(None, &flags).unwrap();
            assert_eq!(s.bind, "127.0.0.1:7000");
            assert!(!s.insecure_cookies);
            assert_eq!(s.web_config().public_url, "https://zwfw.qingchuan.gov.cn");
            Ok(())
        });
    }

    #[test]
    fn a_named_file_is_read_and_a_missing_one_refused() {
        Jail::expect_with(|jail| {
            jail.create_file("etc.toml", "data_dir = \"/srv/yizhan\"")?;
            let s = load(Some(Path::new("etc.toml")), &Flags::default()).unwrap();
            assert_eq!(s.database_url(), "sqlite:///srv/yizhan/yizhan.db");
            let e = load(Some(Path::new("nope.toml")), &Flags::default()).unwrap_err();
            assert!(e.contains("nope.toml"), "{e}");
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused_with_their_name() {
        Jail::expect_with(|jail| {
            jail.create_file(DEFAULT_FILE, "sesion_hours = 4")?;
            let e = load(None, &Flags::default()).unwrap_err();
            assert!(e.contains("sesion_hours"), "{e}");

            jail.create_file(DEFAULT_FILE, "log_format = \"xml\"")?;
            let e = load(None, &Flags::default()).unwrap_err();
            assert!(e.contains("xml"), "{e}");

            jail.create_file(DEFAULT_FILE, "public_url = \"zwfw.example\"")?;
            let e = load(None, &Flags::default()).unwrap_err();
            assert!(e.contains("public_url"), "{e}");

            jail.create_file(DEFAULT_FILE, "")?;
            jail.set_env("YIZHAN_INSECURE_COOKIES", "maybe");
            let e = load(None, &Flags::default()).unwrap_err();
            assert!(e.contains("maybe"), "{e}");
            Ok(())
        });
    }

    #[test]
    fn describe_hides_the_database_password_and_names_sources() {
        Jail::expect_with(|jail| {
            jail.create_file(DEFAULT_FILE, "bind = \"0.0.0.0:80\"")?;
            jail.set_env(
                "YIZHAN_DATABASE_URL",
                "postgres://yizhan:s3cret@db.internal:5432/yizhan",
            );
            let fig = figment(None, &Flags::default()).unwrap();
            let s = load(None, &Flags::default()).unwrap();
            let text = s.describe(&fig);
            assert!(!text.contains("s3cret"), "{text}");
            assert!(
                text.contains("database_url = \"postgres://yizhan:***@db.internal:5432/yizhan\""),
                "{text}"
            );
            let bind = text.lines().find(|l| l.starts_with("bind")).unwrap();
            assert!(bind.contains("yizhan.toml"), "{bind}");
            let db = text
                .lines()
                .find(|l| l.starts_with("database_url"))
                .unwrap();
            assert!(db.contains("environment (YIZHAN_DATABASE_URL)"), "{db}");
            let lock = text.lines().find(|l| l.starts_with("lock_after")).unwrap();
            assert!(lock.ends_with("# default"), "{lock}");
            assert!(
                text.contains("# public_url 未设置,取 \"http://0.0.0.0:80\""),
                "{text}"
            );
            Ok(())
        });
    }

    #[test]
    fn second_factor_roles_are_read_and_a_wrong_one_refused() {
        Jail::expect_with(|jail| {
            let s = load(None, &Flags::default()).unwrap();
            assert_eq!(
                s.web_config().second_factor_roles,
                domain::second_factor::DEFAULT_ROLES.to_vec()
            );
            jail.set_env("YIZHAN_SECOND_FACTOR_ROLES", "");
            let s = load(None, &Flags::default()).unwrap();
            assert!(s.web_config().second_factor_roles.is_empty());
            jail.set_env("YIZHAN_SECOND_FACTOR_ROLES", "auditor, window_clerk");
            let s = load(None, &Flags::default()).unwrap();
            assert_eq!(
                s.web_config().second_factor_roles,
                vec![domain::Role::Auditor, domain::Role::WindowClerk]
            );
            jail.set_env("YIZHAN_SECOND_FACTOR_ROLES", "auditor,supervsor");
            let e = load(None, &Flags::default()).unwrap_err();
            assert!(e.contains("supervsor"), "{e}");
            Ok(())
        });
    }

    #[test]
    fn passwords_are_hidden_in_both_url_forms() {
        assert_eq!(
            hide_password("postgres://u:p@w@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(hide_password("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(hide_password("sqlite://a/b.db"), "sqlite://a/b.db");
        assert_eq!(
            hide_password("host=h user=u password=p dbname=d"),
            "host=h user=u password=*** dbname=d"
        );
        assert_eq!(
            hide_password("host=h password = 'a b\\'c' dbname=d"),
            "host=h password=*** dbname=d"
        );
        assert_eq!(
            hide_password("postgres://h/db?sslmode=disable&password=s3cret"),
            "postgres://h/db?sslmode=disable&password=***"
        );
    }
}
