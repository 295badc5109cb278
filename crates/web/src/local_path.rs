//! Where a redirect may go when its target comes from input (`next` after sign-in): a path on this
//! site, parsed once into [`LocalPath`] so a redirect can only be built from one.
//!
//! Browsers read a `Location` by the WHATWG URL rules, which are lenient: they drop tab, CR and LF
//! anywhere (`/\t/evil.example` becomes `//evil.example`, another host), treat `\` as `/`, and read
//! `//host` as a host. So the rule is strict rather than clever: a path starts with one `/`, not
//! followed by `/` or `\`, and holds only printable ASCII without `\` — every control character,
//! space and non-ASCII byte is refused (the paths this site links to are percent-encoded). What is
//! left is a path-absolute URL the WHATWG parser resolves to the same origin (property-tested
//! against the `url` crate below) and a valid header value (no panic, no 500).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A same-origin path (with its query), safe as a `Location`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalPath(String);

impl LocalPath {
    /// The path, or `None` when it could leave the site (or is not a path at all).
    pub fn parse(s: &str) -> Option<LocalPath> {
        let b = s.as_bytes();
        let fit = b.first() == Some(&b'/')
            && !matches!(b.get(1), Some(b'/' | b'\\'))
            && b.iter().all(|&c| (0x21..=0x7e).contains(&c) && c != b'\\')
            && b.len() <= 2048;
        fit.then(|| LocalPath(s.to_string()))
    }

    /// `parse`, or `fallback` when the input is not a local path.
    pub fn parse_or(s: &str, fallback: &'static str) -> LocalPath {
        Self::parse(s).unwrap_or_else(|| Self::site(fallback))
    }

    /// One of the site's own paths, written in the code.
    pub fn site(path: &'static str) -> LocalPath {
        debug_assert!(Self::parse(path).is_some(), "{path} is not a local path");
        LocalPath(path.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A 303 to this path (what `axum::response::Redirect::to` gives, without its panic path).
    pub fn redirect(&self) -> Response {
        let location = HeaderValue::from_str(&self.0).expect("a local path is a header value");
        (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::LocalPath;
    use proptest::prelude::*;

    const BASE: &str = "https://yizhan.example/cases/1?x=1";

    fn same_origin(p: &str) -> bool {
        let base = url::Url::parse(BASE).unwrap();
        base.join(p).is_ok_and(|u| u.origin() == base.origin())
    }

    #[test]
    fn refuses_what_browsers_read_as_another_site() {
        for bad in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "evil.example",
            "",
            "/a\nSet-Cookie: x=1",
            "/ /evil",
            "/\u{3000}",
        ] {
            assert_eq!(LocalPath::parse(bad), None, "{bad:?}");
        }
        for good in [
            "/",
            "/admin",
            "/cases/new?item_code=X&a=%2F%2Fb",
            "/%2F%2Fevil",
        ] {
            assert_eq!(LocalPath::parse(good).unwrap().as_str(), good);
            assert!(same_origin(good));
        }
    }

    fn tricky() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("/".to_string()),
            Just("\\".to_string()),
            Just("\t".to_string()),
            Just("\n".to_string()),
            Just("\r".to_string()),
            Just(" ".to_string()),
            Just(":".to_string()),
            Just("@".to_string()),
            Just("%2F".to_string()),
            Just("%09".to_string()),
            Just(".".to_string()),
            Just("..".to_string()),
            Just("?".to_string()),
            Just("#".to_string()),
            Just("evil.example".to_string()),
            Just("http".to_string()),
            Just("\u{0}".to_string()),
            Just("\u{7f}".to_string()),
            Just("\u{ff0f}".to_string()),
            "[a-z]{1,3}".prop_map(String::from),
            any::<char>().prop_map(String::from),
        ];
        // Half of them start as a path does, so the accepting side is explored too.
        (any::<bool>(), prop::collection::vec(piece, 0..8))
            .prop_map(|(slash, v)| format!("{}{}", if slash { "/" } else { "" }, v.concat()))
    }

    proptest! {
        #[test]
        fn every_accepted_path_stays_on_the_site(s in tricky()) {
            if let Some(p) = LocalPath::parse(&s) {
                prop_assert!(same_origin(p.as_str()), "{s:?} leaves the site");
                // Becomes a response, never a panic.
                prop_assert_eq!(p.redirect().status(), axum::http::StatusCode::SEE_OTHER);
            }
        }

        #[test]
        fn any_string_is_parsed_without_panic(s in any::<String>()) {
            if let Some(p) = LocalPath::parse(&s) {
                prop_assert!(same_origin(p.as_str()));
            }
        }
    }
}
