use dagak_domain::{Role, UserDraft, UserStatus};
use dagak_service::ServiceError;

use crate::service;

fn draft(email: &str, role: &str) -> UserDraft {
    UserDraft { email: email.into(), role: role.into(), ..Default::default() }
}

fn password_error(err: ServiceError) -> &'static str {
    match err {
        ServiceError::Invalid(errors) => errors.for_field("password").map_or("", |e| e.code()),
        other => panic!("not a field error: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_follow_the_password_policy_and_sign_in_only_when_everything_matches() {
    let (service, _dir) = service().await;
    assert_eq!(service.count_users().await.unwrap(), 0);
    assert!(!service.has_admin().await.unwrap());
    let staff = draft("Minsu.Kim@gumi.go.kr", "staff");
    let short = service.create_user(&staff, "short").await.unwrap_err();
    assert_eq!(password_error(short), "password_too_short");
    let common = service.create_user(&staff, "qwerty123456").await.unwrap_err();
    assert_eq!(password_error(common), "password_common");
    let created = service.create_user(&staff, "correct horse battery staple").await.unwrap();
    assert_eq!(
        (created.user.email.as_str(), created.user.role),
        ("minsu.kim@gumi.go.kr", Role::Staff)
    );
    assert!(!created.must_change_password);
    assert!(matches!(
        service.create_user(&staff, "another good passphrase").await,
        Err(ServiceError::Conflict(_))
    ));

    let signed_in =
        service.authenticate("MINSU.KIM@gumi.go.kr", "correct horse battery staple").await;
    assert_eq!(signed_in.unwrap().id, created.id);
    for (email, password) in [
        ("minsu.kim@gumi.go.kr", "correct horse battery stapler"),
        ("nobody@gumi.go.kr", "correct horse battery staple"),
        ("", ""),
    ] {
        assert!(matches!(
            service.authenticate(email, password).await,
            Err(ServiceError::InvalidCredentials)
        ));
    }
    service.set_user_status(created.id, UserStatus::Disabled).await.unwrap();
    assert!(
        matches!(
            service.authenticate("minsu.kim@gumi.go.kr", "correct horse battery staple").await,
            Err(ServiceError::InvalidCredentials)
        ),
        "a disabled account cannot sign in"
    );
    service.set_user_status(created.id, UserStatus::Active).await.unwrap();

    // Changing needs the current password; the new one follows the policy.
    assert!(matches!(
        service
            .change_password(created.id, "wrong current password", "a brand new passphrase")
            .await,
        Err(ServiceError::InvalidCredentials)
    ));
    let weak =
        service.change_password(created.id, "correct horse battery staple", "password1234").await;
    assert_eq!(password_error(weak.unwrap_err()), "password_common");
    service
        .change_password(created.id, "correct horse battery staple", "a brand new passphrase")
        .await
        .unwrap();
    assert!(service.authenticate("minsu.kim@gumi.go.kr", "a brand new passphrase").await.is_ok());

    // An administrator's reset hands out a password once, to be changed at the next sign-in.
    let temporary = service.reset_password(created.id).await.unwrap();
    let after_reset = service.authenticate("minsu.kim@gumi.go.kr", &temporary).await.unwrap();
    assert!(after_reset.must_change_password);
    assert!(service.authenticate("minsu.kim@gumi.go.kr", "a brand new passphrase").await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_administrator_can_get_a_generated_password() {
    let (service, _dir) = service().await;
    let (admin, password) = service
        .create_user_with_generated_password(&draft("admin@gumi.go.kr", "admin"))
        .await
        .unwrap();
    assert!(admin.must_change_password);
    assert!(service.has_admin().await.unwrap());
    assert_eq!(service.authenticate("admin@gumi.go.kr", &password).await.unwrap().id, admin.id);
    let users = service.list_users().await.unwrap();
    assert_eq!(users.len(), 1);
}
