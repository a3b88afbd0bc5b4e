//! The store contract on PostgreSQL, each test on a fresh database of the test server
//! (`dagak_testkit::postgres`: a throwaway server, or `DAGAK_TEST_POSTGRES_URL`). Never skipped:
//! without a server these tests fail and say how to provide one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dagak_store::Store as _;
use dagak_store_postgres::PgStore;

async fn store() -> PgStore {
    let store = PgStore::connect(&dagak_testkit::postgres::database()).await.unwrap();
    store.migrate().await.unwrap();
    store
}

macro_rules! contracts {
    ($($name:ident => $contract:path;)*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            $contract(&store().await).await;
        }
    )*};
}

contracts! {
    postgres_store_keeps_the_directory_contract => dagak_testkit::contract::directory::directory_contract;
    postgres_store_keeps_the_retention_contract => dagak_testkit::contract::directory::retention_contract;
    postgres_store_keeps_the_versions_contract => dagak_testkit::contract::directory::versions_contract;
    postgres_store_keeps_the_search_contract => dagak_testkit::contract::directory::search_contract;
    postgres_store_keeps_the_bulk_contract => dagak_testkit::contract::directory::bulk_contract;
    postgres_store_keeps_the_counts_contract => dagak_testkit::contract::counts::counts_contract;
    postgres_store_keeps_the_imports_contract => dagak_testkit::contract::imports::imports_contract;
    postgres_store_keeps_the_previews_contract => dagak_testkit::contract::imports::previews_contract;
    postgres_store_keeps_the_accounts_contract => dagak_testkit::contract::accounts::accounts_contract;
    postgres_store_keeps_the_sessions_contract => dagak_testkit::contract::accounts::sessions_contract;
    postgres_store_keeps_the_api_tokens_contract => dagak_testkit::contract::accounts::api_tokens_contract;
    postgres_store_keeps_the_setup_links_contract => dagak_testkit::contract::accounts::setup_links_contract;
    postgres_store_keeps_the_firm_users_contract => dagak_testkit::contract::accounts::firm_users_contract;
    postgres_store_keeps_the_second_factor_contract => dagak_testkit::contract::accounts::second_factor_contract;
    postgres_store_keeps_the_audit_contract => dagak_testkit::contract::audit::audit_contract;
    postgres_store_keeps_the_notes_contract => dagak_testkit::contract::notes::notes_contract;
    postgres_store_keeps_the_region_contract => dagak_testkit::contract::region::region_contract;
    postgres_store_keeps_the_throttle_contract => dagak_testkit::contract::throttle::throttle_contract;
    postgres_store_keeps_the_jobs_contract => dagak_testkit::contract::jobs::jobs_contract;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_starting_together_migrate_once() {
    let url = dagak_testkit::postgres::database();
    let (a, b) = (PgStore::connect(&url).await.unwrap(), PgStore::connect(&url).await.unwrap());
    let (ra, rb) = tokio::join!(a.migrate(), b.migrate());
    ra.unwrap();
    rb.unwrap();
    assert_eq!(a.schema_version().await.unwrap(), PgStore::known_schema_version());
    // And again: nothing left to do.
    a.migrate().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_a_newer_dagak_is_refused_and_left_alone() {
    let url = dagak_testkit::postgres::database();
    let store = PgStore::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    let newer = i32::try_from(PgStore::known_schema_version()).unwrap() + 1;
    sqlx::query("INSERT INTO dagak_schema (version, name) VALUES ($1, 'from_the_future')")
        .bind(newer)
        .execute(store.pool())
        .await
        .unwrap();
    let err = store.migrate().await.unwrap_err();
    assert!(err.to_string().contains("newer"), "{err}");
    assert_eq!(store.schema_version().await.unwrap(), newer as usize);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_or_an_unreachable_server_is_a_clear_error() {
    let url = dagak_testkit::postgres::database();
    let wrong = url.replacen(":dagak@", ":not-the-password@", 1);
    assert_ne!(wrong, url, "the test server's URL has the password dagak");
    let err = PgStore::connect(&wrong).await.err().expect("a wrong password is refused");
    let message = err.to_string();
    assert!(message.contains("refused the password"), "{message}");
    assert!(!message.contains("not-the-password"), "the password is not repeated: {message}");

    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let err = PgStore::connect(&format!("postgres://dagak:dagak@127.0.0.1:{port}/dagak"))
        .await
        .err()
        .expect("an unreachable server is an error");
    assert!(err.to_string().contains("cannot reach"), "{err}");

    let err = PgStore::connect("postgres://dagak@[bad").await.err().expect("a bad URL");
    assert!(err.to_string().contains("not a PostgreSQL URL"), "{err}");
}

/// A broad search stops counting at the cap, always past the page asked for, and says so; the
/// unfiltered list and kind, country and city filters count exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broad_search_stops_counting_at_the_cap_and_says_so() {
    use dagak_store::{DirectoryStore as _, OrgFilter, Page, PersonFilter};
    let store = store().await.with_count_cap(2);
    let audit = dagak_testkit::audit();
    for i in 0..5 {
        let draft = dagak_testkit::org_draft(&format!("연구소{i}"), &format!("Labs {i}"));
        store.insert_organization(&dagak_testkit::org(draft), &audit).await.unwrap();
        let person = dagak_testkit::person("김", &format!("민수{i}"), "Engineer");
        store.insert_person(&person, &[], &audit).await.unwrap();
    }
    let labs = OrgFilter { text: Some("labs".into()), ..Default::default() };
    let at = |offset, limit| Page { offset, limit };
    let summary = |found: dagak_store::PageOf<dagak_store::OrgRecord>| {
        (found.total, found.capped, found.items.len())
    };
    assert_eq!(summary(store.list_organizations(&labs, at(0, 2)).await.unwrap()), (2, true, 2));
    // Counted past the page: up to offset + limit.
    assert_eq!(summary(store.list_organizations(&labs, at(2, 2)).await.unwrap()), (4, true, 2));
    assert_eq!(summary(store.list_organizations(&labs, at(4, 2)).await.unwrap()), (5, false, 1));
    let all = OrgFilter::default();
    assert_eq!(summary(store.list_organizations(&all, at(0, 2)).await.unwrap()), (5, false, 2));
    let korean = OrgFilter { country: dagak_domain::CountryCode::parse("KR").ok(), ..all };
    assert_eq!(summary(store.list_organizations(&korean, at(0, 1)).await.unwrap()), (5, false, 1));
    // Many matches by a two-syllable word are read in the index's order; few are sorted: the
    // pages are the same either way.
    let lab = OrgFilter { text: Some("연구".into()), ..Default::default() };
    let exact = store.clone().with_count_cap(1000);
    let whole: Vec<_> = exact.list_organizations(&lab, at(0, 10)).await.unwrap().items;
    assert_eq!(whole.len(), 5);
    for offset in 0..5 {
        let capped = store.list_organizations(&lab, at(offset, 1)).await.unwrap();
        let counted = exact.list_organizations(&lab, at(offset, 1)).await.unwrap();
        assert!(capped.capped && !counted.capped || offset >= 2, "{offset}");
        assert_eq!(capped.items[0].id, whole[offset as usize].id, "capped, {offset}");
        assert_eq!(counted.items[0].id, whole[offset as usize].id, "counted, {offset}");
    }
    let people = PersonFilter { text: Some("민수".into()), ..Default::default() };
    let found = store.list_people(&people, at(0, 1)).await.unwrap();
    assert_eq!((found.total, found.capped, found.items.len()), (2, true, 1));
    let everyone = store.list_people(&PersonFilter::default(), at(0, 1)).await.unwrap();
    assert_eq!((everyone.total, everyone.capped), (5, false));
}
