//! Authentication: logins that do not tell which part was wrong, lockouts, sessions with their
//! cookie attributes and CSRF token, personal API tokens, and credentials that stop working.

use std::time::{Duration, Instant};

use daka_server::Config;
use daka_server::auth::credentials::{self, Kind};
use daka_store::Role;
use serde_json::json;

use crate::helpers::{Auth, Mode, PASSWORD, Resp, TestApp, Who, World, seed_actor, snapshot};

fn set_cookie(r: &Resp) -> String {
    r.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("daka_session="))
        .unwrap_or_else(|| panic!("no session cookie in {:?}", r.headers))
        .to_string()
}

fn attributes(cookie: &str) -> Vec<String> {
    cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

async fn timed_login(app: &TestApp, tenant: &str, user: &str, pw: &str) -> (Resp, Duration) {
    let t = Instant::now();
    let (_, r) = app.login(tenant, user, pw).await;
    (r, t.elapsed())
}

/// Unknown tenant, unknown user, wrong password and disabled user: one status, one body, and
/// (roughly) one cost, so the answer does not tell which accounts exist.
async fn failed_logins_look_alike(url: String) {
    let app = TestApp::spawn(&url).await;
    let t = app.tenant("acme").await;
    app.user(&t, "alice", Role::Employee, None).await;
    let dave = app.user(&t, "dave", Role::Employee, None).await;
    app.store
        .set_disabled(&t, &seed_actor(), &dave, true)
        .await
        .unwrap();
    let tid = t.id().to_string();
    let nowhere = daka_store::new_id();
    let (wrong, wrong_time) = timed_login(&app, &tid, "alice", "not-the-password").await;
    let (unknown, unknown_time) = timed_login(&app, &tid, "nobody", PASSWORD).await;
    let (wrong2, wrong_time2) = timed_login(&app, &tid, "alice", "not-the-password").await;
    let (unknown2, unknown_time2) = timed_login(&app, &tid, "nobody", PASSWORD).await;
    let (no_tenant, _) = timed_login(&app, &nowhere, "alice", PASSWORD).await;
    let (disabled, _) = timed_login(&app, &tid, "dave", PASSWORD).await;
    assert_eq!(wrong.status, 401, "{}", wrong.text);
    assert_eq!(wrong.code().as_deref(), Some("unauthorized"));
    for other in [&unknown, &unknown2, &wrong2, &no_tenant, &disabled] {
        assert_eq!(other.status, wrong.status);
        assert_eq!(other.text, wrong.text);
        assert!(other.header("set-cookie").is_none());
    }
    // Both run the password hash: skipping it would be two orders of magnitude faster. (A loose
    // bound, so a busy machine does not make it flaky.)
    let unknown_time = unknown_time.max(unknown_time2);
    let wrong_time = wrong_time.min(wrong_time2);
    assert!(
        unknown_time * 10 >= wrong_time,
        "unknown user answered in {unknown_time:?}, wrong password in {wrong_time:?}"
    );
    // The right password still works (two failures do not lock).
    let (_, ok) = app.login(&tid, "alice", PASSWORD).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
}

/// After N failures the account is locked (429 with Retry-After), even for the right password;
/// another account logs in from the same address meanwhile.
async fn lockout_after_failures(url: String) {
    let app = TestApp::spawn(&url).await;
    let t = app.tenant("acme").await;
    app.user(&t, "alice", Role::Employee, None).await;
    app.user(&t, "bob", Role::Employee, None).await;
    let tid = t.id().to_string();
    for _ in 0..Config::default().login_max_failures {
        let (_, r) = app.login(&tid, "bob", "wrong-password").await;
        assert_eq!(r.status, 401, "{}", r.text);
    }
    for pw in ["wrong-password", PASSWORD] {
        let (_, r) = app.login(&tid, "bob", pw).await;
        assert_eq!(r.status, 429, "{}", r.text);
        assert_eq!(r.code().as_deref(), Some("too_many_requests"));
        let wait: u64 = r
            .header("retry-after")
            .expect("Retry-After")
            .parse()
            .expect("Retry-After in seconds");
        assert!((1..=900).contains(&wait), "Retry-After {wait}");
    }
    let (_, r) = app.login(&tid, "alice", PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

/// Too many failures from one address lock that address out, whatever the account.
async fn lockout_per_address(url: String) {
    let config = Config {
        login_max_failures: 100,
        login_max_failures_per_ip: 3,
        ..Config::default()
    };
    let app = TestApp::spawn_with(&url, config).await;
    let t = app.tenant("acme").await;
    app.user(&t, "alice", Role::Employee, None).await;
    let tid = t.id().to_string();
    for name in ["x1", "x2", "x3"] {
        let (_, r) = app.login(&tid, name, "wrong-password").await;
        assert_eq!(r.status, 401, "{}", r.text);
    }
    let (_, r) = app.login(&tid, "alice", PASSWORD).await;
    assert_eq!(r.status, 429, "{}", r.text);
    assert!(r.header("retry-after").is_some());
}

/// Login sets an HttpOnly, SameSite cookie (Secure only over HTTPS); logout ends the session.
async fn session_cookie_and_logout(url: String) {
    let app = TestApp::spawn(&url).await;
    let t = app.tenant("acme").await;
    let alice = app.user(&t, "alice", Role::Admin, None).await;
    let (session, r) = app.login(t.id(), " alice ", PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let body = r.json();
    assert_eq!(body["user"]["id"], json!(alice));
    assert_eq!(body["user"]["role"], json!("admin"));
    assert!(body["csrf_token"].as_str().is_some_and(|c| c.len() >= 32));
    assert!(!r.text.contains("argon2") && !r.text.contains("password"));
    let attrs = attributes(&set_cookie(&r));
    assert!(attrs.contains(&"httponly".to_string()), "{attrs:?}");
    assert!(
        attrs.contains(&"samesite=strict".to_string())
            || attrs.contains(&"samesite=lax".to_string()),
        "{attrs:?}"
    );
    assert!(attrs.contains(&"path=/".to_string()), "{attrs:?}");
    assert!(!attrs.contains(&"secure".to_string()), "{attrs:?}");

    let me = app.get(&session, "/api/v1/me").await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.json()["username"], json!("alice"));
    // Logout is a write: it needs the CSRF token too.
    let r = app
        .call(&session.without_csrf(), "POST", "/api/v1/auth/logout", None)
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(app.get(&session, "/api/v1/me").await.status, 200);
    let r = app
        .call(&session, "POST", "/api/v1/auth/logout", None)
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let cleared = attributes(&set_cookie(&r));
    assert!(cleared.contains(&"max-age=0".to_string()), "{cleared:?}");
    let r = app.get(&session, "/api/v1/me").await;
    assert_eq!(r.status, 401, "{}", r.text);
    let r = app
        .call(&session, "POST", "/api/v1/auth/logout", None)
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    app.stop().await;

    // Over HTTPS the cookie is Secure.
    let config = Config {
        https: true,
        ..Config::default()
    };
    let app = TestApp::spawn_with(&url, config).await;
    let (_, r) = app.login(t.id(), "alice", PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let attrs = attributes(&set_cookie(&r));
    assert!(attrs.contains(&"secure".to_string()), "{attrs:?}");
}

/// A cookie-authenticated write without the session's CSRF token (or with a wrong one) is 403
/// and changes nothing.
async fn csrf_protects_cookie_writes(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "csrf", Mode::Session).await;
    let admin = w.auth(Who::Admin).clone();
    let Auth::Session { cookie, csrf } = admin.clone() else {
        panic!("session expected");
    };
    let other_csrf = match w.auth(Who::Auditor) {
        Auth::Session { csrf, .. } => csrf.clone(),
        _ => None,
    };
    let before = snapshot(&app, &w.tenant).await;
    let bad = [
        admin.without_csrf(),
        Auth::Session {
            cookie: cookie.clone(),
            csrf: Some("0".repeat(64)),
        },
        Auth::Session {
            cookie: cookie.clone(),
            csrf: Some(String::new()),
        },
        // Another session's token does not fit this one.
        Auth::Session {
            cookie: cookie.clone(),
            csrf: other_csrf,
        },
    ];
    let writes = [
        (
            "POST",
            "/api/v1/departments".to_string(),
            Some(json!({"name": "Forged"})),
        ),
        (
            "PATCH",
            format!("/api/v1/departments/{}", w.d1),
            Some(json!({"name": "Forged"})),
        ),
        ("DELETE", format!("/api/v1/departments/{}", w.empty), None),
        (
            "POST",
            "/api/v1/employees".to_string(),
            Some(json!({"employee_no": "F1", "name": "Forged"})),
        ),
        (
            "POST",
            "/api/v1/tokens".to_string(),
            Some(json!({"name": "forged", "scopes": ["read", "write"]})),
        ),
        (
            "POST",
            "/api/v1/devices".to_string(),
            Some(json!({"name": "forged", "kind": "kiosk"})),
        ),
        ("POST", "/api/v1/auth/logout".to_string(), None),
    ];
    for auth in &bad {
        for (method, path, body) in &writes {
            let r = app.call(auth, method, path, body.as_ref()).await;
            assert_eq!(r.status, 403, "{method} {path} {auth:?}: {}", r.text);
            assert_eq!(r.code().as_deref(), Some("forbidden"));
        }
    }
    assert_eq!(
        snapshot(&app, &w.tenant).await,
        before,
        "a forged write landed"
    );
    // Reads need no CSRF token; the right token makes the write.
    assert_eq!(
        app.get(&admin.without_csrf(), "/api/v1/me").await.status,
        200
    );
    let r = app
        .post(&admin, "/api/v1/departments", &json!({"name": "Real"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(csrf.is_some());
}

/// Tokens: shown once, stored hashed, scoped, revocable, expiring.
async fn api_tokens(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "tok", Mode::Session).await;
    let admin = w.auth(Who::Admin).clone();
    let r = app
        .post(
            &admin,
            "/api/v1/tokens",
            &json!({"name": "ci", "scopes": ["read", "write"], "expires_in_days": 7}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let created = r.json();
    let token = created["token"].as_str().expect("token").to_string();
    let id = created["id"].as_str().expect("id").to_string();
    assert!(
        token.starts_with(&format!("dk_{}_", w.tenant.id())),
        "{token}"
    );
    assert_eq!(created["scopes"], json!(["read", "write"]));
    let expires = created["expires_at"].as_i64().expect("expires_at");
    let week = 7 * 86_400_000;
    assert!(
        (expires - daka_store::now_ms() - week).abs() < 600_000,
        "{expires}"
    );
    let (_, secret) = credentials::parse(Kind::Token, &token).expect("token format");

    // The list shows it without the secret; the database holds only its hash.
    let list = app.get(&admin, "/api/v1/tokens").await;
    assert_eq!(list.status, 200);
    assert!(list.text.contains(&id));
    assert!(!list.text.contains(secret), "{}", list.text);
    assert!(
        list.json()
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("token").is_none())
    );
    let rows: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_all(app.store.pool())
        .await
        .unwrap();
    assert!(rows.contains(&credentials::digest(secret)));
    assert!(rows.iter().all(|h| !h.contains(secret)));

    // It works, with its scopes.
    let tok = Auth::Token(token.clone());
    let me = app.get(&tok, "/api/v1/me").await;
    assert_eq!(me.json()["id"], json!(w.user(Who::Admin)));
    let r = app
        .post(&tok, "/api/v1/departments", &json!({"name": "ByToken"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);

    // A read-only token (the default scope) reads and cannot write.
    let r = app
        .post(&admin, "/api/v1/tokens", &json!({"name": "ro"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["scopes"], json!(["read"]));
    let ro = Auth::Token(r.json()["token"].as_str().unwrap().to_string());
    assert_eq!(app.get(&ro, "/api/v1/employees").await.status, 200);
    let before = snapshot(&app, &w.tenant).await;
    let r = app
        .post(&ro, "/api/v1/departments", &json!({"name": "ByReadOnly"}))
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(r.text.contains("write"), "{}", r.text);
    let r = app
        .post(
            &ro,
            "/api/v1/tokens",
            &json!({"name": "escalate", "scopes": ["write"]}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(snapshot(&app, &w.tenant).await, before);

    // Bad requests name the field.
    for (body, field) in [
        (json!({"name": "x", "scopes": ["admin"]}), "scopes"),
        (json!({"name": "x", "scopes": []}), "scopes"),
        (json!({"name": " "}), "name"),
        (
            json!({"name": "x", "expires_in_days": 0}),
            "expires_in_days",
        ),
        (
            json!({"name": "x", "expires_in_days": 4000}),
            "expires_in_days",
        ),
    ] {
        let r = app.post(&admin, "/api/v1/tokens", &body).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert_eq!(r.field().as_deref(), Some(field), "{body}: {}", r.text);
    }

    // Revoked: 401 from then on, shown as revoked in the list.
    let r = app
        .call(&admin, "DELETE", &format!("/api/v1/tokens/{id}"), None)
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = app.get(&tok, "/api/v1/me").await;
    assert_eq!(r.status, 401, "{}", r.text);
    let list = app.get(&admin, "/api/v1/tokens").await.json();
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == json!(id))
        .expect("revoked token listed");
    assert_eq!(listed["revoked"], json!(true));
    // Revoking someone else's token (or an unknown one) is 404.
    let r = app
        .call(
            &admin,
            "DELETE",
            &format!("/api/v1/tokens/{}", w.spare_token),
            None,
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);

    // Expired: 401.
    let (_, expired) = app
        .token_expiring(
            &w.tenant,
            w.user(Who::Admin),
            &["read", "write"],
            Some(daka_store::now_ms() - 1000),
        )
        .await;
    let r = app.get(&Auth::Token(expired), "/api/v1/me").await;
    assert_eq!(r.status, 401, "{}", r.text);
}

/// Changing one's password ends the user's other sessions; the old password stops working.
async fn password_change_ends_other_sessions(url: String) {
    let app = TestApp::spawn(&url).await;
    let t = app.tenant("acme").await;
    let alice = app.user(&t, "alice", Role::Employee, None).await;
    let (_, other) = app.token(&t, &alice, &["read"]).await;
    let (s1, r) = app.login(t.id(), "alice", PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let (s2, r) = app.login(t.id(), "alice", PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post(
            &s1,
            "/api/v1/me/password",
            &json!({"current_password": "not-my-password", "new_password": "brand-new-password"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.field().as_deref(), Some("current_password"));
    assert_eq!(app.get(&s2, "/api/v1/me").await.status, 200);
    let r = app
        .post(
            &s1,
            "/api/v1/me/password",
            &json!({"current_password": PASSWORD, "new_password": "brand-new-password"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = app.get(&s2, "/api/v1/me").await;
    assert_eq!(r.status, 401, "{}", r.text);
    let (_, r) = app.login(t.id(), "alice", PASSWORD).await;
    assert_eq!(r.status, 401, "{}", r.text);
    let (_, r) = app.login(t.id(), "alice", "brand-new-password").await;
    assert_eq!(r.status, 200, "{}", r.text);
    // API tokens are separate credentials and keep working.
    assert_eq!(app.get(&Auth::Token(other), "/api/v1/me").await.status, 200);
}

/// `/me/password` is documented to end the caller's *other* sessions: the one that made the
/// change should survive.
async fn password_change_keeps_the_current_session(url: String) {
    let app = TestApp::spawn(&url).await;
    let t = app.tenant("acme").await;
    app.user(&t, "alice", Role::Employee, None).await;
    let (s1, r) = app.login(t.id(), "alice", PASSWORD).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post(
            &s1,
            "/api/v1/me/password",
            &json!({"current_password": PASSWORD, "new_password": "brand-new-password"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = app.get(&s1, "/api/v1/me").await;
    assert_eq!(
        r.status, 200,
        "the session that changed the password: {}",
        r.text
    );
}

/// A too-short new password is refused naming the request's field, `new_password`.
async fn short_new_password_names_its_field(url: String) {
    let app = TestApp::spawn(&url).await;
    let t = app.tenant("acme").await;
    let alice = app.user(&t, "alice", Role::Employee, None).await;
    let s = app.session(&t, &alice).await;
    let r = app
        .post(
            &s,
            "/api/v1/me/password",
            &json!({"current_password": PASSWORD, "new_password": "short"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.field().as_deref(), Some("new_password"), "{}", r.text);
}

/// An admin's password reset ends the user's sessions.
async fn admin_reset_ends_sessions(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "reset", Mode::Session).await;
    let emp = w.auth(Who::Employee).clone();
    assert_eq!(app.get(&emp, "/api/v1/me").await.status, 200);
    let r = app
        .post(
            &w.admin(),
            &format!("/api/v1/users/{}/password", w.user(Who::Employee)),
            &json!({"password": "reset-by-admin"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(app.get(&emp, "/api/v1/me").await.status, 401);
    let (_, r) = app.login(w.tenant.id(), "emp", "reset-by-admin").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post(
            &w.admin(),
            &format!("/api/v1/users/{}/password", w.user(Who::Employee)),
            &json!({"password": "short"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.field().as_deref(), Some("password"));
}

/// Disabled users' credentials and unknown or malformed credentials are all 401.
async fn disabled_and_unknown_credentials(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "creds", Mode::Session).await;
    let emp = w.user(Who::Employee).to_string();
    let (_, token) = app.token(&w.tenant, &emp, &["read", "write"]).await;
    let session = w.auth(Who::Employee).clone();
    assert_eq!(app.get(&session, "/api/v1/me").await.status, 200);
    assert_eq!(
        app.get(&Auth::Token(token.clone()), "/api/v1/me")
            .await
            .status,
        200
    );
    app.store
        .set_disabled(&w.tenant, &seed_actor(), &emp, true)
        .await
        .unwrap();
    let tid = w.tenant.id();
    let random = credentials::secret();
    // An expired session.
    let expired = credentials::secret();
    app.store
        .create_session(
            &w.tenant,
            w.user(Who::Admin),
            &credentials::digest(&expired),
            "csrf",
            daka_store::now_ms() - 1000,
        )
        .await
        .unwrap();
    let unknown = [
        Auth::Session {
            cookie: credentials::session_value(tid, &expired),
            csrf: None,
        },
        Auth::Token(token),
        session,
        Auth::Token(credentials::format(Kind::Token, tid, &random)),
        Auth::Token("dk_nonsense".into()),
        Auth::Token(String::new()),
        Auth::Device(credentials::format(Kind::Device, tid, &random)),
        Auth::Device(credentials::format(Kind::Token, tid, &random)),
        Auth::Device("garbage".into()),
        Auth::Session {
            cookie: credentials::session_value(tid, &random),
            csrf: None,
        },
        Auth::Session {
            cookie: "garbage".into(),
            csrf: None,
        },
    ];
    for auth in &unknown {
        for path in ["/api/v1/me", "/api/v1/employees", "/api/v1/device/whoami"] {
            let r = app.get(auth, path).await;
            assert_eq!(r.status, 401, "{auth:?} {path}: {}", r.text);
            assert_eq!(r.code().as_deref(), Some("unauthorized"), "{}", r.text);
        }
    }
    // Other schemes are not credentials either.
    for header in ["Basic YWRtaW46YWRtaW4=", "Bearer", "Token abc"] {
        let r = crate::helpers::send(
            app.client
                .get(app.url("/api/v1/me"))
                .header("authorization", header),
        )
        .await;
        assert_eq!(r.status, 401, "{header}: {}", r.text);
    }
    // The others are untouched.
    assert_eq!(app.get(&w.admin(), "/api/v1/me").await.status, 200);
}

crate::both!(
    failed_logins_look_alike,
    lockout_after_failures,
    lockout_per_address,
    session_cookie_and_logout,
    csrf_protects_cookie_writes,
    api_tokens,
    password_change_ends_other_sessions,
    password_change_keeps_the_current_session,
    short_new_password_names_its_field,
    admin_reset_ends_sessions,
    disabled_and_unknown_credentials,
);
