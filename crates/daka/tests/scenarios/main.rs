//! Scenario tests: hand-computed expectations for worked days, written from the meaning of each
//! result in `attendance-semantics.md` (quoted as "semantics: ..."), run through the scenario
//! loader and `daka simulate` (the library and, where it matters, the real binary).
//!
//! A test that fails because the engine disagrees with the semantics keeps the correct
//! expectation and is marked `#[ignore = "engine bug: ..."]`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod approvals;
mod calendar;
mod choosing;
mod dst;
mod errors;
mod examples;
mod fixed;
mod flexible;
mod free;
mod month;
mod night;
mod overtime;
mod pain_points;
mod rota;
mod thresholds;
mod versions;
