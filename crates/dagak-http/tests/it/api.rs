use axum::http::StatusCode;
use serde_json::json;

use crate::app;

fn meditech() -> serde_json::Value {
    json!({
        "kind": "local_firm", "name_ko": "구미메디텍", "name_en": "Gumi Meditech", "country": "KR",
        "city": "구미", "business_number": "124-81-00998", "industry_tags": ["medical devices"],
        "hs_codes": ["901819"], "offers": ["manufacturing"], "seeks": ["distribution"], "employees": 120
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organisations_are_created_listed_searched_and_fetched() {
    let app = app().await;
    let created = app.json("POST", "/api/v1/organizations", meditech()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let id = created.json()["id"].as_i64().unwrap();
    assert_eq!(created.json()["business_number"], "124-81-00998");

    let list = app.get("/api/v1/organizations?q=%EB%A9%94%EB%94%94", None).await; // q=메디
    assert_eq!(list.status, StatusCode::OK);
    let list = list.json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], id);
    assert_eq!(list["per_page"], 25);

    let got = app.get(&format!("/api/v1/organizations/{id}"), None).await.json();
    assert_eq!(got["organization"]["hs_codes"], json!(["901819"]));
    assert_eq!(got["people"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_input_answers_422_with_stable_codes_per_field() {
    let app = app().await;
    let mut body = meditech();
    body["business_number"] = json!("124-81-00999");
    body["hs_codes"] = json!(["0199"]);
    let answer = app.json("POST", "/api/v1/organizations", body).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = &answer.json()["error"];
    assert_eq!(error["code"], "invalid_input");
    let codes: Vec<(&str, &str)> = error["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap(), f["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [("business_number", "business_number_check_digit"), ("hs_codes", "hs_code_unknown")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_answer_400_and_missing_ones_404() {
    let app = app().await;
    let answer = app
        .json("POST", "/api/v1/organizations", json!({"kind": "local_firm", "colour": "red"}))
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.json()["error"]["code"], "bad_request");
    let answer = app.get("/api/v1/organizations/not-a-number", None).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let answer = app.get("/api/v1/organizations/424242", None).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.json()["error"]["code"], "not_found");
    let answer = app.get("/api/v1/organizations?page=x", None).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let answer = app.get("/api/v1/organizations?hs=123", None).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A page size out of range is refused, not silently clamped.
    for uri in
        ["/api/v1/organizations?per_page=201", "/api/v1/people?per_page=0", "/api/v1/people?page=0"]
    {
        let answer = app.get(uri, None).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(answer.json()["error"]["message"].as_str().unwrap().contains("page"));
    }
    // A broken multipart upload is a JSON error like every other.
    let upload = axum::http::Request::post("/api/v1/imports")
        .header(axum::http::header::CONTENT_TYPE, "multipart/form-data")
        .body(axum::body::Body::from("--x--\r\n"))
        .unwrap();
    let answer = app.send(upload).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.json()["error"]["code"], "bad_request");
    // JSON does not tell 12 from 12.0: both are integers.
    let mut body = meditech();
    body["employees"] = json!(120.0);
    let created = app.json("POST", "/api/v1/organizations", body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(created.json()["employees"], 120);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_conflict_and_deletion_needs_confirmation() {
    let app = app().await;
    let id =
        app.json("POST", "/api/v1/organizations", meditech()).await.json()["id"].as_i64().unwrap();
    let again = app.json("POST", "/api/v1/organizations", meditech()).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.json()["error"]["existing"], json!([id]));

    let answer = app
        .send(
            axum::http::Request::delete(format!("/api/v1/organizations/{id}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(answer.json()["error"]["code"], "confirmation_required");
    let answer = app
        .send(
            axum::http::Request::delete(format!("/api/v1/organizations/{id}?confirm=true"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_link_to_organisations_and_merge_previews() {
    let app = app().await;
    let a = app
        .json(
            "POST",
            "/api/v1/organizations",
            json!({"kind": "foreign_firm", "name_en": "Gumitek Inc.", "country": "US"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let b = app
        .json(
            "POST",
            "/api/v1/organizations",
            json!({"kind": "foreign_firm", "name_ko": "구미텍", "country": "US"}),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let person = app
        .json("POST", "/api/v1/people", json!({"family_name": "Smith", "given_name": "Jane", "titles": ["VP"], "affiliations": [{"organization_id": b, "role": "VP", "start": "2024-01-01"}]}))
        .await;
    assert_eq!(person.status, StatusCode::CREATED, "{}", person.text());
    assert_eq!(person.json()["display_name"], "Jane Smith");

    let pairs = app.get("/api/v1/duplicates", None).await.json();
    assert_eq!(pairs["items"][0]["reasons"], json!(["same_name"]));
    let plan = app
        .json(
            "POST",
            &format!("/api/v1/organizations/{a}/merge"),
            json!({"remove": b, "dry_run": true}),
        )
        .await;
    assert_eq!(plan.status, StatusCode::OK, "{}", plan.text());
    assert_eq!(plan.json()["moved_people"][0]["display_name"], "Jane Smith");
    assert_eq!(app.get(&format!("/api/v1/organizations/{b}"), None).await.status, StatusCode::OK);
    app.json("POST", &format!("/api/v1/organizations/{a}/merge"), json!({"remove": b})).await;
    // The removed organisation's resource points at the kept one.
    let gone = app.get(&format!("/api/v1/organizations/{b}"), None).await;
    assert_eq!(gone.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(gone.headers.get("location").unwrap(), &format!("/api/v1/organizations/{a}"));
    assert_eq!(gone.json()["error"]["code"], "moved");
    assert_eq!(gone.json()["error"]["moved_to"], a);
    let people = app.get(&format!("/api/v1/people?organization_id={a}"), None).await.json();
    assert_eq!(people["total"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_preview_commit_and_reject_with_file_line_and_column() {
    let app = app().await;
    let csv = "kind,name_ko,country,business_number\nlocal_firm,구미전자,KR,124-81-00998\n";
    let preview = app.upload("/api/v1/imports", &[("orgs.csv", csv.as_bytes())]).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    assert_eq!(preview.json()["preview"]["rows"][0]["action"], "create");
    assert_eq!(app.get("/api/v1/organizations", None).await.json()["total"], 0);
    let committed =
        app.upload("/api/v1/imports?commit=true", &[("orgs.csv", csv.as_bytes())]).await;
    assert_eq!(committed.json()["organizations_created"], 1);

    let bad = "kind,name_ko,country,business_number\nlocal_firm,구미전자2,KR,124-81-00999\n";
    let rejected = app.upload("/api/v1/imports?commit=true", &[("bad.csv", bad.as_bytes())]).await;
    assert_eq!(rejected.status, StatusCode::UNPROCESSABLE_ENTITY);
    let problem = &rejected.json()["error"]["problems"][0];
    assert_eq!(problem["file"], "bad.csv");
    assert_eq!(problem["line"], 2);
    assert_eq!(problem["column"], "business_number (column 4)");
    assert_eq!(problem["code"], "business_number_check_digit");
    assert_eq!(app.get("/api/v1/organizations", None).await.json()["total"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_preview_is_committed_by_its_token_once() {
    let app = app().await;
    let csv = "kind,name_en,country\nforeign_firm,Acme Sensors,US\n";
    let preview = app.upload("/api/v1/imports", &[("acme.csv", csv.as_bytes())]).await.json();
    assert_eq!(preview["committed"], false);
    let token = preview["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 32);
    assert!(preview["expires_at"].as_str().unwrap().ends_with('Z'));
    let committed = app.json("POST", &format!("/api/v1/imports/{token}"), json!({})).await;
    assert_eq!(committed.status, StatusCode::OK, "{}", committed.text());
    assert_eq!(committed.json()["committed"], true);
    assert_eq!(committed.json()["organizations_created"], 1);
    let again = app.json("POST", &format!("/api/v1/imports/{token}"), json!({})).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(again.json()["error"]["code"], "import_not_found");
    assert_eq!(app.get("/api/v1/organizations", None).await.json()["total"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_download_as_csv_and_xlsx() {
    let app = app().await;
    app.json("POST", "/api/v1/organizations", meditech()).await;
    let csv = app.get("/api/v1/exports/organizations.csv", None).await;
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert!(csv.text().contains("구미메디텍"));
    let xlsx = app.get("/api/v1/exports/directory.xlsx", None).await;
    assert!(xlsx.body.starts_with(b"PK"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_every_route() {
    let app = app().await;
    let doc = app.get("/api/v1/openapi.json", None).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    // Both ways: every route the router serves is documented, and every documented operation
    // is served.
    let served: std::collections::BTreeSet<(String, String)> = dagak_http::api_routes()
        .into_iter()
        .map(|(method, path)| (method.to_owned(), path.to_owned()))
        .collect();
    let documented: std::collections::BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| ["get", "post", "put", "delete", "patch"].contains(&k.as_str()))
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(undocumented.is_empty(), "served but not documented: {undocumented:?}");
    assert!(unserved.is_empty(), "documented but not served: {unserved:?}");
    assert!(served.len() >= 16, "the route table looks incomplete: {served:?}");
    // Every $ref points at a schema that exists.
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for piece in text.split("#/components/schemas/").skip(1) {
        let name: String = piece.chars().take_while(|c| c.is_alphanumeric()).collect();
        assert!(schemas.contains_key(&name), "missing schema {name}");
    }
}

/// See: issue 14, point 3 (framework text reached users).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_requests_get_our_words_never_the_frameworks() {
    let app = app().await;
    for (uri, names) in [
        ("/api/v1/organizations/abc", None),
        ("/api/v1/organizations?page=-1", Some("`page`")),
        ("/api/v1/people?per_page=many", Some("`per_page`")),
    ] {
        let answer = app.get(uri, None).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}");
        let message = answer.json()["error"]["message"].as_str().unwrap().to_owned();
        for framework in ["i64", "u64", "Cannot parse", "Failed to deserialize", "invalid digit"] {
            assert!(!message.contains(framework), "{uri}: {message}");
        }
        if let Some(field) = names {
            assert!(message.contains(field), "{uri}: {message}");
        }
    }
    let body = json!({"family_name": "Kim", "affiliations": [{"org_id": 1}]});
    let answer = app.json("POST", "/api/v1/people", body).await;
    let message = answer.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("`affiliations[0].org_id`") && !message.contains("expected one of"),
        "{message}"
    );
    let broken = app.json_text("POST", "/api/v1/people", "{not json").await;
    assert_eq!(broken.json()["error"]["code"], "bad_request");
    assert!(!broken.json()["error"]["message"].as_str().unwrap().contains("EOF"));

    // Pages say it in the reader's language, whatever was wrong.
    for (uri, status) in [
        ("/organizations/abc", StatusCode::BAD_REQUEST),
        ("/organizations?page=-1", StatusCode::BAD_REQUEST),
        ("/merge?keep=1", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let page = app.get(uri, Some("ko")).await;
        assert_eq!(page.status, status, "{uri}");
        let text = page.text();
        assert!(text.contains("<html lang=\"ko\">") && !text.contains("deserialize"), "{uri}");
    }
    // The merge without its second record says which is missing.
    let page = app.get("/merge?keep=1", Some("ko")).await.text();
    assert!(page.contains("합칠 기록: 필수 항목입니다"), "{page}");
}

/// Two application servers on one database: what one writes, the other answers at once (its
/// lists included, which it read before the write).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_through_one_server_is_seen_through_the_other_at_once() {
    let app = app().await;
    let other = crate::server_beside(&app, std::sync::Arc::new(dagak_service::SystemClock)).await;
    let body = json!({"kind": "foreign_firm", "name_en": "Irvine Medical", "country": "US"});
    let created = app.json("POST", "/api/v1/organizations", body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let id = created.json()["id"].as_i64().unwrap();
    let listed = other.get("/api/v1/organizations?q=irvine", None).await.json();
    assert_eq!(listed["total"], 1, "{listed}");
    let edit =
        json!({"kind": "foreign_firm", "name_en": "Irvine Medical Devices", "country": "US"});
    let saved = other.json("PUT", &format!("/api/v1/organizations/{id}"), edit).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    let seen = app.get(&format!("/api/v1/organizations/{id}"), None).await.json();
    assert_eq!(seen["organization"]["name_en"], "Irvine Medical Devices", "{seen}");
    let listed = app.get("/api/v1/organizations?q=devices", None).await.json();
    assert_eq!(listed["total"], 1, "{listed}");
}
