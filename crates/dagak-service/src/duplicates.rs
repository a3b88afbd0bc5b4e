//! Finding organisations stored twice, and merging them with a preview.

use std::collections::{BTreeMap, BTreeSet};

use dagak_domain::{NameProfile, OrgId, Organization, profile_similarity};
use dagak_store::{OrgKeys, Page, PersonFilter};

use crate::OrgEntry;

use crate::access::UseCase;
use crate::{Acting, ServiceError};

/// Why two organisations look like one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DuplicateReason {
    SameBusinessNumber,
    SameDomain,
    SameName,
    SimilarName,
}

impl DuplicateReason {
    pub fn code(self) -> &'static str {
        match self {
            DuplicateReason::SameBusinessNumber => "same_business_number",
            DuplicateReason::SameDomain => "same_domain",
            DuplicateReason::SameName => "same_name",
            DuplicateReason::SimilarName => "similar_name",
        }
    }
}

/// Two organisations that may be one, with the reasons and the best name similarity.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicatePair {
    pub a: OrgEntry,
    pub b: OrgEntry,
    pub reasons: Vec<DuplicateReason>,
    pub name_similarity: f64,
}

/// Names at least this similar (Sørensen–Dice over bigrams of normalised names) are flagged.
const SIMILAR_NAME: f64 = 0.85;
/// Fuzzy comparison happens within blocks of names sharing their first three characters; a larger
/// block (a very common prefix) is compared by exact name only, to stay far from O(n²).
const MAX_BLOCK: usize = 300;
/// The most pairs returned by one search.
const MAX_PAIRS: usize = 500;

/// Candidate pairs with their reasons, by id, from the keys alone.
pub(crate) fn candidate_pairs(
    keys: &[OrgKeys],
) -> BTreeMap<(OrgId, OrgId), (BTreeSet<DuplicateReason>, f64)> {
    let mut pairs: BTreeMap<(OrgId, OrgId), (BTreeSet<DuplicateReason>, f64)> = BTreeMap::new();
    // Each name key prepared once: blocks compare every key with hundreds of others.
    let profiles: Vec<Vec<NameProfile>> =
        keys.iter().map(|k| k.name_keys.iter().map(|n| NameProfile::new(n)).collect()).collect();
    let mut add_groups = |groups: BTreeMap<String, Vec<usize>>, reason: DuplicateReason| {
        for members in groups.values().filter(|m| m.len() > 1) {
            for (i, &x) in members.iter().enumerate() {
                for &y in &members[i + 1..] {
                    let key = (keys[x].id.min(keys[y].id), keys[x].id.max(keys[y].id));
                    if key.0 != key.1 {
                        pairs.entry(key).or_default().0.insert(reason);
                    }
                }
            }
        }
    };
    let mut by_number: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut by_domain: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut by_name: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut by_prefix: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, k) in keys.iter().enumerate() {
        if let Some(n) = &k.business_number {
            by_number.entry(n.digits()).or_default().push(i);
        }
        if let Some(d) = &k.domain {
            by_domain.entry(d.to_string()).or_default().push(i);
        }
        for name in &k.name_keys {
            by_name.entry(name.clone()).or_default().push(i);
            let prefix: String = name.chars().take(3).collect();
            let block = by_prefix.entry(prefix).or_default();
            if block.last() != Some(&i) {
                block.push(i);
            }
        }
    }
    for members in by_name.values_mut() {
        members.dedup();
    }
    add_groups(by_number, DuplicateReason::SameBusinessNumber);
    add_groups(by_domain, DuplicateReason::SameDomain);
    add_groups(by_name, DuplicateReason::SameName);
    for members in by_prefix.values().filter(|m| m.len() > 1 && m.len() <= MAX_BLOCK) {
        for (i, &x) in members.iter().enumerate() {
            for &y in &members[i + 1..] {
                let score = profile_similarity(&profiles[x], &profiles[y]);
                if score >= SIMILAR_NAME && keys[x].id != keys[y].id {
                    let key = (keys[x].id.min(keys[y].id), keys[x].id.max(keys[y].id));
                    let entry = pairs.entry(key).or_default();
                    if score < 1.0 {
                        entry.0.insert(DuplicateReason::SimilarName);
                    }
                }
            }
        }
    }
    let by_id: BTreeMap<OrgId, &Vec<NameProfile>> =
        keys.iter().zip(&profiles).map(|(k, p)| (k.id, p)).collect();
    for ((a, b), (_, score)) in pairs.iter_mut() {
        if let (Some(a), Some(b)) = (by_id.get(a), by_id.get(b)) {
            *score = profile_similarity(a, b);
        }
    }
    pairs
}

/// One field that a merge changes on the kept organisation, or that an import row changes on
/// the stored organisation or person it matches: the value `before` and the value `after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

/// What a merge does: the organisation kept, the one removed, the kept one's fields after the
/// merge, and the people whose affiliations move.
#[derive(Debug, Clone, PartialEq)]
pub struct MergePlan {
    pub kept: OrgEntry,
    pub removed: OrgEntry,
    pub merged: Organization,
    pub changes: Vec<FieldChange>,
    /// (person id, display name) of each person affiliated with the removed organisation.
    pub moved_people: Vec<(dagak_domain::PersonId, String)>,
}

fn union<T: Ord + Clone>(a: &[T], b: &[T]) -> Vec<T> {
    let mut all: Vec<T> = a.iter().chain(b).cloned().collect();
    all.sort();
    all.dedup();
    all
}

/// The kept organisation's fields, with each empty one filled from the removed one and lists
/// joined. Non-empty fields of the kept organisation always win.
fn merge_fields(kept: &Organization, removed: &Organization) -> Organization {
    Organization {
        kind: kept.kind,
        name_ko: kept.name_ko.clone().or_else(|| removed.name_ko.clone()),
        name_en: kept.name_en.clone().or_else(|| removed.name_en.clone()),
        country: kept.country,
        city: kept.city.clone().or_else(|| removed.city.clone()),
        domain: kept.domain.clone().or_else(|| removed.domain.clone()),
        business_number: kept.business_number.or(if removed.country == kept.country {
            removed.business_number
        } else {
            None
        }),
        industry_tags: union(&kept.industry_tags, &removed.industry_tags),
        hs_codes: union(&kept.hs_codes, &removed.hs_codes),
        offers: union(&kept.offers, &removed.offers),
        seeks: union(&kept.seeks, &removed.seeks),
        employees: kept.employees.or(removed.employees),
        description_ko: kept.description_ko.clone().or_else(|| removed.description_ko.clone()),
        description_en: kept.description_en.clone().or_else(|| removed.description_en.clone()),
    }
}

fn changes(before: &Organization, after: &Organization) -> Vec<FieldChange> {
    let (b, a) = (before.to_draft(), after.to_draft());
    let fields: [(&'static str, &String, &String); 14] = [
        ("kind", &b.kind, &a.kind),
        ("name_ko", &b.name_ko, &a.name_ko),
        ("name_en", &b.name_en, &a.name_en),
        ("country", &b.country, &a.country),
        ("city", &b.city, &a.city),
        ("domain", &b.domain, &a.domain),
        ("business_number", &b.business_number, &a.business_number),
        ("industry_tags", &b.industry_tags, &a.industry_tags),
        ("hs_codes", &b.hs_codes, &a.hs_codes),
        ("offers", &b.offers, &a.offers),
        ("seeks", &b.seeks, &a.seeks),
        ("employees", &b.employees, &a.employees),
        ("description_ko", &b.description_ko, &a.description_ko),
        ("description_en", &b.description_en, &a.description_en),
    ];
    fields
        .into_iter()
        .filter(|(_, x, y)| x != y)
        .map(|(field, x, y)| FieldChange { field, before: x.clone(), after: y.clone() })
        .collect()
}

impl Acting {
    /// Pairs of organisations that may be one, most certain first.
    pub async fn find_duplicates(&self) -> Result<Vec<DuplicatePair>, ServiceError> {
        self.may(UseCase::FindDuplicates)?;
        let keys = self.store.all_organization_keys().await?;
        let mut pairs: Vec<_> = candidate_pairs(&keys).into_iter().collect();
        // Most certain first: a shared business number, then domain, then name; ties by id.
        pairs.sort_by(|x, y| {
            let rank = |p: &BTreeSet<DuplicateReason>| p.iter().next().copied();
            rank(&x.1.0).cmp(&rank(&y.1.0)).then(y.1.1.total_cmp(&x.1.1)).then(x.0.cmp(&y.0))
        });
        let mut out = Vec::new();
        for ((a, b), (reasons, score)) in pairs.into_iter().take(MAX_PAIRS) {
            out.push(DuplicatePair {
                a: self.store.get_organization(a).await?.into(),
                b: self.store.get_organization(b).await?.into(),
                reasons: reasons.into_iter().collect(),
                name_similarity: score,
            });
        }
        Ok(out)
    }

    /// Plans (and, unless `dry_run`, carries out) merging `removed` into `kept`.
    pub async fn merge_organizations(
        &self,
        kept: OrgId,
        removed: OrgId,
        dry_run: bool,
    ) -> Result<MergePlan, ServiceError> {
        self.may(UseCase::MergeOrganizations)?;
        if kept == removed {
            return Err(ServiceError::Conflict("merge_into_itself".into()));
        }
        let kept_record = self.store.get_organization(kept).await?;
        let removed_record = self.store.get_organization(removed).await?;
        let merged = merge_fields(&kept_record.org, &removed_record.org);
        let moved_people = self
            .store
            .list_people(
                &PersonFilter { org_id: Some(removed), ..Default::default() },
                Page { offset: 0, limit: 10_000 },
            )
            .await?
            .items
            .into_iter()
            .map(|p| (p.id, p.person.display_name()))
            .collect();
        let plan = MergePlan {
            changes: changes(&kept_record.org, &merged),
            kept: kept_record.into(),
            removed: removed_record.into(),
            merged,
            moved_people,
        };
        if !dry_run {
            self.store.merge_organizations(kept, &plan.merged, removed, &self.audit()).await?;
        }
        Ok(plan)
    }
}
