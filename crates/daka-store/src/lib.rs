//! Daka's durable storage: one repository API over SQLite (embedded, the default) and
//! PostgreSQL, chosen once from the database URL. Every query is scoped by a [`Tenant`], which
//! only the authentication layer (or the admin CLI) can produce.

pub mod audit;
mod checkpoint;
pub mod context;
pub mod crypto;
mod db;
mod error;
pub mod facts;
mod fields;
mod fresh;
mod keys;
pub mod org;
pub mod photos;
pub mod privacy;
pub mod punches;
pub mod retention;
pub mod rewrap;
pub mod rota;
pub mod rules;
pub mod sites;
pub mod special_days;
pub mod tenant;
/// Throwaway databases for tests (this crate's own tests include the file directly).
#[cfg(feature = "testing")]
pub mod testing;
pub mod users;
mod writer;

pub use audit::{Entry as AuditEntry, Verdict};
pub use db::{Backend, Store};
pub use error::{Result, StoreError};
pub use org::{Department, Employee, EmployeeFilter, EmployeeInput};
pub use photos::{Photo, PhotoInput};
pub use rota::{RotaEntry, RotaQuery};
pub use rules::{Assignment, AssignmentTarget, InForce, LocationInput, NewVersion, Source};
pub use sites::Site;
pub use special_days::SpecialDay;
pub use tenant::{Actor, Tenant, TenantRow};
pub use users::{ApiToken, Device, Role, Session, User};

/// Milliseconds since the Unix epoch, the schema's instant.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A new time-ordered id (UUID v7), so keyset pagination by id follows creation order.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
