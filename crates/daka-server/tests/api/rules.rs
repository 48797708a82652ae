//! Rules over the API: versions as facts (validated whole before anything is stored), location
//! policies by site id, renames, assignments and the rule in force by precedence and date.

use daka_store::Tenant;
use serde_json::{Value, json};

use crate::helpers::{Mode, TestApp, Who, World};
use crate::rules_helpers::{office, rota};

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
        (
            json!({"effective_from": "2026-01-01", "time_zone": "Asia/Shanghai", "kind": "free", "lateness": 5}),
            "version.lateness",
        ),
        (
            json!({"effective_from": "2026-01-01", "time_zone": "Asia/Shanghai", "kind": "free", "late": {"grace": -1}}),
            "version.late.grace",
        ),
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
    let mut extra = located.clone();
    extra["location"]["radius"] = json!(100);
    let r = app.post(&admin, &versions, &extra).await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("location.radius")),
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

crate::both!(rules_and_versions);
