//! Phone-like punch stories: where the punch was (coordinate systems, edges, Wi-Fi, mock
//! locations, office IP, each outside policy) and retries. Time and attendance: `punches_time`.

use serde_json::{Value, json};

use crate::helpers::{Mode, TestApp, Who, World};
use crate::punch_fixture::*;

async fn world(app: &TestApp, prefix: &str) -> World {
    World::build(app, prefix, Mode::Token).await
}

fn punch(p: Option<Value>) -> Value {
    let mut v = json!({"id": uuid(), "device_time": now_plus(0), "source": "app"});
    if let Some(p) = p {
        v["position"] = p;
    }
    v
}

/// GCJ-02 phone inside a WGS-84 fence and WGS-84 phone inside a GCJ-02 fence are accepted;
/// the same GCJ-02 numbers read as WGS-84 are hundreds of metres out.
async fn coordinate_systems(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = world(&app, "cs").await;
    let (wgs_site, wgs_num) = site(&app, &w.admin(), office_site("WGS office")).await;
    let gcj_fence = json!({"name": "GCJ office", "fences": [{"system": "gcj02",
        "shape": {"kind": "circle", "center": {"lat": GCJ.0, "lng": GCJ.1}, "radius_m": 200.0}}]});
    let (gcj_site, gcj_num) = site(&app, &w.admin(), gcj_fence).await;
    rule(
        &app,
        &w.tenant,
        "wgs",
        office_spec(),
        Some(json!({"sites": [wgs_num], "outside": "refuse"})),
        &[&w.e1],
    )
    .await;
    rule(
        &app,
        &w.tenant,
        "gcj",
        office_spec(),
        Some(json!({"sites": [gcj_num], "outside": "refuse"})),
        &[&w.e2],
    )
    .await;
    let emp = w.auth(Who::Employee);

    let r = app
        .post(
            emp,
            "/api/v1/punches",
            &punch(Some(position(GCJ, "gcj02", 10.0))),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let a = r.json();
    assert_eq!(a["decision"], "accepted");
    assert_eq!(a["counts"], true);
    assert_eq!(a["location"]["site"], wgs_site.as_str());
    assert_eq!(a["location"]["gps"]["verdict"], "inside");
    assert_eq!(a["replayed"], false);

    let r = app
        .post(
            emp,
            "/api/v1/punches",
            &punch(Some(position(GCJ, "wgs84", 10.0))),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["decision"], "refused");
    assert_eq!(r.json()["counts"], false);
    assert_eq!(r.json()["attendance"], Value::Null);
    assert!(
        !r.json()["location"]["reasons"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let mut p = punch(Some(position(WGS, "wgs84", 10.0)));
    p["employee_id"] = json!(w.e2);
    let r = app.post(&w.admin(), "/api/v1/punches", &p).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["decision"], "accepted");
    assert_eq!(r.json()["location"]["site"], gcj_site.as_str());
    // Refused punches are stored too: two for E1.
    assert_eq!(count_punches(&app, &w.tenant, &w.e1).await, 2);
}

/// Outside every site: refused, an exception for review, or field work needing photo and note.
async fn outside_policies(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = world(&app, "op").await;
    let (_, num) = site(&app, &w.admin(), office_site("Office")).await;
    rule(
        &app,
        &w.tenant,
        "field",
        office_spec(),
        Some(json!({"sites": [num], "outside": "field_work"})),
        &[&w.e1],
    )
    .await;
    rule(
        &app,
        &w.tenant,
        "exc",
        office_spec(),
        Some(json!({"sites": [num], "outside": "exception"})),
        &[&w.e2],
    )
    .await;
    let far = position(north(WGS, 3000.0), "wgs84", 15.0);
    let emp = w.auth(Who::Employee);

    let r = app
        .post(emp, "/api/v1/punches", &punch(Some(far.clone())))
        .await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("photo_id")),
        "{}",
        r.text
    );
    let photo_id = photo(
        &app,
        &w.tenant,
        &w.e1,
        Some(daka_store::now_ms() - 3_600_000),
        Some(north(WGS, 3000.0)),
    )
    .await;
    let mut p = punch(Some(far.clone()));
    p["photo_id"] = json!(photo_id);
    let r = app.post(emp, "/api/v1/punches", &p).await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("note")),
        "{}",
        r.text
    );
    assert_eq!(
        count_punches(&app, &w.tenant, &w.e1).await,
        0,
        "nothing stored on error"
    );
    // Someone else's photo is refused.
    let other = photo(&app, &w.tenant, &w.e2, None, None).await;
    let mut p = punch(Some(far.clone()));
    p["photo_id"] = json!(other);
    p["note"] = json!("client visit");
    let r = app.post(emp, "/api/v1/punches", &p).await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("photo_id")),
        "{}",
        r.text
    );

    let mut p = punch(Some(far.clone()));
    p["photo_id"] = json!(photo_id);
    p["note"] = json!("client visit");
    let r = app.post(emp, "/api/v1/punches", &p).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let a = r.json();
    assert_eq!(a["decision"], "field_work");
    assert_eq!(a["counts"], true);
    assert_eq!(a["photo"]["id"], photo_id.as_str());
    let flags: Vec<&str> = a["photo"]["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["flag"].as_str().unwrap())
        .collect();
    assert_eq!(flags, ["time_disagrees"], "{a}");
    // A retry that would now fail judging (its photo and note lost on the phone) still gets
    // the first answer, and stores nothing.
    let mut lost = p.clone();
    lost["photo_id"] = Value::Null;
    lost["note"] = Value::Null;
    let r = app.post(emp, "/api/v1/punches", &lost).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["replayed"], true);
    assert_eq!(stored(r.json()), stored(a.clone()));
    assert_eq!(count_punches(&app, &w.tenant, &w.e1).await, 1);

    let mut p = punch(Some(far));
    p["employee_id"] = json!(w.e2);
    let r = app.post(&w.admin(), "/api/v1/punches", &p).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["decision"], "exception");
    assert_eq!(r.json()["counts"], false);
    assert_eq!(r.json()["needs_review"], true);
}

/// At the fence's edge with a poor fix the GPS verdict is uncertain (an exception to review);
/// a Wi-Fi-only site accepts by its access point; a mock location is refused.
async fn edges_wifi_and_mock(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = world(&app, "ew").await;
    let (_, num) = site(&app, &w.admin(), office_site("Office")).await;
    let (wifi_site, wifi_num) = site(
        &app,
        &w.admin(),
        json!({"name": "Shop",
        "wifi": [{"bssid": "aa:bb:cc:dd:ee:01", "ssid": "shop"}]}),
    )
    .await;
    rule(
        &app,
        &w.tenant,
        "gps",
        office_spec(),
        Some(json!({"sites": [num], "outside": "exception"})),
        &[&w.e1],
    )
    .await;
    rule(
        &app,
        &w.tenant,
        "wifi",
        office_spec(),
        Some(json!({"sites": [wifi_num], "sufficient": ["wifi"], "outside": "refuse"})),
        &[&w.e2],
    )
    .await;
    let emp = w.auth(Who::Employee);

    let r = app
        .post(
            emp,
            "/api/v1/punches",
            &punch(Some(position(north(WGS, 195.0), "wgs84", 60.0))),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let a = r.json();
    assert_eq!(a["location"]["gps"]["verdict"], "uncertain", "{a}");
    assert_eq!(a["decision"], "exception");
    let d = a["location"]["gps"]["distance_m"].as_f64().unwrap();
    assert!(d.abs() < 10.0, "distance to the edge {d}");

    let mut p = punch(Some(position(WGS, "wgs84", 5.0)));
    p["mock_location"] = json!(true);
    let r = app.post(emp, "/api/v1/punches", &p).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["decision"], "refused");
    assert_eq!(r.json()["location"]["mock_location"], true);

    let mut p = punch(None);
    p["employee_id"] = json!(w.e2);
    p["wifi"] = json!([{"bssid": "AA:BB:CC:DD:EE:01", "ssid": "shop", "rssi": -50}]);
    let r = app.post(w.auth(Who::Device), "/api/v1/punches", &p).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["decision"], "accepted");
    assert_eq!(r.json()["location"]["site"], wifi_site.as_str());
    // The client IP (from the connection) is a signal too; it stays out of the answer.
    let (_, lan) = site(
        &app,
        &w.admin(),
        json!({"name": "LAN", "ip_ranges": ["127.0.0.0/8"]}),
    )
    .await;
    rule(
        &app,
        &w.tenant,
        "ip",
        office_spec(),
        Some(json!({"sites": [lan], "sufficient": ["ip"], "outside": "refuse"})),
        &[&w.e1a],
    )
    .await;
    let mut p = punch(None);
    p["employee_id"] = json!(w.e1a);
    let r = app.post(&w.admin(), "/api/v1/punches", &p).await;
    assert_eq!(r.json()["decision"], "accepted", "{}", r.text);
    assert_eq!(r.json()["location"]["ip"]["range"], "127.0.0.0/8");
    assert!(!r.text.contains("127.0.0.1"), "{}", r.text);
    let mut p = punch(None);
    p["employee_id"] = json!(w.e2);
    p["wifi"] = json!([{"bssid": "aa:bb:cc:dd:ee:02"}]);
    let r = app.post(w.auth(Who::Device), "/api/v1/punches", &p).await;
    assert_eq!(r.json()["decision"], "refused", "{}", r.text);
}

/// The same punch sent again: the first answer, 200, one row. Another employee's punch under
/// the same id: 409 on `id`.
async fn retries(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = world(&app, "rt").await;
    let p = punch(None);
    let first = app.post(w.auth(Who::Employee), "/api/v1/punches", &p).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let again = app.post(w.auth(Who::Employee), "/api/v1/punches", &p).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.json()["replayed"], true);
    assert_eq!(stored(again.json()), stored(first.json()));
    assert_eq!(count_punches(&app, &w.tenant, &w.e1).await, 1);
    let mut other = p.clone();
    other["employee_id"] = json!(w.e2);
    let r = app.post(&w.admin(), "/api/v1/punches", &other).await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (409, Some("id")),
        "{}",
        r.text
    );
    // Concurrent duplicates: one row, every answer the same.
    let p = punch(None);
    let mut tasks = Vec::new();
    let app = std::sync::Arc::new(app);
    for _ in 0..8 {
        let (app, auth, p) = (app.clone(), w.auth(Who::Employee).clone(), p.clone());
        tasks.push(tokio::spawn(async move {
            app.post(&auth, "/api/v1/punches", &p).await
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        let r = t.await.unwrap();
        assert!(r.status == 201 || r.status == 200, "{}", r.text);
        answers.push(stored(r.json()));
    }
    assert!(answers.windows(2).all(|a| a[0] == a[1]));
    assert_eq!(count_punches(&app, &w.tenant, &w.e1).await, 2);
    // Bad input names the field.
    let r = app
        .post(
            w.auth(Who::Employee),
            "/api/v1/punches",
            &json!({"id": "nope", "device_time": now_plus(0)}),
        )
        .await;
    assert_eq!((r.status, r.field().as_deref()), (422, Some("id")));
    let r = app
        .post(
            w.auth(Who::Employee),
            "/api/v1/punches",
            &json!({"id": uuid(), "device_time": "2026-03-02T09:00:00"}),
        )
        .await;
    assert_eq!((r.status, r.field().as_deref()), (422, Some("device_time")));
    let mut p = punch(None);
    p["note"] = json!("x".repeat(501));
    let r = app.post(w.auth(Who::Employee), "/api/v1/punches", &p).await;
    assert_eq!((r.status, r.field().as_deref()), (422, Some("note")));
}

crate::both!(
    coordinate_systems,
    outside_policies,
    edges_wifi_and_mock,
    retries
);
