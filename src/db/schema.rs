//! Table definitions shared by both backends. Kept in step with `migrations/`
//! (both folders declare the same column types); a test runs every query against
//! freshly migrated SQLite and PostgreSQL databases.

diesel::table! {
    employees (id) {
        id -> Text,
        name -> Text,
        age -> Integer,
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
    outbox_events (seq) {
        seq -> BigInt,
        event_id -> Text,
        event_type -> Text,
        family -> Text,
        source_module -> Text,
        destination -> Text,
        aggregate_id -> Text,
        payload -> Text,
        traceparent -> Nullable<Text>,
        created_at -> BigInt,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    outbox_deliveries (seq) {
        seq -> BigInt,
        event_id -> Text,
        event_type -> Text,
        family -> Text,
        source_module -> Text,
        aggregate_id -> Text,
        created_at -> BigInt,
        attempts -> Integer,
        delivered_at -> BigInt,
        transport -> Text,
    }
}

diesel::table! {
    relay_leases (name) {
        name -> Text,
        holder -> Nullable<Text>,
        expires_at -> BigInt,
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
    }
}
