//! Signing in, sessions, CSRF tokens, API tokens and the first run, over the real router.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use dagak_domain::UserDraft;
use std::sync::Arc;

use serde_json::json;

use crate::{Answer, PASSWORD, Session, TestApp, anonymous_app, app};

fn draft(email: &str, role: &str) -> UserDraft {
    UserDraft { email: email.into(), role: role.into(), lang: "en".into(), ..Default::default() }
}

/// A concrete URL for a route's path: parameters filled in.
fn concrete(path: &str) -> String {
    path.replace("{id}", "1").replace("{token}", "0123abcd").replace("{code}", "en")
}

fn request(method: &str, uri: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::builder().method(method.to_uppercase().as_str()).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let body = if method == "get" { Body::empty() } else { Body::from("{}") };
    builder.header(header::CONTENT_TYPE, "application/json").body(body).unwrap()
}

fn set_cookie(answer: &Answer, name: &str) -> Option<String> {
    answer
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

fn location(answer: &Answer) -> String {
    answer.headers.get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

/// The session a login answer started.
fn session_of(answer: &Answer) -> String {
    let cookie = set_cookie(answer, "dagak_session").expect("a session cookie");
    cookie.split(';').next().unwrap().trim_start_matches("dagak_session=").to_owned()
}

/// The CSRF token of a page's forms.
fn csrf_in(html: &str) -> String {
    html.split("name=\"_csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned()
}

/// Logs in through the login form; returns the answer.
async fn login(app: &TestApp, email: &str, password: &str) -> Answer {
    let body = format!("email={}&password={}&next=%2Fpeople", enc(email), enc(password));
    app.send_raw(
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, "lang=en")
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() { char::from(b).to_string() } else { format!("%{b:02X}") }
        })
        .collect()
}

/// A session from a login answer, with the CSRF token of the page it leads to.
async fn browser_session(app: &TestApp, answer: &Answer) -> Session {
    let secret = session_of(answer);
    let page = app
        .send_raw(
            Request::get("/account")
                .header(header::COOKIE, format!("dagak_session={secret}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    Session { secret, csrf: csrf_in(&page.text()) }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_but_the_public_ones_needs_a_session_or_a_token() {
    let signed_in = app().await;
    let created = signed_in
        .json(
            "POST",
            "/api/v1/organizations",
            json!({"kind": "foreign_firm", "country": "US", "name_en": "Secret Sensors Inc"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let stranger = signed_in.with_session(None);

    let routes = dagak_http::routes();
    let protected: Vec<_> = routes.iter().filter(|r| !r.public).collect();
    assert!(protected.len() > 40, "the router lists its routes: {}", protected.len());
    let strangers: [&[(&str, &str)]; 3] = [
        &[],
        &[("cookie", "dagak_session=00000000000000000000000000000000")],
        &[("authorization", "Bearer dagak_0000")],
    ];
    for route in &protected {
        let uri = concrete(&route.path);
        for headers in strangers {
            let answer = stranger.send_raw(request(route.method, &uri, headers)).await;
            let what = format!("{} {uri} {headers:?}", route.method);
            assert!(!answer.text().contains("Secret Sensors"), "{what} leaked data");
            let bearer = headers.iter().any(|(k, _)| *k == "authorization");
            if route.path.starts_with("/api/") {
                assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{what}: {}", answer.text());
                assert_eq!(answer.json()["error"]["code"], "unauthenticated", "{what}");
                assert_eq!(answer.headers[header::WWW_AUTHENTICATE], "Bearer", "{what}");
            } else if bearer {
                // A script that sent a bad token to a page is told so, not sent to a form.
                assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{what}: {}", answer.text());
            } else {
                assert_eq!(answer.status, StatusCode::SEE_OTHER, "{what}: {}", answer.text());
                assert!(location(&answer).starts_with("/login?next="), "{what}");
            }
        }
    }
    // A page remembers where the reader was going.
    let answer = stranger.send_raw(request("get", "/people?q=%EA%B5%AC", &[])).await;
    assert_eq!(location(&answer), "/login?next=/people%3Fq%3D%25EA%25B5%25AC");

    // The public few answer strangers without data.
    let public: Vec<_> = routes.iter().filter(|r| r.public).map(|r| r.path.as_str()).collect();
    for path in [
        "/login",
        "/setup/{token}",
        "/lang/{code}",
        "/static/app.css",
        "/static/app.js",
        "/healthz",
        "/api/v1/openapi.json",
        "/login/code",
    ] {
        assert!(public.contains(&path), "{path} is public: {public:?}");
    }
    assert_eq!(public.len(), 10, "{public:?}");
    for (method, uri, status) in [
        ("get", "/login", StatusCode::OK),
        ("get", "/healthz", StatusCode::OK),
        ("get", "/static/app.css", StatusCode::OK),
        ("get", "/static/app.js", StatusCode::OK),
        ("get", "/api/v1/openapi.json", StatusCode::OK),
        ("get", "/setup/0123abcd", StatusCode::NOT_FOUND),
        ("get", "/lang/en?next=/people", StatusCode::SEE_OTHER),
    ] {
        let answer = stranger.send_raw(request(method, uri, &[])).await;
        assert_eq!(answer.status, status, "{uri}");
        assert!(!answer.text().contains("Secret Sensors"), "{uri}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_starts_an_http_only_session_and_logout_ends_it() {
    let app = anonymous_app().await;
    app.service.create_user(&draft("staff@gumi.go.kr", "staff"), PASSWORD).await.unwrap();

    let page = app.get("/login?next=/people", Some("en")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("name=\"next\" value=\"/people\""));
    assert!(!page.text().contains("id=\"user-menu\""), "no menu before signing in");
    let ko = app.get("/login", Some("ko")).await.text();
    assert!(ko.contains("<h1>로그인</h1>"), "the language switch works before login");

    // Wrong password and unknown account: the same answer.
    let wrong = login(&app, "staff@gumi.go.kr", "not my password at all").await;
    let unknown = login(&app, "nobody@gumi.go.kr", "not my password at all").await;
    assert_eq!(
        (wrong.status, unknown.status),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    let message = |a: &Answer| a.text().split("id=\"login-error\">").nth(1).unwrap().to_owned();
    assert_eq!(message(&wrong).split('<').next(), message(&unknown).split('<').next());
    assert!(set_cookie(&wrong, "dagak_session").is_none());

    let ok = login(&app, "Staff@gumi.go.kr", PASSWORD).await;
    assert_eq!((ok.status, location(&ok).as_str()), (StatusCode::SEE_OTHER, "/people"));
    let cookie = set_cookie(&ok, "dagak_session").unwrap();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=604800"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP without a trusted proxy: {cookie}");
    assert_eq!(set_cookie(&ok, "lang").unwrap().split(';').next(), Some("lang=en"));
    let session = browser_session(&app, &ok).await;
    let me = app.with_session(Some(session.clone()));
    let people = me.get("/people", Some("en")).await;
    assert_eq!(people.status, StatusCode::OK);
    assert!(people.text().contains("Signed in as"), "{}", people.text());
    let who = me.get("/api/v1/me", None).await.json();
    assert_eq!(
        (who["email"].as_str(), who["role"].as_str()),
        (Some("staff@gumi.go.kr"), Some("staff"))
    );
    assert_eq!(who["credential"], "session");
    assert_eq!(who["csrf_token"], session.csrf.as_str());

    // Logging out ends the session on the server, not only in the browser.
    let out = me.form("/logout", &[], "en").await;
    assert_eq!((out.status, location(&out).as_str()), (StatusCode::SEE_OTHER, "/login"));
    assert!(set_cookie(&out, "dagak_session").unwrap().contains("Max-Age=0"));
    let after = me.get("/people", Some("en")).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(me.get("/api/v1/me", None).await.status, StatusCode::UNAUTHORIZED);
    // A login page never sends the reader back to a foreign site.
    let body =
        format!("email=staff%40gumi.go.kr&password={}&next=%2F%2Fevil.example", enc(PASSWORD));
    let sneaky = app
        .send_raw(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(location(&sneaky), "/");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_of_a_session_without_its_csrf_token_are_refused_and_change_nothing() {
    let app = app().await;
    let form_post = |body: String| {
        Request::post("/organizations")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, "lang=en")
            .body(Body::from(body))
            .unwrap()
    };
    let fields = "kind=association&country=US&name_en=Forged+Society";
    for body in [
        fields.to_owned(),
        format!("_csrf=&{fields}"),
        format!("_csrf={}&{fields}", "f".repeat(64)),
    ] {
        // `send` adds no header to a form: the field decides.
        let refused = app.send(form_post(body.clone())).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{body}");
        assert!(refused.text().contains("reload the page"), "{}", refused.text());
    }
    // The API with a session needs the header; a wrong one is refused too.
    let api = |csrf: &str| {
        Request::post("/api/v1/organizations")
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-csrf-token", csrf)
            .body(Body::from(r#"{"kind":"association","country":"US","name_en":"Forged API"}"#))
            .unwrap()
    };
    let refused = app.send(api("wrong")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["error"]["code"], "csrf_token_invalid");
    // A multipart import without the field.
    let upload = Request::post("/import").header("x-csrf-token", "wrong");
    let refused =
        app.upload_with(upload, &[("a.csv", b"kind,name_en,country\nassociation,X,US\n")]);
    assert_eq!(refused.await.status, StatusCode::FORBIDDEN);
    let listed = app.get("/api/v1/organizations", None).await.json();
    assert_eq!(listed["total"], 0, "nothing was written");

    // With the token, all three go through.
    let own = app.send(form_post(format!("_csrf={}&{fields}", app.csrf()))).await;
    assert_eq!(own.status, StatusCode::SEE_OTHER, "{}", own.text());
    assert_eq!(app.send(api(&app.csrf())).await.status, StatusCode::CREATED);
    let preview = app.upload("/import", &[("a.csv", b"kind,name_en,country\nassociation,X,US\n")]);
    assert_eq!(preview.await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_tokens_act_as_bearer_with_their_role_until_revoked() {
    let app = app().await;
    let page = app
        .form(
            "/account/tokens",
            &[("name", "nightly sync"), ("role", "viewer"), ("days", "30")],
            "en",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
    let html = page.text();
    let secret = html.split("id=\"token-secret\">").nth(1).unwrap().split('<').next().unwrap();
    assert!(secret.starts_with("dagak_"), "{secret}");
    assert!(html.contains("nightly sync"));
    // Shown once: the account page lists the token, never its secret.
    let account = app.get("/account", Some("en")).await.text();
    assert!(account.contains("nightly sync") && !account.contains(secret));
    let bad = app.form("/account/tokens", &[("name", "nightly sync")], "en").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "a name once");

    let bearer = |path: &str, method: &str, body: &str| {
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {secret}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    let stranger = app.with_session(None);
    let who = stranger.send_raw(bearer("/api/v1/me", "GET", "")).await.json();
    assert_eq!(
        (who["role"].as_str(), who["credential"].as_str()),
        (Some("viewer"), Some("api_token"))
    );
    assert!(who.get("csrf_token").is_none());
    // The token acts with its role, not its user's: a viewer's token changes nothing.
    let body = r#"{"kind":"association","country":"US","name_en":"Token Society"}"#;
    let refused = stranger.send_raw(bearer("/api/v1/organizations", "POST", body)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());
    assert_eq!(refused.json()["error"]["code"], "forbidden");
    // A staff token writes, with no CSRF token (browsers never send a bearer token by themselves).
    let page = app.form("/account/tokens", &[("name", "writer"), ("role", "staff")], "en").await;
    let writer = page.text();
    let writer = writer.split("id=\"token-secret\">").nth(1).unwrap().split('<').next().unwrap();
    let created = stranger
        .send_raw(
            Request::post("/api/v1/organizations")
                .header(header::AUTHORIZATION, format!("Bearer {writer}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());

    // Revoking asks first, then the token stops at once.
    let account = app.get("/account", Some("en")).await.text();
    let row = account.split("nightly sync").nth(1).unwrap();
    let id = row.split("/account/tokens/").nth(1).unwrap().split('/').next().unwrap();
    let confirm = app.get(&format!("/account/tokens/{id}/revoke"), Some("en")).await;
    assert!(confirm.text().contains("nightly sync"));
    let unconfirmed = app.form(&format!("/account/tokens/{id}/revoke"), &[], "en").await;
    assert_eq!(unconfirmed.status, StatusCode::PRECONDITION_REQUIRED);
    let revoked =
        app.form(&format!("/account/tokens/{id}/revoke"), &[("confirm", "yes")], "en").await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let after = stranger.send_raw(bearer("/api/v1/me", "GET", "")).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_run_link_creates_the_administrator_once() {
    let app = anonymous_app().await;
    let secret = app.service.first_run_setup_link().await.unwrap().unwrap();
    let page = app.get(&format!("/setup/{secret}"), Some("en")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Administrator"));

    let post = |fields: &[(&str, &str)]| {
        let body = fields.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect::<Vec<_>>();
        Request::post(format!("/setup/{secret}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, "lang=en")
            .body(Body::from(body.join("&")))
            .unwrap()
    };
    let mismatch = app
        .send_raw(post(&[
            ("email", "admin@gumi.go.kr"),
            ("password", PASSWORD),
            ("password_again", "other"),
        ]))
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(mismatch.text().contains("The two passwords differ."));
    let weak = app
        .send_raw(post(&[
            ("email", "admin@gumi.go.kr"),
            ("password", "password1234"),
            ("password_again", "password1234"),
        ]))
        .await;
    assert!(weak.text().contains("too common"), "{}", weak.text());

    let fields = [
        ("email", "admin@gumi.go.kr"),
        ("display_name", "김관리"),
        ("lang", "ko"),
        ("password", PASSWORD),
        ("password_again", PASSWORD),
    ];
    let done = app.send_raw(post(&fields)).await;
    assert_eq!((done.status, location(&done).as_str()), (StatusCode::SEE_OTHER, "/"));
    assert_eq!(set_cookie(&done, "lang").unwrap().split(';').next(), Some("lang=ko"));
    let me = app.with_session(Some(browser_session(&app, &done).await));
    assert_eq!(me.get("/api/v1/me", None).await.json()["role"], "admin");
    // Spent.
    assert_eq!(app.send_raw(post(&fields)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/setup/{secret}"), None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_password_must_be_changed_before_anything_else() {
    let app = anonymous_app().await;
    let user = app.service.create_user(&draft("viewer@gumi.go.kr", "viewer"), PASSWORD).await;
    let reset = app.service.reset_password(user.unwrap().id).await.unwrap();

    let answer = login(&app, "viewer@gumi.go.kr", &reset).await;
    assert_eq!(location(&answer), "/account/password");
    let secret = session_of(&answer);
    let me = app.with_session(Some(Session { secret: secret.clone(), csrf: String::new() }));
    let blocked = me.get("/organizations", Some("en")).await;
    assert_eq!(
        (blocked.status, location(&blocked).as_str()),
        (StatusCode::SEE_OTHER, "/account/password")
    );
    let api = me.get("/api/v1/me", None).await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    assert_eq!(api.json()["error"]["code"], "password_change_required");

    let page = me.get("/account/password", Some("en")).await.text();
    assert!(page.contains("id=\"must-change\""));
    let me = me.with_session(Some(Session { secret, csrf: csrf_in(&page) }));
    let wrong = me
        .form(
            "/account/password",
            &[
                ("current_password", "nope"),
                ("new_password", "a new long passphrase"),
                ("new_password_again", "a new long passphrase"),
            ],
            "en",
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().contains("The current password is wrong."));
    let changed = me
        .form(
            "/account/password",
            &[
                ("current_password", &reset),
                ("new_password", "a new long passphrase"),
                ("new_password_again", "a new long passphrase"),
            ],
            "en",
        )
        .await;
    assert_eq!((changed.status, location(&changed).as_str()), (StatusCode::SEE_OTHER, "/account"));
    // The old session ended with the change; the new one reads pages.
    assert_eq!(me.get("/account", None).await.status, StatusCode::SEE_OTHER);
    let fresh = app.with_session(Some(browser_session(&app, &changed).await));
    assert_eq!(fresh.get("/organizations", None).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failures_lock_the_login_alike_for_known_and_unknown_accounts() {
    use dagak_service::accounts::throttle::LOCK_FAILURES;
    let first = anonymous_app().await;
    first.service.create_user(&draft("staff@gumi.go.kr", "staff"), PASSWORD).await.unwrap();
    // A clock that stands still: the delays after the third failure are then the same for both
    // accounts, however long each hash takes on this machine.
    let clock = dagak_service::ManualClock::new(time::macros::datetime!(2026-12-01 09:00 UTC));
    let app = crate::server_beside(&first, std::sync::Arc::new(clock)).await;
    let mut statuses = std::collections::BTreeMap::new();
    for email in ["staff@gumi.go.kr", "ghost@gumi.go.kr"] {
        let mut seen = Vec::new();
        for _ in 0..=LOCK_FAILURES {
            seen.push(login(&app, email, "wrong password, surely").await.status.as_u16());
        }
        // The right password is refused too while locked.
        let locked = login(&app, email, PASSWORD).await;
        seen.push(locked.status.as_u16());
        assert!(locked.text().contains("Too many failed sign-ins"), "{}", locked.text());
        statuses.insert(email, seen);
    }
    let known = &statuses["staff@gumi.go.kr"];
    assert_eq!(known, &statuses["ghost@gumi.go.kr"], "the answers tell nothing");
    assert_eq!(known[..3], [401, 401, 401]);
    assert_eq!(*known.last().unwrap(), 429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_and_an_unknown_account_cost_the_same() {
    let app = anonymous_app().await;
    for i in 0..8 {
        app.service
            .create_user(&draft(&format!("u{i}@gumi.go.kr"), "staff"), PASSWORD)
            .await
            .unwrap();
    }
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for i in 0..8 {
        // Distinct accounts, so that no brake adds a delay.
        let start = std::time::Instant::now();
        app.service
            .sign_in(&format!("u{i}@gumi.go.kr"), "wrong password!!", None)
            .await
            .unwrap_err();
        known.push(start.elapsed());
        let start = std::time::Instant::now();
        app.service
            .sign_in(&format!("x{i}@gumi.go.kr"), "wrong password!!", None)
            .await
            .unwrap_err();
        unknown.push(start.elapsed());
    }
    known.sort();
    unknown.sort();
    let (k, u) = (known[4].as_secs_f64(), unknown[4].as_secs_f64());
    // Both verify one argon2id hash: the medians differ by noise, not by a hash. (Skipping the
    // hash for an unknown account would make it a hundred times faster; the bound is loose
    // because other tests hash in this process at the same time.)
    assert!(k / u < 5.0 && u / k < 5.0, "median wrong password {k:.4} s, unknown account {u:.4} s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_firm_account_gets_not_found_for_another_firm_by_page_and_api() {
    let admin = app().await;
    let firm = |name: &str| json!({"kind": "local_firm", "country": "KR", "name_ko": name, "city": "구미"});
    let own =
        admin.json("POST", "/api/v1/organizations", firm("구미정밀")).await.json()["id"].clone();
    let other =
        admin.json("POST", "/api/v1/organizations", firm("구미광학")).await.json()["id"].clone();
    let person = |family: &str, org: &serde_json::Value| {
        json!({"family_name": family, "given_name": "민수", "emails": [format!("{family}@x.kr")],
               "affiliations": [{"organization_id": org, "role": "CEO"}]})
    };
    let own_person = admin.json("POST", "/api/v1/people", person("kim", &own)).await;
    assert_eq!(own_person.status, StatusCode::CREATED, "{}", own_person.text());
    let own_person = own_person.json()["id"].clone();
    let other_person =
        admin.json("POST", "/api/v1/people", person("lee", &other)).await.json()["id"].clone();

    let account = UserDraft {
        email: "owner@precision.kr".into(),
        role: "firm".into(),
        organization: own.to_string(),
        ..Default::default()
    };
    let user = admin.service.create_user(&account, PASSWORD).await.unwrap();
    let me = admin.with_session(Some(admin.sign_in_as(user.id).await));

    for path in [format!("/organizations/{own}"), format!("/people/{own_person}")] {
        assert_eq!(me.get(&path, Some("en")).await.status, StatusCode::OK, "{path}");
        assert_eq!(me.get(&format!("/api/v1{path}"), None).await.status, StatusCode::OK, "{path}");
    }
    for path in [
        format!("/organizations/{other}"),
        format!("/organizations/{other}/edit"),
        format!("/people/{other_person}"),
        format!("/people/{other_person}/edit"),
    ] {
        let page = me.get(&path, Some("en")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!page.text().contains("구미광학") && !page.text().contains("lee@x.kr"), "{path}");
    }
    for path in [format!("/organizations/{other}"), format!("/people/{other_person}")] {
        let api = me.get(&format!("/api/v1{path}"), None).await;
        assert_eq!(api.status, StatusCode::NOT_FOUND, "{path}");
        let put = me.json("PUT", &format!("/api/v1{path}"), json!({})).await;
        assert!(matches!(put.status.as_u16(), 404 | 422), "{path}: {}", put.text());
        assert_ne!(put.status, StatusCode::OK);
    }
    // Its lists hold its own firm and people only.
    let orgs = me.get("/api/v1/organizations", None).await.json();
    assert_eq!((orgs["total"].clone(), orgs["items"][0]["id"].clone()), (json!(1), own.clone()));
    let people = me.get("/api/v1/people", None).await.json();
    assert_eq!(people["total"], 1);
    let listed = me.get("/organizations", Some("en")).await.text();
    assert!(!listed.contains("구미광학") && !listed.contains("id=\"new-org\""));
    // What it may not do at all is forbidden, and not offered.
    let import =
        me.upload("/import", &[("a.csv", b"kind,name_en,country\nassociation,X,US\n")]).await;
    assert_eq!(import.status, StatusCode::FORBIDDEN);
    assert!(import.text().contains("역할상 허용되지 않습니다"), "{}", import.text());
    assert!(!listed.contains("href=\"/import\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_reads_people_without_their_contacts_and_changes_nothing() {
    let admin = app().await;
    let org = admin
        .json(
            "POST",
            "/api/v1/organizations",
            json!({"kind": "association", "country": "US", "name_en": "Irvine Chamber"}),
        )
        .await
        .json()["id"]
        .clone();
    let person = admin
        .json(
            "POST",
            "/api/v1/people",
            json!({"family_name": "Smith", "given_name": "Jane", "emails": ["jane@irvine.example"],
                   "phones": ["+1 949 555 0100"], "affiliations": [{"organization_id": org, "role": "CEO"}]}),
        )
        .await
        .json()["id"]
        .clone();
    let user = admin.service.create_user(&draft("viewer@gumi.go.kr", "viewer"), PASSWORD).await;
    let me = admin.with_session(Some(admin.sign_in_as(user.unwrap().id).await));

    let api = me.get(&format!("/api/v1/people/{person}"), None).await;
    assert_eq!(api.status, StatusCode::OK);
    assert_eq!(
        (api.json()["emails"].clone(), api.json()["phones"].clone()),
        (json!([]), json!([]))
    );
    for page in [format!("/people/{person}"), format!("/organizations/{org}"), "/people".into()] {
        let html = me.get(&page, Some("en")).await.text();
        assert!(html.contains("Smith"), "{page}");
        assert!(!html.contains("jane@irvine.example") && !html.contains("555 0100"), "{page}");
        assert!(
            !html.contains("/erase\"") && !html.contains("/edit\""),
            "{page}: no actions offered"
        );
    }
    let people_csv = me.get("/api/v1/exports/people.csv", None).await;
    assert_eq!(people_csv.status, StatusCode::FORBIDDEN);
    assert_eq!(me.get("/api/v1/exports/organizations.csv", None).await.status, StatusCode::OK);
    let write = me
        .json(
            "POST",
            "/api/v1/organizations",
            json!({"kind": "association", "country": "US", "name_en": "X"}),
        )
        .await;
    assert_eq!(write.status, StatusCode::FORBIDDEN);
    let form = me.form(&format!("/people/{person}/delete"), &[("confirm", "yes")], "en").await;
    assert_eq!(form.status, StatusCode::FORBIDDEN);
    assert_eq!(admin.get(&format!("/api/v1/people/{person}"), None).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_invites_changes_roles_disables_and_resets() {
    let admin = app().await;
    let page = admin.get("/admin/users", Some("en")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("admin@gumi.go.kr") && page.text().contains("(you)"));

    // An invitation link for staff, used by a stranger, makes a staff account.
    let invited = admin.form("/admin/users/invite", &[("role", "staff")], "en").await;
    assert_eq!(invited.status, StatusCode::OK, "{}", invited.text());
    assert_eq!(invited.headers[header::CACHE_CONTROL], "no-store");
    let html = invited.text();
    let link = html.split("id=\"secret\">").nth(1).unwrap().split('<').next().unwrap();
    let token = link.split("/setup/").nth(1).unwrap();
    let fields = format!(
        "email=staff%40gumi.go.kr&password={}&password_again={}",
        enc(PASSWORD),
        enc(PASSWORD)
    );
    let stranger = admin.with_session(None);
    let done = stranger
        .send_raw(
            Request::post(format!("/setup/{token}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(fields))
                .unwrap(),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    let staff = admin.with_session(Some(browser_session(&admin, &done).await));
    assert_eq!(staff.get("/api/v1/me", None).await.json()["role"], "staff");

    // Staff cannot administer users, by page or by form.
    let refused = staff.get("/admin/users", Some("en")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!refused.text().contains("admin@gumi.go.kr"));
    assert!(
        !staff.get("/organizations", Some("en")).await.text().contains("href=\"/admin/users\"")
    );
    let escalate = staff.form("/admin/users/invite", &[("role", "admin")], "en").await;
    assert_eq!(escalate.status, StatusCode::FORBIDDEN);

    // A firm invitation needs a local firm.
    let bad =
        admin.form("/admin/users/invite", &[("role", "firm"), ("organization", "999")], "en").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The administrator cannot demote or disable themselves.
    let users = admin.service.list_users().await.unwrap();
    let me = users.iter().find(|u| u.user.email == "admin@gumi.go.kr").unwrap().id;
    let them = users.iter().find(|u| u.user.email == "staff@gumi.go.kr").unwrap().id;
    let demote = admin.form(&format!("/admin/users/{me}/role"), &[("role", "viewer")], "en").await;
    assert_eq!(demote.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(demote.text().contains("your own"), "{}", demote.text());

    // A new role applies to the next request.
    let changed =
        admin.form(&format!("/admin/users/{them}/role"), &[("role", "viewer")], "en").await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    assert_eq!(staff.get("/api/v1/me", None).await.json()["role"], "viewer");

    // Disabling asks first, then ends the sessions at once.
    let confirm = admin.get(&format!("/admin/users/{them}/disable"), Some("en")).await;
    assert!(confirm.text().contains("staff@gumi.go.kr"));
    let unconfirmed = admin.form(&format!("/admin/users/{them}/disable"), &[], "en").await;
    assert_eq!(unconfirmed.status, StatusCode::PRECONDITION_REQUIRED);
    let disabled =
        admin.form(&format!("/admin/users/{them}/disable"), &[("confirm", "yes")], "en").await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER);
    assert_eq!(staff.get("/api/v1/me", None).await.status, StatusCode::UNAUTHORIZED);
    assert!(admin.get("/admin/users", Some("en")).await.text().contains("Disabled"));
    admin.form(&format!("/admin/users/{them}/enable"), &[], "en").await;

    // A reset shows a one-time password that signs in once, to choose a new one.
    let reset =
        admin.form(&format!("/admin/users/{them}/reset"), &[("confirm", "yes")], "en").await;
    let html = reset.text();
    let password = html.split("id=\"secret\">").nth(1).unwrap().split('<').next().unwrap();
    let signed = login(&admin, "staff@gumi.go.kr", password).await;
    assert_eq!(location(&signed), "/account/password");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn histories_show_each_change_and_an_administrator_restores_from_the_log() {
    let admin = app().await;
    let org = json!({"kind": "local_firm", "country": "KR", "name_ko": "구미정밀", "city": "구미"});
    let id = admin.json("POST", "/api/v1/organizations", org.clone()).await.json()["id"].clone();
    let mut moved = org.clone();
    moved["city"] = json!("대구");
    let updated = admin.json("PUT", &format!("/api/v1/organizations/{id}"), moved).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text());

    let page = admin.get(&format!("/organizations/{id}/history"), Some("en")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("<del>구미</del> → <ins>대구</ins>"), "{html}");
    assert!(html.contains("admin@gumi.go.kr") && html.contains("Changed"));
    // The record's page shows its latest history too.
    let record = admin.get(&format!("/organizations/{id}"), Some("en")).await.text();
    assert!(record.contains("id=\"activity\"") && record.contains("<del>구미</del>"), "{record}");

    // The whole log, filtered, as JSON and CSV.
    let log = admin.get(&format!("/api/v1/audit?entity=organization&entity_id={id}"), None).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text());
    let log = log.json();
    assert_eq!(log["total"], 2);
    let entry = &log["items"][0];
    assert_eq!(
        (entry["action"].as_str(), entry["user"].as_str()),
        (Some("update"), Some("admin@gumi.go.kr"))
    );
    assert_eq!(entry["changes"], json!([{"field": "city", "before": "구미", "after": "대구"}]));
    let csv = admin.get("/admin/audit.csv?entity=organization", Some("en")).await;
    assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(csv.text().contains(",city,구미,대구,"), "{}", csv.text());
    let bad = admin.get("/admin/audit?from=someday", Some("en")).await;
    assert!(bad.text().contains("id=\"filter-errors\""));

    // Restoring asks first, then puts the old city back and logs it.
    let entry_id = entry["id"].as_i64().unwrap();
    let confirm = admin.get(&format!("/admin/audit/{entry_id}/restore"), Some("en")).await;
    assert!(confirm.text().contains("대구 → 구미"), "{}", confirm.text());
    let restored =
        admin.form(&format!("/admin/audit/{entry_id}/restore"), &[("confirm", "yes")], "en").await;
    assert_eq!(restored.status, StatusCode::SEE_OTHER, "{}", restored.text());
    let now = admin.get(&format!("/api/v1/organizations/{id}"), None).await.json();
    assert_eq!(now["organization"]["city"], "구미", "{now}");

    // A deleted organisation comes back through the API.
    admin
        .send(
            Request::delete(format!("/api/v1/organizations/{id}?confirm=true"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let deleted = admin
        .get(&format!("/api/v1/audit?entity=organization&entity_id={id}&action=delete"), None)
        .await
        .json();
    let deleted = deleted["items"][0]["id"].as_i64().unwrap();
    let unconfirmed = admin
        .send(
            Request::post(format!("/api/v1/audit/{deleted}/restore")).body(Body::empty()).unwrap(),
        )
        .await;
    assert_eq!(unconfirmed.status, StatusCode::PRECONDITION_REQUIRED);
    let back = admin
        .send(
            Request::post(format!("/api/v1/audit/{deleted}/restore?confirm=true"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(back.status, StatusCode::NO_CONTENT, "{}", back.text());
    assert_eq!(
        admin.get(&format!("/api/v1/organizations/{id}"), None).await.status,
        StatusCode::OK
    );

    // Staff read histories but not the whole log, and restore nothing.
    let user =
        admin.service.create_user(&draft("staff@gumi.go.kr", "staff"), PASSWORD).await.unwrap();
    let staff = admin.with_session(Some(admin.sign_in_as(user.id).await));
    assert_eq!(
        staff.get(&format!("/organizations/{id}/history"), Some("en")).await.status,
        StatusCode::OK
    );
    assert_eq!(staff.get("/admin/audit", Some("en")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(staff.get("/api/v1/audit", None).await.status, StatusCode::FORBIDDEN);
    let refused =
        staff.form(&format!("/admin/audit/{entry_id}/restore"), &[("confirm", "yes")], "en").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        !staff
            .get(&format!("/organizations/{id}/history"), Some("en"))
            .await
            .text()
            .contains("/restore\"")
    );
}

#[allow(clippy::disallowed_methods, reason = "the server under test reads the wall clock")]
fn totp_code(secret: &str, offset: i64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
    let totp =
        totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes, None, "x".into()).unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp() + offset;
    totp.generate(u64::try_from(now).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_factor_set_up_on_the_account_page_is_asked_after_the_password() {
    let app = app().await;
    let off = app.get("/account/totp", Some("en")).await.text();
    assert!(off.contains("id=\"totp-off\""));
    let begun = app.form("/account/totp/begin", &[], "en").await;
    assert_eq!(begun.headers[header::CACHE_CONTROL], "no-store");
    let html = begun.text();
    assert!(html.contains("<svg"), "the QR code is inline SVG");
    let first =
        html.split("id=\"totp-secret\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert_eq!(first.len(), 32, "160 bits in base32: {first}");
    let wrong = app.form("/account/totp/confirm", &[("code", "000000")], "en").await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A wrong code sets up a fresh secret: use the new one.
    let secret = wrong
        .text()
        .split("id=\"totp-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let on = app.form("/account/totp/confirm", &[("code", &totp_code(&secret, 0))], "en").await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.text());
    let codes: Vec<String> = on
        .text()
        .split("<li><code>")
        .skip(1)
        .map(|c| c.split('<').next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);

    // Signing in now asks for a code after the password, on a page of its own.
    let step = login(&app, "admin@gumi.go.kr", PASSWORD).await;
    assert_eq!(step.status, StatusCode::OK);
    assert!(set_cookie(&step, "dagak_session").is_none(), "no session yet");
    let challenge = step
        .text()
        .split("name=\"challenge\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let code_form = |code: &str| {
        Request::post("/login/code")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, "lang=en")
            .body(Body::from(format!("challenge={challenge}&code={}&next=%2Fpeople", enc(code))))
            .unwrap()
    };
    let bad = app.send_raw(code_form("123456")).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert!(bad.text().contains("This code is wrong"), "{}", bad.text());
    let good = app.send_raw(code_form(&codes[0])).await;
    assert_eq!(
        (good.status, location(&good).as_str()),
        (StatusCode::SEE_OTHER, "/people"),
        "{}",
        good.text()
    );
    assert!(set_cookie(&good, "dagak_session").is_some());

    // Required of administrators: one without a second factor is sent to set it up.
    let on = app.form("/admin/settings/second-factor", &[("required", "yes")], "en").await;
    assert_eq!(on.status, StatusCode::SEE_OTHER);
    let other =
        UserDraft { email: "second@gumi.go.kr".into(), role: "admin".into(), ..Default::default() };
    let other = app.service.create_user(&other, PASSWORD).await.unwrap();
    let them = app.with_session(Some(app.sign_in_as(other.id).await));
    let sent = them.get("/organizations", Some("en")).await;
    assert_eq!((sent.status, location(&sent).as_str()), (StatusCode::SEE_OTHER, "/account/totp"));
    assert!(them.get("/account/totp", Some("en")).await.text().contains("id=\"totp-required\""));
    let api = them.get("/api/v1/organizations", None).await;
    assert_eq!(
        (api.status, api.json()["error"]["code"].clone()),
        (StatusCode::FORBIDDEN, json!("second_factor_setup_required"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cookie_is_secure_behind_a_trusted_https_proxy_and_sessions_outlive_a_restart() {
    use axum::extract::ConnectInfo;
    let plain = anonymous_app().await;
    plain.service.create_user(&draft("staff@gumi.go.kr", "staff"), PASSWORD).await.unwrap();
    let proxy: std::net::SocketAddr = "10.0.0.2:40000".parse().unwrap();
    let stranger: std::net::SocketAddr = "203.0.113.9:40000".parse().unwrap();
    let state =
        dagak_http::AppState::new((*plain.service).clone()).with_trusted_proxies(vec![proxy.ip()]);
    let router = dagak_http::router(state);
    let login_from = |peer: std::net::SocketAddr| {
        let mut request = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("x-forwarded-proto", "https")
            .header("x-forwarded-for", "198.51.100.7")
            .body(Body::from(format!("email=staff%40gumi.go.kr&password={}", enc(PASSWORD))))
            .unwrap();
        request.extensions_mut().insert(ConnectInfo(peer));
        request
    };
    use tower::ServiceExt as _;
    let through_proxy = router.clone().oneshot(login_from(proxy)).await.unwrap();
    let cookie = through_proxy.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.contains("; Secure"), "{cookie}");
    // The same headers from anyone else are not believed.
    let direct = router.oneshot(login_from(stranger)).await.unwrap();
    let cookie = direct.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(!cookie.contains("Secure"), "{cookie}");

    // A session lives in the database: another server over it (or this one restarted) accepts it.
    let admin = app().await;
    let restarted = crate::server_beside(&admin, Arc::new(dagak_service::SystemClock)).await;
    assert_eq!(restarted.get("/api/v1/me", None).await.json()["email"], "admin@gumi.go.kr");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_in_the_account_forms_is_kept_verbatim_and_shown_escaped() {
    let admin = app().await;
    for (i, text) in
        ["<script>alert('x')</script>", "' OR 1=1 --", "nul\u{0}byte"].iter().enumerate()
    {
        let name = format!("{text} {i}");
        let made = admin.form("/account/tokens", &[("name", &name)], "en").await;
        assert_eq!(made.status, StatusCode::OK, "{}", made.text());
        assert!(!made.text().contains("<script>alert"));
        // The sign-in form answers the same way to any email, and changes nothing.
        let login = login(&admin.with_session(None), text, text).await;
        assert_eq!(login.status, StatusCode::UNAUTHORIZED);
        assert!(!login.text().contains("<script>alert"));
        // A set-up link's display name.
        let secret = admin.form("/admin/users/invite", &[("role", "viewer")], "en").await.text();
        let link = secret.split("id=\"secret\">").nth(1).unwrap().split('<').next().unwrap();
        let token = link.split("/setup/").nth(1).unwrap();
        let body = format!(
            "email=user{i}%40gumi.go.kr&display_name={}&password={}&password_again={}",
            enc(text),
            enc(PASSWORD),
            enc(PASSWORD)
        );
        let done = admin
            .send_raw(
                Request::post(format!("/setup/{token}"))
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    }
    let account = admin.get("/account", Some("en")).await.text();
    assert!(account.contains("&#60;script&#62;alert") && !account.contains("<script>alert"));
    let users = admin.get("/admin/users", Some("en")).await.text();
    assert!(!users.contains("<script>alert"));
    let stored = admin.service.list_users().await.unwrap();
    assert!(stored.iter().any(|u| u.user.display_name == "<script>alert('x')</script>"));
    // NUL characters are never text: dropped on the way in, on either backend.
    assert!(stored.iter().any(|u| u.user.display_name == "nulbyte"));
}
