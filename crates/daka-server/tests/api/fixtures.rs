//! Attendance facts written with plain SQL, following the schema's contract (migration
//! 20261125000002); rule versions go through the store so they are audited.

use daka_store::Tenant;
use serde_json::{Value, json};

use crate::helpers::TestApp;

/// A fixed 09:00–18:00 Monday-to-Friday rule version in Shanghai, late grace 5 minutes.
pub fn office(effective_from: &str, start: &str, end: &str) -> Value {
    json!({
        "effective_from": effective_from,
        "time_zone": "Asia/Shanghai",
        "kind": "fixed",
        "workdays": ["mon", "tue", "wed", "thu", "fri"],
        "schedule": {"segments": [{"start": start, "end": end}]},
        "late": {"grace": 5, "serious": 30, "absent": 120},
        "early": {"grace": 0, "absent": 120}
    })
}

async fn exec(app: &TestApp, sql: &str, binds: &[Value]) {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = match b {
            Value::String(s) => q.bind(s.clone()),
            Value::Number(n) => q.bind(n.as_i64().expect("integer")),
            Value::Null => q.bind(None::<String>),
            other => q.bind(other.to_string()),
        };
    }
    q.execute(app.store.pool()).await.expect(sql);
}

/// A rule with its first version.
pub async fn rule(app: &TestApp, t: &Tenant, id: &str, first: Value) {
    exec(
        app,
        "INSERT INTO rules (tenant_id, id, name, created_at) VALUES ($1, $2, $3, $4)",
        &[
            json!(t.id()),
            json!(id),
            json!(format!("Rule {id}")),
            json!(0),
        ],
    )
    .await;
    version(app, t, id, 1, first).await;
}

/// Another version of a rule (a fact: never rewritten), added through the store so it is
/// audited like any change (cached rule contexts follow the audit sequence).
pub async fn version(app: &TestApp, t: &Tenant, rule: &str, n: i64, spec: Value) {
    let spec: daka_core::rule::RuleVersionSpec =
        serde_json::from_value(spec).expect("a version spec");
    let v = app
        .store
        .add_rule_version(
            t,
            &daka_store::Actor::system("fixture"),
            rule,
            &daka_store::NewVersion {
                spec,
                location: None,
            },
        )
        .await
        .expect("add a version");
    assert_eq!(v.spec.version.map(i64::from), Some(n), "version number");
}

/// The employee's default rule (`employees.rule_id`).
pub async fn default_rule(app: &TestApp, t: &Tenant, employee: &str, rule: &str) {
    exec(
        app,
        "UPDATE employees SET rule_id = $1 WHERE tenant_id = $2 AND id = $3",
        &[json!(rule), json!(t.id()), json!(employee)],
    )
    .await;
}

pub fn ms(rfc3339: &str) -> i64 {
    rfc3339
        .parse::<jiff::Timestamp>()
        .expect("an RFC 3339 instant")
        .as_millisecond()
}

/// An accepted app punch at `at` (RFC 3339), received now, with `location` sealed: its id.
pub async fn punch(
    app: &TestApp,
    t: &Tenant,
    employee: &str,
    at: &str,
    location: Option<Value>,
) -> String {
    punch_full(
        app,
        t,
        employee,
        at,
        daka_store::now_ms(),
        "accepted",
        location,
    )
    .await
}

/// A punch with every choice: receipt instant, decision and sealed location.
pub async fn punch_full(
    app: &TestApp,
    t: &Tenant,
    employee: &str,
    at: &str,
    received_at: i64,
    decision: &str,
    location: Option<Value>,
) -> String {
    let id = daka_store::new_id();
    let sealed = location.map(|l| {
        app.store
            .seal(t, "punches", &id, "location", l.to_string().as_bytes())
            .expect("seal")
    });
    let at = ms(at);
    sqlx::query(
        "INSERT INTO punches (tenant_id, id, client_id, employee_id, at, device_at, received_at, time_flag, \
         source, device_id, submitted_by, decision, review, note, photo_id, location, location_purged_at, answer) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, 'app', NULL, 'user:fixture', $8, NULL, NULL, NULL, $9, NULL, '{}')",
    )
    .bind(t.id())
    .bind(&id)
    .bind(daka_store::new_id())
    .bind(employee)
    .bind(at)
    .bind(at)
    .bind(received_at)
    .bind(decision)
    .bind(sealed)
    .execute(app.store.pool())
    .await
    .expect("insert punch");
    id
}

/// A supervisor's review of an exception punch.
pub async fn review(app: &TestApp, t: &Tenant, punch: &str, verdict: &str) {
    exec(
        app,
        "UPDATE punches SET review = $1, reviewed_by = 'user:fixture', reviewed_at = $2 \
         WHERE tenant_id = $3 AND id = $4",
        &[
            json!(verdict),
            json!(daka_store::now_ms()),
            json!(t.id()),
            json!(punch),
        ],
    )
    .await;
}

/// A photo of the employee with a sealed EXIF position, uploaded at `created_at`.
pub async fn photo(
    app: &TestApp,
    t: &Tenant,
    employee: &str,
    created_at: i64,
    position: Value,
) -> String {
    let id = daka_store::new_id();
    let sealed = app
        .store
        .seal(
            t,
            "photos",
            &id,
            "exif_position",
            position.to_string().as_bytes(),
        )
        .expect("seal");
    sqlx::query(
        "INSERT INTO photos (tenant_id, id, sha256, content_type, size_bytes, employee_id, uploaded_by, \
         exif_at, exif_position, created_at) VALUES ($1, $2, $3, 'image/jpeg', 1234, $4, 'user:fixture', NULL, $5, $6)",
    )
    .bind(t.id())
    .bind(&id)
    .bind(format!("{:064}", 7))
    .bind(employee)
    .bind(sealed)
    .bind(created_at)
    .execute(app.store.pool())
    .await
    .expect("insert photo");
    id
}
