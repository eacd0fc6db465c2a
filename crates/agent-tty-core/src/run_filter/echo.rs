//! The echo sanitizer: hides the terminal's echo of typed postambles.
//!
//! The echo of a postamble `P` is `P\n` or `P\r\n`, possibly interleaved with
//! line-editor repaint noise (see [`super::repaint`]). An echo that matches
//! completely is dropped. One that matches at least [`MIN_TOLERANT_PREFIX`]
//! bytes before differing starts *tolerant stripping*: from then on noise and
//! the echo's expected next characters are dropped, and any other character
//! passes through as real output, until the echo is complete or its run
//! completes. A chunk ending in a partial echo has that tail held back, as
//! long as it is shorter than the longest active echo.

use super::ids::POSTAMBLE_PREFIX;
use super::repaint::{self, Noise};

/// How many echo bytes must match, noise aside, before tolerant stripping
/// starts: the length of `printf '\033\137`.
pub(super) const MIN_TOLERANT_PREFIX: usize = POSTAMBLE_PREFIX.len();

/// The echo of one active run's postamble.
#[derive(Debug)]
struct Echo {
    marker: String,
    /// The postamble followed by `\n` (a `\r` before it is noise).
    text: String,
}

/// An echo being stripped tolerantly, and how much of it was seen.
#[derive(Debug, Clone)]
struct Candidate {
    marker: String,
    text: String,
    position: usize,
}

impl Candidate {
    /// The echo byte expected next.
    fn expected(&self) -> Option<u8> {
        self.text.as_bytes().get(self.position).copied()
    }
}

/// What the echo search found where an echo may start.
#[derive(Debug)]
enum EchoMatch {
    /// A whole echo covering this many bytes.
    Complete(usize),
    /// A long enough prefix covering this many bytes: strip tolerantly.
    Tolerant(Vec<Candidate>, usize),
    /// A short prefix cut off by the end of the buffer.
    Partial,
    /// Nothing.
    None,
}

/// Where processing goes after one step.
enum Step {
    /// Continue at this index.
    Advance(usize),
    /// Hold back the buffer from this index until more input arrives.
    Hold(usize),
}

/// Removes echoes of active postambles from output text.
#[derive(Debug, Default)]
pub(super) struct EchoSanitizer {
    /// Echoes of runs not yet completed, in registration order.
    echoes: Vec<Echo>,
    /// The echoes being stripped tolerantly; empty when not stripping.
    stripping: Vec<Candidate>,
    /// Held-back text that more input will decide.
    tail: String,
}

impl EchoSanitizer {
    /// Starts hiding the echo of `postamble` (printable ASCII, no newline).
    pub(super) fn register(&mut self, marker: &str, postamble: &str) {
        let text = format!("{postamble}\n");
        self.echoes.push(Echo { marker: marker.to_owned(), text });
    }

    /// Stops hiding the echo of `marker`'s postamble; text held back for it
    /// is written to `out`.
    pub(super) fn deregister(&mut self, marker: &str, out: &mut String) {
        self.echoes.retain(|echo| echo.marker != marker);
        self.stripping.retain(|candidate| candidate.marker != marker);
        let tail = std::mem::take(&mut self.tail);
        self.sanitize(&tail, false, out);
    }

    /// Whether an echo is active, being stripped or held back.
    pub(super) fn is_active(&self) -> bool {
        !self.echoes.is_empty() || !self.stripping.is_empty() || !self.tail.is_empty()
    }

    /// Writes `chunk`, held-back text first, to `out` without echoes.
    pub(super) fn feed(&mut self, chunk: &str, out: &mut String) {
        if !self.is_active() {
            out.push_str(chunk);
        } else if self.tail.is_empty() {
            self.sanitize(chunk, false, out);
        } else {
            let mut buffer = std::mem::take(&mut self.tail);
            buffer.push_str(chunk);
            self.sanitize(&buffer, false, out);
        }
    }

    /// Writes held-back text to `out` (the stream has ended).
    pub(super) fn flush(&mut self, out: &mut String) {
        let tail = std::mem::take(&mut self.tail);
        self.sanitize(&tail, true, out);
    }

    /// Writes `buffer` to `out` without echoes; unless `is_final`, holds back
    /// a tail that more input will decide.
    fn sanitize(&mut self, buffer: &str, is_final: bool, out: &mut String) {
        let mut index = 0;
        while index < buffer.len() {
            let step = if self.stripping.is_empty() {
                self.search(buffer, index, is_final, out)
            } else {
                self.strip(buffer, index, is_final, out)
            };
            match step {
                Step::Advance(next) => index = next,
                Step::Hold(from) => {
                    buffer[from..].clone_into(&mut self.tail);
                    return;
                }
            }
        }
    }

    /// Copies output up to the next possible echo start and handles it.
    fn search(&mut self, buffer: &str, index: usize, is_final: bool, out: &mut String) -> Step {
        let bytes = buffer.as_bytes();
        let Some(at) = self.next_echo_start(&bytes[index..]).map(|offset| index + offset) else {
            out.push_str(&buffer[index..]);
            return Step::Advance(buffer.len());
        };
        out.push_str(&buffer[index..at]);
        match self.match_echo(&bytes[at..], is_final) {
            EchoMatch::Complete(len) => Step::Advance(at + len),
            EchoMatch::Tolerant(candidates, len) => {
                self.stripping = candidates;
                Step::Advance(at + len)
            }
            EchoMatch::Partial => Step::Hold(at),
            EchoMatch::None => {
                // Echoes start with printable ASCII, so this is one character.
                out.push_str(&buffer[at..=at]);
                Step::Advance(at + 1)
            }
        }
    }

    /// Where in `bytes` the first byte of an active echo next occurs.
    fn next_echo_start(&self, bytes: &[u8]) -> Option<usize> {
        let first = |echo: &Echo| echo.text.as_bytes()[0];
        match self.echoes.as_slice() {
            [] => None,
            // Postambles all start with `printf`: one byte to look for.
            [head, rest @ ..] if rest.iter().all(|echo| first(echo) == first(head)) => {
                let wanted = first(head);
                bytes.iter().position(|&byte| byte == wanted)
            }
            echoes => bytes.iter().position(|byte| echoes.iter().any(|echo| first(echo) == *byte)),
        }
    }

    /// Matches every active echo at the start of `rest` and picks the best.
    fn match_echo(&self, rest: &[u8], is_final: bool) -> EchoMatch {
        let mut complete: Option<usize> = None;
        let mut best = (0, 0);
        let mut candidates = Vec::new();
        let mut pending = false;
        for echo in &self.echoes {
            let found = repaint::match_prefix(rest, echo.text.as_bytes());
            if found.is_complete(echo.text.as_bytes()) {
                complete = complete.max(Some(found.consumed));
                continue;
            }
            pending |= found.pending && found.matched > 0;
            let rank = (found.matched, found.consumed);
            if found.matched < MIN_TOLERANT_PREFIX || rank < best {
                continue;
            }
            if rank > best {
                best = rank;
                candidates.clear();
            }
            let (marker, text) = (echo.marker.clone(), echo.text.clone());
            candidates.push(Candidate { marker, text, position: found.matched });
        }
        if let Some(len) = complete {
            EchoMatch::Complete(len)
        } else if !candidates.is_empty() {
            EchoMatch::Tolerant(candidates, best.1)
        } else if pending && !is_final && rest.len() < self.longest_echo() {
            EchoMatch::Partial
        } else {
            EchoMatch::None
        }
    }

    /// The length of the longest active echo.
    fn longest_echo(&self) -> usize {
        self.echoes.iter().map(|echo| echo.text.len()).max().unwrap_or(0)
    }

    /// Handles one character or noise sequence while stripping tolerantly.
    fn strip(&mut self, buffer: &str, index: usize, is_final: bool, out: &mut String) -> Step {
        let bytes = buffer.as_bytes();
        match self.strip_noise(bytes, index) {
            Noise::Skip(len) => return Step::Advance(index + len),
            Noise::Partial if !is_final => return Step::Hold(index),
            Noise::Partial | Noise::None => {}
        }
        if self.advance_candidates(bytes[index]) {
            return Step::Advance(index + 1);
        }
        let end = index + repaint::utf8_len(bytes[index]);
        out.push_str(&buffer[index..end]);
        Step::Advance(end)
    }

    /// Classifies the byte at `index` while stripping: as in an echo, except
    /// that `\r\n` is interleaved output while no echo expects its newline.
    fn strip_noise(&self, bytes: &[u8], index: usize) -> Noise {
        let expects = |byte| self.stripping.iter().any(|candidate| candidate.expected() == Some(byte));
        if bytes[index] != b'\r' || expects(b'\n') {
            return repaint::noise_at(bytes, index, expects(b' '));
        }
        match bytes.get(index + 1) {
            Some(b'\n') => Noise::None,
            Some(_) => Noise::Skip(1),
            None => Noise::Partial,
        }
    }

    /// Consumes `byte` if some candidate expects it next, keeping only those
    /// candidates; stripping ends when one of them is complete.
    fn advance_candidates(&mut self, byte: u8) -> bool {
        if !self.stripping.iter().any(|candidate| candidate.expected() == Some(byte)) {
            return false;
        }
        self.stripping.retain(|candidate| candidate.expected() == Some(byte));
        for candidate in &mut self.stripping {
            candidate.position += 1;
        }
        if self.stripping.iter().any(|candidate| candidate.expected().is_none()) {
            self.stripping.clear();
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POSTAMBLE_A: &str = r"printf '\033\137\141\164\101\101\101\101\101\101\033\134'";
    const POSTAMBLE_B: &str = r"printf '\033\137\141\164\102\102\102\102\102\102\033\134'";

    fn sanitizer(postambles: &[(&str, &str)]) -> EchoSanitizer {
        let mut sanitizer = EchoSanitizer::default();
        for (marker, postamble) in postambles {
            sanitizer.register(marker, postamble);
        }
        sanitizer
    }

    fn feed(sanitizer: &mut EchoSanitizer, chunk: &str) -> String {
        let mut out = String::new();
        sanitizer.feed(chunk, &mut out);
        out
    }

    fn crlf(postamble: &str) -> String {
        format!("{postamble}\r\n")
    }

    #[test]
    fn removes_exact_crlf_and_lf_echoes() {
        let mut sanitizer = sanitizer(&[("a", POSTAMBLE_A)]);
        let text = format!("cmd\r\n{}out\n", crlf(POSTAMBLE_A));
        assert_eq!(feed(&mut sanitizer, &text), "cmd\r\nout\n");
        assert_eq!(feed(&mut sanitizer, &format!("x{POSTAMBLE_A}\ny")), "xy");
        assert_eq!(feed(&mut sanitizer, "more\n"), "more\n");
    }

    #[test]
    fn removes_an_echo_split_at_every_position() {
        let text = format!("before{}after", crlf(POSTAMBLE_A));
        for split in 0..=text.len() {
            let mut sanitizer = sanitizer(&[("a", POSTAMBLE_A)]);
            let joined = feed(&mut sanitizer, &text[..split]) + &feed(&mut sanitizer, &text[split..]);
            assert_eq!(joined, "beforeafter", "split at {split}");
            assert!(sanitizer.tail.is_empty() && sanitizer.stripping.is_empty());
        }
    }

    #[test]
    fn keeps_output_interleaved_into_the_echo() {
        let echo = crlf(POSTAMBLE_A);
        let text = format!("{}visible-output\n{}", &echo[..24], &echo[24..]);
        let mut sanitizer = sanitizer(&[("a", POSTAMBLE_A)]);
        assert_eq!(feed(&mut sanitizer, &text), "visible-output\n");
        let text = format!("{}out\r\nput\r\n{}", &echo[..24], &echo[24..]);
        assert_eq!(feed(&mut sanitizer, &text), "out\r\nput\r\n");
        let text = format!("{}\u{e9}\u{20ac}{}", &echo[..30], &echo[30..]);
        assert_eq!(feed(&mut sanitizer, &text), "\u{e9}\u{20ac}");
    }

    #[test]
    fn drops_repaint_noise_inside_the_echo() {
        let echo = crlf(POSTAMBLE_A);
        for split in 1..echo.len() {
            for noise in ["\x1b[A\x1b[K", "\r", " \r", "\x1b[C", "\x1b7"] {
                let text = format!("{}{noise}{}", &echo[..split], &echo[split..]);
                let mut sanitizer = sanitizer(&[("a", POSTAMBLE_A)]);
                assert_eq!(feed(&mut sanitizer, &text), "", "{text:?}");
                assert!(sanitizer.stripping.is_empty(), "{text:?}");
            }
        }
    }

    #[test]
    fn noise_split_across_chunks_before_the_threshold() {
        let echo = crlf(POSTAMBLE_A);
        let mut sanitizer = sanitizer(&[("a", POSTAMBLE_A)]);
        assert_eq!(feed(&mut sanitizer, &format!("{}\x1b[", &echo[..8])), "");
        assert_eq!(feed(&mut sanitizer, &format!("K{}", &echo[8..])), "");
        assert!(sanitizer.tail.is_empty() && sanitizer.stripping.is_empty());
    }

    #[test]
    fn keeps_printf_lookalikes_that_differ_early() {
        let mut sanitizer = sanitizer(&[("a", POSTAMBLE_A)]);
        for text in ["printf 'hello'\r\n", "pri\rntf 'hello'\r\n", "prompt$ ", r"printf '\033[1m'"] {
            assert_eq!(feed(&mut sanitizer, text), text);
        }
    }

    #[test]
    fn removes_repeated_echoes_while_active() {
        let mut sanitizer = sanitizer(&[("a", POSTAMBLE_A)]);
        let echo = crlf(POSTAMBLE_A);
        assert_eq!(feed(&mut sanitizer, &format!("{echo}visible{echo}")), "visible");
    }

    #[test]
    fn tells_two_active_echoes_apart() {
        let mut sanitizer = sanitizer(&[("a", POSTAMBLE_A), ("b", POSTAMBLE_B)]);
        let text = format!("{}x{}y", crlf(POSTAMBLE_B), crlf(POSTAMBLE_A));
        assert_eq!(feed(&mut sanitizer, &text), "xy");
        let echo = crlf(POSTAMBLE_B);
        let noisy = format!("{}\x1b[K{}", &echo[..30], &echo[30..]);
        assert_eq!(feed(&mut sanitizer, &noisy), "");
        assert!(sanitizer.stripping.is_empty());
    }

    #[test]
    fn deregistering_releases_a_held_partial_echo() {
        let mut sanitizer = sanitizer(&[("a", POSTAMBLE_A)]);
        assert_eq!(feed(&mut sanitizer, &format!("visible{}", &POSTAMBLE_A[..7])), "visible");
        let mut out = String::new();
        sanitizer.deregister("a", &mut out);
        assert_eq!(out, &POSTAMBLE_A[..7]);
        assert!(!sanitizer.is_active());
    }

    #[test]
    fn deregistering_ends_tolerant_stripping() {
        let mut sanitizer = sanitizer(&[("a", POSTAMBLE_A)]);
        assert_eq!(feed(&mut sanitizer, &POSTAMBLE_A[..20]), "");
        assert!(!sanitizer.stripping.is_empty());
        let mut out = String::new();
        sanitizer.deregister("a", &mut out);
        assert_eq!(out, "");
        assert!(!sanitizer.is_active());
        assert_eq!(feed(&mut sanitizer, "\r\x1b[K\\"), "\r\x1b[K\\");
    }

    #[test]
    fn flush_releases_held_text() {
        let mut sanitizer = sanitizer(&[("a", POSTAMBLE_A)]);
        assert_eq!(feed(&mut sanitizer, "out printf"), "out ");
        let mut out = String::new();
        sanitizer.flush(&mut out);
        assert_eq!(out, "printf");
        sanitizer.flush(&mut out);
        assert_eq!(out, "printf");
    }

    #[test]
    fn holds_back_no_more_than_a_partial_echo() {
        let mut sanitizer = sanitizer(&[("a", POSTAMBLE_A)]);
        let long_noise = format!("pr{}", "\r".repeat(POSTAMBLE_A.len() + 2));
        assert_eq!(feed(&mut sanitizer, &long_noise), long_noise);
        assert_eq!(feed(&mut sanitizer, "p"), "");
        assert_eq!(feed(&mut sanitizer, "q"), "pq");
    }

    #[test]
    fn passes_text_through_when_inactive() {
        let mut sanitizer = EchoSanitizer::default();
        let text = format!("a{}b", crlf(POSTAMBLE_A));
        assert_eq!(feed(&mut sanitizer, &text), text);
        let mut out = String::new();
        sanitizer.flush(&mut out);
        assert_eq!(out, "");
    }
}
