//! The second factor on the service's clock: setting it up, signing in with a code or a
//! recovery code, each once, challenges that expire, and the requirement for administrators.

use std::sync::Arc;

use dagak_domain::UserDraft;
use dagak_service::{Acting, ManualClock, Service, ServiceError};
use time::Duration;
use time::macros::datetime;

const PASSWORD: &str = "correct horse battery staple";

fn code(secret: &str, clock: &ManualClock) -> String {
    use dagak_service::Clock as _;
    let bytes = totp_rs::Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
    let totp =
        totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes, None, "x".into()).unwrap();
    totp.generate(u64::try_from(clock.now().unix_timestamp()).unwrap())
}

fn challenge_of(err: ServiceError) -> String {
    match err {
        ServiceError::SecondFactorRequired { challenge } => challenge,
        other => panic!("expected a second step, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_factor_is_set_up_then_asked_at_every_sign_in() {
    let dir = crate::TestDb::new();
    let store = dir.store().await;
    let clock = ManualClock::new(datetime!(2026-12-01 09:00 UTC));
    let service = Service::with_clock(store, Arc::new(clock.clone()));
    service.migrate().await.unwrap();
    let admin =
        UserDraft { email: "admin@gumi.go.kr".into(), role: "admin".into(), ..Default::default() };
    service.as_command_line().create_user(&admin, PASSWORD).await.unwrap();
    let me: Acting = {
        let signed = service.sign_in("admin@gumi.go.kr", PASSWORD, None).await.unwrap();
        service.acting(Arc::new(signed.actor))
    };
    assert!(!me.totp_status().await.unwrap().enabled);

    // Set up: a QR code and a secret; a wrong code confirms nothing.
    let enrollment = me.begin_totp().await.unwrap();
    assert!(
        enrollment.url.starts_with("otpauth://totp/dagak:admin%40gumi.go.kr?"),
        "{}",
        enrollment.url
    );
    assert!(enrollment.qr_svg.contains("<svg"));
    assert!(matches!(me.confirm_totp("000000").await, Err(ServiceError::Invalid(_))));
    let recovery = me.confirm_totp(&code(&enrollment.secret, &clock)).await.unwrap();
    assert_eq!(recovery.len(), 10);
    let status = me.totp_status().await.unwrap();
    assert_eq!((status.enabled, status.recovery_codes_left), (true, 10));

    // The password alone gives a challenge, not a session.
    let err = service.sign_in("admin@gumi.go.kr", PASSWORD, None).await.unwrap_err();
    let challenge = challenge_of(err);
    // The code that confirmed the set-up is spent; the next step's works, once.
    let replay =
        service.complete_sign_in(&challenge, &code(&enrollment.secret, &clock), None).await;
    assert!(matches!(replay, Err(ServiceError::Invalid(_))), "{replay:?}");
    clock.advance(Duration::seconds(30));
    let signed =
        service.complete_sign_in(&challenge, &code(&enrollment.secret, &clock), None).await;
    assert!(service.resume_session(&signed.unwrap().secret).await.unwrap().is_some());
    let again = service.complete_sign_in(&challenge, &code(&enrollment.secret, &clock), None).await;
    assert!(
        matches!(again, Err(ServiceError::SignInExpired)),
        "a challenge is used once: {again:?}"
    );

    // A recovery code instead of the app, once.
    let challenge =
        challenge_of(service.sign_in("admin@gumi.go.kr", PASSWORD, None).await.unwrap_err());
    let typed = recovery[3].to_lowercase().replace('-', " ");
    assert!(service.complete_sign_in(&challenge, &typed, None).await.is_ok());
    let challenge =
        challenge_of(service.sign_in("admin@gumi.go.kr", PASSWORD, None).await.unwrap_err());
    assert!(service.complete_sign_in(&challenge, &recovery[3], None).await.is_err());
    assert_eq!(me.totp_status().await.unwrap().recovery_codes_left, 9);

    // A challenge left for five minutes is gone.
    let challenge =
        challenge_of(service.sign_in("admin@gumi.go.kr", PASSWORD, None).await.unwrap_err());
    clock.advance(Duration::minutes(5));
    let late = service.complete_sign_in(&challenge, &code(&enrollment.secret, &clock), None).await;
    assert!(matches!(late, Err(ServiceError::SignInExpired)));

    // Required of administrators: it cannot be removed then; without it one must set it up.
    me.set_totp_required_for_admins(true).await.unwrap();
    assert!(matches!(me.disable_totp(PASSWORD).await, Err(ServiceError::Conflict(_))));
    me.set_totp_required_for_admins(false).await.unwrap();
    assert!(matches!(
        me.disable_totp("wrong password").await,
        Err(ServiceError::InvalidCredentials)
    ));
    me.disable_totp(PASSWORD).await.unwrap();
    let plain = service.sign_in("admin@gumi.go.kr", PASSWORD, None).await.unwrap();
    assert!(!plain.actor.needs_second_factor);
    me.set_totp_required_for_admins(true).await.unwrap();
    let resumed = service.resume_session(&plain.secret).await.unwrap().unwrap();
    assert!(resumed.needs_second_factor, "an administrator without one is sent to set it up");
    let staff =
        UserDraft { email: "staff@gumi.go.kr".into(), role: "staff".into(), ..Default::default() };
    me.create_user(&staff, PASSWORD).await.unwrap();
    let staff = service.sign_in("staff@gumi.go.kr", PASSWORD, None).await.unwrap();
    assert!(!staff.actor.needs_second_factor, "only administrators");
    assert!(!service.resume_session(&staff.secret).await.unwrap().unwrap().needs_second_factor);
}
