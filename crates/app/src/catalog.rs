//! The catalog of service items (事项目录) as administrators keep it: drafts saved and published
//! by those who manage the item's region, whole-catalog spreadsheets in and out (all or nothing),
//! and who may see which version.

use crate::access::Caller;
use crate::{Error, Result, Services};
use catalog_io::{Format, ImportErrors};
use domain::access::Action;
use domain::catalog::{CatalogItem, ItemCode, ItemStatus};
use domain::Scope;
use store::{ImportSummary, ItemFilter, User};

/// The items a list shows: with `all`, every item the signed-in caller manages (drafts too);
/// otherwise the published catalog.
pub async fn list(state: &Services, u: Option<&User>, all: bool) -> Result<Vec<CatalogItem>> {
    let filter = if all {
        let u = u.ok_or(Error::NotSignedIn)?;
        ItemFilter {
            scope: Some(u.scope(Action::ManageCatalog)),
            ..Default::default()
        }
    } else {
        ItemFilter {
            statuses: vec![ItemStatus::Published],
            ..Default::default()
        }
    };
    Ok(state.store.list_items(&filter).await?)
}

/// The catalog page: every item the caller manages (drafts too). Someone who manages no item
/// is refused (the API's list answers them with nothing).
pub async fn managed_items(state: &Services, u: &User) -> Result<Vec<CatalogItem>> {
    if u.scope(Action::ManageCatalog) == Scope::Within(vec![]) {
        return Err(Error::Forbidden);
    }
    list(state, Some(u), true).await
}

/// The version of an item in force.
pub async fn published(state: &Services, code: &ItemCode) -> Result<CatalogItem> {
    state
        .store
        .get_published(code.as_str())
        .await?
        .ok_or(Error::NotFound("事项"))
}

/// Every version of an item the caller may see, oldest first.
pub async fn versions(
    state: &Services,
    u: Option<&User>,
    code: &ItemCode,
) -> Result<Vec<CatalogItem>> {
    let shown: Vec<CatalogItem> = state
        .store
        .list_versions(code.as_str())
        .await?
        .into_iter()
        .filter(|i| visible(i, u))
        .collect();
    if shown.is_empty() {
        return Err(Error::NotFound("事项"));
    }
    Ok(shown)
}

/// One version of an item, if the caller may see it.
pub async fn version(
    state: &Services,
    u: Option<&User>,
    code: &ItemCode,
    version: u32,
) -> Result<CatalogItem> {
    state
        .store
        .get_item(code.as_str(), version)
        .await?
        .filter(|i| visible(i, u))
        .ok_or(Error::NotFound("事项"))
}

/// An item as the public reads its guide: the version in force, or the version asked for when
/// it is published or superseded (cases cite those), never a draft.
pub async fn public_item(state: &Services, code: &ItemCode, v: Option<u32>) -> Result<CatalogItem> {
    match v {
        Some(v) => version(state, None, code, v).await,
        None => published(state, code).await,
    }
}

/// Drafts are visible only to those who manage the item; published and superseded versions to all.
fn visible(item: &CatalogItem, u: Option<&User>) -> bool {
    item.status != ItemStatus::Draft
        || u.is_some_and(|u| {
            u.authorize(Action::ManageCatalog, &item.region_code)
                .is_ok()
        })
}

/// Saves a draft the caller may manage. `is_new` refuses codes already in use.
pub async fn save_draft_checked(
    state: &Services,
    u: &User,
    item: &CatalogItem,
    is_new: bool,
) -> Result<()> {
    u.authorize(Action::ManageCatalog, &item.region_code)?;
    if item.status != ItemStatus::Draft {
        return Err(Error::bad_field(
            "must_be_draft",
            "status",
            "只能保存草稿,发布请使用发布操作",
        ));
    }
    item.validate()?;
    if state.store.get_region(&item.region_code).await?.is_none() {
        return Err(Error::Validation(domain::ValidationErrors::single(
            "region_code",
            "region_not_found",
            "所属区划不存在",
        )));
    }
    let versions = state.store.list_versions(&item.code).await?;
    if is_new && !versions.is_empty() {
        return Err(Error::Conflict {
            code: "code_taken",
            message: format!("事项编码 {} 已被使用", item.code),
        });
    }
    // An existing item keeps its owner: moving it to another region needs rights on both.
    if let Some(first) = versions.first() {
        u.authorize(Action::ManageCatalog, &first.region_code)?;
    }
    state.store.save_draft(item).await?;
    Ok(())
}

/// The item version the caller manages (catalog managers of its region's subtree).
pub async fn load_managed(
    state: &Services,
    u: &User,
    code: &ItemCode,
    version: u32,
) -> Result<CatalogItem> {
    let item = state
        .store
        .get_item(code.as_str(), version)
        .await?
        .ok_or(Error::NotFound("事项"))?;
    u.authorize(Action::ManageCatalog, &item.region_code)?;
    Ok(item)
}

/// A managed item version with every version of the item, oldest first (drafts included: the
/// caller manages the item).
pub async fn load_managed_with_versions(
    state: &Services,
    u: &User,
    code: &ItemCode,
    version: u32,
) -> Result<(CatalogItem, Vec<CatalogItem>)> {
    let item = load_managed(state, u, code, version).await?;
    let versions = state.store.list_versions(code.as_str()).await?;
    Ok((item, versions))
}

/// Starts the next version of a managed item as a draft copied from `version` (one draft at a
/// time: a second is refused).
pub async fn new_draft_from(
    state: &Services,
    u: &User,
    code: &ItemCode,
    version: u32,
) -> Result<CatalogItem> {
    let item = load_managed(state, u, code, version).await?;
    let versions = state.store.list_versions(code.as_str()).await?;
    if versions.iter().any(|v| v.status == ItemStatus::Draft) {
        return Err(Error::Conflict {
            code: "draft_exists",
            message: "该事项已有草稿,请先编辑或发布草稿".into(),
        });
    }
    let latest = versions
        .iter()
        .map(|v| v.version)
        .max()
        .unwrap_or(item.version);
    let draft = CatalogItem {
        version: latest + 1,
        status: ItemStatus::Draft,
        ..item
    };
    state.store.save_draft(&draft).await?;
    Ok(draft)
}

/// Publishes a managed draft (the previous version is superseded) and refreshes the search index.
pub async fn publish_checked(
    state: &Services,
    u: &User,
    code: &ItemCode,
    version: u32,
) -> Result<CatalogItem> {
    load_managed(state, u, code, version).await?;
    state
        .store
        .publish(code.as_str(), version, state.clock.now())
        .await?;
    crate::audit::by_user(
        state,
        u,
        domain::audit::AuditAction::CatalogPublished,
        format!("item:{code}@{version}"),
        "",
    )
    .await?;
    state.refresh_caches().await?;
    state
        .store
        .get_item(code.as_str(), version)
        .await?
        .ok_or(Error::NotFound("事项"))
}

/// Items a caller exports: every version within their catalog scope, or the published ones.
pub async fn items_for_export(state: &Services, u: Option<&User>) -> Result<Vec<CatalogItem>> {
    match u.filter(|u| u.can_anywhere(Action::ManageCatalog)) {
        Some(u) => {
            let latest = state
                .store
                .list_items(&ItemFilter {
                    scope: Some(u.scope(Action::ManageCatalog)),
                    ..Default::default()
                })
                .await?;
            let mut all = vec![];
            for i in latest {
                all.extend(state.store.list_versions(&i.code).await?);
            }
            Ok(all)
        }
        None => Ok(state
            .store
            .list_items(&ItemFilter {
                statuses: vec![ItemStatus::Published],
                scope: Some(Scope::All),
                ..Default::default()
            })
            .await?),
    }
}

pub enum ImportFailure {
    File(ImportErrors),
    App(Error),
}

impl<E: Into<Error>> From<E> for ImportFailure {
    fn from(e: E) -> Self {
        ImportFailure::App(e.into())
    }
}

/// Parses and imports a spreadsheet, all or nothing, after checking the caller manages every item.
pub async fn import_bytes(
    state: &Services,
    u: &User,
    file_name: &str,
    data: &[u8],
) -> Result<ImportSummary, ImportFailure> {
    let format = Format::from_path(std::path::Path::new(file_name))
        .ok_or_else(|| Error::bad_field("unknown_format", "file", "文件格式应为 .xlsx 或 .csv"))?;
    import_with_format(state, u, format, data).await
}

/// Imports parsed spreadsheet bytes in a known format (see [`import_bytes`]).
pub async fn import_with_format(
    state: &Services,
    u: &User,
    format: Format,
    data: &[u8],
) -> Result<ImportSummary, ImportFailure> {
    let items = catalog_io::import(data, format).map_err(ImportFailure::File)?;
    let mut checked = std::collections::HashSet::new();
    for i in &items {
        u.authorize(Action::ManageCatalog, &i.region_code)?;
        // An existing item keeps its owner: a file cannot take over (or publish over) another
        // region's item by naming its own region, the same rule as saving a draft.
        if checked.insert(i.code.clone()) {
            if let Some(first) = state.store.list_versions(&i.code).await?.first() {
                u.authorize(Action::ManageCatalog, &first.region_code)?;
            }
        }
    }
    let summary = state.store.import_items(&items).await?;
    state.refresh_caches().await?;
    Ok(summary)
}

/// An administrator replaces the search synonyms (a word → the catalog's terms for it); the
/// search index is rebuilt with them.
pub async fn save_synonyms(
    state: &Services,
    u: &User,
    synonyms: &[(String, Vec<String>)],
) -> Result<()> {
    if !u.can_anywhere(Action::ManageUsers) {
        return Err(Error::Forbidden);
    }
    let json = serde_json::to_string(synonyms).map_err(|e| Error::Internal(e.to_string()))?;
    state
        .store
        .set_setting(crate::services::SYNONYMS_SETTING, &json)
        .await?;
    crate::audit::by_user(
        state,
        u,
        domain::audit::AuditAction::SettingsChanged,
        format!("setting:{}", crate::services::SYNONYMS_SETTING),
        format!("同义词 {} 组", synonyms.len()),
    )
    .await?;
    state.refresh_caches().await?;
    Ok(())
}
