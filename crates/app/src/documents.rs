//! A printable document of a case (文书, §5): what the page needs to print it — the case and its
//! log, the public lookup address printed as a QR code, the issuing department and the date. Which
//! documents exist and their dates are `domain::notices`' rules.

use crate::{Error, Result, Services};
use chrono::NaiveDate;
use domain::case::{Case, CaseEvent, CaseNumber};
use store::User;

pub struct Document {
    pub case: Case,
    pub events: Vec<CaseEvent>,
    /// The document's key (`acceptance`, `decision`, …) and title.
    pub key: &'static str,
    pub title: &'static str,
    /// The public lookup address with the case's number and query code (printed as a QR code).
    pub lookup_url: String,
    /// The department that issues it, by name.
    pub issuer: String,
    pub date: Option<NaiveDate>,
}

/// The document `key` of a case the caller may see, if the case has produced it.
pub async fn document(
    state: &Services,
    u: &User,
    number: &CaseNumber,
    key: &str,
) -> Result<Document> {
    let case = with_item_type(state, crate::cases::load_visible(state, u, number).await?).await?;
    let (key, title) = domain::notices::documents(&case)
        .into_iter()
        .find(|(k, _)| *k == key)
        .ok_or(Error::NotFound("文书"))?;
    let events = state.store.case_events(number.as_str()).await?;
    let f = &case.filing;
    let lookup_url = format!(
        "{}/lookup?number={}&code={}",
        state.config.public_url.trim_end_matches('/'),
        f.number,
        f.query_code
    );
    let names = crate::lookups::department_names_for(state, &f.decide_place).await?;
    let issuer = names
        .get(&f.item.department)
        .cloned()
        .unwrap_or_else(|| f.item.department.clone());
    let date = domain::notices::document_date(&case, &events, key);
    Ok(Document {
        case,
        events,
        key,
        title,
        lookup_url,
        issuer,
        date,
    })
}

/// A case filed before its terms kept the item's type and legal basis gets them from the item
/// version it was filed under (versions are frozen once published), so its documents speak as
/// its type requires.
pub async fn with_item_type(state: &Services, mut case: Case) -> Result<Case> {
    if case.filing.item.item_type.is_none() {
        let terms = &mut case.filing.item;
        if let Some(item) = state.store.get_item(&terms.code, terms.version).await? {
            terms.item_type = Some(item.item_type);
            terms.legal_basis = item.legal_basis;
        }
    }
    Ok(case)
}
