//! Loads the facts the engine needs (rules and their versions, assignments, rota, company
//! special days, counted punches) for some or all employees of a tenant and a date range.
//! Results are computed from these on read; see `docs/design.md` for why.

use std::collections::HashMap;
use std::sync::Arc;

use daka_core::Engine;
use daka_core::calendar::SpecialDays;
use daka_core::facts::{EmployeeFacts, Punch, PunchSource};
use daka_core::plan::PlanCache;
use daka_core::result::DayResult;
use daka_core::rule::{Rule, RuleSpec, RuleVersionSpec};
use jiff::ToSpan;
use jiff::civil::Date;
use sqlx::Row;

use crate::context::date_of;
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::tenant::Tenant;

/// Which punches feed attendance: accepted ones, field work, and exceptions a supervisor
/// approved. Refused punches and pending or rejected exceptions are kept but do not count.
pub const COUNTED_PUNCHES: &str =
    "(decision IN ('accepted', 'field_work') OR (decision = 'exception' AND review = 'approved'))";

/// An employee as results show them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmployeeInfo {
    pub id: String,
    pub employee_no: String,
    pub name: String,
    pub department_id: Option<String>,
    pub time_zone: String,
}

/// Everything needed to compute the employee-days of `from..=to`.
#[derive(Debug)]
pub struct LoadedFacts {
    pub engine: Arc<Engine>,
    /// The stored rule specs, in engine order (for exporting the facts as a scenario).
    pub rule_specs: Arc<Vec<RuleSpec>>,
    pub employees: Vec<(EmployeeInfo, EmployeeFacts)>,
    pub from: Date,
    pub to: Date,
}

impl LoadedFacts {
    /// Every employee-day of the range, employee by employee, in date order.
    pub fn compute(&self) -> Vec<DayResult> {
        let mut cache = PlanCache::default();
        let mut out = Vec::new();
        for (_, f) in &self.employees {
            out.extend(self.engine.employee_days(f, self.from, self.to, &mut cache));
        }
        out
    }
}

/// Up to this many employees are filtered in SQL; more are filtered while reading.
const FEW: usize = 64;

/// ` AND column IN ($first, ...)` for `ids`, or nothing.
fn id_filter(column: &str, ids: Option<&[String]>, first: usize) -> String {
    match ids {
        None => String::new(),
        Some([]) => " AND 1 = 0".to_string(),
        Some(ids) => {
            let marks: Vec<String> = (0..ids.len()).map(|i| format!("${}", first + i)).collect();
            format!(" AND {column} IN ({})", marks.join(", "))
        }
    }
}

fn day_shift(d: Date, days: i64) -> Date {
    d.checked_add(days.days()).unwrap_or(d)
}

/// One employee's rule changes: (first date, rule id) whenever the rule in force changes.
/// Own assignments win over departments'; the nearest department wins; `default` (the
/// employee's `rule_id`) applies from the beginning.
pub(crate) fn rule_timeline(
    own: &[(Date, String)],
    chain: &[&[(Date, String)]],
    default: Option<&str>,
) -> Vec<(Date, String)> {
    let mut points: Vec<Date> = vec![Date::MIN];
    points.extend(own.iter().map(|(d, _)| *d));
    for dept in chain {
        points.extend(dept.iter().map(|(d, _)| *d));
    }
    points.sort_unstable();
    points.dedup();
    let latest = |list: &[(Date, String)], d: Date| -> Option<String> {
        list.iter()
            .filter(|(from, _)| *from <= d)
            .max_by_key(|(from, _)| *from)
            .map(|(_, r)| r.clone())
    };
    let mut out: Vec<(Date, String)> = Vec::new();
    for d in points {
        let rule = latest(own, d)
            .or_else(|| chain.iter().find_map(|dept| latest(dept, d)))
            .or_else(|| default.map(str::to_string));
        if let Some(r) = rule
            && out.last().is_none_or(|(_, last)| *last != r)
        {
            out.push((d, r));
        }
    }
    out
}

impl Store {
    /// The tenant's rules compiled for the engine, in a stable order, with their specs.
    pub async fn load_rules(&self, t: &Tenant) -> Result<(Vec<Rule>, Vec<RuleSpec>)> {
        let rows = sqlx::query(
            "SELECT r.id, r.name, v.spec FROM rules r JOIN rule_versions v \
             ON v.tenant_id = r.tenant_id AND v.rule_id = r.id \
             WHERE r.tenant_id = $1 ORDER BY r.id, v.version",
        )
        .bind(t.id())
        .fetch_all(self.pool())
        .await?;
        let mut specs: Vec<RuleSpec> = Vec::new();
        for row in &rows {
            let id: String = row.try_get(0)?;
            let name: String = row.try_get(1)?;
            let spec: String = row.try_get(2)?;
            let v: RuleVersionSpec = serde_json::from_str(&spec).map_err(|e| {
                StoreError::Database(format!("stored version of rule {id} is unreadable: {e}"))
            })?;
            match specs.last_mut() {
                Some(last) if last.id == id => last.versions.push(v),
                _ => specs.push(RuleSpec {
                    id,
                    name: Some(name),
                    versions: vec![v],
                }),
            }
        }
        let rules = specs
            .iter()
            .map(|s| {
                Rule::compile(s).map_err(|e| {
                    StoreError::Database(format!("stored rule {} does not compile: {e}", s.id))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((rules, specs))
    }

    /// The company's special days (all of them: there are few).
    pub async fn load_special_days(&self, t: &Tenant) -> Result<SpecialDays> {
        let rows =
            sqlx::query("SELECT date, kind FROM special_days WHERE tenant_id = $1 ORDER BY date")
                .bind(t.id())
                .fetch_all(self.pool())
                .await?;
        let mut out = SpecialDays::default();
        for row in &rows {
            let d = date_of(&row.try_get::<String, _>(0)?, "special day")?;
            match row.try_get::<String, _>(1)?.as_str() {
                "workday" => out.workdays.push(d),
                _ => out.days_off.push(d),
            }
        }
        Ok(out)
    }

    /// The facts of `employees` (all of the tenant's when `None`) for computing `from..=to`.
    /// Unknown ids are skipped.
    pub async fn load_facts(
        &self,
        t: &Tenant,
        employees: Option<&[String]>,
        from: Date,
        to: Date,
    ) -> Result<LoadedFacts> {
        let ctx = self.rule_context(t).await?;
        let pool = self.pool();
        // A few employees (a punch's answer, one person's month) are filtered in SQL.
        let few: Option<&[String]> = employees.filter(|ids| ids.len() <= FEW);
        let emp_sql = format!(
            "SELECT id, employee_no, name, department_id, time_zone, active_from, active_to, rule_id \
             FROM employees WHERE tenant_id = $1{} ORDER BY employee_no",
            id_filter("id", few, 2)
        );
        let mut q = sqlx::query(&emp_sql).bind(t.id());
        for id in few.unwrap_or_default() {
            q = q.bind(id);
        }
        let emp_rows = q.fetch_all(pool).await?;
        let wanted: Option<std::collections::HashSet<&str>> =
            employees.map(|ids| ids.iter().map(String::as_str).collect());
        let mut list: Vec<(EmployeeInfo, EmployeeFacts)> = Vec::new();
        let mut slot: HashMap<String, usize> = HashMap::new();
        for row in &emp_rows {
            let id: String = row.try_get(0)?;
            if wanted.as_ref().is_some_and(|w| !w.contains(id.as_str())) {
                continue;
            }
            let info = EmployeeInfo {
                id: id.clone(),
                employee_no: row.try_get(1)?,
                name: row.try_get(2)?,
                department_id: row.try_get(3)?,
                time_zone: row.try_get(4)?,
            };
            let active_from: Option<String> = row.try_get(5)?;
            let active_to: Option<String> = row.try_get(6)?;
            let default_rule: Option<String> = row.try_get(7)?;
            let mut chain: Vec<&[(Date, String)]> = Vec::new();
            let mut cur = info.department_id.clone();
            for _ in 0..64 {
                let Some(d) = cur else { break };
                if let Some(list) = ctx.by_department.get(&d) {
                    chain.push(list);
                }
                cur = ctx.parents.get(&d).cloned().flatten();
            }
            let own_list = ctx.own.get(&id).map(Vec::as_slice).unwrap_or(&[]);
            let assignments = rule_timeline(own_list, &chain, default_rule.as_deref())
                .into_iter()
                .filter_map(|(d, r)| ctx.index.get(r.as_str()).map(|&i| (d, i)))
                .collect();
            let facts = EmployeeFacts {
                id: Arc::from(id.as_str()),
                assignments,
                active_from: active_from
                    .as_deref()
                    .map(|s| date_of(s, "active_from"))
                    .transpose()?,
                active_to: active_to
                    .as_deref()
                    .map(|s| date_of(s, "active_to"))
                    .transpose()?,
                ..Default::default()
            };
            slot.insert(id, list.len());
            list.push((info, facts));
        }

        // The engine looks one day beyond each end of the range.
        let (rota_from, rota_to) = (day_shift(from, -1), day_shift(to, 1));
        let rota_sql = format!(
            "SELECT employee_id, date, shift FROM rota_entries \
             WHERE tenant_id = $1 AND date >= $2 AND date <= $3{}",
            id_filter("employee_id", few, 4)
        );
        let mut q = sqlx::query(&rota_sql)
            .bind(t.id())
            .bind(rota_from.to_string())
            .bind(rota_to.to_string());
        for id in few.unwrap_or_default() {
            q = q.bind(id);
        }
        for row in q.fetch_all(pool).await? {
            let emp: String = row.try_get(0)?;
            if let Some(&i) = slot.get(&emp) {
                let d = date_of(&row.try_get::<String, _>(1)?, "rota date")?;
                let shift: String = row.try_get(2)?;
                list[i].1.rota.insert(d, Arc::from(shift.as_str()));
            }
        }

        // Punches two days either side in UTC cover every zone and night shift.
        let lo = day_shift(from, -2)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map_err(|e| StoreError::Database(e.to_string()))?
            .timestamp()
            .as_millisecond();
        let hi = day_shift(to, 3)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map_err(|e| StoreError::Database(e.to_string()))?
            .timestamp()
            .as_millisecond();
        let sql = format!(
            "SELECT employee_id, at FROM punches WHERE tenant_id = $1 AND at >= $2 AND at < $3 \
             AND {COUNTED_PUNCHES}{}",
            id_filter("employee_id", few, 4)
        );
        let mut q = sqlx::query(&sql).bind(t.id()).bind(lo).bind(hi);
        for id in few.unwrap_or_default() {
            q = q.bind(id);
        }
        for row in q.fetch_all(pool).await? {
            let emp: String = row.try_get(0)?;
            if let Some(&i) = slot.get(&emp) {
                let at: i64 = row.try_get(1)?;
                list[i].1.punches.push(Punch {
                    second: at.div_euclid(1000),
                    source: PunchSource::Punch,
                });
            }
        }

        Ok(LoadedFacts {
            engine: ctx.engine.clone(),
            rule_specs: ctx.specs.clone(),
            employees: list,
            from,
            to,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn l(v: &[(Date, &str)]) -> Vec<(Date, String)> {
        v.iter().map(|(d, r)| (*d, r.to_string())).collect()
    }

    #[test]
    fn own_assignment_beats_department_and_default() {
        let own = l(&[(date(2026, 3, 1), "own")]);
        let near = l(&[(date(2026, 2, 1), "near")]);
        let far = l(&[(date(2026, 1, 1), "far"), (date(2026, 4, 1), "far2")]);
        let t = rule_timeline(&own, &[&near, &far], Some("default"));
        assert_eq!(
            t,
            l(&[
                (Date::MIN, "default"),
                (date(2026, 1, 1), "far"),
                (date(2026, 2, 1), "near"),
                (date(2026, 3, 1), "own"),
            ])
        );
    }

    #[test]
    fn no_rule_until_the_first_assignment() {
        let t = rule_timeline(&l(&[(date(2026, 3, 1), "a")]), &[], None);
        assert_eq!(t, l(&[(date(2026, 3, 1), "a")]));
    }
}
