//! Rule versions, rules and rota fixtures shared by the rules, rota and route-table stories.

use serde_json::{Value, json};

use crate::helpers::{Auth, Resp, TestApp, World, send};

/// A fixed 09:00-18:00 office version.
pub fn office(from: &str, grace: u32) -> Value {
    json!({
        "effective_from": from,
        "time_zone": "Asia/Shanghai",
        "kind": "fixed",
        "schedule": {"segments": [{"start": "09:00", "end": "18:00"}], "break": ["12:00", "13:00"]},
        "late": {"grace": grace}
    })
}

/// A rota version with these shift codes (8-hour shifts from 06:00).
pub fn rota(from: &str, codes: &[&str]) -> Value {
    let mut shifts = serde_json::Map::new();
    for (i, c) in codes.iter().enumerate() {
        let start = 6 + (i % 2) * 8;
        shifts.insert(
            c.to_string(),
            json!({"segments": [{"start": format!("{start:02}:00"), "end": format!("{:02}:00", start + 8)}]}),
        );
    }
    json!({"effective_from": from, "time_zone": "Asia/Shanghai", "kind": "rota", "shifts": shifts})
}

/// Creates a rule as `auth`; its id.
pub async fn create_rule(app: &TestApp, auth: &Auth, name: &str, version: Value) -> String {
    let r = app
        .post(
            auth,
            "/api/v1/rules",
            &json!({"name": name, "version": version}),
        )
        .await;
    assert_eq!(r.status, 201, "create rule {name}: {}", r.text);
    r.json()["id"].as_str().expect("rule id").to_string()
}

/// Assigns a rule; the assignment id.
pub async fn assign(app: &TestApp, auth: &Auth, rule: &str, target: Value) -> String {
    let r = app
        .post(auth, &format!("/api/v1/rules/{rule}/assignments"), &target)
        .await;
    assert_eq!(r.status, 201, "assign {rule} {target}: {}", r.text);
    r.json()["id"].as_str().expect("assignment id").to_string()
}

/// `POST /rota/import` with a CSV body.
pub async fn import_csv(app: &TestApp, auth: &Auth, csv: &str) -> Resp {
    send(
        app.request(auth, "POST", "/api/v1/rota/import")
            .header("content-type", "text/csv; charset=utf-8")
            .body(csv.to_string()),
    )
    .await
}

/// What the route table's rule routes act on: a rota rule (shift D) assigned to D1 from
/// 2026-01-01, that assignment, E1's entry on 2026-03-02 and a special day on 2026-10-01.
pub struct Fixture {
    pub rule: String,
    pub assignment: String,
}

pub async fn fixture(app: &TestApp, w: &World) -> Fixture {
    let admin = w.admin();
    let rule = create_rule(app, &admin, "Plant", rota("2026-01-01", &["D"])).await;
    let assignment = assign(
        app,
        &admin,
        &rule,
        json!({"department_id": w.d1, "effective_from": "2026-01-01"}),
    )
    .await;
    let r = app
        .call(
            &admin,
            "PUT",
            &format!("/api/v1/employees/{}/rota/2026-03-02", w.e1),
            Some(&json!({"shift": "D"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .call(
            &admin,
            "PUT",
            "/api/v1/special-days/2026-10-01",
            Some(&json!({"kind": "day_off", "name": "National Day"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    Fixture { rule, assignment }
}
