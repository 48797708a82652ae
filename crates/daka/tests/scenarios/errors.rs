//! Malformed scenario files: the real binary exits with status 2 and a message on stderr naming
//! the file, the line (where the format allows) and the field.

use crate::helpers::*;

/// A valid office scenario; each test breaks one line of it. Line numbers are 1-based.
const BASE: &str = r#"from = "2026-03-02"
to = "2026-03-03"
time_zone = "Asia/Shanghai"
[[rules]]
id = "office"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "fixed"
schedule = { segments = [{ start = "09:00", end = "18:00" }], break = ["12:00", "13:00"] }
late = { grace = 5 }
[[employees]]
id = "E1"
rule = "office"
punches = ["2026-03-02 09:00", "2026-03-02 18:00"]
"#;

struct Failure {
    stderr: String,
    file: String,
}

/// Runs the binary on `text` saved as `name`, expecting exit status 2 and no output.
fn fails(tag: &str, name: &str, text: &str) -> Failure {
    let path = write_temp(tag, name, text);
    let out = simulate_file(&path);
    assert_eq!(
        out.code,
        Some(2),
        "stdout: {}\nstderr: {}",
        out.stdout,
        out.stderr
    );
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", out.stdout);
    let file = path.display().to_string();
    assert!(
        out.stderr.contains(&file),
        "stderr names the file {file}: {}",
        out.stderr
    );
    if let Some(dir) = path.parent() {
        let _ = std::fs::remove_dir_all(dir);
    }
    Failure {
        stderr: out.stderr,
        file,
    }
}

impl Failure {
    /// Asserts `FILE:LINE:` and the given fragments in the message.
    #[track_caller]
    fn at_line(&self, line: usize, fragments: &[&str]) {
        let want = format!("{}:{line}:", self.file);
        assert!(
            self.stderr.contains(&want),
            "want {want} in: {}",
            self.stderr
        );
        self.says(fragments);
    }

    #[track_caller]
    fn says(&self, fragments: &[&str]) {
        for f in fragments {
            assert!(self.stderr.contains(f), "want {f:?} in: {}", self.stderr);
        }
    }
}

/// The base scenario runs (exit 0), so each failure below is caused by its one change.
#[test]
fn the_base_scenario_is_valid() {
    let out = simulate_text("err-base", "base.toml", BASE);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(days(&out.records).len(), 2);
}

/// TOML syntax error: an unterminated string on line 2.
#[test]
fn toml_syntax_error_names_file_and_line() {
    let text = BASE.replace(r#"to = "2026-03-03""#, r#"to = "2026-03-03"#);
    fails("err-syntax", "syntax.toml", &text).at_line(2, &[]);
}

/// Unknown field `gracee` in the rule's late thresholds (line 11).
#[test]
fn unknown_field_names_the_field_path() {
    let text = BASE.replace("late = { grace = 5 }", "late = { grace = 5, gracee = 1 }");
    fails("err-field", "field.toml", &text)
        .at_line(11, &["rules[0].versions[0].late.gracee", "unknown field"]);
}

/// Unknown top-level field (a typo of `employees`) is refused, not silently ignored.
#[test]
fn unknown_top_level_field() {
    let text = format!("{BASE}\n[[employes]]\nid = \"E2\"\n");
    fails("err-top", "top.toml", &text).says(&["employes"]);
}

/// Schedule time "25:00" (line 10).
#[test]
fn bad_schedule_time() {
    let text = BASE.replace(r#"end = "18:00""#, r#"end = "25:00""#);
    fails("err-time", "time.toml", &text).at_line(
        10,
        &["rules[0].versions[0].schedule.segments[0].end", "25:00"],
    );
}

/// Punch time "2026-03-02 25:00" (line 15, the second punch).
#[test]
fn bad_punch_time() {
    let text = BASE.replace("2026-03-02 18:00", "2026-03-02 25:00");
    fails("err-punch", "punch.toml", &text).at_line(15, &["employees[0].punches[1]", "25:00"]);
}

/// A local punch time that a DST change repeats (New York, 2026-11-01 01:30) must say which
/// instant it means.
#[test]
fn ambiguous_local_time_is_refused() {
    let text = BASE
        .replace(
            r#"time_zone = "Asia/Shanghai""#,
            r#"time_zone = "America/New_York""#,
        )
        .replace("2026-03-02 18:00", "2026-11-01 01:30");
    fails("err-dst", "dst.toml", &text).at_line(15, &["employees[0].punches[1]", "01:30"]);
}

/// Unknown rule id for an employee (line 14).
#[test]
fn unknown_rule_id() {
    let text = BASE.replace(r#"rule = "office""#, r#"rule = "ofice""#);
    fails("err-rule", "rule.toml", &text).at_line(14, &["employees[0].rule", "ofice"]);
}

/// A rota entry naming a shift the rota rule does not have.
#[test]
fn unknown_shift_code_in_rota() {
    let text = r#"from = "2026-03-02"
to = "2026-03-03"
[[rules]]
id = "plant"
[[rules.versions]]
effective_from = "2026-01-01"
time_zone = "Asia/Shanghai"
kind = "rota"
shifts = { D = { segments = [{ start = "08:00", end = "17:00" }] } }
[[employees]]
id = "P1"
rule = "plant"
rota = { 2026-03-02 = "D", 2026-03-03 = "X" }
"#;
    fails("err-shift", "shift.toml", text).at_line(13, &["employees[0].rota", "X"]);
}

/// JSON type error: `to` given as a number (line 2).
#[test]
fn json_type_error_names_line_and_field() {
    let text = "{\"from\": \"2026-03-02\",\n \"to\": 20260302,\n \"rules\": [], \"employees\": []}";
    fails("err-json", "bad.json", text).at_line(2, &["to", "invalid type"]);
}

/// JSON type error deeper down: punches given as a number.
#[test]
fn json_type_error_in_an_employee() {
    let text = r#"{"from": "2026-03-02", "to": "2026-03-02", "rules": [],
 "employees": [{"id": "E1", "rule": "x",
   "punches": 5}]}"#;
    fails("err-json2", "bad2.json", text).at_line(3, &["employees[0].punches"]);
}

/// JSON with a reference error (unknown rule): the field path is named (JSON errors found after
/// parsing carry no line).
#[test]
fn json_unknown_rule_names_the_field() {
    let text = BASE.replace(r#"rule = "office""#, r#"rule = "nope""#);
    let value: toml::Value = toml::from_str(&text).unwrap();
    let json = serde_json::to_string_pretty(&value).unwrap();
    fails("err-json3", "rule.json", &json).says(&["employees[0].rule", "nope"]);
}

/// An invalid threshold combination (serious not above grace) names the setting.
#[test]
fn invalid_setting_combination() {
    let text = BASE.replace("late = { grace = 5 }", "late = { grace = 5, serious = 5 }");
    fails("err-serious", "serious.toml", &text).at_line(11, &["rules[0].versions[0].late.serious"]);
}

/// A file that does not exist: exit 2, the path in the message.
#[test]
fn missing_file() {
    let dir = temp_dir("err-missing");
    let path = dir.join("nope.toml");
    let out = simulate_file(&path);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains(&path.display().to_string()),
        "{}",
        out.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The library reports the same error as a value: file, line/column and field.
#[test]
fn library_error_carries_file_line_and_field() {
    let text = BASE.replace(r#"rule = "office""#, r#"rule = "ofice""#);
    let e = load_error("lib.toml", &text);
    assert_eq!(e.file, std::path::PathBuf::from("lib.toml"));
    assert_eq!(e.at.map(|a| a.0), Some(14));
    assert_eq!(e.field, "employees[0].rule");
    assert!(e.to_string().starts_with("lib.toml:14:"), "{e}");
}
