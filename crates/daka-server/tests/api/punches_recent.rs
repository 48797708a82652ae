//! Each answer places the punch among the employee's earlier punches, as stored: a punch
//! committed by an earlier request is seen by the next one, and an exception approved since is
//! counted (the server keeps recent punches in memory on SQLite; these stories hold it to the
//! database's truth).

use serde_json::{Value, json};

use crate::helpers::{Mode, TestApp, Who, World};
use crate::punch_fixture::*;
use crate::rules_helpers::{assign, create_rule, rota};

fn at(day: jiff::civil::Date, hm: &str, position: Option<Value>) -> Value {
    json!({"id": uuid(), "device_time": at_shanghai(day, hm), "offline": true, "source": "app",
        "position": position})
}

async fn later_punches_see_earlier_ones(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "rc", Mode::Token).await;
    let (_, num) = site(&app, &w.admin(), office_site("Office")).await;
    rule(
        &app,
        &w.tenant,
        "office",
        office_spec(),
        Some(json!({"sites": [num], "outside": "exception"})),
        &[&w.e1],
    )
    .await;
    let emp = w.auth(Who::Employee);
    let inside = Some(position(WGS, "wgs84", 10.0));
    let outside = Some(position(north(WGS, 3000.0), "wgs84", 10.0));

    // Two requests: the second check-in sees the first and is not chosen.
    let day = shanghai_day(-2);
    let r = app
        .post(emp, "/api/v1/punches", &at(day, "08:55", inside.clone()))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["attendance"]["edge"], "in1", "{}", r.text);
    let r = app
        .post(emp, "/api/v1/punches", &at(day, "09:20", inside.clone()))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.json()["attendance"]["ignored"],
        "not_chosen",
        "{}",
        r.text
    );

    // An exception does not count until approved; once approved, it does.
    let day = shanghai_day(-1);
    let r = app
        .post(emp, "/api/v1/punches", &at(day, "08:50", outside))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["decision"], "exception");
    let exception = r.json()["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            &w.admin(),
            &format!("/api/v1/punches/{exception}/review"),
            &json!({"approve": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post(emp, "/api/v1/punches", &at(day, "09:20", inside))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.json()["attendance"]["ignored"],
        "not_chosen",
        "the approved 08:50 punch is the check-in: {}",
        r.text
    );
}

/// Under a rota rule the shift of the day decides the placement; a rota change between two
/// punches is seen by the second (the rota is kept with the tenant's rule context).
async fn rota_changes_are_seen(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "rr", Mode::Token).await;
    let admin = w.admin();
    // A: 06:00-14:00, B: 14:00-22:00.
    let plant = create_rule(&app, &admin, "Plant", rota("2020-01-01", &["A", "B"])).await;
    assign(
        &app,
        &admin,
        &plant,
        json!({"employee_id": w.e1, "effective_from": "2020-01-01"}),
    )
    .await;
    let day = shanghai_day(-1);
    let put = |shift: &'static str| {
        let (app, admin, path) = (
            &app,
            admin.clone(),
            format!("/api/v1/employees/{}/rota/{day}", w.e1),
        );
        async move {
            let r = app
                .call(&admin, "PUT", &path, Some(&json!({"shift": shift})))
                .await;
            assert!(r.status == 200 || r.status == 201, "{}", r.text);
        }
    };
    put("A").await;
    let emp = w.auth(Who::Employee);
    let r = app
        .post(emp, "/api/v1/punches", &at(day, "06:20", None))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["attendance"]["edge"], "in1", "{}", r.text);
    assert_eq!(r.json()["attendance"]["status"], "Late", "{}", r.text);
    // Now the day is a B shift: a 13:50 check-in is on time.
    put("B").await;
    let r = app
        .post(emp, "/api/v1/punches", &at(day, "13:50", None))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["attendance"]["edge"], "in1", "{}", r.text);
    assert_eq!(r.json()["attendance"]["status"], "Normal", "{}", r.text);
}

crate::both!(later_punches_see_earlier_ones, rota_changes_are_seen);
