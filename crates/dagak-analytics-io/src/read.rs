//! Streaming readers for trade flows: long, bilateral, BACI and UN Comtrade bulk CSV, plain or gzip.
//!
//! Rows are parsed one at a time into a reused record and kept as 24-byte flows (interned ids and
//! the value), which are sorted and merged once per year at the end: memory grows with the rows
//! kept (after the year filter and Comtrade's row filters), not with the text of the file. Every
//! error names the file, the line and the column (1-based, with the column's name).
//!
//! Over 600 lines: four formats share one record loop, one interner and one error type; each
//! format's column mapping is short, the shared machinery is what takes the room.

use flate2::read::MultiGzDecoder;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// The layout of a flows file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowFormat {
    /// Decide from the header.
    Auto,
    /// `location,product,value[,year]`: one row per location and product.
    Long,
    /// `exporter,importer,product,value[,year]`: aggregated to exporter × product on the fly.
    Bilateral,
    /// CEPII BACI's own columns `t,i,j,k,v,q` (v in thousand USD).
    Baci,
    /// UN Comtrade bulk CSV (the current API's or the legacy bulk download's columns); exports only.
    Comtrade,
}

/// Where in which file a read error happened, and what it was.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}:{column}: {kind}", file = .file.display(), column = ColumnLabel(*.column, .column_name))]
pub struct ReadError {
    pub file: PathBuf,
    /// 1-based line number (1 is the header).
    pub line: u64,
    /// 1-based column number (0 when the error concerns the whole line or file).
    pub column: usize,
    pub column_name: String,
    pub kind: ReadErrorKind,
}

struct ColumnLabel<'a>(usize, &'a String);

impl fmt::Display for ColumnLabel<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.1.is_empty() {
            write!(formatter, "{}", self.0)
        } else {
            write!(formatter, "{} ({})", self.0, self.1)
        }
    }
}

/// What went wrong while reading.
#[derive(Debug, thiserror::Error)]
pub enum ReadErrorKind {
    #[error("cannot read the file: {0}")]
    Io(String),
    #[error("the file is empty")]
    EmptyFile,
    #[error("missing column {expected}; the header has {found}")]
    MissingColumn { expected: String, found: String },
    #[error("cannot tell the format from the header {found}{hint}")]
    UnknownFormat { found: String, hint: String },
    #[error("{0} is not a number")]
    NotNumeric(String),
    #[error("{0} is negative; export values must be zero or more")]
    Negative(String),
    #[error("{0} is not a year")]
    NotAYear(String),
    #[error("expected {expected} fields, found {found}")]
    WrongFieldCount { expected: usize, found: usize },
    #[error("not valid UTF-8 (re-save the file as UTF-8)")]
    InvalidUtf8,
    #[error("the file is UTF-16 encoded; re-save it as UTF-8")]
    Utf16,
}

/// Something a reader changed while reading, reported to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadDiagnostic {
    /// Rows sharing a key were summed.
    DuplicateKeys { year: Option<i32>, key: String, rows: usize },
    /// More duplicated keys than are listed individually.
    MoreDuplicateKeys { distinct_keys: usize },
    /// A BACI code absent from the country dictionary; the numeric code is kept as the name.
    UnknownCountryCode { code: String },
    /// Comtrade rows that are not exports, or aggregates (partner World, breakdown totals), skipped.
    SkippedRows { rows: u64, reason: &'static str },
}

impl fmt::Display for ReadDiagnostic {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadDiagnostic::DuplicateKeys { year, key, rows } => {
                let year = year.map(|year| format!("{year},")).unwrap_or_default();
                write!(formatter, "{rows} rows share the key {year}{key}; their values were summed")
            }
            ReadDiagnostic::MoreDuplicateKeys { distinct_keys } => {
                write!(formatter, "{distinct_keys} keys in all were duplicated and summed")
            }
            ReadDiagnostic::UnknownCountryCode { code } => write!(
                formatter,
                "BACI country code {code} is not in the country dictionary; kept as {code}"
            ),
            ReadDiagnostic::SkippedRows { rows, reason } => {
                write!(formatter, "{rows} rows skipped: {reason}")
            }
        }
    }
}

/// A fast, deterministic hasher (FNV-1a) for interning short names.
#[derive(Default)]
pub(crate) struct FnvHasher(u64);

impl Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FnvHasher>>;

/// Names seen in one role (locations, products or markets), with dense ids in first-seen order.
#[derive(Debug, Default)]
pub struct Interner {
    ids: FastMap<Box<[u8]>, u32>,
    /// Ids of short decimal codes without a leading zero (BACI's country and product codes),
    /// indexed by their value: a lookup without hashing.
    numeric_ids: Vec<u32>,
    names: Vec<String>,
}

/// The value of a decimal code of 1 to 6 digits without a leading zero.
fn small_code(bytes: &[u8]) -> Option<usize> {
    if bytes.is_empty() || bytes.len() > 6 || (bytes[0] == b'0' && bytes.len() > 1) {
        return None;
    }
    bytes.iter().try_fold(0usize, |value, byte| {
        byte.is_ascii_digit().then(|| value * 10 + usize::from(byte - b'0'))
    })
}

impl Interner {
    fn intern(&mut self, bytes: &[u8]) -> Result<u32, ReadErrorKind> {
        let code = small_code(bytes);
        if let Some(&id) = code.and_then(|code| self.numeric_ids.get(code))
            && id != u32::MAX
        {
            return Ok(id);
        }
        let id = self.intern_slowly(bytes)?;
        if let Some(code) = code {
            if self.numeric_ids.len() <= code {
                self.numeric_ids.resize(code + 1, u32::MAX);
            }
            self.numeric_ids[code] = id;
        }
        Ok(id)
    }

    fn intern_slowly(&mut self, bytes: &[u8]) -> Result<u32, ReadErrorKind> {
        if let Some(id) = self.ids.get(bytes) {
            return Ok(*id);
        }
        let name = std::str::from_utf8(bytes).map_err(|_| ReadErrorKind::InvalidUtf8)?;
        let id = self.names.len() as u32;
        self.ids.insert(bytes.into(), id);
        self.names.push(name.to_owned());
        Ok(id)
    }

    /// Names by id.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// Every flow of a file, aggregated by year.
#[derive(Debug, Default)]
pub struct FlowTable {
    pub format: Option<FlowFormat>,
    pub locations: Interner,
    pub products: Interner,
    pub markets: Interner,
    /// Per year (None when the file has no year column), the aggregated flows.
    pub years: BTreeMap<Option<i32>, YearFlows>,
    pub diagnostics: Vec<ReadDiagnostic>,
    /// The size of the market universe when known (BACI's country dictionary).
    pub market_universe: Option<usize>,
    /// Whether the flows name markets (bilateral, BACI, Comtrade).
    pub has_markets: bool,
}

/// Flows of one year: `(location, product, market)` → value, market `u32::MAX` when not bilateral.
///
/// Rows are appended as read (24 bytes each, no hashing) and sorted and merged once at the end,
/// which is where duplicated keys are found.
#[derive(Debug, Default)]
pub struct YearFlows {
    flows: Vec<Flow>,
}

#[derive(Debug, Clone, Copy)]
struct Flow {
    location: u32,
    product: u32,
    market: u32,
    value: f64,
}

impl YearFlows {
    /// Dense location × product sums (row-major over all interned locations and products).
    pub fn dense_by_product(&self, n_locations: usize, n_products: usize) -> Vec<f64> {
        let mut sums = vec![0.0; n_locations * n_products];
        for flow in &self.flows {
            sums[flow.location as usize * n_products + flow.product as usize] += flow.value;
        }
        sums
    }

    /// Dense location × market sums (bilateral formats only).
    pub fn dense_by_market(&self, n_locations: usize, n_markets: usize) -> Vec<f64> {
        let mut sums = vec![0.0; n_locations * n_markets];
        for flow in self.flows.iter().filter(|flow| flow.market != NO_MARKET) {
            sums[flow.location as usize * n_markets + flow.market as usize] += flow.value;
        }
        sums
    }

    /// Every stored (location, product, market) key, ascending by ids.
    pub fn keys(&self) -> impl Iterator<Item = (u32, u32, u32)> + '_ {
        self.flows.iter().map(|flow| (flow.location, flow.product, flow.market))
    }

    /// Number of stored keys.
    pub fn len(&self) -> usize {
        self.flows.len()
    }

    /// Whether no flow was read for the year.
    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// Sorts by key and merges duplicated keys, returning each duplicated key with its row count.
    fn merge_duplicates(&mut self) -> Vec<((u32, u32, u32), usize)> {
        use rayon::slice::ParallelSliceMut;
        self.flows.par_sort_unstable_by_key(|flow| (flow.location, flow.product, flow.market));
        let mut duplicates = Vec::new();
        let mut merged: Vec<Flow> = Vec::with_capacity(self.flows.len());
        let mut rows = 1;
        for flow in self.flows.drain(..) {
            match merged.last_mut() {
                Some(last)
                    if (last.location, last.product, last.market)
                        == (flow.location, flow.product, flow.market) =>
                {
                    last.value += flow.value;
                    rows += 1;
                }
                _ => {
                    if rows > 1
                        && let Some(last) = merged.last()
                    {
                        duplicates.push(((last.location, last.product, last.market), rows));
                    }
                    rows = 1;
                    merged.push(flow);
                }
            }
        }
        if rows > 1
            && let Some(last) = merged.last()
        {
            duplicates.push(((last.location, last.product, last.market), rows));
        }
        self.flows = merged;
        duplicates
    }
}

const NO_MARKET: u32 = u32::MAX;
const MAX_LISTED_DUPLICATES: usize = 20;

/// Column positions of the fields a format needs.
struct Layout {
    format: FlowFormat,
    location: usize,
    product: usize,
    value: usize,
    market: Option<usize>,
    year: Option<usize>,
    /// Comtrade filters: (column, accepted values).
    filters: Vec<(usize, Vec<&'static str>, &'static str)>,
    /// Value multiplier (BACI reports thousand USD; we keep its unit).
    header: Vec<String>,
}

fn find(header: &[String], names: &[&str]) -> Option<usize> {
    names.iter().find_map(|name| header.iter().position(|column| column.eq_ignore_ascii_case(name)))
}

const LOCATION_NAMES: &[&str] = &["location", "country", "origin", "region", "firm"];
const PRODUCT_NAMES: &[&str] = &["product", "hs92", "hs6", "hs", "sitc", "commodity"];
const VALUE_NAMES: &[&str] = &["value", "export_val", "exports", "trade_value"];
const YEAR_NAMES: &[&str] = &["year", "time"];

fn detect(header: &[String]) -> Option<FlowFormat> {
    let has = |name: &str| header.iter().any(|column| column.eq_ignore_ascii_case(name));
    if ["t", "i", "j", "k", "v"].iter().all(|name| has(name)) {
        Some(FlowFormat::Baci)
    } else if has("reporterCode") || has("Reporter Code") || has("reporterISO") {
        Some(FlowFormat::Comtrade)
    } else if has("exporter") && has("importer") {
        Some(FlowFormat::Bilateral)
    } else if find(header, LOCATION_NAMES).is_some() && find(header, PRODUCT_NAMES).is_some() {
        Some(FlowFormat::Long)
    } else {
        None
    }
}

fn layout(format: FlowFormat, header: &[String]) -> Result<Layout, (usize, ReadErrorKind)> {
    let found = header.join(",");
    let require = |names: &[&str]| -> Result<usize, (usize, ReadErrorKind)> {
        find(header, names).ok_or_else(|| {
            (0, ReadErrorKind::MissingColumn { expected: names.join(" or "), found: found.clone() })
        })
    };
    let format = match format {
        FlowFormat::Auto => detect(header).ok_or_else(|| {
            let hint = match header {
                [single] if single.contains(';') => "; the delimiter looks like ';', expected ','",
                [single] if single.contains('\t') => {
                    "; the delimiter looks like a tab, expected ','"
                }
                _ => "",
            };
            (0, ReadErrorKind::UnknownFormat { found: found.clone(), hint: hint.to_owned() })
        })?,
        other => other,
    };
    let mut filters = Vec::new();
    let (location, product, value, market, year) = match format {
        FlowFormat::Long | FlowFormat::Auto => (
            require(LOCATION_NAMES)?,
            require(PRODUCT_NAMES)?,
            require(VALUE_NAMES)?,
            None,
            find(header, YEAR_NAMES),
        ),
        FlowFormat::Bilateral => (
            require(&["exporter"])?,
            require(PRODUCT_NAMES)?,
            require(VALUE_NAMES)?,
            Some(require(&["importer"])?),
            find(header, YEAR_NAMES),
        ),
        FlowFormat::Baci => (
            require(&["i"])?,
            require(&["k"])?,
            require(&["v"])?,
            Some(require(&["j"])?),
            Some(require(&["t"])?),
        ),
        FlowFormat::Comtrade => {
            let flow = require(&["flowCode", "Trade Flow Code"])?;
            filters.push((flow, vec!["X", "2"], "not exports"));
            let partner_code = require(&["partnerCode", "Partner Code"])?;
            filters.push((partner_code, vec!["!0"], "partner is World"));
            for (names, total, reason) in [
                (&["partner2Code"][..], "0", "second partner breakdown"),
                (&["motCode"][..], "0", "transport mode breakdown"),
                (&["customsCode"][..], "C00", "customs procedure breakdown"),
                (&["mosCode"][..], "0", "mode of supply breakdown"),
            ] {
                if let Some(column) = find(header, names) {
                    let accepted: Vec<&'static str> = vec![total, ""];
                    filters.push((column, accepted, reason));
                }
            }
            (
                require(&["reporterISO", "Reporter ISO", "reporterCode", "Reporter Code"])?,
                require(&["cmdCode", "Commodity Code"])?,
                require(&["primaryValue", "Trade Value (US$)", "fobvalue"])?,
                Some(require(&["partnerISO", "Partner ISO", "partnerCode", "Partner Code"])?),
                find(header, &["refYear", "Year", "period"]),
            )
        }
    };
    Ok(Layout { format, location, product, value, market, year, filters, header: header.to_vec() })
}

/// Opens a file, transparently decompressing `.gz`.
fn open(path: &Path) -> std::io::Result<Box<dyn Read>> {
    let file = File::open(path)?;
    let is_gzip = path.extension().is_some_and(|extension| extension == "gz");
    if is_gzip {
        Ok(Box::new(MultiGzDecoder::new(BufReader::with_capacity(1 << 16, file))))
    } else {
        Ok(Box::new(file))
    }
}

struct Context<'a> {
    path: &'a Path,
    header: &'a [String],
}

impl Context<'_> {
    fn error(&self, line: u64, column_idx: Option<usize>, kind: ReadErrorKind) -> ReadError {
        let column_name =
            column_idx.and_then(|idx| self.header.get(idx)).cloned().unwrap_or_default();
        ReadError {
            file: self.path.to_path_buf(),
            line,
            column: column_idx.map_or(0, |idx| idx + 1),
            column_name,
            kind,
        }
    }
}

/// Parses an export value: a finite, non-negative decimal number.
pub(crate) fn parse_value(bytes: &[u8]) -> Result<f64, ReadErrorKind> {
    let text = std::str::from_utf8(bytes).map_err(|_| ReadErrorKind::InvalidUtf8)?.trim();
    let value: f64 = text.parse().map_err(|_| ReadErrorKind::NotNumeric(format!("{text:?}")))?;
    if !value.is_finite() {
        return Err(ReadErrorKind::NotNumeric(format!("{text:?}")));
    }
    if value < 0.0 {
        return Err(ReadErrorKind::Negative(text.to_owned()));
    }
    Ok(value)
}

fn parse_year(bytes: &[u8]) -> Result<i32, ReadErrorKind> {
    let text = std::str::from_utf8(bytes).map_err(|_| ReadErrorKind::InvalidUtf8)?.trim();
    // Comtrade's `period` may be 202101 for monthly data; only the year is kept.
    let digits =
        if text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()) { &text[..4] } else { text };
    digits.parse().map_err(|_| ReadErrorKind::NotAYear(format!("{text:?}")))
}

/// A BACI country dictionary: numeric code → ISO3 code.
pub fn read_baci_countries(path: &Path) -> Result<BTreeMap<String, String>, ReadError> {
    let mut reader = csv_reader(path)?;
    let header = read_header(&mut reader, path)?;
    let context = Context { path, header: &header };
    let code = find(&header, &["country_code", "code"]).ok_or_else(|| {
        context.error(
            1,
            None,
            ReadErrorKind::MissingColumn {
                expected: "country_code".to_owned(),
                found: header.join(","),
            },
        )
    })?;
    let iso = find(&header, &["iso_3digit_alpha", "iso3"]).ok_or_else(|| {
        context.error(
            1,
            None,
            ReadErrorKind::MissingColumn {
                expected: "iso_3digit_alpha".to_owned(),
                found: header.join(","),
            },
        )
    })?;
    let mut record = csv::ByteRecord::new();
    let mut dictionary = BTreeMap::new();
    loop {
        let line = reader.position().line();
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(err) => return Err(csv_error(&context, line, err)),
        }
        let line = record.position().map_or(line, csv::Position::line);
        let field = |idx: usize| -> Result<String, ReadError> {
            let bytes = record.get(idx).unwrap_or_default();
            std::str::from_utf8(bytes)
                .map(|text| text.trim().to_owned())
                .map_err(|_| context.error(line, Some(idx), ReadErrorKind::InvalidUtf8))
        };
        let iso_code = field(iso)?;
        let numeric = field(code)?;
        dictionary.insert(numeric.clone(), if iso_code.is_empty() { numeric } else { iso_code });
    }
    Ok(dictionary)
}

fn csv_reader(path: &Path) -> Result<csv::Reader<Box<dyn Read>>, ReadError> {
    let input = open(path).map_err(|err| ReadError {
        file: path.to_path_buf(),
        line: 0,
        column: 0,
        column_name: String::new(),
        kind: ReadErrorKind::Io(err.to_string()),
    })?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(input))
}

fn read_header(
    reader: &mut csv::Reader<Box<dyn Read>>,
    path: &Path,
) -> Result<Vec<String>, ReadError> {
    let mut record = csv::ByteRecord::new();
    let empty_context = Context { path, header: &[] };
    match reader.read_byte_record(&mut record) {
        Ok(true) => {}
        Ok(false) => return Err(empty_context.error(1, None, ReadErrorKind::EmptyFile)),
        Err(err) => return Err(csv_error(&empty_context, 1, err)),
    }
    let first = record.get(0).unwrap_or_default();
    if first.starts_with(&[0xFF, 0xFE])
        || first.starts_with(&[0xFE, 0xFF])
        || record.as_slice().contains(&0)
    {
        return Err(empty_context.error(1, Some(0), ReadErrorKind::Utf16));
    }
    let mut header = Vec::with_capacity(record.len());
    for (idx, field) in record.iter().enumerate() {
        let field = field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field);
        let text = std::str::from_utf8(field)
            .map_err(|_| empty_context.error(1, Some(idx), ReadErrorKind::InvalidUtf8))?;
        header.push(text.trim().to_owned());
    }
    if header.iter().all(String::is_empty) {
        return Err(empty_context.error(1, None, ReadErrorKind::EmptyFile));
    }
    Ok(header)
}

fn csv_error(context: &Context<'_>, line: u64, err: csv::Error) -> ReadError {
    let line = err.position().map_or(line, csv::Position::line);
    match err.into_kind() {
        csv::ErrorKind::Io(io) => context.error(line, None, ReadErrorKind::Io(io.to_string())),
        csv::ErrorKind::Utf8 { err, .. } => {
            context.error(line, Some(err.field()), ReadErrorKind::InvalidUtf8)
        }
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => context.error(
            line,
            None,
            ReadErrorKind::WrongFieldCount { expected: expected_len as usize, found: len as usize },
        ),
        other => context.error(line, None, ReadErrorKind::Io(format!("{other:?}"))),
    }
}

/// Options for [`read_flows`].
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Keep only this year.
    pub year: Option<i32>,
    /// BACI country dictionary (numeric code → ISO3), naming locations and markets and fixing the
    /// market universe.
    pub countries: Option<BTreeMap<String, String>>,
}

/// Reads a flows file in the given format, aggregating as it streams.
pub fn read_flows(
    path: &Path,
    format: FlowFormat,
    options: &ReadOptions,
) -> Result<FlowTable, ReadError> {
    let mut reader = csv_reader(path)?;
    let header = read_header(&mut reader, path)?;
    let context = Context { path, header: &header };
    let layout = layout(format, &header)
        .map_err(|(column, kind)| context.error(1, (column > 0).then_some(column), kind))?;
    let mut table = FlowTable {
        format: Some(layout.format),
        has_markets: layout.market.is_some(),
        ..FlowTable::default()
    };
    if layout.format == FlowFormat::Baci {
        table.market_universe = options.countries.as_ref().map(BTreeMap::len);
    }
    let mut skipped: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut record = csv::ByteRecord::new();
    let n_fields = layout.header.len();
    loop {
        let line_hint = reader.position().line();
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(err) => return Err(csv_error(&context, line_hint, err)),
        }
        let line = record.position().map_or(line_hint, csv::Position::line);
        if record.len() == 1 && record.get(0).is_some_and(|field| field.is_empty()) {
            continue;
        }
        if record.len() != n_fields {
            return Err(context.error(
                line,
                None,
                ReadErrorKind::WrongFieldCount { expected: n_fields, found: record.len() },
            ));
        }
        let field = |idx: usize| record.get(idx).unwrap_or_default();
        if let Some((_, _, reason)) = layout.filters.iter().find(|(column, accepted, _)| {
            let value = trim(field(*column));
            !accepted.iter().any(|accepted| match accepted.strip_prefix('!') {
                Some(excluded) => value != excluded.as_bytes(),
                None => value == accepted.as_bytes(),
            })
        }) {
            *skipped.entry(reason).or_insert(0) += 1;
            continue;
        }
        let year = match layout.year {
            Some(column) => Some(
                parse_year(field(column))
                    .map_err(|kind| context.error(line, Some(column), kind))?,
            ),
            None => None,
        };
        if options.year.is_some() && year != options.year {
            continue;
        }
        let value = parse_value(field(layout.value))
            .map_err(|kind| context.error(line, Some(layout.value), kind))?;
        let location = table
            .locations
            .intern(trim(field(layout.location)))
            .map_err(|kind| context.error(line, Some(layout.location), kind))?;
        let product = table
            .products
            .intern(trim(field(layout.product)))
            .map_err(|kind| context.error(line, Some(layout.product), kind))?;
        let market = match layout.market {
            Some(column) => table
                .markets
                .intern(trim(field(column)))
                .map_err(|kind| context.error(line, Some(column), kind))?,
            None => NO_MARKET,
        };
        table.years.entry(year).or_default().flows.push(Flow { location, product, market, value });
    }
    if layout.format == FlowFormat::Baci {
        rename_baci_codes(&mut table, options.countries.as_ref());
    }
    report_duplicates(&mut table);
    for (reason, rows) in skipped {
        table.diagnostics.push(ReadDiagnostic::SkippedRows { rows, reason });
    }
    Ok(table)
}

/// Names BACI's numeric codes: products zero-padded to six digits (BACI writes HS6 codes as
/// integers, dropping the leading zero of chapters 01-09), countries by the dictionary's ISO3 code
/// (unknown codes keep their number and are reported).
fn rename_baci_codes(table: &mut FlowTable, countries: Option<&BTreeMap<String, String>>) {
    for name in &mut table.products.names {
        if name.len() < 6 {
            *name = format!("{name:0>6}");
        }
    }
    let Some(countries) = countries else {
        return;
    };
    let mut unknown = std::collections::BTreeSet::new();
    for interner in [&mut table.locations, &mut table.markets] {
        let mut used: std::collections::HashSet<String> = std::collections::HashSet::new();
        for name in &mut interner.names {
            match countries.get(name.as_str()) {
                // Two codes sharing an ISO3 code keep their number, so names stay unique.
                Some(iso) if used.insert(iso.clone()) => *name = iso.clone(),
                Some(iso) => *name = format!("{iso} ({name})"),
                None => {
                    unknown.insert(name.clone());
                }
            }
        }
    }
    for code in unknown {
        table.diagnostics.push(ReadDiagnostic::UnknownCountryCode { code });
    }
}

fn trim(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

fn report_duplicates(table: &mut FlowTable) {
    let mut all: Vec<(Option<i32>, String, usize)> = Vec::new();
    for (year, flows) in &mut table.years {
        for ((location, product, market), rows) in flows.merge_duplicates() {
            let location = &table.locations.names[location as usize];
            let product = &table.products.names[product as usize];
            let key = if market == NO_MARKET {
                format!("{location},{product}")
            } else {
                format!("{location},{},{product}", table.markets.names[market as usize])
            };
            all.push((*year, key, rows));
        }
    }
    all.sort();
    let distinct_keys = all.len();
    for (year, key, rows) in all.into_iter().take(MAX_LISTED_DUPLICATES) {
        table.diagnostics.push(ReadDiagnostic::DuplicateKeys { year, key, rows });
    }
    if distinct_keys > MAX_LISTED_DUPLICATES {
        table.diagnostics.push(ReadDiagnostic::MoreDuplicateKeys { distinct_keys });
    }
}
