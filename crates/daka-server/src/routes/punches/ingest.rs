//! The punch pipeline shared by the single and the batch route: check each item, find the
//! punches already recorded (a retry replays the first answer), judge the rest in device-time
//! order against the employee's rule and sites, and store the new ones in one transaction.

use std::collections::HashMap;
use std::net::IpAddr;

use daka_core::site::{BeaconSeen, PunchObservation, WifiSeen};
use daka_store::punches::{EmployeeContext, Inserted, NewPunch, Recorded};
use daka_store::users::Role;
use serde::Deserialize;
use utoipa::ToSchema;

use super::judge::{Judge, judge_one};
use super::observe::{PositionIn, observation};
use super::time::{PunchTime, judge};
use crate::auth::caller::{Caller, Principal, Via};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Longest note, in characters.
const MAX_NOTE: usize = 500;

/// How the punch was made.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    App,
    Web,
    Terminal,
    Kiosk,
    Api,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::App => "app",
            Source::Web => "web",
            Source::Terminal => "terminal",
            Source::Kiosk => "kiosk",
            Source::Api => "api",
        }
    }
}

/// One punch as a client sends it.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PunchItem {
    /// The client's UUID for this punch: a retry with the same id is answered with the first
    /// answer and stores nothing.
    pub id: String,
    /// Whose punch (devices and admins); omitted: the caller's own employee.
    pub employee_id: Option<String>,
    /// RFC 3339 with an offset, e.g. `2026-03-02T09:07:00+08:00`.
    pub device_time: String,
    /// Queued on the device while offline (its time is kept within the sync window).
    #[serde(default)]
    pub offline: bool,
    /// app | web | terminal | kiosk | api; default: terminal for devices, api for tokens,
    /// web for sessions.
    pub source: Option<Source>,
    pub position: Option<PositionIn>,
    /// `[{"bssid", "ssid"?, "rssi"?}]`
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub wifi: Vec<WifiSeen>,
    /// `[{"uuid", "major", "minor", "rssi"?}]`
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub beacons: Vec<BeaconSeen>,
    #[serde(default)]
    pub mock_location: bool,
    /// Up to 500 characters (required for field work when the rule says so).
    pub note: Option<String>,
    /// A photo uploaded earlier for the same employee.
    pub photo_id: Option<String>,
}

/// What became of one item; an answer is its stored JSON text (sent as it is, never re-encoded).
pub enum Outcome {
    Created(String),
    Replayed(String),
    Failed(ApiError),
}

/// An item that passed the checks that need no database.
pub struct Ready {
    pub index: usize,
    pub client_id: String,
    pub employee_id: String,
    pub item: PunchItem,
    pub time: PunchTime,
    pub obs: PunchObservation,
}

/// Whose punch this is, for this caller.
fn whose(caller: &Caller, requested: Option<String>) -> ApiResult<String> {
    let requested = requested
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    match &caller.principal {
        Principal::Device { .. } => requested.ok_or_else(|| {
            ApiError::invalid("employee_id", "a device must say whose punch this is")
        }),
        Principal::User {
            role, employee_id, ..
        } => {
            // Admins record punches for others (integrations with an admin API token, or a
            // clerk at the web console); everyone else punches only for themselves.
            let anyone = *role == Role::Admin;
            match (requested, employee_id) {
                (Some(r), _) if anyone => Ok(r),
                (None, Some(own)) => Ok(own.clone()),
                (Some(r), Some(own)) if r == *own => Ok(r),
                (Some(_), _) => Err(ApiError::forbidden(
                    "you may punch only for yourself (devices and admins punch for others)",
                )),
                (None, None) if anyone => Err(ApiError::invalid(
                    "employee_id",
                    "required: your account is not linked to an employee",
                )),
                (None, None) => Err(ApiError::forbidden(
                    "your account is not linked to an employee",
                )),
            }
        }
    }
}

fn default_source(caller: &Caller) -> Source {
    match caller.via {
        Via::Device => Source::Terminal,
        Via::Token { .. } => Source::Api,
        Via::Session => Source::Web,
    }
}

/// The checks of one item that need no database.
pub fn ready(
    state: &AppState,
    caller: &Caller,
    ip: Option<IpAddr>,
    received: i64,
    index: usize,
    mut item: PunchItem,
) -> ApiResult<Ready> {
    let client_id = uuid::Uuid::parse_str(item.id.trim())
        .map_err(|_| ApiError::invalid("id", "must be a UUID chosen by the client"))?
        .hyphenated()
        .to_string();
    let device = item
        .device_time
        .trim()
        .parse::<jiff::Timestamp>()
        .map_err(|e| {
            ApiError::invalid(
                "device_time",
                format!("must be RFC 3339 with an offset, e.g. 2026-03-02T09:07:00+08:00: {e}"),
            )
        })?
        .as_millisecond();
    item.note = item
        .note
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    if item
        .note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE)
    {
        return Err(ApiError::invalid(
            "note",
            format!("must be at most {MAX_NOTE} characters"),
        ));
    }
    item.photo_id = item
        .photo_id
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty());
    let employee_id = whose(caller, item.employee_id.take())?;
    let obs = observation(
        item.position.as_ref(),
        &item.wifi,
        &item.beacons,
        ip,
        item.mock_location,
    )?;
    let time = judge(
        device,
        received,
        item.offline,
        state.config.punch_max_skew,
        state.config.punch_sync_window_hours,
    );
    if item.source.is_none() {
        item.source = Some(default_source(caller));
    }
    Ok(Ready {
        index,
        client_id,
        employee_id,
        item,
        time,
        obs,
    })
}

/// The first answer for a retried id, or a conflict when the id was another employee's.
fn replay(rec: &Recorded, employee_id: &str) -> Outcome {
    if rec.employee_id != employee_id {
        return Outcome::Failed(ApiError::Conflict {
            field: "id".into(),
            message: "this id was already used for another employee's punch".into(),
        });
    }
    Outcome::Replayed(rec.answer.clone())
}

fn utc_date(ms: i64) -> jiff::civil::Date {
    jiff::Timestamp::from_millisecond(ms)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

/// Runs the pipeline over parsed items (or their parse errors), answering each in order.
pub async fn ingest(
    state: &AppState,
    caller: &Caller,
    ip: Option<IpAddr>,
    received: i64,
    items: Vec<ApiResult<PunchItem>>,
) -> ApiResult<Vec<Outcome>> {
    let t = &caller.tenant;
    let mut out: Vec<Option<Outcome>> = (0..items.len()).map(|_| None).collect();
    let mut todo: Vec<Ready> = Vec::new();
    for (i, it) in items.into_iter().enumerate() {
        match it.and_then(|item| ready(state, caller, ip, received, i, item)) {
            Ok(r) => todo.push(r),
            Err(e) => out[i] = Some(Outcome::Failed(e)),
        }
    }

    // A batch (an offline sync, maybe replayed) looks its ids up first, so a replay is
    // answered without judging. A single punch goes straight to judging: a retry meets its
    // first answer at the insert (ON CONFLICT), or below if judging it again fails.
    let prechecked = todo.len() > 1;
    let recorded = if prechecked {
        let ids: Vec<String> = todo.iter().map(|r| r.client_id.clone()).collect();
        state.store.recorded_punches(t, &ids).await?
    } else {
        HashMap::new()
    };
    todo.retain(|r| match recorded.get(&r.client_id) {
        Some(rec) => {
            out[r.index] = Some(replay(rec, &r.employee_id));
            false
        }
        None => true,
    });
    // Device-time order, so each answer's placement sees the batch's earlier punches.
    todo.sort_by_key(|r| (r.time.used, r.index));

    let mut contexts: HashMap<String, Option<EmployeeContext>> = HashMap::new();
    let mut ranges: HashMap<&str, (i64, i64)> = HashMap::new();
    for r in &todo {
        let e = ranges
            .entry(&r.employee_id)
            .or_insert((r.time.used, r.time.used));
        e.0 = e.0.min(r.time.used);
        e.1 = e.1.max(r.time.used);
    }
    // A batch's employees are looked up together (on PostgreSQL, on several connections),
    // under one rule context.
    let rules = state.store.rule_context(t).await?;
    let lookups = ranges.into_iter().map(|(emp, (lo, hi))| {
        let rules = rules.clone();
        async move {
            // UTC dates a day either side hold every local date of these instants.
            let from = utc_date(lo).yesterday().unwrap_or(utc_date(lo));
            let to = utc_date(hi).tomorrow().unwrap_or(utc_date(hi));
            let ctx = state
                .store
                .employee_context(t, rules, emp, from, to)
                .await?;
            Ok::<_, ApiError>((emp.to_string(), ctx))
        }
    });
    contexts.extend(futures_util::future::try_join_all(lookups).await?);

    let mut judge = Judge::new(state, caller);
    let mut fresh: Vec<usize> = Vec::new();
    let mut rows: Vec<NewPunch> = Vec::new();
    let mut first: HashMap<String, (usize, String)> = HashMap::new();
    let mut dups: Vec<(usize, String, String)> = Vec::new();
    let mut refused: Vec<(usize, String, String)> = Vec::new();
    for r in todo {
        if first.contains_key(&r.client_id) {
            dups.push((r.index, r.client_id, r.employee_id));
            continue;
        }
        first.insert(r.client_id.clone(), (r.index, r.employee_id.clone()));
        let judged = match contexts.get_mut(&r.employee_id) {
            Some(Some(ctx)) => judge_one(&mut judge, ctx, &r).await,
            _ => Err(ApiError::invalid(
                "employee_id",
                "no such employee in this tenant",
            )),
        };
        match judged {
            Ok(row) => {
                fresh.push(r.index);
                rows.push(row);
            }
            Err(ApiError::Internal(m)) => return Err(ApiError::Internal(m)),
            Err(e) => {
                if !prechecked {
                    refused.push((r.index, r.client_id.clone(), r.employee_id.clone()));
                }
                out[r.index] = Some(Outcome::Failed(e));
            }
        }
    }
    // A retry judged differently now (say, its photo since deleted) still gets its first answer.
    if !refused.is_empty() {
        let ids: Vec<String> = refused.iter().map(|(_, c, _)| c.clone()).collect();
        let recorded = state.store.recorded_punches(t, &ids).await?;
        for (index, client_id, emp) in refused {
            if let Some(rec) = recorded.get(&client_id) {
                out[index] = Some(replay(rec, &emp));
            }
        }
    }

    let kept: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.employee_id.clone(), r.answer.clone()))
        .collect();
    let inserted = if rows.is_empty() {
        Vec::new()
    } else {
        state.store.insert_punches(t, rows).await?
    };
    for ((index, ins), (emp, answer)) in fresh.into_iter().zip(inserted).zip(kept) {
        out[index] = Some(match ins {
            Inserted::New => Outcome::Created(answer),
            Inserted::Existing(rec) => replay(&rec, &emp),
        });
    }
    // The same id twice in one batch: the later one is a retry of the earlier.
    for (index, client_id, emp) in dups {
        let earlier = first
            .get(&client_id)
            .and_then(|(i, e)| Some((out[*i].as_ref()?, e)));
        out[index] = Some(match earlier {
            Some((Outcome::Created(a) | Outcome::Replayed(a), earlier_emp)) => replay(
                &Recorded {
                    employee_id: earlier_emp.clone(),
                    answer: a.clone(),
                },
                &emp,
            ),
            _ => Outcome::Failed(ApiError::Conflict {
                field: "id".into(),
                message: "this id appears earlier in the batch, and that punch was not stored"
                    .into(),
            }),
        });
    }
    Ok(out
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Outcome::Failed(ApiError::Internal("unanswered".into()))))
        .collect())
}
