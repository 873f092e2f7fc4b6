//! Routing: method and path to a [`Route`], with path ids percent-decoded.

use crate::state::error::ApiError;
use crate::store::keys::decode_id;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Health,
    OpenApi,
    Preflight,
    CreateSession,
    Nonce,
    Authenticate,
    Unauthenticated,
    GetSession(String),
    GetAccount(String),
    PutAccount(String),
    DeleteAccount(String),
    AccountSessions(String),
    AccountsLinked(String),
    AccountTimeline(String),
    Lists,
    GetList(String),
    CreateList(String),
    DeleteList(String),
    /// List name, account id.
    AddToList(String, String),
    RemoveFromList(String, String),
    Event,
    AccountInfoV1(String),
    AccountInfoV2(String),
    Feedback,
    DeleteUserData,
    Rules,
    GetRule(String),
    PutRule(String),
    DeleteRule(String),
    Backtest(String),
    Accounts,
    Incidents,
    Stats,
    Calibration,
    Project,
    TestWebhook,
}

/// Every routed path template with its methods; the OpenAPI test checks each is documented.
pub const PATHS: &[(&str, &[&str])] = &[
    ("/health", &["GET"]),
    ("/openapi.json", &["GET"]),
    ("/session", &["POST", "OPTIONS"]),
    ("/session/authenticate", &["POST"]),
    ("/session/unauthenticated", &["POST"]),
    ("/session/{session_id}", &["GET"]),
    ("/account/{account_id}", &["GET", "PUT", "DELETE"]),
    ("/account/{account_id}/sessions", &["GET"]),
    ("/account/{account_id}/accounts-linked", &["GET"]),
    ("/list", &["GET"]),
    ("/list/{list_name}", &["GET", "POST", "DELETE"]),
    (
        "/list/{list_name}/account/{account_id}",
        &["POST", "DELETE"],
    ),
    ("/event", &["POST"]),
    ("/api/v1/account_defender/account/{account_id}", &["GET"]),
    ("/api/v2/account_defender/account/{account_id}", &["GET"]),
    ("/v2/account_defender/account/{account_id}", &["GET"]),
    ("/api/v1/account_defender/account/update_status", &["POST"]),
    (
        "/api/v1/account_defender/account/delete_user_data",
        &["POST"],
    ),
    ("/session/nonce", &["POST", "OPTIONS"]),
    ("/rules", &["GET"]),
    ("/rules/{name}", &["GET", "PUT", "DELETE"]),
    ("/rules/{name}/backtest", &["POST"]),
    ("/accounts", &["GET"]),
    ("/incidents", &["GET"]),
    ("/stats", &["GET"]),
    ("/calibration", &["GET"]),
    ("/project", &["GET"]),
    ("/webhooks/test", &["POST"]),
    ("/account/{account_id}/timeline", &["GET"]),
];

fn decode(segment: &str) -> Result<String, ApiError> {
    // Path segments use the same percent-encoding as our keys, but may also carry lower-case hex.
    decode_id(segment).ok_or_else(|| {
        ApiError::bad_request(format!(
            "path segment {segment:?} is not valid percent-encoded UTF-8"
        ))
    })
}

pub fn route(method: &str, path: &str) -> Result<Route, ApiError> {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (template, allow): (&str, &[&str]) = match segs.as_slice() {
        ["health"] => PATHS[0],
        ["openapi.json"] => PATHS[1],
        ["session"] => PATHS[2],
        ["session", "authenticate"] => PATHS[3],
        ["session", "unauthenticated"] => PATHS[4],
        ["session", "nonce"] => PATHS[18],
        ["session", _] => PATHS[5],
        ["account", _] => PATHS[6],
        ["account", _, "sessions"] => PATHS[7],
        ["account", _, "accounts-linked"] => PATHS[8],
        ["account", _, "timeline"] => PATHS[28],
        ["list"] => PATHS[9],
        ["list", _] => PATHS[10],
        ["list", _, "account", _] => PATHS[11],
        ["event"] => PATHS[12],
        ["rules"] => PATHS[19],
        ["rules", _] => PATHS[20],
        ["rules", _, "backtest"] => PATHS[21],
        ["accounts"] => PATHS[22],
        ["incidents"] => PATHS[23],
        ["stats"] => PATHS[24],
        ["calibration"] => PATHS[25],
        ["project"] => PATHS[26],
        ["webhooks", "test"] => PATHS[27],
        // HUMAN's paths for its two actions win over an account of that name.
        ["api", "v1", "account_defender", "account", "update_status"] => PATHS[16],
        ["api", "v1", "account_defender", "account", "delete_user_data"] => PATHS[17],
        ["api", "v1", "account_defender", "account", _] => PATHS[13],
        ["api", "v2", "account_defender", "account", _] => PATHS[14],
        ["v2", "account_defender", "account", _] => PATHS[15],
        _ => return Err(ApiError::not_found(format!("no route for {path}"))),
    };
    if !allow.contains(&method) {
        return Err(ApiError::method_not_allowed(
            method,
            template,
            &allow.join(", "),
        ));
    }
    let id = || decode(segs[1]);
    let last = || decode(segs[segs.len() - 1]);
    Ok(match (segs.as_slice(), method) {
        (["health"], _) => Route::Health,
        (["openapi.json"], _) => Route::OpenApi,
        (["session"] | ["session", "nonce"], "OPTIONS") => Route::Preflight,
        (["session", "nonce"], _) => Route::Nonce,
        (["session"], _) => Route::CreateSession,
        (["session", "authenticate"], _) => Route::Authenticate,
        (["session", "unauthenticated"], _) => Route::Unauthenticated,
        (["session", _], _) => Route::GetSession(id()?),
        (["account", _], "GET") => Route::GetAccount(id()?),
        (["account", _], "PUT") => Route::PutAccount(id()?),
        (["account", _], _) => Route::DeleteAccount(id()?),
        (["account", _, "sessions"], _) => Route::AccountSessions(id()?),
        (["account", _, "accounts-linked"], _) => Route::AccountsLinked(id()?),
        (["account", _, "timeline"], _) => Route::AccountTimeline(id()?),
        (["list"], _) => Route::Lists,
        (["list", _], "GET") => Route::GetList(id()?),
        (["list", _], "POST") => Route::CreateList(id()?),
        (["list", _], _) => Route::DeleteList(id()?),
        (["list", _, _, _], "POST") => Route::AddToList(id()?, last()?),
        (["list", _, _, _], _) => Route::RemoveFromList(id()?, last()?),
        (["event"], _) => Route::Event,
        (["rules"], _) => Route::Rules,
        (["rules", _], "GET") => Route::GetRule(id()?),
        (["rules", _], "PUT") => Route::PutRule(id()?),
        (["rules", _], _) => Route::DeleteRule(id()?),
        (["rules", _, _], _) => Route::Backtest(id()?),
        (["accounts"], _) => Route::Accounts,
        (["incidents"], _) => Route::Incidents,
        (["stats"], _) => Route::Stats,
        (["calibration"], _) => Route::Calibration,
        (["project"], _) => Route::Project,
        (["webhooks", "test"], _) => Route::TestWebhook,
        ([.., "update_status"], _) if template == PATHS[16].0 => Route::Feedback,
        ([.., "delete_user_data"], _) if template == PATHS[17].0 => Route::DeleteUserData,
        (["api", "v1", ..], _) => Route::AccountInfoV1(last()?),
        _ => Route::AccountInfoV2(last()?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_paths_are_percent_decoded() {
        assert_eq!(
            route("GET", "/account/a%2Fb").unwrap(),
            Route::GetAccount("a/b".into())
        );
        assert_eq!(
            route("GET", "/account/Zo%C3%AB").unwrap(),
            Route::GetAccount("Zoë".into())
        );
        assert_eq!(
            route("GET", "/account/a%2fb").unwrap(),
            Route::GetAccount("a/b".into())
        );
        assert_eq!(route("GET", "/account/%FF").unwrap_err().status, 400);
    }

    #[test]
    fn a_raw_slash_in_an_id_is_no_route() {
        assert_eq!(route("GET", "/account/a/b").unwrap_err().status, 404);
        assert_eq!(route("GET", "/account/../session").unwrap_err().status, 404);
    }

    #[test]
    fn list_and_account_defender_paths_route_with_their_ids() {
        assert_eq!(
            route("POST", "/list/vip/account/a%2F1").unwrap(),
            Route::AddToList("vip".into(), "a/1".into())
        );
        assert_eq!(
            route("GET", "/v2/account_defender/account/x").unwrap(),
            Route::AccountInfoV2("x".into())
        );
        assert_eq!(
            route("GET", "/api/v2/account_defender/account/x").unwrap(),
            Route::AccountInfoV2("x".into())
        );
        assert_eq!(
            route("GET", "/api/v1/account_defender/account/x").unwrap(),
            Route::AccountInfoV1("x".into())
        );
        assert_eq!(
            route("POST", "/api/v1/account_defender/account/update_status").unwrap(),
            Route::Feedback
        );
        assert_eq!(
            route("POST", "/api/v1/account_defender/account/delete_user_data").unwrap(),
            Route::DeleteUserData
        );
        assert_eq!(
            route("POST", "/api/v1/account_defender/account/x")
                .unwrap_err()
                .status,
            405
        );
    }

    #[test]
    fn wrong_methods_get_405_with_the_allowed_ones() {
        let e = route("DELETE", "/session/authenticate").unwrap_err();
        assert_eq!(e.status, 405);
        assert_eq!(e.allow.as_deref(), Some("POST"));
        assert_eq!(
            route("POST", "/account/x").unwrap_err().allow.as_deref(),
            Some("GET, PUT, DELETE")
        );
    }
}
