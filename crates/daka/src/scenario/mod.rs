//! Scenario files for `daka simulate`: loading (TOML or JSON), checking, and turning them into the
//! engine's facts. Every error names the file, the place (line and column where the format
//! allows) and the field.

mod build;
mod locate;
mod spec;
mod times;

use std::fmt;
use std::path::{Path, PathBuf};

use daka_core::{EmployeeFacts, Engine};
use jiff::civil::Date;

pub use spec::ScenarioSpec;

/// A loaded, checked scenario.
pub struct Scenario {
    pub name: Option<String>,
    pub engine: Engine,
    pub employees: Vec<EmployeeFacts>,
    pub from: Date,
    pub to: Date,
}

#[derive(Debug)]
pub struct ScenarioError {
    pub file: PathBuf,
    /// 1-based line and column.
    pub at: Option<(usize, usize)>,
    /// The field, as a path such as `employees[0].punches[3]`.
    pub field: String,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((l, c)) = self.at {
            write!(f, ":{l}:{c}")?;
        }
        if self.field.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": {}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for ScenarioError {}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Toml,
    Json,
}

fn format_of(path: &Path, text: &str) -> Format {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("json") => Format::Json,
        Some(e) if e.eq_ignore_ascii_case("toml") => Format::Toml,
        _ if text.trim_start().starts_with('{') => Format::Json,
        _ => Format::Toml,
    }
}

/// Converts serde_path_to_error's path (`employees[0].punches[1]`) to our notation, which is the
/// same except for the root `.`.
fn path_str(p: &serde_path_to_error::Path) -> String {
    let s = p.to_string();
    if s == "." { String::new() } else { s }
}

fn parse(path: &Path, text: &str) -> Result<ScenarioSpec, ScenarioError> {
    let err = |at, field: String, message: String| ScenarioError {
        file: path.to_path_buf(),
        at,
        field,
        message,
    };
    match format_of(path, text) {
        Format::Json => {
            let mut de = serde_json::Deserializer::from_str(text);
            serde_path_to_error::deserialize(&mut de).map_err(|e| {
                let field = path_str(e.path());
                let inner = e.into_inner();
                let at = (inner.line() > 0).then(|| (inner.line(), inner.column()));
                // serde_json appends " at line L column C"; the location is reported separately.
                let msg = inner.to_string();
                let msg = match msg.rfind(" at line ") {
                    Some(i) => msg[..i].to_string(),
                    None => msg,
                };
                err(at, field, msg)
            })
        }
        Format::Toml => {
            let de = toml::Deserializer::parse(text).map_err(|e| {
                let at = e.span().map(|s| locate::line_col(text, s.start));
                err(at, String::new(), e.message().to_string())
            })?;
            serde_path_to_error::deserialize(de).map_err(|e| {
                let field = path_str(e.path());
                let inner = e.into_inner();
                let at = inner
                    .span()
                    .map(|s| locate::line_col(text, s.start))
                    .or_else(|| locate::toml_line(text, &field));
                err(at, field, hint(inner.message()))
            })
        }
    }
}

/// TOML's own dates (unquoted `2026-03-02`) reach serde as a table; say what to write instead.
fn hint(msg: &str) -> String {
    let toml_datetime = msg.contains("$__toml_private_datetime")
        || (msg.contains("invalid type: map") && (msg.contains("date") || msg.contains("string")));
    if toml_datetime {
        format!("{msg} (write dates and times as quoted strings, e.g. \"2026-03-02\")")
    } else {
        msg.to_string()
    }
}

/// Reads, parses and checks a scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: path.to_path_buf(),
        at: None,
        field: String::new(),
        message: format!("cannot read the file: {e}"),
    })?;
    load_str(path, &text)
}

/// Parses and checks scenario text; `path` names it in errors and anchors relative calendar files.
pub fn load_str(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let spec = parse(path, text)?;
    let base = path.parent().unwrap_or(Path::new("."));
    build::build(spec, base).map_err(|e| {
        let at = match format_of(path, text) {
            Format::Toml => locate::toml_line(text, &e.path),
            Format::Json => None,
        };
        ScenarioError {
            file: path.to_path_buf(),
            at,
            field: e.path,
            message: e.message,
        }
    })
}
