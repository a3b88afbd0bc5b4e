//! Refuses state-changing requests that a browser sends on behalf of another site (cross-site
//! request forgery): a page elsewhere must not be able to create, merge or delete records through
//! a reader's browser, which can reach `127.0.0.1` or the office network.
//!
//! Browsers say where a request comes from: `Sec-Fetch-Site` (every current browser) or, failing
//! that, `Origin`. A write is let through when it comes from this site, was typed by the user
//! (`none`), or carries neither header (curl, scripts and the command line are not browsers and
//! cannot be forged into sending requests). No token is needed in forms.

use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::i18n::Tr;
use crate::web::PageError;

pub(crate) async fn same_origin_writes(t: Tr, request: Request, next: Next) -> Response {
    if is_cross_site_write(request.method(), request.headers()) {
        tracing::warn!(
            method = %request.method(),
            path = request.uri().path(),
            "refused a cross-site write"
        );
        if request.uri().path().starts_with("/api/") {
            return ApiError::CrossSite.into_response();
        }
        return PageError(ApiError::CrossSite, t).into_response();
    }
    next.run(request).await
}

fn is_cross_site_write(method: &Method, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else { return false };
    let Ok(origin) = origin.to_str() else { return true };
    let authority = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match (authority, host) {
        (Some(authority), Some(host)) => !authority.eq_ignore_ascii_case(host),
        // `Origin: null` (a sandboxed frame, a file) or an origin without a host to compare.
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn writes_from_other_sites_are_refused() {
        let post = &Method::POST;
        assert!(is_cross_site_write(post, &headers(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site_write(&Method::DELETE, &headers(&[("sec-fetch-site", "same-site")])));
        assert!(is_cross_site_write(
            post,
            &headers(&[("origin", "http://evil.example"), ("host", "127.0.0.1:8080")])
        ));
        assert!(is_cross_site_write(post, &headers(&[("origin", "null"), ("host", "a")])));
        // This site, a typed request, or no browser at all.
        assert!(!is_cross_site_write(post, &headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!is_cross_site_write(post, &headers(&[("sec-fetch-site", "none")])));
        assert!(!is_cross_site_write(
            post,
            &headers(&[("origin", "http://127.0.0.1:8080"), ("host", "127.0.0.1:8080")])
        ));
        assert!(!is_cross_site_write(post, &headers(&[])));
        // Reads are never refused.
        assert!(!is_cross_site_write(&Method::GET, &headers(&[("sec-fetch-site", "cross-site")])));
    }
}
