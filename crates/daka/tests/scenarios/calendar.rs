//! Which days are workdays: weekly pattern, 大小周, company special days, China's national
//! holidays and 调休 make-up workdays, follow_national_calendar = false, and year files.

use crate::helpers::*;
use serde_json::Value;

/// (required, day_type, day_basis) of a day.
fn kind<'a>(recs: &'a [Value], date: &str) -> (bool, &'a str, &'a str) {
    let d = day(recs, "E1", date);
    (
        d["required"].as_bool().unwrap(),
        d["day_type"].as_str().unwrap(),
        d["day_basis"].as_str().unwrap(),
    )
}

/// workdays = Monday to Saturday: Sat 03-07 is a workday (no punch -> absent 1), Sun 03-08
/// a rest day.
#[test]
fn weekly_pattern_with_saturdays() {
    let recs = run(&office(
        "2026-03-07",
        "2026-03-08",
        r#"workdays = ["mon", "tue", "wed", "thu", "fri", "sat"]"#,
        "",
    ));
    assert_eq!(
        kind(&recs, "2026-03-07"),
        (true, "workday", "weekly_pattern")
    );
    assert_eq!(num(day(&recs, "E1", "2026-03-07"), "absent_days"), 1.0);
    assert_eq!(
        kind(&recs, "2026-03-08"),
        (false, "rest_day", "weekly_pattern")
    );
}

/// 大小周 anchored on Wed 2026-03-04: the week Mon 03-02 .. Sun 03-08 is a "big" week (Monday to
/// Saturday), the weeks around it "small" (Monday to Friday), alternating forever both ways.
/// Forward: Sat 03-07 work, 03-14 rest, 03-21 work, 03-28 rest. Backward: Sat 01-10 (8 weeks
/// before: big) work, Sat 01-17 (7 weeks before: small) rest.
#[test]
fn alternating_weeks_forward_and_backward() {
    let recs = run(&office(
        "2026-01-10",
        "2026-03-28",
        r#"alternating_weeks = { anchor = "2026-03-04", anchor_week = ["mon", "tue", "wed", "thu", "fri", "sat"], other_week = ["mon", "tue", "wed", "thu", "fri"] }"#,
        "",
    ));
    assert_eq!(
        kind(&recs, "2026-03-07"),
        (true, "workday", "alternating_anchor_week")
    );
    assert_eq!(
        kind(&recs, "2026-03-14"),
        (false, "rest_day", "alternating_other_week")
    );
    assert_eq!(
        kind(&recs, "2026-03-21"),
        (true, "workday", "alternating_anchor_week")
    );
    assert_eq!(
        kind(&recs, "2026-03-28"),
        (false, "rest_day", "alternating_other_week")
    );
    assert_eq!(
        kind(&recs, "2026-01-10"),
        (true, "workday", "alternating_anchor_week")
    );
    assert_eq!(
        kind(&recs, "2026-01-17"),
        (false, "rest_day", "alternating_other_week")
    );
    assert!(kind(&recs, "2026-03-13").0, "Fridays work in both weeks");
}

/// Weeks run Monday to Sunday: anchored on Sun 2026-03-08, the anchor week is Mon 03-02 .. Sun
/// 03-08, so Sat 03-07 is a big-week Saturday (work) and Sat 03-14 a small-week one (rest).
#[test]
fn alternating_weeks_run_monday_to_sunday() {
    let recs = run(&office(
        "2026-03-07",
        "2026-03-14",
        r#"alternating_weeks = { anchor = "2026-03-08", anchor_week = ["mon", "tue", "wed", "thu", "fri", "sat"], other_week = ["mon", "tue", "wed", "thu", "fri"] }"#,
        "",
    ));
    assert!(kind(&recs, "2026-03-07").0);
    assert!(!kind(&recs, "2026-03-14").0);
}

/// The national calendar outranks the alternating pattern: Sat 2026-02-28 falls in a small week
/// (anchor 2026-03-04) but is a national 调休 make-up workday -> workday; Sat 2026-02-21 falls in
/// a big week but is in the Spring Festival holiday -> not a workday (holiday, not statutory).
#[test]
fn national_days_outrank_alternating_weeks() {
    let recs = run(&office(
        "2026-02-21",
        "2026-02-28",
        r#"alternating_weeks = { anchor = "2026-03-04", anchor_week = ["mon", "tue", "wed", "thu", "fri", "sat"], other_week = ["mon", "tue", "wed", "thu", "fri"] }"#,
        "",
    ));
    assert_eq!(
        kind(&recs, "2026-02-28"),
        (true, "workday", "national_makeup_workday")
    );
    assert_eq!(
        kind(&recs, "2026-02-21"),
        (false, "holiday", "national_holiday")
    );
}

/// China 2026, 劳动节: Fri 05-01 statutory holiday; Mon 05-04 inside the holiday range but not
/// statutory; Sat 05-09 a 调休 make-up workday (no punch -> absent 1).
#[test]
fn national_holidays_and_makeup_workday() {
    let recs = run(&office("2026-05-01", "2026-05-09", "", ""));
    let may1 = day(&recs, "E1", "2026-05-01");
    assert_eq!(
        kind(&recs, "2026-05-01"),
        (false, "holiday", "national_holiday")
    );
    assert_eq!(may1["holiday"]["name"], "劳动节");
    assert_eq!(may1["holiday"]["statutory"], true);
    assert_eq!(num(may1, "absent_days"), 0.0);
    let may4 = day(&recs, "E1", "2026-05-04");
    assert_eq!(may4["required"], false);
    assert_eq!(may4["holiday"]["statutory"], false);
    assert_eq!(num(may4, "absent_days"), 0.0);
    let may9 = day(&recs, "E1", "2026-05-09");
    assert_eq!(
        kind(&recs, "2026-05-09"),
        (true, "workday", "national_makeup_workday")
    );
    assert_eq!(may9["holiday"]["name"], "劳动节调休上班");
    assert_eq!(num(may9, "absent_days"), 1.0);
    let m = month(&recs, "E1", "2026-05");
    // 05-06, 05-07, 05-08 (Wed-Fri) and the make-up Saturday 05-09.
    assert_eq!(int(m, "required_days"), 4);
}

/// Spring Festival 2026: Sat 02-14 and Sat 02-28 make-up workdays; 02-15 .. 02-23 off, with
/// 02-16 .. 02-19 statutory. Required days from 02-14 to 02-28: 02-14, 02-24 .. 02-27, 02-28 = 6.
#[test]
fn spring_festival_2026() {
    let recs = run(&office("2026-02-14", "2026-02-28", "", ""));
    assert!(kind(&recs, "2026-02-14").0);
    assert!(kind(&recs, "2026-02-28").0);
    for d in 15..=23 {
        let date = format!("2026-02-{d}");
        let r = day(&recs, "E1", &date);
        assert_eq!(r["required"], false, "{date}");
        assert_eq!(r["day_type"], "holiday", "{date}");
        assert_eq!(
            r["holiday"]["statutory"],
            (16..=19).contains(&d),
            "{date} statutory flag"
        );
    }
    assert_eq!(int(month(&recs, "E1", "2026-02"), "required_days"), 6);
}

/// follow_national_calendar = false: Fri 2026-05-01 is an ordinary Friday (workday by the weekly
/// pattern, no holiday attached) and Sat 05-09 an ordinary Saturday (rest day).
#[test]
fn rule_not_following_the_national_calendar() {
    let recs = run(&office(
        "2026-05-01",
        "2026-05-09",
        "follow_national_calendar = false",
        "",
    ));
    assert_eq!(
        kind(&recs, "2026-05-01"),
        (true, "workday", "weekly_pattern")
    );
    assert!(day(&recs, "E1", "2026-05-01")["holiday"].is_null());
    assert_eq!(
        kind(&recs, "2026-05-09"),
        (false, "rest_day", "weekly_pattern")
    );
    assert_eq!(int(month(&recs, "E1", "2026-05"), "required_days"), 6);
}

/// Company special days outrank everything else: company day off Fri 03-06 (rest day, worked
/// 10:00-12:00 -> rest-day overtime 120) and company workday Sat 03-07 (no punch -> absent 1).
/// Company workday Mon 05-04 (a national day off) -> workday; company day off Sat 05-09 (a
/// national make-up workday) -> not required.
#[test]
fn company_special_days_outrank_calendar_and_pattern() {
    let text = office(
        "2026-03-06",
        "2026-05-09",
        "",
        r#"punches = ["2026-03-06 10:00", "2026-03-06 12:00"]"#,
    )
    .replace(
        "[[rules]]",
        r#"[company]
days_off = ["2026-03-06", "2026-05-09"]
workdays = ["2026-03-07", "2026-05-04"]

[[rules]]"#,
    );
    let recs = run(&text);
    assert_eq!(
        kind(&recs, "2026-03-06"),
        (false, "rest_day", "company_day_off")
    );
    assert_eq!(overtime(day(&recs, "E1", "2026-03-06")), (0, 120, 0));
    assert_eq!(
        kind(&recs, "2026-03-07"),
        (true, "workday", "company_workday")
    );
    assert_eq!(num(day(&recs, "E1", "2026-03-07"), "absent_days"), 1.0);
    assert_eq!(
        kind(&recs, "2026-05-04"),
        (true, "workday", "company_workday")
    );
    let may9 = kind(&recs, "2026-05-09");
    assert_eq!((may9.0, may9.2), (false, "company_day_off"));
}

/// A rule's own special days (engine extension; the semantics list company, national, weekly):
/// rule day off Thu 03-05 -> not required; rule workday Sun 03-08 -> required.
#[test]
fn rule_special_days() {
    let recs = run(&office(
        "2026-03-05",
        "2026-03-08",
        r#"special_days = { days_off = ["2026-03-05"], workdays = ["2026-03-08"] }"#,
        "",
    ));
    assert_eq!(
        kind(&recs, "2026-03-05"),
        (false, "rest_day", "rule_day_off")
    );
    assert_eq!(kind(&recs, "2026-03-08"), (true, "workday", "rule_workday"));
}

const YEAR_2027: &str = r#"{
  "year": 2027,
  "source": "test calendar",
  "days": [
    {"date": "2027-01-01", "kind": "off", "name": "元旦", "statutory": true},
    {"date": "2027-01-04", "kind": "off", "name": "测试假日", "statutory": false},
    {"date": "2027-01-09", "kind": "work", "name": "测试调休上班", "statutory": false}
  ]
}"#;

fn scenario_2027(files: &str) -> String {
    office("2027-01-01", "2027-01-09", "", "").replace(
        "time_zone = \"Asia/Shanghai\"\n\n[[rules]]",
        &format!("time_zone = \"Asia/Shanghai\"\ncalendar_files = [{files}]\n\n[[rules]]"),
    )
}

/// A year loaded from `calendar_files` (relative to the scenario file): Fri 2027-01-01
/// statutory holiday, Mon 01-04 day off (not statutory), Sat 01-09 make-up workday. Worked
/// 01-01 09:00-17:00 -> holiday overtime 480. Loaded through the library and the real binary.
#[test]
fn year_loaded_from_a_calendar_file() {
    let dir = temp_dir("calendar");
    std::fs::write(dir.join("cn-2027.json"), YEAR_2027).unwrap();
    let text = scenario_2027(r#""cn-2027.json""#).replace(
        "rule = \"office\"",
        "rule = \"office\"\npunches = [\"2027-01-01 09:00\", \"2027-01-01 17:00\"]",
    );
    let path = dir.join("year.toml");
    std::fs::write(&path, &text).unwrap();
    let recs = run_named(path.to_str().unwrap(), &text);
    assert_eq!(
        kind(&recs, "2027-01-01"),
        (false, "holiday", "national_holiday")
    );
    assert_eq!(overtime(day(&recs, "E1", "2027-01-01")), (0, 0, 480));
    assert_eq!(
        kind(&recs, "2027-01-04"),
        (false, "holiday", "national_holiday")
    );
    assert_eq!(
        kind(&recs, "2027-01-09"),
        (true, "workday", "national_makeup_workday")
    );
    assert!(
        !reason_codes(day(&recs, "E1", "2027-01-05")).contains(&"calendar_year_missing".into())
    );

    // The real binary, started from another directory, finds the file beside the scenario.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_daka"))
        .current_dir(std::env::temp_dir())
        .arg("simulate")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(kind(&lines, "2027-01-09").0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Without the 2027 file, Fri 2027-01-01 falls back to the weekly pattern (a workday) and the
/// day says the year is not loaded (reason `calendar_year_missing`).
#[test]
fn missing_year_falls_back_with_a_warning() {
    let recs = run(&office("2027-01-01", "2027-01-01", "", ""));
    assert_eq!(
        kind(&recs, "2027-01-01"),
        (true, "workday", "weekly_pattern")
    );
    assert!(reason_codes(day(&recs, "E1", "2027-01-01")).contains(&"calendar_year_missing".into()));
}

/// national_calendar = "none": no built-in holidays, Fri 2026-05-01 is a workday by the weekly
/// pattern.
#[test]
fn scenario_without_a_national_calendar() {
    let text = office("2026-05-01", "2026-05-01", "", "").replace(
        "time_zone = \"Asia/Shanghai\"\n\n[[rules]]",
        "time_zone = \"Asia/Shanghai\"\nnational_calendar = \"none\"\n\n[[rules]]",
    );
    let recs = run(&text);
    assert_eq!(
        kind(&recs, "2026-05-01"),
        (true, "workday", "weekly_pattern")
    );
}
