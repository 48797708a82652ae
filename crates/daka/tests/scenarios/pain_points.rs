//! The users' complaints about other attendance systems (pain-points.md 1, 2, 3, 8, 9), each as
//! a worked scenario this project must get right. Several run through the real binary.

use crate::helpers::*;

/// Pain point 1: "punches after midnight are matched to the next day's shift and the night is
/// marked absent". Night rule 22:00-06:00+1, Monday to Friday.
/// Mon 03-02 21:58 -> Tue 06:05; Tue 03-03 21:57 -> Wed 06:02; Wed 03-04 22:01 -> Thu 06:00.
/// Expected (real binary): every night Normal on the day it starts, none absent, nothing
/// ignored; work 487, 485, 479.
#[test]
fn pp1_night_punches_after_midnight_stay_with_their_night() {
    let text = r#"
from = "2026-03-02"
to = "2026-03-04"
time_zone = "Asia/Shanghai"
[[rules]]
id = "night"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "fixed"
schedule = { segments = [{ start = "22:00", end = "06:00+1" }] }
late = { grace = 5, absent = 120 }
[[employees]]
id = "N1"
rule = "night"
punches = [
  "2026-03-02 21:58", "2026-03-03 06:05",
  "2026-03-03 21:57", "2026-03-04 06:02",
  "2026-03-04 22:01", "2026-03-05 06:00",
]
"#;
    let out = simulate_text("pp1", "pp1.toml", text);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let recs = out.records;
    for (date, work) in [
        ("2026-03-02", 487),
        ("2026-03-03", 485),
        ("2026-03-04", 479),
    ] {
        let d = day(&recs, "N1", date);
        assert_edge(d, "in1", "Normal", 0);
        assert_edge(d, "out1", "Normal", 0);
        assert_eq!(num(d, "absent_days"), 0.0, "{date}");
        assert_eq!(int(d, "work_minutes"), work, "{date}");
        assert!(ignored(d).is_empty(), "{date}: {:?}", ignored(d));
    }
    let m = month(&recs, "N1", "2026-03");
    assert_eq!(num(m, "absent_days"), 0.0);
    assert_eq!(int(m, "missing_punches"), 0);
    assert_eq!(m["perfect_attendance"], true);
}

/// Pain point 2: "hours and overtime of a shift that crosses midnight land on the wrong day,
/// especially in UTC+5:30". Night rule 22:00-06:00+1 in Asia/Kolkata; punches written in UTC.
/// Mon 03-02 22:00 IST (16:30Z) -> Tue 08:00 IST (02:30Z Tue): Monday work 600, overtime
/// 08:00 - 06:00 = 120. Tue 03-03 21:59 IST (16:29Z) -> Wed 06:00 IST (00:30Z Wed): Tuesday
/// work 481, overtime 0.
#[test]
fn pp2_cross_midnight_hours_and_overtime_in_kolkata() {
    let text = r#"
from = "2026-03-02"
to = "2026-03-03"
[[rules]]
id = "night-in"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Kolkata"
kind = "fixed"
follow_national_calendar = false
schedule = { segments = [{ start = "22:00", end = "06:00+1" }] }
[[employees]]
id = "K1"
rule = "night-in"
punches = ["2026-03-02T16:30:00Z", "2026-03-03T02:30:00Z", "2026-03-03T16:29:00Z", "2026-03-04T00:30:00Z"]
"#;
    let out = simulate_text("pp2", "pp2.toml", text);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let recs = out.records;
    let mon = day(&recs, "K1", "2026-03-02");
    assert_eq!(edge(mon, "in1")["punch"], "2026-03-02T22:00:00+05:30");
    assert_eq!(edge(mon, "out1")["punch"], "2026-03-03T08:00:00+05:30");
    assert_eq!(int(mon, "work_minutes"), 600);
    assert_eq!(overtime(mon), (120, 0, 0));
    let tue = day(&recs, "K1", "2026-03-03");
    assert_eq!(int(tue, "work_minutes"), 481);
    assert_eq!(overtime(tue), (0, 0, 0));
    assert_edge(tue, "in1", "Normal", 0);
    let m = month(&recs, "K1", "2026-03");
    assert_eq!(int(m, "work_minutes"), 1081);
    assert_eq!(int(m, "overtime.workday"), 120);
}

const AUCKLAND: &str = r#"
from = "2026-03-02"
to = "2026-03-03"
[[rules]]
id = "akl"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Pacific/Auckland"
kind = "fixed"
follow_national_calendar = false
schedule = { segments = [{ start = "08:00", end = "17:00" }], break = ["12:00", "13:00"] }
[[employees]]
id = "A1"
rule = "akl"
time_zone = "UTC"
punches = ["2026-03-02 18:58", "2026-03-03 04:30"]
"#;

/// Pain point 3: "UTC date vs local date puts attendance on the wrong day". Office 08:00-17:00
/// in Pacific/Auckland (NZDT, UTC+13); the punches are in UTC (the employee's zone is UTC):
/// 2026-03-02 18:58Z = Tue 03-03 07:58 NZDT, 2026-03-03 04:30Z = Tue 17:30 NZDT.
/// Expected: the day is Tuesday 03-03 (local), Normal/Normal, work 572 - 60 = 512, overtime 30;
/// Monday 03-02 (a workday with no local punch) is all-missing, absent 1, with no overtime.
#[test]
fn pp3_local_date_not_utc_date() {
    let recs = run(AUCKLAND);
    let tue = day(&recs, "A1", "2026-03-03");
    assert_eq!(edge(tue, "in1")["punch"], "2026-03-03T07:58:00+13:00");
    assert_eq!(edge(tue, "out1")["punch"], "2026-03-03T17:30:00+13:00");
    assert_edge(tue, "in1", "Normal", 0);
    assert_edge(tue, "out1", "Normal", 0);
    assert_eq!(int(tue, "work_minutes"), 512);
    assert_eq!(overtime(tue), (30, 0, 0));
    let mon = day(&recs, "A1", "2026-03-02");
    assert_edge(mon, "in1", "Missing", 0);
    assert_eq!(num(mon, "absent_days"), 1.0);
    assert_eq!(overtime(mon), (0, 0, 0));
}

/// Pain point 3, second half: "overtime duplicated when regenerated near midnight". Computing
/// the same scenario twice (library and real binary) gives identical records, and the month
/// holds the 30 overtime minutes once.
#[test]
fn pp3_recomputing_is_deterministic_and_counts_overtime_once() {
    let a = run(AUCKLAND);
    let b = run(AUCKLAND);
    assert_eq!(a, b);
    let out = simulate_text("pp3", "pp3.toml", AUCKLAND);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.records, a);
    let total: i64 = days(&a).iter().map(|d| overtime(d).0).sum();
    assert_eq!(total, 30);
    assert_eq!(int(month(&a, "A1", "2026-03"), "overtime.workday"), 30);
}

/// Pain point 8: "a forgotten check-out corrupts the next day". A rota with a night shift
/// (22:00-06:00+1) on Monday and a day shift (08:00-17:00) on Tuesday. Monday night's default
/// check-out window reaches 14:00 Tuesday, overlapping Tuesday's check-in window.
/// Mon 03-02 21:55 in, no check-out; Tue 03-03 07:50 in, 17:00 out.
/// Expected (real binary): Monday in1 Normal, out1 Missing (not 07:50), no overtime, work 0;
/// Tuesday in1 07:50 Normal, out1 Normal, work 17:00 - 07:50 = 550 - 60 = 490.
#[test]
fn pp8_forgotten_night_check_out_leaves_tuesday_intact() {
    let text = r#"
from = "2026-03-02"
to = "2026-03-03"
time_zone = "Asia/Shanghai"
[[rules]]
id = "plant"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "rota"
[rules.versions.shifts]
N = { segments = [{ start = "22:00", end = "06:00+1" }] }
D = { segments = [{ start = "08:00", end = "17:00" }], break = ["12:00", "13:00"] }
[[employees]]
id = "P1"
rule = "plant"
rota = { 2026-03-02 = "N", 2026-03-03 = "D" }
punches = ["2026-03-02 21:55", "2026-03-03 07:50", "2026-03-03 17:00"]
"#;
    let out = simulate_text("pp8", "pp8.toml", text);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let recs = out.records;
    let mon = day(&recs, "P1", "2026-03-02");
    assert_edge(mon, "in1", "Normal", 0);
    assert_edge(mon, "out1", "Missing", 0);
    assert_eq!(int(mon, "work_minutes"), 0);
    assert_eq!(overtime(mon), (0, 0, 0));
    let tue = day(&recs, "P1", "2026-03-03");
    assert_eq!(tue["shift"], "D");
    assert_eq!(edge(tue, "in1")["punch"], "2026-03-03T07:50:00+08:00");
    assert_edge(tue, "in1", "Normal", 0);
    assert_edge(tue, "out1", "Normal", 0);
    assert_eq!(int(tue, "work_minutes"), 490);
    assert_eq!(num(tue, "absent_days"), 0.0);
}

/// Pain point 9: "arriving early counts as overtime". Office, default overtime settings.
/// Mon 03-02: 06:30 in, 18:00 out -> work 690 - 60 = 630, but overtime 0: "Arriving early
/// never counts (setting, default off)".
#[test]
fn pp9_early_arrival_is_not_overtime() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        "",
        r#"punches = ["2026-03-02 06:30", "2026-03-02 18:00"]"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_eq!(int(d, "work_minutes"), 630);
    assert_eq!(overtime(d), (0, 0, 0));
    assert_edge(d, "in1", "Normal", 0);
}

/// Pain point 9 with the setting on: count_early_arrival = true -> the 150 min from 06:30 to
/// 09:00 count as workday overtime (and are said to, in the overtime reason).
#[test]
fn pp9_early_arrival_counts_only_with_the_setting() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        "overtime = { count_early_arrival = true }",
        r#"punches = ["2026-03-02 06:30", "2026-03-02 18:00"]"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_eq!(overtime(d), (150, 0, 0));
    assert_eq!(reason(d, "overtime")["values"]["early_minutes"], 150);
}
