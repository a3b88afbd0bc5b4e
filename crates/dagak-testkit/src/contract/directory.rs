//! The contract of the directory area ([`Store`]'s directory half and its schema): organisations
//! and people round-trip, filters, free text in Korean and English, sorting and pages, updates,
//! affiliations, duplicate keys, merge, deletion, emails and facets.

use dagak_domain::{
    BusinessNumber, CountryCode, HsCode, OrgId, OrgKind, OrganizationDraft, PersonDraft, WebDomain,
    name_keys,
};
use dagak_store::{OrgFilter, OrgSort, Page, PersonFilter, Store, StoreError};

use super::{ALL, names};
use crate::{affiliation, org, org_draft, person};

/// The directory story, on a fresh store (it migrates it, twice).
pub async fn directory_contract<S: Store>(store: &S) {
    store.migrate().await.unwrap();
    // Migrating twice is harmless.
    store.migrate().await.unwrap();
    assert_eq!(store.count_organizations().await.unwrap(), 0);

    let meditech = store
        .insert_organization(
            &org(OrganizationDraft {
                business_number: "124-81-00998".into(),
                domain: "gumi-meditech.example".into(),
                ..org_draft("구미메디텍", "Gumi Meditech")
            }),
            &crate::audit(),
        )
        .await
        .unwrap();
    let carbon = store
        .insert_organization(
            &org(OrganizationDraft {
                industry_tags: "carbon materials".into(),
                hs_codes: "6815".into(),
                ..org_draft("경북카본", "Gyeongbuk Carbon")
            }),
            &crate::audit(),
        )
        .await
        .unwrap();
    let irvine = store
        .insert_organization(
            &org(OrganizationDraft {
                kind: "government".into(),
                country: "US".into(),
                city: "Irvine".into(),
                industry_tags: String::new(),
                hs_codes: String::new(),
                offers: String::new(),
                seeks: String::new(),
                ..org_draft("어바인 시청", "City of Irvine")
            }),
            &crate::audit(),
        )
        .await
        .unwrap();

    // Get returns what was stored.
    let got = store.get_organization(meditech).await.unwrap();
    assert_eq!(got.id, meditech);
    assert_eq!(got.org.business_number.unwrap().to_string(), "124-81-00998");
    assert_eq!(got.org.hs_codes, vec![HsCode::parse("901819").unwrap()]);
    assert!(matches!(store.get_organization(OrgId(999_999)).await, Err(StoreError::NotFound)));

    // Filters.
    let by = |f: OrgFilter| names(store, f);
    assert_eq!(
        by(OrgFilter { kind: Some(OrgKind::Government), ..Default::default() }).await,
        ["City of Irvine"]
    );
    assert_eq!(
        by(OrgFilter { country: Some(CountryCode::parse("US").unwrap()), ..Default::default() })
            .await,
        ["City of Irvine"]
    );
    assert_eq!(
        by(OrgFilter { city: Some("gumi".into()), sort: OrgSort::NameEn, ..Default::default() })
            .await,
        ["Gumi Meditech", "Gyeongbuk Carbon"]
    );
    assert_eq!(
        by(OrgFilter { industry_tag: Some("Carbon Materials".into()), ..Default::default() }).await,
        ["Gyeongbuk Carbon"]
    );
    // An HS filter matches every code under it.
    assert_eq!(
        by(OrgFilter { hs_code: Some(HsCode::parse("9018").unwrap()), ..Default::default() }).await,
        ["Gumi Meditech"]
    );
    assert_eq!(
        by(OrgFilter { hs_code: Some(HsCode::parse("90").unwrap()), ..Default::default() }).await,
        ["Gumi Meditech"]
    );

    // Free text: any part of a Korean word, of two syllables or more, and English in any case.
    let text =
        |t: &str| OrgFilter { text: Some(t.into()), sort: OrgSort::NameEn, ..Default::default() };
    assert_eq!(by(text("메디")).await, ["Gumi Meditech"]);
    assert_eq!(by(text("디텍")).await, ["Gumi Meditech"]);
    assert_eq!(by(text("구미메디")).await, ["Gumi Meditech"]);
    assert_eq!(by(text("카")).await, ["Gyeongbuk Carbon"]);
    assert_eq!(by(text("IRVINE")).await, ["City of Irvine"]);
    assert_eq!(by(text("ir")).await, ["City of Irvine"]);
    assert_eq!(by(text("gumi medi")).await, ["Gumi Meditech"]);
    // The romanised Korean name is searchable too, and so is the business number.
    assert_eq!(by(text("gyeongbukka")).await, ["Gyeongbuk Carbon"]);
    assert_eq!(by(text("1248100998")).await, ["Gumi Meditech"]);
    assert!(by(text("존재하지않음")).await.is_empty());
    assert!(by(text("100%")).await.is_empty());
    // Control characters (schemathesis sends NUL) are separators, never an FTS5 syntax error.
    assert_eq!(by(text("gumi\u{0}meditech")).await, ["Gumi Meditech"]);
    assert!(by(text("\u{0}\u{1}")).await.len() == 3);

    // Sorting and pagination.
    let sorted = by(OrgFilter { sort: OrgSort::NameKo, ..Default::default() }).await;
    assert_eq!(sorted, ["Gyeongbuk Carbon", "Gumi Meditech", "City of Irvine"]);
    let page = store
        .list_organizations(
            &OrgFilter { sort: OrgSort::NameEn, ..Default::default() },
            Page { offset: 1, limit: 1 },
        )
        .await
        .unwrap();
    assert_eq!(page.total, 3);
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].org.display_name(dagak_domain::Lang::En), "Gumi Meditech");

    // Update replaces every field, including the derived search rows.
    let mut renamed = store.get_organization(carbon).await.unwrap().org;
    renamed.name_ko = Some("구미탄소소재".into());
    renamed.industry_tags = vec!["carbon fibre".into()];
    store.update_organization(carbon, &renamed, None, &crate::audit()).await.unwrap();
    assert!(by(text("경북")).await.is_empty());
    assert_eq!(by(text("탄소")).await, ["Gyeongbuk Carbon"]);
    assert_eq!(
        by(OrgFilter { industry_tag: Some("carbon fibre".into()), ..Default::default() }).await,
        ["Gyeongbuk Carbon"]
    );
    assert!(matches!(
        store.update_organization(OrgId(999_999), &renamed, None, &crate::audit()).await,
        Err(StoreError::NotFound)
    ));

    // People and affiliations.
    let ceo = store
        .insert_person(
            &person("김", "민수", "대표이사"),
            &[affiliation(meditech, "CEO")],
            &crate::audit(),
        )
        .await
        .unwrap();
    let mayor = store
        .insert_person(
            &person("", "", "Mayor of Irvine"),
            &[affiliation(irvine, "Mayor")],
            &crate::audit(),
        )
        .await
        .unwrap();
    let got = store.get_person(ceo).await.unwrap();
    assert_eq!(got.person.display_name(), "김민수");
    assert_eq!(got.affiliations.len(), 1);
    assert_eq!(got.affiliations[0].org_name_ko.as_deref(), Some("구미메디텍"));
    assert_eq!(store.get_organization(meditech).await.unwrap().people_count, 1);
    let of_irvine = store
        .list_people(&PersonFilter { org_id: Some(irvine), ..Default::default() }, ALL)
        .await
        .unwrap();
    assert_eq!(of_irvine.items.iter().map(|p| p.id).collect::<Vec<_>>(), [mayor]);
    let found = store
        .list_people(&PersonFilter { text: Some("민수".into()), ..Default::default() }, ALL)
        .await
        .unwrap();
    assert_eq!(found.total, 1);
    // An affiliation to an unknown organisation is refused and nothing is written.
    let before = store.list_people(&PersonFilter::default(), ALL).await.unwrap().total;
    let refused = store
        .insert_person(
            &person("Lee", "Ana", ""),
            &[affiliation(OrgId(999_999), "x")],
            &crate::audit(),
        )
        .await;
    assert!(matches!(refused, Err(StoreError::Conflict { .. })));
    assert_eq!(store.list_people(&PersonFilter::default(), ALL).await.unwrap().total, before);
    // Updating affiliations replaces them.
    store
        .update_person(
            ceo,
            &person("김", "민수", "대표"),
            Some(&[affiliation(carbon, "Adviser")]),
            None,
            &crate::audit(),
        )
        .await
        .unwrap();
    let got = store.get_person(ceo).await.unwrap();
    assert_eq!(got.person.titles, ["대표"]);
    assert_eq!(got.affiliations[0].affiliation.org_id, carbon);

    // Duplicate keys.
    let keys = name_keys(["Gumi Meditech Inc."]);
    let found = store.find_organizations_by_keys(None, None, &keys).await.unwrap();
    assert_eq!(found, [meditech]);
    let number = BusinessNumber::parse("1248100998").unwrap();
    let domain = WebDomain::parse("gumi-meditech.example").unwrap();
    assert_eq!(
        store.find_organizations_by_keys(Some(&number), Some(&domain), &[]).await.unwrap(),
        [meditech]
    );
    let all = store.all_organization_keys().await.unwrap();
    assert_eq!(all.len(), 3);
    assert!(all.iter().any(|k| k.id == meditech && k.business_number == Some(number)));

    // Merge moves affiliations and deletes the removed organisation.
    let merged = store.get_organization(meditech).await.unwrap().org;
    store.merge_organizations(meditech, &merged, carbon, &crate::audit()).await.unwrap();
    assert!(matches!(store.get_organization(carbon).await, Err(StoreError::NotFound)));
    assert_eq!(store.get_person(ceo).await.unwrap().affiliations[0].affiliation.org_id, meditech);
    assert!(store.merge_organizations(meditech, &merged, meditech, &crate::audit()).await.is_err());

    // Deleting an organisation removes its affiliations, not its people.
    store.delete_organization(irvine, &crate::audit()).await.unwrap();
    assert!(store.get_person(mayor).await.unwrap().affiliations.is_empty());
    assert!(matches!(
        store.delete_organization(irvine, &crate::audit()).await,
        Err(StoreError::NotFound)
    ));
    store.delete_person(mayor, &crate::audit()).await.unwrap();
    assert!(matches!(store.get_person(mayor).await, Err(StoreError::NotFound)));

    // People are recognisable by their emails, lower-cased.
    let ana = PersonDraft {
        family_name: "Lee".into(),
        emails: "Ana@Example.com".into(),
        ..Default::default()
    };
    let ana = store.insert_person(&ana.parse().unwrap(), &[], &crate::audit()).await.unwrap();
    assert!(
        store.all_person_emails().await.unwrap().contains(&(ana, "ana@example.com".to_owned()))
    );

    // People at given organisations, and people at none.
    let engineer = store
        .insert_person(
            &person("Park", "Jisoo", "Engineer"),
            &[affiliation(meditech, "Engineer")],
            &crate::audit(),
        )
        .await
        .unwrap();
    let found = store.people_at_organizations(&[meditech]).await.unwrap();
    assert!(found.iter().any(|(org, id, p)| {
        *org == Some(meditech) && *id == engineer && p.family_name.as_deref() == Some("Park")
    }));
    assert!(found.iter().any(|(org, id, _)| org.is_none() && *id == ana), "{found:?}");
    assert!(found.iter().all(|(org, _, _)| org.is_none() || *org == Some(meditech)));
    assert!(
        store.people_at_organizations(&[]).await.unwrap().iter().all(|(org, _, _)| org.is_none())
    );

    // Many at once: those that exist, each as one alone would read.
    let mut many = store.get_organizations(&[meditech, OrgId(999_999), meditech]).await.unwrap();
    many.dedup_by_key(|r| r.id);
    assert_eq!(many, [store.get_organization(meditech).await.unwrap()]);
    let mut people =
        store.get_people(&[engineer, ana, dagak_domain::PersonId(999_999)]).await.unwrap();
    people.sort_by_key(|p| p.id);
    let mut expected =
        vec![store.get_person(engineer).await.unwrap(), store.get_person(ana).await.unwrap()];
    expected.sort_by_key(|p| p.id);
    assert_eq!(people, expected);
    assert!(store.get_organizations(&[]).await.unwrap().is_empty());

    // Facets list tags and cities.
    let (tags, cities) = store.organization_facets().await.unwrap();
    assert!(tags.contains(&"medical devices".to_owned()));
    assert!(cities.contains(&"Gumi".to_owned()));
}

/// Retention: the people whose date has passed, soonest first, leaving out the erased.
pub async fn retention_contract<S: dagak_store::DirectoryStore>(store: &S) {
    let keep = |family: &str, until: &str| {
        dagak_domain::PersonDraft {
            family_name: family.into(),
            retain_until: until.into(),
            ..Default::default()
        }
        .parse()
        .unwrap()
    };
    let audit = crate::audit();
    let late = store.insert_person(&keep("Late", "2025-01-31"), &[], &audit).await.unwrap();
    let later = store.insert_person(&keep("Later", "2026-06-30"), &[], &audit).await.unwrap();
    store.insert_person(&keep("Kept", "2030-01-01"), &[], &audit).await.unwrap();
    store.insert_person(&keep("Forever", ""), &[], &audit).await.unwrap();
    let erased = store.insert_person(&keep("Erased", "2024-01-01"), &[], &audit).await.unwrap();
    store.erase_person(erased, &audit).await.unwrap();
    let due = store.people_retained_until_before(time::macros::date!(2026 - 12 - 01), 10).await;
    let ids: Vec<_> = due.unwrap().into_iter().map(|r| r.id).collect();
    assert_eq!(ids, [late, later]);
    let first = store.people_retained_until_before(time::macros::date!(2026 - 12 - 01), 1).await;
    assert_eq!(first.unwrap().len(), 1);
}

/// Versions: every write raises a record's version; an update made on an older one is refused
/// with `Stale` and writes nothing, whoever wrote in between (an edit, an import, a merge).
pub async fn versions_contract<S: Store>(store: &S) {
    let audit = crate::audit();
    let id = store
        .insert_organization(&org(org_draft("구미메디텍", "Gumi Meditech")), &audit)
        .await
        .unwrap();
    let read = store.get_organization(id).await.unwrap();
    assert_eq!(read.version, 1);
    // The first editor saves on the version they read.
    let mut first = read.org.clone();
    first.city = Some("Gumi".into());
    store.update_organization(id, &first, Some(read.version), &audit).await.unwrap();
    assert_eq!(store.get_organization(id).await.unwrap().version, 2);
    // The second read the same version: refused, and the first one's change stays.
    let mut second = read.org.clone();
    second.employees = Some(40);
    let refused = store.update_organization(id, &second, Some(read.version), &audit).await;
    assert!(matches!(refused, Err(StoreError::Stale { current: 2 })), "{refused:?}");
    let now = store.get_organization(id).await.unwrap();
    assert_eq!((now.org.city.as_deref(), now.org.employees, now.version), (Some("Gumi"), None, 2));
    // Without a version the update is unchecked (the command line, restores).
    store.update_organization(id, &second, None, &audit).await.unwrap();
    assert_eq!(store.get_organization(id).await.unwrap().version, 3);
    // A missing record is not found, whatever the version.
    let missing = store.update_organization(OrgId(999_999), &second, Some(1), &audit).await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");

    let kim = store.insert_person(&person("김", "민수", "대표"), &[], &audit).await.unwrap();
    let read = store.get_person(kim).await.unwrap();
    assert_eq!(read.version, 1);
    store.update_person(kim, &person("김", "민수", "이사"), None, Some(1), &audit).await.unwrap();
    let refused =
        store.update_person(kim, &person("김", "민수", "고문"), None, Some(1), &audit).await;
    assert!(matches!(refused, Err(StoreError::Stale { current: 2 })), "{refused:?}");
    assert_eq!(store.get_person(kim).await.unwrap().person.titles, ["이사"]);
    // Erasure is a write too.
    store.erase_person(kim, &audit).await.unwrap();
    assert_eq!(store.get_person(kim).await.unwrap().version, 3);
    // A merge raises the kept record's version.
    let other = store
        .insert_organization(&org(org_draft("경북카본", "Gyeongbuk Carbon")), &audit)
        .await
        .unwrap();
    let before = store.get_organization(id).await.unwrap().version;
    let merged = store.get_organization(id).await.unwrap().org;
    store.merge_organizations(id, &merged, other, &audit).await.unwrap();
    assert_eq!(store.get_organization(id).await.unwrap().version, before + 1);
}

/// Search (issue 14, point 6): free text also finds the city, the tags in both languages, the
/// descriptions and the titles of the people affiliated, and ranks name matches first; the tag
/// filter reads either language and any case.
pub async fn search_contract<S: Store>(store: &S) {
    let audit = crate::audit();
    let ids_of = |found: dagak_store::PageOf<dagak_store::OrgRecord>| {
        found.items.into_iter().map(|r| r.id).collect::<Vec<_>>()
    };
    let text = |q: &str| OrgFilter { text: Some(q.into()), ..Default::default() };
    let in_gumi = OrganizationDraft {
        kind: "local_firm".into(),
        name_en: "Alpha Sensors".into(),
        country: "KR".into(),
        city: "구미".into(),
        industry_tags: "medical devices".into(),
        description_en: "Pulse oximeters for clinics".into(),
        ..Default::default()
    };
    let alpha = store.insert_organization(&org(in_gumi), &audit).await.unwrap();
    let named = OrganizationDraft {
        kind: "government".into(),
        name_ko: "구미시".into(),
        country: "KR".into(),
        industry_tags: "의료기기".into(),
        ..Default::default()
    };
    let city_hall = store.insert_organization(&org(named), &audit).await.unwrap();
    let plain = OrganizationDraft {
        kind: "foreign_firm".into(),
        name_en: "Zeta Logistics".into(),
        country: "US".into(),
        city: "Irvine".into(),
        ..Default::default()
    };
    let zeta = store.insert_organization(&org(plain), &audit).await.unwrap();

    // "구미" is the city of one and the name of the other: both, the name match first, in
    // every sort order.
    for sort in [
        OrgSort::NameKo,
        OrgSort::NameEn,
        OrgSort::Country,
        OrgSort::Kind,
        OrgSort::RecentlyUpdated,
    ] {
        let filter = OrgFilter { sort, ..text("구미") };
        let found = store.list_organizations(&filter, ALL).await.unwrap();
        assert_eq!(found.total, 2);
        assert_eq!(ids_of(found), [city_hall, alpha], "{sort:?}");
        // One-row pages on each side of the boundary between name matches and the others.
        let first = store.list_organizations(&filter, Page { offset: 0, limit: 1 }).await;
        assert_eq!(ids_of(first.unwrap()), [city_hall], "{sort:?}, page 1");
        let second = store.list_organizations(&filter, Page { offset: 1, limit: 1 }).await;
        assert_eq!(ids_of(second.unwrap()), [alpha], "{sort:?}, page 2");
        let past = store.list_organizations(&filter, Page { offset: 2, limit: 1 }).await.unwrap();
        assert_eq!((past.total, past.items.len()), (2, 0), "{sort:?}, past the end");
    }
    // Descriptions, and tags in the other language.
    assert_eq!(ids_of(store.list_organizations(&text("oximeter"), ALL).await.unwrap()), [alpha]);
    let devices = store.list_organizations(&text("의료기기"), ALL).await.unwrap();
    assert_eq!(devices.total, 2);
    let devices = store.list_organizations(&text("Medical"), ALL).await.unwrap();
    assert_eq!(devices.total, 2);
    // The tag filter: either language, any case.
    for tag in ["의료기기", "Medical Devices", "medical devices"] {
        let filter = OrgFilter { industry_tag: Some(tag.into()), ..Default::default() };
        let found = store.list_organizations(&filter, ALL).await.unwrap();
        assert_eq!(found.total, 2, "{tag}");
    }
    let city = OrgFilter { city: Some("IRVINE".into()), ..Default::default() };
    assert_eq!(ids_of(store.list_organizations(&city, ALL).await.unwrap()), [zeta]);
    // A city in the other script is the same city.
    let gumi = OrgFilter { city: Some("Gumi".into()), ..Default::default() };
    assert_eq!(ids_of(store.list_organizations(&gumi, ALL).await.unwrap()), [alpha]);

    // The titles of the people affiliated, kept in step as people change.
    assert!(store.list_organizations(&text("procurement"), ALL).await.unwrap().items.is_empty());
    let buyer = store
        .insert_person(&person("Lee", "Ana", "Procurement lead"), &[affiliation(zeta, "")], &audit)
        .await
        .unwrap();
    assert_eq!(ids_of(store.list_organizations(&text("procurement"), ALL).await.unwrap()), [zeta]);
    store
        .update_person(buyer, &person("Lee", "Ana", "Head of sourcing"), None, None, &audit)
        .await
        .unwrap();
    assert!(store.list_organizations(&text("procurement"), ALL).await.unwrap().items.is_empty());
    assert_eq!(ids_of(store.list_organizations(&text("sourcing"), ALL).await.unwrap()), [zeta]);
    // Moving to another organisation moves the title with them.
    store
        .update_person(
            buyer,
            &person("Lee", "Ana", "Head of sourcing"),
            Some(&[affiliation(alpha, "")]),
            None,
            &audit,
        )
        .await
        .unwrap();
    assert_eq!(ids_of(store.list_organizations(&text("sourcing"), ALL).await.unwrap()), [alpha]);
    store.delete_person(buyer, &audit).await.unwrap();
    assert!(store.list_organizations(&text("sourcing"), ALL).await.unwrap().items.is_empty());
}

/// Bulk writes: tagging and deleting several organisations is one transaction each, all or
/// nothing.
pub async fn bulk_contract<S: Store>(store: &S) {
    let audit = crate::audit();
    let mut ids = Vec::new();
    for (ko, en) in [("가온", "Gaon"), ("나래", "Narae"), ("다솜", "Dasom")] {
        ids.push(store.insert_organization(&org(org_draft(ko, en)), &audit).await.unwrap());
    }
    // The fixture's tag is "medical devices"; its Korean name is the same tag.
    assert_eq!(store.tag_organizations(&ids, "의료기기", &audit).await.unwrap(), 0);
    assert_eq!(store.tag_organizations(&ids[..2], "Export Club", &audit).await.unwrap(), 2);
    assert_eq!(store.tag_organizations(&ids, "export club", &audit).await.unwrap(), 1);
    let filter = OrgFilter { industry_tag: Some("export club".into()), ..Default::default() };
    assert_eq!(store.list_organizations(&filter, ALL).await.unwrap().total, 3);
    // One unknown id: nothing is tagged, nothing deleted.
    let with_unknown = [ids[0], OrgId(999_999)];
    assert!(store.tag_organizations(&with_unknown, "later", &audit).await.is_err());
    let later = OrgFilter { industry_tag: Some("later".into()), ..Default::default() };
    assert_eq!(store.list_organizations(&later, ALL).await.unwrap().total, 0);
    assert!(store.delete_organizations(&with_unknown, &audit).await.is_err());
    assert_eq!(store.count_organizations().await.unwrap(), 3);
    store.delete_organizations(&ids[..2], &audit).await.unwrap();
    assert_eq!(store.count_organizations().await.unwrap(), 1);
}
