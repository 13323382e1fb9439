// @generated automatically by Diesel CLI.
//! Table definitions shared by both backends, generated from `migrations/postgres`
//! by `scripts/gen-schema.sh` (`diesel print-schema` with the settings in
//! `diesel.toml`). Never edit it by hand: change the migrations of both backends
//! and rerun the script. CI runs `scripts/gen-schema.sh --check`, and
//! `tests/integration/schema_parity.rs` checks that `migrations/sqlite` creates
//! the same tables and columns.

diesel::table! {
    api_keys (id) {
        id -> Text,
        name -> Text,
        role -> Text,
        read_only -> Bool,
        modules -> Nullable<Text>,
        secret_hash -> Text,
        created_at -> Timestamp,
        created_by -> Text,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        revoked_by -> Nullable<Text>,
    }
}

diesel::table! {
    attendance_correction_requests (id) {
        id -> Text,
        record_id -> Text,
        employee_id -> Text,
        record_version -> Int4,
        proposed_start -> Nullable<Int8>,
        proposed_end -> Nullable<Int8>,
        reason -> Text,
        requested_by -> Text,
        requested_at -> Int8,
        state -> Text,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Int8>,
        decision_note -> Nullable<Text>,
    }
}

diesel::table! {
    attendance_period_locks (id) {
        id -> Text,
        employee_id -> Nullable<Text>,
        from_date -> Date,
        to_date -> Date,
        locked_by -> Text,
        locked_at -> Int8,
        reason -> Nullable<Text>,
        reopened_by -> Nullable<Text>,
        reopened_at -> Nullable<Int8>,
        reopen_reason -> Nullable<Text>,
    }
}

diesel::table! {
    attendance_records (id, version) {
        id -> Text,
        version -> Int4,
        employee_id -> Text,
        start_at -> Int8,
        end_at -> Nullable<Int8>,
        source -> Text,
        note -> Nullable<Text>,
        voided -> Bool,
        kind -> Text,
        created_by -> Text,
        changed_by -> Text,
        changed_at -> Int8,
        reason -> Nullable<Text>,
        request_id -> Nullable<Text>,
        is_current -> Bool,
    }
}

diesel::table! {
    compliance_checks (id) {
        id -> Text,
        employee_id -> Nullable<Text>,
        from_date -> Date,
        to_date -> Date,
        trigger_kind -> Text,
        requested_by -> Text,
        employees -> Int4,
        detected -> Int4,
        resolved -> Int4,
        open_total -> Int4,
        started_at -> Int8,
        completed_at -> Int8,
    }
}

diesel::table! {
    compliance_employees (employee_id) {
        employee_id -> Text,
        time_zone -> Text,
        hire_date -> Nullable<Date>,
        termination_date -> Nullable<Date>,
        updated_at -> Int8,
    }
}

diesel::table! {
    compliance_entitlements (entry_id) {
        entry_id -> Text,
        employee_id -> Text,
        year -> Int4,
        half_days -> Int4,
        working_days_per_week -> Nullable<Int4>,
    }
}

diesel::table! {
    compliance_intervals (record_id) {
        record_id -> Text,
        employee_id -> Text,
        version -> Int4,
        start_at -> Int8,
        end_at -> Nullable<Int8>,
        voided -> Bool,
    }
}

diesel::table! {
    compliance_journal (seq) {
        seq -> Int8,
        event_id -> Text,
        event_type -> Text,
        employee_id -> Text,
        payload -> Text,
        applied_at -> Int8,
    }
}

diesel::table! {
    compliance_leave_days (request_id, day) {
        request_id -> Text,
        day -> Date,
        employee_id -> Text,
        kind -> Text,
        half_days -> Int4,
    }
}

diesel::table! {
    compliance_leave_requests (request_id) {
        request_id -> Text,
        employee_id -> Text,
        version -> Int4,
        status -> Text,
        kind -> Text,
    }
}

diesel::table! {
    compliance_longest (employee_id) {
        employee_id -> Text,
        micros -> Int8,
        first_start -> Nullable<Int8>,
        last_start -> Nullable<Int8>,
    }
}

diesel::table! {
    compliance_meta (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    compliance_opt_outs (id) {
        id -> Text,
        employee_id -> Text,
        signed_on -> Date,
        withdrawn_on -> Nullable<Date>,
        notice_days -> Nullable<Int4>,
        last_day -> Nullable<Date>,
        recorded_by -> Text,
        recorded_at -> Int8,
        withdrawn_by -> Nullable<Text>,
        withdrawn_at -> Nullable<Int8>,
    }
}

diesel::table! {
    compliance_violations (id) {
        id -> Text,
        identity -> Text,
        employee_id -> Text,
        rule -> Text,
        check_name -> Text,
        kind -> Text,
        severity -> Text,
        reference -> Text,
        window_first -> Date,
        window_last -> Date,
        span_start -> Nullable<Int8>,
        span_end -> Nullable<Int8>,
        unit -> Text,
        measured -> Int8,
        limit_value -> Int8,
        status -> Text,
        detected_at -> Int8,
        updated_at -> Int8,
        acknowledged_by -> Nullable<Text>,
        acknowledged_at -> Nullable<Int8>,
        note -> Nullable<Text>,
        resolved_at -> Nullable<Int8>,
        version -> Int4,
    }
}

diesel::table! {
    employees (id) {
        id -> Text,
        name -> Text,
        age -> Int4,
        email -> Nullable<Text>,
        department -> Nullable<Text>,
        position -> Nullable<Text>,
        manager_id -> Nullable<Text>,
        hire_date -> Date,
        status -> Text,
        termination_date -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        time_zone -> Text,
    }
}

diesel::table! {
    leave_calendar_assignments (employee_id) {
        employee_id -> Text,
        calendar_id -> Text,
        assigned_by -> Text,
        assigned_at -> Int8,
    }
}

diesel::table! {
    leave_calendars (id) {
        id -> Text,
        name -> Text,
        working_weekdays -> Text,
        holidays -> Text,
        is_default -> Bool,
        created_at -> Int8,
        updated_at -> Int8,
    }
}

diesel::table! {
    leave_ledger (id) {
        id -> Text,
        seq -> Int8,
        employee_id -> Text,
        leave_type -> Text,
        kind -> Text,
        leave_year -> Int4,
        units -> Int4,
        effective_date -> Date,
        request_id -> Nullable<Text>,
        reason -> Nullable<Text>,
        created_by -> Text,
        created_at -> Int8,
    }
}

diesel::table! {
    leave_meta (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    leave_processed_events (event_id) {
        event_id -> Text,
        processed_at -> Int8,
    }
}

diesel::table! {
    leave_requests (id) {
        id -> Text,
        employee_id -> Text,
        leave_type -> Text,
        start_date -> Date,
        end_date -> Date,
        start_part -> Text,
        end_part -> Text,
        status -> Text,
        counted -> Text,
        held -> Text,
        units -> Int4,
        note -> Nullable<Text>,
        filed_by -> Text,
        created_at -> Int8,
        updated_at -> Int8,
        manager_approved_by -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Int8>,
        rejection_reason -> Nullable<Text>,
        cancelled_by -> Nullable<Text>,
        cancelled_at -> Nullable<Int8>,
        cancel_reason -> Nullable<Text>,
        version -> Int4,
    }
}

diesel::table! {
    leave_types (code) {
        code -> Text,
        name -> Text,
        policy -> Text,
        active -> Bool,
        created_at -> Int8,
        updated_at -> Int8,
    }
}

diesel::table! {
    outbox_deliveries (seq) {
        seq -> Int8,
        event_id -> Text,
        event_type -> Text,
        family -> Text,
        source_module -> Text,
        aggregate_id -> Text,
        created_at -> Int8,
        attempts -> Int4,
        delivered_at -> Int8,
        transport -> Text,
    }
}

diesel::table! {
    outbox_events (seq) {
        seq -> Int8,
        event_id -> Text,
        event_type -> Text,
        family -> Text,
        source_module -> Text,
        destination -> Text,
        aggregate_id -> Text,
        payload -> Text,
        traceparent -> Nullable<Text>,
        created_at -> Int8,
        attempts -> Int4,
        next_attempt_at -> Int8,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    relay_leases (name) {
        name -> Text,
        holder -> Nullable<Text>,
        expires_at -> Int8,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        display_name -> Text,
        role -> Text,
        employee_id -> Nullable<Text>,
        active -> Bool,
        password_hash -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
        token_generation -> Int4,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    api_keys,
    attendance_correction_requests,
    attendance_period_locks,
    attendance_records,
    compliance_checks,
    compliance_employees,
    compliance_entitlements,
    compliance_intervals,
    compliance_journal,
    compliance_leave_days,
    compliance_leave_requests,
    compliance_longest,
    compliance_meta,
    compliance_opt_outs,
    compliance_violations,
    employees,
    leave_calendar_assignments,
    leave_calendars,
    leave_ledger,
    leave_meta,
    leave_processed_events,
    leave_requests,
    leave_types,
    outbox_deliveries,
    outbox_events,
    relay_leases,
    users,
);
