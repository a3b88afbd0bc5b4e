//! Sorting names as each language's readers expect (CLDR's collation through ICU4X): `Åland`
//! beside `Aland`, not after `Zambia`; Korean by 가나다 with Latin names after. Lists sorted in
//! memory use [`Lang::compare`]; lists sorted by the store use [`Lang::sort_key`], whose bytes
//! compare as the names do.

use std::cmp::Ordering;
use std::sync::OnceLock;

use icu_collator::options::{CollatorOptions, Strength};
use icu_collator::{Collator, CollatorBorrowed};
use icu_locale_core::locale;

use crate::Lang;

/// What the stored keys were made with (the sort keys by ICU4X, the city keys by
/// [`crate::city_key`]): a store whose keys were made otherwise computes them again (ICU4X does
/// not promise stable keys across its versions).
pub const COLLATION_VERSION: &str = "sort: icu_collator 2.4 CLDR secondary; city: romanised v1";

/// The collator of `lang`: full strength for comparing in memory, or (`keys`) secondary strength
/// for stored sort keys, which are a third shorter and order case-insensitively, as the lists
/// did before (a tie goes by id).
fn collator(lang: Lang, keys: bool) -> &'static CollatorBorrowed<'static> {
    static CELLS: [OnceLock<CollatorBorrowed<'static>>; 4] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let index = usize::from(lang == Lang::En) * 2 + usize::from(keys);
    CELLS[index].get_or_init(|| {
        let locale = match lang {
            Lang::Ko => locale!("ko"),
            Lang::En => locale!("en"),
        };
        let mut options = CollatorOptions::default();
        if keys {
            options.strength = Some(Strength::Secondary);
        }
        // The compiled data holds both locales: this cannot fail at run time.
        #[allow(clippy::expect_used)]
        Collator::try_new(locale.into(), options)
            .expect("ICU4X's compiled data has the ko and en collations")
    })
}

impl Lang {
    /// Compares two names as this language's readers sort them.
    pub fn compare(self, a: &str, b: &str) -> Ordering {
        collator(self, false).compare(a, b)
    }

    /// A key whose byte order is this language's order of names, as lowercase hex (so that it
    /// stores as text and compares as bytes).
    pub fn sort_key(self, text: &str) -> String {
        let mut key: Vec<u8> = Vec::with_capacity(text.len() * 3);
        let Ok(()) = collator(self, true).write_sort_key_to(text, &mut key);
        let mut hex = String::with_capacity(key.len() * 2);
        for byte in key {
            hex.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
            hex.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
        }
        hex
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_sorts_accented_names_with_their_letters() {
        let mut names = vec![
            "Zambia",
            "Åland Islands",
            "Afghanistan",
            "Réunion",
            "Russia",
            "Côte d’Ivoire",
            "Cuba",
        ];
        names.sort_by(|a, b| Lang::En.compare(a, b));
        assert_eq!(
            names,
            [
                "Afghanistan",
                "Åland Islands",
                "Côte d’Ivoire",
                "Cuba",
                "Réunion",
                "Russia",
                "Zambia"
            ]
        );
    }

    #[test]
    fn korean_sorts_by_syllables_and_the_keys_sort_as_the_names() {
        let mut names = vec!["한국", "Zambia", "가나", "일본", "독일"];
        names.sort_by(|a, b| Lang::Ko.compare(a, b));
        assert_eq!(names, ["가나", "독일", "일본", "한국", "Zambia"]);
        for lang in [Lang::Ko, Lang::En] {
            let mut keyed = names.clone();
            keyed.sort_by_key(|n| lang.sort_key(n));
            let mut compared = names.clone();
            compared.sort_by(|a, b| lang.compare(a, b));
            assert_eq!(keyed, compared, "{lang:?}");
        }
        assert!(Lang::En.sort_key("Åland") < Lang::En.sort_key("Zambia"));
        assert!(Lang::En.sort_key("a").chars().all(|c| c.is_ascii_hexdigit()));
    }
}
