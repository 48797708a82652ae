//! `daka admin rotate-key`, `retire-keys` and `purge-locations` on a SQLite data directory.

use daka_store::crypto::{Keyring, key_id_of, row_aad};
use daka_store::{Store, Tenant};
use serde_json::{Value, json};
use sqlx::Row;

use crate::cli::{TempDir, ok, run, tenant};
use crate::seed::{employee, photo, punch};

/// Every sealed blob: (table, column, row id, blob).
async fn blobs(s: &Store) -> Vec<(&'static str, &'static str, String, Vec<u8>)> {
    let mut out = Vec::new();
    for (table, column) in [("punches", "location"), ("photos", "exif_position")] {
        let rows = sqlx::query(&format!(
            "SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY id"
        ))
        .fetch_all(s.pool())
        .await
        .unwrap();
        for r in rows {
            out.push((table, column, r.get::<String, _>(0), r.get::<Vec<u8>, _>(1)));
        }
    }
    out
}

/// Checks every blob is sealed with `key` and opens, with the key file's keys, to `plain`.
async fn all_under(dir: &TempDir, t: &Tenant, key: u32, plain: &Value) {
    let ring = Keyring::load(&dir.key_file()).unwrap();
    let s = dir.store().await;
    let all = blobs(&s).await;
    assert_eq!(all.len(), 4);
    for (table, column, id, blob) in all {
        assert_eq!(key_id_of(&blob).unwrap(), key, "{table} {id}");
        let opened = ring.open(&blob, &row_aad(t, table, &id, column)).unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&opened).unwrap(), *plain);
    }
    s.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_rewrap_and_retire_keys() {
    let dir = TempDir::new("rotate");
    let t = tenant(dir.path());
    let here = json!({"lat": 31.2304, "lng": 121.4737});
    let s = dir.store().await;
    let e = employee(&s, &t, "R-1", None, None).await;
    let now = daka_store::now_ms();
    for at in [
        "2026-03-02T08:55:00+08:00",
        "2026-03-02T18:02:00+08:00",
        "2026-03-03T09:00:00+08:00",
    ] {
        punch(&s, &t, &e, at, now, ("accepted", None), Some(&here)).await;
    }
    photo(&s, &t, &e, now, &here).await;
    s.close().await;
    all_under(&dir, &t, 1, &here).await;

    let out = ok(dir.path(), &["admin", "rotate-key"], None);
    assert!(
        out.contains("rotated to key 2; rewrapped 3 punch locations, 1 photo positions"),
        "{out}"
    );
    assert_eq!(Keyring::load(&dir.key_file()).unwrap().ids(), [1, 2]);
    all_under(&dir, &t, 2, &here).await;
    // Rerunning continues (here: nothing left to do).
    let out = ok(dir.path(), &["admin", "rotate-key", "--no-rotate"], None);
    assert!(
        out.contains("still key 2; rewrapped 0 punch locations, 0 photo positions (4 already"),
        "{out}"
    );

    // Retiring drops key 1, which nothing uses any more; the values still open.
    let out = ok(dir.path(), &["admin", "retire-keys"], None);
    assert!(out.contains("retired keys: 1; active key 2"), "{out}");
    let ring = Keyring::load(&dir.key_file()).unwrap();
    assert_eq!((ring.ids(), ring.active_id()), (vec![2], 2));
    all_under(&dir, &t, 2, &here).await;

    // Rotation and retirement in one go.
    let out = ok(dir.path(), &["admin", "rotate-key", "--retire-old"], None);
    assert!(
        out.contains("rotated to key 3; rewrapped 3 punch locations, 1 photo positions"),
        "{out}"
    );
    assert!(out.contains("retired keys: 2; active key 3"), "{out}");
    assert_eq!(Keyring::load(&dir.key_file()).unwrap().ids(), [3]);
    all_under(&dir, &t, 3, &here).await;

    // Each rewrap is in the tenant's audit log, whose chain still verifies.
    let s = dir.store().await;
    let audit = s.audit_page(&t, 0, 1000).await.unwrap();
    let rewraps: Vec<_> = audit.iter().filter(|a| a.action == "rewrap").collect();
    assert_eq!(rewraps.len(), 4, "two columns, two rotations");
    assert!(rewraps.iter().all(|a| a.actor == "system:rotate-key"));
    s.close().await;
    let out = ok(dir.path(), &["audit", "verify", "--tenant", t.id()], None);
    assert!(out.contains("audit log intact"), "{out}");

    // Keys given in DAKA_KEYS cannot be rotated by rewriting a file.
    let env_keys = std::fs::read_to_string(dir.key_file()).unwrap();
    let out = run(
        dir.path(),
        &[("DAKA_KEYS", &env_keys)],
        &["admin", "rotate-key"],
        None,
    );
    assert_eq!(out.code, Some(2), "{}", out.stdout);
    assert!(out.stderr.contains("DAKA_KEYS"), "{}", out.stderr);
    assert_eq!(Keyring::load(&dir.key_file()).unwrap().ids(), [3]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purge_locations_from_the_cli() {
    let dir = TempDir::new("purge");
    let t = tenant(dir.path());
    let here = json!({"lat": 31.0, "lng": 121.0});
    let s = dir.store().await;
    let e = employee(&s, &t, "P-1", None, None).await;
    let now = daka_store::now_ms();
    let day = 86_400_000;
    let old = punch(
        &s,
        &t,
        &e,
        "2026-03-02T08:55:00+08:00",
        now - 100 * day,
        ("accepted", None),
        Some(&here),
    )
    .await;
    let recent = punch(
        &s,
        &t,
        &e,
        "2026-03-02T18:00:00+08:00",
        now - day,
        ("accepted", None),
        Some(&here),
    )
    .await;
    s.close().await;

    let out = ok(dir.path(), &["admin", "purge-locations", "--dry-run"], None);
    assert!(
        out.contains("would purge 1 punch locations and 0 photo positions"),
        "{out}"
    );
    let out = ok(dir.path(), &["admin", "purge-locations"], None);
    assert!(out.contains("purged 1 locations"), "{out}");
    let s = dir.store().await;
    let gone = |id: String| {
        let s = s.clone();
        async move {
            let r = sqlx::query("SELECT location, location_purged_at FROM punches WHERE id = $1")
                .bind(id)
                .fetch_one(s.pool())
                .await
                .unwrap();
            (
                r.get::<Option<Vec<u8>>, _>(0).is_none(),
                r.get::<Option<i64>, _>(1).is_some(),
            )
        }
    };
    assert_eq!(gone(old).await, (true, true));
    assert_eq!(gone(recent).await, (false, false));
    s.close().await;
    let out = ok(
        dir.path(),
        &["admin", "purge-locations", "--days", "0"],
        None,
    );
    assert!(out.contains("nothing purged"), "{out}");
}
