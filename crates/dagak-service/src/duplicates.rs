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
    /// Every field where the two differ, with what the merge keeps.
    pub fields: Vec<crate::merge::MergeField>,
    /// What changes on the kept organisation.
    pub changes: Vec<FieldChange>,
    /// (person id, display name) of each person affiliated with the removed organisation.
    pub moved_people: Vec<(dagak_domain::PersonId, String)>,
}

/// The organisation fields that are lists, joined from both sides in a merge.
const ORG_LISTS: [(&str, char); 4] =
    [("industry_tags", ','), ("hs_codes", ','), ("offers", ','), ("seeks", ',')];

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

    /// Plans (and, unless `dry_run`, carries out) merging `removed` into `kept`: each field
    /// keeps the kept organisation's value (an empty one filled from the removed), or the
    /// removed one's for the fields of `take_removed`; lists are joined. A merged organisation
    /// that is not valid (a business number with a country other than Korea) is refused with
    /// every field's error.
    pub async fn merge_organizations(
        &self,
        kept: OrgId,
        removed: OrgId,
        take_removed: &BTreeSet<String>,
        dry_run: bool,
    ) -> Result<MergePlan, ServiceError> {
        self.may(UseCase::MergeOrganizations)?;
        if kept == removed {
            return Err(ServiceError::Conflict("merge_into_itself".into()));
        }
        let kept_record = self.get_organization(kept).await?.organization;
        let removed_record = self.get_organization(removed).await?.organization;
        let (a, b) = (kept_record.org.to_draft(), removed_record.org.to_draft());
        crate::merge::check_choices(&a.fields(), &ORG_LISTS, take_removed)?;
        let (merged_fields, fields) =
            crate::merge::merge_fields(&a.fields(), &b.fields(), &ORG_LISTS, take_removed);
        let mut draft = a.clone();
        for (field, value) in merged_fields {
            draft.set_field(field, value);
        }
        let merged = draft.parse()?;
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
            changes: crate::merge::changes(&a.fields(), &merged.to_draft().fields()),
            fields,
            kept: kept_record,
            removed: removed_record,
            merged,
            moved_people,
        };
        if !dry_run {
            self.store.merge_organizations(kept, &plan.merged, removed, &self.audit()).await?;
        }
        Ok(plan)
    }
}

/// Why two people look like one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PersonDuplicateReason {
    SameEmail,
    /// The same name, at the same organisation.
    SameName,
    /// A similar name (Korean and romanised spellings, a typo) at the same organisation.
    SimilarName,
}

impl PersonDuplicateReason {
    pub fn code(self) -> &'static str {
        match self {
            PersonDuplicateReason::SameEmail => "same_email",
            PersonDuplicateReason::SameName => "same_name_same_organization",
            PersonDuplicateReason::SimilarName => "similar_name_same_organization",
        }
    }
}

/// Two people who may be one, with the reasons and their names' similarity.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonDuplicatePair {
    pub a: crate::PersonEntry,
    pub b: crate::PersonEntry,
    pub reasons: Vec<PersonDuplicateReason>,
    pub name_similarity: f64,
}

type PersonPairs = BTreeMap<
    (dagak_domain::PersonId, dagak_domain::PersonId),
    (BTreeSet<PersonDuplicateReason>, f64),
>;

/// The comparison keys of a person's name, in both orders (`김민수`, `Minsu Kim` and `Kim Minsu`
/// meet through their romanised forms).
fn person_name_keys(family: &str, given: &str) -> Vec<String> {
    let forward = format!("{family} {given}");
    let backward = format!("{given} {family}");
    dagak_domain::name_keys([forward.as_str(), backward.as_str()])
}

/// Candidate pairs of people: the same email anywhere; the same or a similar name among the
/// people of one organisation (two people of one name at different organisations are usually
/// two people). An organisation of more than [`MAX_BLOCK`] people is compared by exact name.
pub(crate) fn person_candidate_pairs(
    names: &[(dagak_domain::PersonId, String, String, Option<OrgId>)],
    emails: &[(dagak_domain::PersonId, String)],
) -> PersonPairs {
    use dagak_domain::PersonId;
    let mut pairs: PersonPairs = BTreeMap::new();
    let ordered = |x: PersonId, y: PersonId| (x.min(y), x.max(y));
    let mut by_email: BTreeMap<&str, Vec<PersonId>> = BTreeMap::new();
    for (id, email) in emails {
        by_email.entry(email.as_str()).or_default().push(*id);
    }
    for ids in by_email.values_mut() {
        ids.sort();
        ids.dedup();
        for (i, &x) in ids.iter().enumerate() {
            for &y in &ids[i + 1..] {
                pairs.entry(ordered(x, y)).or_default().0.insert(PersonDuplicateReason::SameEmail);
            }
        }
    }
    let mut profiles: BTreeMap<PersonId, Vec<NameProfile>> = BTreeMap::new();
    let mut keys: BTreeMap<PersonId, Vec<String>> = BTreeMap::new();
    let mut by_org: BTreeMap<OrgId, Vec<PersonId>> = BTreeMap::new();
    for (id, family, given, org) in names {
        keys.entry(*id).or_insert_with(|| person_name_keys(family, given));
        if let Some(org) = org {
            by_org.entry(*org).or_default().push(*id);
        }
    }
    for (id, k) in &keys {
        profiles.insert(*id, k.iter().map(|n| NameProfile::new(n)).collect());
    }
    let none: Vec<NameProfile> = Vec::new();
    let profile = |id: &PersonId| profiles.get(id).unwrap_or(&none);
    for members in by_org.values_mut() {
        members.sort();
        members.dedup();
        if members.len() > MAX_BLOCK {
            let mut exact: BTreeMap<&str, Vec<PersonId>> = BTreeMap::new();
            for id in members.iter() {
                for key in keys.get(id).into_iter().flatten() {
                    exact.entry(key.as_str()).or_default().push(*id);
                }
            }
            for ids in exact.values().filter(|ids| ids.len() > 1) {
                for (i, &x) in ids.iter().enumerate() {
                    for &y in &ids[i + 1..] {
                        if x != y {
                            let entry = pairs.entry(ordered(x, y)).or_default();
                            entry.0.insert(PersonDuplicateReason::SameName);
                        }
                    }
                }
            }
            continue;
        }
        for (i, x) in members.iter().enumerate() {
            for y in &members[i + 1..] {
                let score = profile_similarity(profile(x), profile(y));
                if score >= SIMILAR_NAME {
                    let reason = if score >= 1.0 {
                        PersonDuplicateReason::SameName
                    } else {
                        PersonDuplicateReason::SimilarName
                    };
                    pairs.entry(ordered(*x, *y)).or_default().0.insert(reason);
                }
            }
        }
    }
    for ((a, b), (_, score)) in pairs.iter_mut() {
        *score = profile_similarity(profile(a), profile(b));
    }
    pairs
}

impl Acting {
    /// Pairs of people who may be one, most certain first (at most 500).
    pub async fn find_duplicate_people(&self) -> Result<Vec<PersonDuplicatePair>, ServiceError> {
        self.may(UseCase::MergePeople)?;
        let names = self.store.all_person_names().await?;
        let emails = self.store.all_person_emails().await?;
        let mut pairs: Vec<_> = person_candidate_pairs(&names, &emails).into_iter().collect();
        pairs.sort_by(|x, y| {
            let rank = |p: &BTreeSet<PersonDuplicateReason>| p.iter().next().copied();
            rank(&x.1.0).cmp(&rank(&y.1.0)).then(y.1.1.total_cmp(&x.1.1)).then(x.0.cmp(&y.0))
        });
        pairs.truncate(MAX_PAIRS);
        let ids: Vec<_> = pairs.iter().flat_map(|((a, b), _)| [*a, *b]).collect();
        let people: BTreeMap<_, crate::PersonEntry> = self
            .store
            .get_people(&ids)
            .await?
            .into_iter()
            .map(|r| (r.id, crate::PersonEntry::from(r)))
            .collect();
        Ok(pairs
            .into_iter()
            .filter_map(|((a, b), (reasons, score))| {
                Some(PersonDuplicatePair {
                    a: people.get(&a)?.clone(),
                    b: people.get(&b)?.clone(),
                    reasons: reasons.into_iter().collect(),
                    name_similarity: score,
                })
            })
            .collect())
    }
}

#[cfg(test)]
mod person_tests {
    use super::*;
    use dagak_domain::PersonId;

    #[test]
    fn people_are_paired_by_email_anywhere_and_by_name_within_one_organisation() {
        let names = vec![
            (PersonId(1), "김".into(), "민수".into(), Some(OrgId(10))),
            (PersonId(2), "Kim".into(), "Minsu".into(), Some(OrgId(10))),
            // The same name at another organisation: another person.
            (PersonId(3), "김".into(), "민수".into(), Some(OrgId(11))),
            (PersonId(4), "Lee".into(), "Ana".into(), None),
            (PersonId(5), "Park".into(), "Jisoo".into(), Some(OrgId(12))),
        ];
        let emails = vec![(PersonId(4), "ana@x.kr".into()), (PersonId(5), "ana@x.kr".into())];
        let pairs = person_candidate_pairs(&names, &emails);
        let found: Vec<_> = pairs.keys().copied().collect();
        assert_eq!(found, [(PersonId(1), PersonId(2)), (PersonId(4), PersonId(5))]);
        let (reasons, score) = &pairs[&(PersonId(1), PersonId(2))];
        assert!(reasons.contains(&PersonDuplicateReason::SimilarName), "{reasons:?} {score}");
        assert!(pairs[&(PersonId(4), PersonId(5))].0.contains(&PersonDuplicateReason::SameEmail));
    }
}
