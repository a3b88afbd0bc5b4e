//! Cells of the CSV files dagak writes and reads back, safe from formula injection.
//!
//! A spreadsheet opening a CSV runs a cell that starts with `=`, `+`, `-` or `@` (and some run
//! one that starts with a tab or a carriage return) as a formula: an organisation named
//! `=HYPERLINK("http://x","click")` would become a live link in the bureau's Excel. Following
//! OWASP's advice on CSV injection, such a cell is written with a leading `'`, which spreadsheets
//! show as text; an import drops that `'` again, so a name survives the round trip exactly.

use std::borrow::Cow;

/// The first characters that make a spreadsheet read a cell as a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn starts_like_a_formula(text: &str) -> bool {
    text.starts_with(FORMULA_START)
}

/// The cell as it is written to a CSV file: with a leading `'` when it would start a formula.
pub fn escape_csv_cell(text: &str) -> Cow<'_, str> {
    if starts_like_a_formula(text) { Cow::Owned(format!("'{text}")) } else { Cow::Borrowed(text) }
}

/// The cell as it was before [`escape_csv_cell`]: a leading `'` before a formula character is
/// dropped; any other text is left as it is.
pub fn unescape_csv_cell(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if starts_like_a_formula(rest) => rest,
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_would_start_a_formula_are_escaped_and_read_back_exactly() {
        for cell in
            ["=HYPERLINK(\"http://x\",\"click\")", "=1+1", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
        {
            let written = escape_csv_cell(cell);
            assert!(written.starts_with('\''), "{cell:?}");
            assert_eq!(unescape_csv_cell(&written), cell);
        }
    }

    #[test]
    fn other_cells_are_left_alone() {
        for cell in ["구미메디텍", "Acme Sensors", "124-81-00998", "", "'quoted'", "'plain"] {
            assert_eq!(escape_csv_cell(cell), cell);
            assert_eq!(unescape_csv_cell(cell), cell);
        }
        // A leading quote before a formula character is the escape, however the file got it.
        assert_eq!(unescape_csv_cell("'=1"), "=1");
        assert_eq!(unescape_csv_cell("''=1"), "''=1");
    }
}
