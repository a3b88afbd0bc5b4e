//! An administrator's use cases on other accounts beyond creating them: inviting by a set-up
//! link and changing a role. (Creating, disabling and resetting are in the parent module.)

use dagak_domain::{DomainError, FieldErrors, OrgId, Role, UserId};
use dagak_store::SetupLinkRecord;

use super::sessions::{SETUP_LINK_LIFETIME, new_secret, secret_hash};
use crate::access::UseCase;
use crate::{Acting, ServiceError};

/// An invitation as asked for: a role and, for a firm account, the firm's id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvitationDraft {
    pub role: String,
    pub organization: String,
}

impl InvitationDraft {
    fn parse(&self) -> Result<(Role, Option<OrgId>), FieldErrors> {
        // The same rules as an account's: only a firm account has (and needs) a firm.
        let user = dagak_domain::UserDraft {
            email: "invitation@dagak.example".into(),
            role: self.role.clone(),
            organization: self.organization.clone(),
            ..Default::default()
        }
        .parse()?;
        Ok((user.role, user.organization))
    }
}

impl Acting {
    /// A single-use link (valid 24 hours) that creates an account of the invitation's role;
    /// its secret is returned once.
    pub async fn invite(&self, draft: &InvitationDraft) -> Result<String, ServiceError> {
        self.may(UseCase::ManageUsers)?;
        let (role, organization) = draft.parse()?;
        self.check_firm_id(organization).await?;
        let now = self.clock.now();
        let secret = new_secret();
        self.store
            .insert_setup_link(&SetupLinkRecord {
                token_hash: secret_hash(&secret),
                role,
                created_by: Some(self.actor().user),
                created_at: now,
                expires_at: now + SETUP_LINK_LIFETIME,
                organization,
            })
            .await?;
        tracing::info!(by = %self.actor().user, role = role.as_str(), "invitation made");
        self.record(dagak_store::AuditEvent {
            entity: "account".into(),
            entity_id: None,
            action: "user_invited".into(),
            detail: dagak_store::Snapshot::from([("role".to_owned(), role.as_str().to_owned())]),
        })
        .await?;
        Ok(secret)
    }

    /// Gives an account another role (a firm account names its firm). An administrator cannot
    /// take their own administration away.
    pub async fn set_user_role(
        &self,
        id: UserId,
        draft: &InvitationDraft,
    ) -> Result<(), ServiceError> {
        self.may(UseCase::ManageUsers)?;
        let (role, organization) = draft.parse()?;
        if id == self.actor().user && role != Role::Admin {
            return Err(ServiceError::Conflict("own_account".into()));
        }
        self.check_firm_id(organization).await?;
        Ok(self.store.set_user_role(id, role, organization, &self.audit()).await?)
    }

    pub(super) async fn check_firm_id(
        &self,
        organization: Option<OrgId>,
    ) -> Result<(), ServiceError> {
        let Some(org) = organization else { return Ok(()) };
        match self.store.get_organization(org).await {
            Ok(record) if record.org.kind == dagak_domain::OrgKind::LocalFirm => Ok(()),
            Ok(_) | Err(dagak_store::StoreError::NotFound) => {
                let error = DomainError::UnknownValue(org.to_string());
                Err(FieldErrors::single("organization", error).into())
            }
            Err(other) => Err(other.into()),
        }
    }
}
