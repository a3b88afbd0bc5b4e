//! Korean and English text from the translation files in `i18n/`, with locale-aware numbers and
//! dates. Keys missing from a file fall back to the key itself, and a test keeps both files in
//! step.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

const KO: &str = include_str!("../i18n/ko.json");
const EN: &str = include_str!("../i18n/en.json");

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ko,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }

    pub fn parse(text: &str) -> Option<Lang> {
        match text.trim().get(..2).map(str::to_ascii_lowercase).as_deref() {
            Some("ko") => Some(Lang::Ko),
            Some("en") => Some(Lang::En),
            _ => None,
        }
    }
}

fn load(text: &str) -> HashMap<String, String> {
    // The files ship inside the binary and a test parses them, so an error here is a build bug;
    // still, fall back to keys rather than failing requests.
    serde_json::from_str(text).unwrap_or_default()
}

fn table(lang: Lang) -> &'static HashMap<String, String> {
    static KO_TABLE: OnceLock<HashMap<String, String>> = OnceLock::new();
    static EN_TABLE: OnceLock<HashMap<String, String>> = OnceLock::new();
    match lang {
        Lang::Ko => KO_TABLE.get_or_init(|| load(KO)),
        Lang::En => EN_TABLE.get_or_init(|| load(EN)),
    }
}

/// The translator of one request.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Tr {
        Tr { lang }
    }

    /// The text of `key`, or the key when no translation exists.
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        table(self.lang).get(key).map(String::as_str).unwrap_or(key)
    }

    /// The text of `prefix.key`, for translated codes (`kind.local_firm`, `error.not_found`).
    pub fn code(&self, prefix: &str, key: &str) -> String {
        let full = format!("{prefix}.{key}");
        match table(self.lang).get(&full) {
            Some(text) => text.clone(),
            None => key.to_owned(),
        }
    }

    /// Replaces `{n}` in the text of `key` with `n` formatted for the language.
    pub fn count(&self, key: &str, n: u64) -> String {
        self.t(key).replace("{n}", &self.number(n))
    }

    /// A whole number with thousands separators (the same in Korean and English).
    pub fn number(&self, n: u64) -> String {
        let digits = n.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    /// A `YYYY-MM-DD…` date as `2026년 11월 24일` or `24 Nov 2026`.
    pub fn date(&self, iso: &str) -> String {
        let parts: Vec<u32> =
            iso.get(..10).unwrap_or("").split('-').filter_map(|p| p.parse().ok()).collect();
        let [year, month, day] = parts[..] else { return iso.to_owned() };
        const MONTHS: [&str; 12] =
            ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        match self.lang {
            Lang::Ko => format!("{year}년 {month}월 {day}일"),
            Lang::En => match MONTHS.get(month.saturating_sub(1) as usize) {
                Some(name) => format!("{day} {name} {year}"),
                None => iso.to_owned(),
            },
        }
    }

    pub fn country(&self, code: &dagak_domain::CountryCode) -> String {
        code.name(self.lang.code()).to_owned()
    }
}

/// The language of a request: the `lang` cookie, else `Accept-Language`, else Korean.
impl<S: Send + Sync> FromRequestParts<S> for Tr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let from_cookie = parts
            .headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().strip_prefix("lang="))
            .find_map(Lang::parse);
        let from_header = || {
            parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').find_map(Lang::parse))
        };
        Ok(Tr::new(from_cookie.or_else(from_header).unwrap_or(Lang::Ko)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_translation_files_parse_and_have_the_same_keys() {
        let ko: HashMap<String, String> = serde_json::from_str(KO).unwrap();
        let en: HashMap<String, String> = serde_json::from_str(EN).unwrap();
        let mut ko_keys: Vec<_> = ko.keys().collect();
        let mut en_keys: Vec<_> = en.keys().collect();
        ko_keys.sort();
        en_keys.sort();
        assert_eq!(ko_keys, en_keys);
        assert!(ko.values().chain(en.values()).all(|v| !v.trim().is_empty()));
    }

    #[test]
    fn numbers_and_dates_follow_the_language() {
        let ko = Tr::new(Lang::Ko);
        let en = Tr::new(Lang::En);
        assert_eq!(ko.number(1_234_567), "1,234,567");
        assert_eq!(en.number(999), "999");
        assert_eq!(ko.date("2026-11-24T10:00:00Z"), "2026년 11월 24일");
        assert_eq!(en.date("2026-11-24"), "24 Nov 2026");
        assert_eq!(en.date("garbage"), "garbage");
    }
}
