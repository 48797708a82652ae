//! Departments (a tree) and, in `employees`, the people in them.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit::{self, lock_tenant};
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::fields::{json, placeholders, required};
use crate::tenant::{Actor, Tenant};
use crate::{new_id, now_ms};

mod employees;

pub(crate) use employees::find_employee;
pub use employees::{Employee, EmployeeFilter, EmployeeInput};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Department {
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub created_at: i64,
}

/// Longest parent or manager chain walked before the data is declared broken.
pub(crate) const MAX_DEPTH: usize = 10_000;

const DEPARTMENT_COLUMNS: &str = "id, name, parent_id, created_at";

fn department_of(r: &AnyRow) -> Result<Department> {
    Ok(Department {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        parent_id: r.try_get("parent_id")?,
        created_at: r.try_get("created_at")?,
    })
}

pub(crate) async fn find_department(
    c: &mut AnyConnection,
    t: &Tenant,
    id: &str,
) -> Result<Option<Department>> {
    let r = sqlx::query(&format!(
        "SELECT {DEPARTMENT_COLUMNS} FROM departments WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(t.id())
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    r.as_ref().map(department_of).transpose()
}

/// Refuses making `parent` the parent of `id` when that would close a cycle.
async fn check_parent(c: &mut AnyConnection, t: &Tenant, id: &str, parent: &str) -> Result<()> {
    let mut cur = Some(parent.to_string());
    for _ in 0..MAX_DEPTH {
        let Some(d) = cur else { return Ok(()) };
        if d == id {
            return Err(StoreError::invalid(
                "parent_id",
                "a department cannot move under itself or one of its sub-departments",
            ));
        }
        cur = find_department(c, t, &d)
            .await?
            .ok_or_else(|| StoreError::invalid("parent_id", "no such department"))?
            .parent_id;
    }
    Err(StoreError::invalid("parent_id", "the tree is too deep"))
}

impl Store {
    /// Every department of the tenant, in creation order.
    pub async fn departments(&self, t: &Tenant) -> Result<Vec<Department>> {
        let rows = sqlx::query(&format!(
            "SELECT {DEPARTMENT_COLUMNS} FROM departments WHERE tenant_id = $1 ORDER BY id"
        ))
        .bind(t.id())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(department_of).collect()
    }

    pub async fn department(&self, t: &Tenant, id: &str) -> Result<Department> {
        let mut c = self.pool().acquire().await?;
        find_department(&mut c, t, id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn create_department(
        &self,
        t: &Tenant,
        actor: &Actor,
        name: &str,
        parent_id: Option<&str>,
    ) -> Result<Department> {
        let d = Department {
            id: new_id(),
            name: required("name", name)?,
            parent_id: parent_id.map(str::to_string),
            created_at: now_ms(),
        };
        let (t, actor) = (t.clone(), actor.clone());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                let missing = match &d.parent_id {
                    Some(p) => find_department(c, &t, p).await?.is_none(),
                    None => false,
                };
                if missing {
                    return Err(StoreError::invalid("parent_id", "no such department"));
                }
                sqlx::query(
                    "INSERT INTO departments (tenant_id, id, name, parent_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(t.id())
                .bind(&d.id)
                .bind(&d.name)
                .bind(&d.parent_id)
                .bind(d.created_at)
                .execute(&mut *c)
                .await?;
                audit::append(c, &t, &actor, "create", "department", &d.id, None, json(&d)).await?;
                Ok(d)
            })
        })
        .await
    }

    /// Renames and/or moves a department (`parent: Some(None)` makes it a root). Refuses a
    /// move under itself or one of its descendants with `Invalid { field: "parent_id" }`.
    pub async fn update_department(
        &self,
        t: &Tenant,
        actor: &Actor,
        id: &str,
        name: Option<&str>,
        parent: Option<Option<&str>>,
    ) -> Result<Department> {
        let name = name.map(|n| required("name", n)).transpose()?;
        let parent = parent.map(|p| p.map(str::to_string));
        let (t, actor, id) = (t.clone(), actor.clone(), id.to_string());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                let before = find_department(c, &t, &id)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let mut after = before.clone();
                if let Some(n) = name {
                    after.name = n;
                }
                if let Some(p) = parent {
                    if let Some(p) = &p {
                        check_parent(c, &t, &id, p).await?;
                    }
                    after.parent_id = p;
                }
                if after == before {
                    return Ok(after);
                }
                sqlx::query(
                    "UPDATE departments SET name = $1, parent_id = $2 WHERE tenant_id = $3 AND id = $4",
                )
                .bind(&after.name)
                .bind(&after.parent_id)
                .bind(t.id())
                .bind(&id)
                .execute(&mut *c)
                .await?;
                audit::append(
                    c,
                    &t,
                    &actor,
                    "update",
                    "department",
                    &id,
                    json(&before),
                    json(&after),
                )
                .await?;
                Ok(after)
            })
        })
        .await
    }

    /// Deletes an empty department (its leads go with it, recorded in the audit entry);
    /// `Conflict` while it has sub-departments or employees.
    pub async fn delete_department(&self, t: &Tenant, actor: &Actor, id: &str) -> Result<()> {
        let (t, actor, id) = (t.clone(), actor.clone(), id.to_string());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                let before = find_department(c, &t, &id)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let child =
                    sqlx::query("SELECT id FROM departments WHERE tenant_id = $1 AND parent_id = $2 LIMIT 1")
                        .bind(t.id())
                        .bind(&id)
                        .fetch_optional(&mut *c)
                        .await?;
                if child.is_some() {
                    return Err(StoreError::conflict("id", "the department has sub-departments"));
                }
                let member = sqlx::query(
                    "SELECT id FROM employees WHERE tenant_id = $1 AND department_id = $2 LIMIT 1",
                )
                .bind(t.id())
                .bind(&id)
                .fetch_optional(&mut *c)
                .await?;
                if member.is_some() {
                    return Err(StoreError::conflict("id", "the department has employees"));
                }
                let leads: Vec<String> = sqlx::query_scalar(
                    "SELECT user_id FROM department_leads WHERE tenant_id = $1 AND department_id = $2 \
                     ORDER BY user_id",
                )
                .bind(t.id())
                .bind(&id)
                .fetch_all(&mut *c)
                .await?;
                sqlx::query("DELETE FROM department_leads WHERE tenant_id = $1 AND department_id = $2")
                    .bind(t.id())
                    .bind(&id)
                    .execute(&mut *c)
                    .await?;
                sqlx::query("DELETE FROM departments WHERE tenant_id = $1 AND id = $2")
                    .bind(t.id())
                    .bind(&id)
                    .execute(&mut *c)
                    .await?;
                let mut before = json(&before);
                if let Some(serde_json::Value::Object(m)) = &mut before {
                    m.insert("leads".into(), serde_json::json!(leads));
                }
                audit::append(c, &t, &actor, "delete", "department", &id, before, None).await?;
                Ok(())
            })
        })
        .await
    }

    /// The given departments and all their descendants (each once, sorted); ids that are not
    /// the tenant's departments are ignored.
    pub async fn department_subtrees(&self, t: &Tenant, roots: &[String]) -> Result<Vec<String>> {
        if roots.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "WITH RECURSIVE sub(id) AS ( \
               SELECT id FROM departments WHERE tenant_id = $1 AND id IN ({}) \
               UNION \
               SELECT d.id FROM departments d JOIN sub ON d.parent_id = sub.id WHERE d.tenant_id = $1 \
             ) SELECT id FROM sub ORDER BY id",
            placeholders(2, roots.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql).bind(t.id());
        for r in roots {
            q = q.bind(r);
        }
        Ok(q.fetch_all(self.pool()).await?)
    }
}
