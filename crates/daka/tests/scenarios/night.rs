//! Night shifts: a shift belongs to the local date on which it starts, with its after-midnight
//! check-out; windows that start on the previous calendar day.

use crate::helpers::*;

/// Fixed night rule 22:00-06:00+1, Monday to Friday, grace 5, default overtime settings.
fn night(from: &str, to: &str, punches: &str) -> String {
    format!(
        r#"
from = "{from}"
to = "{to}"
time_zone = "Asia/Shanghai"
[[rules]]
id = "night"
name = "Night"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "fixed"
schedule = {{ segments = [{{ start = "22:00", end = "06:00+1" }}] }}
late = {{ grace = 5 }}
[[employees]]
id = "E1"
rule = "night"
punches = [{punches}]
"#
    )
}

/// Mon 03-02 21:55 in, Tue 03-03 06:03 out; Tue 03-03 21:58 in, Wed 03-04 06:00 out.
/// Semantics: "a shift belongs to the local date on which it starts; its after-midnight
/// check-out belongs to that day". Monday: Normal/Normal, work 06:03 - 21:55 = 488.
/// Tuesday: its own night, in1 = 21:58 (not Tuesday's 06:03), work 482; Tuesday does not list
/// Monday's 06:03 among its ignored punches.
#[test]
fn night_shift_belongs_to_the_day_it_starts() {
    let recs = run(&night(
        "2026-03-02",
        "2026-03-03",
        r#""2026-03-02 21:55", "2026-03-03 06:03", "2026-03-03 21:58", "2026-03-04 06:00""#,
    ));
    let mon = day(&recs, "E1", "2026-03-02");
    assert_edge(mon, "in1", "Normal", 0);
    assert_edge(mon, "out1", "Normal", 0);
    assert_eq!(edge(mon, "out1")["punch"], "2026-03-03T06:03:00+08:00");
    assert_eq!(int(mon, "scheduled_minutes"), 480);
    assert_eq!(int(mon, "work_minutes"), 488);
    let tue = day(&recs, "E1", "2026-03-03");
    assert_eq!(edge(tue, "in1")["punch"], "2026-03-03T21:58:00+08:00");
    assert_edge(tue, "in1", "Normal", 0);
    assert_eq!(edge(tue, "out1")["punch"], "2026-03-04T06:00:00+08:00");
    assert_eq!(int(tue, "work_minutes"), 482);
    assert!(ignored(tue).is_empty(), "{:?}", ignored(tue));
    assert_eq!(num(tue, "absent_days"), 0.0);
}

/// Mon 03-02 21:58 in, Tue 03-03 08:00 out (two hours of overtime after the 06:00 end).
/// Semantics: "Overtime belongs to the attendance day of the shift it extends" -> Monday
/// overtime 08:00 - 06:00 = 120 workday minutes and work 602; Tuesday (no punches of its own,
/// its night starts 22:00) gets none of it.
#[test]
fn night_overtime_stays_on_the_start_day() {
    let recs = run(&night(
        "2026-03-02",
        "2026-03-03",
        r#""2026-03-02 21:58", "2026-03-03 08:00""#,
    ));
    let mon = day(&recs, "E1", "2026-03-02");
    assert_eq!(overtime(mon), (120, 0, 0));
    assert_eq!(int(mon, "work_minutes"), 602);
    let tue = day(&recs, "E1", "2026-03-03");
    assert_eq!(overtime(tue), (0, 0, 0));
    assert_eq!(int(tue, "work_minutes"), 0);
    assert_edge(tue, "in1", "Missing", 0);
}

/// Very late for the night shift: Mon 03-02's shift, check-in Tue 03-03 01:00, out 06:00.
/// The check-in is still Monday's: Late 180 on Monday (01:00+1 - 22:00); work 300.
#[test]
fn check_in_after_midnight_is_late_on_the_start_day() {
    let recs = run(&night(
        "2026-03-02",
        "2026-03-02",
        r#""2026-03-03 01:00", "2026-03-03 06:00""#,
    ));
    let mon = day(&recs, "E1", "2026-03-02");
    assert_edge(mon, "in1", "Late", 180);
    assert_eq!(int(mon, "work_minutes"), 300);
}

/// Friday's night runs into Saturday, a rest day: Fri 03-06 21:59 in, Sat 03-07 06:10 out.
/// Friday: Normal/Normal, work 491, overtime 10 (default settings). Saturday: rest day with no
/// punch of its own, no rest-day overtime, not counted as a rest day worked.
#[test]
fn friday_night_check_out_is_not_saturday_work() {
    let recs = run(&night(
        "2026-03-06",
        "2026-03-07",
        r#""2026-03-06 21:59", "2026-03-07 06:10""#,
    ));
    let fri = day(&recs, "E1", "2026-03-06");
    assert_edge(fri, "out1", "Normal", 0);
    assert_eq!(int(fri, "work_minutes"), 491);
    assert_eq!(overtime(fri), (10, 0, 0));
    let sat = day(&recs, "E1", "2026-03-07");
    assert_eq!(sat["day_type"], "rest_day");
    assert_eq!(overtime(sat), (0, 0, 0));
    assert_eq!(int(sat, "work_minutes"), 0);
    assert!(
        sat["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["punch"].is_null())
    );
    assert_eq!(int(month(&recs, "E1", "2026-03"), "rest_days_worked"), 0);
}

const EARLY_NIGHT: &str = r#"
from = "2026-03-02"
to = "2026-03-03"
time_zone = "Asia/Shanghai"
[[rules]]
id = "graveyard"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "fixed"
late = { grace = 5 }
[rules.versions.schedule]
segments = [{ start = "00:30", end = "08:30", in_window = ["23:30-1", "01:30"] }]
[[employees]]
id = "E1"
rule = "graveyard"
punches = [
  "2026-03-01 23:50", "2026-03-02 08:31",
  "2026-03-03 00:40", "2026-03-03 08:30",
]
"#;

/// A 00:30-08:30 shift whose check-in window opens at 23:30 the previous calendar day
/// (semantics: "which may start on the previous calendar day (-1: a 00:30 shift whose check-in
/// opens at 23:30)"). Mon 03-02's shift: check-in Sun 03-01 23:50 -> Monday's in1, Normal;
/// out Mon 08:31; work = 08:31 - 23:50 = 521. Sunday (rest day) does not get the 23:50 punch.
/// Tue 03-03: 00:40 -> Late 10.
#[test]
fn check_in_window_opening_the_previous_day() {
    let recs = run(EARLY_NIGHT);
    let mon = day(&recs, "E1", "2026-03-02");
    assert_eq!(edge(mon, "in1")["punch"], "2026-03-01T23:50:00+08:00");
    assert_eq!(edge(mon, "in1")["window"][0], "2026-03-01T23:30:00+08:00");
    assert_edge(mon, "in1", "Normal", 0);
    assert_edge(mon, "out1", "Normal", 0);
    assert_eq!(int(mon, "work_minutes"), 521);
    assert_edge(day(&recs, "E1", "2026-03-03"), "in1", "Late", 10);
    assert!(
        !has_day(&recs, "E1", "2026-03-01"),
        "Sunday is outside from..to"
    );
}

/// The same rule with Sunday in range: Sunday is a rest day and must not claim the 23:50 punch
/// (no rest-day work, no rest-day overtime).
#[test]
fn previous_day_window_punch_is_not_rest_day_work() {
    let text = EARLY_NIGHT.replace("from = \"2026-03-02\"", "from = \"2026-03-01\"");
    let recs = run(&text);
    let sun = day(&recs, "E1", "2026-03-01");
    assert_eq!(sun["required"], false);
    assert_eq!(overtime(sun), (0, 0, 0));
    assert!(
        sun["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["punch"].is_null()),
        "{}",
        sun["edges"]
    );
    assert!(ignored(sun).is_empty());
    assert_eq!(
        edge(day(&recs, "E1", "2026-03-02"), "in1")["punch"],
        "2026-03-01T23:50:00+08:00"
    );
}

/// Friday's night shift ends Sat 06:00 and Saturday is a rest day. Fri 03-06 21:58 in, Sat
/// 03-07 06:05 out; later on Saturday the employee comes back for rest-day work 10:00-14:00.
/// Expected: Friday out1 = 06:05 (work 487, overtime 5 with default settings); Saturday's
/// 10:00-14:00 is rest-day work: 240 rest-day overtime on Saturday, not 8 h of Friday overtime.
#[test]
fn rest_day_work_after_a_night_shift_is_not_friday_overtime() {
    let recs = run(&night(
        "2026-03-06",
        "2026-03-07",
        r#""2026-03-06 21:58", "2026-03-07 06:05", "2026-03-07 10:00", "2026-03-07 14:00""#,
    ));
    let fri = day(&recs, "E1", "2026-03-06");
    assert_eq!(edge(fri, "out1")["punch"], "2026-03-07T06:05:00+08:00");
    assert_eq!(int(fri, "work_minutes"), 487);
    assert_eq!(overtime(fri), (5, 0, 0));
    let sat = day(&recs, "E1", "2026-03-07");
    assert_eq!(overtime(sat), (0, 240, 0));
}
