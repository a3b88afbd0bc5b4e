//! Imports: the good path, and a corpus of bad files each rejected with file, line, column and
//! reason while the database stays unchanged.

use dagak_service::{
    Acting, ExportFormat, ExportList, FieldChange, ImportFile, ImportPreview, ImportProblem,
    OnMatch, RowAction, ServiceError,
};
use dagak_store::{OrgFilter, Page, PersonFilter};

use crate::service;

const ORGS: &str = "kind,name_ko,name_en,country,city,domain,business_number,industry_tags,hs_codes,offers,seeks,employees,description_ko,description_en
local_firm,구미메디텍,Gumi Meditech,KR,구미,gumi-meditech.example,124-81-00998,medical devices,901819,manufacturing,distribution,120,,
foreign_firm,,Irvine Diagnostics,US,Irvine,irvine-dx.example,,medical devices,9018,\"rnd, marketing\",manufacturing,,,
";
const PEOPLE: &str = "family_name,given_name,titles,emails,organization,role,start
김,민수,대표이사,,124-81-00998,CEO,2020-03-01
Smith,Jane,VP Business Development,jane@irvine-dx.example,irvine-dx.example,VP,
,,Mayor of Irvine,,,,
";

fn file(name: &str, bytes: impl Into<Vec<u8>>) -> ImportFile {
    ImportFile { name: name.into(), bytes: bytes.into() }
}

async fn counts(service: &Acting) -> (u64, u64) {
    let page = Page { offset: 0, limit: 1 };
    let orgs = service.store().list_organizations(&OrgFilter::default(), page).await.unwrap().total;
    let people = service.store().list_people(&PersonFilter::default(), page).await.unwrap().total;
    (orgs, people)
}

fn no_progress(_: u64, _: u64) {}

/// Previews `files` with today's default (skip matched rows), expecting success.
async fn preview_of(service: &Acting, files: &[ImportFile]) -> ImportPreview {
    service.preview_import(files, OnMatch::Skip, &no_progress).await.unwrap()
}

async fn import(service: &Acting, files: &[ImportFile]) {
    let preview = preview_of(service, files).await;
    service.commit_import(preview, &no_progress).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organisations_and_people_import_with_a_preview_and_reimport_as_duplicates() {
    let (service, _dir) = service().await;
    let files = [file("orgs.csv", ORGS), file("people.csv", PEOPLE)];
    let preview = preview_of(&service, &files).await;
    assert_eq!(preview.count("organization", |a| *a == RowAction::Create), 2);
    assert_eq!(preview.count("person", |a| *a == RowAction::Create), 3);
    assert_eq!(counts(&service).await, (0, 0), "a preview writes nothing");
    let outcome = service.commit_import(preview, &no_progress).await.unwrap();
    assert_eq!((outcome.organizations_created, outcome.people_created), (2, 3));
    assert_eq!(counts(&service).await, (2, 3));

    // People are linked by business number and by domain.
    let meditech = service
        .store()
        .list_organizations(
            &OrgFilter { text: Some("메디텍".into()), ..Default::default() },
            Page { offset: 0, limit: 5 },
        )
        .await
        .unwrap();
    let detail = service.get_organization(meditech.items[0].id).await.unwrap();
    assert_eq!(detail.people[0].person.display_name(), "김민수");

    // The same organisations again are skipped; a changed one shows its change and is skipped
    // too unless the import is told to update (issue 12).
    let changed = ORGS.replace(",120,", ",150,");
    let preview = preview_of(&service, &[file("orgs.csv", changed.clone())]).await;
    let actions: Vec<RowAction> = preview.rows.iter().map(|r| r.action).collect();
    assert!(actions.iter().all(RowAction::is_skip), "{actions:?}");
    assert_eq!(
        preview.rows[0].changes,
        [FieldChange { field: "employees", before: "120".into(), after: "150".into() }]
    );
    assert!(preview.rows[1].changes.is_empty(), "an unchanged row is a plain skip");
    let outcome = service.commit_import(preview, &no_progress).await.unwrap();
    assert_eq!((outcome.organizations_updated, outcome.skipped), (0, 2));
    let id = meditech.items[0].id;
    let employees = async |service: &Acting| {
        service.get_organization(id).await.unwrap().organization.org.employees
    };
    assert_eq!(employees(&service).await, Some(120));
    let preview = service
        .preview_import(&[file("orgs.csv", changed)], OnMatch::Update, &no_progress)
        .await
        .unwrap();
    let actions: Vec<RowAction> = preview.rows.iter().map(|r| r.action).collect();
    assert!(matches!(actions[0], RowAction::Update(_)), "{actions:?}");
    assert!(matches!(actions[1], RowAction::SkipDuplicate(_)), "{actions:?}");
    service.commit_import(preview, &no_progress).await.unwrap();
    assert_eq!(employees(&service).await, Some(150));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn korean_excel_csv_in_euc_kr_is_read() {
    let (service, _dir) = service().await;
    let (bytes, _, unmappable) = encoding_rs::EUC_KR.encode(ORGS);
    assert!(!unmappable);
    let preview = preview_of(&service, &[file("orgs-cp949.csv", bytes.into_owned())]).await;
    service.commit_import(preview, &no_progress).await.unwrap();
    let found = service
        .store()
        .list_organizations(
            &OrgFilter { text: Some("구미".into()), ..Default::default() },
            Page { offset: 0, limit: 5 },
        )
        .await
        .unwrap();
    assert_eq!(found.total, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_xlsx_export_imports_into_an_empty_database_unchanged() {
    let (service, _dir) = service().await;
    let preview = service
        .preview_import(
            &[file("orgs.csv", ORGS), file("people.csv", PEOPLE)],
            OnMatch::Skip,
            &no_progress,
        )
        .await
        .unwrap();
    service.commit_import(preview, &no_progress).await.unwrap();
    let xlsx = service.export(ExportList::Organizations, ExportFormat::Xlsx).await.unwrap().bytes;
    let csv = service.export(ExportList::Organizations, ExportFormat::Csv).await.unwrap().bytes;
    assert!(String::from_utf8_lossy(&csv).contains("구미메디텍"));

    let (copy, _dir2) = crate::service().await;
    import(&copy, &[file("export.xlsx", xlsx)]).await;
    assert_eq!(counts(&copy).await, (2, 3));
    assert_eq!(copy.export(ExportList::Organizations, ExportFormat::Csv).await.unwrap().bytes, csv);
    assert_eq!(
        copy.export(ExportList::People, ExportFormat::Csv).await.unwrap().bytes,
        service.export(ExportList::People, ExportFormat::Csv).await.unwrap().bytes
    );
}

/// Imports `files`, expects rejection, checks nothing was written and returns the problems.
async fn rejected(files: &[ImportFile]) -> Vec<ImportProblem> {
    let (service, _dir) = service().await;
    // Seed one organisation so "unchanged" is not trivially "empty".
    import(&service, &[file("seed.csv", ORGS)]).await;
    let before = counts(&service).await;
    let export_before =
        service.export(ExportList::Organizations, ExportFormat::Csv).await.unwrap().bytes;
    let problems = match service.preview_import(files, OnMatch::Skip, &no_progress).await {
        Err(ServiceError::ImportRejected(problems)) => problems,
        other => panic!("expected a rejection, got {:?}", other.map(|p| p.rows)),
    };
    assert!(!problems.is_empty());
    assert_eq!(counts(&service).await, before, "the database is unchanged");
    assert_eq!(
        service.export(ExportList::Organizations, ExportFormat::Csv).await.unwrap().bytes,
        export_before
    );
    for p in &problems {
        assert!(!p.file.is_empty() && !p.message.is_empty(), "{p:?}");
    }
    problems
}

fn one<'a>(problems: &'a [ImportProblem], code: &str) -> &'a ImportProblem {
    problems.iter().find(|p| p.code == code).unwrap_or_else(|| panic!("no {code} in {problems:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_in_an_unsupported_encoding_is_rejected() {
    // Shift-JIS Japanese text is neither UTF-8 nor EUC-KR.
    let (bytes, _, _) = encoding_rs::SHIFT_JIS
        .encode("kind,name_en,country\nforeign_firm,東京精密機械株式会社,JP\n");
    let problems = rejected(&[file("tokyo.csv", bytes.into_owned())]).await;
    let p = one(&problems, "encoding_unsupported");
    assert_eq!((p.file.as_str(), p.line), ("tokyo.csv", Some(2)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_and_extra_columns_are_rejected() {
    let problems =
        rejected(&[file("orgs.csv", "kind,name_en,city,fax\nforeign_firm,Acme,Irvine,123\n")])
            .await;
    let missing = one(&problems, "column_missing");
    assert!(missing.message.contains("country"));
    let extra = one(&problems, "column_unknown");
    assert_eq!((extra.line, extra.column.as_deref()), (Some(1), Some("fax (column 4)")));

    let problems =
        rejected(&[file("orgs.csv", "kind,name_en,country\nforeign_firm,Acme,US,surplus\n")]).await;
    let p = one(&problems, "field_count");
    assert_eq!((p.line, p.column.as_deref()), (Some(2), Some("column 4")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_business_numbers_and_hs_codes_are_rejected_with_their_cell() {
    let csv = "kind,name_ko,country,business_number,hs_codes\nlocal_firm,가나,KR,124-81-00999,9018\nlocal_firm,다라,KR,1234,9018\nlocal_firm,마바,KR,,0199\nlocal_firm,사아,KR,,90x\nlocal_firm,자차,KR,,\"9018, 999999\"\n";
    let problems = rejected(&[file("firms.csv", csv)]).await;
    let check = one(&problems, "business_number_check_digit");
    assert_eq!(
        (check.line, check.column.as_deref()),
        (Some(2), Some("business_number (column 4)"))
    );
    assert_eq!(one(&problems, "business_number_length").line, Some(3));
    let hs = one(&problems, "hs_code_unknown");
    assert_eq!((hs.line, hs.column.as_deref()), (Some(4), Some("hs_codes (column 5)")));
    assert_eq!(one(&problems, "hs_code_format").line, Some(5));
    // UN Comtrade's placeholder for unspecified commodities ships in the nomenclature for trade
    // files, but is no organisation's product (issue 12).
    let placeholder = one(&problems, "hs_code_placeholder");
    assert_eq!(
        (placeholder.line, placeholder.column.as_deref()),
        (Some(6), Some("hs_codes (column 5)"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_rows_inside_a_file_are_rejected() {
    let csv = "kind,name_ko,name_en,country,business_number\nlocal_firm,가나전자,Gana,KR,220-81-62517\nlocal_firm,가나전자2,Gana 2,KR,220-81-62517\nlocal_firm,다라,,KR,\nlocal_firm,(주)다라,,KR,\n";
    let problems = rejected(&[file("dups.csv", csv)]).await;
    let dups: Vec<_> = problems.iter().filter(|p| p.code == "duplicate_row").collect();
    assert_eq!(
        dups.iter().map(|p| p.line).collect::<Vec<_>>(),
        [Some(3), Some(5)],
        "{problems:#?}"
    );
    assert!(dups[0].message.contains("line 2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_naming_unknown_organisations_are_rejected() {
    let csv =
        "family_name,given_name,organization\n박,지훈,nowhere.example\n최,수아,존재하지않는회사\n";
    let problems = rejected(&[file("people.csv", csv)]).await;
    let unknown: Vec<_> = problems.iter().filter(|p| p.code == "organization_unknown").collect();
    assert_eq!(unknown.len(), 2);
    assert_eq!(
        (unknown[0].line, unknown[0].column.as_deref()),
        (Some(2), Some("organization (column 3)"))
    );
}

fn xlsx_with(build: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("organizations").unwrap();
    for (c, h) in ["kind", "name_en", "country", "employees"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    build(sheet);
    workbook.save_to_buffer().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xlsx_formulas_and_merged_cells_are_rejected() {
    let bytes = xlsx_with(|sheet| {
        sheet.write_string(1, 0, "foreign_firm").unwrap();
        sheet.write_string(1, 1, "Acme").unwrap();
        sheet.write_string(1, 2, "US").unwrap();
        sheet.write_formula(1, 3, "=10*12").unwrap();
        let format = rust_xlsxwriter::Format::new();
        sheet.merge_range(2, 0, 3, 0, "foreign_firm", &format).unwrap();
        sheet.write_string(2, 1, "Beta").unwrap();
        sheet.write_string(2, 2, "US").unwrap();
    });
    let problems = rejected(&[file("partners.xlsx", bytes)]).await;
    let formula = one(&problems, "xlsx_formula");
    assert_eq!(formula.file, "partners.xlsx [organizations]");
    assert_eq!((formula.line, formula.column.as_deref()), (Some(2), Some("column D")));
    let merged = one(&problems, "xlsx_merged_cells");
    assert_eq!((merged.line, merged.column.as_deref()), (Some(3), Some("column A")));
    assert!(merged.message.contains("A3:A4"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_truncated_and_oversized_files_are_rejected() {
    assert_eq!(one(&rejected(&[file("empty.csv", "")]).await, "file_empty").file, "empty.csv");
    assert_eq!(
        one(&rejected(&[file("header.csv", "\n\n")]).await, "file_empty").file,
        "header.csv"
    );
    let xlsx = xlsx_with(|_| {});
    let truncated = xlsx[..xlsx.len() / 2].to_vec();
    assert_eq!(
        one(&rejected(&[file("cut.xlsx", truncated)]).await, "xlsx_malformed").file,
        "cut.xlsx"
    );
    // A 50 MB file of valid rows is over the limit and refused before it is parsed.
    let row = "foreign_firm,,Acme Industrial Components International,US,Irvine,,,,,,,,,\n";
    let mut big = String::from(
        "kind,name_ko,name_en,country,city,domain,business_number,industry_tags,hs_codes,offers,seeks,employees,description_ko,description_en\n",
    );
    while big.len() < 50 * 1024 * 1024 {
        big.push_str(row);
    }
    let p = rejected(&[file("big.csv", big)]).await;
    assert_eq!(one(&p, "file_too_large").file, "big.csv");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_holding_neither_organisations_nor_people_is_rejected() {
    let problems = rejected(&[file("misc.csv", "foo,bar\n1,2\n")]).await;
    assert_eq!(one(&problems, "table_unrecognised").line, Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_already_stored_are_recognised_on_reimport() {
    let (service, _dir) = service().await;
    let files = [file("orgs.csv", ORGS), file("people.csv", PEOPLE)];
    let preview = preview_of(&service, &files).await;
    service.commit_import(preview, &no_progress).await.unwrap();
    let before = counts(&service).await;
    let again = preview_of(&service, &[file("people.csv", PEOPLE)]).await;
    let actions: Vec<RowAction> = again.rows.iter().map(|r| r.action).collect();
    // Jane Smith by her email; 김민수 (no email) by name at the same firm; the Mayor of Irvine
    // (no email, no organisation) by the role, as the stored one has no organisation either.
    assert!(actions.iter().all(|a| matches!(a, RowAction::SkipExistingPerson(_))), "{actions:?}");
    let outcome = service.commit_import(again, &no_progress).await.unwrap();
    assert_eq!((outcome.people_created, outcome.skipped), (0, 3));
    assert_eq!(counts(&service).await, before, "nothing was created again");
    // The same name at another organisation, or with an email, is somebody new.
    let others = "family_name,given_name,titles,emails,organization,role
김,민수,연구원,,irvine-dx.example,Engineer
김,민수,대표이사,minsu@example.com,124-81-00998,CEO
";
    let preview = preview_of(&service, &[file("others.csv", others)]).await;
    let actions: Vec<RowAction> = preview.rows.iter().map(|r| r.action).collect();
    assert_eq!(actions, [RowAction::Create, RowAction::Create]);
}

/// The file of a re-import of `ORGS` and `PEOPLE` that changes them.
const CHANGED_ORGS: &str =
    "kind,name_ko,name_en,country,city,domain,business_number,hs_codes,employees
local_firm,구미메디텍,Gumi Meditech Co.,KR,,,124-81-00998,\"901819, 9027\",
foreign_firm,,Irvine Diagnostics,US,Costa Mesa,,,,
";
const CHANGED_PEOPLE: &str = "family_name,given_name,titles,emails,phones,organization,role
Smith,Jane,CEO,jane@irvine-dx.example,,124-81-00998,Adviser
김,민수,,,010-1234-5678,124-81-00998,CEO
,,Mayor of Irvine,,,,
";

fn changes_of(preview: &ImportPreview) -> Vec<(u64, &'static str, &str, &str)> {
    preview
        .rows
        .iter()
        .flat_map(|r| {
            r.changes.iter().map(|c| (r.line, c.field, c.before.as_str(), c.after.as_str()))
        })
        .collect()
}

/// See: issue 12, point 10 (a re-import only ever skipped matched rows, silently).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reimport_shows_what_matched_rows_change_and_updates_them_only_when_asked() {
    let (service, _dir) = service().await;
    import(&service, &[file("orgs.csv", ORGS), file("people.csv", PEOPLE)]).await;
    let export_orgs =
        service.export(ExportList::Organizations, ExportFormat::Csv).await.unwrap().bytes;
    let export_people = service.export(ExportList::People, ExportFormat::Csv).await.unwrap().bytes;
    let changed = [file("orgs.csv", CHANGED_ORGS), file("people.csv", CHANGED_PEOPLE)];

    // Skip, the default: every row is matched (by business number, by name, by email, by name
    // at the firm, by role), the differences are listed, and nothing is written.
    let skipping = preview_of(&service, &changed).await;
    assert!(skipping.rows.iter().all(|r| r.action.is_skip()), "{:?}", skipping.rows);
    let expected = [
        (2, "name_en", "Gumi Meditech", "Gumi Meditech Co."),
        (2, "hs_codes", "901819", "901819, 9027"),
        (3, "city", "Irvine", "Costa Mesa"),
        (2, "titles", "VP Business Development", "CEO"),
        (
            2,
            "organization",
            "Irvine Diagnostics (VP)",
            "Irvine Diagnostics (VP); 124-81-00998 (Adviser)",
        ),
        (3, "phones", "", "010-1234-5678"),
    ];
    assert_eq!(changes_of(&skipping), expected, "empty cells (city, employees) change nothing");
    assert!(skipping.rows[4].changes.is_empty(), "the Mayor is unchanged");
    assert_eq!(skipping.changed_rows().count(), 4);
    let outcome = service.commit_import(skipping, &no_progress).await.unwrap();
    assert_eq!((outcome.organizations_updated, outcome.people_updated, outcome.skipped), (0, 0, 5));
    assert_eq!(
        service.export(ExportList::Organizations, ExportFormat::Csv).await.unwrap().bytes,
        export_orgs
    );
    assert_eq!(
        service.export(ExportList::People, ExportFormat::Csv).await.unwrap().bytes,
        export_people
    );

    // Update: the same differences, written; the unchanged row is still skipped.
    let updating = service.preview_import(&changed, OnMatch::Update, &no_progress).await.unwrap();
    assert_eq!(changes_of(&updating), expected);
    let actions: Vec<RowAction> = updating.rows.iter().map(|r| r.action).collect();
    assert!(matches!(actions[..2], [RowAction::Update(_), RowAction::Update(_)]), "{actions:?}");
    assert!(matches!(actions[2..4], [RowAction::UpdatePerson(_), RowAction::UpdatePerson(_)]));
    assert!(matches!(actions[4], RowAction::SkipExistingPerson(_)));
    let (RowAction::Update(meditech), RowAction::Update(irvine)) = (actions[0], actions[1]) else {
        unreachable!()
    };
    let (RowAction::UpdatePerson(jane), RowAction::UpdatePerson(minsu)) = (actions[2], actions[3])
    else {
        unreachable!()
    };
    let writes = std::sync::Mutex::new(Vec::new());
    let outcome = service
        .commit_import(updating, &|done, total| writes.lock().unwrap().push((done, total)))
        .await
        .unwrap();
    assert_eq!((outcome.organizations_updated, outcome.people_updated, outcome.skipped), (2, 2, 1));
    assert_eq!((outcome.organizations_created, outcome.people_created), (0, 0));
    assert_eq!(writes.into_inner().unwrap().last(), Some(&(4, 4)));
    assert_eq!(counts(&service).await, (2, 3), "nothing was created");
    let meditech = service.get_organization(meditech).await.unwrap().organization.org;
    assert_eq!(meditech.name_en.as_deref(), Some("Gumi Meditech Co."));
    assert_eq!(meditech.employees, Some(120), "an empty cell keeps the stored value");
    assert_eq!(meditech.domain.unwrap().as_str(), "gumi-meditech.example");
    let irvine = service.get_organization(irvine).await.unwrap().organization.org;
    assert_eq!(irvine.city.as_deref(), Some("Costa Mesa"));
    let jane = service.store().get_person(jane).await.unwrap();
    assert_eq!(jane.person.titles, ["CEO"]);
    assert_eq!(jane.affiliations.len(), 2, "the new affiliation is added, the old one kept");
    let minsu = service.store().get_person(minsu).await.unwrap();
    assert_eq!(
        (minsu.person.titles.as_slice(), minsu.person.phones.as_slice()),
        (["대표이사".to_owned()].as_slice(), ["010-1234-5678".to_owned()].as_slice())
    );
    // Lists read after the import see the new values (the store logged every updated row).
    let by_hs = service
        .store()
        .list_organizations(
            &OrgFilter {
                hs_code: Some(dagak_domain::HsCode::parse("9027").unwrap()),
                ..Default::default()
            },
            Page { offset: 0, limit: 5 },
        )
        .await
        .unwrap();
    assert_eq!(by_hs.total, 1);

    // Imported again, the file now changes nothing.
    let again = service.preview_import(&changed, OnMatch::Update, &no_progress).await.unwrap();
    assert!(again.rows.iter().all(|r| r.action.is_skip() && r.changes.is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_that_would_leave_an_invalid_row_or_change_a_row_twice_is_rejected() {
    let (service, _dir) = service().await;
    import(&service, &[file("orgs.csv", ORGS)]).await;
    // Matched by domain, the file moves 구미메디텍 to the US; with its stored Korean business
    // number that is no valid organisation. Skipping it is fine; updating it is refused.
    let moved = "kind,name_ko,country,domain\nlocal_firm,구미메디텍,US,gumi-meditech.example\n";
    let skipping = preview_of(&service, &[file("moved.csv", moved)]).await;
    assert_eq!(changes_of(&skipping), [(2, "country", "KR", "US")]);
    let problems = match service
        .preview_import(&[file("moved.csv", moved)], OnMatch::Update, &no_progress)
        .await
    {
        Err(ServiceError::ImportRejected(problems)) => problems,
        other => panic!("expected a rejection, got {:?}", other.map(|p| p.rows)),
    };
    let p = one(&problems, "business_number_not_korean");
    assert_eq!((p.file.as_str(), p.line), ("moved.csv", Some(2)));

    // Two rows reaching the same stored organisation, by business number and by domain.
    let twice = "kind,name_en,country,domain,business_number,employees\nlocal_firm,Gumi Meditech,KR,,124-81-00998,130\nlocal_firm,GMT Korea Branch,KR,gumi-meditech.example,,140\n";
    assert!(
        preview_of(&service, &[file("twice.csv", twice)])
            .await
            .rows
            .iter()
            .all(|r| r.action.is_skip())
    );
    let problems = match service
        .preview_import(&[file("twice.csv", twice)], OnMatch::Update, &no_progress)
        .await
    {
        Err(ServiceError::ImportRejected(problems)) => problems,
        other => panic!("expected a rejection, got {:?}", other.map(|p| p.rows)),
    };
    let p = one(&problems, "duplicate_row");
    assert_eq!(p.line, Some(3));
    assert!(p.message.contains("twice.csv line 2"), "{}", p.message);
}

/// See: issue 12, point 10 ("checked N/N rows" was printed twice).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_reports_each_count_once_and_ends_with_every_row() {
    let (service, _dir) = service().await;
    let mut csv = String::from("kind,name_en,country\n");
    for i in 0..2000 {
        csv.push_str(&format!("foreign_firm,Firm {i},US\n"));
    }
    let checks = std::sync::Mutex::new(Vec::new());
    let preview = service
        .preview_import(&[file("firms.csv", csv)], OnMatch::Skip, &|done, total| {
            checks.lock().unwrap().push((done, total))
        })
        .await
        .unwrap();
    assert_eq!(checks.into_inner().unwrap(), [(1000, 2000), (2000, 2000)]);
    let writes = std::sync::Mutex::new(Vec::new());
    service
        .commit_import(preview, &|done, total| writes.lock().unwrap().push((done, total)))
        .await
        .unwrap();
    // The writer's counts reach the caller as they come (a slow caller may see fewer of them),
    // rising, and end with every row.
    let writes = writes.into_inner().unwrap();
    assert!(writes.windows(2).all(|w| w[0].0 < w[1].0), "{writes:?}");
    assert_eq!(writes.last(), Some(&(2000, 2000)));
}

/// See issue 13, point 7: a name that a spreadsheet would run as a formula.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn formula_names_export_as_text_and_import_back_exactly() {
    let names = ["=HYPERLINK(\"http://x\",\"click\")", "=1+1", "+2+2", "-2+3", "@SUM(A1)"];
    let mut csv = String::from("kind,name_en,country\n");
    for name in names {
        csv.push_str(&format!("foreign_firm,\"{}\",US\n", name.replace('"', "\"\"")));
    }
    let (service, _dir) = service().await;
    service.import_files(&[file("formulas.csv", csv)], OnMatch::Skip).await.unwrap();
    let exported =
        service.export(ExportList::Organizations, ExportFormat::Csv).await.unwrap().bytes;
    let mut reader = csv::Reader::from_reader(&exported[3..]);
    let name_en = reader.headers().unwrap().iter().position(|h| h == "name_en").unwrap();
    let written: Vec<String> = reader.records().map(|r| r.unwrap()[name_en].to_owned()).collect();
    assert_eq!(written.len(), names.len());
    for cell in &written {
        assert!(cell.starts_with('\''), "{cell:?} would run as a formula");
    }
    // Imported again into an empty directory, every name is exactly what it was.
    let (copy, _dir2) = service_again().await;
    copy.import_files(&[file("export.csv", exported)], OnMatch::Skip).await.unwrap();
    let listing = copy.list_organizations(&Default::default()).await.unwrap();
    let mut back: Vec<String> =
        listing.items.iter().map(|o| o.org.name_en.clone().unwrap()).collect();
    back.sort();
    let mut expected: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    expected.sort();
    assert_eq!(back, expected);
    // The workbook holds text cells, so it needs no escape.
    let xlsx = service.export(ExportList::Organizations, ExportFormat::Xlsx).await.unwrap().bytes;
    let (from_xlsx, _dir3) = service_again().await;
    from_xlsx.import_files(&[file("export.xlsx", xlsx)], OnMatch::Skip).await.unwrap();
    let listing = from_xlsx.list_organizations(&Default::default()).await.unwrap();
    assert!(listing.items.iter().any(|o| o.org.name_en.as_deref() == Some("=1+1")));
}

async fn service_again() -> (Acting, crate::TestDb) {
    crate::service().await
}

/// Blank lines (also right after the header), `\r\n` endings and a quoted cell over two lines
/// before a bad row: the problem names the line the user sees in the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn line_numbers_count_blank_lines_and_quoted_line_breaks() {
    let cases = [
        ("kind,name_en,country\n\nforeign_firm,Gamma,XX\n", 3),
        ("kind,name_en,country\r\nforeign_firm,A,US\r\n\r\nforeign_firm,Gamma,XX\r\n", 4),
        ("kind,name_en,country\r\n\r\nforeign_firm,\"multi\r\nline\",XX\r\n", 3),
        ("kind,name_en,country\nforeign_firm,\"two\nlines\",US\n\n\nforeign_firm,Gamma,XX\n", 6),
        ("kind,name_en,country\nforeign_firm,A,US\n   \nforeign_firm,Gamma,XX\n", 4),
    ];
    for (csv, line) in cases {
        let problems = rejected(&[file("lines.csv", csv)]).await;
        assert_eq!(problems.len(), 1, "{csv:?}: {problems:?}");
        assert_eq!(problems[0].line, Some(line), "{csv:?}: {problems:?}");
    }
}

/// See: issue 14, point 1 (with CRLF endings, a bad line 4 was reported as line 3 and a
/// duplicate row pointed at the header).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crlf_files_report_the_lines_the_user_sees_also_for_duplicates() {
    let bad = "kind,name_en,country\r\nforeign_firm,A,US\r\nforeign_firm,B,US\r\nforeign_firm,Gamma,XX\r\n";
    let problems = rejected(&[file("crlf.csv", bad)]).await;
    assert_eq!(problems[0].line, Some(4), "{problems:?}");
    let twice = "kind,name_en,country,domain\r\nforeign_firm,A,US,a.example\r\nforeign_firm,B,US,b.example\r\nforeign_firm,A again,US,a.example\r\n";
    let problems = rejected(&[file("twice.csv", twice)]).await;
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].line, Some(4), "{problems:?}");
    assert!(
        problems[0].message.contains("line 2"),
        "it points at the first, not the header: {problems:?}"
    );
}
