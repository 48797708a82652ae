//! `daka simulate`: runs the engine over a scenario and prints one JSON object per line.

use std::io::Write;

use daka_core::explain::{day_json, month_json};
use daka_core::{PlanCache, summarize};
use serde_json::Value;

use crate::scenario::Scenario;

/// Every employee-day (employees in file order, dates ascending), then, with `month`, the month
/// summaries. Each object carries `"record": "day"` or `"record": "month"`.
pub fn records(s: &Scenario, month: bool) -> Vec<Value> {
    let mut cache = PlanCache::new();
    let mut out = Vec::new();
    let mut all = Vec::new();
    for e in &s.employees {
        let days = s.engine.employee_days(e, s.from, s.to, &mut cache);
        for d in &days {
            out.push(tagged("day", day_json(d)));
        }
        if month {
            all.extend(days);
        }
    }
    if month {
        for m in summarize(&all) {
            out.push(tagged("month", month_json(&m)));
        }
    }
    out
}

fn tagged(kind: &str, v: Value) -> Value {
    match v {
        Value::Object(mut m) => {
            let mut o = serde_json::Map::with_capacity(m.len() + 1);
            o.insert("record".into(), Value::String(kind.into()));
            o.append(&mut m);
            Value::Object(o)
        }
        other => other,
    }
}

pub fn write(s: &Scenario, month: bool, pretty: bool, out: &mut impl Write) -> std::io::Result<()> {
    for r in records(s, month) {
        if pretty {
            serde_json::to_writer_pretty(&mut *out, &r)?;
        } else {
            serde_json::to_writer(&mut *out, &r)?;
        }
        out.write_all(b"\n")?;
    }
    out.flush()
}
