//! Links between the pages of a list, and query strings that keep the reader's filters.

use dagak_service::Listing;

use crate::Tr;

/// The pager under a list: where the reader is and the links to the neighbouring pages.
pub(crate) struct Pager {
    pub(crate) page: u64,
    /// The number of pages, formatted: `3`, or `40+` when the count stopped.
    pub(crate) pages: String,
    /// The number of matches, formatted: `1,234`, or `1,000+` when the count stopped there.
    pub(crate) total: String,
    pub(crate) prev_url: Option<String>,
    pub(crate) next_url: Option<String>,
}

impl Pager {
    /// The pager of `listing` at `path`, whose links keep `params` (empty values are left out).
    pub(crate) fn new<T>(
        t: Tr,
        listing: &Listing<T>,
        path: &str,
        params: &[(&str, &str)],
    ) -> Pager {
        let pages = listing.pages();
        let page = listing.page;
        let url_for = |n: u64| {
            let n = n.to_string();
            let mut all = params.to_vec();
            all.push(("page", &n));
            format!("{path}?{}", query_string(&all))
        };
        let more = if listing.capped { "+" } else { "" };
        Pager {
            page,
            pages: format!("{}{more}", t.number(pages)),
            total: format!("{}{more}", t.number(listing.total)),
            prev_url: (page > 1).then(|| url_for(page - 1)),
            next_url: listing.has_next().then(|| url_for(page + 1)),
        }
    }

    /// The pager of a list that could not be read (an invalid filter): one empty page.
    pub(crate) fn empty(t: Tr) -> Pager {
        Pager { page: 1, pages: t.number(1), total: t.number(0), prev_url: None, next_url: None }
    }
}

/// `a=1&b=x%20y`, leaving out empty values.
pub(crate) fn query_string(params: &[(&str, &str)]) -> String {
    let pairs: Vec<String> = params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect();
    pairs.join("&")
}

/// `path?query`, or `path` alone when no parameter is set.
pub(crate) fn url_with(path: &str, params: &[(&str, &str)]) -> String {
    let query = query_string(params);
    if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass through).
pub(crate) fn url_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lang;

    #[test]
    fn the_pager_links_keep_the_filters_and_stop_at_the_ends() {
        let listing: Listing<()> =
            Listing { items: Vec::new(), total: 51, capped: false, page: 2, per_page: 25 };
        let pager =
            Pager::new(Tr::new(Lang::En), &listing, "/people", &[("q", "김 민"), ("x", "")]);
        assert_eq!((pager.page, pager.pages.as_str(), pager.total.as_str()), (2, "3", "51"));
        assert_eq!(pager.prev_url.as_deref(), Some("/people?q=%EA%B9%80%20%EB%AF%BC&page=1"));
        assert_eq!(pager.next_url.as_deref(), Some("/people?q=%EA%B9%80%20%EB%AF%BC&page=3"));
        let last: Listing<()> =
            Listing { items: Vec::new(), total: 51, capped: false, page: 3, per_page: 25 };
        assert!(Pager::new(Tr::new(Lang::En), &last, "/people", &[]).next_url.is_none());
        assert_eq!(url_with("/people", &[("q", "")]), "/people");
    }

    #[test]
    fn a_capped_count_says_there_are_more_and_pages_on() {
        let full: Listing<u8> =
            Listing { items: vec![0; 25], total: 1000, capped: true, page: 40, per_page: 25 };
        let pager = Pager::new(Tr::new(Lang::En), &full, "/organizations", &[("q", "pac")]);
        assert_eq!((pager.pages.as_str(), pager.total.as_str()), ("40+", "1,000+"));
        assert_eq!(pager.next_url.as_deref(), Some("/organizations?q=pac&page=41"));
        // A page past the count that is not full is the last.
        let short: Listing<u8> =
            Listing { items: vec![0; 3], total: 1000, capped: true, page: 41, per_page: 25 };
        assert!(Pager::new(Tr::new(Lang::En), &short, "/organizations", &[]).next_url.is_none());
    }
}
