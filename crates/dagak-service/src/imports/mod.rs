//! Importing organisations and people from CSV and XLSX files, checked in full before anything is
//! written, then written all or nothing.
//!
//! A file holds organisations or people, recognised from its header. People name their
//! organisation by business number, domain or name — never by internal id — and may name an
//! organisation created by the same import.

mod pending;
mod table;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use dagak_domain::{
    AffiliationDraft, BusinessNumber, OrgId, Organization, OrganizationDraft, PersonDraft,
    PersonId, WebDomain, name_keys,
};
use dagak_store::{ImportAffiliation, ImportBatch, OrgRef};

pub use pending::{CommittedImport, PREVIEW_LIFETIME, PendingPreview};
pub use table::{MAX_IMPORT_BYTES, Table, column_letter, decode, read_csv, read_xlsx};

use crate::{Service, ServiceError};

/// One uploaded file.
#[derive(Debug, Clone)]
pub struct ImportFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Why a file or a row was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    pub file: String,
    pub line: Option<u64>,
    pub column: Option<String>,
    /// Stable snake_case code, translated by the UI.
    pub code: &'static str,
    /// An English explanation for the CLI and logs.
    pub message: String,
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

/// What the import does with one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowAction {
    Create,
    Update(OrgId),
    /// The row is already stored unchanged, or names an organisation stored under the same name.
    SkipDuplicate(OrgId),
    /// A person already stored: one of the emails is theirs or, without email, the same name at
    /// the same organisation.
    SkipExistingPerson(PersonId),
}

impl RowAction {
    /// Whether the row is skipped as already stored.
    pub fn is_skip(&self) -> bool {
        matches!(self, RowAction::SkipDuplicate(_) | RowAction::SkipExistingPerson(_))
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
}

/// What an import would do; committing it writes exactly this.
#[derive(Debug, Clone, Default)]
pub struct ImportPreview {
    pub rows: Vec<PreviewRow>,
    batch: ImportBatch,
}

impl ImportPreview {
    pub fn count(&self, entity: &str, action: fn(&RowAction) -> bool) -> usize {
        self.rows.iter().filter(|r| r.entity == entity && action(&r.action)).count()
    }
}

/// What a committed import wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    pub organizations_created: usize,
    pub organizations_updated: usize,
    pub people_created: usize,
    pub skipped: usize,
}

/// The columns of an organisations file, with Korean aliases a bureau's own sheet may use.
pub(crate) const ORG_COLUMNS: [(&str, &[&str]); 14] = [
    ("kind", &["유형", "기관유형"]),
    ("name_ko", &["국문명", "기관명(국문)", "한글명"]),
    ("name_en", &["영문명", "기관명(영문)"]),
    ("country", &["국가"]),
    ("city", &["도시"]),
    ("domain", &["도메인", "웹사이트", "website"]),
    ("business_number", &["사업자등록번호"]),
    ("industry_tags", &["산업", "산업태그"]),
    ("hs_codes", &["hs코드", "hs_code"]),
    ("offers", &["제공역량"]),
    ("seeks", &["희망역량"]),
    ("employees", &["종업원수", "직원수"]),
    ("description_ko", &["국문소개"]),
    ("description_en", &["영문소개"]),
];

/// The columns of a people file.
pub(crate) const PERSON_COLUMNS: [(&str, &[&str]); 13] = [
    ("family_name", &["성"]),
    ("given_name", &["이름"]),
    ("name_order", &["성명순서"]),
    ("titles", &["직함", "직위"]),
    ("emails", &["이메일", "email"]),
    ("phones", &["전화", "전화번호", "phone"]),
    ("languages", &["언어"]),
    ("consent_date", &["동의일"]),
    ("consent_basis", &["동의근거"]),
    ("organization", &["기관", "소속"]),
    ("role", &["역할"]),
    ("start", &["시작일"]),
    ("end", &["종료일"]),
];

/// Maps each header to its canonical column, or reports unknown and repeated columns.
fn map_headers(
    table: &Table,
    columns: &[(&'static str, &[&str])],
    required: &[&[&str]],
) -> Result<HashMap<&'static str, usize>, Vec<ImportProblem>> {
    let mut map = HashMap::new();
    let mut problems = Vec::new();
    for (index, header) in table.headers.iter().enumerate() {
        let key = header.trim().to_lowercase().replace(' ', "_");
        let found = columns.iter().find(|(name, aliases)| {
            *name == key || aliases.iter().any(|a| a.to_lowercase() == key)
        });
        match found {
            Some((name, _)) if map.contains_key(name) => problems.push(ImportProblem {
                file: table.file.clone(),
                line: Some(1),
                column: Some(table.column_name(index)),
                code: "column_repeated",
                message: format!("the column {name} appears twice"),
            }),
            Some((name, _)) => {
                map.insert(*name, index);
            }
            None => problems.push(ImportProblem {
                file: table.file.clone(),
                line: Some(1),
                column: Some(table.column_name(index)),
                code: "column_unknown",
                message: format!(
                    "unknown column '{header}'; the columns are {}",
                    columns.iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
                ),
            }),
        }
    }
    for alternatives in required {
        if !alternatives.iter().any(|c| map.contains_key(c)) {
            problems.push(ImportProblem {
                file: table.file.clone(),
                line: Some(1),
                column: None,
                code: "column_missing",
                message: format!("the required column {} is missing", alternatives.join(" or ")),
            });
        }
    }
    if problems.is_empty() { Ok(map) } else { Err(problems) }
}

/// Which kind of rows a table holds, from its header.
fn is_people_table(table: &Table) -> Option<bool> {
    let has = |columns: &[(&str, &[&str])]| {
        table.headers.iter().any(|h| {
            let key = h.trim().to_lowercase().replace(' ', "_");
            columns.iter().any(|(n, a)| *n == key || a.iter().any(|a| a.to_lowercase() == key))
        })
    };
    let org_only = [
        "kind",
        "유형",
        "기관유형",
        "business_number",
        "사업자등록번호",
        "name_ko",
        "name_en",
        "국문명",
        "영문명",
    ];
    let person_only =
        ["family_name", "given_name", "성", "이름", "titles", "직함", "organization", "소속"];
    let key_in = |keys: &[&str]| {
        table.headers.iter().any(|h| keys.contains(&h.trim().to_lowercase().as_str()))
    };
    match (key_in(&org_only), key_in(&person_only)) {
        (true, false) => Some(false),
        (false, true) => Some(true),
        _ if has(&ORG_COLUMNS) && !has(&PERSON_COLUMNS) => Some(false),
        _ if has(&PERSON_COLUMNS) && !has(&ORG_COLUMNS) => Some(true),
        _ => None,
    }
}

fn cell(row: &[String], map: &HashMap<&str, usize>, column: &str) -> String {
    map.get(column).and_then(|&i| row.get(i)).map(|s| s.trim().to_owned()).unwrap_or_default()
}

/// Which stored or new organisation a key names.
#[derive(Default)]
struct OrgIndex {
    by_number: HashMap<String, OrgRef>,
    by_domain: HashMap<String, OrgRef>,
    by_name: HashMap<String, Vec<OrgRef>>,
}

impl OrgIndex {
    fn add(
        &mut self,
        r: OrgRef,
        number: Option<String>,
        domain: Option<String>,
        names: Vec<String>,
    ) {
        if let Some(n) = number {
            self.by_number.entry(n).or_insert(r);
        }
        if let Some(d) = domain {
            self.by_domain.entry(d).or_insert(r);
        }
        for key in names {
            let refs = self.by_name.entry(key).or_default();
            if !refs.contains(&r) {
                refs.push(r);
            }
        }
    }

    /// Resolves a reference typed in a people file: business number, domain or name.
    fn resolve(&self, text: &str) -> Result<OrgRef, (&'static str, String)> {
        if let Ok(number) = BusinessNumber::parse(text)
            && let Some(r) = self.by_number.get(&number.digits())
        {
            return Ok(*r);
        }
        if text.contains('.')
            && let Ok(domain) = WebDomain::parse(text)
            && let Some(r) = self.by_domain.get(domain.as_str())
        {
            return Ok(*r);
        }
        let mut found: Vec<OrgRef> = Vec::new();
        for key in name_keys([text]) {
            for r in self.by_name.get(&key).into_iter().flatten() {
                if !found.contains(r) {
                    found.push(*r);
                }
            }
        }
        match found.as_slice() {
            [one] => Ok(*one),
            [] => Err((
                "organization_unknown",
                format!(
                    "no organisation with the business number, domain or name '{text}' exists or is in this import"
                ),
            )),
            _ => Err((
                "organization_ambiguous",
                format!(
                    "'{text}' names {} organisations; use the business number or domain",
                    found.len()
                ),
            )),
        }
    }
}

/// Fills the row's empty fields from the stored organisation, so an import never erases data.
fn overlay(existing: &Organization, row: &OrganizationDraft) -> OrganizationDraft {
    let base = existing.to_draft();
    let pick =
        |new: &String, old: &String| if new.trim().is_empty() { old.clone() } else { new.clone() };
    OrganizationDraft {
        kind: pick(&row.kind, &base.kind),
        name_ko: pick(&row.name_ko, &base.name_ko),
        name_en: pick(&row.name_en, &base.name_en),
        country: pick(&row.country, &base.country),
        city: pick(&row.city, &base.city),
        domain: pick(&row.domain, &base.domain),
        business_number: pick(&row.business_number, &base.business_number),
        industry_tags: pick(&row.industry_tags, &base.industry_tags),
        hs_codes: pick(&row.hs_codes, &base.hs_codes),
        offers: pick(&row.offers, &base.offers),
        seeks: pick(&row.seeks, &base.seeks),
        employees: pick(&row.employees, &base.employees),
        description_ko: pick(&row.description_ko, &base.description_ko),
        description_en: pick(&row.description_en, &base.description_en),
    }
}

/// The most problems reported for one import; the rest are counted.
const MAX_PROBLEMS: usize = 1000;

impl Service {
    /// Reads and checks every file, and returns what committing would do, or every problem.
    /// `progress(done, total)` is called as rows are checked.
    pub async fn preview_import(
        &self,
        files: &[ImportFile],
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<ImportPreview, ServiceError> {
        let mut problems: Vec<ImportProblem> = Vec::new();
        let mut org_tables = Vec::new();
        let mut people_tables = Vec::new();
        for file in files {
            let tables = if file.bytes.len() > MAX_IMPORT_BYTES {
                Err(vec![ImportProblem {
                    file: file.name.clone(),
                    line: None,
                    column: None,
                    code: "file_too_large",
                    message: format!(
                        "the file has {} MB; the most one import takes is {} MB: split it",
                        file.bytes.len() / (1024 * 1024),
                        MAX_IMPORT_BYTES / (1024 * 1024)
                    ),
                }])
            } else if file.bytes.is_empty() {
                Err(vec![ImportProblem {
                    file: file.name.clone(),
                    line: None,
                    column: None,
                    code: "file_empty",
                    message: "the file is empty".into(),
                }])
            } else if file.bytes.starts_with(b"PK\x03\x04")
                || file.name.to_lowercase().ends_with(".xlsx")
            {
                read_xlsx(&file.name, &file.bytes)
            } else {
                read_csv(&file.name, &file.bytes).map(|t| vec![t])
            };
            match tables {
                Err(p) => problems.extend(p),
                Ok(tables) => {
                    for table in tables {
                        match is_people_table(&table) {
                            Some(true) => people_tables.push(table),
                            Some(false) => org_tables.push(table),
                            None => problems.push(ImportProblem {
                                file: table.file.clone(),
                                line: Some(1),
                                column: None,
                                code: "table_unrecognised",
                                message: "the header names neither organisations (kind, name_ko, name_en, country, …) nor people (family_name, given_name, organization, …)".into(),
                            }),
                        }
                    }
                }
            }
        }
        if !problems.is_empty() {
            return Err(ServiceError::ImportRejected(problems));
        }
        let total_rows: u64 =
            org_tables.iter().chain(&people_tables).map(|t| t.rows.len() as u64).sum();
        let mut done: u64 = 0;

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
        let mut preview = ImportPreview::default();
        // In-file duplicates: key → (file, line) of the first row holding it.
        let mut seen: HashMap<String, (String, u64)> = HashMap::new();
        let mut new_index = OrgIndex::default();
        for table in &org_tables {
            let map = match map_headers(
                table,
                &ORG_COLUMNS,
                &[&["kind"], &["country"], &["name_ko", "name_en"]],
            ) {
                Ok(map) => map,
                Err(p) => {
                    problems.extend(p);
                    continue;
                }
            };
            for (line, row) in &table.rows {
                done += 1;
                if done.is_multiple_of(1000) {
                    progress(done, total_rows);
                }
                let draft = OrganizationDraft {
                    kind: cell(row, &map, "kind"),
                    name_ko: cell(row, &map, "name_ko"),
                    name_en: cell(row, &map, "name_en"),
                    country: cell(row, &map, "country"),
                    city: cell(row, &map, "city"),
                    domain: cell(row, &map, "domain"),
                    business_number: cell(row, &map, "business_number"),
                    industry_tags: cell(row, &map, "industry_tags"),
                    hs_codes: cell(row, &map, "hs_codes"),
                    offers: cell(row, &map, "offers"),
                    seeks: cell(row, &map, "seeks"),
                    employees: cell(row, &map, "employees"),
                    description_ko: cell(row, &map, "description_ko"),
                    description_en: cell(row, &map, "description_en"),
                };
                let org = match draft.parse() {
                    Ok(org) => org,
                    Err(errors) => {
                        for e in errors.0 {
                            let column = map
                                .get(e.field)
                                .map(|&i| table.column_name(i))
                                .unwrap_or_else(|| e.field.to_owned());
                            problems.push(ImportProblem {
                                file: table.file.clone(),
                                line: Some(*line),
                                column: Some(column),
                                code: e.error.code(),
                                message: e.error.to_string(),
                            });
                        }
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
                    let (first_file, first_line) = &seen[key];
                    problems.push(ImportProblem {
                        file: table.file.clone(),
                        line: Some(*line),
                        column: map.get(field).map(|&i| table.column_name(i)),
                        code: "duplicate_row",
                        message: format!(
                            "this row repeats the organisation of {first_file} line {first_line}"
                        ),
                    });
                    continue;
                }
                for (k, _) in file_keys {
                    seen.insert(k, (table.file.clone(), *line));
                }
                let matched = number
                    .as_ref()
                    .and_then(|n| index.by_number.get(n))
                    .or_else(|| domain.as_ref().and_then(|d| index.by_domain.get(d)))
                    .copied();
                let label = org.display_name(dagak_domain::Lang::Ko).to_owned();
                let action = match matched {
                    Some(OrgRef::Existing(id)) => {
                        let existing = self.store.get_organization(id).await?.org;
                        match overlay(&existing, &draft).parse() {
                            Ok(updated) if updated == existing => RowAction::SkipDuplicate(id),
                            Ok(updated) => {
                                preview.batch.updated_organizations.push((id, updated));
                                RowAction::Update(id)
                            }
                            Err(errors) => {
                                for e in errors.0 {
                                    problems.push(ImportProblem {
                                        file: table.file.clone(),
                                        line: Some(*line),
                                        column: Some(e.field.to_owned()),
                                        code: e.error.code(),
                                        message: e.error.to_string(),
                                    });
                                }
                                continue;
                            }
                        }
                    }
                    _ => {
                        let same_name = keys
                            .iter()
                            .flat_map(|k| index.by_name.get(k).into_iter().flatten())
                            .find_map(|r| match r {
                                OrgRef::Existing(id) => Some(*id),
                                OrgRef::New(_) => None,
                            });
                        match same_name {
                            Some(id) if number.is_none() && domain.is_none() => {
                                RowAction::SkipDuplicate(id)
                            }
                            _ => {
                                let r = OrgRef::New(preview.batch.new_organizations.len());
                                new_index.add(r, number.clone(), domain.clone(), keys.clone());
                                preview.batch.new_organizations.push(org);
                                RowAction::Create
                            }
                        }
                    }
                };
                preview.rows.push(PreviewRow {
                    file: table.file.clone(),
                    line: *line,
                    entity: "organization",
                    label,
                    action,
                });
                if problems.len() > MAX_PROBLEMS {
                    break;
                }
            }
        }
        // People may name organisations of this import; new ones take precedence over nothing else.
        for (key, refs) in new_index.by_name {
            for r in refs {
                let entry = index.by_name.entry(key.clone()).or_default();
                if !entry.contains(&r) {
                    entry.push(r);
                }
            }
        }
        for (k, r) in new_index.by_number {
            index.by_number.entry(k).or_insert(r);
        }
        for (k, r) in new_index.by_domain {
            index.by_domain.entry(k).or_insert(r);
        }

        let mut seen_people: BTreeMap<String, u64> = BTreeMap::new();
        // People with no email, to be recognised by name and organisation once every row is read:
        // (their preview row, their place in the batch).
        let mut without_email: Vec<(usize, usize)> = Vec::new();
        // People already stored are recognised by any of their emails.
        let known_emails: HashMap<String, PersonId> = if people_tables.is_empty() {
            HashMap::new()
        } else {
            self.store.all_person_emails().await?.into_iter().map(|(id, e)| (e, id)).collect()
        };
        for table in &people_tables {
            let map = match map_headers(
                table,
                &PERSON_COLUMNS,
                &[&["family_name", "given_name", "titles"]],
            ) {
                Ok(map) => map,
                Err(p) => {
                    problems.extend(p);
                    continue;
                }
            };
            for (line, row) in &table.rows {
                done += 1;
                if done.is_multiple_of(1000) {
                    progress(done, total_rows);
                }
                let problems_before = problems.len();
                let mut report = |field: &str, code: &'static str, message: String| {
                    let column = map
                        .get(field)
                        .map(|&i| table.column_name(i))
                        .unwrap_or_else(|| field.to_owned());
                    problems.push(ImportProblem {
                        file: table.file.clone(),
                        line: Some(*line),
                        column: Some(column),
                        code,
                        message,
                    });
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
                seen_people.insert(key, *line);
                if let Some(id) =
                    person.emails.iter().find_map(|e| known_emails.get(&e.to_lowercase()))
                {
                    preview.rows.push(PreviewRow {
                        file: table.file.clone(),
                        line: *line,
                        entity: "person",
                        label: person.display_name(),
                        action: RowAction::SkipExistingPerson(*id),
                    });
                    continue;
                }
                if person.emails.is_empty() {
                    without_email.push((preview.rows.len(), preview.batch.new_people.len()));
                }
                preview.rows.push(PreviewRow {
                    file: table.file.clone(),
                    line: *line,
                    entity: "person",
                    label: person.display_name(),
                    action: RowAction::Create,
                });
                preview.batch.new_people.push((person, links));
                if problems.len() > MAX_PROBLEMS {
                    break;
                }
            }
        }
        progress(total_rows, total_rows);
        if !problems.is_empty() {
            return Err(ServiceError::ImportRejected(problems));
        }
        self.recognise_people_without_email(&mut preview, &without_email).await?;
        Ok(preview)
    }

    /// A person with no email is the stored person with the same name at the same organisation,
    /// or, when the row names no organisation, the stored person with the same name and none:
    /// such rows are skipped instead of created again.
    async fn recognise_people_without_email(
        &self,
        preview: &mut ImportPreview,
        candidates: &[(usize, usize)],
    ) -> Result<(), ServiceError> {
        if candidates.is_empty() {
            return Ok(());
        }
        let people = &preview.batch.new_people;
        let orgs: BTreeSet<OrgId> = candidates
            .iter()
            .flat_map(|&(_, p)| people[p].1.iter())
            .filter_map(|link| match link.org {
                OrgRef::Existing(id) => Some(id),
                OrgRef::New(_) => None,
            })
            .collect();
        let orgs: Vec<OrgId> = orgs.into_iter().collect();
        let known: HashMap<(Option<OrgId>, String), PersonId> = self
            .store
            .people_at_organizations(&orgs)
            .await?
            .into_iter()
            .filter(|(_, _, person)| person.emails.is_empty())
            .map(|(org, id, person)| ((org, person.display_name().to_lowercase()), id))
            .collect();
        let mut recognised = BTreeSet::new();
        for &(row, p) in candidates {
            let (person, links) = &people[p];
            let name = person.display_name().to_lowercase();
            let found = if links.is_empty() {
                known.get(&(None, name)).copied()
            } else {
                links.iter().find_map(|link| match link.org {
                    OrgRef::Existing(org) => known.get(&(Some(org), name.clone())).copied(),
                    OrgRef::New(_) => None,
                })
            };
            if let Some(id) = found {
                preview.rows[row].action = RowAction::SkipExistingPerson(id);
                recognised.insert(p);
            }
        }
        let mut index = 0;
        preview.batch.new_people.retain(|_| {
            index += 1;
            !recognised.contains(&(index - 1))
        });
        Ok(())
    }

    /// Writes a previewed import in one transaction.
    pub async fn commit_import(
        &self,
        preview: &ImportPreview,
    ) -> Result<ImportOutcome, ServiceError> {
        let ids = self.store.apply_import(&preview.batch).await?;
        Ok(ImportOutcome {
            organizations_created: ids.organizations.len(),
            organizations_updated: preview.batch.updated_organizations.len(),
            people_created: ids.people.len(),
            skipped: preview.rows.iter().filter(|r| r.action.is_skip()).count(),
        })
    }
}
