//! The contract of the list totals: whatever a backend keeps to count fast (PostgreSQL keeps
//! counts by kind, country and city, and of people, in triggers), every list's `total` equals
//! the matches it lists, through inserts, updates that move a record between countries and
//! cities, merges, deletes and bulk deletes.

use dagak_domain::{CountryCode, OrgKind, OrganizationDraft};
use dagak_store::{OrgFilter, Page, PersonFilter, Store};

use crate::{org, org_draft, person};

const EVERYTHING: Page = Page { offset: 0, limit: 1000 };

/// Every combination of kind, country and city the contract's records have, and none.
fn filters() -> Vec<OrgFilter> {
    let mut filters = Vec::new();
    for kind in [None, Some(OrgKind::LocalFirm), Some(OrgKind::ForeignFirm)] {
        for country in [None, Some("KR"), Some("US")] {
            for city in [None, Some("Gumi"), Some("구미"), Some("Irvine"), Some("Seattle")] {
                filters.push(OrgFilter {
                    kind,
                    country: country.map(|c| CountryCode::parse(c).expect("valid code")),
                    city: city.map(str::to_owned),
                    ..Default::default()
                });
            }
        }
    }
    filters
}

/// Each filter's total is the number of organisations it lists, and the unfiltered one is
/// `count_organizations`.
async fn totals_hold<S: Store>(store: &S, step: &str) {
    for filter in filters() {
        let found = store.list_organizations(&filter, EVERYTHING).await.unwrap();
        assert_eq!(found.total, found.items.len() as u64, "{step}: {filter:?}");
        // A short page still counts every match.
        let first = store.list_organizations(&filter, Page { offset: 0, limit: 1 }).await.unwrap();
        assert_eq!(first.total, found.total, "{step}: one-row page of {filter:?}");
    }
    let all = store.list_organizations(&OrgFilter::default(), EVERYTHING).await.unwrap();
    assert_eq!(store.count_organizations().await.unwrap(), all.total, "{step}");
    let people = store.list_people(&PersonFilter::default(), EVERYTHING).await.unwrap();
    assert_eq!(people.total, people.items.len() as u64, "{step}: people");
    let short = Page { offset: 0, limit: 1 };
    let short = store.list_people(&PersonFilter::default(), short).await.unwrap();
    assert_eq!(short.total, people.total, "{step}: one-row page of people");
}

/// Every page, in every sort order and with or without a filter, holds what the whole list
/// holds there (a backend may read a deep page from the order's other end).
async fn pages_hold<S: Store>(store: &S) {
    use dagak_store::OrgSort;
    let sorts = [
        OrgSort::NameKo,
        OrgSort::NameEn,
        OrgSort::Country,
        OrgSort::Kind,
        OrgSort::RecentlyUpdated,
    ];
    for sort in sorts {
        for country in [None, CountryCode::parse("KR").ok()] {
            let filter = OrgFilter { sort, country, ..Default::default() };
            let ids = |found: dagak_store::PageOf<dagak_store::OrgRecord>| {
                found.items.into_iter().map(|r| r.id).collect::<Vec<_>>()
            };
            let all = ids(store.list_organizations(&filter, EVERYTHING).await.unwrap());
            for offset in 0..=all.len() as u64 {
                for limit in [1, 2, 3] {
                    let page = Page { offset, limit };
                    let found = ids(store.list_organizations(&filter, page).await.unwrap());
                    let start = usize::try_from(offset).unwrap();
                    let end = (start + usize::try_from(limit).unwrap()).min(all.len());
                    assert_eq!(found, all[start..end], "{filter:?} {page:?}");
                }
            }
        }
    }
}

pub async fn counts_contract<S: Store>(store: &S) {
    let audit = crate::audit();
    totals_hold(store, "empty").await;
    let foreign = |ko: &str, en: &str, city: &str| {
        org(OrganizationDraft {
            kind: "foreign_firm".into(),
            country: "US".into(),
            city: city.into(),
            ..org_draft(ko, en)
        })
    };
    let gaon = store.insert_organization(&org(org_draft("가온", "Gaon")), &audit).await.unwrap();
    let narae = store.insert_organization(&org(org_draft("나래", "Narae")), &audit).await.unwrap();
    let labs = foreign("", "Irvine Labs", "Irvine");
    let irvine = store.insert_organization(&labs, &audit).await.unwrap();
    let sound = foreign("", "Sound Labs", "Seattle");
    let seattle = store.insert_organization(&sound, &audit).await.unwrap();
    let kim = store.insert_person(&person("김", "민수", "CEO"), &[], &audit).await.unwrap();
    store.insert_person(&person("이", "서연", "CTO"), &[], &audit).await.unwrap();
    totals_hold(store, "after inserts").await;
    pages_hold(store).await;

    // An update that moves a firm to another country and city, one that changes only its name,
    // and one that changes its kind.
    store
        .update_organization(narae, &foreign("나래", "Narae", "Seattle"), None, &audit)
        .await
        .unwrap();
    totals_hold(store, "after a move").await;
    store
        .update_organization(gaon, &org(org_draft("가온", "Gaon Tech")), None, &audit)
        .await
        .unwrap();
    totals_hold(store, "after a rename").await;
    let moved = org(OrganizationDraft { kind: "local_firm".into(), ..org_draft("", "Sound Labs") });
    store.update_organization(seattle, &moved, None, &audit).await.unwrap();
    totals_hold(store, "after a change of kind").await;

    // A merge removes one; a delete and a bulk delete remove more; people go too.
    store
        .merge_organizations(gaon, &org(org_draft("가온", "Gaon")), seattle, &audit)
        .await
        .unwrap();
    totals_hold(store, "after a merge").await;
    store.delete_organization(irvine, &audit).await.unwrap();
    totals_hold(store, "after a delete").await;
    store.delete_person(kim, &audit).await.unwrap();
    totals_hold(store, "after a person's delete").await;
    store.delete_organizations(&[gaon, narae], &audit).await.unwrap();
    totals_hold(store, "after a bulk delete").await;
    assert_eq!(store.count_organizations().await.unwrap(), 0);
}
