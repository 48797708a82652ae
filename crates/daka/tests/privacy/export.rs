//! `daka export scenario` then `daka simulate` gives exactly the day results the API computes
//! from the same stored facts: rule versions, own and department assignments, rota, company
//! special days, counted punches (seconds kept) and uncounted ones.

use serde_json::{Value, json};

use crate::cli::{Server, TempDir, after, ok, run, tenant};
use crate::seed::{employee, fixed, punch, rule, sql};

const FROM: &str = "2026-03-01";
const TO: &str = "2026-03-14";

/// Punches (RFC 3339 in Shanghai), each with its decision and review.
async fn punches(
    s: &daka_store::Store,
    t: &daka_store::Tenant,
    e: &str,
    list: &[(&str, &str, Option<&str>)],
) {
    for (at, decision, review) in list {
        let at = format!("{at}+08:00").replacen(' ', "T", 1);
        punch(
            s,
            t,
            e,
            &at,
            daka_store::now_ms(),
            (decision, *review),
            None,
        )
        .await;
    }
}

/// A tenant with varied facts; the admin's token.
async fn seed(dir: &TempDir) -> (daka_store::Tenant, String) {
    let t = tenant(dir.path());
    ok(
        dir.path(),
        &[
            "admin",
            "create-user",
            "--tenant",
            t.id(),
            "--username",
            "boss",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("boss-password-1\n"),
    );
    let out = ok(
        dir.path(),
        &[
            "admin",
            "create-token",
            "--tenant",
            t.id(),
            "--username",
            "boss",
        ],
        None,
    );
    let token = after(&out, "token (shown once):").to_string();

    let s = dir.store().await;
    rule(
        &s,
        &t,
        "office",
        &[
            fixed("2026-01-01", "09:00", "18:00"),
            fixed("2026-03-09", "09:30", "18:30"),
        ],
    )
    .await;
    rule(&s, &t, "early", &[fixed("2026-01-01", "08:00", "17:00")]).await;
    let night = json!({
        "effective_from": "2026-01-01", "time_zone": "Asia/Shanghai", "kind": "rota",
        "late": {"grace": 5, "serious": 30, "absent": 240}, "early": {"grace": 0, "absent": 240},
        "shifts": {"D": {"segments": [{"start": "08:00", "end": "16:00"}]},
                   "N": {"segments": [{"start": "22:00", "end": "06:00+1"}]}}
    });
    rule(&s, &t, "plant", &[night]).await;
    let dept = s
        .create_department(&t, &daka_store::Actor::system("test"), "Plant", None)
        .await
        .unwrap()
        .id;
    let e1 = employee(&s, &t, "E1", None, Some("office")).await;
    let e2 = employee(&s, &t, "E2", None, Some("office")).await;
    let e3 = employee(&s, &t, "E3", Some(&dept), None).await;
    let e4 = employee(&s, &t, "E4", None, Some("plant")).await;
    employee(&s, &t, "E5", None, None).await;
    let assign = "INSERT INTO rule_assignments (tenant_id, id, rule_id, employee_id, department_id, effective_from, created_at) \
                  VALUES ($1, $2, $3, $4, $5, $6, 0)";
    sqlx::query(assign)
        .bind(t.id())
        .bind("a1")
        .bind("early")
        .bind(Some(e2.clone()))
        .bind(None::<String>)
        .bind("2026-03-09")
        .execute(s.pool())
        .await
        .unwrap();
    sqlx::query(assign)
        .bind(t.id())
        .bind("a2")
        .bind("early")
        .bind(None::<String>)
        .bind(Some(dept.clone()))
        .bind("2026-01-01")
        .execute(s.pool())
        .await
        .unwrap();
    for (d, kind) in [("2026-03-06", "day_off"), ("2026-03-08", "workday")] {
        sql(
            &s,
            "INSERT INTO special_days (tenant_id, date, kind, name) VALUES ($1, $2, $3, 'company')",
            &[t.id(), d, kind],
        )
        .await;
    }
    for (d, shift) in [
        ("2026-03-02", "N"),
        ("2026-03-03", "N"),
        ("2026-03-04", "REST"),
        ("2026-03-05", "D"),
    ] {
        sql(&s, "INSERT INTO rota_entries (tenant_id, employee_id, date, shift, updated_at) VALUES ($1, $2, $3, $4, 0)", &[t.id(), &e4, d, shift]).await;
    }
    punches(
        &s,
        &t,
        &e1,
        &[
            ("2026-03-02 08:55:31", "accepted", None),
            ("2026-03-02 18:02:10", "accepted", None),
            ("2026-03-03 09:07:59", "accepted", None),
            ("2026-03-03 18:00:00", "field_work", None),
            ("2026-03-04 09:00:00", "refused", None),
            ("2026-03-04 18:00:00", "exception", Some("rejected")),
            ("2026-03-05 09:01:00", "exception", Some("approved")),
            ("2026-03-05 17:30:00", "accepted", None),
            ("2026-03-05 19:45:00", "exception", None),
            ("2026-03-08 09:00:05", "accepted", None),
            ("2026-03-08 18:00:00", "accepted", None),
            ("2026-03-09 09:31:45", "accepted", None),
            ("2026-03-09 20:31:00", "accepted", None),
        ],
    )
    .await;
    punches(
        &s,
        &t,
        &e2,
        &[
            ("2026-03-06 09:00:00", "accepted", None),
            ("2026-03-10 08:00:30", "accepted", None),
            ("2026-03-10 17:00:00", "accepted", None),
        ],
    )
    .await;
    punches(
        &s,
        &t,
        &e3,
        &[
            ("2026-03-02 07:58:00", "accepted", None),
            ("2026-03-02 17:05:00", "accepted", None),
        ],
    )
    .await;
    punches(
        &s,
        &t,
        &e4,
        &[
            ("2026-03-02 21:55:00", "accepted", None),
            ("2026-03-03 06:02:00", "accepted", None),
            ("2026-03-03 22:12:00", "accepted", None),
            ("2026-03-05 08:03:00", "accepted", None),
            ("2026-03-05 15:40:00", "accepted", None),
        ],
    )
    .await;
    s.close().await;
    (t, token)
}

/// `daka simulate`'s day records, without their `record` tag.
fn simulated(dir: &TempDir, file: &str) -> Vec<Value> {
    let out = ok(dir.path(), &["simulate", file], None);
    out.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["record"] == json!("day"))
        .map(|mut v| {
            v.as_object_mut().unwrap().remove("record");
            v
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exported_scenario_gives_the_api_results() {
    let dir = TempDir::new("export");
    let (t, token) = seed(&dir).await;

    let server = Server::start(dir.path());
    let r = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/results/days?from={FROM}&to={TO}",
            server.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let api: Value = r.json().await.unwrap();
    drop(server);
    let api: Vec<Value> = api["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let mut d = d.clone();
            d["employee"] = d["employee"]["id"].clone();
            // Only the API knows "now": past days are never provisional.
            assert_eq!(d["provisional"], json!(false));
            if let Some(m) = d.as_object_mut() {
                m.remove("provisional");
            }
            d
        })
        .collect();
    // E1..E4 over 14 days; E5 has no rule.
    assert_eq!(api.len(), 4 * 14);

    let out = ok(
        dir.path(),
        &[
            "export",
            "scenario",
            "--tenant",
            t.id(),
            "--from",
            FROM,
            "--to",
            TO,
        ],
        None,
    );
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["employees"].as_array().map(Vec::len), Some(4));
    assert!(
        out.contains("2026-03-02T00:55:31Z"),
        "punches keep their seconds"
    );
    std::fs::write(dir.path().join("exported.json"), &out).unwrap();
    let sim = simulated(&dir, "exported.json");
    assert_eq!(sim.len(), api.len());
    for (a, s) in api.iter().zip(&sim) {
        assert_eq!(
            a, s,
            "API and simulate differ for {} on {}",
            a["employee"], a["date"]
        );
    }
    // The facts are varied enough to mean something.
    let statuses: std::collections::BTreeSet<String> = api
        .iter()
        .flat_map(|d| {
            d["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["status"].as_str().unwrap().to_string())
        })
        .collect();
    for s in ["Normal", "Late", "Early", "Missing", "NotRequired"] {
        assert!(statuses.contains(s), "no {s} in {statuses:?}");
    }

    // One employee by number; an unknown number is refused by name.
    let out = ok(
        dir.path(),
        &[
            "export",
            "scenario",
            "--tenant",
            t.id(),
            "--from",
            FROM,
            "--to",
            TO,
            "--employee-no",
            "E3",
        ],
        None,
    );
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["employees"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        doc["employees"][0]["rules"],
        json!([{"rule": "early", "from": "2026-02-22"}])
    );
    let bad = run(
        dir.path(),
        &[],
        &[
            "export",
            "scenario",
            "--tenant",
            t.id(),
            "--from",
            FROM,
            "--to",
            TO,
            "--employee-no",
            "X9",
        ],
        None,
    );
    assert_eq!(bad.code, Some(2));
    assert!(
        bad.stderr
            .contains("--employee-no: no employee numbered 'X9'"),
        "{}",
        bad.stderr
    );
}
