//! The audit log: every write appends an entry in the same transaction as the change, chained
//! per tenant by SHA-256 over the previous hash and the entry, so an edited, deleted or
//! reordered entry breaks the chain where it happened.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::now_ms;
use crate::tenant::{Actor, Tenant};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entry {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

fn text(v: &Option<Value>) -> Option<String> {
    v.as_ref().map(|v| v.to_string())
}

/// The hash of an entry: SHA-256 over a JSON array of the previous hash and every field, so no
/// two different entries share an input.
fn hash(e: &Entry) -> String {
    let input = serde_json::json!([
        e.prev_hash,
        e.seq,
        e.at,
        e.actor,
        e.action,
        e.entity,
        e.entity_id,
        text(&e.before),
        text(&e.after),
        e.request_id,
        e.ip
    ]);
    let digest = Sha256::digest(input.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The row lock that serialises a tenant's writes on PostgreSQL (SQLite has one writer).
/// `NO KEY UPDATE`, not `UPDATE`: the foreign-key checks of concurrent inserts hold `KEY SHARE`
/// on the tenant row, which `UPDATE` would wait for while they wait for us (a deadlock).
fn row_lock(c: &AnyConnection) -> &'static str {
    if c.backend_name().eq_ignore_ascii_case("sqlite") {
        ""
    } else {
        " FOR NO KEY UPDATE"
    }
}

/// Takes the tenant's write lock at the start of a write transaction, so the checks a write
/// makes before changing rows (uniqueness, tree cycles) cannot race another write of the same
/// tenant. NotFound when the tenant does not exist.
pub async fn lock_tenant(c: &mut AnyConnection, t: &Tenant) -> Result<()> {
    sqlx::query(&format!(
        "SELECT id FROM tenants WHERE id = $1{}",
        row_lock(c)
    ))
    .bind(t.id())
    .fetch_optional(&mut *c)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok(())
}

/// Appends an entry inside the caller's transaction, advancing the tenant's chain head.
#[allow(clippy::too_many_arguments)]
pub async fn append(
    c: &mut AnyConnection,
    t: &Tenant,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<Value>,
    after: Option<Value>,
) -> Result<i64> {
    let head = sqlx::query(&format!(
        "SELECT audit_seq, audit_hash FROM tenants WHERE id = $1{}",
        row_lock(c)
    ))
    .bind(t.id())
    .fetch_one(&mut *c)
    .await?;
    let seq: i64 = head.try_get::<i64, _>("audit_seq")? + 1;
    let mut e = Entry {
        seq,
        at: now_ms(),
        actor: actor.who.clone(),
        action: action.into(),
        entity: entity.into(),
        entity_id: entity_id.into(),
        before,
        after,
        request_id: actor.request_id.clone(),
        ip: actor.ip.clone(),
        prev_hash: head.try_get("audit_hash")?,
        hash: String::new(),
    };
    e.hash = hash(&e);
    sqlx::query(
        "INSERT INTO audit_log (tenant_id, seq, at, actor, action, entity, entity_id, before, after, \
         request_id, ip, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(t.id())
    .bind(e.seq)
    .bind(e.at)
    .bind(&e.actor)
    .bind(&e.action)
    .bind(&e.entity)
    .bind(&e.entity_id)
    .bind(text(&e.before))
    .bind(text(&e.after))
    .bind(&e.request_id)
    .bind(&e.ip)
    .bind(&e.prev_hash)
    .bind(&e.hash)
    .execute(&mut *c)
    .await?;
    sqlx::query("UPDATE tenants SET audit_seq = $1, audit_hash = $2 WHERE id = $3")
        .bind(e.seq)
        .bind(&e.hash)
        .bind(t.id())
        .execute(&mut *c)
        .await?;
    Ok(seq)
}

fn entry(r: &sqlx::any::AnyRow) -> Result<Entry> {
    let json = |col: &str| -> Result<Option<Value>> {
        let s: Option<String> = r.try_get(col)?;
        Ok(s.and_then(|s| serde_json::from_str(&s).ok()))
    };
    Ok(Entry {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        entity: r.try_get("entity")?,
        entity_id: r.try_get("entity_id")?,
        before: json("before")?,
        after: json("after")?,
        request_id: r.try_get("request_id")?,
        ip: r.try_get("ip")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

const COLUMNS: &str =
    "seq, at, actor, action, entity, entity_id, before, after, request_id, ip, prev_hash, hash";

/// The problem line for entries `from..=to` that are gone.
fn missing(from: i64, to: i64, place: &str) -> String {
    if from >= to {
        format!("entry {from}: missing (deleted) {place}")
    } else {
        format!("entries {from}..{to}: missing (deleted) {place}")
    }
}

/// What `verify` found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    pub entries: i64,
    /// One line per broken place, naming the entry.
    pub problems: Vec<String>,
}

impl Store {
    /// Entries after `after_seq` (a cursor), oldest first, at most `limit`.
    pub async fn audit_page(&self, t: &Tenant, after_seq: i64, limit: i64) -> Result<Vec<Entry>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        ))
        .bind(t.id())
        .bind(after_seq)
        .bind(limit.clamp(1, 1000))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(entry).collect()
    }

    /// Walks the tenant's chain and reports every entry that was edited, deleted or reordered.
    pub async fn audit_verify(&self, t: &Tenant) -> Result<Verdict> {
        let head = sqlx::query("SELECT audit_seq, audit_hash FROM tenants WHERE id = $1")
            .bind(t.id())
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        let head_seq: i64 = head.try_get("audit_seq")?;
        let head_hash: String = head.try_get("audit_hash")?;
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE tenant_id = $1 ORDER BY seq"
        ))
        .bind(t.id())
        .fetch_all(self.pool())
        .await?;
        let mut problems = Vec::new();
        let mut expect_seq = 1;
        let mut prev = String::new();
        for r in &rows {
            let e = entry(r)?;
            if e.seq != expect_seq {
                problems.push(missing(
                    expect_seq,
                    e.seq - 1,
                    &format!("before entry {}", e.seq),
                ));
            }
            if e.prev_hash != prev {
                problems.push(format!(
                    "entry {}: does not follow the entry before it (deleted, inserted or reordered)",
                    e.seq
                ));
            }
            if hash(&e) != e.hash {
                problems.push(format!("entry {}: its content was edited", e.seq));
            }
            prev = e.hash.clone();
            expect_seq = e.seq + 1;
        }
        let last = expect_seq - 1;
        if head_seq > last {
            problems.push(missing(
                last + 1,
                head_seq,
                &format!("at the end (the chain ends at entry {last}, the tenant's head is entry {head_seq})"),
            ));
        } else if head_seq != last || head_hash != prev {
            problems.push(format!(
                "entry {last}: the tenant's head (entry {head_seq}) does not match the last entry"
            ));
        }
        Ok(Verdict {
            entries: rows.len() as i64,
            problems,
        })
    }
}
