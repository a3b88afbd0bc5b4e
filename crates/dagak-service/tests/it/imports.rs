//! Imports: the good path, and a corpus of bad files each rejected with file, line, column and
//! reason while the database stays unchanged.

use dagak_service::{ImportFile, ImportProblem, RowAction, Service, ServiceError};
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

async fn counts(service: &Service) -> (u64, u64) {
    let page = Page { offset: 0, limit: 1 };
    let orgs = service.store().list_organizations(&OrgFilter::default(), page).await.unwrap().total;
    let people = service.store().list_people(&PersonFilter::default(), page).await.unwrap().total;
    (orgs, people)
}

fn no_progress(_: u64, _: u64) {}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organisations_and_people_import_with_a_preview_and_reimport_as_duplicates() {
    let (service, _dir) = service().await;
    let files = [file("orgs.csv", ORGS), file("people.csv", PEOPLE)];
    let preview = service.preview_import(&files, &no_progress).await.unwrap();
    assert_eq!(preview.count("organization", |a| *a == RowAction::Create), 2);
    assert_eq!(preview.count("person", |a| *a == RowAction::Create), 3);
    assert_eq!(counts(&service).await, (0, 0), "a preview writes nothing");
    let outcome = service.commit_import(&preview).await.unwrap();
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

    // The same organisations again are skipped; a changed one is an update.
    let changed = ORGS.replace(",120,", ",150,");
    let preview = service.preview_import(&[file("orgs.csv", changed)], &no_progress).await.unwrap();
    let actions: Vec<RowAction> = preview.rows.iter().map(|r| r.action).collect();
    assert!(matches!(actions[0], RowAction::Update(_)), "{actions:?}");
    assert!(matches!(actions[1], RowAction::SkipDuplicate(_)), "{actions:?}");
    service.commit_import(&preview).await.unwrap();
    assert_eq!(
        service.get_organization(meditech.items[0].id).await.unwrap().record.org.employees,
        Some(150)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn korean_excel_csv_in_euc_kr_is_read() {
    let (service, _dir) = service().await;
    let (bytes, _, unmappable) = encoding_rs::EUC_KR.encode(ORGS);
    assert!(!unmappable);
    let preview = service
        .preview_import(&[file("orgs-cp949.csv", bytes.into_owned())], &no_progress)
        .await
        .unwrap();
    service.commit_import(&preview).await.unwrap();
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
        .preview_import(&[file("orgs.csv", ORGS), file("people.csv", PEOPLE)], &no_progress)
        .await
        .unwrap();
    service.commit_import(&preview).await.unwrap();
    let xlsx = service.export_xlsx().await.unwrap();
    let csv = service.export_csv(false).await.unwrap();
    assert!(String::from_utf8_lossy(&csv).contains("구미메디텍"));

    let (copy, _dir2) = crate::service().await;
    let preview = copy.preview_import(&[file("export.xlsx", xlsx)], &no_progress).await.unwrap();
    copy.commit_import(&preview).await.unwrap();
    assert_eq!(counts(&copy).await, (2, 3));
    assert_eq!(copy.export_csv(false).await.unwrap(), csv);
    assert_eq!(copy.export_csv(true).await.unwrap(), service.export_csv(true).await.unwrap());
}

/// Imports `files`, expects rejection, checks nothing was written and returns the problems.
async fn rejected(files: &[ImportFile]) -> Vec<ImportProblem> {
    let (service, _dir) = service().await;
    // Seed one organisation so "unchanged" is not trivially "empty".
    let seed = service.preview_import(&[file("seed.csv", ORGS)], &no_progress).await.unwrap();
    service.commit_import(&seed).await.unwrap();
    let before = counts(&service).await;
    let export_before = service.export_csv(false).await.unwrap();
    let problems = match service.preview_import(files, &no_progress).await {
        Err(ServiceError::ImportRejected(problems)) => problems,
        other => panic!("expected a rejection, got {:?}", other.map(|p| p.rows)),
    };
    assert!(!problems.is_empty());
    assert_eq!(counts(&service).await, before, "the database is unchanged");
    assert_eq!(service.export_csv(false).await.unwrap(), export_before);
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
    let preview = service.preview_import(&files, &no_progress).await.unwrap();
    service.commit_import(&preview).await.unwrap();
    let before = counts(&service).await;
    let again = service.preview_import(&[file("people.csv", PEOPLE)], &no_progress).await.unwrap();
    let actions: Vec<RowAction> = again.rows.iter().map(|r| r.action).collect();
    // Jane Smith by her email; 김민수 (no email) by name at the same firm; the Mayor of Irvine
    // (no email, no organisation) by the role, as the stored one has no organisation either.
    assert!(actions.iter().all(|a| matches!(a, RowAction::SkipExistingPerson(_))), "{actions:?}");
    let outcome = service.commit_import(&again).await.unwrap();
    assert_eq!((outcome.people_created, outcome.skipped), (0, 3));
    assert_eq!(counts(&service).await, before, "nothing was created again");
    // The same name at another organisation, or with an email, is somebody new.
    let others = "family_name,given_name,titles,emails,organization,role
김,민수,연구원,,irvine-dx.example,Engineer
김,민수,대표이사,minsu@example.com,124-81-00998,CEO
";
    let preview =
        service.preview_import(&[file("others.csv", others)], &no_progress).await.unwrap();
    let actions: Vec<RowAction> = preview.rows.iter().map(|r| r.action).collect();
    assert_eq!(actions, [RowAction::Create, RowAction::Create]);
}
