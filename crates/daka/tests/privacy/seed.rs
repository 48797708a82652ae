//! Facts written straight into the data directory's database (plain SQL following the schema's
//! contract), so these tests need no rules or punch API.

use daka_store::{Actor, EmployeeInput, Store, Tenant};
use serde_json::{Value, json};

pub async fn employee(
    s: &Store,
    t: &Tenant,
    no: &str,
    department: Option<&str>,
    rule: Option<&str>,
) -> String {
    let input = EmployeeInput {
        employee_no: no.into(),
        name: format!("Person {no}"),
        department_id: department.map(str::to_string),
        manager_id: None,
        time_zone: "Asia/Shanghai".into(),
        active_from: None,
        active_to: None,
        rule_id: None,
    };
    let id = s
        .create_employee(t, &Actor::system("test"), &input)
        .await
        .unwrap()
        .id;
    if let Some(r) = rule {
        sql(
            s,
            "UPDATE employees SET rule_id = $1 WHERE tenant_id = $2 AND id = $3",
            &[r, t.id(), &id],
        )
        .await;
    }
    id
}

pub async fn sql(s: &Store, text: &str, binds: &[&str]) {
    let mut q = sqlx::query(text);
    for b in binds {
        q = q.bind(b.to_string());
    }
    q.execute(s.pool())
        .await
        .unwrap_or_else(|e| panic!("{text}: {e}"));
}

/// A fixed Monday-to-Friday version in Shanghai.
pub fn fixed(from: &str, start: &str, end: &str) -> Value {
    json!({
        "effective_from": from, "time_zone": "Asia/Shanghai", "kind": "fixed",
        "workdays": ["mon", "tue", "wed", "thu", "fri"],
        "schedule": {"segments": [{"start": start, "end": end}], "break": ["12:00", "13:00"]},
        "late": {"grace": 5, "serious": 30, "absent": 120}, "early": {"grace": 0, "absent": 120},
        "overtime": {"start_delay": 30, "minimum": 30, "unit": 30}
    })
}

/// A rule with its versions (numbered from 1).
pub async fn rule(s: &Store, t: &Tenant, id: &str, versions: &[Value]) {
    sql(
        s,
        "INSERT INTO rules (tenant_id, id, name, created_at) VALUES ($1, $2, $3, 0)",
        &[t.id(), id, &format!("Rule {id}")],
    )
    .await;
    for (i, v) in versions.iter().enumerate() {
        let mut v = v.clone();
        v["version"] = json!(i + 1);
        sqlx::query(
            "INSERT INTO rule_versions (tenant_id, rule_id, version, effective_from, spec, location, created_at) \
             VALUES ($1, $2, $3, $4, $5, NULL, 0)",
        )
        .bind(t.id())
        .bind(id)
        .bind(i as i64 + 1)
        .bind(v["effective_from"].as_str().unwrap().to_string())
        .bind(v.to_string())
        .execute(s.pool())
        .await
        .unwrap();
    }
}

/// A punch at `at` (RFC 3339) received at `received_at`, with its decision and review and
/// `location` sealed: its id.
pub async fn punch(
    s: &Store,
    t: &Tenant,
    employee: &str,
    at: &str,
    received_at: i64,
    (decision, review): (&str, Option<&str>),
    location: Option<&Value>,
) -> String {
    let id = daka_store::new_id();
    let sealed = location.map(|l| {
        s.seal(t, "punches", &id, "location", l.to_string().as_bytes())
            .unwrap()
    });
    let at = at.parse::<jiff::Timestamp>().unwrap().as_millisecond();
    sqlx::query(
        "INSERT INTO punches (tenant_id, id, client_id, employee_id, at, device_at, received_at, time_flag, \
         source, device_id, submitted_by, decision, review, note, photo_id, location, location_purged_at, answer) \
         VALUES ($1, $2, $3, $4, $5, $5, $6, NULL, 'app', NULL, 'user:test', $7, $8, NULL, NULL, $9, NULL, '{}')",
    )
    .bind(t.id())
    .bind(&id)
    .bind(daka_store::new_id())
    .bind(employee)
    .bind(at)
    .bind(received_at)
    .bind(decision)
    .bind(review.map(str::to_string))
    .bind(sealed)
    .execute(s.pool())
    .await
    .unwrap();
    id
}

/// A photo with a sealed EXIF position: its id.
pub async fn photo(
    s: &Store,
    t: &Tenant,
    employee: &str,
    created_at: i64,
    position: &Value,
) -> String {
    let id = daka_store::new_id();
    let sealed = s
        .seal(
            t,
            "photos",
            &id,
            "exif_position",
            position.to_string().as_bytes(),
        )
        .unwrap();
    sqlx::query(
        "INSERT INTO photos (tenant_id, id, sha256, content_type, size_bytes, employee_id, uploaded_by, \
         exif_at, exif_position, created_at) VALUES ($1, $2, 'ab', 'image/jpeg', 10, $3, 'user:test', NULL, $4, $5)",
    )
    .bind(t.id())
    .bind(&id)
    .bind(employee)
    .bind(sealed)
    .bind(created_at)
    .execute(s.pool())
    .await
    .unwrap();
    id
}
