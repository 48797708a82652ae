//! One month for 10,000 employees with 4 punches per workday (two segments, 09:00-12:00 and
//! 13:00-18:00), on one core. Reported as employee-days per second.
//!
//! Beside it, in the same run: a baseline that only sorts and scans the same punches (the floor any
//! engine pays to read its input), so the ratio stays comparable on a noisy machine.
//!
//!     cargo bench -p daka-core --bench month

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use daka_core::facts::{Approval, ApprovalKind, DayPart, Span};
use daka_core::{
    EmployeeFacts, Engine, NationalCalendar, PlanCache, Punch, PunchSource, Rule, RuleSpec,
    SpecialDays,
};
use jiff::ToSpan;
use jiff::civil::{Date, date};

const EMPLOYEES: usize = 10_000;

fn rule() -> Rule {
    let text = r#"{
        "id": "office", "name": "Office",
        "versions": [{
            "effective_from": "2026-01-01", "time_zone": "Asia/Shanghai", "kind": "fixed",
            "schedule": {"segments": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}]},
            "late": {"grace": 5, "serious": 30, "absent": 120},
            "early": {"grace": 0, "absent": 120},
            "overtime": {"start_delay": 30, "minimum": 30, "unit": 30}
        }]
    }"#;
    let spec: RuleSpec = match serde_json::from_str(text) {
        Ok(s) => s,
        Err(e) => panic!("bench rule: {e}"),
    };
    match Rule::compile(&spec) {
        Ok(r) => r,
        Err(e) => panic!("bench rule: {e}"),
    }
}

/// A small deterministic generator (xorshift), so every run sees the same punches.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn jitter(&mut self, spread: i64) -> i64 {
        (self.next() % (2 * spread as u64 + 1)) as i64 - spread
    }
}

fn employees(from: Date, to: Date) -> Vec<EmployeeFacts> {
    let national = NationalCalendar::china();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let shanghai = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap_or(jiff::tz::TimeZone::UTC);
    let mut out = Vec::with_capacity(EMPLOYEES);
    for i in 0..EMPLOYEES {
        let mut punches = Vec::with_capacity(100);
        let mut d = from;
        while d <= to {
            let weekend = d.weekday().to_monday_zero_offset() >= 5;
            let holiday = national.get(d).is_some_and(|n| n.off);
            if !weekend && !holiday {
                let base = d.at(0, 0, 0, 0);
                for (h, m, spread) in [(8, 55, 10), (12, 2, 3), (12, 58, 3), (18, 10, 20)] {
                    let dt = base.checked_add((h * 60 + m + rng.jitter(spread)).minutes());
                    if let Ok(ts) = dt.and_then(|dt| dt.to_zoned(shanghai.clone())) {
                        punches.push(Punch {
                            second: ts.timestamp().as_second() + (rng.next() % 60) as i64,
                            source: PunchSource::Punch,
                        });
                    }
                }
            }
            d = match d.checked_add(1.day()) {
                Ok(n) => n,
                Err(_) => break,
            };
        }
        let approvals = if i % 50 == 0 {
            vec![Approval {
                kind: ApprovalKind::Leave {
                    leave_type: Arc::from("annual"),
                },
                span: Span::Days {
                    from: date(2026, 3, 10),
                    to: date(2026, 3, 10),
                    part: DayPart::Am,
                },
            }]
        } else {
            Vec::new()
        };
        out.push(EmployeeFacts {
            id: Arc::from(format!("E{i:05}")),
            assignments: vec![(Date::MIN, 0)],
            punches,
            approvals,
            ..EmployeeFacts::default()
        });
    }
    out
}

fn bench(c: &mut Criterion) {
    let (from, to) = (date(2026, 3, 1), date(2026, 3, 31));
    let days = 31 * EMPLOYEES as u64;
    let engine = Engine::new(
        vec![rule()],
        NationalCalendar::china(),
        SpecialDays::default(),
    );
    let emps = employees(from, to);
    let mut g = c.benchmark_group("month_10k_employees");
    g.sample_size(10);
    g.throughput(Throughput::Elements(days));
    g.bench_function("engine", |b| {
        b.iter(|| {
            let mut cache = PlanCache::new();
            let mut n = 0usize;
            for e in &emps {
                let r = engine.employee_days(e, from, to, &mut cache);
                n += r.len();
                black_box(&r);
            }
            assert_eq!(n as u64, days);
        })
    });
    g.bench_function("baseline_sort_and_scan_punches", |b| {
        b.iter(|| {
            let mut sum = 0i64;
            for e in &emps {
                let mut p = e.punches.clone();
                p.sort_unstable_by_key(|p| (p.second, p.source));
                for _ in 0..31 {
                    let lo = p.partition_point(|x| x.second < sum & 0xff);
                    sum = sum.wrapping_add(lo as i64);
                }
                sum = sum.wrapping_add(p.iter().map(|p| p.second / 60).sum::<i64>());
            }
            black_box(sum)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
