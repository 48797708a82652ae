//! Effective-dated rule versions: each attendance day uses the version in force on that date,
//! and says which (`rule.version`); employees can change rules over time.

use crate::helpers::*;

/// Office with two versions: v1 from 2026-01-01 with no grace, v2 from Wed 2026-03-04 with a
/// 10 min grace. Tue 03-03 09:08 -> Late 8 under v1; Wed 03-04 09:08 -> Normal under v2.
/// Versions are listed out of date order in the file: the date decides, not the order.
const TWO_VERSIONS: &str = r#"
from = "2026-03-03"
to = "2026-03-04"
time_zone = "Asia/Shanghai"
[[rules]]
id = "office"
name = "Office"
[[rules.versions]]
effective_from = "2026-03-04"
version = 2
time_zone = "Asia/Shanghai"
kind = "fixed"
schedule = { segments = [{ start = "09:00", end = "18:00" }], break = ["12:00", "13:00"] }
late = { grace = 10 }
[[rules.versions]]
effective_from = "2026-01-01"
version = 1
time_zone = "Asia/Shanghai"
kind = "fixed"
schedule = { segments = [{ start = "09:00", end = "18:00" }], break = ["12:00", "13:00"] }
late = { grace = 0 }
[[employees]]
id = "E1"
rule = "office"
punches = ["2026-03-03 09:08", "2026-03-03 18:00", "2026-03-04 09:08", "2026-03-04 18:00"]
"#;

#[test]
fn each_day_uses_the_version_in_force() {
    let recs = run(TWO_VERSIONS);
    let tue = day(&recs, "E1", "2026-03-03");
    assert_eq!(tue["rule"]["version"], 1);
    assert_eq!(tue["rule"]["effective_from"], "2026-01-01");
    assert_edge(tue, "in1", "Late", 8);
    assert!(
        tue["explanation"]["en"]
            .as_str()
            .unwrap()
            .contains("Office v1")
    );
    let wed = day(&recs, "E1", "2026-03-04");
    assert_eq!(wed["rule"]["version"], 2);
    assert_eq!(wed["rule"]["effective_from"], "2026-03-04");
    assert_edge(wed, "in1", "Normal", 0);
    assert!(
        wed["explanation"]["en"]
            .as_str()
            .unwrap()
            .contains("Office v2")
    );
}

/// Version numbers default to the position in the list, from 1; an explicit number is kept:
/// versions[0] (from 2026-01-01, no number) is v1, versions[1] (from 03-04, version = 7) is v7.
/// v7 moves the start to 08:30 (08:30-17:30): Wed 03-04 08:40 -> Late 10 under v7 (grace 5),
/// while Tue 03-03 08:40 is Normal under v1 (start 09:00).
#[test]
fn schedule_change_and_version_numbers() {
    let recs = run(r#"
from = "2026-03-03"
to = "2026-03-04"
[[rules]]
id = "office"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "fixed"
schedule = { segments = [{ start = "09:00", end = "18:00" }], break = ["12:00", "13:00"] }
late = { grace = 5 }
[[rules.versions]]
effective_from = "2026-03-04"
version = 7
time_zone = "Asia/Shanghai"
kind = "fixed"
schedule = { segments = [{ start = "08:30", end = "17:30" }], break = ["12:00", "13:00"] }
late = { grace = 5 }
[[employees]]
id = "E1"
rule = "office"
punches = ["2026-03-03 08:40", "2026-03-03 18:00", "2026-03-04 08:40", "2026-03-04 17:30"]
"#);
    let tue = day(&recs, "E1", "2026-03-03");
    assert_eq!(tue["rule"]["version"], 1);
    assert_edge(tue, "in1", "Normal", 0);
    let wed = day(&recs, "E1", "2026-03-04");
    assert_eq!(wed["rule"]["version"], 7);
    assert_eq!(hm(edge(wed, "in1"), "scheduled"), "08:30");
    assert_edge(wed, "in1", "Late", 10);
    assert_edge(wed, "out1", "Normal", 0);
}

/// A night shift that starts under v1 and ends on the day v2 takes effect is judged by v1 (the
/// version of its attendance day). v1: early grace 0; v2 (from Wed 03-04): early grace 30.
/// Tue 03-03 22:00 in, Wed 03-04 05:40 out -> Tuesday, v1: Early 20.
#[test]
fn a_night_shift_is_judged_by_the_version_of_its_start_day() {
    let recs = run(r#"
from = "2026-03-03"
to = "2026-03-03"
[[rules]]
id = "night"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "fixed"
schedule = { segments = [{ start = "22:00", end = "06:00+1" }] }
early = { grace = 0 }
[[rules.versions]]
effective_from = "2026-03-04"
time_zone = "Asia/Shanghai"
kind = "fixed"
schedule = { segments = [{ start = "22:00", end = "06:00+1" }] }
early = { grace = 30 }
[[employees]]
id = "E1"
rule = "night"
punches = ["2026-03-03 22:00", "2026-03-04 05:40"]
"#);
    let tue = day(&recs, "E1", "2026-03-03");
    assert_eq!(tue["rule"]["version"], 1);
    assert_edge(tue, "out1", "Early", 20);
}

/// An employee moving from the office rule to a night rule on Wed 03-04 (`rules` with dates):
/// Tue 03-03 is "office" (09:00-18:00), Wed 03-04 is "night" (22:00-06:00+1).
#[test]
fn employee_changes_rule_on_a_date() {
    let recs = run(r#"
from = "2026-03-03"
to = "2026-03-04"
time_zone = "Asia/Shanghai"
[[rules]]
id = "office"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "fixed"
schedule = { segments = [{ start = "09:00", end = "18:00" }], break = ["12:00", "13:00"] }
[[rules]]
id = "night"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "fixed"
schedule = { segments = [{ start = "22:00", end = "06:00+1" }] }
[[employees]]
id = "E1"
rules = [{ rule = "office", from = "2026-01-01" }, { rule = "night", from = "2026-03-04" }]
punches = ["2026-03-03 09:00", "2026-03-03 18:00", "2026-03-04 22:00", "2026-03-05 06:00"]
"#);
    let tue = day(&recs, "E1", "2026-03-03");
    assert_eq!(tue["rule"]["id"], "office");
    assert_eq!(int(tue, "work_minutes"), 480);
    let wed = day(&recs, "E1", "2026-03-04");
    assert_eq!(wed["rule"]["id"], "night");
    assert_edge(wed, "in1", "Normal", 0);
    assert_edge(wed, "out1", "Normal", 0);
    assert_eq!(int(wed, "work_minutes"), 480);
}

/// active_from / active_to: an employee who joins on Tue 03-03 and leaves after Wed 03-04 has
/// results for those two days only (no absences before joining or after leaving).
#[test]
fn days_outside_employment_have_no_result() {
    let text = office(
        "2026-03-02",
        "2026-03-05",
        "",
        "active_from = \"2026-03-03\"\nactive_to = \"2026-03-04\"",
    );
    let recs = run(&text);
    assert!(!has_day(&recs, "E1", "2026-03-02"));
    assert!(has_day(&recs, "E1", "2026-03-03"));
    assert!(has_day(&recs, "E1", "2026-03-04"));
    assert!(!has_day(&recs, "E1", "2026-03-05"));
    let m = month(&recs, "E1", "2026-03");
    assert_eq!(int(m, "days"), 2);
    assert_eq!(int(m, "required_days"), 2);
    assert_eq!(num(m, "absent_days"), 2.0);
}
