//! Month summaries: required days (应出勤), attended days, Late / SeriousLate / Early counts and
//! minutes, missing punches, absent days, leave by type, work, overtime by category, and
//! perfect attendance (全勤).

use serde_json::json;

use crate::helpers::*;

/// Office 09:00-18:00 (break 12:00-13:00): late grace 5 / serious 30 / absent 120, early
/// grace 5 / absent 60, overtime start_delay 30 / minimum 30 / unit 30. Mon 03-02 .. Sun 03-08.
const WEEK: &str = r#"
from = "2026-03-02"
to = "2026-03-08"
time_zone = "Asia/Shanghai"
[[rules]]
id = "office"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "fixed"
schedule = { segments = [{ start = "09:00", end = "18:00" }], break = ["12:00", "13:00"] }
late = { grace = 5, serious = 30, absent = 120 }
early = { grace = 5, absent = 60 }
overtime = { start_delay = 30, minimum = 30, unit = 30 }

# E1: a mixed week.
#   Mon 08:55-18:02  Normal                      work 487
#   Tue 09:07-18:00  Late 7                      work 473
#   Wed 09:00-17:30  Early 30                    work 450
#   Thu 08:50        out1 Missing                work 0
#   Fri 08:59-20:45  overtime 135 -> 120         work 646
#   Sat 10:00-12:00  rest day worked, 120 rest-day overtime, work 120
[[employees]]
id = "E1"
rule = "office"
punches = [
  "2026-03-02 08:55", "2026-03-02 18:02",
  "2026-03-03 09:07", "2026-03-03 18:00",
  "2026-03-04 09:00", "2026-03-04 17:30",
  "2026-03-05 08:50",
  "2026-03-06 08:59", "2026-03-06 20:45",
  "2026-03-07 10:00", "2026-03-07 12:00",
]

# E2: 09:00-18:00 every workday.
[[employees]]
id = "E2"
rule = "office"
punches = [
  "2026-03-02 09:00", "2026-03-02 18:00", "2026-03-03 09:00", "2026-03-03 18:00",
  "2026-03-04 09:00", "2026-03-04 18:00", "2026-03-05 09:00", "2026-03-05 18:00",
  "2026-03-06 09:00", "2026-03-06 18:00",
]

# E3: Mon 09:40 SeriousLate 40 (work 440); Tue nothing (absent 1, 2 missing);
#     Wed 11:00 Absent edge (absent 1, work 360); Thu, Fri 09:00-18:00.
[[employees]]
id = "E3"
rule = "office"
punches = [
  "2026-03-02 09:40", "2026-03-02 18:00",
  "2026-03-04 11:00", "2026-03-04 18:00",
  "2026-03-05 09:00", "2026-03-05 18:00", "2026-03-06 09:00", "2026-03-06 18:00",
]

# E4: Mon annual leave (full day); Tue sick leave in the morning, 13:00-18:00; Wed-Fri normal.
[[employees]]
id = "E4"
rule = "office"
punches = [
  "2026-03-03 13:00", "2026-03-03 18:00",
  "2026-03-04 09:00", "2026-03-04 18:00", "2026-03-05 09:00", "2026-03-05 18:00",
  "2026-03-06 09:00", "2026-03-06 18:00",
]
[[employees.approvals]]
type = "leave"
leave_type = "annual"
date = "2026-03-02"
[[employees.approvals]]
type = "leave"
leave_type = "sick"
date = "2026-03-03"
part = "am"
"#;

/// E1's week: 5 required days, all attended; Late 1 / 7 min; Early 1 / 30 min; 1 missing
/// punch; no absence; work 487 + 473 + 450 + 0 + 646 + 120 = 2176; overtime workday 120,
/// rest day 120; one rest day worked; not perfect.
#[test]
fn mixed_week_summary() {
    let recs = run(WEEK);
    let m = month(&recs, "E1", "2026-03");
    let got = json!({
        "days": m["days"], "required_days": m["required_days"], "attended_days": m["attended_days"],
        "late_count": m["late_count"], "late_minutes": m["late_minutes"],
        "serious_late_count": m["serious_late_count"],
        "early_count": m["early_count"], "early_minutes": m["early_minutes"],
        "missing_punches": m["missing_punches"], "absent_days": m["absent_days"],
        "work_minutes": m["work_minutes"], "overtime": m["overtime"],
        "rest_days_worked": m["rest_days_worked"], "perfect_attendance": m["perfect_attendance"],
    });
    assert_eq!(
        got,
        json!({
            "days": 7, "required_days": 5, "attended_days": 5,
            "late_count": 1, "late_minutes": 7, "serious_late_count": 0,
            "early_count": 1, "early_minutes": 30,
            "missing_punches": 1, "absent_days": 0.0,
            "work_minutes": 2176, "overtime": {"workday": 120, "rest_day": 120, "holiday": 0},
            "rest_days_worked": 1, "perfect_attendance": false,
        })
    );
}

/// E2: every required day worked with no exception -> perfect attendance (全勤); work 2400.
#[test]
fn perfect_week() {
    let recs = run(WEEK);
    let m = month(&recs, "E2", "2026-03");
    assert_eq!(m["perfect_attendance"], true);
    assert_eq!(int(m, "required_days"), 5);
    assert_eq!(int(m, "attended_days"), 5);
    assert_eq!(int(m, "work_minutes"), 2400);
    assert_eq!(num(m, "absent_days"), 0.0);
    assert_eq!(overtime(m), (0, 0, 0));
}

/// E3: SeriousLate 1 / 40 min (not counted as ordinary Late); absent days 1 (all missing) + 1
/// (Absent edge) = 2; 2 missing punches (Tuesday's), 1 absent edge; attended 4 of 5; work
/// 440 + 360 + 480 + 480 = 1760; not perfect.
#[test]
fn serious_late_and_absences() {
    let recs = run(WEEK);
    let m = month(&recs, "E3", "2026-03");
    assert_eq!(int(m, "serious_late_count"), 1);
    assert_eq!(int(m, "serious_late_minutes"), 40);
    assert_eq!(int(m, "late_count"), 0);
    assert_eq!(num(m, "absent_days"), 2.0);
    assert_eq!(int(m, "absent_edges"), 1);
    assert_eq!(int(m, "missing_punches"), 2);
    assert_eq!(int(m, "attended_days"), 4);
    assert_eq!(int(m, "work_minutes"), 1760);
    assert_eq!(m["perfect_attendance"], false);
}

/// E4: leave by type: annual 1 day / 480 min, sick 0.5 day / 180 min; required 5, attended 4
/// (the leave day is not worked), no absence; work 300 + 3 * 480 = 1740. Not perfect: "every
/// required day worked" fails on the leave day.
#[test]
fn leave_by_type() {
    let recs = run(WEEK);
    let m = month(&recs, "E4", "2026-03");
    assert_eq!(
        m["leave"],
        json!({"annual": {"days": 1.0, "minutes": 480}, "sick": {"days": 0.5, "minutes": 180}})
    );
    assert_eq!(int(m, "required_days"), 5);
    assert_eq!(int(m, "attended_days"), 4);
    assert_eq!(num(m, "absent_days"), 0.0);
    assert_eq!(int(m, "work_minutes"), 1740);
    assert_eq!(m["perfect_attendance"], false);
}

/// The real binary prints the same records as the library, days first (employees in file
/// order, dates ascending), then one month record per employee.
#[test]
fn binary_output_matches_the_library() {
    let out = simulate_text("month", "week.toml", WEEK);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.records, run(WEEK));
    let kinds: Vec<&str> = out
        .records
        .iter()
        .map(|r| r["record"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "day").count(), 28);
    assert_eq!(&kinds[28..], ["month"; 4]);
    let firsts: Vec<(&str, &str)> = out.records[..8]
        .iter()
        .map(|r| (r["employee"].as_str().unwrap(), r["date"].as_str().unwrap()))
        .collect();
    assert_eq!(firsts[0], ("E1", "2026-03-02"));
    assert_eq!(firsts[6], ("E1", "2026-03-08"));
    assert_eq!(firsts[7], ("E2", "2026-03-02"));
}

/// A range across two months gives one summary per month: Mon 03-30 .. Thu 04-02, all worked
/// 09:00-18:00 -> March 2 required days, April 2, both perfect.
#[test]
fn one_summary_per_month() {
    let punches: Vec<String> = ["2026-03-30", "2026-03-31", "2026-04-01", "2026-04-02"]
        .iter()
        .flat_map(|d| [format!("\"{d} 09:00\""), format!("\"{d} 18:00\"")])
        .collect();
    let recs = run(&office(
        "2026-03-30",
        "2026-04-02",
        "",
        &format!("punches = [{}]", punches.join(", ")),
    ));
    for mo in ["2026-03", "2026-04"] {
        let m = month(&recs, "E1", mo);
        assert_eq!(int(m, "days"), 2, "{mo}");
        assert_eq!(int(m, "required_days"), 2, "{mo}");
        assert_eq!(int(m, "work_minutes"), 960, "{mo}");
        assert_eq!(m["perfect_attendance"], true, "{mo}");
    }
}

/// A business-trip day is a day worked away from the office: a week of four office days
/// 09:00-18:00 and one full-day trip is still perfect attendance, 5 attended days, trip 480.
/// (Engine behaviour relied on: the semantics do not say whether a trip day is "worked".)
#[test]
fn trip_day_keeps_perfect_attendance() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-06",
        "",
        r#"punches = [
  "2026-03-02 09:00", "2026-03-02 18:00", "2026-03-03 09:00", "2026-03-03 18:00",
  "2026-03-05 09:00", "2026-03-05 18:00", "2026-03-06 09:00", "2026-03-06 18:00",
]
[[employees.approvals]]
type = "trip"
date = "2026-03-04"
"#,
    ));
    let m = month(&recs, "E1", "2026-03");
    assert_eq!(int(m, "attended_days"), 5);
    assert_eq!(int(m, "trip_minutes"), 480);
    assert_eq!(m["perfect_attendance"], true);
}
