//! Daylight-saving changes: schedule times are wall-clock, durations and lateness follow the real
//! instants (semantics: "Across a DST change a 22:00-06:00 shift really lasts 7 h or 9 h").

use crate::helpers::*;

/// A 22:00-06:00+1 night shift every day of the week in `zone`, no national calendar.
fn nights(zone: &str, from: &str, to: &str, punches: &str) -> String {
    format!(
        r#"
from = "{from}"
to = "{to}"
time_zone = "{zone}"
[[rules]]
id = "night"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "{zone}"
kind = "fixed"
workdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
follow_national_calendar = false
schedule = {{ segments = [{{ start = "22:00", end = "06:00+1" }}] }}
[[employees]]
id = "E1"
rule = "night"
punches = [{punches}]
"#
    )
}

/// America/New_York, clocks go forward Sun 2026-03-08 02:00 -> 03:00. Sat 03-07 22:00 EST in,
/// Sun 06:00 EDT out: 7 real hours -> scheduled 420, work 420, both Normal, no overtime.
/// The following night (Sun 22:00 -> Mon 06:00, both EDT) is 480 again.
#[test]
fn new_york_spring_forward_night_is_seven_hours() {
    let recs = run(&nights(
        "America/New_York",
        "2026-03-07",
        "2026-03-08",
        r#""2026-03-07 22:00", "2026-03-08 06:00", "2026-03-08 22:00", "2026-03-09 06:00""#,
    ));
    let sat = day(&recs, "E1", "2026-03-07");
    assert_eq!(edge(sat, "in1")["punch"], "2026-03-07T22:00:00-05:00");
    assert_eq!(edge(sat, "out1")["punch"], "2026-03-08T06:00:00-04:00");
    assert_edge(sat, "in1", "Normal", 0);
    assert_edge(sat, "out1", "Normal", 0);
    assert_eq!(int(sat, "scheduled_minutes"), 420);
    assert_eq!(int(sat, "work_minutes"), 420);
    assert_eq!(overtime(sat), (0, 0, 0));
    let sun = day(&recs, "E1", "2026-03-08");
    assert_eq!(int(sun, "work_minutes"), 480);
    assert_eq!(int(sun, "scheduled_minutes"), 480);
}

/// America/New_York, clocks go back Sun 2026-11-01 02:00 -> 01:00. Sat 10-31 22:00 EDT in,
/// Sun 06:00 EST out: 9 real hours -> scheduled 540, work 540, no overtime.
#[test]
fn new_york_fall_back_night_is_nine_hours() {
    let recs = run(&nights(
        "America/New_York",
        "2026-10-31",
        "2026-10-31",
        r#""2026-10-31 22:00", "2026-11-01 06:00""#,
    ));
    let sat = day(&recs, "E1", "2026-10-31");
    assert_eq!(int(sat, "scheduled_minutes"), 540);
    assert_eq!(int(sat, "work_minutes"), 540);
    assert_edge(sat, "out1", "Normal", 0);
    assert_eq!(overtime(sat), (0, 0, 0));
}

/// Europe/Berlin: forward Sun 2026-03-29 (Sat night 420 min), back Sun 2026-10-25 (Sat night
/// 540 min).
#[test]
fn berlin_nights_across_both_changes() {
    let spring = run(&nights(
        "Europe/Berlin",
        "2026-03-28",
        "2026-03-28",
        r#""2026-03-28 22:00", "2026-03-29 06:00""#,
    ));
    let d = day(&spring, "E1", "2026-03-28");
    assert_eq!(
        (int(d, "scheduled_minutes"), int(d, "work_minutes")),
        (420, 420)
    );
    let autumn = run(&nights(
        "Europe/Berlin",
        "2026-10-24",
        "2026-10-24",
        r#""2026-10-24 22:00", "2026-10-25 06:00""#,
    ));
    let d = day(&autumn, "E1", "2026-10-24");
    assert_eq!(
        (int(d, "scheduled_minutes"), int(d, "work_minutes")),
        (540, 540)
    );
}

/// Asia/Shanghai has no DST: the same night is always 480.
#[test]
fn shanghai_night_is_always_eight_hours() {
    let recs = run(&nights(
        "Asia/Shanghai",
        "2026-03-07",
        "2026-03-07",
        r#""2026-03-07 22:00", "2026-03-08 06:00""#,
    ));
    let d = day(&recs, "E1", "2026-03-07");
    assert_eq!(
        (int(d, "scheduled_minutes"), int(d, "work_minutes")),
        (480, 480)
    );
}

/// Leaving early and overtime follow real minutes on the short night (New York, 03-07):
/// out 05:30 EDT -> Early 30, work 390; out 07:00 EDT (next case) -> overtime 60, work 480.
#[test]
fn early_leave_and_overtime_on_the_short_night() {
    let recs = run(&nights(
        "America/New_York",
        "2026-03-07",
        "2026-03-07",
        r#""2026-03-07 22:00", "2026-03-08 05:30""#,
    ));
    let d = day(&recs, "E1", "2026-03-07");
    assert_edge(d, "out1", "Early", 30);
    assert_eq!(int(d, "work_minutes"), 390);
    let recs = run(&nights(
        "America/New_York",
        "2026-03-07",
        "2026-03-07",
        r#""2026-03-07 22:00", "2026-03-08 07:00""#,
    ));
    let d = day(&recs, "E1", "2026-03-07");
    assert_eq!(overtime(d), (60, 0, 0));
    assert_eq!(int(d, "work_minutes"), 480);
}

/// Lateness follows the real instants: a 00:00-08:00 shift on Sun 2026-03-08 (New York), no
/// grace. Check-in 03:10 EDT is 130 real minutes after 00:00 EST (the clock skipped 02:00-03:00),
/// so Late 130, not 190.
#[test]
fn lateness_across_spring_forward_is_real_minutes() {
    let recs = run(r#"
from = "2026-03-08"
to = "2026-03-08"
time_zone = "America/New_York"
[[rules]]
id = "midnight"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "America/New_York"
kind = "fixed"
workdays = ["sun"]
follow_national_calendar = false
schedule = { segments = [{ start = "00:00", end = "08:00" }] }
[[employees]]
id = "E1"
rule = "midnight"
punches = ["2026-03-08 03:10", "2026-03-08 08:00"]
"#);
    let d = day(&recs, "E1", "2026-03-08");
    assert_edge(d, "in1", "Late", 130);
    assert_eq!(int(d, "work_minutes"), 290);
    assert_eq!(int(d, "scheduled_minutes"), 420);
}
