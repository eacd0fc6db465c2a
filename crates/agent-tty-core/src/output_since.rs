//! What the program printed since the last input: the comparand of `wait --in output`.
//!
//! [`OutputSince`] keeps the output text since an *anchor* — the last input (`type`,
//! `paste`, `send-keys`, `run`) or the last OSC 133 C mark (a command started) — with
//! escape sequences (CSI, OSC, DCS/SOS/PM/APC strings, other ESC sequences, C1 controls)
//! and control characters stripped. `\n` and `\t` are kept; `\r\n` becomes `\n`, and a
//! lone `\r` (a progress line redrawn) becomes `\n` too, so a needle never spans an
//! overwrite (but not at the start of a line: no empty lines from it). At most the last 1 MiB is kept ([`OUTPUT_SINCE_LIMIT`]; the buffer is
//! trimmed back to that once it has grown 64 KiB past it).
//!
//! # Echo skipping
//!
//! An input's echo is not output. At an input anchor the expected echo is the typed text
//! (stripped the same way, `\r`/`\n` → `\n`); output characters that match the next
//! expected character are consumed, escape sequences and `\r` in between are skipped
//! (readline repaints: `\r`, `ESC[K`, colours), and at the first mismatch skipping stops
//! for good: everything from there on is real output. An echo that has not fully arrived
//! at the next input is carried over (typed text followed quickly by `send-keys Enter`
//! still has its echo skipped). A `send-keys` call echoes what its keys type when that
//! is printable text and line ends (`a`, `space`, `Enter`; [`echo_of_keys`]); other keys
//! (control keys, arrows, `Tab`) expect no echo.

use std::collections::VecDeque;

use crate::event_log::{Event, EventRecord};
use crate::plain_text::Escapes;

/// How much output text is kept, in bytes (the newest).
pub const OUTPUT_SINCE_LIMIT: usize = 1 << 20;

/// How far the buffer may grow past [`OUTPUT_SINCE_LIMIT`] before it is trimmed.
const SLACK: usize = 64 << 10;

/// The output since the last input, stripped, with the input's echo skipped.
#[derive(Debug, Clone, Default)]
pub struct OutputSince {
    text: String,
    /// Output not looked at yet (see [`OutputSince::push`]).
    raw: String,
    anchor: Option<u64>,
    expect: VecDeque<char>,
    strip: Escapes,
    pending_cr: bool,
    revision: u64,
    last_output_seq: Option<u64>,
}

impl OutputSince {
    /// Empty, with no anchor (before the first input: everything the program printed).
    pub fn new() -> OutputSince {
        OutputSince::default()
    }

    /// An input at `seq`: a new anchor; `typed` is the text whose echo is skipped (`None`:
    /// nothing is expected beyond an echo still outstanding from the previous input).
    pub fn on_input(&mut self, seq: u64, typed: Option<&str>) {
        self.reset(seq);
        if let Some(typed) = typed {
            let mut strip = Escapes::default();
            let mut pending_cr = false;
            for c in typed.chars() {
                if let Some(c) = strip.visible(c).filter(|&c| c != '\u{8}') {
                    normalise_cr(c, &mut pending_cr, |c| {
                        self.expect.push_back(if c == '\r' { '\n' } else { c })
                    });
                }
            }
            if pending_cr {
                self.expect.push_back('\n');
            }
        }
    }

    /// A command started at `seq` (OSC 133 C): a new anchor with nothing to skip.
    pub fn on_command_start(&mut self, seq: u64) {
        self.reset(seq);
        self.expect.clear();
    }

    fn reset(&mut self, seq: u64) {
        self.anchor = Some(seq);
        self.text.clear();
        self.raw.clear();
        self.pending_cr = false;
        self.revision += 1;
    }

    /// Output as logged. While an echo is expected it is read at once; after that it is
    /// only kept, and read when someone asks ([`OutputSince::settle`]): a flood costs a
    /// copy, not a character-by-character scan of output nobody waits on, and what would
    /// be trimmed before anyone asked is dropped unread.
    pub fn push(&mut self, text: &str) {
        if !self.expect.is_empty() {
            self.settle();
            self.scan(text);
            return;
        }
        if text.is_empty() {
            return;
        }
        self.raw.push_str(text);
        self.revision += 1;
        // Trimmed by a whole limit at a time, so each byte is moved about once.
        if self.raw.len() > 2 * OUTPUT_SINCE_LIMIT {
            // Everything read before, and the start of this, would be trimmed anyway. (The
            // cut may fall inside an escape sequence: a few stray characters at the start of
            // a 1 MiB window.)
            let mut cut = self.raw.len() - OUTPUT_SINCE_LIMIT;
            while !self.raw.is_char_boundary(cut) {
                cut += 1;
            }
            self.raw.drain(..cut);
            self.text.clear();
            self.strip = Escapes::default();
            self.pending_cr = false;
        }
    }

    /// Reads the output kept by [`OutputSince::push`]; call it before [`OutputSince::text`].
    pub fn settle(&mut self) {
        if !self.raw.is_empty() {
            let raw = std::mem::take(&mut self.raw);
            self.scan(&raw);
            self.raw = raw;
            self.raw.clear();
        }
    }

    fn scan(&mut self, text: &str) {
        let before = self.text.len();
        for c in text.chars() {
            let Some(c) = self.strip.visible(c).filter(|&c| c != '\u{8}') else { continue };
            if !self.expect.is_empty() {
                if c == '\r' {
                    continue;
                }
                if self.expect.front() == Some(&c) {
                    self.expect.pop_front();
                    continue;
                }
                self.expect.clear();
            }
            let text = &mut self.text;
            normalise_cr(c, &mut self.pending_cr, |c| match c {
                // A carriage return at the start of a line moves nothing: no empty line.
                '\r' if text.is_empty() || text.ends_with('\n') => {}
                '\r' => text.push('\n'),
                c => text.push(c),
            });
        }
        if self.text.len() != before {
            self.revision += 1;
        }
        if self.text.len() > OUTPUT_SINCE_LIMIT + SLACK {
            let mut cut = self.text.len() - OUTPUT_SINCE_LIMIT;
            while !self.text.is_char_boundary(cut) {
                cut += 1;
            }
            self.text.drain(..cut);
        }
    }

    /// [`OutputSince::push`] of the `output` event at `seq` (remembered as the last output).
    pub fn push_event(&mut self, seq: u64, text: &str) {
        self.last_output_seq = Some(seq);
        self.push(text);
    }

    /// The output text since the anchor (its last [`OUTPUT_SINCE_LIMIT`] bytes at least),
    /// as far as it was read: call [`OutputSince::settle`] first.
    pub fn text(&self) -> &str {
        debug_assert!(self.raw.is_empty(), "OutputSince::text before settle");
        &self.text
    }

    /// The seq of the input or command start the text follows (`None` before any).
    pub fn anchor_seq(&self) -> Option<u64> {
        self.anchor
    }

    /// The seq of the last `output` event pushed with [`OutputSince::push_event`].
    pub fn last_output_seq(&self) -> Option<u64> {
        self.last_output_seq
    }

    /// Moves whenever [`OutputSince::text`] or the anchor changes.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Rebuilds the state at the end of a log (offline): `output` events are pushed,
    /// `input_text`/`input_paste`/`input_keys`/`input_run` are inputs, and a marker for
    /// which `is_command_start` holds is a command start (pass [`is_command_start`]).
    pub fn from_records(records: &[EventRecord], is_command_start: impl Fn(&str) -> bool) -> OutputSince {
        let mut since = OutputSince::new();
        for record in records {
            let seq = record.seq.get();
            match &record.event {
                Event::Output { data } => since.push_event(seq, data),
                // Sealed input's echo is masked: no echo of the placeholder to skip.
                Event::InputText { data } | Event::InputPaste { data } => {
                    since.on_input(seq, (!crate::redaction::is_sealed(data)).then_some(data.as_str()))
                }
                Event::InputKeys { keys } => since.on_input(seq, echo_of_keys(keys).as_deref()),
                Event::InputRun { command, .. } => since.on_input(seq, Some(&format!("{command}\n"))),
                Event::Marker { label } if is_command_start(label) => since.on_command_start(seq),
                _ => {}
            }
        }
        since.settle();
        since
    }
}

/// Whether a `marker` event's label records a command start (an OSC 133 C mark), the
/// offline counterpart of [`OutputSince::on_command_start`].
pub fn is_command_start(label: &str) -> bool {
    matches!(
        crate::command_log::CommandRecord::from_label(label),
        Some(crate::command_log::CommandRecord::Start(_))
    )
}

/// The echo `send-keys` keys produce, when what they type (their encoding) is printable
/// text and line ends (`a`, `space`, `Enter`); `None` otherwise — a control key, an
/// arrow, `Tab` (completion) — and no echo is expected.
pub fn echo_of_keys(keys: &[String]) -> Option<String> {
    let bytes = agent_tty_vt::encode_keys(keys).ok()?;
    let typed = String::from_utf8(bytes).ok()?;
    typed.chars().all(|c| c == '\r' || !c.is_control()).then_some(typed)
}

/// `\r\n` → `\n`; a lone `\r` (several in a row count as one) is emitted as `\r`, for
/// the caller to turn into a line break (or nothing, at the start of a line).
fn normalise_cr(c: char, pending_cr: &mut bool, mut emit: impl FnMut(char)) {
    match c {
        '\r' => *pending_cr = true,
        '\n' => {
            *pending_cr = false;
            emit('\n');
        }
        c => {
            if std::mem::take(pending_cr) {
                emit('\r');
            }
            emit(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Seq;

    fn after(typed: Option<&str>, chunks: &[&str]) -> String {
        let mut since = OutputSince::new();
        since.on_input(1, typed);
        for chunk in chunks {
            since.push(chunk);
        }
        since.settle();
        since.text().to_string()
    }

    #[test]
    fn the_echo_of_the_typed_line_is_skipped() {
        assert_eq!(after(Some("echo hi\n"), &["echo hi\r\nhi\r\n$ "]), "hi\n$ ");
        // Split anywhere, even inside `\r\n`.
        assert_eq!(after(Some("echo hi\n"), &["ec", "ho h", "i\r", "\nhi\r", "\n"]), "hi\n");
        // Nothing but the echo: nothing was printed.
        assert_eq!(after(Some("sleep 1; echo READY\n"), &["sleep 1; echo READY\r\n"]), "");
    }

    #[test]
    fn readline_repaint_noise_inside_the_echo_is_skipped() {
        // Colours, erase-line, carriage returns and a bracketed-paste toggle between echoed characters.
        let noisy = "\u{1b}[?2004lec\u{1b}[1mh\u{1b}[0mo\r\u{1b}[K\r x\u{1b}]0;title\u{7}\r\nx\r\n";
        assert_eq!(after(Some("echo x\n"), &[noisy]), "x\n");
    }

    #[test]
    fn the_first_mismatch_ends_skipping_for_good() {
        assert_eq!(after(Some("abc"), &["abXc"]), "Xc");
        // A later match does not resume skipping.
        assert_eq!(after(Some("ab\n"), &["a", "Q", "b\r\n"]), "Qb\n");
        // No echo at all (echo off): everything is output.
        assert_eq!(after(Some("secret\n"), &["Password: "]), "Password: ");
    }

    #[test]
    fn no_typed_text_means_nothing_to_skip() {
        assert_eq!(after(None, &["\u{1b}[31mred\u{1b}[0m\r\nnext\rover"]), "red\nnext\nover");
        // A carriage return at the start of a line adds no empty line.
        assert_eq!(after(None, &["\r\u{1b}[K\rtext\r\n\rmore"]), "text\nmore");
        assert_eq!(after(Some("ls\n"), &["ls\r\n\u{1b}[?2004l\r", "a b\r\n"]), "a b\n");
    }

    #[test]
    fn an_echo_still_outstanding_is_carried_to_the_next_input() {
        let mut since = OutputSince::new();
        since.on_input(3, Some("ls"));
        since.on_input(4, echo_of_keys(&["Enter".into()]).as_deref());
        since.push("ls\r\nfile\r\n");
        since.settle();
        assert_eq!((since.text(), since.anchor_seq()), ("file\n", Some(4)));
    }

    #[test]
    fn anchors_reset_the_text() {
        let mut since = OutputSince::new();
        assert_eq!(since.anchor_seq(), None);
        since.push_event(0, "banner\r\n");
        since.settle();
        assert_eq!(since.text(), "banner\n", "before any input: everything");
        let revision = since.revision();
        since.on_command_start(5);
        assert!(since.revision() > revision);
        since.settle();
        assert_eq!((since.text(), since.anchor_seq()), ("", Some(5)));
        since.push_event(6, "out");
        since.settle();
        assert_eq!((since.text(), since.last_output_seq()), ("out", Some(6)));
        // A command start expects no echo, even one still outstanding.
        since.on_input(7, Some("abc"));
        since.on_command_start(8);
        since.push("abc");
        since.settle();
        assert_eq!(since.text(), "abc");
    }

    #[test]
    fn sequences_split_across_chunks_are_stripped() {
        assert_eq!(after(None, &["a\u{1b}", "[3", "1mb\u{1b}]8;;http://x", "\u{1b}", "\\c"]), "abc");
        assert_eq!(after(None, &["\u{1b}P1$r\u{1b}\\d\u{1b}(Be\u{9b}2Jf\u{7}\u{8}"]), "def");
    }

    #[test]
    fn only_the_last_mebibyte_is_kept() {
        let mut since = OutputSince::new();
        let line = "é".repeat(511) + "\n";
        for _ in 0..2200 {
            since.push(&line);
        }
        since.settle();
        assert!(since.text().len() <= OUTPUT_SINCE_LIMIT + SLACK);
        since.settle();
        assert!(since.text().len() >= OUTPUT_SINCE_LIMIT);
        since.settle();
        assert!(since.text().ends_with(&line));
    }

    #[test]
    fn keys_echo_when_they_type_text() {
        let keys = |k: &[&str]| echo_of_keys(&k.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(keys(&["h", "i", "Enter"]).as_deref(), Some("hi\r"));
        assert_eq!(keys(&["o", "space", "k", "Enter"]).as_deref(), Some("o k\r"));
        assert_eq!(keys(&["Tab"]), None);
        assert_eq!(keys(&["ctrl+c"]), None);
        assert_eq!(keys(&["h", "Up"]), None);
    }

    #[test]
    fn the_log_rebuilds_the_same_state() {
        let record = |seq, event| EventRecord { seq: Seq(seq), ts: String::new(), event };
        let records = [
            record(0, Event::Output { data: "$ ".into() }),
            record(1, Event::InputRun { command: "echo hi".into(), marker: None, no_wait: true }),
            record(2, Event::Output { data: "echo hi\r\nhi\r\n$ ".into() }),
            record(3, Event::InputText { data: "x".into() }),
            record(4, Event::Output { data: "x".into() }),
            record(5, Event::Marker { label: "start".into() }),
            record(6, Event::Output { data: "ran".into() }),
        ];
        let since = OutputSince::from_records(&records[..3], |_| false);
        assert_eq!((since.text(), since.anchor_seq(), since.last_output_seq()), ("hi\n$ ", Some(1), Some(2)));
        let since = OutputSince::from_records(&records, |label| label == "start");
        assert_eq!((since.text(), since.anchor_seq()), ("ran", Some(5)));
        let since = OutputSince::from_records(&records, |_| false);
        assert_eq!((since.text(), since.anchor_seq()), ("ran", Some(3)));
    }
}
