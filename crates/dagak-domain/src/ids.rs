//! Newtype ids, so an organisation id can never be passed where a person id is expected.

use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// The id of an organisation.
    OrgId
);
id_type!(
    /// The id of a person.
    PersonId
);
id_type!(
    /// The id of one affiliation of a person to an organisation.
    AffiliationId
);
id_type!(
    /// The id of a user account.
    UserId
);
id_type!(
    /// The id of a signed-in session.
    SessionId
);
id_type!(
    /// The id of an API token.
    ApiTokenId
);
