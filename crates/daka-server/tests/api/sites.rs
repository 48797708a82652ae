//! Sites over the API: stored in WGS-84 beside the fences as given, validation naming the
//! field, numbering per tenant, archiving refused while a rule lists the site, audit, and the
//! check tool.

use serde_json::json;

use crate::helpers::{Mode, TestApp, Who, World};
use crate::punch_fixture::*;

async fn sites_story(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "st", Mode::Token).await;
    let b = World::build(&app, "stb", Mode::Token).await;
    let admin = w.admin();
    let body = json!({"name": "HQ", "fences": [
        {"system": "gcj02", "shape": {"kind": "circle", "center": {"lat": GCJ.0, "lng": GCJ.1}, "radius_m": 150.0}, "floors": [3, 4]},
        {"system": "wgs84", "shape": {"kind": "polygon",
            "outer": [{"lat": 39.90, "lng": 116.40}, {"lat": 39.90, "lng": 116.41}, {"lat": 39.91, "lng": 116.41}, {"lat": 39.91, "lng": 116.40}],
            "holes": [[{"lat": 39.904, "lng": 116.404}, {"lat": 39.904, "lng": 116.406}, {"lat": 39.906, "lng": 116.406}]]}}],
        "wifi": [{"bssid": "aa:bb:cc:dd:ee:01", "ssid": "HQ"}],
        "beacons": [{"uuid": "f7826da6-4fa2-4e98-8024-bc5b71e0893e", "major": 1}],
        "ip_ranges": ["10.1.0.0/16"]});
    let r = app.post(&admin, "/api/v1/sites", &body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let s = r.json();
    let id = s["id"].as_str().unwrap().to_string();
    assert_eq!(s["num"], 1);
    assert_eq!(s["fences"][0]["system"], "gcj02", "as given");
    assert_eq!(s["fences_wgs84"][0]["system"], "wgs84");
    let c = &s["fences_wgs84"][0]["shape"]["center"];
    assert!((c["lat"].as_f64().unwrap() - WGS.0).abs() < 1e-6, "{c}");
    assert!((c["lng"].as_f64().unwrap() - WGS.1).abs() < 1e-6, "{c}");
    assert_eq!(s["fences_wgs84"][0]["floors"], json!([3, 4]));

    let mut second = office_site("Branch");
    let r = app.post(&admin, "/api/v1/sites", &second).await;
    assert_eq!(r.json()["num"], 2);
    let r = app.post(&b.admin(), "/api/v1/sites", &second).await;
    assert_eq!(r.json()["num"], 1, "numbers are per tenant");
    let r = app.post(&admin, "/api/v1/sites", &second).await;
    assert_eq!((r.status, r.field().as_deref()), (409, Some("name")));

    // Validation names the field.
    second["name"] = json!("Bad");
    second["fences"] = json!([{"system": "wgs84", "shape": {"kind": "circle", "center": {"lat": 39.9, "lng": 116.4}, "radius_m": 100.0}},
        {"system": "wgs84", "shape": {"kind": "polygon", "outer": [{"lat": 39.9, "lng": 116.4}, {"lat": 39.9, "lng": 116.5}, {"lat": 39.9, "lng": 116.6}]}}]);
    let r = app.post(&admin, "/api/v1/sites", &second).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(
        r.field().unwrap().starts_with("fences[1].shape"),
        "{}",
        r.text
    );
    second["fences"] = json!([{"system": "wgs84", "shape": {"kind": "circle", "center": {"lat": 39.9, "lng": 116.4}, "radius_m": -5.0}}]);
    let r = app.post(&admin, "/api/v1/sites", &second).await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("fences[0].shape.radius_m")),
        "{}",
        r.text
    );
    let r = app
        .post(&admin, "/api/v1/sites", &json!({"name": "Empty"}))
        .await;
    assert_eq!((r.status, r.field().as_deref()), (422, Some("fences")));
    let r = app
        .post(
            &admin,
            "/api/v1/sites",
            &json!({"name": "Net", "ip_ranges": ["10.1.0.0/99"]}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.field().unwrap().starts_with("ip_ranges[0]"), "{}", r.text);

    // Reads by role; another tenant's site is 404.
    let path = format!("/api/v1/sites/{id}");
    for (who, status) in [
        (Who::Employee, 403),
        (Who::Supervisor, 200),
        (Who::Auditor, 200),
        (Who::Device, 403),
    ] {
        assert_eq!(app.get(w.auth(who), &path).await.status, status, "{who:?}");
    }
    assert_eq!(app.get(&b.admin(), &path).await.status, 404);
    assert_eq!(
        app.call(&b.admin(), "DELETE", &path, None).await.status,
        404
    );
    let list = app
        .get(w.auth(Who::Supervisor), "/api/v1/sites")
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);

    // The check tool: a GCJ-02 phone at the fence centre is inside; far away is outside.
    let check = format!("{path}/check");
    let r = app
        .post(
            &admin,
            &check,
            &json!({"position": position(GCJ, "gcj02", 10.0)}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["decision"], "accepted");
    assert_eq!(r.json()["site"], id.as_str());
    let r = app
        .post(
            &admin,
            &check,
            &json!({"position": position(north(WGS, 5000.0), "wgs84", 10.0)}),
        )
        .await;
    assert_eq!(r.json()["decision"], "refused", "{}", r.text);
    let r = app
        .post(
            &admin,
            &check,
            &json!({"wifi": [{"bssid": "aa:bb:cc:dd:ee:01"}]}),
        )
        .await;
    assert_eq!(r.json()["decision"], "accepted", "{}", r.text);

    // Update keeps the number; archiving is refused while a rule lists the site.
    let r = app
        .call(&admin, "PUT", &path, Some(&office_site("HQ renamed")))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["num"], 1);
    assert_eq!(r.json()["name"], "HQ renamed");
    rule(
        &app,
        &w.tenant,
        "uses-hq",
        office_spec(),
        Some(json!({"sites": [1], "outside": "refuse"})),
        &[],
    )
    .await;
    let r = app.call(&admin, "DELETE", &path, None).await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (409, Some("id")),
        "{}",
        r.text
    );
    let branch = app.get(&admin, "/api/v1/sites").await.json()["items"][1]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .call(&admin, "DELETE", &format!("/api/v1/sites/{branch}"), None)
        .await;
    assert_eq!(r.status, 204);
    let list = app.get(&admin, "/api/v1/sites").await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let list = app.get(&admin, "/api/v1/sites?archived=true").await.json();
    assert_eq!(list["items"][1]["archived"], true);
    let actions: Vec<(String, String)> = app
        .audit(&w.tenant)
        .await
        .into_iter()
        .filter(|e| e.entity == "site")
        .map(|e| (e.action, e.entity_id))
        .collect();
    assert_eq!(
        actions,
        [
            ("create".into(), id.clone()),
            ("create".into(), branch.clone()),
            ("update".into(), id),
            ("archive".into(), branch)
        ]
    );
}

crate::both!(sites_story);
