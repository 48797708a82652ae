//! Users and roles, and department leads; in `credentials`, browser sessions, API tokens and
//! devices. Secrets (password, session, token and device) arrive already hashed and never enter
//! the audit log.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit::{self, lock_tenant};
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::fields::required;
use crate::org::{find_department, find_employee};
use crate::tenant::{Actor, Tenant};
use crate::{new_id, now_ms};

mod cred_cache;
mod credentials;

use cred_cache::Cred;
pub(crate) use cred_cache::CredCache;

pub use credentials::{ApiToken, Device, Session};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Their own records.
    Employee,
    /// The department subtrees they lead.
    Supervisor,
    /// The whole tenant.
    Admin,
    /// The whole tenant, read-only, including the audit log.
    Auditor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Employee => "employee",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
        }
    }

    /// `Invalid { field: "role" }` for anything but the four names.
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "employee" => Ok(Role::Employee),
            "supervisor" => Ok(Role::Supervisor),
            "admin" => Ok(Role::Admin),
            "auditor" => Ok(Role::Auditor),
            _ => Err(StoreError::invalid(
                "role",
                "must be employee, supervisor, admin or auditor",
            )),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, PartialEq, Serialize)]
pub struct User {
    pub id: String,
    pub username: String,
    pub role: Role,
    pub employee_id: Option<String>,
    pub disabled: bool,
    pub created_at: i64,
    #[serde(skip)]
    pub password_hash: String,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("employee_id", &self.employee_id)
            .field("disabled", &self.disabled)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

const USER_COLUMNS: &str = "id, username, role, employee_id, disabled, created_at, password_hash";

fn user_of(r: &AnyRow) -> Result<User> {
    Ok(User {
        id: r.try_get("id")?,
        username: r.try_get("username")?,
        role: Role::parse(&r.try_get::<String, _>("role")?)?,
        employee_id: r.try_get("employee_id")?,
        disabled: r.try_get::<i64, _>("disabled")? != 0,
        created_at: r.try_get("created_at")?,
        password_hash: r.try_get("password_hash")?,
    })
}

/// Audit form of a user: `User`'s serialisation already leaves out the password hash.
fn json_of(u: &User) -> Option<serde_json::Value> {
    crate::fields::json(u)
}

pub(crate) async fn find_user(c: &mut AnyConnection, t: &Tenant, id: &str) -> Result<Option<User>> {
    let r = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(t.id())
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    r.as_ref().map(user_of).transpose()
}

pub(crate) fn hash_required(field: &str, hash: &str) -> Result<String> {
    if hash.is_empty() {
        return Err(StoreError::invalid(field, "must not be empty"));
    }
    Ok(hash.to_string())
}

impl Store {
    /// `Conflict { field: "username" }` when the name is taken in the tenant; an unknown
    /// employee is `Invalid { field: "employee_id" }`.
    pub async fn create_user(
        &self,
        t: &Tenant,
        actor: &Actor,
        username: &str,
        password_hash: &str,
        role: Role,
        employee_id: Option<&str>,
    ) -> Result<User> {
        let u = User {
            id: new_id(),
            username: required("username", username)?,
            role,
            employee_id: employee_id.map(str::to_string),
            disabled: false,
            created_at: now_ms(),
            password_hash: hash_required("password", password_hash)?,
        };
        let (t, actor) = (t.clone(), actor.clone());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                let missing = match &u.employee_id {
                    Some(e) => find_employee(c, &t, e).await?.is_none(),
                    None => false,
                };
                if missing {
                    return Err(StoreError::invalid("employee_id", "no such employee"));
                }
                let taken = sqlx::query("SELECT id FROM users WHERE tenant_id = $1 AND username = $2")
                    .bind(t.id())
                    .bind(&u.username)
                    .fetch_optional(&mut *c)
                    .await?;
                if taken.is_some() {
                    return Err(StoreError::conflict("username", "the username is taken"));
                }
                sqlx::query(
                    "INSERT INTO users (tenant_id, id, username, password_hash, role, employee_id, disabled, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(t.id())
                .bind(&u.id)
                .bind(&u.username)
                .bind(&u.password_hash)
                .bind(u.role.as_str())
                .bind(&u.employee_id)
                .bind(0_i64)
                .bind(u.created_at)
                .execute(&mut *c)
                .await?;
                audit::append(c, &t, &actor, "create", "user", &u.id, None, json_of(&u)).await?;
                Ok(u)
            })
        })
        .await
    }

    pub async fn user(&self, t: &Tenant, id: &str) -> Result<User> {
        let mut c = self.pool().acquire().await?;
        find_user(&mut c, t, id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn user_by_username(&self, t: &Tenant, username: &str) -> Result<User> {
        let r = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE tenant_id = $1 AND username = $2"
        ))
        .bind(t.id())
        .bind(username.trim())
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        user_of(&r)
    }

    /// Users in id (creation) order after the cursor `after`, at most `limit` (1..=1000).
    pub async fn users_page(
        &self,
        t: &Tenant,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<User>> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3"
        ))
        .bind(t.id())
        .bind(after.unwrap_or(""))
        .bind(limit.clamp(1, 1000))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(user_of).collect()
    }

    /// Replaces the password hash and ends the user's sessions. The audit entry records that
    /// the password changed, never the hash.
    pub async fn set_password(
        &self,
        t: &Tenant,
        actor: &Actor,
        user_id: &str,
        password_hash: &str,
    ) -> Result<()> {
        self.set_password_keeping(t, actor, user_id, password_hash, None)
            .await
    }

    /// As [`Store::set_password`], but the session with `keep` (its token hash) stays open: the
    /// user changing their own password keeps the session they did it from.
    pub async fn set_password_keeping(
        &self,
        t: &Tenant,
        actor: &Actor,
        user_id: &str,
        password_hash: &str,
        keep: Option<&str>,
    ) -> Result<()> {
        let hash = hash_required("password", password_hash)?;
        let keep = keep.unwrap_or("").to_string();
        let (t, actor, id) = (t.clone(), actor.clone(), user_id.to_string());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                let user = find_user(c, &t, &id).await?.ok_or(StoreError::NotFound)?;
                sqlx::query("UPDATE users SET password_hash = $1 WHERE tenant_id = $2 AND id = $3")
                    .bind(&hash)
                    .bind(t.id())
                    .bind(&id)
                    .execute(&mut *c)
                    .await?;
                let ended =
                    sqlx::query(
                        "DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2 AND token_hash <> $3",
                    )
                        .bind(t.id())
                        .bind(&id)
                        .bind(&keep)
                        .execute(&mut *c)
                        .await?
                        .rows_affected();
                let mut after = json_of(&user);
                if let Some(serde_json::Value::Object(m)) = &mut after {
                    m.insert("password".into(), json!("changed"));
                    m.insert("sessions_ended".into(), json!(ended));
                }
                audit::append(
                    c,
                    &t,
                    &actor,
                    "set_password",
                    "user",
                    &id,
                    json_of(&user),
                    after,
                )
                .await?;
                Ok(())
            })
        })
        .await
    }

    pub async fn set_role(
        &self,
        t: &Tenant,
        actor: &Actor,
        user_id: &str,
        role: Role,
    ) -> Result<User> {
        self.update_user(t, actor, user_id, "set_role", move |u| u.role = role)
            .await
    }

    /// Disables or re-enables a user: a disabled user's tokens stop working and their sessions
    /// end.
    pub async fn set_disabled(
        &self,
        t: &Tenant,
        actor: &Actor,
        user_id: &str,
        disabled: bool,
    ) -> Result<User> {
        let action = if disabled { "disable" } else { "enable" };
        self.update_user(t, actor, user_id, action, move |u| u.disabled = disabled)
            .await
    }

    async fn update_user(
        &self,
        t: &Tenant,
        actor: &Actor,
        user_id: &str,
        action: &'static str,
        change: impl FnOnce(&mut User) + Send + 'static,
    ) -> Result<User> {
        let (t, actor, id) = (t.clone(), actor.clone(), user_id.to_string());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                let before = find_user(c, &t, &id).await?.ok_or(StoreError::NotFound)?;
                let mut after = before.clone();
                change(&mut after);
                if after == before {
                    return Ok(after);
                }
                sqlx::query(
                    "UPDATE users SET role = $1, disabled = $2 WHERE tenant_id = $3 AND id = $4",
                )
                .bind(after.role.as_str())
                .bind(i64::from(after.disabled))
                .bind(t.id())
                .bind(&id)
                .execute(&mut *c)
                .await?;
                if after.disabled {
                    sqlx::query("DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2")
                        .bind(t.id())
                        .bind(&id)
                        .execute(&mut *c)
                        .await?;
                }
                audit::append(
                    c,
                    &t,
                    &actor,
                    action,
                    "user",
                    &id,
                    json_of(&before),
                    json_of(&after),
                )
                .await?;
                Ok(after)
            })
        })
        .await
    }

    /// Makes the user a lead of the department (idempotent). NotFound for an unknown
    /// department, `Invalid { field: "user_id" }` for an unknown user.
    pub async fn add_department_lead(
        &self,
        t: &Tenant,
        actor: &Actor,
        department_id: &str,
        user_id: &str,
    ) -> Result<()> {
        self.change_lead(t, actor, department_id, user_id, true)
            .await
    }

    /// NotFound when the user does not lead the department.
    pub async fn remove_department_lead(
        &self,
        t: &Tenant,
        actor: &Actor,
        department_id: &str,
        user_id: &str,
    ) -> Result<()> {
        self.change_lead(t, actor, department_id, user_id, false)
            .await
    }

    async fn change_lead(
        &self,
        t: &Tenant,
        actor: &Actor,
        department_id: &str,
        user_id: &str,
        add: bool,
    ) -> Result<()> {
        let (t, actor) = (t.clone(), actor.clone());
        let (dep, user) = (department_id.to_string(), user_id.to_string());
        self.write(move |c| {
            Box::pin(async move {
                lock_tenant(c, &t).await?;
                if find_department(c, &t, &dep).await?.is_none() {
                    return Err(StoreError::NotFound);
                }
                if find_user(c, &t, &user).await?.is_none() {
                    return Err(if add {
                        StoreError::invalid("user_id", "no such user")
                    } else {
                        StoreError::NotFound
                    });
                }
                let exists = sqlx::query(
                    "SELECT user_id FROM department_leads WHERE tenant_id = $1 AND department_id = $2 \
                     AND user_id = $3",
                )
                .bind(t.id())
                .bind(&dep)
                .bind(&user)
                .fetch_optional(&mut *c)
                .await?
                .is_some();
                let lead = json!({ "department_id": dep, "user_id": user });
                if add {
                    if exists {
                        return Ok(());
                    }
                    sqlx::query(
                        "INSERT INTO department_leads (tenant_id, department_id, user_id) VALUES ($1, $2, $3)",
                    )
                    .bind(t.id())
                    .bind(&dep)
                    .bind(&user)
                    .execute(&mut *c)
                    .await?;
                    audit::append(c, &t, &actor, "add_lead", "department", &dep, None, Some(lead))
                        .await?;
                } else {
                    if !exists {
                        return Err(StoreError::NotFound);
                    }
                    sqlx::query(
                        "DELETE FROM department_leads WHERE tenant_id = $1 AND department_id = $2 \
                         AND user_id = $3",
                    )
                    .bind(t.id())
                    .bind(&dep)
                    .bind(&user)
                    .execute(&mut *c)
                    .await?;
                    audit::append(c, &t, &actor, "remove_lead", "department", &dep, Some(lead), None)
                        .await?;
                }
                Ok(())
            })
        })
        .await
    }

    /// The departments the user leads directly (sorted); see `department_subtrees` for scope.
    pub async fn led_departments(&self, t: &Tenant, user_id: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT department_id FROM department_leads WHERE tenant_id = $1 AND user_id = $2 \
             ORDER BY department_id",
        )
        .bind(t.id())
        .bind(user_id)
        .fetch_all(self.pool())
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn roles_round_trip() {
        for r in [Role::Employee, Role::Supervisor, Role::Admin, Role::Auditor] {
            assert_eq!(Role::parse(r.as_str()).ok(), Some(r));
            assert_eq!(
                serde_json::to_value(r).ok(),
                Some(serde_json::json!(r.as_str()))
            );
        }
        assert!(Role::parse("root").is_err());
    }
}
