//! Which rule applies to whom from when: assignments (admins write; supervisors, auditors and
//! admins read) and an employee's rule in force on a date (also the employee themselves and
//! their supervisors).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daka_store::{Assignment, AssignmentTarget, Source};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::rules::version_body;
use crate::auth::Caller;
use crate::authz::{Action, allow, employee_scope};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::{ApiJson, ApiQuery};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct AssignmentDto {
    pub id: String,
    pub rule_id: String,
    /// Exactly one of employee_id and department_id is set.
    pub employee_id: Option<String>,
    pub department_id: Option<String>,
    /// YYYY-MM-DD: the first attendance date it is in force.
    pub effective_from: String,
    pub created_at: i64,
}

impl From<Assignment> for AssignmentDto {
    fn from(a: Assignment) -> Self {
        Self {
            id: a.id,
            rule_id: a.rule_id,
            employee_id: a.employee_id,
            department_id: a.department_id,
            effective_from: a.effective_from,
            created_at: a.created_at,
        }
    }
}

/// Give exactly one of employee_id and department_id.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssignment {
    pub employee_id: Option<String>,
    pub department_id: Option<String>,
    /// YYYY-MM-DD
    pub effective_from: String,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AssignmentQuery {
    pub employee_id: Option<String>,
    pub department_id: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DateQuery {
    /// YYYY-MM-DD
    pub date: String,
}

#[derive(Serialize, ToSchema)]
pub struct RuleInForceDto {
    pub employee_id: String,
    pub date: String,
    /// `own` (the employee's assignment), `department` (of their department or the nearest
    /// ancestor with one), `default` (the employee's rule_id) or `none`.
    pub source: String,
    pub rule_id: Option<String>,
    pub rule_name: Option<String>,
    pub assignment_id: Option<String>,
    pub department_id: Option<String>,
    /// The assignment's effective_from.
    pub assigned_from: Option<String>,
    /// The rule's version in force on the date (null when none is yet).
    #[schema(value_type = Option<Object>)]
    pub version: Option<Value>,
}

#[utoipa::path(operation_id = "rules_assign", post, path = "/api/v1/rules/{id}/assignments", tag = "rules", params(("id" = String, Path)), request_body = NewAssignment,
    responses((status = 201, body = AssignmentDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewAssignment>,
) -> ApiResult<(StatusCode, Json<AssignmentDto>)> {
    state.store.rule(&caller.tenant, &id).await?;
    allow(&caller, Action::WriteRules)?;
    let target = match (body.employee_id, body.department_id) {
        (Some(e), None) => AssignmentTarget::Employee(e),
        (None, Some(d)) => AssignmentTarget::Department(d),
        _ => {
            return Err(ApiError::invalid(
                "employee_id",
                "give exactly one of employee_id and department_id",
            ));
        }
    };
    let a = state
        .store
        .assign_rule(
            &caller.tenant,
            &caller.actor,
            &id,
            &target,
            &body.effective_from,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}

#[utoipa::path(operation_id = "rule_assignments_list", get, path = "/api/v1/rule-assignments", tag = "rules", params(AssignmentQuery),
    responses((status = 200, body = Vec<AssignmentDto>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AssignmentQuery>,
) -> ApiResult<Json<Vec<AssignmentDto>>> {
    allow(&caller, Action::ReadRules)?;
    let all = state
        .store
        .rule_assignments(
            &caller.tenant,
            q.employee_id.as_deref(),
            q.department_id.as_deref(),
        )
        .await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

#[utoipa::path(operation_id = "rule_assignments_delete", delete, path = "/api/v1/rule-assignments/{id}", tag = "rules", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.store.rule_assignment(&caller.tenant, &id).await?;
    allow(&caller, Action::WriteRules)?;
    state
        .store
        .delete_rule_assignment(&caller.tenant, &caller.actor, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The rule in force for the employee on the date, and why.
#[utoipa::path(operation_id = "employees_rule", get, path = "/api/v1/employees/{id}/rule", tag = "rules", params(("id" = String, Path), DateQuery),
    responses((status = 200, body = RuleInForceDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn in_force(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DateQuery>,
) -> ApiResult<Json<RuleInForceDto>> {
    let e = state.store.employee(&caller.tenant, &id).await?;
    allow(&caller, Action::ReadSchedule)?;
    if !employee_scope(&state, &caller)
        .await?
        .covers(&e.id, e.department_id.as_deref())
    {
        return Err(ApiError::forbidden("this employee is outside your scope"));
    }
    let date = q.date.trim().to_string();
    let f = state
        .store
        .rule_in_force_explained(&caller.tenant, &id, &date)
        .await?;
    let mut out = RuleInForceDto {
        employee_id: id,
        date: date.clone(),
        source: "none".into(),
        rule_id: None,
        rule_name: None,
        assignment_id: None,
        department_id: None,
        assigned_from: None,
        version: None,
    };
    let Some(f) = f else { return Ok(Json(out)) };
    out.source = match f.source {
        Source::Own => "own",
        Source::Department => "department",
        Source::Default => "default",
    }
    .into();
    out.assignment_id = f.assignment_id;
    out.department_id = f.department_id;
    out.assigned_from = f.assigned_from;
    // A default rule id that names no rule (employees.rule_id has no foreign key) is shown as is.
    match state.store.rule(&caller.tenant, &f.rule_id).await {
        Ok(rule) => {
            out.version = rule
                .versions
                .iter()
                .filter(|v| v.spec.effective_from.to_string() <= date)
                .max_by_key(|v| v.spec.effective_from)
                .map(version_body::dto);
            out.rule_name = Some(rule.name);
        }
        Err(daka_store::StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    out.rule_id = Some(f.rule_id);
    Ok(Json(out))
}
