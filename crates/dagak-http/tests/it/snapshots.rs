//! The main pages as rendered HTML, in both languages, so a change shows its visible effect in
//! review (`cargo insta review`, or read the `.snap.new` files next to the snapshots). The dates
//! the store sets and import tokens are replaced by placeholders.

use dagak_domain::{OrganizationDraft, PersonDraft};
use dagak_service::{AffiliationInput, PersonInput};
use dagak_testkit::org_draft;

use crate::{TestApp, app};

/// A small directory: a local firm with a person, and two spellings of one foreign firm.
async fn seeded() -> (TestApp, i64, i64) {
    let app = app().await;
    let meditech = app
        .service
        .create_organization(
            &OrganizationDraft {
                business_number: "124-81-00998".into(),
                hs_codes: "901819".into(),
                offers: "manufacturing, rnd".into(),
                employees: "1200".into(),
                industry_tags: "의료기기".into(),
                city: "구미".into(),
                description_ko: "환자 감시 장치".into(),
                description_en: "Patient monitors".into(),
                ..org_draft("구미메디텍", "Gumi Meditech")
            },
            false,
        )
        .await
        .unwrap();
    for name in ["Irvine Sensor Labs", "Irvine Sensor Labs Inc."] {
        let draft = OrganizationDraft {
            kind: "foreign_firm".into(),
            country: "US".into(),
            city: "Irvine".into(),
            ..org_draft("", name)
        };
        app.service.create_organization(&draft, true).await.unwrap();
    }
    let person = app
        .service
        .create_person(&PersonInput {
            person: PersonDraft {
                family_name: "김".into(),
                given_name: "민수".into(),
                titles: "해외영업팀장".into(),
                emails: "minsu.kim@meditech.example".into(),
                consent_date: "2026-03-02".into(),
                consent_basis: "consent".into(),
                ..Default::default()
            },
            affiliations: vec![AffiliationInput {
                org_id: meditech.id.to_string(),
                role: "Export sales".into(),
                start: "2024-03-01".into(),
                end: String::new(),
            }],
        })
        .await
        .unwrap();
    crate::load_gumi(&app.service).await;
    (app, meditech.id.0, person.id.0)
}

/// Runs `check` with the placeholders for what changes from run to run.
fn stable(check: impl FnOnce()) {
    let mut settings = insta::Settings::clone_current();
    // Only the dates the store sets (created, updated) change; the dates typed in stay.
    settings.add_filter(
        r"(Created|Updated|등록|수정) (\d{4}년 \d{1,2}월 \d{1,2}일|\d{1,2} [A-Z][a-z]{2} \d{4})",
        "$1 [today]",
    );
    // The times of audit entries.
    settings.add_filter(
        r"(\d{4}년 \d{1,2}월 \d{1,2}일|\d{1,2} [A-Z][a-z]{2} \d{4}) \d{2}:\d{2} UTC",
        "[now] UTC",
    );
    settings.add_filter(r"/import/[0-9a-f]{32}", "/import/[token]");
    settings.add_filter(r#"name="_csrf" value="[0-9a-f]{64}""#, r#"name="_csrf" value="[csrf]""#);
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(check);
}

async fn page(app: &TestApp, uri: &str, lang: &str) -> String {
    let answer = app.get(uri, Some(lang)).await;
    assert!(answer.status.is_success(), "{uri}: {}", answer.status);
    answer.text()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_pages_in_both_languages() {
    let (app, org, person) = seeded().await;
    let pair = &app.service.find_duplicates().await.unwrap()[0];
    let merge = format!("/merge?keep={}&remove={}", pair.a.id, pair.b.id);
    for lang in ["ko", "en"] {
        for (name, uri) in [
            ("organization_edit", format!("/organizations/{org}/edit")),
            ("merge", merge.clone()),
            ("person_duplicates", "/duplicates/people".to_owned()),
            ("directory", "/organizations".to_owned()),
            ("organization", format!("/organizations/{org}")),
            ("person", format!("/people/{person}")),
            ("duplicates", "/duplicates".to_owned()),
            ("region", "/region".to_owned()),
        ] {
            let html = page(&app, &uri, lang).await;
            stable(|| insta::assert_snapshot!(format!("{name}_{lang}"), html));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_import_preview_in_both_languages() {
    let (app, _, _) = seeded().await;
    // One row matches the stored Gumi Meditech and moves it to Daegu; one is new.
    let csv = "kind,name_ko,name_en,country,city,business_number\n\
               local_firm,구미메디텍,Gumi Meditech,KR,대구,124-81-00998\n\
               foreign_firm,,Acme Sensors,US,,\n";
    for lang in ["ko", "en"] {
        let request = axum::http::Request::post("/import")
            .header(axum::http::header::COOKIE, format!("lang={lang}"));
        let html = app.upload_with(request, &[("partners.csv", csv.as_bytes())]).await.text();
        stable(|| insta::assert_snapshot!(format!("import_preview_{lang}"), html));
    }
}

/// The conflict page of a stale edit (issue 14, point 2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_edit_conflict_page_in_both_languages() {
    let (app, org, _) = seeded().await;
    let id = dagak_domain::OrgId(org);
    let stored = app.service.get_organization(id).await.unwrap().organization;
    let mut moved = stored.org.to_draft();
    moved.city = "대구".into();
    app.service.update_organization(id, &moved, Some(stored.version)).await.unwrap();
    let mut mine = stored.org.to_draft();
    mine.employees = "1500".into();
    let version = stored.version.to_string();
    let mut fields: Vec<(&str, &str)> = mine.fields().to_vec();
    fields.push(("version", &version));
    for lang in ["ko", "en"] {
        let answer = app.form(&format!("/organizations/{org}"), &fields, lang).await;
        assert_eq!(answer.status, axum::http::StatusCode::CONFLICT);
        let html = answer.text();
        stable(|| insta::assert_snapshot!(format!("edit_conflict_{lang}"), html));
    }
}
