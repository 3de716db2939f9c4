//! Identifiers: random UUIDs made by whoever creates the record (DESIGN §3), so a field
//! node can create records offline without asking the hub.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new random identifier.
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }
    )*};
}

id_type!(
    /// An organisation: alliance member, local partner, provider, donor or government body.
    OrgId,
    /// A person with an account.
    UserId,
    /// A team: a supervisor and caseworkers.
    TeamId,
    /// One role given to one user within one scope.
    RoleAssignmentId,
    /// An API token.
    TokenId,
    /// An event of the audit chain.
    AuditEventId,
);

// Other modules of the domain declare their own ids with the same macro.
pub(crate) use id_type;
