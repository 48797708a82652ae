//! Overtime: categories (workday 150%, rest day 200%, statutory holiday 300%), start delay,
//! minimum ("at least"), rounding, early arrival, approval, and the worked_minus_expected
//! method. Office 09:00-18:00, break 12:00-13:00.

use crate::helpers::*;

const WECOM: &str = "overtime = { start_delay = 30, minimum = 30, unit = 30 }";

/// start_delay 30, minimum 30, unit 30 (rounded down). Overtime = check-out - (18:00 + 30):
/// Mon 20:45 -> raw 135 -> 120; Tue 18:59 -> raw 29 < 30 -> 0; Wed 19:00 -> raw 30, reaches
/// the minimum ("at least") -> 30; Thu 18:29 -> inside the delay, "never counted" -> 0;
/// Fri 19:29 -> raw 59 -> 30.
#[test]
fn start_delay_minimum_and_unit() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-06",
        WECOM,
        r#"punches = [
  "2026-03-02 09:00", "2026-03-02 20:45",
  "2026-03-03 09:00", "2026-03-03 18:59",
  "2026-03-04 09:00", "2026-03-04 19:00",
  "2026-03-05 09:00", "2026-03-05 18:29",
  "2026-03-06 09:00", "2026-03-06 19:29",
]"#,
    ));
    let want = [
        ("2026-03-02", 120),
        ("2026-03-03", 0),
        ("2026-03-04", 30),
        ("2026-03-05", 0),
        ("2026-03-06", 30),
    ];
    for (date, ot) in want {
        assert_eq!(overtime(day(&recs, "E1", date)), (ot, 0, 0), "{date}");
    }
    let mon = reason(day(&recs, "E1", "2026-03-02"), "overtime");
    assert_eq!(mon["values"]["raw_minutes"], 135);
    assert_eq!(mon["values"]["counted_minutes"], 120);
}

/// Rounding setting, unit 30, no delay or minimum: "up": 18:31 (raw 31) -> 60; "nearest":
/// 18:44 (raw 44) -> 30 and 18:45 (raw 45) -> 60; "down" (default): 18:59 (raw 59) -> 30.
#[test]
fn rounding_up_nearest_down() {
    let cases = [
        ("up", "18:31", 60),
        ("nearest", "18:44", 30),
        ("nearest", "18:45", 60),
        ("down", "18:59", 30),
    ];
    for (rounding, out, want) in cases {
        let recs = run(&office(
            "2026-03-02",
            "2026-03-02",
            &format!("overtime = {{ unit = 30, rounding = \"{rounding}\" }}"),
            &format!(r#"punches = ["2026-03-02 09:00", "2026-03-02 {out}"]"#),
        ));
        assert_eq!(
            overtime(day(&recs, "E1", "2026-03-02")).0,
            want,
            "{rounding} {out}"
        );
    }
}

/// Early arrival with the setting on and a late check-out: 07:00 in, 19:00 out, no delay ->
/// 120 (07:00-09:00) + 60 (18:00-19:00) = 180; off (default) -> 60.
#[test]
fn early_arrival_adds_only_with_the_setting() {
    let punches = r#"punches = ["2026-03-02 07:00", "2026-03-02 19:00"]"#;
    let on = run(&office(
        "2026-03-02",
        "2026-03-02",
        "overtime = { count_early_arrival = true }",
        punches,
    ));
    assert_eq!(overtime(day(&on, "E1", "2026-03-02")), (180, 0, 0));
    let off = run(&office("2026-03-02", "2026-03-02", "", punches));
    assert_eq!(overtime(day(&off, "E1", "2026-03-02")), (60, 0, 0));
}

/// Rest day: Sat 03-07 10:00 - 15:30 -> "last punch - first punch" = 330 rest-day minutes
/// (200%), whatever the start delay. A Saturday with one punch only -> 0.
#[test]
fn rest_day_overtime_is_last_minus_first() {
    let recs = run(&office(
        "2026-03-07",
        "2026-03-08",
        WECOM,
        r#"punches = ["2026-03-07 10:00", "2026-03-07 15:30", "2026-03-08 10:00"]"#,
    ));
    let sat = day(&recs, "E1", "2026-03-07");
    assert_eq!(sat["overtime_category"], "rest_day");
    assert_eq!(overtime(sat), (0, 330, 0));
    assert_eq!(overtime(day(&recs, "E1", "2026-03-08")), (0, 0, 0));
}

/// Statutory holiday: Fri 2026-05-01 (劳动节, statutory) worked 09:00-17:00 -> holiday
/// overtime 480 (300%). Mon 05-04 inside the holiday range but not statutory, worked
/// 09:00-17:00 -> rest day 480 (semantics: "including the non-statutory days inside a holiday
/// range"). Sat 05-09, a make-up workday, worked 09:00-19:00 -> workday overtime 60.
#[test]
fn holiday_categories() {
    let recs = run(&office(
        "2026-05-01",
        "2026-05-09",
        "",
        r#"punches = [
  "2026-05-01 09:00", "2026-05-01 17:00",
  "2026-05-04 09:00", "2026-05-04 17:00",
  "2026-05-09 09:00", "2026-05-09 19:00",
]"#,
    ));
    let may1 = day(&recs, "E1", "2026-05-01");
    assert_eq!(may1["overtime_category"], "holiday");
    assert_eq!(overtime(may1), (0, 0, 480));
    let may4 = day(&recs, "E1", "2026-05-04");
    assert_eq!(may4["overtime_category"], "rest_day");
    assert_eq!(overtime(may4), (0, 480, 0));
    let may9 = day(&recs, "E1", "2026-05-09");
    assert_eq!(may9["overtime_category"], "workday");
    assert_eq!(overtime(may9), (60, 0, 0));
    let m = month(&recs, "E1", "2026-05");
    assert_eq!(overtime(m), (60, 480, 480));
    assert_eq!(int(m, "rest_days_worked"), 2);
}

/// Spring Festival: Mon 02-16 statutory -> holiday; Sun 02-15 and Fri 02-20 in the range but not
/// statutory -> rest day. Each worked 10:00-14:00 (240).
#[test]
fn spring_festival_statutory_and_bridge_days() {
    let recs = run(&office(
        "2026-02-15",
        "2026-02-20",
        "",
        r#"punches = [
  "2026-02-15 10:00", "2026-02-15 14:00",
  "2026-02-16 10:00", "2026-02-16 14:00",
  "2026-02-20 10:00", "2026-02-20 14:00",
]"#,
    ));
    assert_eq!(overtime(day(&recs, "E1", "2026-02-15")), (0, 240, 0));
    assert_eq!(overtime(day(&recs, "E1", "2026-02-16")), (0, 0, 240));
    assert_eq!(overtime(day(&recs, "E1", "2026-02-20")), (0, 240, 0));
}

/// A rule that does not follow the national calendar has no statutory holidays: Fri 05-01 is
/// its workday (overtime after 18:00 only) and Sun 05-03 a rest day, never "holiday".
#[test]
fn no_holiday_category_without_the_national_calendar() {
    let recs = run(&office(
        "2026-05-01",
        "2026-05-03",
        "follow_national_calendar = false",
        r#"punches = ["2026-05-01 09:00", "2026-05-01 18:30", "2026-05-03 09:00", "2026-05-03 11:00"]"#,
    ));
    assert_eq!(overtime(day(&recs, "E1", "2026-05-01")), (30, 0, 0));
    assert_eq!(overtime(day(&recs, "E1", "2026-05-03")), (0, 120, 0));
}

/// needs_approval: "only time inside an approved overtime request that was actually worked
/// counts". Approved 18:00-20:00 each day below, no delay:
/// Mon out 21:00 -> 120 (capped by the approval); Tue out 19:00 -> 60 (only what was worked);
/// Wed no approval, out 21:00 -> 0; Thu approval pending, out 21:00 -> 0.
#[test]
fn overtime_needing_approval() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-05",
        "overtime = { needs_approval = true }",
        r#"punches = [
  "2026-03-02 09:00", "2026-03-02 21:00",
  "2026-03-03 09:00", "2026-03-03 19:00",
  "2026-03-04 09:00", "2026-03-04 21:00",
  "2026-03-05 09:00", "2026-03-05 21:00",
]
[[employees.approvals]]
type = "overtime"
start = "2026-03-02 18:00"
end = "2026-03-02 20:00"
[[employees.approvals]]
type = "overtime"
start = "2026-03-03 18:00"
end = "2026-03-03 20:00"
[[employees.approvals]]
type = "overtime"
state = "pending"
start = "2026-03-05 18:00"
end = "2026-03-05 20:00"
"#,
    ));
    let want = [
        ("2026-03-02", 120),
        ("2026-03-03", 60),
        ("2026-03-04", 0),
        ("2026-03-05", 0),
    ];
    for (date, ot) in want {
        assert_eq!(overtime(day(&recs, "E1", date)).0, ot, "{date}");
    }
}

/// needs_approval with a start delay of 30: approved 18:00-20:00, out 21:00 -> the counted time
/// is the overlap of [18:30, 21:00] with [18:00, 20:00] = 90 (the delay is never counted).
/// Rest day Sat 03-07 worked 09:00-15:00 with approval 10:00-12:00 -> 120 rest-day minutes.
#[test]
fn approval_with_start_delay_and_on_a_rest_day() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-07",
        "overtime = { needs_approval = true, start_delay = 30 }",
        r#"punches = ["2026-03-02 09:00", "2026-03-02 21:00", "2026-03-07 09:00", "2026-03-07 15:00"]
[[employees.approvals]]
type = "overtime"
start = "2026-03-02 18:00"
end = "2026-03-02 20:00"
[[employees.approvals]]
type = "overtime"
start = "2026-03-07 10:00"
end = "2026-03-07 12:00"
"#,
    ));
    assert_eq!(overtime(day(&recs, "E1", "2026-03-02")), (90, 0, 0));
    assert_eq!(overtime(day(&recs, "E1", "2026-03-07")), (0, 120, 0));
}

/// Method worked_minus_expected (Odoo's): "work minutes beyond the day's scheduled minutes, so
/// lateness and gaps are paid back first". Scheduled 480.
/// Mon 09:30-19:00: work 510 -> 30 (after_end would give 60). Tue 09:00-18:00: 480 -> 0.
/// Wed 09:00-19:30: 570 -> 90.
#[test]
fn worked_minus_expected_pays_back_lateness_first() {
    let punches = r#"punches = [
  "2026-03-02 09:30", "2026-03-02 19:00",
  "2026-03-03 09:00", "2026-03-03 18:00",
  "2026-03-04 09:00", "2026-03-04 19:30",
]"#;
    let recs = run(&office(
        "2026-03-02",
        "2026-03-04",
        r#"overtime = { method = "worked_minus_expected" }"#,
        punches,
    ));
    assert_eq!(overtime(day(&recs, "E1", "2026-03-02")), (30, 0, 0));
    assert_eq!(overtime(day(&recs, "E1", "2026-03-03")), (0, 0, 0));
    assert_eq!(overtime(day(&recs, "E1", "2026-03-04")), (90, 0, 0));
    let after_end = run(&office("2026-03-02", "2026-03-02", "", punches));
    assert_eq!(overtime(day(&after_end, "E1", "2026-03-02")), (60, 0, 0));
}

/// worked_minus_expected with a morning half-day leave: expected = 480 - 180 of leave = 300;
/// worked 13:00-19:00 = 360 -> overtime 60.
/// (Engine behaviour relied on: leave lowers the day's expected minutes.)
#[test]
fn worked_minus_expected_with_half_day_leave() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        r#"overtime = { method = "worked_minus_expected" }"#,
        r#"punches = ["2026-03-02 13:00", "2026-03-02 19:00"]
[[employees.approvals]]
type = "leave"
leave_type = "annual"
date = "2026-03-02"
part = "am"
"#,
    ));
    assert_eq!(overtime(day(&recs, "E1", "2026-03-02")), (60, 0, 0));
}

/// Categories can be switched off: rest_day = false -> Saturday 10:00-15:00 counts 0, and the
/// overtime reason says the category is disabled.
#[test]
fn a_category_switched_off_counts_nothing() {
    let recs = run(&office(
        "2026-03-07",
        "2026-03-07",
        "overtime = { rest_day = false }",
        r#"punches = ["2026-03-07 10:00", "2026-03-07 15:00"]"#,
    ));
    let d = day(&recs, "E1", "2026-03-07");
    assert_eq!(overtime(d), (0, 0, 0));
    assert_eq!(reason(d, "overtime")["values"]["category_enabled"], false);
    assert_eq!(reason(d, "overtime")["values"]["raw_minutes"], 300);
}

/// Rest-day work running past midnight stays on the rest day (day D runs from D 04:00 to D+1
/// 04:00): Sun 03-08 20:00 -> Mon 03-09 02:00 = 360 rest-day minutes on Sunday; Monday (an
/// office workday, 09:00-18:00) gets none of it.
#[test]
fn rest_day_work_past_midnight_stays_on_the_rest_day() {
    let recs = run(&office(
        "2026-03-08",
        "2026-03-09",
        "",
        r#"punches = ["2026-03-08 20:00", "2026-03-09 02:00", "2026-03-09 09:00", "2026-03-09 18:00"]"#,
    ));
    let sun = day(&recs, "E1", "2026-03-08");
    assert_eq!(overtime(sun), (0, 360, 0));
    let mon = day(&recs, "E1", "2026-03-09");
    assert_eq!(hm(edge(mon, "in1"), "punch"), "09:00");
    assert_eq!(overtime(mon), (0, 0, 0));
}

/// A night shift on the eve of a statutory holiday: Thu 2026-04-30 22:00 -> Fri 05-01 08:00
/// (night rule 22:00-06:00+1). The 2 h after 06:00 extend Thursday's shift: workday overtime
/// 120 on 04-30, no holiday overtime on 05-01.
#[test]
fn overtime_into_a_holiday_belongs_to_the_shift_day() {
    let recs = run(r#"
from = "2026-04-30"
to = "2026-05-01"
time_zone = "Asia/Shanghai"
[[rules]]
id = "night"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "fixed"
schedule = { segments = [{ start = "22:00", end = "06:00+1" }] }
[[employees]]
id = "E1"
rule = "night"
punches = ["2026-04-30 22:00", "2026-05-01 08:00"]
"#);
    assert_eq!(overtime(day(&recs, "E1", "2026-04-30")), (120, 0, 0));
    let may1 = day(&recs, "E1", "2026-05-01");
    assert_eq!(may1["day_type"], "holiday");
    assert_eq!(overtime(may1), (0, 0, 0));
}

/// Minimum and unit apply to rest days too: minimum 30, unit 30. Sat 10:00-10:25 (25) -> 0;
/// Sun 10:00-11:47 (107) -> 90.
#[test]
fn rest_day_minimum_and_unit() {
    let recs = run(&office(
        "2026-03-07",
        "2026-03-08",
        "overtime = { minimum = 30, unit = 30 }",
        r#"punches = ["2026-03-07 10:00", "2026-03-07 10:25", "2026-03-08 10:00", "2026-03-08 11:47"]"#,
    ));
    assert_eq!(overtime(day(&recs, "E1", "2026-03-07")), (0, 0, 0));
    assert_eq!(overtime(day(&recs, "E1", "2026-03-08")), (0, 90, 0));
}

/// needs_approval with overtime approved for a whole day (`date`) rather than a time range:
/// the approval covers the day, so Mon 03-02 09:00-20:00 counts 120 (18:00-20:00) and a rest
/// day Sat 03-07 approved the same way, worked 10:00-13:00, counts 180.
#[test]
fn overtime_approved_for_a_whole_day() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-07",
        "overtime = { needs_approval = true }",
        r#"punches = ["2026-03-02 09:00", "2026-03-02 20:00", "2026-03-07 10:00", "2026-03-07 13:00"]
[[employees.approvals]]
type = "overtime"
date = "2026-03-02"
[[employees.approvals]]
type = "overtime"
date = "2026-03-07"
"#,
    ));
    assert_eq!(overtime(day(&recs, "E1", "2026-03-02")), (120, 0, 0));
    assert_eq!(overtime(day(&recs, "E1", "2026-03-07")), (0, 180, 0));
}
