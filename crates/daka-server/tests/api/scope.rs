//! Roles and scope: an employee sees their own record, a supervisor the department subtrees they
//! lead, an auditor reads everything and writes nothing, an admin does everything in the tenant.

use std::collections::BTreeSet;

use daka_store::Role;
use serde_json::{Value, json};

use crate::helpers::{Auth, Mode, TestApp, Who, World, snapshot};

async fn listed(app: &TestApp, auth: &Auth) -> BTreeSet<String> {
    app.all_pages(auth, "/api/v1/employees", 2)
        .await
        .iter()
        .map(|e| e["id"].as_str().expect("id").to_string())
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

async fn status(app: &TestApp, auth: &Auth, path: &str) -> u16 {
    app.get(auth, path).await.status
}

async fn employee_sees_only_own_record(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "emp", Mode::Token).await;
    let emp = w.auth(Who::Employee);
    assert_eq!(listed(&app, emp).await, set(&[&w.e1]));
    let r = app.get(emp, &format!("/api/v1/employees/{}", w.e1)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["employee_no"], json!(w.e1_no));
    for other in [&w.e1a, &w.e2] {
        let r = app.get(emp, &format!("/api/v1/employees/{other}")).await;
        assert_eq!(r.status, 403, "{}", r.text);
        assert!(!r.text.contains(other.as_str()));
    }
    // A user without an employee record sees none.
    let (_, t) = app.token(&w.tenant, &w.target, &["read"]).await;
    let nobody = Auth::Token(t);
    assert!(listed(&app, &nobody).await.is_empty());
    assert_eq!(
        status(&app, &nobody, &format!("/api/v1/employees/{}", w.e1)).await,
        403
    );
    // Their own user record, but not the user list.
    let me = app.get(emp, "/api/v1/me").await.json();
    assert_eq!(me["employee_id"], json!(w.e1));
    assert_eq!(status(&app, emp, "/api/v1/users").await, 403);
    assert_eq!(status(&app, emp, "/api/v1/audit").await, 403);
}

async fn supervisor_sees_led_subtree(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "sup", Mode::Token).await;
    let (sup, sib) = (w.auth(Who::Supervisor), w.auth(Who::Sibling));
    // D1 and its sub-department D1a; not the sibling D2 (nor the root above).
    let deep = app.department(&w.tenant, "sup-D1a-x", Some(&w.d1a)).await;
    let e_deep = app.employee(&w.tenant, "sup-deep", Some(&deep)).await;
    let e_root = app.employee(&w.tenant, "sup-root", Some(&w.root)).await;
    let e_none = app.employee(&w.tenant, "sup-none", None).await;
    assert_eq!(listed(&app, sup).await, set(&[&w.e1, &w.e1a, &e_deep]));
    assert_eq!(listed(&app, sib).await, set(&[&w.e2]));
    for (auth, id, want) in [
        (sup, &w.e1, 200),
        (sup, &w.e1a, 200),
        (sup, &e_deep, 200),
        (sup, &w.e2, 403),
        (sup, &e_root, 403),
        (sup, &e_none, 403),
        (sib, &w.e2, 200),
        (sib, &w.e1, 403),
        (sib, &w.e1a, 403),
    ] {
        let got = status(&app, auth, &format!("/api/v1/employees/{id}")).await;
        assert_eq!(got, want, "employee {id}");
    }
    // Supervisors cannot write, even in their subtree.
    let r = app
        .call(
            sup,
            "PUT",
            &format!("/api/v1/employees/{}", w.e1),
            Some(&json!({"employee_no": w.e1_no, "name": "Changed by supervisor"})),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);

    // Scope follows the tree: D2 moved under D1 comes into the supervisor's view.
    let admin = w.admin();
    let r = app
        .call(
            &admin,
            "PATCH",
            &format!("/api/v1/departments/{}", w.d2),
            Some(&json!({"parent_id": w.d1})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        listed(&app, sup).await,
        set(&[&w.e1, &w.e1a, &e_deep, &w.e2])
    );
    // A supervisor's own employee record is theirs to read wherever it sits.
    let own = app.employee(&w.tenant, "sup-own", Some(&w.root)).await;
    let me = app
        .user(&w.tenant, "sup-with-record", Role::Supervisor, Some(&own))
        .await;
    app.lead(&w.tenant, &w.d1a, &me).await;
    let (_, t) = app.token(&w.tenant, &me, &["read"]).await;
    let me = Auth::Token(t);
    assert_eq!(listed(&app, &me).await, set(&[&w.e1a, &e_deep, &own]));
    // Without leads, nothing but that.
    let r = app
        .call(
            &admin,
            "DELETE",
            &format!(
                "/api/v1/departments/{}/leads/{}",
                w.d1,
                w.user(Who::Supervisor)
            ),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert!(listed(&app, sup).await.is_empty());
    assert_eq!(
        status(&app, sup, &format!("/api/v1/employees/{}", w.e1)).await,
        403
    );
}

/// Every write route, with a valid body.
fn writes(w: &World) -> Vec<(&'static str, String, Option<Value>)> {
    vec![
        (
            "POST",
            "/api/v1/departments".into(),
            Some(json!({"name": "X"})),
        ),
        (
            "PATCH",
            format!("/api/v1/departments/{}", w.d1),
            Some(json!({"name": "X"})),
        ),
        ("DELETE", format!("/api/v1/departments/{}", w.empty), None),
        (
            "PUT",
            format!("/api/v1/departments/{}/leads/{}", w.d2, w.target),
            None,
        ),
        (
            "DELETE",
            format!(
                "/api/v1/departments/{}/leads/{}",
                w.d1,
                w.user(Who::Supervisor)
            ),
            None,
        ),
        (
            "POST",
            "/api/v1/employees".into(),
            Some(json!({"employee_no": "X1", "name": "X"})),
        ),
        (
            "PUT",
            format!("/api/v1/employees/{}", w.e1),
            Some(json!({"employee_no": w.e1_no, "name": "X"})),
        ),
        (
            "POST",
            "/api/v1/users".into(),
            Some(json!({"username": "x", "password": "long-enough-password", "role": "admin"})),
        ),
        (
            "PATCH",
            format!("/api/v1/users/{}", w.target),
            Some(json!({"role": "admin"})),
        ),
        (
            "PATCH",
            format!("/api/v1/users/{}", w.user(Who::Auditor)),
            Some(json!({"role": "admin"})),
        ),
        (
            "POST",
            format!("/api/v1/users/{}/password", w.target),
            Some(json!({"password": "long-enough-password"})),
        ),
        (
            "POST",
            "/api/v1/devices".into(),
            Some(json!({"name": "X", "kind": "kiosk"})),
        ),
    ]
}

async fn auditor_reads_but_never_writes(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "aud", Mode::Session).await;
    let aud = w.auth(Who::Auditor);
    assert_eq!(listed(&app, aud).await, set(&[&w.e1, &w.e1a, &w.e2]));
    for path in [
        "/api/v1/users".to_string(),
        format!("/api/v1/users/{}", w.target),
        "/api/v1/audit".into(),
        "/api/v1/devices".into(),
        "/api/v1/departments".into(),
        format!("/api/v1/employees/{}", w.e2),
    ] {
        let r = app.get(aud, &path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
    }
    let audit = app.get(aud, "/api/v1/audit").await.json();
    assert!(!audit["items"].as_array().unwrap().is_empty());
    let users = app.get(aud, "/api/v1/users").await.json();
    assert_eq!(users["items"].as_array().unwrap().len(), 6);

    let before = snapshot(&app, &w.tenant).await;
    for (method, path, body) in writes(&w) {
        let r = app.call(aud, method, &path, body.as_ref()).await;
        assert_eq!(r.status, 403, "{method} {path}: {}", r.text);
        assert_eq!(r.code().as_deref(), Some("forbidden"));
    }
    assert_eq!(
        snapshot(&app, &w.tenant).await,
        before,
        "an auditor's write landed"
    );
}

async fn admin_does_everything(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "adm", Mode::Session).await;
    let admin = w.auth(Who::Admin).clone();
    let call = |method: &'static str, path: String, body: Option<Value>| {
        let (app, admin) = (&app, admin.clone());
        async move { app.call(&admin, method, &path, body.as_ref()).await }
    };

    // Departments: create, nest, rename, move, no cycles, delete only when empty.
    let r = call(
        "POST",
        "/api/v1/departments".into(),
        Some(json!({"name": "Ops"})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let ops = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(r.json()["parent_id"], Value::Null);
    let r = call(
        "POST",
        "/api/v1/departments".into(),
        Some(json!({"name": "Ops A", "parent_id": ops})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let ops_a = r.json()["id"].as_str().unwrap().to_string();
    let r = call(
        "PATCH",
        format!("/api/v1/departments/{ops}"),
        Some(json!({"name": "Operations", "parent_id": w.root})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["name"], json!("Operations"));
    assert_eq!(r.json()["parent_id"], json!(w.root));
    for parent in [&ops, &ops_a] {
        let r = call(
            "PATCH",
            format!("/api/v1/departments/{ops}"),
            Some(json!({"parent_id": parent})),
        )
        .await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.field().as_deref(), Some("parent_id"));
    }
    let r = call(
        "PATCH",
        format!("/api/v1/departments/{ops}"),
        Some(json!({"parent_id": null})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["parent_id"], Value::Null);
    assert_eq!(r.json()["name"], json!("Operations"));
    let r = call("DELETE", format!("/api/v1/departments/{ops}"), None).await;
    assert_eq!(r.status, 409, "{}", r.text);

    // Employees.
    let r = call(
        "POST",
        "/api/v1/employees".into(),
        Some(
            json!({"employee_no": "A-1", "name": "Ada", "department_id": ops_a,
                    "manager_id": w.e1, "time_zone": "Europe/Berlin",
                    "active_from": "2026-01-01"}),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let ada = r.json();
    let ada_id = ada["id"].as_str().unwrap().to_string();
    assert_eq!(ada["time_zone"], json!("Europe/Berlin"));
    assert_eq!(ada["manager_id"], json!(w.e1));
    let r = call(
        "PUT",
        format!("/api/v1/employees/{ada_id}"),
        Some(json!({"employee_no": "A-1", "name": "Ada L.", "department_id": w.d2})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["name"], json!("Ada L."));
    assert_eq!(r.json()["manager_id"], Value::Null);
    assert_eq!(r.json()["time_zone"], json!("Asia/Shanghai"));
    let r = call("GET", format!("/api/v1/employees/{ada_id}"), None).await;
    assert_eq!(r.json()["department_id"], json!(w.d2));
    let r = call("DELETE", format!("/api/v1/departments/{ops_a}"), None).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = call("DELETE", format!("/api/v1/departments/{ops}"), None).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = call("GET", format!("/api/v1/departments/{ops}"), None).await;
    assert_eq!(r.status, 404, "{}", r.text);

    // Users, roles, leads and passwords.
    let r = call(
        "POST",
        "/api/v1/users".into(),
        Some(
            json!({"username": "ada", "password": "ada-password-1", "role": "supervisor",
                    "employee_id": ada_id}),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(!r.text.contains("argon2") && !r.text.contains("ada-password-1"));
    let ada_user = r.json()["id"].as_str().unwrap().to_string();
    for (body, code, field) in [
        (
            json!({"username": "ada", "password": "ada-password-1", "role": "employee"}),
            409,
            "username",
        ),
        (
            json!({"username": "bob", "password": "ada-password-1", "role": "boss"}),
            422,
            "role",
        ),
        (
            json!({"username": "bob", "password": "short", "role": "employee"}),
            422,
            "password",
        ),
        (
            json!({"username": " ", "password": "ada-password-1", "role": "employee"}),
            422,
            "username",
        ),
    ] {
        let r = call("POST", "/api/v1/users".into(), Some(body.clone())).await;
        assert_eq!(r.status, code, "{body}: {}", r.text);
        assert_eq!(r.field().as_deref(), Some(field), "{body}: {}", r.text);
    }
    let r = call(
        "PATCH",
        format!("/api/v1/users/{ada_user}"),
        Some(json!({"role": "auditor"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["role"], json!("auditor"));
    let r = call("GET", format!("/api/v1/users/{ada_user}"), None).await;
    assert_eq!(r.json()["role"], json!("auditor"));
    assert_eq!(r.json()["employee_id"], json!(ada_id));
    let lead = format!("/api/v1/departments/{}/leads/{ada_user}", w.d2);
    assert_eq!(call("PUT", lead.clone(), None).await.status, 204);
    assert_eq!(call("PUT", lead.clone(), None).await.status, 204);
    assert_eq!(call("DELETE", lead.clone(), None).await.status, 204);
    assert_eq!(call("DELETE", lead.clone(), None).await.status, 404);
    let r = call(
        "POST",
        format!("/api/v1/users/{ada_user}/password"),
        Some(json!({"password": "ada-password-2"})),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let (_, r) = app.login(w.tenant.id(), "ada", "ada-password-2").await;
    assert_eq!(r.status, 200, "{}", r.text);

    // Devices: registered with a key shown once, which then works.
    let r = call(
        "POST",
        "/api/v1/devices".into(),
        Some(json!({"name": "Front door", "kind": "terminal"})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let key = r.json()["key"].as_str().unwrap().to_string();
    let dev = r.json()["id"].as_str().unwrap().to_string();
    assert!(key.starts_with(&format!("dv_{}_", w.tenant.id())), "{key}");
    let r = call(
        "POST",
        "/api/v1/devices".into(),
        Some(json!({"name": "Toaster", "kind": "toaster"})),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.field().as_deref(), Some("kind"));
    let r = call("GET", "/api/v1/devices".into(), None).await;
    assert!(
        r.text.contains(&dev) && !r.text.contains(&key),
        "{}",
        r.text
    );
    let r = app.get(&Auth::Device(key), "/api/v1/device/whoami").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["device_id"], json!(dev));

    // And reads the audit log of all of it.
    let r = call("GET", "/api/v1/audit?limit=1000".into(), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains(&ada_id) && r.text.contains(&dev));
}

crate::both!(
    employee_sees_only_own_record,
    supervisor_sees_led_subtree,
    auditor_reads_but_never_writes,
    admin_does_everything,
);
