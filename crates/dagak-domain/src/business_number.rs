//! 사업자등록번호, the Korean business registration number.

use std::fmt;

use crate::DomainError;

/// A Korean business registration number (사업자등록번호): 10 digits whose last digit is a check
/// digit. Displayed as `123-45-67890`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BusinessNumber([u8; 10]);

impl BusinessNumber {
    /// Parses `123-45-67890`, `1234567890` or the same with spaces, and verifies the check digit.
    ///
    /// National Tax Service rule: multiply the first nine digits by 1,3,7,1,3,7,1,3,5, add them,
    /// add ⌊(9th digit × 5) / 10⌋, and the check digit is (10 − sum mod 10) mod 10.
    pub fn parse(input: &str) -> Result<BusinessNumber, DomainError> {
        let mut digits = [0u8; 10];
        let mut count = 0;
        for ch in input.chars() {
            match ch {
                '0'..='9' => {
                    if count == 10 {
                        return Err(DomainError::BusinessNumberLength);
                    }
                    digits[count] = ch as u8 - b'0';
                    count += 1;
                }
                '-' | ' ' => {}
                _ => return Err(DomainError::BusinessNumberLength),
            }
        }
        if count != 10 {
            return Err(DomainError::BusinessNumberLength);
        }
        const WEIGHTS: [u32; 9] = [1, 3, 7, 1, 3, 7, 1, 3, 5];
        let mut sum: u32 = digits[..9].iter().zip(WEIGHTS).map(|(&d, w)| u32::from(d) * w).sum();
        sum += u32::from(digits[8]) * 5 / 10;
        let check = (10 - sum % 10) % 10;
        if check != u32::from(digits[9]) {
            return Err(DomainError::BusinessNumberCheckDigit);
        }
        Ok(BusinessNumber(digits))
    }

    /// The ten digits without separators, as stored.
    pub fn digits(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }
}

impl fmt::Display for BusinessNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.digits();
        write!(f, "{}-{}-{}", &d[..3], &d[3..5], &d[5..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_number_parses_with_or_without_dashes() {
        // 124-81-00998 is a widely published valid number (a large Korean manufacturer).
        let with = BusinessNumber::parse("124-81-00998").unwrap();
        let without = BusinessNumber::parse("1248100998").unwrap();
        assert_eq!(with, without);
        assert_eq!(with.to_string(), "124-81-00998");
        assert_eq!(with.digits(), "1248100998");
    }

    #[test]
    fn a_wrong_check_digit_is_rejected() {
        assert_eq!(
            BusinessNumber::parse("124-81-00999"),
            Err(DomainError::BusinessNumberCheckDigit)
        );
    }

    #[test]
    fn every_last_digit_but_one_is_rejected() {
        let valid = (0..10)
            .filter(|d| BusinessNumber::parse(&format!("124810099{d}")).is_ok())
            .collect::<Vec<_>>();
        assert_eq!(valid, vec![8]);
    }

    #[test]
    fn the_ninth_digit_carry_is_applied() {
        // 9th digit 9: 9×5 = 45 adds 4 from the carry; computed by hand: check digit 7.
        // Sum: 1·1+2·3+3·7+4·1+5·3+6·7+7·1+8·3+9·5 = 165, + 4 = 169, (10 − 9) mod 10 = 1.
        assert!(BusinessNumber::parse("1234567891").is_ok());
        assert!(BusinessNumber::parse("1234567897").is_err());
    }

    #[test]
    fn wrong_lengths_and_letters_are_rejected() {
        for bad in ["", "123", "12345678901", "12a4567890", "124-81-0099"] {
            assert_eq!(BusinessNumber::parse(bad), Err(DomainError::BusinessNumberLength), "{bad}");
        }
    }
}
