//! 记录检查点: the signed roots of the record, public and printable, so that a supervisor, an
//! auditor or anyone may keep a copy outside the platform (issue 16, part 2).

use super::{layout, PageResult};
use crate::auth::MaybeUser;
use crate::state::AppState;
use axum::extract::State;
use axum::response::IntoResponse;
use domain::time::minute as local;
use maud::html;

/// A long hex string in groups of eight, so it can be read aloud and compared on paper.
fn grouped(hex: &str) -> String {
    hex.as_bytes()
        .chunks(8)
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect::<Vec<_>>()
        .join(" ")
}

pub async fn checkpoints(State(state): State<AppState>, MaybeUser(u): MaybeUser) -> PageResult {
    let latest = match app::checkpoints::latest(&state).await {
        Ok(c) => Some(c),
        Err(app::Error::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let history = app::checkpoints::recent(&state, 50).await?;
    let keys = app::checkpoints::public_keys(&state);
    let body = html! {
        h1 { "记录检查点" }
        p.hint {
            "平台每小时对全部办件日志和办件编号生成一个检查点:以下根哈希经平台签名密钥签名,"
            "且每个检查点都链接前一个。请下载或打印并在平台之外保存;"
            "日后以 " code { "yizhan verify --checkpoints 文件" } " 核对,可发现对已封存记录的任何改写、删除或回滚。"
        }
        @match &latest {
            None => { div.notice { p { "尚未生成检查点。" } } }
            Some(c) => {
                section.card aria-labelledby="latest" {
                    h2 #latest { "最新检查点:第 " (c.seq) " 号" }
                    dl {
                        dt { "生成时间" } dd { (local(c.sealed_at)) " (北京时间)" }
                        dt { "算法套件" } dd { (c.suite.label()) }
                        dt { "封存条目数" } dd { (c.tree_size) }
                        dt { "根哈希" } dd { code.hash { (grouped(&hex::encode(c.root))) } }
                        dt { "前一检查点链接" } dd { code.hash { (grouped(&hex::encode(c.prev))) } }
                        dt { "签名密钥" } dd { code { (c.key_id) } }
                        dt { "签名" } dd { code.hash { (grouped(&hex::encode(&c.signature))) } }
                    }
                    p.actions.no-print {
                        a.button href="/api/v1/checkpoints/export" download="yizhan-checkpoints.json" { "下载全部检查点(JSON)" }
                        " "
                        a.button.secondary href={ "/api/v1/checkpoints/" (c.seq) } { "本检查点(JSON)" }
                    }
                }
            }
        }
        h2 { "验证公钥" }
        div.table-wrap { table {
            thead { tr { th { "密钥编号" } th { "算法" } th { "公钥" } } }
            tbody { @for k in &keys { tr {
                td { code { (k.id()) } }
                td { (k.suite.label()) }
                td { code.hash { (grouped(&hex::encode(&k.bytes))) } }
            } } }
        } }
        h2 { "最近的检查点" }
        div.table-wrap { table {
            thead { tr { th { "编号" } th { "生成时间" } th { "条目数" } th { "根哈希" } } }
            tbody { @for c in &history { tr {
                td { (c.seq) }
                td { (local(c.sealed_at)) }
                td { (c.tree_size) }
                td { code.hash { (grouped(&hex::encode(c.root))) } }
            } } }
        } }
    };
    Ok(layout("记录检查点", u.as_ref(), body).into_response())
}
