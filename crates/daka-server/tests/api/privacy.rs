//! A person's export holds their own data (locations opened) and nobody else's; retention
//! purges old raw locations while the punches keep counting.

use std::time::{Duration, Instant};

use daka_server::Config;
use jiff::ToSpan;
use serde_json::{Value, json};
use sqlx::Row;

use crate::fixtures::{default_rule, office, photo, punch, punch_full, rule};
use crate::helpers::{Auth, Mode, TestApp, Who, World};

const DAY_MS: i64 = 86_400_000;

/// 09:00 and 18:00 (Shanghai) three days ago, as RFC 3339, and that date's month `YYYY-MM`.
fn recent_day() -> (String, String, String) {
    let d = jiff::Zoned::now()
        .in_tz("Asia/Shanghai")
        .expect("zone")
        .date()
        .checked_sub(3.days())
        .expect("date");
    (
        format!("{d}T09:00:00+08:00"),
        format!("{d}T18:00:00+08:00"),
        d.to_string()[..7].to_string(),
    )
}

async fn export_has_own_data_only(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "exp", Mode::Token).await;
    let t = &w.tenant;
    rule(&app, t, "office", office("2026-01-01", "09:00", "18:00")).await;
    default_rule(&app, t, &w.e1, "office").await;
    default_rule(&app, t, &w.e2, "office").await;
    let (morning, evening, month) = recent_day();
    let here = json!({"lat": 31.2304, "lng": 121.4737, "system": "wgs84"});
    let p1 = punch(&app, t, &w.e1, &morning, Some(here.clone())).await;
    punch(&app, t, &w.e1, &evening, None).await;
    punch(
        &app,
        t,
        &w.e2,
        &morning,
        Some(json!({"lat": 39.9042, "lng": 116.4074})),
    )
    .await;
    let ph = photo(
        &app,
        t,
        &w.e1,
        daka_store::now_ms(),
        json!({"lat": 31.5, "lng": 121.5}),
    )
    .await;
    photo(
        &app,
        t,
        &w.e2,
        daka_store::now_ms(),
        json!({"lat": 39.5, "lng": 116.5}),
    )
    .await;

    let r = app.get(w.auth(Who::Employee), "/api/v1/me/export").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let cd = r.header("content-disposition").unwrap_or_default();
    assert!(cd.starts_with("attachment;"), "{cd}");
    let v = r.json();
    assert_eq!(v["user"]["id"], json!(w.user(Who::Employee)));
    assert_eq!(v["user"]["username"], json!("emp"));
    assert!(!r.text.contains("argon2"), "no password hash in the export");
    assert_eq!(v["employee"]["id"], json!(w.e1));
    assert_eq!(v["employee"]["rule_id"], json!("office"));
    let punches = v["punches"].as_array().expect("punches");
    assert_eq!(punches.len(), 2, "{v}");
    assert_eq!(punches[0]["id"], json!(p1));
    assert_eq!(punches[0]["location"], here);
    assert_eq!(punches[1]["location"], Value::Null);
    let photos = v["photos"].as_array().expect("photos");
    assert_eq!(photos.len(), 1);
    assert_eq!(photos[0]["url"], json!(format!("/api/v1/photos/{ph}")));
    assert_eq!(
        photos[0]["exif_position"],
        json!({"lat": 31.5, "lng": 121.5})
    );
    // Results of the month with punches, and only that month.
    let days = v["days"].as_array().expect("days");
    assert!(!days.is_empty());
    assert!(
        days.iter()
            .all(|d| d["date"].as_str().is_some_and(|s| s.starts_with(&month)))
    );
    assert!(days.iter().all(|d| d["employee"] == json!(w.e1)));
    assert_eq!(v["months"].as_array().map(Vec::len), Some(1));
    assert_eq!(v["months"][0]["month"], json!(month));
    // Nothing of E2's.
    for other in [w.e2.as_str(), "39.9042", "116.4074", "39.5"] {
        assert!(!r.text.contains(other), "{other} in the export");
    }

    // A user without an employee record: their user record, empty lists.
    let (_, tok) = app.token(t, &w.target, &["read"]).await;
    let r = app.get(&Auth::Token(tok), "/api/v1/me/export").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(v["user"]["id"], json!(w.target));
    assert_eq!(v["employee"], Value::Null);
    for list in [
        "punches",
        "photos",
        "rule_assignments",
        "rota",
        "days",
        "months",
    ] {
        assert_eq!(v[list], json!([]), "{list}");
    }
    assert_eq!(
        app.get(w.auth(Who::Device), "/api/v1/me/export")
            .await
            .status,
        403
    );
    assert_eq!(app.get(&Auth::None, "/api/v1/me/export").await.status, 401);
}

async fn location(app: &TestApp, punch: &str) -> (Option<Vec<u8>>, Option<i64>) {
    let r = sqlx::query("SELECT location, location_purged_at FROM punches WHERE id = $1")
        .bind(punch)
        .fetch_one(app.store.pool())
        .await
        .expect("punch");
    (
        r.try_get(0).expect("location"),
        r.try_get(1).expect("purged_at"),
    )
}

async fn retention_purges_old_locations(url: String) {
    let app = TestApp::spawn_with(
        &url,
        Config {
            location_retention_days: 0,
            ..Config::default()
        },
    )
    .await;
    let w = World::build(&app, "ret", Mode::Token).await;
    let t = &w.tenant;
    rule(&app, t, "office", office("2026-01-01", "09:00", "18:00")).await;
    default_rule(&app, t, &w.e1, "office").await;
    let now = daka_store::now_ms();
    let here = json!({"lat": 31.2, "lng": 121.4});
    let old = punch_full(
        &app,
        t,
        &w.e1,
        "2026-03-02T08:55:00+08:00",
        now - 100 * DAY_MS,
        "accepted",
        Some(here.clone()),
    )
    .await;
    let new = punch_full(
        &app,
        t,
        &w.e1,
        "2026-03-02T18:02:00+08:00",
        now - 10 * DAY_MS,
        "accepted",
        Some(here.clone()),
    )
    .await;
    let old_photo = photo(&app, t, &w.e1, now - 100 * DAY_MS, here.clone()).await;
    let other = app.tenant("ret-other").await;
    let oe = app.employee(&other, "ret-other-E", None).await;
    punch_full(
        &app,
        &other,
        &oe,
        "2026-03-02T09:00:00+08:00",
        now - 95 * DAY_MS,
        "accepted",
        Some(here.clone()),
    )
    .await;
    let cutoff = now - 90 * DAY_MS;
    assert_eq!(
        app.store
            .purgeable_locations(t, cutoff)
            .await
            .expect("count")
            .total(),
        2
    );

    // An instance configured for 90 days purges at start.
    let second = TestApp::spawn_with(
        &url,
        Config {
            location_retention_days: 90,
            ..Config::default()
        },
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while location(&app, &old).await.0.is_some() {
        assert!(Instant::now() < deadline, "the retention job did not run");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    second.stop().await;
    let (blob, purged_at) = location(&app, &old).await;
    assert!(blob.is_none() && purged_at.is_some_and(|p| p >= now));
    let (blob, purged_at) = location(&app, &new).await;
    assert!(blob.is_some() && purged_at.is_none());
    // The other tenant's old punch too, each tenant with one summarising audit entry.
    assert_eq!(
        app.store
            .purgeable_locations(&other, cutoff)
            .await
            .expect("count")
            .total(),
        0
    );
    for (tenant, punches, photos) in [(t, 1, 1), (&other, 1, 0)] {
        let entries: Vec<_> = app
            .audit(tenant)
            .await
            .into_iter()
            .filter(|e| e.action == "purge")
            .collect();
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert_eq!(entries[0].actor, "system:retention");
        let after = entries[0].after.clone().expect("after");
        assert_eq!(
            (
                after["punch_locations"].clone(),
                after["photo_positions"].clone()
            ),
            (json!(punches), json!(photos))
        );
    }
    // Nothing left: no write, no new entry.
    assert_eq!(app.store.purge_locations(cutoff).await.expect("purge"), 0);
    assert_eq!(
        app.audit(t)
            .await
            .iter()
            .filter(|e| e.action == "purge")
            .count(),
        1
    );

    // The purged punch still counts; the export says when its location went.
    let r = app
        .get(
            &w.admin(),
            &format!(
                "/api/v1/results/days?from=2026-03-02&to=2026-03-02&employee_id={}",
                w.e1
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let d = &r.json()["days"][0];
    assert_eq!(
        (
            d["edges"][0]["status"].clone(),
            d["edges"][1]["status"].clone()
        ),
        (json!("Normal"), json!("Normal"))
    );
    let v = app
        .get(w.auth(Who::Employee), "/api/v1/me/export")
        .await
        .json();
    let p = v["punches"].as_array().expect("punches");
    assert_eq!(p[0]["id"], json!(old));
    assert_eq!(p[0]["location"], Value::Null);
    assert!(p[0]["location_purged_at"].as_i64().is_some());
    assert_eq!(p[1]["location"], here);
    let ph = v["photos"].as_array().expect("photos");
    assert_eq!(
        (ph[0]["id"].clone(), ph[0]["exif_position"].clone()),
        (json!(old_photo), Value::Null)
    );
}

crate::both!(export_has_own_data_only, retention_purges_old_locations);

async fn blob_of(app: &TestApp, punch: &str) -> Vec<u8> {
    location(app, punch).await.0.expect("a sealed location")
}

/// The store side of `daka admin rotate-key` on both backends: batches across tenants, values
/// still open, a blob that cannot be opened is reported and left alone.
async fn rewrap_moves_every_blob_to_the_active_key(url: String) {
    use daka_store::crypto::key_id_of;
    let app = TestApp::spawn(&url).await;
    let here = json!({"lat": 31.2, "lng": 121.4});
    let mut punches = Vec::new();
    let mut tenants = Vec::new();
    for name in ["rw-a", "rw-b"] {
        let t = app.tenant(name).await;
        let e = app.employee(&t, &format!("{name}-E"), None).await;
        for h in 8..11 {
            let at = format!("2026-03-02T{h:02}:00:00+08:00");
            punches.push((
                t.clone(),
                punch(&app, &t, &e, &at, Some(here.clone())).await,
            ));
        }
        photo(&app, &t, &e, daka_store::now_ms(), here.clone()).await;
        tenants.push(t);
    }
    // A location copied onto another row does not open there (it is bound to its row).
    let p0 = punches[0].1.clone();
    let p1 = punches[1].1.clone();
    let copied = blob_of(&app, &p0).await;
    sqlx::query("UPDATE punches SET location = $1 WHERE id = $2")
        .bind(copied)
        .bind(&p1)
        .execute(app.store.pool())
        .await
        .expect("copy");

    let mut ring = (*app.store.keyring().expect("keyring")).clone();
    assert_eq!(ring.rotate().expect("rotate"), 2);
    let store = app.store.clone().with_keyring(ring, None);
    let counts = store.rewrap_sealed(2).await.expect("rewrap");
    assert_eq!((counts.punch_locations, counts.photo_positions), (5, 2));
    assert_eq!(counts.unreadable.len(), 1, "{:?}", counts.unreadable);
    assert!(counts.unreadable[0].contains(&p1));
    for (t, p) in &punches {
        let blob = blob_of(&app, p).await;
        if *p == p1 {
            assert_eq!(key_id_of(&blob).expect("header"), 1);
            continue;
        }
        assert_eq!(key_id_of(&blob).expect("header"), 2);
        let plain = store
            .open_sealed(t, "punches", p, "location", &blob)
            .expect("opens");
        assert_eq!(serde_json::from_slice::<Value>(&plain).expect("json"), here);
    }
    let usage = store.sealed_key_usage().await.expect("usage");
    assert_eq!(usage.into_iter().collect::<Vec<_>>(), vec![(1, 1), (2, 7)]);
    // Again: nothing to do.
    let again = store.rewrap_sealed(2).await.expect("rewrap");
    assert_eq!((again.punch_locations, again.already_current), (0, 7));
    // One audit entry per tenant and batch, in each tenant's own log.
    for t in &tenants {
        let n = app
            .audit(t)
            .await
            .iter()
            .filter(|e| e.action == "rewrap")
            .count();
        assert!(n >= 2, "{n} rewrap entries");
    }
}

crate::both!(rewrap_moves_every_blob_to_the_active_key);
