//! Tenant A's users, tokens and devices probing tenant B: every id of B is unknown to them (404,
//! or exactly the answer an id that exists nowhere gets), lists hold none of B's rows, borrowed
//! credentials naming B fail, and B's data is unchanged afterwards.

use serde_json::{Value, json};

use crate::helpers::{Auth, Mode, PASSWORD, Resp, TestApp, Who, World, snapshot};

/// The ids a probe aims at: tenant B's, or ids that exist in no tenant.
struct Ids {
    root: String,
    d1: String,
    empty: String,
    sup: String,
    target: String,
    e1: String,
    e2: String,
    token: String,
}

fn ids_of(w: &World) -> Ids {
    Ids {
        root: w.root.clone(),
        d1: w.d1.clone(),
        empty: w.empty.clone(),
        sup: w.user(Who::Supervisor).to_string(),
        target: w.target.clone(),
        e1: w.e1.clone(),
        e2: w.e2.clone(),
        token: w.spare_token.clone(),
    }
}

fn nowhere() -> Ids {
    let id = daka_store::new_id;
    Ids {
        root: id(),
        d1: id(),
        empty: id(),
        sup: id(),
        target: id(),
        e1: id(),
        e2: id(),
        token: id(),
    }
}

struct Probe {
    method: &'static str,
    path: String,
    body: Option<Value>,
    /// The foreign id is in the path (a caller allowed to act gets 404); otherwise it is in the
    /// body (an invalid reference, 422, like any id that does not exist).
    in_path: bool,
}

fn probe(method: &'static str, path: String, body: Option<Value>, in_path: bool) -> Probe {
    Probe {
        method,
        path,
        body,
        in_path,
    }
}

/// Every route that takes an id, aimed at `x`'s ids (A's own ids where a route takes two).
fn probes(a: &World, x: &Ids) -> Vec<Probe> {
    let d = |id: &str| format!("/api/v1/departments/{id}");
    let lead = |dep: &str, user: &str| format!("/api/v1/departments/{dep}/leads/{user}");
    vec![
        probe("GET", d(&x.d1), None, true),
        probe("PATCH", d(&x.d1), Some(json!({"name": "hijacked"})), true),
        probe("PATCH", d(&x.d1), Some(json!({"parent_id": null})), true),
        probe("DELETE", d(&x.empty), None, true),
        probe("PUT", lead(&x.d1, &x.sup), None, true),
        probe("DELETE", lead(&x.d1, &x.sup), None, true),
        probe("PUT", lead(&a.d1, &x.sup), None, true),
        probe("DELETE", lead(&a.d1, &x.sup), None, true),
        probe("PUT", lead(&x.d1, &a.target), None, true),
        probe("GET", format!("/api/v1/employees/{}", x.e1), None, true),
        probe(
            "PUT",
            format!("/api/v1/employees/{}", x.e1),
            Some(json!({"employee_no": "hijack", "name": "hijacked"})),
            true,
        ),
        probe("GET", format!("/api/v1/users/{}", x.target), None, true),
        probe("GET", format!("/api/v1/users/{}", x.sup), None, true),
        probe(
            "PATCH",
            format!("/api/v1/users/{}", x.target),
            Some(json!({"role": "admin"})),
            true,
        ),
        probe(
            "POST",
            format!("/api/v1/users/{}/password", x.target),
            Some(json!({"password": "hijacked-password"})),
            true,
        ),
        probe("DELETE", format!("/api/v1/tokens/{}", x.token), None, true),
        // Ids of B inside bodies.
        probe(
            "POST",
            "/api/v1/departments".into(),
            Some(json!({"name": "cross", "parent_id": x.d1})),
            false,
        ),
        probe("PATCH", d(&a.d1), Some(json!({"parent_id": x.root})), false),
        probe(
            "POST",
            "/api/v1/employees".into(),
            Some(json!({"employee_no": "cross-1", "name": "x", "department_id": x.d1})),
            false,
        ),
        probe(
            "POST",
            "/api/v1/employees".into(),
            Some(json!({"employee_no": "cross-2", "name": "x", "manager_id": x.e2})),
            false,
        ),
        probe(
            "PUT",
            format!("/api/v1/employees/{}", a.e1),
            Some(json!({"employee_no": a.e1_no, "name": "x", "department_id": x.d1})),
            false,
        ),
        probe(
            "POST",
            "/api/v1/users".into(),
            Some(
                json!({"username": "cross", "password": PASSWORD, "role": "employee",
                        "employee_id": x.e1}),
            ),
            false,
        ),
    ]
}

/// B's ids and names, none of which may appear in anything A is shown.
fn secrets_of(b: &World) -> Vec<String> {
    let mut s = vec![
        b.tenant.id().to_string(),
        b.root.clone(),
        b.d1.clone(),
        b.d1a.clone(),
        b.d2.clone(),
        b.empty.clone(),
        b.e1.clone(),
        b.e1a.clone(),
        b.e2.clone(),
        b.target.clone(),
        b.spare_token.clone(),
        b.device.clone(),
        b.prefix.clone(),
    ];
    s.extend(b.users.values().cloned());
    s
}

fn leaks(r: &Resp, secrets: &[String]) -> Option<String> {
    secrets
        .iter()
        .find(|s| r.text.contains(s.as_str()))
        .map(|s| format!("shows B's {s}: {}", r.text))
}

/// A's callers: every user role by session, the admin's tokens, and A's device.
fn callers(a: &World) -> Vec<(String, Auth)> {
    let mut out: Vec<(String, Auth)> = [
        Who::Employee,
        Who::Supervisor,
        Who::Sibling,
        Who::Admin,
        Who::Auditor,
        Who::ReadOnly,
        Who::Device,
    ]
    .into_iter()
    .map(|w| (format!("{w:?}"), a.auth(w).clone()))
    .collect();
    out.push(("AdminToken".into(), a.admin()));
    out
}

async fn cross_tenant_probes(url: String) {
    let app = TestApp::spawn(&url).await;
    let a = World::build(&app, "TenantA", Mode::Session).await;
    let b = World::build(&app, "TenantB", Mode::Token).await;
    let before = snapshot(&app, &b.tenant).await;
    let secrets = secrets_of(&b);
    let (at_b, at_nowhere) = (probes(&a, &ids_of(&b)), probes(&a, &nowhere()));
    let mut wrong = Vec::new();
    for (name, auth) in callers(&a) {
        let admin = name == "Admin" || name == "AdminToken";
        for (pb, pn) in at_b.iter().zip(&at_nowhere) {
            let rb = app.call(&auth, pb.method, &pb.path, pb.body.as_ref()).await;
            let rn = app.call(&auth, pn.method, &pn.path, pn.body.as_ref()).await;
            let what = format!("{name} {} {} {:?}", pb.method, pb.path, pb.body);
            if (200..300).contains(&rb.status) {
                wrong.push(format!("{what}: succeeded: {} {}", rb.status, rb.text));
            }
            if admin && pb.in_path && rb.status != 404 {
                wrong.push(format!(
                    "{what}: expected 404, got {} {}",
                    rb.status, rb.text
                ));
            }
            if admin && pb.in_path && rb.code().as_deref() != Some("not_found") {
                wrong.push(format!("{what}: not the not_found error body: {}", rb.text));
            }
            if (rb.status, rb.code(), rb.field()) != (rn.status, rn.code(), rn.field()) {
                wrong.push(format!(
                    "{what}: answered {} {} but {} {} for an id that exists nowhere",
                    rb.status, rb.text, rn.status, rn.text
                ));
            }
            if let Some(l) = leaks(&rb, &secrets) {
                wrong.push(format!("{what}: {l}"));
            }
        }
        // Lists: none of B's rows, whatever the caller may read.
        for path in [
            "/api/v1/departments",
            "/api/v1/employees?limit=500",
            "/api/v1/users?limit=500",
            "/api/v1/devices",
            "/api/v1/tokens",
            "/api/v1/audit?limit=1000",
            "/api/v1/me",
            "/api/v1/device/whoami",
        ] {
            let r = app.get(&auth, path).await;
            if let Some(l) = leaks(&r, &secrets) {
                wrong.push(format!("{name} GET {path}: {l}"));
            }
        }
    }
    // The admin's lists do hold A's own rows (the probes above were not vacuous).
    let deps = app.get(&a.admin(), "/api/v1/departments").await;
    assert!(deps.text.contains(&a.d1), "{}", deps.text);
    let emps = app.get(&a.admin(), "/api/v1/employees").await;
    assert!(emps.text.contains(&a.e1), "{}", emps.text);
    assert!(
        wrong.is_empty(),
        "{} problems:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(snapshot(&app, &b.tenant).await, before, "B's data changed");
    // B still works for B.
    let r = app
        .get(&b.admin(), &format!("/api/v1/employees/{}", b.e1))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

/// Credentials of A presented as B's (the tenant part swapped) are unknown: 401.
async fn borrowed_credentials(url: String) {
    let app = TestApp::spawn(&url).await;
    let a = World::build(&app, "TenantA", Mode::Session).await;
    let b = World::build(&app, "TenantB", Mode::Token).await;
    let (aid, bid) = (a.tenant.id(), b.tenant.id());
    let swap = |s: &str| s.replace(aid, bid);
    let Auth::Session { cookie, csrf } = a.auth(Who::Admin).clone() else {
        panic!("session expected");
    };
    let Auth::Device(key) = a.auth(Who::Device).clone() else {
        panic!("device expected");
    };
    let forged = [
        Auth::Token(swap(&a.admin_token)),
        Auth::Session {
            cookie: swap(&cookie),
            csrf,
        },
        Auth::Device(swap(&key)),
    ];
    for auth in &forged {
        for path in ["/api/v1/me", "/api/v1/employees", "/api/v1/device/whoami"] {
            let r = app.get(auth, path).await;
            assert_eq!(r.status, 401, "{auth:?} {path}: {}", r.text);
        }
        let r = app
            .post(auth, "/api/v1/departments", &json!({"name": "forged"}))
            .await;
        assert_eq!(r.status, 401, "{auth:?}: {}", r.text);
    }
    // The originals still work in A.
    assert_eq!(app.get(&a.admin(), "/api/v1/me").await.status, 200);
    let r = app.get(a.auth(Who::Device), "/api/v1/device/whoami").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["tenant_id"], json!(aid));
    assert_eq!(r.json()["device_id"], json!(a.device));
}

/// The brief asks for 404 from a device too; the server refuses devices everything but punches
/// with 403 before looking anything up.
async fn device_gets_404_for_other_tenants_ids(url: String) {
    let app = TestApp::spawn(&url).await;
    let a = World::build(&app, "TenantA", Mode::Token).await;
    let b = World::build(&app, "TenantB", Mode::Token).await;
    let mut wrong = Vec::new();
    for p in probes(&a, &ids_of(&b)).iter().filter(|p| p.in_path) {
        let r = app
            .call(a.auth(Who::Device), p.method, &p.path, p.body.as_ref())
            .await;
        if r.status != 404 {
            wrong.push(format!("{} {}: {} {}", p.method, p.path, r.status, r.text));
        }
    }
    assert!(wrong.is_empty(), "expected 404:\n{}", wrong.join("\n"));
}

crate::both!(
    cross_tenant_probes,
    borrowed_credentials,
    device_gets_404_for_other_tenants_ids,
);
