//! The audit log through the service: histories with each field's change, restores of an old
//! value and of a deleted organisation with its affiliations, redaction on erasure, imports and
//! security events in the log.

use dagak_domain::{OrganizationDraft, PersonDraft, UserDraft};
use dagak_service::audit::{AuditQuery, Entity};
use dagak_service::{AffiliationInput, ImportFile, OnMatch, PersonInput, ServiceError};
use dagak_testkit::org_draft;

use crate::service;

fn person(family: &str, email: &str, org: i64) -> PersonInput {
    PersonInput {
        person: PersonDraft {
            family_name: family.into(),
            given_name: "민수".into(),
            emails: email.into(),
            ..Default::default()
        },
        affiliations: vec![AffiliationInput {
            org_id: org.to_string(),
            role: "CEO".into(),
            ..Default::default()
        }],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_shows_before_and_after_and_restoring_brings_the_old_value_back() {
    let (service, _dir) = service().await;
    let id = service.create_organization(&org_draft("구미정밀", "Gumi Precision"), false).await;
    let id = id.unwrap().id;
    let moved =
        OrganizationDraft { city: "Daegu".into(), ..org_draft("구미정밀", "Gumi Precision") };
    service.update_organization(id, &moved, None).await.unwrap();

    let history = service.history(Entity::Organization, id.0).await.unwrap();
    assert_eq!(history.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["update", "create"]);
    let update = &history[0];
    assert_eq!(update.actor_label, "command line");
    assert_eq!(update.changes.len(), 1, "only the city changed: {:?}", update.changes);
    let change = &update.changes[0];
    assert_eq!(
        (change.field.as_str(), change.before.as_str(), change.after.as_str()),
        ("city", "Gumi", "Daegu")
    );
    assert!(update.restorable && !history[1].restorable);

    assert!(matches!(
        service.restore(update.id, false).await,
        Err(ServiceError::ConfirmationRequired)
    ));
    service.restore(update.id, true).await.unwrap();
    let now = service.get_organization(id).await.unwrap().organization.org;
    assert_eq!(now.city.as_deref(), Some("Gumi"));
    let history = service.history(Entity::Organization, id.0).await.unwrap();
    assert_eq!(history[0].action, "restore");
    assert!(history[0].detail.contains(&("restored_entry".to_owned(), update.id.to_string())));
    assert!(
        matches!(service.restore(history[2].id, true).await, Err(ServiceError::Conflict(_))),
        "a creation restores nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_organisation_comes_back_with_its_affiliations() {
    let (service, _dir) = service().await;
    let org = service
        .create_organization(&org_draft("구미정밀", "Gumi Precision"), false)
        .await
        .unwrap()
        .id;
    let kim = service.create_person(&person("김", "kim@precision.kr", org.0)).await.unwrap().id;
    service.delete_organization(org, true).await.unwrap();
    assert!(service.get_person(kim).await.unwrap().affiliations.is_empty());

    let deleted = &service.history(Entity::Organization, org.0).await.unwrap()[0];
    assert_eq!(deleted.action, "delete");
    service.restore(deleted.id, true).await.unwrap();
    let back = service.get_organization(org).await.unwrap();
    assert_eq!(back.organization.org.name_ko.as_deref(), Some("구미정밀"));
    assert_eq!(back.people.iter().map(|p| p.id).collect::<Vec<_>>(), [kim]);
    assert_eq!(back.people[0].affiliations[0].affiliation.role.as_deref(), Some("CEO"));

    // A deleted person too, with their affiliation.
    service.delete_person(kim, true).await.unwrap();
    let gone = &service.history(Entity::Person, kim.0).await.unwrap()[0];
    service.restore(gone.id, true).await.unwrap();
    let kim_again = service.get_person(kim).await.unwrap();
    assert_eq!(kim_again.person.emails, ["kim@precision.kr"]);
    assert_eq!(kim_again.affiliations[0].affiliation.org_id, org);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erasing_a_person_redacts_what_the_log_held_about_them() {
    let (service, _dir) = service().await;
    let org = service
        .create_organization(&org_draft("구미정밀", "Gumi Precision"), false)
        .await
        .unwrap()
        .id;
    let kim = service.create_person(&person("김", "kim@precision.kr", org.0)).await.unwrap().id;
    service.update_person(kim, &person("김", "minsu@precision.kr", org.0), None).await.unwrap();
    service.person_data(kim).await.unwrap();
    service.erase_person(kim, true).await.unwrap();

    let history = service.history(Entity::Person, kim.0).await.unwrap();
    assert_eq!(history[0].action, "erase");
    for entry in &history {
        assert!(entry.changes.is_empty() && !entry.restorable, "{entry:?}");
    }
    assert!(history[1..].iter().all(|e| e.redacted));
    let csv =
        String::from_utf8(service.export_audit_log(&AuditQuery::default()).await.unwrap()).unwrap();
    assert!(!csv.contains("precision.kr"), "{csv}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_holds_imports_sign_ins_and_exports_and_filters_them() {
    let (service, _dir) = service().await;
    let file = ImportFile {
        name: "partners.csv".into(),
        bytes: b"kind,name_en,country\nassociation,Irvine Chamber,US\n".to_vec(),
    };
    service.import_files(&[file], OnMatch::Skip).await.unwrap();
    let imports = service
        .audit_log(&AuditQuery { entity: Some("import".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(imports.total, 1);
    let detail = &imports.items[0].detail;
    assert!(
        detail.iter().any(|(k, v)| k == "files" && v.starts_with("partners.csv sha256:")),
        "{detail:?}"
    );
    assert!(detail.contains(&("organizations_created".to_owned(), "1".to_owned())));

    let staff =
        UserDraft { email: "staff@gumi.go.kr".into(), role: "staff".into(), ..Default::default() };
    let user = service.create_user(&staff, "correct horse battery staple").await.unwrap();
    service.sign_in("staff@gumi.go.kr", "wrong wrong wrong", None).await.unwrap_err();
    service.sign_in("staff@gumi.go.kr", "correct horse battery staple", None).await.unwrap();
    let failed = service
        .audit_log(&AuditQuery { action: Some("sign_in_failed".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(failed.total, 1);
    let theirs = service
        .audit_log(&AuditQuery { user: Some(user.id.to_string()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(theirs.items.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["sign_in"]);
    service
        .export(dagak_service::ExportList::People, dagak_service::ExportFormat::Csv)
        .await
        .unwrap();
    let exports = service
        .audit_log(&AuditQuery {
            action: Some("personal_data_export".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(exports.total, 1);

    // Bad filters name their field; dates bound the entries.
    match service
        .audit_log(&AuditQuery {
            from: Some("yesterday".into()),
            user: Some("x".into()),
            ..Default::default()
        })
        .await
    {
        Err(ServiceError::Invalid(errors)) => {
            assert!(errors.for_field("from").is_some() && errors.for_field("user").is_some())
        }
        other => panic!("{other:?}"),
    }
    let future = service
        .audit_log(&AuditQuery { from: Some("2999-01-01".into()), ..Default::default() })
        .await;
    assert_eq!(future.unwrap().total, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_changes_are_logged_with_their_values_and_never_a_password() {
    let (service, _dir) = service().await;
    let draft =
        UserDraft { email: "staff@gumi.go.kr".into(), role: "staff".into(), ..Default::default() };
    let user = service.create_user(&draft, "correct horse battery staple").await.unwrap();
    service.set_user_status(user.id, dagak_domain::UserStatus::Disabled).await.unwrap();
    service
        .set_user_role(
            user.id,
            &dagak_service::InvitationDraft { role: "viewer".into(), ..Default::default() },
        )
        .await
        .unwrap();
    service.reset_password(user.id).await.unwrap();
    let log = service
        .audit_log(&AuditQuery {
            entity: Some("account".into()),
            entity_id: Some(user.id.to_string()),
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = log.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["password_reset", "role_changed", "user_disabled", "user_created"]);
    let changed = |i: usize, field: &str| {
        log.items[i]
            .changes
            .iter()
            .find(|c| c.field == field)
            .map(|c| (c.before.clone(), c.after.clone()))
    };
    assert_eq!(changed(1, "role"), Some(("staff".into(), "viewer".into())));
    assert_eq!(changed(2, "status"), Some(("active".into(), "disabled".into())));
    assert_eq!(changed(3, "email"), Some((String::new(), "staff@gumi.go.kr".into())));
    let csv =
        String::from_utf8(service.export_audit_log(&AuditQuery::default()).await.unwrap()).unwrap();
    assert!(!csv.contains("argon2") && !csv.contains("password_hash"), "{csv}");
}
