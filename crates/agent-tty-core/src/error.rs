//! The one error type of agent-tty: a stable [`ErrorCode`], a message for people, and
//! structured `details` for scripts. Every code maps to exactly one exit code, so the
//! CLI's exit status is decided here, not at the call sites.

use std::fmt;

use serde_json::{Map, Value};

/// The stable error codes of the JSON contract (`error.code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum ErrorCode {
    SessionNotFound,
    SessionNotRunning,
    SessionAlreadyDestroyed,
    HostUnreachable,
    HostTimeout,
    InvalidSessionId,
    InvalidDimensions,
    InvalidSignal,
    InvalidKeys,
    InvalidDuration,
    InvalidInput,
    StorageReadError,
    StorageWriteError,
    ManifestValidationError,
    RpcError,
    ProtocolError,
    ExportError,
    ReplayError,
    SkillNotFound,
    WaitTimeout,
    InternalError,
    /// `run --check`: the command ended with a non-zero exit status.
    CommandFailed,
    /// `mouse`: the program has not enabled mouse reporting (and no `--force`).
    MouseNotEnabled,
}

use ErrorCode as C;

const ALL: [ErrorCode; 23] = [
    C::SessionNotFound,
    C::SessionNotRunning,
    C::SessionAlreadyDestroyed,
    C::HostUnreachable,
    C::HostTimeout,
    C::InvalidSessionId,
    C::InvalidDimensions,
    C::InvalidSignal,
    C::InvalidKeys,
    C::InvalidDuration,
    C::InvalidInput,
    C::StorageReadError,
    C::StorageWriteError,
    C::ManifestValidationError,
    C::RpcError,
    C::ProtocolError,
    C::ExportError,
    C::ReplayError,
    C::SkillNotFound,
    C::WaitTimeout,
    C::InternalError,
    C::CommandFailed,
    C::MouseNotEnabled,
];

impl ErrorCode {
    /// The wire spelling, e.g. `SESSION_NOT_FOUND`.
    pub fn as_str(self) -> &'static str {
        match self {
            C::SessionNotFound => "SESSION_NOT_FOUND",
            C::SessionNotRunning => "SESSION_NOT_RUNNING",
            C::SessionAlreadyDestroyed => "SESSION_ALREADY_DESTROYED",
            C::HostUnreachable => "HOST_UNREACHABLE",
            C::HostTimeout => "HOST_TIMEOUT",
            C::InvalidSessionId => "INVALID_SESSION_ID",
            C::InvalidDimensions => "INVALID_DIMENSIONS",
            C::InvalidSignal => "INVALID_SIGNAL",
            C::InvalidKeys => "INVALID_KEYS",
            C::InvalidDuration => "INVALID_DURATION",
            C::InvalidInput => "INVALID_INPUT",
            C::StorageReadError => "STORAGE_READ_ERROR",
            C::StorageWriteError => "STORAGE_WRITE_ERROR",
            C::ManifestValidationError => "MANIFEST_VALIDATION_ERROR",
            C::RpcError => "RPC_ERROR",
            C::ProtocolError => "PROTOCOL_ERROR",
            C::ExportError => "EXPORT_ERROR",
            C::ReplayError => "REPLAY_ERROR",
            C::SkillNotFound => "SKILL_NOT_FOUND",
            C::WaitTimeout => "WAIT_TIMEOUT",
            C::InternalError => "INTERNAL_ERROR",
            C::CommandFailed => "COMMAND_FAILED",
            C::MouseNotEnabled => "MOUSE_NOT_ENABLED",
        }
    }

    /// Parses a wire spelling; unknown codes give `None`.
    pub fn parse(code: &str) -> Option<ErrorCode> {
        ALL.into_iter().find(|c| c.as_str() == code)
    }

    /// The process exit code for this error (the public exit-code table).
    pub fn exit_code(self) -> i32 {
        match self {
            C::InternalError | C::SkillNotFound | C::CommandFailed => 1,
            C::InvalidSessionId
            | C::InvalidDimensions
            | C::InvalidSignal
            | C::InvalidKeys
            | C::InvalidDuration
            | C::InvalidInput
            | C::MouseNotEnabled => 2,
            C::SessionNotFound => 3,
            C::SessionNotRunning | C::SessionAlreadyDestroyed => 4,
            C::HostTimeout => 5,
            C::HostUnreachable => 6,
            C::ExportError => 7,
            C::StorageReadError | C::StorageWriteError | C::ManifestValidationError => 8,
            C::ProtocolError | C::RpcError => 9,
            C::ReplayError => 10,
            C::WaitTimeout => 11,
        }
    }

    /// Whether retrying the same call may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, C::HostUnreachable | C::HostTimeout | C::RpcError)
    }

    /// The message used when a call site gives none.
    pub fn default_message(self) -> &'static str {
        match self {
            C::SessionNotFound => "Session not found.",
            C::SessionNotRunning => "Session is not running.",
            C::SessionAlreadyDestroyed => "Session is already destroyed.",
            C::HostUnreachable => "Session host is unreachable.",
            C::HostTimeout => "Session host timed out.",
            C::InvalidSessionId => "Session ID is invalid.",
            C::InvalidDimensions => "Terminal dimensions are invalid.",
            C::InvalidSignal => "Signal is invalid.",
            C::InvalidKeys => "Key sequence is invalid.",
            C::InvalidDuration => "Duration value is invalid.",
            C::InvalidInput => "Invalid input provided.",
            C::StorageReadError => "Failed to read session storage.",
            C::StorageWriteError => "Failed to write session storage.",
            C::ManifestValidationError => "Session manifest is invalid.",
            C::RpcError => "RPC request failed.",
            C::ProtocolError => "Unexpected response from host.",
            C::ExportError => "Export failed.",
            C::ReplayError => "Replay failed.",
            C::SkillNotFound => "Skill not found.",
            C::WaitTimeout => "Render wait timed out before its condition was met.",
            C::InternalError => "Internal error.",
            C::CommandFailed => "The command failed (non-zero exit status).",
            C::MouseNotEnabled => "The program has not enabled mouse reporting.",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An agent-tty error: what the JSON envelope's `error` object carries. Boxed, so a
/// `Result` stays one pointer wide on the happy path.
#[derive(Debug, Clone, PartialEq)]
pub struct Error(Box<ErrorInner>);

/// The fields of an [`Error`] (reached through `Deref`).
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorInner {
    /// The stable code.
    pub code: ErrorCode,
    /// The code as it came over the wire when it is not one we know (exit 1).
    pub foreign_code: Option<String>,
    /// What went wrong, for people.
    pub message: String,
    /// Structured context for scripts (`{}` when none).
    pub details: Map<String, Value>,
    /// The request may already have taken effect, so retrying it is not safe even though
    /// the code is a transport one (a waited `run` whose reply never came).
    pub effect_unknown: bool,
    /// What human mode prints instead of `message`, when it says more than the JSON
    /// `message` may (whose text the 0.5 contract fixes).
    pub human: Option<String>,
}

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with a message and no details.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error(Box::new(ErrorInner {
            code,
            foreign_code: None,
            message: message.into(),
            details: Map::new(),
            effect_unknown: false,
            human: None,
        }))
    }

    /// Sets the text human mode prints instead of `message` (JSON keeps `message`).
    #[must_use]
    pub fn with_human(mut self, text: impl Into<String>) -> Error {
        self.human = Some(text.into());
        self
    }

    /// The message for people: the human text when there is one, else `message`.
    pub fn human_message(&self) -> &str {
        self.human.as_deref().unwrap_or(&self.message)
    }

    /// Adds one `details` entry.
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Error {
        self.details.insert(key.to_string(), value.into());
        self
    }

    /// Adds the fields of a typed value (a struct of plain fields) to `details`, in its
    /// field order. A value that is not an object adds nothing.
    #[must_use]
    pub fn with_fields(mut self, fields: &impl serde::Serialize) -> Error {
        if let Ok(Value::Object(fields)) = serde_json::to_value(fields) {
            self.details.extend(fields);
        }
        self
    }

    /// The code as printed: the foreign code when the host sent one we do not know.
    pub fn code_str(&self) -> &str {
        self.foreign_code.as_deref().unwrap_or(self.code.as_str())
    }

    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        if self.foreign_code.is_some() { 1 } else { self.code.exit_code() }
    }

    /// Whether the call may be retried.
    pub fn retryable(&self) -> bool {
        self.foreign_code.is_none() && self.code.is_retryable() && !self.effect_unknown
    }

    /// Marks the error as one after which the request may have taken effect: not
    /// retryable, and `details.effectUnknown: true`.
    #[must_use]
    pub fn with_effect_unknown(mut self) -> Error {
        self.0.effect_unknown = true;
        self.with("effectUnknown", true)
    }

    /// Shorthand for `INVALID_INPUT`.
    pub fn invalid_input(message: impl Into<String>) -> Error {
        Error::new(C::InvalidInput, message)
    }

    /// Shorthand for `INTERNAL_ERROR`.
    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(C::InternalError, message)
    }

    /// A storage read failure naming the path.
    pub fn storage_read(path: &std::path::Path, err: &std::io::Error) -> Error {
        Error::new(C::StorageReadError, format!("Failed to read {}: {err}", path.display()))
            .with("path", path.display().to_string())
    }

    /// A storage write failure naming the path.
    pub fn storage_write(path: &std::path::Path, err: &std::io::Error) -> Error {
        Error::new(C::StorageWriteError, format!("Failed to write {}: {err}", path.display()))
            .with("path", path.display().to_string())
    }
}

impl std::ops::Deref for Error {
    type Target = ErrorInner;

    fn deref(&self) -> &ErrorInner {
        &self.0
    }
}

impl std::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut ErrorInner {
        &mut self.0
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code_str(), self.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_and_has_an_exit_code() {
        for code in ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
            assert!((1..=11).contains(&code.exit_code()));
        }
        assert_eq!(ErrorCode::parse("NOPE"), None);
    }

    #[test]
    fn retryable_codes_are_the_transport_ones() {
        let retryable: Vec<_> = ALL.into_iter().filter(|c| c.is_retryable()).collect();
        assert_eq!(retryable, [C::HostUnreachable, C::HostTimeout, C::RpcError]);
    }

    #[test]
    fn the_human_message_defaults_to_the_message() {
        let err = Error::new(C::SessionNotFound, "json text");
        assert_eq!(err.human_message(), "json text");
        let err = err.with_human("human text");
        assert_eq!((err.message.as_str(), err.human_message()), ("json text", "human text"));
    }

    #[test]
    fn foreign_codes_exit_1_and_are_not_retryable() {
        let mut err = Error::new(C::RpcError, "x");
        err.foreign_code = Some("WEIRD".into());
        assert_eq!((err.exit_code(), err.retryable(), err.code_str()), (1, false, "WEIRD"));
    }
}
