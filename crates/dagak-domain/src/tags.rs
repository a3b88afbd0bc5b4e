//! The glossary of industry tags (`data/nomenclature/industry_tags.csv`): each tag's English and
//! Korean name. Tags are free text, stored lower-cased as typed; a tag the glossary knows is the
//! same tag in either language, for filters, search and display.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::Lang;

const GLOSSARY: &str = include_str!("../../../data/nomenclature/industry_tags.csv");

/// One tag of the glossary, in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagNames {
    pub en: &'static str,
    pub ko: &'static str,
}

struct Glossary {
    entries: Vec<TagNames>,
    /// Either name, lower-cased, to its entry.
    by_name: HashMap<String, usize>,
}

fn glossary() -> &'static Glossary {
    static GLOSSARY_TABLE: OnceLock<Glossary> = OnceLock::new();
    GLOSSARY_TABLE.get_or_init(|| {
        let mut entries = Vec::new();
        let mut by_name = HashMap::new();
        for line in GLOSSARY.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let Some((en, ko)) = line.split_once(',') else { continue };
            let entry = TagNames { en: en.trim(), ko: ko.trim() };
            by_name.insert(entry.en.to_lowercase(), entries.len());
            by_name.insert(entry.ko.to_lowercase(), entries.len());
            entries.push(entry);
        }
        Glossary { entries, by_name }
    })
}

/// The glossary's entry for a tag written in either language (any case, spaces trimmed).
pub fn tag_names(tag: &str) -> Option<TagNames> {
    let g = glossary();
    g.by_name.get(&tag.trim().to_lowercase()).map(|&i| g.entries[i])
}

/// The tag as a reader of `lang` reads it: the glossary's name, else the tag as stored.
pub fn tag_label(tag: &str, lang: Lang) -> String {
    match tag_names(tag) {
        Some(names) => lang.pick(names.ko, names.en).to_owned(),
        None => tag.trim().to_owned(),
    }
}

/// Every stored spelling that means this tag, lower-cased: both names when the glossary knows
/// it, else the tag itself.
pub fn tag_spellings(tag: &str) -> Vec<String> {
    let tag = tag.trim().to_lowercase();
    match tag_names(&tag) {
        Some(names) => {
            let mut all = vec![names.en.to_lowercase(), names.ko.to_lowercase()];
            all.dedup();
            all
        }
        None => vec![tag],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_is_the_same_in_either_language_and_any_case() {
        let names = tag_names("Medical Devices").unwrap();
        assert_eq!((names.en, names.ko), ("medical devices", "의료기기"));
        assert_eq!(tag_names(" 의료기기 "), Some(names));
        assert_eq!(tag_label("medical devices", Lang::Ko), "의료기기");
        assert_eq!(tag_label("의료기기", Lang::En), "medical devices");
        assert_eq!(tag_spellings("의료기기"), ["medical devices", "의료기기"]);
        assert_eq!(tag_spellings("it"), ["it"]);
    }

    #[test]
    fn a_tag_the_glossary_does_not_know_stays_as_typed() {
        assert_eq!(tag_names("quantum sensing"), None);
        assert_eq!(tag_label("quantum sensing", Lang::Ko), "quantum sensing");
        assert_eq!(tag_spellings("Quantum Sensing"), ["quantum sensing"]);
    }

    #[test]
    fn every_glossary_line_has_two_names_and_no_name_is_used_twice() {
        let lines: Vec<&str> = GLOSSARY.lines().skip(1).filter(|l| !l.is_empty()).collect();
        assert_eq!(glossary().entries.len(), lines.len());
        // Each name maps to its own entry: no name is shared by two entries.
        let distinct = glossary().by_name.values().collect::<std::collections::HashSet<_>>().len();
        assert_eq!(distinct, lines.len());
        assert!(glossary().entries.iter().all(|e| !e.en.is_empty() && !e.ko.is_empty()));
    }
}
