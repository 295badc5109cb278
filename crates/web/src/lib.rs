//! The HTTP layer of yizhan: parses, calls the use cases in `app`, renders.

pub mod api;
pub mod auth;
pub mod error;
pub mod files;
pub mod forms;
pub mod ids;
pub mod limits;
pub mod local_path;
pub mod logging;
pub mod pages;
pub mod state;

// The use cases live in `app`; these paths stay for the transports that name them.
pub use app::{cases, demo_cases, jobs, supervision, supervision_orders};

pub use state::{AppState, Clock, Config, ManualClock, OffsetClock, SystemClock};

use axum::handler::Handler;
use axum::http::{header, HeaderValue};
use axum::routing::{get, post};
use axum::Router;
use pages::{admin, public};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// The whole application: public pages, the staff workbench and the JSON API.
pub fn app(state: AppState) -> Router {
    let pages = Router::new()
        .route("/", get(public::home))
        .route("/catalog", get(public::catalog_list))
        .route("/catalog/{code}", get(public::catalog_detail))
        .route(
            "/catalog/{code}/templates/{index}",
            get(public::material_template),
        )
        .route("/login", get(public::login_page).post(public::login_submit))
        .route("/logout", post(public::logout))
        .route(
            "/login/second-factor",
            get(pages::second_factor::login_page).post(pages::second_factor::login_submit),
        )
        .route(
            "/account/second-factor",
            get(pages::second_factor::account_page).post(pages::second_factor::account_confirm),
        )
        .route(
            "/account/second-factor/recovery-codes",
            post(pages::second_factor::new_recovery_codes),
        )
        .route(
            "/account/second-factor/remove",
            post(pages::second_factor::remove),
        )
        .route(
            "/account/password",
            get(pages::account::password_page).post(pages::account::password_submit),
        )
        .route("/account/sessions", get(pages::account::sessions_page))
        .route(
            "/account/sessions/end-all",
            post(pages::account::end_all_sessions),
        )
        .route(
            "/account/sessions/{id}/end",
            post(pages::account::end_session),
        )
        .route(
            "/password-reset",
            get(pages::account::reset_page).post(pages::account::reset_request),
        )
        .route(
            "/password-reset/confirm",
            post(pages::account::reset_confirm),
        )
        .route("/admin", get(admin::index))
        .route("/admin/regions", get(admin::regions))
        .route("/admin/regions/{code}", get(admin::region_detail))
        .route("/admin/regions/{code}/place", post(admin::save_place))
        .route(
            "/admin/regions/{code}/children",
            post(admin::add_child_region),
        )
        .route(
            "/admin/users",
            get(pages::people::users).post(pages::people::create_user),
        )
        .route(
            "/admin/users/{id}",
            get(pages::people::user_page).post(pages::people::save_profile),
        )
        .route("/admin/users/{id}/active", post(pages::people::save_active))
        .route("/admin/users/{id}/grants", post(pages::people::save_grants))
        .route(
            "/admin/users/{id}/password",
            get(pages::account::admin_reset_page).post(pages::account::admin_reset_submit),
        )
        .route(
            "/admin/users/{id}/unlock",
            post(pages::account::admin_unlock),
        )
        .route(
            "/admin/users/{id}/second-factor/reset",
            post(pages::second_factor::admin_reset),
        )
        .route(
            "/admin/catalog",
            get(admin::catalog).post(admin::item_save.layer(limits::staff_form())),
        )
        .route("/admin/catalog/new", get(admin::item_new))
        .route(
            "/admin/catalog/import",
            post(admin::catalog_import.layer(limits::upload())),
        )
        .route(
            "/admin/catalog/synonyms",
            post(admin::save_synonyms.layer(limits::staff_form())),
        )
        .route("/admin/catalog/{code}/{version}", get(admin::item_view))
        .route(
            "/admin/catalog/{code}/{version}/edit",
            get(admin::item_edit),
        )
        .route(
            "/admin/catalog/{code}/{version}/publish",
            post(admin::item_publish),
        )
        .route(
            "/admin/catalog/{code}/{version}/new-version",
            post(admin::item_new_version),
        )
        .route("/admin/calendar", get(admin::calendar))
        .route(
            "/admin/calendar/import",
            post(admin::calendar_import.layer(limits::staff_form())),
        )
        .route("/admin/calendar/closures", post(admin::add_closure))
        .route(
            "/admin/portal",
            get(admin::portal_page).post(admin::save_portal),
        )
        .route("/cases", get(pages::cases::workbench))
        .route(
            "/cases/new",
            get(pages::cases::new_case).post(pages::cases::file_submit),
        )
        .route(
            "/cases/by-id-number",
            axum::routing::post(pages::cases::cases_by_id_number),
        )
        .route("/cases/{number}", get(pages::cases::case_page))
        .route("/cases/{number}/act", post(pages::cases::case_act))
        .route("/cases/{number}/reveal", post(pages::cases::reveal_page))
        .route(
            "/cases/{number}/upload",
            post(pages::cases::case_upload.layer(limits::upload())),
        )
        .route("/cases/{number}/files/{hash}", get(pages::cases::case_file))
        .route(
            "/cases/{number}/documents/{kind}",
            get(pages::documents::document),
        )
        .route("/lookup", get(pages::cases::lookup))
        .route("/results", get(pages::cases::results))
        .route("/checkpoints", get(pages::record::checkpoints))
        .route("/fees", get(pages::fees::day_page))
        .route("/fees.xlsx", get(pages::fees::day_xlsx))
        .route("/admin/audit", get(pages::audit::page))
        .route("/admin/audit.xlsx", get(pages::audit::xlsx))
        .route(
            "/register",
            get(pages::cases::register_page).post(pages::cases::register_submit),
        )
        .route("/supervision", get(pages::supervision::monitor))
        .route("/supervision/live", get(pages::supervision::live))
        .route("/supervision/scan", post(pages::supervision::run_scan))
        .route(
            "/supervision/orders",
            get(pages::supervision::orders).post(pages::supervision::issue_order),
        )
        .route(
            "/supervision/orders/{id}",
            get(pages::supervision::order_page),
        )
        .route(
            "/supervision/orders/{id}/act",
            post(pages::supervision::order_act),
        )
        .route(
            "/supervision/violations",
            get(pages::supervision::violations_page),
        )
        .route(
            "/supervision/violations.xlsx",
            get(pages::supervision::violations_xlsx),
        )
        .route(
            "/supervision/rules",
            get(pages::supervision::rules_page).post(pages::supervision::save_rules),
        )
        .route(
            "/supervision/weights",
            post(pages::supervision::save_weights),
        )
        .route(
            "/supervision/evaluation",
            get(pages::supervision::evaluation_page),
        )
        .route(
            "/supervision/evaluation.xlsx",
            get(pages::supervision::evaluation_xlsx),
        )
        .route("/static/app.css", get(|| async { pages::css_response() }))
        .route("/static/app.js", get(|| async { pages::js_response() }))
        .route("/healthz", get(|| async { "ok" }))
        .fallback(|| async { pages::error_page(&error::AppError::NotFound("页面"), None) });
    Router::new()
        .nest("/api/v1", api::router())
        .merge(pages)
        .merge(pages::feedback::routes())
        .layer(limits::default_layer())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::session_layer,
        ))
        .layer(axum::middleware::from_fn(with_source))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            portal_scope,
        ))
        .layer(axum::middleware::map_response_with_state(
            state.clone(),
            security_headers,
        ))
        // Outermost first: set the id, copy it to the reply, then trace with it.
        .layer(
            tower::ServiceBuilder::new()
                .layer(axum::middleware::map_request(drop_unfit_request_id))
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(TraceLayer::new_for_http().make_span_with(request_span)),
        )
        .with_state(state)
}

/// Runs the request with the portal's name and footer at hand for every page's frame.
async fn portal_scope(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::http::Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    // A store that cannot be read answers the request itself with its error; the frame then
    // says only the platform's name.
    let portal = app::portal::current(&state).await.unwrap_or_default();
    pages::PORTAL.scope(portal, next.run(req)).await
}

/// Runs the request with its client's address known to the audit log (`app::audit::SOURCE`): the
/// peer's, or — when the peer is this machine, a reverse proxy in front — the first address of
/// `X-Forwarded-For` if it is one.
async fn with_source(
    req: axum::http::Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .and_then(|v| v.trim().parse::<std::net::IpAddr>().ok());
    let source = match (peer, forwarded) {
        (Some(p), Some(f)) if p.is_loopback() => f.to_string(),
        (Some(p), _) => p.to_string(),
        (None, _) => "未知".to_string(),
    };
    app::audit::SOURCE.scope(source, next.run(req)).await
}

/// A caller's `x-request-id` is kept only if it is a plain token (letters, digits, `-`, at most
/// 64): anything else could forge fields in text logs, so it is dropped and a UUID given instead.
async fn drop_unfit_request_id(
    mut req: axum::http::Request<axum::body::Body>,
) -> axum::http::Request<axum::body::Body> {
    let fit = match req.headers().get("x-request-id") {
        None => true,
        Some(v) => v.to_str().is_ok_and(|v| {
            (1..=64).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        }),
    };
    if !fit {
        req.headers_mut().remove("x-request-id");
    }
    req
}

/// The span every log line of a request is written in: its id (`x-request-id`, the caller's or a
/// new UUID, also sent back on the reply) so one complaint's request can be found in the logs, the
/// method and the path — never the query string, which can hold a query code.
fn request_span<B>(req: &axum::http::Request<B>) -> tracing::Span {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
}

/// Headers every response carries: no framing by other sites, no MIME sniffing, no referrer leak;
/// and, when the platform is reached over HTTPS (`public_url`), HSTS so browsers never fall back to
/// plain HTTP. Scripts come only from this site (`/static/app.js`), never inline, so an injected
/// `<script>` does not run. Nothing is kept in a browser's or proxy's cache (`no-store`) but the
/// static assets, which say their own `Cache-Control`: a case page, the lookup by query code or a
/// JSON reply may carry personal data, and a rule that covers every reply cannot miss one.
async fn security_headers(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut resp: axum::response::Response,
) -> axum::response::Response {
    let h = resp.headers_mut();
    if state.config.https() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}
