//! Daka's API, driven over HTTP against the real app on `127.0.0.1:0`. Every story runs on a
//! fresh SQLite file and on a fresh PostgreSQL database (a throwaway server started by this test
//! process, or the one `DAKA_TEST_DATABASE_URL` names).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod fixtures;
mod helpers;

mod audit_log;
mod authn;
mod conventions;
mod cross_tenant;
mod instances;
mod privacy;
mod results;
mod route_table;
mod scope;
