//! API errors: a status and one sentence naming the problem, sent as `{statusCode, message}`.

use crate::schema::ErrorBody;
use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
    /// For 405: the methods the path does take.
    pub allow: Option<String>,
    /// For 429: whole seconds until the client may try again (`Retry-After`).
    pub retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: u16, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            allow: None,
            retry_after: None,
        }
    }

    pub fn bad_request(m: impl Into<String>) -> ApiError {
        ApiError::new(400, m)
    }

    pub fn unauthorized(m: impl Into<String>) -> ApiError {
        ApiError::new(401, m)
    }

    pub fn forbidden(m: impl Into<String>) -> ApiError {
        ApiError::new(403, m)
    }

    pub fn not_found(m: impl Into<String>) -> ApiError {
        ApiError::new(404, m)
    }

    pub fn conflict(m: impl Into<String>) -> ApiError {
        ApiError::new(409, m)
    }

    pub fn method_not_allowed(method: &str, path: &str, allow: &str) -> ApiError {
        ApiError {
            status: 405,
            message: format!("method {method} is not allowed on {path}; allowed: {allow}"),
            allow: Some(allow.to_string()),
            retry_after: None,
        }
    }

    pub fn too_large(limit: usize) -> ApiError {
        ApiError::new(413, format!("request body is larger than {limit} bytes"))
    }

    /// 429: the message says which limit was passed; `Retry-After` says when to come back.
    pub fn too_many_requests(m: impl Into<String>, retry_after_secs: u64) -> ApiError {
        ApiError {
            retry_after: Some(retry_after_secs.max(1)),
            ..ApiError::new(429, m)
        }
    }

    pub fn unavailable(m: impl Into<String>) -> ApiError {
        ApiError::new(503, m)
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            status_code: self.status,
            message: self.message.clone(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        ApiError::unavailable(format!(
            "{e}; nothing was changed by this request, retry it"
        ))
    }
}
