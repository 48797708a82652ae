//! A person's own data, all of it, as one JSON download (the right of access under PIPL and
//! GDPR): their user record (no secrets), employee record, punches with their location opened,
//! photo metadata, rule assignments, rota and attendance results.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use daka_core::explain::{day_json, month_json};
use daka_core::summarize;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::results::compute;
use crate::auth::Caller;
use crate::authz::{Action, allow};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::state::AppState;

/// Results cover at most this many months back from the current one.
const RESULT_MONTHS: i32 = 12;

#[derive(Serialize, ToSchema)]
pub struct PersonalExport {
    /// Milliseconds since the epoch.
    pub exported_at: i64,
    pub tenant_id: String,
    /// The user record, without password hash or other secrets.
    #[schema(value_type = Object)]
    pub user: Value,
    #[schema(value_type = Option<Object>)]
    pub employee: Option<Value>,
    /// Every punch, with `location` opened, or `location_purged_at` once retention removed it.
    #[schema(value_type = Vec<Object>)]
    pub punches: Vec<Value>,
    /// Photo metadata; the image itself is at `url`.
    #[schema(value_type = Vec<Object>)]
    pub photos: Vec<Value>,
    /// Own assignments and those of the employee's departments.
    #[schema(value_type = Vec<Object>)]
    pub rule_assignments: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub rota: Vec<Value>,
    /// Day results of the months with punches, the last 12 months at most.
    #[schema(value_type = Vec<Object>)]
    pub days: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub months: Vec<Value>,
}

fn values<T: Serialize>(items: &[T]) -> Vec<Value> {
    items
        .iter()
        .filter_map(|i| serde_json::to_value(i).ok())
        .collect()
}

/// The first days of the months (in `tz`) with a punch at one of `instants`, among the last
/// [`RESULT_MONTHS`] months.
fn punch_months(instants: &[i64], tz: &TimeZone) -> BTreeSet<Date> {
    let now = Timestamp::now()
        .to_zoned(tz.clone())
        .date()
        .first_of_month();
    let oldest = now.checked_sub((RESULT_MONTHS - 1).months()).unwrap_or(now);
    instants
        .iter()
        .filter_map(|ms| Timestamp::from_millisecond(*ms).ok())
        .map(|ts| ts.to_zoned(tz.clone()).date().first_of_month())
        .filter(|m| (oldest..=now).contains(m))
        .collect()
}

/// Everything stored about you, as a JSON file to download.
#[utoipa::path(operation_id = "privacy_export", get, path = "/api/v1/me/export", tag = "privacy",
    responses((status = 200, body = PersonalExport, description = "Sent as an attachment"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn export(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    allow(&caller, Action::Own)?;
    let store = &state.store;
    let t = &caller.tenant;
    let user_id = caller.user_id().ok_or(ApiError::Unauthorized)?;
    let user = store.user(t, user_id).await?;
    let mut doc = PersonalExport {
        exported_at: daka_store::now_ms(),
        tenant_id: t.id().to_string(),
        user: serde_json::to_value(&user).map_err(|e| ApiError::Internal(e.to_string()))?,
        employee: None,
        punches: Vec::new(),
        photos: Vec::new(),
        rule_assignments: Vec::new(),
        rota: Vec::new(),
        days: Vec::new(),
        months: Vec::new(),
    };
    if let Some(eid) = &user.employee_id {
        let e = store.employee(t, eid).await?;
        let punches = store.personal_punches(t, eid).await?;
        let photos = store.personal_photos(t, eid).await?;
        doc.photos = values(&photos);
        for (p, v) in photos.iter().zip(doc.photos.iter_mut()) {
            if let Value::Object(m) = v {
                m.insert("url".into(), format!("/api/v1/photos/{}", p.id).into());
            }
        }
        let assignments = store
            .personal_assignments(t, eid, e.department_id.as_deref())
            .await?;
        doc.rule_assignments = values(&assignments);
        doc.rota = values(&store.personal_rota(t, eid).await?);

        let tz = TimeZone::get(&e.time_zone).unwrap_or(TimeZone::UTC);
        let at: Vec<i64> = punches.iter().map(|p| p.at).collect();
        let months = punch_months(&at, &tz);
        if let (Some(first), Some(last)) = (months.first(), months.last()) {
            let (days, _) = compute(
                &state,
                &caller,
                Some(vec![eid.clone()]),
                *first,
                last.last_of_month(),
            )
            .await?;
            let days: Vec<_> = days
                .into_iter()
                .filter(|d| months.contains(&d.plan.date.first_of_month()))
                .collect();
            doc.days = days.iter().map(day_json).collect();
            doc.months = summarize(&days).iter().map(month_json).collect();
        }
        doc.punches = values(&punches);
        doc.employee = serde_json::to_value(&e).ok();
    }
    let body = serde_json::to_vec_pretty(&doc).map_err(|e| ApiError::Internal(e.to_string()))?;
    let disposition = format!("attachment; filename=\"daka-export-{}.json\"", user.id);
    Ok((
        [
            (CONTENT_TYPE, "application/json".to_string()),
            (CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}
