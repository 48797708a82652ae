//! The shape of a working day: one to three segments (2, 4 or 6 punches) or one segment with an
//! unpaid break, a punch window per edge, optional flexible start, optional "no check-out needed".

use serde::{Deserialize, Serialize};

use crate::error::SpecError;
use crate::time::DayTime;

/// Default reach of windows the rule does not set: check-in from 4 h before the start; the last
/// check-out until 3 h after the end, or until the day-rollover that follows the start when that
/// is later (a day shift's late overtime still finds its check-out; a night shift's window does
/// not swallow the next morning).
const DEFAULT_IN_LEAD: i32 = 240;
const DEFAULT_OUT_TAIL: i32 = 180;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentSpec {
    pub start: DayTime,
    pub end: DayTime,
    /// Earliest and latest time a check-in counts (both inclusive).
    #[serde(default)]
    pub in_window: Option<[DayTime; 2]>,
    /// Earliest and latest time a check-out counts (both inclusive).
    #[serde(default)]
    pub out_window: Option<[DayTime; 2]>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlexSpec {
    /// Arrival is on time up to this; the segment's `start` is the earliest start that counts and
    /// `end - start` the required span (break included).
    pub latest_start: DayTime,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSpec {
    pub segments: Vec<SegmentSpec>,
    /// Unpaid break inside the single segment, e.g. `["12:00", "13:00"]`.
    #[serde(default, rename = "break")]
    pub break_: Option<[DayTime; 2]>,
    /// 无需下班打卡: check-outs are not required (still used for work time when present).
    #[serde(default)]
    pub no_checkout: bool,
    #[serde(default)]
    pub flex: Option<FlexSpec>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    In,
    Out,
}

/// A punch edge of the schedule with its resolved window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EdgeSpec {
    pub kind: EdgeKind,
    /// 0-based segment index.
    pub segment: u8,
    pub scheduled: DayTime,
    pub window: (DayTime, DayTime),
    pub required: bool,
}

impl EdgeSpec {
    pub fn name(&self) -> &'static str {
        edge_name(self.kind, self.segment)
    }
}

pub fn edge_name(kind: EdgeKind, segment: u8) -> &'static str {
    const IN: [&str; 3] = ["in1", "in2", "in3"];
    const OUT: [&str; 3] = ["out1", "out2", "out3"];
    let i = (segment as usize).min(2);
    match kind {
        EdgeKind::In => IN[i],
        EdgeKind::Out => OUT[i],
    }
}

/// A validated schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    pub name: String,
    pub segments: Vec<(DayTime, DayTime)>,
    pub break_: Option<(DayTime, DayTime)>,
    pub edges: Vec<EdgeSpec>,
    pub no_checkout: bool,
    /// (latest start, required span in minutes) for flexible hours.
    pub flex: Option<(DayTime, i32)>,
}

impl Schedule {
    pub fn compile(
        name: &str,
        spec: &ScheduleSpec,
        rollover: DayTime,
        path: &str,
    ) -> Result<Self, SpecError> {
        let err = |field: &str, msg: String| SpecError::new(format!("{path}.{field}"), msg);
        let n = spec.segments.len();
        if !(1..=3).contains(&n) {
            return Err(err(
                "segments",
                format!("must hold 1 to 3 segments, found {n}"),
            ));
        }
        let mut segments = Vec::with_capacity(n);
        for (i, s) in spec.segments.iter().enumerate() {
            if s.end <= s.start {
                return Err(err(
                    &format!("segments[{i}].end"),
                    format!(
                        "{} is not after start {} (write a next-day end as {}+1)",
                        s.end, s.start, s.end
                    ),
                ));
            }
            if i > 0 && s.start < spec.segments[i - 1].end {
                return Err(err(
                    &format!("segments[{i}].start"),
                    format!("{} overlaps the previous segment", s.start),
                ));
            }
            segments.push((s.start, s.end));
        }
        let first = segments[0].0;
        let last = segments[n - 1].1;
        if last.minutes() - first.minutes() > 1440 {
            return Err(err(
                "segments",
                "a working day spans at most 24 hours".into(),
            ));
        }
        let break_ = match spec.break_ {
            None => None,
            Some([b0, b1]) => {
                if n != 1 {
                    return Err(err(
                        "break",
                        "an unpaid break is for a single segment; use two segments instead".into(),
                    ));
                }
                if !(first <= b0 && b0 < b1 && b1 <= last) {
                    return Err(err(
                        "break",
                        format!("{b0}-{b1} must be a non-empty interval inside {first}-{last}"),
                    ));
                }
                Some((b0, b1))
            }
        };
        let flex = match &spec.flex {
            None => None,
            Some(f) => {
                if n != 1 {
                    return Err(err("flex", "flexible hours need a single segment".into()));
                }
                if f.latest_start < first || f.latest_start >= last {
                    return Err(err(
                        "flex.latest_start",
                        format!(
                            "{} must lie between start {first} and end {last}",
                            f.latest_start
                        ),
                    ));
                }
                Some((f.latest_start, last.minutes() - first.minutes()))
            }
        };
        // Times used to place default windows: the latest on-time arrival and the earliest leave.
        let mut times = Vec::with_capacity(2 * n);
        for (i, (s, e)) in segments.iter().enumerate() {
            let late_in = match flex {
                Some((ls, _)) if i == 0 => ls,
                _ => *s,
            };
            let late_out = match flex {
                Some((ls, span)) => ls.add_minutes(span),
                None => *e,
            };
            times.push((*s, late_in, *e, late_out));
        }
        let mut edges: Vec<EdgeSpec> = Vec::with_capacity(2 * n);
        for (i, s) in spec.segments.iter().enumerate() {
            let (start, late_in, end, late_out) = times[i];
            let in_lo_default = match i {
                0 => start.add_minutes(-DEFAULT_IN_LEAD),
                _ => midpoint_after(times[i - 1].3, start),
            };
            let mid = midpoint(late_in, end);
            let out_hi_default = match times.get(i + 1) {
                Some(next) => midpoint(late_out, next.0),
                None => {
                    let r = rollover.minutes().rem_euclid(1440);
                    let next_rollover = if r > first.minutes() { r } else { r + 1440 };
                    late_out
                        .add_minutes(DEFAULT_OUT_TAIL)
                        .max(DayTime::from_minutes(next_rollover))
                }
            };
            let in_w = s
                .in_window
                .map(|[a, b]| (a, b))
                .unwrap_or((in_lo_default, mid));
            let out_w = s
                .out_window
                .map(|[a, b]| (a, b))
                .unwrap_or((mid.add_minutes(1), out_hi_default));
            let seg = i as u8;
            edges.push(EdgeSpec {
                kind: EdgeKind::In,
                segment: seg,
                scheduled: start,
                window: in_w,
                required: true,
            });
            edges.push(EdgeSpec {
                kind: EdgeKind::Out,
                segment: seg,
                scheduled: end,
                window: out_w,
                required: !spec.no_checkout,
            });
        }
        for (j, e) in edges.iter().enumerate() {
            let field = format!(
                "segments[{}].{}",
                e.segment,
                if e.kind == EdgeKind::In {
                    "in_window"
                } else {
                    "out_window"
                }
            );
            let (lo, hi) = e.window;
            if lo > hi {
                return Err(err(
                    &field,
                    format!("{lo}-{hi}: the window ends before it starts"),
                ));
            }
            let (must_lo, must_hi) = match (e.kind, flex) {
                (EdgeKind::In, Some((ls, _))) => (e.scheduled, ls),
                (EdgeKind::Out, Some((ls, span))) => (e.scheduled, ls.add_minutes(span)),
                _ => (e.scheduled, e.scheduled),
            };
            if lo > must_lo || hi < must_hi {
                return Err(err(
                    &field,
                    format!("{lo}-{hi} must include the scheduled time {must_lo}-{must_hi}"),
                ));
            }
            if j > 0 && edges[j - 1].window.1 >= lo {
                return Err(err(
                    &field,
                    format!(
                        "{lo}-{hi} overlaps the window of {} ({}-{}); a punch must fit one edge only",
                        edges[j - 1].name(),
                        edges[j - 1].window.0,
                        edges[j - 1].window.1
                    ),
                ));
            }
            if lo.minutes() < -1440 || hi.minutes() >= 3 * 1440 {
                return Err(err(
                    &field,
                    "windows may reach one day back or ahead at most".into(),
                ));
            }
        }
        Ok(Self {
            name: name.to_string(),
            segments,
            break_,
            edges,
            no_checkout: spec.no_checkout,
            flex,
        })
    }

    /// Scheduled work minutes in wall-clock terms (break excluded); the day plan recomputes them
    /// from real instants.
    pub fn nominal_minutes(&self) -> i32 {
        let total: i32 = self
            .segments
            .iter()
            .map(|(s, e)| e.minutes() - s.minutes())
            .sum();
        total - self.break_.map_or(0, |(a, b)| b.minutes() - a.minutes())
    }
}

fn midpoint(a: DayTime, b: DayTime) -> DayTime {
    DayTime::from_minutes(a.minutes() + (b.minutes() - a.minutes()).div_euclid(2))
}

fn midpoint_after(a: DayTime, b: DayTime) -> DayTime {
    midpoint(a, b).add_minutes(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DayTime {
        DayTime::parse(s).unwrap_or(DayTime::from_minutes(0))
    }

    fn seg(a: &str, b: &str) -> SegmentSpec {
        SegmentSpec {
            start: t(a),
            end: t(b),
            in_window: None,
            out_window: None,
        }
    }

    #[test]
    fn default_windows_split_the_gaps() {
        let spec = ScheduleSpec {
            segments: vec![seg("09:00", "12:00"), seg("13:00", "18:00")],
            break_: None,
            no_checkout: false,
            flex: None,
        };
        let s = Schedule::compile("d", &spec, DayTime::hm(4, 0), "s").map_err(|e| e.to_string());
        let Ok(s) = s else { panic!("{s:?}") };
        let w: Vec<String> = s
            .edges
            .iter()
            .map(|e| format!("{}-{}", e.window.0, e.window.1))
            .collect();
        assert_eq!(
            w,
            ["05:00-10:30", "10:31-12:30", "12:31-15:30", "15:31-04:00+1"]
        );
    }

    #[test]
    fn rejects_overlapping_windows_naming_the_field() {
        let mut a = seg("09:00", "18:00");
        a.out_window = Some([t("08:00"), t("23:00")]);
        let spec = ScheduleSpec {
            segments: vec![a],
            break_: None,
            no_checkout: false,
            flex: None,
        };
        let e = Schedule::compile("d", &spec, DayTime::hm(4, 0), "schedule").err();
        let msg = e.map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("schedule.segments[0].out_window"), "{msg}");
    }

    #[test]
    fn night_shift_crosses_midnight() {
        let spec = ScheduleSpec {
            segments: vec![seg("22:00", "06:00+1")],
            break_: None,
            no_checkout: false,
            flex: None,
        };
        let s = Schedule::compile("n", &spec, DayTime::hm(4, 0), "s");
        assert!(s.is_ok_and(|s| s.nominal_minutes() == 480));
    }
}
