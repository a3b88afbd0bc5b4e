//! Importing organisations and people from CSV and XLSX files, checked in full before anything is
//! written, then written all or nothing.
//!
//! A file holds organisations or people, recognised from its header. People name their
//! organisation by business number, domain or name — never by internal id — and may name an
//! organisation created by the same import.
//!
//! A row that matches a stored organisation or person carries the fields it changes
//! ([`PreviewRow::changes`]); [`OnMatch`] says whether the import skips such rows or writes
//! their changes.
//!
//! Over 600 lines: this is the preview's plan (organisations, then people, then the batch), one
//! pass that reads best in one place; reading, columns, the index of stored rows, the prefetch of
//! matched rows, people matching and field changes are already modules of their own.

mod changes;
mod columns;
mod index;
mod pending;
mod people;
mod prefetch;
mod table;

use std::collections::{BTreeMap, HashMap};

use dagak_domain::{AffiliationDraft, FieldErrors, OrgId, PersonDraft, PersonId, name_keys};
use dagak_store::{ImportAffiliation, ImportBatch, OrgRef, PersonUpdate};

pub(crate) use columns::{ORG_COLUMNS, PERSON_COLUMNS};
pub use pending::{CommittedImport, PREVIEW_LIFETIME, PendingPreview};
use prefetch::{PREFETCH_WINDOW, org_draft, stored_match};
pub(crate) use table::LineCounter;
pub use table::{MAX_IMPORT_BYTES, Row, Table, column_letter, decode, read_csv, read_xlsx};

use columns::{cell, map_headers, read_tables};
use index::OrgIndex;
use people::WithoutEmail;

use crate::access::UseCase;
use crate::{Acting, FieldChange, ServiceError};

/// One uploaded file.
#[derive(Debug, Clone)]
pub struct ImportFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Why a file or a row was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportProblem {
    pub file: String,
    pub line: Option<u64>,
    /// The column in English words, for the CLI and logs: `business_number (column 7)`.
    pub column: Option<String>,
    /// Stable snake_case code, translated by the UI.
    pub code: &'static str,
    /// An English explanation for the CLI and logs.
    pub message: String,
    /// Where and what, for a page to say it in its own language.
    pub at: Box<ProblemAt>,
}

/// The column of a problem as the file's header wrote it and where it is, and the value that
/// broke the rule or the limit it went past, when the rule names one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProblemAt {
    pub header: Option<String>,
    /// `7`, or `G` in a spreadsheet.
    pub position: Option<String>,
    pub value: Option<String>,
    pub limit: Option<usize>,
}

impl ImportProblem {
    /// The problem of `error` at column `index` of `table` (`field` when the table has no such
    /// column), on `line`.
    pub(crate) fn of_field(
        table: &table::Table,
        index: Option<usize>,
        field: &str,
        line: u64,
        error: &dagak_domain::DomainError,
    ) -> ImportProblem {
        let mut problem = ImportProblem::at_column(
            table,
            index,
            field,
            Some(line),
            error.code(),
            error.to_string(),
        );
        problem.at.value = error.value().map(str::to_owned);
        problem.at.limit = error.limit();
        problem
    }

    /// A problem at column `index` of `table` (or the column named `field`).
    pub(crate) fn at_column(
        table: &table::Table,
        index: Option<usize>,
        field: &str,
        line: Option<u64>,
        code: &'static str,
        message: String,
    ) -> ImportProblem {
        let (column, header, position) = match index {
            Some(i) => {
                let (header, position) = table.column_parts(i);
                (table.column_name(i), Some(header).filter(|h| !h.is_empty()), Some(position))
            }
            None => (field.to_owned(), Some(field.to_owned()), None),
        };
        ImportProblem {
            file: table.file.clone(),
            line,
            column: Some(column),
            code,
            message,
            at: Box::new(ProblemAt { header, position, ..Default::default() }),
        }
    }
}

impl std::fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ": {column}")?;
        }
        write!(f, ": {} [{}]", self.message, self.code)
    }
}

/// What an import does with a row that matches a stored organisation or person and differs
/// from it. Chosen per import; rows that match and differ in nothing are always skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnMatch {
    /// Leave the stored row as it is. The preview still lists what the file would change.
    #[default]
    Skip,
    /// Write the fields the file changes (an empty cell keeps the stored value) and add the
    /// person's new affiliations (none is removed).
    Update,
}

/// What the import does with one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowAction {
    Create,
    /// A stored organisation whose changed fields are written ([`OnMatch::Update`]).
    Update(OrgId),
    /// A stored organisation left as it is: the row matches it by business number, domain or
    /// (with neither) name, and changes nothing or is skipped ([`OnMatch::Skip`]).
    SkipDuplicate(OrgId),
    /// A person already stored: one of the emails is theirs or, without email, the same name at
    /// the same organisation. Left as they are, like [`RowAction::SkipDuplicate`].
    SkipExistingPerson(PersonId),
    /// A stored person whose changed fields are written and new affiliations added
    /// ([`OnMatch::Update`]).
    UpdatePerson(PersonId),
}

impl RowAction {
    /// Whether the row is skipped as already stored.
    pub fn is_skip(&self) -> bool {
        matches!(self, RowAction::SkipDuplicate(_) | RowAction::SkipExistingPerson(_))
    }

    /// Whether the row updates a stored organisation or person.
    pub fn is_update(&self) -> bool {
        matches!(self, RowAction::Update(_) | RowAction::UpdatePerson(_))
    }
}

/// One row of the preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewRow {
    pub file: String,
    pub line: u64,
    /// `organization` or `person`.
    pub entity: &'static str,
    pub label: String,
    pub action: RowAction,
    /// For a row matching a stored organisation or person, each field the file changes: its
    /// stored value (`before`) and the file's (`after`), both in normal form. A person's new
    /// affiliations are the field `organization`. Empty for new rows and unchanged ones.
    pub changes: Vec<FieldChange>,
}

/// What an import would do; committing it writes exactly this.
#[derive(Debug, Clone, Default)]
pub struct ImportPreview {
    pub rows: Vec<PreviewRow>,
    on_match: OnMatch,
    batch: ImportBatch,
    /// The files' names and SHA-256, for the audit entry of the import.
    files: Vec<(String, String)>,
}

impl ImportPreview {
    pub fn count(&self, entity: &str, action: fn(&RowAction) -> bool) -> usize {
        self.rows.iter().filter(|r| r.entity == entity && action(&r.action)).count()
    }

    /// What the preview does with matched rows that differ.
    pub fn on_match(&self) -> OnMatch {
        self.on_match
    }

    /// The rows matching a stored organisation or person that the file changes: updated with
    /// [`OnMatch::Update`], skipped with [`OnMatch::Skip`].
    pub fn changed_rows(&self) -> impl Iterator<Item = &PreviewRow> {
        self.rows.iter().filter(|r| !r.changes.is_empty())
    }
}

/// What a committed import wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    pub organizations_created: usize,
    pub organizations_updated: usize,
    pub people_created: usize,
    pub people_updated: usize,
    pub skipped: usize,
}

/// The most problems reported for one import; the rest are counted.
const MAX_PROBLEMS: usize = 1000;

/// Rows checked between two progress reports.
const PROGRESS_EVERY: u64 = 1000;

/// Counts the rows checked and reports them, never the same count twice.
struct Checked<'a> {
    done: u64,
    total: u64,
    reported: Option<u64>,
    progress: &'a (dyn Fn(u64, u64) + Send + Sync),
}

impl Checked<'_> {
    fn row(&mut self) {
        self.done += 1;
        if self.done.is_multiple_of(PROGRESS_EVERY) {
            self.report(self.done);
        }
    }

    fn report(&mut self, done: u64) {
        if self.reported != Some(done) {
            self.reported = Some(done);
            (self.progress)(done, self.total);
        }
    }

    /// The last report: every row is checked.
    fn finish(&mut self) {
        self.report(self.total);
    }
}

/// The problems of a draft that did not parse, each at its column.
fn field_problems(
    table: &Table,
    map: &HashMap<&str, usize>,
    line: u64,
    errors: FieldErrors,
) -> impl Iterator<Item = ImportProblem> {
    errors.0.into_iter().map(move |e| {
        ImportProblem::of_field(table, map.get(e.field).copied(), e.field, line, &e.error)
    })
}

/// A row that updates a stored row some earlier row already updates.
fn updated_twice(
    table: &Table,
    line: u64,
    what: &str,
    (first_file, first_line): (&str, u64),
) -> ImportProblem {
    ImportProblem {
        file: table.file.clone(),
        line: Some(line),
        column: None,
        code: "duplicate_row",
        message: format!(
            "this row changes the same stored {what} as {first_file} line {first_line}; keep one of them"
        ),
        ..Default::default()
    }
}

impl Acting {
    /// Reads and checks every file, and returns what committing would do, or every problem.
    /// Rows matching a stored organisation or person carry what they change, and `on_match`
    /// says whether those changes are written. `progress(done, total)` is called as rows are
    /// checked, each count once.
    pub async fn preview_import(
        &self,
        files: &[ImportFile],
        on_match: OnMatch,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<ImportPreview, ServiceError> {
        self.may(UseCase::ImportFiles)?;
        let (org_tables, people_tables) =
            read_tables(files).map_err(ServiceError::ImportRejected)?;
        let total = org_tables.iter().chain(&people_tables).map(|t| t.len() as u64).sum();
        let mut checked = Checked { done: 0, total, reported: None, progress };
        let mut problems: Vec<ImportProblem> = Vec::new();

        // Index every stored organisation once, rather than asking the store row by row.
        let mut index = OrgIndex::default();
        for keys in self.store.all_organization_keys().await? {
            let r = OrgRef::Existing(keys.id);
            index.add(
                r,
                keys.business_number.map(|b| b.digits()),
                keys.domain.map(|d| d.to_string()),
                keys.name_keys,
            );
        }
        let files = files.iter().map(|f| (f.name.clone(), pending::sha256_hex(&f.bytes))).collect();
        let mut preview = ImportPreview { on_match, files, ..ImportPreview::default() };
        // Every row checked gets a preview row: reserved once rather than doubled as it grows.
        preview.rows.reserve_exact(usize::try_from(total).unwrap_or(0));
        // In-file duplicates: key → (file, line) of the first row holding it.
        let mut seen: HashMap<String, (usize, u64)> = HashMap::new();
        let mut files_seen: Vec<String> = Vec::new();
        // Stored organisations updated, by the row updating them.
        let mut updated_orgs: HashMap<OrgId, (usize, u64)> = HashMap::new();
        let mut new_index = OrgIndex::default();
        // Each table is dropped once checked: what is left of it is in the preview.
        for table in org_tables {
            let table_no = files_seen.len();
            files_seen.push(table.file.clone());
            let map = match map_headers(
                &table,
                &ORG_COLUMNS,
                &[&["kind"], &["country"], &["name_ko", "name_en"]],
            ) {
                Ok(map) => map,
                Err(p) => {
                    problems.extend(p);
                    continue;
                }
            };
            let mut stored_orgs = HashMap::new();
            for (n, (line, row)) in table.rows().enumerate() {
                checked.row();
                // The stored rows a window of rows match are read at once, window by window.
                if n % PREFETCH_WINDOW == 0 {
                    stored_orgs = self.stored_matches(&table, &map, &index, n).await?;
                }
                let draft = org_draft(row, &map);
                let org = match draft.parse() {
                    Ok(org) => org,
                    Err(errors) => {
                        problems.extend(field_problems(&table, &map, line, errors));
                        continue;
                    }
                };
                let number = org.business_number.map(|b| b.digits());
                let domain = org.domain.as_ref().map(|d| d.to_string());
                let keys = name_keys(
                    [org.name_ko.as_deref(), org.name_en.as_deref()].into_iter().flatten(),
                );
                // A row repeating an earlier row's business number, domain or name is an error.
                let mut file_keys: Vec<(String, &'static str)> = Vec::new();
                if let Some(n) = &number {
                    file_keys.push((format!("bn:{n}"), "business_number"));
                }
                if let Some(d) = &domain {
                    file_keys.push((format!("domain:{d}"), "domain"));
                }
                for k in &keys {
                    file_keys.push((
                        format!("name:{}:{k}", org.country),
                        if org.name_ko.is_some() { "name_ko" } else { "name_en" },
                    ));
                }
                if let Some((key, field)) = file_keys.iter().find(|(k, _)| seen.contains_key(k)) {
                    let (first_table, first_line) = seen[key];
                    problems.push(ImportProblem {
                        file: table.file.clone(),
                        line: Some(line),
                        column: map.get(field).map(|&i| table.column_name(i)),
                        code: "duplicate_row",
                        message: format!(
                            "this row repeats the organisation of {} line {first_line}",
                            files_seen[first_table]
                        ),
                        ..Default::default()
                    });
                    continue;
                }
                for (k, _) in file_keys {
                    seen.insert(k, (table_no, line));
                }
                // The stored organisation of the same business number or domain or, when the
                // row has neither, of the same name.
                let matched = stored_match(&index, number.as_ref(), domain.as_ref(), &keys);
                let label = org.display_name(dagak_domain::Lang::Ko).to_owned();
                let (action, changes) = match matched {
                    Some(id) => {
                        let existing = match stored_orgs.get(&id) {
                            Some(org) => org.clone(),
                            None => self.store.get_organization(id).await?.org,
                        };
                        let changes = changes::organization(&existing, &org, &draft);
                        if changes.is_empty() || on_match == OnMatch::Skip {
                            (RowAction::SkipDuplicate(id), changes)
                        } else if let Some(&(t, first)) = updated_orgs.get(&id) {
                            let first = (files_seen[t].as_str(), first);
                            problems.push(updated_twice(&table, line, "organisation", first));
                            continue;
                        } else {
                            match changes::overlay_organization(&existing, &draft).parse() {
                                Ok(updated) => {
                                    updated_orgs.insert(id, (table_no, line));
                                    preview.batch.updated_organizations.push((id, updated));
                                    (RowAction::Update(id), changes)
                                }
                                Err(errors) => {
                                    problems.extend(field_problems(&table, &map, line, errors));
                                    continue;
                                }
                            }
                        }
                    }
                    None => {
                        let r = OrgRef::New(preview.batch.new_organizations.len());
                        new_index.add(r, number, domain, keys);
                        preview.batch.new_organizations.push(org);
                        (RowAction::Create, Vec::new())
                    }
                };
                preview.rows.push(PreviewRow {
                    file: table.file.clone(),
                    line,
                    entity: "organization",
                    label,
                    action,
                    changes,
                });
                if problems.len() > MAX_PROBLEMS {
                    break;
                }
            }
        }
        // People may name organisations of this import.
        index.extend(new_index);
        // What only organisations needed.
        drop((seen, files_seen, updated_orgs));

        let mut seen_people: BTreeMap<String, u64> = BTreeMap::new();
        let mut without_email: Vec<WithoutEmail> = Vec::new();
        // Stored people updated, by the row updating them.
        let mut updated_people: HashMap<PersonId, (String, u64)> = HashMap::new();
        // People already stored are recognised by any of their emails.
        let known_emails: HashMap<String, PersonId> = if people_tables.is_empty() {
            HashMap::new()
        } else {
            self.store.all_person_emails().await?.into_iter().map(|(id, e)| (e, id)).collect()
        };
        for table in people_tables {
            let map = match map_headers(
                &table,
                &PERSON_COLUMNS,
                &[&["family_name", "given_name", "titles"]],
            ) {
                Ok(map) => map,
                Err(p) => {
                    problems.extend(p);
                    continue;
                }
            };
            let mut stored_people = HashMap::new();
            for (n, (line, row)) in table.rows().enumerate() {
                checked.row();
                // The stored people a window of rows names by email, read at once.
                if n % PREFETCH_WINDOW == 0 {
                    stored_people = self.stored_people(&table, &map, &known_emails, n).await?;
                }
                let problems_before = problems.len();
                let mut report = |field: &str, code: &'static str, message: String| {
                    let index = map.get(field).copied();
                    let problem =
                        ImportProblem::at_column(&table, index, field, Some(line), code, message);
                    problems.push(problem);
                };
                let draft = PersonDraft {
                    family_name: cell(row, &map, "family_name"),
                    given_name: cell(row, &map, "given_name"),
                    name_order: cell(row, &map, "name_order"),
                    titles: cell(row, &map, "titles"),
                    emails: cell(row, &map, "emails"),
                    phones: cell(row, &map, "phones"),
                    languages: cell(row, &map, "languages"),
                    consent_date: cell(row, &map, "consent_date"),
                    consent_basis: cell(row, &map, "consent_basis"),
                    consent_scope: cell(row, &map, "consent_scope"),
                    consent_source: cell(row, &map, "consent_source"),
                    retain_until: cell(row, &map, "retain_until"),
                };
                let person = match draft.parse() {
                    Ok(p) => Some(p),
                    Err(errors) => {
                        for e in errors.0 {
                            report(e.field, e.error.code(), e.error.to_string());
                        }
                        None
                    }
                };
                let org_text = cell(row, &map, "organization");
                let mut links = Vec::new();
                if !org_text.is_empty() {
                    match index.resolve(&org_text) {
                        Err((code, message)) => report("organization", code, message),
                        Ok(org) => {
                            let draft = AffiliationDraft {
                                org_id: OrgId(0),
                                role: cell(row, &map, "role"),
                                start: cell(row, &map, "start"),
                                end: cell(row, &map, "end"),
                            };
                            match draft.parse() {
                                Ok(a) => links.push(ImportAffiliation {
                                    org,
                                    role: a.role,
                                    start: a.start,
                                    end: a.end,
                                }),
                                Err(errors) => {
                                    for e in errors.0 {
                                        report(e.field, e.error.code(), e.error.to_string());
                                    }
                                }
                            }
                        }
                    }
                }
                let key = person.as_ref().map(|p| {
                    format!(
                        "{}|{}|{}",
                        p.display_name().to_lowercase(),
                        p.emails.join(","),
                        org_text.to_lowercase()
                    )
                });
                if let Some(first) = key.as_ref().and_then(|k| seen_people.get(k)) {
                    report(
                        "family_name",
                        "duplicate_row",
                        format!("this row repeats the person of line {first}"),
                    );
                }
                let (Some(person), Some(key)) = (person, key) else { continue };
                if problems.len() > problems_before {
                    continue;
                }
                seen_people.insert(key, line);
                let label = person.display_name();
                if let Some(&id) =
                    person.emails.iter().find_map(|e| known_emails.get(&e.to_lowercase()))
                {
                    let stored = match stored_people.get(&id) {
                        Some(stored) => stored.clone(),
                        None => self.store.get_person(id).await?,
                    };
                    let mut changes = changes::person(&stored.person, &person, &draft);
                    let (added, affiliations) =
                        changes::added_affiliations(&stored.affiliations, links, &org_text);
                    changes.extend(affiliations);
                    let action = if changes.is_empty() || on_match == OnMatch::Skip {
                        RowAction::SkipExistingPerson(id)
                    } else if let Some((file, first)) = updated_people.get(&id) {
                        problems.push(updated_twice(&table, line, "person", (file, *first)));
                        continue;
                    } else {
                        match changes::overlay_person(&stored.person, &draft).parse() {
                            Ok(updated) => {
                                updated_people.insert(id, (table.file.clone(), line));
                                preview.batch.updated_people.push(PersonUpdate {
                                    id,
                                    person: updated,
                                    added_affiliations: added,
                                });
                                RowAction::UpdatePerson(id)
                            }
                            Err(errors) => {
                                problems.extend(field_problems(&table, &map, line, errors));
                                continue;
                            }
                        }
                    };
                    preview.rows.push(PreviewRow {
                        file: table.file.clone(),
                        line,
                        entity: "person",
                        label,
                        action,
                        changes,
                    });
                    continue;
                }
                if person.emails.is_empty() {
                    without_email.push(WithoutEmail {
                        row: preview.rows.len(),
                        person: preview.batch.new_people.len(),
                        draft,
                        file: table.file.clone(),
                        line,
                    });
                }
                preview.rows.push(PreviewRow {
                    file: table.file.clone(),
                    line,
                    entity: "person",
                    label,
                    action: RowAction::Create,
                    changes: Vec::new(),
                });
                preview.batch.new_people.push((person, links));
                if problems.len() > MAX_PROBLEMS {
                    break;
                }
            }
        }
        checked.finish();
        drop((index, seen_people, known_emails));
        if problems.is_empty() {
            problems = self
                .recognise_people_without_email(&mut preview, without_email, updated_people)
                .await?;
        }
        if !problems.is_empty() {
            return Err(ServiceError::ImportRejected(problems));
        }
        Ok(preview)
    }

    /// Writes a previewed import in one transaction, all or nothing. `progress(done, total)` is
    /// told the rows written. The preview is consumed: its rows are released before the write,
    /// and the batch is handed to the store rather than copied.
    pub async fn commit_import(
        &self,
        preview: ImportPreview,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<ImportOutcome, ServiceError> {
        self.may(UseCase::ImportFiles)?;
        let ImportPreview { rows, batch, files, .. } = preview;
        let mut detail = dagak_store::Snapshot::new();
        let listed: Vec<String> =
            files.iter().map(|(name, sha)| format!("{name} sha256:{sha}")).collect();
        detail.insert("files".into(), listed.join("\n"));
        detail.insert(
            "skipped".into(),
            rows.iter().filter(|r| r.action.is_skip()).count().to_string(),
        );
        let skipped = rows.iter().filter(|r| r.action.is_skip()).count();
        drop(rows);
        let organizations_updated = batch.updated_organizations.len();
        let people_updated = batch.updated_people.len();
        let ids = self.store.apply_import(batch, progress, &self.audit(), &detail).await?;
        Ok(ImportOutcome {
            organizations_created: ids.organizations.len(),
            organizations_updated,
            people_created: ids.people.len(),
            people_updated,
            skipped,
        })
    }
}
