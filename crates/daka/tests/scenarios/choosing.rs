//! From punches to edges: earliest check-in, latest check-out, duplicates, punches outside every
//! window, and a forgotten check-out that must not take tomorrow's check-in.

use crate::helpers::*;

fn s(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// Office. Mon 03-02: 08:50, 08:55, 09:10 (check-in window), 17:00, 18:05, 18:30 (check-out
/// window). Semantics: "earliest punch in a check-in window, latest punch in a check-out
/// window" -> in1 = 08:50, out1 = 18:30; the other four are kept but ignored as not chosen,
/// naming the edge whose window they fell in.
#[test]
fn earliest_check_in_and_latest_check_out() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        "",
        r#"punches = ["2026-03-02 18:05", "2026-03-02 08:55", "2026-03-02 08:50",
           "2026-03-02 09:10", "2026-03-02 17:00", "2026-03-02 18:30"]"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_eq!(hm(edge(d, "in1"), "punch"), "08:50");
    assert_eq!(hm(edge(d, "out1"), "punch"), "18:30");
    assert_edge(d, "in1", "Normal", 0);
    assert_edge(d, "out1", "Normal", 0);
    assert_eq!(
        ignored(d),
        s(&[
            ("08:55", "not_chosen"),
            ("09:10", "not_chosen"),
            ("17:00", "not_chosen"),
            ("18:05", "not_chosen"),
        ])
    );
    let edges: Vec<&str> = d["ignored"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["edge"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(edges, ["in1", "in1", "out1", "out1"]);
    assert_eq!(int(d, "work_minutes"), 520);
}

/// "Identical instants are one punch": 08:58 punched twice (once written as UTC), 18:00 twice.
/// in1 08:58 Normal, out1 18:00 Normal, two duplicates ignored with reason `duplicate`, and
/// work counted once: 542 - 60 = 482.
#[test]
fn identical_instants_are_one_punch() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        "",
        r#"punches = ["2026-03-02 08:58", "2026-03-02T00:58:00Z", "2026-03-02 18:00", "2026-03-02 18:00"]"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_edge(d, "in1", "Normal", 0);
    assert_edge(d, "out1", "Normal", 0);
    assert_eq!(
        ignored(d),
        s(&[("08:58", "duplicate"), ("18:00", "duplicate")])
    );
    assert_eq!(int(d, "work_minutes"), 482);
}

const WINDOWS: &str = r#"
from = "2026-03-02"
to = "2026-03-03"
time_zone = "Asia/Shanghai"
[[rules]]
id = "gate"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "fixed"
late = { grace = 5 }
[rules.versions.schedule]
segments = [{ start = "09:00", end = "18:00", in_window = ["08:00", "10:00"], out_window = ["17:00", "20:00"] }]
break = ["12:00", "13:00"]
[[employees]]
id = "E1"
rule = "gate"
punches = [
  "2026-03-02 08:00", "2026-03-02 12:00", "2026-03-02 20:00", "2026-03-02 21:00",
  "2026-03-03 10:01", "2026-03-03 16:59",
]
"#;

/// Windows 08:00-10:00 (check-in) and 17:00-20:00 (check-out), both ends inclusive.
/// Mon 03-02: 08:00 (first minute of the window) -> in1 Normal; 12:00 inside no window ->
/// ignored `outside_windows`; 20:00 (last minute) -> out1 Normal; 21:00 -> ignored
/// `outside_windows`, but kept on Monday.
#[test]
fn window_ends_are_inclusive_and_other_punches_are_ignored() {
    let recs = run(WINDOWS);
    let d = day(&recs, "E1", "2026-03-02");
    assert_eq!(hm(edge(d, "in1"), "punch"), "08:00");
    assert_eq!(hm(edge(d, "out1"), "punch"), "20:00");
    assert_edge(d, "in1", "Normal", 0);
    assert_edge(d, "out1", "Normal", 0);
    assert_eq!(
        ignored(d),
        s(&[("12:00", "outside_windows"), ("21:00", "outside_windows")])
    );
}

/// Tue 03-03: 10:01 (one minute after the check-in window) and 16:59 (one minute before the
/// check-out window) -> both ignored, both edges Missing -> 1 absent day. A punch late by 61
/// minutes outside the window is not "Late 61": it does not count at all.
#[test]
fn punches_just_outside_the_windows_do_not_count() {
    let recs = run(WINDOWS);
    let d = day(&recs, "E1", "2026-03-03");
    assert_edge(d, "in1", "Missing", 0);
    assert_edge(d, "out1", "Missing", 0);
    assert_eq!(
        ignored(d),
        s(&[("10:01", "outside_windows"), ("16:59", "outside_windows")])
    );
    assert_eq!(num(d, "absent_days"), 1.0);
}

/// Office. Mon 03-02: 08:58 and nothing else (forgot to check out). Tue 03-03: 08:59, 18:00.
/// Semantics: "a forgotten check-out stays Missing and never takes tomorrow's punch".
/// Monday out1 Missing, work 0; Tuesday in1 08:59 Normal, work 481.
#[test]
fn forgotten_check_out_stays_missing() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-03",
        "",
        r#"punches = ["2026-03-02 08:58", "2026-03-03 08:59", "2026-03-03 18:00"]"#,
    ));
    let mon = day(&recs, "E1", "2026-03-02");
    assert_edge(mon, "out1", "Missing", 0);
    assert_eq!(int(mon, "work_minutes"), 0);
    let tue = day(&recs, "E1", "2026-03-03");
    assert_eq!(hm(edge(tue, "in1"), "punch"), "08:59");
    assert_edge(tue, "in1", "Normal", 0);
    assert_eq!(int(tue, "work_minutes"), 481);
}

const WIDE: &str = r#"
from = "2026-03-02"
to = "2026-03-05"
time_zone = "Asia/Shanghai"
[[rules]]
id = "wide"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "fixed"
[rules.versions.schedule]
segments = [{ start = "09:00", end = "18:00", in_window = ["07:00", "13:30"], out_window = ["13:31", "08:30+1"] }]
break = ["12:00", "13:00"]
[[employees]]
id = "E1"
rule = "wide"
punches = [
  "2026-03-02 08:58",
  "2026-03-03 08:10", "2026-03-03 18:00",
  "2026-03-04 08:59", "2026-03-05 01:00",
  "2026-03-05 08:57", "2026-03-05 18:01",
]
"#;

/// The check-out window reaches 08:30 the next morning and overlaps the next day's check-in
/// window (07:00-13:30). Mon 03-02: 08:58 only. Tue 03-03: 08:10, 18:00.
/// Expected: Monday out1 Missing (it must not take Tuesday's 08:10, even though 08:10 lies in
/// Monday's check-out window); Tuesday in1 08:10 Normal.
#[test]
fn forgotten_check_out_does_not_take_tomorrows_check_in_with_overlapping_windows() {
    let recs = run(WIDE);
    let mon = day(&recs, "E1", "2026-03-02");
    assert_edge(mon, "out1", "Missing", 0);
    assert_eq!(int(mon, "work_minutes"), 0);
    assert_eq!(overtime(mon), (0, 0, 0));
    let tue = day(&recs, "E1", "2026-03-03");
    assert_eq!(edge(tue, "in1")["punch"], "2026-03-03T08:10:00+08:00");
    assert_edge(tue, "in1", "Normal", 0);
}

/// Same rule. Wed 03-04 08:59 in, Thu 03-05 01:00 out (worked late into the night);
/// Thu 03-05 08:57, 18:01. Expected: Wednesday out1 = 01:00+1 (Normal, overtime 420 with default
/// settings, work 901); Thursday in1 = 08:57.
#[test]
fn a_real_late_check_out_still_belongs_to_yesterday() {
    let recs = run(WIDE);
    let wed = day(&recs, "E1", "2026-03-04");
    assert_eq!(edge(wed, "out1")["punch"], "2026-03-05T01:00:00+08:00");
    assert_eq!(int(wed, "work_minutes"), 901);
    assert_eq!(overtime(wed), (420, 0, 0));
    let thu = day(&recs, "E1", "2026-03-05");
    assert_eq!(edge(thu, "in1")["punch"], "2026-03-05T08:57:00+08:00");
}

/// Default windows (the rule sets none): the check-in window runs from 4 h before the start to
/// the middle of the day (13:30 for 09:00-18:00), the check-out window from 13:31 to 3 h after
/// the end or the next day-rollover (04:00+1), whichever is later. A check-out at 12:30 therefore lies in the check-in window: the earliest check-in
/// (09:00) is kept, 12:30 is ignored as not chosen, and out1 is Missing.
/// (Engine behaviour relied on: the semantics do not fix the default windows.)
#[test]
fn default_windows_split_the_day_at_the_middle() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        "",
        r#"punches = ["2026-03-02 09:00", "2026-03-02 12:30"]"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_eq!(
        edge(d, "in1")["window"],
        serde_json::json!(["2026-03-02T05:00:00+08:00", "2026-03-02T13:30:00+08:00"])
    );
    assert_eq!(
        edge(d, "out1")["window"],
        serde_json::json!(["2026-03-02T13:31:00+08:00", "2026-03-03T04:00:00+08:00"])
    );
    assert_edge(d, "out1", "Missing", 0);
    assert_eq!(ignored(d), s(&[("12:30", "not_chosen")]));
}

/// A stray punch at Mon 03-02 07:30, before Monday's check-in window (08:00-10:00), after
/// Sunday's rollover (04:00). Semantics: day D of a day without set times "runs from D rollover
/// to D+1 rollover", so 07:30 Monday is not Sunday's; it is inside no window of Monday and must
/// be reported on Monday as ignored `outside_windows`.
#[test]
fn stray_morning_punch_is_reported_on_its_own_day() {
    let text = WINDOWS
        .replace("from = \"2026-03-02\"", "from = \"2026-03-01\"")
        .replace(
            "\"2026-03-02 08:00\",",
            "\"2026-03-02 07:30\", \"2026-03-02 08:00\",",
        );
    let recs = run(&text);
    let sun = day(&recs, "E1", "2026-03-01");
    assert!(ignored(sun).is_empty(), "Sunday lists {:?}", ignored(sun));
    let mon = day(&recs, "E1", "2026-03-02");
    assert!(
        ignored(mon).contains(&("07:30".to_string(), "outside_windows".to_string())),
        "{:?}",
        ignored(mon)
    );
}

/// Windows have minute precision: with the check-in window 08:00-10:00, a punch at 10:00:59 is
/// in minute 10:00, inside the window -> in1 Late 60 (grace 5), nothing ignored.
#[test]
fn window_ends_have_minute_precision() {
    let text = WINDOWS.replace(
        r#""2026-03-02 08:00", "2026-03-02 12:00", "2026-03-02 20:00", "2026-03-02 21:00","#,
        r#""2026-03-02 10:00:59", "2026-03-02 18:00","#,
    );
    let recs = run(&text);
    let d = day(&recs, "E1", "2026-03-02");
    assert_eq!(edge(d, "in1")["punch"], "2026-03-02T10:00:59+08:00");
    assert_edge(d, "in1", "Late", 60);
    assert!(ignored(d).is_empty(), "{:?}", ignored(d));
}
