//! The rota over the API: entries checked against the rota rule in force, scoped reads, and the
//! CSV import that writes a whole file or nothing.

use serde_json::{Value, json};

use crate::helpers::{Auth, Mode, TestApp, Who, World};
use crate::rules_helpers::{assign, create_rule, import_csv, office, rota};

async fn put(
    app: &TestApp,
    auth: &Auth,
    employee: &str,
    date: &str,
    shift: &str,
) -> crate::helpers::Resp {
    app.call(
        auth,
        "PUT",
        &format!("/api/v1/employees/{employee}/rota/{date}"),
        Some(&json!({"shift": shift})),
    )
    .await
}

/// (employee, date, shift) of a listing.
fn entries(v: &Value) -> Vec<(String, String, String)> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|e| {
            (
                e["employee_id"].as_str().unwrap().to_string(),
                e["date"].as_str().unwrap().to_string(),
                e["shift"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// D1 (so E1 and E1a) on a rota rule with shifts M and N from 2026-01-01, changed to M, E, N on
/// 2026-04-01; D2 (E2) on a fixed office rule.
async fn plant(app: &TestApp, w: &World) -> String {
    let admin = w.admin();
    let plant = create_rule(app, &admin, "Plant", rota("2026-01-01", &["M", "N"])).await;
    let r = app
        .post(
            &admin,
            &format!("/api/v1/rules/{plant}/versions"),
            &rota("2026-04-01", &["M", "E", "N"]),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assign(
        app,
        &admin,
        &plant,
        json!({"department_id": w.d1, "effective_from": "2026-01-01"}),
    )
    .await;
    let office = create_rule(app, &admin, "Office", office("2026-01-01", 5)).await;
    assign(
        app,
        &admin,
        &office,
        json!({"department_id": w.d2, "effective_from": "2026-01-01"}),
    )
    .await;
    plant
}

async fn rota_entries(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "rota", Mode::Session).await;
    let admin = w.admin();
    plant(&app, &w).await;

    let r = put(&app, &admin, &w.e1, "2026-03-02", "N").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["shift"], "N");
    let r = put(&app, &admin, &w.e1, "2026-03-02", "M").await;
    assert_eq!(r.status, 200, "{}", r.text);
    // E is a shift only from April, in the rule's second version.
    let r = put(&app, &admin, &w.e1, "2026-03-03", "E").await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("shift")),
        "{}",
        r.text
    );
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Plant v1"),
        "{}",
        r.text
    );
    let r = put(&app, &admin, &w.e1a, "2026-04-03", "E").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = put(&app, &admin, &w.e1, "2026-03-04", "rest").await;
    assert_eq!(
        (r.status, r.json()["shift"].as_str()),
        (200, Some("REST")),
        "{}",
        r.text
    );
    // E2's rule is not a rota rule: only REST.
    let r = put(&app, &admin, &w.e2, "2026-03-02", "N").await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("shift")),
        "{}",
        r.text
    );
    let r = put(&app, &admin, &w.e2, "2026-03-02", "REST").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = put(&app, &admin, &w.e1, "2026-02-30", "N").await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("date")),
        "{}",
        r.text
    );
    let r = put(&app, &admin, &w.e1, "2026-03-05", " ").await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("shift")),
        "{}",
        r.text
    );
    let r = put(&app, &admin, &daka_store::new_id(), "2026-03-05", "N").await;
    assert_eq!(r.status, 404);

    // Writes are the admins'.
    for who in [Who::Employee, Who::Supervisor, Who::Auditor] {
        let r = put(&app, w.auth(who), &w.e1, "2026-03-06", "N").await;
        assert_eq!(r.status, 403, "{who:?}");
    }

    // Reads are scoped.
    let path = "/api/v1/rota?from=2026-03-01&to=2026-04-30";
    let mut all = entries(&app.get(&admin, path).await.json());
    all.sort();
    let mut want: Vec<(String, String, String)> = vec![
        (w.e1.clone(), "2026-03-02".into(), "M".into()),
        (w.e2.clone(), "2026-03-02".into(), "REST".into()),
        (w.e1.clone(), "2026-03-04".into(), "REST".into()),
        (w.e1a.clone(), "2026-04-03".into(), "E".into()),
    ];
    want.sort();
    assert_eq!(all, want);
    let people = |v: Vec<(String, String, String)>| -> std::collections::BTreeSet<String> {
        v.into_iter().map(|e| e.0).collect()
    };
    assert_eq!(all.len(), 4, "{all:?}");
    let sup = entries(&app.get(w.auth(Who::Supervisor), path).await.json());
    assert_eq!(people(sup), [w.e1.clone(), w.e1a.clone()].into());
    let sib = entries(&app.get(w.auth(Who::Sibling), path).await.json());
    assert_eq!(people(sib), [w.e2.clone()].into());
    let own = entries(&app.get(w.auth(Who::Employee), path).await.json());
    assert_eq!(people(own), [w.e1.clone()].into());
    let only = entries(
        &app.get(&admin, &format!("{path}&department_id={}", w.d1a))
            .await
            .json(),
    );
    assert_eq!(only, vec![(w.e1a.clone(), "2026-04-03".into(), "E".into())]);
    let one = entries(
        &app.get(&admin, &format!("{path}&employee_id={}", w.e2))
            .await
            .json(),
    );
    assert_eq!(one.len(), 1);
    let r = app
        .get(&admin, "/api/v1/rota?from=2026-03-01&to=2027-12-31")
        .await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("to")),
        "{}",
        r.text
    );
    let r = app.get(&admin, "/api/v1/rota?from=2026-03-01").await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("to")),
        "{}",
        r.text
    );

    // Delete, then it is gone.
    let one_path = format!("/api/v1/employees/{}/rota/2026-03-02", w.e1);
    assert_eq!(
        app.call(&admin, "DELETE", &one_path, None).await.status,
        204
    );
    assert_eq!(
        app.call(&admin, "DELETE", &one_path, None).await.status,
        404
    );
    assert_eq!(entries(&app.get(&admin, path).await.json()).len(), 3);

    let audit = app.audit(&w.tenant).await;
    let rota: Vec<_> = audit.iter().filter(|e| e.entity == "rota_entry").collect();
    let actions: Vec<&str> = rota.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["create", "update", "create", "create", "create", "delete"]
    );
    assert_eq!(rota[1].before.as_ref().unwrap()["shift"], "N");
    assert_eq!(rota[1].after.as_ref().unwrap()["shift"], "M");
    app.stop().await;
}

async fn rota_import(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "import", Mode::Token).await;
    let admin = w.admin();
    plant(&app, &w).await;
    let e1a_no = format!("{}-E1a", w.prefix);
    let e2_no = format!("{}-E2", w.prefix);
    assert_eq!(
        put(&app, &admin, &w.e1, "2026-03-02", "N").await.status,
        200
    );

    // A bad file: every error with its line, nothing written.
    let audit_before = app.audit(&w.tenant).await.len();
    let bad = format!(
        "employee_no,date,shift\n\
         {e1},2026-03-02,M\n\
         nobody,2026-03-02,M\n\
         {e1},2026-03-32,M\n\
         {e1a},2026-03-03,X\n\
         {e1},2026-03-02,N\n\
         {e2},2026-03-03,M\n\
         {e1},2026-03-05\n\
         ghost,2026-13-01,M\n",
        e1 = w.e1_no,
        e1a = e1a_no,
        e2 = e2_no,
    );
    let r = import_csv(&app, &admin, &bad).await;
    assert_eq!(r.status, 422, "{}", r.text);
    let v = r.json();
    assert_eq!(v["error"]["code"], "invalid");
    assert_eq!(v["error"]["field"], "rows");
    let got: Vec<(i64, String)> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().unwrap(),
                e["field"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(i64, String)> = [
        (3, "employee_no"),
        (4, "date"),
        (5, "shift"),
        (6, "date"),
        (7, "shift"),
        (8, "row"),
        (9, "date"),
        (9, "employee_no"),
    ]
    .into_iter()
    .map(|(l, f)| (l, f.to_string()))
    .collect();
    assert_eq!(got, want, "{}", r.text);
    let path = "/api/v1/rota?from=2026-01-01&to=2026-12-31";
    let listed = entries(&app.get(&admin, path).await.json());
    assert_eq!(
        listed,
        vec![(w.e1.clone(), "2026-03-02".into(), "N".into())]
    );
    assert_eq!(
        app.audit(&w.tenant).await.len(),
        audit_before,
        "nothing audited"
    );

    // The happy path: BOM, CRLF, spaces, REST in any case, trailing blank lines.
    let good = format!(
        "\u{feff}employee_no,date,shift\r\n{e1},2026-03-02,M\r\n{e1}, 2026-03-03 ,N\r\n{e1a},2026-04-01,E\r\n{e2},2026-03-03,rest\r\n\r\n\r\n",
        e1 = w.e1_no,
        e1a = e1a_no,
        e2 = e2_no,
    );
    let r = import_csv(&app, &admin, &good).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json(),
        json!({"imported": 4, "from": "2026-03-02", "to": "2026-04-01", "employees": 3, "replaced": 1})
    );
    let mut listed = entries(&app.get(&admin, path).await.json());
    listed.sort();
    let mut want = vec![
        (w.e1.clone(), "2026-03-02".to_string(), "M".to_string()),
        (w.e1.clone(), "2026-03-03".into(), "N".into()),
        (w.e1a.clone(), "2026-04-01".into(), "E".into()),
        (w.e2.clone(), "2026-03-03".into(), "REST".into()),
    ];
    want.sort();
    assert_eq!(listed, want);
    let audit = app.audit(&w.tenant).await;
    assert_eq!(
        audit.len(),
        audit_before + 1,
        "one entry for the whole import"
    );
    let last = audit.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.entity.as_str()),
        ("import", "rota")
    );
    assert_eq!(last.after.as_ref().unwrap()["imported"], 4);
    assert_eq!(last.after.as_ref().unwrap()["from"], "2026-03-02");
    assert!(last.actor.starts_with("token:"), "{}", last.actor);

    // Not CSV, a bad header, an empty file, other roles.
    let r = app
        .post(&admin, "/api/v1/rota/import", &json!({"rows": []}))
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = import_csv(&app, &admin, "no,when,what\nx,2026-03-02,M\n").await;
    assert_eq!(
        (r.status, r.json()["errors"][0]["field"].as_str()),
        (422, Some("header")),
        "{}",
        r.text
    );
    let r = import_csv(&app, &admin, "").await;
    assert_eq!(r.status, 422, "{}", r.text);
    for who in [Who::Employee, Who::Supervisor, Who::Auditor, Who::ReadOnly] {
        let r = import_csv(&app, w.auth(who), &good).await;
        assert_eq!(r.status, 403, "{who:?}: {}", r.text);
    }
    app.stop().await;
}

crate::both!(rota_entries, rota_import);
