//! `daka export scenario`: a tenant's stored facts for a date range as a scenario file that
//! `daka simulate` accepts, so results from the API can be reproduced (and compared) offline.

use std::collections::BTreeMap;

use daka_store::Store;
use daka_store::facts::{EmployeeInfo, LoadedFacts};
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use serde_json::{Value, json};

use crate::admin::{store_err, tenant};

fn date(flag: &str, s: &str) -> Result<Date, String> {
    s.trim()
        .parse()
        .map_err(|_| format!("{flag}: '{s}' is not a date written YYYY-MM-DD"))
}

/// The assignments as a scenario's `rules`: dates before `floor` are moved to it (the engine
/// never looks that far back), keeping only the last assignment in force there.
fn assignments(list: &[(Date, usize)], facts: &LoadedFacts, floor: Date) -> Vec<Value> {
    let mut out: Vec<(Date, usize)> = Vec::new();
    for &(d, rule) in list {
        let d = d.max(floor);
        match out.last_mut() {
            Some(last) if last.0 == d => *last = (d, rule),
            _ => out.push((d, rule)),
        }
    }
    out.into_iter()
        .filter_map(|(d, i)| {
            let rule = &facts.rule_specs.get(i)?.id;
            Some(json!({"rule": rule, "from": d.to_string()}))
        })
        .collect()
}

fn employee(
    info: &EmployeeInfo,
    f: &daka_core::EmployeeFacts,
    facts: &LoadedFacts,
    floor: Date,
) -> Value {
    let rota: BTreeMap<String, String> = f
        .rota
        .iter()
        .map(|(d, s)| (d.to_string(), s.to_string()))
        .collect();
    let mut seconds: Vec<i64> = f.punches.iter().map(|p| p.second).collect();
    seconds.sort_unstable();
    // UTC with seconds: the scenario reads it as the same instant whatever its zones.
    let punches: Vec<String> = seconds
        .iter()
        .filter_map(|s| Timestamp::from_second(*s).ok())
        .map(|t| t.to_string())
        .collect();
    let mut e = json!({
        "id": info.id,
        "name": format!("{} {}", info.employee_no, info.name),
        "time_zone": info.time_zone,
        "rules": assignments(&f.assignments, facts, floor),
        "rota": rota,
        "punches": punches,
    });
    if let Value::Object(m) = &mut e {
        if let Some(d) = &info.department_id {
            m.insert("department".into(), d.clone().into());
        }
        if let Some(d) = f.active_from {
            m.insert("active_from".into(), d.to_string().into());
        }
        if let Some(d) = f.active_to {
            m.insert("active_to".into(), d.to_string().into());
        }
    }
    e
}

/// Prints the scenario for the tenant's employees (or those numbered `numbers`) over
/// `from..=to`. Employees with no rule in force have no results and are left out.
pub async fn scenario(
    store: &Store,
    tenant_id: &str,
    from: &str,
    to: &str,
    numbers: &[String],
) -> Result<(), String> {
    let t = tenant(store, tenant_id).await?;
    let (from, to) = (date("--from", from)?, date("--to", to)?);
    if to < from {
        return Err(format!("--to: {to} is before --from {from}"));
    }
    let mut facts = store
        .load_facts(&t, None, from, to)
        .await
        .map_err(|e| store_err("loading facts", e))?;
    if !numbers.is_empty() {
        for n in numbers {
            if !facts.employees.iter().any(|(i, _)| &i.employee_no == n) {
                return Err(format!("--employee-no: no employee numbered '{n}'"));
            }
        }
        facts
            .employees
            .retain(|(i, _)| numbers.contains(&i.employee_no));
    }
    let company = store
        .load_special_days(&t)
        .await
        .map_err(|e| store_err("loading special days", e))?;
    let floor = from.checked_sub(7.days()).unwrap_or(from);
    let employees: Vec<Value> = facts
        .employees
        .iter()
        .filter(|(_, f)| !f.assignments.is_empty())
        .map(|(i, f)| employee(i, f, &facts, floor))
        .collect();
    let name = store
        .tenant(&t)
        .await
        .map_err(|e| store_err("tenant", e))?
        .name;
    let doc = json!({
        "name": format!("{name}: {from} to {to}"),
        "description": format!(
            "Exported by daka export scenario from tenant {} at {}; run: daka simulate FILE --month",
            t.id(),
            Timestamp::now()
        ),
        "from": from.to_string(),
        "to": to.to_string(),
        "national_calendar": "cn",
        "company": company,
        "rules": facts.rule_specs,
        "employees": employees,
    });
    let text = serde_json::to_string_pretty(&doc).map_err(|e| format!("writing JSON: {e}"))?;
    println!("{text}");
    Ok(())
}
