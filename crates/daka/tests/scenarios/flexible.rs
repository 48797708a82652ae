//! Flexible hours and WeCom's "left late yesterday" rule (late_rule).

use crate::helpers::*;

/// Flexible rule: start 09:00 (earliest), latest start 10:00, end 18:00, so the required span
/// is 9 h = 540 min including the 12:00-13:00 unpaid break; late grace 5, early grace 0; default
/// overtime settings.
fn flex(from: &str, to: &str, punches: &str) -> String {
    format!(
        r#"
from = "{from}"
to = "{to}"
time_zone = "Asia/Shanghai"
[[rules]]
id = "flex"
name = "Flex"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "flexible"
schedule = {{ segments = [{{ start = "09:00", end = "18:00" }}], break = ["12:00", "13:00"], flex = {{ latest_start = "10:00" }} }}
late = {{ grace = 5 }}
[[employees]]
id = "F1"
rule = "flex"
punches = [{punches}]
"#
    )
}

/// Mon 03-02: 09:40 in, 18:40 out. Effective start 09:40 (between earliest and latest start);
/// required leave = 09:40 + 540 = 18:40. in1 Normal (judged against the latest start 10:00),
/// out1 Normal (judged against 18:40); work 540 - 60 = 480; overtime 0.
#[test]
fn arrival_inside_the_flex_band_moves_the_leaving_time() {
    let recs = run(&flex(
        "2026-03-02",
        "2026-03-02",
        r#""2026-03-02 09:40", "2026-03-02 18:40""#,
    ));
    let d = day(&recs, "F1", "2026-03-02");
    assert_edge(d, "in1", "Normal", 0);
    assert_edge(d, "out1", "Normal", 0);
    assert_eq!(hm(edge(d, "in1"), "judged_against"), "10:00");
    assert_eq!(hm(edge(d, "out1"), "judged_against"), "18:40");
    assert_eq!(int(d, "work_minutes"), 480);
    assert_eq!(overtime(d), (0, 0, 0));
    let r = reason(edge(d, "out1"), "flex_leave_time");
    assert_eq!(r["values"]["span_minutes"], 540);
}

/// Tue 03-03: 09:40 in, 18:30 out -> out1 Early 10 (required leave 18:40, early grace 0).
#[test]
fn leaving_before_start_plus_span_is_early() {
    let recs = run(&flex(
        "2026-03-03",
        "2026-03-03",
        r#""2026-03-03 09:40", "2026-03-03 18:30""#,
    ));
    let d = day(&recs, "F1", "2026-03-03");
    assert_edge(d, "in1", "Normal", 0);
    assert_edge(d, "out1", "Early", 10);
}

/// Wed 03-04: 08:30 in (before the earliest start), 18:00 out. "Effective start = check-in,
/// but not before the earliest start" -> 09:00, required leave 18:00 -> Normal/Normal; work
/// 570 - 60 = 510 but overtime 0 (early arrival never counts).
#[test]
fn arrival_before_the_earliest_start_counts_from_the_earliest_start() {
    let recs = run(&flex(
        "2026-03-04",
        "2026-03-04",
        r#""2026-03-04 08:30", "2026-03-04 18:00""#,
    ));
    let d = day(&recs, "F1", "2026-03-04");
    assert_edge(d, "in1", "Normal", 0);
    assert_edge(d, "out1", "Normal", 0);
    assert_eq!(hm(edge(d, "out1"), "judged_against"), "18:00");
    assert_eq!(int(d, "work_minutes"), 510);
    assert_eq!(overtime(d), (0, 0, 0));
}

/// Thu 03-05: 10:07 in -> Late 7 ("a check-in after the latest start is late by the
/// difference", grace 5, full minutes); effective start 10:07, required leave 19:07; leaving
/// 19:07 -> Normal. Fri 03-06: 10:04 in (within grace, Normal), 19:00 out -> required leave
/// 10:04 + 540 = 19:04 -> Early 4.
#[test]
fn late_flexible_arrival_and_its_leaving_time() {
    let recs = run(&flex(
        "2026-03-05",
        "2026-03-06",
        r#""2026-03-05 10:07", "2026-03-05 19:07", "2026-03-06 10:04", "2026-03-06 19:00""#,
    ));
    let thu = day(&recs, "F1", "2026-03-05");
    assert_edge(thu, "in1", "Late", 7);
    assert_edge(thu, "out1", "Normal", 0);
    assert_eq!(hm(edge(thu, "out1"), "judged_against"), "19:07");
    let fri = day(&recs, "F1", "2026-03-06");
    assert_edge(fri, "in1", "Normal", 0);
    assert_edge(fri, "out1", "Early", 4);
}

/// Flexible overtime starts at the required leaving time: Mon 03-02 09:40 in, 20:00 out ->
/// overtime 20:00 - 18:40 = 80 (default settings: no delay, minimum or rounding).
#[test]
fn flexible_overtime_starts_at_the_required_leaving_time() {
    let recs = run(&flex(
        "2026-03-02",
        "2026-03-02",
        r#""2026-03-02 09:40", "2026-03-02 20:00""#,
    ));
    let d = day(&recs, "F1", "2026-03-02");
    assert_eq!(overtime(d), (80, 0, 0));
}

/// No check-in, check-out 18:00: in1 Missing; the check-out is judged from the earliest start
/// (09:00 + 540 = 18:00) -> Normal; not absent (only some edges missing).
/// (Engine behaviour relied on: the semantics do not say what a flexible check-out is judged
/// against without a check-in.)
#[test]
fn flexible_check_out_without_check_in() {
    let recs = run(&flex("2026-03-02", "2026-03-02", r#""2026-03-02 18:00""#));
    let d = day(&recs, "F1", "2026-03-02");
    assert_edge(d, "in1", "Missing", 0);
    assert_edge(d, "out1", "Normal", 0);
    assert!(reason_codes(edge(d, "out1")).contains(&"flex_without_checkin".to_string()));
    assert_eq!(num(d, "absent_days"), 0.0);
}

/// Office with late grace 5 and late_rule tiers: left >= 120 min after yesterday's end -> may
/// arrive 60 min later; >= 240 -> 120 min later.
const LATE_RULE: &str = r#"
late = { grace = 5 }
late_rule = [{ left_after = 120, arrive_later = 60 }, { left_after = 240, arrive_later = 120 }]
"#;

/// Mon 03-02 09:00-20:30 (left 150 min after 18:00: tier 120 met) -> Tue 03-03 judged against
/// 10:00: 09:50 Normal. Tue leaves 18:00 (no tier) -> Wed 03-04 09:10 Late 10.
/// The extension applies to today's check-in only: Tuesday's 18:00 check-out is Normal.
#[test]
fn left_late_yesterday_may_arrive_later_today() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-04",
        LATE_RULE,
        r#"punches = [
  "2026-03-02 09:00", "2026-03-02 20:30",
  "2026-03-03 09:50", "2026-03-03 18:00",
  "2026-03-04 09:10", "2026-03-04 18:00",
]"#,
    ));
    let tue = day(&recs, "E1", "2026-03-03");
    assert_edge(tue, "in1", "Normal", 0);
    assert_eq!(hm(edge(tue, "in1"), "judged_against"), "10:00");
    assert_edge(tue, "out1", "Normal", 0);
    let r = reason(edge(tue, "in1"), "late_rule");
    assert_eq!(r["values"]["left_minutes_yesterday"], 150);
    assert_eq!(r["values"]["arrive_later"], 60);
    let wed = day(&recs, "E1", "2026-03-04");
    assert_edge(wed, "in1", "Late", 10);
}

/// The largest tier met, "at least": Wed 03-04 leaves 22:00 (exactly 240 after 18:00) -> Thu
/// 03-05 judged against 11:00: 10:59 Normal. Thu leaves 19:59 (119 min: no tier) -> Fri 03-06
/// 10:06 is Late 66 against 09:00.
#[test]
fn largest_tier_met_applies_and_thresholds_are_at_least() {
    let recs = run(&office(
        "2026-03-04",
        "2026-03-06",
        LATE_RULE,
        r#"punches = [
  "2026-03-04 09:00", "2026-03-04 22:00",
  "2026-03-05 10:59", "2026-03-05 19:59",
  "2026-03-06 10:06", "2026-03-06 18:00",
]"#,
    ));
    let thu = day(&recs, "E1", "2026-03-05");
    assert_edge(thu, "in1", "Normal", 0);
    assert_eq!(hm(edge(thu, "in1"), "judged_against"), "11:00");
    let fri = day(&recs, "E1", "2026-03-06");
    assert_edge(fri, "in1", "Late", 66);
}
