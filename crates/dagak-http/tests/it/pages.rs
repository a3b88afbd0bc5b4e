use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_directory_speaks_korean_by_default_and_english_on_request() {
    let app = app().await;
    let ko = app.get("/organizations", None).await;
    assert_eq!(ko.status, StatusCode::OK);
    assert!(ko.text().contains("기관 디렉터리"));
    assert!(ko.text().contains("아직 등록된 기관이 없습니다"));
    let en = app.get("/organizations", Some("en")).await;
    assert!(en.text().contains("Organisation directory"));
    assert!(en.text().contains("lang=\"en\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_language_sets_a_cookie_and_returns() {
    let app = app().await;
    let answer = app.get("/lang/en?next=/people", None).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.headers["location"], "/people");
    assert!(answer.headers["set-cookie"].to_str().unwrap().starts_with("lang=en"));
    // Only local paths are followed.
    let answer = app.get("/lang/ko?next=//evil.example", None).await;
    assert_eq!(answer.headers["location"], "/");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_shows_a_bad_business_number_inline_in_the_readers_language() {
    let app = app().await;
    let fields = [
        ("kind", "local_firm"),
        ("country", "KR"),
        ("name_ko", "테스트전자"),
        ("business_number", "124-81-00999"),
    ];
    let ko = app.form("/organizations", &fields, "ko").await;
    assert_eq!(ko.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(ko.text().contains("검증번호가 맞지 않습니다"), "{}", ko.text());
    assert!(ko.text().contains("value=\"테스트전자\""), "the form keeps what was typed");
    let en = app.form("/organizations", &fields, "en").await;
    assert!(en.text().contains("check digit is wrong"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_created_organisation_is_listed_found_and_shown() {
    let app = app().await;
    let fields = [
        ("kind", "local_firm"),
        ("country", "KR"),
        ("name_ko", "구미메디텍"),
        ("name_en", "Gumi Meditech"),
        ("business_number", "124-81-00998"),
        ("hs_codes", "901819"),
        ("offers", "manufacturing"),
        ("offers", "rnd"),
    ];
    let created = app.form("/organizations", &fields, "ko").await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    let location = created.headers["location"].to_str().unwrap().to_owned();
    let page = app.get(&location, Some("en")).await;
    assert!(page.text().contains("Gumi Meditech"));
    assert!(page.text().contains("R&#38;D, Manufacturing"), "{}", page.text());
    assert!(page.text().contains("901819"));
    let found = app.get("/organizations?q=%EB%A9%94%EB%94%94", None).await; // 메디
    assert!(found.text().contains("구미메디텍"));
    assert!(found.text().contains("1개 기관"));
    let none = app.get("/organizations?q=zzzz", None).await;
    assert!(none.text().contains("조건에 맞는 기관이 없습니다"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_from_a_page_asks_first() {
    let app = app().await;
    let created = app
        .form(
            "/organizations",
            &[("kind", "government"), ("country", "US"), ("name_en", "City of Irvine")],
            "en",
        )
        .await;
    let location = created.headers["location"].to_str().unwrap().to_owned();
    let confirm = app.get(&format!("{location}/delete"), Some("en")).await;
    assert!(confirm.text().contains("This cannot be undone"));
    let refused = app.form(&format!("{location}/delete"), &[], "en").await;
    assert_eq!(refused.status, StatusCode::PRECONDITION_REQUIRED);
    let done = app.form(&format!("{location}/delete"), &[("confirm", "yes")], "en").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get(&location, Some("en")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_pages_are_translated_errors() {
    let app = app().await;
    let answer = app.get("/organizations/999", Some("ko")).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(answer.text().contains("찾는 항목이 없습니다"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_is_previewed_then_committed() {
    let app = app().await;
    let csv = "kind,name_en,country\nforeign_firm,Acme Sensors,US\n";
    let preview = app.upload("/import", &[("acme.csv", csv.as_bytes())]).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    let text = preview.text();
    assert!(text.contains("Acme Sensors"));
    let token =
        text.split("action=\"/import/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    assert_eq!(app.service.list_organizations(&Default::default()).await.unwrap().total, 0);
    let done = app.form(&format!("/import/{token}"), &[], "ko").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(app.service.list_organizations(&Default::default()).await.unwrap().total, 1);

    let bad = app.upload("/import", &[("bad.csv", b"kind,name_en\nforeign_firm,X\n")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("필수 열이 없습니다"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_region_page_shows_gumis_published_exports_with_sources() {
    let app = app().await;
    let empty = app.get("/region", Some("en")).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(
        empty.text().contains("id=\"region-empty\""),
        "no figures: the page says how to load them"
    );
    crate::load_gumi(&app.service).await;
    let ko = app.get("/region", Some("ko")).await;
    assert_eq!(ko.status, StatusCode::OK);
    let text = ko.text();
    assert!(text.contains("구미 수출 현황"));
    assert!(text.contains("중국"), "destinations are translated");
    assert!(text.contains(">2024<"), "the chart has a bar for 2024");
    assert!(
        text.contains("https://www.yeongnam.com/web/view.php?key=20250121010002721"),
        "sources are linked"
    );
    let en = app.get("/region", Some("en")).await;
    assert!(en.text().contains("Export destinations"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_sent_from_another_site_are_refused() {
    let app = app().await;
    let csrf = app.csrf();
    let form = |site: &'static str| {
        Request::post("/organizations")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, "lang=en")
            .header("sec-fetch-site", site)
            .body(Body::from(format!(
                "_csrf={csrf}&kind=association&country=US&name_en=Forged+Society"
            )))
            .unwrap()
    };
    let forged = app.send(form("cross-site")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.text().contains("came from another website"), "{}", forged.text());
    let api = app
        .send(
            Request::delete("/api/v1/organizations/1?confirm=true")
                .header(header::ORIGIN, "http://evil.example")
                .header(header::HOST, "127.0.0.1:8080")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    assert_eq!(api.json()["error"]["code"], "cross_site_request");
    let listed = app.get("/api/v1/organizations", None).await;
    assert_eq!(listed.json()["total"], 0, "nothing was written");
    // The same form from dagak's own page goes through.
    let own = app.send(form("same-origin")).await;
    assert_eq!(own.status, StatusCode::SEE_OTHER, "{}", own.text());
}

fn token_of(preview: &str) -> String {
    preview.split("action=\"/import/").nth(1).unwrap().split('"').next().unwrap().to_owned()
}

/// See issue 12: an import preview waits in the database, not in one server's memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_preview_is_committed_by_another_server_or_after_a_restart() {
    let app = app().await;
    let csv = "kind,name_en,country\nforeign_firm,Acme Sensors,US\n";
    let preview = app.upload("/import", &[("acme.csv", csv.as_bytes())]).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    let token = token_of(&preview.text());
    // A fresh server on the same database file: nothing of the first one's memory.
    let other = crate::server_beside(&app, std::sync::Arc::new(dagak_service::SystemClock)).await;
    let done = other.form(&format!("/import/{token}"), &[], "en").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert_eq!(app.service.list_organizations(&Default::default()).await.unwrap().total, 1);
    // A token commits once.
    let again = other.form(&format!("/import/{token}"), &[], "en").await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(again.text().contains("does not exist or was already imported"), "{}", again.text());
    assert_eq!(app.service.list_organizations(&Default::default()).await.unwrap().total, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_preview_says_so_and_writes_nothing() {
    let app = app().await;
    let clock = dagak_service::ManualClock::new(time::macros::datetime!(2026-11-24 10:00 UTC));
    let app = crate::server_beside(&app, std::sync::Arc::new(clock.clone())).await;
    let csv = "kind,name_en,country\nforeign_firm,Acme Sensors,US\n";
    let preview = app.upload("/import", &[("acme.csv", csv.as_bytes())]).await;
    let token = token_of(&preview.text());
    clock.advance(dagak_service::imports::PREVIEW_LIFETIME + time::Duration::seconds(1));
    let late = app.form(&format!("/import/{token}"), &[], "ko").await;
    assert_eq!(late.status, StatusCode::GONE);
    assert!(late.text().contains("미리보기가 만료되어"), "{}", late.text());
    assert_eq!(app.service.list_organizations(&Default::default()).await.unwrap().total, 0);
    let unknown = app.form("/import/00000000000000000000000000000000", &[], "ko").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.text().contains("미리보기가 없거나"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_updates_matched_rows_only_when_asked() {
    let app = app().await;
    let first =
        "kind,name_en,country,city,domain\nforeign_firm,Acme Sensors,US,Irvine,acme.example\n";
    let preview = app.upload("/import", &[("acme.csv", first.as_bytes())]).await;
    app.form(&format!("/import/{}", token_of(&preview.text())), &[], "en").await;
    let moved =
        "kind,name_en,country,city,domain\nforeign_firm,Acme Sensors,US,Austin,acme.example\n";
    let city = |app: &crate::TestApp| {
        let service = app.service.clone();
        async move {
            let found = service.list_organizations(&Default::default()).await.unwrap();
            found.items[0].org.city.clone().unwrap()
        }
    };
    for (choice, expected) in [("skip", "Irvine"), ("update", "Austin")] {
        let request =
            axum::http::Request::post("/import").header(axum::http::header::COOKIE, "lang=en");
        let preview = app
            .upload_form(request, &[("on_match", choice)], &[("moved.csv", moved.as_bytes())])
            .await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
        assert!(
            preview.text().contains("<del>Irvine</del> → <ins>Austin</ins>"),
            "{}",
            preview.text()
        );
        let done = app.form(&format!("/import/{}", token_of(&preview.text())), &[], "en").await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        assert_eq!(city(&app).await, expected, "on_match={choice}");
    }
    let request = axum::http::Request::post("/import");
    let bad = app
        .upload_form(request, &[("on_match", "sometimes")], &[("m.csv", moved.as_bytes())])
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_page_requests_get_a_translated_page_not_framework_text() {
    let app = app().await;
    for uri in ["/organizations/abc", "/people/1.5/edit", "/organizations?page=first"] {
        let answer = app.get(uri, Some("en")).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}");
        let text = answer.text();
        assert!(text.contains("<html lang=\"en\">"), "{uri}: {text}");
        assert!(text.contains("The request could not be read."), "{uri}: {text}");
    }
    let ko = app.get("/organizations/abc", Some("ko")).await;
    assert!(ko.text().contains("<html lang=\"ko\">"));
    // A merge without its second record says which one is missing.
    let answer = app.get("/merge?keep=1", Some("en")).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.text().contains("Record merged in: This is required."), "{}", answer.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_can_download_their_data_and_have_it_erased_after_confirmation() {
    let app = app().await;
    let created = app
        .json("POST", "/api/v1/people", serde_json::json!({"family_name": "Lee", "given_name": "Ana", "emails": ["ana@example.com"]}))
        .await
        .json();
    let id = created["id"].as_i64().unwrap();
    let data = app.get(&format!("/people/{id}/data.json"), Some("en")).await;
    assert_eq!(data.status, StatusCode::OK);
    assert!(
        data.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("dagak-person-{id}.json"))
    );
    let json: serde_json::Value = serde_json::from_slice(&data.body).unwrap();
    assert_eq!(json["person"]["emails"][0], "ana@example.com");
    let api = app.get(&format!("/api/v1/people/{id}/data"), None).await.json();
    assert_eq!(api["person"]["id"], id);
    // With what the audit log holds about them: the creation and the exports so far.
    let actions: Vec<&str> = api["audit_entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["personal_data_export", "personal_data_export", "create"]);
    assert_eq!(api["audit_entries"][2]["user"], "admin@gumi.go.kr");

    let confirm = app.get(&format!("/people/{id}/erase"), Some("ko")).await;
    assert!(confirm.text().contains("개인정보를 삭제할까요?"), "{}", confirm.text());
    let unconfirmed = app.form(&format!("/people/{id}/erase"), &[], "en").await;
    assert_eq!(unconfirmed.status, StatusCode::PRECONDITION_REQUIRED);
    let done = app.form(&format!("/people/{id}/erase"), &[("confirm", "yes")], "en").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/people/{id}"), Some("en")).await.text();
    assert!(page.contains("Erased person") && page.contains("id=\"person-erased\""), "{page}");
    assert!(!page.contains("ana@example.com"));
    let api = app.get(&format!("/api/v1/people/{id}"), None).await.json();
    assert!(api["erased_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(api["emails"].as_array().unwrap().len(), 0);
    let again =
        app.json("POST", &format!("/api/v1/people/{id}/erase"), serde_json::json!({})).await;
    assert_eq!(again.status, StatusCode::PRECONDITION_REQUIRED, "the API needs confirm=true");
}

/// Text that breaks pages, queries or files when handled carelessly.
const HOSTILE: [&str; 4] =
    ["<script>alert('x')</script>", "\"quoted\" & 'single'", "' OR 1=1 --", "nul\u{0}byte"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_in_every_form_and_search_box_is_stored_verbatim_and_shown_escaped() {
    let app = app().await;
    for (i, text) in HOSTILE.iter().enumerate() {
        // Every free-text field of the organisation form.
        let name = format!("{text} {i}");
        let fields = [
            ("kind", "association"),
            ("country", "US"),
            ("name_en", name.as_str()),
            ("name_ko", text),
            ("city", text),
            ("industry_tags", text),
            ("description_ko", text),
            ("description_en", text),
        ];
        let created = app.form("/organizations", &fields, "en").await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{text:?}: {}", created.text());
        let page_url = created.headers[header::LOCATION].to_str().unwrap().to_owned();
        let id: i64 = page_url.rsplit('/').next().unwrap().parse().unwrap();
        let stored = app.get(&format!("/api/v1/organizations/{id}"), None).await.json();
        let org = &stored["organization"];
        // Stored as typed, but for NUL characters, which are never text (on either backend).
        let kept = text.replace('\0', "");
        assert_eq!(org["name_en"], name.replace('\0', ""), "stored verbatim");
        assert_eq!(
            (org["city"].as_str(), org["description_en"].as_str()),
            (Some(kept.as_str()), Some(kept.as_str()))
        );
        let html = app.get(&page_url, Some("en")).await.text();
        assert!(!html.contains("<script>alert"), "rendered escaped: {text:?}");
        if text.contains('<') {
            assert!(html.contains("&#60;script&#62;alert"), "shown as text: {text:?}");
        }

        // Every free-text field of the person form.
        let id_text = id.to_string();
        let person = [
            ("family_name", *text),
            ("given_name", "Kim"),
            ("titles", text),
            ("languages", "ko"),
            ("affiliation_org", id_text.as_str()),
            ("affiliation_role", text),
        ];
        let created = app.form("/people", &person, "en").await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{text:?}: {}", created.text());
        let person_url = created.headers[header::LOCATION].to_str().unwrap().to_owned();
        let html = app.get(&person_url, Some("en")).await.text();
        assert!(!html.contains("<script>alert"), "{text:?}");
        let person_id = person_url.rsplit('/').next().unwrap();
        let stored = app.get(&format!("/api/v1/people/{person_id}"), None).await.json();
        assert_eq!(stored["family_name"], kept);
        assert_eq!(stored["affiliations"][0]["role"], kept);
    }
    // Every search box and filter: the text is a search, never part of a query.
    let before = app.get("/api/v1/organizations", None).await.json()["total"].clone();
    assert_eq!(before, HOSTILE.len());
    for text in HOSTILE {
        let q = crate::encode(text);
        for url in [
            format!("/organizations?q={q}"),
            format!("/organizations?city={q}"),
            format!("/organizations?tag={q}"),
            format!("/people?q={q}"),
            format!("/api/v1/organizations?q={q}"),
            format!("/api/v1/people?q={q}"),
        ] {
            let answer = app.get(&url, Some("en")).await;
            assert_eq!(answer.status, StatusCode::OK, "{url}");
            // JSON carries the text as it is (served as JSON, never sniffed as HTML).
            if !url.starts_with("/api/") {
                assert!(!answer.text().contains("<script>alert"), "{url}");
            }
        }
        let found = app.get(&format!("/api/v1/organizations?q={q}"), None).await.json();
        assert!(found["total"].as_u64().unwrap() >= 1, "{text:?} finds its own record: {found}");
    }
    let after = app.get("/api/v1/organizations", None).await.json()["total"].clone();
    assert_eq!(before, after, "no search changed anything");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_past_their_retention_date_are_listed_for_erasure() {
    let app = app().await;
    let none = app.get("/people/due", Some("en")).await.text();
    assert!(none.contains("id=\"none-due\""));
    for (family, until) in [("Overdue", "2020-01-31"), ("Fine", "2999-01-01")] {
        let body =
            serde_json::json!({"family_name": family, "given_name": "Ana", "retain_until": until});
        let created = app.json("POST", "/api/v1/people", body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        assert_eq!(created.json()["retain_until"], until);
    }
    let due = app.get("/people/due", Some("en")).await.text();
    assert!(due.contains("Ana Overdue") && due.contains("31 Jan 2020"), "{due}");
    assert!(!due.contains("Fine"));
    assert!(app.get("/people", Some("en")).await.text().contains("href=\"/people/due\""));
}

/// See: issue 14, point 8.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_errors_say_which_value_and_which_limit_and_the_placeholder_is_valid() {
    let app = app().await;
    let long = "가".repeat(201);
    let fields = [
        ("kind", "local_firm"),
        ("country", "KR"),
        ("name_ko", long.as_str()),
        ("hs_codes", "901819, 12345"),
    ];
    let page = app.form("/organizations", &fields, "en").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = page.text();
    assert!(html.contains("you typed &#39;12345&#39;"), "the wrong code is named: {html}");
    assert!(html.contains("at most 200 characters"), "the limit is given: {html}");
    let ko = app.form("/organizations", &fields, "ko").await.text();
    assert!(ko.contains("최대 200자"), "{ko}");

    // The business number the form suggests passes its own check.
    let form = app.get("/organizations/new", Some("en")).await.text();
    let example = form
        .split("name=\"business_number\"")
        .nth(1)
        .and_then(|rest| rest.split("placeholder=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    assert!(dagak_domain::BusinessNumber::parse(example).is_ok(), "{example}");
}

/// See: issue 14, point 8 (`/import?done=` showed any text).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_import_summary_cannot_be_spoofed_and_reads_as_a_sentence() {
    let app = app().await;
    let spoof = app.get("/import?done=Your%20account%20is%20locked", Some("en")).await.text();
    assert!(!spoof.contains("Your account is locked"));
    let preview = app
        .upload(
            "/import",
            &[("orgs.csv", b"kind,name_en,country\nassociation,Irvine Chamber,US\n")],
        )
        .await
        .text();
    let token = preview.split("action=\"/import/").nth(1).unwrap().split('"').next().unwrap();
    let done = app.form(&format!("/import/{token}"), &[], "en").await;
    let back = done.headers[header::LOCATION].to_str().unwrap().to_owned();
    let page = app.get(&back, Some("en")).await.text();
    assert!(
        page.contains("Import done: organisations 1 created, 0 updated; people 0 created, 0 updated; rows skipped 0."),
        "{page}"
    );
    let ko = app.get(&back, Some("ko")).await.text();
    assert!(ko.contains("가져오기를 마쳤습니다: 기관 1곳 생성"), "{ko}");
}

/// See: issue 14, point 3 (the import form sent without a file gave a bare 400).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_import_form_without_a_file_says_so_in_the_readers_language() {
    let app = app().await;
    let request = Request::post("/import").header(header::COOKIE, "lang=ko");
    let answer = app.upload_form(request, &[("on_match", "skip")], &[("", b"")]).await;
    let text = answer.text();
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text.contains("id=\"missing-file\"") && text.contains("하나 이상 고르세요"), "{text}");
    assert!(!text.contains("Failed") && !text.contains("holds no file"), "{text}");
}

/// See: issue 14, point 7 (import errors on Korean pages added an English line and a raw
/// `business_number (column 7)`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_problems_name_the_column_as_the_file_wrote_it_in_the_readers_language() {
    let app = app().await;
    let csv = "kind,name_ko,name_en,country,city,domain,사업자등록번호,hs_codes\n\
               local_firm,구미전자,,KR,,,123-45-67890,\"901819, 12345\"\n";
    let request = axum::http::Request::post("/import").header(header::COOKIE, "lang=ko");
    let answer = app.upload_with(request, &[("firms.csv", csv.as_bytes())]).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.text());
    let html = answer.text();
    let problems = html.split("id=\"import-problems\"").nth(1).unwrap();
    let problems = problems.split("</table>").next().unwrap();
    assert!(problems.contains("사업자등록번호 (7열)"), "{problems}");
    assert!(problems.contains("hs_codes (8열)"), "{problems}");
    assert!(problems.contains("&#39;12345&#39;"), "the wrong code is named: {problems}");
    assert!(!problems.contains("column"), "no English: {problems}");
    assert!(!problems.contains("check digit"), "no English detail: {problems}");

    let request = axum::http::Request::post("/import").header(header::COOKIE, "lang=en");
    let english = app.upload_with(request, &[("firms.csv", csv.as_bytes())]).await.text();
    assert!(english.contains("사업자등록번호 (column 7)"), "{english}");
}

/// See: issue 14, point 8 (the people list did not mark past affiliations; people known only
/// by a title repeated it in the name column and six CEOs read alike; the duplicate warning
/// linked `#15`; the region chart closed up missing years and cited bare URLs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_mark_past_affiliations_tell_unnamed_people_apart_and_warnings_name_organisations() {
    use dagak_domain::{OrganizationDraft, PersonDraft};
    use dagak_service::{AffiliationInput, PersonInput};
    let app = app().await;
    let org = |ko: &str, number: &str| OrganizationDraft {
        kind: "local_firm".into(),
        name_ko: ko.into(),
        country: "KR".into(),
        business_number: number.into(),
        ..Default::default()
    };
    let a =
        app.service.create_organization(&org("구미메디텍", "124-81-00998"), false).await.unwrap();
    let b = app.service.create_organization(&org("경북카본", ""), false).await.unwrap();
    let ceo = |at: i64| PersonInput {
        person: PersonDraft { titles: "대표이사 (CEO)".into(), ..Default::default() },
        affiliations: vec![AffiliationInput { org_id: at.to_string(), ..Default::default() }],
    };
    app.service.create_person(&ceo(a.id.0)).await.unwrap();
    app.service.create_person(&ceo(b.id.0)).await.unwrap();
    let moved = PersonInput {
        person: PersonDraft {
            family_name: "김".into(),
            given_name: "민수".into(),
            ..Default::default()
        },
        affiliations: vec![
            AffiliationInput {
                org_id: b.id.to_string(),
                start: "2025-01-01".into(),
                ..Default::default()
            },
            AffiliationInput {
                org_id: a.id.to_string(),
                start: "2019-01-01".into(),
                end: "2024-12-31".into(),
                ..Default::default()
            },
        ],
    };
    app.service.create_person(&moved).await.unwrap();
    let html = app.get("/people", Some("ko")).await.text();
    assert!(html.contains("대표이사 (CEO) · 구미메디텍"), "{html}");
    assert!(html.contains("대표이사 (CEO) · 경북카본"), "{html}");
    assert!(html.contains("<span class=\"past\">구미메디텍 (전)</span>"), "{html}");

    // The duplicate warning names the organisation it links.
    let fields = [
        ("kind", "local_firm"),
        ("country", "KR"),
        ("name_ko", "새 기관"),
        ("business_number", "124-81-00998"),
    ];
    let warned = app.form("/organizations", &fields, "ko").await.text();
    let warning = warned.split("id=\"duplicate-warning\"").nth(1).unwrap();
    assert!(warning.split("</div>").next().unwrap().contains(">구미메디텍</a>"), "{warning}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_region_chart_shows_missing_years_and_cites_outlets_and_dates() {
    let app = app().await;
    crate::load_gumi(&app.service).await;
    let html = app.get("/region", Some("en")).await.text();
    assert!(html.contains("Years without a published figure: 2006, 2009–2012"), "{html}");
    assert_eq!(html.matches("class=\"bar-gap\"").count(), 5, "one gap per missing year");
    // The notes are on the page, not only in hover text.
    let table = html.split("id=\"region-years\"").nth(1).unwrap();
    assert!(table.contains("crossed $30B in 2005"), "{table}");
    assert!(html.contains(">Maeil Shinmun, 26 Sep 2007</a>"), "{html}");
}
