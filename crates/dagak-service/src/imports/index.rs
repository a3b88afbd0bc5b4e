//! Finding the organisation a key names, among those stored and those of the import.

use std::collections::HashMap;

use dagak_domain::{BusinessNumber, WebDomain, name_keys};
use dagak_store::OrgRef;

/// The organisations holding one name key: nearly always one, which then needs no allocation of
/// its own (an index of 100,000 organisations holds some 300,000 keys).
#[derive(Debug, Clone)]
pub(super) enum OrgRefs {
    One(OrgRef),
    Many(Vec<OrgRef>),
}

impl OrgRefs {
    pub(super) fn as_slice(&self) -> &[OrgRef] {
        match self {
            OrgRefs::One(r) => std::slice::from_ref(r),
            OrgRefs::Many(refs) => refs,
        }
    }

    fn push(&mut self, r: OrgRef) {
        if self.as_slice().contains(&r) {
            return;
        }
        match self {
            OrgRefs::One(first) => *self = OrgRefs::Many(vec![*first, r]),
            OrgRefs::Many(refs) => refs.push(r),
        }
    }
}

/// Which stored or new organisation a key names.
#[derive(Default)]
pub(super) struct OrgIndex {
    pub(super) by_number: HashMap<String, OrgRef>,
    pub(super) by_domain: HashMap<String, OrgRef>,
    by_name: HashMap<String, OrgRefs>,
}

impl OrgIndex {
    pub(super) fn add(
        &mut self,
        r: OrgRef,
        number: Option<String>,
        domain: Option<String>,
        names: Vec<String>,
    ) {
        if let Some(n) = number {
            self.by_number.entry(n).or_insert(r);
        }
        if let Some(d) = domain {
            self.by_domain.entry(d).or_insert(r);
        }
        for key in names {
            self.add_name(key, r);
        }
    }

    fn add_name(&mut self, key: String, r: OrgRef) {
        match self.by_name.entry(key) {
            std::collections::hash_map::Entry::Occupied(mut refs) => refs.get_mut().push(r),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(OrgRefs::One(r));
            }
        }
    }

    /// Whether the index names no organisation at all (a fresh directory).
    pub(super) fn is_empty(&self) -> bool {
        self.by_number.is_empty() && self.by_domain.is_empty() && self.by_name.is_empty()
    }

    /// The organisations holding this name key.
    pub(super) fn by_name(&self, key: &str) -> &[OrgRef] {
        self.by_name.get(key).map_or(&[], OrgRefs::as_slice)
    }

    /// Adds the keys of `other` (the organisations of this import) to the stored ones'; a
    /// business number or domain already stored keeps naming the stored organisation.
    pub(super) fn extend(&mut self, other: OrgIndex) {
        for (key, refs) in other.by_name {
            for r in refs.as_slice() {
                self.add_name(key.clone(), *r);
            }
        }
        for (k, r) in other.by_number {
            self.by_number.entry(k).or_insert(r);
        }
        for (k, r) in other.by_domain {
            self.by_domain.entry(k).or_insert(r);
        }
    }

    /// Resolves a reference typed in a people file: business number, domain or name.
    pub(super) fn resolve(&self, text: &str) -> Result<OrgRef, (&'static str, String)> {
        if let Ok(number) = BusinessNumber::parse(text)
            && let Some(r) = self.by_number.get(&number.digits())
        {
            return Ok(*r);
        }
        if text.contains('.')
            && let Ok(domain) = WebDomain::parse(text)
            && let Some(r) = self.by_domain.get(domain.as_str())
        {
            return Ok(*r);
        }
        let mut found: Vec<OrgRef> = Vec::new();
        for key in name_keys([text]) {
            for r in self.by_name(&key) {
                if !found.contains(r) {
                    found.push(*r);
                }
            }
        }
        match found.as_slice() {
            [one] => Ok(*one),
            [] => Err((
                "organization_unknown",
                format!(
                    "no organisation with the business number, domain or name '{text}' exists or is in this import"
                ),
            )),
            _ => Err((
                "organization_ambiguous",
                format!(
                    "'{text}' names {} organisations; use the business number or domain",
                    found.len()
                ),
            )),
        }
    }
}
