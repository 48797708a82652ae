//! One employee's facts for judging and placing their punches: the rules that apply to them
//! (from the tenant's cached rule context), their rota and their counted punches around the
//! dates. Per punch nothing reads the whole tenant; the rule context is reloaded only after an
//! audited change.

use std::sync::Arc;

use daka_core::Engine;
use daka_core::facts::{EmployeeFacts, Punch, PunchSource};
use daka_core::plan::PlanCache;
use daka_core::result::DayResult;
use jiff::ToSpan;
use jiff::civil::Date;
use sqlx::Row;

use crate::context::{EmployeeRow, Rota, RuleContext};
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::facts::{COUNTED_PUNCHES, rule_timeline};
use crate::tenant::Tenant;

/// What judging one employee's punches needs.
#[derive(Debug)]
pub struct EmployeeContext {
    pub engine: Arc<Engine>,
    pub facts: EmployeeFacts,
    pub time_zone: String,
    pub department_id: Option<String>,
    /// The tenant's rule context the engine came from (location policies, audit sequence).
    pub rules: Arc<RuleContext>,
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
        self.rules
            .locations
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
    /// The context for `employee_id`'s punches on local dates `from..=to` under `rules` (the
    /// tenant's [`Store::rule_context`], fetched once per request); None when the tenant has no
    /// such employee. At most three small queries (the employee, their rota, their punches near
    /// the dates), none of which grows with the tenant; usually none: the employee and rota are
    /// kept with the rule context, punches in `recent`.
    pub async fn employee_context(
        &self,
        t: &Tenant,
        rules: Arc<RuleContext>,
        employee_id: &str,
        from: Date,
        to: Date,
    ) -> Result<Option<EmployeeContext>> {
        let pool = self.pool();
        let emp = match rules.employee(employee_id) {
            Some(e) => e,
            None => {
                let Some(row) = sqlx::query(
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
                let e = Arc::new(EmployeeRow {
                    department_id: row.try_get(0)?,
                    time_zone: row.try_get(1)?,
                    active_from: row.try_get(2)?,
                    active_to: row.try_get(3)?,
                    rule_id: row.try_get(4)?,
                });
                rules.keep_employee(employee_id, e.clone());
                e
            }
        };
        let department_id = emp.department_id.clone();
        let time_zone = emp.time_zone.clone();
        let active_from = emp.active_from.clone();
        let active_to = emp.active_to.clone();
        let default_rule = emp.rule_id.clone();

        let own = rules.own.get(employee_id).map(Vec::as_slice).unwrap_or(&[]);
        let mut chain: Vec<&[(Date, String)]> = Vec::new();
        let mut cur = department_id.clone();
        for _ in 0..64 {
            let Some(d) = cur else { break };
            if let Some(list) = rules.by_department.get(&d) {
                chain.push(list);
            }
            cur = rules.parents.get(&d).cloned().flatten();
        }
        let assignments = rule_timeline(own, &chain, default_rule.as_deref())
            .into_iter()
            .filter_map(|(d, r)| rules.index.get(r.as_str()).map(|&i| (d, i)))
            .collect();

        let mut facts = EmployeeFacts {
            id: Arc::from(employee_id),
            assignments,
            active_from: active_from.as_deref().map(date_of).transpose()?,
            active_to: active_to.as_deref().map(date_of).transpose()?,
            ..Default::default()
        };
        // The engine looks one day beyond each end of the range it computes, which is itself
        // one day around each punch's date.
        // Only rota rules read the rota: most punches skip the query.
        let uses_rota = facts.assignments.iter().any(|&(_, i)| {
            rules.engine.rules.get(i).is_some_and(|r| {
                r.versions
                    .iter()
                    .any(|v| v.kind == daka_core::rule::RuleKind::Rota)
            })
        });
        if uses_rota {
            let (lo, hi) = (shift(from, -2), shift(to, 2));
            facts.rota = match rules.rota(employee_id, lo, hi) {
                Some(shifts) => shifts,
                None => {
                    // A week more either side, so the next days' punches find it read.
                    let rota = self
                        .read_rota(t, employee_id, shift(lo, -7), shift(hi, 7))
                        .await?;
                    let shifts = rota
                        .shifts
                        .range(lo..=hi)
                        .map(|(d, s)| (*d, s.clone()))
                        .collect();
                    rules.keep_rota(employee_id, rota);
                    shifts
                }
            };
        }
        // Punches three days either side in UTC cover every zone and night shift.
        let (lo, hi) = (utc_ms(shift(from, -3))?, utc_ms(shift(to, 4))?);
        let ats = match self.recent.get(t.id(), employee_id, rules.seq, lo, hi) {
            Some(ats) => ats,
            None => self.load_recent(t, employee_id, rules.seq, lo, hi).await?,
        };
        facts.punches.extend(ats.into_iter().map(|at| Punch {
            second: at.div_euclid(1000),
            source: PunchSource::Punch,
        }));
        Ok(Some(EmployeeContext {
            engine: rules.engine.clone(),
            facts,
            time_zone,
            department_id,
            rules,
        }))
    }

    /// The employee's rota entries over `from..=to`.
    async fn read_rota(&self, t: &Tenant, employee_id: &str, from: Date, to: Date) -> Result<Rota> {
        let mut shifts = std::collections::BTreeMap::new();
        for row in sqlx::query(
            "SELECT date, shift FROM rota_entries WHERE tenant_id = $1 AND employee_id = $2 \
             AND date >= $3 AND date <= $4",
        )
        .bind(t.id())
        .bind(employee_id)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(self.pool())
        .await?
        {
            let d = date_of(&row.try_get::<String, _>(0)?)?;
            let code: String = row.try_get(1)?;
            shifts.insert(d, Arc::from(code.as_str()));
        }
        Ok(Rota { from, to, shifts })
    }

    /// Reads the employee's counted punches in `[lo, hi)` (ms) and, with a week more either
    /// side, keeps them for the next judgements.
    async fn load_recent(
        &self,
        t: &Tenant,
        employee_id: &str,
        seq: i64,
        lo: i64,
        hi: i64,
    ) -> Result<Vec<i64>> {
        const WEEK_MS: i64 = 7 * 86_400_000;
        let ticket = self.recent.ticket();
        let (wlo, whi) = match self.recent.enabled() {
            true => (lo - WEEK_MS, hi + WEEK_MS),
            false => (lo, hi),
        };
        let sql = format!(
            "SELECT id, at FROM punches WHERE tenant_id = $1 AND employee_id = $2 AND at >= $3 \
             AND at < $4 AND {COUNTED_PUNCHES}"
        );
        let mut all: Vec<(String, i64)> = Vec::new();
        for row in sqlx::query(&sql)
            .bind(t.id())
            .bind(employee_id)
            .bind(wlo)
            .bind(whi)
            .fetch_all(self.pool())
            .await?
        {
            all.push((row.try_get(0)?, row.try_get(1)?));
        }
        let ats = all
            .iter()
            .map(|(_, at)| *at)
            .filter(|at| (lo..hi).contains(at))
            .collect();
        self.recent
            .put(t.id(), employee_id, seq, wlo, whi, all, ticket);
        Ok(ats)
    }
}
