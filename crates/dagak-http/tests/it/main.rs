//! HTTP tests without a socket: the router answers requests over a SQLite temporary store.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod api;
mod conflicts;
mod lists;
mod pages;
mod snapshots;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use dagak_http::{AppState, router};
use dagak_service::{Acting, Service};
use dagak_store_sqlite::SqliteStore;
use tower::ServiceExt as _;

pub(crate) struct TestApp {
    pub router: Router,
    /// The service as the command line (an administrator), to set the scene.
    pub service: Acting,
    /// Shared by the servers over the same database; removed with the last of them.
    dir: Arc<TestDb>,
    /// The browser session every request of [`TestApp::send`] carries, if any.
    pub session: Option<Session>,
}

/// A signed-in browser: its cookie's secret and its forms' CSRF token.
#[derive(Clone)]
pub(crate) struct Session {
    pub secret: String,
    pub csrf: String,
}

/// The password of the accounts the tests create.
pub(crate) const PASSWORD: &str = "correct horse battery staple";

/// An application over a fresh database, signed in as an administrator.
pub(crate) async fn app() -> TestApp {
    let mut app = anonymous_app().await;
    let admin = dagak_domain::UserDraft {
        email: "admin@gumi.go.kr".into(),
        display_name: "관리자".into(),
        role: "admin".into(),
        lang: "ko".into(),
        organization: String::new(),
    };
    let user = app.service.create_user(&admin, PASSWORD).await.unwrap();
    app.session = Some(app.sign_in_as(user.id).await);
    app
}

/// An application over a fresh database, with no account and no session.
pub(crate) async fn anonymous_app() -> TestApp {
    let dir = TestDb::new();
    let service = Service::new(dir.store().await);
    service.migrate().await.unwrap();
    TestApp {
        router: router(AppState::new(service.clone())),
        service: service.as_command_line(),
        dir: Arc::new(dir),
        session: None,
    }
}

/// A second application server over the database of `app` (or the same one after a restart),
/// reading the time from `clock`; the same session works there.
pub(crate) async fn server_beside(app: &TestApp, clock: Arc<dyn dagak_service::Clock>) -> TestApp {
    let service = Service::with_clock(app.dir.store().await, clock);
    service.migrate().await.unwrap();
    TestApp {
        router: router(AppState::new(service.clone())),
        service: service.as_command_line(),
        dir: app.dir.clone(),
        session: app.session.clone(),
    }
}

/// Loads Gumi's published figures (`data/gumi/`) as the demo does.
pub(crate) async fn load_gumi(service: &Acting) {
    let file = |name: &str, bytes: &[u8]| dagak_service::ImportFile {
        name: name.into(),
        bytes: bytes.to_vec(),
    };
    let files = dagak_service::region::RegionFiles {
        annual: file("annual.csv", include_bytes!("../../../../data/gumi/gumi_exports_annual.csv")),
        destinations: file(
            "destinations.csv",
            include_bytes!("../../../../data/gumi/gumi_export_destination_shares.csv"),
        ),
        products: file(
            "products.csv",
            include_bytes!("../../../../data/gumi/gumi_export_item_shares.csv"),
        ),
    };
    service.load_region_figures(&files).await.unwrap();
}

pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

impl TestApp {
    /// Starts a session of `user` as the login page would.
    pub(crate) async fn sign_in_as(&self, user: dagak_domain::UserId) -> Session {
        let signed = self.service.start_session(user).await.unwrap();
        let csrf = signed.actor.csrf_token().unwrap().to_owned();
        Session { secret: signed.secret, csrf }
    }

    /// This application with another session (or none).
    pub(crate) fn with_session(&self, session: Option<Session>) -> TestApp {
        TestApp {
            router: self.router.clone(),
            service: self.service.clone(),
            dir: self.dir.clone(),
            session,
        }
    }

    pub(crate) fn csrf(&self) -> String {
        self.session.as_ref().map(|s| s.csrf.clone()).unwrap_or_default()
    }

    /// Sends `request` with the session's cookie; API requests and any request that is not a
    /// form also get the CSRF header (forms carry the token as a field, as the pages do).
    pub(crate) async fn send(&self, mut request: Request<Body>) -> Answer {
        if let Some(session) = &self.session {
            let headers = request.headers_mut();
            let cookie = format!("dagak_session={}", session.secret);
            let merged = match headers.get(header::COOKIE).and_then(|v| v.to_str().ok()) {
                Some(existing) => format!("{existing}; {cookie}"),
                None => cookie,
            };
            headers.insert(header::COOKIE, merged.parse().unwrap());
            let is_form = headers.get(header::CONTENT_TYPE).is_some_and(|v| {
                let v = v.to_str().unwrap_or("");
                v.starts_with("application/x-www-form-urlencoded")
                    || v.starts_with("multipart/form-data")
            });
            if (!is_form || request.uri().path().starts_with("/api/"))
                && !request.headers().contains_key("x-csrf-token")
            {
                let csrf = session.csrf.parse().unwrap();
                request.headers_mut().insert("x-csrf-token", csrf);
            }
        }
        self.send_raw(request).await
    }

    /// Sends `request` exactly as built.
    pub(crate) async fn send_raw(&self, request: Request<Body>) -> Answer {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap().to_vec();
        Answer { status, headers, body }
    }

    pub(crate) async fn get(&self, uri: &str, lang: Option<&str>) -> Answer {
        let mut request = Request::get(uri);
        if let Some(lang) = lang {
            request = request.header(header::COOKIE, format!("lang={lang}"));
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// Sends `body` as it is, labelled JSON (to try bodies that are not).
    pub(crate) async fn json_text(&self, method: &str, uri: &str, body: &str) -> Answer {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap();
        self.send(request).await
    }

    pub(crate) async fn json(&self, method: &str, uri: &str, body: serde_json::Value) -> Answer {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(request).await
    }

    /// Posts a form as the pages do, with the session's CSRF token as a field.
    pub(crate) async fn form(&self, uri: &str, fields: &[(&str, &str)], lang: &str) -> Answer {
        let csrf = self.csrf();
        let body = std::iter::once(&("_csrf", csrf.as_str()))
            .chain(fields)
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let request = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("lang={lang}"))
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    pub(crate) async fn upload(&self, uri: &str, files: &[(&str, &[u8])]) -> Answer {
        self.upload_with(Request::post(uri), files).await
    }

    /// Uploads `files` as multipart form data with the headers already set on `request`.
    pub(crate) async fn upload_with(
        &self,
        request: axum::http::request::Builder,
        files: &[(&str, &[u8])],
    ) -> Answer {
        self.upload_form(request, &[], files).await
    }

    /// Uploads text `fields` and `files` as one multipart form.
    pub(crate) async fn upload_form(
        &self,
        request: axum::http::request::Builder,
        fields: &[(&str, &str)],
        files: &[(&str, &[u8])],
    ) -> Answer {
        let boundary = "dagakboundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        let csrf = self.csrf();
        for (name, value) in std::iter::once(&("_csrf", csrf.as_str())).chain(fields) {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
        }
        for (name, bytes) in files {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let request = request
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }
}

pub(crate) fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The test binary this is: `it` runs every test on SQLite, `it_postgres` (the same sources,
/// built twice: see Cargo.toml) on PostgreSQL, on the throwaway server of `dagak_testkit`.
pub(crate) fn on_postgres() -> bool {
    env!("CARGO_CRATE_NAME") == "it_postgres"
}

/// One test's database on this binary's backend: a file in a temporary directory, or a fresh
/// PostgreSQL database. Each [`TestDb::store`] opens the same one again (a second server).
pub(crate) struct TestDb {
    dir: tempfile::TempDir,
    url: Option<String>,
}

impl TestDb {
    pub(crate) fn new() -> TestDb {
        let url = on_postgres().then(dagak_testkit::postgres::database);
        TestDb { dir: tempfile::tempdir().unwrap(), url }
    }

    /// A store over the database, not migrated.
    pub(crate) async fn store(&self) -> Arc<dyn dagak_store::Store> {
        match &self.url {
            Some(url) => Arc::new(dagak_store_postgres::PgStore::connect(url).await.unwrap()),
            None => Arc::new(SqliteStore::open(self.dir.path().join("test.db")).unwrap()),
        }
    }
}
