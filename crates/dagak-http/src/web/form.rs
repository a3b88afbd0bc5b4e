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
pub(crate) struct FormErrors {
    /// The first error of each field.
    first: HashMap<&'static str, String>,
    /// Each error that names the value it refused, by field and value: a field repeated in
    /// rows (a person's affiliations) marks just the rows holding a refused value.
    by_value: HashMap<(&'static str, String), String>,
    /// The first error of each field that names no value.
    unvalued: HashMap<&'static str, String>,
}

impl FormErrors {
    /// The message of `field`, or nothing.
    pub(crate) fn message(&self, field: &str) -> String {
        self.first.get(field).cloned().unwrap_or_default()
    }

    pub(crate) fn has(&self, field: &str) -> bool {
        self.first.contains_key(field)
    }

    /// The message of `field` about `value` (one row of a repeated field), or nothing.
    pub(crate) fn message_for(&self, field: &'static str, value: &str) -> String {
        self.by_value.get(&(field, value.trim().to_owned())).cloned().unwrap_or_default()
    }

    /// Whether `field` was refused for `value`.
    pub(crate) fn has_for(&self, field: &'static str, value: &str) -> bool {
        self.by_value.contains_key(&(field, value.trim().to_owned()))
    }

    /// The message of `field` that is about no row's value, or nothing.
    pub(crate) fn message_unvalued(&self, field: &str) -> String {
        self.unvalued.get(field).cloned().unwrap_or_default()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.first.is_empty()
    }

    /// Records the first error of each field of `errors`, translated, with the value that broke
    /// the rule or the limit it went past.
    pub(crate) fn add(&mut self, t: Tr, errors: &dagak_domain::FieldErrors) {
        for e in &errors.0 {
            let message = field_message(t, &e.error);
            match e.error.value() {
                Some(value) => {
                    self.by_value
                        .entry((e.field, value.trim().to_owned()))
                        .or_insert_with(|| message.clone());
                }
                None => {
                    self.unvalued.entry(e.field).or_insert_with(|| message.clone());
                }
            }
            self.first.entry(e.field).or_insert(message);
        }
    }
}

/// A field error as the form shows it: the rule, then what broke it (`'12345'`) or its limit.
pub(crate) fn field_message(t: Tr, error: &dagak_domain::DomainError) -> String {
    let rule = t.code("field_error", error.code());
    if let dagak_domain::DomainError::OrganizationAmbiguous { text, .. }
    | dagak_domain::DomainError::OrganizationUnknown(text) = error
    {
        // These name what was typed and what it matched in their own sentence.
        let (count, names) = error.candidates();
        let mut names = names.join(", ");
        if count as usize > error.candidates().1.len() {
            names.push_str(", …");
        }
        let shown: String = text.chars().take(60).collect();
        return rule
            .replace("{value}", &shown)
            .replace("{n}", &t.number(count))
            .replace("{names}", &names);
    }
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
    fn show_duplicates(&mut self, _existing: &[OrgId], _names: &[String]) -> bool {
        false
    }

    /// Shows that someone else saved the record after this form was read: what is stored now
    /// beside what was typed, the form keeping the typed values at the new version. `false`
    /// when this form edits nothing that has versions.
    fn show_conflict(&mut self, _t: Tr, _current: &dagak_service::Current) -> bool {
        false
    }
}

/// One field of an edit conflict: its label, the value saved by the other person, the value
/// typed here.
pub(crate) struct ConflictRow {
    pub label: String,
    pub theirs: String,
    pub yours: String,
}

/// What an edit conflict shows above the form.
pub(crate) struct Conflict {
    /// When the other save happened, in the reader's language.
    pub saved_at: String,
    /// The fields where the two differ.
    pub rows: Vec<ConflictRow>,
    /// The record's page, to drop what was typed.
    pub record_url: String,
}

impl Conflict {
    /// The rows of the fields whose values differ, labelled `field.<name>`; `shown` turns a
    /// field's stored text into what the reader sees (a kind's label rather than its code).
    pub(crate) fn new(
        t: Tr,
        saved_at: time::OffsetDateTime,
        record_url: String,
        theirs: &[(&'static str, &str)],
        yours: &[(&'static str, &str)],
        shown: impl Fn(&str, &str) -> String,
    ) -> Conflict {
        fn words(s: &str) -> Vec<&str> {
            s.split([',', ';', '\n']).map(str::trim).filter(|w| !w.is_empty()).collect()
        }
        let same = |a: &str, b: &str| words(a) == words(b);
        let rows = theirs
            .iter()
            .zip(yours)
            .filter(|((_, a), (_, b))| !same(a, b))
            .map(|((field, a), (_, b))| ConflictRow {
                label: t.t(&format!("field.{field}")).to_owned(),
                theirs: shown(field, a),
                yours: shown(field, b),
            })
            .collect();
        Conflict { saved_at: t.moment(saved_at), rows, record_url }
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
        ServiceError::Duplicate { existing, names } if page.show_duplicates(&existing, &names) => {}
        ServiceError::EditConflict(current) if page.show_conflict(t, &current) => {
            return Ok(render_with(StatusCode::CONFLICT, &page));
        }
        other => return Err(fail(t)(other)),
    }
    Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
}
