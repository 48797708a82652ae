//! Rules over the API: versions as facts (validated whole before anything is stored), location
//! policies by site id, renames, assignments and the rule in force by precedence and date.

use daka_store::Tenant;
use serde_json::{Value, json};

use crate::helpers::{Mode, TestApp, Who, World};
use crate::rules_helpers::{assign, create_rule, office, rota};

/// A site row, as the sites area stores it: (uuid, num).
async fn site(app: &TestApp, t: &Tenant, num: i64, name: &str) -> String {
    let id = daka_store::new_id();
    sqlx::query(
        "INSERT INTO sites (tenant_id, id, num, name, config, archived, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, '{}', 0, 0, 0)",
    )
    .bind(t.id())
    .bind(&id)
    .bind(num)
    .bind(name)
    .execute(app.store.pool())
    .await
    .expect("insert site");
    id
}

async fn audit_count(app: &TestApp, t: &Tenant, entity: &str) -> usize {
    app.audit(t)
        .await
        .iter()
        .filter(|e| e.entity == entity)
        .count()
}

async fn rules_and_versions(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "rules", Mode::Token).await;
    let admin = w.admin();
    let t = &w.tenant;

    let r = app
        .post(
            &admin,
            "/api/v1/rules",
            &json!({"name": " Office ", "version": office("2026-01-01", 5)}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let rule = r.json();
    let id = rule["id"].as_str().unwrap().to_string();
    assert_eq!(rule["name"], "Office");
    assert_eq!(rule["versions"][0]["version"], 1);
    assert_eq!(rule["versions"][0]["effective_from"], "2026-01-01");
    assert_eq!(rule["versions"][0]["late"]["grace"], 5);
    assert_eq!(rule["versions"][0]["location"], Value::Null);

    // Bad versions name their field; nothing is stored.
    let before = audit_count(&app, t, "rule").await;
    let mut serious = office("2026-01-01", 10);
    serious["late"]["serious"] = json!(5);
    let mut no_kind = office("2026-01-01", 0);
    no_kind.as_object_mut().unwrap().remove("kind");
    let mut numbered = office("2026-01-01", 0);
    numbered["version"] = json!(7);
    let mut rota_with_schedule = rota("2026-01-01", &["D"]);
    rota_with_schedule["schedule"] = office("2026-01-01", 0)["schedule"].clone();
    for (version, field) in [
        (serious, "version.late.serious"),
        (no_kind, "version.kind"),
        (numbered, "version.version"),
        (rota_with_schedule, "version.schedule"),
        (
            json!({"effective_from": "2026-02-30", "time_zone": "Asia/Shanghai", "kind": "free"}),
            "version.effective_from",
        ),
        (rota("2026-01-01", &["REST"]), "version.shifts.REST"),
    ] {
        let r = app
            .post(
                &admin,
                "/api/v1/rules",
                &json!({"name": "Bad", "version": version}),
            )
            .await;
        assert_eq!(r.status, 422, "{field}: {}", r.text);
        assert_eq!(r.field().as_deref(), Some(field), "{}", r.text);
    }
    let r = app
        .post(
            &admin,
            "/api/v1/rules",
            &json!({"name": "office", "version": office("2026-01-01", 5)}),
        )
        .await;
    assert_eq!(r.status, 201, "names are case-sensitive: {}", r.text);
    let r = app
        .post(
            &admin,
            "/api/v1/rules",
            &json!({"name": "Office", "version": office("2026-01-01", 5)}),
        )
        .await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (409, Some("name")),
        "{}",
        r.text
    );
    assert_eq!(audit_count(&app, t, "rule").await, before + 1);
    let list = app.get(&admin, "/api/v1/rules").await.json();
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");

    // A second version from June; the same date again is a conflict; bad ones name the field.
    let versions = format!("/api/v1/rules/{id}/versions");
    let r = app.post(&admin, &versions, &office("2026-06-01", 10)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["version"], 2);
    let r = app.post(&admin, &versions, &office("2026-06-01", 15)).await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (409, Some("effective_from")),
        "{}",
        r.text
    );
    let mut bad = office("2026-09-01", 10);
    bad["late"]["absent"] = json!(3);
    let r = app.post(&admin, &versions, &bad).await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("late.absent")),
        "{}",
        r.text
    );
    let r = app
        .post(
            &admin,
            &versions,
            &json!({"effective_from": "2026-09-01", "time_zone": "Mars/Base", "kind": "free"}),
        )
        .await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("time_zone")),
        "{}",
        r.text
    );

    // A location policy names sites by uuid; stored by number, answered by uuid.
    let hq = site(&app, t, 7, "HQ").await;
    let mut located = office("2026-09-01", 10);
    located["location"] =
        json!({"sites": [hq], "sufficient": ["gps", "wifi"], "outside": "exception"});
    let mut unknown = located.clone();
    unknown["location"]["sites"] = json!([hq, daka_store::new_id()]);
    let r = app.post(&admin, &versions, &unknown).await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("location.sites[1]")),
        "{}",
        r.text
    );
    let mut no_signal = located.clone();
    no_signal["location"]["sufficient"] = json!([]);
    let r = app.post(&admin, &versions, &no_signal).await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("location.sufficient")),
        "{}",
        r.text
    );
    let mut bad_outside = located.clone();
    bad_outside["location"]["outside"] = json!("ignore");
    let r = app.post(&admin, &versions, &bad_outside).await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("location.outside")),
        "{}",
        r.text
    );
    let r = app
        .post(
            &admin,
            "/api/v1/rules",
            &json!({"name": "Remote", "version": unknown}),
        )
        .await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("version.location.sites[1]")),
        "{}",
        r.text
    );
    let r = app.post(&admin, &versions, &located).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["version"], 3);
    assert_eq!(r.json()["location"]["sites"], json!([hq]));
    assert_eq!(r.json()["location"]["outside"], "exception");
    let stored: Option<String> = sqlx::query_scalar(
        "SELECT location FROM rule_versions WHERE tenant_id = $1 AND rule_id = $2 AND version = 3",
    )
    .bind(t.id())
    .bind(&id)
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    let stored: Value = serde_json::from_str(&stored.unwrap()).unwrap();
    assert_eq!(stored["sites"], json!([7]), "{stored}");

    // The history: every version in order, each a fact; the engine's spec compiles.
    let r = app.get(&admin, &format!("/api/v1/rules/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let got: Vec<(i64, String)> = r.json()["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_i64().unwrap(),
                v["effective_from"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (1, "2026-01-01".into()),
            (2, "2026-06-01".into()),
            (3, "2026-09-01".into())
        ]
    );
    let spec = app.store.rule_spec(t, &id).await.unwrap();
    let compiled = daka_core::Rule::compile(&spec).expect("stored rule compiles");
    assert_eq!(compiled.name, "Office");
    assert_eq!(compiled.versions.len(), 3);

    // Rename only; the versions stay.
    let r = app
        .call(
            &admin,
            "PATCH",
            &format!("/api/v1/rules/{id}"),
            Some(&json!({"name": "Office HQ"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["name"], "Office HQ");
    assert_eq!(r.json()["versions"].as_array().unwrap().len(), 3);
    let r = app
        .call(
            &admin,
            "PATCH",
            &format!("/api/v1/rules/{id}"),
            Some(&json!({"name": "office"})),
        )
        .await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (409, Some("name")),
        "{}",
        r.text
    );
    let r = app
        .call(
            &admin,
            "PATCH",
            &format!("/api/v1/rules/{id}"),
            Some(&json!({"versions": []})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);

    // Audit: the creations, each version and the rename, with before/after.
    let audit = app.audit(t).await;
    let of = |entity: &str, action: &str| {
        audit
            .iter()
            .filter(|e| e.entity == entity && e.action == action)
            .count()
    };
    assert_eq!(of("rule", "create"), 2);
    assert_eq!(of("rule_version", "create"), 2);
    let rename = audit
        .iter()
        .find(|e| e.entity == "rule" && e.action == "update")
        .unwrap();
    assert_eq!(rename.before.as_ref().unwrap()["name"], "Office");
    assert_eq!(rename.after.as_ref().unwrap()["name"], "Office HQ");

    // Who may: supervisors and auditors read, only admins write, employees neither.
    let r = app
        .get(w.auth(Who::Supervisor), &format!("/api/v1/rules/{id}"))
        .await;
    assert_eq!(r.status, 200);
    let r = app.get(w.auth(Who::Employee), "/api/v1/rules").await;
    assert_eq!(r.status, 403);
    let r = app
        .post(w.auth(Who::Auditor), &versions, &office("2026-12-01", 1))
        .await;
    assert_eq!(r.status, 403);
    app.stop().await;
}

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

crate::both!(rules_and_versions, assignment_precedence);
