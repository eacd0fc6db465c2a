//! Byte-level encoding of a checkpoint's header: LEB128 integers, strings, colours (the
//! grids go through `binary.rs`). A [`Reader`] never panics on damaged input: every read
//! is bounds-checked and a failure is a [`Damaged`].

use alacritty_terminal::vte::ansi::Rgb;

/// The input ended early or held a value out of range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Damaged;

/// Appends to a byte buffer.
#[derive(Debug, Default)]
pub(super) struct Writer {
    pub(super) bytes: Vec<u8>,
}

impl Writer {
    pub(super) fn u8(&mut self, value: u8) {
        self.bytes.push(value);
    }

    pub(super) fn bool(&mut self, value: bool) {
        self.u8(u8::from(value));
    }

    pub(super) fn uint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.bytes.push((value as u8) | 0x80);
            value >>= 7;
        }
        self.bytes.push(value as u8);
    }

    pub(super) fn usize(&mut self, value: usize) {
        self.uint(value as u64);
    }

    pub(super) fn str(&mut self, value: &str) {
        self.usize(value.len());
        self.bytes.extend_from_slice(value.as_bytes());
    }

    pub(super) fn opt_str(&mut self, value: Option<&str>) {
        self.bool(value.is_some());
        if let Some(value) = value {
            self.str(value);
        }
    }

    pub(super) fn rgb(&mut self, rgb: Rgb) {
        self.bytes.extend_from_slice(&[rgb.r, rgb.g, rgb.b]);
    }
}

/// Reads what a [`Writer`] wrote.
#[derive(Debug)]
pub(super) struct Reader<'a> {
    pub(super) bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub(super) fn u8(&mut self) -> Result<u8, Damaged> {
        let (&first, rest) = self.bytes.split_first().ok_or(Damaged)?;
        self.bytes = rest;
        Ok(first)
    }

    pub(super) fn bool(&mut self) -> Result<bool, Damaged> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Damaged),
        }
    }

    pub(super) fn uint(&mut self) -> Result<u64, Damaged> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.u8()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Damaged)
    }

    pub(super) fn usize(&mut self) -> Result<usize, Damaged> {
        usize::try_from(self.uint()?).map_err(|_| Damaged)
    }

    /// A count or length that cannot exceed `max`.
    pub(super) fn bounded(&mut self, max: usize) -> Result<usize, Damaged> {
        let value = self.usize()?;
        if value > max { Err(Damaged) } else { Ok(value) }
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], Damaged> {
        if len > self.bytes.len() {
            return Err(Damaged);
        }
        let (head, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Ok(head)
    }

    pub(super) fn string(&mut self) -> Result<String, Damaged> {
        let len = self.usize()?;
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| Damaged)
    }

    pub(super) fn opt_string(&mut self) -> Result<Option<String>, Damaged> {
        if self.bool()? { self.string().map(Some) } else { Ok(None) }
    }

    pub(super) fn rgb(&mut self) -> Result<Rgb, Damaged> {
        let bytes = self.take(3)?;
        Ok(Rgb { r: bytes[0], g: bytes[1], b: bytes[2] })
    }
}
