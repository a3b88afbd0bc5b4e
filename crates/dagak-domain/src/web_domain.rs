//! Web domains, the key for finding foreign organisations twice.

use std::fmt;

use crate::DomainError;

/// A lower-case host name without scheme, `www.`, port or path: `example.com`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WebDomain(String);

impl WebDomain {
    /// Accepts `https://www.Example.com/about`, `example.com` or `Example.COM:443`.
    pub fn parse(input: &str) -> Result<WebDomain, DomainError> {
        let err = || DomainError::WebDomain(input.trim().to_owned());
        let mut host = input.trim().to_ascii_lowercase();
        if let Some(pos) = host.find("://") {
            host.drain(..pos + 3);
        }
        if let Some(pos) = host.find(['/', '?', '#']) {
            host.truncate(pos);
        }
        if let Some(pos) = host.rfind(':') {
            host.truncate(pos);
        }
        if let Some(rest) = host.strip_prefix("www.") {
            host = rest.to_owned();
        }
        let host = host.trim_end_matches('.');
        let labels: Vec<&str> = host.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        let tld_ok = labels.last().is_some_and(|t| t.bytes().any(|b| b.is_ascii_alphabetic()));
        if labels.len() < 2 || host.len() > 253 || !labels.iter().all(label_ok) || !tld_ok {
            return Err(err());
        }
        Ok(WebDomain(host.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WebDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_reduced_to_their_host() {
        for input in
            ["https://www.Example.com/about", "example.com", "EXAMPLE.com:443", "www.example.com."]
        {
            assert_eq!(WebDomain::parse(input).unwrap().as_str(), "example.com", "{input}");
        }
        assert_eq!(WebDomain::parse("gumi.go.kr").unwrap().as_str(), "gumi.go.kr");
    }

    #[test]
    fn non_domains_are_rejected() {
        for bad in ["", "localhost", "exa mple.com", "-a.com", "a..com", "구미.kr", "1.2.3.4"] {
            assert!(WebDomain::parse(bad).is_err(), "{bad}");
        }
    }
}
