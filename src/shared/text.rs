//! Validated text every module uses: a person's name, a short label, and the
//! trimmed-text rule behind them (and behind display names).

use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// Longest accepted person name.
pub const NAME_MAX: usize = 200;
/// Longest accepted label (department, position).
pub const LABEL_MAX: usize = 100;

/// Trims `raw`; rejects empty, longer than `max` characters or control
/// characters. `empty` is the message for an empty value.
pub fn trimmed(raw: &str, max: usize, empty: &'static str) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(empty.to_owned());
    }
    if s.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    if s.chars().any(char::is_control) {
        return Err("must not contain control characters".to_owned());
    }
    Ok(s.to_owned())
}

/// A name as the person wants it written: trimmed, 1 to 200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

/// A department or position name: trimmed, 1 to 100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label(String);

macro_rules! text_newtype {
    ($t:ident, $max:expr, $empty:literal, $doc:literal) => {
        impl $t {
            /// Trims; rejects empty, over-long or control characters.
            pub fn parse(raw: &str) -> Result<Self, String> {
                trimmed(raw, $max, $empty).map(Self)
            }

            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }

        impl PartialSchema for $t {
            fn schema() -> RefOr<Schema> {
                crate::http::openapi::schema::trimmed_text($max, $doc)
            }
        }

        impl ToSchema for $t {}
    };
}

text_newtype!(
    PersonName,
    NAME_MAX,
    "must not be empty",
    "A person's name as they write it;"
);
text_newtype!(
    Label,
    LABEL_MAX,
    "must not be empty (send null to clear it)",
    "A department or position name;"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(PersonName::parse("  Ada ").unwrap().as_str(), "Ada");
        assert_eq!(PersonName::parse(" ").unwrap_err(), "must not be empty");
        assert!(Label::parse(&"x".repeat(101)).is_err());
        assert!(Label::parse("a\u{7}b").is_err());
    }
}
