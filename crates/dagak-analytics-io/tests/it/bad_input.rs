//! Every broken file is rejected with an error naming the file, the line and the column.

use dagak_analytics_io::{FlowFormat, ReadErrorKind, ReadOptions, read_flows};
use std::io::Write;
use std::path::PathBuf;

struct Broken {
    name: &'static str,
    bytes: Vec<u8>,
    format: FlowFormat,
    line: u64,
    column: usize,
}

fn gzip(text: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text).unwrap();
    encoder.finish().unwrap()
}

fn corpus() -> Vec<Broken> {
    let long = FlowFormat::Long;
    let mut many_rows = b"location,product,value\n".to_vec();
    for idx in 0..20_000 {
        many_rows.extend_from_slice(format!("loc{},p{},{}\n", idx % 50, idx, idx).as_bytes());
    }
    let mut truncated = gzip(&many_rows);
    truncated.truncate(truncated.len() / 2);
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in "location,product,value\n".encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    vec![
        Broken { name: "missing_value.csv", bytes: b"location,product\nkor,0101\n".to_vec(), format: long, line: 1, column: 0 },
        Broken { name: "missing_importer.csv", bytes: b"exporter,product,value\nkor,0101,1\n".to_vec(), format: FlowFormat::Bilateral, line: 1, column: 0 },
        Broken { name: "non_numeric.csv", bytes: b"location,product,value\nkor,0101,12\nkor,0102,abc\n".to_vec(), format: long, line: 3, column: 3 },
        Broken { name: "negative.csv", bytes: b"location,product,value,year\nkor,0101,-5,2020\n".to_vec(), format: long, line: 2, column: 3 },
        Broken { name: "empty_value.csv", bytes: b"location,product,value\nkor,0101,\n".to_vec(), format: long, line: 2, column: 3 },
        Broken { name: "nan.csv", bytes: b"location,product,value\nkor,0101,NaN\n".to_vec(), format: long, line: 2, column: 3 },
        Broken { name: "bad_year.csv", bytes: b"year,location,product,value\n20x1,kor,0101,5\n".to_vec(), format: long, line: 2, column: 1 },
        Broken { name: "empty.csv", bytes: Vec::new(), format: FlowFormat::Auto, line: 1, column: 0 },
        Broken { name: "semicolons.csv", bytes: b"location;product;value\nkor;0101;5\n".to_vec(), format: FlowFormat::Auto, line: 1, column: 0 },
        Broken { name: "utf16.csv", bytes: utf16, format: FlowFormat::Auto, line: 1, column: 1 },
        Broken { name: "latin1.csv", bytes: b"location,product,value\nS\xe3o Paulo,0101,5\n".to_vec(), format: long, line: 2, column: 1 },
        Broken { name: "short_row.csv", bytes: b"location,product,value\nkor,0101\n".to_vec(), format: long, line: 2, column: 0 },
        Broken { name: "baci_text_value.csv", bytes: b"t,i,j,k,v,q\n2021,4,24,382390,1.5e,3\n".to_vec(), format: FlowFormat::Auto, line: 2, column: 5 },
        Broken { name: "comtrade_missing_value.csv", bytes: b"refYear,reporterCode,reporterISO,flowCode,partnerCode,partnerISO,cmdCode\n2021,410,KOR,X,842,USA,8542\n".to_vec(), format: FlowFormat::Auto, line: 1, column: 0 },
        Broken { name: "truncated.csv.gz", bytes: truncated, format: long, line: 0, column: 0 },
    ]
}

#[test]
fn every_broken_file_is_rejected_with_file_line_and_column() {
    let directory = tempfile::tempdir().unwrap();
    for broken in corpus() {
        let path: PathBuf = directory.path().join(broken.name);
        std::fs::write(&path, &broken.bytes).unwrap();
        let err = read_flows(&path, broken.format, &ReadOptions::default())
            .err()
            .unwrap_or_else(|| panic!("{} was accepted", broken.name));
        let message = err.to_string();
        assert_eq!(err.file, path, "{}: {message}", broken.name);
        assert!(message.starts_with(&path.display().to_string()), "{message}");
        if broken.name == "truncated.csv.gz" {
            // A truncated stream fails somewhere after the header; the line is where it stopped.
            assert!(err.line > 1, "{}: {message}", broken.name);
            assert!(matches!(err.kind, ReadErrorKind::Io(_)), "{message}");
        } else {
            assert_eq!(
                (err.line, err.column),
                (broken.line, broken.column),
                "{}: {message}",
                broken.name
            );
        }
        eprintln!("{message}");
    }
}

#[test]
fn the_error_message_names_the_column() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("flows.csv");
    std::fs::write(&path, "location,product,value\nkor,0101,1\nkor,0102,12a\n").unwrap();
    let err = read_flows(&path, FlowFormat::Auto, &ReadOptions::default()).err().unwrap();
    assert_eq!(err.to_string(), format!("{}:3:3 (value): \"12a\" is not a number", path.display()));
}

#[test]
fn semicolon_files_get_a_delimiter_hint() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("flows.csv");
    std::fs::write(&path, "location;product;value\nkor;0101;1\n").unwrap();
    let err = read_flows(&path, FlowFormat::Auto, &ReadOptions::default()).err().unwrap();
    assert!(err.to_string().contains("delimiter looks like ';'"), "{err}");
}

#[test]
fn duplicated_keys_are_summed_and_reported() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("flows.csv");
    std::fs::write(&path, "location,product,value\nkor,0101,1\nkor,0101,2\nkor,0102,3\n").unwrap();
    let table = read_flows(&path, FlowFormat::Auto, &ReadOptions::default()).unwrap();
    assert_eq!(table.diagnostics.len(), 1);
    assert_eq!(
        table.diagnostics[0].to_string(),
        "2 rows share the key kor,0101; their values were summed"
    );
    let flows = &table.years[&None];
    let dense = flows.dense_by_product(1, 2);
    assert_eq!(dense, vec![3.0, 3.0]);
}
