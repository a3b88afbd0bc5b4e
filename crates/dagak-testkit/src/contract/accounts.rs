//! The contract of the accounts area ([`AccountStore`]): accounts round-trip, emails are unique
//! whatever their case, and passwords and status change; sessions are found by their hash and end
//! on a password change, when the account is disabled and when stale; API tokens belong to their
//! user; a set-up link creates one account, once.

use dagak_domain::{ApiTokenId, Lang, Role, User, UserId, UserStatus};
use dagak_store::{AccountStore, NewApiTokenRecord, NewSessionRecord, SetupLinkRecord, StoreError};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

fn user(email: &str, role: Role) -> User {
    User {
        email: email.into(),
        display_name: "김민수".into(),
        role,
        lang: Lang::Ko,
        status: UserStatus::Active,
        organization: None,
    }
}

/// The accounts story, on a migrated, empty store.
pub async fn accounts_contract<S: AccountStore>(store: &S) {
    assert_eq!(store.count_users().await.unwrap(), 0);
    let admin = store
        .insert_user(&user("admin@gumi.go.kr", Role::Admin), "$argon2id$a", true, &crate::audit())
        .await
        .unwrap();
    let staff = store
        .insert_user(&user("staff@gumi.go.kr", Role::Staff), "$argon2id$b", false, &crate::audit())
        .await
        .unwrap();
    assert_eq!(store.count_users().await.unwrap(), 2);

    let got = store.get_user(admin).await.unwrap();
    assert_eq!(got.user, user("admin@gumi.go.kr", Role::Admin));
    assert_eq!((got.password_hash.as_str(), got.must_change_password), ("$argon2id$a", true));
    assert!(matches!(store.get_user(UserId(999)).await, Err(StoreError::NotFound)));

    // Emails are unique whatever their case, and found whatever their case.
    let again = store
        .insert_user(&user("ADMIN@gumi.go.kr", Role::Viewer), "$x", false, &crate::audit())
        .await;
    assert!(matches!(again, Err(StoreError::Conflict { .. })), "{again:?}");
    assert_eq!(
        store.find_user_by_email(" Staff@Gumi.go.kr ").await.unwrap().map(|u| u.id),
        Some(staff)
    );
    assert_eq!(store.find_user_by_email("nobody@gumi.go.kr").await.unwrap(), None);

    store.set_password(admin, "$argon2id$c", false, &crate::audit()).await.unwrap();
    let got = store.get_user(admin).await.unwrap();
    assert_eq!((got.password_hash.as_str(), got.must_change_password), ("$argon2id$c", false));
    store.set_user_status(staff, UserStatus::Disabled, &crate::audit()).await.unwrap();
    assert_eq!(store.get_user(staff).await.unwrap().user.status, UserStatus::Disabled);
    assert!(matches!(
        store.set_password(UserId(999), "$x", false, &crate::audit()).await,
        Err(StoreError::NotFound)
    ));

    let emails: Vec<String> =
        store.list_users().await.unwrap().into_iter().map(|u| u.user.email).collect();
    assert_eq!(emails, ["admin@gumi.go.kr", "staff@gumi.go.kr"]);
}

fn session(user: UserId, hash: &str, at: OffsetDateTime) -> NewSessionRecord {
    NewSessionRecord {
        user,
        token_hash: hash.into(),
        csrf_token: format!("csrf-{hash}"),
        created_at: at,
        expires_at: at + Duration::days(7),
    }
}

/// Sessions: found by their hash with their user, touched, ended one by one, all together on a
/// password change or when the account is disabled, and when stale.
pub async fn sessions_contract<S: AccountStore>(store: &S) {
    let t0 = datetime!(2026-12-01 09:00 UTC);
    let ana = store
        .insert_user(&user("ana@gumi.go.kr", Role::Staff), "$h", false, &crate::audit())
        .await
        .unwrap();
    let bo = store
        .insert_user(&user("bo@gumi.go.kr", Role::Viewer), "$h", false, &crate::audit())
        .await
        .unwrap();
    let first = store.insert_session(&session(ana, "aa01", t0)).await.unwrap();
    store.insert_session(&session(ana, "aa02", t0)).await.unwrap();
    store.insert_session(&session(bo, "bb01", t0)).await.unwrap();
    assert!(matches!(
        store.insert_session(&session(bo, "aa01", t0)).await,
        Err(StoreError::Conflict { .. })
    ));

    let found = store.find_session("aa01").await.unwrap().expect("stored session");
    assert_eq!((found.id, found.user.id, found.csrf_token.as_str()), (first, ana, "csrf-aa01"));
    assert_eq!((found.created_at, found.last_seen_at), (t0, t0));
    assert_eq!(found.expires_at, t0 + Duration::days(7));
    assert_eq!(store.find_session("ffff").await.unwrap(), None);

    store.touch_session(first, t0 + Duration::minutes(5)).await.unwrap();
    let found = store.find_session("aa01").await.unwrap().unwrap();
    assert_eq!(found.last_seen_at, t0 + Duration::minutes(5));
    assert_eq!(store.count_sessions(ana).await.unwrap(), 2);

    store.delete_session(first).await.unwrap();
    store.delete_session(first).await.unwrap();
    assert_eq!(store.find_session("aa01").await.unwrap(), None);

    // A new password ends every session of that user, and only theirs.
    store.set_password(ana, "$new", false, &crate::audit()).await.unwrap();
    assert_eq!(store.count_sessions(ana).await.unwrap(), 0);
    assert_eq!(store.count_sessions(bo).await.unwrap(), 1);
    // So does disabling; enabling again starts none.
    store.set_user_status(bo, UserStatus::Disabled, &crate::audit()).await.unwrap();
    assert_eq!(store.count_sessions(bo).await.unwrap(), 0);
    store.set_user_status(bo, UserStatus::Active, &crate::audit()).await.unwrap();

    // Stale: idle since before the cut, or past the absolute expiry.
    store.insert_session(&session(ana, "idle", t0)).await.unwrap();
    store.insert_session(&session(ana, "fresh", t0 + Duration::hours(2))).await.unwrap();
    let mut old = session(ana, "old", t0 - Duration::days(7));
    old.expires_at = t0;
    let old_id = store.insert_session(&old).await.unwrap();
    store.touch_session(old_id, t0 + Duration::hours(2)).await.unwrap();
    let ended = store.delete_stale_sessions(t0 + Duration::hours(2), t0 + Duration::hours(1)).await;
    assert_eq!(ended.unwrap(), 2);
    assert!(store.find_session("fresh").await.unwrap().is_some());

    store.set_user_lang(ana, Lang::En).await.unwrap();
    assert_eq!(store.get_user(ana).await.unwrap().user.lang, Lang::En);
    assert!(matches!(store.set_user_lang(UserId(999), Lang::En).await, Err(StoreError::NotFound)));
}

fn token(user: UserId, name: &str, hash: &str, at: OffsetDateTime) -> NewApiTokenRecord {
    NewApiTokenRecord {
        user,
        name: name.into(),
        role: Role::Viewer,
        token_hash: hash.into(),
        created_at: at,
        expires_at: at + Duration::days(90),
    }
}

/// API tokens: found by their hash with their user, listed newest first, named once per user,
/// revoked only by their user.
pub async fn api_tokens_contract<S: AccountStore>(store: &S) {
    let t0 = datetime!(2026-12-01 09:00 UTC);
    let ana = store
        .insert_user(&user("ana@gumi.go.kr", Role::Staff), "$h", false, &crate::audit())
        .await
        .unwrap();
    let bo = store
        .insert_user(&user("bo@gumi.go.kr", Role::Staff), "$h", false, &crate::audit())
        .await
        .unwrap();
    let sync = store.insert_api_token(&token(ana, "sync", "t1", t0)).await.unwrap();
    let report =
        store.insert_api_token(&token(ana, "report", "t2", t0 + Duration::hours(1))).await.unwrap();
    // The same name twice for one user is a conflict; for another user it is fine.
    assert!(matches!(
        store.insert_api_token(&token(ana, "sync", "t3", t0)).await,
        Err(StoreError::Conflict { .. })
    ));
    let bos = store.insert_api_token(&token(bo, "sync", "t4", t0)).await.unwrap();

    let (found, owner) = store.find_api_token("t1").await.unwrap().expect("stored token");
    assert_eq!((found.id, found.user, owner.id), (sync, ana, ana));
    assert_eq!((found.name.as_str(), found.role, found.last_used_at), ("sync", Role::Viewer, None));
    assert_eq!(found.expires_at, t0 + Duration::days(90));
    assert_eq!(store.find_api_token("nope").await.unwrap(), None);

    store.touch_api_token(sync, t0 + Duration::minutes(3)).await.unwrap();
    let listed = store.list_api_tokens(ana).await.unwrap();
    let ids: Vec<ApiTokenId> = listed.iter().map(|t| t.id).collect();
    assert_eq!(ids, [report, sync]);
    assert_eq!(listed[1].last_used_at, Some(t0 + Duration::minutes(3)));

    // Only its user revokes a token.
    assert!(matches!(store.delete_api_token(ana, bos).await, Err(StoreError::NotFound)));
    store.delete_api_token(ana, sync).await.unwrap();
    assert_eq!(store.find_api_token("t1").await.unwrap(), None);
    assert!(matches!(store.delete_api_token(ana, sync).await, Err(StoreError::NotFound)));
    assert_eq!(store.list_api_tokens(bo).await.unwrap().len(), 1);
}

/// Set-up links: found while unused; using one creates its account and spends it, in one step.
pub async fn setup_links_contract<S: AccountStore>(store: &S) {
    let t0 = datetime!(2026-12-01 09:00 UTC);
    let link = SetupLinkRecord {
        token_hash: "s1".into(),
        role: Role::Admin,
        created_by: None,
        created_at: t0,
        expires_at: t0 + Duration::hours(24),
        organization: None,
    };
    store.insert_setup_link(&link).await.unwrap();
    assert_eq!(store.find_setup_link("s1").await.unwrap(), Some(link.clone()));
    assert_eq!(store.find_setup_link("s2").await.unwrap(), None);

    let first = user("first@gumi.go.kr", Role::Admin);
    let id = store
        .use_setup_link("s1", t0 + Duration::hours(1), &first, "$h", &crate::audit())
        .await
        .unwrap();
    assert_eq!(store.get_user(id).await.unwrap().user, first);
    assert_eq!(store.find_setup_link("s1").await.unwrap(), None);
    // Spent: a second use creates nothing.
    let again = store
        .use_setup_link("s1", t0, &user("second@gumi.go.kr", Role::Admin), "$h", &crate::audit())
        .await;
    assert!(matches!(again, Err(StoreError::NotFound)), "{again:?}");
    assert_eq!(store.count_users().await.unwrap(), 1);

    // A taken email leaves the link unspent.
    let invite = SetupLinkRecord { token_hash: "s3".into(), created_by: Some(id), ..link };
    store.insert_setup_link(&invite).await.unwrap();
    let taken = store
        .use_setup_link("s3", t0, &user("FIRST@gumi.go.kr", Role::Staff), "$h", &crate::audit())
        .await;
    assert!(matches!(taken, Err(StoreError::Conflict { .. })), "{taken:?}");
    assert!(store.find_setup_link("s3").await.unwrap().is_some());
    assert_eq!(store.count_users().await.unwrap(), 1);
}

/// A firm user belongs to one organisation; deleting it leaves the account without one.
pub async fn firm_users_contract<S: dagak_store::Store>(store: &S) {
    let firm = store
        .insert_organization(
            &crate::org(crate::org_draft("구미정밀", "Gumi Precision")),
            &crate::audit(),
        )
        .await
        .unwrap();
    let mut account = user("owner@gumi-precision.kr", Role::Firm);
    account.organization = Some(firm);
    let id = store.insert_user(&account, "$h", false, &crate::audit()).await.unwrap();
    assert_eq!(store.get_user(id).await.unwrap().user.organization, Some(firm));
    // An invitation names the firm; the role can change, with or without one.
    let t0 = datetime!(2026-12-01 09:00 UTC);
    let invite = SetupLinkRecord {
        token_hash: "firm-invite".into(),
        role: Role::Firm,
        created_by: None,
        created_at: t0,
        expires_at: t0 + Duration::hours(24),
        organization: Some(firm),
    };
    store.insert_setup_link(&invite).await.unwrap();
    assert_eq!(store.find_setup_link("firm-invite").await.unwrap(), Some(invite));
    store.set_user_role(id, Role::Viewer, None, &crate::audit()).await.unwrap();
    let got = store.get_user(id).await.unwrap().user;
    assert_eq!((got.role, got.organization), (Role::Viewer, None));
    store.set_user_role(id, Role::Firm, Some(firm), &crate::audit()).await.unwrap();
    assert!(matches!(
        store.set_user_role(UserId(999), Role::Staff, None, &crate::audit()).await,
        Err(StoreError::NotFound)
    ));
    // Deleting the firm leaves the account without one, and its invitations go.
    store.delete_organization(firm, &crate::audit()).await.unwrap();
    assert_eq!(store.get_user(id).await.unwrap().user.organization, None);
    assert_eq!(store.find_setup_link("firm-invite").await.unwrap(), None);
}

/// The second factor: a secret set up, confirmed with its recovery codes, each code and time
/// step used once, challenges found until deleted, settings kept.
pub async fn second_factor_contract<S: AccountStore>(store: &S) {
    let t0 = datetime!(2026-12-01 09:00 UTC);
    let ana = store
        .insert_user(&user("ana@gumi.go.kr", Role::Admin), "$h", false, &crate::audit())
        .await
        .unwrap();
    assert!(
        matches!(store.confirm_totp(ana, &[]).await, Err(StoreError::NotFound)),
        "nothing pending"
    );
    store.begin_totp(ana, "JBSWY3DPEHPK3PXP").await.unwrap();
    let got = store.get_user(ana).await.unwrap();
    assert_eq!(
        (got.totp_pending.as_deref(), got.totp_secret.as_deref()),
        (Some("JBSWY3DPEHPK3PXP"), None)
    );
    store.confirm_totp(ana, &["r1".into(), "r2".into()]).await.unwrap();
    let got = store.get_user(ana).await.unwrap();
    assert_eq!((got.totp_pending, got.totp_secret.as_deref()), (None, Some("JBSWY3DPEHPK3PXP")));
    assert_eq!(store.count_recovery_codes(ana).await.unwrap(), 2);

    // A time step signs in once; a later one again; an earlier one never.
    assert!(store.use_totp_step(ana, 100).await.unwrap());
    assert!(!store.use_totp_step(ana, 100).await.unwrap());
    assert!(!store.use_totp_step(ana, 99).await.unwrap());
    assert!(store.use_totp_step(ana, 101).await.unwrap());
    assert_eq!(store.get_user(ana).await.unwrap().totp_last_step, Some(101));
    // A recovery code works once.
    assert!(store.use_recovery_code(ana, "r1", t0).await.unwrap());
    assert!(!store.use_recovery_code(ana, "r1", t0).await.unwrap());
    assert!(!store.use_recovery_code(ana, "nope", t0).await.unwrap());
    assert_eq!(store.count_recovery_codes(ana).await.unwrap(), 1);

    store.insert_login_challenge("c1", ana, t0 + Duration::minutes(5)).await.unwrap();
    assert_eq!(
        store.find_login_challenge("c1").await.unwrap(),
        Some((ana, t0 + Duration::minutes(5)))
    );
    store.delete_login_challenge("c1").await.unwrap();
    assert_eq!(store.find_login_challenge("c1").await.unwrap(), None);

    store.disable_totp(ana).await.unwrap();
    let got = store.get_user(ana).await.unwrap();
    assert_eq!((got.totp_secret, got.totp_last_step), (None, None));
    assert_eq!(store.count_recovery_codes(ana).await.unwrap(), 0);

    assert_eq!(store.get_setting("require_totp_for_admins").await.unwrap(), None);
    store.set_setting("require_totp_for_admins", "true").await.unwrap();
    store.set_setting("require_totp_for_admins", "false").await.unwrap();
    assert_eq!(
        store.get_setting("require_totp_for_admins").await.unwrap().as_deref(),
        Some("false")
    );
}
