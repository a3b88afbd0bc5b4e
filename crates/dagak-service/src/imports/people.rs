//! Recognising people without email once every row is read.

use std::collections::HashMap;

use dagak_domain::{OrgId, Person, PersonId};
use dagak_store::{OrgRef, PersonUpdate};

use super::{ImportPreview, ImportProblem, OnMatch, RowAction, changes};
use crate::{Service, ServiceError};

/// A new person without email, to be recognised by name and organisation once every row is read.
pub(super) struct WithoutEmail {
    /// Their preview row and their place in the batch's new people.
    pub(super) row: usize,
    pub(super) person: usize,
    pub(super) draft: dagak_domain::PersonDraft,
    pub(super) file: String,
    pub(super) line: u64,
}

impl Service {
    /// A person with no email is the stored person with the same name at the same organisation,
    /// or, when the row names no organisation, the stored person with the same name and none:
    /// such rows are matched instead of created again, and their affiliation is the one they
    /// were recognised by.
    pub(super) async fn recognise_people_without_email(
        &self,
        preview: &mut ImportPreview,
        candidates: Vec<WithoutEmail>,
        mut updated_people: HashMap<PersonId, (String, u64)>,
    ) -> Result<Vec<ImportProblem>, ServiceError> {
        let mut problems = Vec::new();
        if candidates.is_empty() {
            return Ok(problems);
        }
        let mut orgs: Vec<OrgId> = candidates
            .iter()
            .flat_map(|c| preview.batch.new_people[c.person].1.iter())
            .filter_map(|link| match link.org {
                OrgRef::Existing(id) => Some(id),
                OrgRef::New(_) => None,
            })
            .collect();
        orgs.sort();
        orgs.dedup();
        let known: HashMap<(Option<OrgId>, String), (PersonId, Person)> = self
            .store
            .people_at_organizations(&orgs)
            .await?
            .into_iter()
            .filter(|(_, _, person)| person.emails.is_empty())
            .map(|(org, id, person)| ((org, person.display_name().to_lowercase()), (id, person)))
            .collect();
        let mut recognised = vec![false; preview.batch.new_people.len()];
        for candidate in candidates {
            let (person, links) = &preview.batch.new_people[candidate.person];
            let name = person.display_name().to_lowercase();
            let found = if links.is_empty() {
                known.get(&(None, name))
            } else {
                links.iter().find_map(|link| match link.org {
                    OrgRef::Existing(org) => known.get(&(Some(org), name.clone())),
                    OrgRef::New(_) => None,
                })
            };
            let Some((id, stored)) = found else { continue };
            let id = *id;
            recognised[candidate.person] = true;
            let changes = changes::person(stored, person, &candidate.draft);
            let row = &mut preview.rows[candidate.row];
            if changes.is_empty() || preview.on_match == OnMatch::Skip {
                row.action = RowAction::SkipExistingPerson(id);
                row.changes = changes;
                continue;
            }
            if let Some((file, first)) = updated_people.get(&id) {
                problems.push(ImportProblem {
                    file: candidate.file,
                    line: Some(candidate.line),
                    column: None,
                    code: "duplicate_row",
                    message: format!(
                        "this row changes the same stored person as {file} line {first}; keep one of them"
                    ),
                    ..Default::default()
                });
                continue;
            }
            match changes::overlay_person(stored, &candidate.draft).parse() {
                Ok(updated) => {
                    updated_people.insert(id, (candidate.file, candidate.line));
                    preview.batch.updated_people.push(PersonUpdate {
                        id,
                        person: updated,
                        added_affiliations: Vec::new(),
                    });
                    row.action = RowAction::UpdatePerson(id);
                    row.changes = changes;
                }
                Err(errors) => {
                    for e in errors.0 {
                        problems.push(ImportProblem {
                            file: candidate.file.clone(),
                            line: Some(candidate.line),
                            column: Some(e.field.to_owned()),
                            code: e.error.code(),
                            message: e.error.to_string(),
                            at: Box::new(super::ProblemAt {
                                header: Some(e.field.to_owned()),
                                position: None,
                                value: e.error.value().map(str::to_owned),
                                limit: e.error.limit(),
                            }),
                        });
                    }
                }
            }
        }
        let mut index = 0;
        preview.batch.new_people.retain(|_| {
            index += 1;
            !recognised[index - 1]
        });
        Ok(problems)
    }
}
