//! Tenant A's admin aimed at tenant B's rules, assignments, employees and rota: every id is
//! unknown (404), references in bodies are invalid (422), lists and imports see none of B.

use serde_json::json;

use crate::helpers::{Mode, TestApp, World};
use crate::rules_helpers::{assign, create_rule, fixture, import_csv, office};

async fn rules_cross_tenant(url: String) {
    let app = TestApp::spawn(&url).await;
    let a = World::build(&app, "ta", Mode::Token).await;
    let b = World::build(&app, "tb", Mode::Token).await;
    let fb = fixture(&app, &b).await;
    let admin = a.admin();
    let a_rule = create_rule(&app, &admin, "A rule", office("2026-01-01", 0)).await;
    let b_audit = app.audit(&b.tenant).await.len();

    let rule = format!("/api/v1/rules/{}", fb.rule);
    for (method, path, body) in [
        ("GET", rule.clone(), None),
        ("PATCH", rule.clone(), Some(json!({"name": "hijacked"}))),
        (
            "POST",
            format!("{rule}/versions"),
            Some(office("2027-01-01", 0)),
        ),
        (
            "POST",
            format!("{rule}/assignments"),
            Some(json!({"employee_id": a.e1, "effective_from": "2027-01-01"})),
        ),
        (
            "DELETE",
            format!("/api/v1/rule-assignments/{}", fb.assignment),
            None,
        ),
        (
            "GET",
            format!("/api/v1/employees/{}/rule?date=2026-03-02", b.e1),
            None,
        ),
        (
            "PUT",
            format!("/api/v1/employees/{}/rota/2026-03-03", b.e1),
            Some(json!({"shift": "REST"})),
        ),
        (
            "DELETE",
            format!("/api/v1/employees/{}/rota/2026-03-02", b.e1),
            None,
        ),
    ] {
        let r = app.call(&admin, method, &path, body.as_ref()).await;
        assert_eq!(r.status, 404, "{method} {path}: {}", r.text);
    }
    // B's ids in A's bodies are references to nothing.
    let r = app
        .post(
            &admin,
            &format!("/api/v1/rules/{a_rule}/assignments"),
            &json!({"employee_id": b.e1, "effective_from": "2026-01-01"}),
        )
        .await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("employee_id")),
        "{}",
        r.text
    );
    let r = app
        .post(
            &admin,
            &format!("/api/v1/rules/{a_rule}/assignments"),
            &json!({"department_id": b.d1, "effective_from": "2026-01-01"}),
        )
        .await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("department_id")),
        "{}",
        r.text
    );
    let r = import_csv(
        &app,
        &admin,
        &format!("employee_no,date,shift\n{},2026-03-05,REST\n", b.e1_no),
    )
    .await;
    assert_eq!(
        (r.status, r.json()["errors"][0]["field"].as_str()),
        (422, Some("employee_no")),
        "{}",
        r.text
    );
    // A's own department assigned A's rule works; B's rule never shows in A's lists.
    assign(
        &app,
        &admin,
        &a_rule,
        json!({"department_id": a.d1, "effective_from": "2026-01-01"}),
    )
    .await;
    let rules = app.get(&admin, "/api/v1/rules").await.json();
    assert!(
        rules
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["id"] != json!(fb.rule)),
        "{rules}"
    );
    let assignments = app.get(&admin, "/api/v1/rule-assignments").await.json();
    assert_eq!(assignments.as_array().unwrap().len(), 1, "{assignments}");
    let rota = app
        .get(&admin, "/api/v1/rota?from=2026-01-01&to=2026-12-31")
        .await
        .json();
    assert_eq!(rota.as_array().unwrap().len(), 0, "{rota}");
    let days = app.get(&admin, "/api/v1/special-days").await.json();
    assert_eq!(days.as_array().unwrap().len(), 0, "{days}");
    assert_eq!(app.audit(&b.tenant).await.len(), b_audit, "B unchanged");
    app.stop().await;
}

crate::both!(rules_cross_tenant);
