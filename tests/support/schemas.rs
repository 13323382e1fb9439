//! The events' JSON Schemas (`schemas/events/v1/<EVENT_TYPE>.json`, draft
//! 2020-12, formats checked) and a validator per event type.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::Value;

/// Where the schemas live.
pub fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schemas/events/v1")
}

/// The schema of `event_type`, parsed (panics when missing or not JSON).
pub fn load_schema(event_type: &str) -> Value {
    let path = schema_dir().join(format!("{event_type}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
}

/// A validator for `event_type`'s schema (panics when the schema is invalid).
pub fn validator(event_type: &str) -> jsonschema::Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&load_schema(event_type))
        .unwrap_or_else(|e| panic!("{event_type}: invalid schema: {e}"))
}

/// The validation errors of `value` against `validator`, one per line.
pub fn errors_of(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect()
}

/// Validators by event type, each built on first use.
#[derive(Default)]
pub struct Validators {
    by_type: HashMap<String, jsonschema::Validator>,
}

impl Validators {
    /// The validation errors of `value` against the schema of `event_type`.
    pub fn errors(&mut self, event_type: &str, value: &Value) -> Vec<String> {
        let validator = self
            .by_type
            .entry(event_type.to_owned())
            .or_insert_with(|| validator(event_type));
        errors_of(validator, value)
    }
}
