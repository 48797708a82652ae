//! Credential strings. Each names its tenant before the secret, so it is looked up inside that
//! tenant only; the store keeps SHA-256 of the secret, never the secret.
//!
//! - session cookie `daka_session=<tenant>.<secret>`
//! - API token `dk_<tenant>_<secret>` (shown once)
//! - device key `dv_<tenant>_<secret>` (shown once)

use rand::RngCore;
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "daka_session";

pub fn secret() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex(&b)
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Token,
    Device,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Token => "dk_",
            Kind::Device => "dv_",
        }
    }
}

pub fn format(kind: Kind, tenant: &str, secret: &str) -> String {
    format!("{}{tenant}_{secret}", kind.prefix())
}

/// (tenant, secret) of a token or device key.
pub fn parse(kind: Kind, s: &str) -> Option<(&str, &str)> {
    let rest = s.trim().strip_prefix(kind.prefix())?;
    let (tenant, secret) = rest.rsplit_once('_')?;
    (!tenant.is_empty() && secret.len() == 64).then_some((tenant, secret))
}

pub fn session_value(tenant: &str, secret: &str) -> String {
    format!("{tenant}.{secret}")
}

pub fn parse_session(s: &str) -> Option<(&str, &str)> {
    let (tenant, secret) = s.trim().rsplit_once('.')?;
    (!tenant.is_empty() && secret.len() == 64).then_some((tenant, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let s = secret();
        let t = format(Kind::Token, "0191-abc", &s);
        assert_eq!(parse(Kind::Token, &t), Some(("0191-abc", s.as_str())));
        assert_eq!(parse(Kind::Device, &t), None);
        assert_eq!(
            parse_session(&session_value("x", &s)),
            Some(("x", s.as_str()))
        );
        assert_eq!(parse_session("x.short"), None);
    }
}
