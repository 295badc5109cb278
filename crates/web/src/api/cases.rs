//! Cases over the API: filing, queues, commands, materials, lookup, messages, results, verify.

use super::model::{
    AutoAccepted, CaseView, CommandReply, CommandResult, EventView, MessageView, QueueRow,
    ResultView, Uploaded,
};
use super::{ApiJson, ApiPath, ApiQuery};
use crate::auth::ApiUser;
use crate::cases::{self, FileRequest};
use crate::error::{ApiResult, AppError};
use crate::ids;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use domain::access::Action;
use domain::case::{Command, IdempotencyKey};
use serde::{Deserialize, Serialize};
use sha2::Digest;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use app::files::MAX_UPLOAD;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(queue_page, file_case))
        .routes(routes!(by_id_number))
        .routes(routes!(reveal))
        .routes(routes!(get_case))
        .routes(routes!(case_events))
        .routes(routes!(case_command))
        .routes(routes!(upload_material))
        .routes(routes!(lookup))
        .routes(routes!(messages))
        .routes(routes!(results))
        .routes(routes!(verify))
        .routes(routes!(auto_accept))
}

/// 申报(网上为草稿)或窗口、村代办登记办件
#[utoipa::path(post, path = "/cases", tag = "办件", operation_id = "file_case",
    request_body = FileRequest,
    security(("session" = [], "csrf" = [])),
    responses((status = 201, description = "已登记", body = CaseView)))]
async fn file_case(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(req): ApiJson<FileRequest>,
) -> ApiResult<(StatusCode, Json<CaseView>)> {
    Ok((
        StatusCode::CREATED,
        Json(app::personal::masked_for(&u, cases::file_case(&state, &u, &req).await?).into()),
    ))
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// 工作人员:prereview | review | decide | deliver | all;政府负责人:extend;申请人或代办员:mine
    #[serde(default)]
    #[param(pattern = "^(prereview|review|decide|deliver|extend|all|mine)?$")]
    pub queue: String,
    /// 上一页响应头 `x-next-after` 的值(键集翻页)
    #[serde(default)]
    pub after: Option<String>,
    /// 每页行数 1–500(默认 500)
    #[serde(default)]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// 在队列中搜索:办件编号、申请人或事项名称包含的文字(至多50字)
    #[serde(default)]
    #[param(max_length = 50)]
    pub text: Option<String>,
}

pub use app::queues::{queue, Page, QueuePage, MAX_PAGE};

/// 工作队列,按期限排序
///
/// A page of a queue; `x-next-after` (and a `Link: rel="next"`) says where the next page starts.
#[utoipa::path(get, path = "/cases", tag = "办件", operation_id = "queue",
    params(QueueQuery),
    security(("session" = [])),
    responses((status = 200, description = "一页办件", body = Vec<QueueRow>,
        headers(
            ("x-next-after" = String, description = "下一页的 after 值;没有下一页时不出现"),
            ("link" = String, description = "下一页地址,rel=\"next\""),
        ))))]
async fn queue_page(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> ApiResult<impl axum::response::IntoResponse> {
    let page = Page::parse(q.after.as_deref(), q.limit, MAX_PAGE)?
        .searching(q.text.as_deref().unwrap_or(""))?;
    let p = queue(&state, &u, &q.queue, &page).await?;
    let mut headers = axum::http::HeaderMap::new();
    if let Some(next) = &p.next {
        let key = next.encode();
        let link = format!(
            "</api/v1/cases?queue={}&limit={}&after={key}>; rel=\"next\"",
            q.queue, page.limit
        );
        for (name, value) in [("x-next-after", key), ("link", link)] {
            if let Ok(v) = axum::http::HeaderValue::from_str(&value) {
                headers.insert(name, v);
            }
        }
    }
    let rows: Vec<QueueRow> = p.rows.into_iter().map(QueueRow::from).collect();
    Ok((headers, Json(rows)))
}

/// Why a member of staff needs an applicant's whole ID number and phone.
#[derive(Deserialize, ToSchema)]
pub struct RevealRequest {
    /// 查看理由(记入审计日志)
    #[schema(example = "核验申请人身份", max_length = 200)]
    pub reason: String,
}

/// An applicant's whole ID number and phone.
#[derive(Serialize, ToSchema)]
pub struct RevealedView {
    pub name: String,
    pub id_number: String,
    pub phone: String,
}

/// 查看申请人完整证件号和手机号
///
/// Cases show the applicant's ID number and phone masked to staff. A member of staff who handles
/// the case (its place or deciding place) reveals them with a reason; the audit log records who,
/// when, from where and why.
#[utoipa::path(post, path = "/cases/{number}/reveal", tag = "办件", operation_id = "reveal_applicant",
    params(("number" = String, Path, description = "办件编号")),
    request_body = RevealRequest,
    security(("session" = [], "csrf" = [])),
    responses((status = 200, description = "完整信息(已记入审计日志)", body = RevealedView)))]
async fn reveal(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(number): ApiPath<String>,
    ApiJson(req): ApiJson<RevealRequest>,
) -> ApiResult<Json<RevealedView>> {
    let number = ids::case_number(&number)?;
    let r = app::personal::reveal(&state, &u, &number, &req.reason).await?;
    Ok(Json(RevealedView {
        name: r.name,
        id_number: r.id_number,
        phone: r.phone,
    }))
}

/// Who to look up: in the body, never in the URL, so no access log holds the number.
#[derive(Deserialize, ToSchema)]
pub struct IdNumberLookup {
    /// 居民身份证号码或统一社会信用代码(空格、小写 x 均可)
    #[schema(example = "330102199001011234", max_length = 40)]
    pub id_number: String,
}

/// 按证件号查找申请人的办件
///
/// The cases of the applicant with this ID number (or credit code) that the caller may see, newest
/// first, at most 100. Found by a keyed blind index: no ID number is stored in clear. Staff only.
#[utoipa::path(post, path = "/cases/by-id-number", tag = "办件", operation_id = "cases_by_id_number",
    request_body = IdNumberLookup,
    security(("session" = [], "csrf" = [])),
    responses((status = 200, description = "该申请人的办件,新的在前", body = Vec<QueueRow>)))]
async fn by_id_number(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(req): ApiJson<IdNumberLookup>,
) -> ApiResult<Json<Vec<QueueRow>>> {
    let found = app::personal::cases_by_id_number(&state, &u, &req.id_number).await?;
    Ok(Json(found.into_iter().map(QueueRow::from).collect()))
}

/// 办件详情(含期限、材料、环节、费用)
#[utoipa::path(get, path = "/cases/{number}", tag = "办件", operation_id = "get_case",
    params(("number" = String, Path, description = "办件编号")),
    security(("session" = [])),
    responses((status = 200, description = "办件", body = CaseView)))]
async fn get_case(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(number): ApiPath<String>,
) -> ApiResult<Json<CaseView>> {
    let number = ids::case_number(&number)?;
    let case = cases::load_visible(&state, &u, &number).await?;
    Ok(Json(app::personal::masked_for(&u, case).into()))
}

/// 办件日志(哈希链)
#[utoipa::path(get, path = "/cases/{number}/events", tag = "办件", operation_id = "case_events",
    params(("number" = String, Path, description = "办件编号")),
    security(("session" = [])),
    responses((status = 200, description = "按序号排列的全部事件", body = Vec<EventView>)))]
async fn case_events(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(number): ApiPath<String>,
) -> ApiResult<Json<Vec<EventView>>> {
    let number = ids::case_number(&number)?;
    let log = cases::case_log(&state, &u, &number).await?;
    let events = app::personal::masked_log(&u, &log.case, log.events);
    Ok(Json(events.into_iter().map(EventView::from).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct CommandBody {
    /// 以 action 区分的操作
    pub command: Command,
    /// 经办意见
    #[serde(default)]
    pub comment: String,
}

/// 对办件执行操作
///
/// 提交、补正、受理、审查、特别程序、延期、决定、收费、送达、办结、撤回、终止等。带
/// `Idempotency-Key` 头重试同一操作不会重复执行。应答默认为精简结果(状态、版本、新增事件、
/// 期限与进行中的环节);请求头 `Prefer: return=representation` 时返回完整办件
/// (应答头 `Preference-Applied` 注明)。
#[utoipa::path(post, path = "/cases/{number}/commands", tag = "办件", operation_id = "case_command",
    params(
        ("number" = String, Path, description = "办件编号"),
        ("idempotency-key" = Option<String>, Header, description = "客户端生成的唯一键;同键重试返回同一结果"),
        ("prefer" = Option<String>, Header, description = "`return=representation`:应答为完整办件;缺省或 `return=minimal`:精简结果"),
    ),
    request_body = CommandBody,
    security(("session" = [], "csrf" = [])),
    responses((status = 200, description = "操作结果(精简)或操作后的办件", body = CommandResult)))]
async fn case_command(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(number): ApiPath<String>,
    headers: axum::http::HeaderMap,
    ApiJson(b): ApiJson<CommandBody>,
) -> ApiResult<axum::response::Response> {
    let number = ids::case_number(&number)?;
    let key = idempotency_key(&headers, &number, &b)?;
    let done = cases::command_visible(
        &state,
        &u,
        &number,
        &b.command,
        &b.comment,
        &[],
        key.as_ref(),
    )
    .await?;
    // The whole case is ~4 kB of JSON to write and for the client to read; most clients only need
    // to know the command took and where the case stands (issue 18).
    Ok(if wants_representation(&headers) {
        (
            [("preference-applied", "return=representation")],
            Json(CommandResult::Full(Box::new(
                app::personal::masked_for(&u, done.case).into(),
            ))),
        )
            .into_response()
    } else {
        Json(CommandResult::Compact(CommandReply::of(
            &done.case,
            &done.events,
        )))
        .into_response()
    })
}

/// Whether the request's `Prefer` header (RFC 7240) asks for the whole resource.
fn wants_representation(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case("return=representation"))
}

/// The request's `Idempotency-Key` with the hash of what it came with: method, path and the body
/// as parsed and written again (so spacing and key order do not make a retry look new).
fn idempotency_key(
    headers: &axum::http::HeaderMap,
    number: &domain::case::CaseNumber,
    body: &CommandBody,
) -> ApiResult<Option<IdempotencyKey>> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = v.to_str().map_err(|_| {
        AppError::bad_field(
            "invalid_idempotency_key",
            "Idempotency-Key",
            "幂等键应为1至100个字符",
        )
    })?;
    let canonical = serde_json::to_vec(&serde_json::json!({
        "command": body.command,
        "comment": body.comment,
    }))
    .map_err(|e| AppError::Internal(format!("command body: {e}")))?;
    let mut h = sha2::Sha256::new();
    h.update(format!("POST /api/v1/cases/{}/commands\n", number.as_str()));
    h.update(&canonical);
    Ok(Some(IdempotencyKey {
        key: key.to_string(),
        request_hash: Some(hex::encode(h.finalize())),
    }))
}

/// 上传第 index 项材料(请求体为文件,PDF/PNG/JPEG,≤10MB)
#[utoipa::path(post, path = "/cases/{number}/materials/{index}", tag = "办件", operation_id = "upload_material",
    params(
        ("number" = String, Path, description = "办件编号"),
        ("index" = usize, Path, description = "材料序号,从 0 起"),
    ),
    request_body(description = "文件内容", content(
        (Vec<u8> = "application/pdf"),
        (Vec<u8> = "image/png"),
        (Vec<u8> = "image/jpeg"),
        (Vec<u8> = "application/octet-stream"),
    )),
    security(("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "已保存", body = Uploaded),
        (status = 413, description = "文件超过 10MB"),
    ))]
async fn upload_material(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath((number, index)): ApiPath<(String, usize)>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> ApiResult<Json<Uploaded>> {
    // Who may upload is settled before a byte of the body is read (the body is taken raw so
    // that no extractor buffers it first).
    let number = ids::case_number(&number)?;
    let c = cases::load_visible(&state, &u, &number).await?;
    let actor = cases::upload_allowed(&state, &u, &c, index).await?;
    crate::files::check_declared_size(crate::limits::content_length(&headers))?;
    let body = axum::body::to_bytes(body, MAX_UPLOAD)
        .await
        .map_err(|_| crate::files::too_large())?;
    let (sha256, content_type) =
        cases::upload_material(&state, &actor, &number, index, &body).await?;
    Ok(Json(Uploaded {
        sha256,
        content_type: content_type.to_string(),
        size: body.len(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupQuery {
    /// 办件编号
    pub number: String,
    /// 查询码(受理回执上)
    pub code: String,
}

pub use app::lookups::{public_view, PublicCase};

/// 公开查询:number 与 code(查询码),不含个人信息
#[utoipa::path(get, path = "/lookup", tag = "办件", operation_id = "lookup",
    params(LookupQuery),
    responses((status = 200, description = "办件进度", body = PublicCase)))]
async fn lookup(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<LookupQuery>,
) -> ApiResult<Json<PublicCase>> {
    let number = ids::looked_up_number(&q.number)?;
    Ok(Json(public_view(&state, &number, &q.code).await?))
}

/// 我的办件消息
#[utoipa::path(get, path = "/messages", tag = "办件", operation_id = "messages",
    security(("session" = [])),
    responses((status = 200, description = "消息,新的在前", body = Vec<MessageView>)))]
async fn messages(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<Vec<MessageView>>> {
    let rows = cases::messages(&state, &u).await?;
    Ok(Json(rows.into_iter().map(MessageView::from).collect()))
}

/// 结果公开(个人信息已脱敏)
#[utoipa::path(get, path = "/results", tag = "办件", operation_id = "results",
    responses((status = 200, description = "最近 200 件决定", body = Vec<ResultView>)))]
async fn results(State(state): State<AppState>) -> ApiResult<Json<Vec<ResultView>>> {
    let rows = cases::results(
        &state,
        &store::ResultQuery::latest(app::cases::RESULTS_SHOWN),
    )
    .await?;
    Ok(Json(rows.into_iter().map(ResultView::from).collect()))
}

/// 校验全部记录:哈希链、日志长度、快照与派生列、算法套件、已发编号、只追加触发器
#[utoipa::path(post, path = "/admin/verify", tag = "办件", operation_id = "verify",
    security(("session" = [], "csrf" = [])),
    responses((status = 200, description = "校验结果:findings 为空即记录完整", body = app::verify::Report)))]
async fn verify(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<app::verify::Report>> {
    Ok(Json(app::verify::check(&state, &u).await?))
}

/// 按行政许可法第三十二条执行逾期自动受理
#[utoipa::path(post, path = "/admin/auto-accept", tag = "办件", operation_id = "auto_accept",
    security(("session" = [], "csrf" = [])),
    responses((status = 200, description = "本次自动受理的件数", body = AutoAccepted)))]
async fn auto_accept(
    State(state): State<AppState>,
    ApiUser(u): ApiUser,
) -> ApiResult<Json<AutoAccepted>> {
    if !u.can_anywhere(Action::ManageUsers) {
        return Err(AppError::Forbidden.into());
    }
    let accepted = cases::auto_accept_overdue(&state).await?;
    Ok(Json(AutoAccepted { accepted }))
}
