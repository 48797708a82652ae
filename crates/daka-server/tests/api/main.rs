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
mod photo_images;
mod photos;
mod privacy;
mod punch_fixture;
mod punches;
mod punches_batch;
mod punches_read;
mod punches_recent;
mod punches_time;
mod results;
mod rota;
mod route_table;
mod rule_assignments;
mod rules;
mod rules_helpers;
mod rules_tenancy;
mod scope;
mod sites;
mod special_days;
