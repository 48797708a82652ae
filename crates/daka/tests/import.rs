//! `daka import rota FILE --tenant ID` through the real binary, on SQLite and PostgreSQL: a file
//! with errors prints each as FILE:LINE: field: message, exits 2 and writes nothing; a good file
//! is imported whole with one audit entry.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use daka_core::rule::RuleVersionSpec;
use daka_store::{Actor, AssignmentTarget, EmployeeInput, NewVersion, RotaQuery, Store, Tenant};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_daka");

/// A fresh directory, removed afterwards.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "daka-import-{}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst),
            daka_store::now_ms()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn person(no: &str) -> EmployeeInput {
    EmployeeInput {
        employee_no: no.into(),
        name: format!("Person {no}"),
        department_id: None,
        manager_id: None,
        time_zone: "Asia/Shanghai".into(),
        active_from: None,
        active_to: None,
        rule_id: None,
    }
}

/// A tenant with W01 and W02 on a rota rule (shifts M and N) and W03 on none.
async fn seed(store: &Store) -> Tenant {
    let actor = Actor::system("test-seed");
    let t = Tenant::trusted(store.create_tenant("Plant Ltd", &actor).await.unwrap().id);
    let spec: RuleVersionSpec = serde_json::from_value(json!({
        "effective_from": "2026-01-01", "time_zone": "Asia/Shanghai", "kind": "rota",
        "shifts": {
            "M": {"segments": [{"start": "06:00", "end": "14:00"}]},
            "N": {"segments": [{"start": "22:00", "end": "06:00+1"}]}
        }
    }))
    .unwrap();
    let rule = store
        .create_rule(
            &t,
            &actor,
            "Plant",
            &NewVersion {
                spec,
                location: None,
            },
        )
        .await
        .unwrap();
    for no in ["W01", "W02", "W03"] {
        let e = store
            .create_employee(&t, &actor, &person(no))
            .await
            .unwrap();
        if no != "W03" {
            store
                .assign_rule(
                    &t,
                    &actor,
                    &rule.id,
                    &AssignmentTarget::Employee(e.id),
                    "2026-01-01",
                )
                .await
                .unwrap();
        }
    }
    t
}

fn import(url: &str, dir: &TempDir, file: &str, tenant: &str) -> (Option<i32>, String, String) {
    let mut c = Command::new(BIN);
    c.current_dir(&dir.0);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("DAKA_") {
            c.env_remove(k);
        }
    }
    let out = c
        .env("DAKA_DATABASE_URL", url)
        .env("DAKA_DATA_DIR", dir.0.join("data"))
        .args(["import", "rota", file, "--tenant", tenant])
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn rows(store: &Store, t: &Tenant) -> Vec<(String, String)> {
    let q = RotaQuery {
        from: "2026-01-01".into(),
        to: "2026-12-31".into(),
        ..RotaQuery::default()
    };
    store
        .rota(t, &q)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.date, e.shift))
        .collect()
}

async fn import_rota_cli(url: String) {
    let dir = TempDir::new();
    let store = Store::open(&url).await.unwrap();
    let t = seed(&store).await;
    let audit_before = store.audit_page(&t, 0, 1000).await.unwrap().len();

    std::fs::write(
        dir.0.join("bad.csv"),
        "employee_no,date,shift\nW01,2026-03-02,M\nW09,2026-03-02,M\nW01,2026-3-3,N\nW02,2026-03-03,X\nW03,2026-03-03,M\nW01,2026-03-02,N\n",
    )
    .unwrap();
    let (code, stdout, stderr) = import(&url, &dir, "bad.csv", t.id());
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 5, "{stderr}");
    for (line, want) in lines.iter().zip([
        "bad.csv:3: employee_no: ",
        "bad.csv:4: date: ",
        "bad.csv:5: shift: ",
        "bad.csv:6: shift: ",
        "bad.csv:7: date: ",
    ]) {
        assert!(
            line.starts_with(want),
            "{line:?} should start with {want:?}"
        );
    }
    assert!(
        lines[2].contains("X is not a shift of Plant v1"),
        "{stderr}"
    );
    assert!(rows(&store, &t).await.is_empty(), "nothing imported");
    assert_eq!(
        store.audit_page(&t, 0, 1000).await.unwrap().len(),
        audit_before
    );

    std::fs::write(
        dir.0.join("good.csv"),
        "\u{feff}employee_no,date,shift\r\nW01,2026-03-02,M\r\nW01,2026-03-03,N\r\nW02,2026-03-02,REST\r\nW03,2026-03-02,REST\r\n\r\n",
    )
    .unwrap();
    let (code, stdout, stderr) = import(&url, &dir, "good.csv", t.id());
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert_eq!(stdout.lines().next(), Some("imported 4 rows"), "{stdout}");
    let mut got = rows(&store, &t).await;
    got.sort();
    assert_eq!(got.len(), 4, "{got:?}");
    let audit = store.audit_page(&t, 0, 1000).await.unwrap();
    assert_eq!(audit.len(), audit_before + 1);
    let last = audit.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor.as_str()),
        ("import", "system:cli")
    );
    assert_eq!(last.after.as_ref().unwrap()["imported"], 4);

    // A missing file and an unknown tenant are errors too.
    let (code, _, stderr) = import(&url, &dir, "missing.csv", t.id());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("missing.csv"), "{stderr}");
    let (code, _, stderr) = import(&url, &dir, "good.csv", &daka_store::new_id());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("tenant"), "{stderr}");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_rota_cli_sqlite() {
    import_rota_cli(daka_store::testing::sqlite_url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_rota_cli_postgres() {
    import_rota_cli(daka_store::testing::postgres_url().await).await;
}
