//! The audit log over the API: every write appears with its actor, before/after, request id and
//! address, paged by cursor; no password, hash or secret ever appears in it.

use std::collections::HashMap;

use daka_server::auth::credentials::{self, Kind};
use serde_json::{Value, json};

use crate::helpers::{Auth, Mode, PASSWORD, Resp, TestApp, Who, World, send};

/// A write made with a request id of our own.
async fn write(
    app: &TestApp,
    auth: &Auth,
    rid: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Resp {
    let mut rb = app.request(auth, method, path).header("x-request-id", rid);
    if let Some(b) = &body {
        rb = rb.json(b);
    }
    let r = send(rb).await;
    assert!(
        (200..300).contains(&r.status),
        "{method} {path}: {} {}",
        r.status,
        r.text
    );
    r
}

/// What one audit entry must say.
struct Expect {
    rid: String,
    actor: String,
    action: &'static str,
    entity: &'static str,
    entity_id: String,
    before: bool,
    after: bool,
}

async fn every_write_is_audited(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "audit", Mode::Session).await;
    let session = w.auth(Who::Admin).clone();
    let by_session = format!("user:{}", w.user(Who::Admin));
    // A token made over the API, to write as `token:<id>`.
    let r = write(
        &app,
        &session,
        "r-token",
        "POST",
        "/api/v1/tokens",
        Some(json!({"name": "writer", "scopes": ["read", "write"]})),
    )
    .await;
    let token_id = r.json()["id"].as_str().unwrap().to_string();
    let token = Auth::Token(r.json()["token"].as_str().unwrap().to_string());
    let by_token = format!("token:{token_id}");
    let seen_before = app.audit(&w.tenant).await.len();

    let mut want = vec![Expect {
        rid: "r-token".into(),
        actor: by_session.clone(),
        action: "create",
        entity: "api_token",
        entity_id: token_id.clone(),
        before: false,
        after: true,
    }];
    let mut expect = |rid: &str, actor: &str, action, entity, id: &str, before, after| {
        want.push(Expect {
            rid: rid.into(),
            actor: actor.into(),
            action,
            entity,
            entity_id: id.into(),
            before,
            after,
        })
    };

    let r = write(
        &app,
        &token,
        "r1",
        "POST",
        "/api/v1/departments",
        Some(json!({"name": "Audited"})),
    )
    .await;
    let dep = r.json()["id"].as_str().unwrap().to_string();
    expect("r1", &by_token, "create", "department", &dep, false, true);
    let dpath = format!("/api/v1/departments/{dep}");
    write(
        &app,
        &session,
        "r2",
        "PATCH",
        &dpath,
        Some(json!({"name": "Audited 2"})),
    )
    .await;
    expect("r2", &by_session, "update", "department", &dep, true, true);
    let lead = format!("{dpath}/leads/{}", w.target);
    write(&app, &token, "r3", "PUT", &lead, None).await;
    expect("r3", &by_token, "add_lead", "department", &dep, false, true);
    write(&app, &session, "r4", "DELETE", &lead, None).await;
    expect(
        "r4",
        &by_session,
        "remove_lead",
        "department",
        &dep,
        true,
        false,
    );
    write(&app, &token, "r5", "DELETE", &dpath, None).await;
    expect("r5", &by_token, "delete", "department", &dep, true, false);

    let r = write(
        &app,
        &session,
        "r6",
        "POST",
        "/api/v1/employees",
        Some(json!({"employee_no": "AU-1", "name": "Before"})),
    )
    .await;
    let emp = r.json()["id"].as_str().unwrap().to_string();
    expect("r6", &by_session, "create", "employee", &emp, false, true);
    write(
        &app,
        &token,
        "r7",
        "PUT",
        &format!("/api/v1/employees/{emp}"),
        Some(json!({"employee_no": "AU-1", "name": "After"})),
    )
    .await;
    expect("r7", &by_token, "update", "employee", &emp, true, true);

    let r = write(
        &app,
        &session,
        "r8",
        "POST",
        "/api/v1/users",
        Some(json!({"username": "audited", "password": "first-Secret-pass1", "role": "employee"})),
    )
    .await;
    let user = r.json()["id"].as_str().unwrap().to_string();
    expect("r8", &by_session, "create", "user", &user, false, true);
    write(
        &app,
        &token,
        "r9",
        "PATCH",
        &format!("/api/v1/users/{user}"),
        Some(json!({"role": "supervisor"})),
    )
    .await;
    expect("r9", &by_token, "set_role", "user", &user, true, true);
    write(
        &app,
        &session,
        "r10",
        "POST",
        &format!("/api/v1/users/{user}/password"),
        Some(json!({"password": "second-Secret-pass2"})),
    )
    .await;
    expect(
        "r10",
        &by_session,
        "set_password",
        "user",
        &user,
        true,
        true,
    );
    let r = write(
        &app,
        &token,
        "r11",
        "POST",
        "/api/v1/devices",
        Some(json!({"name": "Lobby", "kind": "kiosk"})),
    )
    .await;
    let dev = r.json()["id"].as_str().unwrap().to_string();
    expect("r11", &by_token, "create", "device", &dev, false, true);
    write(
        &app,
        &session,
        "r12",
        "DELETE",
        &format!("/api/v1/tokens/{token_id}"),
        None,
    )
    .await;
    expect(
        "r12",
        &by_session,
        "revoke",
        "api_token",
        &token_id,
        true,
        true,
    );
    write(
        &app,
        &session,
        "r13",
        "POST",
        "/api/v1/me/password",
        Some(json!({"current_password": PASSWORD, "new_password": "third-Secret-pass3"})),
    )
    .await;
    expect(
        "r13",
        &by_session,
        "set_password",
        "user",
        w.user(Who::Admin),
        true,
        true,
    );

    // A refused write leaves no entry.
    let r = send(
        app.request(w.auth(Who::Auditor), "POST", "/api/v1/departments")
            .header("x-request-id", "r-refused")
            .json(&json!({"name": "Refused"})),
    )
    .await;
    assert_eq!(r.status, 403);

    // Paged by cursor, as the auditor.
    let entries = app
        .all_pages(w.auth(Who::Auditor), "/api/v1/audit", 3)
        .await;
    let total = app.audit(&w.tenant).await.len();
    assert_eq!(entries.len(), total);
    assert_eq!(total, seen_before + want.len() - 1, "one entry per write");
    let seqs: Vec<i64> = entries.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=total as i64).collect::<Vec<_>>());
    for pair in entries.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"], "the chain is broken");
    }
    let by_rid: HashMap<&str, Vec<&Value>> = entries.iter().fold(HashMap::new(), |mut m, e| {
        if let Some(r) = e["request_id"].as_str() {
            m.entry(r).or_default().push(e);
        }
        m
    });
    assert!(!by_rid.contains_key("r-refused"));
    for x in &want {
        let found = by_rid.get(x.rid.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        assert_eq!(found.len(), 1, "{}: {found:?}", x.rid);
        let e = found[0];
        let what = format!("{}: {e}", x.rid);
        assert_eq!(e["actor"], json!(x.actor), "{what}");
        assert_eq!(e["action"], json!(x.action), "{what}");
        assert_eq!(e["entity"], json!(x.entity), "{what}");
        assert_eq!(e["entity_id"], json!(x.entity_id), "{what}");
        assert_eq!(e["ip"], json!("127.0.0.1"), "{what}");
        assert_eq!(e["before"].is_object(), x.before, "{what}");
        assert_eq!(e["after"].is_object(), x.after, "{what}");
        assert!(e["at"].as_i64().is_some_and(|t| t > 0), "{what}");
    }
    // Before and after hold the values.
    let update = by_rid["r7"][0];
    assert_eq!(update["before"]["name"], json!("Before"));
    assert_eq!(update["after"]["name"], json!("After"));
    let rename = by_rid["r2"][0];
    assert_eq!(rename["before"]["name"], json!("Audited"));
    assert_eq!(rename["after"]["name"], json!("Audited 2"));
    let role = by_rid["r9"][0];
    assert_eq!(role["before"]["role"], json!("employee"));
    assert_eq!(role["after"]["role"], json!("supervisor"));
    let gone = by_rid["r5"][0];
    assert_eq!(gone["before"]["name"], json!("Audited 2"));
    // The whole chain verifies.
    let v = app.store.audit_verify(&w.tenant).await.unwrap();
    assert!(v.problems.is_empty(), "{:?}", v.problems);
}

async fn no_secrets_in_the_audit_log(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "secrets", Mode::Token).await;
    let admin = w.admin();
    let (session, r) = app.login(w.tenant.id(), "admin", PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let Auth::Session { cookie, csrf } = &session else {
        panic!("session expected");
    };
    let (_, session_secret) = credentials::parse_session(cookie).unwrap();
    let mut secrets = vec![
        PASSWORD.to_string(),
        session_secret.to_string(),
        credentials::digest(session_secret),
        csrf.clone().unwrap(),
    ];
    let passwords = [
        "first-Secret-pass1",
        "second-Secret-pass2",
        "third-Secret-pass3",
    ];
    secrets.extend(passwords.iter().map(|p| p.to_string()));

    let r = app
        .post(
            &session,
            "/api/v1/users",
            &json!({"username": "secretive", "password": passwords[0], "role": "admin"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let user = r.json()["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            &admin,
            &format!("/api/v1/users/{user}/password"),
            &json!({"password": passwords[1]}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let (theirs, r) = app.login(w.tenant.id(), "secretive", passwords[1]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post(
            &theirs,
            "/api/v1/me/password",
            &json!({"current_password": passwords[1], "new_password": passwords[2]}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = app
        .post(
            &session,
            "/api/v1/tokens",
            &json!({"name": "t", "scopes": ["read", "write"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let token = r.json()["token"].as_str().unwrap().to_string();
    let (_, token_secret) = credentials::parse(Kind::Token, &token).unwrap();
    secrets.extend([
        token.clone(),
        token_secret.to_string(),
        credentials::digest(token_secret),
    ]);
    let r = app
        .post(
            &session,
            "/api/v1/devices",
            &json!({"name": "d", "kind": "terminal"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let key = r.json()["key"].as_str().unwrap().to_string();
    let (_, key_secret) = credentials::parse(Kind::Device, &key).unwrap();
    secrets.extend([
        key.clone(),
        key_secret.to_string(),
        credentials::digest(key_secret),
    ]);
    // The stored password hashes.
    let hashes: Vec<String> = sqlx::query_scalar("SELECT password_hash FROM users")
        .fetch_all(app.store.pool())
        .await
        .unwrap();
    assert!(
        hashes.iter().all(|h| h.starts_with("$argon2id$")),
        "{hashes:?}"
    );
    secrets.extend(hashes);

    let entries = app.all_pages(&admin, "/api/v1/audit", 500).await;
    let text = serde_json::to_string(&entries).unwrap();
    assert!(text.contains(&user), "the user's entries are there");
    for s in &secrets {
        assert!(
            !text.contains(s.as_str()),
            "the audit log shows a secret: {s}"
        );
    }
    for word in ["$argon2", "password_hash", "token_hash", "secret_hash"] {
        assert!(!text.contains(word), "the audit log shows {word}");
    }
    // The database rows themselves, too.
    let rows: Vec<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT before, after FROM audit_log")
            .fetch_all(app.store.pool())
            .await
            .unwrap();
    let raw = format!("{rows:?}");
    for s in &secrets {
        assert!(
            !raw.contains(s.as_str()),
            "an audit row holds a secret: {s}"
        );
    }
}

crate::both!(every_write_is_audited, no_secrets_in_the_audit_log);
