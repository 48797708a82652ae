//! The real `daka` binary on a SQLite data directory: `admin rotate-key` / `retire-keys`,
//! `admin purge-locations`, and `export scenario` whose `daka simulate` output equals the API's
//! results for the same facts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod export;
mod keys;
mod seed;
