//! The rota CSV file: a header `employee_no,date,shift`, then one row per employee and date.
//! UTF-8, an optional BOM, `\n` or `\r\n` line ends; blank lines are skipped. No quoting: each
//! field is trimmed (employee numbers and shift codes hold no commas). Line numbers count the
//! header as line 1.

use std::collections::HashMap;

use serde::Serialize;

use crate::fields::is_date;

pub const HEADER: [&str; 3] = ["employee_no", "date", "shift"];

/// A row with three fields; `valid` when its date and shift are well-formed and it is no
/// duplicate (a row that is not still has its employee number checked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvRow {
    pub line: usize,
    pub valid: bool,
    pub employee_no: String,
    pub date: String,
    pub shift: String,
}

/// What is wrong with a line of the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: usize,
    pub field: String,
    pub message: String,
}

impl RowError {
    pub fn new(line: usize, field: &str, message: impl Into<String>) -> Self {
        Self {
            line,
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Every row with three fields and every error of the file's own shape (fields, dates,
/// duplicates).
pub fn parse(text: &str) -> (Vec<CsvRow>, Vec<RowError>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut lines = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)));
    let header = lines.next().map(|(_, l)| l).unwrap_or("");
    let names: Vec<String> = header.split(',').map(|f| f.trim().to_lowercase()).collect();
    if names != HEADER {
        errors.push(RowError::new(
            1,
            "header",
            format!("the first line must be `{}`", HEADER.join(",")),
        ));
        return (rows, errors);
    }
    // (employee_no, date) -> the line that gave it first.
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for (line, text) in lines {
        if text.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = text.split(',').map(str::trim).collect();
        let [employee_no, date, shift] = fields[..] else {
            errors.push(RowError::new(
                line,
                "row",
                format!(
                    "has {} fields; expected 3 (employee_no,date,shift)",
                    fields.len()
                ),
            ));
            continue;
        };
        let mut row = CsvRow {
            line,
            valid: false,
            employee_no: employee_no.to_string(),
            date: date.to_string(),
            shift: shift.to_string(),
        };
        let mut ok = true;
        for (field, value) in [("employee_no", employee_no), ("shift", shift)] {
            if value.is_empty() {
                errors.push(RowError::new(line, field, "must not be empty"));
                ok = false;
            }
        }
        if !is_date(date) {
            errors.push(RowError::new(
                line,
                "date",
                format!("`{date}` is not a date written YYYY-MM-DD"),
            ));
            ok = false;
        }
        let key = (employee_no.to_string(), date.to_string());
        if let Some(first) = seen.get(&key).filter(|_| ok) {
            errors.push(RowError::new(
                line,
                "date",
                format!("{employee_no} already has a row for {date} (line {first})"),
            ));
            ok = false;
        }
        if ok {
            seen.insert(key, line);
        }
        row.valid = ok;
        rows.push(row);
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(RowError::new(
            1,
            "rows",
            "the file has no rows after the header",
        ));
    }
    (rows, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_crlf_and_trailing_blank_lines() {
        let (rows, errors) = parse("\u{feff}employee_no,date,shift\r\nE1, 2026-12-01 ,D\r\n\r\n\n");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].date, "2026-12-01");
    }

    #[test]
    fn every_error_with_its_line() {
        let text = "employee_no,date,shift\nE1,2026-12-01,D\nE1,2026-02-30,D\nE2,2026-12-01\n,2026-12-02,N\nE1,2026-12-01,N\n";
        let (rows, errors) = parse(text);
        assert_eq!(rows.iter().filter(|r| r.valid).count(), 1);
        let got: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(
            got,
            vec![(3, "date"), (4, "row"), (5, "employee_no"), (6, "date")]
        );
    }

    #[test]
    fn header_and_empty_files() {
        assert_eq!(parse("").1[0].field, "header");
        assert_eq!(parse("no,date,shift\nE1,2026-12-01,D").1[0].field, "header");
        assert_eq!(parse("employee_no,date,shift\n\n").1[0].field, "rows");
    }
}
