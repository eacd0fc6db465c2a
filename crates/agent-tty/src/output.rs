//! The only printer. A command's [`Outcome`] (or error) becomes either the JSON envelope
//! `{ok, command, timestamp, result | error}` on stdout, or human lines on stdout and
//! `CODE: message` on stderr. Also decides the process exit code.

use std::io::Write;

use agent_tty_core::Error;

/// What a successful command hands to the printer: its typed result, serialised once,
/// by [`finish`], straight into the envelope.
pub struct Outcome {
    /// The envelope's `result`: any `Serialize` type (one type per command result).
    pub result: Box<dyn erased_serde::Serialize>,
    /// Human-mode lines.
    pub human: Vec<String>,
    /// Exit code (non-zero for `ok: true` outcomes such as a timed-out wait).
    pub exit_code: i32,
    /// Human mode prints exactly this instead of `human` lines (`skills get`).
    pub raw: Option<String>,
}

impl std::fmt::Debug for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outcome").field("human", &self.human).field("exit_code", &self.exit_code).finish()
    }
}

impl Outcome {
    /// A plain success.
    pub fn new(result: impl serde::Serialize + 'static, human: Vec<String>) -> Outcome {
        Outcome { result: Box::new(result), human, exit_code: 0, raw: None }
    }
}

/// The success envelope, in the 0.5 key order.
#[derive(serde::Serialize)]
struct Envelope<'a> {
    ok: bool,
    command: &'a str,
    timestamp: String,
    result: &'a dyn erased_serde::Serialize,
}

/// The error envelope, in the 0.5 key order.
#[derive(serde::Serialize)]
struct ErrorEnvelope<'a> {
    ok: bool,
    command: &'a str,
    timestamp: String,
    error: ErrorBody<'a>,
}

/// The error envelope's `error`.
#[derive(serde::Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: &'a str,
    retryable: bool,
    details: &'a serde_json::Map<String, serde_json::Value>,
}

/// How to print.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// JSON envelope instead of human text.
    pub json: bool,
    /// Strip ANSI sequences from human text.
    pub no_color: bool,
}

/// Prints the outcome or error of `command` and returns the exit code.
pub fn finish(command: &str, style: Style, result: Result<Outcome, Error>) -> i32 {
    match result {
        Ok(outcome) => {
            if style.json {
                let envelope = Envelope {
                    ok: true,
                    command,
                    timestamp: agent_tty_core::time::now_iso(),
                    result: &*outcome.result,
                };
                print_json(&envelope);
            } else if let Some(raw) = &outcome.raw {
                write_stdout(raw.as_bytes());
            } else {
                let mut text = outcome.human.join("\n");
                text.push('\n');
                if style.no_color {
                    text = strip_ansi(&text);
                }
                write_stdout(text.as_bytes());
            }
            outcome.exit_code
        }
        Err(error) => print_error(command, style.json, &error),
    }
}

/// Prints an error in the chosen mode and returns its exit code.
pub fn print_error(command: &str, json: bool, error: &Error) -> i32 {
    if json {
        let envelope = ErrorEnvelope {
            ok: false,
            command,
            timestamp: agent_tty_core::time::now_iso(),
            error: ErrorBody {
                code: error.code_str(),
                message: &error.message,
                retryable: error.retryable(),
                details: &error.details,
            },
        };
        print_json(&envelope);
    } else {
        let _ = writeln!(std::io::stderr(), "{}: {}", error.code_str(), error.human_message());
    }
    error.exit_code()
}

fn print_json(value: &impl serde::Serialize) {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    write_stdout(text.as_bytes());
}

/// Writes to stdout; a closed pipe is not an error worth reporting.
pub fn write_stdout(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(bytes).and_then(|()| out.flush());
}

/// Writes to stderr.
pub fn write_stderr(bytes: &[u8]) {
    let _ = std::io::stderr().write_all(bytes);
}

/// Removes ANSI escape sequences (CSI, OSC, and two-byte ESC sequences).
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                for n in chars.by_ref() {
                    if ('\u{40}'..='\u{7e}').contains(&n) {
                        break;
                    }
                }
            }
            Some(']') => {
                while let Some(n) = chars.next() {
                    if n == '\u{7}' || (n == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_csi_osc_and_short_escapes() {
        assert_eq!(strip_ansi("a\u{1b}[1;31mred\u{1b}[0m \u{1b}]0;title\u{7}b\u{1b}=c"), "ared bc");
    }
}
