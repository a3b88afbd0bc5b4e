//! Korean and English text from the translation files in `i18n/`, with locale-aware numbers and
//! dates. Keys missing from a file fall back to the key itself, and a test keeps both files in
//! step.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
pub use dagak_domain::Lang;

const KO: &str = include_str!("../i18n/ko.json");
const EN: &str = include_str!("../i18n/en.json");

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

    /// A whole number with thousands separators, as the language writes it.
    pub fn number(&self, n: u64) -> String {
        self.lang.number(n)
    }

    /// A date as the language writes it: `2026년 11월 24일`, `24 Nov 2026`.
    pub fn date(&self, date: time::Date) -> String {
        self.lang.date(date)
    }

    /// A moment, in UTC to the minute: `2026년 11월 24일 09:05 UTC`.
    pub fn moment(&self, at: time::OffsetDateTime) -> String {
        let at = at.to_offset(time::UtcOffset::UTC);
        format!("{} {:02}:{:02} UTC", self.date(at.date()), at.hour(), at.minute())
    }

    /// A period between two optional dates.
    pub fn period(&self, start: Option<time::Date>, end: Option<time::Date>) -> String {
        self.lang.period(start, end)
    }

    pub fn country(&self, code: &dagak_domain::CountryCode) -> String {
        code.name(self.lang).to_owned()
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
        assert_eq!(ko.date(time::macros::date!(2026 - 11 - 24)), "2026년 11월 24일");
        assert_eq!(en.date(time::macros::date!(2026 - 11 - 24)), "24 Nov 2026");
    }
}
