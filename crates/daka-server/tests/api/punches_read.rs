//! Reading and reviewing punches by scope; another tenant's punch is 404; the location is
//! sealed in the row and decrypted for readers.

use serde_json::json;

use crate::helpers::{Mode, TestApp, Who, World};
use crate::punch_fixture::*;

async fn scope_review_and_sealing(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "rd", Mode::Session).await;
    let b = World::build(&app, "rdb", Mode::Session).await;
    let (_, num) = site(&app, &w.admin(), office_site("Office")).await;
    rule(
        &app,
        &w.tenant,
        "exc",
        office_spec(),
        Some(json!({"sites": [num], "outside": "exception"})),
        &[&w.e1, &w.e2],
    )
    .await;
    let far = position(north(WGS, 2000.0), "gcj02", 12.0);
    let day = shanghai_day(-1);
    let p = json!({"id": uuid(), "device_time": at_shanghai(day, "09:07"), "offline": true, "position": far,
        "note": "at the client's", "wifi": [{"bssid": "aa:bb:cc:dd:ee:09"}]});
    let r = app.post(w.auth(Who::Employee), "/api/v1/punches", &p).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(r.json()["decision"], "exception");
    let mut p2 =
        json!({"id": uuid(), "device_time": now_plus(0), "position": position(WGS, "wgs84", 10.0)});
    p2["employee_id"] = json!(w.e2);
    let r = app.post(&w.admin(), "/api/v1/punches", &p2).await;
    let e2_punch = r.json()["id"].as_str().unwrap().to_string();

    // No coordinates in plaintext: not in the answer, not in the row.
    let (answer, blob): (String, Vec<u8>) =
        sqlx::query_as("SELECT answer, location FROM punches WHERE tenant_id = $1 AND id = $2")
            .bind(w.tenant.id())
            .bind(&id)
            .fetch_one(app.store.pool())
            .await
            .unwrap();
    let lat = format!("{:.3}", north(WGS, 2000.0).0);
    assert!(
        !answer.contains(&lat) && !answer.contains("116.40"),
        "{answer}"
    );
    assert!(
        !answer.contains("aa:bb:cc:dd:ee:09") && !answer.contains("127.0.0.1"),
        "{answer}"
    );
    let raw = String::from_utf8_lossy(&blob);
    assert!(!raw.contains(&lat) && !raw.contains("116.4") && !raw.contains("gcj02"));

    // Readers by scope; the location is decrypted for them.
    let path = format!("/api/v1/punches/{id}");
    for (who, status) in [
        (Who::Employee, 200),
        (Who::Supervisor, 200),
        (Who::Sibling, 403),
        (Who::Admin, 200),
        (Who::Auditor, 200),
        (Who::Device, 403),
    ] {
        let r = app.get(w.auth(who), &path).await;
        assert_eq!(r.status, status, "{who:?} {}", r.text);
    }
    let v = app.get(w.auth(Who::Supervisor), &path).await.json();
    assert_eq!(v["location"]["position"]["system"], "gcj02");
    assert!(v["location"]["wgs84"]["lat"].as_f64().is_some());
    assert_eq!(v["needs_review"], true);
    assert_eq!(v["counts"], false);
    assert_eq!(
        app.get(
            w.auth(Who::Employee),
            &format!("/api/v1/punches/{e2_punch}")
        )
        .await
        .status,
        403
    );
    assert_eq!(
        app.get(b.auth(Who::Admin), &path).await.status,
        404,
        "another tenant"
    );
    let list = app
        .get(w.auth(Who::Employee), "/api/v1/punches")
        .await
        .json();
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "the employee sees their own only"
    );
    let list = app
        .get(
            w.auth(Who::Admin),
            &format!("/api/v1/punches?employee_id={}", w.e2),
        )
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let r = app
        .get(
            w.auth(Who::Sibling),
            &format!("/api/v1/punches?employee_id={}", w.e1),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .get(
            b.auth(Who::Admin),
            &format!("/api/v1/punches?employee_id={}", w.e1),
        )
        .await;
    assert_eq!(r.status, 404);

    // Pending: the day's result does not use it.
    let pending = app
        .store
        .load_facts(&w.tenant, Some(std::slice::from_ref(&w.e1)), day, day)
        .await
        .unwrap();
    let at = at_shanghai(day, "09:07")
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_second();
    assert!(daka_core::placement::locate(&pending.compute(), at).is_none());

    // Reviews: supervisors of the subtree and admins, pending exceptions only, audited.
    let review = format!("{path}/review");
    let ok = json!({"approve": true, "note": "client visit confirmed"});
    assert_eq!(app.post(b.auth(Who::Admin), &review, &ok).await.status, 404);
    for who in [Who::Employee, Who::Sibling, Who::Auditor, Who::Device] {
        assert_eq!(
            app.post(w.auth(who), &review, &ok).await.status,
            403,
            "{who:?}"
        );
    }
    let r = app.post(w.auth(Who::Supervisor), &review, &ok).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["review"], "approved");
    assert_eq!(r.json()["counts"], true);
    let r = app.post(w.auth(Who::Admin), &review, &ok).await;
    assert_eq!((r.status, r.field().as_deref()), (409, Some("review")));
    let r = app
        .post(
            w.auth(Who::Admin),
            &format!("/api/v1/punches/{e2_punch}/review"),
            &ok,
        )
        .await;
    assert_eq!(r.status, 409, "an accepted punch is not reviewed");
    let audit = app.audit(&w.tenant).await;
    assert!(
        audit
            .iter()
            .any(|e| e.action == "review" && e.entity_id == id)
    );
    assert!(
        !audit
            .iter()
            .any(|e| e.entity == "punch" && e.action != "review"),
        "punches themselves are not audited"
    );

    // The approved exception now counts in the day's result.
    let facts = app
        .store
        .load_facts(&w.tenant, Some(std::slice::from_ref(&w.e1)), day, day)
        .await
        .unwrap();
    let placed = daka_core::placement::locate(&facts.compute(), at).expect("counted");
    assert_eq!(placed["attendance_date"], day.to_string());
    assert_eq!(
        (placed["edge"].as_str(), placed["status"].as_str()),
        (Some("in1"), Some("Late"))
    );
}

/// Pages follow `next_cursor` in time order, punches at the same instant included once each,
/// within the caller's scope; a cursor that is not one is 422.
async fn pages_by_cursor(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "pg", Mode::Token).await;
    rule(
        &app,
        &w.tenant,
        "office",
        office_spec(),
        None,
        &[&w.e1, &w.e2],
    )
    .await;
    let day = shanghai_day(-1);
    let item =
        |hm: &str| json!({"id": uuid(), "device_time": at_shanghai(day, hm), "offline": true});
    // Two at 09:00 exactly: the cursor breaks the tie by id.
    let batch = json!({"punches": [item("08:00"), item("09:00"), item("09:00"), item("12:00"), item("18:00")]});
    let r = app
        .post(w.auth(Who::Employee), "/api/v1/punches/batch", &batch)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut other = item("10:00");
    other["employee_id"] = json!(w.e2);
    let r = app.post(&w.admin(), "/api/v1/punches", &other).await;
    assert_eq!(r.status, 201, "{}", r.text);

    let ids = |v: &serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_string())
            .collect()
    };
    for (who, expected) in [(Who::Admin, 6), (Who::Employee, 5)] {
        let all = app
            .get(w.auth(who), "/api/v1/punches?limit=1000")
            .await
            .json();
        assert_eq!(all["next_cursor"], serde_json::Value::Null);
        let all = ids(&all);
        assert_eq!(all.len(), expected, "{who:?}");
        let (mut paged, mut pages, mut cursor) = (Vec::new(), 0, None::<String>);
        loop {
            let path = match &cursor {
                None => "/api/v1/punches?limit=2".to_string(),
                Some(c) => format!("/api/v1/punches?limit=2&cursor={c}"),
            };
            let r = app.get(w.auth(who), &path).await;
            assert_eq!(r.status, 200, "{}", r.text);
            let v = r.json();
            paged.extend(ids(&v));
            pages += 1;
            match v["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        assert_eq!(paged, all, "{who:?}");
        assert_eq!(pages, expected.div_ceil(2), "{who:?}");
    }
    let r = app.get(&w.admin(), "/api/v1/punches?cursor=nope").await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("cursor")),
        "{}",
        r.text
    );
}

crate::both!(scope_review_and_sealing, pages_by_cursor);
