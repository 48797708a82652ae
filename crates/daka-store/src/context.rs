//! A tenant's rule context (compiled rules, company special days, the department tree and the
//! rule assignments), cached per tenant and reused until the tenant's audit sequence moves.
//! Every change to these facts is audited, so the audit head is an exact change counter, also
//! across several server instances sharing a database; a punch pays one primary-key read to
//! check it instead of reloading and recompiling every rule.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use daka_core::Engine;
use daka_core::calendar::NationalCalendar;
use daka_core::rule::RuleSpec;
use jiff::civil::Date;
use sqlx::Row;

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::tenant::Tenant;

/// Rule assignments as stored: (first date, rule id).
pub type Assignments = Vec<(Date, String)>;

#[derive(Debug)]
pub struct RuleContext {
    /// The tenant's audit sequence when this was loaded.
    pub seq: i64,
    /// Rules in `specs` order, the national calendar and the company's special days.
    pub engine: Arc<Engine>,
    pub specs: Arc<Vec<RuleSpec>>,
    pub index: HashMap<String, usize>,
    /// Per engine rule (same index): each version's first date and location policy JSON.
    pub locations: Vec<Vec<(Date, Option<String>)>>,
    pub parents: HashMap<String, Option<String>>,
    pub own: HashMap<String, Assignments>,
    pub by_department: HashMap<String, Assignments>,
    employees: Mutex<HashMap<String, Arc<EmployeeRow>>>,
    /// Rota entries read since, per employee: the dates covered and the shifts in them.
    rotas: Mutex<HashMap<String, Rota>>,
}

/// An employee's rota over `from..=to` (dates without an entry have none).
#[derive(Debug, Clone)]
pub struct Rota {
    pub from: Date,
    pub to: Date,
    pub shifts: BTreeMap<Date, Arc<str>>,
}

/// The employee columns judging a punch needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployeeRow {
    pub department_id: Option<String>,
    pub time_zone: String,
    pub active_from: Option<String>,
    pub active_to: Option<String>,
    pub rule_id: Option<String>,
}

impl RuleContext {
    /// An employee row read since this context was loaded (still current: any change to it
    /// is audited and retires this context).
    pub fn employee(&self, id: &str) -> Option<Arc<EmployeeRow>> {
        self.employees.lock().ok()?.get(id).cloned()
    }

    pub fn keep_employee(&self, id: &str, row: Arc<EmployeeRow>) {
        if let Ok(mut m) = self.employees.lock() {
            m.insert(id.to_string(), row);
        }
    }

    /// The employee's shifts over `from..=to`, when a rota read since this context was loaded
    /// covers those dates (rota changes are audited, so it is still current).
    pub fn rota(&self, id: &str, from: Date, to: Date) -> Option<BTreeMap<Date, Arc<str>>> {
        let m = self.rotas.lock().ok()?;
        let r = m.get(id).filter(|r| r.from <= from && to <= r.to)?;
        Some(
            r.shifts
                .range(from..=to)
                .map(|(d, s)| (*d, s.clone()))
                .collect(),
        )
    }

    pub fn keep_rota(&self, id: &str, rota: Rota) {
        if let Ok(mut m) = self.rotas.lock() {
            m.insert(id.to_string(), rota);
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct ContextCache {
    map: Mutex<HashMap<String, Arc<RuleContext>>>,
    national: Mutex<Option<Arc<NationalCalendar>>>,
}

impl ContextCache {
    fn get(&self, tenant: &str, seq: i64) -> Option<Arc<RuleContext>> {
        let map = self.map.lock().ok()?;
        map.get(tenant).filter(|c| c.seq == seq).cloned()
    }

    fn put(&self, tenant: &str, ctx: Arc<RuleContext>) {
        if let Ok(mut map) = self.map.lock() {
            map.insert(tenant.to_string(), ctx);
        }
    }

    fn national(&self) -> Arc<NationalCalendar> {
        match self.national.lock() {
            Ok(mut slot) => slot
                .get_or_insert_with(|| Arc::new(NationalCalendar::china()))
                .clone(),
            Err(_) => Arc::new(NationalCalendar::china()),
        }
    }
}

pub(crate) fn date_of(s: &str, field: &str) -> Result<Date> {
    s.parse()
        .map_err(|e| StoreError::Database(format!("stored {field} {s:?} is not a date: {e}")))
}

impl Store {
    /// The tenant's rule context, from the cache when nothing changed since it was loaded.
    pub async fn rule_context(&self, t: &Tenant) -> Result<Arc<RuleContext>> {
        let seq = self.audit_seq(t).await?;
        if let Some(c) = self.cache.get(t.id(), seq) {
            return Ok(c);
        }
        let ctx = Arc::new(self.load_rule_context(t, seq).await?);
        self.cache.put(t.id(), ctx.clone());
        Ok(ctx)
    }

    async fn load_rule_context(&self, t: &Tenant, seq: i64) -> Result<RuleContext> {
        let (rules, specs) = self.load_rules(t).await?;
        let index: HashMap<String, usize> = specs
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        let company = self.load_special_days(t).await?;
        let pool = self.pool();
        let mut parents = HashMap::new();
        for row in sqlx::query("SELECT id, parent_id FROM departments WHERE tenant_id = $1")
            .bind(t.id())
            .fetch_all(pool)
            .await?
        {
            parents.insert(row.try_get(0)?, row.try_get(1)?);
        }
        let mut own: HashMap<String, Assignments> = HashMap::new();
        let mut by_department: HashMap<String, Assignments> = HashMap::new();
        for row in sqlx::query(
            "SELECT rule_id, employee_id, department_id, effective_from FROM rule_assignments \
             WHERE tenant_id = $1",
        )
        .bind(t.id())
        .fetch_all(pool)
        .await?
        {
            let rule: String = row.try_get(0)?;
            let emp: Option<String> = row.try_get(1)?;
            let dept: Option<String> = row.try_get(2)?;
            let d = date_of(&row.try_get::<String, _>(3)?, "assignment date")?;
            match (emp, dept) {
                (Some(e), _) => own.entry(e).or_default().push((d, rule)),
                (None, Some(dp)) => by_department.entry(dp).or_default().push((d, rule)),
                (None, None) => {}
            }
        }
        let mut locations: Vec<Vec<(Date, Option<String>)>> = vec![Vec::new(); specs.len()];
        for row in sqlx::query(
            "SELECT rule_id, effective_from, location FROM rule_versions WHERE tenant_id = $1 \
             ORDER BY rule_id, effective_from",
        )
        .bind(t.id())
        .fetch_all(pool)
        .await?
        {
            let rule: String = row.try_get(0)?;
            if let Some(&i) = index.get(&rule) {
                let d = date_of(&row.try_get::<String, _>(1)?, "version date")?;
                locations[i].push((d, row.try_get(2)?));
            }
        }
        let national = (*self.cache.national()).clone();
        Ok(RuleContext {
            seq,
            engine: Arc::new(Engine::new(rules, national, company)),
            specs: Arc::new(specs),
            index,
            locations,
            parents,
            own,
            by_department,
            employees: Mutex::new(HashMap::new()),
            rotas: Mutex::new(HashMap::new()),
        })
    }
}
