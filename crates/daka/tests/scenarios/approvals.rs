//! Approvals: leave (full day, half day, time range), trips and outings, make-up punches (补卡),
//! admin corrections, and approvals that are not approved. Office 09:00-18:00, break
//! 12:00-13:00, late grace 5, early grace 0.

use crate::helpers::*;

const GRACE: &str = "late = { grace = 5 }";

/// Full-day annual leave on Mon 03-02, no punches. Semantics: "Full-day leave or trip: edges
/// NotRequired, never absent; the day is still a workday." Leave: annual 1 day, 480 minutes.
#[test]
fn full_day_leave_makes_edges_not_required() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        GRACE,
        r#"
[[employees.approvals]]
type = "leave"
leave_type = "annual"
date = "2026-03-02"
"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_edge(d, "in1", "NotRequired", 0);
    assert_edge(d, "out1", "NotRequired", 0);
    let why = &reason(edge(d, "in1"), "not_required")["values"];
    assert_eq!(
        (&why["why"], &why["leave_type"]),
        (&"full_day_leave".into(), &"annual".into())
    );
    assert_eq!(num(d, "absent_days"), 0.0);
    assert_eq!(d["day_type"], "workday");
    assert_eq!(d["required"], true);
    assert_eq!(
        d["leave"],
        serde_json::json!([{"type": "annual", "days": 1.0, "minutes": 480}])
    );
}

/// Sick leave from Fri 03-06 to Mon 03-09: Friday and Monday are leave days (1 each); the
/// weekend in between is rest days, not leave. Month: sick 2 days, 960 minutes.
#[test]
fn leave_over_several_days_counts_only_workdays() {
    let recs = run(&office(
        "2026-03-06",
        "2026-03-09",
        GRACE,
        r#"
[[employees.approvals]]
type = "leave"
leave_type = "sick"
from_date = "2026-03-06"
to_date = "2026-03-09"
"#,
    ));
    for date in ["2026-03-06", "2026-03-09"] {
        let d = day(&recs, "E1", date);
        assert_edge(d, "in1", "NotRequired", 0);
        assert_eq!(num(d, "absent_days"), 0.0);
    }
    let sat = day(&recs, "E1", "2026-03-07");
    assert_eq!(sat["leave"], serde_json::json!([]));
    let m = month(&recs, "E1", "2026-03");
    assert_eq!(
        m["leave"]["sick"],
        serde_json::json!({"days": 2.0, "minutes": 960})
    );
    assert_eq!(num(m, "absent_days"), 0.0);
}

/// Morning half-day leave (part = "am", 09:00-12:00) on Mon 03-02; 13:00 in, 18:00 out.
/// Semantics: the check-in is "judged against the first scheduled work minute after the leave
/// ends (skipping an unpaid break)" -> 13:00, Normal. Leave: annual 0.5 day, 180 minutes;
/// work 300. Tue 03-03 with the same leave, 13:06 in -> Late 6 against 13:00.
#[test]
fn morning_half_day_leave_judges_the_check_in_after_the_break() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-03",
        GRACE,
        r#"punches = ["2026-03-02 13:00", "2026-03-02 18:00", "2026-03-03 13:06", "2026-03-03 18:00"]
[[employees.approvals]]
type = "leave"
leave_type = "annual"
date = "2026-03-02"
part = "am"
[[employees.approvals]]
type = "leave"
leave_type = "annual"
date = "2026-03-03"
part = "am"
"#,
    ));
    let mon = day(&recs, "E1", "2026-03-02");
    assert_edge(mon, "in1", "Normal", 0);
    assert_eq!(hm(edge(mon, "in1"), "judged_against"), "13:00");
    assert!(reason_codes(edge(mon, "in1")).contains(&"leave_moved_time".to_string()));
    assert_edge(mon, "out1", "Normal", 0);
    assert_eq!(
        mon["leave"],
        serde_json::json!([{"type": "annual", "days": 0.5, "minutes": 180}])
    );
    assert_eq!(int(mon, "work_minutes"), 300);
    assert_eq!(num(mon, "absent_days"), 0.0);
    assert_edge(day(&recs, "E1", "2026-03-03"), "in1", "Late", 6);
}

/// Afternoon half-day leave (part = "pm", 13:00-18:00) on Mon 03-02: 08:58 in, 12:00 out (the
/// last work minute before the leave). Expected: out1 is the 12:00 punch, Normal (judged
/// against 12:00); work 182; leave 0.5 day / 300 minutes; no missing punch.
#[test]
fn afternoon_half_day_leave_accepts_the_noon_check_out() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        GRACE,
        r#"punches = ["2026-03-02 08:58", "2026-03-02 12:00"]
[[employees.approvals]]
type = "leave"
leave_type = "annual"
date = "2026-03-02"
part = "pm"
"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_eq!(
        d["leave"],
        serde_json::json!([{"type": "annual", "days": 0.5, "minutes": 300}])
    );
    assert_edge(d, "in1", "Normal", 0);
    assert_eq!(hm(edge(d, "out1"), "punch"), "12:00");
    assert_edge(d, "out1", "Normal", 0);
    assert_eq!(int(d, "work_minutes"), 182);
}

/// Morning half-day leave, arriving late after lunch: Tue 03-03 13:40 in, 18:00 out.
/// Expected: in1 = 13:40, Late 40 against 13:00 (full minutes beyond the 5 min grace); work
/// 260. The 13:40 punch is the day's only check-in, so it cannot be an early check-out.
#[test]
fn morning_half_day_leave_late_arrival_after_lunch() {
    let recs = run(&office(
        "2026-03-03",
        "2026-03-03",
        GRACE,
        r#"punches = ["2026-03-03 13:40", "2026-03-03 18:00"]
[[employees.approvals]]
type = "leave"
leave_type = "annual"
date = "2026-03-03"
part = "am"
"#,
    ));
    let d = day(&recs, "E1", "2026-03-03");
    assert_eq!(hm(edge(d, "in1"), "punch"), "13:40");
    assert_edge(d, "in1", "Late", 40);
    assert_edge(d, "out1", "Normal", 0);
    assert_eq!(int(d, "work_minutes"), 260);
}

/// With two segments (09:00-12:00, 13:30-18:00) afternoon leave covers the whole second
/// segment: in2 and out2 NotRequired (`segment_on_leave`); 08:58 / 12:00 satisfy segment 1.
#[test]
fn afternoon_leave_covering_a_whole_segment() {
    let recs = run(r#"
from = "2026-03-02"
to = "2026-03-02"
[[rules]]
id = "split"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "fixed"
schedule = { segments = [{ start = "09:00", end = "12:00" }, { start = "13:30", end = "18:00" }] }
[[employees]]
id = "E1"
rule = "split"
punches = ["2026-03-02 08:58", "2026-03-02 12:00"]
[[employees.approvals]]
type = "leave"
leave_type = "personal"
date = "2026-03-02"
part = "pm"
"#);
    let d = day(&recs, "E1", "2026-03-02");
    assert_edge(d, "in1", "Normal", 0);
    assert_edge(d, "out1", "Normal", 0);
    assert_edge(d, "in2", "NotRequired", 0);
    assert_edge(d, "out2", "NotRequired", 0);
    assert_eq!(
        reason(edge(d, "in2"), "not_required")["values"]["why"],
        "segment_on_leave"
    );
    assert_eq!(num(d, "absent_days"), 0.0);
    assert_eq!(d["leave"][0]["minutes"], 270);
}

/// Leave as a time range 09:00-11:00 on Mon 03-02 and Tue 03-03. Mon: 11:04 in -> Normal
/// (judged against 11:00, grace 5). Tue: 11:10 in -> Late 10. Leave 120 minutes = 0.25 day.
#[test]
fn time_range_leave_from_the_start_moves_the_check_in() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-03",
        GRACE,
        r#"punches = ["2026-03-02 11:04", "2026-03-02 18:00", "2026-03-03 11:10", "2026-03-03 18:00"]
[[employees.approvals]]
type = "leave"
leave_type = "personal"
start = "2026-03-02 09:00"
end = "2026-03-02 11:00"
[[employees.approvals]]
type = "leave"
leave_type = "personal"
start = "2026-03-03 09:00"
end = "2026-03-03 11:00"
"#,
    ));
    let mon = day(&recs, "E1", "2026-03-02");
    assert_edge(mon, "in1", "Normal", 0);
    assert_eq!(hm(edge(mon, "in1"), "judged_against"), "11:00");
    assert_eq!(
        mon["leave"],
        serde_json::json!([{"type": "personal", "days": 0.25, "minutes": 120}])
    );
    let tue = day(&recs, "E1", "2026-03-03");
    assert_edge(tue, "in1", "Late", 10);
}

/// Leave 09:00-12:00 as a time range, ending where the unpaid break begins: "judged against the
/// first scheduled work minute after the leave ends (skipping an unpaid break)" -> 13:00.
/// Mon 12:58 in -> Normal; Tue 13:20 in -> Late 20 (not 80 from 12:00).
#[test]
fn time_range_leave_ending_at_the_break_skips_the_break() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-03",
        GRACE,
        r#"punches = ["2026-03-02 12:58", "2026-03-02 18:00", "2026-03-03 13:20", "2026-03-03 18:00"]
[[employees.approvals]]
type = "leave"
leave_type = "personal"
start = "2026-03-02 09:00"
end = "2026-03-02 12:00"
[[employees.approvals]]
type = "leave"
leave_type = "personal"
start = "2026-03-03 09:00"
end = "2026-03-03 12:00"
"#,
    ));
    let mon = day(&recs, "E1", "2026-03-02");
    assert_edge(mon, "in1", "Normal", 0);
    assert_eq!(hm(edge(mon, "in1"), "judged_against"), "13:00");
    let tue = day(&recs, "E1", "2026-03-03");
    assert_edge(tue, "in1", "Late", 20);
    assert_eq!(hm(edge(tue, "in1"), "judged_against"), "13:00");
}

/// "Time the leave does not cover is not excused": leave 09:00-10:00, in 10:30 -> Late 30
/// (against 10:00, grace 5 exceeded: full minutes).
#[test]
fn time_after_the_leave_is_not_excused() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        GRACE,
        r#"punches = ["2026-03-02 10:30", "2026-03-02 18:00"]
[[employees.approvals]]
type = "leave"
leave_type = "personal"
start = "2026-03-02 09:00"
end = "2026-03-02 10:00"
"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_edge(d, "in1", "Late", 30);
    assert_eq!(hm(edge(d, "in1"), "judged_against"), "10:00");
}

/// Leave 10:00-11:00 does not start at or before the segment start, so the check-in stays
/// judged against 09:00: 09:30 in -> Late 30. Leave minutes 60.
#[test]
fn leave_in_the_middle_does_not_move_the_check_in() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        GRACE,
        r#"punches = ["2026-03-02 09:30", "2026-03-02 18:00"]
[[employees.approvals]]
type = "leave"
leave_type = "personal"
start = "2026-03-02 10:00"
end = "2026-03-02 11:00"
"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_edge(d, "in1", "Late", 30);
    assert_eq!(hm(edge(d, "in1"), "judged_against"), "09:00");
    assert_eq!(d["leave"][0]["minutes"], 60);
}

/// Leave 16:00-18:00 at the end of the day: the check-out is judged against 16:00.
/// Mon 16:00 out -> Normal; Tue 15:50 out -> Early 10.
/// (Engine behaviour relied on: the semantics spell out the check-in case; the check-out case
/// mirrors it.)
#[test]
fn leave_at_the_end_of_the_day_moves_the_check_out() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-03",
        GRACE,
        r#"punches = ["2026-03-02 09:00", "2026-03-02 16:00", "2026-03-03 09:00", "2026-03-03 15:50"]
[[employees.approvals]]
type = "leave"
leave_type = "personal"
start = "2026-03-02 16:00"
end = "2026-03-02 18:00"
[[employees.approvals]]
type = "leave"
leave_type = "personal"
start = "2026-03-03 16:00"
end = "2026-03-03 18:00"
"#,
    ));
    let mon = day(&recs, "E1", "2026-03-02");
    assert_edge(mon, "out1", "Normal", 0);
    assert_eq!(hm(edge(mon, "out1"), "judged_against"), "16:00");
    assert_edge(day(&recs, "E1", "2026-03-03"), "out1", "Early", 10);
}

/// A full-day business trip on Mon 03-02, no punches: edges NotRequired (`trip`), not absent,
/// attended (away on business), trip_minutes 480.
#[test]
fn full_day_trip() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        GRACE,
        r#"
[[employees.approvals]]
type = "trip"
date = "2026-03-02"
"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_edge(d, "in1", "NotRequired", 0);
    assert_edge(d, "out1", "NotRequired", 0);
    assert_eq!(
        reason(edge(d, "out1"), "not_required")["values"]["why"],
        "trip"
    );
    assert_eq!(num(d, "absent_days"), 0.0);
    assert_eq!(int(d, "trip_minutes"), 480);
    assert_eq!(d["required"], true);
}

/// An outing 08:00-11:00 on Mon 03-02 (a client visit before coming in): "an edge whose
/// scheduled instant lies inside an approved trip/outing" is NotRequired -> in1 (09:00)
/// NotRequired; out1 still required: 18:00 -> Normal. Not absent; trip_minutes 120 (09:00-11:00
/// of scheduled work).
#[test]
fn morning_outing_excuses_the_check_in_only() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        GRACE,
        r#"punches = ["2026-03-02 18:00"]
[[employees.approvals]]
type = "outing"
start = "2026-03-02 08:00"
end = "2026-03-02 11:00"
"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_edge(d, "in1", "NotRequired", 0);
    assert_eq!(
        reason(edge(d, "in1"), "not_required")["values"]["why"],
        "outing"
    );
    assert_edge(d, "out1", "Normal", 0);
    assert_eq!(num(d, "absent_days"), 0.0);
    assert_eq!(int(d, "trip_minutes"), 120);
}

/// An outing 15:00-18:30: out1 (18:00) NotRequired, in1 08:59 Normal. An outing 10:00-11:00
/// on Tue contains neither scheduled instant: both edges required, and a missing check-out is
/// Missing.
#[test]
fn outing_excuses_only_edges_it_contains() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-03",
        GRACE,
        r#"punches = ["2026-03-02 08:59", "2026-03-03 08:59"]
[[employees.approvals]]
type = "outing"
start = "2026-03-02 15:00"
end = "2026-03-02 18:30"
[[employees.approvals]]
type = "outing"
start = "2026-03-03 10:00"
end = "2026-03-03 11:00"
"#,
    ));
    let mon = day(&recs, "E1", "2026-03-02");
    assert_edge(mon, "in1", "Normal", 0);
    assert_edge(mon, "out1", "NotRequired", 0);
    let tue = day(&recs, "E1", "2026-03-03");
    assert_edge(tue, "out1", "Missing", 0);
}

/// Make-up punch (补卡) for a forgotten check-out at 18:00: out1 Normal with punch_source
/// "makeup" (semantics: "acts as a punch at its instant and is marked makeup on the edge it
/// fills"); work 08:59 -> 18:00 = 541 - 60 = 481.
#[test]
fn makeup_punch_fills_the_edge_and_is_marked() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        GRACE,
        r#"punches = ["2026-03-02 08:59"]
[[employees.approvals]]
type = "makeup"
at = "2026-03-02 18:00"
"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_edge(d, "out1", "Normal", 0);
    assert_eq!(edge(d, "out1")["punch_source"], "makeup");
    assert_eq!(edge(d, "in1")["punch_source"], "punch");
    assert!(reason_codes(edge(d, "out1")).contains(&"makeup".to_string()));
    assert_eq!(int(d, "work_minutes"), 481);
    assert_eq!(int(month(&recs, "E1", "2026-03"), "missing_punches"), 0);
}

/// A make-up punch acts "as a punch at its instant": 补卡 at 17:30 -> out1 Early 30, source
/// makeup. A make-up check-in at 09:20 -> in1 Late 20, source makeup.
#[test]
fn makeup_punch_is_judged_at_its_instant() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        GRACE,
        r#"
[[employees.approvals]]
type = "makeup"
at = "2026-03-02 09:20"
[[employees.approvals]]
type = "makeup"
at = "2026-03-02 17:30"
"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_edge(d, "in1", "Late", 20);
    assert_edge(d, "out1", "Early", 30);
    assert_eq!(edge(d, "in1")["punch_source"], "makeup");
    assert_eq!(edge(d, "out1")["punch_source"], "makeup");
}

/// Admin correction: void the wrong 09:20 punch and add 08:59 -> in1 08:59 Normal with
/// punch_source "correction"; the 09:20 punch is listed as ignored, reason `voided`.
#[test]
fn correction_voids_and_adds_a_punch() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        GRACE,
        r#"punches = ["2026-03-02 09:20", "2026-03-02 18:00"]
[[employees.approvals]]
type = "correction"
void = "2026-03-02 09:20"
at = "2026-03-02 08:59"
"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_edge(d, "in1", "Normal", 0);
    assert_eq!(hm(edge(d, "in1"), "punch"), "08:59");
    assert_eq!(edge(d, "in1")["punch_source"], "correction");
    assert_eq!(
        ignored(d),
        vec![("09:20".to_string(), "voided".to_string())]
    );
}

/// Correction that only voids: a buddy punch at 07:00 is voided, so the earliest check-in is
/// the real 09:20 -> Late 20.
#[test]
fn correction_void_only() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        GRACE,
        r#"punches = ["2026-03-02 07:00", "2026-03-02 09:20", "2026-03-02 18:00"]
[[employees.approvals]]
type = "correction"
void = "2026-03-02 07:00"
"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_edge(d, "in1", "Late", 20);
    assert_eq!(
        ignored(d),
        vec![("07:00".to_string(), "voided".to_string())]
    );
}

/// "Only approved ones count": a pending full-day leave and a rejected make-up punch change
/// nothing. Mon 03-02 (pending leave, no punches) -> both Missing, absent 1, no leave.
/// Tue 03-03 (08:59 in, rejected 补卡 at 18:00) -> out1 Missing.
#[test]
fn pending_and_rejected_approvals_are_ignored() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-03",
        GRACE,
        r#"punches = ["2026-03-03 08:59"]
[[employees.approvals]]
type = "leave"
state = "pending"
leave_type = "annual"
date = "2026-03-02"
[[employees.approvals]]
type = "makeup"
state = "rejected"
at = "2026-03-03 18:00"
"#,
    ));
    let mon = day(&recs, "E1", "2026-03-02");
    assert_edge(mon, "in1", "Missing", 0);
    assert_eq!(num(mon, "absent_days"), 1.0);
    assert_eq!(mon["leave"], serde_json::json!([]));
    let tue = day(&recs, "E1", "2026-03-03");
    assert_edge(tue, "out1", "Missing", 0);
    assert!(edge(tue, "out1")["punch"].is_null());
}

/// Leave as a time range covering the whole working day (09:00-18:00) counts as a full day:
/// edges NotRequired (`full_day_leave`), annual 1 day / 480 minutes, not absent.
#[test]
fn time_range_covering_the_day_is_a_full_day_leave() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        GRACE,
        r#"
[[employees.approvals]]
type = "leave"
leave_type = "annual"
start = "2026-03-02 09:00"
end = "2026-03-02 18:00"
"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_edge(d, "in1", "NotRequired", 0);
    assert_edge(d, "out1", "NotRequired", 0);
    assert_eq!(num(d, "absent_days"), 0.0);
    assert_eq!(
        d["leave"],
        serde_json::json!([{"type": "annual", "days": 1.0, "minutes": 480}])
    );
}

/// Morning annual leave and afternoon sick leave on the same day, no punches: together they
/// cover the day -> edges NotRequired, not absent; leave annual 0.5 / 180 and sick 0.5 / 300.
#[test]
fn two_half_days_of_different_types_cover_the_day() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        GRACE,
        r#"
[[employees.approvals]]
type = "leave"
leave_type = "annual"
date = "2026-03-02"
part = "am"
[[employees.approvals]]
type = "leave"
leave_type = "sick"
date = "2026-03-02"
part = "pm"
"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_edge(d, "in1", "NotRequired", 0);
    assert_edge(d, "out1", "NotRequired", 0);
    assert_eq!(num(d, "absent_days"), 0.0);
    assert_eq!(
        d["leave"],
        serde_json::json!([
            {"type": "annual", "days": 0.5, "minutes": 180},
            {"type": "sick", "days": 0.5, "minutes": 300}
        ])
    );
}

/// Morning leave approved, but the employee never came in the afternoon (no punches): the
/// afternoon is unexcused. Every required edge is Missing, but half the day is approved leave,
/// so the absence is the other half: 0.5 absent day + 0.5 leave (never more than the day).
#[test]
fn half_day_leave_and_no_show_is_half_absent() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        GRACE,
        r#"
[[employees.approvals]]
type = "leave"
leave_type = "annual"
date = "2026-03-02"
part = "am"
"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_edge(d, "in1", "Missing", 0);
    assert_edge(d, "out1", "Missing", 0);
    assert_eq!(num(d, "absent_days"), 0.5);
    assert_eq!(d["leave"][0]["days"], 0.5);
}

/// Flexible rule (09:00-18:00, latest start 10:00, span 540 incl. the 12:00-13:00 break) with
/// morning half-day leave (09:00-12:00): 13:00 in, 18:00 out. The leave covers the morning,
/// the employee worked the whole afternoon: in1 Normal (judged against 13:00) and out1 Normal.
/// Required leaving time must not become 13:00 + 540 = 22:00 (which would make 18:00 "Early
/// 240"): the time the leave covers counts toward the span.
#[test]
fn flexible_rule_with_morning_leave() {
    let recs = run(r#"
from = "2026-03-02"
to = "2026-03-02"
[[rules]]
id = "flex"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "flexible"
schedule = { segments = [{ start = "09:00", end = "18:00" }], break = ["12:00", "13:00"], flex = { latest_start = "10:00" } }
late = { grace = 5 }
[[employees]]
id = "F1"
rule = "flex"
punches = ["2026-03-02 13:00", "2026-03-02 18:00"]
[[employees.approvals]]
type = "leave"
leave_type = "annual"
date = "2026-03-02"
part = "am"
"#);
    let d = day(&recs, "F1", "2026-03-02");
    assert_edge(d, "in1", "Normal", 0);
    assert_edge(d, "out1", "Normal", 0);
    assert_eq!(int(d, "work_minutes"), 300);
}

/// Leave as a time range across two days: Mon 03-02 14:00 -> Tue 03-03 12:00. Monday: 08:58
/// in, 14:00 out -> out1 judged against 14:00, Normal; leave 240 minutes (14:00-18:00) = 0.5
/// day. Tuesday: 13:02 in, 18:00 out -> in1 judged against 13:00 (after the leave, skipping the
/// break), Normal; leave 180 minutes (09:00-12:00) = 0.38 day (180 / 480 rounded to hundredths).
#[test]
fn time_range_leave_across_two_days() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-03",
        GRACE,
        r#"punches = ["2026-03-02 08:58", "2026-03-02 14:00", "2026-03-03 13:02", "2026-03-03 18:00"]
[[employees.approvals]]
type = "leave"
leave_type = "personal"
start = "2026-03-02 14:00"
end = "2026-03-03 12:00"
"#,
    ));
    let mon = day(&recs, "E1", "2026-03-02");
    assert_edge(mon, "out1", "Normal", 0);
    assert_eq!(hm(edge(mon, "out1"), "judged_against"), "14:00");
    assert_eq!(
        mon["leave"],
        serde_json::json!([{"type": "personal", "days": 0.5, "minutes": 240}])
    );
    let tue = day(&recs, "E1", "2026-03-03");
    assert_edge(tue, "in1", "Normal", 0);
    assert_eq!(hm(edge(tue, "in1"), "judged_against"), "13:00");
    assert_eq!(tue["leave"][0]["minutes"], 180);
    let m = month(&recs, "E1", "2026-03");
    assert_eq!(int(m, "missing_punches"), 0);
    assert_eq!(int(m, "late_count") + int(m, "early_count"), 0);
}

/// A business trip as a time range Mon 03-02 14:00 -> Wed 03-04 12:00:
/// Mon: out1 (18:00) inside the trip -> NotRequired; 08:59 in -> Normal; trip minutes 240.
/// Tue: the trip covers the whole working day -> both edges NotRequired, trip minutes 480.
/// Wed: in1 (09:00) inside the trip -> NotRequired; out1 18:00 -> Normal; trip minutes 180.
/// No day is absent.
#[test]
fn trip_as_a_time_range_across_days() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-04",
        GRACE,
        r#"punches = ["2026-03-02 08:59", "2026-03-04 18:00"]
[[employees.approvals]]
type = "trip"
start = "2026-03-02 14:00"
end = "2026-03-04 12:00"
"#,
    ));
    let mon = day(&recs, "E1", "2026-03-02");
    assert_edge(mon, "in1", "Normal", 0);
    assert_edge(mon, "out1", "NotRequired", 0);
    assert_eq!(int(mon, "trip_minutes"), 240);
    let tue = day(&recs, "E1", "2026-03-03");
    assert_edge(tue, "in1", "NotRequired", 0);
    assert_edge(tue, "out1", "NotRequired", 0);
    assert_eq!(int(tue, "trip_minutes"), 480);
    let wed = day(&recs, "E1", "2026-03-04");
    assert_edge(wed, "in1", "NotRequired", 0);
    assert_edge(wed, "out1", "Normal", 0);
    assert_eq!(int(wed, "trip_minutes"), 180);
    let m = month(&recs, "E1", "2026-03");
    assert_eq!(num(m, "absent_days"), 0.0);
    assert_eq!(int(m, "missing_punches"), 0);
    assert_eq!(int(m, "trip_minutes"), 900);
}
