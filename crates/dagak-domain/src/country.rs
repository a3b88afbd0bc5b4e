//! ISO 3166-1 countries with their Korean and English names.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use crate::DomainError;

/// Korean names, `id,alpha2,alpha3,name` (CC BY-SA 4.0, see the notice beside the file).
const NAMES_KO: &str = include_str!("../../../data/nomenclature/country_names_ko.csv");
/// English names, same shape and licence.
const NAMES_EN: &str = include_str!("../../../data/nomenclature/country_names_en.csv");
/// The common short English names (following CLDR) where the ISO name is a formal one:
/// `alpha2,name`.
const NAMES_EN_COMMON: &str =
    include_str!("../../../data/nomenclature/country_names_en_common.csv");

/// One country of ISO 3166-1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Country {
    pub code: CountryCode,
    pub alpha3: String,
    pub numeric: u16,
    pub name_ko: String,
    pub name_en: String,
}

struct Countries {
    list: Vec<Country>,
    by_key: HashMap<String, usize>,
}

fn read_names(csv_text: &str) -> Vec<(u16, String, String, String)> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    reader
        .records()
        .flatten()
        .filter_map(|r| {
            let numeric = r.get(0)?.parse().ok()?;
            Some((
                numeric,
                r.get(1)?.to_ascii_uppercase(),
                r.get(2)?.to_ascii_uppercase(),
                r.get(3)?.to_owned(),
            ))
        })
        .collect()
}

fn all() -> &'static Countries {
    static COUNTRIES: OnceLock<Countries> = OnceLock::new();
    COUNTRIES.get_or_init(|| {
        let iso_english: HashMap<String, String> =
            read_names(NAMES_EN).into_iter().map(|(_, a2, _, name)| (a2, name)).collect();
        let mut english = iso_english.clone();
        let mut reader = csv::Reader::from_reader(NAMES_EN_COMMON.as_bytes());
        for record in reader.records().flatten() {
            if let (Some(code), Some(name)) = (record.get(0), record.get(1)) {
                english.insert(code.to_ascii_uppercase(), name.to_owned());
            }
        }
        let mut list: Vec<Country> = read_names(NAMES_KO)
            .into_iter()
            .map(|(numeric, alpha2, alpha3, name_ko)| Country {
                name_en: english.get(&alpha2).cloned().unwrap_or_else(|| alpha2.clone()),
                code: CountryCode([alpha2.as_bytes()[0], alpha2.as_bytes()[1]]),
                alpha3,
                numeric,
                name_ko,
            })
            .collect();
        list.sort_by_key(|c| c.code);
        let mut by_key = HashMap::new();
        for (i, c) in list.iter().enumerate() {
            by_key.insert(c.code.as_str().to_owned(), i);
            by_key.insert(c.alpha3.clone(), i);
            by_key.insert(c.name_ko.clone(), i);
            by_key.insert(c.name_en.to_uppercase(), i);
            // The ISO name is still what many files write.
            if let Some(iso) = iso_english.get(c.code.as_str()) {
                by_key.insert(iso.to_uppercase(), i);
            }
        }
        // Common short forms people type that the reference names spell out.
        for (alias, code) in [
            ("UNITED STATES", "US"),
            ("USA", "US"),
            ("UK", "GB"),
            ("UNITED KINGDOM", "GB"),
            ("SOUTH KOREA", "KR"),
            ("KOREA", "KR"),
            ("한국", "KR"),
            ("CHINA", "CN"),
            ("VIETNAM", "VN"),
        ] {
            if let Some(&i) = by_key.get(code) {
                by_key.entry(alias.to_owned()).or_insert(i);
            }
        }
        Countries { list, by_key }
    })
}

/// Every country, ordered by its two-letter code.
pub fn countries() -> &'static [Country] {
    &all().list
}

/// An ISO 3166-1 alpha-2 country code, upper case (`KR`, `US`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Parses an alpha-2 or alpha-3 code in any case, or a country's Korean or English name.
    pub fn parse(input: &str) -> Result<CountryCode, DomainError> {
        let key = input.trim();
        let countries = all();
        countries
            .by_key
            .get(&key.to_uppercase())
            .or_else(|| countries.by_key.get(key))
            .map(|&i| countries.list[i].code)
            .ok_or_else(|| DomainError::CountryUnknown(key.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        // Both bytes come from the ASCII reference file.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// The country this code names.
    pub fn country(&self) -> Option<&'static Country> {
        let countries = all();
        countries.by_key.get(self.as_str()).map(|&i| &countries.list[i])
    }

    pub fn is_korea(&self) -> bool {
        &self.0 == b"KR"
    }

    /// The name in `lang`.
    pub fn name(&self, lang: crate::Lang) -> &str {
        match self.country() {
            Some(c) if lang == crate::Lang::Ko => &c.name_ko,
            Some(c) => &c.name_en,
            None => self.as_str(),
        }
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_in_both_languages_parse() {
        let kr = CountryCode::parse("kr").unwrap();
        assert_eq!(kr.as_str(), "KR");
        assert_eq!(CountryCode::parse("KOR").unwrap(), kr);
        assert_eq!(CountryCode::parse("대한민국").unwrap(), kr);
        assert_eq!(CountryCode::parse("미국").unwrap().as_str(), "US");
        assert_eq!(CountryCode::parse("United States of America").unwrap().as_str(), "US");
        assert_eq!(kr.name(crate::Lang::Ko), "대한민국");
    }

    /// See: issue 14, point 7 (English names were ISO's formal ones).
    #[test]
    fn english_names_are_the_common_short_ones_and_the_iso_names_still_parse() {
        let name = |code: &str| CountryCode::parse(code).unwrap().name(crate::Lang::En).to_owned();
        assert_eq!(name("KR"), "South Korea");
        assert_eq!(name("TW"), "Taiwan");
        assert_eq!(name("US"), "United States");
        assert_eq!(name("GB"), "United Kingdom");
        assert_eq!(name("FR"), "France");
        for iso in ["Korea, Republic of", "Taiwan, Province of China", "Viet Nam", "south korea"] {
            assert!(CountryCode::parse(iso).is_ok(), "{iso}");
        }
        // Every override names a country that exists.
        for line in NAMES_EN_COMMON.lines().skip(1) {
            let code = line.split(',').next().unwrap();
            assert!(CountryCode::parse(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn unknown_codes_are_rejected() {
        assert!(CountryCode::parse("XX").is_err());
        assert!(CountryCode::parse("").is_err());
    }

    #[test]
    fn all_249_countries_load_with_both_names() {
        assert_eq!(countries().len(), 249);
        assert!(countries().iter().all(|c| !c.name_ko.is_empty() && !c.name_en.is_empty()));
    }
}
