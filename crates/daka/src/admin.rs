//! `daka admin ...` and `daka audit verify`: operator commands against the configured database.

use std::io::Read;

use daka_server::auth::credentials::{self, Kind};
use daka_server::auth::password;
use daka_store::users::Role;
use daka_store::{Actor, Store, StoreError, Tenant};

fn actor() -> Actor {
    Actor::system("cli")
}

pub(crate) fn store_err(what: &str, e: StoreError) -> String {
    match e {
        StoreError::NotFound => format!("{what}: not found"),
        StoreError::Conflict { field, message } | StoreError::Invalid { field, message } => {
            format!("{what}: {field}: {message}")
        }
        StoreError::Database(m) => format!("{what}: database: {m}"),
    }
}

pub(crate) async fn tenant(store: &Store, id: &str) -> Result<Tenant, String> {
    let t = Tenant::trusted(id.trim());
    store
        .tenant(&t)
        .await
        .map_err(|e| store_err(&format!("tenant {id}"), e))?;
    Ok(t)
}

/// The password from standard input (first line), or a new random one that is printed once.
fn password_input(from_stdin: bool) -> Result<(String, bool), String> {
    if from_stdin {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("reading the password from stdin: {e}"))?;
        let p = s.lines().next().unwrap_or("").to_string();
        password::check_new("password", &p)
            .map_err(|_| "password: must be at least 10 characters".to_string())?;
        Ok((p, false))
    } else {
        Ok((credentials::secret()[..20].to_string(), true))
    }
}

pub async fn create_tenant(store: &Store, name: &str) -> Result<(), String> {
    let t = store
        .create_tenant(name, &actor())
        .await
        .map_err(|e| store_err("create-tenant", e))?;
    println!("tenant created: id {} name {}", t.id, t.name);
    Ok(())
}

pub async fn create_user(
    store: &Store,
    tenant_id: &str,
    username: &str,
    role: &str,
    employee: Option<&str>,
    from_stdin: bool,
) -> Result<(), String> {
    let t = tenant(store, tenant_id).await?;
    let role = Role::parse(role).map_err(|_| {
        format!("role: '{role}' is not one of employee, supervisor, admin, auditor")
    })?;
    let (pw, generated) = password_input(from_stdin)?;
    let hash = password::hash(pw.clone())
        .await
        .map_err(|e| format!("hashing: {e:?}"))?;
    let u = store
        .create_user(&t, &actor(), username.trim(), &hash, role, employee)
        .await
        .map_err(|e| store_err("create-user", e))?;
    println!(
        "user created: id {} username {} role {}",
        u.id,
        u.username,
        u.role.as_str()
    );
    if generated {
        println!("password (shown once): {pw}");
    }
    Ok(())
}

pub async fn reset_password(
    store: &Store,
    tenant_id: &str,
    username: &str,
    from_stdin: bool,
) -> Result<(), String> {
    let t = tenant(store, tenant_id).await?;
    let u = store
        .user_by_username(&t, username.trim())
        .await
        .map_err(|e| store_err(&format!("user {username}"), e))?;
    let (pw, generated) = password_input(from_stdin)?;
    let hash = password::hash(pw.clone())
        .await
        .map_err(|e| format!("hashing: {e:?}"))?;
    store
        .set_password(&t, &actor(), &u.id, &hash)
        .await
        .map_err(|e| store_err("reset-password", e))?;
    println!("password reset for {}", u.username);
    if generated {
        println!("password (shown once): {pw}");
    }
    Ok(())
}

pub async fn create_token(
    store: &Store,
    tenant_id: &str,
    username: &str,
    name: &str,
    scopes: &str,
    days: u32,
) -> Result<(), String> {
    let t = tenant(store, tenant_id).await?;
    let u = store
        .user_by_username(&t, username.trim())
        .await
        .map_err(|e| store_err(&format!("user {username}"), e))?;
    let scopes: Vec<String> = scopes
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    daka_server::routes::tokens::check_scopes(&scopes)
        .map_err(|_| "scopes: use read, write or read,write".to_string())?;
    if !(1..=3650).contains(&days) {
        return Err("days: must be 1 to 3650".into());
    }
    let secret = credentials::secret();
    let expires = daka_store::now_ms() + i64::from(days) * 86_400_000;
    let tok = store
        .create_token(
            &t,
            &actor(),
            &u.id,
            name,
            &credentials::digest(&secret),
            &scopes,
            Some(expires),
        )
        .await
        .map_err(|e| store_err("create-token", e))?;
    println!(
        "token created: id {} for {} scopes {}",
        tok.id,
        u.username,
        scopes.join(",")
    );
    println!(
        "token (shown once): {}",
        credentials::format(Kind::Token, t.id(), &secret)
    );
    Ok(())
}

/// Verifies one tenant's audit chain; returns whether it is intact.
pub async fn audit_verify(store: &Store, tenant_id: &str) -> Result<bool, String> {
    let t = tenant(store, tenant_id).await?;
    let v = store
        .audit_verify(&t)
        .await
        .map_err(|e| store_err("audit verify", e))?;
    if v.problems.is_empty() {
        println!(
            "tenant {}: audit log intact ({} entries)",
            t.id(),
            v.entries
        );
        Ok(true)
    } else {
        println!(
            "tenant {}: audit log BROKEN ({} entries)",
            t.id(),
            v.entries
        );
        for p in &v.problems {
            println!("  {p}");
        }
        Ok(false)
    }
}
