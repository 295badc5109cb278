//! The OpenAPI 3.1 description of `/api/v1`. Written by hand to stay small; a test checks that every
//! documented operation is routed.

use crate::state::AppState;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(|| async { Json(document()) }))
}

/// (method, path, summary, needs sign-in, request schema)
pub const OPERATIONS: &[(&str, &str, &str, bool, Option<&str>)] = &[
    (
        "post",
        "/session",
        "登录,返回 CSRF 令牌并设置会话 Cookie",
        false,
        Some("Login"),
    ),
    ("delete", "/session", "退出登录", true, None),
    ("get", "/me", "当前用户及其角色", true, None),
    ("get", "/regions", "管辖范围内的区划", true, None),
    (
        "post",
        "/regions",
        "新增区划(系统管理员)",
        true,
        Some("NewRegion"),
    ),
    ("get", "/regions/{code}", "区划详情", true, None),
    ("get", "/places", "管辖范围内的服务场所", true, None),
    ("get", "/places/{code}", "某区划的服务场所", true, None),
    (
        "put",
        "/places/{code}",
        "保存服务场所(中心管理员)",
        true,
        Some("ServicePlace"),
    ),
    ("get", "/departments", "管辖范围内的部门", true, None),
    (
        "post",
        "/departments",
        "新增部门",
        true,
        Some("NewDepartment"),
    ),
    ("get", "/users", "管辖范围内的人员", true, None),
    (
        "post",
        "/users",
        "新增人员并授予角色",
        true,
        Some("CreateUser"),
    ),
    ("get", "/users/{id}", "人员详情", true, None),
    (
        "put",
        "/users/{id}/grants",
        "替换人员的角色授权",
        true,
        Some("GrantList"),
    ),
    (
        "put",
        "/users/{id}/active",
        "启用或停用人员",
        true,
        Some("Active"),
    ),
    (
        "get",
        "/catalog",
        "已发布事项(status=all 时含草稿,限管理范围)",
        false,
        None,
    ),
    (
        "post",
        "/catalog",
        "保存事项草稿",
        true,
        Some("CatalogItem"),
    ),
    (
        "get",
        "/catalog/export",
        "导出事项目录(format=xlsx|csv)",
        false,
        None,
    ),
    (
        "post",
        "/catalog/import",
        "导入事项目录(format=xlsx|csv,请求体为文件内容,全部成功或全部不导入)",
        true,
        None,
    ),
    ("get", "/catalog/{code}", "事项的现行发布版本", false, None),
    (
        "get",
        "/catalog/{code}/versions",
        "事项的所有可见版本",
        false,
        None,
    ),
    (
        "get",
        "/catalog/{code}/versions/{version}",
        "事项的某一版本",
        false,
        None,
    ),
    (
        "post",
        "/catalog/{code}/versions/{version}/publish",
        "发布草稿版本,原发布版本转为已废止",
        true,
        None,
    ),
    ("get", "/calendar", "节假日与调休安排", false, None),
    (
        "post",
        "/calendar/import",
        "导入节假日安排(CSV 文本,所含年份整体替换)",
        true,
        Some("CalendarImport"),
    ),
    (
        "get",
        "/calendar/closures",
        "管辖范围内的闭馆日",
        true,
        None,
    ),
    (
        "post",
        "/calendar/closures",
        "新增区域闭馆日",
        true,
        Some("Closure"),
    ),
    (
        "get",
        "/calendar/add-working-days",
        "期限计算:date 之后第 n 个工作日(region 可选,计入闭馆日)",
        false,
        None,
    ),
    ("post", "/cases", "申报(网上为草稿)或窗口、村代办登记办件", true, Some("FileRequest")),
    ("get", "/cases", "工作队列:queue=prereview|review|decide|deliver|all|mine,按期限排序;limit=1..500(默认 500),after=上一页响应头 x-next-after 的值(键集翻页,另见 Link: rel=\"next\")", true, None),
    ("get", "/cases/{number}", "办件详情(含期限、材料、环节、费用)", true, None),
    ("get", "/cases/{number}/events", "办件日志(哈希链)", true, None),
    ("post", "/cases/{number}/commands", "对办件执行操作:提交、补正、受理、审查、特别程序、延期、决定、收费、送达、办结、撤回、终止等", true, Some("CaseCommand")),
    ("post", "/cases/{number}/materials/{index}", "上传第 index 项材料(请求体为文件,PDF/PNG/JPEG,≤10MB)", true, None),
    ("get", "/lookup", "公开查询:number 与 code(查询码),不含个人信息", false, None),
    ("get", "/messages", "我的办件消息", true, None),
    ("get", "/results", "结果公开(个人信息已脱敏)", false, None),
    ("post", "/admin/verify", "校验所有办件日志的哈希链", true, None),
    ("post", "/admin/auto-accept", "按行政许可法第三十二条执行逾期自动受理", true, None),
    ("get", "/openapi.json", "本文档", false, None),
];

fn params(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect()
}

pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for (method, path, summary, auth, body) in OPERATIONS {
        let mut op = json!({
            "summary": summary,
            "parameters": params(path),
            "responses": {
                "200": { "description": "成功" },
                "400": { "description": "请求有误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
                "401": { "description": "未登录" },
                "403": { "description": "无权限或 CSRF 校验失败" },
                "404": { "description": "不存在" },
                "422": { "description": "字段校验失败", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
            }
        });
        if *auth {
            op["security"] = json!([{ "session": [], "csrf": [] }]);
        }
        if let Some(schema) = body {
            op["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
        }
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = op;
    }
    let obj = |props: Value, req: &[&str]| json!({ "type": "object", "properties": props, "required": req });
    json!({
        "openapi": "3.1.0",
        "info": { "title": "一站 yizhan API", "version": env!("CARGO_PKG_VERSION"),
                  "description": "行政服务网络接口。写操作需携带会话 Cookie 与 X-CSRF-Token 头(登录接口返回 csrf_token)。错误返回 {code, message, field, errors}。" },
        "servers": [{ "url": "/api/v1" }],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "session": { "type": "apiKey", "in": "cookie", "name": "yz_session" },
                "csrf": { "type": "apiKey", "in": "header", "name": "X-CSRF-Token" }
            },
            "schemas": {
                "Error": obj(json!({ "code": {"type":"string"}, "message": {"type":"string"}, "field": {"type":"string"},
                    "errors": {"type":"array","items": obj(json!({"field":{"type":"string"},"code":{"type":"string"},"message":{"type":"string"}}), &["field","code","message"])} }), &["code","message"]),
                "Login": obj(json!({ "username": {"type":"string"}, "password": {"type":"string"} }), &["username","password"]),
                "NewRegion": obj(json!({ "code": {"type":"string","description":"12位行政区划代码"}, "name": {"type":"string"}, "parent": {"type":"string"} }), &["code","name"]),
                "NewDepartment": obj(json!({ "region_code": {"type":"string"}, "code": {"type":"string"}, "name": {"type":"string"} }), &["region_code","code","name"]),
                "ServicePlace": obj(json!({ "name": {"type":"string"}, "kind": {"enum":["center","room"]}, "address": {"type":"string"}, "hours": {"type":"string"}, "phone": {"type":"string"},
                    "windows": {"type":"array","items": obj(json!({"number":{"type":"string"},"name":{"type":"string"},"departments":{"type":"array","items":{"type":"integer"}}}), &["number","name"])},
                    "departments": {"type":"array","items":{"type":"integer"}},
                    "construction": {"type":"array","items": obj(json!({"key":{"type":"string"},"label":{"type":"string"},"met":{"type":"boolean"}}), &["key","label","met"])} }),
                    &["name","kind","address","hours","phone"]),
                "GrantInput": obj(json!({ "role": {"enum": domain::Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>()}, "region_code": {"type":"string"}, "department_id": {"type":"integer"} }), &["role","region_code"]),
                "GrantList": { "type": "array", "items": { "$ref": "#/components/schemas/GrantInput" } },
                "CreateUser": obj(json!({ "username": {"type":"string"}, "display_name": {"type":"string"}, "phone": {"type":"string"}, "password": {"type":"string"}, "home_region": {"type":"string"},
                    "grants": {"type":"array","items":{"$ref":"#/components/schemas/GrantInput"}} }), &["username","display_name","password","home_region","grants"]),
                "FileRequest": obj(json!({ "item_code": {"type":"string"}, "applicant_region": {"type":"string"}, "form": {"type":"object"},
                    "applicant": obj(json!({ "kind": {"enum":["person","enterprise"]}, "name": {"type":"string"}, "id_number": {"type":"string","description":"身份证号或统一社会信用代码"}, "phone": {"type":"string"} }), &["kind","name","id_number","phone"]) }), &["item_code","applicant"]),
                "CaseCommand": obj(json!({ "comment": {"type":"string"}, "command": { "type": "object", "description": "以 action 区分:submit, upload_material, mark_material{index,status,reason}, request_correction{defects}, resubmit, refuse{reasons}, accept, complete_stage{index,approved,opinion}, suspend{procedure,reason,expected_days}, resume, extend{reason}, decide{granted,reasons,licence_no}, record_payment{amount_fen,method,receipt_no}, refund{amount_fen,reason}, deliver{method,recipient}, complete, withdraw{reason}, terminate{reason}, handle_immediately{licence_no}",
                    "required": ["action"], "properties": { "action": { "type": "string" } } } }), &["command"]),
                "Active": obj(json!({ "active": {"type":"boolean"} }), &["active"]),
                "CalendarImport": obj(json!({ "csv": {"type":"string","description":"date,kind,name 格式"} }), &["csv"]),
                "Closure": obj(json!({ "region_code": {"type":"string"}, "date": {"type":"string","format":"date"}, "reason": {"type":"string"} }), &["region_code","date","reason"]),
                "CatalogItem": { "type": "object", "description": "事项的一个版本:编码、版本、状态、名称、类型、办件类型、受理与决定层级、依据、条件、材料、环节(含并联组)、法定与承诺时限、收费(分)、地点、时间、承办机构、责任人、电话、网办程度、到现场次数、服务对象、主题等。",
                    "required": ["code","version","status","name","item_type","kind","region_code","department","accept_levels","decide_level","legal_basis","conditions","materials","stages","statutory_limit_days","promised_limit_days","fees","place","hours","responsible_unit","responsible_person","consult_phone","complaint_phone","online","visits","service_objects"] }
            }
        }
    })
}
