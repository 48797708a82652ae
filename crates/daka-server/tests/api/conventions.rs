//! API conventions: the error body and its statuses, request ids, body limits, cursor
//! pagination, health, readiness, metrics and the OpenAPI document.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::{Auth, Mode, Resp, TestApp, Who, World, send};
use crate::route_table::{openapi_routes, routes_of, table_routes};

/// `{"error": {"code", "message", "field"}}` and nothing else.
#[track_caller]
fn assert_error_body(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    let v = r.json();
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("not JSON: {}", r.text));
    assert_eq!(obj.len(), 1, "{}", r.text);
    let e = v["error"].as_object().expect("error object");
    assert_eq!(e["code"], json!(code), "{}", r.text);
    assert!(
        e["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{}",
        r.text
    );
    assert!(e.contains_key("field"), "{}", r.text);
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "{:?}",
        r.headers
    );
}

async fn raw_post(app: &TestApp, auth: &Auth, path: &str, body: &str, json: bool) -> Resp {
    let mut rb = app.request(auth, "POST", path).body(body.to_string());
    if json {
        rb = rb.header("content-type", "application/json");
    }
    send(rb).await
}

async fn malformed_and_mistyped_bodies(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "conv", Mode::Token).await;
    let admin = w.admin();
    let before = app.audit(&w.tenant).await.len();
    for body in [
        "{\"employee_no\": ",
        "not json",
        "",
        "{\"employee_no\": \"1\",}",
    ] {
        let r = raw_post(&app, &admin, "/api/v1/employees", body, true).await;
        assert_error_body(&r, 400, "bad_request");
    }
    // Not declared as JSON.
    let r = raw_post(
        &app,
        &admin,
        "/api/v1/employees",
        "{\"employee_no\": \"1\", \"name\": \"x\"}",
        false,
    )
    .await;
    assert!(matches!(r.status, 400 | 415), "{}", r.text);
    // A field of the wrong type: 422 naming it.
    for (path, body, field) in [
        (
            "/api/v1/employees",
            json!({"employee_no": 5, "name": "x"}),
            "employee_no",
        ),
        (
            "/api/v1/employees",
            json!({"employee_no": "5", "name": ["x"]}),
            "name",
        ),
        (
            "/api/v1/employees",
            json!({"employee_no": "5", "name": "x", "department_id": 7}),
            "department_id",
        ),
        ("/api/v1/departments", json!({"name": true}), "name"),
        (
            "/api/v1/tokens",
            json!({"name": "t", "scopes": "read"}),
            "scopes",
        ),
        (
            "/api/v1/tokens",
            json!({"name": "t", "expires_in_days": -1}),
            "expires_in_days",
        ),
    ] {
        let r = app.post(&admin, path, &body).await;
        assert_error_body(&r, 422, "invalid");
        assert_eq!(r.field().as_deref(), Some(field), "{body}: {}", r.text);
    }
    // Values the store refuses name their field too.
    for (body, field) in [
        (json!({"employee_no": " ", "name": "x"}), "employee_no"),
        (json!({"employee_no": "9", "name": " "}), "name"),
        (
            json!({"employee_no": "9", "name": "x", "time_zone": "Mars/Olympus"}),
            "time_zone",
        ),
        (
            json!({"employee_no": "9", "name": "x", "active_from": "2026-02-30"}),
            "active_from",
        ),
        (
            json!({"employee_no": "9", "name": "x", "department_id": "no-such-department"}),
            "department_id",
        ),
    ] {
        let r = app.post(&admin, "/api/v1/employees", &body).await;
        assert_error_body(&r, 422, "invalid");
        assert_eq!(r.field().as_deref(), Some(field), "{body}: {}", r.text);
    }
    assert_eq!(
        app.audit(&w.tenant).await.len(),
        before,
        "a refused write was audited"
    );
}

/// A missing or unknown field is named in `error.field`, not only in the message.
async fn missing_and_unknown_fields_are_named(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "conv", Mode::Token).await;
    let admin = w.admin();
    let mut wrong = Vec::new();
    for (body, field) in [
        (json!({"name": "x"}), "employee_no"),
        (
            json!({"employee_no": "1", "name": "x", "nickname": "y"}),
            "nickname",
        ),
    ] {
        let r = app.post(&admin, "/api/v1/employees", &body).await;
        assert_error_body(&r, 422, "invalid");
        if r.field().as_deref() != Some(field) {
            wrong.push(format!("{body}: expected field {field:?}, got {}", r.text));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Query strings the API cannot read are refused with the error body, naming the parameter.
async fn bad_query_parameters_get_the_error_body(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "query", Mode::Token).await;
    let mut wrong = Vec::new();
    for path in [
        "/api/v1/employees?limit=ten",
        "/api/v1/users?limit=-",
        "/api/v1/audit?limit=1.5",
    ] {
        let r = app.get(&w.admin(), path).await;
        let ok = matches!(r.status, 400 | 422)
            && r.json()["error"]["code"].is_string()
            && r.field().as_deref() == Some("limit");
        if !ok {
            wrong.push(format!(
                "GET {path}: {} {:?} {}",
                r.status,
                r.header("content-type"),
                r.text
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A known path with a method it does not take: 405 with the error body.
async fn wrong_method_gets_the_error_body(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "method", Mode::Token).await;
    let r = app
        .call(&w.admin(), "DELETE", "/api/v1/employees", None)
        .await;
    assert_eq!(r.status, 405, "{}", r.text);
    assert!(r.header("allow").is_some(), "{:?}", r.headers);
    assert!(r.json()["error"]["code"].is_string(), "body: {:?}", r.text);
}

async fn duplicates_are_409_naming_the_field(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "dup", Mode::Token).await;
    let admin = w.admin();
    let r = app
        .post(
            &admin,
            "/api/v1/employees",
            &json!({"employee_no": "D-1", "name": "One"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    for no in ["D-1", " D-1 "] {
        let r = app
            .post(
                &admin,
                "/api/v1/employees",
                &json!({"employee_no": no, "name": "Two"}),
            )
            .await;
        assert_error_body(&r, 409, "conflict");
        assert_eq!(r.field().as_deref(), Some("employee_no"), "{}", r.text);
    }
    let r = app
        .call(
            &admin,
            "PUT",
            &format!("/api/v1/employees/{}", w.e2),
            Some(&json!({"employee_no": "D-1", "name": "Two"})),
        )
        .await;
    assert_error_body(&r, 409, "conflict");
    assert_eq!(r.field().as_deref(), Some("employee_no"), "{}", r.text);
    // The same number in another tenant is fine.
    let other = World::build(&app, "dup2", Mode::Token).await;
    let r = app
        .post(
            &other.admin(),
            "/api/v1/employees",
            &json!({"employee_no": "D-1", "name": "One"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // A department with employees cannot go.
    let r = app
        .call(
            &admin,
            "DELETE",
            &format!("/api/v1/departments/{}", w.d2),
            None,
        )
        .await;
    assert_error_body(&r, 409, "conflict");
}

async fn oversized_body_is_413(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "big", Mode::Token).await;
    let name = "x".repeat(2 * 1024 * 1024);
    let r = app
        .post(
            &w.admin(),
            "/api/v1/employees",
            &json!({"employee_no": "BIG", "name": name}),
        )
        .await;
    assert_error_body(&r, 413, "payload_too_large");
    assert!(r.header("x-request-id").is_some());
    let r = app
        .post(
            &w.admin(),
            "/api/v1/employees",
            &json!({"employee_no": "SMALL", "name": "x".repeat(1000)}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
}

async fn unknown_routes_are_404_with_the_error_body(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "nf", Mode::Token).await;
    for auth in [Auth::None, w.admin()] {
        for (method, path) in [
            ("GET", "/api/v1/nope"),
            ("POST", "/api/v1/nope"),
            ("GET", "/nope"),
            ("GET", "/api/v2/employees"),
            ("GET", "/api/v1/employees/x/y"),
        ] {
            let r = app.call(&auth, method, path, None).await;
            assert_error_body(&r, 404, "not_found");
            assert!(r.header("x-request-id").is_some());
        }
    }
    // Unknown ids of known routes too.
    let r = app.get(&w.admin(), "/api/v1/employees/no-such-id").await;
    assert_error_body(&r, 404, "not_found");
    let r = app.get(&Auth::None, "/api/v1/employees").await;
    assert_error_body(&r, 401, "unauthorized");
    let r = app.get(w.auth(Who::Employee), "/api/v1/users").await;
    assert_error_body(&r, 403, "forbidden");
}

async fn request_ids(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "rid", Mode::Token).await;
    let mut seen = BTreeSet::new();
    for (auth, path) in [
        (w.admin(), "/api/v1/me"),
        (Auth::None, "/api/v1/me"),
        (w.admin(), "/api/v1/nope"),
        (w.auth(Who::Employee).clone(), "/api/v1/users"),
        (Auth::None, "/healthz"),
        (Auth::None, "/readyz"),
        (Auth::None, "/metrics"),
        (Auth::None, "/api/openapi.json"),
    ] {
        let r = app.get(&auth, path).await;
        let id = r
            .header("x-request-id")
            .unwrap_or_else(|| panic!("GET {path} ({}) has no x-request-id", r.status));
        assert!(!id.is_empty());
        assert!(seen.insert(id), "request ids repeat");
        let sent = format!("test-{}", seen.len());
        let r = send(
            app.request(&auth, "GET", path)
                .header("x-request-id", &sent),
        )
        .await;
        assert_eq!(r.header("x-request-id"), Some(sent), "GET {path}");
    }
    let r = send(
        app.request(&w.admin(), "POST", "/api/v1/departments")
            .header("x-request-id", "write-1")
            .json(&json!({"name": "Traced"})),
    )
    .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.header("x-request-id").as_deref(), Some("write-1"));
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|v| v["id"].as_str().expect("id").to_string())
        .collect()
}

async fn cursor_pagination(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "page", Mode::Token).await;
    let admin = w.admin();
    let mut made = vec![w.e1.clone(), w.e1a.clone(), w.e2.clone()];
    for i in 0..20 {
        let dep = if i % 2 == 0 { &w.d1 } else { &w.d2 };
        made.push(
            app.employee(&w.tenant, &format!("P-{i:02}"), Some(dep))
                .await,
        );
    }
    for limit in [1, 5, 7, 23, 100] {
        let got = ids(&app.all_pages(&admin, "/api/v1/employees", limit).await);
        assert_eq!(got.len(), made.len(), "limit {limit}");
        let unique: BTreeSet<_> = got.iter().cloned().collect();
        assert_eq!(unique.len(), got.len(), "limit {limit}: an employee twice");
        assert_eq!(unique, made.iter().cloned().collect(), "limit {limit}");
        let mut sorted = got.clone();
        sorted.sort();
        assert_eq!(got, sorted, "limit {limit}: not in a stable order");
    }
    // Limits are clamped, not refused.
    let r = app.get(&admin, "/api/v1/employees?limit=0").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 1);
    let r = app.get(&admin, "/api/v1/employees?limit=100000").await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), made.len());
    assert_eq!(r.json()["next_cursor"], Value::Null);
    // A supervisor's pages walk their scope only, each once.
    let sup = ids(&app
        .all_pages(w.auth(Who::Supervisor), "/api/v1/employees", 3)
        .await);
    assert_eq!(sup.len(), 12);
    assert_eq!(sup.iter().collect::<BTreeSet<_>>().len(), 12);
    // A write between pages neither repeats nor skips what was there.
    let first = app.get(&admin, "/api/v1/employees?limit=10").await.json();
    app.employee(&w.tenant, "P-late", None).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = app
        .pages_after(&admin, "/api/v1/employees", 10, Some(cursor.to_string()))
        .await;
    let mut walked = ids(first["items"].as_array().unwrap());
    walked.extend(ids(&rest));
    assert_eq!(walked.len(), made.len() + 1);
    assert_eq!(walked.iter().collect::<BTreeSet<_>>().len(), made.len() + 1);
    // Users and the audit log page the same way.
    for i in 0..7 {
        app.user(
            &w.tenant,
            &format!("u{i}"),
            daka_store::Role::Employee,
            None,
        )
        .await;
    }
    let users = ids(&app.all_pages(&admin, "/api/v1/users", 4).await);
    assert_eq!(users.len(), 13);
    assert_eq!(users.iter().collect::<BTreeSet<_>>().len(), 13);
    let audit = app.all_pages(&admin, "/api/v1/audit", 6).await;
    let seqs: Vec<i64> = audit.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    let want: Vec<i64> = (1..=app.audit(&w.tenant).await.len() as i64).collect();
    assert_eq!(seqs, want);
    let r = app.get(&admin, "/api/v1/audit?cursor=not-a-cursor").await;
    assert_error_body(&r, 422, "invalid");
    assert_eq!(r.field().as_deref(), Some("cursor"));
}

async fn health_and_readiness(url: String) {
    let app = TestApp::spawn(&url).await;
    let r = app.get(&Auth::None, "/healthz").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app.get(&Auth::None, "/readyz").await;
    assert_eq!(r.status, 200, "{}", r.text);
}

/// The value of the request counter for one route pattern, method and status.
fn requests(metrics: &str, route: &str, method: &str, status: u16) -> Option<f64> {
    metrics
        .lines()
        .filter(|l| l.starts_with("daka_http_requests_total{"))
        .filter(|l| {
            l.contains(&format!("route=\"{route}\""))
                && l.contains(&format!("method=\"{method}\""))
                && l.contains(&format!("status=\"{status}\""))
        })
        .find_map(|l| l.rsplit(' ').next()?.parse().ok())
}

async fn metrics_by_route_pattern(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "metrics", Mode::Token).await;
    let admin = w.admin();
    for _ in 0..3 {
        assert_eq!(app.get(&admin, "/api/v1/employees").await.status, 200);
    }
    for id in [&w.e1, &w.e2] {
        let r = app.get(&admin, &format!("/api/v1/employees/{id}")).await;
        assert_eq!(r.status, 200);
    }
    let stray = daka_store::new_id();
    app.get(&admin, &format!("/api/v1/no-such-route/{stray}"))
        .await;
    app.get(&Auth::None, "/api/v1/employees").await;
    let r = app.get(&Auth::None, "/metrics").await;
    assert_eq!(r.status, 200);
    let m = r.text;
    assert_eq!(
        requests(&m, "/api/v1/employees", "GET", 200),
        Some(3.0),
        "{m}"
    );
    assert_eq!(
        requests(&m, "/api/v1/employees", "GET", 401),
        Some(1.0),
        "{m}"
    );
    assert_eq!(
        requests(&m, "/api/v1/employees/{id}", "GET", 200),
        Some(2.0),
        "{m}"
    );
    for raw in [&w.e1, &w.e2, &stray] {
        assert!(!m.contains(raw.as_str()), "a raw id in the metrics: {raw}");
    }
    assert!(
        m.contains("daka_http_request_duration_seconds_bucket{"),
        "{m}"
    );
    assert!(m.contains("daka_db_pool_connections"), "{m}");
}

async fn openapi_document(url: String) {
    let app = TestApp::spawn(&url).await;
    let r = app.get(&Auth::None, "/api/openapi.json").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let doc = r.json();
    let version = doc["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3.1."), "{version}");
    let served = routes_of(&doc);
    assert_eq!(served, table_routes(), "served document vs the route table");
    assert_eq!(served, openapi_routes(), "served vs in-process document");
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    // Every operation documents its answers.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path} has no responses"
            );
        }
    }
}

crate::both!(
    malformed_and_mistyped_bodies,
    missing_and_unknown_fields_are_named,
    bad_query_parameters_get_the_error_body,
    wrong_method_gets_the_error_body,
    duplicates_are_409_naming_the_field,
    oversized_body_is_413,
    unknown_routes_are_404_with_the_error_body,
    request_ids,
    cursor_pagination,
    health_and_readiness,
    metrics_by_route_pattern,
    openapi_document,
);
