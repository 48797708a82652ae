//! Where one punch landed: the attendance day it belongs to and the edge it satisfies (or why
//! it satisfies none), for the answer given to the person who just punched.

use serde_json::{Value, json};

use crate::explain::{edge_reasons, ignored_json};
use crate::result::DayResult;

/// The answer for the punch at UTC second `second`, from the results of the days around it
/// (computed with that punch among the facts). `None` when no day of the employee claims it
/// (no rule in force, or not employed then).
pub fn locate(results: &[DayResult], second: i64) -> Option<Value> {
    for r in results {
        let plan = &*r.plan;
        let date = plan.date.to_string();
        if let Some(e) = r
            .edges
            .iter()
            .find(|e| e.punch.is_some_and(|(s, _)| s == second))
        {
            let reasons = edge_reasons(plan, e);
            let en: Vec<&str> = reasons.iter().map(|x| x.en.as_str()).collect();
            let zh: Vec<&str> = reasons.iter().map(|x| x.zh.as_str()).collect();
            return Some(json!({
                "attendance_date": date,
                "edge": e.name(),
                "status": e.status.as_str(),
                "minutes": e.minutes,
                "ignored": Value::Null,
                "reasons": reasons.iter().map(|x| x.json()).collect::<Vec<_>>(),
                "explanation": {
                    "en": format!("{date} {}: {}", e.name(), en.join("; ")),
                    "zh": format!("{date} {}：{}", e.name(), zh.join("；")),
                },
            }));
        }
        if let Some(i) = r.ignored.iter().find(|i| i.second == second) {
            let j = ignored_json(plan, i);
            let en = j.get("en").and_then(Value::as_str).unwrap_or_default();
            let zh = j.get("zh").and_then(Value::as_str).unwrap_or_default();
            return Some(json!({
                "attendance_date": date,
                "edge": Value::Null,
                "status": Value::Null,
                "minutes": 0,
                "ignored": j.get("reason").cloned().unwrap_or(Value::Null),
                "reasons": [{"code": j.get("reason"), "values": {"edge": j.get("edge")}, "en": en, "zh": zh}],
                "explanation": {"en": format!("{date}: {en}"), "zh": format!("{date}：{zh}")},
            }));
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;
    use crate::calendar::{NationalCalendar, SpecialDays};
    use crate::engine::Engine;
    use crate::facts::{EmployeeFacts, Punch, PunchSource};
    use crate::plan::PlanCache;
    use crate::rule::{Rule, RuleSpec};
    use jiff::civil::date;

    fn engine() -> Engine {
        let spec: RuleSpec = serde_json::from_value(json!({
            "id": "office", "name": "Office",
            "versions": [{"effective_from": "2026-01-01", "time_zone": "Asia/Shanghai", "kind": "fixed",
                "late": {"grace": 5},
                "schedule": {"segments": [{"start": "09:00", "end": "18:00"}]}}]
        }))
        .expect("spec");
        let rule = Rule::compile(&spec).expect("rule");
        Engine::new(
            vec![rule],
            NationalCalendar::china(),
            SpecialDays::default(),
        )
    }

    fn at(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().expect("instant").as_second()
    }

    #[test]
    fn a_late_check_in_and_a_second_check_in() {
        let e = engine();
        let first = at("2026-03-02T01:07:00Z"); // 09:07 in Shanghai
        let second = at("2026-03-02T01:20:00Z");
        let emp = EmployeeFacts {
            id: "e1".into(),
            assignments: vec![(date(2000, 1, 1), 0)],
            punches: vec![
                Punch {
                    second: first,
                    source: PunchSource::Punch,
                },
                Punch {
                    second,
                    source: PunchSource::Punch,
                },
            ],
            ..Default::default()
        };
        let days = e.employee_days(
            &emp,
            date(2026, 3, 1),
            date(2026, 3, 3),
            &mut PlanCache::default(),
        );
        let a = locate(&days, first).expect("placed");
        assert_eq!(a["attendance_date"], "2026-03-02");
        assert_eq!(a["edge"], "in1");
        assert_eq!(a["status"], "Late");
        assert_eq!(a["minutes"], 7);
        let b = locate(&days, second).expect("placed");
        assert_eq!(b["edge"], Value::Null);
        assert_eq!(b["ignored"], "not_chosen");
        assert!(locate(&days, at("2027-01-01T00:00:00Z")).is_none());
    }
}
