//! Invariants of the engine, over generated scenarios run through the scenario loader:
//! punch order does not matter, duplicate punches change nothing, moving the scenario to another
//! time zone with all local times kept changes nothing, and computing twice gives the same output.

use std::path::Path;

use proptest::prelude::*;
use serde_json::{Value, json};

/// Zones to move scenarios between; June 2026 has no DST change in any of them, so the same local
/// times mean the same day shape everywhere (Asia/Kolkata is +05:30, pain point 2).
const ZONES: [&str; 6] = [
    "Asia/Shanghai",
    "UTC",
    "Asia/Kolkata",
    "America/New_York",
    "Pacific/Auckland",
    "Europe/Berlin",
];

#[derive(Clone, Debug)]
struct Case {
    shape: usize,
    grace: u32,
    serious: u32,
    absent: u32,
    ot_min: u32,
    ot_unit: u32,
    /// (day 0..10, minute of day relative to local midnight, may exceed 1440)
    punches: Vec<(u32, i32, u32)>,
    leave_day: Option<u32>,
}

fn schedule(shape: usize) -> Value {
    match shape {
        0 => json!({"segments": [{"start": "09:00", "end": "18:00"}], "break": ["12:00", "13:00"]}),
        1 => {
            json!({"segments": [{"start": "09:00", "end": "12:00"}, {"start": "13:30", "end": "18:00"}]})
        }
        2 => json!({"segments": [{"start": "22:00", "end": "06:00+1"}]}),
        _ => {
            json!({"segments": [{"start": "08:00", "end": "17:00"}], "flex": {"latest_start": "10:00"}})
        }
    }
}

fn local(day: u32, minute: i32, second: u32) -> String {
    // Days from 2026-06-08 (a Monday); minutes may run into the next day.
    let total = day as i32 * 1440 + minute;
    let d = 8 + total.div_euclid(1440);
    let m = total.rem_euclid(1440);
    format!("2026-06-{:02} {:02}:{:02}:{:02}", d, m / 60, m % 60, second)
}

fn scenario(c: &Case, zone: &str, punches: &[String]) -> String {
    let kind = if c.shape == 3 { "flexible" } else { "fixed" };
    let mut emp = json!({"id": "E1", "rule": "r", "punches": punches});
    if let Some(d) = c.leave_day {
        emp["approvals"] = json!([{"type": "leave", "leave_type": "annual", "date": format!("2026-06-{:02}", 8 + d), "part": "am"}]);
    }
    json!({
        "from": "2026-06-08", "to": "2026-06-17", "time_zone": zone,
        "rules": [{"id": "r", "name": "R", "versions": [{
            "effective_from": "2026-01-01", "time_zone": zone, "kind": kind,
            "schedule": schedule(c.shape),
            "late": {"grace": c.grace, "serious": c.serious, "absent": c.absent},
            "early": {"grace": c.grace, "absent": c.absent},
            "late_rule": [{"left_after": 60, "arrive_later": 30}],
            "overtime": {"minimum": c.ot_min, "unit": c.ot_unit, "start_delay": 15}
        }]}],
        "employees": [emp]
    })
    .to_string()
}

fn run(text: &str) -> Vec<Value> {
    let s = match daka::scenario::load_str(Path::new("prop.json"), text) {
        Ok(s) => s,
        Err(e) => panic!("generated scenario refused: {e}\n{text}"),
    };
    daka::simulate::records(&s, true)
}

fn punch_strings(c: &Case) -> Vec<String> {
    c.punches.iter().map(|&(d, m, s)| local(d, m, s)).collect()
}

fn case() -> impl Strategy<Value = Case> {
    (
        0usize..4,
        0u32..10,
        10u32..40,
        40u32..200,
        0u32..60,
        prop_oneof![Just(1u32), Just(15), Just(30)],
        prop::collection::vec((0u32..10, 0i32..(36 * 60), 0u32..60), 0..50),
        prop::option::of(0u32..10),
    )
        .prop_map(
            |(shape, grace, serious, absent, ot_min, ot_unit, punches, leave_day)| Case {
                shape,
                grace,
                serious: grace + serious,
                absent: grace + serious + absent,
                ot_min,
                ot_unit,
                punches,
                leave_day,
            },
        )
}

/// Drops what legitimately differs between zones: UTC offsets in timestamps and the zone name.
fn zone_free(v: &Value) -> Value {
    match v {
        Value::String(s) if s.len() == 25 && s.as_bytes().get(10) == Some(&b'T') => {
            Value::String(s[..19].to_string())
        }
        Value::Array(a) => Value::Array(a.iter().map(zone_free).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(k, _)| k.as_str() != "time_zone")
                .map(|(k, v)| (k.clone(), zone_free(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Removes ignored punches whose reason is `duplicate`.
fn without_duplicates(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(a) = v.get_mut("ignored").and_then(Value::as_array_mut) {
        a.retain(|i| i["reason"] != "duplicate");
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn punch_order_does_not_matter(c in case(), seed in any::<u64>()) {
        let ps = punch_strings(&c);
        let mut shuffled = ps.clone();
        // Fisher-Yates with a seeded xorshift.
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let a = run(&scenario(&c, "Asia/Shanghai", &ps));
        let b = run(&scenario(&c, "Asia/Shanghai", &shuffled));
        prop_assert_eq!(a, b);
    }

    #[test]
    fn duplicate_punches_change_nothing(c in case(), picks in prop::collection::vec(any::<prop::sample::Index>(), 1..10)) {
        let ps = punch_strings(&c);
        prop_assume!(!ps.is_empty());
        let mut dup = ps.clone();
        for p in &picks {
            dup.push(ps[p.index(ps.len())].clone());
        }
        let a = run(&scenario(&c, "Asia/Shanghai", &ps));
        let b = run(&scenario(&c, "Asia/Shanghai", &dup));
        prop_assert_eq!(a.len(), b.len());
        let dups: usize = b.iter().filter_map(|r| r.get("ignored").and_then(Value::as_array))
            .map(|a| a.iter().filter(|i| i["reason"] == "duplicate").count()).sum();
        let before: usize = a.iter().filter_map(|r| r.get("ignored").and_then(Value::as_array))
            .map(|a| a.iter().filter(|i| i["reason"] == "duplicate").count()).sum();
        prop_assert!(dups >= before);
        for (x, y) in a.iter().zip(&b) {
            prop_assert_eq!(without_duplicates(x), without_duplicates(y));
        }
    }

    #[test]
    fn moving_to_another_zone_changes_nothing(c in case(), z in 1usize..ZONES.len()) {
        let ps = punch_strings(&c);
        let a = run(&scenario(&c, ZONES[0], &ps));
        let b = run(&scenario(&c, ZONES[z], &ps));
        prop_assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            prop_assert_eq!(zone_free(x), zone_free(y));
        }
    }

    #[test]
    fn computing_twice_gives_identical_output(c in case()) {
        let text = scenario(&c, "Asia/Kolkata", &punch_strings(&c));
        let s = match daka::scenario::load_str(Path::new("prop.json"), &text) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        let a = daka::simulate::records(&s, true);
        let b = daka::simulate::records(&s, true);
        prop_assert_eq!(a, b);
    }
}
