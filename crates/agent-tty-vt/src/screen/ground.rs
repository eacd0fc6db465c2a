//! Whether the bytes fed so far end in the parser's ground state: outside any escape
//! sequence, control string and UTF-8 sequence, so a checkpoint need not save the parser.
//!
//! Conservative: it may answer "not ground" where the parser is (a CSI interrupted by a
//! C0 control, an ESC sequence split across feeds, a C1 control as UTF-8, a control string
//! other than an OSC ended by BEL), never the reverse. The parser's state after an ESC
//! depends only on the bytes from that ESC on (ESC interrupts every sequence and string),
//! so only the bytes after the last ESC are examined, once per feed.

/// `ESC`.
const ESC: u8 = 0x1b;
/// `BEL`, which ends an OSC.
const BEL: u8 = 0x07;

/// Whether the parser is in its ground state after `bytes`, given whether it was before.
pub(super) fn ends_in_ground(was_ground: bool, bytes: &[u8]) -> bool {
    let tail_ok = match memchr::memrchr(ESC, bytes) {
        None => was_ground && plain(bytes),
        Some(at) => after_escape(&bytes[at + 1..]),
    };
    tail_ok && utf8_complete(bytes)
}

/// Whether `rest`, the bytes after an ESC, complete one sequence and then hold only text.
fn after_escape(rest: &[u8]) -> bool {
    let Some((&first, after)) = rest.split_first() else { return false };
    match first {
        b'[' => {
            let params = after.iter().take_while(|b| (0x30..=0x3f).contains(*b)).count();
            let after = &after[params..];
            let intermediates = after.iter().take_while(|b| (0x20..=0x2f).contains(*b)).count();
            match after.get(intermediates) {
                Some(final_byte) if (0x40..=0x7e).contains(final_byte) => plain(&after[intermediates + 1..]),
                _ => false,
            }
        }
        b']' => match memchr::memchr(BEL, after) {
            Some(end) => plain(&after[end + 1..]),
            None => false,
        },
        b'P' | b'X' | b'^' | b'_' => false,
        b'\\' => plain(after),
        _ => {
            let intermediates = rest.iter().take_while(|b| (0x20..=0x2f).contains(*b)).count();
            match rest.get(intermediates) {
                Some(final_byte) if (0x30..=0x7e).contains(final_byte) => plain(&rest[intermediates + 1..]),
                _ => false,
            }
        }
    }
}

/// Text that cannot start a sequence: no C1 control (U+0080..U+009F, `C2 80`..`C2 9F`).
fn plain(bytes: &[u8]) -> bool {
    memchr::memchr_iter(0xc2, bytes).all(|at| !bytes.get(at + 1).is_some_and(|b| (0x80..=0x9f).contains(b)))
}

/// Whether `bytes` do not end inside a UTF-8 sequence.
fn utf8_complete(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(4)..];
    let Some(lead_at) = tail.iter().rposition(|b| b & 0xc0 != 0x80) else { return tail.is_empty() };
    let lead = tail[lead_at];
    let needed = match lead {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => return false,
    };
    tail.len() - lead_at >= needed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_complete_sequences_end_in_ground() {
        for bytes in [
            &b"hello"[..],
            b"\x1b[1;31mred",
            b"\x1b]0;title\x07x",
            b"\x1b]0;t\x1b\\",
            b"\x1b(0q",
            b"\x1b7",
            "é─".as_bytes(),
        ] {
            assert!(ends_in_ground(true, bytes), "{bytes:?}");
        }
    }

    #[test]
    fn open_sequences_do_not() {
        for bytes in [
            &b"a\x1b"[..],
            b"\x1b[1;3",
            b"\x1b]0;title",
            b"\x1bP1$r",
            b"\x1b(",
            &"é".as_bytes()[..1],
            "\u{9b}1m".as_bytes(),
        ] {
            assert!(!ends_in_ground(true, bytes), "{bytes:?}");
        }
        assert!(!ends_in_ground(false, b"plain text"), "an open sequence may end in a later feed");
        assert!(ends_in_ground(false, b"31m\x1b[0m"), "a later complete sequence resets the state");
    }
}
