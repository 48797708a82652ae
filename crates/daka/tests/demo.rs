//! `daka demo` through the real binary: a fresh embedded database with a living company, the
//! printed logins working, and the month's results showing what the demo promises (late and
//! missing punches, field work, exceptions to review, offline syncs, a supervisor's scope).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_daka");

struct Demo {
    child: Child,
    base: String,
    tenant: String,
    dir: std::path::PathBuf,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn field(line: &str, after: &str) -> String {
    line.split(after)
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_default()
        .to_string()
}

fn start(dir: &std::path::Path) -> (Demo, Vec<String>) {
    let mut child = Command::new(BIN)
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env_remove("DAKA_KEYS")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(240);
    let mut lines = Vec::new();
    while Instant::now() < deadline {
        if let Ok(l) = rx.recv_timeout(Duration::from_secs(1)) {
            let done = l.contains("Ctrl-C");
            lines.push(l);
            if done {
                break;
            }
        }
    }
    let all = lines.join("\n");
    assert!(all.contains("Ctrl-C"), "the demo did not start:\n{all}");
    let base = field(&all, "listening on ");
    let tenant = field(&all, "tenant id");
    (
        Demo {
            child,
            base,
            tenant,
            dir: dir.to_path_buf(),
        },
        lines,
    )
}

async fn login(c: &reqwest::Client, d: &Demo, user: &str, password: &str) -> String {
    let r = c
        .post(format!("{}/api/v1/auth/login", d.base))
        .json(&json!({"tenant": d.tenant, "username": user, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "login {user}");
    r.headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_string()
}

async fn get(c: &reqwest::Client, d: &Demo, cookie: &str, path: &str) -> Value {
    let r = c
        .get(format!("{}{path}", d.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.unwrap()
}

fn password(lines: &[String], who: &str) -> String {
    let l = lines
        .iter()
        .find(|l| l.trim_start().starts_with(who))
        .unwrap_or_else(|| panic!("no login line for {who}"));
    l.rsplit(" / ").next().unwrap().trim().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_company_is_alive() {
    let dir = std::env::temp_dir().join(format!("daka-demo-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (demo, lines) = start(&dir);
    let c = reqwest::Client::new();
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
        .date();
    let month = format!("{:04}-{:02}", today.year(), today.month());

    // The admin sees 50 people, each with this month's summary.
    let admin = login(&c, &demo, "admin", &password(&lines, "admin")).await;
    let months = get(
        &c,
        &demo,
        &admin,
        &format!("/api/v1/results/months?month={month}"),
    )
    .await;
    let summaries = months["summaries"].as_array().unwrap();
    assert_eq!(summaries.len(), 50, "one summary per employee");
    let sum = |k: &str| -> f64 { summaries.iter().map(|s| s[k].as_f64().unwrap_or(0.0)).sum() };
    if today.day() >= 8 {
        // A week or more of the month: some people were late, some forgot to punch.
        assert!(
            sum("late_count") + sum("serious_late_count") > 0.0,
            "{months}"
        );
        assert!(sum("missing_punches") > 0.0);
        assert!(sum("attended_days") > 100.0);
    }

    // Field visits, working-from-home exceptions and offline syncs are in the punches.
    let mut items: Vec<Value> = Vec::new();
    let mut day = today.first_of_month();
    while day <= today {
        // A few days at a time, below the page limit.
        let next = day.checked_add(jiff::ToSpan::days(3)).unwrap();
        let page = get(
            &c,
            &demo,
            &admin,
            &format!(
                "/api/v1/punches?limit=1000&from={day}T00:00:00%2B08:00&to={next}T00:00:00%2B08:00"
            ),
        )
        .await;
        let page = page["items"].as_array().unwrap().clone();
        assert!(page.len() < 1000);
        items.extend(page);
        day = next;
    }
    assert!(!items.is_empty());
    let has = |d: &str| items.iter().any(|p| p["decision"] == json!(d));
    if today.day() >= 8 {
        assert!(has("field_work") && has("accepted"));
        let ms = |v: &Value| {
            v.as_str()
                .and_then(|s| s.parse::<jiff::Timestamp>().ok())
                .map(|t| t.as_millisecond())
        };
        let offline = items.iter().filter(|p| {
            matches!((ms(&p["device_at"]), ms(&p["received_at"])), (Some(d), Some(r)) if r > d + 3_600_000)
        });
        // Synced late, yet timed by the device: within the sync window, no flag.
        assert!(
            offline.clone().count() > 0
                && offline
                    .clone()
                    .all(|p| p["time_flag"].is_null() && p["at"] == p["device_at"]),
            "offline punches synced over an hour later keep their device time"
        );
    }

    // The supervisor leads R&D (18 people) and sees only them.
    let sup = login(&c, &demo, "supervisor", &password(&lines, "supervisor")).await;
    let months = get(
        &c,
        &demo,
        &sup,
        &format!("/api/v1/results/months?month={month}"),
    )
    .await;
    assert_eq!(months["summaries"].as_array().unwrap().len(), 18);

    // The employee sees their own days and nobody else's punches.
    let emp = login(&c, &demo, "employee", &password(&lines, "employee")).await;
    let from = today.first_of_month();
    let mine = get(
        &c,
        &demo,
        &emp,
        &format!("/api/v1/me/results/days?from={from}&to={today}"),
    )
    .await;
    let days = mine["days"].as_array().unwrap();
    assert!(!days.is_empty());
    let me = days[0]["employee"]["id"].clone();
    assert!(days.iter().all(|d| d["employee"]["id"] == me));
    let theirs = get(&c, &demo, &emp, "/api/v1/punches?limit=1000").await;
    assert!(
        theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["employee_id"] == me)
    );

    // A second demo needs a fresh directory.
    let again = Command::new(BIN)
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
}
