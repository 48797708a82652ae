//! Rule assignments over the API: an employee's own assignment over their department's, the
//! nearest department over its ancestors, `employees.rule_id` from the beginning of time, each
//! from its date; who may read an employee's rule in force.

use serde_json::json;

use crate::helpers::{Mode, TestApp, Who, World};
use crate::rules_helpers::{assign, create_rule, office};

/// GET /employees/{id}/rule: (source, rule id, department id, version).
async fn in_force(
    app: &TestApp,
    w: &World,
    employee: &str,
    date: &str,
) -> (String, Option<String>, Option<String>, Option<i64>) {
    let r = app
        .get(
            &w.admin(),
            &format!("/api/v1/employees/{employee}/rule?date={date}"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    (
        v["source"].as_str().unwrap().to_string(),
        v["rule_id"].as_str().map(str::to_string),
        v["department_id"].as_str().map(str::to_string),
        v["version"]["version"].as_i64(),
    )
}

async fn assignment_precedence(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "assign", Mode::Token).await;
    let admin = w.admin();
    let t = &w.tenant;
    let a = create_rule(&app, &admin, "A", office("2025-01-01", 0)).await;
    let b = create_rule(&app, &admin, "B", office("2025-01-01", 1)).await;
    let c = create_rule(&app, &admin, "C", office("2025-01-01", 2)).await;
    let d = create_rule(&app, &admin, "D", office("2025-01-01", 3)).await;
    let r = app
        .post(
            &admin,
            &format!("/api/v1/rules/{c}/versions"),
            &office("2026-03-20", 4),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);

    // No rule at all, then E1's default (employees.rule_id) from the beginning of time.
    assert_eq!(in_force(&app, &w, &w.e1, "2026-01-15").await.0, "none");
    let e1 = daka_store::EmployeeInput {
        rule_id: Some(a.clone()),
        ..crate::helpers::person(&w.e1_no, Some(&w.d1))
    };
    app.store
        .update_employee(t, &crate::helpers::seed_actor(), &w.e1, &e1)
        .await
        .unwrap();
    // In force from the beginning of time, though no version of it is yet.
    assert_eq!(
        in_force(&app, &w, &w.e1, "1990-01-01").await,
        ("default".into(), Some(a.clone()), None, None)
    );

    let root_b = assign(
        &app,
        &admin,
        &b,
        json!({"department_id": w.root, "effective_from": "2026-02-01"}),
    )
    .await;
    assign(
        &app,
        &admin,
        &c,
        json!({"department_id": w.d1, "effective_from": "2026-03-01"}),
    )
    .await;
    let own = assign(
        &app,
        &admin,
        &d,
        json!({"employee_id": w.e1, "effective_from": "2026-04-01"}),
    )
    .await;

    let expect = [
        (&w.e1, "2026-01-31", ("default", &a, None, Some(1))),
        (
            &w.e1,
            "2026-02-01",
            ("department", &b, Some(&w.root), Some(1)),
        ),
        (
            &w.e1,
            "2026-03-01",
            ("department", &c, Some(&w.d1), Some(1)),
        ),
        (
            &w.e1,
            "2026-03-25",
            ("department", &c, Some(&w.d1), Some(2)),
        ),
        (&w.e1, "2026-04-01", ("own", &d, None, Some(1))),
        // D1a inherits from D1, its nearest ancestor with an assignment; D2 from the root.
        (
            &w.e1a,
            "2026-03-15",
            ("department", &c, Some(&w.d1), Some(1)),
        ),
        (
            &w.e1a,
            "2026-02-15",
            ("department", &b, Some(&w.root), Some(1)),
        ),
        (
            &w.e2,
            "2026-04-15",
            ("department", &b, Some(&w.root), Some(1)),
        ),
        (&w.e2, "2026-01-15", ("none", &a, None, None)),
    ];
    for (emp, date, (source, rule, dep, version)) in expect {
        let got = in_force(&app, &w, emp, date).await;
        let want_rule = (source != "none").then(|| rule.clone());
        assert_eq!(
            got,
            (source.to_string(), want_rule, dep.cloned(), version),
            "{emp} on {date}"
        );
    }
    // The store's answer for others: the id and the engine's spec.
    let (rule_id, spec) = app
        .store
        .rule_in_force(t, &w.e1, "2026-04-02")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (rule_id.as_str(), spec.name.as_deref()),
        (d.as_str(), Some("D"))
    );

    // One assignment per target and date; exactly one target.
    let r = app
        .post(
            &admin,
            &format!("/api/v1/rules/{a}/assignments"),
            &json!({"employee_id": w.e1, "effective_from": "2026-04-01"}),
        )
        .await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (409, Some("effective_from")),
        "{}",
        r.text
    );
    let r = app
        .post(
            &admin,
            &format!("/api/v1/rules/{a}/assignments"),
            &json!({"employee_id": w.e1, "department_id": w.d1, "effective_from": "2026-05-01"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let r = app
        .post(
            &admin,
            &format!("/api/v1/rules/{a}/assignments"),
            &json!({"employee_id": w.e1, "effective_from": "May 1"}),
        )
        .await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("effective_from")),
        "{}",
        r.text
    );
    let r = app
        .post(
            &admin,
            &format!("/api/v1/rules/{a}/assignments"),
            &json!({"department_id": daka_store::new_id(), "effective_from": "2026-05-01"}),
        )
        .await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("department_id")),
        "{}",
        r.text
    );

    let listed = app
        .get(
            &admin,
            &format!("/api/v1/rule-assignments?employee_id={}", w.e1),
        )
        .await;
    assert_eq!(listed.status, 200);
    assert_eq!(
        listed.json().as_array().unwrap().len(),
        1,
        "{}",
        listed.text
    );
    assert_eq!(listed.json()[0]["id"], json!(own));
    let all = app
        .get(w.auth(Who::Auditor), "/api/v1/rule-assignments")
        .await;
    assert_eq!(all.json().as_array().unwrap().len(), 3, "{}", all.text);

    // Removing the own assignment falls back to the department's.
    let r = app
        .call(
            &admin,
            "DELETE",
            &format!("/api/v1/rule-assignments/{own}"),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(
        in_force(&app, &w, &w.e1, "2026-04-15").await.1,
        Some(c.clone())
    );
    let r = app
        .call(
            &admin,
            "DELETE",
            &format!("/api/v1/rule-assignments/{own}"),
            None,
        )
        .await;
    assert_eq!(r.status, 404);
    let gone = app
        .audit(t)
        .await
        .into_iter()
        .find(|e| e.entity == "rule_assignment" && e.action == "delete")
        .unwrap();
    assert_eq!(gone.before.unwrap()["employee_id"], json!(w.e1));
    assert_eq!(
        app.audit(t)
            .await
            .iter()
            .filter(|e| e.entity == "rule_assignment" && e.action == "create")
            .count(),
        3
    );

    // Employees read their own rule only; supervisors their subtree.
    let own_path = format!("/api/v1/employees/{}/rule?date=2026-04-15", w.e1);
    assert_eq!(app.get(w.auth(Who::Employee), &own_path).await.status, 200);
    assert_eq!(
        app.get(w.auth(Who::Supervisor), &own_path).await.status,
        200
    );
    assert_eq!(app.get(w.auth(Who::Sibling), &own_path).await.status, 403);
    let other = format!("/api/v1/employees/{}/rule?date=2026-04-15", w.e2);
    assert_eq!(app.get(w.auth(Who::Employee), &other).await.status, 403);
    assert_eq!(
        app.get(w.auth(Who::Employee), "/api/v1/rule-assignments")
            .await
            .status,
        403
    );
    let r = app
        .get(
            &admin,
            &format!("/api/v1/employees/{}/rule?date=2026-13-01", w.e1),
        )
        .await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("date")),
        "{}",
        r.text
    );
    let r = app
        .get(&admin, &format!("/api/v1/employees/{}/rule", w.e1))
        .await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("date")),
        "{}",
        r.text
    );
    let r = app
        .post(
            w.auth(Who::Supervisor),
            &format!("/api/v1/rules/{a}/assignments"),
            &json!({"employee_id": w.e1, "effective_from": "2026-06-01"}),
        )
        .await;
    assert_eq!(r.status, 403);
    let _ = root_b;
    app.stop().await;
}

crate::both!(assignment_precedence);
