//! Two app instances on one PostgreSQL database: no correctness-relevant state lives in the
//! process, so what one instance changes the other serves, sessions included.

use std::sync::Arc;

use serde_json::json;

use crate::helpers::{Mode, PASSWORD, TestApp, Who, World};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres() {
    let url = daka_store::testing::postgres_url().await;
    let one = Arc::new(TestApp::spawn(&url).await);
    let two = Arc::new(TestApp::spawn(&url).await);
    let w = World::build(&one, "shared", Mode::Token).await;
    let admin = w.admin();

    // Written through one, read through two; and back.
    let r = one
        .post(
            &admin,
            "/api/v1/employees",
            &json!({"employee_no": "S-1", "name": "Shared"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/employees/{id}");
    let r = two.get(&admin, &path).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["name"], json!("Shared"));
    let r = two
        .call(
            &admin,
            "PUT",
            &path,
            Some(&json!({"employee_no": "S-1", "name": "Renamed on two"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        one.get(&admin, &path).await.json()["name"],
        json!("Renamed on two")
    );
    // Uniqueness holds across instances.
    let r = one
        .post(
            &admin,
            "/api/v1/employees",
            &json!({"employee_no": "S-1", "name": "Again"}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text);

    // A session made on one works on two; logging out on two ends it on one.
    let (session, r) = one.login(w.tenant.id(), "emp", PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = two.get(&session, "/api/v1/me").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["id"], json!(w.user(Who::Employee)));
    assert_eq!(
        two.call(&session, "POST", "/api/v1/auth/logout", None)
            .await
            .status,
        204
    );
    assert_eq!(one.get(&session, "/api/v1/me").await.status, 401);

    // A token made on two works on one until revoked on one, then on neither.
    let r = two
        .post(
            &admin,
            "/api/v1/tokens",
            &json!({"name": "roaming", "scopes": ["read"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let tok = crate::helpers::Auth::Token(r.json()["token"].as_str().unwrap().to_string());
    let tok_id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(one.get(&tok, "/api/v1/me").await.status, 200);
    let r = one
        .call(&admin, "DELETE", &format!("/api/v1/tokens/{tok_id}"), None)
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(two.get(&tok, "/api/v1/me").await.status, 401);

    // Concurrent writes through both keep one audit chain.
    let mut tasks = Vec::new();
    for i in 0..24 {
        let app = if i % 2 == 0 { one.clone() } else { two.clone() };
        let admin = admin.clone();
        tasks.push(tokio::spawn(async move {
            app.post(
                &admin,
                "/api/v1/employees",
                &json!({"employee_no": format!("C-{i}"), "name": "Concurrent"}),
            )
            .await
        }));
    }
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let a = one.all_pages(&admin, "/api/v1/employees", 100).await;
    let b = two.all_pages(&admin, "/api/v1/employees", 100).await;
    assert_eq!(a, b);
    assert_eq!(a.len(), 3 + 1 + 24);
    let v = two.store.audit_verify(&w.tenant).await.unwrap();
    assert!(v.problems.is_empty(), "{:?}", v.problems);
    let audit_one = one.all_pages(&admin, "/api/v1/audit", 1000).await;
    let audit_two = two.all_pages(&admin, "/api/v1/audit", 1000).await;
    assert_eq!(audit_one, audit_two);
}
