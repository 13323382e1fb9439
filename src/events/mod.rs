//! The event library: the base event every family extends, one model per family,
//! one factory function per family, and the catalogue of event types.
//!
//! The JSON of each model is the Kafka record value (what the old consumers parse);
//! each event type has a JSON Schema under `schemas/events/v1/`.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// Version of the event JSON shapes; bumped on an incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The module that produced an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceModule {
    /// User accounts.
    User,
    /// Employee records.
    Employee,
    /// Leave.
    Leave,
    /// Attendance.
    Attendance,
    /// Working-time compliance.
    Compliance,
}

impl SourceModule {
    /// All modules.
    pub const ALL: [SourceModule; 5] = [
        SourceModule::User,
        SourceModule::Employee,
        SourceModule::Leave,
        SourceModule::Attendance,
        SourceModule::Compliance,
    ];

    /// Stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceModule::User => "user",
            SourceModule::Employee => "employee",
            SourceModule::Leave => "leave",
            SourceModule::Attendance => "attendance",
            SourceModule::Compliance => "compliance",
        }
    }

    /// Parses [`SourceModule::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// CloudEvents `source` attribute.
    pub fn ce_source(self) -> String {
        self.ce_source_str().to_owned()
    }

    /// [`SourceModule::ce_source`] without an allocation.
    pub fn ce_source_str(self) -> &'static str {
        match self {
            SourceModule::User => "/hrms/user",
            SourceModule::Employee => "/hrms/employee",
            SourceModule::Leave => "/hrms/leave",
            SourceModule::Attendance => "/hrms/attendance",
            SourceModule::Compliance => "/hrms/compliance",
        }
    }
}

/// An event family: decides the topic and whether the HTTP fallback applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// `USER_*`.
    User,
    /// `EMPLOYEE_*`.
    Employee,
    /// `LEAVE_*`.
    Leave,
    /// `ATTENDANCE_*`.
    Attendance,
    /// `AUDIT_*`.
    Audit,
    /// `NOTIFICATION_*`.
    Notification,
    /// `COMPLIANCE_*`.
    Compliance,
}

impl Family {
    /// All families.
    pub const ALL: [Family; 7] = [
        Family::User,
        Family::Employee,
        Family::Leave,
        Family::Attendance,
        Family::Audit,
        Family::Notification,
        Family::Compliance,
    ];

    /// Stable lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::User => "user",
            Family::Employee => "employee",
            Family::Leave => "leave",
            Family::Attendance => "attendance",
            Family::Audit => "audit",
            Family::Notification => "notification",
            Family::Compliance => "compliance",
        }
    }

    /// Parses [`Family::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// Audit and notification events go over HTTP when Kafka is off or failing.
    pub fn has_http_fallback(self) -> bool {
        matches!(self, Family::Audit | Family::Notification)
    }
}

macro_rules! event_types {
    ($( $variant:ident = $name:literal : $family:ident ),* $(,)?) => {
        /// Every event type the service can emit.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum EventType {
            $( #[doc = $name] #[serde(rename = $name)] $variant, )*
        }

        impl EventType {
            /// All event types, in catalogue order.
            pub const ALL: &'static [EventType] = &[ $( EventType::$variant, )* ];

            /// The wire name, e.g. `EMPLOYEE_CREATED`.
            pub fn as_str(self) -> &'static str {
                match self { $( EventType::$variant => $name, )* }
            }

            /// The family the type belongs to.
            pub fn family(self) -> Family {
                match self { $( EventType::$variant => Family::$family, )* }
            }

            /// Parses [`EventType::as_str`] (one `match`: the relay parses every
            /// claimed row).
            pub fn parse(s: &str) -> Option<Self> {
                match s { $( $name => Some(EventType::$variant), )* _ => None }
            }
        }
    };
}

event_types! {
    UserCreated = "USER_CREATED": User,
    UserUpdated = "USER_UPDATED": User,
    UserRoleChanged = "USER_ROLE_CHANGED": User,
    UserDeactivated = "USER_DEACTIVATED": User,
    UserDeleted = "USER_DELETED": User,
    UserApiKeyCreated = "USER_API_KEY_CREATED": User,
    UserApiKeyRevoked = "USER_API_KEY_REVOKED": User,
    EmployeeCreated = "EMPLOYEE_CREATED": Employee,
    EmployeeUpdated = "EMPLOYEE_UPDATED": Employee,
    EmployeeTerminated = "EMPLOYEE_TERMINATED": Employee,
    LeaveRequested = "LEAVE_REQUESTED": Leave,
    LeaveApproved = "LEAVE_APPROVED": Leave,
    LeaveRejected = "LEAVE_REJECTED": Leave,
    LeaveCancelled = "LEAVE_CANCELLED": Leave,
    LeaveRecounted = "LEAVE_RECOUNTED": Leave,
    LeaveBalanceAdjusted = "LEAVE_BALANCE_ADJUSTED": Leave,
    AttendanceMarked = "ATTENDANCE_MARKED": Attendance,
    AttendanceUpdated = "ATTENDANCE_UPDATED": Attendance,
    AttendancePeriodLocked = "ATTENDANCE_PERIOD_LOCKED": Attendance,
    AttendancePeriodReopened = "ATTENDANCE_PERIOD_REOPENED": Attendance,
    AuditUserAction = "AUDIT_USER_ACTION": Audit,
    AuditEmployeeAction = "AUDIT_EMPLOYEE_ACTION": Audit,
    AuditLeaveAction = "AUDIT_LEAVE_ACTION": Audit,
    AuditAttendanceAction = "AUDIT_ATTENDANCE_ACTION": Audit,
    AuditComplianceAction = "AUDIT_COMPLIANCE_ACTION": Audit,
    NotificationEmail = "NOTIFICATION_EMAIL": Notification,
    ComplianceViolation = "COMPLIANCE_VIOLATION": Compliance,
    ComplianceAlert = "COMPLIANCE_ALERT": Compliance,
    ComplianceCheckCompleted = "COMPLIANCE_CHECK_COMPLETED": Compliance,
}

/// Who caused an event and which request it belongs to.
#[derive(Debug, Clone, Default)]
pub struct EventContext {
    /// The request id (`X-Request-Id`), carried as the correlation id.
    pub correlation_id: String,
    /// The acting user's id, once authentication exists.
    pub actor_id: Option<String>,
    /// W3C `traceparent` of the request, carried in the Kafka headers.
    pub traceparent: Option<String>,
}

/// Fields every event carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaseEvent {
    /// Unique id (UUID v7): consumers deduplicate by it.
    pub event_id: Uuid,
    /// Type name, e.g. `EMPLOYEE_CREATED`.
    pub event_type: EventType,
    /// Producing module.
    pub source: SourceModule,
    /// When the event was created (RFC 3339, UTC).
    #[serde(with = "rfc3339_millis")]
    pub timestamp: DateTime<Utc>,
    /// Request id of the request that caused it.
    pub correlation_id: String,
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
}

impl BaseEvent {
    fn new(event_type: EventType, source: SourceModule, ctx: &EventContext) -> Self {
        Self {
            event_id: Uuid::now_v7(),
            event_type,
            source,
            // Millisecond precision: the wire format, so every copy agrees.
            timestamp: Utc::now().trunc_subsecs(3),
            correlation_id: ctx.correlation_id.clone(),
            schema_version: SCHEMA_VERSION,
        }
    }
}

mod rfc3339_millis {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

/// A user-account event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserEvent {
    /// Base fields.
    #[serde(flatten)]
    pub base: BaseEvent,
    /// The account.
    pub user_id: String,
    /// Names of the fields an update changed (empty otherwise).
    pub changed_fields: Vec<String>,
    /// The account as it is after the change (never the password hash).
    pub data: Value,
}

/// An employee-record event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmployeeEvent {
    /// Base fields.
    #[serde(flatten)]
    pub base: BaseEvent,
    /// The employee.
    pub employee_id: String,
    /// Names of the fields an update changed (empty otherwise).
    pub changed_fields: Vec<String>,
    /// The record as it is after the change.
    pub data: Value,
}

/// A leave-request event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaveEvent {
    /// Base fields.
    #[serde(flatten)]
    pub base: BaseEvent,
    /// The leave request (`LEAVE_BALANCE_ADJUSTED`: the ledger entry).
    pub leave_id: String,
    /// Whose leave it is.
    pub employee_id: String,
    /// The request as it is after the change.
    pub data: Value,
}

/// An attendance-record event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttendanceEvent {
    /// Base fields.
    #[serde(flatten)]
    pub base: BaseEvent,
    /// The attendance record (period-lock events: the lock).
    pub attendance_id: String,
    /// Whose record it is (period-lock events: the employee the lock is for,
    /// `None` (null) when it is for everyone).
    pub employee_id: Option<String>,
    /// The record (or lock) as it is after the change.
    pub data: Value,
}

/// An audit-trail entry: who did what to which record, when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Base fields.
    #[serde(flatten)]
    pub base: BaseEvent,
    /// Acting user id; `null` before authentication exists.
    pub actor_id: Option<String>,
    /// Dotted action name, e.g. `employee.create`.
    pub action: String,
    /// Kind of record acted on, e.g. `employee`.
    pub resource_type: String,
    /// Id of the record acted on.
    pub resource_id: String,
    /// `success` (failed attempts are not audited as changes).
    pub outcome: String,
    /// Ids and field names only, never personal data.
    pub details: Value,
}

/// An e-mail notification request for the notification service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationEvent {
    /// Base fields.
    #[serde(flatten)]
    pub base: BaseEvent,
    /// Template, e.g. `account_created`, `leave_approved`.
    pub notification_type: String,
    /// Delivery channel: `email`.
    pub channel: String,
    /// Recipient account, when there is one.
    pub recipient_user_id: Option<String>,
    /// Recipient address.
    pub recipient_email: String,
    /// Values the template needs.
    pub template_data: Value,
}

/// A working-time compliance finding, or a completed check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplianceEvent {
    /// Base fields.
    #[serde(flatten)]
    pub base: BaseEvent,
    /// The employee concerned (`null` for a check of everyone).
    pub employee_id: Option<String>,
    /// Rule id, e.g. `daily_rest` (findings only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// `info`, `warning` or `violation` (findings only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// The finding or the check's counts.
    pub data: Value,
}

/// Any event, as written to the outbox.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// See [`UserEvent`].
    User(UserEvent),
    /// See [`EmployeeEvent`].
    Employee(EmployeeEvent),
    /// See [`LeaveEvent`].
    Leave(LeaveEvent),
    /// See [`AttendanceEvent`].
    Attendance(AttendanceEvent),
    /// See [`AuditEvent`].
    Audit(AuditEvent),
    /// See [`NotificationEvent`].
    Notification(NotificationEvent),
    /// See [`ComplianceEvent`].
    Compliance(ComplianceEvent),
}

impl Event {
    /// The base fields.
    pub fn base(&self) -> &BaseEvent {
        match self {
            Event::User(e) => &e.base,
            Event::Employee(e) => &e.base,
            Event::Leave(e) => &e.base,
            Event::Attendance(e) => &e.base,
            Event::Audit(e) => &e.base,
            Event::Notification(e) => &e.base,
            Event::Compliance(e) => &e.base,
        }
    }

    /// The family (from the type).
    pub fn family(&self) -> Family {
        self.base().event_type.family()
    }

    /// The Kafka key: the id of the aggregate whose order the events must keep.
    /// A notification without a recipient account is keyed by its own id.
    pub fn aggregate_id(&self) -> String {
        match self {
            Event::User(e) => e.user_id.clone(),
            Event::Employee(e) => e.employee_id.clone(),
            Event::Leave(e) => e.employee_id.clone(),
            Event::Attendance(e) => e
                .employee_id
                .clone()
                .unwrap_or_else(|| e.attendance_id.clone()),
            Event::Audit(e) => e.resource_id.clone(),
            Event::Notification(e) => e
                .recipient_user_id
                .clone()
                .unwrap_or_else(|| e.base.event_id.to_string()),
            Event::Compliance(e) => e
                .employee_id
                .clone()
                .unwrap_or_else(|| COMPLIANCE_CHECKS_KEY.to_owned()),
        }
    }

    /// The record value: the event's JSON.
    pub fn to_json(&self) -> serde_json::Result<String> {
        match self {
            Event::User(e) => serde_json::to_string(e),
            Event::Employee(e) => serde_json::to_string(e),
            Event::Leave(e) => serde_json::to_string(e),
            Event::Attendance(e) => serde_json::to_string(e),
            Event::Audit(e) => serde_json::to_string(e),
            Event::Notification(e) => serde_json::to_string(e),
            Event::Compliance(e) => serde_json::to_string(e),
        }
    }
}

fn check_family(event_type: EventType, family: Family) {
    debug_assert_eq!(
        event_type.family(),
        family,
        "{} is not a {} event",
        event_type.as_str(),
        family.as_str()
    );
}

/// Builds a user event.
pub fn user_event(
    ctx: &EventContext,
    event_type: EventType,
    user_id: &str,
    changed_fields: Vec<String>,
    data: Value,
) -> Event {
    check_family(event_type, Family::User);
    Event::User(UserEvent {
        base: BaseEvent::new(event_type, SourceModule::User, ctx),
        user_id: user_id.to_owned(),
        changed_fields,
        data,
    })
}

/// Builds an employee event.
pub fn employee_event(
    ctx: &EventContext,
    event_type: EventType,
    employee_id: &str,
    changed_fields: Vec<String>,
    data: Value,
) -> Event {
    check_family(event_type, Family::Employee);
    Event::Employee(EmployeeEvent {
        base: BaseEvent::new(event_type, SourceModule::Employee, ctx),
        employee_id: employee_id.to_owned(),
        changed_fields,
        data,
    })
}

/// Builds a leave event.
pub fn leave_event(
    ctx: &EventContext,
    event_type: EventType,
    leave_id: &str,
    employee_id: &str,
    data: Value,
) -> Event {
    check_family(event_type, Family::Leave);
    Event::Leave(LeaveEvent {
        base: BaseEvent::new(event_type, SourceModule::Leave, ctx),
        leave_id: leave_id.to_owned(),
        employee_id: employee_id.to_owned(),
        data,
    })
}

/// Builds an attendance event.
pub fn attendance_event(
    ctx: &EventContext,
    event_type: EventType,
    attendance_id: &str,
    employee_id: Option<&str>,
    data: Value,
) -> Event {
    check_family(event_type, Family::Attendance);
    Event::Attendance(AttendanceEvent {
        base: BaseEvent::new(event_type, SourceModule::Attendance, ctx),
        attendance_id: attendance_id.to_owned(),
        employee_id: employee_id.map(str::to_owned),
        data,
    })
}

/// What an audit entry records, besides who and when.
#[derive(Debug, Clone)]
pub struct AuditAction<'a> {
    /// Dotted action name, e.g. `employee.update`.
    pub action: &'a str,
    /// Kind of record, e.g. `employee`.
    pub resource_type: &'a str,
    /// Record id.
    pub resource_id: &'a str,
    /// Ids and field names only.
    pub details: Value,
}

/// Builds the audit event of a module's mutating action.
pub fn audit_event(ctx: &EventContext, source: SourceModule, action: AuditAction<'_>) -> Event {
    let event_type = match source {
        SourceModule::User => EventType::AuditUserAction,
        SourceModule::Employee => EventType::AuditEmployeeAction,
        SourceModule::Leave => EventType::AuditLeaveAction,
        SourceModule::Attendance => EventType::AuditAttendanceAction,
        SourceModule::Compliance => EventType::AuditComplianceAction,
    };
    Event::Audit(AuditEvent {
        base: BaseEvent::new(event_type, source, ctx),
        actor_id: ctx.actor_id.clone(),
        action: action.action.to_owned(),
        resource_type: action.resource_type.to_owned(),
        resource_id: action.resource_id.to_owned(),
        outcome: "success".to_owned(),
        details: action.details,
    })
}

/// Builds an e-mail notification event.
pub fn notification_event(
    ctx: &EventContext,
    source: SourceModule,
    notification_type: &str,
    recipient_user_id: Option<&str>,
    recipient_email: &str,
    template_data: Value,
) -> Event {
    Event::Notification(NotificationEvent {
        base: BaseEvent::new(EventType::NotificationEmail, source, ctx),
        notification_type: notification_type.to_owned(),
        channel: "email".to_owned(),
        recipient_user_id: recipient_user_id.map(str::to_owned),
        recipient_email: recipient_email.to_owned(),
        template_data,
    })
}

/// The Kafka key of compliance events about no single employee (a check of
/// everyone): they keep their order among themselves.
pub const COMPLIANCE_CHECKS_KEY: &str = "compliance-checks";

/// Builds a compliance event (`rule` and `severity` for findings only).
pub fn compliance_event(
    ctx: &EventContext,
    event_type: EventType,
    employee_id: Option<&str>,
    finding: Option<(&str, &str)>,
    data: Value,
) -> Event {
    check_family(event_type, Family::Compliance);
    Event::Compliance(ComplianceEvent {
        base: BaseEvent::new(event_type, SourceModule::Compliance, ctx),
        employee_id: employee_id.map(str::to_owned),
        rule: finding.map(|(r, _)| r.to_owned()),
        severity: finding.map(|(_, s)| s.to_owned()),
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_are_uuid_v7_and_unique() {
        let ctx = EventContext::default();
        let a = employee_event(&ctx, EventType::EmployeeCreated, "e1", vec![], Value::Null);
        let b = employee_event(&ctx, EventType::EmployeeCreated, "e1", vec![], Value::Null);
        assert_eq!(a.base().event_id.get_version_num(), 7);
        assert_ne!(a.base().event_id, b.base().event_id);
    }

    #[test]
    fn every_type_name_round_trips_and_names_its_family() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(*t));
            let prefix = t.family().as_str().to_uppercase();
            assert!(t.as_str().starts_with(&prefix), "{}", t.as_str());
        }
    }

    #[test]
    fn the_json_flattens_the_base_fields() {
        let ctx = EventContext {
            correlation_id: "req-1".into(),
            ..Default::default()
        };
        let e = employee_event(
            &ctx,
            EventType::EmployeeCreated,
            "e1",
            vec![],
            serde_json::json!({}),
        );
        let v: Value = serde_json::from_str(&e.to_json().unwrap()).unwrap();
        assert_eq!(v["event_type"], "EMPLOYEE_CREATED");
        assert_eq!(v["source"], "employee");
        assert_eq!(v["correlation_id"], "req-1");
        assert_eq!(v["employee_id"], "e1");
        assert_eq!(v["schema_version"], 1);
    }
}
