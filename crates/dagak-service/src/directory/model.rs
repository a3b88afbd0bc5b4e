//! What the directory use cases hand out: stored organisations and people with their bookkeeping,
//! and pages of them. These are the service's own types, so the web layer never sees a store row.

use dagak_domain::{Affiliation, AffiliationId, Lang, OrgId, Organization, Person, PersonId};
use dagak_store::{AffiliationRecord, OrgRecord, Page, PageOf, PersonRecord};
use time::OffsetDateTime;

/// A stored organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgEntry {
    pub id: OrgId,
    pub org: Organization,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// People currently or formerly affiliated.
    pub people_count: u64,
    /// What an edit sends back, so that it cannot overwrite a newer change unseen.
    pub version: u64,
}

impl From<OrgRecord> for OrgEntry {
    fn from(r: OrgRecord) -> Self {
        OrgEntry {
            id: r.id,
            org: r.org,
            created_at: r.created_at,
            updated_at: r.updated_at,
            people_count: r.people_count,
            version: r.version,
        }
    }
}

/// One affiliation of a stored person, with the organisation's names for showing it.
#[derive(Debug, Clone, PartialEq)]
pub struct AffiliationEntry {
    pub id: AffiliationId,
    pub affiliation: Affiliation,
    pub org_name_ko: Option<String>,
    pub org_name_en: Option<String>,
}

impl AffiliationEntry {
    /// Whether the affiliation ended before `today` (its end date has passed).
    pub fn ended(&self, today: time::Date) -> bool {
        self.affiliation.end.is_some_and(|end| end < today)
    }

    /// The organisation's name in `lang`, else in the other language.
    pub fn org_name(&self, lang: Lang) -> &str {
        let (first, second) = lang
            .pick((&self.org_name_ko, &self.org_name_en), (&self.org_name_en, &self.org_name_ko));
        first.as_deref().or(second.as_deref()).unwrap_or("")
    }
}

impl From<AffiliationRecord> for AffiliationEntry {
    fn from(a: AffiliationRecord) -> Self {
        AffiliationEntry {
            id: a.id,
            affiliation: a.affiliation,
            org_name_ko: a.org_name_ko,
            org_name_en: a.org_name_en,
        }
    }
}

/// A stored person with their affiliations, current ones first.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonEntry {
    pub id: PersonId,
    pub person: Person,
    pub affiliations: Vec<AffiliationEntry>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// When the person's personal data was erased on request (`person` is then empty).
    pub erased_at: Option<OffsetDateTime>,
    /// What an edit sends back (see [`OrgEntry::version`]).
    pub version: u64,
}

impl From<PersonRecord> for PersonEntry {
    fn from(r: PersonRecord) -> Self {
        PersonEntry {
            id: r.id,
            person: r.person,
            affiliations: r.affiliations.into_iter().map(AffiliationEntry::from).collect(),
            created_at: r.created_at,
            updated_at: r.updated_at,
            erased_at: r.erased_at,
            version: r.version,
        }
    }
}

/// Everything held about one person, as handed out on request.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonData {
    pub person: PersonEntry,
    pub exported_at: OffsetDateTime,
    /// Every audit entry about the person, newest first (this export's own entry included).
    pub audit: Vec<crate::audit::AuditEntry>,
    /// The notes about the person, newest first.
    pub notes: Vec<crate::Note>,
}

/// One page of a list: its items, the number of matches and where the page lies.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing<T> {
    pub items: Vec<T>,
    /// Every matching row, not only this page's: exact unless `capped`.
    pub total: u64,
    /// There are at least `total` matches, and more: counting stopped there (a broad search
    /// in a very large directory).
    pub capped: bool,
    /// 1-based.
    pub page: u64,
    pub per_page: u64,
}

impl<T> Listing<T> {
    pub(crate) fn new<R: Into<T>>(found: PageOf<R>, page: Page) -> Listing<T> {
        Listing {
            items: found.items.into_iter().map(Into::into).collect(),
            total: found.total,
            capped: found.capped,
            page: page.offset / page.limit.max(1) + 1,
            per_page: page.limit,
        }
    }

    /// The number of pages, at least 1 (an empty list still shows its one page); with a
    /// capped total, the pages it counted (there are more).
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page.max(1)).max(1)
    }

    /// Whether a page follows this one.
    pub fn has_next(&self) -> bool {
        self.page < self.pages() || (self.capped && self.items.len() as u64 >= self.per_page)
    }

    /// An empty first page, shown when the query itself is invalid.
    pub fn empty(per_page: u64) -> Listing<T> {
        Listing { items: Vec::new(), total: 0, capped: false, page: 1, per_page }
    }
}

/// An organisation with everyone ever affiliated with it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgDetail {
    pub organization: OrgEntry,
    pub people: Vec<PersonEntry>,
}

/// The directory page: one page of organisations (or why the query is invalid) and the values
/// the filter menus offer.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgDirectory {
    pub found: Result<Listing<OrgEntry>, dagak_domain::FieldErrors>,
    /// Industry tags in use.
    pub tags: Vec<String>,
    /// Cities in use.
    pub cities: Vec<String>,
}

/// What is stored now, when a save was read at an older version: the edit that lost the race is
/// shown beside it instead of overwriting it.
#[derive(Debug, Clone, PartialEq)]
pub enum Current {
    Organization(OrgEntry),
    Person(PersonEntry),
}
