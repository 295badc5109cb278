//! The OpenAPI 3.1 document of `/api/v1`, derived from the handlers' `#[utoipa::path]` attributes
//! and the request and reply types' `ToSchema` derives. What every operation can answer besides
//! its own replies (a refused request, a missing sign-in, a conflict) is added here once.

use crate::auth::{CSRF_HEADER, SESSION_COOKIE};
use crate::state::AppState;
use axum::Json;
use serde_json::{json, Value};
use std::sync::LazyLock;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "一站 yizhan API",
        description = "行政服务网络接口。写操作需携带会话 Cookie 与 X-CSRF-Token 头(登录接口返回 csrf_token)。错误返回 {code, message, field, errors}:code 为稳定的英文代码,message 为中文说明。"
    ),
    servers((url = "/api/v1")),
    components(schemas(crate::error::ErrorBody)),
    modifiers(&Schemes),
    tags(
        (name = "会话", description = "登录与当前用户"),
        (name = "区划与场所", description = "行政区划、服务场所与部门"),
        (name = "人员", description = "人员与角色授权"),
        (name = "事项目录", description = "事项的版本、草稿、发布与导入导出"),
        (name = "日历", description = "节假日、调休、闭馆日与期限计算"),
        (name = "办件", description = "申报、队列、操作、材料、查询与结果公开"),
        (name = "评价与投诉", description = "投诉查询、逾期督办与月度统计"),
        (name = "文档", description = "本文档")
    )
)]
struct ApiDoc;

struct Schemes;

impl utoipa::Modify for Schemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let c = doc.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))),
        );
        c.add_security_scheme(
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new(CSRF_HEADER))),
        );
    }
}

/// The document's frame: information, servers, security schemes, tags, the error schema.
pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(openapi_json))
}

/// 本文档(OpenAPI 3.1)
#[utoipa::path(get, path = "/openapi.json", tag = "文档", operation_id = "openapi",
    responses((status = 200, description = "OpenAPI 3.1 文档", body = Object)))]
async fn openapi_json() -> Json<&'static Value> {
    Json(document())
}

/// The finished document, built once.
pub fn document() -> &'static Value {
    static DOC: LazyLock<Value> = LazyLock::new(|| finish(super::routes().into_openapi()));
    &DOC
}

/// Adds the replies every operation shares, from what it declares: a refused request (400), a
/// missing sign-in and a refusal (401, 403) where it needs a session, a CSRF refusal (403) and a
/// conflict (409) for writes, field errors (422) where it takes input, not found (404) and an
/// internal error (500) everywhere.
fn finish(doc: utoipa::openapi::OpenApi) -> Value {
    let mut v = serde_json::to_value(&doc).expect("the document serializes");
    let error = |description: &str| {
        json!({
            "description": description,
            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
        })
    };
    if let Some(paths) = v["paths"].as_object_mut() {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                let secured = op.get("security").is_some();
                let write = method != "get";
                let input = op.get("requestBody").is_some()
                    || op["parameters"].as_array().is_some_and(|p| !p.is_empty());
                let responses = op["responses"]
                    .as_object_mut()
                    .expect("every operation declares its replies");
                let mut add = |status: &str, description: &str| {
                    responses
                        .entry(status.to_string())
                        .or_insert_with(|| error(description));
                };
                add("400", "请求无法读取(JSON、查询参数或请求体有误)");
                if secured {
                    add("401", "未登录或会话已过期");
                }
                if secured || write {
                    add("403", "无权限,或缺少 X-CSRF-Token");
                }
                add("404", "不存在,或不在管辖范围内");
                if write {
                    add("409", "与当前状态冲突(如办件已被他人更新)");
                }
                if input {
                    add("422", "字段校验失败,errors 列出每个字段");
                }
                add("500", "内部错误(详情只记入日志)");
            }
        }
    }
    v
}
