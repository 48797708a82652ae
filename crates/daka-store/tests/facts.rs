//! Loading the engine's facts from the store: rules by precedence, rota, counted punches, and
//! the per-tenant rule context that is reused until an audited change. Both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../src/testing.rs"]
mod testing;

use std::sync::Arc;

use daka_store::{Actor, EmployeeInput, Store, Tenant, now_ms};
use jiff::civil::date;
use serde_json::json;

macro_rules! both {
    ($($story:ident),* $(,)?) => {$(
        mod $story {
            #[tokio::test(flavor = "multi_thread")]
            async fn sqlite() {
                super::$story(super::testing::sqlite_url()).await
            }
            #[tokio::test(flavor = "multi_thread")]
            async fn postgres() {
                super::$story(super::testing::postgres_url().await).await
            }
        }
    )*};
}

both!(facts_by_precedence_and_cached_context);

async fn exec(s: &Store, sql: &str, args: &[&str]) {
    let mut q = sqlx::query(sql);
    for a in args {
        q = q.bind(*a);
    }
    q.execute(s.pool()).await.unwrap();
}

/// A rule stored as the rules API stores it: one version, the spec as daka-core's JSON.
async fn rule(s: &Store, t: &Tenant, id: &str, start: &str, end: &str) {
    let spec = json!({"version": 1, "effective_from": "2026-01-01", "time_zone": "Asia/Shanghai",
        "kind": "fixed", "late": {"grace": 5},
        "schedule": {"segments": [{"start": start, "end": end}]}});
    let now = now_ms().to_string();
    exec(s, "INSERT INTO rules (tenant_id, id, name, created_at) VALUES ($1, $2, $2, CAST($3 AS BIGINT))", &[t.id(), id, &now]).await;
    exec(
        s,
        "INSERT INTO rule_versions (tenant_id, rule_id, version, effective_from, spec, location, created_at) \
         VALUES ($1, $2, 1, '2026-01-01', $3, NULL, CAST($4 AS BIGINT))",
        &[t.id(), id, &spec.to_string(), &now],
    )
    .await;
}

async fn punch(s: &Store, t: &Tenant, emp: &str, at: &str, decision: &str) {
    let ms = at
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_millisecond()
        .to_string();
    let id = daka_store::new_id();
    exec(
        s,
        "INSERT INTO punches (tenant_id, id, client_id, employee_id, at, received_at, source, submitted_by, decision, answer) \
         VALUES ($1, $2, $2, $3, CAST($4 AS BIGINT), CAST($4 AS BIGINT), 'app', 'test', $5, '{}')",
        &[t.id(), &id, emp, &ms, decision],
    )
    .await;
}

async fn facts_by_precedence_and_cached_context(url: String) {
    let s = Store::open(&url).await.unwrap();
    let actor = Actor::system("test");
    let t = Tenant::trusted(s.create_tenant("facts", &actor).await.unwrap().id);
    let plant = s
        .create_department(&t, &actor, "Plant", None)
        .await
        .unwrap();
    let line = s
        .create_department(&t, &actor, "Line 1", Some(&plant.id))
        .await
        .unwrap();
    rule(&s, &t, "early", "08:00", "17:00").await;
    rule(&s, &t, "late", "10:00", "19:00").await;
    rule(&s, &t, "own", "12:00", "21:00").await;
    let person = |no: &str, dept: Option<&str>| EmployeeInput {
        employee_no: no.into(),
        name: no.into(),
        department_id: dept.map(str::to_string),
        manager_id: None,
        time_zone: "Asia/Shanghai".into(),
        active_from: None,
        active_to: None,
        rule_id: Some("early".into()),
    };
    let a = s
        .create_employee(&t, &actor, &person("A", Some(&line.id)))
        .await
        .unwrap();
    let b = s
        .create_employee(&t, &actor, &person("B", None))
        .await
        .unwrap();
    let now = now_ms().to_string();
    // The plant works 10:00 from March; A has their own rule from 2026-03-04.
    exec(&s, "INSERT INTO rule_assignments (tenant_id, id, rule_id, department_id, effective_from, created_at) VALUES ($1, 'as1', 'late', $2, '2026-03-01', CAST($3 AS BIGINT))", &[t.id(), &plant.id, &now]).await;
    exec(&s, "INSERT INTO rule_assignments (tenant_id, id, rule_id, employee_id, effective_from, created_at) VALUES ($1, 'as2', 'own', $2, '2026-03-04', CAST($3 AS BIGINT))", &[t.id(), &a.id, &now]).await;
    // A arrives 10:03 local (02:03Z) on 03-03 and 12:10 (04:10Z) on 03-04; B at 08:07 on 03-03.
    punch(&s, &t, &a.id, "2026-03-03T02:03:00Z", "accepted").await;
    punch(&s, &t, &a.id, "2026-03-04T04:10:00Z", "accepted").await;
    punch(&s, &t, &b.id, "2026-03-03T00:07:00Z", "field_work").await;
    // Refused and pending exceptions are kept but do not count.
    punch(&s, &t, &b.id, "2026-03-04T00:01:00Z", "refused").await;
    punch(&s, &t, &b.id, "2026-03-04T00:02:00Z", "exception").await;

    let f = s
        .load_facts(&t, None, date(2026, 3, 3), date(2026, 3, 4))
        .await
        .unwrap();
    let days = f.compute();
    let day = |emp: &str, d: &str| {
        let r = days
            .iter()
            .find(|r| &*r.employee == emp && r.plan.date.to_string() == d)
            .expect("a day");
        daka_core::explain::day_json(r)
    };
    let a3 = day(&a.id, "2026-03-03");
    assert_eq!(a3["rule"]["id"], "late", "department's rule from March");
    assert_eq!(a3["edges"][0]["status"], "Normal");
    let a4 = day(&a.id, "2026-03-04");
    assert_eq!(a4["rule"]["id"], "own", "own assignment wins");
    assert_eq!(a4["edges"][0]["status"], "Late");
    assert_eq!(a4["edges"][0]["minutes"], 10);
    let b3 = day(&b.id, "2026-03-03");
    assert_eq!(b3["rule"]["id"], "early", "the employee's default rule");
    assert_eq!(b3["edges"][0]["status"], "Late");
    let b4 = day(&b.id, "2026-03-04");
    assert_eq!(
        b4["edges"][0]["status"], "Missing",
        "refused and pending punches do not count"
    );

    // One employee's facts only.
    let only = s
        .load_facts(
            &t,
            Some(std::slice::from_ref(&b.id)),
            date(2026, 3, 3),
            date(2026, 3, 3),
        )
        .await
        .unwrap();
    assert_eq!(only.employees.len(), 1);
    assert_eq!(only.employees[0].1.punches.len(), 1);

    // The context is reused until an audited change.
    let c1 = s.rule_context(&t).await.unwrap();
    let c2 = s.rule_context(&t).await.unwrap();
    assert!(Arc::ptr_eq(&c1, &c2));
    s.create_department(&t, &actor, "Office", None)
        .await
        .unwrap();
    let c3 = s.rule_context(&t).await.unwrap();
    assert!(!Arc::ptr_eq(&c1, &c3));
    assert!(c3.parents.len() == 3);
}
