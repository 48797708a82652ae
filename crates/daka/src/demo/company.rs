//! The demo company: departments, people, sites and rules, as the API bodies an admin would
//! send. Coordinates are in Shanghai and given in GCJ-02, as a Chinese map shows them.

use serde_json::{Value, json};

/// A department: key, name, parent key.
pub const DEPARTMENTS: [(&str, &str, Option<&str>); 7] = [
    ("mgmt", "总经办 Management", None),
    ("rd", "研发部 R&D", None),
    ("rd-backend", "后端组 Backend", Some("rd")),
    ("rd-frontend", "前端组 Frontend", Some("rd")),
    ("sales", "销售部 Sales", None),
    ("plant", "生产部 Plant", None),
    ("support", "客服部 Support", None),
];

/// Which rule a department works under.
pub fn rule_of(dept: &str) -> RuleKey {
    match dept {
        "rd" | "rd-backend" | "rd-frontend" => RuleKey::Flexible,
        "plant" => RuleKey::Rota,
        _ => RuleKey::Office,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleKey {
    Office,
    Flexible,
    Rota,
}

/// How many people each department has (50 in all).
pub const HEADCOUNT: [(&str, usize); 7] = [
    ("mgmt", 3),
    ("rd", 2),
    ("rd-backend", 9),
    ("rd-frontend", 7),
    ("sales", 8),
    ("plant", 15),
    ("support", 6),
];

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高",
];
const GIVEN: [&str; 25] = [
    "伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超",
    "秀英", "霞", "平", "刚", "桂英", "丹", "晨", "宇", "欣怡",
];

/// A person's name, varied but reproducible.
pub fn name_of(i: usize) -> String {
    format!(
        "{}{}",
        SURNAMES[(i * 7 + 3) % SURNAMES.len()],
        GIVEN[(i * 11 + 5) % GIVEN.len()]
    )
}

/// Site keys, in creation order.
pub const SITES: [&str; 3] = ["hq", "plant", "sales-office"];

/// 张江 HQ: a polygon drawn on a GCJ-02 map. Its centre is where office punches happen.
pub const HQ_CENTRE: (f64, f64) = (31.20405, 121.59020);
/// The plant at 外高桥: a 180 m circle, with the workshop Wi-Fi.
pub const PLANT_CENTRE: (f64, f64) = (31.35530, 121.60120);
pub const PLANT_WIFI: &str = "3c:84:6a:10:20:31";
/// The 徐汇 sales office on a shared floor: no fence of its own, only its Wi-Fi.
pub const SALES_WIFI: &str = "f4:6d:04:7a:11:c2";
/// A customer visited by field sales (outside every site).
pub const CUSTOMER: (f64, f64) = (31.23890, 121.49970);
/// Where one engineer lives (for working-from-home punches).
pub const HOME: (f64, f64) = (31.18120, 121.54310);

pub fn site_body(key: &str) -> Value {
    match key {
        "hq" => json!({
            "name": "张江总部 Zhangjiang HQ",
            "fences": [{
                "system": "gcj02",
                "shape": {"kind": "polygon", "outer": [
                    {"lat": 31.20530, "lng": 121.58870},
                    {"lat": 31.20545, "lng": 121.59160},
                    {"lat": 31.20290, "lng": 121.59185},
                    {"lat": 31.20270, "lng": 121.58890}
                ]}
            }],
            "wifi": [{"bssid": "a4:3e:51:08:9c:01", "ssid": "DemoCorp-Office"}],
        }),
        "plant" => json!({
            "name": "外高桥工厂 Waigaoqiao Plant",
            "fences": [{
                "system": "gcj02",
                "shape": {"kind": "circle", "center": {"lat": PLANT_CENTRE.0, "lng": PLANT_CENTRE.1}, "radius_m": 180.0}
            }],
            "wifi": [{"bssid": PLANT_WIFI, "ssid": "Plant-Floor"}],
        }),
        _ => json!({
            "name": "徐汇销售办公室 Xuhui Sales Office",
            "fences": [],
            "wifi": [{"bssid": SALES_WIFI, "ssid": "DemoCorp-Sales"}],
        }),
    }
}

/// A rule's first version (and its name), with site keys still to be replaced by site ids.
pub fn rule_body(key: RuleKey, from: &str, sites: &dyn Fn(&str) -> String) -> Value {
    match key {
        RuleKey::Office => json!({
            "name": "固定班 Office 09:00–18:00",
            "version": {
                "effective_from": from,
                "time_zone": "Asia/Shanghai",
                "kind": "fixed",
                "late": {"grace": 5, "serious": 30, "absent": 240},
                "early": {"grace": 0, "absent": 240},
                "overtime": {"start_delay": 30, "minimum": 30, "unit": 30},
                "schedule": {"segments": [{"start": "09:00", "end": "18:00"}], "break": ["12:00", "13:00"]},
                "location": {
                    "sites": [sites("hq"), sites("sales-office")],
                    "sufficient": ["gps", "wifi"],
                    "outside": "field_work"
                }
            }
        }),
        RuleKey::Flexible => json!({
            "name": "研发弹性 R&D flexible",
            "version": {
                "effective_from": from,
                "time_zone": "Asia/Shanghai",
                "kind": "flexible",
                "late": {"grace": 5, "serious": 60},
                "early": {"grace": 0},
                "overtime": {"minimum": 60, "unit": 30},
                "schedule": {"segments": [{"start": "08:00", "end": "17:00"}], "break": ["12:00", "13:00"],
                             "flex": {"latest_start": "10:00"}},
                "location": {
                    "sites": [sites("hq")],
                    "sufficient": ["gps", "wifi"],
                    "outside": "exception"
                }
            }
        }),
        RuleKey::Rota => json!({
            "name": "工厂三班 Plant rota",
            "version": {
                "effective_from": from,
                "time_zone": "Asia/Shanghai",
                "kind": "rota",
                "late": {"grace": 5, "serious": 30, "absent": 240},
                "early": {"grace": 0, "absent": 240},
                "overtime": {"start_delay": 30, "minimum": 30, "unit": 30},
                "shifts": {
                    "M": {"segments": [{"start": "06:00", "end": "14:00"}]},
                    "E": {"segments": [{"start": "14:00", "end": "22:00"}]},
                    "N": {"segments": [{"start": "22:00", "end": "06:00+1"}]}
                },
                "location": {
                    "sites": [sites("plant")],
                    "sufficient": ["gps", "wifi"],
                    "outside": "refuse"
                }
            }
        }),
    }
}

/// The plant's rota: three crews rotating M → E → N weekly, each week six days on, one off.
pub fn plant_shift(crew: usize, day_index: i64) -> &'static str {
    let week = day_index.div_euclid(7);
    let dow = day_index.rem_euclid(7) as usize;
    if dow == (crew * 2) % 7 {
        return "REST";
    }
    ["M", "E", "N"][(crew + week as usize) % 3]
}
