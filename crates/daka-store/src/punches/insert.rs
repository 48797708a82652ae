//! Writing punches: many rows per statement (the group-commit writer gathers the punches of
//! every request in its group), a client id already stored answered with its first answer.

use std::collections::HashSet;

use sqlx::{AnyConnection, Row};

use super::{Inserted, NewPunch, Recorded};
use crate::error::Result;

const COLUMNS: usize = 16;

/// Most rows in one statement (16 binds each; SQLite allows 32,766). A group of up to this
/// many is one statement, atomic without a savepoint.
pub(crate) const MAX_ROWS: usize = 512;

/// SQLite gets anonymous `?` parameters: numbered ones are looked up by name on every bind,
/// a cost that grows with the square of the statement's parameters.
fn insert_sql(rows: usize, sqlite: bool) -> String {
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let binds: Vec<String> = (1..=COLUMNS)
                .map(|c| match sqlite {
                    true => "?".to_string(),
                    false => format!("${}", r * COLUMNS + c),
                })
                .collect();
            format!("({})", binds.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO punches (tenant_id, id, client_id, employee_id, at, device_at, received_at, \
         time_flag, source, device_id, submitted_by, decision, note, photo_id, location, answer) \
         VALUES {} ON CONFLICT (tenant_id, client_id) DO NOTHING RETURNING id",
        values.join(", ")
    )
}

/// Statement sizes for `n` rows: as few as `MAX_ROWS` allows (a statement per distinct size
/// stays prepared in the connection's cache).
fn chunks(mut n: usize) -> Vec<usize> {
    let mut out = Vec::new();
    while n > 0 {
        let size = n.min(MAX_ROWS);
        out.push(size);
        n -= size;
    }
    out
}

/// Inserts `(tenant id, punch)` rows, answering each in order: `New`, or the answer already
/// stored under its client id (by another request, or earlier in `rows`). One failing row
/// fails the call; the caller decides what to roll back.
pub(crate) async fn insert_many(
    c: &mut AnyConnection,
    rows: &[(&str, &NewPunch)],
) -> Result<Vec<Inserted>> {
    let sqlite = c.backend_name().eq_ignore_ascii_case("sqlite");
    let mut stored: HashSet<String> = HashSet::with_capacity(rows.len());
    let mut at = 0;
    for size in chunks(rows.len()) {
        let sql = insert_sql(size, sqlite);
        let mut q = sqlx::query(&sql);
        for (tenant, p) in &rows[at..at + size] {
            q = q
                .bind(*tenant)
                .bind(&p.id)
                .bind(&p.client_id)
                .bind(&p.employee_id)
                .bind(p.at)
                .bind(p.device_at)
                .bind(p.received_at)
                .bind(&p.time_flag)
                .bind(&p.source)
                .bind(&p.device_id)
                .bind(&p.submitted_by)
                .bind(&p.decision)
                .bind(&p.note)
                .bind(&p.photo_id)
                .bind(&p.location)
                .bind(&p.answer);
        }
        for r in q.fetch_all(&mut *c).await? {
            stored.insert(r.try_get(0)?);
        }
        at += size;
    }
    let mut out = Vec::with_capacity(rows.len());
    for (tenant, p) in rows {
        if stored.contains(&p.id) {
            out.push(Inserted::New);
            continue;
        }
        let r = sqlx::query(
            "SELECT employee_id, answer FROM punches WHERE tenant_id = $1 AND client_id = $2",
        )
        .bind(*tenant)
        .bind(&p.client_id)
        .fetch_one(&mut *c)
        .await?;
        out.push(Inserted::Existing(Recorded {
            employee_id: r.try_get(0)?,
            answer: r.try_get(1)?,
        }));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::chunks;

    #[test]
    fn chunks_cover_n_with_fewest_statements() {
        assert_eq!(chunks(0), Vec::<usize>::new());
        assert_eq!(chunks(37), vec![37]);
        assert_eq!(chunks(512), vec![512]);
        assert_eq!(chunks(1100), vec![512, 512, 76]);
    }
}
