//! The shared kernel: small domain-neutral types every module uses, so modules
//! share them without reaching into each other: the ids of every module
//! ([`ids`]), validated text ([`text`]), the IANA time zone ([`TimeZone`]), the
//! one clock ([`clock`]), the page window, the work e-mail address, and
//! "absent or null" for partial updates.

pub mod clock;
pub mod ids;
pub mod parse;
pub mod text;
pub mod time_zone;

pub use ids::{
    ApiKeyId, CalendarId, CheckId, EmployeeId, LeaveRequestId, LedgerEntryId, LockId, OptOutId,
    RecordId, RequestId, UserId, ViolationId,
};
pub use text::{Label, PersonName, LABEL_MAX, NAME_MAX};
pub use time_zone::TimeZone;

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
    /// Trims, lower-cases and checks the address shape (HTML5 / WHATWG rules);
    /// the domain is stored in its ASCII (punycode) form, IDNA UTS #46, so
    /// `boss@exämple.com` and `boss@xn--exmple-cua.com` are one address. A
    /// local part or domain label that mixes scripts (UTS #39, e.g. a Cyrillic
    /// `а` among Latin letters) is refused as a look-alike.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        use unicode_security::MixedScript;
        use validator::ValidateEmail;
        let s = raw.trim().to_lowercase();
        if s.len() > EMAIL_MAX {
            return Err("must be at most 254 characters");
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err("is not a valid e-mail address");
        };
        if !local.is_single_script() {
            return Err("must not mix scripts in the part before @ (look-alike characters)");
        }
        let Ok(ascii) = idna::domain_to_ascii(domain) else {
            return Err("is not a valid e-mail address");
        };
        let (unicode, mapped) = idna::domain_to_unicode(&ascii);
        if mapped.is_err() {
            return Err("is not a valid e-mail address");
        }
        if !unicode.split('.').all(|label| label.is_single_script()) {
            return Err("must not mix scripts within a domain label (look-alike characters)");
        }
        let s = format!("{local}@{ascii}");
        if s.len() > EMAIL_MAX {
            return Err("must be at most 254 characters");
        }
        if !s.validate_email() {
            return Err("is not a valid e-mail address");
        }
        Ok(Self(s))
    }

    /// The form an address is stored and compared in, for lookups (login):
    /// the parsed form when valid, else trimmed and lower-cased (it then
    /// matches no account).
    pub fn lookup_key(raw: &str) -> String {
        Self::parse(raw)
            .map(String::from)
            .unwrap_or_else(|_| raw.trim().to_lowercase())
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

/// Keeps the value of `r`, or records its error in `errors` (so a validation
/// reports every bad field at once).
pub fn collect<T>(errors: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

/// `invalid_value` on `field`, the message starting with the field's name.
pub fn invalid(field: &'static str, message: impl std::fmt::Display) -> FieldError {
    FieldError::new(field, "invalid_value", format!("{field} {message}"))
}

/// `null_not_allowed` on `field`, for a partial update sending `null` to a
/// field that cannot be cleared.
pub fn null_not_allowed(field: &'static str) -> FieldError {
    FieldError::new(field, "null_not_allowed", format!("{field} cannot be null"))
}

/// An integer field: any JSON number without a fractional part (`36` or
/// `36.0`, which JSON Schema's `integer` also allows) within `i64`; use with
/// `#[serde(deserialize_with = "whole_number")]`.
pub fn whole_number<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    struct Whole;
    impl serde::de::Visitor<'_> for Whole {
        type Value = i64;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an integer")
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v).map_err(|_| E::custom("integer out of range"))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<i64, E> {
            // i64::MAX as f64 rounds up to 2^63, which is out of range.
            if v.fract() == 0.0 && v >= i64::MIN as f64 && v < i64::MAX as f64 {
                Ok(v as i64)
            } else {
                Err(E::invalid_type(serde::de::Unexpected::Float(v), &self))
            }
        }
    }
    d.deserialize_any(Whole)
}

/// [`whole_number`] for a field that may be absent or null (see [`present`]).
pub fn present_whole_number<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<i64>>, D::Error> {
    #[derive(Deserialize)]
    struct W(#[serde(deserialize_with = "whole_number")] i64);
    Option::<W>::deserialize(d).map(|w| Some(w.map(|W(v)| v)))
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
        assert_eq!(
            WorkEmail::parse("boss@exämple.com").unwrap().as_str(),
            "boss@xn--exmple-cua.com"
        );
        assert_eq!(
            WorkEmail::parse("Boss@XN--EXMPLE-CUA.com")
                .unwrap()
                .as_str(),
            "boss@xn--exmple-cua.com"
        );
        // A Cyrillic "а" (U+0430) among Latin letters, in the domain and encoded.
        assert!(WorkEmail::parse("boss@ex\u{430}mple.com").is_err());
        let encoded = idna::domain_to_ascii("ex\u{430}mple.com").unwrap();
        assert!(WorkEmail::parse(&format!("boss@{encoded}")).is_err());
        assert!(WorkEmail::parse("b\u{43e}ss@example.com").is_err());
        // One script per label is fine, and ASCII addresses stay as they were.
        assert!(WorkEmail::parse("ada@пример.рф").is_ok());
        assert_eq!(
            WorkEmail::parse("ada.lovelace+hr@example.co.uk")
                .unwrap()
                .as_str(),
            "ada.lovelace+hr@example.co.uk"
        );
        assert!(WorkEmail::parse(&format!("{}@example.com", "a".repeat(250))).is_err());
    }
}
