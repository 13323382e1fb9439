//! Layered settings: the embedded `config/default.toml`, the files in the config
//! directory (`default.toml`, then `<profile>.toml`), then the environment (after
//! `.env` was loaded into it by `main`). Every key can be set by exactly one
//! documented environment variable, listed in [`ENV_VARS`]; unknown keys in files
//! are rejected.

use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The embedded defaults, so the binary runs even without a `config/` folder.
const DEFAULTS: &str = include_str!("../config/default.toml");

/// One environment variable and the settings key it sets.
pub struct EnvVar {
    /// Variable name, e.g. `KAFKA_ENABLE_PRODUCER`.
    pub name: &'static str,
    /// Dotted settings key, e.g. `kafka.enable_producer`.
    pub key: &'static str,
    /// What it does, for `.env.example` and the README.
    pub help: &'static str,
}

macro_rules! env_vars {
    ($( $name:literal => $key:literal : $help:literal ),* $(,)?) => {
        /// Every environment variable the service reads, with the key it sets.
        pub const ENV_VARS: &[EnvVar] = &[ $( EnvVar { name: $name, key: $key, help: $help } ),* ];
    };
}

env_vars! {
    "HRMS_HOST" => "server.host": "Address to bind",
    "PORT" => "server.port": "TCP port (default 8080)",
    "HRMS_WORKERS" => "server.workers": "HTTP worker threads, 0 = one per core",
    "HRMS_MAX_BODY_BYTES" => "server.max_body_bytes": "Largest accepted JSON body in bytes",
    "HRMS_SHUTDOWN_TIMEOUT_SECS" => "server.shutdown_timeout_secs": "Grace period for in-flight requests on shutdown",
    "HRMS_BODY_TIMEOUT_SECS" => "server.body_timeout_secs": "Seconds a request body may take to arrive before a 408; 0 = no limit",
    "HRMS_MAX_CONNECTIONS_PER_ADDRESS" => "server.max_connections_per_address": "Open connections allowed per client address (more get 429); 0 = no limit",
    "DATABASE_URL" => "database.url": "postgres://... for PostgreSQL; empty = embedded SQLite",
    "HRMS_SQLITE_PATH" => "database.sqlite_path": "SQLite file used when DATABASE_URL is empty",
    "HRMS_DB_POOL_SIZE" => "database.pool_size": "Maximum pooled database connections",
    "HRMS_DB_CONNECT_TIMEOUT_SECS" => "database.connect_timeout_secs": "Seconds to wait for a pooled connection",
    "HRMS_DB_MIGRATE_ON_START" => "database.migrate_on_start": "Run pending migrations at start-up",
    "HRMS_DEFAULT_TIME_ZONE" => "time.default_zone": "IANA time zone of employee records created without one (e.g. Europe/Berlin)",
    "ATTENDANCE_MAX_RECORD_HOURS" => "time.attendance_max_record_hours": "Longest allowed attendance record in hours (longer open records need a correction)",
    "ATTENDANCE_FUTURE_TOLERANCE_SECS" => "time.attendance_future_tolerance_secs": "Seconds an attendance instant may lie past the server clock",
    "HRMS_LOG_FORMAT" => "log.format": "text or json",
    "HRMS_LOG_LEVEL" => "log.level": "tracing filter; RUST_LOG wins when set",
    "USER_MODULE_ENABLED" => "modules.user.enabled": "Mount the user module",
    "EMPLOYEE_MODULE_ENABLED" => "modules.employee.enabled": "Mount the employee module",
    "LEAVE_MODULE_ENABLED" => "modules.leave.enabled": "Mount the leave module",
    "ATTENDANCE_MODULE_ENABLED" => "modules.attendance.enabled": "Mount the attendance module (needs the employee module)",
    "COMPLIANCE_MODULE_ENABLED" => "modules.compliance.enabled": "Mount the compliance module",
    "USER_KAFKA_ENABLE_PRODUCER" => "modules.user.kafka_enable_producer": "Kafka for the user module (default: KAFKA_ENABLE_PRODUCER)",
    "EMPLOYEE_KAFKA_ENABLE_PRODUCER" => "modules.employee.kafka_enable_producer": "Kafka for the employee module (default: KAFKA_ENABLE_PRODUCER)",
    "LEAVE_KAFKA_ENABLE_PRODUCER" => "modules.leave.kafka_enable_producer": "Kafka for the leave module (default: KAFKA_ENABLE_PRODUCER)",
    "ATTENDANCE_KAFKA_ENABLE_PRODUCER" => "modules.attendance.kafka_enable_producer": "Kafka for the attendance module (default: KAFKA_ENABLE_PRODUCER)",
    "COMPLIANCE_KAFKA_ENABLE_PRODUCER" => "modules.compliance.kafka_enable_producer": "Kafka for the compliance module (default: KAFKA_ENABLE_PRODUCER)",
    "LEAVE_HR_NOTIFY_EMAIL" => "leave.hr_notify_email": "HR mailbox told of each leave request waiting for HR (ids, type, dates and days only); empty = no e-mail",
    "LEAVE_ACCOUNTING_FROM" => "leave.accounting_from": "First leave year the ledger accounts for (go-live; an opening balance is an adjustment in it), fixed at the first start; 0 = the year of the first start",
    "COMPLIANCE_RULE_PACK" => "compliance.rule_pack": "Working-time rule pack: eu (Directive 2003/88/EC), de, uk or fr",
    "COMPLIANCE_DAILY_REST_MINUTES" => "compliance.daily_rest_minutes": "Minimum daily rest in minutes; 0 = the pack's (eu 660)",
    "COMPLIANCE_BREAK_MINUTES" => "compliance.break_minutes": "Break due beyond 6 hours of work, minutes; 0 = the pack's (eu 15)",
    "COMPLIANCE_WEEKLY_LIMIT_HOURS" => "compliance.weekly_limit_hours": "Average weekly limit in hours; 0 = the pack's (eu 48)",
    "COMPLIANCE_WEEKLY_ALERT_HOURS" => "compliance.weekly_alert_hours": "Running average that raises an alert, hours; 0 = the pack's (eu 44)",
    "COMPLIANCE_REFERENCE_WEEKS" => "compliance.reference_weeks": "Reference period of the weekly average in weeks; 0 = the pack's (eu 17)",
    "COMPLIANCE_REFERENCE_FIXED" => "compliance.reference_fixed": "Fixed consecutive reference periods instead of rolling ones",
    "COMPLIANCE_WEEKLY_REST_FORTNIGHT" => "compliance.weekly_rest_fortnight": "Weekly rest over 14-day reference periods (Art. 5 with 16(a))",
    "COMPLIANCE_NIGHT_START" => "compliance.night_start": "Start of night time HH:MM; empty = the pack's (eu 23:00)",
    "COMPLIANCE_NIGHT_END" => "compliance.night_end": "End of night time HH:MM; empty = the pack's (eu 06:00)",
    "COMPLIANCE_UNUSED_LEAVE_CHECK_DATE" => "compliance.unused_leave_check_date": "Date of the year MM-DD from which unused annual leave is checked; empty = the pack's (10-01)",
    "COMPLIANCE_UNUSED_LEAVE_ALERT_PERCENT" => "compliance.unused_leave_alert_percent": "Alert when more than this percentage of the annual entitlement is unused at the check date; 0 = the pack's (50)",
    "COMPLIANCE_CHECK_INTERVAL_SECS" => "compliance.check_interval_secs": "Seconds between periodic checks of everyone; 0 = off",
    "COMPLIANCE_NOTIFY_EMAIL" => "compliance.notify_email": "HR mailbox told of each new violation (ids and rule only); empty = no e-mail",
    "COMPLIANCE_ANNUAL_LEAVE_TYPES" => "compliance.annual_leave_types": "Comma-separated leave type codes counted as paid annual leave",
    "COMPLIANCE_SICK_LEAVE_TYPES" => "compliance.sick_leave_types": "Comma-separated leave type codes counted as sick leave",
    "KAFKA_ENABLE_PRODUCER" => "kafka.enable_producer": "Global Kafka switch",
    "KAFKA_BOOTSTRAP_SERVERS" => "kafka.bootstrap_servers": "Comma-separated broker list",
    "KAFKA_CLIENT_ID" => "kafka.client_id": "Kafka client.id",
    "KAFKA_LINGER_MS" => "kafka.linger_ms": "librdkafka linger.ms",
    "KAFKA_BATCH_SIZE" => "kafka.batch_size": "librdkafka batch.size (bytes)",
    "KAFKA_MESSAGE_TIMEOUT_MS" => "kafka.message_timeout_ms": "librdkafka message.timeout.ms; 0 = retry until delivered",
    "KAFKA_NOTIFICATION_TOPIC" => "kafka.topics.notification": "Topic of notification events",
    "KAFKA_AUDIT_TOPIC" => "kafka.topics.audit": "Topic of audit events",
    "KAFKA_EMPLOYEE_TOPIC" => "kafka.topics.employee": "Topic of employee events",
    "KAFKA_LEAVE_TOPIC" => "kafka.topics.leave": "Topic of leave events",
    "KAFKA_ATTENDANCE_TOPIC" => "kafka.topics.attendance": "Topic of attendance events",
    "KAFKA_USER_TOPIC" => "kafka.topics.user": "Topic of user events",
    "KAFKA_COMPLIANCE_TOPIC" => "kafka.topics.compliance": "Topic of compliance events",
    "HRMS_RELAY_ENABLED" => "relay.enabled": "Run the outbox relay in this process",
    "HRMS_RELAY_BATCH_SIZE" => "relay.batch_size": "Outbox rows claimed per batch",
    "HRMS_RELAY_POLL_INTERVAL_MS" => "relay.poll_interval_ms": "Relay poll interval when idle (ms)",
    "HRMS_RELAY_LEASE_TTL_SECS" => "relay.lease_ttl_secs": "Relay lease duration (s)",
    "HRMS_RELAY_CIRCUIT_OPEN_AFTER_SECS" => "relay.circuit_open_after_secs": "Unacknowledged seconds with brokers down before the circuit opens",
    "HRMS_RELAY_ACK_STALL_SECS" => "relay.ack_stall_secs": "Seconds with Kafka batches in flight and no answer before Kafka counts as unreachable; 12x restarts the client; 0 = off",
    "HRMS_RELAY_CIRCUIT_PROBE_SECS" => "relay.circuit_probe_secs": "Seconds between broker probes while the circuit is open",
    "HRMS_RELAY_RETRY_INITIAL_MS" => "relay.retry_initial_ms": "First retry delay of a failed row (ms)",
    "HRMS_RELAY_RETRY_MAX_MS" => "relay.retry_max_ms": "Largest retry delay of a failed row (ms)",
    "HRMS_RELAY_RESTART_INITIAL_MS" => "relay.restart_initial_ms": "First restart delay of a stopped relay (ms)",
    "HRMS_RELAY_RESTART_MAX_MS" => "relay.restart_max_ms": "Largest restart delay of a stopped relay (ms)",
    "HRMS_OUTBOX_RETENTION_HOURS" => "relay.retention_hours": "Hours delivery records (outbox_deliveries) are kept",
    "HRMS_RELAY_SHUTDOWN_FLUSH_SECS" => "relay.shutdown_flush_secs": "Seconds to flush in-flight events on shutdown",
    "AUDIT_SERVICE_URL" => "fallback.audit_service_url": "Audit service URL for the HTTP fallback",
    "NOTIFICATION_SERVICE_URL" => "fallback.notification_service_url": "Notification service URL for the HTTP fallback",
    "HRMS_FALLBACK_TIMEOUT_MS" => "fallback.timeout_ms": "Timeout of one fallback HTTP call (ms)",
    "HRMS_ADMIN_API_ENABLED" => "admin.api_enabled": "Serve the operator endpoints under /api/v1/admin",
    "HRMS_JWT_SECRET" => "auth.jwt_secret": "Access-token signing secret, at least 32 bytes; production refuses guessable ones (openssl rand -base64 32)",
    "HRMS_API_KEY_SECRET" => "auth.api_key_secret": "Server key of the API key hash (HMAC-SHA256), at least 32 bytes; empty = derived from HRMS_JWT_SECRET (set it so that rotating that secret keeps the keys)",
    "HRMS_TOKEN_TTL_SECS" => "auth.token_ttl_secs": "Access token lifetime in seconds (at most 86400); longer-lived tokens are refused",
    "HRMS_TOKEN_ISSUER" => "auth.issuer": "Access token issuer (iss)",
    "HRMS_TOKEN_AUDIENCE" => "auth.audience": "Access token audience (aud)",
    "HRMS_MIN_PASSWORD_LENGTH" => "auth.min_password_length": "Shortest accepted password",
    "HRMS_LOGIN_MAX_FAILURES_PER_ACCOUNT" => "auth.max_failures_per_account": "Failed logins allowed per account from one client address per hour",
    "HRMS_LOGIN_MAX_FAILURES_PER_CLIENT" => "auth.max_failures_per_client": "Failed logins allowed per client address per hour",
    "HRMS_PASSWORD_HASH_THREADS" => "auth.hash_threads": "Threads that hash and check passwords (Argon2id, at a lower CPU priority), 0 = one per core but one (at least 1)",
    "HRMS_BOOTSTRAP_ADMIN_EMAIL" => "auth.bootstrap_admin_email": "E-mail of a first admin created at start when there is no account",
    "HRMS_BOOTSTRAP_ADMIN_PASSWORD" => "auth.bootstrap_admin_password": "Password of that first admin",
}

/// Variables read outside the settings tree (they choose where settings come from).
pub const META_ENV_VARS: &[EnvVar] = &[
    EnvVar {
        name: "HRMS_PROFILE",
        key: "",
        help: "Profile file to load from the config directory: development (default), production, test",
    },
    EnvVar {
        name: "HRMS_CONFIG_DIR",
        key: "",
        help: "Folder holding default.toml and <profile>.toml (default ./config)",
    },
    EnvVar {
        name: "RUST_LOG",
        key: "",
        help: "Standard tracing filter; overrides HRMS_LOG_LEVEL",
    },
];

/// The whole configuration of one process.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// HTTP server.
    pub server: ServerSettings,
    /// Database connection.
    pub database: DatabaseSettings,
    /// Logging.
    pub log: LogSettings,
    /// Time zones.
    #[serde(default)]
    pub time: TimeSettings,
    /// Per-module switches.
    pub modules: ModulesSettings,
    /// Kafka producer.
    pub kafka: KafkaSettings,
    /// Outbox relay.
    pub relay: RelaySettings,
    /// HTTP fallback peers for audit and notification events.
    pub fallback: FallbackSettings,
    /// Operator endpoints.
    pub admin: AdminSettings,
    /// Authentication.
    pub auth: AuthSettings,
    /// Leave.
    #[serde(default)]
    pub leave: LeaveSettings,
    /// Working-time compliance.
    #[serde(default)]
    pub compliance: ComplianceSettings,
    /// The profile the settings were loaded with.
    #[serde(skip)]
    pub profile: String,
}

/// Leave: who is told of requests that wait for HR, and where the ledger starts.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LeaveSettings {
    /// HR mailbox told of each request waiting for HR's decision (empty: none).
    pub hr_notify_email: String,
    /// First leave year the ledger accounts for, fixed at the first start
    /// (0: the leave year of the first start; else 1900 to 2200).
    pub accounting_from: i32,
}

/// Working-time compliance: the rule pack and the thresholds that override it
/// (0 or empty keeps the pack's value), the periodic check and who is told.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ComplianceSettings {
    /// `eu`, `de`, `uk` or `fr`.
    pub rule_pack: String,
    /// Minimum daily rest, minutes (0: the pack's).
    pub daily_rest_minutes: u32,
    /// Break due beyond 6 hours, minutes (0: the pack's).
    pub break_minutes: u32,
    /// Average weekly limit, hours (0: the pack's).
    pub weekly_limit_hours: u32,
    /// Running-average alert threshold, hours (0: the pack's).
    pub weekly_alert_hours: u32,
    /// Reference period of the weekly average, weeks (0: the pack's).
    pub reference_weeks: u32,
    /// Fixed reference periods instead of rolling ones.
    pub reference_fixed: bool,
    /// Weekly rest over 14-day periods.
    pub weekly_rest_fortnight: bool,
    /// Start of night time `HH:MM` (empty: the pack's).
    pub night_start: String,
    /// End of night time `HH:MM` (empty: the pack's).
    pub night_end: String,
    /// Date of the year `MM-DD` of the unused-leave check (empty: the pack's).
    pub unused_leave_check_date: String,
    /// Unused share of the entitlement that raises an alert, percent (0: the pack's).
    pub unused_leave_alert_percent: u32,
    /// Seconds between periodic checks (0: none).
    pub check_interval_secs: u64,
    /// HR mailbox for new violations (empty: none).
    pub notify_email: String,
    /// Leave type codes that are paid annual leave, comma-separated.
    pub annual_leave_types: String,
    /// Leave type codes that are sick leave, comma-separated.
    pub sick_leave_types: String,
}

impl Default for ComplianceSettings {
    fn default() -> Self {
        Self {
            rule_pack: "eu".to_owned(),
            daily_rest_minutes: 0,
            break_minutes: 0,
            weekly_limit_hours: 0,
            weekly_alert_hours: 0,
            reference_weeks: 0,
            reference_fixed: false,
            weekly_rest_fortnight: false,
            night_start: String::new(),
            night_end: String::new(),
            unused_leave_check_date: String::new(),
            unused_leave_alert_percent: 0,
            check_interval_secs: 3600,
            notify_email: String::new(),
            annual_leave_types: "annual".to_owned(),
            sick_leave_types: "sick".to_owned(),
        }
    }
}

/// Authentication settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// HS256 signing secret; empty = generated (development only).
    pub jwt_secret: SecretString,
    /// Server key of the API key hash; empty = derived from `jwt_secret`.
    pub api_key_secret: SecretString,
    /// Access token lifetime, seconds.
    pub token_ttl_secs: u64,
    /// `iss` claim.
    pub issuer: String,
    /// `aud` claim.
    pub audience: String,
    /// Shortest accepted password.
    pub min_password_length: usize,
    /// Failed logins allowed per account from one client address per hour
    /// (an attacker elsewhere cannot lock the owner out).
    pub max_failures_per_account: u32,
    /// Failed logins allowed per client address per hour.
    pub max_failures_per_client: u32,
    /// Threads of the password hashing pool; 0 = one per core but one (at least 1).
    pub hash_threads: usize,
    /// First admin's e-mail, created at start when no account exists.
    pub bootstrap_admin_email: String,
    /// First admin's password.
    pub bootstrap_admin_password: SecretString,
}

/// Shortest accepted signing secret, in bytes (HS256 wants at least its hash size).
pub const MIN_SECRET_BYTES: usize = 32;

/// Least estimated entropy of a signing secret in production, bits
/// ([`estimated_secret_bits`]); `openssl rand -base64 32` gives about 210.
pub const MIN_SECRET_BITS: f64 = 128.0;

/// How to make a good secret, for error messages and the README.
pub const SECRET_HOWTO: &str = "generate one with `openssl rand -base64 32`";

/// An estimate of a secret's entropy: its length in characters times the
/// Shannon entropy of its character frequencies. It catches repeated letters,
/// short repeated words and small alphabets (`aaaa...` is 0 bits); it cannot
/// tell a random string from a long memorable one, hence the advice to
/// generate secrets.
pub fn estimated_secret_bits(secret: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut len = 0usize;
    for c in secret.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        len += 1;
    }
    if len == 0 {
        return 0.0;
    }
    let n = len as f64;
    let per_char: f64 = counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum();
    // Rounded so that exact alphabets (16 hex digits, each twice: 4 bits a
    // character) do not miss the bar by a float's last bit.
    (per_char * n * 1e6).round() / 1e6
}

/// Longest accepted access-token lifetime, seconds (one day).
pub const MAX_TOKEN_TTL_SECS: u64 = 86_400;

/// HTTP server settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Address to bind.
    pub host: String,
    /// TCP port; 0 picks a free one (tests).
    pub port: u16,
    /// Worker threads; 0 = one per core.
    pub workers: usize,
    /// Largest accepted JSON body, bytes.
    pub max_body_bytes: usize,
    /// Grace period for in-flight requests on shutdown, seconds.
    pub shutdown_timeout_secs: u64,
    /// Seconds from a request's head to the end of its body before it is
    /// answered 408; 0 = no limit.
    pub body_timeout_secs: u64,
    /// Open connections allowed per client address (more are answered 429
    /// and closed); 0 = no limit.
    pub max_connections_per_address: u32,
}

/// Database settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `postgres://...`; empty or absent = embedded SQLite. May hold a password.
    #[serde(default)]
    pub url: Option<SecretString>,
    /// SQLite file used when `url` is empty.
    pub sqlite_path: PathBuf,
    /// Maximum pooled connections.
    pub pool_size: u32,
    /// Seconds to wait for a pooled connection.
    pub connect_timeout_secs: u64,
    /// Run pending migrations at start-up.
    pub migrate_on_start: bool,
}

/// Where the data lives, decided from [`DatabaseSettings`].
#[derive(Debug, Clone)]
pub enum DatabaseTarget {
    /// A PostgreSQL server; the URL may hold a password.
    Postgres(SecretString),
    /// An embedded SQLite file.
    Sqlite(PathBuf),
}

impl DatabaseSettings {
    /// Picks the backend: PostgreSQL for a postgres URL, SQLite otherwise.
    pub fn target(&self) -> Result<DatabaseTarget, ConfigError> {
        let url = self
            .url
            .as_ref()
            .map(|u| u.expose_secret().trim().to_owned())
            .unwrap_or_default();
        if url.is_empty() {
            return Ok(DatabaseTarget::Sqlite(self.sqlite_path.clone()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseTarget::Postgres(SecretString::from(url)));
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            return Ok(DatabaseTarget::Sqlite(PathBuf::from(path)));
        }
        Err(ConfigError::Invalid(
            "DATABASE_URL must start with postgres://, postgresql:// or sqlite:// (or be empty for the embedded SQLite file)".into(),
        ))
    }
}

/// Logging settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// Output format.
    pub format: LogFormat,
    /// tracing filter directive.
    pub level: String,
}

/// Log output format.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Time zone settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeSettings {
    /// IANA name of the zone given to employee records created without one;
    /// checked against the tz database at start-up.
    #[serde(default = "utc")]
    pub default_zone: String,
    /// Longest allowed attendance record, hours (at least 1).
    #[serde(default = "default_max_record_hours")]
    pub attendance_max_record_hours: u32,
    /// How far past the server clock an attendance instant may lie, seconds.
    #[serde(default = "default_future_tolerance_secs")]
    pub attendance_future_tolerance_secs: u32,
}

fn default_max_record_hours() -> u32 {
    24
}

fn default_future_tolerance_secs() -> u32 {
    120
}

fn utc() -> String {
    "UTC".to_owned()
}

impl Default for TimeSettings {
    fn default() -> Self {
        Self {
            default_zone: utc(),
            attendance_max_record_hours: default_max_record_hours(),
            attendance_future_tolerance_secs: default_future_tolerance_secs(),
        }
    }
}

/// The five modules' switches.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModulesSettings {
    /// User accounts.
    pub user: ModuleSettings,
    /// Employee records.
    pub employee: ModuleSettings,
    /// Leave.
    pub leave: ModuleSettings,
    /// Attendance.
    pub attendance: ModuleSettings,
    /// Working-time compliance.
    pub compliance: ModuleSettings,
}

/// One module's switches.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleSettings {
    /// Whether the module is mounted (routes served, actor started).
    pub enabled: bool,
    /// Whether its events go to Kafka; absent = the global `kafka.enable_producer`.
    #[serde(default)]
    pub kafka_enable_producer: Option<bool>,
}

/// Kafka producer settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaSettings {
    /// Global switch.
    pub enable_producer: bool,
    /// Comma-separated broker list.
    pub bootstrap_servers: String,
    /// client.id.
    pub client_id: String,
    /// linger.ms.
    pub linger_ms: u64,
    /// batch.size in bytes.
    pub batch_size: u64,
    /// message.timeout.ms; 0 = until delivered.
    pub message_timeout_ms: u64,
    /// Topic per event family.
    pub topics: TopicSettings,
}

/// Topic names per event family (old system's defaults).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicSettings {
    /// Notification events.
    pub notification: String,
    /// Audit events.
    pub audit: String,
    /// Employee events.
    pub employee: String,
    /// Leave events.
    pub leave: String,
    /// Attendance events.
    pub attendance: String,
    /// User events.
    pub user: String,
    /// Compliance events.
    pub compliance: String,
}

impl TopicSettings {
    /// The topic of `family`'s events. Config knows the events, not the other
    /// way round.
    pub fn for_family(&self, family: crate::events::Family) -> &str {
        use crate::events::Family as F;
        match family {
            F::User => &self.user,
            F::Employee => &self.employee,
            F::Leave => &self.leave,
            F::Attendance => &self.attendance,
            F::Audit => &self.audit,
            F::Notification => &self.notification,
            F::Compliance => &self.compliance,
        }
    }
}

/// Outbox relay settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelaySettings {
    /// Run the relay in this process.
    pub enabled: bool,
    /// Rows claimed per batch.
    pub batch_size: u32,
    /// Poll interval when idle, ms.
    pub poll_interval_ms: u64,
    /// Lease duration, seconds.
    pub lease_ttl_secs: u64,
    /// Unacknowledged seconds with brokers down before the circuit opens.
    pub circuit_open_after_secs: u64,
    /// Seconds with Kafka batches in flight and no answer (a paused or wedged
    /// broker) before Kafka counts as unreachable; twelve times this restarts the
    /// relay with a fresh client. 0 turns the check off.
    pub ack_stall_secs: u64,
    /// Seconds between broker probes while the circuit is open.
    pub circuit_probe_secs: u64,
    /// First retry delay of a failed row, ms.
    pub retry_initial_ms: u64,
    /// Largest retry delay of a failed row, ms.
    pub retry_max_ms: u64,
    /// First restart delay of a stopped relay, ms.
    pub restart_initial_ms: u64,
    /// Largest restart delay, ms.
    pub restart_max_ms: u64,
    /// Hours delivery records are kept.
    pub retention_hours: u64,
    /// Seconds to flush on shutdown.
    pub shutdown_flush_secs: u64,
}

/// HTTP fallback peers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FallbackSettings {
    /// Audit service URL; empty = none.
    pub audit_service_url: String,
    /// Notification service URL; empty = none.
    pub notification_service_url: String,
    /// Timeout of one call, ms.
    pub timeout_ms: u64,
}

/// Operator endpoints.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminSettings {
    /// Serve `/api/v1/admin/*`.
    pub api_enabled: bool,
}

/// Why settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A source could not be read or did not fit the settings.
    #[error("invalid configuration: {0}")]
    Load(#[from] config::ConfigError),
    /// A value is out of range.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Settings {
    /// Loads settings from the config directory and the process environment.
    pub fn load() -> Result<Self, ConfigError> {
        let dir = std::env::var("HRMS_CONFIG_DIR").unwrap_or_else(|_| "config".into());
        let profile = std::env::var("HRMS_PROFILE").unwrap_or_else(|_| "development".into());
        let env: Vec<(String, String)> = std::env::vars().collect();
        Self::load_from(Path::new(&dir), &profile, &env)
    }

    /// Loads settings from `dir`, `profile` and the given environment pairs.
    pub fn load_from(
        dir: &Path,
        profile: &str,
        env: &[(String, String)],
    ) -> Result<Self, ConfigError> {
        if !matches!(profile, "development" | "production" | "test") {
            return Err(ConfigError::Invalid(format!(
                "HRMS_PROFILE must be development, production or test, not {profile:?}"
            )));
        }
        let mut builder = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml))
            .add_source(config::File::from(dir.join("default.toml")).required(false))
            .add_source(config::File::from(dir.join(format!("{profile}.toml"))).required(false));
        for var in ENV_VARS {
            if let Some((_, value)) = env.iter().find(|(k, _)| k == var.name) {
                builder = builder.set_override(var.key, value.as_str())?;
            }
        }
        let mut settings: Settings = builder.build()?.try_deserialize()?;
        settings.profile = profile.to_owned();
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), ConfigError> {
        self.database.target()?;
        if crate::shared::TimeZone::parse(&self.time.default_zone).is_err() {
            return Err(ConfigError::Invalid(format!(
                "HRMS_DEFAULT_TIME_ZONE must be an IANA time zone name such as Europe/Berlin, not {:?}",
                self.time.default_zone
            )));
        }
        if self.database.pool_size == 0 {
            return Err(ConfigError::Invalid(
                "database.pool_size must be at least 1".into(),
            ));
        }
        if self.server.max_body_bytes < 1024 {
            return Err(ConfigError::Invalid(
                "server.max_body_bytes must be at least 1024".into(),
            ));
        }
        if self.relay.batch_size == 0 {
            return Err(ConfigError::Invalid(
                "relay.batch_size must be at least 1".into(),
            ));
        }
        let secret = self.auth.jwt_secret.expose_secret();
        if self.profile == "production" && secret.len() < MIN_SECRET_BYTES {
            return Err(ConfigError::Invalid(format!(
                "HRMS_JWT_SECRET must be set to at least {MIN_SECRET_BYTES} bytes in production; {SECRET_HOWTO}"
            )));
        }
        if !secret.is_empty() && secret.len() < MIN_SECRET_BYTES {
            return Err(ConfigError::Invalid(format!(
                "HRMS_JWT_SECRET is too short: at least {MIN_SECRET_BYTES} bytes; {SECRET_HOWTO}"
            )));
        }
        let bits = estimated_secret_bits(secret);
        if self.profile == "production" && bits < MIN_SECRET_BITS {
            return Err(ConfigError::Invalid(format!(
                "HRMS_JWT_SECRET looks guessable (about {} bits of entropy estimated, at least {MIN_SECRET_BITS} needed); {SECRET_HOWTO}",
                bits.floor()
            )));
        }
        let key_secret = self.auth.api_key_secret.expose_secret();
        if !key_secret.is_empty() && key_secret.len() < MIN_SECRET_BYTES {
            return Err(ConfigError::Invalid(format!(
                "HRMS_API_KEY_SECRET is too short: at least {MIN_SECRET_BYTES} bytes; {SECRET_HOWTO}"
            )));
        }
        let key_bits = estimated_secret_bits(key_secret);
        if self.profile == "production" && !key_secret.is_empty() && key_bits < MIN_SECRET_BITS {
            return Err(ConfigError::Invalid(format!(
                "HRMS_API_KEY_SECRET looks guessable (about {} bits of entropy estimated, at least {MIN_SECRET_BITS} needed); {SECRET_HOWTO}",
                key_bits.floor()
            )));
        }
        if self.auth.token_ttl_secs == 0 || self.auth.token_ttl_secs > MAX_TOKEN_TTL_SECS {
            return Err(ConfigError::Invalid(format!(
                "auth.token_ttl_secs must be between 1 and {MAX_TOKEN_TTL_SECS} (access tokens are short-lived)"
            )));
        }
        if self.server.body_timeout_secs > 3600 {
            return Err(ConfigError::Invalid(
                "server.body_timeout_secs must be at most 3600 (0 = no limit)".into(),
            ));
        }
        if self.auth.max_failures_per_account == 0 || self.auth.max_failures_per_account > 100 {
            return Err(ConfigError::Invalid(
                "auth.max_failures_per_account must be between 1 and 100 (OWASP ASVS)".into(),
            ));
        }
        if self.auth.min_password_length < 8 {
            return Err(ConfigError::Invalid(
                "auth.min_password_length must be at least 8".into(),
            ));
        }
        if let Err(e) = crate::modules::compliance::pack::from_settings(&self.compliance) {
            return Err(ConfigError::Invalid(format!("compliance settings: {e}")));
        }
        if self.kafka.enable_producer && self.kafka.bootstrap_servers.trim().is_empty() {
            return Err(ConfigError::Invalid(
                "KAFKA_BOOTSTRAP_SERVERS is empty while KAFKA_ENABLE_PRODUCER is on".into(),
            ));
        }
        Ok(())
    }

    /// The zone of employee records created without one (validated at load).
    pub fn default_time_zone(&self) -> crate::shared::TimeZone {
        crate::shared::TimeZone::parse(&self.time.default_zone)
            .unwrap_or(crate::shared::TimeZone::UTC)
    }

    /// The attendance rules' limits (longest record, clock tolerance).
    pub fn attendance_limits(&self) -> crate::modules::attendance::record::Limits {
        crate::modules::attendance::record::Limits {
            max_record: chrono::Duration::hours(i64::from(
                self.time.attendance_max_record_hours.max(1),
            )),
            future_tolerance: chrono::Duration::seconds(i64::from(
                self.time.attendance_future_tolerance_secs,
            )),
        }
    }

    /// Whether a module's events go to Kafka (its own switch, else the global one).
    pub fn module_kafka_enabled(&self, module: crate::events::SourceModule) -> bool {
        use crate::events::SourceModule as M;
        let m = match module {
            M::User => &self.modules.user,
            M::Employee => &self.modules.employee,
            M::Leave => &self.modules.leave,
            M::Attendance => &self.modules.attendance,
            M::Compliance => &self.modules.compliance,
        };
        m.kafka_enable_producer
            .unwrap_or(self.kafka.enable_producer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn missing_dir() -> PathBuf {
        PathBuf::from("/nonexistent-hrms-config")
    }

    #[test]
    fn defaults_give_sqlite_on_port_8080_with_old_topic_names() {
        let s = Settings::load_from(&missing_dir(), "development", &[]).unwrap();
        assert_eq!(s.server.port, 8080);
        assert!(matches!(
            s.database.target().unwrap(),
            DatabaseTarget::Sqlite(_)
        ));
        assert_eq!(s.kafka.topics.employee, "employee-queue");
        assert_eq!(s.kafka.topics.notification, "notification-queue");
        assert!(s.kafka.enable_producer);
    }

    #[test]
    fn old_variable_names_and_module_overrides_apply() {
        let s = Settings::load_from(
            &missing_dir(),
            "development",
            &env(&[
                ("PORT", "9000"),
                ("KAFKA_ENABLE_PRODUCER", "false"),
                ("EMPLOYEE_KAFKA_ENABLE_PRODUCER", "true"),
                ("KAFKA_AUDIT_TOPIC", "audit-x"),
                ("DATABASE_URL", "postgres://u:p@localhost/db"),
            ]),
        )
        .unwrap();
        assert_eq!(s.server.port, 9000);
        assert_eq!(s.kafka.topics.audit, "audit-x");
        assert!(s.module_kafka_enabled(crate::events::SourceModule::Employee));
        assert!(!s.module_kafka_enabled(crate::events::SourceModule::Leave));
        assert!(matches!(
            s.database.target().unwrap(),
            DatabaseTarget::Postgres(_)
        ));
    }

    #[test]
    fn unknown_keys_in_a_profile_file_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("development.toml"), "[server]\nprot = 1\n").unwrap();
        let err = Settings::load_from(dir.path(), "development", &[]).unwrap_err();
        assert!(err.to_string().contains("prot"), "{err}");
    }

    #[test]
    fn a_database_url_of_another_kind_is_rejected() {
        let err = Settings::load_from(
            &missing_dir(),
            "development",
            &env(&[("DATABASE_URL", "mysql://x")]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("DATABASE_URL"), "{err}");
    }

    #[test]
    fn the_database_url_never_prints() {
        let s = Settings::load_from(
            &missing_dir(),
            "development",
            &env(&[("DATABASE_URL", "postgres://u:hunter2@localhost/db")]),
        )
        .unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn every_variable_is_documented_in_the_readme_and_env_example() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
        let example = std::fs::read_to_string(root.join(".env.example")).unwrap();
        for var in ENV_VARS.iter().chain(META_ENV_VARS) {
            assert!(
                readme.contains(var.name),
                "{} missing from README.md",
                var.name
            );
            assert!(
                example.contains(&format!("{}=", var.name)),
                "{} missing from .env.example",
                var.name
            );
        }
    }

    #[test]
    fn production_refuses_to_start_without_a_strong_signing_secret() {
        let err = Settings::load_from(&missing_dir(), "production", &[]).unwrap_err();
        assert!(err.to_string().contains("HRMS_JWT_SECRET"), "{err}");
        let err = Settings::load_from(
            &missing_dir(),
            "production",
            &env(&[("HRMS_JWT_SECRET", "short")]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("HRMS_JWT_SECRET"), "{err}");
        let ok = Settings::load_from(
            &missing_dir(),
            "production",
            &env(&[("HRMS_JWT_SECRET", "0123456789abcdef0123456789abcdef")]),
        );
        assert!(ok.is_ok());
    }

    #[test]
    fn production_refuses_a_long_but_guessable_signing_secret_and_says_how_to_make_one() {
        for weak in [
            "a".repeat(40),
            "passwordpasswordpasswordpassword".to_owned(),
        ] {
            let err = Settings::load_from(
                &missing_dir(),
                "production",
                &env(&[("HRMS_JWT_SECRET", &weak)]),
            )
            .unwrap_err();
            assert!(err.to_string().contains("guessable"), "{err}");
            assert!(err.to_string().contains("openssl rand -base64 32"), "{err}");
        }
        // what `openssl rand -base64 32` prints
        let generated = "jh1kKi9tQik+muKj0FiQvAso2shWj8lZs32r5nL0qI0=";
        assert!(Settings::load_from(
            &missing_dir(),
            "production",
            &env(&[("HRMS_JWT_SECRET", generated)]),
        )
        .is_ok());
        assert!(estimated_secret_bits(generated) > 200.0);
        // development only warns
        assert!(Settings::load_from(
            &missing_dir(),
            "development",
            &env(&[("HRMS_JWT_SECRET", &"a".repeat(40))]),
        )
        .is_ok());
    }

    #[test]
    fn token_lifetimes_beyond_a_day_are_rejected() {
        let err = Settings::load_from(
            &missing_dir(),
            "development",
            &env(&[("HRMS_TOKEN_TTL_SECS", "604800")]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("token_ttl_secs"), "{err}");
    }

    #[test]
    fn an_unknown_profile_is_rejected() {
        assert!(Settings::load_from(&missing_dir(), "staging", &[]).is_err());
    }
}
