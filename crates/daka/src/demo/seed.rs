//! Fills a fresh tenant with the demo company through the API: departments, sites, rules
//! assigned to departments, people with logins, the plant's rota (CSV import), and this
//! month's punches replayed at the times they were made.

use std::collections::HashMap;

use axum::http::Method;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use serde_json::{Value, json};

use super::api::Api;
use super::company::{self, DEPARTMENTS, HEADCOUNT, RuleKey, SITES};
use super::punches::{self, DemoPunch, Person, Place};

/// The demo's logins, printed at start.
pub struct Logins {
    pub supervisor: (String, String),
    pub employee: (String, String),
}

pub struct Seeded {
    pub logins: Logins,
    pub employees: usize,
    pub punches: usize,
    pub field: usize,
    pub offline: usize,
}

/// The demo's admin, created before the API can be used.
pub const ADMIN: (&str, &str) = ("admin", "daka-demo-admin");

/// The other logins, created through the API.
const PASSWORDS: [(&str, &str); 2] = [
    ("supervisor", "daka-demo-supervisor"),
    ("employee", "daka-demo-employee"),
];

fn client_id(n: usize) -> String {
    format!("d0000000-0000-4000-8000-{n:012x}")
}

/// Seeds the company; `set_clock` moves the server's clock to when each punch is received.
pub async fn seed(
    api: &Api,
    month_start: Date,
    now: Timestamp,
    set_clock: &dyn Fn(Timestamp),
) -> Result<Seeded, String> {
    let mut dept_ids: HashMap<&str, String> = HashMap::new();
    for (key, name, parent) in DEPARTMENTS {
        let body = json!({"name": name, "parent_id": parent.and_then(|p| dept_ids.get(p))});
        let d = api
            .json(Method::POST, "/api/v1/departments", Some(&body))
            .await?;
        dept_ids.insert(key, Api::id(&d));
    }
    let mut site_ids: HashMap<&str, String> = HashMap::new();
    for key in SITES {
        let s = api
            .json(
                Method::POST,
                "/api/v1/sites",
                Some(&company::site_body(key)),
            )
            .await?;
        site_ids.insert(key, Api::id(&s));
    }
    let site = |k: &str| site_ids.get(k).cloned().unwrap_or_default();
    // Rules start a month before the demo month, so yesterday's night shift has a rule too.
    let rules_from = month_start
        .checked_sub(1.month())
        .unwrap_or(month_start)
        .to_string();
    let mut rule_ids: HashMap<RuleKey, String> = HashMap::new();
    for key in [RuleKey::Office, RuleKey::Flexible, RuleKey::Rota] {
        let r = api
            .json(
                Method::POST,
                "/api/v1/rules",
                Some(&company::rule_body(key, &rules_from, &site)),
            )
            .await?;
        rule_ids.insert(key, Api::id(&r));
    }
    for (key, _, parent) in DEPARTMENTS {
        if parent.is_some() {
            continue; // sub-departments inherit their parent's assignment
        }
        let rule = &rule_ids[&company::rule_of(key)];
        let body = json!({"department_id": dept_ids[key], "effective_from": rules_from});
        api.json(
            Method::POST,
            &format!("/api/v1/rules/{rule}/assignments"),
            Some(&body),
        )
        .await?;
    }

    let mut people: Vec<Person> = Vec::new();
    let mut numbers: Vec<(String, String)> = Vec::new(); // (employee_no, id)
    let mut by_dept: HashMap<&str, Vec<String>> = HashMap::new();
    let mut n = 0usize;
    for (dept, count) in HEADCOUNT {
        for k in 0..count {
            n += 1;
            let no = format!("D{n:03}");
            let body = json!({
                "employee_no": no,
                "name": company::name_of(n),
                "department_id": dept_ids[dept],
                "time_zone": "Asia/Shanghai",
                "active_from": rules_from,
            });
            let e = api
                .json(Method::POST, "/api/v1/employees", Some(&body))
                .await?;
            let id = Api::id(&e);
            people.push(Person {
                employee_id: id.clone(),
                rule: company::rule_of(dept),
                sales: dept == "sales",
                crew: k % 3,
            });
            by_dept.entry(dept).or_default().push(id.clone());
            numbers.push((no, id));
        }
    }

    // The plant's rota, imported as a planner would: one CSV for this month and next week.
    let mut csv = String::from("employee_no,date,shift\n");
    let rota_end = now
        .to_zoned(punches::shanghai())
        .date()
        .checked_add(14.days())
        .unwrap_or(month_start);
    for (p, (no, _)) in people.iter().zip(&numbers) {
        if p.rule != RuleKey::Rota {
            continue;
        }
        let mut d = month_start;
        let mut i: i64 = 0;
        while d <= rota_end {
            csv.push_str(&format!("{no},{d},{}\n", company::plant_shift(p.crew, i)));
            d = d.checked_add(1.day()).map_err(|e| e.to_string())?;
            i += 1;
        }
    }
    api.raw(
        Method::POST,
        "/api/v1/rota/import",
        "text/csv",
        csv.into_bytes(),
    )
    .await?;

    // Logins: the R&D lead (a supervisor) and a salesperson (an employee).
    let sales_person = by_dept.get("sales").and_then(|v| v.first()).cloned();
    let rd_lead_emp = by_dept.get("rd").and_then(|v| v.first()).cloned();
    let mut logins = Vec::new();
    for ((role, password), employee) in PASSWORDS.iter().zip([rd_lead_emp, sales_person]) {
        let body =
            json!({"username": role, "password": password, "role": role, "employee_id": employee});
        let u = api.json(Method::POST, "/api/v1/users", Some(&body)).await?;
        if *role == "supervisor" {
            let uid = Api::id(&u);
            api.json(
                Method::PUT,
                &format!("/api/v1/departments/{}/leads/{uid}", dept_ids["rd"]),
                None,
            )
            .await?;
        }
        logins.push((role.to_string(), password.to_string()));
    }

    // This month's punches, each received when it really would have been.
    let all: Vec<DemoPunch> = punches::generate(&people, month_start, now, 20261125);
    let photo = include_bytes!("visit.png").to_vec();
    let (mut field, mut offline) = (0, 0);
    for (i, p) in all.iter().enumerate() {
        set_clock(p.received);
        let photo_id = if p.place == Place::Customer {
            field += 1;
            let ph = api
                .raw(
                    Method::POST,
                    &format!("/api/v1/photos?employee_id={}", p.employee_id),
                    "image/png",
                    photo.clone(),
                )
                .await?;
            Some(Api::id(&ph))
        } else {
            None
        };
        if p.offline {
            offline += 1;
        }
        let body: Value = p.body(&client_id(i), photo_id.as_deref());
        api.json(Method::POST, "/api/v1/punches", Some(&body))
            .await?;
    }
    set_clock(now);
    let mut it = logins.into_iter();
    let mut next = || it.next().unwrap_or_default();
    Ok(Seeded {
        logins: Logins {
            supervisor: next(),
            employee: next(),
        },
        employees: people.len(),
        punches: all.len(),
        field,
        offline,
    })
}
