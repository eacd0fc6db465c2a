//! The sentinel scanner: finds the sentinels of active runs in PTY output.
//!
//! It reports the text around each sentinel, drops the sentinel itself and
//! reports which run it completed. A chunk that ends in a strict prefix of an
//! active sentinel has that tail held back until the next chunk decides it.
//!
//! A sentinel `ESC _ at<token> ESC \` may carry the command's exit status before its
//! string terminator: `ESC _ at<token>;<status> ESC \` (see `ids::postamble_with_status`).

use super::repaint::ESC;

/// What the scanner found, in stream order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Scanned<'a> {
    /// Output text that is not a sentinel.
    Output(&'a str),
    /// The sentinel of the run with this marker, with the exit status it carried; the
    /// run is now inactive.
    Complete(String, Option<i32>),
}

/// One active run's sentinel.
#[derive(Debug)]
struct ActiveSentinel {
    marker: String,
    sentinel: String,
}

/// Finds active sentinels across chunk boundaries.
#[derive(Debug, Default)]
pub(super) struct SentinelScanner {
    /// Sentinels of runs not yet completed, in registration order.
    active: Vec<ActiveSentinel>,
    /// A held-back strict prefix of an active sentinel.
    tail: String,
}

impl SentinelScanner {
    /// Starts watching for `sentinel`, which completes `marker`. The caller
    /// has checked that it does not [`collide`](Self::collides).
    pub(super) fn register(&mut self, marker: &str, sentinel: &str) {
        debug_assert!(sentinel.as_bytes().first() == Some(&ESC));
        let (marker, sentinel) = (marker.to_owned(), sentinel.to_owned());
        self.active.push(ActiveSentinel { marker, sentinel });
    }

    /// Whether a run with `marker` is active.
    pub(super) fn has_marker(&self, marker: &str) -> bool {
        self.active.iter().any(|active| active.marker == marker)
    }

    /// Whether `sentinel` equals an active sentinel or one is a prefix of the
    /// other, so that both could match at the same place.
    pub(super) fn collides(&self, sentinel: &str) -> bool {
        self.active
            .iter()
            .any(|active| active.sentinel.starts_with(sentinel) || sentinel.starts_with(&active.sentinel))
    }

    /// Whether a sentinel is active or a tail is held back.
    pub(super) fn is_active(&self) -> bool {
        !self.active.is_empty() || !self.tail.is_empty()
    }

    /// Scans `chunk` after any held-back tail, reporting through `emit`.
    pub(super) fn feed(&mut self, chunk: &str, emit: &mut impl FnMut(Scanned<'_>)) {
        if self.tail.is_empty() {
            self.scan(chunk, false, emit);
        } else {
            let mut buffer = std::mem::take(&mut self.tail);
            buffer.push_str(chunk);
            self.scan(&buffer, false, emit);
        }
    }

    /// Releases the held-back tail as output (the stream has ended).
    pub(super) fn flush(&mut self, emit: &mut impl FnMut(Scanned<'_>)) {
        let buffer = std::mem::take(&mut self.tail);
        self.scan(&buffer, true, emit);
    }

    /// Scans `buffer`; unless `is_final`, holds back a trailing strict prefix
    /// of an active sentinel.
    fn scan(&mut self, buffer: &str, is_final: bool, emit: &mut impl FnMut(Scanned<'_>)) {
        let bytes = buffer.as_bytes();
        let (mut start, mut index) = (0, 0);
        while !self.active.is_empty() {
            let Some(offset) = bytes[index..].iter().position(|&byte| byte == ESC) else {
                break;
            };
            let at = index + offset;
            if let Some((found, len, status)) = self.take_match(&bytes[at..]) {
                emit_output(&buffer[start..at], emit);
                index = at + len;
                start = index;
                emit(Scanned::Complete(found.marker, status));
            } else if !is_final && self.is_strict_prefix(&bytes[at..]) {
                emit_output(&buffer[start..at], emit);
                buffer[at..].clone_into(&mut self.tail);
                return;
            } else {
                index = at + 1;
            }
        }
        emit_output(&buffer[start..], emit);
    }

    /// Removes and returns the active sentinel that `rest` starts with, the length it
    /// has there and the status it carries.
    fn take_match(&mut self, rest: &[u8]) -> Option<(ActiveSentinel, usize, Option<i32>)> {
        let (position, len, status) = self.active.iter().enumerate().find_map(|(position, active)| {
            match match_sentinel(active.sentinel.as_bytes(), rest) {
                SentinelMatch::Found(len, status) => Some((position, len, status)),
                _ => None,
            }
        })?;
        Some((self.active.remove(position), len, status))
    }

    /// Whether `rest` is a strict prefix of an active sentinel (with or without a status).
    fn is_strict_prefix(&self, rest: &[u8]) -> bool {
        self.active
            .iter()
            .any(|active| matches!(match_sentinel(active.sentinel.as_bytes(), rest), SentinelMatch::Prefix))
    }
}

/// How far `rest` matches a sentinel.
enum SentinelMatch {
    /// `rest` starts with the sentinel, this long, carrying this status.
    Found(usize, Option<i32>),
    /// `rest` is shorter than the sentinel and could still become it.
    Prefix,
    /// `rest` is not this sentinel.
    No,
}

/// The longest exit status a sentinel may carry, in digits.
const MAX_STATUS_DIGITS: usize = 10;

/// Matches `rest` against `sentinel` (`<head> ESC \`), which may carry `;<digits>`
/// between its head and its terminator.
fn match_sentinel(sentinel: &[u8], rest: &[u8]) -> SentinelMatch {
    const ST: &[u8] = b"\x1b\\";
    let head = sentinel.strip_suffix(ST).unwrap_or(sentinel);
    if rest.len() < head.len() {
        return if head.starts_with(rest) { SentinelMatch::Prefix } else { SentinelMatch::No };
    }
    if !rest.starts_with(head) {
        return SentinelMatch::No;
    }
    let after = &rest[head.len()..];
    let (digits, status) = match after.first() {
        Some(b';') => {
            let count = after[1..].iter().take_while(|b| b.is_ascii_digit()).count();
            if count > MAX_STATUS_DIGITS {
                return SentinelMatch::No;
            }
            let status = std::str::from_utf8(&after[1..=count]).ok().and_then(|d| d.parse().ok());
            (1 + count, status)
        }
        _ => (0, None),
    };
    let tail = &after[digits..];
    if tail.len() < ST.len() {
        // Still digits (or the terminator) to come.
        let open = tail.is_empty() || ST.starts_with(tail);
        return if open && digits <= MAX_STATUS_DIGITS { SentinelMatch::Prefix } else { SentinelMatch::No };
    }
    if tail.starts_with(ST) {
        SentinelMatch::Found(head.len() + digits + ST.len(), status)
    } else {
        SentinelMatch::No
    }
}

/// Reports `text` as output unless it is empty.
fn emit_output<'a>(text: &'a str, emit: &mut impl FnMut(Scanned<'a>)) {
    if !text.is_empty() {
        emit(Scanned::Output(text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SENTINEL_A: &str = "\x1b_atAAAAAA\x1b\\";
    const SENTINEL_B: &str = "\x1b_atBBBBBB\x1b\\";

    /// What a scan reported, with owned text.
    #[derive(Debug, PartialEq, Eq)]
    enum Event {
        Output(String),
        Complete(String),
    }

    fn output(text: &str) -> Event {
        Event::Output(text.to_owned())
    }

    fn complete(marker: &str) -> Event {
        Event::Complete(marker.to_owned())
    }

    fn scanner(sentinels: &[(&str, &str)]) -> SentinelScanner {
        let mut scanner = SentinelScanner::default();
        for (marker, sentinel) in sentinels {
            scanner.register(marker, sentinel);
        }
        scanner
    }

    fn record(events: &mut Vec<Event>) -> impl FnMut(Scanned<'_>) + '_ {
        |scanned| {
            events.push(match scanned {
                Scanned::Output(text) => Event::Output(text.to_owned()),
                Scanned::Complete(marker, _) => Event::Complete(marker),
            });
        }
    }

    fn feed(scanner: &mut SentinelScanner, chunks: &[&str]) -> Vec<Event> {
        let mut events = Vec::new();
        for chunk in chunks {
            scanner.feed(chunk, &mut record(&mut events));
        }
        events
    }

    fn flush(scanner: &mut SentinelScanner) -> Vec<Event> {
        let mut events = Vec::new();
        scanner.flush(&mut record(&mut events));
        events
    }

    #[test]
    fn finds_a_sentinel_inside_one_chunk() {
        let mut scanner = scanner(&[("a", SENTINEL_A)]);
        let events = feed(&mut scanner, &[&format!("before{SENTINEL_A}after")]);
        assert_eq!(events, [output("before"), complete("a"), output("after")]);
        assert!(!scanner.is_active());
        assert_eq!(flush(&mut scanner), []);
    }

    #[test]
    fn finds_a_sentinel_split_at_every_position() {
        let text = format!("x{SENTINEL_A}y");
        for split in 1..text.len() {
            let mut scanner = scanner(&[("a", SENTINEL_A)]);
            let events = feed(&mut scanner, &[&text[..split], &text[split..]]);
            let expected = [output("x"), complete("a"), output("y")];
            assert_eq!(events, expected, "split at {split}");
        }
    }

    #[test]
    fn finds_a_sentinel_fed_one_byte_at_a_time() {
        let mut scanner = scanner(&[("a", SENTINEL_A)]);
        let chunks: Vec<String> = SENTINEL_A.chars().map(String::from).collect();
        let chunks: Vec<&str> = chunks.iter().map(String::as_str).collect();
        assert_eq!(feed(&mut scanner, &chunks), [complete("a")]);
    }

    #[test]
    fn completes_several_runs_in_stream_order() {
        let mut scanner = scanner(&[("a", SENTINEL_A), ("b", SENTINEL_B)]);
        let events = feed(&mut scanner, &[&format!("s{SENTINEL_B}m{SENTINEL_A}e")]);
        let expected = [output("s"), complete("b"), output("m"), complete("a"), output("e")];
        assert_eq!(events, expected);
        assert!(!scanner.is_active());
    }

    #[test]
    fn keeps_unknown_and_stray_escapes() {
        let mut scanner = scanner(&[("a", SENTINEL_A)]);
        let noise = format!("{SENTINEL_B}\x1b_random\x1b[31m\x1b");
        let events = feed(&mut scanner, &[&format!("{noise}{SENTINEL_A}")]);
        assert_eq!(events, [output(&noise), complete("a")]);
    }

    #[test]
    fn passes_everything_once_no_sentinel_is_active() {
        let mut scanner = scanner(&[("a", SENTINEL_A)]);
        let events = feed(&mut scanner, &[&format!("{SENTINEL_A}{SENTINEL_A}\x1b_at")]);
        assert_eq!(events, [complete("a"), output(&format!("{SENTINEL_A}\x1b_at"))]);
        assert!(!scanner.is_active());
    }

    #[test]
    fn holds_a_strict_prefix_and_releases_it_when_disproved() {
        let mut scanner = scanner(&[("a", SENTINEL_A)]);
        assert_eq!(feed(&mut scanner, &["out\x1b_atAA"]), [output("out")]);
        assert!(scanner.is_active());
        assert_eq!(feed(&mut scanner, &["Xmore"]), [output("\x1b_atAAXmore")]);
    }

    #[test]
    fn a_complete_non_matching_escape_is_not_held() {
        let mut scanner = scanner(&[("a", SENTINEL_A)]);
        assert_eq!(feed(&mut scanner, &["\x1b[0m"]), [output("\x1b[0m")]);
        assert_eq!(feed(&mut scanner, &["\x1b_atAAAAAA\x1b"]), []);
        assert_eq!(flush(&mut scanner), [output("\x1b_atAAAAAA\x1b")]);
        assert_eq!(flush(&mut scanner), []);
    }

    #[test]
    fn a_sentinel_may_carry_an_exit_status_even_when_split() {
        let text = "x\x1b_atAAAAAA;130\x1b\\y";
        for split in 1..text.len() {
            let mut scanner = scanner(&[("a", SENTINEL_A)]);
            let mut statuses = Vec::new();
            let mut events = Vec::new();
            for chunk in [&text[..split], &text[split..]] {
                scanner.feed(chunk, &mut |scanned| match scanned {
                    Scanned::Output(text) => events.push(output(text)),
                    Scanned::Complete(marker, status) => {
                        statuses.push(status);
                        events.push(Event::Complete(marker));
                    }
                });
            }
            assert_eq!(events, [output("x"), complete("a"), output("y")], "split at {split}");
            assert_eq!(statuses, [Some(130)], "split at {split}");
        }
        let mut scanner = scanner(&[("a", SENTINEL_A)]);
        let events = feed(&mut scanner, &["\x1b_atAAAAAA;1x\x1b\\"]);
        assert_eq!(events, [output("\x1b_atAAAAAA;1x\x1b\\")], "not a status: output");
    }

    #[test]
    fn detects_collisions_and_markers() {
        let scanner = scanner(&[("a", SENTINEL_A)]);
        assert!(scanner.has_marker("a"));
        assert!(!scanner.has_marker("b"));
        assert!(scanner.collides(SENTINEL_A));
        assert!(scanner.collides("\x1b_atAA"));
        assert!(scanner.collides(&format!("{SENTINEL_A}x")));
        assert!(!scanner.collides(SENTINEL_B));
    }
}
