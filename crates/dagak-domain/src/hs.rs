//! The Harmonized System (HS 2022) nomenclature, shipped with dagak, and validated HS codes.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use crate::DomainError;

/// The HS 2022 nomenclature as shipped in `data/nomenclature/hs2022.csv` (ODC-PDDL-1.0).
const HS2022_CSV: &str = include_str!("../../../data/nomenclature/hs2022.csv");

/// dagak's own Korean names of the HS sections and chapters (`data/nomenclature/hs_names_ko.csv`);
/// no Korean text of the 4- and 6-digit headings may be shipped.
const NAMES_KO_CSV: &str = include_str!("../../../data/nomenclature/hs_names_ko.csv");

fn names_ko() -> &'static HashMap<String, String> {
    static NAMES: OnceLock<HashMap<String, String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut reader = csv::Reader::from_reader(NAMES_KO_CSV.as_bytes());
        reader
            .records()
            .flatten()
            .filter_map(|r| Some((r.get(0)?.to_owned(), r.get(1)?.to_owned())))
            .collect()
    })
}

/// The Korean name of an HS section (`XVIII`) or chapter (`90`).
pub fn hs_name_ko(code: &str) -> Option<&'static str> {
    names_ko().get(code).map(String::as_str)
}

/// One code of the nomenclature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsEntry {
    pub code: String,
    pub section: String,
    pub description: String,
    /// 2, 4 or 6 digits.
    pub level: u8,
    /// UN Comtrade's "commodities not specified according to kind" (99, 9999, 999999): a code
    /// trade statistics use, but not an HS 2022 code, so no organisation may carry it.
    pub placeholder: bool,
}

/// The codes UN Comtrade adds to the nomenclature for commodities not specified according to
/// kind. The shipped file keeps them, because trade files carry them.
const PLACEHOLDERS: [&str; 3] = ["99", "9999", "999999"];

struct Nomenclature {
    entries: Vec<HsEntry>,
    by_code: HashMap<String, usize>,
}

fn nomenclature() -> &'static Nomenclature {
    static NOMENCLATURE: OnceLock<Nomenclature> = OnceLock::new();
    NOMENCLATURE.get_or_init(|| {
        let mut reader = csv::Reader::from_reader(HS2022_CSV.as_bytes());
        let mut entries = Vec::new();
        // The file ships with the binary and is checked by a test, so a bad row is skipped
        // rather than taking the process down.
        for record in reader.records().flatten() {
            let (Some(section), Some(code), Some(description), Some(level)) =
                (record.get(0), record.get(1), record.get(2), record.get(4))
            else {
                continue;
            };
            let Ok(level) = level.parse::<u8>() else { continue };
            entries.push(HsEntry {
                code: code.to_owned(),
                section: section.to_owned(),
                description: description.to_owned(),
                level,
                placeholder: PLACEHOLDERS.contains(&code),
            });
        }
        let by_code = entries.iter().enumerate().map(|(i, e)| (e.code.clone(), i)).collect();
        Nomenclature { entries, by_code }
    })
}

impl HsEntry {
    /// What a reader of `lang` reads for this code: in Korean, the chapter's Korean name and
    /// then the English description of a heading (which has no Korean text that may ship); in
    /// English, the description.
    pub fn described(&self, lang: crate::Lang) -> String {
        let chapter = self.code.get(..2).and_then(hs_name_ko);
        match (lang, chapter) {
            (crate::Lang::Ko, Some(chapter)) if self.level == 2 => {
                format!("제{}류 {chapter}", &self.code)
            }
            (crate::Lang::Ko, Some(chapter)) => {
                format!("제{}류 {chapter} — {}", &self.code[..2], self.description)
            }
            _ => self.description.clone(),
        }
    }
}

/// Looks a code up in the nomenclature; UN Comtrade's placeholders are found, marked as such.
pub fn hs_lookup(code: &str) -> Option<&'static HsEntry> {
    let nomenclature = nomenclature();
    nomenclature.by_code.get(code).map(|&i| &nomenclature.entries[i])
}

/// Codes whose number starts with `query` or whose description contains it (case-insensitive),
/// at most `limit`, in nomenclature order. Placeholders are never offered: they are not codes an
/// organisation may carry.
pub fn hs_search(query: &str, limit: usize) -> Vec<&'static HsEntry> {
    let query = query.trim().to_lowercase();
    if query.is_empty() {
        return Vec::new();
    }
    nomenclature()
        .entries
        .iter()
        .filter(|e| !e.placeholder)
        .filter(|e| e.code.starts_with(&query) || e.description.to_lowercase().contains(&query))
        .take(limit)
        .collect()
}

/// An HS code of 2, 4 or 6 digits that exists in HS 2022 (never one of UN Comtrade's
/// placeholders).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HsCode(String);

impl HsCode {
    /// Parses `8471`, `847130`, `8471.30` or `84.71`; the dots are dropped.
    pub fn parse(input: &str) -> Result<HsCode, DomainError> {
        let digits: String = input.trim().chars().filter(|c| *c != '.').collect();
        let well_formed =
            matches!(digits.len(), 2 | 4 | 6) && digits.bytes().all(|b| b.is_ascii_digit());
        if !well_formed {
            return Err(DomainError::HsCodeFormat(input.trim().to_owned()));
        }
        match hs_lookup(&digits) {
            None => Err(DomainError::HsCodeUnknown(digits)),
            Some(entry) if entry.placeholder => Err(DomainError::HsCodePlaceholder(digits)),
            Some(_) => Ok(HsCode(digits)),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The nomenclature entry of this code (always present for a parsed code).
    pub fn entry(&self) -> Option<&'static HsEntry> {
        hs_lookup(&self.0)
    }
}

impl fmt::Display for HsCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_section_and_chapter_has_a_korean_name() {
        for entry in nomenclature().entries.iter().filter(|e| e.level == 2) {
            assert!(hs_name_ko(&entry.code).is_some(), "chapter {}", entry.code);
            // UN Comtrade's 99 belongs to no section.
            if !entry.placeholder {
                assert!(hs_name_ko(&entry.section).is_some(), "section {}", entry.section);
            }
        }
        let entry = hs_lookup("901819").unwrap();
        assert!(
            entry
                .described(crate::Lang::Ko)
                .starts_with("제90류 광학·사진·측정·검사·정밀·의료용 기기 — ")
        );
        assert_eq!(entry.described(crate::Lang::En), entry.description);
        assert_eq!(
            hs_lookup("90").unwrap().described(crate::Lang::Ko),
            "제90류 광학·사진·측정·검사·정밀·의료용 기기"
        );
    }

    #[test]
    fn the_whole_shipped_nomenclature_loads() {
        // 6,940 data rows: 97 chapters, the headings and the subheadings of HS 2022.
        let n = nomenclature().entries.len();
        assert_eq!(n, 6940);
        assert_eq!(nomenclature().entries.iter().filter(|e| e.level == 2).count(), 97);
        // UN Comtrade's three placeholders ship with it, marked.
        let placeholders: Vec<&str> = nomenclature()
            .entries
            .iter()
            .filter(|e| e.placeholder)
            .map(|e| e.code.as_str())
            .collect();
        assert_eq!(placeholders, ["99", "9999", "999999"]);
    }

    #[test]
    fn comtrade_placeholders_are_not_hs_codes() {
        for code in ["99", "9999", "999999", "99.99"] {
            let digits = code.replace('.', "");
            assert_eq!(HsCode::parse(code), Err(DomainError::HsCodePlaceholder(digits)), "{code}");
        }
        assert!(hs_lookup("999999").is_some_and(|e| e.placeholder));
        assert!(hs_lookup("9018").is_some_and(|e| !e.placeholder));
        // Search, which offers codes for organisations, never offers them.
        for query in ["99", "9999", "999999", "commodities not specified according to kind"] {
            assert!(hs_search(query, 7000).iter().all(|e| !e.placeholder), "{query}");
        }
        assert!(!hs_search("97", 10).is_empty());
    }

    #[test]
    fn codes_of_each_level_parse() {
        assert_eq!(HsCode::parse("90").unwrap().as_str(), "90");
        assert_eq!(HsCode::parse("9018").unwrap().as_str(), "9018");
        assert_eq!(HsCode::parse("9018.19").unwrap().as_str(), "901819");
        assert!(HsCode::parse("901819").unwrap().entry().unwrap().description.contains("diagnos"));
    }

    #[test]
    fn malformed_codes_are_rejected_as_format_errors() {
        for bad in ["", "9", "901", "90181", "9018191", "90a8", "9018-19"] {
            assert!(matches!(HsCode::parse(bad), Err(DomainError::HsCodeFormat(_))), "{bad}");
        }
    }

    #[test]
    fn well_formed_codes_missing_from_hs2022_are_rejected() {
        // Chapter 77 is reserved; heading 0199 and subheading 901899 do not exist.
        assert_eq!(HsCode::parse("77"), Err(DomainError::HsCodeUnknown("77".into())));
        assert_eq!(HsCode::parse("0199"), Err(DomainError::HsCodeUnknown("0199".into())));
        assert_eq!(HsCode::parse("901899"), Err(DomainError::HsCodeUnknown("901899".into())));
    }

    #[test]
    fn search_finds_by_prefix_and_description() {
        assert!(hs_search("8517", 5).iter().all(|e| e.code.starts_with("8517")));
        assert!(!hs_search("carbon fibre", 50).is_empty() || !hs_search("carbon", 50).is_empty());
    }
}
