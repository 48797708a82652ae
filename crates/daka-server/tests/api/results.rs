//! Results computed on read: who sees whose, 403 and 404, the range limit, and that a new rule
//! version or a punch review shows at once.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::fixtures::{default_rule, office, punch, punch_full, review, rule, version};
use crate::helpers::{Auth, Mode, TestApp, Who, World};

const WEEK: &str = "from=2026-03-02&to=2026-03-06";

fn ids(days: &Value) -> BTreeSet<String> {
    days["days"]
        .as_array()
        .expect("days")
        .iter()
        .map(|d| {
            d["employee"]["id"]
                .as_str()
                .expect("employee.id")
                .to_string()
        })
        .collect()
}

fn set(v: &[&String]) -> BTreeSet<String> {
    v.iter().map(|s| s.to_string()).collect()
}

async fn days(app: &TestApp, auth: &Auth, query: &str) -> Value {
    let r = app
        .get(auth, &format!("/api/v1/results/days?{query}"))
        .await;
    assert_eq!(r.status, 200, "{query}: {}", r.text);
    r.json()
}

/// The day record of `employee` on `date`.
fn day<'a>(v: &'a Value, employee: &str, date: &str) -> &'a Value {
    v["days"]
        .as_array()
        .expect("days")
        .iter()
        .find(|d| d["employee"]["id"] == json!(employee) && d["date"] == json!(date))
        .unwrap_or_else(|| panic!("no day {date} of {employee} in {v}"))
}

/// The office rule for E1, E1a and E2, and E1's punches on Monday 2 March.
async fn office_world(app: &TestApp, prefix: &str) -> World {
    let w = World::build(app, prefix, Mode::Token).await;
    rule(
        app,
        &w.tenant,
        "office",
        office("2026-01-01", "09:00", "18:00"),
    )
    .await;
    for e in [&w.e1, &w.e1a, &w.e2] {
        default_rule(app, &w.tenant, e, "office").await;
    }
    punch(app, &w.tenant, &w.e1, "2026-03-02T08:55:00+08:00", None).await;
    punch(app, &w.tenant, &w.e1, "2026-03-02T18:02:00+08:00", None).await;
    w
}

async fn results_by_scope(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = office_world(&app, "res").await;
    // No rule in force: no days (and no error).
    app.employee(&w.tenant, "res-no-rule", Some(&w.d1)).await;
    let all = set(&[&w.e1, &w.e1a, &w.e2]);

    // Admins and auditors: the tenant.
    let v = days(&app, &w.admin(), WEEK).await;
    assert_eq!(ids(&v), all);
    assert_eq!(v["days"].as_array().map(Vec::len), Some(15));
    assert_eq!(
        (v["from"].clone(), v["to"].clone()),
        (json!("2026-03-02"), json!("2026-03-06"))
    );
    let monday = day(&v, &w.e1, "2026-03-02");
    assert_eq!(monday["employee"]["employee_no"], json!(w.e1_no));
    assert_eq!(monday["employee"]["department_id"], json!(w.d1));
    assert_eq!(monday["edges"][0]["status"], json!("Normal"));
    assert_eq!(monday["edges"][1]["status"], json!("Normal"));
    assert_eq!(
        day(&v, &w.e2, "2026-03-02")["edges"][0]["status"],
        json!("Missing")
    );
    assert_eq!(ids(&days(&app, w.auth(Who::Auditor), WEEK).await), all);
    let q = format!("{WEEK}&department_id={}", w.d1);
    assert_eq!(
        ids(&days(&app, &w.admin(), &q).await),
        set(&[&w.e1, &w.e1a])
    );

    // An employee: only themselves.
    let emp = w.auth(Who::Employee);
    assert_eq!(ids(&days(&app, emp, WEEK).await), set(&[&w.e1]));
    let q = format!("{WEEK}&employee_id={}", w.e1);
    assert_eq!(ids(&days(&app, emp, &q).await), set(&[&w.e1]));
    for q in [
        format!("{WEEK}&employee_id={}", w.e2),
        format!("{WEEK}&department_id={}", w.d1),
    ] {
        let r = app.get(emp, &format!("/api/v1/results/days?{q}")).await;
        assert_eq!(r.status, 403, "{q}: {}", r.text);
    }
    let mine = app
        .get(emp, &format!("/api/v1/me/results/days?{WEEK}"))
        .await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert_eq!(ids(&mine.json()), set(&[&w.e1]));

    // A supervisor: the led subtree (D1 and D1a), not the sibling D2.
    let sup = w.auth(Who::Supervisor);
    assert_eq!(ids(&days(&app, sup, WEEK).await), set(&[&w.e1, &w.e1a]));
    let q = format!("{WEEK}&department_id={}", w.d1a);
    assert_eq!(ids(&days(&app, sup, &q).await), set(&[&w.e1a]));
    for q in [
        format!("{WEEK}&employee_id={}", w.e2),
        format!("{WEEK}&department_id={}", w.d2),
        format!("{WEEK}&department_id={}", w.root),
    ] {
        let r = app.get(sup, &format!("/api/v1/results/days?{q}")).await;
        assert_eq!(r.status, 403, "{q}: {}", r.text);
    }
    assert_eq!(
        ids(&days(&app, w.auth(Who::Sibling), WEEK).await),
        set(&[&w.e2])
    );

    // Another tenant's employee or department is not found, whoever asks.
    let other = app.tenant("res-other").await;
    let od = app.department(&other, "res-other-D", None).await;
    let oe = app.employee(&other, "res-other-E", Some(&od)).await;
    for q in [
        format!("{WEEK}&employee_id={oe}"),
        format!("{WEEK}&department_id={od}"),
    ] {
        for who in [Who::Admin, Who::Employee] {
            let r = app
                .get(w.auth(who), &format!("/api/v1/results/days?{q}"))
                .await;
            assert_eq!(r.status, 404, "{who:?} {q}: {}", r.text);
            assert!(!r.text.contains("res-other"), "{}", r.text);
        }
    }

    // Bad requests name the parameter.
    for (q, field) in [
        ("from=2026-03-01&to=2026-05-02", "to"),
        ("from=2026-03-06&to=2026-03-02", "to"),
        ("from=2026-3-1&to=2026-03-02", "from"),
        ("from=2026-03-01", "to"),
    ] {
        let r = app
            .get(&w.admin(), &format!("/api/v1/results/days?{q}"))
            .await;
        assert_eq!(r.status, 422, "{q}: {}", r.text);
        assert_eq!(r.field().as_deref(), Some(field), "{q}");
    }
    // 62 days is the most (1 March to 1 May).
    let q = format!("from=2026-03-01&to=2026-05-01&employee_id={}", w.e1);
    let v = days(&app, &w.admin(), &q).await;
    assert_eq!(v["days"].as_array().map(Vec::len), Some(62));
    let both = format!("{WEEK}&employee_id={}&department_id={}", w.e1, w.d1);
    let r = app
        .get(&w.admin(), &format!("/api/v1/results/days?{both}"))
        .await;
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("department_id"))
    );

    // Devices are refused; anonymous callers are not authenticated.
    let r = app
        .get(w.auth(Who::Device), &format!("/api/v1/results/days?{WEEK}"))
        .await;
    assert_eq!(r.status, 403);
    let r = app
        .get(&Auth::None, &format!("/api/v1/me/results/days?{WEEK}"))
        .await;
    assert_eq!(r.status, 401);
    // A user without an employee record has no results of their own.
    let (_, t) = app.token(&w.tenant, &w.target, &["read"]).await;
    let v = app
        .get(&Auth::Token(t), &format!("/api/v1/me/results/days?{WEEK}"))
        .await;
    assert_eq!(v.status, 200, "{}", v.text);
    assert_eq!(v.json()["days"], json!([]));
}

async fn results_follow_the_facts(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = office_world(&app, "facts").await;
    let t = &w.tenant;
    let q = format!("from=2026-03-03&to=2026-03-03&employee_id={}", w.e1);
    punch(&app, t, &w.e1, "2026-03-03T09:07:00+08:00", None).await;
    punch(&app, t, &w.e1, "2026-03-03T18:00:00+08:00", None).await;
    let v = days(&app, &w.admin(), &q).await;
    let in1 = &day(&v, &w.e1, "2026-03-03")["edges"][0];
    assert_eq!(
        (in1["status"].clone(), in1["minutes"].clone()),
        (json!("Late"), json!(7))
    );
    assert_eq!(day(&v, &w.e1, "2026-03-03")["rule"]["version"], json!(1));

    // A new version from 3 March starting at 09:30: the same punch is now on time.
    version(&app, t, "office", 2, office("2026-03-03", "09:30", "18:30")).await;
    let v = days(&app, &w.admin(), &q).await;
    let d = day(&v, &w.e1, "2026-03-03");
    assert_eq!(d["rule"]["version"], json!(2));
    assert_eq!(d["edges"][0]["status"], json!("Normal"));
    assert_eq!(d["edges"][1]["status"], json!("Early"));

    // A pending exception does not count until a supervisor approves it.
    let q = format!("from=2026-03-04&to=2026-03-04&employee_id={}", w.e1);
    let now = daka_store::now_ms();
    let p = punch_full(
        &app,
        t,
        &w.e1,
        "2026-03-04T09:20:00+08:00",
        now,
        "exception",
        None,
    )
    .await;
    let v = days(&app, &w.admin(), &q).await;
    assert_eq!(
        day(&v, &w.e1, "2026-03-04")["edges"][0]["status"],
        json!("Missing")
    );
    review(&app, t, &p, "approved").await;
    let v = days(&app, &w.admin(), &q).await;
    assert_eq!(
        day(&v, &w.e1, "2026-03-04")["edges"][0]["status"],
        json!("Normal")
    );
}

async fn month_summaries(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = office_world(&app, "month").await;
    let t = &w.tenant;
    punch(&app, t, &w.e1, "2026-03-03T09:07:00+08:00", None).await;
    punch(&app, t, &w.e1, "2026-03-03T18:00:00+08:00", None).await;
    let r = app
        .get(
            &w.admin(),
            &format!(
                "/api/v1/results/months?month=2026-03&department_id={}",
                w.d1
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    assert_eq!(v["month"], json!("2026-03"));
    let list = v["summaries"].as_array().expect("summaries");
    assert_eq!(list.len(), 2, "{v}");
    let e1 = list
        .iter()
        .find(|m| m["employee"]["id"] == json!(w.e1))
        .expect("E1's month");
    assert_eq!(e1["employee"]["employee_no"], json!(w.e1_no));
    assert_eq!(e1["month"], json!("2026-03"));
    assert_eq!(e1["days"], json!(31));
    assert_eq!(e1["required_days"], json!(22));
    assert_eq!(e1["attended_days"], json!(2));
    assert_eq!(
        (e1["late_count"].clone(), e1["late_minutes"].clone()),
        (json!(1), json!(7))
    );
    assert_eq!(e1["perfect_attendance"], json!(false));

    let mine = app
        .get(
            w.auth(Who::Employee),
            "/api/v1/me/results/months?month=2026-03",
        )
        .await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    let mine = mine.json();
    assert_eq!(mine["summaries"].as_array().map(Vec::len), Some(1));
    assert_eq!(mine["summaries"][0]["late_minutes"], json!(7));
    for bad in ["2026-13", "2026-3", "March"] {
        let r = app
            .get(&w.admin(), &format!("/api/v1/results/months?month={bad}"))
            .await;
        assert_eq!(
            (r.status, r.field().as_deref()),
            (422, Some("month")),
            "{bad}"
        );
    }
    let r = app
        .get(
            w.auth(Who::Sibling),
            &format!("/api/v1/results/months?month=2026-03&employee_id={}", w.e1),
        )
        .await;
    assert_eq!(r.status, 403);
}

/// Days that have not begun are not results (they would read as absent); today is provisional.
async fn future_days_are_not_results(url: String) {
    let app = TestApp::spawn(&url).await;
    let w = office_world(&app, "future").await;
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone"))
        .date();
    let from = today.checked_sub(jiff::ToSpan::days(3)).expect("date");
    let to = today.checked_add(jiff::ToSpan::days(10)).expect("date");
    let q = format!("from={from}&to={to}&employee_id={}", w.e1);
    let v = days(&app, &w.admin(), &q).await;
    let list = v["days"].as_array().expect("days");
    assert_eq!(list.len(), 4, "three past days and today: {v}");
    for d in list {
        let date: jiff::civil::Date = d["date"].as_str().expect("date").parse().expect("a date");
        assert!(date <= today);
        assert_eq!(d["provisional"], json!(date == today), "{date}");
    }
}

crate::both!(
    results_by_scope,
    results_follow_the_facts,
    month_summaries,
    future_days_are_not_results
);
