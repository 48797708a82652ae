//! The `daka` binary's library part: scenario files and the `simulate` command, usable from tests.

pub mod demo;
pub mod scenario;
pub mod simulate;
