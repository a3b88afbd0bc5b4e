//! The organisation list as a CRM's (issue 14, point 9): sortable headings, chosen columns, bulk
//! actions on a selection, and named views saved per user.

use axum::http::StatusCode;
use dagak_domain::OrganizationDraft;

use crate::app;

async fn three(app: &crate::TestApp) -> Vec<i64> {
    let mut ids = Vec::new();
    for (name, country, kind) in [
        ("Alpha Sensors", "US", "foreign_firm"),
        ("Beta Labs", "DE", "university"),
        ("Gamma Devices", "JP", "foreign_firm"),
    ] {
        let draft = OrganizationDraft {
            kind: kind.into(),
            name_en: name.into(),
            country: country.into(),
            ..Default::default()
        };
        ids.push(app.service.create_organization(&draft, false).await.unwrap().id.0);
    }
    ids
}

fn order(html: &str, names: &[&str]) -> Vec<usize> {
    let mut found: Vec<(usize, usize)> =
        names.iter().enumerate().map(|(i, n)| (html.find(n).unwrap_or(usize::MAX), i)).collect();
    found.sort();
    found.into_iter().map(|(_, i)| i).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_heading_sorts_the_list_and_the_columns_are_chosen_in_the_url() {
    let app = app().await;
    three(&app).await;
    let names = ["Alpha Sensors", "Beta Labs", "Gamma Devices"];
    let html = app.get("/organizations", Some("en")).await.text();
    assert_eq!(order(&html, &names), [0, 1, 2]);
    // The country heading links to the list sorted by country: DE, JP, US.
    let link = html.split("id=\"sort-country\"").next().unwrap();
    let href =
        link.rsplit("href=\"").next().unwrap().split('"').next().unwrap().replace("&amp;", "&");
    assert!(href.contains("sort=country"), "{href}");
    let sorted = app.get(&href, Some("en")).await.text();
    assert_eq!(order(&sorted, &names), [1, 2, 0]);
    assert!(sorted.contains("aria-sort=\"ascending\""), "the sorted column says so");
    // Kind: foreign_firm before university.
    let by_kind = app.get("/organizations?sort=kind", Some("en")).await.text();
    assert_eq!(order(&by_kind, &names)[2], 1);

    // Only the columns asked for, and the updated column on request.
    let chosen = app.get("/organizations?col=country&col=updated", Some("en")).await.text();
    let head = chosen.split("<thead>").nth(1).unwrap().split("</thead>").next().unwrap();
    assert!(head.contains("Country") && head.contains("Updated"), "{head}");
    assert!(!head.contains("Kind") && !head.contains("City"), "{head}");
    // The pager and headings keep them.
    assert!(chosen.contains("cols=country%2Cupdated"), "{chosen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_actions_tag_export_merge_and_delete_a_selection() {
    let app = app().await;
    let ids = three(&app).await;
    let id = |i: usize| ids[i].to_string();
    let (a, b, c) = (id(0), id(1), id(2));
    let tag = [
        ("action", "tag"),
        ("tag", "Irvine 2026"),
        ("ids", &a),
        ("ids", &b),
        ("ids", &c),
        ("back", "/organizations?country=US"),
    ];
    let tagged = app.form("/organizations/bulk", &tag, "ko").await;
    assert_eq!(tagged.status, StatusCode::SEE_OTHER);
    let location = tagged.headers.get("location").unwrap().to_str().unwrap().to_owned();
    assert_eq!(location, "/organizations?country=US&tagged=3");
    let listed = app.get("/organizations?tag=irvine%202026", Some("ko")).await.text();
    assert!(listed.contains("기관 3곳") || listed.contains("3개 기관"), "{listed}");
    let notice = app.get(&location, Some("ko")).await.text();
    assert!(notice.contains("기관 3곳에 태그를 붙였습니다."), "{notice}");
    // A return address elsewhere is not followed.
    let away = [("action", "tag"), ("tag", "x"), ("ids", a.as_str()), ("back", "//evil.example/")];
    let answer = app.form("/organizations/bulk", &away, "ko").await;
    assert!(
        answer.headers.get("location").unwrap().to_str().unwrap().starts_with("/organizations?")
    );

    // Export of the selection: the two chosen, in the import's columns.
    let export = [("action", "export"), ("ids", a.as_str()), ("ids", c.as_str())];
    let file = app.form("/organizations/bulk", &export, "en").await;
    assert_eq!(file.status, StatusCode::OK);
    let csv = file.text();
    assert!(
        csv.contains("Alpha Sensors") && csv.contains("Gamma Devices") && !csv.contains("Beta"),
        "{csv}"
    );
    assert!(csv.trim_start_matches('\u{feff}').starts_with("kind,name_ko,name_en"), "{csv}");

    // Merge needs exactly two.
    let one =
        app.form("/organizations/bulk", &[("action", "merge"), ("ids", a.as_str())], "en").await;
    assert_eq!(one.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(one.text().contains("select exactly two"), "{}", one.text());
    let pair = app
        .form("/organizations/bulk", &[("action", "merge"), ("ids", &a), ("ids", &b)], "en")
        .await;
    assert_eq!(pair.headers.get("location").unwrap(), &format!("/merge?keep={a}&remove={b}"));

    // Delete asks first, with the count and the names, and deletes nothing until confirmed.
    let ask = app
        .form("/organizations/bulk", &[("action", "delete"), ("ids", &a), ("ids", &b)], "en")
        .await;
    assert_eq!(ask.status, StatusCode::OK);
    let page = ask.text();
    assert!(page.contains("This deletes 2 organisations.") && page.contains("Beta Labs"), "{page}");
    assert_eq!(app.service.list_organizations(&Default::default()).await.unwrap().total, 3);
    let confirm =
        [("action", "delete"), ("confirm", "yes"), ("ids", a.as_str()), ("ids", b.as_str())];
    let done = app.form("/organizations/bulk", &confirm, "en").await;
    assert_eq!(done.headers.get("location").unwrap(), "/organizations?deleted=2");
    assert_eq!(app.service.list_organizations(&Default::default()).await.unwrap().total, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_is_saved_per_user_and_opens_the_same_list() {
    let app = app().await;
    three(&app).await;
    let save = [
        ("area", "organizations"),
        ("view_name", "US firms"),
        ("back", "/organizations?country=US&sort=name_en&page=3&evil=1"),
    ];
    let saved = app.form("/views", &save, "en").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let url = saved.headers.get("location").unwrap().to_str().unwrap().to_owned();
    assert_eq!(url, "/organizations?country=US&sort=name_en", "the list's own parameters only");
    let list = app.get("/organizations", Some("en")).await.text();
    assert!(
        list.contains(&format!("<a href=\"{}\">US firms</a>", url.replace('&', "&#38;"))),
        "{list}"
    );
    // Another user does not see it.
    let other = dagak_domain::UserDraft {
        email: "staff@gumi.go.kr".into(),
        display_name: "Staff".into(),
        role: "staff".into(),
        lang: "en".into(),
        organization: String::new(),
    };
    let user = app.service.create_user(&other, crate::PASSWORD).await.unwrap();
    let session = app.sign_in_as(user.id).await;
    let theirs = app.with_session(Some(session)).get("/organizations", Some("en")).await.text();
    assert!(!theirs.contains("US firms"), "{theirs}");
    // An empty name says so.
    let unnamed = app.form("/views", &[("area", "organizations"), ("view_name", " ")], "en").await;
    assert_eq!(unnamed.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// See: issue 14, point 10: a dated note on a record, shown with its changes in one timeline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_joins_the_records_changes_in_one_timeline_and_only_its_author_or_an_admin_deletes_it()
 {
    let app = app().await;
    let ids = three(&app).await;
    let page = format!("/organizations/{}", ids[0]);
    let empty = app.form(&format!("{page}/notes"), &[("note", "  ")], "en").await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let added =
        app.form(&format!("{page}/notes"), &[("note", "Met at MEDICA; wants samples")], "en").await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text());
    assert_eq!(added.headers.get("location").unwrap(), &format!("{page}#activity"));
    let html = app.get(&page, Some("en")).await.text();
    let timeline = html.split("id=\"timeline\"").nth(1).unwrap().split("</ol>").next().unwrap();
    assert!(timeline.contains("Met at MEDICA; wants samples"), "{timeline}");
    assert!(
        timeline.contains("admin@gumi.go.kr") || timeline.contains("관리자"),
        "who: {timeline}"
    );
    // The creation of the record is in the same list, after the note (older).
    let note_at = timeline.find("Met at MEDICA").unwrap();
    let created_at = timeline.find("class=\"change\"").expect("the record's creation is listed");
    assert!(note_at < created_at, "newest first: {timeline}");

    // Another staff member sees it but may not delete it; the author may.
    let note_id: i64 =
        timeline.split("id=\"note-").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
    let other = dagak_domain::UserDraft {
        email: "staff@gumi.go.kr".into(),
        display_name: "Staff".into(),
        role: "staff".into(),
        lang: "en".into(),
        organization: String::new(),
    };
    let user = app.service.create_user(&other, crate::PASSWORD).await.unwrap();
    let staff = app.with_session(Some(app.sign_in_as(user.id).await));
    let seen = staff.get(&page, Some("en")).await.text();
    assert!(
        seen.contains("Met at MEDICA") && !seen.contains(&format!("/notes/{note_id}/delete")),
        "{seen}"
    );
    let refused = staff.form(&format!("/notes/{note_id}/delete"), &[], "en").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let deleted = app.form(&format!("/notes/{note_id}/delete"), &[], "en").await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert!(!app.get(&page, Some("en")).await.text().contains("Met at MEDICA"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_people_list_sorts_saves_views_and_deletes_a_selection_after_asking() {
    use dagak_domain::PersonDraft;
    use dagak_service::PersonInput;
    let app = app().await;
    let mut ids = Vec::new();
    for (family, given) in [("하", "은"), ("가", "온"), ("나", "래")] {
        let input = PersonInput {
            person: PersonDraft {
                family_name: family.into(),
                given_name: given.into(),
                ..Default::default()
            },
            affiliations: Vec::new(),
        };
        ids.push(app.service.create_person(&input).await.unwrap().id.0);
    }
    let names = ["가온", "나래", "하은"];
    let by_name = app.get("/people", Some("ko")).await.text();
    assert_eq!(order(&by_name, &names), [0, 1, 2]);
    // The latest change first: 나래 was created last.
    let by_updated = app.get("/people?sort=updated", Some("ko")).await.text();
    assert_eq!(order(&by_updated, &names)[0], 1, "{by_updated}");
    assert!(by_updated.contains("aria-sort=\"descending\""));
    let bad = app.get("/api/v1/people?sort=age", None).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let save = [("area", "people"), ("view_name", "최근"), ("back", "/people?sort=updated")];
    let saved = app.form("/views", &save, "ko").await;
    assert_eq!(saved.headers.get("location").unwrap(), "/people?sort=updated");

    let (a, b) = (ids[0].to_string(), ids[1].to_string());
    let ask =
        app.form("/people/bulk", &[("action", "delete"), ("ids", &a), ("ids", &b)], "ko").await;
    assert!(ask.text().contains("인물 2명을 삭제합니다."), "{}", ask.text());
    assert_eq!(app.service.list_people(&Default::default()).await.unwrap().total, 3);
    let confirm = [
        ("action", "delete"),
        ("confirm", "yes"),
        ("ids", a.as_str()),
        ("ids", b.as_str()),
        ("back", "/people"),
    ];
    let done = app.form("/people/bulk", &confirm, "ko").await;
    assert_eq!(done.headers.get("location").unwrap(), "/people?deleted=2");
    assert_eq!(app.service.list_people(&Default::default()).await.unwrap().total, 1);
}
