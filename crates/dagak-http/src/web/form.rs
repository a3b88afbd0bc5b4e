//! Forms that post back: every field's error shown inline, in the reader's language, and the
//! same answer for every area (the form again with 422, or an error page).

use std::collections::HashMap;

use askama::Template;
use axum::http::StatusCode;
use dagak_domain::OrgId;
use dagak_service::ServiceError;

use super::{PageResult, fail, render_with, see_other};
use crate::Tr;

/// The translated error of each field of a form.
#[derive(Debug, Default)]
pub(crate) struct FormErrors(HashMap<&'static str, String>);

impl FormErrors {
    /// The message of `field`, or nothing.
    pub(crate) fn message(&self, field: &str) -> String {
        self.0.get(field).cloned().unwrap_or_default()
    }

    pub(crate) fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Records the first error of each field of `errors`, translated, with the value that broke
    /// the rule or the limit it went past.
    pub(crate) fn add(&mut self, t: Tr, errors: &dagak_domain::FieldErrors) {
        for e in &errors.0 {
            self.0.entry(e.field).or_insert_with(|| field_message(t, &e.error));
        }
    }
}

/// A field error as the form shows it: the rule, then what broke it (`'12345'`) or its limit.
pub(crate) fn field_message(t: Tr, error: &dagak_domain::DomainError) -> String {
    let rule = t.code("field_error", error.code());
    match (error.value(), error.limit()) {
        (Some(value), _) if !value.trim().is_empty() => {
            let shown: String = value.trim().chars().take(60).collect();
            format!("{rule} ({})", t.t("form.you_typed").replace("{value}", &shown))
        }
        (_, Some(limit)) => format!("{rule} ({})", t.count("form.limit", limit as u64)),
        _ => rule,
    }
}

/// A form page that can show a service's refusal.
pub(crate) trait FormPage: Template {
    fn errors_mut(&mut self) -> &mut FormErrors;

    /// Shows that the input matches existing organisations; `false` when this form has no place
    /// for that (the refusal is then an error page).
    fn show_duplicates(&mut self, _existing: &[OrgId]) -> bool {
        false
    }
}

/// The answer to a submitted form: a redirect to `saved`'s page, or the form again (built by
/// `form`, with what was typed) with the errors of the refusal.
pub(crate) fn submitted<F: FormPage>(
    t: Tr,
    saved: Result<String, ServiceError>,
    form: impl FnOnce() -> F,
) -> PageResult {
    let err = match saved {
        Ok(url) => return Ok(see_other(&url)),
        Err(err) => err,
    };
    let mut page = form();
    match err {
        ServiceError::Invalid(errors) => page.errors_mut().add(t, &errors),
        ServiceError::Duplicate { existing } if page.show_duplicates(&existing) => {}
        other => return Err(fail(t)(other)),
    }
    Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
}
