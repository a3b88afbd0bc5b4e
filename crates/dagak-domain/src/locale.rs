//! The two languages of dagak and the one way each writes dates, numbers and money.
//!
//! Pages, exports and (later) reports format through [`Lang`], so a date never reads
//! `2026-11-24` on one page and `24 Nov 2026` on the next. Machine formats (CSV, JSON) use
//! [`iso_date`] and RFC 3339 instead, which every language reads the same.

use time::Date;

/// A language of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Ko,
    En,
}

/// A currency of an amount shown to a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Currency {
    /// Korean won; whole won (no minor unit in use).
    Krw,
    /// US dollars; amounts in cents.
    Usd,
}

const MONTHS_EN: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Ko, Lang::En];

    /// The BCP 47 code: `ko` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }

    /// Reads a language tag (`ko`, `ko-KR`, `en-US;q=0.8` …) by its first two letters.
    pub fn parse(text: &str) -> Option<Lang> {
        match text.trim().get(..2).map(str::to_ascii_lowercase).as_deref() {
            Some("ko") => Some(Lang::Ko),
            Some("en") => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language, for showing a name in both.
    pub fn other(self) -> Lang {
        match self {
            Lang::Ko => Lang::En,
            Lang::En => Lang::Ko,
        }
    }

    /// Picks the text of this language from a Korean and an English one.
    pub fn pick<T>(self, ko: T, en: T) -> T {
        match self {
            Lang::Ko => ko,
            Lang::En => en,
        }
    }

    /// A date as `2026년 11월 24일` or `24 Nov 2026`.
    pub fn date(self, date: Date) -> String {
        let (year, month, day) = (date.year(), u8::from(date.month()), date.day());
        match self {
            Lang::Ko => format!("{year}년 {month}월 {day}일"),
            Lang::En => format!("{day} {} {year}", MONTHS_EN[usize::from(month) - 1]),
        }
    }

    /// A period between two optional dates: `2024년 3월 1일 – …`, open ends left blank.
    pub fn period(self, start: Option<Date>, end: Option<Date>) -> String {
        match (start, end) {
            (None, None) => String::new(),
            (Some(s), None) => format!("{} –", self.date(s)),
            (None, Some(e)) => format!("– {}", self.date(e)),
            (Some(s), Some(e)) => format!("{} – {}", self.date(s), self.date(e)),
        }
    }

    /// A whole number with thousands separators (the same in Korean and English).
    pub fn number(self, n: u64) -> String {
        group_thousands(&n.to_string())
    }

    /// A signed whole number with thousands separators.
    pub fn integer(self, n: i64) -> String {
        let grouped = self.number(n.unsigned_abs());
        if n < 0 { format!("-{grouped}") } else { grouped }
    }

    /// A number with `decimals` digits after the point and thousands separators.
    pub fn decimal(self, value: f64, decimals: usize) -> String {
        if !value.is_finite() {
            return String::from("–");
        }
        let text = format!("{:.*}", decimals, value.abs());
        let (whole, fraction) =
            text.split_once('.').map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
        let sign = if value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
            "-"
        } else {
            ""
        };
        match fraction {
            Some(fraction) => format!("{sign}{}.{fraction}", group_thousands(whole)),
            None => format!("{sign}{}", group_thousands(whole)),
        }
    }

    /// A percentage of `pct` (already ×100) with `decimals` digits: `12.5%`.
    pub fn percent(self, pct: f64, decimals: usize) -> String {
        format!("{}%", self.decimal(pct, decimals))
    }

    /// An amount of money in its minor unit (won, or US cents): `1,250,000원`, `US$12,500.00`,
    /// `KRW 1,250,000`.
    pub fn money(self, minor_units: i64, currency: Currency) -> String {
        match currency {
            Currency::Krw => match self {
                Lang::Ko => format!("{}원", self.integer(minor_units)),
                Lang::En => format!("KRW {}", self.integer(minor_units)),
            },
            Currency::Usd => {
                let sign = if minor_units < 0 { "-" } else { "" };
                let cents = minor_units.unsigned_abs();
                let amount = format!("{}.{:02}", self.number(cents / 100), cents % 100);
                match self {
                    Lang::Ko => format!("{sign}{amount}달러"),
                    Lang::En => format!("{sign}US${amount}"),
                }
            }
        }
    }
}

fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A date written `YYYY-MM-DD`, if it is one.
pub fn parse_iso_date(text: &str) -> Option<Date> {
    Date::parse(text.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// A date as `YYYY-MM-DD`, the form of files and the API.
pub fn iso_date(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// A timestamp in UTC to the second, `2026-11-24T10:00:00Z`: RFC 3339, always the same width
/// (so the text sorts as the times do), the form of the API and of stored timestamps.
pub fn iso_timestamp(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!("{}T{:02}:{:02}:{:02}Z", iso_date(at.date()), at.hour(), at.minute(), at.second())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_read_as_each_language_writes_them() {
        assert_eq!(Lang::Ko.date(date!(2026 - 11 - 24)), "2026년 11월 24일");
        assert_eq!(Lang::En.date(date!(2026 - 01 - 05)), "5 Jan 2026");
        assert_eq!(iso_date(date!(0987 - 03 - 04)), "0987-03-04");
        let at = time::macros::datetime!(2026-11-24 19:05:09.75 +09:00);
        assert_eq!(iso_timestamp(at), "2026-11-24T10:05:09Z");
        assert_eq!(Lang::En.period(Some(date!(2024 - 03 - 01)), None), "1 Mar 2024 –");
        assert_eq!(Lang::Ko.period(None, None), "");
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(Lang::Ko.number(1_234_567), "1,234,567");
        assert_eq!(Lang::En.number(999), "999");
        assert_eq!(Lang::En.integer(-1_000), "-1,000");
        assert_eq!(Lang::En.decimal(12_345.678, 1), "12,345.7");
        assert_eq!(Lang::En.decimal(-0.04, 1), "0.0");
        assert_eq!(Lang::Ko.percent(37.25, 1), "37.2%");
        assert_eq!(Lang::Ko.decimal(f64::NAN, 1), "–");
    }

    #[test]
    fn money_carries_its_currency_in_each_language() {
        assert_eq!(Lang::Ko.money(1_250_000, Currency::Krw), "1,250,000원");
        assert_eq!(Lang::En.money(1_250_000, Currency::Krw), "KRW 1,250,000");
        assert_eq!(Lang::En.money(1_250_005, Currency::Usd), "US$12,500.05");
        assert_eq!(Lang::Ko.money(-99, Currency::Usd), "-0.99달러");
    }

    #[test]
    fn language_tags_are_read_by_their_first_letters() {
        assert_eq!(Lang::parse("ko-KR"), Some(Lang::Ko));
        assert_eq!(Lang::parse(" EN-us;q=0.8"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::parse("k"), None);
        assert_eq!(Lang::Ko.other(), Lang::En);
    }
}
