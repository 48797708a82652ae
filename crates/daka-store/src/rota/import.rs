//! Importing a rota CSV file: every row is checked first (the file's shape, then employees and
//! shift codes against the rule in force), and only a file without errors is written, all rows
//! in one transaction with one audit entry.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;
use sqlx::Row;

use super::csv::{RowError, parse};
use super::{RotaEntry, upsert};
use crate::audit::{self, lock_tenant};
use crate::db::Store;
use crate::error::Result;
use crate::rules::resolve::Resolver;
use crate::tenant::{Actor, Tenant};
use crate::{new_id, now_ms};

/// What an import wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Imported {
    pub imported: usize,
    /// First and last date of the file.
    pub from: String,
    pub to: String,
    pub employees: usize,
    /// Rows that replaced an existing entry.
    pub replaced: usize,
}

impl Store {
    /// Imports a rota file (see [`super::csv`]). `Ok(Err(errors))`: the file has errors, every
    /// one listed by line, and nothing was written.
    pub async fn import_rota_csv(
        &self,
        t: &Tenant,
        actor: &Actor,
        text: &str,
    ) -> Result<std::result::Result<Imported, Vec<RowError>>> {
        let (rows, mut errors) = parse(text);
        let (t, actor) = (t.clone(), actor.clone());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                let mut ids: HashMap<String, String> = HashMap::new();
                for r in sqlx::query("SELECT id, employee_no FROM employees WHERE tenant_id = $1")
                    .bind(t.id())
                    .fetch_all(&mut *c)
                    .await?
                {
                    ids.insert(r.try_get("employee_no")?, r.try_get("id")?);
                }
                let mut resolver = Resolver::default();
                let mut entries = Vec::with_capacity(rows.len());
                let now = now_ms();
                for row in &rows {
                    if row.employee_no.is_empty() {
                        continue;
                    }
                    let Some(id) = ids.get(&row.employee_no) else {
                        errors.push(RowError::new(
                            row.line,
                            "employee_no",
                            format!("no employee has the number {}", row.employee_no),
                        ));
                        continue;
                    };
                    if !row.valid {
                        continue;
                    }
                    match resolver
                        .check_shift(c, &t, id, &row.date, &row.shift)
                        .await?
                    {
                        Ok(shift) => entries.push(RotaEntry {
                            employee_id: id.clone(),
                            date: row.date.clone(),
                            shift,
                            updated_at: now,
                        }),
                        Err(m) => errors.push(RowError::new(row.line, "shift", m)),
                    }
                }
                if !errors.is_empty() {
                    // Stable: a line's own errors stay in the order they were found.
                    errors.sort_by_key(|e| e.line);
                    return Ok(Err(errors));
                }
                let mut replaced = 0;
                for e in &entries {
                    if upsert(c, &t, e).await?.is_some() {
                        replaced += 1;
                    }
                }
                let dates: BTreeSet<&str> = entries.iter().map(|e| e.date.as_str()).collect();
                let people: BTreeSet<&str> =
                    entries.iter().map(|e| e.employee_id.as_str()).collect();
                let summary = Imported {
                    imported: entries.len(),
                    from: dates.first().map(|d| d.to_string()).unwrap_or_default(),
                    to: dates.last().map(|d| d.to_string()).unwrap_or_default(),
                    employees: people.len(),
                    replaced,
                };
                audit::append(
                    c,
                    &t,
                    &actor,
                    "import",
                    "rota",
                    &new_id(),
                    None,
                    serde_json::to_value(&summary).ok(),
                )
                .await?;
                Ok(Ok(summary))
            })
        })
        .await
    }
}
