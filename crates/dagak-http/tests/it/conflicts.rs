//! Lost updates (issue 14, point 2): two people edit one record; the second save, made on the
//! version both read, is refused with what is stored now beside what was typed, and nothing is
//! written. The API takes the version in the body or as `If-Match` and answers 409.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use dagak_domain::{OrganizationDraft, PersonDraft};
use dagak_service::{AffiliationInput, PersonInput};

use crate::app;

fn gumi_meditech() -> OrganizationDraft {
    OrganizationDraft {
        kind: "local_firm".into(),
        name_ko: "구미메디텍".into(),
        name_en: "Gumi Meditech".into(),
        country: "KR".into(),
        city: "구미".into(),
        employees: "40".into(),
        ..Default::default()
    }
}

/// The form's fields as the edit page fills them, with `change` applied.
fn edit_fields(page: &str, change: (&str, &str)) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for input in page.split("<input").skip(1) {
        let attr = |name: &str| {
            input
                .split(&format!(" {name}=\""))
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .map(|v| v.replace("&#39;", "'").replace("&quot;", "\""))
        };
        if let (Some(name), value) = (attr("name"), attr("value")) {
            if name == "_csrf" || attr("type").as_deref() == Some("checkbox") {
                continue;
            }
            let value =
                if name == change.0 { change.1.to_owned() } else { value.unwrap_or_default() };
            fields.push((name, value));
        }
    }
    fields.push(("kind".into(), "local_firm".into()));
    fields.push(("country".into(), "KR".into()));
    fields
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_save_of_one_edit_shows_both_values_and_writes_nothing() {
    let app = app().await;
    let org = app.service.create_organization(&gumi_meditech(), false).await.unwrap();
    let edit = format!("/organizations/{}/edit", org.id);
    // Both open the form.
    let first_form = app.get(&edit, Some("ko")).await.text();
    let second_form = app.get(&edit, Some("ko")).await.text();
    assert!(first_form.contains("name=\"version\" value=\"1\""), "{first_form}");

    let first = edit_fields(&first_form, ("city", "Gumi-si"));
    let borrowed: Vec<(&str, &str)> = first.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = app.form(&format!("/organizations/{}", org.id), &borrowed, "ko").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());

    let second = edit_fields(&second_form, ("employees", "55"));
    let borrowed: Vec<(&str, &str)> =
        second.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let refused = app.form(&format!("/organizations/{}", org.id), &borrowed, "ko").await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let html = refused.text();
    assert!(html.contains("id=\"edit-conflict\""), "{html}");
    assert!(html.contains("다른 사용자가 먼저 저장했습니다"), "{html}");
    // Both values of each field that differs: the first one's city, the second one's count.
    let table = html.split("conflict-table").nth(1).unwrap();
    assert!(table.contains("Gumi-si") && table.contains("구미"), "{table}");
    assert!(table.contains("55") && table.contains("40"), "{table}");
    // What was typed stays in the form, now at the stored version.
    assert!(html.contains("name=\"employees\" value=\"55\""), "{html}");
    assert!(html.contains("name=\"version\" value=\"2\""), "{html}");
    // Nothing was written.
    let now = app.service.get_organization(org.id).await.unwrap().organization;
    assert_eq!(
        (now.org.city.as_deref(), now.org.employees, now.version),
        (Some("Gumi-si"), Some(40), 2)
    );

    // Saving again from the conflict page is a deliberate choice and goes through.
    let again = edit_fields(&html, ("employees", "55"));
    let borrowed: Vec<(&str, &str)> = again.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = app.form(&format!("/organizations/{}", org.id), &borrowed, "en").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let now = app.service.get_organization(org.id).await.unwrap().organization;
    assert_eq!((now.org.employees, now.version), (Some(55), 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_person_form_is_refused_with_the_saved_values_in_english() {
    let app = app().await;
    let org = app.service.create_organization(&gumi_meditech(), false).await.unwrap();
    let input = PersonInput {
        person: PersonDraft {
            family_name: "김".into(),
            given_name: "민수".into(),
            titles: "대표".into(),
            ..Default::default()
        },
        affiliations: vec![AffiliationInput { org_id: org.id.to_string(), ..Default::default() }],
    };
    let kim = app.service.create_person(&input).await.unwrap();
    let mut changed = input.clone();
    changed.person.titles = "이사".into();
    app.service.update_person(kim.id, &changed, Some(kim.version)).await.unwrap();

    let fields = [
        ("version", "1"),
        ("family_name", "김"),
        ("given_name", "민수"),
        ("titles", "고문"),
        ("affiliation_org", "#1"),
    ];
    let refused = app.form(&format!("/people/{}", kim.id), &fields, "en").await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let html = refused.text();
    assert!(html.contains("Someone else saved this first"), "{html}");
    let table = html.split("conflict-table").nth(1).unwrap();
    assert!(table.contains("이사") && table.contains("고문"), "{table}");
    assert_eq!(app.service.get_person(kim.id).await.unwrap().person.titles, ["이사"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_gives_an_etag_and_answers_409_with_the_current_record() {
    let app = app().await;
    let org = app.service.create_organization(&gumi_meditech(), false).await.unwrap();
    let uri = format!("/api/v1/organizations/{}", org.id);
    let got = app.get(&uri, None).await;
    assert_eq!(got.headers.get(header::ETAG).unwrap(), "\"1\"");
    assert_eq!(got.json()["organization"]["version"], 1);

    let body = |city: &str| serde_json::json!({ "kind": "local_firm", "country": "KR", "name_ko": "구미메디텍", "city": city });
    let put = |city: &str, if_match: Option<&str>| {
        let mut request = Request::put(&uri).header(header::CONTENT_TYPE, "application/json");
        if let Some(tag) = if_match {
            request = request.header(header::IF_MATCH, tag);
        }
        request.body(Body::from(body(city).to_string())).unwrap()
    };
    let saved = app.send(put("Gumi-si", Some("\"1\""))).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    assert_eq!(saved.headers.get(header::ETAG).unwrap(), "\"2\"");

    let stale = app.send(put("Daegu", Some("\"1\""))).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text());
    let error = &stale.json()["error"];
    assert_eq!(error["code"], "edit_conflict");
    assert_eq!(error["current"]["city"], "Gumi-si");
    assert_eq!(error["current"]["version"], 2);

    // The version in the body works the same; a weak tag is read too.
    let mut with_version = body("Daegu");
    with_version["version"] = 1.into();
    let stale = app.json("PUT", &uri, with_version).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let weak = app.send(put("Daegu", Some("W/\"2\""))).await;
    assert_eq!(weak.status, StatusCode::OK, "{}", weak.text());
    // A tag that is not one is a 400 in our words, and no header keeps the old behaviour.
    let bad = app.send(put("Busan", Some("yesterday"))).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["error"]["code"], "bad_request");
    let unchecked = app.send(put("Busan", None)).await;
    assert_eq!(unchecked.status, StatusCode::OK);
    assert_eq!(app.service.get_organization(org.id).await.unwrap().organization.version, 4);
}

/// See: issue 14, point 5 ("구미" gave only "not an allowed value", and the empty row was
/// outlined too).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_affiliation_names_its_organisation_by_part_of_its_name_or_says_which_it_matches() {
    let app = app().await;
    let create = |ko: &str, en: &str, kind: &str| OrganizationDraft {
        kind: kind.into(),
        name_ko: ko.into(),
        name_en: en.into(),
        country: "KR".into(),
        ..Default::default()
    };
    let city = create("구미시", "Gumi City", "government");
    let city = app.service.create_organization(&city, false).await.unwrap();
    let chamber = create("구미상공회의소", "Gumi Chamber", "chamber");
    let chamber = app.service.create_organization(&chamber, false).await.unwrap();
    let fields = |org: &str| {
        vec![
            ("family_name".to_owned(), "김".to_owned()),
            ("given_name".to_owned(), "민수".to_owned()),
            ("affiliation_org".to_owned(), org.to_owned()),
            ("affiliation_role".to_owned(), String::new()),
            // The blank row the form always offers.
            ("affiliation_org".to_owned(), String::new()),
        ]
    };
    let post = |fields: Vec<(String, String)>, lang: &'static str| {
        let app = &app;
        async move {
            let borrowed: Vec<(&str, &str)> =
                fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            app.form("/people", &borrowed, lang).await
        }
    };
    let refused = post(fields("구미"), "ko").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(
        html.contains("&#39;구미&#39;에 해당하는 기관이 2곳입니다: 구미상공회의소, 구미시")
            || html.contains("&#39;구미&#39;에 해당하는 기관이 2곳입니다: 구미시, 구미상공회의소"),
        "{html}"
    );
    // Only the row with the refused value is outlined.
    assert_eq!(html.matches("<label class=\"invalid\">").count(), 1, "{html}");
    let english = post(fields("Gumi"), "en").await.text();
    assert!(english.contains("matches 2 organisations"), "{english}");
    let none = post(fields("부산"), "en").await.text();
    assert!(none.contains("No organisation matches &#39;부산&#39;"), "{none}");

    // Part of one organisation's name, and the picker's "Name (#id)", are that organisation.
    let saved = post(fields("상공회의"), "ko").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let picked = post(fields(&format!("구미시 (#{})", city.id)), "ko").await;
    assert_eq!(picked.status, StatusCode::SEE_OTHER, "{}", picked.text());
    let people = app.service.list_people(&Default::default()).await.unwrap();
    let mut orgs: Vec<_> =
        people.items.iter().map(|p| p.affiliations[0].affiliation.org_id).collect();
    orgs.sort();
    let mut expected = vec![city.id, chamber.id];
    expected.sort();
    assert_eq!(orgs, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_lists_duplicate_people_and_merges_them_with_chosen_fields() {
    let app = app().await;
    let org = app.service.create_organization(&gumi_meditech(), false).await.unwrap();
    let person = |family: &str, given: &str, email: &str| {
        serde_json::json!({
            "family_name": family, "given_name": given, "emails": [email],
            "affiliations": [{"organization_id": org.id.0}]
        })
    };
    let a = app.json("POST", "/api/v1/people", person("김", "민수", "minsu@gumi.kr")).await.json();
    let b =
        app.json("POST", "/api/v1/people", person("Kim", "Minsu", "minsu@gumi.kr")).await.json();
    let pairs = app.get("/api/v1/duplicates/people", None).await;
    assert_eq!(pairs.status, StatusCode::OK, "{}", pairs.text());
    let pairs = pairs.json();
    assert_eq!(pairs["items"][0]["reasons"][0], "same_email", "{pairs}");
    let uri = format!("/api/v1/people/{}/merge", a["id"]);
    let plan = app
        .json(
            "POST",
            &uri,
            serde_json::json!({"remove": b["id"], "dry_run": true, "take_removed": ["given_name"]}),
        )
        .await;
    assert_eq!(plan.status, StatusCode::OK, "{}", plan.text());
    let fields: Vec<String> = plan.json()["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["family_name", "given_name", "name_order"]);
    let bad = app
        .json("POST", &uri, serde_json::json!({"remove": b["id"], "take_removed": ["emails"]}))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "lists are joined, never chosen");
    let done = app
        .json("POST", &uri, serde_json::json!({"remove": b["id"], "take_removed": ["given_name"]}))
        .await;
    assert_eq!(done.status, StatusCode::OK);
    let kept = app.get(&format!("/api/v1/people/{}", a["id"]), None).await.json();
    assert_eq!(kept["given_name"], "Minsu");
    let gone = app.get(&format!("/api/v1/people/{}", b["id"]), None).await;
    assert_eq!(gone.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(gone.headers.get(header::LOCATION).unwrap(), &format!("/api/v1/people/{}", a["id"]));
}
