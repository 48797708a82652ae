//! A month of realistic punches for the demo company: most on time, a few late, forgotten,
//! early, with overtime, field work at a customer, Wi-Fi-only punches at the sales office, and
//! night-shift punches queued offline and synced hours later.

use daka_core::calendar::NationalCalendar;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use super::company::{
    CUSTOMER, HOME, HQ_CENTRE, PLANT_CENTRE, PLANT_WIFI, RuleKey, SALES_WIFI, plant_shift,
};

/// One demo person as the generator needs them.
pub struct Person {
    pub employee_id: String,
    pub rule: RuleKey,
    pub sales: bool,
    /// Plant crew (0..3) for the rota.
    pub crew: usize,
}

/// Where a punch was made.
#[derive(Clone, Debug, PartialEq)]
pub enum Place {
    Hq,
    HqWifiOnly,
    SalesOffice,
    Plant,
    Customer,
    /// Working from home: outside every site, an exception for the supervisor to review.
    Home,
}

#[derive(Clone, Debug)]
pub struct DemoPunch {
    pub employee_id: String,
    pub device_time: Timestamp,
    /// When the server receives it (later than the device time for offline punches).
    pub received: Timestamp,
    pub offline: bool,
    pub place: Place,
    pub accuracy_m: f64,
    pub jitter: (f64, f64),
}

impl DemoPunch {
    /// The punch API item for this punch (`photo_id` for field work).
    pub fn body(&self, client_id: &str, photo_id: Option<&str>) -> Value {
        let zoned = self.device_time.to_zoned(shanghai());
        let mut b = json!({
            "id": client_id,
            "employee_id": self.employee_id,
            "device_time": zoned.timestamp().display_with_offset(zoned.offset()).to_string(),
            "offline": self.offline,
            "source": "app",
        });
        let at = |c: (f64, f64)| {
            json!({"lat": c.0 + self.jitter.0, "lng": c.1 + self.jitter.1,
                   "system": "gcj02", "accuracy_m": self.accuracy_m})
        };
        match self.place {
            Place::Hq => b["position"] = at(HQ_CENTRE),
            Place::HqWifiOnly => {
                b["wifi"] =
                    json!([{"bssid": "a4:3e:51:08:9c:01", "ssid": "DemoCorp-Office", "rssi": -58}])
            }
            Place::SalesOffice => {
                b["wifi"] = json!([{"bssid": SALES_WIFI, "ssid": "DemoCorp-Sales", "rssi": -61}])
            }
            Place::Plant => {
                b["position"] = at(PLANT_CENTRE);
                b["wifi"] = json!([{"bssid": PLANT_WIFI, "ssid": "Plant-Floor", "rssi": -64}]);
            }
            Place::Home => {
                b["position"] = at(HOME);
                b["note"] = json!("在家办公，等快递维修 / working from home");
            }
            Place::Customer => {
                b["position"] = at(CUSTOMER);
                b["note"] = json!("拜访客户：陆家嘴 华东区渠道季度回顾 / customer visit, Lujiazui");
                if let Some(p) = photo_id {
                    b["photo_id"] = json!(p);
                }
            }
        }
        b
    }
}

pub fn shanghai() -> TimeZone {
    TimeZone::get("Asia/Shanghai").unwrap_or(TimeZone::UTC)
}

fn instant(d: Date, minutes: i64) -> Option<Timestamp> {
    let base = d.to_datetime(Time::midnight()).to_zoned(shanghai()).ok()?;
    Some(base.checked_add(minutes.minutes()).ok()?.timestamp())
}

fn office_workday(cal: &NationalCalendar, d: Date) -> bool {
    match cal.get(d) {
        Some(n) => !n.off,
        None => (d.weekday().to_monday_one_offset()) <= 5,
    }
}

/// Every punch of `people` from `from` up to `now` (punches still in the future are left out).
pub fn generate(people: &[Person], from: Date, now: Timestamp, seed: u64) -> Vec<DemoPunch> {
    let cal = NationalCalendar::china();
    let mut rng = StdRng::seed_from_u64(seed);
    let today = now.to_zoned(shanghai()).date();
    let mut out = Vec::new();
    for p in people {
        let mut d = from;
        let mut day_index: i64 = 0;
        while d <= today {
            // (start, end) in minutes from local midnight of the attendance day.
            let shift: Option<(i64, i64)> = match p.rule {
                RuleKey::Office if office_workday(&cal, d) => Some((9 * 60, 18 * 60)),
                RuleKey::Flexible if office_workday(&cal, d) => {
                    let start = rng.random_range(8 * 60 + 10..=10 * 60 + 15);
                    Some((start, start + 9 * 60))
                }
                RuleKey::Rota => match plant_shift(p.crew, day_index) {
                    "M" => Some((6 * 60, 14 * 60)),
                    "E" => Some((14 * 60, 22 * 60)),
                    "N" => Some((22 * 60, 30 * 60)),
                    _ => None,
                },
                _ => None,
            };
            if let Some((start, end)) = shift {
                day(p, d, start, end, now, &mut rng, &mut out);
            }
            d = match d.checked_add(1.day()) {
                Ok(n) => n,
                Err(_) => break,
            };
            day_index += 1;
        }
    }
    out.sort_by_key(|p| p.received);
    out
}

fn day(
    p: &Person,
    d: Date,
    start: i64,
    end: i64,
    now: Timestamp,
    rng: &mut StdRng,
    out: &mut Vec<DemoPunch>,
) {
    let flexible = p.rule == RuleKey::Flexible;
    let roll: f64 = rng.random();
    // One day in ~40 without any punch (sick without leave: absent).
    if roll < 0.025 {
        return;
    }
    let late = rng.random::<f64>() < 0.08;
    let in_min = if flexible {
        start
    } else if late {
        start + rng.random_range(6..=45)
    } else {
        start - rng.random_range(3..=25)
    };
    let forgot_in = rng.random::<f64>() < 0.02;
    let forgot_out = rng.random::<f64>() < 0.03;
    let out_min = match rng.random::<f64>() {
        x if x < 0.04 => end - rng.random_range(10..=50),
        x if x < 0.16 => end + rng.random_range(60..=150),
        _ => end + rng.random_range(0..=25),
    };
    let place = match p.rule {
        RuleKey::Rota => Place::Plant,
        _ if p.sales => match rng.random::<f64>() {
            x if x < 0.35 => Place::SalesOffice,
            x if x < 0.55 => Place::Customer,
            _ => Place::Hq,
        },
        RuleKey::Flexible if rng.random::<f64>() < 0.03 => Place::Home,
        _ if rng.random::<f64>() < 0.12 => Place::HqWifiOnly,
        _ => Place::Hq,
    };
    // Night shifts at the plant: the workshop's signal is poor, so a third of punches queue
    // offline and sync one to three hours later.
    let offline = p.rule == RuleKey::Rota && start >= 22 * 60 && rng.random::<f64>() < 0.33;
    for (minute, skip) in [(in_min, forgot_in), (out_min, forgot_out)] {
        if skip {
            continue;
        }
        let Some(at) =
            instant(d, minute).and_then(|t| t.checked_add(rng.random_range(0..60).seconds()).ok())
        else {
            continue;
        };
        let received = if offline {
            at.checked_add(rng.random_range(60..=180).minutes())
                .unwrap_or(at)
        } else {
            at.checked_add(rng.random_range(1..=3).seconds())
                .unwrap_or(at)
        };
        if received > now {
            continue;
        }
        out.push(DemoPunch {
            employee_id: p.employee_id.clone(),
            device_time: at,
            received,
            offline,
            place: place.clone(),
            accuracy_m: rng.random_range(8.0..35.0),
            jitter: (
                rng.random_range(-0.0002..0.0002),
                rng.random_range(-0.0002..0.0002),
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people() -> Vec<Person> {
        let mut v: Vec<Person> = (0..8)
            .map(|i| Person {
                employee_id: format!("f{i}"),
                rule: RuleKey::Flexible,
                sales: false,
                crew: 0,
            })
            .collect();
        v.extend([
            Person {
                employee_id: "o".into(),
                rule: RuleKey::Office,
                sales: false,
                crew: 0,
            },
            Person {
                employee_id: "s".into(),
                rule: RuleKey::Office,
                sales: true,
                crew: 0,
            },
            Person {
                employee_id: "n".into(),
                rule: RuleKey::Rota,
                sales: false,
                crew: 1,
            },
        ]);
        v
    }

    #[test]
    fn a_month_has_late_offline_field_and_no_future_punches() {
        let from = jiff::civil::date(2026, 11, 1);
        let now: Timestamp = "2026-11-25T06:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        let punches = generate(&people(), from, now, 7);
        assert!(punches.len() > 60, "{}", punches.len());
        assert!(punches.iter().all(|p| p.received <= now));
        assert!(
            punches
                .iter()
                .any(|p| p.offline && p.received > p.device_time)
        );
        assert!(punches.iter().any(|p| p.place == Place::Customer));
        assert!(punches.iter().any(|p| p.place == Place::SalesOffice));
        assert!(punches.iter().any(|p| p.place == Place::Home));
        // Same seed, same month.
        assert_eq!(generate(&people(), from, now, 7).len(), punches.len());
    }
}
