//! Reading results the way `GET /api/v1/results/days` does, on SQLite: load the facts of a
//! tenant of 1,000 employees for one month (a fixed rule, two punches per workday: ~44,000
//! punches), compute every employee-day, and render each as JSON. Measured separately and
//! together, so the design note's "computed on read" costs stay checkable.
//!
//!     cargo bench -p daka-server --bench results_read

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use daka_core::explain::day_json;
use daka_store::{Actor, EmployeeInput, Store, Tenant};
use jiff::ToSpan;
use jiff::civil::{Date, date};

const EMPLOYEES: usize = 1_000;

const RULE: &str = r#"{"effective_from": "2026-01-01", "time_zone": "Asia/Shanghai", "kind": "fixed",
    "version": 1, "schedule": {"segments": [{"start": "09:00", "end": "18:00"}], "break": ["12:00", "13:00"]},
    "late": {"grace": 5, "serious": 30, "absent": 120}, "early": {"grace": 0, "absent": 120}}"#;

fn fail(what: &str, e: impl std::fmt::Display) -> ! {
    panic!("bench setup: {what}: {e}")
}

/// A tenant with the office rule, its employees and their March punches.
async fn seed(store: &Store) -> Tenant {
    let actor = Actor::system("bench");
    let t = Tenant::trusted(
        store
            .create_tenant("Bench", &actor)
            .await
            .unwrap_or_else(|e| fail("tenant", e))
            .id,
    );
    let tid = t.id().to_string();
    store
        .write(move |c| {
            Box::pin(async move {
                sqlx::query("INSERT INTO rules (tenant_id, id, name, created_at) VALUES ($1, 'office', 'Office', 0)")
                    .bind(&tid)
                    .execute(&mut *c)
                    .await?;
                sqlx::query(
                    "INSERT INTO rule_versions (tenant_id, rule_id, version, effective_from, spec, location, created_at) \
                     VALUES ($1, 'office', 1, '2026-01-01', $2, NULL, 0)",
                )
                .bind(&tid)
                .bind(RULE)
                .execute(&mut *c)
                .await?;
                Ok(())
            })
        })
        .await
        .unwrap_or_else(|e| fail("rule", e));
    let mut ids = Vec::with_capacity(EMPLOYEES);
    for i in 0..EMPLOYEES {
        let input = EmployeeInput {
            employee_no: format!("B{i:05}"),
            name: format!("Bench {i}"),
            department_id: None,
            manager_id: None,
            time_zone: "Asia/Shanghai".into(),
            active_from: None,
            active_to: None,
            rule_id: Some("office".into()),
        };
        let e = store
            .create_employee(&t, &actor, &input)
            .await
            .unwrap_or_else(|e| fail("employee", e));
        ids.push(e.id);
    }
    let tid = t.id().to_string();
    store
        .write(move |c| {
            Box::pin(async move {
                let mut day = date(2026, 3, 1);
                while day.month() == 3 {
                    let weekday = day.weekday().to_monday_one_offset();
                    if weekday <= 5 {
                        let base = day
                            .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").map_err(|e| daka_store::StoreError::Database(e.to_string()))?)
                            .map_err(|e| daka_store::StoreError::Database(e.to_string()))?
                            .timestamp()
                            .as_millisecond();
                        for (n, e) in ids.iter().enumerate() {
                            // 08:50-09:09 in, 18:00-18:19 out: some late, most on time.
                            let jitter = (n as i64 % 20) * 60_000;
                            for at in [base + 8 * 3_600_000 + 50 * 60_000 + jitter, base + 18 * 3_600_000 + jitter] {
                                sqlx::query(
                                    "INSERT INTO punches (tenant_id, id, client_id, employee_id, at, device_at, received_at, \
                                     source, submitted_by, decision, answer) VALUES ($1, $2, $3, $4, $5, $5, $5, 'app', 'bench', 'accepted', '{}')",
                                )
                                .bind(&tid)
                                .bind(daka_store::new_id())
                                .bind(daka_store::new_id())
                                .bind(e)
                                .bind(at)
                                .execute(&mut *c)
                                .await?;
                            }
                        }
                    }
                    day = day.checked_add(1.day()).map_err(|e| daka_store::StoreError::Database(e.to_string()))?;
                }
                Ok(())
            })
        })
        .await
        .unwrap_or_else(|e| fail("punches", e));
    t
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail("runtime", e));
    let url = daka_store::testing::sqlite_url();
    let store = rt
        .block_on(Store::open(&url))
        .unwrap_or_else(|e| fail("store", e));
    let t = rt.block_on(seed(&store));
    let (from, to): (Date, Date) = (date(2026, 3, 1), date(2026, 3, 31));
    let load = || {
        rt.block_on(store.load_facts(&t, None, from, to))
            .unwrap_or_else(|e| fail("load", e))
    };
    let facts = load();
    let days = facts.compute();
    println!(
        "{} employees, {} employee-days, {} punches",
        facts.employees.len(),
        days.len(),
        facts
            .employees
            .iter()
            .map(|(_, f)| f.punches.len())
            .sum::<usize>()
    );

    let mut g = c.benchmark_group("results_read_1000x_month");
    g.sample_size(10);
    g.bench_function("load_facts", |b| b.iter(|| black_box(load())));
    g.bench_function("compute", |b| b.iter(|| black_box(facts.compute())));
    g.bench_function("render_json", |b| {
        b.iter(|| black_box(days.iter().map(day_json).count()))
    });
    g.bench_function("load_compute_render", |b| {
        b.iter(|| {
            let f = load();
            let json: Vec<_> = f.compute().iter().map(day_json).collect();
            black_box(serde_json::to_vec(&json).map(|v| v.len()).unwrap_or(0))
        })
    });
    g.finish();
    rt.block_on(store.close());
}

criterion_group!(benches, bench);
criterion_main!(benches);
