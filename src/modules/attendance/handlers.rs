//! HTTP handlers: validate, ask the employee module for the facts and the
//! caller's visibility, send to the actor with `by`, map the result. A record
//! or employee the caller may not see is 404.

use actix_web::{web, HttpResponse};
use chrono::Duration;

use super::actor::*;
use super::calendar;
use super::errors::AttendanceFailure;
use super::model::*;
use super::record::{EmployeeId, RecordId, TimeRecord};
use super::rules::{Change, Correction, ManualRecord};
use super::summary;
use super::AttendanceDeps;
use crate::auth::{AuthUser, Principal, Role};
use crate::error::AppError;
use crate::http::RequestMeta;
use crate::modules::employee::{EmployeeFacts, Visibility};
use crate::shared::clock;
use crate::shared::parse::{parse_employee, parse_instant};

pub(super) type Deps = web::Data<AttendanceDeps>;

pub(super) async fn facts_of(deps: &Deps, id: EmployeeId) -> Result<EmployeeFacts, AppError> {
    deps.employees
        .facts(id)
        .await?
        .ok_or_else(|| AttendanceFailure::EmployeeNotFound.into())
}

pub(super) async fn visibility(deps: &Deps, by: &Principal) -> Result<Visibility, AppError> {
    deps.employees.visibility(by).await
}

/// The facts of a visible employee (404 otherwise) and whether `by` manages
/// them (their reporting chain, not themselves).
pub(super) async fn visible_employee(
    deps: &Deps,
    by: &Principal,
    id: EmployeeId,
) -> Result<(EmployeeFacts, bool), AppError> {
    visible_employee_or(deps, by, id, AttendanceFailure::EmployeeNotFound).await
}

/// [`visible_employee`], answering `not_found` (the 404 of the record or
/// request that led to the employee) when they are not visible; other
/// failures pass through.
pub(super) async fn visible_employee_or(
    deps: &Deps,
    by: &Principal,
    id: EmployeeId,
    not_found: AttendanceFailure,
) -> Result<(EmployeeFacts, bool), AppError> {
    let facts = deps
        .employees
        .visible_facts(by, id)
        .await?
        .ok_or(not_found)?;
    // Only a manager sees someone else's record without seeing everything.
    let manages = by.role == Role::Manager && by.employee_id != Some(id);
    Ok((facts, manages))
}

/// A record visible to `by`, with its employee's facts (404 otherwise).
async fn visible_record(
    deps: &Deps,
    by: &Principal,
    id: RecordId,
) -> Result<(TimeRecord, EmployeeFacts, bool), AppError> {
    let record = deps
        .actor
        .send(GetRecord { id })
        .await??
        .ok_or(AttendanceFailure::RecordNotFound)?;
    let (facts, manages) =
        visible_employee_or(deps, by, record.employee_id, AttendanceFailure::RecordNotFound).await?;
    Ok((record, facts, manages))
}

pub(super) async fn own_facts(deps: &Deps, by: &Principal) -> Result<EmployeeFacts, AppError> {
    let id = by.employee_id.ok_or(AttendanceFailure::NotLinked)?;
    facts_of(deps, id).await
}

fn created(w: Written) -> HttpResponse {
    let (r, tz) = w;
    HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/attendance/records/{}", r.id)))
        .json(RecordResponse::new(&r, tz, clock::now()))
}

fn ok(w: Written) -> HttpResponse {
    let (r, tz) = w;
    HttpResponse::Ok().json(RecordResponse::new(&r, tz, clock::now()))
}

/// `POST /api/v1/attendance/check-in`
#[utoipa::path(
    post,
    path = "/api/v1/attendance/check-in",
    tag = "attendance",
    request_body(content = Option<CheckInRequest>, description = "Optional: a note on the record."),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Checked in: an open record from now (the server's clock).", body = RecordResponse, headers(("Location" = String, description = "`/api/v1/attendance/records/{id}` of the new record."))),
        (status = 404, description = "- `employee_not_found`: your account is not linked to an employee record"),
        (status = 409, description = "- `already_checked_in`: you have an open record\n- `period_locked`: today is in a locked period\n- `overlapping_record`: a record reaches past now"),
        (status = 422, description = "- `outside_employment`: today is before your hire date or after your termination date\n- `note_too_long`\n- `invalid_text`: the note has control or invisible characters\n- `validation_failed`: the body is malformed"),
    )
)]
pub async fn check_in(deps: Deps, user: AuthUser, meta: RequestMeta, body: web::Bytes) -> Result<HttpResponse, AppError> {
    let body: CheckInRequest = crate::http::optional_json(&body)?;
    let facts = own_facts(&deps, &user.0).await?;
    let w = deps
        .actor
        .send(CheckIn {
            ctx: meta.event_context_by(&user.0),
            by: user.0,
            facts,
            note: body.note,
        })
        .await??;
    Ok(created(w))
}

/// `POST /api/v1/attendance/check-out`
#[utoipa::path(
    post,
    path = "/api/v1/attendance/check-out",
    tag = "attendance",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Checked out: the open record's next version, ending now.", body = RecordResponse),
        (status = 404, description = "- `employee_not_found`: your account is not linked to an employee record"),
        (status = 409, description = "- `not_checked_in`: you have no open record\n- `open_record_too_long`: the open record is older than the longest allowed record; it needs a correction\n- `period_locked`: the record touches a locked period\n- `overlapping_record`: another record overlaps it"),
        (status = 422, description = "- `end_before_start`: the server clock is before the check-in\n- `record_too_long`: the record is longer than allowed\n- `outside_employment`: the record lies outside your employment"),
    )
)]
pub async fn check_out(deps: Deps, user: AuthUser, meta: RequestMeta) -> Result<HttpResponse, AppError> {
    let facts = own_facts(&deps, &user.0).await?;
    let w = deps
        .actor
        .send(CheckOut {
            ctx: meta.event_context_by(&user.0),
            by: user.0,
            facts,
        })
        .await??;
    Ok(ok(w))
}

/// `POST /api/v1/attendance/records`
#[utoipa::path(
    post,
    path = "/api/v1/attendance/records",
    tag = "attendance",
    request_body = ManualRecordRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created: version 1 of a manual record.", body = RecordResponse, headers(("Location" = String, description = "`/api/v1/attendance/records/{id}` of the new record."))),
        (status = 403, description = "- `forbidden`: only admin, hr and the employee's managers enter records\n- `cannot_correct_own_record`: nobody enters their own record; file a correction request"),
        (status = 404, description = "- `employee_not_found`: no employee with this id that you may see"),
        (status = 409, description = "- `period_locked`: the interval touches a locked period\n- `overlapping_record`: it overlaps another record (an open one counts up to now)"),
        (status = 422, description = "- `validation_failed`: a field is malformed (`details` names each)\n- `reason_required`\n- `reason_too_long`\n- `invalid_text`\n- `note_too_long`\n- `end_before_start`: the end is not after the start\n- `record_too_long`: longer than the longest allowed record\n- `record_in_future`: beyond now plus the clock tolerance\n- `outside_employment`: before the hire date or after the termination date"),
    )
)]
pub async fn create_record(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    body: crate::http::Json<ManualRecordRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let mut errors = Vec::new();
    let employee = parse_employee("employee_id", &body.employee_id, &mut errors);
    let start = parse_instant("start", &body.start, &mut errors);
    let end = parse_instant("end", &body.end, &mut errors);
    let (Some(employee), Some(start), Some(end)) = (employee, start, end) else {
        return Err(AttendanceFailure::Validation(errors).into());
    };
    let (facts, manages) = visible_employee(&deps, &user.0, employee).await?;
    let notify = super::requests::contact_of(&deps, Some(facts.id)).await?;
    let w = deps
        .actor
        .send(CreateManual {
            ctx: meta.event_context_by(&user.0),
            by: user.0,
            facts,
            manages,
            notify,
            input: ManualRecord {
                start,
                end,
                note: body.note,
                reason: body.reason,
            },
        })
        .await??;
    Ok(created(w))
}

async fn correct(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    id: RecordId,
    correction: Correction,
) -> Result<HttpResponse, AppError> {
    let (_, facts, manages) = visible_record(&deps, &user.0, id).await?;
    let notify = super::requests::contact_of(&deps, Some(facts.id)).await?;
    let w = deps
        .actor
        .send(CorrectRecord {
            ctx: meta.event_context_by(&user.0),
            by: user.0,
            id,
            facts,
            manages,
            notify,
            correction,
        })
        .await??;
    Ok(ok(w))
}

/// `PATCH /api/v1/attendance/records/{id}`
#[utoipa::path(
    patch,
    path = "/api/v1/attendance/records/{id}",
    tag = "attendance",
    params(("id" = RecordId, Path, description = "The record's id.")),
    request_body = CorrectRecordRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Corrected: the record's next version (the earlier one stays in the history).", body = RecordResponse),
        (status = 403, description = "- `forbidden`: only admin, hr and the employee's managers correct records\n- `cannot_correct_own_record`: nobody corrects their own record; file a correction request"),
        (status = 404, description = "- `attendance_record_not_found`: no record with this id that you may see"),
        (status = 409, description = "- `record_voided`: a voided record cannot be changed\n- `stale_version`: `expected_version` is not the current version\n- `period_locked`: the old or new interval touches a locked period\n- `overlapping_record`: the new interval overlaps another record"),
        (status = 422, description = "- `validation_failed`: a field is malformed (`details` names each)\n- `reason_required`\n- `reason_too_long`\n- `invalid_text`\n- `no_change`: the interval stays the same\n- `end_before_start`\n- `record_too_long`\n- `record_in_future`\n- `outside_employment`"),
    )
)]
pub async fn correct_record(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    id: web::Path<RecordId>,
    body: crate::http::Json<CorrectRecordRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let mut errors = Vec::new();
    let start = body.start.as_deref().map(|s| parse_instant("start", s, &mut errors));
    let end = body.end.as_deref().map(|s| parse_instant("end", s, &mut errors));
    if !errors.is_empty() {
        return Err(AttendanceFailure::Validation(errors).into());
    }
    let correction = Correction {
        change: Change::Retime {
            start: start.flatten(),
            end: end.flatten(),
        },
        reason: body.reason,
        expected_version: body.expected_version,
    };
    correct(deps, user, meta, id.into_inner(), correction).await
}

/// `POST /api/v1/attendance/records/{id}/void`
#[utoipa::path(
    post,
    path = "/api/v1/attendance/records/{id}/void",
    tag = "attendance",
    params(("id" = RecordId, Path, description = "The record's id.")),
    request_body = VoidRecordRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Voided: the record's next version, counting nowhere.", body = RecordResponse),
        (status = 403, description = "- `forbidden`: only admin, hr and the employee's managers void records\n- `cannot_correct_own_record`: nobody voids their own record"),
        (status = 404, description = "- `attendance_record_not_found`: no record with this id that you may see"),
        (status = 409, description = "- `record_voided`: already voided\n- `stale_version`: `expected_version` is not the current version\n- `period_locked`: the record touches a locked period"),
        (status = 422, description = "- `reason_required`\n- `reason_too_long`\n- `invalid_text`"),
    )
)]
pub async fn void_record(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    id: web::Path<RecordId>,
    body: crate::http::Json<VoidRecordRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let correction = Correction {
        change: Change::Void,
        reason: body.reason,
        expected_version: body.expected_version,
    };
    correct(deps, user, meta, id.into_inner(), correction).await
}

/// `GET /api/v1/attendance/records/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/attendance/records/{id}",
    tag = "attendance",
    params(("id" = RecordId, Path, description = "The record's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The current version.", body = RecordResponse),
        (status = 404, description = "- `attendance_record_not_found`: no record with this id that you may see"),
    )
)]
pub async fn get_record(
    deps: Deps,
    user: AuthUser,
    id: web::Path<RecordId>,
) -> Result<HttpResponse, AppError> {
    let (record, facts, _) = visible_record(&deps, &user.0, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(RecordResponse::new(&record, facts.time_zone.tz(), clock::now())))
}

/// `GET /api/v1/attendance/records/{id}/history`
#[utoipa::path(
    get,
    path = "/api/v1/attendance/records/{id}/history",
    tag = "attendance",
    params(("id" = RecordId, Path, description = "The record's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every version, oldest first, with who changed it, when and why.", body = RecordHistory),
        (status = 404, description = "- `attendance_record_not_found`: no record with this id that you may see"),
    )
)]
pub async fn record_history(
    deps: Deps,
    user: AuthUser,
    id: web::Path<RecordId>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (_, facts, _) = visible_record(&deps, &user.0, id).await?;
    let tz = facts.time_zone.tz();
    let now = clock::now();
    let versions = deps.actor.send(GetHistory { id }).await??;
    Ok(HttpResponse::Ok().json(RecordHistory {
        id,
        versions: versions.iter().map(|r| RecordResponse::new(r, tz, now)).collect(),
    }))
}

fn checked_range(range: &Range) -> Result<(), AppError> {
    summary::check_range(range.from, range.to).map_err(|e| AttendanceFailure::from(e).into())
}

/// `GET /api/v1/attendance/records`
#[utoipa::path(
    get,
    path = "/api/v1/attendance/records",
    tag = "attendance",
    params(RangeQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The employee's records (current versions, voided ones included) that start on the local dates `from..=to` in the employee's time zone, by start.", body = RecordPage),
        (status = 404, description = "- `employee_not_found`: no employee with this id that you may see, or (without `employee_id`) your account is not linked to one"),
        (status = 422, description = "- `validation_failed`: a parameter is malformed (`details` names each)\n- `invalid_range`: `from` is after `to`\n- `range_too_long`: more than 366 dates"),
    )
)]
pub async fn list_records(
    deps: Deps,
    user: AuthUser,
    query: web::Query<RangeQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    if q.employee_id.is_none() && user.0.employee_id.is_none() {
        return Err(AttendanceFailure::NotLinked.into());
    }
    let range = q
        .validate(user.0.employee_id)
        .map_err(AttendanceFailure::Validation)?;
    checked_range(&range)?;
    let (facts, _) = visible_employee(&deps, &user.0, range.employee_id).await?;
    let tz = facts.time_zone.tz();
    let (first, after) = calendar::range_bounds(range.from, range.to, tz);
    let (rows, total) = deps
        .actor
        .send(ListRecords {
            employee: range.employee_id,
            first,
            after,
            live_only: false,
            window: Some((range.page.limit, range.page.offset)),
        })
        .await??;
    let now = clock::now();
    Ok(HttpResponse::Ok().json(RecordPage {
        items: rows.iter().map(|r| RecordResponse::new(r, tz, now)).collect(),
        total,
        limit: range.page.limit,
        offset: range.page.offset,
    }))
}

/// `GET /api/v1/attendance/summary`
#[utoipa::path(
    get,
    path = "/api/v1/attendance/summary",
    tag = "attendance",
    params(RangeQuery),
    security(("bearer" = [])),
    description = "Per local day and per ISO week in the employee's time zone. **Attribution**: in `days` and `weeks` a record belongs, whole, to the local date its start lies on (a 22:00–06:00 night shift counts 8 h on the evening's date, and in that date's ISO week). In `hours_by_date` each record is cut at the local midnights instead (2 h on the first date, 6 h on the next). Durations are real elapsed time, so a night across a daylight-saving change counts 7 h or 9 h. Breaks are the gaps between records starting on the same date. An open record counts up to now.",
    responses(
        (status = 200, description = "The summary.", body = SummaryResponse),
        (status = 404, description = "- `employee_not_found`: no employee with this id that you may see, or (without `employee_id`) your account is not linked to one"),
        (status = 422, description = "- `validation_failed`: a parameter is malformed (`details` names each)\n- `invalid_range`: `from` is after `to`\n- `range_too_long`: more than 366 dates"),
    )
)]
pub async fn get_summary(
    deps: Deps,
    user: AuthUser,
    query: web::Query<RangeQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    if q.employee_id.is_none() && user.0.employee_id.is_none() {
        return Err(AttendanceFailure::NotLinked.into());
    }
    let range = q
        .validate(user.0.employee_id)
        .map_err(AttendanceFailure::Validation)?;
    checked_range(&range)?;
    let (facts, _) = visible_employee(&deps, &user.0, range.employee_id).await?;
    let tz = facts.time_zone.tz();
    let weeks = calendar::iso_weeks_covering(range.from, range.to);
    let wfrom = weeks.first().map_or(range.from, |w| w.monday()).min(range.from);
    let wto = weeks.last().map_or(range.to, |w| w.sunday()).max(range.to);
    // Records starting in the weeks, plus the day before for hours after midnight.
    let (first, after) = calendar::range_bounds(wfrom - Duration::days(1), wto, tz);
    let (rows, _) = deps
        .actor
        .send(ListRecords {
            employee: range.employee_id,
            first,
            after,
            live_only: true,
            window: None,
        })
        .await??;
    let now = clock::now();
    let max = deps.limits.max_record;
    let days = summary::day_summaries(&rows, tz, range.from, range.to, now, max);
    let weeks = summary::week_summaries(&rows, tz, range.from, range.to, now, max);
    let hours = summary::hours_by_date(&rows, tz, range.from, range.to, now);
    Ok(HttpResponse::Ok().json(SummaryResponse {
        employee_id: range.employee_id,
        time_zone: tz.name().to_owned(),
        days: days.iter().map(DaySummaryResponse::from).collect(),
        weeks: weeks.iter().map(WeekSummaryResponse::from).collect(),
        hours_by_date: hours.iter().map(DateHoursResponse::from).collect(),
    }))
}
