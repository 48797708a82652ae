//! Loading scenarios, finding records, and running the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

/// Loads scenario text (named `name`, which picks TOML or JSON) and returns every record, day
/// results first, then the month summaries.
pub fn run_named(name: &str, text: &str) -> Vec<Value> {
    let s = daka::scenario::load_str(Path::new(name), text)
        .unwrap_or_else(|e| panic!("the scenario does not load: {e}\n{text}"));
    daka::simulate::records(&s, true)
}

/// Loads TOML scenario text and returns every record (days, then months).
pub fn run(text: &str) -> Vec<Value> {
    run_named("scenario.toml", text)
}

/// The error of scenario text that must not load.
pub fn load_error(name: &str, text: &str) -> daka::scenario::ScenarioError {
    match daka::scenario::load_str(Path::new(name), text) {
        Ok(_) => panic!("the scenario loaded, but it should have been refused:\n{text}"),
        Err(e) => e,
    }
}

/// A fixed office rule: 09:00-18:00 with a 12:00-13:00 unpaid break, Monday to Friday, China's
/// calendar, zone Asia/Shanghai. `settings` is appended to the rule version (key = value lines),
/// `employee` to employee E1 (punches, then `[[employees.approvals]]` tables).
pub fn office(from: &str, to: &str, settings: &str, employee: &str) -> String {
    format!(
        r#"
from = "{from}"
to = "{to}"
time_zone = "Asia/Shanghai"

[[rules]]
id = "office"
name = "Office"

[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "fixed"
schedule = {{ segments = [{{ start = "09:00", end = "18:00" }}], break = ["12:00", "13:00"] }}
{settings}

[[employees]]
id = "E1"
rule = "office"
{employee}
"#
    )
}

pub fn days(recs: &[Value]) -> Vec<&Value> {
    recs.iter().filter(|r| r["record"] == "day").collect()
}

/// The day result of `emp` on `date` (panics with the dates present when absent).
pub fn day<'a>(recs: &'a [Value], emp: &str, date: &str) -> &'a Value {
    recs.iter()
        .find(|r| r["record"] == "day" && r["employee"] == emp && r["date"] == date)
        .unwrap_or_else(|| {
            let have: Vec<String> = days(recs)
                .iter()
                .map(|r| format!("{} {}", r["employee"], r["date"]))
                .collect();
            panic!("no day result for {emp} on {date}; have {have:?}")
        })
}

/// Whether a day result exists for `emp` on `date`.
pub fn has_day(recs: &[Value], emp: &str, date: &str) -> bool {
    recs.iter()
        .any(|r| r["record"] == "day" && r["employee"] == emp && r["date"] == date)
}

/// The month summary of `emp` for `month` (`YYYY-MM`).
pub fn month<'a>(recs: &'a [Value], emp: &str, month: &str) -> &'a Value {
    recs.iter()
        .find(|r| r["record"] == "month" && r["employee"] == emp && r["month"] == month)
        .unwrap_or_else(|| panic!("no month summary for {emp} {month}"))
}

/// The edge `name` (`in1`, `out1`, ...) of a day result.
pub fn edge<'a>(day: &'a Value, name: &str) -> &'a Value {
    day["edges"]
        .as_array()
        .and_then(|es| es.iter().find(|e| e["edge"] == name))
        .unwrap_or_else(|| panic!("no edge {name} in {}", day["edges"]))
}

/// Asserts one edge's status and minutes, printing the edge on failure.
#[track_caller]
pub fn assert_edge(day: &Value, name: &str, want_status: &str, want_minutes: i64) {
    let e = edge(day, name);
    assert_eq!(
        (
            e["status"].as_str().unwrap_or("?"),
            e["minutes"].as_i64().unwrap_or(-1)
        ),
        (want_status, want_minutes),
        "{} {name}: {}",
        day["date"],
        e["explanation"]["en"]
    );
}

/// An integer field of a record (`work_minutes`, ...) or of a nested object (`overtime.workday`).
#[track_caller]
pub fn int(v: &Value, path: &str) -> i64 {
    let mut cur = v;
    for k in path.split('.') {
        cur = &cur[k];
    }
    cur.as_i64()
        .unwrap_or_else(|| panic!("{path} is not an integer in {v}"))
}

#[track_caller]
pub fn num(v: &Value, path: &str) -> f64 {
    let mut cur = v;
    for k in path.split('.') {
        cur = &cur[k];
    }
    cur.as_f64()
        .unwrap_or_else(|| panic!("{path} is not a number in {v}"))
}

/// Overtime of a day or month as (workday, rest_day, holiday).
pub fn overtime(v: &Value) -> (i64, i64, i64) {
    (
        int(v, "overtime.workday"),
        int(v, "overtime.rest_day"),
        int(v, "overtime.holiday"),
    )
}

/// The day's ignored punches as (local HH:MM, reason).
pub fn ignored(day: &Value) -> Vec<(String, String)> {
    day["ignored"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| {
                    let at = i["at"].as_str().unwrap_or("");
                    // "2026-03-02T08:55:00+08:00" -> "08:55"
                    let hm = at.get(11..16).unwrap_or(at).to_string();
                    (hm, i["reason"].as_str().unwrap_or("").to_string())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The reason codes of a day (or an edge).
pub fn reason_codes(v: &Value) -> Vec<String> {
    v["reasons"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["code"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// The first reason with `code` of a day or an edge.
pub fn reason<'a>(v: &'a Value, code: &str) -> &'a Value {
    v["reasons"]
        .as_array()
        .and_then(|a| a.iter().find(|r| r["code"] == code))
        .unwrap_or_else(|| panic!("no reason {code} in {}", v["reasons"]))
}

/// The local `HH:MM` of an RFC 3339 field of an edge (`punch`, `scheduled`, `judged_against`).
pub fn hm(e: &Value, field: &str) -> String {
    e[field]
        .as_str()
        .and_then(|s| s.get(11..16))
        .unwrap_or("-")
        .to_string()
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh directory under the system temp dir.
pub fn temp_dir(tag: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "daka-scenarios-{}-{tag}-{n}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Writes `text` as `name` in a fresh temp directory and returns its path.
pub fn write_temp(tag: &str, name: &str, text: &str) -> PathBuf {
    let path = temp_dir(tag).join(name);
    std::fs::write(&path, text).expect("write scenario");
    path
}

/// Runs the real `daka` binary.
pub fn daka(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_daka"))
        .args(args)
        .output()
        .expect("run daka")
}

/// The outcome of `daka simulate FILE --month`.
pub struct Simulated {
    pub code: Option<i32>,
    pub records: Vec<Value>,
    pub stdout: String,
    pub stderr: String,
}

pub fn simulate_file(path: &Path) -> Simulated {
    let out = daka(&["simulate".as_ref(), path.as_os_str(), "--month".as_ref()]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let records = if out.status.success() {
        stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect()
    } else {
        Vec::new()
    };
    Simulated {
        code: out.status.code(),
        records,
        stdout,
        stderr,
    }
}

/// Writes scenario text to a temp file and runs the real binary on it.
pub fn simulate_text(tag: &str, name: &str, text: &str) -> Simulated {
    let path = write_temp(tag, name, text);
    let s = simulate_file(&path);
    if let Some(dir) = path.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
    s
}
