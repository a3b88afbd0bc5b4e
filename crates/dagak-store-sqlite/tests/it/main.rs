//! The store contract on SQLite, on a temporary file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dagak_store::{DirectoryStore as _, ImportStore as _};
use dagak_store_sqlite::SqliteStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_keeps_the_directory_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("contract.db")).unwrap();
    dagak_testkit::contract::directory::directory_contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_keeps_the_imports_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("imports.db")).unwrap();
    dagak_testkit::contract::imports::imports_contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_keeps_the_accounts_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("accounts.db")).unwrap();
    dagak_store::Store::migrate(&store).await.unwrap();
    dagak_testkit::contract::accounts::accounts_contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_keeps_the_sessions_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("sessions.db")).unwrap();
    dagak_store::Store::migrate(&store).await.unwrap();
    dagak_testkit::contract::accounts::sessions_contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_keeps_the_api_tokens_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("api_tokens.db")).unwrap();
    dagak_store::Store::migrate(&store).await.unwrap();
    dagak_testkit::contract::accounts::api_tokens_contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_keeps_the_setup_links_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("setup_links.db")).unwrap();
    dagak_store::Store::migrate(&store).await.unwrap();
    dagak_testkit::contract::accounts::setup_links_contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_keeps_the_firm_users_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("firm_users.db")).unwrap();
    dagak_store::Store::migrate(&store).await.unwrap();
    dagak_testkit::contract::accounts::firm_users_contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_keeps_the_audit_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("audit.db")).unwrap();
    dagak_store::Store::migrate(&store).await.unwrap();
    dagak_testkit::contract::audit::audit_contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_keeps_the_second_factor_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("second_factor.db")).unwrap();
    dagak_store::Store::migrate(&store).await.unwrap();
    dagak_testkit::contract::accounts::second_factor_contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_keeps_the_retention_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("retention.db")).unwrap();
    dagak_store::Store::migrate(&store).await.unwrap();
    dagak_testkit::contract::directory::retention_contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_keeps_the_versions_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("versions.db")).unwrap();
    dagak_store::Store::migrate(&store).await.unwrap();
    dagak_testkit::contract::directory::versions_contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_keeps_the_search_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("search.db")).unwrap();
    dagak_store::Store::migrate(&store).await.unwrap();
    dagak_testkit::contract::directory::search_contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_keeps_the_bulk_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("bulk.db")).unwrap();
    dagak_store::Store::migrate(&store).await.unwrap();
    dagak_testkit::contract::directory::bulk_contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_keeps_the_counts_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("counts.db")).unwrap();
    dagak_store::Store::migrate(&store).await.unwrap();
    dagak_testkit::contract::counts::counts_contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_keeps_the_notes_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("notes.db")).unwrap();
    dagak_store::Store::migrate(&store).await.unwrap();
    dagak_testkit::contract::notes::notes_contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_keeps_the_region_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("region.db")).unwrap();
    dagak_store::Store::migrate(&store).await.unwrap();
    dagak_testkit::contract::region::region_contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_keeps_the_throttle_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("throttle.db")).unwrap();
    dagak_store::Store::migrate(&store).await.unwrap();
    dagak_testkit::contract::throttle::throttle_contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_keeps_the_jobs_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("jobs.db")).unwrap();
    dagak_store::Store::migrate(&store).await.unwrap();
    dagak_testkit::contract::jobs::jobs_contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_keeps_the_previews_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("previews.db")).unwrap();
    dagak_store::Store::migrate(&store).await.unwrap();
    dagak_testkit::contract::imports::previews_contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_a_newer_dagak_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.db");
    rusqlite_version_bump(&path);
    let store = SqliteStore::open(&path).unwrap();
    let err = dagak_store::Store::migrate(&store).await.unwrap_err();
    assert!(err.to_string().contains("newer"), "{err}");
}

fn rusqlite_version_bump(path: &std::path::Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA user_version = 999").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_stored_before_migration_2_become_searchable() {
    use dagak_store::{Page, PersonFilter, Store as _};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../../migrations/0001_directory.sql")).unwrap();
        conn.execute_batch(
            "PRAGMA user_version = 1;
             INSERT INTO people (family_name, given_name, name_order, sort_key, search_text)
             VALUES ('김', '민수', 'family_first', '김민수', '김민수 |  | ');",
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    store.migrate().await.unwrap();
    let page = Page { offset: 0, limit: 10 };
    for text in ["민수", "김민수"] {
        let found = store
            .list_people(&PersonFilter { text: Some(text.into()), ..Default::default() }, page)
            .await
            .unwrap();
        assert_eq!(found.total, 1, "{text}");
    }
}

fn index_count(path: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index'", [], |r| r.get(0))
        .unwrap()
}

/// A bulk import drops and rebuilds the secondary indexes; a failed one restores them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_imports_rebuild_indexes_and_a_failed_one_restores_them() {
    use dagak_domain::OrgId;
    use dagak_store::{ImportAffiliation, ImportBatch, OrgFilter, OrgRef, Page, Store as _};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bulk.db");
    let store = SqliteStore::open(&path).unwrap();
    store.migrate().await.unwrap();
    let indexes = index_count(&path);
    let orgs: Vec<_> = (0..6000)
        .map(|i| {
            dagak_testkit::org(dagak_testkit::org_draft(
                &format!("대량기업{i}"),
                &format!("Bulk Firm {i}"),
            ))
        })
        .collect();
    let person = dagak_testkit::person("김", "민수", "");
    let failing = ImportBatch {
        new_organizations: orgs.clone(),
        new_people: vec![(
            person.clone(),
            vec![ImportAffiliation {
                org: OrgRef::Existing(OrgId(999_999)),
                role: None,
                start: None,
                end: None,
            }],
        )],
        ..Default::default()
    };
    assert!(
        store
            .apply_import(failing, &|_, _| {}, &dagak_testkit::audit(), &Default::default())
            .await
            .is_err()
    );
    assert_eq!(index_count(&path), indexes, "the rollback restored every index");
    assert_eq!(store.count_organizations().await.unwrap(), 0);

    let good = ImportBatch {
        new_organizations: orgs,
        new_people: vec![(
            person,
            vec![ImportAffiliation { org: OrgRef::New(5999), role: None, start: None, end: None }],
        )],
        ..Default::default()
    };
    // Rows written are reported as they are written, in order, and the last report is the whole.
    let reports = std::sync::Mutex::new(Vec::new());
    store
        .apply_import(
            good,
            &|done, total| reports.lock().unwrap().push((done, total)),
            &dagak_testkit::audit(),
            &Default::default(),
        )
        .await
        .unwrap();
    let reports = reports.into_inner().unwrap();
    assert!(reports.windows(2).all(|w| w[0].0 < w[1].0), "{reports:?}");
    assert_eq!(reports.last(), Some(&(6001, 6001)));
    assert_eq!(index_count(&path), indexes, "every index is rebuilt");
    let page = Page { offset: 0, limit: 5 };
    let found = store
        .list_organizations(
            &OrgFilter { text: Some("대량기업5999".into()), ..Default::default() },
            page,
        )
        .await
        .unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.items[0].people_count, 1);
    let by_bigram = store
        .list_organizations(&OrgFilter { text: Some("대량".into()), ..Default::default() }, page)
        .await
        .unwrap();
    assert_eq!(by_bigram.total, 6000);
}

/// The ids of one page by plain SQL (no cache, no ranks), and the total.
fn plain_page(
    path: &std::path::Path,
    where_clause: &str,
    order: &str,
    offset: u64,
    limit: u64,
) -> (Vec<i64>, u64) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let total: i64 = conn
        .query_row(&format!("SELECT COUNT(*) FROM organizations o WHERE {where_clause}"), [], |r| {
            r.get(0)
        })
        .unwrap();
    let mut stmt = conn
        .prepare(&format!(
            "SELECT o.id FROM organizations o WHERE {where_clause} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
        ))
        .unwrap();
    let ids = stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<Vec<i64>, _>>().unwrap();
    (ids, u64::try_from(total).unwrap())
}

/// Lists read their pages from cached id sets and sort orders; they must agree with plain SQL,
/// also right after another store (another process) on the same file writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_lists_agree_with_plain_sql_across_writers() {
    use dagak_domain::{CountryCode, OrgId, OrgKind, OrganizationDraft};
    use dagak_store::{OrgFilter, OrgSort, Page, Store as _};
    use dagak_testkit::{org, org_draft};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let reader = SqliteStore::open(&path).unwrap();
    reader.migrate().await.unwrap();
    let writer = SqliteStore::open(&path).unwrap();

    let mut state = 12345u64;
    let mut next = move |n: u64| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    let kinds = ["local_firm", "foreign_firm", "government"];
    let countries = ["KR", "US", "JP"];
    let tags = ["wearables", "carbon materials", "software"];
    let syllables = ["가", "나", "다", "라", "마", "바"];
    let draft = |i: u64, next: &mut dyn FnMut(u64) -> u64| OrganizationDraft {
        kind: kinds[next(3) as usize].into(),
        country: countries[next(3) as usize].into(),
        city: ["Gumi", "Irvine"][next(2) as usize].into(),
        industry_tags: tags[next(3) as usize].into(),
        ..org_draft(
            &format!("{}{}{i}", syllables[next(6) as usize], syllables[next(6) as usize]),
            &format!("{} Firm {} {i}", ["Alpha", "Beta", "Gamma"][next(3) as usize], next(1000)),
        )
    };
    let mut ids = Vec::new();
    for i in 0..150 {
        ids.push(
            writer
                .insert_organization(&org(draft(i, &mut next)), &dagak_testkit::audit())
                .await
                .unwrap(),
        );
    }

    let sorts = [
        (OrgSort::NameKo, "o.sort_ko, o.id"),
        (OrgSort::NameEn, "o.sort_en, o.id"),
        (OrgSort::Country, "o.country, o.sort_ko, o.id"),
        (OrgSort::Kind, "o.kind, o.sort_ko, o.id"),
        (OrgSort::RecentlyUpdated, "o.updated_at DESC, o.id DESC"),
    ];
    let check = |round: usize| {
        let (reader, path) = (&reader, &path);
        async move {
            let filters: Vec<(OrgFilter, String)> = vec![
                (OrgFilter::default(), "1".into()),
                (
                    OrgFilter { kind: Some(OrgKind::ForeignFirm), ..Default::default() },
                    "o.kind = 'foreign_firm'".into(),
                ),
                (
                    OrgFilter {
                        country: Some(CountryCode::parse("US").unwrap()),
                        industry_tag: Some("software".into()),
                        ..Default::default()
                    },
                    "o.country = 'US' AND o.id IN (SELECT org_id FROM organization_tags WHERE tag = 'software')".into(),
                ),
                (
                    OrgFilter {
                        kind: Some(OrgKind::LocalFirm),
                        city: Some("IRVINE".into()),
                        ..Default::default()
                    },
                    "o.kind = 'local_firm' AND o.city_key = 'irvine'".into(),
                ),
                // Free text through FTS5 trigram, the two-syllable table and LIKE.
                (
                    OrgFilter { text: Some("ALPHA".into()), ..Default::default() },
                    "o.id IN (SELECT rowid FROM organization_fts WHERE organization_fts MATCH '\"alpha\"')".into(),
                ),
                (
                    OrgFilter {
                        text: Some("가나".into()),
                        country: Some(CountryCode::parse("KR").unwrap()),
                        ..Default::default()
                    },
                    "o.country = 'KR' AND o.id IN (SELECT org_id FROM organization_bigrams WHERE gram = '가나')".into(),
                ),
                (
                    OrgFilter { text: Some("7".into()), ..Default::default() },
                    "o.search_text LIKE '%7%'".into(),
                ),
            ];
            // Filtered lists first on odd rounds: few matches are then sorted by SQLite, before
            // any sort order is cached; on even rounds the unfiltered list caches them first.
            let mut filters = filters;
            if round % 2 == 1 {
                filters.reverse();
            }
            for (filter, where_clause) in filters {
                for (sort, order) in sorts {
                    for (offset, limit) in [(0, 10), (7, 25), (40, 20), (200, 10)] {
                        let found = reader
                            .list_organizations(
                                &OrgFilter { sort, ..filter.clone() },
                                Page { offset, limit },
                            )
                            .await
                            .unwrap();
                        let got: Vec<i64> = found.items.iter().map(|r| r.id.0).collect();
                        let (want, total) = plain_page(path, &where_clause, order, offset, limit);
                        assert_eq!(
                            (got, found.total),
                            (want, total),
                            "round {round}, {where_clause}, {order}, page {offset}+{limit}"
                        );
                    }
                }
            }
        }
    };
    check(0).await;
    // Another writer renames, re-kinds, deletes and adds; the reader must see each at once.
    for round in 1..=4 {
        for _ in 0..10 {
            let id = ids[next(ids.len() as u64) as usize];
            writer
                .update_organization(
                    id,
                    &org(draft(1000 + id.0 as u64, &mut next)),
                    None,
                    &dagak_testkit::audit(),
                )
                .await
                .unwrap();
        }
        // A read in between moves the cache to this generation with most sets left stale; the
        // writes below add to what is stale in them.
        reader
            .list_organizations(&OrgFilter::default(), Page { offset: 0, limit: 5 })
            .await
            .unwrap();
        let gone: OrgId = ids.remove(next(ids.len() as u64) as usize);
        writer.delete_organization(gone, &dagak_testkit::audit()).await.unwrap();
        ids.push(
            writer
                .insert_organization(&org(draft(2000 + round, &mut next)), &dagak_testkit::audit())
                .await
                .unwrap(),
        );
        check(round as usize).await;
    }
    // An import too large to patch the caches for: they are rebuilt.
    let batch = dagak_store::ImportBatch {
        new_organizations: (0..150).map(|i| org(draft(3000 + i, &mut next))).collect(),
        updated_organizations: vec![(ids[0], org(draft(4000, &mut next)))],
        ..Default::default()
    };
    writer
        .apply_import(batch, &|_, _| {}, &dagak_testkit::audit(), &Default::default())
        .await
        .unwrap();
    check(5).await;
}

/// People lists, their sort order patched after each kind of write (people added, renamed and
/// deleted; organisations merged; an import), agree with plain SQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_people_lists_agree_with_plain_sql_across_writers() {
    use dagak_store::{ImportAffiliation, ImportBatch, OrgRef, Page, PersonFilter, Store as _};
    use dagak_testkit::{affiliation, org, org_draft, person};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("people.db");
    let reader = SqliteStore::open(&path).unwrap();
    reader.migrate().await.unwrap();
    let writer = SqliteStore::open(&path).unwrap();
    let mut orgs = Vec::new();
    for i in 0..4 {
        orgs.push(
            writer
                .insert_organization(
                    &org(org_draft(&format!("기관{i}"), &format!("Org {i}"))),
                    &dagak_testkit::audit(),
                )
                .await
                .unwrap(),
        );
    }
    let mut state = 99u64;
    let mut next = move |n: u64| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    let families = ["김", "이", "박", "Smith", "Lee"];
    let givens = ["민수", "서연", "Jane", "Ana", "도윤"];
    let mut people = Vec::new();
    for _ in 0..80 {
        let p = person(families[next(5) as usize], givens[next(5) as usize], "Engineer");
        let at = orgs[next(4) as usize];
        people.push(
            writer
                .insert_person(&p, &[affiliation(at, "Engineer")], &dagak_testkit::audit())
                .await
                .unwrap(),
        );
    }
    let check = |round: u32, orgs: Vec<dagak_domain::OrgId>| {
        let (reader, path) = (&reader, &path);
        async move {
            let mut filters = vec![
                (PersonFilter::default(), "1".to_owned()),
                (
                    PersonFilter { text: Some("민수".into()), ..Default::default() },
                    "p.id IN (SELECT person_id FROM people_bigrams WHERE gram = '민수')".to_owned(),
                ),
                (
                    PersonFilter { text: Some("smith".into()), ..Default::default() },
                    "p.id IN (SELECT rowid FROM people_fts WHERE people_fts MATCH '\"smith\"')"
                        .to_owned(),
                ),
            ];
            for org in orgs {
                filters.push((
                    PersonFilter { org_id: Some(org), ..Default::default() },
                    format!(
                        "p.id IN (SELECT person_id FROM affiliations WHERE org_id = {})",
                        org.0
                    ),
                ));
            }
            for (filter, where_clause) in filters {
                for (offset, limit) in [(0, 10), (13, 25), (70, 20)] {
                    let found = reader.list_people(&filter, Page { offset, limit }).await.unwrap();
                    let got: Vec<i64> = found.items.iter().map(|r| r.id.0).collect();
                    let conn = rusqlite::Connection::open(path).unwrap();
                    let total: i64 = conn
                        .query_row(
                            &format!("SELECT COUNT(*) FROM people p WHERE {where_clause}"),
                            [],
                            |r| r.get(0),
                        )
                        .unwrap();
                    let mut stmt = conn
                        .prepare(&format!(
                            "SELECT p.id FROM people p WHERE {where_clause}
                             ORDER BY p.sort_key, p.id LIMIT {limit} OFFSET {offset}"
                        ))
                        .unwrap();
                    let want: Vec<i64> =
                        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
                    assert_eq!(
                        (got, found.total),
                        (want, u64::try_from(total).unwrap()),
                        "round {round}, {where_clause}, page {offset}+{limit}"
                    );
                }
            }
        }
    };
    check(0, orgs.clone()).await;
    for round in 1..=3u32 {
        for _ in 0..5 {
            let id = people[next(people.len() as u64) as usize];
            let renamed = person(families[next(5) as usize], givens[next(5) as usize], "Buyer");
            writer.update_person(id, &renamed, None, None, &dagak_testkit::audit()).await.unwrap();
        }
        let gone = people.remove(next(people.len() as u64) as usize);
        writer.delete_person(gone, &dagak_testkit::audit()).await.unwrap();
        // An import that adds a person and renames another, who also joins an organisation.
        let renamed = people[next(people.len() as u64) as usize];
        let batch = ImportBatch {
            new_people: vec![(
                person(families[next(5) as usize], givens[next(5) as usize], "CEO"),
                vec![ImportAffiliation {
                    org: OrgRef::Existing(orgs[0]),
                    role: None,
                    start: None,
                    end: None,
                }],
            )],
            updated_people: vec![dagak_store::PersonUpdate {
                id: renamed,
                person: person(families[next(5) as usize], givens[next(5) as usize], "Adviser"),
                added_affiliations: vec![ImportAffiliation {
                    org: OrgRef::Existing(orgs[1]),
                    role: Some("Adviser".into()),
                    start: None,
                    end: None,
                }],
            }],
            ..Default::default()
        };
        people.extend(
            writer
                .apply_import(batch, &|_, _| {}, &dagak_testkit::audit(), &Default::default())
                .await
                .unwrap()
                .people,
        );
        check(round, orgs.clone()).await;
    }
    // A merge moves the people of one organisation to another.
    let merged = org(org_draft("기관0", "Org 0"));
    writer.merge_organizations(orgs[0], &merged, orgs[1], &dagak_testkit::audit()).await.unwrap();
    orgs.remove(1);
    check(4, orgs.clone()).await;
    // Deleting an organisation takes its people off its list.
    writer.delete_organization(orgs[1], &dagak_testkit::audit()).await.unwrap();
    check(5, orgs.clone()).await;
}

/// Organisations stored with UN Comtrade's placeholders (accepted before issue 12) read back
/// after migration 8, without them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hs_placeholders_stored_before_migration_8_are_removed() {
    use dagak_store::Store as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v7.db");
    let store = SqliteStore::open(&path).unwrap();
    store.migrate().await.unwrap();
    let id = store
        .insert_organization(
            &dagak_testkit::org(dagak_testkit::org_draft("구미", "Gumi")),
            &dagak_testkit::audit(),
        )
        .await
        .unwrap();
    drop(store);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "INSERT INTO organization_hs_codes (code, org_id) VALUES ('9999', {0}), ('99', {0});
             -- Later migrations run again: their tables go too.
             DROP TABLE jobs; DROP TABLE login_failures; DROP INDEX people_updated; DROP TABLE notes; DROP TABLE saved_views; DROP TABLE settings; DROP TABLE login_challenges; DROP TABLE recovery_codes;
             DROP TABLE audit_log; DROP TABLE setup_links; DROP TABLE api_tokens; DROP TABLE sessions;
             DROP TABLE users;
             DROP INDEX people_retain_until; ALTER TABLE people DROP COLUMN retain_until;
             ALTER TABLE people DROP COLUMN consent_source; ALTER TABLE people DROP COLUMN consent_scope;
             ALTER TABLE people DROP COLUMN erased_at;
             ALTER TABLE people DROP COLUMN version; ALTER TABLE organizations DROP COLUMN version;
             DROP TRIGGER affiliation_added_search; DROP TRIGGER affiliation_removed_search;
             DROP TRIGGER affiliation_moved_search; DROP TRIGGER person_titles_search;
             DROP TABLE organization_search_pending; DROP TABLE organization_name_fts;
             DROP TABLE organization_name_bigrams; DROP TABLE merged_records;
             PRAGMA user_version = 7;",
            id.0
        ))
        .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    store.migrate().await.unwrap();
    let codes: Vec<String> = store
        .get_organization(id)
        .await
        .unwrap()
        .org
        .hs_codes
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(codes, ["901819"]);
}

/// A bulk import of people touches every organisation's search text (their titles are part of
/// it): the index is built again whole, and finds names and titles alike afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_import_of_people_rebuilds_the_organisations_search_with_their_titles() {
    use dagak_store::{ImportAffiliation, ImportBatch, OrgFilter, OrgRef, Page, Store as _};
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("titles.db")).unwrap();
    store.migrate().await.unwrap();
    let orgs: Vec<_> = (0..6000)
        .map(|i| {
            dagak_testkit::org(dagak_testkit::org_draft(
                &format!("직함기업{i}"),
                &format!("Title Firm {i}"),
            ))
        })
        .collect();
    let batch = ImportBatch { new_organizations: orgs, ..Default::default() };
    let ids = store
        .apply_import(batch, &|_, _| {}, &dagak_testkit::audit(), &Default::default())
        .await
        .unwrap();
    let people = ids
        .organizations
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let title = if i == 17 { "수출입 담당 이사" } else { "Purchasing lead" };
            let link = ImportAffiliation {
                org: OrgRef::Existing(*id),
                role: None,
                start: None,
                end: None,
            };
            (dagak_testkit::person("박", "서연", title), vec![link])
        })
        .collect();
    let batch = ImportBatch { new_people: people, ..Default::default() };
    store
        .apply_import(batch, &|_, _| {}, &dagak_testkit::audit(), &Default::default())
        .await
        .unwrap();
    let page = Page { offset: 0, limit: 5 };
    let count = |q: &str| {
        let filter = OrgFilter { text: Some(q.into()), ..Default::default() };
        let store = store.clone();
        async move { store.list_organizations(&filter, page).await.unwrap().total }
    };
    assert_eq!(count("purchasing").await, 5999);
    assert_eq!(count("수출입").await, 1);
    assert_eq!(count("직함기업5999").await, 1, "the names are indexed still");
    assert_eq!(count("직함").await, 6000);
}
