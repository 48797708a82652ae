//! One employee's facts for judging and placing their punches: the rules that apply to them
//! (only those), their rota, the company days and their counted punches around the dates. Unlike
//! [`Store::load_facts`] nothing here reads the whole tenant (all departments, all
//! assignments), so a punch costs the same in a tenant of ten people and of a hundred thousand.

use std::sync::Arc;

use daka_core::Engine;
use daka_core::calendar::{NationalCalendar, SpecialDays};
use daka_core::facts::{EmployeeFacts, Punch, PunchSource};
use daka_core::plan::PlanCache;
use daka_core::result::DayResult;
use daka_core::rule::{Rule, RuleSpec, RuleVersionSpec};
use jiff::ToSpan;
use jiff::civil::Date;
use sqlx::Row;

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::facts::{COUNTED_PUNCHES, rule_timeline};
use crate::fields::placeholders;
use crate::tenant::Tenant;

/// What judging one employee's punches needs.
#[derive(Debug)]
pub struct EmployeeContext {
    pub engine: Engine,
    pub facts: EmployeeFacts,
    pub time_zone: String,
    pub department_id: Option<String>,
    /// Per engine rule (same index): each version's first date and location policy JSON.
    locations: Vec<Vec<(Date, Option<String>)>>,
}

fn date_of(s: &str) -> Result<Date> {
    s.parse()
        .map_err(|e| StoreError::Database(format!("stored date {s:?} is unreadable: {e}")))
}

fn shift(d: Date, days: i64) -> Date {
    d.checked_add(days.days()).unwrap_or(d)
}

fn utc_ms(d: Date) -> Result<i64> {
    Ok(d.to_zoned(jiff::tz::TimeZone::UTC)
        .map_err(|e| StoreError::Database(e.to_string()))?
        .timestamp()
        .as_millisecond())
}

impl EmployeeContext {
    /// The location policy JSON of the rule version in force on `date` (None: no rule, or the
    /// rule lets the employee punch anywhere).
    pub fn location_on(&self, date: Date) -> Option<&str> {
        let rule = self.facts.rule_on(date)?;
        self.locations
            .get(rule)?
            .iter()
            .rev()
            .find(|(from, _)| *from <= date)
            .and_then(|(_, loc)| loc.as_deref())
    }

    /// Counts a punch from now on (a later punch of the same batch sees it).
    pub fn add_punch(&mut self, second: i64) {
        self.facts.punches.push(Punch {
            second,
            source: PunchSource::Punch,
        });
    }

    /// The employee-days from the day before `date` to the day after.
    pub fn days_around(&self, date: Date) -> Vec<DayResult> {
        self.engine.employee_days(
            &self.facts,
            shift(date, -1),
            shift(date, 1),
            &mut PlanCache::default(),
        )
    }
}

impl Store {
    /// The context for `employee_id`'s punches on local dates `from..=to`; None when the
    /// tenant has no such employee. Six small queries, none of which grows with the tenant.
    pub async fn employee_context(
        &self,
        t: &Tenant,
        employee_id: &str,
        from: Date,
        to: Date,
    ) -> Result<Option<EmployeeContext>> {
        let pool = self.pool();
        let Some(emp) = sqlx::query(
            "SELECT department_id, time_zone, active_from, active_to, rule_id FROM employees \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(t.id())
        .bind(employee_id)
        .fetch_optional(pool)
        .await?
        else {
            return Ok(None);
        };
        let department_id: Option<String> = emp.try_get(0)?;
        let time_zone: String = emp.try_get(1)?;
        let active_from: Option<String> = emp.try_get(2)?;
        let active_to: Option<String> = emp.try_get(3)?;
        let default_rule: Option<String> = emp.try_get(4)?;

        // Own assignments first, then the department chain nearest first, in one query.
        let rows = sqlx::query(
            "WITH RECURSIVE chain(id, parent_id, depth) AS ( \
               SELECT id, parent_id, 0 FROM departments WHERE tenant_id = $1 AND id = $2 \
               UNION ALL \
               SELECT d.id, d.parent_id, chain.depth + 1 FROM departments d JOIN chain \
                 ON d.id = chain.parent_id WHERE d.tenant_id = $1 AND chain.depth < 64 \
             ), \
             found(rule_id, effective_from, department_id, depth) AS ( \
               SELECT rule_id, effective_from, NULL, -1 FROM rule_assignments \
                 WHERE tenant_id = $1 AND employee_id = $3 \
               UNION ALL \
               SELECT a.rule_id, a.effective_from, a.department_id, chain.depth FROM chain \
                 JOIN rule_assignments a ON a.tenant_id = $1 AND a.department_id = chain.id \
             ) \
             SELECT rule_id, effective_from, department_id FROM found ORDER BY depth, effective_from",
        )
        .bind(t.id())
        .bind(department_id.as_deref().unwrap_or(""))
        .bind(employee_id)
        .fetch_all(pool)
        .await?;
        let mut own: Vec<(Date, String)> = Vec::new();
        let mut chain: Vec<(String, Vec<(Date, String)>)> = Vec::new();
        for r in &rows {
            let rule: String = r.try_get(0)?;
            let d = date_of(&r.try_get::<String, _>(1)?)?;
            match r.try_get::<Option<String>, _>(2)? {
                None => own.push((d, rule)),
                Some(dept) => match chain.last_mut() {
                    Some((last, list)) if *last == dept => list.push((d, rule)),
                    _ => chain.push((dept, vec![(d, rule)])),
                },
            }
        }
        let chain_refs: Vec<&[(Date, String)]> = chain.iter().map(|(_, l)| l.as_slice()).collect();
        let timeline = rule_timeline(&own, &chain_refs, default_rule.as_deref());

        let mut rule_ids: Vec<&str> = timeline.iter().map(|(_, r)| r.as_str()).collect();
        rule_ids.sort_unstable();
        rule_ids.dedup();
        let mut specs: Vec<RuleSpec> = Vec::new();
        let mut locations: Vec<Vec<(Date, Option<String>)>> = Vec::new();
        if !rule_ids.is_empty() {
            let sql = format!(
                "SELECT r.id, r.name, v.spec, v.effective_from, v.location FROM rules r \
                 JOIN rule_versions v ON v.tenant_id = r.tenant_id AND v.rule_id = r.id \
                 WHERE r.tenant_id = $1 AND r.id IN ({}) ORDER BY r.id, v.effective_from",
                placeholders(2, rule_ids.len())
            );
            let mut q = sqlx::query(&sql).bind(t.id());
            for id in &rule_ids {
                q = q.bind(*id);
            }
            for row in q.fetch_all(pool).await? {
                let id: String = row.try_get(0)?;
                let spec: String = row.try_get(2)?;
                let v: RuleVersionSpec = serde_json::from_str(&spec).map_err(|e| {
                    StoreError::Database(format!("stored version of rule {id} is unreadable: {e}"))
                })?;
                let loc = (date_of(&row.try_get::<String, _>(3)?)?, row.try_get(4)?);
                match specs.last_mut() {
                    Some(last) if last.id == id => {
                        last.versions.push(v);
                        if let Some(l) = locations.last_mut() {
                            l.push(loc);
                        }
                    }
                    _ => {
                        specs.push(RuleSpec {
                            id,
                            name: Some(row.try_get(1)?),
                            versions: vec![v],
                        });
                        locations.push(vec![loc]);
                    }
                }
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
        let assignments = timeline
            .into_iter()
            .filter_map(|(d, r)| specs.iter().position(|s| s.id == r).map(|i| (d, i)))
            .collect();
        // Only the company days near the punches: the engine never looks further.
        let mut company = SpecialDays::default();
        for row in sqlx::query(
            "SELECT date, kind FROM special_days WHERE tenant_id = $1 AND date >= $2 AND date <= $3 \
             ORDER BY date",
        )
        .bind(t.id())
        .bind(shift(from, -3).to_string())
        .bind(shift(to, 3).to_string())
        .fetch_all(pool)
        .await?
        {
            let d = date_of(&row.try_get::<String, _>(0)?)?;
            match row.try_get::<String, _>(1)?.as_str() {
                "workday" => company.workdays.push(d),
                _ => company.days_off.push(d),
            }
        }

        let mut facts = EmployeeFacts {
            id: Arc::from(employee_id),
            assignments,
            active_from: active_from.as_deref().map(date_of).transpose()?,
            active_to: active_to.as_deref().map(date_of).transpose()?,
            ..Default::default()
        };
        // The engine looks one day beyond each end of the range it computes, which is itself
        // one day around each punch's date.
        for row in sqlx::query(
            "SELECT date, shift FROM rota_entries WHERE tenant_id = $1 AND employee_id = $2 \
             AND date >= $3 AND date <= $4",
        )
        .bind(t.id())
        .bind(employee_id)
        .bind(shift(from, -2).to_string())
        .bind(shift(to, 2).to_string())
        .fetch_all(pool)
        .await?
        {
            let d = date_of(&row.try_get::<String, _>(0)?)?;
            let code: String = row.try_get(1)?;
            facts.rota.insert(d, Arc::from(code.as_str()));
        }
        // Punches three days either side in UTC cover every zone and night shift.
        let sql = format!(
            "SELECT at FROM punches WHERE tenant_id = $1 AND employee_id = $2 AND at >= $3 \
             AND at < $4 AND {COUNTED_PUNCHES}"
        );
        for row in sqlx::query(&sql)
            .bind(t.id())
            .bind(employee_id)
            .bind(utc_ms(shift(from, -3))?)
            .bind(utc_ms(shift(to, 4))?)
            .fetch_all(pool)
            .await?
        {
            let at: i64 = row.try_get(0)?;
            facts.punches.push(Punch {
                second: at.div_euclid(1000),
                source: PunchSource::Punch,
            });
        }
        Ok(Some(EmployeeContext {
            engine: Engine::new(rules, NationalCalendar::china(), company),
            facts,
            time_zone,
            department_id,
            locations,
        }))
    }
}
