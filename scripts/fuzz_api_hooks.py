"""hrms's own schemathesis check, loaded by scripts/fuzz-api.toml.

Some rules cannot be written in JSON Schema: a manager must exist, an e-mail
must be unused, a hire date may lie at most a year ahead of *today*, a
termination date may not precede the hire date. A schema-valid request can
therefore get 422 for a business rule, so scripts/fuzz-api.toml lets the
built-in `positive_data_acceptance` check accept 422. This check takes back the
part of that which would hide a real contract gap: schema-valid input must never
fail field validation (422 `validation_failed`) except on those few date rules.
"""

import schemathesis

# (field, code) pairs of validation failures that depend on today's date or on
# another field's stored value, which a static schema cannot express.
RULES_BEYOND_THE_SCHEMA = {
    ("hire_date", "out_of_range"),
    ("termination_date", "out_of_range"),
    ("termination_date", "before_hire_date"),
    # Compliance opt-outs: not after today in the employee's zone, and a
    # withdrawal not before the stored signature date.
    ("signed_on", "future_date"),
    ("withdrawn_on", "future_date"),
    ("withdrawn_on", "before_signed"),
}


@schemathesis.check
def schema_valid_input_passes_validation(ctx, response, case):
    """A request the document calls valid must not fail field validation."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code != 422:
        return None
    try:
        body = response.json()
    except Exception:
        return None
    if not isinstance(body, dict) or body.get("code") != "validation_failed":
        return None
    details = body.get("details") or []
    unexpected = [
        d
        for d in details
        if (d.get("field"), d.get("code")) not in RULES_BEYOND_THE_SCHEMA
    ]
    if unexpected or not details:
        raise AssertionError(
            "Schema-valid input failed validation: "
            + "; ".join(f"{d.get('field')}: {d.get('code')} ({d.get('message')})" for d in unexpected)
        )
    return None
