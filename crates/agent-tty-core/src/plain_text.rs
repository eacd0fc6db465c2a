//! Terminal output as plain text: what a command printed, for an agent to read
//! (`run`'s `output`, `wait --in output`).
//!
//! Escape sequences (CSI, OSC, DCS/APC/PM/SOS strings, two-byte `ESC x`) are dropped, and
//! the few controls that move within a line are applied: `\r\n` is a line end, a lone
//! `\r` starts the line again (a progress bar leaves its last state), a backspace takes
//! back a character, a tab stays. Other controls are dropped. It is a stream: a sequence
//! cut between two chunks is still recognised. Cursor movement across lines is not
//! applied (that is the screen's job, see `agent_tty_vt::Screen`).

/// Where a stream is among escape sequences (CSI, OSC, DCS/SOS/PM/APC strings, other
/// ESC sequences, their C1 forms), kept across chunks: the one escape stripper that
/// [`PlainText`] and `OutputSince` share.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Escapes {
    #[default]
    Ground,
    /// After ESC.
    Escape,
    /// ESC followed by intermediates (0x20–0x2F), until a final byte.
    EscapeIntermediate,
    /// A control sequence, until its final byte (0x40–0x7E).
    Csi,
    /// An OSC / DCS / SOS / PM / APC string, until BEL (OSC) or ST.
    Str,
    /// ESC inside a string: `\` ends it, anything else starts a new escape.
    StrEscape,
}

impl Escapes {
    /// The character if it is visible text (`\n`, `\r`, `\t` and backspace included),
    /// else `None`.
    pub(crate) fn visible(&mut self, c: char) -> Option<char> {
        match *self {
            Escapes::Ground => self.ground(c),
            Escapes::Escape => {
                *self = match c {
                    '[' => Escapes::Csi,
                    ']' | 'P' | 'X' | '^' | '_' => Escapes::Str,
                    '\u{20}'..='\u{2f}' => Escapes::EscapeIntermediate,
                    '\u{1b}' => Escapes::Escape,
                    '\u{30}'..='\u{7e}' => Escapes::Ground,
                    _ => return self.abort(c),
                };
                None
            }
            Escapes::EscapeIntermediate => match c {
                '\u{20}'..='\u{2f}' => None,
                '\u{30}'..='\u{7e}' => {
                    *self = Escapes::Ground;
                    None
                }
                _ => self.abort(c),
            },
            Escapes::Csi => match c {
                '\u{20}'..='\u{3f}' => None,
                '\u{40}'..='\u{7e}' => {
                    *self = Escapes::Ground;
                    None
                }
                _ => self.abort(c),
            },
            Escapes::Str => {
                match c {
                    '\u{7}' | '\u{9c}' => *self = Escapes::Ground,
                    '\u{1b}' => *self = Escapes::StrEscape,
                    _ => {}
                }
                None
            }
            Escapes::StrEscape => {
                if c == '\\' {
                    *self = Escapes::Ground;
                    return None;
                }
                *self = Escapes::Escape;
                self.visible(c)
            }
        }
    }

    /// A sequence broken by `c`: back to text, `c` handled there.
    fn abort(&mut self, c: char) -> Option<char> {
        *self = Escapes::Ground;
        self.ground(c)
    }

    fn ground(&mut self, c: char) -> Option<char> {
        match c {
            '\n' | '\r' | '\t' | '\u{8}' => Some(c),
            '\u{1b}' => {
                *self = Escapes::Escape;
                None
            }
            '\u{9b}' => {
                *self = Escapes::Csi;
                None
            }
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => {
                *self = Escapes::Str;
                None
            }
            c if c.is_control() => None,
            c => Some(c),
        }
    }
}

/// A streaming escape-sequence stripper; complete lines go to the caller's buffer.
#[derive(Debug, Default)]
pub struct PlainText {
    escapes: Escapes,
    /// The line being built (no `\n`).
    line: String,
    /// A `\r` was seen and nothing after it yet.
    carriage_return: bool,
}

impl PlainText {
    /// A stripper at the start of a line.
    pub fn new() -> PlainText {
        PlainText::default()
    }

    /// Strips `input`, appending every line it completes (with its `\n`) to `out`.
    pub fn push(&mut self, input: &str, out: &mut String) {
        for c in input.chars() {
            if let Some(c) = self.escapes.visible(c) {
                self.text(c, out);
            }
        }
    }

    /// The line not yet ended, appended to `out` (without a `\n`); the stripper starts a
    /// new line.
    pub fn finish(&mut self, out: &mut String) {
        out.push_str(&self.line);
        self.line.clear();
        self.carriage_return = false;
    }

    fn text(&mut self, c: char, out: &mut String) {
        match c {
            '\n' => {
                out.push_str(&self.line);
                out.push('\n');
                self.line.clear();
                self.carriage_return = false;
            }
            '\r' => self.carriage_return = true,
            '\u{8}' => {
                self.line.pop();
            }
            c => self.printable(c),
        }
    }

    fn printable(&mut self, c: char) {
        if std::mem::take(&mut self.carriage_return) {
            self.line.clear();
        }
        self.line.push(c);
    }
}

/// `text` stripped in one go (see [`PlainText`]), its unfinished last line included.
pub fn plain(text: &str) -> String {
    let mut stripper = PlainText::new();
    let mut out = String::with_capacity(text.len());
    stripper.push(text, &mut out);
    stripper.finish(&mut out);
    out
}

/// Plain text kept within a budget: the first quarter and the last three quarters of
/// it, with a line saying how much was left out between them.
#[derive(Debug)]
pub struct CappedText {
    max: usize,
    head: String,
    tail: String,
    /// Bytes dropped from the front of `tail`.
    omitted: usize,
}

impl CappedText {
    /// An empty text that keeps at most about `max` bytes.
    pub fn new(max: usize) -> CappedText {
        CappedText { max, head: String::new(), tail: String::new(), omitted: 0 }
    }

    fn head_max(&self) -> usize {
        self.max / 4
    }

    fn tail_max(&self) -> usize {
        self.max - self.head_max()
    }

    /// Appends `text`.
    pub fn push(&mut self, mut text: &str) {
        if self.omitted == 0 && self.tail.is_empty() && self.head.len() < self.head_max() {
            let cut = floor_char_boundary(text, self.head_max() - self.head.len());
            self.head.push_str(&text[..cut]);
            text = &text[cut..];
        }
        self.tail.push_str(text);
        // Trim in steps, so a long output costs amortised O(1) per byte.
        if self.tail.len() > 2 * self.tail_max().max(1) {
            self.trim_tail();
        }
    }

    fn trim_tail(&mut self) {
        if self.tail.len() <= self.tail_max() {
            return;
        }
        let excess = self.tail.len() - self.tail_max();
        let cut = ceil_char_boundary(&self.tail, excess);
        self.tail.drain(..cut);
        self.omitted += cut;
    }

    /// The text kept, and whether some was left out.
    pub fn finish(mut self) -> (String, bool) {
        self.trim_tail();
        if self.omitted == 0 {
            self.head.push_str(&self.tail);
            return (self.head, false);
        }
        let mut out = self.head;
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!(
            "[… {} bytes left out here; the whole output is in the event log …]\n",
            self.omitted
        ));
        out.push_str(&self.tail);
        (out, true)
    }
}

fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_go_and_lines_stay() {
        assert_eq!(plain("a\u{1b}[1;31mred\u{1b}[0m\r\nb\u{1b}]0;title\u{7}c\u{1b}(Bd\n"), "ared\nbcd\n");
        assert_eq!(plain("x\u{1b}_private\u{1b}\\y\u{1b}P1$r\u{1b}\\z"), "xyz");
    }

    #[test]
    fn carriage_return_and_backspace_edit_the_line() {
        assert_eq!(plain("10%\r50%\r100%\r\ndone"), "100%\ndone");
        assert_eq!(plain("abc\u{8}\u{8}x\n"), "ax\n");
        assert_eq!(plain("a\tb\u{7}\u{0}c"), "a\tbc");
    }

    #[test]
    fn sequences_cut_between_chunks_are_recognised() {
        let text = "one\u{1b}[3\u{1b}]133;C\u{1b}\\two\r\nthree\u{1b}]7;file://h/tmp\u{7}!";
        for cut in 0..=text.len() {
            if !text.is_char_boundary(cut) {
                continue;
            }
            let mut stripper = PlainText::new();
            let mut out = String::new();
            stripper.push(&text[..cut], &mut out);
            stripper.push(&text[cut..], &mut out);
            stripper.finish(&mut out);
            assert_eq!(out, "onetwo\nthree!", "cut at {cut}");
        }
    }

    #[test]
    fn capped_text_keeps_head_and_tail_and_says_what_it_left_out() {
        let mut capped = CappedText::new(40);
        capped.push("short\n");
        assert_eq!(capped.finish(), ("short\n".to_string(), false));

        let mut capped = CappedText::new(40);
        for line in 0..100 {
            capped.push(&format!("line {line:03}\n"));
        }
        let (text, truncated) = capped.finish();
        assert!(truncated);
        assert!(text.starts_with("line 000\n"), "{text}");
        assert!(text.ends_with("line 099\n"), "{text}");
        let omitted = 900 - 40;
        assert!(text.contains(&format!("[… {omitted} bytes left out here")), "{text}");
    }

    #[test]
    fn capped_text_cuts_on_character_boundaries() {
        let mut capped = CappedText::new(10);
        for _ in 0..50 {
            capped.push("é€😀");
        }
        let (text, truncated) = capped.finish();
        assert!(truncated);
        assert!(text.contains("bytes left out"));
    }
}
