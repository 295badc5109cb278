//! Formula injection (CSV injection, OWASP): a spreadsheet opening a CSV runs a cell that starts
//! with `=`, `+`, `-` or `@` (and tab or CR, which some strip first) as a formula. Every CSV cell
//! the platform writes goes through [`neutralize`], which prefixes such a cell with `'` so it is
//! shown as text; reading a CSV undoes it with [`restore`], so an export imports back as it was.
//! A leading `'` is itself escaped the same way, so a value that starts with one round-trips.
//! Excel files (xlsx) store text cells as text and need none of this.

use std::borrow::Cow;

fn needs_escape(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r', '\''])
}

/// The cell as written to a CSV file.
pub fn neutralize(s: &str) -> Cow<'_, str> {
    if needs_escape(s) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// The value of a cell read from a CSV file (the inverse of [`neutralize`]).
pub fn restore(s: &str) -> Cow<'_, str> {
    match s.strip_prefix('\'') {
        Some(rest) if needs_escape(rest) => rest.into(),
        _ => s.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formulas_become_text() {
        assert_eq!(
            neutralize("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(neutralize("+1"), "'+1");
        assert_eq!(neutralize("-1+2"), "'-1+2");
        assert_eq!(neutralize("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralize("\t=1"), "'\t=1");
        assert_eq!(neutralize("\r=1"), "'\r=1");
        assert_eq!(neutralize("建房 = 许可"), "建房 = 许可");
    }

    proptest! {
        #[test]
        fn round_trips_and_never_starts_a_formula(s in "['=+@\\t\\r-]{0,3}.{0,5}") {
            let w = neutralize(&s);
            prop_assert!(!w.starts_with(['=', '+', '-', '@', '\t', '\r']));
            prop_assert_eq!(restore(&w).into_owned(), s.clone());
        }
    }
}
