//! Fixed hours: one schedule on every workday; edges, work minutes, rest days, the day record.

use crate::helpers::*;

/// Office 09:00-18:00, break 12:00-13:00, default overtime settings (no delay, minimum, unit 1).
/// Mon 2026-03-02: 08:55 in, 18:02 out.
/// Expected: in1 Normal (arriving early is Normal), out1 Normal (leaving late is Normal);
/// work = 18:02 - 08:55 = 547 min - 60 min break = 487 (semantics: "from the real punches, not
/// clipped to the schedule"); overtime = 18:02 - 18:00 = 2 workday minutes.
#[test]
fn on_time_day_counts_real_work_minutes() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        "",
        r#"punches = ["2026-03-02 08:55", "2026-03-02 18:02"]"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_edge(d, "in1", "Normal", 0);
    assert_edge(d, "out1", "Normal", 0);
    assert_eq!(hm(edge(d, "in1"), "punch"), "08:55");
    assert_eq!(hm(edge(d, "out1"), "punch"), "18:02");
    assert_eq!(hm(edge(d, "in1"), "scheduled"), "09:00");
    assert_eq!(hm(edge(d, "out1"), "scheduled"), "18:00");
    assert_eq!(int(d, "scheduled_minutes"), 480);
    assert_eq!(int(d, "work_minutes"), 487);
    assert_eq!(overtime(d), (2, 0, 0));
    assert_eq!(num(d, "absent_days"), 0.0);
    assert_eq!(d["day_type"], "workday");
    assert_eq!(d["required"], true);
    assert_eq!(d["day_basis"], "weekly_pattern");
    assert_eq!(d["attended"], true);
}

/// Office, overtime start_delay 30, minimum 30, unit 30. Mon 2026-03-02: 08:30 in, 19:00 out.
/// Expected: work = 630 - 60 = 570, not clipped to 09:00-18:00; overtime = 19:00 - (18:00 +
/// 30) = 30, which reaches the 30 min minimum ("at least") -> 30. The 30 min before 09:00 is not
/// overtime (count_early_arrival off).
#[test]
fn work_minutes_are_not_clipped_to_the_schedule() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-02",
        "overtime = { start_delay = 30, minimum = 30, unit = 30 }",
        r#"punches = ["2026-03-02 08:30", "2026-03-02 19:00"]"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_eq!(int(d, "work_minutes"), 570);
    assert_eq!(overtime(d), (30, 0, 0));
}

/// Office, no thresholds. Mon 2026-03-02: 09:00 in, 14:00 out (went home after lunch).
/// Expected: work = 14:00 - 09:00 = 300 minus the whole 60 min break = 240; out1 Early by
/// 18:00 - 14:00 = 240 (no absent threshold set, so only Early).
/// Tue 03-03: 12:30 in (during the break), 18:00 out. Expected: in1 Late 210 (12:30 - 09:00);
/// work = 330 minus the 30 min of the break after 12:30 = 300.
#[test]
fn break_overlap_is_subtracted_from_real_punches() {
    let recs = run(&office(
        "2026-03-02",
        "2026-03-03",
        "",
        r#"punches = ["2026-03-02 09:00", "2026-03-02 14:00", "2026-03-03 12:30", "2026-03-03 18:00"]"#,
    ));
    let d = day(&recs, "E1", "2026-03-02");
    assert_edge(d, "in1", "Normal", 0);
    assert_edge(d, "out1", "Early", 240);
    assert_eq!(int(d, "work_minutes"), 240);
    assert_eq!(num(d, "absent_days"), 0.0);
    let d = day(&recs, "E1", "2026-03-03");
    assert_edge(d, "in1", "Late", 210);
    assert_edge(d, "out1", "Normal", 0);
    assert_eq!(int(d, "work_minutes"), 300);
}

const TWO_SEGMENTS: &str = r#"
from = "2026-03-02"
to = "2026-03-04"
time_zone = "Asia/Shanghai"

[[rules]]
id = "split"

[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "fixed"
schedule = { segments = [{ start = "09:00", end = "12:00" }, { start = "13:30", end = "18:00" }] }
late = { grace = 5 }

[[employees]]
id = "E1"
rule = "split"
punches = [
  "2026-03-02 08:58", "2026-03-02 12:01", "2026-03-02 13:29", "2026-03-02 18:00",
  "2026-03-03 08:59", "2026-03-03 12:00", "2026-03-03 13:40", "2026-03-03 18:00",
  "2026-03-04 08:59", "2026-03-04 18:01",
]
"#;

/// Two segments 09:00-12:00 and 13:30-18:00 (four edges), grace 5.
/// Mon 03-02: 08:58, 12:01, 13:29, 18:00 -> all Normal; work = (12:01 - 08:58 = 183) +
/// (18:00 - 13:29 = 271) = 454; scheduled 180 + 270 = 450.
#[test]
fn two_segments_four_edges_all_normal() {
    let recs = run(TWO_SEGMENTS);
    let d = day(&recs, "E1", "2026-03-02");
    for e in ["in1", "out1", "in2", "out2"] {
        assert_edge(d, e, "Normal", 0);
    }
    assert_eq!(hm(edge(d, "out1"), "punch"), "12:01");
    assert_eq!(hm(edge(d, "in2"), "punch"), "13:29");
    assert_eq!(int(d, "scheduled_minutes"), 450);
    assert_eq!(int(d, "work_minutes"), 454);
}

/// Same rule. Tue 03-03: back from lunch at 13:40 -> in2 Late 10 (13:40 - 13:30, beyond the
/// 5 min grace: full minutes). Work = 181 + 260 = 441.
#[test]
fn two_segments_late_after_lunch() {
    let recs = run(TWO_SEGMENTS);
    let d = day(&recs, "E1", "2026-03-03");
    assert_edge(d, "in1", "Normal", 0);
    assert_edge(d, "out1", "Normal", 0);
    assert_edge(d, "in2", "Late", 10);
    assert_edge(d, "out2", "Normal", 0);
    assert_eq!(int(d, "work_minutes"), 441);
}

/// Same rule. Wed 03-04: 08:59 and 18:01 only, no lunch punches.
/// Expected: out1 and in2 Missing; some edges missing is not absent by default (semantics:
/// "some edges Missing is not absent (setting, default off)"); work is per segment with both
/// punches, so 0.
#[test]
fn two_segments_without_lunch_punches() {
    let recs = run(TWO_SEGMENTS);
    let d = day(&recs, "E1", "2026-03-04");
    assert_edge(d, "in1", "Normal", 0);
    assert_edge(d, "out1", "Missing", 0);
    assert_edge(d, "in2", "Missing", 0);
    assert_edge(d, "out2", "Normal", 0);
    assert_eq!(num(d, "absent_days"), 0.0);
    assert_eq!(int(d, "work_minutes"), 0);
}

/// Three segments (six edges) 08:00-11:00, 12:00-14:00, 17:00-21:00, grace 5.
/// Mon 03-02: 07:55, 11:02, 11:58, 14:00, 17:12, 21:00 -> in3 Late 12, the rest Normal;
/// work = 187 + 122 + 228 = 537.
#[test]
fn three_segments_six_edges() {
    let recs = run(r#"
from = "2026-03-02"
to = "2026-03-02"
[[rules]]
id = "restaurant"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "fixed"
late = { grace = 5 }
[rules.versions.schedule]
segments = [
  { start = "08:00", end = "11:00" },
  { start = "12:00", end = "14:00" },
  { start = "17:00", end = "21:00" },
]
[[employees]]
id = "E1"
rule = "restaurant"
punches = ["2026-03-02 07:55", "2026-03-02 11:02", "2026-03-02 11:58", "2026-03-02 14:00",
           "2026-03-02 17:12", "2026-03-02 21:00"]
"#);
    let d = day(&recs, "E1", "2026-03-02");
    assert_eq!(d["edges"].as_array().map(Vec::len), Some(6));
    for e in ["in1", "out1", "in2", "out2", "out3"] {
        assert_edge(d, e, "Normal", 0);
    }
    assert_edge(d, "in3", "Late", 12);
    assert_eq!(int(d, "scheduled_minutes"), 540);
    assert_eq!(int(d, "work_minutes"), 537);
}

const NO_CHECKOUT: &str = r#"
from = "2026-03-02"
to = "2026-03-04"
[[rules]]
id = "shop"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "fixed"
schedule = { segments = [{ start = "09:00", end = "18:00" }], break = ["12:00", "13:00"], no_checkout = true }
[[employees]]
id = "E1"
rule = "shop"
punches = ["2026-03-02 08:59", "2026-03-03 09:00", "2026-03-03 18:30"]
"#;

/// 无需下班打卡 (no_checkout). Mon 03-02: 08:59 only.
/// Expected: in1 Normal; out1 NotRequired ("a check-out the rule does not need"), not absent.
#[test]
fn no_checkout_rule_needs_only_the_check_in() {
    let recs = run(NO_CHECKOUT);
    let d = day(&recs, "E1", "2026-03-02");
    assert_edge(d, "in1", "Normal", 0);
    assert_edge(d, "out1", "NotRequired", 0);
    assert_eq!(
        reason(edge(d, "out1"), "not_required")["values"]["why"],
        "no_checkout"
    );
    assert_eq!(num(d, "absent_days"), 0.0);
    assert_eq!(d["attended"], true);
}

/// no_checkout. Tue 03-03: 09:00 and 18:30: a check-out that is present still gives the work
/// time: 570 - 60 = 510. Wed 03-04: no punch at all: the only required edge is Missing, so
/// every required edge is Missing -> 1 absent day.
#[test]
fn no_checkout_still_uses_a_present_check_out_and_misses_the_check_in() {
    let recs = run(NO_CHECKOUT);
    let d = day(&recs, "E1", "2026-03-03");
    assert_edge(d, "out1", "NotRequired", 0);
    assert_eq!(int(d, "work_minutes"), 510);
    let d = day(&recs, "E1", "2026-03-04");
    assert_edge(d, "in1", "Missing", 0);
    assert_edge(d, "out1", "NotRequired", 0);
    assert_eq!(num(d, "absent_days"), 1.0);
}

/// Office, Monday to Friday. Sat 2026-03-07 without punches.
/// Expected: a rest day, not required, every edge NotRequired (semantics: "every edge of a
/// non-workday"), no absence, nothing scheduled.
#[test]
fn rest_day_edges_are_not_required() {
    let recs = run(&office("2026-03-07", "2026-03-07", "", ""));
    let d = day(&recs, "E1", "2026-03-07");
    assert_eq!(d["day_type"], "rest_day");
    assert_eq!(d["required"], false);
    let edges = d["edges"].as_array().unwrap();
    assert!(!edges.is_empty());
    assert!(
        edges.iter().all(|e| e["status"] == "NotRequired"),
        "{edges:?}"
    );
    assert_eq!(num(d, "absent_days"), 0.0);
    assert_eq!(int(d, "scheduled_minutes"), 0);
    assert_eq!(d["attended"], false);
}

/// The day record carries what the semantics' "Day result" section lists: employee, date, rule
/// and version, day type and required, each edge's scheduled instant, punch, status and minutes,
/// ignored punches, work, overtime by category, absent days, leave, and the explanation.
#[test]
fn day_record_carries_every_listed_field() {
    let recs = run(&office(
        "2026-03-03",
        "2026-03-03",
        "late = { grace = 5 }",
        r#"punches = ["2026-03-03 09:07", "2026-03-03 18:00", "2026-03-03 18:00"]"#,
    ));
    let d = day(&recs, "E1", "2026-03-03");
    assert_eq!(d["employee"], "E1");
    assert_eq!(d["rule"]["id"], "office");
    assert_eq!(d["rule"]["version"], 1);
    assert_eq!(d["rule"]["time_zone"], "Asia/Shanghai");
    let in1 = edge(d, "in1");
    assert_eq!(in1["scheduled"], "2026-03-03T09:00:00+08:00");
    assert_eq!(in1["punch"], "2026-03-03T09:07:00+08:00");
    assert_eq!(in1["punch_source"], "punch");
    assert_edge(d, "in1", "Late", 7);
    assert_eq!(
        ignored(d),
        vec![("18:00".to_string(), "duplicate".to_string())]
    );
    assert!(d["leave"].is_array());
    assert!(d["overtime"]["workday"].is_i64());
    let en = d["explanation"]["en"].as_str().unwrap();
    let zh = d["explanation"]["zh"].as_str().unwrap();
    assert!(
        en.contains("late 7 min") && en.contains("Office v1"),
        "{en}"
    );
    assert!(zh.contains("迟到 7 分钟"), "{zh}");
}

/// The same day written as JSON gives the same result as TOML: Mon 03-02 09:07 in (grace 5 ->
/// Late 7), 18:00 out, punches in the detailed form with a source and a note.
#[test]
fn json_scenario_and_detailed_punches() {
    let toml_text = office(
        "2026-03-02",
        "2026-03-02",
        "late = { grace = 5 }",
        r#"punches = [{ at = "2026-03-02 09:07", source = "kiosk", note = "lobby" }, "2026-03-02 18:00"]"#,
    );
    let from_toml = run(&toml_text);
    let value: toml::Value = toml::from_str(&toml_text).unwrap();
    let from_json = run_named("office.json", &serde_json::to_string(&value).unwrap());
    assert_eq!(from_toml, from_json);
    let d = day(&from_json, "E1", "2026-03-02");
    assert_edge(d, "in1", "Late", 7);
    assert_eq!(int(d, "work_minutes"), 473);
}
