//! Who may do what: every use case runs as an [`Acting`] — the service on behalf of one
//! [`Actor`] — and asks [`rule`] first. The HTTP layer only says who the actor is.
//!
//! `firm` users are bound to one local firm: what they may do, they may do only to that firm and
//! its people, and anything else answers [`ServiceError::NotFound`], as if it did not exist (ids
//! must not leak). A refusal otherwise is [`ServiceError::Forbidden`]. Viewers read the directory
//! without the personal contact fields (emails, phones) of its people.

use std::ops::Deref;
use std::sync::Arc;

use dagak_domain::{OrgId, Role};

use crate::{Actor, Service, ServiceError};

/// Every use case that acts on data, as the role table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UseCase {
    ListOrganizations,
    ViewOrganization,
    CreateOrganization,
    UpdateOrganization,
    DeleteOrganization,
    FindDuplicates,
    MergeOrganizations,
    /// Find people stored twice and merge them.
    MergePeople,
    ListPeople,
    ViewPerson,
    CreatePerson,
    UpdatePerson,
    DeletePerson,
    ExportPersonData,
    ErasePerson,
    ImportFiles,
    ExportOrganizations,
    ExportPeople,
    ViewRegion,
    LoadRegion,
    ManageUsers,
    ViewHistory,
    BrowseAuditLog,
    RestoreRecord,
}

impl UseCase {
    pub const ALL: [UseCase; 24] = [
        UseCase::ListOrganizations,
        UseCase::ViewOrganization,
        UseCase::CreateOrganization,
        UseCase::UpdateOrganization,
        UseCase::DeleteOrganization,
        UseCase::FindDuplicates,
        UseCase::MergeOrganizations,
        UseCase::MergePeople,
        UseCase::ListPeople,
        UseCase::ViewPerson,
        UseCase::CreatePerson,
        UseCase::UpdatePerson,
        UseCase::DeletePerson,
        UseCase::ExportPersonData,
        UseCase::ErasePerson,
        UseCase::ImportFiles,
        UseCase::ExportOrganizations,
        UseCase::ExportPeople,
        UseCase::ViewRegion,
        UseCase::LoadRegion,
        UseCase::ManageUsers,
        UseCase::ViewHistory,
        UseCase::BrowseAuditLog,
        UseCase::RestoreRecord,
    ];

    /// As the role table in `docs/roles.md` writes it.
    pub fn describe(self) -> &'static str {
        match self {
            UseCase::ListOrganizations => "list and search organisations",
            UseCase::ViewOrganization => "open an organisation",
            UseCase::CreateOrganization => "create an organisation",
            UseCase::UpdateOrganization => "edit an organisation",
            UseCase::DeleteOrganization => "delete an organisation",
            UseCase::FindDuplicates => "list possible duplicates",
            UseCase::MergeOrganizations => "merge organisations",
            UseCase::MergePeople => "find and merge people stored twice",
            UseCase::ListPeople => "list and search people",
            UseCase::ViewPerson => "open a person",
            UseCase::CreatePerson => "create a person",
            UseCase::UpdatePerson => "edit a person",
            UseCase::DeletePerson => "delete a person",
            UseCase::ExportPersonData => "download everything held about a person",
            UseCase::ErasePerson => "erase a person's personal data",
            UseCase::ImportFiles => "import files",
            UseCase::ExportOrganizations => "export the organisations (CSV)",
            UseCase::ExportPeople => "export people (CSV, XLSX)",
            UseCase::ViewRegion => "read the region's figures",
            UseCase::LoadRegion => "load the region's figures",
            UseCase::ManageUsers => "manage accounts",
            UseCase::ViewHistory => "read a record's history",
            UseCase::BrowseAuditLog => "browse and export the audit log",
            UseCase::RestoreRecord => "restore from the audit log",
        }
    }
}

/// What a role may do with a use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Allowed,
    /// Only for the actor's own firm and its people.
    OwnFirm,
    /// Allowed, without people's emails and phones.
    WithoutContacts,
    Denied,
}

impl Rule {
    /// As the role table writes it.
    pub fn mark(self) -> &'static str {
        match self {
            Rule::Allowed => "yes",
            Rule::OwnFirm => "own firm",
            Rule::WithoutContacts => "yes, no contacts",
            Rule::Denied => "no",
        }
    }
}

/// The role table.
pub fn rule(role: Role, use_case: UseCase) -> Rule {
    use Rule::{Allowed, Denied, OwnFirm, WithoutContacts};
    use UseCase::*;
    match (role, use_case) {
        (Role::Admin, _) => Allowed,
        (Role::Staff, ManageUsers | BrowseAuditLog | RestoreRecord) => Denied,
        (Role::Staff, _) => Allowed,
        (
            Role::Firm,
            ListOrganizations | ViewOrganization | UpdateOrganization | ListPeople | ViewPerson
            | CreatePerson | UpdatePerson | DeletePerson | ViewHistory,
        ) => OwnFirm,
        (Role::Firm, _) => Denied,
        (Role::Viewer, ListPeople | ViewPerson) => WithoutContacts,
        (
            Role::Viewer,
            ListOrganizations | ViewOrganization | FindDuplicates | ExportOrganizations
            | ViewRegion,
        ) => Allowed,
        (Role::Viewer, _) => Denied,
    }
}

/// The role table as Markdown, for `docs/roles.md` (a test keeps the file in step).
pub fn role_table_markdown() -> String {
    let mut out =
        String::from("| use case | admin | staff | firm | viewer |\n|---|---|---|---|---|\n");
    for use_case in UseCase::ALL {
        out.push_str(&format!("| {} |", use_case.describe()));
        for role in Role::ALL {
            out.push_str(&format!(" {} |", rule(role, use_case).mark()));
        }
        out.push('\n');
    }
    out
}

/// The service acting on behalf of one actor: every use case that touches data is a method of
/// this, and checks the actor's role first.
#[derive(Clone)]
pub struct Acting {
    service: Service,
    actor: Arc<Actor>,
}

impl Deref for Acting {
    type Target = Service;

    fn deref(&self) -> &Service {
        &self.service
    }
}

impl Service {
    /// The use cases on behalf of `actor`.
    pub fn acting(&self, actor: Arc<Actor>) -> Acting {
        Acting { service: self.clone(), actor }
    }

    /// The use cases on behalf of the command line on the server: an administrator, since
    /// whoever runs it can read the database file anyway.
    pub fn as_command_line(&self) -> Acting {
        self.acting(Arc::new(Actor::command_line()))
    }
}

/// What [`Acting::may`] allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Everything the use case reaches.
    All,
    /// Only this firm and its people.
    Firm(OrgId),
    /// Everything, without people's contact fields.
    NoContacts,
}

impl Acting {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Whether this acts for the command line rather than a signed-in user.
    pub fn is_command_line(&self) -> bool {
        matches!(self.actor.credential, crate::Credential::CommandLine)
    }

    /// Today, in UTC, by the service's clock: what tells a past affiliation from a current one.
    pub fn today(&self) -> time::Date {
        self.clock.now().date()
    }

    /// Who is changing something, and when, for the audit entry the store writes with it.
    pub(crate) fn audit(&self) -> dagak_store::Audit {
        let a = &self.actor;
        let (actor, label, credential) = match &a.credential {
            crate::Credential::Session { .. } => (Some(a.user), a.email.clone(), "session".into()),
            crate::Credential::ApiToken { id } => {
                (Some(a.user), a.email.clone(), format!("api_token {id}"))
            }
            crate::Credential::CommandLine => (None, "command line".into(), "command_line".into()),
        };
        dagak_store::Audit {
            at: self.clock.now(),
            actor,
            actor_label: label,
            credential,
            restoring: None,
        }
    }

    /// Whether the actor may do `use_case`, and over what.
    pub(crate) fn may(&self, use_case: UseCase) -> Result<Scope, ServiceError> {
        match rule(self.actor.role, use_case) {
            Rule::Allowed => Ok(Scope::All),
            Rule::WithoutContacts => Ok(Scope::NoContacts),
            // A firm account whose firm was deleted reaches nothing.
            Rule::OwnFirm => self.actor.organization.map(Scope::Firm).ok_or(ServiceError::NotFound),
            Rule::Denied => {
                tracing::info!(user = %self.actor.user, ?use_case, "refused by role");
                Err(ServiceError::Forbidden)
            }
        }
    }
}
