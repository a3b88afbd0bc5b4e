//! Exporting the directory as CSV or XLSX, in the same columns the import reads, so an export can
//! be edited and imported again.

use anyhow::Context as _;
use dagak_store::{OrgFilter, OrgRecord, Page, PersonFilter, PersonRecord};

use crate::access::UseCase;
use crate::imports::{ORG_COLUMNS, PERSON_COLUMNS};
use crate::{Acting, Service, ServiceError};

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One list, UTF-8 with a byte-order mark (which Excel needs to open Korean text).
    Csv,
    /// Both lists as the sheets `organizations` and `people` of one workbook.
    Xlsx,
}

impl ExportFormat {
    /// The media type of the file.
    pub fn media_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }
}

/// Which list a CSV export holds (a workbook always holds both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportList {
    Organizations,
    People,
}

/// An exported file: its suggested name, format and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// `dagak-organizations.csv`, `dagak-people.csv` or `dagak-directory.xlsx`.
    pub file_name: &'static str,
    pub format: ExportFormat,
    pub bytes: Vec<u8>,
}

const BATCH: u64 = 1000;

fn org_row(org: &dagak_domain::Organization) -> Vec<String> {
    let d = org.to_draft();
    vec![
        d.kind,
        d.name_ko,
        d.name_en,
        d.country,
        d.city,
        d.domain,
        d.business_number,
        d.industry_tags,
        d.hs_codes,
        d.offers,
        d.seeks,
        d.employees,
        d.description_ko,
        d.description_en,
    ]
}

/// How a people file names an organisation: business number, else domain, else name.
fn org_reference(record: &OrgRecord) -> String {
    let org = &record.org;
    org.business_number
        .map(|b| b.to_string())
        .or_else(|| org.domain.as_ref().map(|d| d.to_string()))
        .unwrap_or_else(|| org.display_name(dagak_domain::Lang::Ko).to_owned())
}

impl Service {
    async fn all_organizations(&self) -> Result<Vec<OrgRecord>, ServiceError> {
        let mut all = Vec::new();
        loop {
            let page = Page { offset: all.len() as u64, limit: BATCH };
            let batch = self.store.list_organizations(&OrgFilter::default(), page).await?;
            let done = (batch.items.len() as u64) < BATCH;
            all.extend(batch.items);
            if done {
                return Ok(all);
            }
        }
    }

    async fn all_people(&self) -> Result<Vec<PersonRecord>, ServiceError> {
        let mut all = Vec::new();
        loop {
            let page = Page { offset: all.len() as u64, limit: BATCH };
            let batch = self.store.list_people(&PersonFilter::default(), page).await?;
            let done = (batch.items.len() as u64) < BATCH;
            all.extend(batch.items);
            if done {
                return Ok(all);
            }
        }
    }

    /// The rows of the organisations and people files, header first.
    /// The rows of both lists, headers first; the people only when `people` is set (their rows
    /// need every organisation's reference, the organisations need nothing of the people).
    async fn export_rows(
        &self,
        people: bool,
    ) -> Result<(Vec<Vec<String>>, Vec<Vec<String>>), ServiceError> {
        let orgs = self.all_organizations().await?;
        let references: std::collections::HashMap<_, _> =
            orgs.iter().map(|r| (r.id, org_reference(r))).collect();
        let mut org_rows = vec![ORG_COLUMNS.iter().map(|c| c.0.to_owned()).collect::<Vec<_>>()];
        org_rows.extend(orgs.iter().map(|r| org_row(&r.org)));
        let mut people_rows =
            vec![PERSON_COLUMNS.iter().map(|c| c.0.to_owned()).collect::<Vec<_>>()];
        let persons = if people { self.all_people().await? } else { Vec::new() };
        // An erased person has nothing left to export (and could not be imported again).
        for record in persons.into_iter().filter(|r| r.erased_at.is_none()) {
            let d = record.person.to_draft();
            let base = vec![
                d.family_name,
                d.given_name,
                d.name_order,
                d.titles,
                d.emails,
                d.phones,
                d.languages,
                d.consent_date,
                d.consent_basis,
                d.consent_scope,
                d.consent_source,
                d.retain_until,
            ];
            let date = |x: Option<time::Date>| x.map(dagak_domain::iso_date).unwrap_or_default();
            // One line per affiliation, so that importing the file again rebuilds them.
            if record.affiliations.is_empty() {
                let mut row = base.clone();
                row.extend(["", "", "", ""].map(String::from));
                people_rows.push(row);
            }
            for a in &record.affiliations {
                let mut row = base.clone();
                row.push(references.get(&a.affiliation.org_id).cloned().unwrap_or_default());
                row.push(a.affiliation.role.clone().unwrap_or_default());
                row.push(date(a.affiliation.start));
                row.push(date(a.affiliation.end));
                people_rows.push(row);
            }
        }
        Ok((org_rows, people_rows))
    }

    async fn export_csv(&self, list: ExportList) -> Result<Vec<u8>, ServiceError> {
        let people = list == ExportList::People;
        let (orgs, persons) = self.export_rows(people).await?;
        let rows = if people { persons } else { orgs };
        let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        for row in rows {
            // Text cells that a spreadsheet would run as formulas are written as text.
            let cells = row.iter().map(|cell| dagak_domain::escape_csv_cell(cell));
            writer.write_record(cells.map(|c| c.into_owned())).context("writing the CSV export")?;
        }
        Ok(writer.into_inner().context("finishing the CSV export")?)
    }

    async fn export_xlsx(&self) -> Result<Vec<u8>, ServiceError> {
        let (orgs, persons) = self.export_rows(true).await?;
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        for (name, rows) in [("organizations", orgs), ("people", persons)] {
            let sheet = workbook.add_worksheet();
            sheet.set_name(name).context("naming a sheet")?;
            for (r, row) in rows.iter().enumerate() {
                for (c, value) in row.iter().enumerate() {
                    let (r, c) = (r as u32, c as u16);
                    if r == 0 {
                        sheet.write_string_with_format(r, c, value, &bold)
                    } else {
                        sheet.write_string(r, c, value)
                    }
                    .context("writing a cell")?;
                }
            }
            sheet.set_freeze_panes(1, 0).context("freezing the header")?;
        }
        Ok(workbook.save_to_buffer().context("writing the XLSX export")?)
    }
}

impl Acting {
    /// Exports the selected organisations as a CSV in the import's columns.
    pub async fn export_selected(
        &self,
        ids: &[dagak_domain::OrgId],
    ) -> Result<ExportFile, ServiceError> {
        self.may(UseCase::ExportOrganizations)?;
        let selected = self.selected_organizations(ids).await?;
        let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        writer.write_record(ORG_COLUMNS.iter().map(|c| c.0)).context("writing the CSV export")?;
        for entry in &selected {
            let cells = org_row(&entry.org);
            let cells = cells.iter().map(|cell| dagak_domain::escape_csv_cell(cell).into_owned());
            writer.write_record(cells).context("writing the CSV export")?;
        }
        let bytes = writer.into_inner().context("finishing the CSV export")?;
        Ok(ExportFile {
            file_name: "dagak-organizations-selected.csv",
            format: ExportFormat::Csv,
            bytes,
        })
    }

    /// Exports the directory in the columns the import reads: a CSV of one list, or a workbook
    /// of both.
    pub async fn export(
        &self,
        list: ExportList,
        format: ExportFormat,
    ) -> Result<ExportFile, ServiceError> {
        self.may(match (format, list) {
            (ExportFormat::Csv, ExportList::Organizations) => UseCase::ExportOrganizations,
            // The people's list and the workbook (which holds it) carry contact data.
            _ => UseCase::ExportPeople,
        })?;
        if !matches!((format, list), (ExportFormat::Csv, ExportList::Organizations)) {
            // The people's contact data leaves the system: a security event.
            self.record(dagak_store::AuditEvent {
                entity: "export".into(),
                entity_id: None,
                action: "personal_data_export".into(),
                detail: dagak_store::Snapshot::from([(
                    "file".to_owned(),
                    format!("{list:?} {format:?}").to_lowercase(),
                )]),
            })
            .await?;
        }
        let (file_name, bytes) = match (format, list) {
            (ExportFormat::Xlsx, _) => ("dagak-directory.xlsx", self.export_xlsx().await?),
            (ExportFormat::Csv, ExportList::Organizations) => {
                ("dagak-organizations.csv", self.export_csv(list).await?)
            }
            (ExportFormat::Csv, ExportList::People) => {
                ("dagak-people.csv", self.export_csv(list).await?)
            }
        };
        Ok(ExportFile { file_name, format, bytes })
    }
}
