//! Validated text every module uses: a person's name, a short label, and the
//! trimmed-text rule behind them (and behind display names).

use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

/// Longest accepted person name.
pub const NAME_MAX: usize = 200;
/// Longest accepted label (department, position).
pub const LABEL_MAX: usize = 100;

/// The format (Cf) and line/paragraph separator (Zl, Zp) characters of the
/// Basic Multilingual Plane: zero-width spaces and joiners, bidi overrides and
/// isolates, the BOM, soft hyphens. Text shown to people must not hold them:
/// they hide or reorder what a reader sees. An explicit list, not a category
/// lookup, so that the OpenAPI pattern (`http::openapi::schema::INVISIBLE`)
/// states exactly the same set (astral Cf such as tag characters are not in it).
pub const INVISIBLE_RANGES: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),
    ('\u{0600}', '\u{0605}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{06DD}', '\u{06DD}'),
    ('\u{070F}', '\u{070F}'),
    ('\u{0890}', '\u{0891}'),
    ('\u{08E2}', '\u{08E2}'),
    ('\u{180E}', '\u{180E}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{2028}', '\u{202E}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFF9}', '\u{FFFB}'),
];

/// Whether `c` is one of [`INVISIBLE_RANGES`].
pub fn is_invisible_format(c: char) -> bool {
    INVISIBLE_RANGES
        .iter()
        .any(|&(lo, hi)| (lo..=hi).contains(&c))
}

/// Whether `c` can stand as the visible part of a text: not whitespace, not a
/// control and not an invisible format character.
pub fn is_visible(c: char) -> bool {
    !c.is_whitespace() && !c.is_control() && !is_invisible_format(c)
}

/// Whether a free text of several lines (a reason, a note, a comment) can be
/// shown to people as it is: no control characters but line breaks and tabs,
/// no invisible format or separator characters (Cf, Zl, Zp: zero-width spaces,
/// direction overrides), and at least one visible character.
pub fn is_displayable_text(s: &str) -> bool {
    !s.chars()
        .any(|c| (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || is_invisible_format(c))
        && s.chars().any(is_visible)
}

/// Trims `raw`; rejects empty, longer than `max` characters, control
/// characters, format and separator characters (Cf, Zl, Zp), and text without
/// a visible character. `empty` is the message for an empty value. Every
/// free-text field shown to people goes through it.
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
    if s.chars().any(is_invisible_format) {
        return Err(
            "must not contain invisible format or separator characters (such as zero-width spaces or direction overrides)"
                .to_owned(),
        );
    }
    if !s.chars().any(is_visible) {
        return Err("must contain at least one visible character".to_owned());
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

    #[test]
    fn invisible_and_direction_changing_names_are_refused() {
        for raw in [
            "\u{200b}",
            "Ada\u{200b}Lovelace",
            "\u{202e}ecilA",
            "Bob\u{2066}x\u{2069}",
            "\u{feff}Ada",
            "Ada\u{2028}Lovelace",
            "\u{2029}",
            "\u{ad}",
        ] {
            assert!(PersonName::parse(raw).is_err(), "{raw:?} accepted");
            assert!(Label::parse(raw).is_err(), "{raw:?} accepted");
        }
        assert_eq!(
            PersonName::parse("José Ñúñez").unwrap().as_str(),
            "José Ñúñez"
        );
        assert_eq!(PersonName::parse("李小龍").unwrap().as_str(), "李小龍");
        assert_eq!(
            PersonName::parse("O'Brien-Smith").unwrap().as_str(),
            "O'Brien-Smith"
        );
    }
}
