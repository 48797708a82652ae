//! The storage error: callers match on `NotFound` and `Conflict`; everything else is internal.

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness or reference rule was broken; the message names the field.
    #[error("conflict: {field}: {message}")]
    Conflict { field: String, message: String },
    /// The request is invalid for the stored state (e.g. a department cycle).
    #[error("invalid: {field}: {message}")]
    Invalid { field: String, message: String },
    #[error("database: {0}")]
    Database(String),
}

impl StoreError {
    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        Self::Conflict {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::conflict(&unique_field(db.message()), "already exists")
            }
            sqlx::Error::Database(db) if db.is_foreign_key_violation() => {
                StoreError::invalid("reference", "refers to something that does not exist")
            }
            _ => StoreError::Database(e.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Database(format!("migration: {e}"))
    }
}

/// The column a unique violation names, from either backend's message.
fn unique_field(msg: &str) -> String {
    // SQLite: "UNIQUE constraint failed: employees.tenant_id, employees.employee_no"
    if let Some(rest) = msg.strip_prefix("UNIQUE constraint failed: ") {
        return rest
            .rsplit(", ")
            .next()
            .and_then(|c| c.rsplit('.').next())
            .unwrap_or("id")
            .to_string();
    }
    // PostgreSQL: duplicate key value violates unique constraint "employees_tenant_id_employee_no_key"
    for known in [
        "employee_no",
        "username",
        "token_hash",
        "secret_hash",
        "name",
    ] {
        if msg.contains(known) {
            return known.to_string();
        }
    }
    "id".to_string()
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
