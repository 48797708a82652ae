//! Shift rotas: the rota alone decides workdays (a shift code = workday, REST = rest day).

use crate::helpers::*;

/// Rota rule with a day shift D 08:00-17:00 (break 12:00-13:00) and a night shift N
/// 22:00-06:00+1; grace 5. `employee` is appended to employee P1.
fn plant(from: &str, to: &str, employee: &str) -> String {
    format!(
        r#"
from = "{from}"
to = "{to}"
time_zone = "Asia/Shanghai"
[[rules]]
id = "plant"
name = "Plant"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "rota"
late = {{ grace = 5 }}
[rules.versions.shifts]
D = {{ segments = [{{ start = "08:00", end = "17:00" }}], break = ["12:00", "13:00"] }}
N = {{ segments = [{{ start = "22:00", end = "06:00+1" }}] }}
[[employees]]
id = "P1"
rule = "plant"
{employee}
"#
    )
}

/// Explicit rota: Mon 03-02 D, Tue 03-03 N, Wed 03-04 REST, Thu 03-05 no entry. No punches.
/// Expected: Mon workday (shift D, basis rota_shift) all-missing -> absent 1; Tue workday
/// (shift N) absent 1; Wed rest day (rota_rest), not required; Thu no rota entry -> not a
/// workday (engine: basis rota_missing, treated as rest), no absence.
#[test]
fn the_rota_decides_workdays() {
    let recs = run(&plant(
        "2026-03-02",
        "2026-03-05",
        r#"rota = { 2026-03-02 = "D", 2026-03-03 = "N", 2026-03-04 = "REST" }"#,
    ));
    let mon = day(&recs, "P1", "2026-03-02");
    assert_eq!(
        (&mon["shift"], &mon["day_basis"], &mon["required"]),
        (&"D".into(), &"rota_shift".into(), &true.into())
    );
    assert_eq!(num(mon, "absent_days"), 1.0);
    let tue = day(&recs, "P1", "2026-03-03");
    assert_eq!(tue["shift"], "N");
    assert_eq!(hm(edge(tue, "in1"), "scheduled"), "22:00");
    assert_eq!(edge(tue, "out1")["scheduled"], "2026-03-04T06:00:00+08:00");
    assert_eq!(num(tue, "absent_days"), 1.0);
    let wed = day(&recs, "P1", "2026-03-04");
    assert_eq!(
        (&wed["day_type"], &wed["day_basis"], &wed["required"]),
        (&"rest_day".into(), &"rota_rest".into(), &false.into())
    );
    assert_eq!(num(wed, "absent_days"), 0.0);
    let thu = day(&recs, "P1", "2026-03-05");
    assert_eq!(thu["required"], false);
    assert_eq!(thu["day_basis"], "rota_missing");
    assert_eq!(num(thu, "absent_days"), 0.0);
}

/// A repeating pattern from Mon 03-02: D, D, N, N, REST, REST (six days), and an explicit entry
/// that overrides it. Pattern days: 03-02 D, 03-03 D, 03-04 N, 03-05 N, 03-06 REST, 03-07 REST, 03-08 D (cycle
/// restarts), 03-09 D, 03-10 N, 03-11 N. Explicit rota: 03-09 = "REST".
#[test]
fn rota_pattern_repeats_and_explicit_entries_win() {
    let recs = run(&plant(
        "2026-03-02",
        "2026-03-11",
        r#"rota = { 2026-03-09 = "REST" }
rota_pattern = { start = "2026-03-02", shifts = ["D", "D", "N", "N", "REST", "REST"] }"#,
    ));
    let want = [
        ("2026-03-02", Some("D")),
        ("2026-03-03", Some("D")),
        ("2026-03-04", Some("N")),
        ("2026-03-05", Some("N")),
        ("2026-03-06", None),
        ("2026-03-07", None),
        ("2026-03-08", Some("D")),
        ("2026-03-09", None),
        ("2026-03-10", Some("N")),
        ("2026-03-11", Some("N")),
    ];
    for (date, shift) in want {
        let d = day(&recs, "P1", date);
        assert_eq!(d["shift"].as_str(), shift, "{date}");
        assert_eq!(d["required"], shift.is_some(), "{date}");
    }
}

/// The national calendar does not apply to rota rules ("For rota rules the rota alone
/// decides"): D on Fri 2026-05-01 (劳动节, statutory) is a required workday, and working it is
/// not holiday overtime; REST on Sat 2026-05-09 (a national 调休 make-up workday) is a rest day.
/// 05-01: 07:58-17:00 -> Normal, work 482, overtime 0 (category workday).
#[test]
fn rota_ignores_national_holidays_and_makeup_days() {
    let recs = run(&plant(
        "2026-05-01",
        "2026-05-09",
        r#"rota = { 2026-05-01 = "D", 2026-05-09 = "REST" }
punches = ["2026-05-01 07:58", "2026-05-01 17:00"]"#,
    ));
    let may1 = day(&recs, "P1", "2026-05-01");
    assert_eq!(may1["required"], true);
    assert_eq!(may1["day_type"], "workday");
    assert_edge(may1, "in1", "Normal", 0);
    assert_eq!(int(may1, "work_minutes"), 482);
    assert_eq!(may1["overtime_category"], "workday");
    assert_eq!(overtime(may1), (0, 0, 0));
    let may9 = day(&recs, "P1", "2026-05-09");
    assert_eq!(may9["required"], false);
    assert_eq!(num(may9, "absent_days"), 0.0);
}

/// Night then day: Mon 03-02 N, Tue 03-03 D. Mon 21:55 in, Tue 06:30 out (30 min overtime);
/// Tue 07:58 in, 17:00 out. Monday keeps 06:30 (work 515, overtime 30 with default settings),
/// Tuesday starts at 07:58 (work 482).
#[test]
fn night_then_day_shift_split_between_the_two_days() {
    let recs = run(&plant(
        "2026-03-02",
        "2026-03-03",
        r#"rota = { 2026-03-02 = "N", 2026-03-03 = "D" }
punches = ["2026-03-02 21:55", "2026-03-03 06:30", "2026-03-03 07:58", "2026-03-03 17:00"]"#,
    ));
    let mon = day(&recs, "P1", "2026-03-02");
    assert_eq!(edge(mon, "out1")["punch"], "2026-03-03T06:30:00+08:00");
    assert_eq!(int(mon, "work_minutes"), 515);
    assert_eq!(overtime(mon), (30, 0, 0));
    let tue = day(&recs, "P1", "2026-03-03");
    assert_eq!(edge(tue, "in1")["punch"], "2026-03-03T07:58:00+08:00");
    assert_eq!(int(tue, "work_minutes"), 482);
    assert_eq!(overtime(tue), (0, 0, 0));
}

/// Working a REST day: Sat 03-07 REST, punches 09:00, 13:00 -> rest-day overtime = last punch -
/// first punch = 240 (semantics: "Rest-day and holiday overtime: last punch - first punch").
#[test]
fn working_a_rota_rest_day_is_rest_day_overtime() {
    let recs = run(&plant(
        "2026-03-07",
        "2026-03-07",
        r#"rota = { 2026-03-07 = "REST" }
punches = ["2026-03-07 09:00", "2026-03-07 13:00"]"#,
    ));
    let d = day(&recs, "P1", "2026-03-07");
    assert_eq!(d["overtime_category"], "rest_day");
    assert_eq!(overtime(d), (0, 240, 0));
    assert_eq!(int(d, "work_minutes"), 240);
}

/// A rota REST day that is a statutory holiday of the national calendar the rule follows
/// (default): working REST on Fri 2026-05-01 09:00-13:00 is holiday overtime (300%), 240.
/// The rota decides that it is not a workday; the calendar decides the category.
#[test]
fn working_a_rest_day_that_is_a_statutory_holiday() {
    let recs = run(&plant(
        "2026-05-01",
        "2026-05-01",
        r#"rota = { 2026-05-01 = "REST" }
punches = ["2026-05-01 09:00", "2026-05-01 13:00"]"#,
    ));
    let d = day(&recs, "P1", "2026-05-01");
    assert_eq!(d["required"], false);
    assert_eq!(d["overtime_category"], "holiday");
    assert_eq!(overtime(d), (0, 0, 240));
}
