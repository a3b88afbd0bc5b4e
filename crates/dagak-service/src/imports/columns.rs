//! Which table a file holds and where its columns are: the column names with the Korean aliases
//! a bureau's own sheet may use, and the reading of every uploaded file into tables.

use std::collections::HashMap;

use super::{ImportFile, ImportProblem, MAX_IMPORT_BYTES, Row, Table, read_csv, read_xlsx};

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
pub(crate) const PERSON_COLUMNS: [(&str, &[&str]); 16] = [
    ("family_name", &["성"]),
    ("given_name", &["이름"]),
    ("name_order", &["성명순서"]),
    ("titles", &["직함", "직위"]),
    ("emails", &["이메일", "email"]),
    ("phones", &["전화", "전화번호", "phone"]),
    ("languages", &["언어"]),
    ("consent_date", &["동의일"]),
    ("consent_basis", &["동의근거"]),
    ("consent_scope", &["동의범위", "동의내용"]),
    ("consent_source", &["동의출처", "수집출처"]),
    ("retain_until", &["보존기한", "보유기한"]),
    ("organization", &["기관", "소속"]),
    ("role", &["역할"]),
    ("start", &["시작일"]),
    ("end", &["종료일"]),
];

/// Maps each header to its canonical column, or reports unknown and repeated columns.
pub(super) fn map_headers(
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
            Some((name, _)) if map.contains_key(name) => problems.push(ImportProblem::at_column(
                table,
                Some(index),
                name,
                Some(1),
                "column_repeated",
                format!("the column {name} appears twice"),
            )),
            Some((name, _)) => {
                map.insert(*name, index);
            }
            None => problems.push(ImportProblem::at_column(
                table,
                Some(index),
                header,
                Some(1),
                "column_unknown",
                format!(
                    "unknown column '{header}'; the columns are {}",
                    columns.iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
                ),
            )),
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
                ..Default::default()
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

/// The trimmed text of `column`, without the `'` an export put before a formula character.
pub(super) fn cell(row: Row<'_>, map: &HashMap<&str, usize>, column: &str) -> String {
    map.get(column)
        .and_then(|&i| row.get(i))
        .map(|s| dagak_domain::unescape_csv_cell(s.trim()).to_owned())
        .unwrap_or_default()
}

/// Reads every file into tables of organisations and of people.
pub(super) fn read_tables(
    files: &[ImportFile],
) -> Result<(Vec<Table>, Vec<Table>), Vec<ImportProblem>> {
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
                ..Default::default()
            }])
        } else if file.bytes.is_empty() {
            Err(vec![ImportProblem {
                file: file.name.clone(),
                line: None,
                column: None,
                code: "file_empty",
                message: "the file is empty".into(),
                ..Default::default()
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
                            ..Default::default()
                        }),
                    }
                }
            }
        }
    }
    if problems.is_empty() { Ok((org_tables, people_tables)) } else { Err(problems) }
}
