//! Streaming lossy UTF-8 decoding of PTY output.
//!
//! A PTY read can end in the middle of a multi-byte character. [`Utf8Stream`]
//! holds such an incomplete trailing sequence (at most 3 bytes) until the next
//! read completes it, so a character split across reads is decoded whole.
//! Invalid bytes become U+FFFD using the same policy as
//! [`String::from_utf8_lossy`] (one replacement per maximal invalid subpart,
//! as in the WHATWG Encoding Standard), so decoding a stream in pieces gives
//! exactly what decoding it in one go would.
//!
//! This module does no I/O: callers feed it the bytes they read.

/// The replacement for an invalid or truncated byte sequence.
const REPLACEMENT: char = char::REPLACEMENT_CHARACTER;

/// The longest UTF-8 encoding of one character.
const MAX_CHAR_LEN: usize = 4;

/// A lossy UTF-8 decoder that carries incomplete characters across calls.
#[derive(Debug, Default)]
pub struct Utf8Stream {
    /// Bytes of an incomplete character seen at the end of the last call.
    pending: [u8; MAX_CHAR_LEN],
    /// How many bytes of `pending` are in use (0 to 3).
    pending_len: usize,
}

impl Utf8Stream {
    /// Creates a decoder with nothing held back.
    pub fn new() -> Self {
        Self::default()
    }

    /// Decodes `bytes`, returning every character completed by them.
    ///
    /// An incomplete sequence at the end is held for the next call; invalid
    /// sequences become U+FFFD.
    pub fn decode(&mut self, bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len() + MAX_CHAR_LEN);
        let rest = self.complete_pending(bytes, &mut out);
        self.decode_into(rest, &mut out);
        out
    }

    /// Ends the stream: a held incomplete sequence becomes one U+FFFD.
    pub fn finish(&mut self) -> String {
        let mut out = String::new();
        if self.pending_len > 0 {
            out.push(REPLACEMENT);
            self.pending_len = 0;
        }
        out
    }

    /// Feeds bytes one at a time into the held sequence until it completes
    /// or turns out invalid; returns the bytes not consumed.
    fn complete_pending<'a>(&mut self, bytes: &'a [u8], out: &mut String) -> &'a [u8] {
        if self.pending_len == 0 {
            return bytes;
        }
        for (index, &byte) in bytes.iter().enumerate() {
            self.pending[self.pending_len] = byte;
            self.pending_len += 1;
            match std::str::from_utf8(&self.pending[..self.pending_len]) {
                Ok(text) => {
                    out.push_str(text);
                    self.pending_len = 0;
                    return &bytes[index + 1..];
                }
                Err(error) if error.error_len().is_none() => {}
                Err(_) => {
                    // The held bytes were a valid prefix, so `byte` broke the
                    // sequence: replace the prefix and decode `byte` afresh.
                    out.push(REPLACEMENT);
                    self.pending_len = 0;
                    return &bytes[index..];
                }
            }
        }
        &[]
    }

    /// Decodes `bytes` lossily into `out`, holding an incomplete tail.
    fn decode_into(&mut self, bytes: &[u8], out: &mut String) {
        // Fast path: `from_utf8` checks ASCII a word at a time, `utf8_chunks` a byte at a
        // time; only what follows the first invalid or incomplete byte goes the slow way.
        // A read often ends inside a character: that tail is left out of the fast check.
        let (head, tail) = bytes.split_at(incomplete_tail_start(bytes));
        let bytes = match std::str::from_utf8(head) {
            Ok(text) => {
                out.push_str(text);
                tail
            }
            Err(_) => bytes,
        };
        let mut chunks = bytes.utf8_chunks().peekable();
        while let Some(chunk) = chunks.next() {
            out.push_str(chunk.valid());
            let invalid = chunk.invalid();
            if invalid.is_empty() {
                continue;
            }
            if chunks.peek().is_none() && is_incomplete(invalid) {
                self.hold(invalid);
            } else {
                out.push(REPLACEMENT);
            }
        }
    }

    /// Stores an incomplete trailing sequence (at most 3 bytes).
    fn hold(&mut self, tail: &[u8]) {
        self.pending[..tail.len()].copy_from_slice(tail);
        self.pending_len = tail.len();
    }
}

/// Where a character that `bytes` ends before completing may begin: the index of the
/// last lead byte if the bytes after it are too few for its sequence, else the end.
fn incomplete_tail_start(bytes: &[u8]) -> usize {
    let len = bytes.len();
    for index in (len.saturating_sub(MAX_CHAR_LEN - 1)..len).rev() {
        let needed = match bytes[index] {
            0x80..=0xbf => continue,
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xff => MAX_CHAR_LEN,
            _ => return len,
        };
        return if len - index < needed { index } else { len };
    }
    len
}

/// Whether `bytes` is a truncated (not an invalid) UTF-8 sequence.
fn is_incomplete(bytes: &[u8]) -> bool {
    bytes.len() < MAX_CHAR_LEN
        && matches!(std::str::from_utf8(bytes), Err(error) if error.error_len().is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `chunks` in order, then finishes the stream.
    fn decode_all(chunks: &[&[u8]]) -> String {
        let mut stream = Utf8Stream::new();
        let mut out: String = chunks.iter().map(|chunk| stream.decode(chunk)).collect();
        out.push_str(&stream.finish());
        out
    }

    /// Byte strings mixing valid, invalid and truncated sequences.
    fn samples() -> Vec<Vec<u8>> {
        let mut samples: Vec<Vec<u8>> = [
            "plain ascii\r\n",
            "h\u{e9}llo \u{20ac} \u{1d11e} \u{4e16}\u{754c}",
            "\u{1b}[31m\u{2500}\u{2500}\u{1b}[0m",
        ]
        .iter()
        .map(|text| text.as_bytes().to_vec())
        .collect();
        samples.extend([
            vec![b'a', 0xff, b'b'],
            vec![0xe2, 0x82, b'A', 0xe2],
            vec![0xf0, 0x80, 0x80, b'x'],
            vec![0xed, 0xa0, 0x80, b'y'],
            vec![0xc0, 0xaf, 0xc3],
            vec![0xf0, 0x9f, 0x98, 0xc3, 0xa9, 0xf0, 0x9f],
            vec![0x80, 0x80, 0xe2, 0x82, 0xac, 0xf4, 0x90, 0x80, 0x80],
            vec![0xe2, 0x82],
        ]);
        samples
    }

    #[test]
    fn ascii_passes_through() {
        let mut stream = Utf8Stream::new();
        assert_eq!(stream.decode(b"hello\r\n"), "hello\r\n");
        assert_eq!(stream.finish(), "");
    }

    #[test]
    fn empty_input_produces_nothing() {
        let mut stream = Utf8Stream::new();
        assert_eq!(stream.decode(b""), "");
        assert_eq!(stream.decode(&[0xe2]), "");
        assert_eq!(stream.decode(b""), "");
        assert_eq!(stream.decode(&[0x82, 0xac]), "\u{20ac}");
    }

    #[test]
    fn multibyte_chars_split_at_every_boundary() {
        let text = "a\u{e9}\u{20ac}\u{1d11e}\u{4e16}z";
        let bytes = text.as_bytes();
        for split in 0..=bytes.len() {
            let (head, tail) = bytes.split_at(split);
            let mut stream = Utf8Stream::new();
            let first = stream.decode(head);
            let second = stream.decode(tail);
            assert_eq!(format!("{first}{second}"), text, "split at {split}");
            assert!(text.starts_with(&first), "split at {split}");
            assert_eq!(stream.finish(), "");
        }
    }

    #[test]
    fn four_byte_char_fed_one_byte_at_a_time() {
        let mut stream = Utf8Stream::new();
        let bytes = "\u{1f600}".as_bytes();
        assert_eq!(stream.decode(&bytes[..1]), "");
        assert_eq!(stream.decode(&bytes[1..2]), "");
        assert_eq!(stream.decode(&bytes[2..3]), "");
        assert_eq!(stream.decode(&bytes[3..]), "\u{1f600}");
    }

    #[test]
    fn invalid_bytes_become_replacement_characters() {
        let mut stream = Utf8Stream::new();
        assert_eq!(stream.decode(&[b'a', 0xff, b'b']), "a\u{fffd}b");
        assert_eq!(stream.decode(&[0xc0, 0xaf]), "\u{fffd}\u{fffd}");
        assert_eq!(stream.decode(&[0xe2, 0x82, b'A']), "\u{fffd}A");
    }

    #[test]
    fn held_prefix_broken_by_next_chunk() {
        let mut stream = Utf8Stream::new();
        assert_eq!(stream.decode(&[b'x', 0xe2, 0x82]), "x");
        assert_eq!(stream.decode(b"yz"), "\u{fffd}yz");
        assert_eq!(stream.decode(&[0xf0]), "");
        assert_eq!(stream.decode(&[0xf0, 0x9f, 0x98, 0x80]), "\u{fffd}\u{1f600}");
    }

    #[test]
    fn finish_replaces_a_dangling_tail() {
        let mut stream = Utf8Stream::new();
        assert_eq!(stream.decode(&[b'o', b'k', 0xf0, 0x9f, 0x98]), "ok");
        assert_eq!(stream.finish(), "\u{fffd}");
        assert_eq!(stream.finish(), "");
        assert_eq!(stream.decode(b"next"), "next");
    }

    #[test]
    fn matches_from_utf8_lossy_for_every_two_way_split() {
        for sample in samples() {
            let expected = String::from_utf8_lossy(&sample);
            for split in 0..=sample.len() {
                let (head, tail) = sample.split_at(split);
                assert_eq!(decode_all(&[head, tail]), expected, "{sample:x?} at {split}");
            }
        }
    }

    #[test]
    fn matches_from_utf8_lossy_for_every_three_way_split() {
        for sample in samples() {
            let expected = String::from_utf8_lossy(&sample);
            for first in 0..=sample.len() {
                for second in first..=sample.len() {
                    let chunks = [&sample[..first], &sample[first..second], &sample[second..]];
                    assert_eq!(decode_all(&chunks), expected, "{sample:x?}");
                }
            }
        }
    }

    #[test]
    fn matches_from_utf8_lossy_on_pseudo_random_input() {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::from(u16::try_from(state >> 48).unwrap()) % bound
        };
        for _ in 0..2000 {
            let len = next(24);
            let bytes: Vec<u8> = (0..len).map(|_| BIASED_BYTES[next(BIASED_BYTES.len())]).collect();
            let mut chunks = Vec::new();
            let mut start = 0;
            while start < bytes.len() {
                let end = (start + 1 + next(5)).min(bytes.len());
                chunks.push(&bytes[start..end]);
                start = end;
            }
            assert_eq!(decode_all(&chunks), String::from_utf8_lossy(&bytes), "{bytes:x?}");
        }
    }

    /// Mostly UTF-8 lead and continuation bytes, so that sequences form.
    const BIASED_BYTES: [u8; 12] = [b'a', 0x80, 0x9f, 0xbf, 0xc2, 0xc3, 0xe0, 0xe2, 0xed, 0xf0, 0xf4, 0xff];
}
