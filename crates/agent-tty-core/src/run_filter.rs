//! The waited-`run` completion mechanism: identifiers, and the filter that
//! every PTY output chunk passes through before it is logged.
//!
//! `agent-tty run` types `<command>\n<postamble>\n` into the shell. The
//! postamble makes the shell print a private *sentinel*; seeing it means the
//! command finished. Neither the sentinel nor the terminal's echo of the
//! postamble may reach the event log, so [`RunFilter`] turns each decoded
//! chunk into ordered [`Piece`]s: output to log, and run completions.
//!
//! Inside, a sentinel scanner (`scanner`) runs first and an echo sanitizer
//! (`echo`) cleans the output between sentinels. With no waited run
//! registered, chunks pass through untouched. This module does no I/O and
//! reads no clock; only [`new_marker`], [`new_sentinel_token`] and
//! [`RunFilter::register_new`] ask the operating system for random bytes.

mod echo;
mod ids;
mod repaint;
mod scanner;
#[cfg(test)]
mod tests;

pub use ids::{
    MAX_POSTAMBLE_LEN, POSTAMBLE_PREFIX, is_marker, new_marker, new_sentinel_token, postamble,
    postamble_with_status, sentinel, status_variable,
};

use echo::EchoSanitizer;
use repaint::ESC;
use scanner::{Scanned, SentinelScanner};

/// One step of filtered PTY output, in stream order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Output to log (never empty).
    Output(String),
    /// The sentinel of the run with this marker was seen.
    RunComplete {
        /// The completed run's marker.
        marker: String,
        /// The command's exit status, when the postamble carried it.
        exit_code: Option<i32>,
    },
}

/// Why a waited run could not be registered.
///
/// Messages never include the sentinel, which must stay private.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegisterError {
    /// The marker is not `__AT_MARKER_` + 32 lowercase hex + `__`.
    #[error("run marker `{0}` does not match `__AT_MARKER_<32 hex>__`")]
    InvalidMarker(String),
    /// A run with this marker is already registered.
    #[error("run marker `{0}` is already registered")]
    DuplicateMarker(String),
    /// The sentinel does not start with ESC.
    #[error("run-completion sentinel must start with ESC")]
    InvalidSentinel,
    /// The sentinel equals, or is a prefix of or prefixed by, an active one.
    #[error("run-completion sentinel collides with an active one")]
    SentinelCollision,
    /// The postamble is empty, not printable ASCII, or contains the marker.
    #[error("run postamble must be non-empty printable ASCII without the marker")]
    InvalidPostamble,
}

/// What to type after a command registered with [`RunFilter::register_new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The sentinel the shell will print (private: never log it).
    pub sentinel: String,
    /// The postamble to type after the command, without its newline.
    pub postamble: String,
}

/// Filters PTY output for waited runs: drops their sentinels and the echo of
/// their postambles, and reports their completion.
#[derive(Debug, Default)]
pub struct RunFilter {
    scanner: SentinelScanner,
    echo: EchoSanitizer,
}

impl RunFilter {
    /// Creates a filter with no waited run registered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a pending waited run: the sentinel to detect, its marker,
    /// and the postamble (without or with its trailing `\n`) whose echo must
    /// be hidden. The registration lasts until the sentinel is seen or
    /// [`clear`](Self::clear) is called.
    ///
    /// A sentinel that collides with an active one is refused with
    /// [`RegisterError::SentinelCollision`]: make a new token and retry, or
    /// use [`register_new`](Self::register_new), which does that itself.
    ///
    /// # Errors
    ///
    /// Any [`RegisterError`]: a malformed or already registered marker, a
    /// sentinel not starting with ESC or colliding with an active one, or a
    /// postamble that is empty, not printable ASCII, or contains the marker.
    pub fn register(&mut self, marker: &str, sentinel: &str, postamble: &str) -> Result<(), RegisterError> {
        let postamble = postamble.strip_suffix('\n').unwrap_or(postamble);
        self.check_marker(marker)?;
        self.check_sentinel(sentinel)?;
        check_postamble(marker, postamble)?;
        self.scanner.register(marker, sentinel);
        self.echo.register(marker, postamble);
        Ok(())
    }

    /// Registers a pending waited run for `marker` with a fresh random
    /// sentinel, drawing again while it collides with an active one, and
    /// returns the sentinel and the postamble to type. The postamble prints the
    /// command's exit status from `status` (the shell's variable: `$?`, or `$status`
    /// in fish and csh) inside the sentinel, when `status` is given.
    ///
    /// # Errors
    ///
    /// [`RegisterError::InvalidMarker`] or [`RegisterError::DuplicateMarker`].
    pub fn register_new(
        &mut self,
        marker: &str,
        status: Option<&str>,
    ) -> Result<Registration, RegisterError> {
        self.check_marker(marker)?;
        let sentinel = loop {
            let candidate = sentinel(&new_sentinel_token());
            if !self.scanner.collides(&candidate) {
                break candidate;
            }
        };
        let postamble = match status {
            Some(status) => postamble_with_status(&sentinel, status),
            None => postamble(&sentinel),
        };
        self.register(marker, &sentinel, &postamble)?;
        Ok(Registration { sentinel, postamble })
    }

    /// Filters one decoded output chunk.
    pub fn push(&mut self, chunk: &str) -> Vec<Piece> {
        if chunk.is_empty() {
            return Vec::new();
        }
        if !self.is_active() {
            return vec![Piece::Output(chunk.to_owned())];
        }
        let mut sink = PieceSink::default();
        let echo = &mut self.echo;
        self.scanner.feed(chunk, &mut |scanned| sink.accept(echo, scanned));
        sink.finish()
    }

    /// Releases everything held back, as output (the PTY has exited).
    /// Registrations stay; call [`clear`](Self::clear) to drop them.
    pub fn flush(&mut self) -> Vec<Piece> {
        let mut sink = PieceSink::default();
        let echo = &mut self.echo;
        self.scanner.flush(&mut |scanned| sink.accept(echo, scanned));
        self.echo.flush(&mut sink.text);
        sink.finish()
    }

    /// Forgets every registration and anything held back; call
    /// [`flush`](Self::flush) first to keep the held-back output.
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// Whether a waited run is registered and not yet completed, or output
    /// is held back. When it is false, chunks pass through untouched.
    pub fn is_active(&self) -> bool {
        self.scanner.is_active() || self.echo.is_active()
    }

    fn check_marker(&self, marker: &str) -> Result<(), RegisterError> {
        if !is_marker(marker) {
            return Err(RegisterError::InvalidMarker(marker.to_owned()));
        }
        if self.scanner.has_marker(marker) {
            return Err(RegisterError::DuplicateMarker(marker.to_owned()));
        }
        Ok(())
    }

    fn check_sentinel(&self, sentinel: &str) -> Result<(), RegisterError> {
        if sentinel.len() < 2 || sentinel.as_bytes()[0] != ESC {
            return Err(RegisterError::InvalidSentinel);
        }
        if self.scanner.collides(sentinel) {
            return Err(RegisterError::SentinelCollision);
        }
        Ok(())
    }
}

/// Checks that a postamble's echo can be matched: printable ASCII, so no
/// character of it looks like repaint noise, and free of the marker.
fn check_postamble(marker: &str, postamble: &str) -> Result<(), RegisterError> {
    let printable = postamble.bytes().all(|byte| matches!(byte, b' '..=b'~'));
    if postamble.is_empty() || !printable || postamble.contains(marker) {
        return Err(RegisterError::InvalidPostamble);
    }
    Ok(())
}

/// Collects pieces, merging adjacent output.
#[derive(Debug, Default)]
struct PieceSink {
    pieces: Vec<Piece>,
    /// Output not yet closed into a piece.
    text: String,
}

impl PieceSink {
    /// Passes scanner output through the echo sanitizer, and completes runs.
    fn accept(&mut self, echo: &mut EchoSanitizer, scanned: Scanned<'_>) {
        match scanned {
            Scanned::Output(text) => echo.feed(text, &mut self.text),
            Scanned::Complete(marker, exit_code) => {
                echo.deregister(&marker, &mut self.text);
                self.close_output();
                self.pieces.push(Piece::RunComplete { marker, exit_code });
            }
        }
    }

    fn close_output(&mut self) {
        if !self.text.is_empty() {
            self.pieces.push(Piece::Output(std::mem::take(&mut self.text)));
        }
    }

    fn finish(mut self) -> Vec<Piece> {
        self.close_output();
        self.pieces
    }
}
