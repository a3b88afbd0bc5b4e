//! Actions on a selection of organisations: a tag added to each, their deletion after a
//! confirmation, and reading them back for a confirmation page or an export. Each writes in one
//! transaction.

use dagak_domain::{DomainError, FieldErrors, OrgId, PersonId};

use super::{MAX_PER_PAGE, OrgEntry, PersonEntry, reaches, reaches_org};
use crate::access::UseCase;
use crate::{Acting, ServiceError};

impl Acting {
    /// The ids of a bulk action: at least one, at most [`MAX_PER_PAGE`], each once.
    fn bulk_ids(ids: &[OrgId]) -> Result<Vec<OrgId>, ServiceError> {
        let mut unique = ids.to_vec();
        unique.sort();
        unique.dedup();
        if unique.is_empty() {
            return Err(FieldErrors::single("ids", DomainError::Required).into());
        }
        if unique.len() as u64 > MAX_PER_PAGE {
            return Err(
                FieldErrors::single("ids", DomainError::TooLong(MAX_PER_PAGE as usize)).into()
            );
        }
        Ok(unique)
    }

    /// Adds an industry tag to each selected organisation that lacks it, in one transaction;
    /// returns how many changed.
    pub async fn tag_organizations(&self, ids: &[OrgId], tag: &str) -> Result<u64, ServiceError> {
        let scope = self.may(UseCase::UpdateOrganization)?;
        let ids = Self::bulk_ids(ids)?;
        if ids.iter().any(|id| !reaches_org(scope, *id)) {
            return Err(ServiceError::NotFound);
        }
        let tag = tag.trim();
        if tag.is_empty() {
            return Err(FieldErrors::single("tag", DomainError::Required).into());
        }
        if tag.chars().count() > 60 || tag.contains([',', ';']) {
            return Err(
                FieldErrors::single("tag", DomainError::UnknownValue(tag.to_owned())).into()
            );
        }
        Ok(self.store.tag_organizations(&ids, tag, &self.audit()).await?)
    }

    /// Deletes the selected organisations with their affiliations once `confirmed`, in one
    /// transaction; returns how many.
    pub async fn delete_organizations(
        &self,
        ids: &[OrgId],
        confirmed: bool,
    ) -> Result<u64, ServiceError> {
        self.may(UseCase::DeleteOrganization)?;
        let ids = Self::bulk_ids(ids)?;
        if self.store.get_organizations(&ids).await?.len() != ids.len() {
            return Err(ServiceError::NotFound);
        }
        if !confirmed {
            return Err(ServiceError::ConfirmationRequired);
        }
        self.store.delete_organizations(&ids, &self.audit()).await?;
        Ok(ids.len() as u64)
    }

    /// The selected organisations, in the order given (unknown ones left out): what a bulk
    /// action confirms before it acts.
    pub async fn selected_organizations(
        &self,
        ids: &[OrgId],
    ) -> Result<Vec<OrgEntry>, ServiceError> {
        let scope = self.may(UseCase::ListOrganizations)?;
        let ids = Self::bulk_ids(ids)?;
        let found = self.store.get_organizations(&ids).await?;
        Ok(ids
            .iter()
            .filter(|id| reaches_org(scope, **id))
            .filter_map(|id| found.iter().find(|r| r.id == *id).cloned().map(OrgEntry::from))
            .collect())
    }

    /// Deletes the selected people with their affiliations once `confirmed`, in one
    /// transaction; returns how many.
    pub async fn delete_people(
        &self,
        ids: &[PersonId],
        confirmed: bool,
    ) -> Result<u64, ServiceError> {
        let scope = self.may(UseCase::DeletePerson)?;
        let ids = Self::bulk_person_ids(ids)?;
        for entry in self.selected_people(&ids).await? {
            if !reaches(scope, &entry) {
                return Err(ServiceError::NotFound);
            }
        }
        if self.store.get_people(&ids).await?.len() != ids.len() {
            return Err(ServiceError::NotFound);
        }
        if !confirmed {
            return Err(ServiceError::ConfirmationRequired);
        }
        self.store.delete_people(&ids, &self.audit()).await?;
        Ok(ids.len() as u64)
    }

    /// The selected people the reader may see, in the order given.
    pub async fn selected_people(
        &self,
        ids: &[PersonId],
    ) -> Result<Vec<PersonEntry>, ServiceError> {
        let scope = self.may(UseCase::ListPeople)?;
        let ids = Self::bulk_person_ids(ids)?;
        let found = self.store.get_people(&ids).await?;
        Ok(ids
            .iter()
            .filter_map(|id| found.iter().find(|r| r.id == *id).cloned().map(PersonEntry::from))
            .filter(|p| reaches(scope, p))
            .collect())
    }

    fn bulk_person_ids(ids: &[PersonId]) -> Result<Vec<PersonId>, ServiceError> {
        let mut unique = ids.to_vec();
        unique.sort();
        unique.dedup();
        if unique.is_empty() {
            return Err(FieldErrors::single("ids", DomainError::Required).into());
        }
        if unique.len() as u64 > MAX_PER_PAGE {
            return Err(
                FieldErrors::single("ids", DomainError::TooLong(MAX_PER_PAGE as usize)).into()
            );
        }
        Ok(unique)
    }
}
