//! The answer to a punch, stored with it and replayed verbatim on retries. It is kept in
//! plaintext, so it carries no raw location: the verdict's site ids, distances and accuracy
//! stay, the client IP is removed (coordinates were never in the verdict).

use std::net::IpAddr;

use serde_json::{Value, json};

use super::time::PunchTime;

pub fn rfc3339(ms: i64) -> Value {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| Value::String(t.to_string()))
        .unwrap_or(Value::Null)
}

pub struct Answer<'a> {
    pub id: &'a str,
    pub client_id: &'a str,
    pub employee_id: &'a str,
    pub time: &'a PunchTime,
    pub decision: &'a str,
    pub counts: bool,
    pub location: Value,
    pub attendance: Value,
    pub photo: Value,
}

impl Answer<'_> {
    pub fn json(self) -> Value {
        json!({
            "id": self.id,
            "client_id": self.client_id,
            "employee_id": self.employee_id,
            "time": {
                "device": rfc3339(self.time.device),
                "received": rfc3339(self.time.received),
                "used": rfc3339(self.time.used),
                "flag": self.time.flag,
            },
            "decision": self.decision,
            "counts": self.counts,
            "needs_review": self.decision == "exception",
            "location": self.location,
            "attendance": self.attendance,
            "photo": self.photo,
        })
    }
}

/// Removes the client IP from a verdict (its match and its reasons' values and sentences).
pub fn scrub_verdict(v: &mut Value, ip: Option<IpAddr>) {
    let Some(ip) = ip else { return };
    let text = ip.to_string();
    if let Some(m) = v.get_mut("ip").and_then(Value::as_object_mut) {
        m.remove("ip");
    }
    if let Some(reasons) = v.get_mut("reasons").and_then(Value::as_array_mut) {
        for r in reasons {
            if let Some(values) = r.get_mut("values").and_then(Value::as_object_mut) {
                values.remove("ip");
            }
            for lang in ["en", "zh"] {
                if let Some(Value::String(s)) = r.get_mut(lang) {
                    *s = s.replace(&text, "(client IP)");
                }
            }
        }
    }
}
