//! Shell integration marks in the output stream: OSC 133 (prompt, command and exit
//! marks) and OSC 7 (the working directory), found and taken out of the output before it
//! is logged, so they never reach the screen, the casts or the videos.
//!
//! | Sequence | Mark |
//! |---|---|
//! | `OSC 133 ; A` | a prompt starts |
//! | `OSC 133 ; B` | the prompt ends: the command line starts |
//! | `OSC 133 ; C [; cmdline_url=<percent-encoded>]` | the command runs |
//! | `OSC 133 ; D [; <exit status>]` | the command ended |
//! | `OSC 7 ; file://<host><percent-encoded path>` | the working directory |
//!
//! Each is ended by BEL or ST (`ESC \`). Other OSC 133 kinds (`P`, `E`, …) are taken out
//! and ignored; every other sequence passes through. A sequence cut between two chunks
//! is held back until its end arrives (at most [`MAX_HELD`] bytes: past that it was not
//! a mark, and passes through as output). This module does no I/O.

/// The longest mark held back waiting for its end.
pub const MAX_HELD: usize = 64 * 1024;

const ESC: u8 = 0x1b;
const BEL: u8 = 0x07;

/// One shell integration mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    /// `133;A`: a prompt starts.
    PromptStart,
    /// `133;B`: the prompt ends and the command line starts.
    PromptEnd,
    /// `133;C`: the command line runs; the shell may say which.
    CommandStart {
        /// The command line (`cmdline_url=` or `cmdline=`), when given.
        command: Option<String>,
    },
    /// `133;D`: the command ended, with its status when given.
    CommandEnd {
        /// The exit status.
        exit_code: Option<i32>,
    },
    /// `7;file://host/path`: the working directory.
    Cwd(String),
}

/// A piece of scanned output, in stream order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'a> {
    /// Output that is not a mark (never empty).
    Text(&'a str),
    /// A mark, taken out of the output.
    Mark(Mark),
}

/// Finds the marks in a stream of decoded output.
#[derive(Debug, Default)]
pub struct MarkScanner {
    /// The start of a possible mark cut at the end of the last chunk.
    held: String,
}

impl MarkScanner {
    /// A scanner with nothing held back.
    pub fn new() -> MarkScanner {
        MarkScanner::default()
    }

    /// Scans `chunk`, handing each segment to `emit` in order.
    pub fn push(&mut self, chunk: &str, emit: &mut dyn FnMut(Segment<'_>)) {
        if self.held.is_empty() {
            let rest = scan(chunk, emit);
            self.held.push_str(rest);
            return;
        }
        let mut joined = std::mem::take(&mut self.held);
        joined.push_str(chunk);
        let rest = scan(&joined, emit);
        self.held = rest.to_owned();
    }

    /// Whatever is held back, as output (the stream ended).
    pub fn flush(&mut self) -> Option<String> {
        (!self.held.is_empty()).then(|| std::mem::take(&mut self.held))
    }
}

/// Emits the segments of `text` and returns the tail to hold back.
///
/// Marks are found by their `]`, which is rare in output (CSI sequences use `[`): a scan
/// for ESC would stop at every colour change of a coloured stream.
fn scan<'a>(text: &'a str, emit: &mut dyn FnMut(Segment<'_>)) -> &'a str {
    let bytes = text.as_bytes();
    let mut start = 0; // the output not yet emitted starts here
    let mut from = 0;
    while let Some(offset) = memchr::memchr(b']', &bytes[from..]) {
        let close = from + offset;
        from = close + 1;
        if close == 0 || bytes[close - 1] != ESC {
            continue;
        }
        let at = close - 1;
        match parse_at(&bytes[at..]) {
            Parsed::NotAMark => {}
            Parsed::Incomplete if bytes.len() - at <= MAX_HELD => {
                if start < at {
                    emit(Segment::Text(&text[start..at]));
                }
                return &text[at..];
            }
            Parsed::Incomplete => {}
            Parsed::Mark(mark, len) => {
                if start < at {
                    emit(Segment::Text(&text[start..at]));
                }
                if let Some(mark) = mark {
                    emit(Segment::Mark(mark));
                }
                start = at + len;
                from = start;
            }
        }
    }
    // A lone ESC at the very end may be the start of a mark.
    let end = if bytes.last() == Some(&ESC) { bytes.len() - 1 } else { bytes.len() };
    if start < end {
        emit(Segment::Text(&text[start..end]));
    }
    &text[end.max(start)..]
}

enum Parsed {
    NotAMark,
    Incomplete,
    /// A mark (or an ignored OSC 133 kind) and its length in bytes.
    Mark(Option<Mark>, usize),
}

/// Parses the sequence at the start of `bytes` (which starts with ESC).
fn parse_at(bytes: &[u8]) -> Parsed {
    const OSC_133: &[u8] = b"\x1b]133;";
    const OSC_7: &[u8] = b"\x1b]7;";
    let (introducer, is_133) = if bytes.starts_with(OSC_133) {
        (OSC_133.len(), true)
    } else if bytes.starts_with(OSC_7) {
        (OSC_7.len(), false)
    } else if OSC_133.starts_with(bytes) || OSC_7.starts_with(bytes) {
        return Parsed::Incomplete;
    } else {
        return Parsed::NotAMark;
    };
    let body = &bytes[introducer..];
    let Some((end, terminator)) = find_terminator(body) else { return Parsed::Incomplete };
    let Ok(payload) = std::str::from_utf8(&body[..end]) else { return Parsed::NotAMark };
    let mark = if is_133 { parse_133(payload) } else { parse_cwd(payload) };
    Parsed::Mark(mark, introducer + end + terminator)
}

/// Where the OSC's body ends, and the terminator's length (BEL: 1, ST: 2).
fn find_terminator(body: &[u8]) -> Option<(usize, usize)> {
    let at = body.iter().position(|&b| b == BEL || b == ESC)?;
    if body[at] == BEL {
        return Some((at, 1));
    }
    match body.get(at + 1) {
        Some(b'\\') => Some((at, 2)),
        // ESC followed by anything else ends the string too (and starts a new sequence,
        // which is left in the output).
        Some(_) => Some((at, 0)),
        None => None,
    }
}

fn parse_133(payload: &str) -> Option<Mark> {
    let mut fields = payload.split(';');
    match fields.next()? {
        "A" => Some(Mark::PromptStart),
        "B" => Some(Mark::PromptEnd),
        "C" => {
            let command = fields.find_map(|field| {
                field
                    .strip_prefix("cmdline_url=")
                    .map(percent_decode)
                    .or_else(|| field.strip_prefix("cmdline=").map(str::to_owned))
            });
            Some(Mark::CommandStart { command })
        }
        "D" => {
            let exit_code = fields.next().and_then(|status| status.trim().parse().ok());
            Some(Mark::CommandEnd { exit_code })
        }
        _ => None,
    }
}

fn parse_cwd(payload: &str) -> Option<Mark> {
    let rest = payload.strip_prefix("file://").or_else(|| payload.strip_prefix("kitty-shell-cwd://"))?;
    let path = &rest[rest.find('/')?..];
    Some(Mark::Cwd(percent_decode(path)))
}

/// Decodes `%XX` escapes (as UTF-8, lossily); a `%` not followed by two hex digits stays.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(high), Some(low)) =
                (bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex))
        {
            out.push((high * 16 + low) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Eq)]
    enum Owned {
        Text(String),
        Mark(Mark),
    }

    /// Scans `chunks` in order, merging adjacent text.
    fn scan_all(chunks: &[&str]) -> Vec<Owned> {
        let mut scanner = MarkScanner::new();
        let mut out: Vec<Owned> = Vec::new();
        let mut emit = |segment: Segment<'_>| match segment {
            Segment::Text(text) => match out.last_mut() {
                Some(Owned::Text(last)) => last.push_str(text),
                _ => out.push(Owned::Text(text.to_owned())),
            },
            Segment::Mark(mark) => out.push(Owned::Mark(mark)),
        };
        for chunk in chunks {
            scanner.push(chunk, &mut emit);
        }
        if let Some(rest) = scanner.flush() {
            emit(Segment::Text(&rest));
        }
        out
    }

    fn text(text: &str) -> Owned {
        Owned::Text(text.to_owned())
    }

    const SESSION: &str = "\u{1b}]7;file://host/tmp/a%20b\u{7}\u{1b}]133;A\u{7}$ \u{1b}]133;B\u{7}ls\r\n\
        \u{1b}]133;C;cmdline_url=ls%20-l%C3%A9\u{1b}\\out\r\n\u{1b}]7;file://host/tmp\u{7}\u{1b}]133;D;2\u{7}\
        \u{1b}]0;title\u{7}\u{1b}[1m$ ";

    fn expected() -> Vec<Owned> {
        vec![
            Owned::Mark(Mark::Cwd("/tmp/a b".into())),
            Owned::Mark(Mark::PromptStart),
            text("$ "),
            Owned::Mark(Mark::PromptEnd),
            text("ls\r\n"),
            Owned::Mark(Mark::CommandStart { command: Some("ls -lé".into()) }),
            text("out\r\n"),
            Owned::Mark(Mark::Cwd("/tmp".into())),
            Owned::Mark(Mark::CommandEnd { exit_code: Some(2) }),
            text("\u{1b}]0;title\u{7}\u{1b}[1m$ "),
        ]
    }

    #[test]
    fn marks_are_taken_out_in_order_and_other_sequences_stay() {
        assert_eq!(scan_all(&[SESSION]), expected());
    }

    #[test]
    fn a_mark_cut_anywhere_between_two_chunks_is_still_found() {
        for cut in 1..SESSION.len() {
            if SESSION.is_char_boundary(cut) {
                assert_eq!(scan_all(&[&SESSION[..cut], &SESSION[cut..]]), expected(), "cut at {cut}");
            }
        }
        let bytes: Vec<String> = SESSION.chars().map(String::from).collect();
        let chunks: Vec<&str> = bytes.iter().map(String::as_str).collect();
        assert_eq!(scan_all(&chunks), expected(), "one character at a time");
    }

    #[test]
    fn odd_marks_are_read_leniently() {
        let scanned = scan_all(&[
            "\u{1b}]133;D\u{7}\u{1b}]133;D;x\u{7}\u{1b}]133;A;cl=m;aid=1\u{7}\u{1b}]133;P;k=i\u{7}",
        ]);
        assert_eq!(
            scanned,
            vec![
                Owned::Mark(Mark::CommandEnd { exit_code: None }),
                Owned::Mark(Mark::CommandEnd { exit_code: None }),
                Owned::Mark(Mark::PromptStart),
            ]
        );
        assert_eq!(
            scan_all(&["\u{1b}]133;C;cmdline=make test\u{7}"]),
            vec![Owned::Mark(Mark::CommandStart { command: Some("make test".into()) })]
        );
        assert_eq!(scan_all(&["\u{1b}]7;http://x/y\u{7}z"]), vec![text("z")], "a cwd that is not a file URL");
    }

    #[test]
    fn an_unended_mark_is_output_at_the_end_and_a_huge_one_is_not_held() {
        assert_eq!(scan_all(&["a\u{1b}]133;C;cmdline_url=x"]), vec![text("a\u{1b}]133;C;cmdline_url=x")]);
        let huge = format!("\u{1b}]133;C;{}", "x".repeat(MAX_HELD + 10));
        let mut scanner = MarkScanner::new();
        let mut seen = 0;
        scanner.push(&huge, &mut |segment| {
            if let Segment::Text(text) = segment {
                seen += text.len();
            }
        });
        assert_eq!(seen, huge.len(), "passed through, not held");
        assert_eq!(scanner.flush(), None);
    }

    #[test]
    fn percent_decoding_is_lenient() {
        assert_eq!(percent_decode("a%20b%2fc%zz%4"), "a b/c%zz%4");
        assert_eq!(percent_decode("%E2%82%AC%FF"), "€\u{fffd}");
    }
}
