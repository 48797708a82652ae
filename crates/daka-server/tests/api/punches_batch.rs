//! Offline batches: replayed twice with identical answers and no duplicates, bad items answered
//! on their own while the rest are stored, items judged in device-time order.

use serde_json::{Value, json};

use crate::helpers::{Mode, TestApp, Who, World};
use crate::punch_fixture::*;

fn item(device_time: String) -> Value {
    json!({"id": uuid(), "device_time": device_time, "offline": true, "source": "app"})
}

async fn offline_batch_replayed(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "ob", Mode::Token).await;
    rule(&app, &w.tenant, "office", office_spec(), None, &[&w.e1]).await;
    let day = shanghai_day(-1);
    // Sent out of order: the check-out first, then the two check-ins.
    let batch = json!({"punches": [
        item(at_shanghai(day, "18:30")),
        item(at_shanghai(day, "09:20")),
        item(at_shanghai(day, "08:55")),
    ]});
    let emp = w.auth(Who::Employee);
    let first = app.post(emp, "/api/v1/punches/batch", &batch).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let results = first.json()["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), 3);
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["index"], i);
        assert_eq!(r["status"], 201, "{r}");
        assert_eq!(r["client_id"], batch["punches"][i]["id"]);
    }
    // In device-time order the 08:55 punch is the check-in; the 09:20 one, judged after it,
    // is not chosen.
    assert_eq!(results[2]["punch"]["attendance"]["edge"], "in1");
    assert_eq!(results[2]["punch"]["attendance"]["status"], "Normal");
    assert_eq!(
        results[1]["punch"]["attendance"]["ignored"], "not_chosen",
        "{}",
        results[1]
    );
    assert_eq!(results[0]["punch"]["attendance"]["edge"], "out1");
    assert_eq!(count_punches(&app, &w.tenant, &w.e1).await, 3);

    for _ in 0..2 {
        let again = app.post(emp, "/api/v1/punches/batch", &batch).await;
        assert_eq!(again.status, 200);
        let replay = again.json()["results"].as_array().unwrap().clone();
        for (a, b) in results.iter().zip(&replay) {
            assert_eq!(b["status"], 200);
            assert_eq!(b["replayed"], true);
            assert_eq!(a["punch"], b["punch"], "identical answers");
        }
    }
    assert_eq!(
        count_punches(&app, &w.tenant, &w.e1).await,
        3,
        "no duplicates"
    );
}

async fn bad_items_do_not_sink_the_batch(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "bi", Mode::Token).await;
    let now = now_plus(0);
    let mut bad_uuid = item(now.clone());
    bad_uuid["id"] = json!("not-a-uuid");
    let mut bad_coords = item(now.clone());
    bad_coords["position"] =
        json!({"lat": 95.0, "lng": 116.4, "system": "wgs84", "accuracy_m": 10.0});
    let mut other = item(now.clone());
    other["employee_id"] = json!(w.e2);
    let good = item(now.clone());
    let dup = good.clone();
    let batch = json!({"punches": [bad_uuid, good, bad_coords, other, dup, {"device_time": now}]});
    let r = app
        .post(w.auth(Who::Employee), "/api/v1/punches/batch", &batch)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let res = r.json()["results"].as_array().unwrap().clone();
    let got: Vec<(u64, Option<&str>)> = res
        .iter()
        .map(|x| (x["status"].as_u64().unwrap(), x["error"]["field"].as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (422, Some("id")),
            (201, None),
            (422, Some("position.lat")),
            (403, None),
            (200, None),
            (422, Some("id")),
        ],
        "{res:#?}"
    );
    assert_eq!(count_punches(&app, &w.tenant, &w.e1).await, 1);

    // A device naming an unknown employee (or another tenant's) gets a 422 on that item only.
    let stranger = World::build(&app, "bi2", Mode::Token).await;
    let mut unknown = item(now_plus(0));
    unknown["employee_id"] = json!(stranger.e1);
    let mut known = item(now_plus(0));
    known["employee_id"] = json!(w.e2);
    let r = app
        .post(
            w.auth(Who::Device),
            "/api/v1/punches/batch",
            &json!({"punches": [unknown, known]}),
        )
        .await;
    let res = r.json()["results"].as_array().unwrap().clone();
    assert_eq!(res[0]["status"], 422, "{res:?}");
    assert_eq!(res[0]["error"]["field"], "employee_id");
    assert_eq!(res[1]["status"], 201);
    assert_eq!(count_punches(&app, &stranger.tenant, &stranger.e1).await, 0);

    for n in [0, 501] {
        let many: Vec<Value> = (0..n).map(|_| item(now_plus(0))).collect();
        let r = app
            .post(
                w.auth(Who::Employee),
                "/api/v1/punches/batch",
                &json!({"punches": many}),
            )
            .await;
        assert_eq!(
            (r.status, r.field().as_deref()),
            (422, Some("punches")),
            "{n}"
        );
    }
}

crate::both!(offline_batch_replayed, bad_items_do_not_sink_the_batch);
