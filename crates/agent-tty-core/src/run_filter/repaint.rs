//! Line-editor repaint noise that may interleave with an echoed postamble,
//! and matching an echo while skipping that noise.
//!
//! A line editor (readline, zle) repaints the line it echoes: it may insert
//! CSI sequences (`ESC [ … final`), other two-character escapes, carriage
//! returns, and `" \r"` when it forces a wrap at the right margin. None of
//! these are text of the echo, so echo matching skips them. Everything here
//! works on bytes and looks ahead only; it keeps no state.

/// The escape byte.
pub(super) const ESC: u8 = 0x1b;

/// The longest CSI sequence skipped, in bytes, including `ESC [`.
const MAX_CSI_LEN: usize = 64;

/// How many bytes of skipped noise one echo match may cross before giving up,
/// which keeps scanning linear on pathological input.
const MAX_SKIPPED_NOISE: usize = 1024;

/// What sits at a position of the output, from the echo matcher's view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Noise {
    /// Repaint noise of this many bytes, to skip.
    Skip(usize),
    /// The buffer ends inside what may be noise; more input decides.
    Partial,
    /// Not noise: a character to compare with the echo.
    None,
}

/// Classifies the byte at `index`. `space_expected` says whether the echo
/// expects a space next, in which case a space is not taken for a wrap.
pub(super) fn noise_at(bytes: &[u8], index: usize, space_expected: bool) -> Noise {
    let rest = &bytes[index..];
    match rest.first() {
        Some(b'\r') => Noise::Skip(1),
        Some(&ESC) => escape_noise(rest),
        Some(b' ') => wrap_noise(rest, space_expected),
        _ => Noise::None,
    }
}

/// Classifies an escape: a CSI sequence or another two-character escape.
fn escape_noise(rest: &[u8]) -> Noise {
    match rest.get(1) {
        None => Noise::Partial,
        Some(b'[') => csi_noise(rest),
        Some(&next) => Noise::Skip(1 + utf8_len(next)),
    }
}

/// Classifies `ESC [ params final`, at most [`MAX_CSI_LEN`] bytes long.
fn csi_noise(rest: &[u8]) -> Noise {
    for (index, &byte) in rest.iter().enumerate().take(MAX_CSI_LEN).skip(2) {
        match byte {
            0x40..=0x7e => return Noise::Skip(index + 1),
            0x20..=0x3f => {}
            _ => return Noise::None,
        }
    }
    if rest.len() >= MAX_CSI_LEN { Noise::None } else { Noise::Partial }
}

/// Classifies a space: `" \r"` is a forced wrap unless the echo expects a
/// space there; then only `" \r "` is (its second space being the echo's).
fn wrap_noise(rest: &[u8], space_expected: bool) -> Noise {
    match (rest.get(1), rest.get(2)) {
        (Some(b'\r'), third) if !space_expected || third == Some(&b' ') => Noise::Skip(2),
        (None, _) | (Some(b'\r'), None) => Noise::Partial,
        _ => Noise::None,
    }
}

/// The length of the UTF-8 character whose first byte is `first`.
pub(super) fn utf8_len(first: u8) -> usize {
    match first {
        0xf0..=0xff => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    }
}

/// How far an echo matched at the start of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PrefixMatch {
    /// How many bytes of the echo matched.
    pub(super) matched: usize,
    /// How many bytes of the buffer the match covers, noise included.
    pub(super) consumed: usize,
    /// Whether the buffer ended before the match could be decided.
    pub(super) pending: bool,
}

impl PrefixMatch {
    /// Whether the whole echo matched.
    pub(super) fn is_complete(&self, echo: &[u8]) -> bool {
        self.matched == echo.len()
    }
}

/// Matches `echo` against the start of `bytes`, skipping repaint noise, up to
/// the first character that differs.
pub(super) fn match_prefix(bytes: &[u8], echo: &[u8]) -> PrefixMatch {
    let (mut consumed, mut matched, mut skipped) = (0, 0, 0);
    while consumed < bytes.len() && matched < echo.len() {
        match noise_at(bytes, consumed, echo[matched] == b' ') {
            Noise::Partial => {
                return PrefixMatch { matched, consumed, pending: true };
            }
            Noise::Skip(len) if skipped + len <= MAX_SKIPPED_NOISE => {
                consumed += len;
                skipped += len;
                continue;
            }
            Noise::Skip(_) => {
                return PrefixMatch { matched, consumed, pending: false };
            }
            Noise::None if bytes[consumed] != echo[matched] => {
                return PrefixMatch { matched, consumed, pending: false };
            }
            Noise::None => {}
        }
        consumed += 1;
        matched += 1;
    }
    let pending = consumed == bytes.len() && matched < echo.len();
    PrefixMatch { matched, consumed, pending }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(text: &str, space_expected: bool) -> Noise {
        noise_at(text.as_bytes(), 0, space_expected)
    }

    #[test]
    fn carriage_return_is_noise() {
        assert_eq!(noise("\rx", false), Noise::Skip(1));
        assert_eq!(noise("\r", true), Noise::Skip(1));
    }

    #[test]
    fn csi_sequences_are_noise() {
        assert_eq!(noise("\x1b[K", false), Noise::Skip(3));
        assert_eq!(noise("\x1b[12;40Hx", false), Noise::Skip(8));
        assert_eq!(noise("\x1b[?2004l", false), Noise::Skip(8));
        assert_eq!(noise("\x1b[ q", false), Noise::Skip(4));
    }

    #[test]
    fn truncated_csi_is_partial_until_too_long() {
        assert_eq!(noise("\x1b", false), Noise::Partial);
        assert_eq!(noise("\x1b[", false), Noise::Partial);
        assert_eq!(noise("\x1b[12;4", false), Noise::Partial);
        let long = format!("\x1b[{}", "1".repeat(MAX_CSI_LEN - 2));
        assert_eq!(noise(&long, false), Noise::None);
        let longest = format!("\x1b[{}K", "1".repeat(MAX_CSI_LEN - 3));
        assert_eq!(noise(&longest, false), Noise::Skip(MAX_CSI_LEN));
    }

    #[test]
    fn malformed_csi_is_not_noise() {
        assert_eq!(noise("\x1b[1\nK", false), Noise::None);
        assert_eq!(noise("\x1b[1\u{e9}K", false), Noise::None);
    }

    #[test]
    fn other_escapes_are_two_characters() {
        assert_eq!(noise("\x1b7", false), Noise::Skip(2));
        assert_eq!(noise("\x1b]0;t", false), Noise::Skip(2));
        assert_eq!(noise("\x1b\u{e9}", false), Noise::Skip(3));
    }

    #[test]
    fn space_carriage_return_is_a_forced_wrap() {
        assert_eq!(noise(" \rx", false), Noise::Skip(2));
        assert_eq!(noise(" x", false), Noise::None);
        assert_eq!(noise(" ", false), Noise::Partial);
        assert_eq!(noise(" \r'", true), Noise::None);
        assert_eq!(noise(" \r ", true), Noise::Skip(2));
        assert_eq!(noise(" \r", true), Noise::Partial);
        assert_eq!(noise(" ", true), Noise::Partial);
    }

    #[test]
    fn plain_characters_are_not_noise() {
        for text in ["a", "\n", "\u{7}", "\u{e9}", "'"] {
            assert_eq!(noise(text, false), Noise::None, "{text:?}");
        }
    }

    #[test]
    fn utf8_len_follows_the_lead_byte() {
        for text in ["a", "\u{e9}", "\u{20ac}", "\u{1f600}"] {
            assert_eq!(utf8_len(text.as_bytes()[0]), text.len());
        }
    }

    #[test]
    fn match_prefix_skips_noise() {
        let echo = b"printf 'x'\n";
        let exact = match_prefix(b"printf 'x'\r\nrest", echo);
        assert_eq!(exact, PrefixMatch { matched: 11, consumed: 12, pending: false });
        assert!(exact.is_complete(echo));
        let noisy = match_prefix(b"pr\x1b[Kin\rtf \r'x\x1b[C'\r\n", echo);
        assert_eq!(noisy, PrefixMatch { matched: 11, consumed: 20, pending: false });
    }

    #[test]
    fn match_prefix_stops_at_the_first_difference() {
        let echo = b"printf 'x'\n";
        let found = match_prefix(b"printf 'y'\n", echo);
        assert_eq!(found, PrefixMatch { matched: 8, consumed: 8, pending: false });
        assert!(!found.is_complete(echo));
    }

    #[test]
    fn match_prefix_reports_a_truncated_buffer() {
        let echo = b"printf 'x'\n";
        assert_eq!(match_prefix(b"printf", echo), PrefixMatch { matched: 6, consumed: 6, pending: true });
        assert_eq!(match_prefix(b"pri\x1b[", echo), PrefixMatch { matched: 3, consumed: 3, pending: true });
    }

    #[test]
    fn match_prefix_gives_up_after_too_much_noise() {
        let mut bytes = b"pr".to_vec();
        bytes.extend(std::iter::repeat_n(b'\r', MAX_SKIPPED_NOISE + 1));
        bytes.extend(b"intf");
        let found = match_prefix(&bytes, b"printf\n");
        assert_eq!(found.matched, 2);
        assert!(!found.pending);
    }
}
