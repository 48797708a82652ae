//! Authentication: passwords, credentials (sessions, API tokens, device keys), login limits, and
//! the `Caller` every handler receives.

pub mod caller;
pub mod credentials;
pub mod password;
pub mod ratelimit;

pub use caller::{Caller, Via};
