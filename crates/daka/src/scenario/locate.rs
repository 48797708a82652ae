//! Finds the line of a field path (`employees[2].punches[0]`) in a TOML document, so errors found
//! after parsing still point at the place in the file.

use toml::de::{DeTable, DeValue};

enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Step::Key(key.trim_matches('"')));
        }
        for idx in rest.split('[').filter(|s| !s.is_empty()) {
            if let Ok(n) = idx.trim_end_matches(']').parse() {
                out.push(Step::Index(n));
            }
        }
    }
    out
}

/// 1-based line and column of the deepest existing value along `path`.
pub fn toml_line(text: &str, path: &str) -> Option<(usize, usize)> {
    let root = DeTable::parse(text).ok()?;
    let mut span = root.span();
    let mut cur = DeValue::Table(root.into_inner());
    for step in steps(path) {
        let next = match step {
            Step::Key(k) => cur.get(k),
            Step::Index(i) => cur.get(i),
        };
        let Some(next) = next else { break };
        span = next.span();
        let inner = next.get_ref().clone();
        cur = inner;
    }
    Some(line_col(text, span.start))
}

pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.len(), |i| before.len() - i - 1)
        + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_lines() {
        let text = "from = 1\n[[employees]]\nid = \"a\"\n[[employees]]\nid = \"b\"\npunches = [\"x\",\n \"y\"]\n";
        assert_eq!(toml_line(text, "employees[1].id").map(|l| l.0), Some(5));
        assert_eq!(
            toml_line(text, "employees[1].punches[1]").map(|l| l.0),
            Some(7)
        );
    }
}
