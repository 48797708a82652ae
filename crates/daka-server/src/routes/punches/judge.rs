//! Judging one punch: its rule's location policy over the rule's sites, the photo and note
//! field work needs, and where it lands in attendance. Builds the row to store and its answer.

use std::collections::HashMap;
use std::sync::Arc;

use daka_core::placement::locate;
use daka_core::site::{Decision, LocationPolicy, evaluate};
use daka_store::new_id;
use daka_store::punches::{EmployeeContext, NewPunch};
use serde_json::{Value, json};

use super::answer::{Answer, scrub_verdict};
use super::ingest::Ready;
use super::observe::sealed_json;
use super::photo::photo_flags;
use crate::auth::caller::{Caller, Principal};
use crate::error::{ApiError, ApiResult};
use crate::routes::sites::config::{Judged, judged, map_site_ids};
use crate::state::AppState;

/// Per request: the caller and the sites already loaded (a batch's punches share them).
pub struct Judge<'a> {
    state: &'a AppState,
    caller: &'a Caller,
    sites: HashMap<Vec<i64>, Arc<Judged>>,
}

impl<'a> Judge<'a> {
    pub fn new(state: &'a AppState, caller: &'a Caller) -> Self {
        Self {
            state,
            caller,
            sites: HashMap::new(),
        }
    }

    async fn sites_for(&mut self, policy: &LocationPolicy, seq: i64) -> ApiResult<Arc<Judged>> {
        let mut nums: Vec<i64> = policy
            .sites
            .iter()
            .filter_map(|s| i64::try_from(s.0).ok())
            .collect();
        nums.sort_unstable();
        nums.dedup();
        if let Some(j) = self.sites.get(&nums) {
            return Ok(j.clone());
        }
        let tenant = self.caller.tenant.id();
        let j = match self.state.sites.get(tenant, &nums, seq) {
            Some(j) => j,
            None => {
                let rows = self
                    .state
                    .store
                    .sites_numbered(&self.caller.tenant, &nums)
                    .await?;
                let j = Arc::new(judged(&rows)?);
                self.state.sites.put(tenant, nums.clone(), seq, j.clone());
                j
            }
        };
        self.sites.insert(nums, j.clone());
        Ok(j)
    }
}

fn internal(what: &str) -> impl Fn(String) -> ApiError + '_ {
    move |e| ApiError::Internal(format!("{what}: {e}"))
}

/// The photo's flags; 422 on `photo_id` when it is not this employee's photo in this tenant.
async fn photo(j: &Judge<'_>, r: &Ready, photo_id: &str) -> ApiResult<Value> {
    let t = &j.caller.tenant;
    let p = j
        .state
        .store
        .punch_photo(t, photo_id)
        .await?
        .filter(|p| p.employee_id.as_deref() == Some(r.employee_id.as_str()))
        .ok_or_else(|| ApiError::invalid("photo_id", "no photo of this employee has this id"))?;
    let exif_pos = match &p.exif_position {
        None => None,
        Some(blob) => {
            let plain = j
                .state
                .store
                .open_sealed(t, "photos", photo_id, "exif_position", blob)?;
            let v: Value = serde_json::from_slice(&plain)
                .map_err(|e| internal("photo position")(e.to_string()))?;
            v["lat"].as_f64().zip(v["lng"].as_f64())
        }
    };
    let punch_pos = r.obs.position.map(|p| (p.point().lat, p.point().lng));
    let flags = photo_flags(p.exif_at, exif_pos, r.time.used, punch_pos);
    Ok(json!({"id": photo_id, "flags": flags}))
}

fn decision_name(d: &Decision) -> &'static str {
    match d {
        Decision::Accepted => "accepted",
        Decision::Exception => "exception",
        Decision::FieldWork { .. } => "field_work",
        Decision::Refused => "refused",
    }
}

/// Judges one ready punch and, when it counts, adds it to the employee's facts so later
/// punches of the same batch see it.
pub async fn judge_one(
    j: &mut Judge<'_>,
    ctx: &mut EmployeeContext,
    r: &Ready,
) -> ApiResult<NewPunch> {
    let tz = jiff::tz::TimeZone::get(&ctx.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let used = jiff::Timestamp::from_millisecond(r.time.used)
        .map_err(|e| ApiError::invalid("device_time", e.to_string()))?;
    let date = used.to_zoned(tz).date();
    let second = r.time.used.div_euclid(1000);

    let policy = ctx
        .location_on(date)
        .map(serde_json::from_str::<LocationPolicy>)
        .transpose()
        .map_err(|e| internal("stored location policy")(e.to_string()))?;
    let (decision, location) = match &policy {
        None => ("accepted", Value::Null),
        Some(p) => {
            let sites = j.sites_for(p, ctx.rules.seq).await?;
            let verdict = evaluate(p, &sites.index, &sites.sites, &r.obs);
            if let Decision::FieldWork {
                needs_photo,
                needs_note,
            } = verdict.decision
            {
                if needs_photo && r.item.photo_id.is_none() {
                    return Err(ApiError::invalid(
                        "photo_id",
                        "field work (outside every allowed site) needs a photo",
                    ));
                }
                if needs_note && r.item.note.is_none() {
                    return Err(ApiError::invalid(
                        "note",
                        "field work (outside every allowed site) needs a note saying why",
                    ));
                }
            }
            let mut v =
                serde_json::to_value(&verdict).map_err(|e| internal("verdict")(e.to_string()))?;
            map_site_ids(&mut v, &sites.ids);
            scrub_verdict(&mut v, r.obs.ip);
            (decision_name(&verdict.decision), v)
        }
    };
    let photo = match &r.item.photo_id {
        Some(p) => photo(j, r, p).await?,
        None => Value::Null,
    };

    let counts = matches!(decision, "accepted" | "field_work");
    let attendance = match decision {
        "refused" => Value::Null,
        _ => {
            ctx.add_punch(second);
            let mut placed = locate(&ctx.days_around(date), second).unwrap_or(Value::Null);
            if !counts {
                // An exception counts only once approved: show where it would land.
                ctx.facts.punches.pop();
                if let Value::Object(m) = &mut placed {
                    m.insert("if_approved".into(), Value::Bool(true));
                }
            }
            placed
        }
    };

    let id = new_id();
    let (device_id, submitted_by) = match &j.caller.principal {
        Principal::Device { id } => (Some(id.clone()), format!("device:{id}")),
        Principal::User { id, .. } => (None, format!("user:{id}")),
    };
    let answer = Answer {
        id: &id,
        client_id: &r.client_id,
        employee_id: &r.employee_id,
        time: &r.time,
        decision,
        counts,
        location,
        attendance,
        photo,
    }
    .json();
    let sealed = sealed_json(r.item.position.as_ref(), &r.obs).to_string();
    let t = &j.caller.tenant;
    let location = j
        .state
        .store
        .seal(t, "punches", &id, "location", sealed.as_bytes())?;
    let row = NewPunch {
        id,
        client_id: r.client_id.clone(),
        employee_id: r.employee_id.clone(),
        at: r.time.used,
        device_at: Some(r.time.device),
        received_at: r.time.received,
        time_flag: r.time.flag.map(str::to_string),
        source: r
            .item
            .source
            .map(|s| s.as_str())
            .unwrap_or("api")
            .to_string(),
        device_id,
        submitted_by,
        decision: decision.to_string(),
        note: r.item.note.clone(),
        photo_id: r.item.photo_id.clone(),
        location: Some(location),
        answer: answer.to_string(),
    };
    Ok(row)
}
