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
    let a: Vec<NameProfile> = a.iter().map(|k| NameProfile::new(k)).collect();
    let b: Vec<NameProfile> = b.iter().map(|k| NameProfile::new(k)).collect();
    profile_similarity(&a, &b)
}

/// [`similarity`] of keys prepared once: finding duplicates compares each key with many others.
pub fn profile_similarity(a: &[NameProfile], b: &[NameProfile]) -> f64 {
    let mut best: f64 = 0.0;
    for x in a {
        for y in b {
            best = best.max(x.dice(y));
        }
    }
    best
}

/// A name key prepared for many comparisons: its text without whitespace and its sorted
/// character bigrams. [`NameProfile::dice`] equals `strsim::sorensen_dice` of the two keys (the
/// scale is that crate's: the denominator counts bytes) but merges two sorted lists instead of
/// building a hash map for every pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameProfile {
    text: String,
    bigrams: Vec<(char, char)>,
}

impl NameProfile {
    pub fn new(key: &str) -> NameProfile {
        let text: String = key.chars().filter(|c| !c.is_whitespace()).collect();
        let chars: Vec<char> = text.chars().collect();
        let mut bigrams: Vec<(char, char)> = chars.windows(2).map(|w| (w[0], w[1])).collect();
        bigrams.sort_unstable();
        NameProfile { text, bigrams }
    }

    /// The Sørensen–Dice similarity of the two keys, in [0, 1].
    pub fn dice(&self, other: &NameProfile) -> f64 {
        if self.text == other.text {
            return 1.0;
        }
        if self.text.len() < 2 || other.text.len() < 2 {
            return 0.0;
        }
        let (a, b) = (&self.bigrams, &other.bigrams);
        let (mut i, mut j, mut shared) = (0, 0, 0usize);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    shared += 1;
                    i += 1;
                    j += 1;
                }
            }
        }
        (2 * shared) as f64 / (self.text.len() + other.text.len() - 2) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepared_profiles_score_exactly_as_strsim() {
        let alphabet = ['a', 'b', 'c', ' ', '구', '미', '메', '\t'];
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut random = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let word = |random: &mut dyn FnMut(u64) -> u64| -> String {
            (0..random(9)).map(|_| alphabet[random(alphabet.len() as u64) as usize]).collect()
        };
        for _ in 0..20_000 {
            let (x, y) = (word(&mut random), word(&mut random));
            let expected = strsim::sorensen_dice(&x, &y);
            let got = NameProfile::new(&x).dice(&NameProfile::new(&y));
            assert!(got == expected, "{x:?} vs {y:?}: {got} != {expected}");
        }
        assert_eq!(similarity(&["구미메디칼".into()], &["구미메디칼".into()]), 1.0);
    }

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

/// The key a city is filtered and grouped by, the same in either script: lower-cased, Hangul
/// romanised, without spaces, dots or hyphens (`구미`, `Gumi` → `gumi`; `구미시`, `Gumi-si` →
/// `gumisi`).
pub fn city_key(city: &str) -> String {
    romanize_hangul(&city.trim().to_lowercase())
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.' | '\'' | '’'))
        .collect()
}

#[cfg(test)]
mod city_tests {
    use super::city_key;

    #[test]
    fn a_city_has_one_key_in_either_script() {
        assert_eq!(city_key("구미"), city_key("Gumi"));
        assert_eq!(city_key("구미시"), city_key("Gumi-si"));
        assert_eq!(city_key(" IRVINE "), "irvine");
        assert_ne!(city_key("구미"), city_key("대구"));
    }
}
