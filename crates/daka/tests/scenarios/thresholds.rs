//! Late and early tiers, absent edges, missing punches and the work-minutes check.
//! Office 09:00-18:00 (break 12:00-13:00) unless said otherwise.

use crate::helpers::*;

const TIERS: &str = r#"
late = { grace = 5, serious = 30, absent = 120 }
early = { grace = 5, absent = 60 }
"#;

/// Grace 5. Semantics: "grace 5: 09:05 Normal, 09:06 Late 6" (the full minutes, not 1).
/// Mon 03-02 09:05 -> Normal 0; Tue 03-03 09:06 -> Late 6.
#[test]
fn grace_five_0905_normal_0906_late_six() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-03",
        TIERS,
        r#"punches = ["2026-03-02 09:05", "2026-03-02 18:00", "2026-03-03 09:06", "2026-03-03 18:00"]"#,
    ));
    assert_edge(day(&recs, "E1", "2026-03-02"), "in1", "Normal", 0);
    assert_edge(day(&recs, "E1", "2026-03-03"), "in1", "Late", 6);
}

/// Minute precision: "Lateness = check-in minute - scheduled start minute". 09:05:59 is minute
/// 09:05 -> Normal with grace 5; 09:06:00 -> Late 6.
#[test]
fn seconds_do_not_make_a_punch_late() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-03",
        TIERS,
        r#"punches = ["2026-03-02 09:05:59", "2026-03-02 18:00", "2026-03-03 09:06:00", "2026-03-03 18:00"]"#,
    ));
    assert_edge(day(&recs, "E1", "2026-03-02"), "in1", "Normal", 0);
    assert_edge(day(&recs, "E1", "2026-03-03"), "in1", "Late", 6);
}

/// Serious 30, absent 120 ("at or beyond"): 09:29 Late 29; 09:30 SeriousLate 30; 10:59
/// SeriousLate 119 (no absence); 11:00 Absent 120 -> 1 absent day (default absent_edge_days 1).
#[test]
fn serious_and_absent_thresholds_are_met_when_reached() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-05",
        TIERS,
        r#"punches = [
  "2026-03-02 09:29", "2026-03-02 18:00",
  "2026-03-03 09:30", "2026-03-03 18:00",
  "2026-03-04 10:59", "2026-03-04 18:00",
  "2026-03-05 11:00", "2026-03-05 18:00",
]"#,
    ));
    let mon = day(&recs, "E1", "2026-03-02");
    assert_edge(mon, "in1", "Late", 29);
    assert_eq!(num(mon, "absent_days"), 0.0);
    assert_edge(day(&recs, "E1", "2026-03-03"), "in1", "SeriousLate", 30);
    let wed = day(&recs, "E1", "2026-03-04");
    assert_edge(wed, "in1", "SeriousLate", 119);
    assert_eq!(num(wed, "absent_days"), 0.0);
    let thu = day(&recs, "E1", "2026-03-05");
    assert_edge(thu, "in1", "Absent", 120);
    assert_eq!(num(thu, "absent_days"), 1.0);
    assert_eq!(
        reason(thu, "absent_edge")["values"]["setting"],
        "absence.absent_edge_days"
    );
}

/// absence.absent_edge_days = 0.5: an Absent edge (11:00, 120 min late) costs half a day.
#[test]
fn absent_edge_costs_half_a_day_when_set() {
    let recs = run(&office(
        "2026-03-05",
        "2026-03-05",
        &format!("{TIERS}\nabsence = {{ absent_edge_days = 0.5 }}"),
        r#"punches = ["2026-03-05 11:00", "2026-03-05 18:00"]"#,
    ));
    let d = day(&recs, "E1", "2026-03-05");
    assert_edge(d, "in1", "Absent", 120);
    assert_eq!(num(d, "absent_days"), 0.5);
}

/// Leaving early, early = { grace 5, absent 60 }: 17:55 Normal; 17:54 Early 6 (full minutes);
/// 17:01 Early 59; 17:00 Absent 60 -> 1 absent day.
#[test]
fn early_leave_tiers() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-05",
        TIERS,
        r#"punches = [
  "2026-03-02 09:00", "2026-03-02 17:55",
  "2026-03-03 09:00", "2026-03-03 17:54",
  "2026-03-04 09:00", "2026-03-04 17:01",
  "2026-03-05 09:00", "2026-03-05 17:00",
]"#,
    ));
    assert_edge(day(&recs, "E1", "2026-03-02"), "out1", "Normal", 0);
    assert_edge(day(&recs, "E1", "2026-03-03"), "out1", "Early", 6);
    let wed = day(&recs, "E1", "2026-03-04");
    assert_edge(wed, "out1", "Early", 59);
    assert_eq!(num(wed, "absent_days"), 0.0);
    let thu = day(&recs, "E1", "2026-03-05");
    assert_edge(thu, "out1", "Absent", 60);
    assert_eq!(num(thu, "absent_days"), 1.0);
}

/// Absent by lateness (11:30, 150 min) and by leaving early (16:00, 120 min) on the same day:
/// semantics "an Absent edge costs the day 1 ... once per day" -> 1, not 2.
#[test]
fn two_absent_edges_cost_the_day_once() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        TIERS,
        r#"punches = ["2026-03-02 11:30", "2026-03-02 16:00"]"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_edge(d, "in1", "Absent", 150);
    assert_edge(d, "out1", "Absent", 120);
    assert_eq!(num(d, "absent_days"), 1.0);
}

/// A workday without any punch: both edges Missing -> 1 absent day (semantics: "A workday with
/// every required edge Missing is 1 absent day (setting, default on)").
#[test]
fn every_edge_missing_is_one_absent_day() {
    let recs = run(&office("2026-03-02", "2026-03-02", TIERS, ""));
    let d = day(&recs, "E1", "2026-03-02");
    assert_edge(d, "in1", "Missing", 0);
    assert_edge(d, "out1", "Missing", 0);
    assert_eq!(num(d, "absent_days"), 1.0);
    assert!(reason_codes(d).contains(&"all_missing".to_string()));
    assert_eq!(d["attended"], false);
}

/// The all-missing setting: absence.all_missing_days = 0.5 -> 0.5; = 0 -> 0 (the two edges
/// stay Missing either way).
#[test]
fn all_missing_setting() {
    for (setting, want) in [(0.5, 0.5), (0.0, 0.0)] {
        let recs = run(&office(
            "2026-03-02",
            "2026-03-02",
            &format!("absence = {{ all_missing_days = {setting:.1} }}"),
            "",
        ));
        let d = day(&recs, "E1", "2026-03-02");
        assert_edge(d, "out1", "Missing", 0);
        assert_eq!(num(d, "absent_days"), want, "all_missing_days = {setting}");
    }
}

/// Check-in only (08:58), no check-out: out1 Missing, but "some edges Missing is not absent
/// (setting, default off), the edges count as missing punches" -> 0 absent days.
#[test]
fn some_missing_is_not_absent_by_default() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        TIERS,
        r#"punches = ["2026-03-02 08:58"]"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_edge(d, "in1", "Normal", 0);
    assert_edge(d, "out1", "Missing", 0);
    assert_eq!(num(d, "absent_days"), 0.0);
    let m = month(&recs, "E1", "2026-03");
    assert_eq!(int(m, "missing_punches"), 1);
}

/// absence.some_missing_days = 0.5 and = 1: the same check-in-only day costs 0.5 / 1.
#[test]
fn some_missing_setting() {
    for (setting, want) in [(0.5, 0.5), (1.0, 1.0)] {
        let recs = run(&office(
            "2026-03-02",
            "2026-03-02",
            &format!("absence = {{ some_missing_days = {setting:.1} }}"),
            r#"punches = ["2026-03-02 08:58"]"#,
        ));
        let d = day(&recs, "E1", "2026-03-02");
        assert_eq!(num(d, "absent_days"), want, "some_missing_days = {setting}");
        assert!(reason_codes(d).contains(&"some_missing".to_string()));
    }
}

/// The work-minutes check (off by default): half_day_below 240, absent_below 120. No late or
/// early thresholds, so only the work minutes decide.
/// Mon 09:00-14:00: 300 - 60 = 240, not below 240 -> 0.
/// Tue 09:00-13:31: 271 - 60 = 211 -> below 240 -> 0.5 (13:31: the first minute of the
/// default check-out window, which opens after the midpoint 13:30).
/// Wed 12:00-15:00: 180 - 60 = 120, not below 120 -> 0.5.
/// Thu 13:00-14:59: 119 -> below 120 -> 1.
#[test]
fn work_minutes_check_half_and_full_day() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-05",
        "absence = { work_minutes = { half_day_below = 240, absent_below = 120 } }",
        r#"punches = [
  "2026-03-02 09:00", "2026-03-02 14:00",
  "2026-03-03 09:00", "2026-03-03 13:31",
  "2026-03-04 12:00", "2026-03-04 15:00",
  "2026-03-05 13:00", "2026-03-05 14:59",
]"#,
    ));
    let want = [
        ("2026-03-02", 240, 0.0),
        ("2026-03-03", 211, 0.5),
        ("2026-03-04", 120, 0.5),
        ("2026-03-05", 119, 1.0),
    ];
    for (date, work, absent) in want {
        let d = day(&recs, "E1", date);
        assert_eq!(
            (int(d, "work_minutes"), num(d, "absent_days")),
            (work, absent),
            "{date}"
        );
    }
}

/// Without the work-minutes setting, the same short day (12:00-15:00, 120 min) is not absent:
/// in1 Late 180 and out1 Early 180 with no absent thresholds.
#[test]
fn work_minutes_check_is_off_by_default() {
    let recs = run(&office(
        "2026-03-04",
        "2026-03-04",
        "",
        r#"punches = ["2026-03-04 12:00", "2026-03-04 15:00"]"#,
    ));
    let d = day(&recs, "E1", "2026-03-04");
    assert_edge(d, "in1", "Late", 180);
    assert_edge(d, "out1", "Early", 180);
    assert_eq!(int(d, "work_minutes"), 120);
    assert_eq!(num(d, "absent_days"), 0.0);
}

/// "The larger of the two verdicts counts": absent_edge_days 0.5 and the work-minutes check.
/// Mon: 11:00 (Absent edge, 0.5) to 18:00: work 420 - 60 = 360 -> 0.5.
/// Tue: 11:00 (Absent edge, 0.5) to 14:59: work 239 - 60 = 179 -> 0.5 -> max 0.5.
/// Wed: 11:00 (Absent edge, 0.5) to 13:50: work 170 - 60 = 110 < 120 -> 1 -> max 1.
#[test]
fn larger_of_absent_edge_and_work_minutes_verdicts() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-04",
        r#"late = { grace = 5, absent = 120 }
absence = { absent_edge_days = 0.5, work_minutes = { half_day_below = 240, absent_below = 120 } }"#,
        r#"punches = [
  "2026-03-02 11:00", "2026-03-02 18:00",
  "2026-03-03 11:00", "2026-03-03 14:59",
  "2026-03-04 11:00", "2026-03-04 13:50",
]"#,
    ));
    let want = [
        ("2026-03-02", 360, 0.5),
        ("2026-03-03", 179, 0.5),
        ("2026-03-04", 110, 1.0),
    ];
    for (date, work, absent) in want {
        let d = day(&recs, "E1", date);
        assert_edge(d, "in1", "Absent", 120);
        assert_eq!(
            (int(d, "work_minutes"), num(d, "absent_days")),
            (work, absent),
            "{date}"
        );
    }
}
