//! What the server's log may say (issue 17, part 9): never a query code, session or CSRF token,
//! password, full ID number or full phone — at any level, debug included.
//!
//! The platform's own lines keep to that by what they log: request spans carry the path but not
//! the query string (`request_span`), the notifier masks the number and leaves out the text
//! (`app::LogNotifier`, masks in `domain::identity`), errors log only internal details. Libraries
//! are another matter: tokio-postgres logs every statement's parameters at debug, and a public
//! lookup's parameters are a case number and its query code. Such a library is held at `info`
//! whatever the operator asks for, here, for the binary and the tests alike.

/// Libraries whose debug lines carry request data, held at `info`.
const HELD_AT_INFO: &[&str] = &["tokio_postgres"];

/// The tracing filter for a requested one (`RUST_LOG`; `info` when unset or empty): the same
/// directives, less any that would open a library of [`HELD_AT_INFO`] further, with those held
/// at `info`.
pub fn filter(requested: Option<&str>) -> String {
    let requested = requested.map(str::trim).filter(|r| !r.is_empty());
    let mut directives: Vec<String> = requested
        .unwrap_or("info")
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty() && !HELD_AT_INFO.iter().any(|l| d.starts_with(l)))
        .map(String::from)
        .collect();
    directives.extend(HELD_AT_INFO.iter().map(|l| format!("{l}=info")));
    directives.join(",")
}

#[cfg(test)]
mod tests {
    use super::filter;

    #[test]
    fn libraries_that_log_parameters_stay_at_info() {
        assert_eq!(filter(None), "info,tokio_postgres=info");
        assert_eq!(filter(Some(" ")), "info,tokio_postgres=info");
        assert_eq!(filter(Some("debug")), "debug,tokio_postgres=info");
        assert_eq!(
            filter(Some("warn,tokio_postgres=trace,yizhan_web=debug")),
            "warn,yizhan_web=debug,tokio_postgres=info"
        );
        assert_eq!(
            filter(Some("tokio_postgres::query=debug")),
            "tokio_postgres=info"
        );
    }
}
