//! The vocabulary of dagak and its rules.
//!
//! Every value that enters the system from a user is parsed here into a type that can only hold a
//! valid value ("parse, don't validate"): a [`BusinessNumber`] always has a correct check digit, an
//! [`HsCode`] always exists in the shipped HS 2022 nomenclature, a [`CountryCode`] is always an
//! ISO 3166-1 code. This crate knows nothing about storage, HTTP or the clock.

mod accounts;
mod business_number;
mod collation;
mod country;
mod csv_cell;
mod error;
mod hs;
mod ids;
mod locale;
mod names;
mod organization;
mod person;
mod tags;
mod web_domain;

pub use accounts::{
    MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, Role, User, UserDraft, UserStatus, check_new_password,
};
pub use business_number::BusinessNumber;
pub use collation::COLLATION_VERSION;
pub use country::{Country, CountryCode, countries};
pub use csv_cell::{escape_csv_cell, unescape_csv_cell};
pub use error::{DomainError, FieldError, FieldErrors};
pub use hs::{HsCode, HsEntry, hs_lookup, hs_name_ko, hs_search};
pub use ids::{AffiliationId, ApiTokenId, OrgId, PersonId, SessionId, UserId};
pub use locale::{Currency, Lang, iso_date, iso_timestamp, parse_iso_date};
pub use names::{
    NameProfile, city_key, name_keys, normalize_name, profile_similarity, romanize_hangul,
    similarity,
};
pub use organization::{OrgKind, Organization, OrganizationDraft, ValueChainRole};
pub use person::{Affiliation, AffiliationDraft, Consent, NameOrder, Person, PersonDraft};
pub use tags::{TagNames, tag_label, tag_names, tag_spellings};
pub use web_domain::WebDomain;
