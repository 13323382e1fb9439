//! Ids as newtypes, so ids of different modules cannot mix. Each is a UUID
//! (v7, time-ordered, when generated here), shown and stored as its hyphenated
//! text. A new module adds its id with one line: `id_type!(LeaveId, "A leave request id (UUID).", "leave request id must be a UUID");`

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};
use uuid::Uuid;

/// Declares an id newtype over a UUID: `generate`, `Display`, `FromStr`, serde
/// as a string (with `$invalid` as the message of a bad one) and an OpenAPI
/// schema described by `$doc`.
macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $doc:literal, $invalid:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            /// A new time-ordered id.
            pub fn generate() -> Self {
                Self(Uuid::now_v7())
            }

            /// The UUID.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
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

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(|_| serde::de::Error::custom($invalid))
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&self.0)
            }
        }

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
                    .description(Some($doc))
                    .into()
            }
        }

        impl ToSchema for $name {}
    };
}

id_type!(
    /// Id of an employee record (UUID v7).
    EmployeeId,
    "An employee id (UUID).",
    "employee id must be a UUID"
);
id_type!(
    /// Id of a user account (UUID v7).
    UserId,
    "A user account id (UUID).",
    "user id must be a UUID"
);
id_type!(
    /// Id of an API key (UUID v7); also the `actor_id` of what the key does.
    ApiKeyId,
    "An API key id (UUID).",
    "API key id must be a UUID"
);
id_type!(
    /// Id of an attendance time record; all its versions share it (UUID v7).
    RecordId,
    "An attendance record id (UUID).",
    "record id must be a UUID"
);
id_type!(
    /// Id of an attendance correction request (UUID v7).
    RequestId,
    "A correction request id (UUID).",
    "request id must be a UUID"
);
id_type!(
    /// Id of an attendance period lock (UUID v7).
    LockId,
    "A period lock id (UUID).",
    "lock id must be a UUID"
);
id_type!(
    /// Id of a leave request (UUID v7).
    LeaveRequestId,
    "A leave request id (UUID).",
    "leave request id must be a UUID"
);
id_type!(
    /// Id of a work calendar (UUID v7).
    CalendarId,
    "A work calendar id (UUID).",
    "calendar id must be a UUID"
);
id_type!(
    /// Id of a leave ledger entry (UUID v7).
    LedgerEntryId,
    "A leave ledger entry id (UUID).",
    "ledger entry id must be a UUID"
);

id_type!(
    /// Id of a compliance violation or alert (UUID v7).
    ViolationId,
    "A compliance violation id (UUID).",
    "violation id must be a UUID"
);
id_type!(
    /// Id of a recorded opt-out from the weekly limit (UUID v7).
    OptOutId,
    "An opt-out id (UUID).",
    "opt-out id must be a UUID"
);
id_type!(
    /// Id of a completed compliance check (UUID v7).
    CheckId,
    "A compliance check id (UUID).",
    "check id must be a UUID"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text_and_reject_non_uuids() {
        let id = EmployeeId::generate();
        assert_eq!(id.to_string().parse::<EmployeeId>().unwrap(), id);
        assert!("42".parse::<UserId>().is_err());
        let err = serde_json::from_str::<EmployeeId>("\"42\"").unwrap_err();
        assert!(err.to_string().contains("employee id must be a UUID"));
    }
}
