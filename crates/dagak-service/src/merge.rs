//! Merging two records into one, field by field: what the two hold where they differ, what the
//! merge keeps (the kept record's value by default, an empty one filled from the removed record,
//! or the removed record's value where staff chose it), and lists joined from both. The same for
//! organisations and people, over their drafts.

use std::collections::BTreeSet;

use dagak_domain::PersonId;

use crate::access::UseCase;
use crate::duplicates::FieldChange;
use crate::{Acting, AffiliationEntry, PersonEntry, ServiceError};

/// One field where the two records differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeField {
    pub field: &'static str,
    pub kept: String,
    pub removed: String,
    /// What the merged record holds.
    pub merged: String,
    /// A list, joined from both: there is nothing to choose.
    pub joined: bool,
    /// Whether the merged value is the removed record's (chosen, or filling an empty field).
    pub from_removed: bool,
}

/// The items of a list field, trimmed, without repeats (compared case-insensitively), in order.
fn items(text: &str, separator: char) -> Vec<String> {
    let mut seen = BTreeSet::new();
    text.split(separator)
        .map(str::trim)
        .filter(|item| !item.is_empty() && seen.insert(item.to_lowercase()))
        .map(str::to_owned)
        .collect()
}

/// Merges two drafts' fields (`kept` and `removed`, as `fields()` gives them): every field's
/// merged text, and the fields where the two differ. `lists` names the list fields with their
/// separators; `take_removed` the fields where staff chose the removed record's value.
pub(crate) fn merge_fields(
    kept: &[(&'static str, &str)],
    removed: &[(&'static str, &str)],
    lists: &[(&str, char)],
    take_removed: &BTreeSet<String>,
) -> (Vec<(&'static str, String)>, Vec<MergeField>) {
    let mut merged = Vec::new();
    let mut differing = Vec::new();
    for ((field, a), (_, b)) in kept.iter().zip(removed) {
        let (a, b) = (a.trim(), b.trim());
        let list = lists.iter().find(|(name, _)| name == field).map(|(_, sep)| *sep);
        let (value, from_removed) = match list {
            Some(sep) => {
                let mut all = items(a, sep);
                let have: BTreeSet<String> = all.iter().map(|i| i.to_lowercase()).collect();
                let extra: Vec<String> = items(b, sep)
                    .into_iter()
                    .filter(|i| !have.contains(&i.to_lowercase()))
                    .collect();
                let added = !extra.is_empty();
                all.extend(extra);
                let joiner = if sep == ';' { "; " } else { ", " };
                (all.join(joiner), added)
            }
            None if !b.is_empty() && (a.is_empty() || take_removed.contains(*field)) => {
                (b.to_owned(), a != b)
            }
            None => (a.to_owned(), false),
        };
        let same = match list {
            Some(sep) => {
                let lower = |t: &str| {
                    let mut v: Vec<String> =
                        items(t, sep).iter().map(|i| i.to_lowercase()).collect();
                    v.sort();
                    v
                };
                lower(a) == lower(b)
            }
            None => a == b,
        };
        if !same {
            differing.push(MergeField {
                field,
                kept: a.to_owned(),
                removed: b.to_owned(),
                merged: value.clone(),
                joined: list.is_some(),
                from_removed,
            });
        }
        merged.push((*field, value));
    }
    (merged, differing)
}

/// Refuses a choice of a field that is not one, or is a list (lists are always joined).
pub(crate) fn check_choices(
    fields: &[(&'static str, &str)],
    lists: &[(&str, char)],
    take_removed: &BTreeSet<String>,
) -> Result<(), dagak_domain::FieldErrors> {
    let mut errors = dagak_domain::FieldErrors::default();
    for choice in take_removed {
        let known = fields.iter().any(|(f, _)| f == choice);
        let list = lists.iter().any(|(f, _)| f == choice);
        if !known || list {
            errors.push("take_removed", dagak_domain::DomainError::UnknownValue(choice.clone()));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// What the kept record's fields become: `before` → `after`, where they differ.
pub(crate) fn changes(
    before: &[(&'static str, &str)],
    after: &[(&'static str, &str)],
) -> Vec<FieldChange> {
    before
        .iter()
        .zip(after)
        .filter(|((_, x), (_, y))| x != y)
        .map(|((field, x), (_, y))| FieldChange {
            field,
            before: (*x).to_owned(),
            after: (*y).to_owned(),
        })
        .collect()
}

/// What merging two people does.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonMergePlan {
    pub kept: PersonEntry,
    pub removed: PersonEntry,
    pub merged: dagak_domain::Person,
    /// Every field where the two differ, with what the merge keeps.
    pub fields: Vec<MergeField>,
    /// What changes on the kept person.
    pub changes: Vec<FieldChange>,
    /// The removed person's affiliations that move to the kept one (those the kept one already
    /// holds are dropped as repeats).
    pub moved_affiliations: Vec<AffiliationEntry>,
}

const PERSON_LISTS: [(&str, char); 4] =
    [("titles", ';'), ("emails", ','), ("phones", ','), ("languages", ',')];

impl Acting {
    /// Plans (and, unless `dry_run`, carries out) merging person `removed` into `kept`, with the
    /// removed person's value for the fields of `take_removed`.
    pub async fn merge_people(
        &self,
        kept: PersonId,
        removed: PersonId,
        take_removed: &BTreeSet<String>,
        dry_run: bool,
    ) -> Result<PersonMergePlan, ServiceError> {
        self.may(UseCase::MergePeople)?;
        if kept == removed {
            return Err(ServiceError::Conflict("merge_into_itself".into()));
        }
        let kept_entry = self.get_person(kept).await?;
        let removed_entry = self.get_person(removed).await?;
        if kept_entry.erased_at.is_some() || removed_entry.erased_at.is_some() {
            return Err(ServiceError::Conflict("merge_erased".into()));
        }
        let (a, b) = (kept_entry.person.to_draft(), removed_entry.person.to_draft());
        check_choices(&a.fields(), &PERSON_LISTS, take_removed)?;
        let (merged_fields, fields) =
            merge_fields(&a.fields(), &b.fields(), &PERSON_LISTS, take_removed);
        let mut draft = a.clone();
        for (field, value) in merged_fields {
            draft.set_field(field, value);
        }
        let merged = draft.parse()?;
        let after = merged.to_draft();
        let same = |x: &AffiliationEntry, y: &AffiliationEntry| x.affiliation == y.affiliation;
        let moved_affiliations = removed_entry
            .affiliations
            .iter()
            .filter(|r| !kept_entry.affiliations.iter().any(|k| same(k, r)))
            .cloned()
            .collect();
        let plan = PersonMergePlan {
            changes: changes(&a.fields(), &after.fields()),
            fields,
            merged,
            moved_affiliations,
            kept: kept_entry,
            removed: removed_entry,
        };
        if !dry_run {
            self.store.merge_people(kept, &plan.merged, removed, &self.audit()).await?;
        }
        Ok(plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kept_value_wins_an_empty_one_is_filled_and_lists_are_joined() {
        let kept = [("city", ""), ("name_en", "Gumi Meditech"), ("industry_tags", "wearables")];
        let removed = [
            ("city", "Gumi"),
            ("name_en", "Gumi MediTech Inc."),
            ("industry_tags", "Wearables, medical devices"),
        ];
        let lists = [("industry_tags", ',')];
        let (merged, fields) = merge_fields(&kept, &removed, &lists, &BTreeSet::new());
        assert_eq!(
            merged,
            [
                ("city", "Gumi".to_owned()),
                ("name_en", "Gumi Meditech".to_owned()),
                ("industry_tags", "wearables, medical devices".to_owned())
            ]
        );
        assert_eq!(fields.len(), 3);
        assert!(fields[0].from_removed && !fields[1].from_removed && fields[2].joined);
        // Chosen: the removed record's name.
        let take = BTreeSet::from(["name_en".to_owned()]);
        let (merged, _) = merge_fields(&kept, &removed, &lists, &take);
        assert_eq!(merged[1].1, "Gumi MediTech Inc.");
    }

    #[test]
    fn fields_that_agree_are_not_listed_and_a_choice_of_an_empty_value_keeps_the_other() {
        let kept = [("city", "Gumi"), ("employees", "40"), ("hs_codes", "9018, 901819")];
        let removed = [("city", "Gumi"), ("employees", ""), ("hs_codes", "901819,9018")];
        let take = BTreeSet::from(["employees".to_owned()]);
        let (merged, fields) = merge_fields(&kept, &removed, &[("hs_codes", ',')], &take);
        assert_eq!(merged[1].1, "40");
        assert_eq!(fields.iter().map(|f| f.field).collect::<Vec<_>>(), ["employees"]);
    }
}
