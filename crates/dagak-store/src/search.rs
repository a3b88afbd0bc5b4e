//! The text free-text search finds records by, the same on every backend: what each record's
//! search text holds, how a query splits into words, and the two-character windows that answer
//! two-syllable Korean queries (구미) where trigram indexes cannot. Each backend indexes this text
//! its own way; a word matches a record when it is a substring of the record's text.

use dagak_domain::{Organization, Person, romanize_hangul, tag_spellings};

/// The names as searched: lower-cased, the Korean name also romanised. Name matches rank first.
pub fn name_text(org: &Organization) -> String {
    names_text(org.name_ko.as_deref(), org.name_en.as_deref())
}

/// [`name_text`] of the two names as stored (for tools that read rows, not organisations).
pub fn names_text(name_ko: Option<&str>, name_en: Option<&str>) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(name) = name_ko {
        parts.push(name.to_lowercase());
        parts.push(romanize_hangul(&name.to_lowercase()));
    }
    if let Some(name) = name_en {
        parts.push(name.to_lowercase());
    }
    parts.dedup();
    parts.join(" | ")
}

/// The text searched by free-text queries, lower-cased: the names, domain and business number,
/// the city, the industry tags in both languages (the glossary's names), the descriptions and
/// the titles of the people affiliated (`titles`).
pub fn search_text(org: &Organization, titles: &[String]) -> String {
    let mut parts: Vec<String> = vec![name_text(org)];
    if let Some(domain) = &org.domain {
        parts.push(domain.to_string());
    }
    if let Some(number) = &org.business_number {
        parts.push(number.digits());
    }
    if let Some(city) = &org.city {
        parts.push(city.to_lowercase());
    }
    for tag in &org.industry_tags {
        parts.extend(tag_spellings(tag));
    }
    for text in [&org.description_ko, &org.description_en].into_iter().flatten() {
        parts.push(text.to_lowercase());
    }
    for title in titles {
        parts.push(title.to_lowercase());
    }
    parts.retain(|p| !p.is_empty());
    parts.dedup();
    parts.join(" | ")
}

/// A person's search text: the displayed name and titles, lower-cased, and the emails.
pub fn person_search_text(person: &Person) -> String {
    [
        person.display_name().to_lowercase(),
        person.titles.join(" ").to_lowercase(),
        person.emails.join(" "),
    ]
    .join(" | ")
}

/// Two-character windows of every word holding a non-ASCII character.
pub fn bigrams(text: &str) -> Vec<String> {
    let mut grams = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || c == '|') {
        if word.is_ascii() {
            continue;
        }
        let chars: Vec<char> = word.chars().collect();
        for pair in chars.windows(2) {
            grams.push(pair.iter().collect::<String>());
        }
    }
    grams.sort();
    grams.dedup();
    grams
}

/// The words of a free-text query, lower-cased, without control characters (a NUL would end an
/// FTS5 query string early and turn the query into a syntax error).
pub fn search_words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// How a backend answers one query word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordIndex {
    /// Three characters or more: a trigram index.
    Trigrams,
    /// Two characters, not both ASCII: the table of two-character windows.
    Bigrams,
    /// Shorter: a scan of the text.
    Scan,
}

/// Which index answers `word` (see [`WordIndex`]).
pub fn word_index(word: &str) -> WordIndex {
    match word.chars().count() {
        n if n >= 3 => WordIndex::Trigrams,
        2 if !word.is_ascii() => WordIndex::Bigrams,
        _ => WordIndex::Scan,
    }
}

/// `%text%` with `%`, `_` and `\` escaped, for a `LIKE … ESCAPE '\'` pattern.
pub fn like_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_split_search_words() {
        assert_eq!(search_words("Gumi\u{0}메디\tTEK"), vec!["gumi", "메디", "tek"]);
    }

    #[test]
    fn bigrams_cover_only_non_ascii_words() {
        assert_eq!(bigrams("구미텍 | gumitek"), vec!["구미", "미텍"]);
    }

    #[test]
    fn words_pick_their_index_by_length_and_script() {
        assert_eq!(word_index("구미"), WordIndex::Bigrams);
        assert_eq!(word_index("gu"), WordIndex::Scan);
        assert_eq!(word_index("구"), WordIndex::Scan);
        assert_eq!(word_index("gum"), WordIndex::Trigrams);
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
