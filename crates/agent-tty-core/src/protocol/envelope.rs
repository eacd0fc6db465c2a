//! The envelope of the host socket protocol: one compact JSON line each way.
//! Request `{"id","method","params"}`; reply `{"id","ok":true,"result"}` or
//! `{"id","ok":false,"error":{"code","message"}}`. Error `details` do not cross the wire.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::error::Error;

/// Largest request or response line, in characters.
pub const MAX_MESSAGE_BYTES: usize = 1_048_576;

/// A request as the client writes it: the params are a method's typed params.
#[derive(Debug, Serialize)]
pub struct Outgoing<'a, P: Serialize> {
    /// Non-empty correlation id (a UUID v4).
    pub id: &'a str,
    /// Method name.
    pub method: &'a str,
    /// The method's params.
    pub params: &'a P,
}

/// A parsed request (the host reads the params once it knows the method).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Non-empty correlation id (a UUID v4 from the CLI).
    pub id: String,
    /// Method name.
    pub method: String,
    /// Parameters (`{}` when none).
    #[serde(default)]
    pub params: Map<String, Value>,
}

/// The `error` object of a failed response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WireError {
    /// Error code.
    pub code: String,
    /// Message.
    pub message: String,
}

/// A response line. The result is kept as its JSON text: the host serialises a typed
/// reply once, and the client decodes it straight into the method's reply type.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Response {
    /// The request's id, or `unknown`.
    pub id: String,
    /// Success flag.
    pub ok: bool,
    /// The result on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Box<RawValue>>,
    /// The error on failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<WireError>,
}

impl Response {
    /// A success response.
    pub fn success(id: &str, result: Box<RawValue>) -> Response {
        Response { id: id.to_string(), ok: true, result: Some(result), error: None }
    }

    /// The response to a handled request: its typed reply, or its error.
    pub fn answer<T: Serialize>(id: &str, result: Result<T, Error>) -> Response {
        match result.and_then(|reply| encode(&reply)) {
            Ok(raw) => Response::success(id, raw),
            Err(error) => Response::failure(id, &error),
        }
    }

    /// A failure response from an error (details are dropped, as on the wire).
    pub fn failure(id: &str, error: &Error) -> Response {
        let message = if error.message.is_empty() {
            error.code.default_message().to_string()
        } else {
            error.message.clone()
        };
        let code = error.code_str().to_string();
        Response { id: id.to_string(), ok: false, result: None, error: Some(WireError { code, message }) }
    }

    /// The compact line, newline-terminated.
    pub fn to_line(&self) -> Vec<u8> {
        let mut line = serde_json::to_vec(self).unwrap_or_default();
        line.push(b'\n');
        line
    }
}

/// Encodes a typed reply as the result's JSON text.
pub fn encode<T: Serialize>(reply: &T) -> Result<Box<RawValue>, Error> {
    serde_json::value::to_raw_value(reply)
        .map_err(|e| Error::internal(format!("Cannot encode the reply: {e}")))
}

/// Parses a request line. On failure returns the id to answer with (`unknown` when the
/// line has none) and the error.
pub fn parse_request(line: &[u8]) -> Result<Request, (String, Error)> {
    let value: Value = serde_json::from_slice(line)
        .map_err(|e| ("unknown".to_string(), Error::new(crate::ErrorCode::RpcError, e.to_string())))?;
    let id =
        value.get("id").and_then(Value::as_str).filter(|s| !s.is_empty()).unwrap_or("unknown").to_string();
    let request: Request = serde_json::from_value(value).map_err(|e| {
        (id.clone(), Error::new(crate::ErrorCode::RpcError, format!("Invalid RPC request: {e}")))
    })?;
    if request.id.is_empty() || request.method.is_empty() {
        let message = "Invalid RPC request: id and method must be non-empty strings.";
        return Err((id, Error::new(crate::ErrorCode::RpcError, message)));
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn parses_strictly() {
        let req = parse_request(br#"{"id":"a","method":"inspect","params":{}}"#).unwrap();
        assert_eq!(req.method, "inspect");
        let req = parse_request(br#"{"id":"a","method":"inspect"}"#).unwrap();
        assert!(req.params.is_empty());
        let (id, err) = parse_request(br#"{"id":"b","method":"x","extra":1}"#).unwrap_err();
        assert_eq!((id.as_str(), err.code), ("b", ErrorCode::RpcError));
        let (id, _) = parse_request(b"nope").unwrap_err();
        assert_eq!(id, "unknown");
    }

    #[test]
    fn responses_are_compact_lines() {
        let ok = Response::answer("a", Ok(crate::protocol::SeqReply { seq: crate::protocol::Seq(3) }));
        assert_eq!(ok.to_line(), b"{\"id\":\"a\",\"ok\":true,\"result\":{\"seq\":3}}\n");
        let err =
            Response::failure("a", &Error::new(ErrorCode::SessionNotRunning, "Session is not running."));
        assert_eq!(
            String::from_utf8(err.to_line()).unwrap(),
            "{\"id\":\"a\",\"ok\":false,\"error\":{\"code\":\"SESSION_NOT_RUNNING\",\"message\":\"Session is not running.\"}}\n"
        );
    }
}
