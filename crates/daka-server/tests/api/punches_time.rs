//! When a punch happened (device clock, offline queue, sync window) and where it landed in
//! attendance (a late check-in, a night shift's check-out after midnight).

use serde_json::{Value, json};

use crate::helpers::{Mode, TestApp, Who, World};
use crate::punch_fixture::*;

fn punch() -> Value {
    json!({"id": uuid(), "device_time": now_plus(0), "source": "app"})
}

/// Device clock 2 h ahead: receipt time, flagged. Offline a day: device time. Offline beyond
/// the sync window: receipt time, flagged.
async fn clock_skew(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "ck", Mode::Token).await;
    let emp = w.auth(Who::Employee);
    let mut p = punch();
    p["device_time"] = json!(now_plus(7200));
    let a = app.post(emp, "/api/v1/punches", &p).await.json();
    assert_eq!(a["time"]["flag"], "device_clock_ahead", "{a}");
    assert_eq!(a["time"]["used"], a["time"]["received"]);
    assert_ne!(a["time"]["used"], a["time"]["device"]);

    let mut p = punch();
    p["device_time"] = json!(now_plus(-86_400));
    p["offline"] = json!(true);
    let a = app.post(emp, "/api/v1/punches", &p).await.json();
    assert_eq!(a["time"]["flag"], Value::Null, "{a}");
    assert_eq!(a["time"]["used"], a["time"]["device"]);

    let mut p = punch();
    p["device_time"] = json!(now_plus(-8 * 86_400));
    p["offline"] = json!(true);
    let a = app.post(emp, "/api/v1/punches", &p).await.json();
    assert_eq!(a["time"]["flag"], "sync_window_exceeded", "{a}");
    assert_eq!(a["time"]["used"], a["time"]["received"]);

    let mut p = punch();
    p["device_time"] = json!(now_plus(-7200));
    let a = app.post(emp, "/api/v1/punches", &p).await.json();
    assert_eq!(a["time"]["flag"], "device_clock_behind", "{a}");
}

/// A late check-in says Late with its minutes and day; a night shift's check-out after
/// midnight lands on the previous attendance day.
async fn attendance_answers(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "at", Mode::Token).await;
    let office = rule(&app, &w.tenant, "office", office_spec(), None, &[&w.e1]).await;
    rule(&app, &w.tenant, "night", night_spec(), None, &[&w.e2]).await;
    let day = shanghai_day(-2);
    let mut p = punch();
    p["device_time"] = json!(at_shanghai(day, "09:07"));
    p["offline"] = json!(true);
    let r = app.post(w.auth(Who::Employee), "/api/v1/punches", &p).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let a = r.json();
    assert_eq!(a["decision"], "accepted");
    assert_eq!(a["location"], Value::Null, "no location policy");
    assert_eq!(a["attendance"]["attendance_date"], day.to_string(), "{a}");
    assert_eq!(a["attendance"]["edge"], "in1");
    assert_eq!(a["attendance"]["status"], "Late");
    assert_eq!(a["attendance"]["minutes"], 7);
    assert!(
        a["attendance"]["explanation"]["zh"]
            .as_str()
            .unwrap()
            .contains(&day.to_string())
    );

    // A new rule version through the API is in force for the very next punch (the cached rule
    // context follows the audit sequence): from tomorrow the day starts at 09:30.
    let tomorrow = day.tomorrow().unwrap();
    let mut v = office_spec();
    v.as_object_mut().unwrap().remove("version");
    v["effective_from"] = json!(tomorrow.to_string());
    v["schedule"] = json!({"segments": [{"start": "09:30", "end": "18:30"}]});
    let r = app
        .post(&w.admin(), &format!("/api/v1/rules/{office}/versions"), &v)
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let mut p = punch();
    p["device_time"] = json!(at_shanghai(tomorrow, "09:10"));
    p["offline"] = json!(true);
    let a = app
        .post(w.auth(Who::Employee), "/api/v1/punches", &p)
        .await
        .json();
    assert_eq!(
        a["attendance"]["attendance_date"],
        tomorrow.to_string(),
        "{a}"
    );
    assert_eq!(a["attendance"]["status"], "Normal", "{a}");

    let night = shanghai_day(-3);
    let next = night.tomorrow().unwrap();
    let mut p = punch();
    p["employee_id"] = json!(w.e2);
    p["device_time"] = json!(at_shanghai(next, "06:02"));
    p["offline"] = json!(true);
    let a = app
        .post(w.auth(Who::Device), "/api/v1/punches", &p)
        .await
        .json();
    assert_eq!(a["attendance"]["attendance_date"], night.to_string(), "{a}");
    assert_eq!(a["attendance"]["edge"], "out1");
    assert_eq!(a["attendance"]["status"], "Normal");
}

crate::both!(clock_skew, attendance_answers);
