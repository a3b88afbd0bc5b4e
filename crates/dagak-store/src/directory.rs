//! The directory area: organisations, people and their affiliations over time, with the
//! lists, keys and facets the service reads.

use async_trait::async_trait;
use dagak_domain::{
    Affiliation, AffiliationId, BusinessNumber, CountryCode, HsCode, OrgId, OrgKind, Organization,
    Person, PersonId, WebDomain,
};

use crate::{Audit, Page, PageOf, StoreError};

/// A stored organisation with its id and bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgRecord {
    pub id: OrgId,
    pub org: Organization,
    /// Set by the store, in UTC.
    pub created_at: time::OffsetDateTime,
    pub updated_at: time::OffsetDateTime,
    /// Number of people currently or formerly affiliated.
    pub people_count: u64,
    /// Raised by every write: what an edit read, so that saving it can refuse to overwrite a
    /// newer change.
    pub version: u64,
}

/// One affiliation with the organisation's names, for showing it.
#[derive(Debug, Clone, PartialEq)]
pub struct AffiliationRecord {
    pub id: AffiliationId,
    pub affiliation: Affiliation,
    pub org_name_ko: Option<String>,
    pub org_name_en: Option<String>,
}

/// A stored person with their affiliations.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRecord {
    pub id: PersonId,
    pub person: Person,
    pub affiliations: Vec<AffiliationRecord>,
    /// Set by the store, in UTC.
    pub created_at: time::OffsetDateTime,
    pub updated_at: time::OffsetDateTime,
    /// When the person's personal data was erased on request (`person` is then
    /// [`Person::erased`](dagak_domain::Person::erased)).
    pub erased_at: Option<time::OffsetDateTime>,
    /// Raised by every write (see [`OrgRecord::version`]).
    pub version: u64,
}

/// How the directory is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OrgSort {
    #[default]
    NameKo,
    NameEn,
    Country,
    /// By kind (its stable key), then Korean name.
    Kind,
    RecentlyUpdated,
}

/// Filters of the organisation list; every set field must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrgFilter {
    pub kind: Option<OrgKind>,
    pub country: Option<CountryCode>,
    /// The city, in either script and any case (`Gumi` is `구미`, `Gumi-si` is `구미시`).
    pub city: Option<String>,
    /// A tag in either language when the glossary knows it (`의료기기` is `medical devices`),
    /// case-insensitive.
    pub industry_tag: Option<String>,
    /// Matches the code itself and every longer code under it (`9018` matches `901819`).
    pub hs_code: Option<HsCode>,
    /// Free text, every word: any part of the names, domain, business number, city, tags (in
    /// both languages), descriptions or the titles of the people affiliated. Organisations
    /// whose names hold every word come first.
    pub text: Option<String>,
    pub sort: OrgSort,
}

/// Filters of the people list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonFilter {
    /// Any part of the family name, given name, display name or title.
    pub text: Option<String>,
    pub org_id: Option<OrgId>,
    pub sort: PersonSort,
}

/// How the people list is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PersonSort {
    /// By the displayed name, in Korean collation.
    #[default]
    Name,
    RecentlyUpdated,
}

/// What identifies an organisation when looking for duplicates.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgKeys {
    pub id: OrgId,
    pub business_number: Option<BusinessNumber>,
    pub domain: Option<WebDomain>,
    /// Normalised and romanised names (see `dagak_domain::name_keys`).
    pub name_keys: Vec<String>,
}

/// Storage of the directory. Each call is one transaction.
#[async_trait]
pub trait DirectoryStore: Send + Sync + 'static {
    async fn insert_organization(
        &self,
        org: &Organization,
        audit: &Audit,
    ) -> Result<OrgId, StoreError>;
    /// Replaces the organisation's fields. With `expected` set, refuses with
    /// [`StoreError::Stale`] (and writes nothing) unless the stored version is that one.
    async fn update_organization(
        &self,
        id: OrgId,
        org: &Organization,
        expected: Option<u64>,
        audit: &Audit,
    ) -> Result<(), StoreError>;
    async fn get_organization(&self, id: OrgId) -> Result<OrgRecord, StoreError>;
    /// The organisations of `ids` that exist, in any order (missing ids are left out): what an
    /// import compares its rows with, read at once instead of one by one.
    async fn get_organizations(&self, ids: &[OrgId]) -> Result<Vec<OrgRecord>, StoreError>;
    async fn list_organizations(
        &self,
        filter: &OrgFilter,
        page: Page,
    ) -> Result<PageOf<OrgRecord>, StoreError>;
    /// Deletes the organisation and its affiliations (people stay).
    async fn delete_organization(&self, id: OrgId, audit: &Audit) -> Result<(), StoreError>;
    /// Deletes every organisation of `ids` with its affiliations, in one transaction: one that
    /// does not exist fails the whole call.
    async fn delete_organizations(&self, ids: &[OrgId], audit: &Audit) -> Result<(), StoreError>;
    /// Adds industry tag `tag` (lower-cased) to every organisation of `ids` that lacks it, in
    /// one transaction; returns how many changed. One that does not exist fails the whole call.
    async fn tag_organizations(
        &self,
        ids: &[OrgId],
        tag: &str,
        audit: &Audit,
    ) -> Result<u64, StoreError>;
    async fn count_organizations(&self) -> Result<u64, StoreError>;
    /// Organisations with this business number, domain or exact name key.
    async fn find_organizations_by_keys(
        &self,
        business_number: Option<&BusinessNumber>,
        domain: Option<&WebDomain>,
        name_keys: &[String],
    ) -> Result<Vec<OrgId>, StoreError>;
    /// The duplicate-detection keys of every organisation, ordered by id.
    async fn all_organization_keys(&self) -> Result<Vec<OrgKeys>, StoreError>;
    /// Every distinct industry tag and city, for filter menus.
    async fn organization_facets(&self) -> Result<(Vec<String>, Vec<String>), StoreError>;

    /// Moves every affiliation of `removed` to `kept`, stores `merged` as `kept` and deletes
    /// `removed`, in one transaction; `removed` (and whatever was merged into it before) is
    /// then [`merged_into`](DirectoryStore::merged_into) `kept`.
    async fn merge_organizations(
        &self,
        kept: OrgId,
        merged: &Organization,
        removed: OrgId,
        audit: &Audit,
    ) -> Result<(), StoreError>;

    /// The record that `removed` of `entity` (`organization` or `person`) was merged into, if
    /// it was.
    async fn merged_into(&self, entity: &str, removed: i64) -> Result<Option<i64>, StoreError>;

    /// Merges person `removed` into `kept`: stores `merged` as `kept`, gives `kept` every
    /// affiliation of `removed` it does not hold yet, and deletes `removed`, in one transaction.
    async fn merge_people(
        &self,
        kept: PersonId,
        merged: &Person,
        removed: PersonId,
        audit: &Audit,
    ) -> Result<(), StoreError>;

    async fn insert_person(
        &self,
        person: &Person,
        affiliations: &[Affiliation],
        audit: &Audit,
    ) -> Result<PersonId, StoreError>;
    /// Replaces the person's fields and, when given, the whole list of affiliations. With
    /// `expected` set, refuses with [`StoreError::Stale`] unless the stored version is that one.
    async fn update_person(
        &self,
        id: PersonId,
        person: &Person,
        affiliations: Option<&[Affiliation]>,
        expected: Option<u64>,
        audit: &Audit,
    ) -> Result<(), StoreError>;
    async fn get_person(&self, id: PersonId) -> Result<PersonRecord, StoreError>;
    /// The people of `ids` that exist, in any order (missing ids are left out).
    async fn get_people(&self, ids: &[PersonId]) -> Result<Vec<PersonRecord>, StoreError>;
    async fn list_people(
        &self,
        filter: &PersonFilter,
        page: Page,
    ) -> Result<PageOf<PersonRecord>, StoreError>;
    async fn delete_person(&self, id: PersonId, audit: &Audit) -> Result<(), StoreError>;
    /// Deletes every person of `ids` in one transaction: one that does not exist fails it all.
    async fn delete_people(&self, ids: &[PersonId], audit: &Audit) -> Result<(), StoreError>;
    /// Removes every personal field of the person (and their search text) but keeps the record,
    /// its id and its affiliations; marks it erased, and redacts the audit entries about them.
    async fn erase_person(&self, id: PersonId, audit: &Audit) -> Result<(), StoreError>;
    /// The people whose retention date is before `date` and who are not erased yet, soonest
    /// first (at most `limit`).
    async fn people_retained_until_before(
        &self,
        date: time::Date,
        limit: u64,
    ) -> Result<Vec<PersonRecord>, StoreError>;
    /// Every person not erased as (id, family name, given name, an organisation they are or were
    /// affiliated with): one row per affiliation, one with `None` for a person with none. What
    /// finding duplicate people compares.
    async fn all_person_names(
        &self,
    ) -> Result<Vec<(PersonId, String, String, Option<OrgId>)>, StoreError>;
    /// Every (person, email) pair, lower-cased, for recognising people already stored.
    async fn all_person_emails(&self) -> Result<Vec<(PersonId, String)>, StoreError>;
    /// The people affiliated with any of `orgs` (with that organisation), and the people with no
    /// affiliation at all (with `None`): how imports recognise people who have no email.
    async fn people_at_organizations(
        &self,
        orgs: &[OrgId],
    ) -> Result<Vec<(Option<OrgId>, PersonId, Person)>, StoreError>;
}
