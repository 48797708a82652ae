//! Free hours (不定时): never Late or Early; in1 = first punch, out1 = last punch of the
//! attendance day, which runs from the day-rollover time to the next day's.

use crate::helpers::*;

/// Free-hours rule, Monday to Friday. `settings` go into the rule version.
fn free(from: &str, to: &str, settings: &str, punches: &str) -> String {
    format!(
        r#"
from = "{from}"
to = "{to}"
time_zone = "Asia/Shanghai"
[[rules]]
id = "free"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "free"
{settings}
[[employees]]
id = "R1"
rule = "free"
punches = [{punches}]
"#
    )
}

/// Mon 03-02: 10:00, 12:00, 19:30. Expected: in1 = 10:00, out1 = 19:30, both Normal with 0
/// minutes (never Late, however late 10:00 is); 12:00 ignored as `intermediate`; work = 19:30 -
/// 10:00 = 570 (semantics: "work = last - first").
#[test]
fn first_and_last_punch_of_the_day() {
    let recs = run(&free(
        "2026-03-02",
        "2026-03-02",
        "",
        r#""2026-03-02 10:00", "2026-03-02 12:00", "2026-03-02 19:30""#,
    ));
    let d = day(&recs, "R1", "2026-03-02");
    assert_eq!(d["required"], true);
    assert_eq!(hm(edge(d, "in1"), "punch"), "10:00");
    assert_eq!(hm(edge(d, "out1"), "punch"), "19:30");
    assert_edge(d, "in1", "Normal", 0);
    assert_edge(d, "out1", "Normal", 0);
    assert_eq!(
        ignored(d),
        vec![("12:00".to_string(), "intermediate".to_string())]
    );
    assert_eq!(int(d, "work_minutes"), 570);
}

/// Default rollover 04:00: Tue 03-03 11:00 and Wed 03-04 02:00 (still Tuesday's attendance
/// day) -> Tuesday work 900; Wed 03-04 09:30, 18:00 -> Wednesday work 510, the 02:00 punch is
/// not Wednesday's first punch.
#[test]
fn default_rollover_keeps_after_midnight_work_on_the_day() {
    let recs = run(&free(
        "2026-03-03",
        "2026-03-04",
        "",
        r#""2026-03-03 11:00", "2026-03-04 02:00", "2026-03-04 09:30", "2026-03-04 18:00""#,
    ));
    let tue = day(&recs, "R1", "2026-03-03");
    assert_eq!(edge(tue, "out1")["punch"], "2026-03-04T02:00:00+08:00");
    assert_eq!(int(tue, "work_minutes"), 900);
    let wed = day(&recs, "R1", "2026-03-04");
    assert_eq!(hm(edge(wed, "in1"), "punch"), "09:30");
    assert_eq!(int(wed, "work_minutes"), 510);
}

/// day_rollover = "06:00": Thu 03-05 10:00 and Fri 03-06 05:30 are one attendance day
/// (Thursday, work 1170); Fri 09:00-17:00 is Friday (480). With the default 04:00 rollover the
/// same 05:30 punch would be Friday's first punch.
#[test]
fn day_rollover_setting_moves_the_day_boundary() {
    let punches =
        r#""2026-03-05 10:00", "2026-03-06 05:30", "2026-03-06 09:00", "2026-03-06 17:00""#;
    let recs = run(&free(
        "2026-03-05",
        "2026-03-06",
        r#"day_rollover = "06:00""#,
        punches,
    ));
    let thu = day(&recs, "R1", "2026-03-05");
    assert_eq!(int(thu, "work_minutes"), 1170);
    assert_eq!(int(day(&recs, "R1", "2026-03-06"), "work_minutes"), 480);

    let recs = run(&free("2026-03-05", "2026-03-06", "", punches));
    let thu = day(&recs, "R1", "2026-03-05");
    assert_edge(thu, "out1", "Missing", 0);
    let fri = day(&recs, "R1", "2026-03-06");
    assert_eq!(edge(fri, "in1")["punch"], "2026-03-06T05:30:00+08:00");
    assert_eq!(int(fri, "work_minutes"), 690);
}

/// A free-hours workday without punches: both edges Missing -> 1 absent day. A day with one
/// punch (10:00): in1 = 10:00, out1 Missing, work 0, not absent (some edges missing).
#[test]
fn free_hours_missing_punches() {
    let recs = run(&free(
        "2026-03-02",
        "2026-03-03",
        "",
        r#""2026-03-03 10:00""#,
    ));
    let mon = day(&recs, "R1", "2026-03-02");
    assert_edge(mon, "in1", "Missing", 0);
    assert_edge(mon, "out1", "Missing", 0);
    assert_eq!(num(mon, "absent_days"), 1.0);
    let tue = day(&recs, "R1", "2026-03-03");
    assert_edge(tue, "in1", "Normal", 0);
    assert_edge(tue, "out1", "Missing", 0);
    assert_eq!(int(tue, "work_minutes"), 0);
    assert_eq!(num(tue, "absent_days"), 0.0);
}

/// min_work_minutes = 480: Mon 09:00-16:00 (420) is short by 60 (short_minutes 60, month
/// short_days 1); Tue 09:00-17:00 (480) is not short.
/// (Engine field: `short_minutes`; the semantics do not define a short-day result.)
#[test]
fn free_hours_minimum_daily_minutes() {
    let recs = run(&free(
        "2026-03-02",
        "2026-03-03",
        "min_work_minutes = 480",
        r#""2026-03-02 09:00", "2026-03-02 16:00", "2026-03-03 09:00", "2026-03-03 17:00""#,
    ));
    assert_eq!(int(day(&recs, "R1", "2026-03-02"), "short_minutes"), 60);
    assert_eq!(int(day(&recs, "R1", "2026-03-03"), "short_minutes"), 0);
    assert_eq!(int(month(&recs, "R1", "2026-03"), "short_days"), 1);
}

/// Free hours on a rest day: Sat 03-07 10:00, 14:00 -> not required, rest-day overtime 240
/// (last - first).
#[test]
fn free_hours_rest_day_work_is_rest_day_overtime() {
    let recs = run(&free(
        "2026-03-07",
        "2026-03-07",
        "",
        r#""2026-03-07 10:00", "2026-03-07 14:00""#,
    ));
    let d = day(&recs, "R1", "2026-03-07");
    assert_eq!(d["required"], false);
    assert_eq!(overtime(d), (0, 240, 0));
}
