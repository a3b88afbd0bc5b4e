//! Saved views: a list's filters, columns and sort saved under a name by one user, to open
//! again from the list. A view is the list URL's query string; only the list's own parameters
//! are kept, so a saved view can never carry anything else into a page.

use dagak_domain::{DomainError, FieldErrors};

use crate::access::UseCase;
use crate::{Acting, ServiceError};

/// One saved view of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedView {
    pub id: i64,
    pub name: String,
    /// The list with the view's query, e.g. `/organizations?country=US&tag=wearables`.
    pub url: String,
}

/// The lists that have saved views, with their path, the use case that reads them and the
/// query parameters a view keeps.
fn list_of(area: &str) -> Option<(&'static str, UseCase, &'static [&'static str])> {
    match area {
        "organizations" => Some((
            "/organizations",
            UseCase::ListOrganizations,
            &["q", "kind", "country", "city", "tag", "hs", "sort", "cols", "col"],
        )),
        "people" => Some(("/people", UseCase::ListPeople, &["q", "sort"])),
        _ => None,
    }
}

/// Percent-encodes a query value.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The longest view name, in characters.
const MAX_NAME: usize = 60;

impl Acting {
    /// The signed-in user's saved views of list `area` (none for the command line).
    pub async fn saved_views(&self, area: &str) -> Result<Vec<SavedView>, ServiceError> {
        let (path, use_case, _) = list_of(area).ok_or(ServiceError::NotFound)?;
        self.may(use_case)?;
        if self.is_command_line() {
            return Ok(Vec::new());
        }
        let views = self.store.list_views(self.actor().user, area).await?;
        Ok(views
            .into_iter()
            .map(|(id, name, query)| SavedView {
                id,
                name,
                url: if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") },
            })
            .collect())
    }

    /// Saves the list's current parameters (`params`, as the URL gives them) under `name`,
    /// replacing a view of that name. Parameters that are not the list's are dropped, and
    /// paging is not kept.
    pub async fn save_view(
        &self,
        area: &str,
        name: &str,
        params: &[(String, String)],
    ) -> Result<SavedView, ServiceError> {
        let (path, use_case, keys) = list_of(area).ok_or(ServiceError::NotFound)?;
        self.may(use_case)?;
        if self.is_command_line() {
            return Err(ServiceError::Forbidden);
        }
        let name = name.trim();
        if name.is_empty() {
            return Err(FieldErrors::single("view_name", DomainError::Required).into());
        }
        if name.chars().count() > MAX_NAME {
            return Err(FieldErrors::single("view_name", DomainError::TooLong(MAX_NAME)).into());
        }
        let query = params
            .iter()
            .filter(|(k, v)| keys.contains(&k.as_str()) && !v.trim().is_empty())
            .map(|(k, v)| format!("{}={}", encode(k), encode(v.trim())))
            .collect::<Vec<_>>()
            .join("&");
        let id = self.store.save_view(self.actor().user, area, name, &query).await?;
        let url = if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") };
        Ok(SavedView { id, name: name.to_owned(), url })
    }

    /// Deletes one of the signed-in user's saved views.
    pub async fn delete_view(&self, id: i64) -> Result<(), ServiceError> {
        if self.is_command_line() {
            return Err(ServiceError::NotFound);
        }
        Ok(self.store.delete_view(self.actor().user, id).await?)
    }
}
