//! A rule version as callers send it: `RuleVersionSpec`'s fields (docs/scenario.md) plus an
//! optional `location` whose `sites` are site uuids. Errors name the field under `prefix`.

use daka_core::rule::RuleVersionSpec;
use daka_core::site::LocationPolicy;
use daka_store::rules::Version;
use daka_store::{LocationInput, NewVersion, StoreError};
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::json::missing_field;

fn at(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path.is_empty()) {
        (_, true) => prefix.trim_end_matches('.').to_string(),
        (true, false) => path.to_string(),
        (false, false) if path.starts_with('[') => {
            format!("{}{path}", prefix.trim_end_matches('.'))
        }
        (false, false) => format!("{prefix}{path}"),
    }
}

/// The field at fault: serde_path_to_error's path (which already ends in an unknown field's
/// name), with a missing field's name appended (serde reports it at the parent's path).
fn named_field(path: &str, msg: &str) -> String {
    missing_field(if path == "." { "" } else { path }, msg)
}

/// Deserializes `v`, naming the field at fault under `prefix`.
fn typed<T: serde::de::DeserializeOwned>(v: Value, prefix: &str) -> ApiResult<T> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        ApiError::invalid(&at(prefix, &named_field(&path, &msg)), msg)
    })
}

fn location(v: Value, prefix: &str) -> ApiResult<LocationInput> {
    let field = at(prefix, "location");
    let Value::Object(mut o) = v else {
        return Err(ApiError::invalid(&field, "must be an object"));
    };
    let sites = match o.remove("sites") {
        Some(Value::Array(a)) => a,
        Some(_) => {
            return Err(ApiError::invalid(
                &format!("{field}.sites"),
                "must be a list of site ids",
            ));
        }
        None => {
            return Err(ApiError::invalid(
                &format!("{field}.sites"),
                "missing field `sites`",
            ));
        }
    };
    let mut ids = Vec::with_capacity(sites.len());
    for (i, s) in sites.into_iter().enumerate() {
        match s {
            Value::String(s) if !s.trim().is_empty() => ids.push(s.trim().to_string()),
            _ => {
                return Err(ApiError::invalid(
                    &format!("{field}.sites[{i}]"),
                    "must be a site id",
                ));
            }
        }
    }
    if ids.is_empty() {
        return Err(ApiError::invalid(
            &format!("{field}.sites"),
            "lists no site",
        ));
    }
    // The policy's own checks need numbers; the store puts the sites' real numbers in.
    o.insert(
        "sites".into(),
        Value::from((1..=ids.len() as u64).collect::<Vec<_>>()),
    );
    let policy: LocationPolicy =
        serde_path_to_error::deserialize(Value::Object(o)).map_err(|e| {
            let path = e.path().to_string();
            let msg = e.into_inner().to_string();
            // The policy's own checks fail at its root with "sufficient: ...".
            let (path, msg) = match (path.as_str(), msg.split_once(": ")) {
                ("." | "", Some((p, m))) if !p.contains(' ') => (p.to_string(), m.to_string()),
                (".", None) => (String::new(), msg),
                _ => (path, msg),
            };
            ApiError::invalid(&at(&format!("{field}."), &named_field(&path, &msg)), msg)
        })?;
    Ok(LocationInput { sites: ids, policy })
}

/// Parses a version body; `prefix` is `"version."` inside `POST /rules`, empty for
/// `POST /rules/{id}/versions`.
pub fn parse(v: Value, prefix: &str) -> ApiResult<NewVersion> {
    let Value::Object(mut o) = v else {
        return Err(ApiError::invalid(&at(prefix, ""), "must be an object"));
    };
    if o.contains_key("version") {
        return Err(ApiError::invalid(
            &at(prefix, "version"),
            "version numbers are assigned in creation order (1, 2, ...); leave it out",
        ));
    }
    let location = match o.remove("location") {
        None | Some(Value::Null) => None,
        Some(l) => Some(location(l, prefix)?),
    };
    let spec: RuleVersionSpec = typed(Value::Object(o), prefix)?;
    Ok(NewVersion { spec, location })
}

/// A store error of a version write, its field named under `prefix` (`name` stays `name`).
pub fn store_error(e: StoreError, prefix: &str) -> ApiError {
    match e {
        StoreError::Invalid { field, message } if field != "name" => {
            ApiError::invalid(&at(prefix, &field), message)
        }
        StoreError::Conflict { field, message } if field != "name" => ApiError::Conflict {
            field: at(prefix, &field),
            message,
        },
        e => e.into(),
    }
}

/// A version as answered: the spec's fields, `location` (site uuids) and `created_at`.
pub fn dto(v: &Version) -> Value {
    let mut o = match serde_json::to_value(&v.spec) {
        Ok(Value::Object(o)) => o,
        _ => Map::new(),
    };
    o.insert("location".into(), v.location.clone().unwrap_or(Value::Null));
    o.insert("created_at".into(), Value::from(v.created_at));
    Value::Object(o)
}
