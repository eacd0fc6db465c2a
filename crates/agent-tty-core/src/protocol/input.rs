//! Input methods: `type`, `paste`, `mark`, `sendKeys`, `resize`, `signal`, `run`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Seq;

/// `type` and `paste`: `{text, secret?}` (non-empty, checked by the host).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TextParams {
    /// The text to write.
    pub text: String,
    /// Sealed input (new): the program gets the text, the event log a placeholder with its
    /// length, and the host masks the value wherever the program prints it. Only sent when
    /// `true`, so a host that does not know it refuses the call instead of logging the
    /// text.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
}

impl TextParams {
    /// Plain (unsealed) text.
    pub fn plain(text: String) -> TextParams {
        TextParams { text, secret: false }
    }
}

/// Never prints a sealed text.
impl std::fmt::Debug for TextParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text =
            if self.secret { crate::redaction::placeholder(self.text.len()) } else { self.text.clone() };
        f.debug_struct("TextParams").field("text", &text).field("secret", &self.secret).finish()
    }
}

/// `mark`: `{label}` (may be empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkParams {
    /// The marker's label.
    pub label: String,
}

/// `sendKeys`: `{keys}` (non-empty names, checked by the host).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendKeysParams {
    /// Key names, in order.
    pub keys: Vec<String>,
}

/// `resize`: `{cols, rows}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResizeParams {
    /// Columns (> 0).
    pub cols: u16,
    /// Rows (> 0).
    pub rows: u16,
}

/// `signal`: `{signal}` (a name from the allow-list, checked by the host).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignalParams {
    /// `SIGTERM`, `SIGINT`, ...
    pub signal: String,
}

/// `run`: `{command, noWait?, timeoutMs?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RunParams {
    /// The shell command line (non-empty, checked by the host).
    pub command: String,
    /// Answer once the command is typed instead of when it finishes.
    #[serde(default)]
    pub no_wait: bool,
    /// How long a waited run may take, in ms (absent or 0: 30 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// The most bytes of the command's output a waited run's reply carries (absent:
    /// [`RUN_DEFAULT_MAX_OUTPUT`]; 0: no output in the reply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output: Option<u64>,
}

/// The most output a waited run's reply carries by default (64 KiB).
pub const RUN_DEFAULT_MAX_OUTPUT: u64 = 64 * 1024;

/// The reply of `type`, `paste` and `mark`: `{seq}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SeqReply {
    /// The seq of the event the input was logged as.
    pub seq: Seq,
}

/// The reply of `sendKeys`: `{accepted, bytesWritten, seq}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendKeysReply {
    /// The keys, as given.
    pub accepted: Vec<String>,
    /// Bytes of the encoded sequence.
    pub bytes_written: u64,
    /// The seq of the `input_keys` event.
    pub seq: Seq,
}

/// The reply of `resize`: `{cols, rows}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ResizeReply {
    /// Columns now.
    pub cols: u16,
    /// Rows now.
    pub rows: u16,
}

/// The reply of `signal`: `{}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SignalReply {}

/// The reply of `run`: started (`noWait`) or finished (completed, timed out, or ended
/// by the session's exit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RunReply {
    /// A waited run's end.
    Finished(RunFinished),
    /// A `noWait` run, typed.
    Started(RunStarted),
}

impl RunReply {
    /// The seq of the `input_run` event.
    pub fn seq(&self) -> Seq {
        match self {
            RunReply::Finished(finished) => finished.seq,
            RunReply::Started(started) => started.seq,
        }
    }
}

/// `{accepted: true, seq}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RunStarted {
    /// Always `true`.
    pub accepted: bool,
    /// The seq of the `input_run` event.
    pub seq: Seq,
}

/// `{accepted: true, completed, timedOut, seq, durationMs, marker}`; neither completed
/// nor timed out means the session exited first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunFinished {
    /// Always `true`.
    pub accepted: bool,
    /// The command finished.
    pub completed: bool,
    /// The run's timeout came first.
    pub timed_out: bool,
    /// The seq of the `input_run` event.
    pub seq: Seq,
    /// From the request to the end, in ms.
    pub duration_ms: u64,
    /// The run's completion marker.
    pub marker: String,
    /// The command's exit status (absent when it is not known: the run timed out, or
    /// the session exited first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The shell's working directory after the command, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// What the command printed (escape sequences stripped, its echo left out), up to
    /// `maxOutput` bytes; so far, when it timed out. Absent when `maxOutput` is 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// Part of the output was left out to keep within `maxOutput` (the whole of it is
    /// in the event log).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_truncated: Option<bool>,
}
