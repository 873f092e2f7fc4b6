//! Reading request bodies: size limits, JSON, and field checks whose messages name the field.

use serde_json::{Map, Value};

use crate::state::account::ProfileUpdate;
use crate::state::error::ApiError;
use crate::store::keys::Id;

/// The largest body any endpoint reads.
pub const MAX_BODY: usize = 64 * 1024;

/// Parses a body that must be a JSON object. An empty body reads as `{}` when `empty_ok`.
pub fn object(body: &[u8], empty_ok: bool) -> Result<Map<String, Value>, ApiError> {
    if body.len() > MAX_BODY {
        return Err(ApiError::too_large(MAX_BODY));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return if empty_ok {
            Ok(Map::new())
        } else {
            Err(ApiError::bad_request(
                "request body is empty: send a JSON object",
            ))
        };
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::bad_request("request body must be a JSON object")),
        Err(e) => Err(ApiError::bad_request(format!(
            "request body is not valid JSON: {e}"
        ))),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A boolean query parameter (`true` or `false`); absent is `false`.
pub fn query_flag(query: &str, name: &str) -> Result<bool, ApiError> {
    match query
        .split('&')
        .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
        .find(|(k, _)| *k == name)
    {
        None => Ok(false),
        Some((_, "true")) => Ok(true),
        Some((_, "false")) => Ok(false),
        Some((_, v)) => Err(ApiError::bad_request(format!(
            "query parameter {name} must be true or false, not {v:?}"
        ))),
    }
}

/// Every value of query parameter `name` (also written `name[]`), percent-decoded, in order.
pub fn query_values(query: &str, name: &str) -> Result<Vec<String>, ApiError> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('=').or(Some((kv, ""))))
        .filter(|(k, _)| {
            *k == name || k.strip_suffix("[]") == Some(name) || *k == format!("{name}%5B%5D")
        })
        .map(|(_, v)| {
            crate::store::keys::decode_id(&v.replace('+', " ")).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "query parameter {name} is not valid percent-encoded UTF-8"
                ))
            })
        })
        .collect()
}

/// An optional string field; `max` bytes at most.
pub fn opt_str(
    obj: &Map<String, Value>,
    path: &str,
    name: &str,
    max: usize,
) -> Result<Option<String>, ApiError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.len() <= max => Ok(Some(s.clone())),
        Some(Value::String(s)) => Err(ApiError::bad_request(format!(
            "{path}{name} is too long: {} bytes, at most {max}",
            s.len()
        ))),
        Some(v) => Err(ApiError::bad_request(format!(
            "{path}{name} must be a string, not {}",
            type_name(v)
        ))),
    }
}

/// A required id field, checked and encoded for use in keys.
pub fn id(obj: &Map<String, Value>, path: &str, name: &str) -> Result<Id, ApiError> {
    match obj.get(name) {
        None | Some(Value::Null) => Err(ApiError::bad_request(format!("{path}{name} is required"))),
        Some(Value::String(s)) => path_id(&format!("{path}{name}"), s),
        Some(v) => Err(ApiError::bad_request(format!(
            "{path}{name} must be a string, not {}",
            type_name(v)
        ))),
    }
}

/// An id taken from the URL path or a body field.
pub fn path_id(name: &str, raw: &str) -> Result<Id, ApiError> {
    Id::new(raw).map_err(|e| ApiError::bad_request(e.message(name)))
}

/// An optional JSON object field, `max` bytes at most once serialised.
pub fn opt_object(
    obj: &Map<String, Value>,
    path: &str,
    name: &str,
    max: usize,
) -> Result<Option<Map<String, Value>>, ApiError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => {
            let n = serde_json::to_string(m)
                .map(|s| s.len())
                .unwrap_or(usize::MAX);
            if n > max {
                return Err(ApiError::bad_request(format!(
                    "{path}{name} is too large: {n} bytes of JSON, at most {max}"
                )));
            }
            Ok(Some(m.clone()))
        }
        Some(v) => Err(ApiError::bad_request(format!(
            "{path}{name} must be an object, not {}",
            type_name(v)
        ))),
    }
}

/// A required object field.
pub fn object_field<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
) -> Result<&'a Map<String, Value>, ApiError> {
    match obj.get(name) {
        None | Some(Value::Null) => Err(ApiError::bad_request(format!("{name} is required"))),
        Some(Value::Object(m)) => Ok(m),
        Some(v) => Err(ApiError::bad_request(format!(
            "{name} must be an object, not {}",
            type_name(v)
        ))),
    }
}

/// Limits of the caller's account fields.
const MAX_EMAIL: usize = 320;
const MAX_GROUP: usize = 128;
const MAX_METADATA: usize = 8 * 1024;

/// Reads `email`, `metadata` and `group` of an account object; `path` prefixes field names in
/// error messages (`account.`).
pub fn profile_update(obj: &Map<String, Value>, path: &str) -> Result<ProfileUpdate, ApiError> {
    Ok(ProfileUpdate {
        email: opt_str(obj, path, "email", MAX_EMAIL)?,
        metadata: opt_object(obj, path, "metadata", MAX_METADATA)?,
        group: opt_str(obj, path, "group", MAX_GROUP)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_must_be_json_objects() {
        assert_eq!(object(b"", true).unwrap().len(), 0);
        assert_eq!(object(b"  ", false).unwrap_err().status, 400);
        assert!(object(b"[1]", true)
            .unwrap_err()
            .message
            .contains("JSON object"));
        assert!(object(b"{\"a\":", true)
            .unwrap_err()
            .message
            .contains("not valid JSON"));
        assert_eq!(
            object(&vec![b' '; MAX_BODY + 1], true).unwrap_err().status,
            413
        );
    }

    #[test]
    fn query_flags_are_true_false_or_absent() {
        assert_eq!(query_flag("", "accounts_linked"), Ok(false));
        assert_eq!(
            query_flag("a=1&accounts_linked=true", "accounts_linked"),
            Ok(true)
        );
        assert_eq!(
            query_flag("accounts_linked=false", "accounts_linked"),
            Ok(false)
        );
        assert_eq!(
            query_flag("accounts_linked=yes", "accounts_linked")
                .unwrap_err()
                .status,
            400
        );
    }

    #[test]
    fn query_values_are_collected_and_decoded() {
        assert_eq!(
            query_values("days_range=7&x=1&days_range=9", "days_range").unwrap(),
            ["7", "9"]
        );
        assert_eq!(
            query_values("attack_types%5B%5D=ato&attack_types[]=fa", "attack_types").unwrap(),
            ["ato", "fa"]
        );
        assert_eq!(query_values("a=%5B%27ato%27%5D", "a").unwrap(), ["['ato']"]);
        assert_eq!(query_values("a=%FF", "a").unwrap_err().status, 400);
    }

    #[test]
    fn field_errors_name_the_field_and_the_problem() {
        let m = object(br#"{"id": 5, "email": [], "metadata": "x"}"#, false).unwrap();
        assert_eq!(
            id(&m, "account.", "id").unwrap_err().message,
            "account.id must be a string, not a number"
        );
        assert_eq!(
            opt_str(&m, "", "email", 10).unwrap_err().message,
            "email must be a string, not an array"
        );
        assert_eq!(
            opt_object(&m, "", "metadata", 10).unwrap_err().message,
            "metadata must be an object, not a string"
        );
        assert_eq!(
            id(&m, "", "session_id").unwrap_err().message,
            "session_id is required"
        );
    }
}
