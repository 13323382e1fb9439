//! Small domain-neutral types every module uses: the page window, the work
//! e-mail address, "absent or null" for partial updates, and the stored time.
//! They belong to no module, so modules share them without reaching into each other.

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Deserializer};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::error::FieldError;

/// A page window of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Items per page, 1 to [`Page::MAX_LIMIT`].
    pub limit: i64,
    /// Items skipped.
    pub offset: i64,
}

impl Page {
    /// Default page size.
    pub const DEFAULT_LIMIT: i64 = 50;
    /// Largest page size; larger requests are capped to it.
    pub const MAX_LIMIT: i64 = 200;

    /// Validates `limit` (default 50, at least 1, capped at 200) and `offset`
    /// (default 0, not negative), reporting both problems at once.
    pub fn parse(limit: Option<i64>, offset: Option<i64>) -> Result<Page, Vec<FieldError>> {
        let mut errors = Vec::new();
        let limit = limit.unwrap_or(Page::DEFAULT_LIMIT);
        if limit < 1 {
            errors.push(FieldError::new(
                "limit",
                "out_of_range",
                "limit must be at least 1",
            ));
        }
        let offset = offset.unwrap_or(0);
        if offset < 0 {
            errors.push(FieldError::new(
                "offset",
                "out_of_range",
                "offset must not be negative",
            ));
        }
        if errors.is_empty() {
            Ok(Page {
                limit: limit.min(Page::MAX_LIMIT),
                offset,
            })
        } else {
            Err(errors)
        }
    }
}

/// Longest accepted e-mail address (RFC 5321 path limit).
pub const EMAIL_MAX: usize = 254;

/// A work e-mail address, lower-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkEmail(String);

impl WorkEmail {
    /// Trims, lower-cases and checks the address shape (HTML5 / WHATWG rules).
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        use validator::ValidateEmail;
        let s = raw.trim().to_lowercase();
        if s.len() > EMAIL_MAX {
            return Err("must be at most 254 characters");
        }
        if !s.validate_email() {
            return Err("is not a valid e-mail address");
        }
        Ok(Self(s))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<WorkEmail> for String {
    fn from(v: WorkEmail) -> String {
        v.0
    }
}

impl PartialSchema for WorkEmail {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
            .max_length(Some(EMAIL_MAX))
            .description(Some(
                "A work e-mail address (HTML5 rules), at most 254 bytes; trimmed and stored lower-cased.",
            ))
            .into()
    }
}

impl ToSchema for WorkEmail {}

/// Tells "field absent" (`None`) from "field is null" (`Some(None)`) in a
/// partial update; use with `#[serde(default, deserialize_with = "present")]`.
pub fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Now, at the precision both backends store (PostgreSQL keeps microseconds),
/// so a response shows the same timestamps a later read does.
pub fn stored_now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_capped_and_bad_windows_reported_together() {
        assert_eq!(
            Page::parse(None, None).unwrap(),
            Page {
                limit: 50,
                offset: 0
            }
        );
        assert_eq!(
            Page::parse(Some(10_000), Some(5)).unwrap(),
            Page {
                limit: 200,
                offset: 5
            }
        );
        let errs = Page::parse(Some(0), Some(-1)).unwrap_err();
        assert_eq!(errs.len(), 2);
    }

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            WorkEmail::parse(" Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        assert!(WorkEmail::parse("ada@").is_err());
        assert!(WorkEmail::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }
}
