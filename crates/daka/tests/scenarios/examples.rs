//! Every example scenario in the repository runs through the real binary: exit 0 and every
//! line a JSON object with a `record` kind.

use std::path::PathBuf;

use crate::helpers::*;

fn examples() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e == "toml" || e == "json")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_example_runs_and_prints_json_lines() {
    let files = examples();
    assert!(!files.is_empty(), "no examples found");
    for path in files {
        let out = simulate_file(&path);
        assert_eq!(
            out.code,
            Some(0),
            "{}: exit {:?}\n{}",
            path.display(),
            out.code,
            out.stderr
        );
        assert!(!out.records.is_empty(), "{}: no output", path.display());
        assert_eq!(out.records.len(), out.stdout.lines().count());
        for r in &out.records {
            assert!(
                r["record"] == "day" || r["record"] == "month",
                "{}: {r}",
                path.display()
            );
        }
        assert!(
            out.records.iter().any(|r| r["record"] == "month"),
            "{}: --month prints summaries",
            path.display()
        );
    }
}

/// The office example, checked by hand (examples/office.toml: grace 5, serious 30, absent 120;
/// early grace 0; overtime start_delay 30, minimum 30, unit 30).
/// Mon 08:55-18:02 Normal; Tue 09:07 Late 7 with a duplicate 18:00; Wed 17:30 Early 30;
/// Thu 08:50 only: out1 Missing; Fri 08:59-20:45: overtime 20:45 - 18:30 = 135 -> 120.
#[test]
fn office_example_by_hand() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/office.toml");
    let out = simulate_file(&path);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let r = &out.records;
    assert_edge(day(r, "E001", "2026-03-02"), "in1", "Normal", 0);
    let tue = day(r, "E001", "2026-03-03");
    assert_edge(tue, "in1", "Late", 7);
    assert_eq!(
        ignored(tue),
        vec![("18:00".to_string(), "duplicate".to_string())]
    );
    assert_edge(day(r, "E001", "2026-03-04"), "out1", "Early", 30);
    assert_edge(day(r, "E001", "2026-03-05"), "out1", "Missing", 0);
    assert_eq!(overtime(day(r, "E001", "2026-03-06")), (120, 0, 0));
    let m = month(r, "E001", "2026-03");
    assert_eq!(int(m, "required_days"), 5);
    assert_eq!(int(m, "late_count"), 1);
    assert_eq!(int(m, "early_minutes"), 30);
    assert_eq!(int(m, "missing_punches"), 1);
    assert_eq!(m["perfect_attendance"], false);
}
