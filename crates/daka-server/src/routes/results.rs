//! Attendance results, computed on read from the stored facts (see `docs/design.md`): day
//! results for a date range and month summaries, for the employees in the caller's scope.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use daka_core::explain::{day_json, month_json};
use daka_core::{DayResult, summarize};
use daka_store::facts::EmployeeInfo;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::results_scope::employees_for;
use crate::auth::Caller;
use crate::authz::{Action, allow};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::json::ApiQuery;
use crate::state::AppState;

/// The longest range of days one request computes.
pub const MAX_DAYS: i32 = 62;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DaysQuery {
    /// First attendance date, YYYY-MM-DD.
    pub from: String,
    /// Last attendance date (inclusive); the range covers at most 62 days.
    pub to: String,
    /// One employee (in your scope).
    pub employee_id: Option<String>,
    /// A department and every department below it (in your scope).
    pub department_id: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MonthQuery {
    /// YYYY-MM
    pub month: String,
    pub employee_id: Option<String>,
    pub department_id: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MyDaysQuery {
    pub from: String,
    pub to: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MyMonthQuery {
    /// YYYY-MM
    pub month: String,
}

#[derive(Serialize, ToSchema)]
pub struct DaysAnswer {
    pub from: String,
    pub to: String,
    /// Employee by employee (by employee number), dates ascending. Each is `daka simulate`'s day
    /// record (docs/results.md) with `employee` as `{id, employee_no, name, department_id}`.
    #[schema(value_type = Vec<Object>)]
    pub days: Vec<Value>,
}

#[derive(Serialize, ToSchema)]
pub struct MonthsAnswer {
    pub month: String,
    /// One per employee with days under a rule in the month: `daka simulate --month`'s month
    /// record with `employee` as `{id, employee_no, name, department_id}`.
    #[schema(value_type = Vec<Object>)]
    pub summaries: Vec<Value>,
}

fn date(field: &str, s: &str) -> ApiResult<Date> {
    s.trim()
        .parse()
        .map_err(|_| ApiError::invalid(field, "must be a date written YYYY-MM-DD"))
}

/// The checked range of a days request.
pub fn day_range(from: &str, to: &str) -> ApiResult<(Date, Date)> {
    let (from, to) = (date("from", from)?, date("to", to)?);
    if to < from {
        return Err(ApiError::invalid("to", "must not be before from"));
    }
    let days = from.until(to).map(|s| s.get_days()).unwrap_or(i32::MAX);
    if days >= MAX_DAYS {
        return Err(ApiError::invalid(
            "to",
            format!("the range may cover at most {MAX_DAYS} days"),
        ));
    }
    Ok((from, to))
}

/// The first and last day of `YYYY-MM`.
pub fn month_range(month: &str) -> ApiResult<(Date, Date)> {
    let m = month.trim();
    let bad = || ApiError::invalid("month", "must be a month written YYYY-MM");
    if m.len() != 7 {
        return Err(bad());
    }
    let first: Date = format!("{m}-01").parse().map_err(|_| bad())?;
    Ok((first, first.last_of_month()))
}

pub fn employee_json(e: &EmployeeInfo) -> Value {
    serde_json::json!({
        "id": e.id,
        "employee_no": e.employee_no,
        "name": e.name,
        "department_id": e.department_id,
    })
}

/// A `day_json`/`month_json` record with its `employee` id replaced by the employee object.
fn with_employee(mut record: Value, people: &HashMap<String, Value>) -> Value {
    if let Value::Object(m) = &mut record {
        let id = m
            .get("employee")
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(e) = id.and_then(|id| people.get(&id)) {
            m.insert("employee".into(), e.clone());
        }
    }
    record
}

/// Loads the facts and computes every employee-day of the range (off the async threads: a
/// large tenant's range takes a noticeable fraction of a second).
pub async fn compute(
    state: &AppState,
    caller: &Caller,
    employees: Option<Vec<String>>,
    from: Date,
    to: Date,
) -> ApiResult<(Vec<DayResult>, HashMap<String, Value>)> {
    let facts = state
        .store
        .load_facts(&caller.tenant, employees.as_deref(), from, to)
        .await?;
    let people: HashMap<String, Value> = facts
        .employees
        .iter()
        .map(|(info, _)| (info.id.clone(), employee_json(info)))
        .collect();
    let mut days = tokio::task::spawn_blocking(move || facts.compute())
        .await
        .map_err(|e| ApiError::Internal(format!("computing results: {e}")))?;
    // Days that have not begun where the rule applies are not results yet (they would read
    // as absent); today's day is kept and marked provisional by `is_provisional`.
    let now = jiff::Timestamp::from_millisecond(state.clock.now_ms())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    days.retain(|d| d.plan.date <= now.to_zoned(d.plan.version.zone.tz().clone()).date());
    Ok((days, people))
}

/// Whether `d` is still under way (today where its rule applies): its result may change.
fn is_provisional(state: &AppState, d: &DayResult) -> bool {
    let now = jiff::Timestamp::from_millisecond(state.clock.now_ms())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    d.plan.date >= now.to_zoned(d.plan.version.zone.tz().clone()).date()
}

async fn days_answer(
    state: &AppState,
    caller: &Caller,
    employees: Option<Vec<String>>,
    from: Date,
    to: Date,
) -> ApiResult<Json<DaysAnswer>> {
    let (days, people) = compute(state, caller, employees, from, to).await?;
    Ok(Json(DaysAnswer {
        from: from.to_string(),
        to: to.to_string(),
        days: days
            .iter()
            .map(|d| {
                let mut v = with_employee(day_json(d), &people);
                v["provisional"] = Value::Bool(is_provisional(state, d));
                v
            })
            .collect(),
    }))
}

async fn months_answer(
    state: &AppState,
    caller: &Caller,
    employees: Option<Vec<String>>,
    month: &str,
) -> ApiResult<Json<MonthsAnswer>> {
    let (from, to) = month_range(month)?;
    let (days, people) = compute(state, caller, employees, from, to).await?;
    Ok(Json(MonthsAnswer {
        month: month.trim().to_string(),
        summaries: summarize(&days)
            .iter()
            .map(|m| with_employee(month_json(m), &people))
            .collect(),
    }))
}

/// The caller's own employee, or nobody when their user has none.
fn own(caller: &Caller) -> Option<Vec<String>> {
    Some(
        caller
            .employee_id()
            .map(str::to_string)
            .into_iter()
            .collect(),
    )
}

/// Day results of the employees in your scope (or the one employee or department asked for).
#[utoipa::path(operation_id = "results_days", get, path = "/api/v1/results/days", tag = "results", params(DaysQuery),
    responses((status = 200, body = DaysAnswer), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn days(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<DaysQuery>,
) -> ApiResult<Json<DaysAnswer>> {
    allow(&caller, Action::ReadResults)?;
    let (from, to) = day_range(&q.from, &q.to)?;
    let employees = employees_for(
        &state,
        &caller,
        q.employee_id.as_deref(),
        q.department_id.as_deref(),
    )
    .await?;
    days_answer(&state, &caller, employees, from, to).await
}

/// Month summaries of the employees in your scope (or the one employee or department asked for).
#[utoipa::path(operation_id = "results_months", get, path = "/api/v1/results/months", tag = "results", params(MonthQuery),
    responses((status = 200, body = MonthsAnswer), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn months(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> ApiResult<Json<MonthsAnswer>> {
    allow(&caller, Action::ReadResults)?;
    month_range(&q.month)?;
    let employees = employees_for(
        &state,
        &caller,
        q.employee_id.as_deref(),
        q.department_id.as_deref(),
    )
    .await?;
    months_answer(&state, &caller, employees, &q.month).await
}

/// Your own day results (none when your user has no employee record).
#[utoipa::path(operation_id = "results_my_days", get, path = "/api/v1/me/results/days", tag = "results", params(MyDaysQuery),
    responses((status = 200, body = DaysAnswer), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn my_days(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<MyDaysQuery>,
) -> ApiResult<Json<DaysAnswer>> {
    allow(&caller, Action::ReadResults)?;
    let (from, to) = day_range(&q.from, &q.to)?;
    days_answer(&state, &caller, own(&caller), from, to).await
}

/// Your own month summary.
#[utoipa::path(operation_id = "results_my_months", get, path = "/api/v1/me/results/months", tag = "results", params(MyMonthQuery),
    responses((status = 200, body = MonthsAnswer), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn my_months(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<MyMonthQuery>,
) -> ApiResult<Json<MonthsAnswer>> {
    allow(&caller, Action::ReadResults)?;
    months_answer(&state, &caller, own(&caller), &q.month).await
}
