//! The contract of the accounts area ([`AccountStore`]): accounts round-trip, emails are unique
//! whatever their case, and passwords and status change.

use dagak_domain::{Lang, Role, User, UserId, UserStatus};
use dagak_store::{AccountStore, StoreError};

fn user(email: &str, role: Role) -> User {
    User {
        email: email.into(),
        display_name: "김민수".into(),
        role,
        lang: Lang::Ko,
        status: UserStatus::Active,
    }
}

/// The accounts story, on a migrated, empty store.
pub async fn accounts_contract<S: AccountStore>(store: &S) {
    assert_eq!(store.count_users().await.unwrap(), 0);
    let admin = store
        .insert_user(&user("admin@gumi.go.kr", Role::Admin), "$argon2id$a", true)
        .await
        .unwrap();
    let staff = store
        .insert_user(&user("staff@gumi.go.kr", Role::Staff), "$argon2id$b", false)
        .await
        .unwrap();
    assert_eq!(store.count_users().await.unwrap(), 2);

    let got = store.get_user(admin).await.unwrap();
    assert_eq!(got.user, user("admin@gumi.go.kr", Role::Admin));
    assert_eq!((got.password_hash.as_str(), got.must_change_password), ("$argon2id$a", true));
    assert!(matches!(store.get_user(UserId(999)).await, Err(StoreError::NotFound)));

    // Emails are unique whatever their case, and found whatever their case.
    let again = store.insert_user(&user("ADMIN@gumi.go.kr", Role::Viewer), "$x", false).await;
    assert!(matches!(again, Err(StoreError::Conflict { .. })), "{again:?}");
    assert_eq!(
        store.find_user_by_email(" Staff@Gumi.go.kr ").await.unwrap().map(|u| u.id),
        Some(staff)
    );
    assert_eq!(store.find_user_by_email("nobody@gumi.go.kr").await.unwrap(), None);

    store.set_password(admin, "$argon2id$c", false).await.unwrap();
    let got = store.get_user(admin).await.unwrap();
    assert_eq!((got.password_hash.as_str(), got.must_change_password), ("$argon2id$c", false));
    store.set_user_status(staff, UserStatus::Disabled).await.unwrap();
    assert_eq!(store.get_user(staff).await.unwrap().user.status, UserStatus::Disabled);
    assert!(matches!(
        store.set_password(UserId(999), "$x", false).await,
        Err(StoreError::NotFound)
    ));

    let emails: Vec<String> =
        store.list_users().await.unwrap().into_iter().map(|u| u.user.email).collect();
    assert_eq!(emails, ["admin@gumi.go.kr", "staff@gumi.go.kr"]);
}
