//! Which segments can hold an appearance of a text, decided without parsing them.
//!
//! An appearance of `X` is a moment when `X` is on screen, so every character of it is in
//! a cell. A character in a cell was on the screen (or the buffer not shown, which
//! switching buffers brings back) when the segment began, or was put there during the
//! segment. Only printing puts one there: the character itself, in the log as raw UTF-8
//! or a JSON `\uXXXX` escape (either hex case; UTF-16 surrogate pairs beyond the BMP);
//! the ASCII byte that the DEC special graphics set maps to it (`q` for `─`, and so on);
//! REP (`CSI b`), which prints the last printed character again, which may be the one
//! printed before the segment; and DECALN (`ESC # 8`), which fills the screen with `E`.
//! A resize brings lines back from the scrollback, so a segment with a `resize` event
//! is always a candidate (the search is for `resize` in the raw bytes: JSON writers do
//! not escape ASCII letters). Spaces are not checked (every blank cell is one), nor are
//! line breaks (rows are joined by them).
//!
//! So a segment is skipped when a character of `X` is in none of those forms in its
//! bytes, not on its start screen, not the start screen's last printed character, and the
//! segment has no resize. Characters are checked one at a time (a present one is
//! usually found at once), stopping at the first missing one: a SIMD pass (memchr's
//! memmem) per form. A `--regex` is checked this way only when it has no metacharacter
//! (it is then a plain text); any other pattern reads every segment.

use std::collections::HashSet;
use std::fs::File;
use std::os::unix::fs::FileExt;

use memchr::memmem::Finder;

use super::Query;

/// What the DEC special graphics set prints for the ASCII byte (`vte`'s
/// `StandardCharset::map`; `_`, which becomes a space, left out).
const DEC_GRAPHICS: [(char, char); 31] = [
    ('`', '◆'),
    ('a', '▒'),
    ('b', '\u{2409}'),
    ('c', '\u{240c}'),
    ('d', '\u{240d}'),
    ('e', '\u{240a}'),
    ('f', '°'),
    ('g', '±'),
    ('h', '\u{2424}'),
    ('i', '\u{240b}'),
    ('j', '┘'),
    ('k', '┐'),
    ('l', '┌'),
    ('m', '└'),
    ('n', '┼'),
    ('o', '⎺'),
    ('p', '⎻'),
    ('q', '─'),
    ('r', '⎼'),
    ('s', '⎽'),
    ('t', '├'),
    ('u', '┤'),
    ('v', '┴'),
    ('w', '┬'),
    ('x', '│'),
    ('y', '≤'),
    ('z', '≥'),
    ('{', 'π'),
    ('|', '≠'),
    ('}', '£'),
    ('~', '·'),
];

/// The glyph the DEC special graphics set prints for `c`, if it maps it.
pub(crate) fn dec_glyph(c: char) -> Option<char> {
    DEC_GRAPHICS.iter().find(|(ascii, _)| *ascii == c).map(|(_, glyph)| *glyph)
}

/// The ASCII byte the DEC special graphics set maps to `glyph`, if any.
fn dec_source(glyph: char) -> Option<char> {
    DEC_GRAPHICS.iter().find(|(_, g)| *g == glyph).map(|(ascii, _)| *ascii)
}

#[cfg(test)]
thread_local! {
    /// Searches started on this thread read every segment (the tests' reference).
    pub(crate) static OFF: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Bytes of a segment read at once; a longer one is read in pieces.
const PIECE: u64 = 32 << 20;

/// The characters a text needs and the byte strings that show one was printed.
#[derive(Debug)]
pub(crate) struct Needs {
    chars: Vec<Need>,
    resize: Finder<'static>,
}

#[derive(Debug)]
struct Need {
    char: char,
    /// The forms in the log's bytes that can print it.
    forms: Vec<Finder<'static>>,
}

impl Needs {
    /// What `query` needs; `None` when it cannot be told (a pattern with metacharacters).
    pub(crate) fn of(query: &Query) -> Option<Needs> {
        #[cfg(test)]
        if OFF.get() {
            return None;
        }
        let text = match query {
            Query::Text(text) => text.as_str(),
            Query::Regex(regex) => {
                let pattern = regex.0.source();
                let meta = |c: char| "\\^$.|?*+()[]{}/".contains(c);
                if pattern.contains(meta) {
                    return None;
                }
                pattern
            }
        };
        let mut seen = HashSet::new();
        let chars = text
            .chars()
            .filter(|c| *c != ' ' && *c != '\n' && seen.insert(*c))
            .map(|char| Need { char, forms: forms(char) })
            .collect();
        Some(Needs { chars, resize: Finder::new(b"resize").into_owned() })
    }

    /// Whether the segment `[start, end)` of `log` can hold an appearance; `start_chars`
    /// gives the characters its start screen can show without printing them (asked only
    /// when needed; `None`: unknown, so it can).
    pub(crate) fn candidate(
        &self,
        log: &File,
        (start, end): (u64, u64),
        start_chars: &mut dyn FnMut() -> Option<HashSet<char>>,
    ) -> std::io::Result<bool> {
        let bytes = Bytes::read(log, start, end)?;
        let mut on_start: Option<Option<HashSet<char>>> = None;
        let mut resize = None;
        for need in &self.chars {
            if bytes.contains(&need.forms)? {
                continue;
            }
            let has_resize = match resize {
                Some(known) => known,
                None => *resize.insert(bytes.contains(std::slice::from_ref(&self.resize))?),
            };
            if has_resize {
                return Ok(true);
            }
            match on_start.get_or_insert_with(&mut *start_chars) {
                None => return Ok(true),
                Some(chars) if chars.contains(&need.char) => {}
                Some(_) => return Ok(false),
            }
        }
        Ok(true)
    }
}

/// The forms of `c` in a log's bytes that can print it (see the module docs).
fn forms(c: char) -> Vec<Finder<'static>> {
    let mut printed = vec![c];
    printed.extend(dec_source(c));
    if c == 'E' {
        // DECALN: `ESC # 8`.
        printed.push('#');
    }
    // The raw forms first: the common ones, so a present character is found at once.
    let mut forms: Vec<Vec<u8>> = printed.iter().map(|c| c.to_string().into_bytes()).collect();
    forms.extend(printed.iter().flat_map(|c| escapes(*c)));
    let mut seen = HashSet::new();
    forms.retain(|form| seen.insert(form.clone()));
    forms.iter().map(|form| Finder::new(form).into_owned()).collect()
}

/// `c` as JSON escapes (lowercase and uppercase hex).
fn escapes(c: char) -> [Vec<u8>; 2] {
    let mut units = [0u16; 2];
    let units = c.encode_utf16(&mut units);
    let lower: String = units.iter().map(|u| format!("\\u{u:04x}")).collect();
    let upper: String = units.iter().map(|u| format!("\\u{u:04X}")).collect();
    [lower.into_bytes(), upper.into_bytes()]
}

/// A segment's bytes: the first [`PIECE`] in memory, the rest (of a long one) read in
/// pieces for each search that the first piece does not settle.
struct Bytes<'a> {
    first: Vec<u8>,
    log: &'a File,
    /// Where the rest starts (the first piece's end) and ends.
    rest: (u64, u64),
}

impl<'a> Bytes<'a> {
    fn read(log: &'a File, start: u64, end: u64) -> std::io::Result<Bytes<'a>> {
        let first_end = end.min(start.saturating_add(PIECE));
        Ok(Bytes { first: read_at(log, start, first_end)?, log, rest: (first_end, end) })
    }

    /// Whether any of `forms` occurs.
    fn contains(&self, forms: &[Finder<'static>]) -> std::io::Result<bool> {
        let found = |bytes: &[u8]| forms.iter().any(|form| form.find(bytes).is_some());
        if found(&self.first) {
            return Ok(true);
        }
        // Pieces overlap by the longest form less one byte, so none is cut.
        let overlap = forms.iter().map(|f| f.needle().len()).max().unwrap_or(1).saturating_sub(1) as u64;
        let (mut at, end) = self.rest;
        at = at.saturating_sub(overlap).max(self.rest.0.saturating_sub(self.first.len() as u64));
        while at + overlap < end {
            let piece_end = (at + PIECE).min(end);
            if found(&read_at(self.log, at, piece_end)?) {
                return Ok(true);
            }
            at = piece_end - overlap;
        }
        Ok(false)
    }
}

/// The bytes `[start, end)` of `log` (fewer when the file is shorter).
fn read_at(log: &File, start: u64, end: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = vec![0; usize::try_from(end - start).map_err(std::io::Error::other)?];
    let mut filled = 0;
    while filled < bytes.len() {
        match log.read_at(&mut bytes[filled..], start + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    bytes.truncate(filled);
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_has_its_raw_escaped_and_dec_forms() {
        let needles = |c: char| -> Vec<String> {
            forms(c).iter().map(|f| String::from_utf8(f.needle().to_vec()).unwrap()).collect()
        };
        assert_eq!(needles('é'), vec!["é", "\\u00e9", "\\u00E9"]);
        assert_eq!(needles('A'), vec!["A", "\\u0041"]);
        assert_eq!(needles('─'), vec!["─", "q", "\\u2500", "\\u0071"]);
        assert_eq!(needles('E'), vec!["E", "#", "\\u0045", "\\u0023"], "DECALN");
        assert_eq!(needles('😀'), vec!["😀", "\\ud83d\\ude00", "\\uD83D\\uDE00"]);
    }

    #[test]
    fn regexes_with_metacharacters_get_no_prefilter() {
        let regex = |p: &str| Needs::of(&Query::new(None, Some(p)).unwrap());
        assert!(regex("disk full").is_some());
        for pattern in ["a.b", "x+", "(a)", "\\d", "a|b", "[ab]", "^a"] {
            assert!(regex(pattern).is_none(), "{pattern}");
        }
        let text = Needs::of(&Query::new(Some("a b\na"), None).unwrap()).unwrap();
        assert_eq!(text.chars.iter().map(|n| n.char).collect::<String>(), "ab");
    }

    #[test]
    fn a_long_segment_is_searched_in_overlapping_pieces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let piece = PIECE as usize;
        let mut bytes = vec![b'a'; 2 * piece + 100];
        bytes[piece - 1..piece + 1].copy_from_slice(b"XY");
        bytes[2 * piece - 2..2 * piece + 1].copy_from_slice(b"UVW");
        *bytes.last_mut().unwrap() = b'Z';
        std::fs::write(&path, &bytes).unwrap();
        let log = File::open(&path).unwrap();
        let has = |from: u64, text: &str| {
            let finder = Finder::new(text.as_bytes()).into_owned();
            Bytes::read(&log, from, bytes.len() as u64).unwrap().contains(&[finder]).unwrap()
        };
        // Across the first piece's end, across a later piece's end, at the very end.
        for text in ["XY", "UVW", "aZ"] {
            assert!(has(0, text), "{text}");
        }
        assert!(!has(0, "Q") && !has(piece as u64, "XY"));
    }
}
