//! Each input format is read and aggregated as documented.

use dagak_analytics_io::{FlowFormat, ReadDiagnostic, ReadOptions, read_flows};

fn write(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join(name);
    std::fs::write(&path, text).unwrap();
    (directory, path)
}

fn name_of(names: &[String], wanted: &str) -> usize {
    names.iter().position(|name| name == wanted).unwrap()
}

#[test]
fn bilateral_flows_are_aggregated_by_product_and_by_market() {
    let (_directory, path) = write(
        "bilateral.csv",
        "exporter,importer,product,value,year\nkor,usa,8542,10,2021\nkor,chn,8542,5,2021\nkor,usa,8703,1,2021\njpn,usa,8542,2,2021\nkor,usa,8542,3,2022\n",
    );
    let table = read_flows(&path, FlowFormat::Auto, &ReadOptions::default()).unwrap();
    assert_eq!(table.format, Some(FlowFormat::Bilateral));
    assert!(table.diagnostics.is_empty(), "{:?}", table.diagnostics);
    assert_eq!(table.years.keys().copied().collect::<Vec<_>>(), [Some(2021), Some(2022)]);
    let locations = table.locations.names();
    let products = table.products.names();
    let markets = table.markets.names();
    let flows = &table.years[&Some(2021)];
    let by_product = flows.dense_by_product(locations.len(), products.len());
    let kor = name_of(locations, "kor");
    assert_eq!(by_product[kor * products.len() + name_of(products, "8542")], 15.0);
    let by_market = flows.dense_by_market(locations.len(), markets.len());
    assert_eq!(by_market[kor * markets.len() + name_of(markets, "usa")], 11.0);
}

#[test]
fn the_year_filter_keeps_one_year() {
    let (_directory, path) = write(
        "long.csv",
        "year,location,product,value\n2020,kor,1,1\n2021,kor,1,2\n2021,jpn,1,3\n",
    );
    let options = ReadOptions { year: Some(2021), ..ReadOptions::default() };
    let table = read_flows(&path, FlowFormat::Long, &options).unwrap();
    assert_eq!(table.years.len(), 1);
    assert_eq!(table.years[&Some(2021)].len(), 2);
}

#[test]
fn comtrade_bulk_keeps_exports_to_real_partners_only() {
    let (_directory, path) = write(
        "comtrade.csv",
        "typeCode,freqCode,refPeriodId,refYear,refMonth,period,reporterCode,reporterISO,flowCode,partnerCode,partnerISO,partner2Code,cmdCode,customsCode,mosCode,motCode,primaryValue\n\
C,A,20210101,2021,52,2021,410,KOR,X,842,USA,0,854231,C00,0,0,100.5\n\
C,A,20210101,2021,52,2021,410,KOR,X,156,CHN,0,854231,C00,0,0,50\n\
C,A,20210101,2021,52,2021,410,KOR,X,0,W00,0,854231,C00,0,0,150.5\n\
C,A,20210101,2021,52,2021,410,KOR,M,842,USA,0,854231,C00,0,0,70\n\
C,A,20210101,2021,52,2021,410,KOR,X,842,USA,0,854231,C00,0,2100,40\n",
    );
    let table = read_flows(&path, FlowFormat::Auto, &ReadOptions::default()).unwrap();
    assert_eq!(table.format, Some(FlowFormat::Comtrade));
    let flows = &table.years[&Some(2021)];
    assert_eq!(flows.dense_by_product(1, 1), [150.5]);
    let skipped: u64 = table
        .diagnostics
        .iter()
        .map(|d| match d {
            ReadDiagnostic::SkippedRows { rows, .. } => *rows,
            _ => 0,
        })
        .sum();
    assert_eq!(skipped, 3);
}

#[test]
fn baci_codes_are_zero_padded_and_named_from_the_dictionary() {
    let (directory, path) =
        write("baci.csv", "t,i,j,k,v,q\n2021,4,24,10110,1.5,2\n2021,4,999,382390,2,1\n");
    let dictionary = directory.path().join("codes.csv");
    std::fs::write(&dictionary, "country_code,country_name_abbreviation,country_name_full,iso_2digit_alpha,iso_3digit_alpha\n4,Afghanistan,Afghanistan,AF,AFG\n24,Angola,Angola,AO,AGO\n").unwrap();
    let countries = dagak_analytics_io::read_baci_countries(&dictionary).unwrap();
    let options = ReadOptions { countries: Some(countries), ..ReadOptions::default() };
    let table = read_flows(&path, FlowFormat::Auto, &options).unwrap();
    assert_eq!(table.locations.names(), ["AFG"]);
    assert_eq!(table.products.names(), ["010110", "382390"]);
    assert_eq!(table.markets.names(), ["AGO", "999"]);
    assert_eq!(table.market_universe, Some(2));
    assert!(table.diagnostics.contains(&ReadDiagnostic::UnknownCountryCode { code: "999".into() }));
}

#[test]
fn gzip_files_are_read_transparently() {
    use std::io::Write;
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("flows.csv.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(b"location,product,value\nkor,0101,1.5\njpn,0101,2\n").unwrap();
    std::fs::write(&path, encoder.finish().unwrap()).unwrap();
    let table = read_flows(&path, FlowFormat::Auto, &ReadOptions::default()).unwrap();
    assert_eq!(table.locations.names(), ["kor", "jpn"]);
    assert_eq!(table.years[&None].dense_by_product(2, 1), [1.5, 2.0]);
}
