use dagak_domain::{OrganizationDraft, PersonDraft};
use dagak_service::{
    AffiliationInput, ExportFormat, ExportList, OrgListQuery, PersonInput, PersonListQuery,
    ServiceError,
};
use dagak_testkit::org_draft;

use crate::service;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organisation_with_a_taken_business_number_is_a_duplicate() {
    let (service, _dir) = service().await;
    let draft = OrganizationDraft {
        business_number: "124-81-00998".into(),
        ..org_draft("구미메디텍", "Gumi Meditech")
    };
    let first = service.create_organization(&draft, false).await.unwrap().id;
    let again = OrganizationDraft { name_ko: "다른이름".into(), ..draft.clone() };
    match service.create_organization(&again, false).await {
        Err(ServiceError::Duplicate { existing, names }) => {
            assert_eq!(existing, [first]);
            assert_eq!(names.len(), 1);
        }
        other => panic!("expected a duplicate, got {other:?}"),
    }
    // Explicitly allowed, it is stored, and duplicate review finds the pair.
    service.create_organization(&again, true).await.unwrap();
    let pairs = service.find_duplicates().await.unwrap();
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0].reasons[0].code(), "same_business_number");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_filters_are_reported_per_field() {
    let (service, _dir) = service().await;
    let query =
        OrgListQuery { hs: Some("12345".into()), kind: Some("alien".into()), ..Default::default() };
    match service.list_organizations(&query).await {
        Err(ServiceError::Invalid(errors)) => {
            assert!(errors.for_field("hs").is_some());
            assert!(errors.for_field("kind").is_some());
        }
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_needs_confirmation() {
    let (service, _dir) = service().await;
    let id = service
        .create_organization(&org_draft("구미메디텍", "Gumi Meditech"), false)
        .await
        .unwrap()
        .id;
    assert!(matches!(
        service.delete_organization(id, false).await,
        Err(ServiceError::ConfirmationRequired)
    ));
    service.get_organization(id).await.unwrap();
    service.delete_organization(id, true).await.unwrap();
    assert!(matches!(service.get_organization(id).await, Err(ServiceError::NotFound)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn similar_names_across_languages_are_found_and_merged_with_a_preview() {
    let (service, _dir) = service().await;
    let korean = service
        .create_organization(
            &OrganizationDraft {
                name_en: String::new(),
                description_ko: "환자 모니터".into(),
                ..org_draft("구미텍", "")
            },
            false,
        )
        .await
        .unwrap()
        .id;
    let english = service
        .create_organization(
            &OrganizationDraft {
                name_ko: String::new(),
                domain: "gumitek.example".into(),
                hs_codes: "9018, 8517".into(),
                ..org_draft("", "Gumitek Co., Ltd.")
            },
            false,
        )
        .await
        .unwrap()
        .id;
    let unrelated = service
        .create_organization(&org_draft("경북카본", "Gyeongbuk Carbon"), false)
        .await
        .unwrap()
        .id;
    let person = service
        .create_person(&PersonInput {
            person: PersonDraft {
                family_name: "Lee".into(),
                given_name: "Ana".into(),
                ..Default::default()
            },
            affiliations: vec![AffiliationInput {
                org_id: english.to_string(),
                role: "Sales".into(),
                ..Default::default()
            }],
        })
        .await
        .unwrap()
        .id;
    let pairs = service.find_duplicates().await.unwrap();
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!((pairs[0].a.id, pairs[0].b.id), (korean, english));
    assert!(pairs.iter().all(|p| p.a.id != unrelated && p.b.id != unrelated));

    // The dry run changes nothing and says what would move.
    let none = std::collections::BTreeSet::new();
    let plan = service.merge_organizations(korean, english, &none, true).await.unwrap();
    assert_eq!(plan.moved_people.len(), 1);
    let fields: Vec<&str> = plan.changes.iter().map(|c| c.field).collect();
    assert_eq!(fields, ["name_en", "domain", "hs_codes"]);
    service.get_organization(english).await.unwrap();

    service.merge_organizations(korean, english, &none, false).await.unwrap();
    // The removed organisation's id now leads to the kept one.
    assert!(matches!(
        service.get_organization(english).await,
        Err(ServiceError::Moved { entity: "organization", to }) if to == korean.0
    ));
    let kept = service.get_organization(korean).await.unwrap();
    assert_eq!(kept.organization.org.name_en.as_deref(), Some("Gumitek Co., Ltd."));
    assert_eq!(kept.organization.org.description_ko.as_deref(), Some("환자 모니터"));
    assert_eq!(kept.people.iter().map(|p| p.id).collect::<Vec<_>>(), [person]);
    assert!(service.find_duplicates().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_with_an_unknown_organisation_is_refused() {
    let (service, _dir) = service().await;
    let input = PersonInput {
        person: PersonDraft {
            family_name: "김".into(),
            given_name: "민수".into(),
            ..Default::default()
        },
        affiliations: vec![AffiliationInput { org_id: "424242".into(), ..Default::default() }],
    };
    match service.create_person(&input).await {
        Err(ServiceError::Invalid(errors)) => {
            assert!(errors.for_field("affiliation_org").is_some())
        }
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warming_up_leaves_lists_answering_the_same() {
    let (service, _dir) = service().await;
    service.warm_up().await.unwrap();
    service.create_organization(&org_draft("구미메디텍", "Gumi Meditech"), false).await.unwrap();
    service.warm_up().await.unwrap();
    let query = OrgListQuery { sort: Some("updated".into()), ..Default::default() };
    let found = service.list_organizations(&query).await.unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].org.display_name(dagak_domain::Lang::En), "Gumi Meditech");
}

/// See issue 13, point 6: a person's data on request, and erasing it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persons_data_is_exported_and_erased_while_counts_stay() {
    let (service, _dir) = service().await;
    let org = service
        .create_organization(&org_draft("구미메디텍", "Gumi Meditech"), false)
        .await
        .unwrap();
    let input = PersonInput {
        person: PersonDraft {
            family_name: "Lee".into(),
            given_name: "Ana".into(),
            emails: "ana.lee@example.com".into(),
            phones: "+1 949 555 0100".into(),
            titles: "Buyer".into(),
            ..Default::default()
        },
        affiliations: vec![AffiliationInput {
            org_id: org.id.to_string(),
            role: "Buyer".into(),
            ..Default::default()
        }],
    };
    let ana = service.create_person(&input).await.unwrap();
    let data = service.person_data(ana.id).await.unwrap();
    assert_eq!(data.person.person.emails, ["ana.lee@example.com"]);
    assert_eq!(data.person.affiliations.len(), 1);

    assert!(matches!(
        service.erase_person(ana.id, false).await,
        Err(ServiceError::ConfirmationRequired)
    ));
    assert_eq!(
        service.get_person(ana.id).await.unwrap().person.emails.len(),
        1,
        "unconfirmed: kept"
    );
    let erased = service.erase_person(ana.id, true).await.unwrap();
    assert!(erased.erased_at.is_some());
    assert_eq!(erased.person, dagak_domain::Person::erased());
    assert_eq!(erased.affiliations.len(), 1, "the affiliation stays, without personal details");
    assert_eq!(service.get_organization(org.id).await.unwrap().organization.people_count, 1);
    // Nothing personal is found any more, nor exported, nor matched by an import.
    let found = service
        .list_people(&PersonListQuery { q: Some("ana".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(found.total, 0);
    let export = service.export(ExportList::People, ExportFormat::Csv).await.unwrap().bytes;
    assert!(!String::from_utf8_lossy(&export).contains("ana.lee"));
    assert!(matches!(
        service.erase_person(dagak_domain::PersonId(999), true).await,
        Err(ServiceError::NotFound)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_scope_source_and_retention_are_kept_exported_and_checked() {
    let (service, _dir) = service().await;
    let draft = PersonDraft {
        family_name: "Smith".into(),
        given_name: "Jane".into(),
        emails: "jane@irvine.example".into(),
        consent_date: "2026-05-14".into(),
        consent_basis: "consent".into(),
        consent_scope: "contact about trade missions".into(),
        consent_source: "business card, KOTRA LA".into(),
        retain_until: "2029-05-14".into(),
        ..Default::default()
    };
    let created = service
        .create_person(&PersonInput { person: draft.clone(), affiliations: Vec::new() })
        .await
        .unwrap();
    let consent = created.person.consent.clone().unwrap();
    assert_eq!(consent.scope.as_deref(), Some("contact about trade missions"));
    assert_eq!(consent.source.as_deref(), Some("business card, KOTRA LA"));
    assert_eq!(created.person.retain_until, Some(time::macros::date!(2029 - 05 - 14)));
    let csv = service.export(ExportList::People, ExportFormat::Csv).await.unwrap().bytes;
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.lines().next().unwrap().contains("consent_scope,consent_source,retain_until"));
    assert!(
        csv.contains("contact about trade missions,\"business card, KOTRA LA\",2029-05-14"),
        "{csv}"
    );

    // A source without a consent, or a date that is none, is refused by field.
    for (bad, field) in [
        (
            PersonDraft {
                consent_date: String::new(),
                consent_basis: String::new(),
                ..draft.clone()
            },
            "consent_basis",
        ),
        (PersonDraft { retain_until: "soon".into(), ..draft.clone() }, "retain_until"),
    ] {
        match service.create_person(&PersonInput { person: bad, affiliations: Vec::new() }).await {
            Err(ServiceError::Invalid(errors)) => {
                assert!(errors.for_field(field).is_some(), "{errors:?}")
            }
            other => panic!("{other:?}"),
        }
    }
}

/// See: issue 14, point 4 (a merge dropped the removed organisation's other names, city and
/// employee count without saying so; people had no merge at all).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merge_shows_every_differing_field_takes_the_chosen_values_and_merges_people_too() {
    let (service, _dir) = service().await;
    let kept = OrganizationDraft {
        city: "구미".into(),
        industry_tags: "wearables".into(),
        ..org_draft("구미텍", "Gumitek")
    };
    let removed = OrganizationDraft {
        city: "Gumi-si".into(),
        employees: "120".into(),
        industry_tags: "medical devices".into(),
        ..org_draft("구미테크", "Gumitek Co.")
    };
    let kept = service.create_organization(&kept, false).await.unwrap().id;
    let removed = service.create_organization(&removed, true).await.unwrap().id;
    let same = service.merge_organizations(kept, kept, &Default::default(), true).await;
    assert!(matches!(same, Err(ServiceError::Conflict(reason)) if reason == "merge_into_itself"));
    let bad = std::collections::BTreeSet::from(["industry_tags".to_owned()]);
    assert!(matches!(
        service.merge_organizations(kept, removed, &bad, true).await,
        Err(ServiceError::Invalid(_))
    ));

    let plan = service.merge_organizations(kept, removed, &Default::default(), true).await.unwrap();
    let fields: Vec<&str> = plan.fields.iter().map(|f| f.field).collect();
    assert_eq!(fields, ["name_ko", "name_en", "city", "employees", "industry_tags"]);
    let employees = plan.fields.iter().find(|f| f.field == "employees").unwrap();
    assert!(employees.from_removed, "an empty field is filled from the removed one");
    // Staff choose the removed organisation's city and Korean name.
    let take = std::collections::BTreeSet::from(["city".to_owned(), "name_ko".to_owned()]);
    service.merge_organizations(kept, removed, &take, false).await.unwrap();
    let org = service.get_organization(kept).await.unwrap().organization.org;
    assert_eq!(org.city.as_deref(), Some("Gumi-si"));
    assert_eq!(org.name_ko.as_deref(), Some("구미테크"));
    assert_eq!(org.name_en.as_deref(), Some("Gumitek"));
    assert_eq!(org.employees, Some(120));
    assert_eq!(org.industry_tags, ["medical devices", "wearables"]);

    // People: the same person typed twice, in Korean and in English, at one organisation.
    let person = |family: &str, given: &str, email: &str, title: &str| PersonInput {
        person: PersonDraft {
            family_name: family.into(),
            given_name: given.into(),
            emails: email.into(),
            titles: title.into(),
            ..Default::default()
        },
        affiliations: vec![AffiliationInput {
            org_id: kept.to_string(),
            role: "CEO".into(),
            ..Default::default()
        }],
    };
    let a = service.create_person(&person("김", "민수", "minsu@gumitek.kr", "대표")).await.unwrap();
    let b = service.create_person(&person("Kim", "Minsu", "", "CEO")).await.unwrap();
    let pairs = service.find_duplicate_people().await.unwrap();
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!((pairs[0].a.id, pairs[0].b.id), (a.id, b.id));
    let take = std::collections::BTreeSet::from(["given_name".to_owned()]);
    let plan = service.merge_people(a.id, b.id, &take, false).await.unwrap();
    assert!(plan.moved_affiliations.is_empty(), "the same affiliation is not doubled");
    let merged = service.get_person(a.id).await.unwrap();
    assert_eq!(merged.person.given_name.as_deref(), Some("Minsu"));
    assert_eq!(merged.person.titles, ["대표", "CEO"]);
    assert_eq!(merged.person.emails, ["minsu@gumitek.kr"]);
    assert_eq!(merged.affiliations.len(), 1);
    assert!(matches!(
        service.get_person(b.id).await,
        Err(ServiceError::Moved { entity: "person", to }) if to == a.id.0
    ));
    assert!(service.find_duplicate_people().await.unwrap().is_empty());
}
