//! An IANA time zone (`Europe/Berlin`), checked against the tz database of
//! `chrono-tz`. Attendance, leave and compliance put instants on an employee's
//! local days and weeks with it.

use std::fmt;
use std::str::FromStr;

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// A valid IANA time zone name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    /// UTC.
    pub const UTC: TimeZone = TimeZone(chrono_tz::Tz::UTC);

    /// Trims and looks the name up in the tz database (exact IANA spelling).
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        chrono_tz::Tz::from_str(raw.trim())
            .map(Self)
            .map_err(|_| "must be an IANA time zone name such as Europe/Berlin")
    }

    /// The zone, for local date arithmetic.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.0
    }

    /// The IANA name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialSchema for TimeZone {
    fn schema() -> RefOr<Schema> {
        // The exact set `parse` accepts, so a client (or a fuzzer) generating
        // from the document only sends names the server knows.
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())))
            .examples(["Europe/Berlin"])
            .description(Some(
                "An IANA time zone name (tz database), such as `Europe/Berlin` or `UTC`.",
            ))
            .into()
    }
}

impl ToSchema for TimeZone {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iana_names_are_accepted_and_others_refused() {
        assert_eq!(
            TimeZone::parse(" Europe/Berlin ").unwrap().name(),
            "Europe/Berlin"
        );
        assert_eq!(TimeZone::parse("UTC").unwrap(), TimeZone::UTC);
        assert!(TimeZone::parse("Mars/Olympus").is_err());
        assert!(TimeZone::parse("").is_err());
    }
}
