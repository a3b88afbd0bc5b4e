//! The role table, run: every use case under every role, against a fresh scene each time, checks
//! that the service allows exactly what `dagak_service::rule` says (and `docs/roles.md` prints),
//! that a firm user reaches its own firm and its people but gets "not found" for another firm's,
//! and that viewers never see people's contact fields.

use std::sync::Arc;

use dagak_domain::{OrgId, OrganizationDraft, PersonDraft, PersonId, Role, UserDraft};
use dagak_service::{
    Acting, AffiliationInput, ExportFormat, ExportList, ImportFile, OnMatch, OrgListQuery,
    PersonInput, PersonListQuery, Rule, Service, ServiceError, UseCase, role_table_markdown, rule,
};
use dagak_testkit::org_draft;

const PASSWORD: &str = "correct horse battery staple";

/// A database with two local firms (each with one person), a foreign partner, and one account of
/// each role; the firm account belongs to the first firm.
struct Scene {
    service: Service,
    own_firm: OrgId,
    other_firm: OrgId,
    partner: OrgId,
    own_person: PersonId,
    other_person: PersonId,
    _dir: crate::TestDb,
}

fn person_input(family: &str, email: &str, org: OrgId) -> PersonInput {
    PersonInput {
        person: PersonDraft {
            family_name: family.into(),
            given_name: "민수".into(),
            emails: email.into(),
            phones: "+82 54 000 0000".into(),
            ..Default::default()
        },
        affiliations: vec![AffiliationInput {
            org_id: org.to_string(),
            role: "CEO".into(),
            ..Default::default()
        }],
    }
}

async fn scene() -> Scene {
    let dir = crate::TestDb::new();
    let store = dir.store().await;
    let service = Service::new(store);
    service.migrate().await.unwrap();
    let admin = service.as_command_line();
    let own_firm = admin.create_organization(&org_draft("구미정밀", "Gumi Precision"), false).await;
    let own_firm = own_firm.unwrap().id;
    let other_firm = admin.create_organization(&org_draft("구미광학", "Gumi Optics"), false).await;
    let other_firm = other_firm.unwrap().id;
    let partner = OrganizationDraft {
        kind: "foreign_firm".into(),
        country: "US".into(),
        city: "Irvine".into(),
        name_ko: String::new(),
        ..org_draft("", "Irvine Devices")
    };
    let partner = admin.create_organization(&partner, false).await.unwrap().id;
    let own_person = admin.create_person(&person_input("김", "kim@precision.kr", own_firm)).await;
    let own_person = own_person.unwrap().id;
    let other_person = admin.create_person(&person_input("이", "lee@optics.kr", other_firm)).await;
    let other_person = other_person.unwrap().id;
    Scene { service, own_firm, other_firm, partner, own_person, other_person, _dir: dir }
}

impl Scene {
    /// The service acting as a fresh account of `role` (a firm account belongs to `own_firm`).
    async fn as_role(&self, role: Role) -> Acting {
        let draft = UserDraft {
            email: format!("{}@gumi.go.kr", role.as_str()),
            role: role.as_str().into(),
            organization: if role == Role::Firm { self.own_firm.to_string() } else { "".into() },
            ..Default::default()
        };
        let user = self.service.as_command_line().create_user(&draft, PASSWORD).await.unwrap();
        let signed = self.service.start_session(user.id).await.unwrap();
        self.service.acting(Arc::new(signed.actor))
    }
}

/// Which firm's records a use case is aimed at.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Aim {
    Own,
    Other,
}

/// What came back, as far as the table is concerned.
#[derive(Debug, PartialEq)]
enum Outcome {
    /// Done (or refused for a reason that is not the role: a confirmation, a conflict).
    Done {
        contacts_seen: bool,
    },
    NotFound,
    Forbidden,
}

fn outcome<T>(result: Result<T, ServiceError>, contacts_seen: impl FnOnce(&T) -> bool) -> Outcome {
    match result {
        Ok(value) => Outcome::Done { contacts_seen: contacts_seen(&value) },
        Err(ServiceError::NotFound) => Outcome::NotFound,
        Err(ServiceError::Forbidden) => Outcome::Forbidden,
        // Another firm, named in an affiliation, is as unknown as one that does not exist.
        Err(ServiceError::Invalid(errors))
            if matches!(
                errors.for_field("affiliation_org"),
                Some(dagak_domain::DomainError::OrganizationUnknown(_))
            ) =>
        {
            Outcome::NotFound
        }
        Err(ServiceError::Invalid(errors)) => panic!("the scene's input is invalid: {errors:?}"),
        Err(_) => Outcome::Done { contacts_seen: false },
    }
}

fn no_contacts<T>(_: &T) -> bool {
    false
}

/// Runs `use_case` as `acting`, aimed at `aim`'s records.
async fn run(scene: &Scene, acting: &Acting, use_case: UseCase, aim: Aim) -> Outcome {
    let (org, person) = match aim {
        Aim::Own => (scene.own_firm, scene.own_person),
        Aim::Other => (scene.other_firm, scene.other_person),
    };
    let people_contacts =
        |people: &[dagak_service::PersonEntry]| people.iter().any(|p| !p.person.emails.is_empty());
    match use_case {
        UseCase::ListOrganizations => {
            let listed = acting.list_organizations(&OrgListQuery::default()).await;
            // A firm's list is its own firm alone: the other one is "not found".
            match listed {
                Ok(l) if !l.items.iter().any(|o| o.id == org) => Outcome::NotFound,
                other => outcome(other, no_contacts),
            }
        }
        UseCase::ViewOrganization => {
            outcome(acting.get_organization(org).await, |d| people_contacts(&d.people))
        }
        UseCase::CreateOrganization => outcome(
            acting.create_organization(&org_draft("새기업", "New Firm"), false).await,
            no_contacts,
        ),
        UseCase::UpdateOrganization => {
            let draft = OrganizationDraft {
                city: "Gumi-si".into(),
                ..org_draft(if aim == Aim::Own { "구미정밀" } else { "구미광학" }, "Renamed")
            };
            outcome(acting.update_organization(org, &draft, None).await, no_contacts)
        }
        UseCase::DeleteOrganization => {
            outcome(acting.delete_organization(org, true).await, no_contacts)
        }
        UseCase::FindDuplicates => outcome(acting.find_duplicates().await, no_contacts),
        UseCase::MergeOrganizations => {
            let none = std::collections::BTreeSet::new();
            outcome(acting.merge_organizations(scene.partner, org, &none, true).await, no_contacts)
        }
        UseCase::MergePeople => outcome(acting.find_duplicate_people().await, no_contacts),
        UseCase::ListPeople => match acting.list_people(&PersonListQuery::default()).await {
            Ok(l) if !l.items.iter().any(|p| p.id == person) => Outcome::NotFound,
            other => outcome(other, |l| people_contacts(&l.items)),
        },
        UseCase::ViewPerson => {
            outcome(acting.get_person(person).await, |p| !p.person.emails.is_empty())
        }
        UseCase::CreatePerson => {
            outcome(acting.create_person(&person_input("박", "park@x.kr", org)).await, no_contacts)
        }
        UseCase::UpdatePerson => {
            let input = person_input("김", "kim2@precision.kr", org);
            outcome(acting.update_person(person, &input, None).await, no_contacts)
        }
        UseCase::DeletePerson => outcome(acting.delete_person(person, true).await, no_contacts),
        UseCase::ExportPersonData => {
            outcome(acting.person_data(person).await, |d| !d.person.person.emails.is_empty())
        }
        UseCase::ErasePerson => outcome(acting.erase_person(person, true).await, no_contacts),
        UseCase::ImportFiles => {
            let file = ImportFile {
                name: "orgs.csv".into(),
                bytes: b"kind,name_en,country\nassociation,Imported Society,US\n".to_vec(),
            };
            outcome(acting.import_files(&[file], OnMatch::Skip).await, no_contacts)
        }
        UseCase::ExportOrganizations => {
            outcome(acting.export(ExportList::Organizations, ExportFormat::Csv).await, no_contacts)
        }
        UseCase::ExportPeople => {
            let csv = acting.export(ExportList::People, ExportFormat::Csv).await;
            let xlsx = acting.export(ExportList::Organizations, ExportFormat::Xlsx).await;
            assert_eq!(csv.is_ok(), xlsx.is_ok(), "the workbook holds the people too");
            outcome(csv, |f| String::from_utf8_lossy(&f.bytes).contains("kim@precision.kr"))
        }
        UseCase::ViewRegion => outcome(acting.region_exports().await, no_contacts),
        UseCase::LoadRegion => {
            let file = |name: &str, text: &str| ImportFile {
                name: name.into(),
                bytes: text.as_bytes().to_vec(),
            };
            let files = dagak_service::region::RegionFiles {
                annual: file(
                    "annual.csv",
                    include_str!("../../../../data/gumi/gumi_exports_annual.csv"),
                ),
                destinations: file(
                    "destinations.csv",
                    include_str!("../../../../data/gumi/gumi_export_destination_shares.csv"),
                ),
                products: file(
                    "products.csv",
                    include_str!("../../../../data/gumi/gumi_export_item_shares.csv"),
                ),
            };
            outcome(acting.load_region_figures(&files).await, no_contacts)
        }
        UseCase::ManageUsers => outcome(acting.list_users().await, no_contacts),
        UseCase::ViewHistory => {
            let history = acting.history(dagak_service::audit::Entity::Person, person.0).await;
            // A history holds the person's values, contacts included.
            outcome(history, |h| h.iter().any(|e| e.changes.iter().any(|c| c.field == "emails")))
        }
        UseCase::BrowseAuditLog => {
            outcome(acting.audit_log(&Default::default()).await, no_contacts)
        }
        UseCase::RestoreRecord => {
            // The person's creation is restorable once something changed it: change, then
            // restore as the role under test.
            let admin = scene.service.as_command_line();
            admin.update_person(person, &person_input("정", "jung@x.kr", org), None).await.unwrap();
            let entry =
                admin.history(dagak_service::audit::Entity::Person, person.0).await.unwrap();
            outcome(acting.restore(entry[0].id, true).await, no_contacts)
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_use_case_under_every_role_is_allowed_exactly_as_the_table_says() {
    let mut checked = 0;
    for role in Role::ALL {
        for use_case in UseCase::ALL {
            let expected = rule(role, use_case);
            let scene = scene().await;
            let acting = scene.as_role(role).await;
            let own = run(&scene, &acting, use_case, Aim::Own).await;
            let what =
                format!("{} may {}: {}", role.as_str(), use_case.describe(), expected.mark());
            match expected {
                Rule::Allowed => {
                    assert!(matches!(own, Outcome::Done { .. }), "{what}, got {own:?}");
                    if matches!(use_case, UseCase::ViewPerson | UseCase::ExportPersonData) {
                        assert_eq!(own, Outcome::Done { contacts_seen: true }, "{what}");
                    }
                }
                Rule::WithoutContacts => {
                    assert_eq!(own, Outcome::Done { contacts_seen: false }, "{what}");
                }
                Rule::OwnFirm => {
                    assert!(matches!(own, Outcome::Done { .. }), "{what}, got {own:?}");
                    let scene = self::scene().await;
                    let acting = scene.as_role(role).await;
                    let other = run(&scene, &acting, use_case, Aim::Other).await;
                    assert_eq!(other, Outcome::NotFound, "{what}: another firm's is not found");
                }
                Rule::Denied => assert_eq!(own, Outcome::Forbidden, "{what}"),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 4 * UseCase::ALL.len());
}

#[test]
fn the_role_table_in_the_docs_is_the_one_the_service_enforces() {
    let docs = include_str!("../../../../docs/roles.md");
    let table = role_table_markdown();
    assert!(
        docs.contains(&table),
        "docs/roles.md is out of step with dagak_service::rule; its table must read:\n{table}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_firm_account_edits_only_its_firm_and_keeps_it_a_local_firm() {
    let scene = scene().await;
    let firm = scene.as_role(Role::Firm).await;
    // Its people stay its own: an affiliation elsewhere is an unknown organisation.
    let elsewhere = firm.create_person(&person_input("최", "choi@x.kr", scene.partner)).await;
    match elsewhere {
        Err(ServiceError::Invalid(errors)) => {
            assert!(errors.for_field("affiliation_org").is_some())
        }
        other => panic!("{other:?}"),
    }
    // It may not turn itself into something else.
    let draft = OrganizationDraft { kind: "association".into(), ..org_draft("구미정밀", "") };
    assert!(matches!(
        firm.update_organization(scene.own_firm, &draft, None).await,
        Err(ServiceError::Invalid(_))
    ));
    // A firm account must belong to a local firm.
    let bad = UserDraft {
        email: "x@partner.us".into(),
        role: "firm".into(),
        organization: scene.partner.to_string(),
        ..Default::default()
    };
    let refused = scene.service.as_command_line().create_user(&bad, PASSWORD).await;
    match refused {
        Err(ServiceError::Invalid(errors)) => assert!(errors.for_field("organization").is_some()),
        other => panic!("{other:?}"),
    }
    // An administrator cannot lock themselves out.
    let admin = scene.as_role(Role::Admin).await;
    let own = admin.set_user_status(admin.actor().user, dagak_domain::UserStatus::Disabled).await;
    assert!(matches!(own, Err(ServiceError::Conflict(_))), "{own:?}");
}
