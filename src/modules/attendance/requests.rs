//! HTTP handlers of correction requests (issue 13 §3): an employee asks for a
//! correction of their own record with the proposed times and a reason; their
//! manager or HR approves it (it becomes the record's next version) or rejects
//! it with a reason. The employee is told of the decision, the manager of a new
//! request. Visibility follows the records: 404 for a request the caller may
//! not see.

use actix_web::{web, HttpResponse};

use super::actor::{
    DecideCorrectionRequest, FileCorrectionRequest, GetCorrectionRequest, ListCorrectionRequests,
};
use super::errors::AttendanceFailure;
use super::handlers::{visibility, visible_employee, visible_employee_or, Deps};
use super::model::*;
use super::record::{CorrectionRequest, EmployeeId, RecordId, RequestId};
use super::repository::RequestFilter;
use super::rules::{Decision, Proposal};
use crate::auth::{AuthUser, Principal};
use crate::error::AppError;
use crate::http::RequestMeta;
use crate::modules::employee::{EmployeeFacts, Visibility};
use crate::modules::user::{Contact, ContactsOf};
use crate::shared::clock;
use crate::shared::parse::{employee_and_page, parse_instant};

/// The e-mail contact of `employee` (none without the user module or account).
pub(super) async fn contact_of(
    deps: &Deps,
    employee: Option<EmployeeId>,
) -> Result<Option<Contact>, AppError> {
    let (Some(lookup), Some(employee)) = (&deps.contacts, employee) else {
        return Ok(None);
    };
    Ok(lookup
        .send(ContactsOf {
            employees: vec![employee],
        })
        .await??
        .into_iter()
        .next())
}

/// A request `by` may see, its employee's facts and whether `by` manages them.
async fn visible_request(
    deps: &Deps,
    by: &Principal,
    id: RequestId,
) -> Result<(CorrectionRequest, EmployeeFacts, bool), AppError> {
    let request = deps
        .actor
        .send(GetCorrectionRequest { id })
        .await??
        .ok_or(AttendanceFailure::RequestNotFound)?;
    let (facts, manages) =
        visible_employee_or(deps, by, request.employee_id, AttendanceFailure::RequestNotFound).await?;
    Ok((request, facts, manages))
}

/// `POST /api/v1/attendance/records/{id}/correction-requests`
#[utoipa::path(
    post,
    path = "/api/v1/attendance/records/{id}/correction-requests",
    tag = "attendance",
    params(("id" = RecordId, Path, description = "Your record's id.")),
    request_body = CorrectionRequestBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Filed: a pending request; the record is unchanged until it is approved.", body = CorrectionRequestResponse, headers(("Location" = String, description = "`/api/v1/attendance/correction-requests/{id}` of the new request."))),
        (status = 403, description = "- `not_own_record`: a correction can only be requested for one's own record"),
        (status = 404, description = "- `attendance_record_not_found`: no record with this id that you may see"),
        (status = 409, description = "- `record_voided`: a voided record cannot be changed\n- `request_already_pending`: this record has a pending request\n- `period_locked`: the old or proposed interval touches a locked period\n- `overlapping_record`: the proposed interval overlaps another record"),
        (status = 422, description = "- `validation_failed`: a field is malformed (`details` names each)\n- `reason_required`\n- `reason_too_long`\n- `invalid_text`\n- `no_change`: the proposal keeps the interval as it is\n- `end_before_start`\n- `record_too_long`\n- `record_in_future`\n- `outside_employment`"),
    )
)]
pub async fn file_request(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    id: web::Path<RecordId>,
    body: crate::http::Json<CorrectionRequestBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let mut errors = Vec::new();
    let start = body.start.as_deref().map(|s| parse_instant("start", s, &mut errors));
    let end = body.end.as_deref().map(|s| parse_instant("end", s, &mut errors));
    if !errors.is_empty() {
        return Err(AttendanceFailure::Validation(errors).into());
    }
    let record_id = id.into_inner();
    let record = deps
        .actor
        .send(super::actor::GetRecord { id: record_id })
        .await??
        .ok_or(AttendanceFailure::RecordNotFound)?;
    let (facts, _) =
        visible_employee_or(&deps, &user.0, record.employee_id, AttendanceFailure::RecordNotFound).await?;
    let notify = contact_of(&deps, facts.manager_id).await?;
    let request = deps
        .actor
        .send(FileCorrectionRequest {
            ctx: meta.event_context_by(&user.0),
            by: user.0,
            record_id,
            facts,
            proposal: Proposal {
                start: start.flatten(),
                end: end.flatten(),
                reason: body.reason,
            },
            notify,
        })
        .await??;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/attendance/correction-requests/{}", request.id),
        ))
        .json(CorrectionRequestResponse::from(&request)))
}

/// `GET /api/v1/attendance/correction-requests`
#[utoipa::path(
    get,
    path = "/api/v1/attendance/correction-requests",
    tag = "attendance",
    params(RequestQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Correction requests, newest first.", body = CorrectionRequestPage),
        (status = 404, description = "- `employee_not_found`: no employee with this id that you may see"),
        (status = 422, description = "- `validation_failed`: a parameter is malformed (`details` names each)"),
    )
)]
pub async fn list_requests(
    deps: Deps,
    user: AuthUser,
    query: web::Query<RequestQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let (employee, page) = employee_and_page(q.employee_id.as_deref(), q.limit, q.offset)
        .map_err(AttendanceFailure::Validation)?;
    let filter = match employee {
        Some(e) => {
            visible_employee(&deps, &user.0, e).await?;
            RequestFilter::Employees(vec![e])
        }
        None => match visibility(&deps, &user.0).await? {
            Visibility::All => RequestFilter::All,
            Visibility::Only(ids) => RequestFilter::Employees(ids.into_iter().collect()),
        },
    };
    let (requests, total) = deps
        .actor
        .send(ListCorrectionRequests {
            filter,
            state: q.state.map(RequestStateName::state),
            window: (page.limit, page.offset),
        })
        .await??;
    Ok(HttpResponse::Ok().json(CorrectionRequestPage {
        items: requests.iter().map(CorrectionRequestResponse::from).collect(),
        total,
        limit: page.limit,
        offset: page.offset,
    }))
}

/// `GET /api/v1/attendance/correction-requests/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/attendance/correction-requests/{id}",
    tag = "attendance",
    params(("id" = RequestId, Path, description = "The request's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The request.", body = CorrectionRequestResponse),
        (status = 404, description = "- `correction_request_not_found`: no correction request with this id that you may see"),
    )
)]
pub async fn get_request(
    deps: Deps,
    user: AuthUser,
    id: web::Path<RequestId>,
) -> Result<HttpResponse, AppError> {
    let (request, _, _) = visible_request(&deps, &user.0, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(CorrectionRequestResponse::from(&request)))
}

async fn decide(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    id: RequestId,
    decision: Decision,
) -> Result<HttpResponse, AppError> {
    let (_, facts, manages) = visible_request(&deps, &user.0, id).await?;
    let notify = contact_of(&deps, Some(facts.id)).await?;
    let (request, version) = deps
        .actor
        .send(DecideCorrectionRequest {
            ctx: meta.event_context_by(&user.0),
            by: user.0,
            id,
            facts,
            manages,
            decision,
            notify,
        })
        .await??;
    Ok(HttpResponse::Ok().json(DecisionResponse {
        request: CorrectionRequestResponse::from(&request),
        record: version.map(|(r, tz)| RecordResponse::new(&r, tz, clock::now())),
    }))
}

/// `POST /api/v1/attendance/correction-requests/{id}/approve`
#[utoipa::path(
    post,
    path = "/api/v1/attendance/correction-requests/{id}/approve",
    tag = "attendance",
    params(("id" = RequestId, Path, description = "The request's id.")),
    request_body(content = Option<ApproveRequestBody>, description = "Optional comment; the body may be empty."),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Approved: the request and the record's next version (`kind` `approved_request`, the request's reason).", body = DecisionResponse),
        (status = 403, description = "- `forbidden`: only admin, hr and the employee's managers decide\n- `cannot_decide_own_request`: nobody decides their own request"),
        (status = 404, description = "- `correction_request_not_found`: no correction request with this id that you may see"),
        (status = 409, description = "- `request_already_decided`: the request is approved or rejected already\n- `request_outdated`: the record changed since the request was made; reject it and ask again\n- `record_voided`: the record was voided\n- `period_locked`: the old or proposed interval touches a locked period\n- `overlapping_record`: the proposed interval overlaps another record"),
        (status = 422, description = "- `validation_failed`: a field is malformed\n- `reason_too_long`: the comment is longer than 1000 characters\n- `invalid_text`: the comment has control or invisible characters, or no visible one\n- `no_change`\n- `end_before_start`\n- `record_too_long`\n- `record_in_future`\n- `outside_employment`"),
    )
)]
pub async fn approve_request(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    id: web::Path<RequestId>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let comment = crate::http::optional_json::<ApproveRequestBody>(&body)?.comment;
    decide(deps, user, meta, id.into_inner(), Decision::Approve { comment }).await
}

/// `POST /api/v1/attendance/correction-requests/{id}/reject`
#[utoipa::path(
    post,
    path = "/api/v1/attendance/correction-requests/{id}/reject",
    tag = "attendance",
    params(("id" = RequestId, Path, description = "The request's id.")),
    request_body = RejectRequestBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Rejected: the record stays as it is; the employee is told.", body = DecisionResponse),
        (status = 403, description = "- `forbidden`: only admin, hr and the employee's managers decide\n- `cannot_decide_own_request`: nobody decides their own request"),
        (status = 404, description = "- `correction_request_not_found`: no correction request with this id that you may see"),
        (status = 409, description = "- `request_already_decided`: the request is approved or rejected already"),
        (status = 422, description = "- `reason_required`\n- `reason_too_long`\n- `invalid_text`"),
    )
)]
pub async fn reject_request(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    id: web::Path<RequestId>,
    body: crate::http::Json<RejectRequestBody>,
) -> Result<HttpResponse, AppError> {
    let reason = body.into_inner().reason;
    decide(deps, user, meta, id.into_inner(), Decision::Reject { reason }).await
}
