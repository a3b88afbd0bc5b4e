//! The partner directory: organisations and people.

mod bulk;
mod model;

use dagak_domain::{
    AffiliationDraft, CountryCode, DomainError, FieldErrors, HsCode, OrgId, OrgKind,
    OrganizationDraft, PersonDraft, PersonId,
};
use dagak_store::{OrgFilter, OrgSort, Page, PersonFilter};

pub use model::{
    AffiliationEntry, Current, Listing, OrgDetail, OrgDirectory, OrgEntry, PersonData, PersonEntry,
};

use crate::access::{Scope, UseCase};
use crate::{Acting, Service, ServiceError};

pub const DEFAULT_PER_PAGE: u64 = 25;
pub const MAX_PER_PAGE: u64 = 200;

/// The directory list's query as typed in a URL: every field is optional text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgListQuery {
    pub kind: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub tag: Option<String>,
    pub hs: Option<String>,
    pub q: Option<String>,
    /// `name_ko` (default), `name_en`, `country`, `kind` or `updated`.
    pub sort: Option<String>,
    /// 1-based.
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn page_of(page: Option<u64>, per_page: Option<u64>) -> Page {
    let limit = per_page.unwrap_or(DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE);
    let page = page.unwrap_or(1).max(1);
    Page { offset: (page - 1).saturating_mul(limit), limit }
}

impl OrgListQuery {
    /// Parses the query into a store filter and page, or every bad field.
    pub fn parse(&self) -> Result<(OrgFilter, Page), FieldErrors> {
        let mut errors = FieldErrors::default();
        let kind = non_empty(&self.kind).and_then(|k| errors.take("kind", k.parse::<OrgKind>()));
        let country =
            non_empty(&self.country).and_then(|c| errors.take("country", CountryCode::parse(c)));
        let hs_code = non_empty(&self.hs).and_then(|h| errors.take("hs", HsCode::parse(h)));
        let sort = match non_empty(&self.sort) {
            None | Some("name_ko") => OrgSort::NameKo,
            Some("name_en") => OrgSort::NameEn,
            Some("country") => OrgSort::Country,
            Some("kind") => OrgSort::Kind,
            Some("updated") => OrgSort::RecentlyUpdated,
            Some(other) => {
                errors.push("sort", DomainError::UnknownValue(other.to_owned()));
                OrgSort::NameKo
            }
        };
        let text = non_empty(&self.q).map(|q| q.chars().take(200).collect::<String>());
        if !errors.is_empty() {
            return Err(errors);
        }
        let filter = OrgFilter {
            kind,
            country,
            city: non_empty(&self.city).map(str::to_owned),
            industry_tag: non_empty(&self.tag).map(str::to_owned),
            hs_code,
            text,
            sort,
        };
        Ok((filter, page_of(self.page, self.per_page)))
    }
}

/// The people list's query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonListQuery {
    pub q: Option<String>,
    pub org: Option<i64>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
    /// `name` (default) or `updated`.
    pub sort: Option<String>,
}

/// One affiliation as typed: the organisation by id (forms pick it from a list).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AffiliationInput {
    pub org_id: String,
    pub role: String,
    pub start: String,
    pub end: String,
}

/// A person and their affiliations as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonInput {
    pub person: PersonDraft,
    pub affiliations: Vec<AffiliationInput>,
}

/// Hides a person's contact fields from a reader who may not see them.
fn shown(scope: Scope, mut entry: PersonEntry) -> PersonEntry {
    if scope == Scope::NoContacts {
        entry.person.emails.clear();
        entry.person.phones.clear();
    }
    entry
}

/// Whether a firm's scope reaches this person: one of their affiliations is to the firm.
pub(super) fn reaches(scope: Scope, entry: &PersonEntry) -> bool {
    match scope {
        Scope::Firm(org) => entry.affiliations.iter().any(|a| a.affiliation.org_id == org),
        Scope::All | Scope::NoContacts => true,
    }
}

/// Whether a firm's scope reaches this organisation.
pub(super) fn reaches_org(scope: Scope, id: OrgId) -> bool {
    !matches!(scope, Scope::Firm(org) if org != id)
}

impl Service {
    /// Asks the first page of each list order once, so the store can prepare what lists need
    /// (for SQLite: the sort orders it caches) before the first reader asks.
    pub async fn warm_up(&self) -> Result<(), ServiceError> {
        let system = self.as_command_line();
        for sort in ["name_ko", "name_en", "country", "kind", "updated"] {
            let query = OrgListQuery { sort: Some(sort.into()), ..Default::default() };
            system.list_organizations(&query).await?;
        }
        system.list_people(&PersonListQuery::default()).await?;
        self.store.organization_facets().await?;
        Ok(())
    }
}

impl Acting {
    /// Creates an organisation and returns it as stored. One with the same business number or
    /// domain is refused as a duplicate unless `allow_duplicate`.
    pub async fn create_organization(
        &self,
        draft: &OrganizationDraft,
        allow_duplicate: bool,
    ) -> Result<OrgEntry, ServiceError> {
        self.may(UseCase::CreateOrganization)?;
        let org = draft.parse()?;
        if !allow_duplicate {
            let existing = self
                .store
                .find_organizations_by_keys(org.business_number.as_ref(), org.domain.as_ref(), &[])
                .await?;
            if !existing.is_empty() {
                let found = self.store.get_organizations(&existing).await?;
                let names = existing
                    .iter()
                    .map(|id| {
                        found
                            .iter()
                            .find(|r| r.id == *id)
                            .map(|r| r.org.display_name(dagak_domain::Lang::Ko).to_owned())
                            .unwrap_or_default()
                    })
                    .collect();
                return Err(ServiceError::Duplicate { existing, names });
            }
        }
        let id = self.store.insert_organization(&org, &self.audit()).await?;
        Ok(self.store.get_organization(id).await?.into())
    }

    /// Replaces an organisation's fields and returns it as stored. With `version` (what the
    /// editor read), a record changed since is refused with [`ServiceError::EditConflict`]
    /// carrying what is stored now, and nothing is written.
    pub async fn update_organization(
        &self,
        id: OrgId,
        draft: &OrganizationDraft,
        version: Option<u64>,
    ) -> Result<OrgEntry, ServiceError> {
        if !reaches_org(self.may(UseCase::UpdateOrganization)?, id) {
            return Err(ServiceError::NotFound);
        }
        let org = draft.parse()?;
        if let (Scope::Firm(_), false) =
            (self.may(UseCase::UpdateOrganization)?, org.kind == dagak_domain::OrgKind::LocalFirm)
        {
            // A firm stays a local firm: its account is bound to one.
            let error = DomainError::UnknownValue(org.kind.as_str().to_owned());
            return Err(FieldErrors::single("kind", error).into());
        }
        let saved = self.store.update_organization(id, &org, version, &self.audit()).await;
        if let Err(dagak_store::StoreError::Stale { .. }) = saved {
            let current = self.store.get_organization(id).await?.into();
            return Err(ServiceError::EditConflict(Box::new(Current::Organization(current))));
        }
        saved?;
        Ok(self.store.get_organization(id).await?.into())
    }

    /// An organisation and everyone ever affiliated with it (at most 500 people).
    pub async fn get_organization(&self, id: OrgId) -> Result<OrgDetail, ServiceError> {
        let scope = self.may(UseCase::ViewOrganization)?;
        if !reaches_org(scope, id) {
            return Err(ServiceError::NotFound);
        }
        let people_scope = self.may(UseCase::ListPeople).unwrap_or(Scope::NoContacts);
        let organization = match self.store.get_organization(id).await {
            Err(dagak_store::StoreError::NotFound) => {
                return Err(self.gone("organization", id.0).await);
            }
            found => found?.into(),
        };
        let people = self
            .store
            .list_people(
                &PersonFilter { org_id: Some(id), ..Default::default() },
                Page { offset: 0, limit: 500 },
            )
            .await?
            .items
            .into_iter()
            .map(|r| shown(people_scope, PersonEntry::from(r)))
            .collect();
        Ok(OrgDetail { organization, people })
    }

    /// One page of organisations, or every invalid field of the query.
    pub async fn list_organizations(
        &self,
        query: &OrgListQuery,
    ) -> Result<Listing<OrgEntry>, ServiceError> {
        let scope = self.may(UseCase::ListOrganizations)?;
        let (filter, page) = query.parse()?;
        if let Scope::Firm(own) = scope {
            // A firm's directory is its own organisation.
            let entry: OrgEntry = self.store.get_organization(own).await?.into();
            let items = if page.offset == 0 { vec![entry] } else { Vec::new() };
            let found = dagak_store::PageOf::exact(items, 1);
            return Ok(Listing::new(found, page));
        }
        Ok(Listing::new(self.store.list_organizations(&filter, page).await?, page))
    }

    /// The directory page: a page of organisations (or why the query is invalid) with the
    /// values of the filter menus.
    pub async fn organization_directory(
        &self,
        query: &OrgListQuery,
    ) -> Result<OrgDirectory, ServiceError> {
        let (tags, cities) = self.store.organization_facets().await?;
        let found = match self.list_organizations(query).await {
            Ok(listing) => Ok(listing),
            Err(ServiceError::Invalid(errors)) => Err(errors),
            Err(other) => return Err(other),
        };
        Ok(OrgDirectory { found, tags, cities })
    }

    /// Deletes an organisation and its affiliations once `confirmed`.
    pub async fn delete_organization(
        &self,
        id: OrgId,
        confirmed: bool,
    ) -> Result<(), ServiceError> {
        self.may(UseCase::DeleteOrganization)?;
        self.store.get_organization(id).await?;
        if !confirmed {
            return Err(ServiceError::ConfirmationRequired);
        }
        Ok(self.store.delete_organization(id, &self.audit()).await?)
    }

    async fn parse_person(
        &self,
        scope: Scope,
        input: &PersonInput,
    ) -> Result<(dagak_domain::Person, Vec<dagak_domain::Affiliation>), ServiceError> {
        let mut errors = FieldErrors::default();
        let person = input.person.parse().map_err(|e| errors.0.extend(e.0)).ok();
        let mut affiliations = Vec::new();
        for a in input.affiliations.iter().filter(|a| !a.org_id.trim().is_empty()) {
            // A firm affiliates people with itself only; another organisation does not exist.
            // (nor does it learn other organisations' names from an ambiguous match).
            let org_id = match self.resolve_organization(&a.org_id).await? {
                Ok(id) if reaches_org(scope, id) => id,
                Err(error) if scope == Scope::All || scope == Scope::NoContacts => {
                    errors.push("affiliation_org", error);
                    continue;
                }
                _ => {
                    let text = a.org_id.trim().to_owned();
                    errors.push("affiliation_org", DomainError::OrganizationUnknown(text));
                    continue;
                }
            };
            let draft = AffiliationDraft {
                org_id,
                role: a.role.clone(),
                start: a.start.clone(),
                end: a.end.clone(),
            };
            match draft.parse() {
                Ok(a) => affiliations.push(a),
                Err(e) => errors.0.extend(e.0.into_iter().map(|mut e| {
                    e.field = match e.field {
                        "start" => "affiliation_start",
                        "end" => "affiliation_end",
                        _ => "affiliation_role",
                    };
                    e
                })),
            }
        }
        if let Scope::Firm(own) = scope
            && !affiliations.iter().any(|a| a.org_id == own)
            && errors.is_empty()
        {
            // Without an affiliation to the firm the person would leave its reach.
            errors.push("affiliation_org", DomainError::Required);
        }
        match person {
            Some(person) if errors.is_empty() => Ok((person, affiliations)),
            _ => Err(ServiceError::Invalid(errors)),
        }
    }

    /// Finds the one organisation that `text` names: `#12` or `12` (its number), a choice of the
    /// picker (`구미시 (#12)`), a business number, a domain, an exact name, or a part of exactly
    /// one organisation's name. Otherwise the field error says why: which organisations it
    /// matches (`'구미' matches 2 organisations: 구미시, 구미상공회의소`), or that none does.
    pub async fn resolve_organization(
        &self,
        text: &str,
    ) -> Result<Result<OrgId, DomainError>, ServiceError> {
        let text = text.trim();
        let unknown = || DomainError::OrganizationUnknown(text.to_owned());
        // `Name (#12)`, as the picker fills the field.
        let picked = text
            .strip_suffix(')')
            .and_then(|rest| rest.rsplit_once("(#"))
            .and_then(|(_, id)| id.trim().parse::<i64>().ok());
        if let Some(id) = picked.or_else(|| text.trim_start_matches('#').parse::<i64>().ok()) {
            return match self.store.get_organization(OrgId(id)).await {
                Ok(_) => Ok(Ok(OrgId(id))),
                Err(dagak_store::StoreError::NotFound) => Ok(Err(unknown())),
                Err(e) => Err(e.into()),
            };
        }
        let number = dagak_domain::BusinessNumber::parse(text).ok();
        let domain =
            if text.contains('.') { dagak_domain::WebDomain::parse(text).ok() } else { None };
        let keys = if number.is_none() && domain.is_none() {
            dagak_domain::name_keys([text])
        } else {
            Vec::new()
        };
        let found =
            self.store.find_organizations_by_keys(number.as_ref(), domain.as_ref(), &keys).await?;
        if let [one] = found.as_slice() {
            return Ok(Ok(*one));
        }
        // Part of a name: what the list finds, of those whose names hold the text.
        let filter = OrgFilter { text: Some(text.to_owned()), ..Default::default() };
        let listed = self.store.list_organizations(&filter, Page { offset: 0, limit: 50 }).await?;
        let needle = text.to_lowercase();
        let named: Vec<_> = listed
            .items
            .iter()
            .filter(|r| {
                [&r.org.name_ko, &r.org.name_en]
                    .into_iter()
                    .flatten()
                    .any(|n| n.to_lowercase().contains(&needle))
            })
            .collect();
        let shown = |records: &[&dagak_store::OrgRecord]| {
            records
                .iter()
                .take(5)
                .map(|r| r.org.display_name(dagak_domain::Lang::Ko).to_owned())
                .collect()
        };
        Ok(match (found.len(), named.as_slice()) {
            (0, []) => Err(unknown()),
            (0, [one]) => Ok(one.id),
            (0, many) => Err(DomainError::OrganizationAmbiguous {
                text: text.to_owned(),
                count: many.len() as u64,
                matches: shown(many),
            }),
            (several, _) => {
                let records = self.store.get_organizations(&found).await?;
                let refs: Vec<_> = records.iter().collect();
                Err(DomainError::OrganizationAmbiguous {
                    text: text.to_owned(),
                    count: several as u64,
                    matches: shown(&refs),
                })
            }
        })
    }

    /// Creates a person with their affiliations and returns them as stored.
    pub async fn create_person(&self, input: &PersonInput) -> Result<PersonEntry, ServiceError> {
        let scope = self.may(UseCase::CreatePerson)?;
        let (person, affiliations) = self.parse_person(scope, input).await?;
        let id = self.store.insert_person(&person, &affiliations, &self.audit()).await?;
        Ok(self.store.get_person(id).await?.into())
    }

    /// Replaces a person's fields and affiliations and returns them as stored; `version` as for
    /// [`Acting::update_organization`].
    pub async fn update_person(
        &self,
        id: PersonId,
        input: &PersonInput,
        version: Option<u64>,
    ) -> Result<PersonEntry, ServiceError> {
        let scope = self.may(UseCase::UpdatePerson)?;
        self.person_in(scope, id).await?;
        let (person, affiliations) = self.parse_person(scope, input).await?;
        let saved = self
            .store
            .update_person(id, &person, Some(&affiliations), version, &self.audit())
            .await;
        if let Err(dagak_store::StoreError::Stale { .. }) = saved {
            let current = shown(scope, self.store.get_person(id).await?.into());
            return Err(ServiceError::EditConflict(Box::new(Current::Person(current))));
        }
        saved?;
        Ok(self.store.get_person(id).await?.into())
    }

    pub async fn get_person(&self, id: PersonId) -> Result<PersonEntry, ServiceError> {
        let scope = self.may(UseCase::ViewPerson)?;
        Ok(shown(scope, self.person_in(scope, id).await?))
    }

    /// Why a record is not there: merged into another one ([`ServiceError::Moved`]), or
    /// `NotFound`.
    pub(crate) async fn gone(&self, entity: &'static str, id: i64) -> ServiceError {
        match self.store.merged_into(entity, id).await {
            Ok(Some(to)) => ServiceError::Moved { entity, to },
            Ok(None) => ServiceError::NotFound,
            Err(e) => e.into(),
        }
    }

    /// The person, if the scope reaches them; else `NotFound` (or `Moved`, merged away).
    async fn person_in(&self, scope: Scope, id: PersonId) -> Result<PersonEntry, ServiceError> {
        let entry: PersonEntry = match self.store.get_person(id).await {
            Err(dagak_store::StoreError::NotFound) => return Err(self.gone("person", id.0).await),
            found => found?.into(),
        };
        if reaches(scope, &entry) { Ok(entry) } else { Err(ServiceError::NotFound) }
    }

    pub async fn list_people(
        &self,
        query: &PersonListQuery,
    ) -> Result<Listing<PersonEntry>, ServiceError> {
        let scope = self.may(UseCase::ListPeople)?;
        let org_id = match scope {
            // A firm's people list holds its own people, whatever organisation was asked.
            Scope::Firm(own) => Some(own),
            Scope::All | Scope::NoContacts => query.org.map(OrgId),
        };
        let sort = match non_empty(&query.sort) {
            None | Some("name") => dagak_store::PersonSort::Name,
            Some("updated") => dagak_store::PersonSort::RecentlyUpdated,
            Some(other) => {
                let error = DomainError::UnknownValue(other.to_owned());
                return Err(FieldErrors::single("sort", error).into());
            }
        };
        let filter = PersonFilter { text: non_empty(&query.q).map(str::to_owned), org_id, sort };
        let page = page_of(query.page, query.per_page);
        let found = self.store.list_people(&filter, page).await?;
        let found = dagak_store::PageOf {
            items: found.items.into_iter().map(|r| shown(scope, PersonEntry::from(r))).collect(),
            total: found.total,
            capped: found.capped,
        };
        Ok(Listing::new::<PersonEntry>(found, page))
    }

    /// Everything dagak holds about a person, for a request under PIPA or the GDPR: the profile,
    /// the affiliations and the record's dates (later issues add its audit entries and
    /// interactions).
    pub async fn person_data(&self, id: PersonId) -> Result<PersonData, ServiceError> {
        self.may(UseCase::ExportPersonData)?;
        let person = self.store.get_person(id).await?.into();
        self.record(dagak_store::AuditEvent {
            entity: "person".into(),
            entity_id: Some(id.0),
            action: "personal_data_export".into(),
            detail: Default::default(),
        })
        .await?;
        tracing::info!(person = id.0, "personal data exported on request");
        let filter = dagak_store::AuditFilter {
            entity: Some("person".into()),
            entity_id: Some(id.0),
            ..Default::default()
        };
        let audit = self.store.list_audit(&filter, Page { offset: 0, limit: 10_000 }).await?;
        let audit = audit.items.into_iter().map(crate::audit::AuditEntry::from).collect();
        let notes = self
            .store
            .list_notes("person", id.0, u64::MAX)
            .await?
            .into_iter()
            .map(|n| crate::Note {
                id: n.id,
                text: n.text,
                author: n.author,
                author_label: n.author_label,
                at: n.at,
                deletable: false,
            })
            .collect();
        Ok(PersonData { person, exported_at: self.clock.now(), audit, notes })
    }

    /// The people whose retention date has passed and who are not erased yet (at most 500,
    /// longest overdue first): who is due for erasure.
    pub async fn people_due_for_erasure(&self) -> Result<Vec<PersonEntry>, ServiceError> {
        self.may(UseCase::ErasePerson)?;
        let today = self.clock.now().date();
        let found = self.store.people_retained_until_before(today, 500).await?;
        Ok(found.into_iter().map(PersonEntry::from).collect())
    }

    /// Erases a person's personal data on request (PIPA, GDPR) once `confirmed`: every personal
    /// field goes, the record keeps its id and affiliations so that counts elsewhere stay.
    pub async fn erase_person(
        &self,
        id: PersonId,
        confirmed: bool,
    ) -> Result<PersonEntry, ServiceError> {
        self.may(UseCase::ErasePerson)?;
        self.store.get_person(id).await?;
        if !confirmed {
            return Err(ServiceError::ConfirmationRequired);
        }
        self.store.erase_person(id, &self.audit()).await?;
        tracing::info!(person = id.0, "personal data erased on request");
        Ok(self.store.get_person(id).await?.into())
    }

    pub async fn delete_person(&self, id: PersonId, confirmed: bool) -> Result<(), ServiceError> {
        let scope = self.may(UseCase::DeletePerson)?;
        self.person_in(scope, id).await?;
        if !confirmed {
            return Err(ServiceError::ConfirmationRequired);
        }
        Ok(self.store.delete_person(id, &self.audit()).await?)
    }
}
