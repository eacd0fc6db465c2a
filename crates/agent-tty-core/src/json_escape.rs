//! JSON string escaping and unescaping for the Event Log's hot lines (`output` events).
//!
//! Why not serde_json here: the output is byte-identical to `serde_json::to_writer` (the
//! tests compare every byte value and random strings), but serde_json writes through
//! `io::Write`, one call (and capacity check) per run of plain bytes and another per
//! escape, and coloured output has an ESC every few bytes: most of its cost in a flood
//! was those calls, not the scan. Here plain runs are found 8 bytes at a time and copied
//! with one `extend_from_slice`, and an escape is one copy of a precomputed sequence.
//! Reading the other way, the fast path unescapes only what it fully understands and
//! answers `None` for anything else (raw control characters, lone surrogates, invalid
//! UTF-8), so the caller falls back to serde_json and every reader accepts and rejects
//! the same lines.

/// What a byte becomes inside a JSON string: `0` for itself, otherwise the length of
/// its escape in [`ESCAPES`] (exactly the bytes [`plain_run`] stops at).
const ESCAPE_LEN: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = match byte {
            0x08 | 0x09 | 0x0a | 0x0c | 0x0d => 2,
            _ => 6,
        };
        byte += 1;
    }
    table[b'"' as usize] = 2;
    table[b'\\' as usize] = 2;
    table
};

/// The escape of each byte that has one, as serde_json writes it (`\n`, `\u001b`, …).
const ESCAPES: [[u8; 6]; 256] = {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut table = [[0u8; 6]; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = match byte as u8 {
            0x08 => *b"\\b____",
            0x09 => *b"\\t____",
            0x0a => *b"\\n____",
            0x0c => *b"\\f____",
            0x0d => *b"\\r____",
            b'"' => *b"\\\"____",
            b'\\' => *b"\\\\____",
            b if b < 0x20 => [b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 0xf) as usize]],
            _ => [0; 6],
        };
        byte += 1;
    }
    table
};

/// Appends `text` as a JSON string (quotes included), exactly as serde_json would.
pub fn push_json_string(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + bytes.len() / 4 + 2);
    out.push(b'"');
    let mut index = 0;
    loop {
        let plain = plain_run(&bytes[index..]);
        out.extend_from_slice(&bytes[index..index + plain]);
        index += plain;
        let Some(&byte) = bytes.get(index) else { break };
        let len = ESCAPE_LEN[usize::from(byte)];
        out.extend_from_slice(&ESCAPES[usize::from(byte)][..usize::from(len)]);
        index += 1;
    }
    out.push(b'"');
}

/// Decodes the JSON string whose body starts at `bytes[0]` (just after its opening
/// quote); returns it and how many bytes it took, closing quote included. `None` when
/// the string is not one this fast path handles: unterminated, a raw control character,
/// an unknown escape, a lone surrogate, or not UTF-8; the caller then asks serde_json,
/// which decides.
pub fn unescape_json_string(bytes: &[u8]) -> Option<(String, usize)> {
    let mut out = Vec::with_capacity(bytes.len());
    let taken = unescape_into(bytes, &mut out)?;
    Some((String::from_utf8(out).ok()?, taken))
}

fn unescape_into(bytes: &[u8], out: &mut Vec<u8>) -> Option<usize> {
    let mut start = 0;
    let mut index = 0;
    loop {
        index += plain_run(&bytes[index..]);
        match *bytes.get(index)? {
            b'"' => {
                out.extend_from_slice(&bytes[start..index]);
                return Some(index + 1);
            }
            b'\\' => {
                out.extend_from_slice(&bytes[start..index]);
                // ESC, the escape coloured output is made of, without the general decoding.
                if bytes.get(index + 1..index + 6) == Some(b"u001b") {
                    out.push(0x1b);
                    index += 6;
                } else {
                    index += 1 + unescape_one(&bytes[index + 1..], out)?;
                }
                start = index;
            }
            _ => return None, // a raw control character
        }
    }
}

/// The length of the leading run of bytes that stand for themselves in a JSON string
/// (all but `"`, `\` and control characters), 8 bytes per step while none is special
/// (the "has a zero byte / a byte below n" word tricks).
fn plain_run(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGHS;
    let mut index = 0;
    while let Some(Ok(chunk)) = bytes.get(index..index + 8).map(<[u8; 8]>::try_from) {
        let word = u64::from_le_bytes(chunk);
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        if below(quote, 1) | below(backslash, 1) | below(word, 0x20) != 0 {
            break;
        }
        index += 8;
    }
    while let Some(&byte) = bytes.get(index) {
        if byte == b'"' || byte == b'\\' || byte < 0x20 {
            break;
        }
        index += 1;
    }
    index
}

/// Decodes one escape (after its backslash); returns the bytes it took.
fn unescape_one(bytes: &[u8], out: &mut Vec<u8>) -> Option<usize> {
    let simple = match *bytes.first()? {
        b'"' => b'"',
        b'\\' => b'\\',
        b'/' => b'/',
        b'b' => 0x08,
        b'f' => 0x0c,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        // The common case in terminal output: an ASCII control character (ESC, BEL, …).
        b'u' if bytes.get(1..3) == Some(b"00") && bytes.get(3).is_some_and(|&d| d <= b'7') => {
            out.push(u8::try_from(hex4(bytes.get(1..5)?)?).ok()?);
            return Some(5);
        }
        b'u' => {
            let unit = hex4(bytes.get(1..5)?)?;
            let (code, taken) = match unit {
                0xd800..0xdc00 => {
                    // A leading surrogate must be followed by `\u` and a trailing one.
                    if bytes.get(5..7)? != b"\\u" {
                        return None;
                    }
                    let low = hex4(bytes.get(7..11)?)?;
                    if !(0xdc00..0xe000).contains(&low) {
                        return None;
                    }
                    (0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00), 11)
                }
                0xdc00..0xe000 => return None,
                _ => (unit, 5),
            };
            let mut utf8 = [0u8; 4];
            out.extend_from_slice(char::from_u32(code)?.encode_utf8(&mut utf8).as_bytes());
            return Some(taken);
        }
        _ => return None,
    };
    out.push(simple);
    Some(1)
}

fn hex4(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |value, &digit| {
        let nibble = match digit {
            b'0'..=b'9' => digit - b'0',
            b'a'..=b'f' => digit - b'a' + 10,
            b'A'..=b'F' => digit - b'A' + 10,
            _ => return None,
        };
        Some(value << 4 | u32::from(nibble))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn escaped(text: &str) -> String {
        let mut out = Vec::new();
        push_json_string(&mut out, text);
        String::from_utf8(out).unwrap()
    }

    fn unescaped(json: &str) -> Option<String> {
        let (text, taken) = unescape_json_string(json.strip_prefix('"').unwrap().as_bytes())?;
        assert_eq!(taken, json.len() - 1);
        Some(text)
    }

    #[test]
    fn every_char_below_256_escapes_like_serde_json() {
        for code in 0..256u32 {
            let text = format!("a{}b", char::from_u32(code).unwrap());
            assert_eq!(escaped(&text), serde_json::to_string(&text).unwrap(), "U+{code:04X}");
            assert_eq!(unescaped(&escaped(&text)).as_deref(), Some(text.as_str()));
        }
    }

    #[test]
    fn unescapes_what_serde_json_reads() {
        for json in [r#""""#, r#""\/\b\f\u00e9\u20AC\ud83d\ude00 x""#, "\"é€\u{1f600}\""] {
            assert_eq!(unescaped(json), serde_json::from_str::<String>(json).ok(), "{json}");
        }
    }

    #[test]
    fn leaves_what_it_does_not_handle_to_serde_json() {
        for json in ["\"a", "\"a\u{1}\"", r#""\x""#, r#""\ud83d""#, r#""\ude00x""#, r#""\u12""#, r#""\"#] {
            assert_eq!(unescape_json_string(&json.as_bytes()[1..]), None, "{json}");
        }
        assert_eq!(unescape_json_string(b"\xff\""), None);
        assert_eq!(unescape_json_string(b"\\u00e9\xa9\""), None);
    }

    proptest! {
        #[test]
        fn random_strings_round_trip_like_serde_json(text in "(\\PC|[\\x00-\\x1f\"\\\\\\x7f])*") {
            let json = escaped(&text);
            prop_assert_eq!(&json, &serde_json::to_string(&text).unwrap());
            prop_assert_eq!(unescaped(&json), Some(text));
        }
    }
}
