//! `daka demo`: a living demo company on a fresh embedded database.

pub mod company;
pub mod punches;
