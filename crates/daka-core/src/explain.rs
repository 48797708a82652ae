//! Renders results as JSON with machine-readable reasons (code and values) and sentences in
//! Simplified Chinese and English. Rendering is separate from computing so the engine's hot
//! path builds no text.

use serde_json::{Map, Value, json};

use crate::facts::PunchSource;
use crate::month::MonthSummary;
use crate::overtime;
use crate::plan::{DayBasis, DayPlan, DayType};
use crate::result::{
    AbsentWhy, DayResult, EdgeResult, IgnoreWhy, Ignored, NotRequiredWhy, OtCategory, Status,
};
use crate::rule::{OvertimeMethod, Rounding, RuleKind};
use crate::schedule::{EdgeKind, edge_name};
use crate::time::{Minute, Zone};

/// A reason: a stable code, its values, and the sentence in both languages.
pub(crate) struct Reason {
    pub(crate) code: &'static str,
    pub(crate) values: Value,
    pub(crate) en: String,
    pub(crate) zh: String,
}

impl Reason {
    pub(crate) fn json(&self) -> Value {
        json!({"code": self.code, "values": self.values, "en": self.en, "zh": self.zh})
    }
}

/// Local `HH:MM`, with `+1` / `-1` when the local date differs from the attendance date.
fn hm(plan: &DayPlan, m: Minute) -> String {
    let z = &plan.version.zone;
    let d = z.date_of(m);
    let base = z.hhmm(m);
    let diff = d.since(plan.date).map(|s| s.get_days()).unwrap_or(0);
    match diff {
        0 => base,
        n if n > 0 => format!("{base}+{n}"),
        n => format!("{base}{n}"),
    }
}

fn ts(z: &Zone, m: Option<Minute>) -> Value {
    m.map_or(Value::Null, |m| Value::String(z.rfc3339(m)))
}

fn rule_tag(plan: &DayPlan) -> (String, String) {
    let l = plan.version.label();
    (format!(" (rule {l})"), format!("（规则 {l}）"))
}

fn source_str(s: PunchSource) -> &'static str {
    match s {
        PunchSource::Punch => "punch",
        PunchSource::Makeup => "makeup",
        PunchSource::Correction => "correction",
    }
}

fn verb(kind: EdgeKind) -> (&'static str, &'static str) {
    match kind {
        EdgeKind::In => ("check-in", "上班打卡"),
        EdgeKind::Out => ("check-out", "下班打卡"),
    }
}

fn not_required_reason(plan: &DayPlan, e: &EdgeResult, why: &NotRequiredWhy) -> Reason {
    let (code_why, en, zh, leave): (&str, String, String, Option<&str>) = match why {
        NotRequiredWhy::NonWorkday => match plan.day.day_type {
            DayType::Holiday => {
                let name = plan.day.holiday_name.clone().unwrap_or_default();
                (
                    "non_workday",
                    format!("not required: holiday {name}"),
                    format!("无需打卡：节假日 {name}"),
                    None,
                )
            }
            _ => (
                "non_workday",
                "not required: rest day".into(),
                "无需打卡：休息日".into(),
                None,
            ),
        },
        NotRequiredWhy::NoCheckout => (
            "no_checkout",
            "not required: the rule needs no check-out".into(),
            "无需打卡：规则不要求下班打卡".into(),
            None,
        ),
        NotRequiredWhy::FullDayLeave(t) => (
            "full_day_leave",
            format!("not required: full-day leave ({t})"),
            format!("无需打卡：全天请假（{t}）"),
            Some(t),
        ),
        NotRequiredWhy::SegmentOnLeave(t) => (
            "segment_on_leave",
            format!("not required: this work segment is on leave ({t})"),
            format!("无需打卡：该时段请假（{t}）"),
            Some(t),
        ),
        NotRequiredWhy::Trip => {
            let at = e.scheduled.map(|m| hm(plan, m)).unwrap_or_default();
            (
                "trip",
                format!("not required: {at} falls in an approved business trip"),
                format!("无需打卡：{at} 在已批准的出差时间内"),
                None,
            )
        }
        NotRequiredWhy::Outing => {
            let at = e.scheduled.map(|m| hm(plan, m)).unwrap_or_default();
            (
                "outing",
                format!("not required: {at} falls in an approved outing"),
                format!("无需打卡：{at} 在已批准的外出时间内"),
                None,
            )
        }
    };
    Reason {
        code: "not_required",
        values: json!({"why": code_why, "leave_type": leave}),
        en,
        zh,
    }
}

pub(crate) fn edge_reasons(plan: &DayPlan, e: &EdgeResult) -> Vec<Reason> {
    let v = &plan.version;
    let (rule_en, rule_zh) = rule_tag(plan);
    let (verb_en, verb_zh) = verb(e.kind);
    let punch = e.punch.map(|(s, _)| s.div_euclid(60));
    let p = punch.map(|m| hm(plan, m)).unwrap_or_default();
    let j = e.judged_against.map(|m| hm(plan, m)).unwrap_or_default();
    let th = if e.kind == EdgeKind::In {
        &v.late
    } else {
        &v.early
    };
    let thresholds = json!({"grace": th.grace, "serious": th.serious, "absent": th.absent});
    let mut out = Vec::new();
    if let Some(why) = &e.not_required {
        out.push(not_required_reason(plan, e, why));
    } else {
        match e.status {
            Status::Missing => {
                let (lo, hi) = e.window.unwrap_or_default();
                let (wl, wh) = (hm(plan, lo), hm(plan, hi));
                let window = e
                    .window
                    .map(|(lo, hi)| json!([v.zone.rfc3339(lo), v.zone.rfc3339(hi)]));
                out.push(Reason {
                    code: "missing",
                    values: json!({"edge": e.name(), "window": window}),
                    en: if e.window.is_some() {
                        format!("missing: no {verb_en} between {wl} and {wh}{rule_en}")
                    } else {
                        format!("missing: no {verb_en} this day{rule_en}")
                    },
                    zh: if e.window.is_some() {
                        format!("缺卡：{wl} 至 {wh} 之间没有{verb_zh}{rule_zh}")
                    } else {
                        format!("缺卡：当天没有{verb_zh}{rule_zh}")
                    },
                });
            }
            Status::Normal => {
                let raw = match (e.kind, punch, e.judged_against) {
                    (EdgeKind::In, Some(p), Some(j)) => (p - j).max(0),
                    (EdgeKind::Out, Some(p), Some(j)) => (j - p).max(0),
                    _ => 0,
                };
                let (en, zh) = match (e.judged_against.is_some(), raw > 0, e.kind) {
                    (false, _, _) => (
                        format!("{verb_en} at {p}{rule_en}"),
                        format!("{p} {verb_zh}{rule_zh}"),
                    ),
                    (true, true, EdgeKind::In) => (
                        format!(
                            "on time: check-in {p} within {j} + {} min grace{rule_en}",
                            th.grace
                        ),
                        format!("正常：{p} 打卡，在 {j} + {} 分钟宽限内{rule_zh}", th.grace),
                    ),
                    (true, true, EdgeKind::Out) => (
                        format!(
                            "on time: check-out {p} within {} min grace before {j}{rule_en}",
                            th.grace
                        ),
                        format!(
                            "正常：{p} 下班打卡，在 {j} 前 {} 分钟宽限内{rule_zh}",
                            th.grace
                        ),
                    ),
                    (true, false, EdgeKind::In) if plan.flex.is_some() => (
                        format!("on time: check-in {p}, by the latest start {j}{rule_en}"),
                        format!("正常：{p} 打卡，不晚于最晚上班时间 {j}{rule_zh}"),
                    ),
                    (true, false, EdgeKind::In) => (
                        format!("on time: check-in {p}, start {j}{rule_en}"),
                        format!("正常：{p} 打卡，上班时间 {j}{rule_zh}"),
                    ),
                    (true, false, EdgeKind::Out) => (
                        format!("on time: check-out {p}, end {j}{rule_en}"),
                        format!("正常：{p} 下班打卡，下班时间 {j}{rule_zh}"),
                    ),
                };
                let judged = e.judged_against.map(|_| j.clone());
                out.push(Reason {
                    code: "on_time",
                    values: json!({"edge": e.name(), "punch": p, "judged_against": judged,
                        "within_grace_minutes": raw, "thresholds": thresholds}),
                    en,
                    zh,
                });
            }
            Status::Late | Status::SeriousLate | Status::Absent | Status::Early => {
                let m = e.minutes;
                let g = th.grace;
                let (code, en, zh) = match (e.status, e.kind) {
                    (Status::Late, _) => (
                        "late",
                        format!("late {m} min: check-in {p} after {j} + {g} min grace{rule_en}"),
                        format!("迟到 {m} 分钟：{p} 打卡，晚于 {j} + {g} 分钟宽限{rule_zh}"),
                    ),
                    (Status::SeriousLate, _) => {
                        let s = th.serious.unwrap_or(0);
                        (
                            "serious_late",
                            format!(
                                "seriously late {m} min: check-in {p} after {j}, at or beyond the {s} min serious threshold{rule_en}"
                            ),
                            format!(
                                "严重迟到 {m} 分钟：{p} 打卡，晚于 {j}，达到 {s} 分钟严重迟到阈值{rule_zh}"
                            ),
                        )
                    }
                    (Status::Absent, EdgeKind::In) => {
                        let a = th.absent.unwrap_or(0);
                        (
                            "absent_late",
                            format!(
                                "absent (late {m} min): check-in {p} after {j}, at or beyond the {a} min absent threshold{rule_en}"
                            ),
                            format!(
                                "旷工（迟到 {m} 分钟）：{p} 打卡，晚于 {j}，达到 {a} 分钟旷工阈值{rule_zh}"
                            ),
                        )
                    }
                    (Status::Absent, EdgeKind::Out) => {
                        let a = th.absent.unwrap_or(0);
                        (
                            "absent_early",
                            format!(
                                "absent (left {m} min early): check-out {p} before {j}, at or beyond the {a} min absent threshold{rule_en}"
                            ),
                            format!(
                                "旷工（早退 {m} 分钟）：{p} 下班打卡，早于 {j}，达到 {a} 分钟旷工阈值{rule_zh}"
                            ),
                        )
                    }
                    _ => (
                        "early",
                        format!(
                            "left early {m} min: check-out {p} before {j} - {g} min grace{rule_en}"
                        ),
                        format!("早退 {m} 分钟：{p} 下班打卡，早于 {j} - {g} 分钟宽限{rule_zh}"),
                    ),
                };
                out.push(Reason {
                    code,
                    values: json!({"edge": e.name(), "minutes": m, "punch": p, "judged_against": j,
                        "thresholds": thresholds}),
                    en,
                    zh,
                });
            }
            Status::NotRequired => {}
        }
    }
    if let Some((_, src)) = e.punch
        && src != PunchSource::Punch
    {
        let (en, zh) = match src {
            PunchSource::Makeup => (
                "supplied by an approved make-up punch (补卡)",
                "由已批准的补卡提供",
            ),
            _ => ("supplied by an admin correction", "由管理员更正提供"),
        };
        out.push(Reason {
            code: source_str(src),
            values: json!({"edge": e.name(), "at": p}),
            en: format!("{p} {en}"),
            zh: format!("{p} {zh}"),
        });
    }
    if let Some((left, after, later)) = e.adjust.late_rule {
        out.push(Reason {
            code: "late_rule",
            values: json!({"left_minutes_yesterday": left, "left_after": after, "arrive_later": later}),
            en: format!("may arrive {later} min later: left {left} min after yesterday's end (tier: at least {after} min)"),
            zh: format!("可晚到 {later} 分钟：昨日晚走 {left} 分钟（满 {after} 分钟档）"),
        });
    }
    if let Some(t) = &e.adjust.leave {
        out.push(Reason {
            code: "leave_moved_time",
            values: json!({"leave_type": &**t, "judged_against": j}),
            en: format!("judged against {j} because of approved leave ({t})"),
            zh: format!("因已批准请假（{t}），按 {j} 判定"),
        });
    }
    if let Some(s) = e.adjust.flex_start
        && let Some(f) = plan.flex
    {
        let st = hm(plan, s);
        out.push(Reason {
            code: "flex_leave_time",
            values: json!({"effective_start": st, "span_minutes": f.span, "required_leave": j}),
            en: format!(
                "flexible hours: leave from {j} = start {st} + {} min",
                f.span
            ),
            zh: format!("弹性工时：应下班 {j} = 开始 {st} + {} 分钟", f.span),
        });
    }
    if e.adjust.flex_without_checkin {
        out.push(Reason {
            code: "flex_without_checkin",
            values: json!({"required_leave": j}),
            en: format!(
                "flexible hours without a check-in: leave judged from the earliest start, {j}"
            ),
            zh: format!("弹性工时缺上班卡：按最早上班时间计算应下班 {j}"),
        });
    }
    out
}

pub(crate) fn ignored_json(plan: &DayPlan, i: &Ignored) -> Value {
    let z = &plan.version.zone;
    let at = hm(plan, i.second.div_euclid(60));
    let (code, en, zh) = match i.why {
        IgnoreWhy::Duplicate => (
            "duplicate".to_string(),
            format!("{at} ignored: same instant as another punch"),
            format!("{at} 已忽略：与另一次打卡时间相同"),
        ),
        IgnoreWhy::OutsideWindows => (
            "outside_windows".to_string(),
            format!("{at} ignored: inside no punch window of this day"),
            format!("{at} 已忽略：不在当天任何打卡时段内"),
        ),
        IgnoreWhy::NotChosen(k, s) => {
            let name = edge_name(k, s);
            let rule = match k {
                EdgeKind::In => ("the earliest check-in counts", "取最早的上班打卡"),
                EdgeKind::Out => ("the latest check-out counts", "取最晚的下班打卡"),
            };
            (
                "not_chosen".to_string(),
                format!("{at} ignored: in the {name} window, but {}", rule.0),
                format!("{at} 已忽略：在 {name} 时段内，但{}", rule.1),
            )
        }
        IgnoreWhy::Intermediate => (
            "intermediate".to_string(),
            format!("{at} ignored: between the first and the last punch of the day"),
            format!("{at} 已忽略：位于当天第一次与最后一次打卡之间"),
        ),
        IgnoreWhy::Voided => (
            "voided".to_string(),
            format!("{at} ignored: voided by an admin correction"),
            format!("{at} 已忽略：已被管理员更正作废"),
        ),
    };
    let edge = match i.why {
        IgnoreWhy::NotChosen(k, s) => Value::String(edge_name(k, s).into()),
        _ => Value::Null,
    };
    json!({"at": z.rfc3339_second(i.second), "source": source_str(i.source), "reason": code,
        "edge": edge, "en": en, "zh": zh})
}

fn day_type_reason(plan: &DayPlan) -> Reason {
    let d = &plan.day;
    let basis = d.basis;
    let (be, bz) = match basis {
        DayBasis::RuleDayOff => (
            "a day off of this rule".to_string(),
            "本规则特殊休息日".to_string(),
        ),
        DayBasis::RuleWorkday => ("a workday of this rule".into(), "本规则特殊工作日".into()),
        DayBasis::CompanyDayOff => ("a company day off".into(), "公司特殊休息日".into()),
        DayBasis::CompanyWorkday => ("a company workday".into(), "公司特殊工作日".into()),
        DayBasis::NationalHoliday => {
            let n = d.holiday_name.clone().unwrap_or_default();
            (format!("national holiday {n}"), format!("法定假期 {n}"))
        }
        DayBasis::NationalMakeupWorkday => {
            let n = d.holiday_name.clone().unwrap_or_default();
            (
                format!("调休 make-up workday ({n})"),
                format!("调休上班（{n}）"),
            )
        }
        DayBasis::WeeklyPattern => ("the weekly pattern".into(), "每周工作日设置".into()),
        DayBasis::AlternatingAnchorWeek => (
            "the anchor week of alternating weeks".into(),
            "大小周（基准周）".into(),
        ),
        DayBasis::AlternatingOtherWeek => (
            "the other week of alternating weeks".into(),
            "大小周（交替周）".into(),
        ),
        DayBasis::RotaShift => {
            let s = plan.shift_name().unwrap_or_default().to_string();
            (format!("rota shift {s}"), format!("排班 {s}"))
        }
        DayBasis::RotaRest => ("rota rest day".into(), "排班休息".into()),
        DayBasis::RotaMissing => (
            "no rota entry (treated as rest)".into(),
            "未排班（按休息处理）".into(),
        ),
    };
    let (te, tz) = match d.day_type {
        DayType::Workday => ("workday", "工作日"),
        DayType::RestDay => ("rest day", "休息日"),
        DayType::Holiday if d.statutory => ("statutory holiday", "法定节假日"),
        DayType::Holiday => ("holiday (not statutory)", "节假日（非法定）"),
    };
    let (re, rz) = rule_tag(plan);
    Reason {
        code: "day_type",
        values: json!({"day_type": d.day_type.as_str(), "required": d.required, "basis": basis.code(),
            "holiday": d.holiday_name, "statutory": d.statutory}),
        en: format!("{te}: {be}{re}"),
        zh: format!("{tz}：{bz}{rz}"),
    }
}

fn absent_reasons(r: &DayResult) -> Vec<Reason> {
    let s = &r.plan.version.absence;
    r.absent_why
        .iter()
        .map(|w| {
            let (code, values, en, zh) = match *w {
                AbsentWhy::AbsentEdge(k, seg) => (
                    "absent_edge",
                    json!({"edge": edge_name(k, seg), "days": s.absent_edge_days, "setting": "absence.absent_edge_days"}),
                    format!("absent {} day: {} beyond the absent threshold", s.absent_edge_days, edge_name(k, seg)),
                    format!("旷工 {} 天：{} 超过旷工阈值", s.absent_edge_days, edge_name(k, seg)),
                ),
                AbsentWhy::AllMissing => (
                    "all_missing",
                    json!({"days": s.all_missing_days, "setting": "absence.all_missing_days"}),
                    format!("absent {} day: every required punch is missing", s.all_missing_days),
                    format!("旷工 {} 天：所有应打卡均缺卡", s.all_missing_days),
                ),
                AbsentWhy::SomeMissing => (
                    "some_missing",
                    json!({"days": s.some_missing_days, "setting": "absence.some_missing_days"}),
                    format!("absent {} day: some required punches are missing", s.some_missing_days),
                    format!("旷工 {} 天：部分应打卡缺卡", s.some_missing_days),
                ),
                AbsentWhy::WorkBelowHalfDay(w) => {
                    let t = s.work_minutes.map_or(0, |x| x.half_day_below);
                    (
                        "work_below_half_day",
                        json!({"work_minutes": w, "half_day_below": t, "setting": "absence.work_minutes"}),
                        format!("absent 0.5 day: worked {w} min, below {t} min"),
                        format!("旷工 0.5 天：工作 {w} 分钟，少于 {t} 分钟"),
                    )
                }
                AbsentWhy::WorkBelowAbsent(w) => {
                    let t = s.work_minutes.map_or(0, |x| x.absent_below);
                    (
                        "work_below_absent",
                        json!({"work_minutes": w, "absent_below": t, "setting": "absence.work_minutes"}),
                        format!("absent 1 day: worked {w} min, below {t} min"),
                        format!("旷工 1 天：工作 {w} 分钟，少于 {t} 分钟"),
                    )
                }
                AbsentWhy::CappedByLeave => (
                    "absent_capped_by_leave",
                    json!({"absent_days": r.absent_days}),
                    format!("absence limited to {} day by leave taken the same day", r.absent_days),
                    format!("因当天请假，旷工计为 {} 天", r.absent_days),
                ),
            };
            Reason { code, values, en, zh }
        })
        .collect()
}

fn overtime_reason(r: &DayResult) -> Option<Reason> {
    let w = r.overtime_why?;
    let s = &r.plan.version.overtime;
    let (ce, cz) = match w.category {
        OtCategory::Workday => ("workday", "工作日"),
        OtCategory::RestDay => ("rest day", "休息日"),
        OtCategory::Holiday => ("statutory holiday", "法定节假日"),
    };
    let method = match s.method {
        OvertimeMethod::AfterEnd => "after_end",
        OvertimeMethod::WorkedMinusExpected => "worked_minus_expected",
    };
    let rounding = match s.rounding {
        Rounding::Down => ("down", "向下"),
        Rounding::Up => ("up", "向上"),
        Rounding::Nearest => ("nearest", "四舍五入"),
    };
    let how_en = match (w.category, s.method) {
        (OtCategory::Workday, OvertimeMethod::AfterEnd) => format!(
            "time after the scheduled end + {} min start delay{}",
            s.start_delay,
            if w.early > 0 {
                format!(", plus {} min early arrival", w.early)
            } else {
                String::new()
            }
        ),
        (OtCategory::Workday, OvertimeMethod::WorkedMinusExpected) => {
            "work beyond the scheduled minutes".into()
        }
        _ => "from the first to the last punch".into(),
    };
    let how_zh = match (w.category, s.method) {
        (OtCategory::Workday, OvertimeMethod::AfterEnd) => format!(
            "下班时间 + {} 分钟起算{}",
            s.start_delay,
            if w.early > 0 {
                format!("，另加提前到岗 {} 分钟", w.early)
            } else {
                String::new()
            }
        ),
        (OtCategory::Workday, OvertimeMethod::WorkedMinusExpected) => "超出应工作时长的部分".into(),
        _ => "从第一次到最后一次打卡".into(),
    };
    let approval = if s.needs_approval {
        let cut = w.worked - w.raw;
        (
            format!(
                ", inside approved overtime only ({cut} of {} min not approved)",
                w.worked
            ),
            format!(
                "，仅计已批准加班时段（{} 分钟中 {cut} 分钟未经批准）",
                w.worked
            ),
        )
    } else {
        (String::new(), String::new())
    };
    let (en, zh) = if w.disabled {
        (
            format!(
                "overtime not counted: the rule counts no {ce} overtime ({} min worked)",
                w.worked
            ),
            format!("不计加班：规则不计{cz}加班（{} 分钟）", w.worked),
        )
    } else {
        (
            format!(
                "{ce} overtime {} min: {} min {how_en}{}, minimum {} min, rounded {} to {} min",
                w.counted, w.raw, approval.0, s.minimum, rounding.0, s.unit
            ),
            format!(
                "{cz}加班 {} 分钟：{how_zh} {} 分钟{}，最少 {} 分钟，按 {} 分钟{}取整",
                w.counted, w.raw, approval.1, s.minimum, s.unit, rounding.1
            ),
        )
    };
    Some(Reason {
        code: "overtime",
        values: json!({"category": w.category.as_str(), "raw_minutes": w.raw, "early_minutes": w.early,
            "counted_minutes": w.counted, "worked_minutes": w.worked, "method": method, "start_delay": s.start_delay,
            "minimum": s.minimum, "unit": s.unit, "rounding": rounding.0,
            "needs_approval": s.needs_approval, "count_early_arrival": s.count_early_arrival,
            "category_enabled": !w.disabled}),
        en,
        zh,
    })
}

fn kind_str(k: RuleKind) -> &'static str {
    match k {
        RuleKind::Fixed => "fixed",
        RuleKind::Rota => "rota",
        RuleKind::Flexible => "flexible",
        RuleKind::Free => "free",
    }
}

/// One employee-day as JSON (fields documented in `docs/results.md`).
pub fn day_json(r: &DayResult) -> Value {
    let plan = &*r.plan;
    let v = &plan.version;
    let z = &v.zone;
    let mut sentences_en: Vec<String> = Vec::new();
    let mut sentences_zh: Vec<String> = Vec::new();
    let mut day_reasons: Vec<Value> = Vec::new();
    let dt = day_type_reason(plan);
    sentences_en.push(dt.en.clone());
    sentences_zh.push(dt.zh.clone());
    day_reasons.push(dt.json());
    if plan.day.calendar_year_missing {
        let y = plan.date.year();
        let reason = Reason {
            code: "calendar_year_missing",
            values: json!({"year": y}),
            en: format!(
                "warning: the national calendar for {y} is not loaded; weekly pattern used"
            ),
            zh: format!("警告：未加载 {y} 年国家节假日安排，按每周设置判断"),
        };
        sentences_en.push(reason.en.clone());
        sentences_zh.push(reason.zh.clone());
        day_reasons.push(reason.json());
    }
    let edges: Vec<Value> = r
        .edges
        .iter()
        .map(|e| {
            let reasons = edge_reasons(plan, e);
            let en: Vec<&str> = reasons.iter().map(|x| x.en.as_str()).collect();
            let zh: Vec<&str> = reasons.iter().map(|x| x.zh.as_str()).collect();
            let en = format!("{}: {}", e.name(), en.join("; "));
            let zh = format!("{}：{}", e.name(), zh.join("；"));
            sentences_en.push(en.clone());
            sentences_zh.push(zh.clone());
            json!({
                "edge": e.name(),
                "scheduled": ts(z, e.scheduled),
                "judged_against": ts(z, e.judged_against),
                "window": e.window.map(|(a, b)| json!([z.rfc3339(a), z.rfc3339(b)])),
                "punch": e.punch.map(|(s, _)| z.rfc3339_second(s)),
                "punch_source": e.punch.map(|(_, s)| source_str(s)),
                "status": e.status.as_str(),
                "minutes": e.minutes,
                "reasons": reasons.iter().map(Reason::json).collect::<Vec<_>>(),
                "explanation": {"en": en, "zh": zh},
            })
        })
        .collect();
    let ignored: Vec<Value> = r.ignored.iter().map(|i| ignored_json(plan, i)).collect();
    for a in absent_reasons(r) {
        sentences_en.push(a.en.clone());
        sentences_zh.push(a.zh.clone());
        day_reasons.push(a.json());
    }
    if let Some(o) = overtime_reason(r) {
        sentences_en.push(o.en.clone());
        sentences_zh.push(o.zh.clone());
        day_reasons.push(o.json());
    }
    if r.short_minutes > 0 {
        let min = v.min_work_minutes.unwrap_or(0);
        let reason = Reason {
            code: "short_hours",
            values: json!({"work_minutes": r.work_minutes, "min_work_minutes": min, "short_minutes": r.short_minutes}),
            en: format!(
                "short by {} min: worked {} of the required {min} min",
                r.short_minutes, r.work_minutes
            ),
            zh: format!(
                "工时不足 {} 分钟：工作 {} 分钟，要求 {min} 分钟",
                r.short_minutes, r.work_minutes
            ),
        };
        sentences_en.push(reason.en.clone());
        sentences_zh.push(reason.zh.clone());
        day_reasons.push(reason.json());
    }
    let leave: Vec<Value> = r
        .leave
        .iter()
        .map(|l| json!({"type": &*l.leave_type, "days": l.days, "minutes": l.minutes}))
        .collect();
    let holiday = plan
        .day
        .holiday_name
        .as_ref()
        .map(|n| json!({"name": n, "statutory": plan.day.statutory, "off": plan.day.basis == DayBasis::NationalHoliday || plan.day.day_type == DayType::Holiday}));
    json!({
        "employee": &*r.employee,
        "date": plan.date.to_string(),
        "rule": {"id": v.rule_id, "name": v.rule_name, "version": v.version, "kind": kind_str(v.kind),
                 "time_zone": z.name(), "effective_from": v.effective_from.to_string()},
        "shift": plan.shift_name(),
        "day_type": plan.day.day_type.as_str(),
        "required": plan.day.required,
        "day_basis": plan.day.basis.code(),
        "holiday": holiday,
        "scheduled_minutes": plan.scheduled_minutes,
        "edges": edges,
        "ignored": ignored,
        "work_minutes": r.work_minutes,
        "overtime": {"workday": r.overtime.workday, "rest_day": r.overtime.rest_day, "holiday": r.overtime.holiday},
        "overtime_category": overtime::category(plan).as_str(),
        "absent_days": r.absent_days,
        "leave": leave,
        "trip_minutes": r.trip_minutes,
        "short_minutes": r.short_minutes,
        "attended": r.attended(),
        "reasons": day_reasons,
        "explanation": {"en": sentences_en.join(". "), "zh": sentences_zh.join("。")},
    })
}

/// One month summary as JSON.
pub fn month_json(s: &MonthSummary) -> Value {
    let mut leave = Map::new();
    for (t, (days, minutes)) in &s.leave {
        leave.insert(t.to_string(), json!({"days": days, "minutes": minutes}));
    }
    json!({
        "employee": &*s.employee,
        "month": format!("{:04}-{:02}", s.year, s.month),
        "days": s.days,
        "required_days": s.required_days,
        "attended_days": s.attended_days,
        "rest_days_worked": s.rest_days_worked,
        "late_count": s.late_count,
        "late_minutes": s.late_minutes,
        "serious_late_count": s.serious_late_count,
        "serious_late_minutes": s.serious_late_minutes,
        "early_count": s.early_count,
        "early_minutes": s.early_minutes,
        "absent_edges": s.absent_edges,
        "missing_punches": s.missing_punches,
        "absent_days": s.absent_days,
        "leave": leave,
        "trip_minutes": s.trip_minutes,
        "work_minutes": s.work_minutes,
        "overtime": {"workday": s.overtime.workday, "rest_day": s.overtime.rest_day, "holiday": s.overtime.holiday},
        "short_days": s.short_days,
        "perfect_attendance": s.perfect_attendance,
    })
}
