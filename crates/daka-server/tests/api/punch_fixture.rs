//! Rules, sites, photos and punches for the punch stories. Rules are written with plain SQL
//! (the rules API is another area's): `rules`, `rule_versions` (spec = RuleVersionSpec JSON
//! with `version`, location = LocationPolicy JSON over `sites.num`), `employees.rule_id`.

use daka_store::Tenant;
use jiff::ToSpan;
use jiff::civil::Date;
use serde_json::{Value, json};

use crate::helpers::{Auth, TestApp, World};

/// WGS-84 test point (the reference's) and its GCJ-02 form.
pub const WGS: (f64, f64) = (39.915, 116.404);
pub const GCJ: (f64, f64) = (39.91640428150164, 116.41024449916938);

/// A point `m` metres north of `p`.
pub fn north(p: (f64, f64), m: f64) -> (f64, f64) {
    (p.0 + m / 111_320.0, p.1)
}

pub fn position(p: (f64, f64), system: &str, accuracy_m: f64) -> Value {
    json!({"lat": p.0, "lng": p.1, "system": system, "accuracy_m": accuracy_m})
}

/// Every day a workday (no national calendar), 09:00-18:00 in Shanghai, grace 5.
pub fn office_spec() -> Value {
    json!({"version": 1, "effective_from": "2020-01-01", "time_zone": "Asia/Shanghai", "kind": "fixed",
        "workdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "follow_national_calendar": false,
        "late": {"grace": 5}, "schedule": {"segments": [{"start": "09:00", "end": "18:00"}]}})
}

/// Every day a night shift 22:00-06:00+1 in Shanghai.
pub fn night_spec() -> Value {
    json!({"version": 1, "effective_from": "2020-01-01", "time_zone": "Asia/Shanghai", "kind": "fixed",
        "workdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "follow_national_calendar": false,
        "late": {"grace": 5}, "schedule": {"segments": [{"start": "22:00", "end": "06:00+1"}]}})
}

/// A rule with one version, assigned to `employees` through `employees.rule_id`.
pub async fn rule(
    app: &TestApp,
    t: &Tenant,
    name: &str,
    spec: Value,
    location: Option<Value>,
    employees: &[&str],
) -> String {
    let pool = app.store.pool();
    let id = daka_store::new_id();
    let now = daka_store::now_ms();
    sqlx::query("INSERT INTO rules (tenant_id, id, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(t.id())
        .bind(&id)
        .bind(name)
        .bind(now)
        .execute(pool)
        .await
        .expect("insert rule");
    sqlx::query(
        "INSERT INTO rule_versions (tenant_id, rule_id, version, effective_from, spec, location, created_at) \
         VALUES ($1, $2, 1, $3, $4, $5, $6)",
    )
    .bind(t.id())
    .bind(&id)
    .bind(spec["effective_from"].as_str().expect("effective_from"))
    .bind(spec.to_string())
    .bind(location.map(|l| l.to_string()))
    .bind(now)
    .execute(pool)
    .await
    .expect("insert rule version");
    for e in employees {
        sqlx::query("UPDATE employees SET rule_id = $1 WHERE tenant_id = $2 AND id = $3")
            .bind(&id)
            .bind(t.id())
            .bind(*e)
            .execute(pool)
            .await
            .expect("assign rule");
    }
    id
}

/// A site made through the API: (id, num).
pub async fn site(app: &TestApp, admin: &Auth, body: Value) -> (String, i64) {
    let r = app.post(admin, "/api/v1/sites", &body).await;
    assert_eq!(r.status, 201, "create site: {}", r.text);
    let v = r.json();
    (
        v["id"].as_str().expect("id").to_string(),
        v["num"].as_i64().expect("num"),
    )
}

/// A 200 m circle around [`WGS`], given in WGS-84.
pub fn office_site(name: &str) -> Value {
    json!({"name": name, "fences": [{"system": "wgs84",
        "shape": {"kind": "circle", "center": {"lat": WGS.0, "lng": WGS.1}, "radius_m": 200.0}}]})
}

/// A photo row of `employee` with EXIF time and (sealed) position.
pub async fn photo(
    app: &TestApp,
    t: &Tenant,
    employee: &str,
    exif_at: Option<i64>,
    pos: Option<(f64, f64)>,
) -> String {
    let id = daka_store::new_id();
    let sealed = pos.map(|p| {
        app.store
            .seal(
                t,
                "photos",
                &id,
                "exif_position",
                json!({"lat": p.0, "lng": p.1}).to_string().as_bytes(),
            )
            .expect("seal")
    });
    sqlx::query(
        "INSERT INTO photos (tenant_id, id, sha256, content_type, size_bytes, employee_id, uploaded_by, \
         exif_at, exif_position, created_at) VALUES ($1, $2, $3, 'image/jpeg', 1, $4, 'test', $5, $6, $7)",
    )
    .bind(t.id())
    .bind(&id)
    .bind(format!("{:064}", 0))
    .bind(employee)
    .bind(exif_at)
    .bind(sealed)
    .bind(daka_store::now_ms())
    .execute(app.store.pool())
    .await
    .expect("insert photo");
    id
}

pub fn uuid() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Today in Shanghai, shifted by `days`.
pub fn shanghai_day(days: i64) -> Date {
    jiff::Zoned::now()
        .with_time_zone(jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone"))
        .date()
        .checked_add(days.days())
        .expect("date")
}

/// `date` at `hh:mm` in Shanghai, RFC 3339.
pub fn at_shanghai(date: Date, hm: &str) -> String {
    format!("{date}T{hm}:00+08:00")
}

/// An instant `offset_s` from now, RFC 3339.
pub fn now_plus(offset_s: i64) -> String {
    (jiff::Timestamp::now() + offset_s.seconds()).to_string()
}

/// Rows stored for an employee.
pub async fn count_punches(app: &TestApp, t: &Tenant, employee: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM punches WHERE tenant_id = $1 AND employee_id = $2")
        .bind(t.id())
        .bind(employee)
        .fetch_one(app.store.pool())
        .await
        .expect("count")
}

/// The answer without the `replayed` flag.
pub fn stored(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.remove("replayed");
    }
    v
}

/// An exception punch of E1 stored directly (for the route table's read and review rows).
pub async fn pending_exception(app: &TestApp, w: &World) -> String {
    let id = daka_store::new_id();
    app.store
        .insert_punches(
            &w.tenant,
            vec![daka_store::punches::NewPunch {
                id: id.clone(),
                client_id: uuid(),
                employee_id: w.e1.clone(),
                at: daka_store::now_ms(),
                device_at: None,
                received_at: daka_store::now_ms(),
                time_flag: None,
                source: "api".into(),
                device_id: None,
                submitted_by: "test".into(),
                decision: "exception".into(),
                note: None,
                photo_id: None,
                location: None,
                answer: "{}".into(),
            }],
        )
        .await
        .expect("insert punch");
    id
}
