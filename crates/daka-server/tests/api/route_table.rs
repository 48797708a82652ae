//! Every route of the OpenAPI document × every kind of caller, against a hand-written table. A
//! route without a row (or a row without a route) fails the test, so nothing goes unchecked.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::{Mode, PASSWORD, TestApp, Who, World};
use crate::rules_helpers::{Fixture, fixture, import_csv, office, rota};

/// One route and the status each caller gets, in [`Who::ALL`] order.
struct Row {
    method: &'static str,
    path: &'static str,
    expect: [u16; 8],
}

const fn row(method: &'static str, path: &'static str, expect: [u16; 8]) -> Row {
    Row {
        method,
        path,
        expect,
    }
}

/// The path parameters: `/departments/{id}` is D1 (the empty department for DELETE); leads are
/// added to D1a and removed from D1 (the supervisor's lead); `/employees/{id}` is E1 in D1 (the
/// employee user's own record); `/users/{id}` is a plain employee user; `/tokens/{id}` is a token
/// of the employee user; `/photos/{id}` is a photo the employee user uploaded (of E1).
#[rustfmt::skip]
const TABLE: &[Row] = &[
    //   method    path                                              anon emp  sup  sib  adm  aud  ro   dev
    row("POST",   "/api/v1/auth/login",                            [200, 200, 200, 200, 200, 200, 200, 200]),
    row("POST",   "/api/v1/auth/logout",                           [401, 204, 204, 204, 204, 204, 204, 204]),
    row("GET",    "/api/v1/me",                                    [401, 200, 200, 200, 200, 200, 200, 403]),
    row("POST",   "/api/v1/me/password",                           [401, 204, 204, 204, 204, 204, 403, 403]),
    row("GET",    "/api/v1/tokens",                                [401, 200, 200, 200, 200, 200, 200, 403]),
    row("POST",   "/api/v1/tokens",                                [401, 201, 201, 201, 201, 201, 403, 403]),
    row("DELETE", "/api/v1/tokens/{id}",                           [401, 204, 404, 404, 404, 404, 403, 403]),
    row("GET",    "/api/v1/departments",                           [401, 200, 200, 200, 200, 200, 200, 403]),
    row("POST",   "/api/v1/departments",                           [401, 403, 403, 403, 201, 403, 403, 403]),
    row("GET",    "/api/v1/departments/{id}",                      [401, 200, 200, 200, 200, 200, 200, 403]),
    row("PATCH",  "/api/v1/departments/{id}",                      [401, 403, 403, 403, 200, 403, 403, 403]),
    row("DELETE", "/api/v1/departments/{id}",                      [401, 403, 403, 403, 204, 403, 403, 403]),
    row("PUT",    "/api/v1/departments/{id}/leads/{user_id}",      [401, 403, 403, 403, 204, 403, 403, 403]),
    row("DELETE", "/api/v1/departments/{id}/leads/{user_id}",      [401, 403, 403, 403, 204, 403, 403, 403]),
    row("GET",    "/api/v1/employees",                             [401, 200, 200, 200, 200, 200, 200, 403]),
    row("POST",   "/api/v1/employees",                             [401, 403, 403, 403, 201, 403, 403, 403]),
    row("GET",    "/api/v1/employees/{id}",                        [401, 200, 200, 403, 200, 200, 200, 403]),
    row("PUT",    "/api/v1/employees/{id}",                        [401, 403, 403, 403, 200, 403, 403, 403]),
    row("GET",    "/api/v1/users",                                 [401, 403, 403, 403, 200, 200, 200, 403]),
    row("POST",   "/api/v1/users",                                 [401, 403, 403, 403, 201, 403, 403, 403]),
    row("GET",    "/api/v1/users/{id}",                            [401, 403, 403, 403, 200, 200, 200, 403]),
    row("PATCH",  "/api/v1/users/{id}",                            [401, 403, 403, 403, 200, 403, 403, 403]),
    row("POST",   "/api/v1/users/{id}/password",                   [401, 403, 403, 403, 204, 403, 403, 403]),
    row("GET",    "/api/v1/devices",                               [401, 403, 403, 403, 200, 200, 200, 403]),
    row("POST",   "/api/v1/devices",                               [401, 403, 403, 403, 201, 403, 403, 403]),
    row("GET",    "/api/v1/device/whoami",                         [401, 403, 403, 403, 403, 403, 403, 200]),
    row("POST",   "/api/v1/photos",                                [401, 201, 403, 403, 201, 403, 403, 201]),
    row("GET",    "/api/v1/photos/{id}",                           [401, 200, 200, 403, 200, 200, 200, 403]),
    row("GET",    "/api/v1/photos/{id}/meta",                      [401, 200, 200, 403, 200, 200, 200, 403]),
    row("GET",    "/api/v1/audit",                                 [401, 403, 403, 403, 200, 200, 200, 403]),
    row("GET",    "/api/v1/rules",                                 [401, 403, 200, 200, 200, 200, 200, 403]),
    row("POST",   "/api/v1/rules",                                 [401, 403, 403, 403, 201, 403, 403, 403]),
    row("GET",    "/api/v1/rules/{id}",                            [401, 403, 200, 200, 200, 200, 200, 403]),
    row("PATCH",  "/api/v1/rules/{id}",                            [401, 403, 403, 403, 200, 403, 403, 403]),
    row("POST",   "/api/v1/rules/{id}/versions",                   [401, 403, 403, 403, 201, 403, 403, 403]),
    row("POST",   "/api/v1/rules/{id}/assignments",                [401, 403, 403, 403, 201, 403, 403, 403]),
    row("GET",    "/api/v1/rule-assignments",                      [401, 403, 200, 200, 200, 200, 200, 403]),
    row("DELETE", "/api/v1/rule-assignments/{id}",                 [401, 403, 403, 403, 204, 403, 403, 403]),
    row("GET",    "/api/v1/employees/{id}/rule",                   [401, 200, 200, 403, 200, 200, 200, 403]),
    row("PUT",    "/api/v1/employees/{id}/rota/{date}",            [401, 403, 403, 403, 200, 403, 403, 403]),
    row("DELETE", "/api/v1/employees/{id}/rota/{date}",            [401, 403, 403, 403, 204, 403, 403, 403]),
    row("GET",    "/api/v1/rota",                                  [401, 200, 200, 200, 200, 200, 200, 403]),
    row("POST",   "/api/v1/rota/import",                           [401, 403, 403, 403, 200, 403, 403, 403]),
    row("GET",    "/api/v1/special-days",                          [401, 200, 200, 200, 200, 200, 200, 403]),
    row("PUT",    "/api/v1/special-days/{date}",                   [401, 403, 403, 403, 200, 403, 403, 403]),
    row("DELETE", "/api/v1/special-days/{date}",                   [401, 403, 403, 403, 204, 403, 403, 403]),
    row("GET",    "/api/v1/sites",                                 [401, 403, 200, 200, 200, 200, 200, 403]),
    row("POST",   "/api/v1/sites",                                 [401, 403, 403, 403, 201, 403, 403, 403]),
    row("GET",    "/api/v1/sites/{id}",                            [401, 403, 200, 200, 200, 200, 200, 403]),
    row("PUT",    "/api/v1/sites/{id}",                            [401, 403, 403, 403, 200, 403, 403, 403]),
    row("DELETE", "/api/v1/sites/{id}",                            [401, 403, 403, 403, 204, 403, 403, 403]),
    row("POST",   "/api/v1/sites/{id}/check",                      [401, 403, 403, 403, 200, 403, 200, 403]),
    row("GET",    "/api/v1/punches",                               [401, 200, 200, 200, 200, 200, 200, 403]),
    row("POST",   "/api/v1/punches",                               [401, 201, 403, 403, 201, 403, 403, 201]),
    row("POST",   "/api/v1/punches/batch",                         [401, 200, 200, 200, 200, 200, 403, 200]),
    row("GET",    "/api/v1/punches/{id}",                          [401, 200, 200, 403, 200, 200, 200, 403]),
    // The supervisor (tried before the admin) approves the exception; the admin finds it done.
    row("POST",   "/api/v1/punches/{id}/review",                   [401, 403, 200, 403, 409, 403, 403, 403]),
    row("GET",    "/api/v1/results/days",                          [401, 200, 200, 403, 200, 200, 200, 403]),
    row("GET",    "/api/v1/results/months",                        [401, 200, 200, 403, 200, 200, 200, 403]),
    row("GET",    "/api/v1/me/results/days",                       [401, 200, 200, 200, 200, 200, 200, 403]),
    row("GET",    "/api/v1/me/results/months",                     [401, 200, 200, 200, 200, 200, 200, 403]),
    row("GET",    "/api/v1/me/export",                             [401, 200, 200, 200, 200, 200, 200, 403]),
    row("GET",    "/healthz",                                      [200, 200, 200, 200, 200, 200, 200, 200]),
    row("GET",    "/readyz",                                       [200, 200, 200, 200, 200, 200, 200, 200]),
    row("GET",    "/metrics",                                      [200, 200, 200, 200, 200, 200, 200, 200]),
];

/// The callers in the order they are tried: the admin last, so a successful write (a delete)
/// cannot change what the others see.
const ORDER: [Who; 8] = [
    Who::Anonymous,
    Who::Employee,
    Who::Supervisor,
    Who::Sibling,
    Who::Auditor,
    Who::ReadOnly,
    Who::Device,
    Who::Admin,
];

/// Every (METHOD, path) of the OpenAPI document.
pub fn openapi_routes() -> BTreeSet<(String, String)> {
    let doc = serde_json::to_value(daka_server::openapi()).expect("openapi as JSON");
    routes_of(&doc)
}

pub fn routes_of(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in [
            "get", "put", "post", "delete", "patch", "head", "options", "trace",
        ] {
            if item.get(method).is_some() {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

pub fn table_routes() -> BTreeSet<(String, String)> {
    TABLE
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect()
}

fn concrete(w: &World, fx: &Fixture, method: &str, path: &str) -> String {
    let p = match (method, path) {
        (
            _,
            "/api/v1/rules/{id}" | "/api/v1/rules/{id}/versions" | "/api/v1/rules/{id}/assignments",
        ) => path.replace("{id}", &fx.rule),
        (_, "/api/v1/rule-assignments/{id}") => path.replace("{id}", &fx.assignment),
        (_, "/api/v1/employees/{id}/rule") => {
            format!("/api/v1/employees/{}/rule?date=2026-03-02", w.e1)
        }
        ("PUT", "/api/v1/employees/{id}/rota/{date}") => {
            path.replace("{id}", &w.e1).replace("{date}", "2026-03-03")
        }
        (_, "/api/v1/employees/{id}/rota/{date}") => {
            path.replace("{id}", &w.e1).replace("{date}", "2026-03-02")
        }
        (_, "/api/v1/rota") => "/api/v1/rota?from=2026-03-01&to=2026-03-31".into(),
        ("PUT", "/api/v1/special-days/{date}") => path.replace("{date}", "2026-10-02"),
        (_, "/api/v1/special-days/{date}") => path.replace("{date}", "2026-10-01"),
        ("DELETE", "/api/v1/departments/{id}") => path.replace("{id}", &w.empty),
        (_, "/api/v1/departments/{id}") => path.replace("{id}", &w.d1),
        ("PUT", "/api/v1/departments/{id}/leads/{user_id}") => {
            path.replace("{id}", &w.d1a).replace("{user_id}", &w.target)
        }
        ("DELETE", "/api/v1/departments/{id}/leads/{user_id}") => path
            .replace("{id}", &w.d1)
            .replace("{user_id}", w.user(Who::Supervisor)),
        (_, "/api/v1/employees/{id}") => path.replace("{id}", &w.e1),
        (_, "/api/v1/users/{id}" | "/api/v1/users/{id}/password") => {
            path.replace("{id}", &w.target)
        }
        (_, "/api/v1/tokens/{id}") => path.replace("{id}", &w.spare_token),
        // Results of E1 (in D1): the employee's own, in the supervisor's subtree.
        (_, "/api/v1/results/days") => {
            format!("{path}?from=2026-03-02&to=2026-03-06&employee_id={}", w.e1)
        }
        (_, "/api/v1/results/months") => format!("{path}?month=2026-03&employee_id={}", w.e1),
        (_, "/api/v1/me/results/days") => format!("{path}?from=2026-03-02&to=2026-03-06"),
        (_, "/api/v1/me/results/months") => format!("{path}?month=2026-03"),
        _ => path.to_string(),
    };
    assert!(!p.contains('{'), "no parameters for {method} {path}");
    p
}

/// A valid body for the route; names are unique per caller so a write that wrongly succeeds
/// cannot make the admin's (last) attempt fail.
fn body(w: &World, method: &str, path: &str, who: Who) -> Option<Value> {
    let tag = format!("{who:?}").to_lowercase();
    Some(match (method, path) {
        ("POST", "/api/v1/auth/login") => {
            json!({"tenant": w.tenant.id(), "username": "admin", "password": PASSWORD})
        }
        ("POST", "/api/v1/me/password") => {
            json!({"current_password": PASSWORD, "new_password": PASSWORD})
        }
        ("POST", "/api/v1/tokens") => json!({"name": format!("by-{tag}"), "scopes": ["read"]}),
        ("POST", "/api/v1/departments") => {
            json!({"name": format!("New-{tag}"), "parent_id": w.d1})
        }
        ("PATCH", "/api/v1/departments/{id}") => json!({"name": format!("Renamed-{tag}")}),
        ("POST", "/api/v1/employees") => {
            json!({"employee_no": format!("N-{tag}"), "name": "New Person", "department_id": w.d1})
        }
        ("PUT", "/api/v1/employees/{id}") => json!({
            "employee_no": w.e1_no, "name": format!("Renamed-{tag}"), "department_id": w.d1
        }),
        ("POST", "/api/v1/users") => json!({
            "username": format!("new-{tag}"), "password": "a-new-password", "role": "employee"
        }),
        ("PATCH", "/api/v1/users/{id}") => json!({"role": "supervisor"}),
        ("POST", "/api/v1/users/{id}/password") => json!({"password": "a-new-password"}),
        ("POST", "/api/v1/devices") => json!({"name": format!("Gate-{tag}"), "kind": "kiosk"}),
        ("POST", "/api/v1/rules") => {
            json!({"name": format!("Rule-{tag}"), "version": office("2026-01-01", 5)})
        }
        ("PATCH", "/api/v1/rules/{id}") => json!({"name": format!("Renamed-{tag}")}),
        ("POST", "/api/v1/rules/{id}/versions") => rota("2026-06-01", &["D", "N"]),
        ("POST", "/api/v1/rules/{id}/assignments") => {
            json!({"employee_id": w.e1, "effective_from": "2026-05-01"})
        }
        ("PUT", "/api/v1/employees/{id}/rota/{date}") => json!({"shift": "D"}),
        ("PUT", "/api/v1/special-days/{date}") => {
            json!({"kind": "workday", "name": format!("By {tag}")})
        }
        ("POST", "/api/v1/sites") | ("PUT", "/api/v1/sites/{id}") => {
            crate::punch_fixture::office_site(&format!("Site-{tag}"))
        }
        ("POST", "/api/v1/sites/{id}/check") => json!({"position": crate::punch_fixture::position(
            crate::punch_fixture::WGS, "wgs84", 10.0)}),
        ("POST", "/api/v1/punches") => {
            json!({"id": crate::punch_fixture::uuid(), "employee_id": w.e1,
            "device_time": crate::punch_fixture::now_plus(0)})
        }
        ("POST", "/api/v1/punches/batch") => {
            json!({"punches": [{"id": crate::punch_fixture::uuid(),
            "employee_id": w.e1, "device_time": crate::punch_fixture::now_plus(0)}]})
        }
        ("POST", "/api/v1/punches/{id}/review") => json!({"approve": true}),
        _ => return None,
    })
}

async fn run_row(app: &TestApp, mode: Mode, i: usize) -> Vec<String> {
    let r = &TABLE[i];
    let w = World::build(app, &format!("row{i}"), mode).await;
    let fx = fixture(app, &w).await;
    let photo = crate::photo_images::jpeg(Some(&crate::photo_images::full_meta()));
    // Photos, sites and punches are made for their own rows (they have no place in every world).
    let path = if r.path.starts_with("/api/v1/photos/{id}") {
        let up = crate::photos::upload(app, w.auth(Who::Employee), "", &photo, "image/jpeg").await;
        assert_eq!(up.status, 201, "seed photo: {}", up.text);
        r.path
            .replace("{id}", up.json()["id"].as_str().expect("photo id"))
    } else if r.path.starts_with("/api/v1/sites/{id}") {
        let (id, _) = crate::punch_fixture::site(
            app,
            &w.admin(),
            crate::punch_fixture::office_site("Fixture"),
        )
        .await;
        r.path.replace("{id}", &id)
    } else if r.path.starts_with("/api/v1/punches/{id}") {
        let id = crate::punch_fixture::pending_exception(app, &w).await;
        r.path.replace("{id}", &id)
    } else {
        concrete(&w, &fx, r.method, r.path)
    };
    let mut wrong = Vec::new();
    for who in ORDER {
        let col = Who::ALL.iter().position(|x| *x == who).expect("column");
        let b = body(&w, r.method, r.path, who);
        let resp = if r.path == "/api/v1/rota/import" {
            let csv = format!("employee_no,date,shift\n{},2026-03-04,D\n", w.e1_no);
            import_csv(app, w.auth(who), &csv).await
        } else if (r.method, r.path) == ("POST", "/api/v1/photos") {
            crate::photos::upload(app, w.auth(who), "", &photo, "image/jpeg").await
        } else {
            app.call(w.auth(who), r.method, &path, b.as_ref()).await
        };
        if resp.status != r.expect[col] {
            wrong.push(format!(
                "{mode:?} {} {} as {who:?}: expected {}, got {} {}",
                r.method, r.path, r.expect[col], resp.status, resp.text
            ));
        }
    }
    wrong
}

async fn route_table(url: String, mode: Mode) {
    let documented = openapi_routes();
    let tabled = table_routes();
    let missing: Vec<_> = documented.difference(&tabled).collect();
    assert!(missing.is_empty(), "routes without a row: {missing:?}");
    let stale: Vec<_> = tabled.difference(&documented).collect();
    assert!(stale.is_empty(), "rows without a route: {stale:?}");
    assert_eq!(tabled.len(), TABLE.len(), "a route has two rows");

    let dir = crate::photos::photo_dir();
    let app = std::sync::Arc::new(TestApp::spawn_with(&url, crate::photos::config(&dir)).await);
    let mut tasks = Vec::new();
    for i in 0..TABLE.len() {
        let app = app.clone();
        tasks.push(tokio::spawn(async move { run_row(&app, mode, i).await }));
    }
    let mut wrong = Vec::new();
    for t in tasks {
        wrong.extend(t.await.expect("row task"));
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        wrong.is_empty(),
        "{} unexpected answers:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

async fn route_table_sessions(url: String) {
    route_table(url, Mode::Session).await;
}

async fn route_table_tokens(url: String) {
    route_table(url, Mode::Token).await;
}

crate::both!(route_table_sessions, route_table_tokens);
