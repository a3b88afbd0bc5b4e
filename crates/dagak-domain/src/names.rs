//! Name normalisation for finding the same organisation under Korean, English and romanised names.

use unicode_normalization::UnicodeNormalization;

/// Legal-form words that say nothing about which organisation is meant.
const LEGAL_FORMS_KO: [&str; 6] = ["(주)", "주식회사", "유한회사", "(유)", "재단법인", "사단법인"];
const LEGAL_FORMS_EN: [&str; 13] = [
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "ltd",
    "limited",
    "llc",
    "plc",
    "gmbh",
    "the",
    "lp",
];

/// Lower-cases, applies NFKC (so `㈜` becomes `(주)` and full-width letters become ASCII), drops
/// legal forms and keeps only letters and digits: `(주)구미 메디칼` → `구미메디칼`,
/// `Acme Medical, Inc.` → `acmemedical`.
pub fn normalize_name(name: &str) -> String {
    let mut text: String = name.nfkc().collect::<String>().to_lowercase();
    for form in LEGAL_FORMS_KO {
        text = text.replace(form, " ");
    }
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty() && !LEGAL_FORMS_EN.contains(word))
        .collect()
}

const INITIALS: [&str; 19] = [
    "g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p",
    "h",
];
const MEDIALS: [&str; 21] = [
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we",
    "wi", "yu", "eu", "ui", "i",
];
const FINALS: [&str; 28] = [
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p",
    "t", "t", "ng", "t", "t", "k", "t", "p", "t",
];

/// Romanises Hangul syllables by the Revised Romanization of Korean, syllable by syllable (without
/// the sound changes across syllables): `구미` → `gumi`, `대구` → `daegu`. Other characters pass
/// through unchanged.
pub fn romanize_hangul(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for ch in text.chars() {
        let code = ch as u32;
        if (0xAC00..=0xD7A3).contains(&code) {
            let index = (code - 0xAC00) as usize;
            out.push_str(INITIALS[index / (21 * 28)]);
            out.push_str(MEDIALS[(index % (21 * 28)) / 28]);
            out.push_str(FINALS[index % 28]);
        } else {
            out.push(ch);
        }
    }
    out
}

/// The comparison keys of an organisation's names: each name normalised, and each name holding
/// Hangul also romanised. Sorted and without repeats.
pub fn name_keys<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut keys = Vec::new();
    for name in names {
        let key = normalize_name(name);
        if key.is_empty() {
            continue;
        }
        if key.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c)) {
            keys.push(romanize_hangul(&key));
        }
        keys.push(key);
    }
    keys.sort();
    keys.dedup();
    keys
}

/// The best Sørensen–Dice similarity (over character bigrams) between any key of `a` and any key
/// of `b`, in [0, 1]; 1 for an exact match.
pub fn similarity(a: &[String], b: &[String]) -> f64 {
    let mut best: f64 = 0.0;
    for x in a {
        for y in b {
            let score = if x == y { 1.0 } else { strsim::sorensen_dice(x, y) };
            best = best.max(score);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_forms_punctuation_and_case_are_dropped() {
        assert_eq!(normalize_name("Acme Medical, Inc."), "acmemedical");
        assert_eq!(normalize_name("㈜구미 메디칼"), "구미메디칼");
        assert_eq!(normalize_name("주식회사 구미메디칼"), "구미메디칼");
        assert_eq!(normalize_name("ＡＢＣ Co., Ltd."), "abc");
    }

    #[test]
    fn hangul_is_romanised_by_the_revised_romanization() {
        assert_eq!(romanize_hangul("구미"), "gumi");
        assert_eq!(romanize_hangul("대구 경북"), "daegu gyeongbuk");
        assert_eq!(romanize_hangul("한국"), "hanguk");
    }

    #[test]
    fn a_korean_name_matches_its_romanised_english_name() {
        let ko = name_keys(["구미텍"]);
        let en = name_keys(["Gumitek Co., Ltd."]);
        assert!(similarity(&ko, &en) > 0.8, "{ko:?} {en:?}");
        let other = name_keys(["Seattle Aerospace"]);
        assert!(similarity(&ko, &other) < 0.3);
    }
}
