//! Sessions, API tokens and set-up links on the service's clock.

use std::sync::Arc;

use dagak_domain::{Role, UserDraft, UserStatus};
use dagak_service::accounts::sessions::{SESSION_IDLE, SESSION_LIFETIME, SETUP_LINK_LIFETIME};
use dagak_service::{Acting, ApiTokenDraft, Credential, ManualClock, Service, ServiceError};
use time::Duration;
use time::macros::datetime;

const PASSWORD: &str = "correct horse battery staple";

async fn clocked() -> (Acting, ManualClock, crate::TestDb) {
    let dir = crate::TestDb::new();
    let store = dir.store().await;
    let clock = ManualClock::new(datetime!(2026-12-01 09:00 UTC));
    let service = Service::with_clock(store, Arc::new(clock.clone()));
    service.migrate().await.unwrap();
    (service.as_command_line(), clock, dir)
}

fn draft(email: &str, role: &str) -> UserDraft {
    UserDraft { email: email.into(), role: role.into(), ..Default::default() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_when_idle_when_old_and_on_a_password_change() {
    let (service, clock, _dir) = clocked().await;
    let user = service.create_user(&draft("staff@gumi.go.kr", "staff"), PASSWORD).await.unwrap();
    let wrong = service.sign_in("staff@gumi.go.kr", "not the password", None).await;
    assert!(matches!(wrong, Err(ServiceError::InvalidCredentials)), "{wrong:?}");

    let first = service.sign_in("Staff@gumi.go.kr", PASSWORD, None).await.unwrap();
    assert_eq!((first.actor.user, first.actor.role), (user.id, Role::Staff));
    assert_eq!(first.secret.len(), 64);
    let csrf = first.actor.csrf_token().unwrap().to_owned();
    assert_ne!(csrf, first.secret);
    let resumed = service.resume_session(&first.secret).await.unwrap().unwrap();
    assert_eq!(resumed, first.actor);
    assert_eq!(service.resume_session("0".repeat(64).as_str()).await.unwrap(), None);

    // Used within the idle time it lives on, up to its lifetime and no longer.
    let step = SESSION_IDLE - Duration::minutes(1);
    let mut elapsed = Duration::ZERO;
    while elapsed + step < SESSION_LIFETIME {
        clock.advance(step);
        elapsed += step;
        assert!(service.resume_session(&first.secret).await.unwrap().is_some(), "{elapsed}");
    }
    clock.advance(SESSION_LIFETIME - elapsed);
    assert_eq!(service.resume_session(&first.secret).await.unwrap(), None, "past its lifetime");

    // Idle too long.
    let idle = service.sign_in("staff@gumi.go.kr", PASSWORD, None).await.unwrap();
    clock.advance(SESSION_IDLE);
    assert_eq!(service.resume_session(&idle.secret).await.unwrap(), None, "idle too long");

    // A password change ends every session and starts a new one for the browser that asked.
    let a = service.sign_in("staff@gumi.go.kr", PASSWORD, None).await.unwrap();
    let b = service.sign_in("staff@gumi.go.kr", PASSWORD, None).await.unwrap();
    let bad = service.change_own_password(&a.actor, "wrong current", "a new long passphrase").await;
    assert!(matches!(bad, Err(ServiceError::InvalidCredentials)), "{bad:?}");
    let fresh =
        service.change_own_password(&a.actor, PASSWORD, "a new long passphrase").await.unwrap();
    assert_eq!(service.resume_session(&a.secret).await.unwrap(), None);
    assert_eq!(service.resume_session(&b.secret).await.unwrap(), None);
    assert!(service.resume_session(&fresh.secret).await.unwrap().is_some());

    // Disabling ends them too, and signing in again fails.
    service.set_user_status(user.id, UserStatus::Disabled).await.unwrap();
    assert_eq!(service.resume_session(&fresh.secret).await.unwrap(), None);
    let disabled = service.sign_in("staff@gumi.go.kr", "a new long passphrase", None).await;
    assert!(matches!(disabled, Err(ServiceError::InvalidCredentials)));

    // Signing out ends that session only.
    service.set_user_status(user.id, UserStatus::Active).await.unwrap();
    let c = service.sign_in("staff@gumi.go.kr", "a new long passphrase", None).await.unwrap();
    let d = service.sign_in("staff@gumi.go.kr", "a new long passphrase", None).await.unwrap();
    service.sign_out(&c.actor).await.unwrap();
    assert_eq!(service.resume_session(&c.secret).await.unwrap(), None);
    assert!(service.resume_session(&d.secret).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sign_ins_lock_the_account_whether_or_not_it_exists() {
    use dagak_service::accounts::throttle::{FREE_FAILURES, LOCK_FAILURES, LOCK_FOR};
    let (service, clock, _dir) = clocked().await;
    service.create_user(&draft("staff@gumi.go.kr", "staff"), PASSWORD).await.unwrap();
    for email in ["staff@gumi.go.kr", "nobody@gumi.go.kr"] {
        let mut answers = Vec::new();
        for _ in 0..LOCK_FAILURES {
            answers.push(service.sign_in(email, "wrong password!", None).await.unwrap_err());
            clock.advance(Duration::minutes(2));
        }
        assert!(
            answers[..FREE_FAILURES as usize]
                .iter()
                .all(|e| matches!(e, ServiceError::InvalidCredentials))
        );
        // Locked: even the right password is refused, and the answer is the same for both.
        let locked = service.sign_in(email, PASSWORD, None).await.unwrap_err();
        assert!(matches!(locked, ServiceError::TooManyAttempts { .. }), "{email}: {locked:?}");
        clock.advance(LOCK_FOR);
    }
    assert!(service.sign_in("staff@gumi.go.kr", PASSWORD, None).await.is_ok(), "lock expired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_tokens_act_with_their_role_until_they_expire_or_are_revoked() {
    let (service, clock, _dir) = clocked().await;
    let staff = service.create_user(&draft("staff@gumi.go.kr", "staff"), PASSWORD).await.unwrap();
    let me = service.sign_in("staff@gumi.go.kr", PASSWORD, None).await.unwrap().actor;
    let ask = |name: &str, role: &str, days: &str| ApiTokenDraft {
        name: name.into(),
        role: role.into(),
        days: days.into(),
    };

    // No higher than the user's role; a name once; 1 to 365 days.
    for (bad, field) in [
        (ask("", "", ""), "name"),
        (ask("x", "admin", ""), "role"),
        (ask("x", "firm", ""), "role"),
        (ask("x", "", "0"), "days"),
        (ask("x", "", "366"), "days"),
    ] {
        match service.create_api_token(&me, &bad).await {
            Err(ServiceError::Invalid(errors)) => assert!(errors.for_field(field).is_some()),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    let (report, report_secret) =
        service.create_api_token(&me, &ask("report", "viewer", "30")).await.unwrap();
    let (sync, sync_secret) = service.create_api_token(&me, &ask("sync", "", "")).await.unwrap();
    assert!(sync_secret.starts_with("dagak_"));
    assert_eq!((report.role, sync.role), (Role::Viewer, Role::Staff));
    assert_eq!(sync.expires_at - sync.created_at, Duration::days(90));
    let taken = service.create_api_token(&me, &ask("sync", "", "")).await;
    assert!(matches!(taken, Err(ServiceError::Invalid(_))), "{taken:?}");

    let acting = service.resume_api_token(&report_secret).await.unwrap().unwrap();
    assert_eq!((acting.user, acting.role), (staff.id, Role::Viewer));
    assert_eq!(acting.credential, Credential::ApiToken { id: report.id });
    assert_eq!(acting.csrf_token(), None);
    assert_eq!(service.resume_api_token("dagak_0000").await.unwrap(), None);
    // A session secret is not a token, nor the other way round.
    let session = service.sign_in("staff@gumi.go.kr", PASSWORD, None).await.unwrap();
    assert_eq!(service.resume_api_token(&session.secret).await.unwrap(), None);
    assert_eq!(service.resume_session(&sync_secret).await.unwrap(), None);

    let listed = service.list_api_tokens(&me).await.unwrap();
    assert_eq!(listed.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["sync", "report"]);
    assert!(listed[1].last_used_at.is_some(), "use is recorded");

    // Another user cannot revoke them; their user can.
    let other = service.create_user(&draft("other@gumi.go.kr", "staff"), PASSWORD).await.unwrap();
    let them = service.start_session(other.id).await.unwrap().actor;
    assert!(matches!(service.revoke_api_token(&them, sync.id).await, Err(ServiceError::NotFound)));
    service.revoke_api_token(&me, sync.id).await.unwrap();
    assert_eq!(service.resume_api_token(&sync_secret).await.unwrap(), None);

    // A disabled user's tokens stop; expired ones too.
    service.set_user_status(staff.id, UserStatus::Disabled).await.unwrap();
    assert_eq!(service.resume_api_token(&report_secret).await.unwrap(), None);
    service.set_user_status(staff.id, UserStatus::Active).await.unwrap();
    assert!(service.resume_api_token(&report_secret).await.unwrap().is_some());
    clock.advance(Duration::days(30));
    assert_eq!(service.resume_api_token(&report_secret).await.unwrap(), None, "expired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_run_link_creates_one_administrator_within_a_day() {
    let (service, clock, _dir) = clocked().await;
    let secret = service.first_run_setup_link().await.unwrap().expect("no accounts yet");
    assert_eq!(service.setup_link_role(&secret).await.unwrap(), Role::Admin);
    let bad = service.setup_link_role("f".repeat(64).as_str()).await;
    assert!(matches!(bad, Err(ServiceError::SetupLinkInvalid)));

    // The policy applies; a bad password leaves the link unspent.
    let me = UserDraft { email: "admin@gumi.go.kr".into(), ..Default::default() };
    assert!(matches!(
        service.use_setup_link(&secret, &me, "short").await,
        Err(ServiceError::Invalid(_))
    ));
    let signed = service.use_setup_link(&secret, &me, PASSWORD).await.unwrap();
    assert_eq!(signed.actor.role, Role::Admin, "the link decides the role");
    assert!(service.resume_session(&signed.secret).await.unwrap().is_some());
    let again = service.use_setup_link(&secret, &draft("x@gumi.go.kr", ""), PASSWORD).await;
    assert!(matches!(again, Err(ServiceError::SetupLinkInvalid)), "{again:?}");
    assert_eq!(service.first_run_setup_link().await.unwrap(), None, "an account exists");
    assert_eq!(service.count_users().await.unwrap(), 1);

    // A link unused for 24 hours is dead.
    let (other, clock2, _dir2) = clocked().await;
    let secret = other.first_run_setup_link().await.unwrap().unwrap();
    clock2.advance(SETUP_LINK_LIFETIME);
    assert!(matches!(other.setup_link_role(&secret).await, Err(ServiceError::SetupLinkInvalid)));
    drop(clock);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_counted_by_one_server_lock_the_account_on_another() {
    use dagak_service::accounts::throttle::LOCK_FAILURES;
    let dir = crate::TestDb::new();
    let clock = ManualClock::new(datetime!(2026-12-01 09:00 UTC));
    let one = Service::with_clock(dir.store().await, Arc::new(clock.clone()));
    one.migrate().await.unwrap();
    let other = Service::with_clock(dir.store().await, Arc::new(clock.clone()));
    one.as_command_line().create_user(&draft("staff@gumi.go.kr", "staff"), PASSWORD).await.unwrap();
    // The failures alternate between the two servers, as a load balancer spreads them.
    for i in 0..LOCK_FAILURES {
        let server = if i % 2 == 0 { &one } else { &other };
        let answer = server.sign_in("staff@gumi.go.kr", "wrong password!", None).await;
        assert!(matches!(answer, Err(ServiceError::InvalidCredentials)), "{i}: {answer:?}");
        clock.advance(Duration::minutes(2));
    }
    for server in [&one, &other] {
        let locked = server.sign_in("staff@gumi.go.kr", PASSWORD, None).await.unwrap_err();
        assert!(matches!(locked, ServiceError::TooManyAttempts { .. }), "{locked:?}");
    }
    // A restart forgets nothing either.
    let restarted = Service::with_clock(dir.store().await, Arc::new(clock.clone()));
    let locked = restarted.sign_in("staff@gumi.go.kr", PASSWORD, None).await.unwrap_err();
    assert!(matches!(locked, ServiceError::TooManyAttempts { .. }), "{locked:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_due_on_two_servers_at_once_runs_on_one() {
    let dir = crate::TestDb::new();
    let clock = ManualClock::new(datetime!(2026-12-01 09:00 UTC));
    let one = Service::with_clock(dir.store().await, Arc::new(clock.clone()));
    one.migrate().await.unwrap();
    let other = Service::with_clock(dir.store().await, Arc::new(clock.clone()));
    let every = Duration::hours(6);
    for period in 0..3 {
        let (a, b) = tokio::join!(one.claim_job("backup", every), other.claim_job("backup", every));
        assert!(a.unwrap() ^ b.unwrap(), "period {period}: exactly one server runs it");
        // An hour later neither runs it again; at the next period one does.
        clock.advance(Duration::hours(1));
        assert!(!one.claim_job("backup", every).await.unwrap());
        assert!(!other.claim_job("backup", every).await.unwrap());
        clock.advance(Duration::hours(5));
    }
}
