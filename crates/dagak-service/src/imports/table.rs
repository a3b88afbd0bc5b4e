//! Reading an uploaded file into a table of text cells: CSV in UTF-8 or EUC-KR/CP949, or XLSX.
//!
//! Everything here rejects with an [`ImportProblem`] naming the file, line and column; nothing
//! panics on any input.

use std::borrow::Cow;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

use super::ImportProblem;

/// The largest file accepted, in bytes. A directory of 200,000 organisations is about 40 MB.
pub const MAX_IMPORT_BYTES: usize = 40 * 1024 * 1024;

/// One sheet or CSV file: its header names and its data rows with their line numbers.
///
/// The cells are kept one after the other in one string, so that a table of 100,000 rows is a
/// few allocations rather than one per cell (which tripled the memory an import of such a file
/// took, and fragmented it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub file: String,
    pub headers: Vec<String>,
    /// Whether columns are named by spreadsheet letters (XLSX) rather than numbers (CSV).
    pub spreadsheet: bool,
    /// Every cell's text, row after row.
    text: String,
    /// Where each cell ends in `text`: `width` cells per row.
    ends: Vec<u32>,
    /// The 1-based line or spreadsheet row of each row.
    lines: Vec<u64>,
    width: usize,
}

/// One data row of a [`Table`].
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    table: &'a Table,
    index: usize,
}

impl<'a> Row<'a> {
    /// The text of the cell in `column`, untrimmed; `None` past the last column.
    pub fn get(&self, column: usize) -> Option<&'a str> {
        if column >= self.table.width {
            return None;
        }
        let cell = self.index * self.table.width + column;
        let start = if cell == 0 { 0 } else { *self.table.ends.get(cell - 1)? as usize };
        let end = *self.table.ends.get(cell)? as usize;
        self.table.text.get(start..end)
    }

    /// Every cell of the row.
    pub fn cells(&self) -> impl Iterator<Item = &'a str> + '_ {
        (0..self.table.width).map(|c| self.get(c).unwrap_or(""))
    }
}

impl Table {
    fn new(file: &str, headers: Vec<String>, spreadsheet: bool) -> Table {
        let width = headers.len();
        Table {
            file: file.to_owned(),
            headers,
            spreadsheet,
            text: String::new(),
            ends: Vec::new(),
            lines: Vec::new(),
            width,
        }
    }

    /// Appends a row of exactly as many cells as the header (missing ones empty, extra ones
    /// dropped). Fails when the table's text would pass 4 GiB.
    fn push_row<'c>(
        &mut self,
        line: u64,
        cells: impl IntoIterator<Item = &'c str>,
    ) -> Result<(), ImportProblem> {
        let mut cells = cells.into_iter();
        for _ in 0..self.width {
            self.text.push_str(cells.next().unwrap_or(""));
            let end = u32::try_from(self.text.len()).map_err(|_| {
                problem(
                    &self.file,
                    Some(line),
                    None,
                    "file_too_large",
                    "the file holds more than 4 GiB of text: split it".into(),
                )
            })?;
            self.ends.push(end);
        }
        self.lines.push(line);
        Ok(())
    }

    /// Releases the spare capacity of a table read to its end.
    fn shrink(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
        self.lines.shrink_to_fit();
    }

    /// The number of data rows.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The data rows with their lines, in file order.
    pub fn rows(&self) -> impl Iterator<Item = (u64, Row<'_>)> + '_ {
        self.lines.iter().enumerate().map(|(index, &line)| (line, Row { table: self, index }))
    }

    /// How a column is named in messages: `business_number (column G)`.
    /// The header of column `index` as the file wrote it, and its position (`7`, or `G` in a
    /// spreadsheet).
    pub fn column_parts(&self, index: usize) -> (String, String) {
        let header = self.headers.get(index).map(|h| h.trim().to_owned()).unwrap_or_default();
        let position =
            if self.spreadsheet { column_letter(index) } else { (index + 1).to_string() };
        (header, position)
    }

    pub fn column_name(&self, index: usize) -> String {
        let header = self.headers.get(index).map(String::as_str).unwrap_or("");
        let position =
            if self.spreadsheet { column_letter(index) } else { (index + 1).to_string() };
        if header.is_empty() {
            format!("column {position}")
        } else {
            format!("{header} (column {position})")
        }
    }
}

/// `0` → `A`, `25` → `Z`, `26` → `AA`.
pub fn column_letter(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(char::from(b'A' + (index % 26) as u8));
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.iter().rev().collect()
}

fn problem(
    file: &str,
    line: Option<u64>,
    column: Option<String>,
    code: &'static str,
    message: String,
) -> ImportProblem {
    ImportProblem { file: file.to_owned(), line, column, code, message, ..Default::default() }
}

/// Decodes a CSV file's bytes: UTF-8 (with or without BOM), UTF-16 with BOM, or EUC-KR/CP949
/// (what Korean Excel saves by default). Anything else is rejected rather than guessed.
/// NUL characters are dropped: they are never text (and PostgreSQL cannot store them).
pub fn decode<'b>(file: &str, bytes: &'b [u8]) -> Result<Cow<'b, str>, ImportProblem> {
    decode_text(file, bytes).map(|text| match text {
        Cow::Borrowed(text) if text.contains('\0') => Cow::Owned(text.replace('\0', "")),
        Cow::Owned(text) if text.contains('\0') => Cow::Owned(text.replace('\0', "")),
        text => text,
    })
}

fn decode_text<'b>(file: &str, bytes: &'b [u8]) -> Result<Cow<'b, str>, ImportProblem> {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(problem(
                file,
                None,
                None,
                "encoding_invalid",
                format!(
                    "the file starts with a {} byte-order mark but is not valid {}",
                    encoding.name(),
                    encoding.name()
                ),
            ));
        }
        return Ok(text);
    }
    // UTF-8 is read in place: a copy would double the file in memory while it is parsed.
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(text));
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    let guess = detector.guess(Some(b"kr"), true);
    if guess == encoding_rs::EUC_KR {
        let (text, had_errors) = encoding_rs::EUC_KR.decode_without_bom_handling(bytes);
        if !had_errors {
            return Ok(text);
        }
    }
    // Find the first line that is not valid UTF-8, to point at it.
    let valid = std::str::from_utf8(bytes).map_or_else(|e| e.valid_up_to(), |_| bytes.len());
    let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    Err(problem(
        file,
        Some(line),
        None,
        "encoding_unsupported",
        format!(
            "the file is neither UTF-8 nor EUC-KR/CP949 (it looks like {}); save it as \"CSV UTF-8\" and import it again",
            guess.name()
        ),
    ))
}

/// Picks the delimiter from the header line: comma, semicolon or tab, whichever is most common.
fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let count = |c: char| header.matches(c).count();
    [(b',', count(',')), (b';', count(';')), (b'\t', count('\t'))]
        .into_iter()
        .max_by_key(|&(d, n)| (n, d == b','))
        .map_or(b',', |(d, _)| d)
}

/// Reads a CSV file into a table, checking that every row has as many fields as the header.
pub fn read_csv(file: &str, bytes: &[u8]) -> Result<Table, Vec<ImportProblem>> {
    let text = decode(file, bytes).map_err(|p| vec![p])?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(&text))
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let headers: Vec<String> = match records.next() {
        None => {
            return Err(vec![problem(
                file,
                None,
                None,
                "file_empty",
                "the file is empty: it needs a header line and at least one row".into(),
            )]);
        }
        Some(Err(e)) => return Err(vec![csv_problem(file, Some(1), &e)]),
        Some(Ok(r)) => r.iter().map(|h| h.trim().to_owned()).collect(),
    };
    let mut table = Table::new(file, headers, false);
    let mut problems = Vec::new();
    // The csv crate's line numbers miss the blank lines it skips (after the header, or with
    // `\r\n` endings), so lines are counted here: a problem names the line the user sees.
    let mut lines = LineCounter::new(text.as_bytes());
    for record in records {
        match record {
            Err(e) => {
                let line = e.position().map(|p| lines.line_at(p.byte()));
                problems.push(csv_problem(file, line, &e));
            }
            Ok(r) => {
                let line = r.position().map_or(0, |p| lines.line_at(p.byte()));
                if r.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                let width = table.headers.len();
                if r.len() != width {
                    let column = (r.len() > width).then(|| format!("column {}", width + 1));
                    problems.push(problem(
                        file,
                        Some(line),
                        column,
                        "field_count",
                        format!("this line has {} fields but the header has {width}", r.len()),
                    ));
                    continue;
                }
                if let Err(p) = table.push_row(line, r.iter()) {
                    problems.push(p);
                    break;
                }
            }
        }
    }
    if problems.is_empty() {
        table.shrink();
        Ok(table)
    } else {
        Err(problems)
    }
}

/// The 1-based line of byte offsets, counted forwards as records are read in order.
pub(crate) struct LineCounter<'t> {
    text: &'t [u8],
    counted_to: usize,
    line: u64,
}

impl<'t> LineCounter<'t> {
    pub(crate) fn new(text: &'t [u8]) -> LineCounter<'t> {
        LineCounter { text, counted_to: 0, line: 1 }
    }

    /// The line of the record the csv crate places at `byte`. Its position may lie before the
    /// blank lines (and the `\n` of a `\r\n`) it skipped to reach the record, so those are
    /// stepped over first: a record never starts with a line break.
    pub(crate) fn line_at(&mut self, byte: u64) -> u64 {
        let mut byte = (byte as usize).min(self.text.len());
        while let Some(b'\r' | b'\n') = self.text.get(byte) {
            byte += 1;
        }
        if byte > self.counted_to {
            let newlines = self.text[self.counted_to..byte].iter().filter(|&&b| b == b'\n').count();
            self.line += newlines as u64;
            self.counted_to = byte;
        }
        self.line
    }
}

fn csv_problem(file: &str, line: Option<u64>, err: &csv::Error) -> ImportProblem {
    problem(file, line, None, "csv_malformed", format!("the CSV is malformed: {err}"))
}

/// Excel's serial day 0 is 1899-12-30 in the 1900 date system.
fn excel_date(serial: f64) -> Option<String> {
    let epoch = time::Date::from_calendar_date(1899, time::Month::December, 30).ok()?;
    let days = serial.floor();
    if !(0.0..=2_958_465.0).contains(&days) {
        return None;
    }
    let date = epoch.checked_add(time::Duration::days(days as i64))?;
    Some(dagak_domain::iso_date(date))
}

fn cell_text(cell: &Data) -> Result<String, String> {
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.replace('\0', ""),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => {
            excel_date(d.as_f64()).ok_or_else(|| "the date is out of range".to_owned())?
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => return Err(format!("the cell holds the spreadsheet error {e}")),
    })
}

/// Reads every non-empty sheet of an XLSX workbook. Formulas and merged cells are rejected: an
/// import must hold values, and a merged cell would silently leave the rows below it empty.
pub fn read_xlsx(file: &str, bytes: &[u8]) -> Result<Vec<Table>, Vec<ImportProblem>> {
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| {
        vec![problem(
            file,
            None,
            None,
            "xlsx_malformed",
            format!("the file is not a readable XLSX workbook: {e}"),
        )]
    })?;
    let mut tables = Vec::new();
    let mut problems = Vec::new();
    for sheet in workbook.sheet_names() {
        let label = format!("{file} [{sheet}]");
        let range = match workbook.worksheet_range(&sheet) {
            Ok(range) => range,
            Err(e) => {
                problems.push(problem(
                    &label,
                    None,
                    None,
                    "xlsx_malformed",
                    format!("the sheet cannot be read: {e}"),
                ));
                continue;
            }
        };
        if range.is_empty() {
            continue;
        }
        let (row0, col0) = range.start().unwrap_or((0, 0));
        if let Ok(formulas) = workbook.worksheet_formula(&sheet) {
            let (frow0, fcol0) = formulas.start().unwrap_or((0, 0));
            for (r, c, formula) in formulas.used_cells() {
                if formula.is_empty() {
                    continue;
                }
                let row = frow0 as usize + r;
                let col = fcol0 as usize + c;
                problems.push(problem(
                    &label,
                    Some(row as u64 + 1),
                    Some(format!("column {}", column_letter(col))),
                    "xlsx_formula",
                    format!("cell {}{} holds the formula ={formula}; paste it as values and import again", column_letter(col), row + 1),
                ));
            }
        }
        if let Some(Ok(merged)) = workbook.worksheet_merge_cells(&sheet) {
            for region in merged {
                let (r, c) = region.start;
                let (r2, c2) = region.end;
                problems.push(problem(
                    &label,
                    Some(u64::from(r) + 1),
                    Some(format!("column {}", column_letter(c as usize))),
                    "xlsx_merged_cells",
                    format!(
                        "cells {}{}:{}{} are merged; unmerge them and fill every row",
                        column_letter(c as usize),
                        r + 1,
                        column_letter(c2 as usize),
                        r2 + 1
                    ),
                ));
            }
        }
        let mut rows_iter = range.rows().enumerate();
        let Some((_, header_cells)) = rows_iter.next() else { continue };
        let width = header_cells.len();
        let headers: Vec<String> = header_cells
            .iter()
            .map(|c| cell_text(c).unwrap_or_default().trim().to_owned())
            .collect();
        let mut table = Table::new(&label, headers, true);
        for (i, cells) in rows_iter {
            let line = u64::from(row0) + i as u64 + 1;
            let mut texts = Vec::with_capacity(width);
            for (c, cell) in cells.iter().enumerate() {
                match cell_text(cell) {
                    Ok(t) => texts.push(t),
                    Err(message) => {
                        let col = col0 as usize + c;
                        problems.push(problem(
                            &label,
                            Some(line),
                            Some(format!("column {}", column_letter(col))),
                            "xlsx_cell_error",
                            message,
                        ));
                        texts.push(String::new());
                    }
                }
            }
            if texts.iter().all(|t| t.trim().is_empty()) {
                continue;
            }
            if let Err(p) = table.push_row(line, texts.iter().map(String::as_str)) {
                problems.push(p);
                break;
            }
        }
        table.shrink();
        tables.push(table);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if tables.is_empty() {
        return Err(vec![problem(
            file,
            None,
            None,
            "file_empty",
            "the workbook has no rows".into(),
        )]);
    }
    Ok(tables)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_spreadsheets() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn euc_kr_files_are_decoded() {
        let (bytes, _, _) = encoding_rs::EUC_KR.encode("kind,name_ko\nlocal_firm,구미메디텍\n");
        assert_eq!(decode("f.csv", &bytes).unwrap(), "kind,name_ko\nlocal_firm,구미메디텍\n");
    }

    #[test]
    fn a_utf8_bom_is_dropped() {
        assert_eq!(decode("f.csv", "\u{feff}a,b".as_bytes()).unwrap(), "a,b");
    }

    #[test]
    fn excel_serial_dates_become_iso_dates() {
        assert_eq!(excel_date(45658.0).as_deref(), Some("2025-01-01"));
    }

    #[test]
    fn semicolon_files_are_read() {
        let table = read_csv("f.csv", b"a;b\n1;2\n").unwrap();
        let rows: Vec<(u64, Vec<&str>)> =
            table.rows().map(|(line, row)| (line, row.cells().collect())).collect();
        assert_eq!(rows, vec![(2, vec!["1", "2"])]);
    }

    #[test]
    fn cells_keep_their_place_in_a_compact_table() {
        let table = read_csv("f.csv", "a,b,c\n1,,3\n\"x,y\",구미,\n".as_bytes()).unwrap();
        let rows: Vec<(u64, Vec<&str>)> =
            table.rows().map(|(line, row)| (line, row.cells().collect())).collect();
        assert_eq!(rows, vec![(2, vec!["1", "", "3"]), (3, vec!["x,y", "구미", ""])]);
        let (_, first) = table.rows().next().unwrap();
        assert_eq!((first.get(2), first.get(3)), (Some("3"), None));
        assert_eq!(table.len(), 2);
    }
}
