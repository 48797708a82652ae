//! Company special days: admins set and remove them, everyone in the company reads them.

use serde_json::json;

use crate::helpers::{Mode, TestApp, Who, World};

async fn special_days(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = World::build(&app, "days", Mode::Token).await;
    let admin = w.admin();
    let put = |date: &str, body: serde_json::Value| {
        let (app, admin) = (&app, admin.clone());
        let path = format!("/api/v1/special-days/{date}");
        async move { app.call(&admin, "PUT", &path, Some(&body)).await }
    };
    let r = put(
        "2026-10-01",
        json!({"kind": "day_off", "name": "National Day"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json(),
        json!({"date": "2026-10-01", "kind": "day_off", "name": "National Day"})
    );
    let r = put(
        "2026-09-27",
        json!({"kind": "workday", "name": "Make-up day"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = put("2025-12-31", json!({"kind": "day_off", "name": "Year end"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Replacing one is an update with its before.
    let r = put("2026-10-01", json!({"kind": "day_off", "name": "国庆节"})).await;
    assert_eq!(r.status, 200, "{}", r.text);

    for (date, body, field) in [
        (
            "2026-10-02",
            json!({"kind": "holiday", "name": "x"}),
            "kind",
        ),
        (
            "2026-10-32",
            json!({"kind": "day_off", "name": "x"}),
            "date",
        ),
        (
            "2026-10-02",
            json!({"kind": "day_off", "name": "  "}),
            "name",
        ),
        ("2026-10-02", json!({"kind": "day_off"}), "name"),
    ] {
        let r = put(date, body).await;
        assert_eq!(
            (r.status, r.field().as_deref()),
            (422, Some(field)),
            "{}",
            r.text
        );
    }

    let r = app
        .get(w.auth(Who::Employee), "/api/v1/special-days?year=2026")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json().as_array().unwrap().len(), 2);
    let v = r.json();
    assert_eq!(v[0]["date"], "2026-09-27");
    assert_eq!(v[1]["date"], "2026-10-01");
    assert_eq!(v[1]["name"], "国庆节");
    assert_eq!(
        app.get(&admin, "/api/v1/special-days")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let r = app.get(&admin, "/api/v1/special-days?year=0").await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("year")),
        "{}",
        r.text
    );
    let cal = app.store.company_calendar(&w.tenant).await.unwrap();
    assert_eq!(cal.workdays.len(), 1);
    assert_eq!(cal.days_off.len(), 2);

    for who in [Who::Employee, Who::Supervisor, Who::Auditor, Who::ReadOnly] {
        let r = app
            .call(
                w.auth(who),
                "PUT",
                "/api/v1/special-days/2026-10-03",
                Some(&json!({"kind": "day_off", "name": "x"})),
            )
            .await;
        assert_eq!(r.status, 403, "{who:?}");
        let r = app
            .call(
                w.auth(who),
                "DELETE",
                "/api/v1/special-days/2026-10-01",
                None,
            )
            .await;
        assert_eq!(r.status, 403, "{who:?}");
    }
    assert_eq!(
        app.call(&admin, "DELETE", "/api/v1/special-days/2026-10-01", None)
            .await
            .status,
        204
    );
    assert_eq!(
        app.call(&admin, "DELETE", "/api/v1/special-days/2026-10-01", None)
            .await
            .status,
        404
    );

    let audit = app.audit(&w.tenant).await;
    let actions: Vec<(&str, &str)> = audit
        .iter()
        .filter(|e| e.entity == "special_day")
        .map(|e| (e.action.as_str(), e.entity_id.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("create", "2026-10-01"),
            ("create", "2026-09-27"),
            ("create", "2025-12-31"),
            ("update", "2026-10-01"),
            ("delete", "2026-10-01"),
        ]
    );
    app.stop().await;
}

crate::both!(special_days);
