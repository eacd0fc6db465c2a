//! Strict parameter shapes of each RPC method (unknown keys are `RPC_ERROR`, as in the
//! reference's schemas).

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode, Result};

/// Parses `params` into `T`, mapping failures to `RPC_ERROR`.
pub fn parse<T: DeserializeOwned>(method: &str, params: Map<String, Value>) -> Result<T> {
    serde_json::from_value(Value::Object(params))
        .map_err(|e| Error::new(ErrorCode::RpcError, format!("Invalid params for {method}: {e}")))
}

/// Rejects empty strings, as the reference's `string ≥ 1` schemas do.
pub fn non_empty(method: &str, field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::new(
            ErrorCode::RpcError,
            format!("Invalid params for {method}: {field} must not be empty"),
        ));
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Run {
    pub command: String,
    #[serde(default)]
    pub no_wait: bool,
    pub timeout_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mark {
    pub label: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendKeys {
    pub keys: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resize {
    pub cols: u16,
    pub rows: u16,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signal {
    pub signal: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Wait {
    pub exit: Option<bool>,
    pub idle_ms: Option<u64>,
    pub timeout_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Destroy {
    #[allow(dead_code)]
    pub force: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Snapshot {
    pub format: Option<String>,
    pub include_scrollback: Option<bool>,
    pub include_cells: Option<bool>,
    #[allow(dead_code)]
    pub renderer_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WaitForRender {
    pub text: Option<String>,
    pub regex: Option<String>,
    pub screen_stable_ms: Option<u64>,
    pub cursor_row: Option<u64>,
    pub cursor_col: Option<u64>,
    pub after_seq: Option<u64>,
    pub timeout_ms: Option<u64>,
    #[allow(dead_code)]
    pub renderer_name: Option<String>,
}
