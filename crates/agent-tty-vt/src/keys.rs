//! Key names → the exact bytes a terminal would send for them.
//!
//! The mapping is data: the const table `NAMED_KEYS` plus the rules for single printable
//! characters; everything is byte-for-byte xterm-compatible (normal cursor-key
//! mode, no keypad or kitty-keyboard extensions).
//!
//! Grammar: `keyname := ws? token ( ws? "+" ws? token )* ws?`. The name is
//! trimmed, split on `+`, and every piece is trimmed. All pieces but the last
//! are modifiers (`ctrl`, `alt`, `shift`; case-insensitive, each at most once);
//! the last piece is the base key. Named bases are case-insensitive; a single
//! printable ASCII character (0x20–0x7E) keeps its case. `+` itself can never
//! be sent as a key.
//!
//! Modified named keys use the xterm parameter `m = 1 + shift + 2·alt + 4·ctrl`.
//!
//! Errors (the [`KeyError`] message, exactly):
//! - `Unknown base key: <base>` — base not in the table (also for an empty or
//!   all-whitespace name, where `<base>` is empty);
//! - `Unknown modifier: <m>` — a non-last piece that is not a modifier (as given);
//! - `Duplicate modifier: <m>` — canonical lower-case modifier name;
//! - `Missing base key in <name>` — the last piece is a modifier or empty
//!   (`ctrl+shift`, `ctrl+`); `<name>` is the trimmed input as given;
//! - `Empty modifier in <name>` — a non-last piece is empty (`ctrl++a`, `+a`);
//! - `Unsupported modifier combination for <key>: <mods>` — `<key>` is the
//!   lower-cased name of a named key or the printable character itself, `<mods>`
//!   is ordered `ctrl+alt+shift`.
//!
//! The two "unknown" errors of a non-empty name carry a hint in parentheses after that
//! text (see `suggest`): the name that was probably meant (`Unknown base key: Esc (did
//! you mean Escape?)`, `Unknown base key: C-c (did you mean ctrl+c?)`), or what to do
//! instead (`Unknown base key: :wq (text is not a key name: send it with `type`)`).
//! The grammar itself accepts exactly what agent-tty 0.5.0 accepted.

use std::fmt;

const ESC: u8 = 0x1B;

/// Error returned when a key name cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    message: String,
}

impl KeyError {
    fn new(message: String) -> Self {
        Self { message }
    }

    /// The human-readable message (same text as `Display`).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for KeyError {}

/// How a named key is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Named {
    /// `\r`; `alt` alone → `ESC \r`.
    Enter,
    /// `\t`; `shift` alone → `ESC [ Z`; `alt` alone → `ESC \t`.
    Tab,
    /// `ESC`; `alt` alone → `ESC ESC`.
    Escape,
    /// `0x7F`; `alt` alone → `ESC 0x7F`.
    Backspace,
    /// Printable `' '`.
    Space,
    /// `ESC [ <final>`; modified `ESC [ 1 ; <m> <final>`.
    Csi(u8),
    /// `ESC O <final>`; modified `ESC [ 1 ; <m> <final>`.
    Ss3(u8),
    /// `ESC [ <code> ~`; modified `ESC [ <code> ; <m> ~`.
    Tilde(u8),
}

/// The named-key table: lower-case name → encoding.
const NAMED_KEYS: &[(&str, Named)] = &[
    ("enter", Named::Enter),
    ("tab", Named::Tab),
    ("escape", Named::Escape),
    ("backspace", Named::Backspace),
    ("space", Named::Space),
    ("up", Named::Csi(b'A')),
    ("down", Named::Csi(b'B')),
    ("right", Named::Csi(b'C')),
    ("left", Named::Csi(b'D')),
    ("home", Named::Csi(b'H')),
    ("end", Named::Csi(b'F')),
    ("f1", Named::Ss3(b'P')),
    ("f2", Named::Ss3(b'Q')),
    ("f3", Named::Ss3(b'R')),
    ("f4", Named::Ss3(b'S')),
    ("insert", Named::Tilde(2)),
    ("delete", Named::Tilde(3)),
    ("pageup", Named::Tilde(5)),
    ("pagedown", Named::Tilde(6)),
    ("f5", Named::Tilde(15)),
    ("f6", Named::Tilde(17)),
    ("f7", Named::Tilde(18)),
    ("f8", Named::Tilde(19)),
    ("f9", Named::Tilde(20)),
    ("f10", Named::Tilde(21)),
    ("f11", Named::Tilde(23)),
    ("f12", Named::Tilde(24)),
];

/// Control-character table for non-letters under `ctrl` (letters are computed).
const CTRL_PUNCT: &[(u8, u8)] = &[
    (b'@', 0x00),
    (b' ', 0x00),
    (b'[', 0x1B),
    (b'\\', 0x1C),
    (b']', 0x1D),
    (b'^', 0x1E),
    (b'_', 0x1F),
    (b'?', 0x7F),
];

/// The set of modifiers on a key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Mods {
    ctrl: bool,
    alt: bool,
    shift: bool,
}

impl Mods {
    fn is_empty(self) -> bool {
        !(self.ctrl || self.alt || self.shift)
    }

    /// The xterm modifier parameter.
    fn param(self) -> u8 {
        1 + u8::from(self.shift) + 2 * u8::from(self.alt) + 4 * u8::from(self.ctrl)
    }

    /// `ctrl+alt+shift`-ordered description.
    fn describe(self) -> String {
        let names = [(self.ctrl, "ctrl"), (self.alt, "alt"), (self.shift, "shift")];
        let on: Vec<&str> = names.iter().filter(|(set, _)| *set).map(|(_, n)| *n).collect();
        on.join("+")
    }

    /// Parse one modifier piece; `None` if it is not a modifier name.
    fn slot(&mut self, piece: &str) -> Option<(&'static str, &mut bool)> {
        if piece.eq_ignore_ascii_case("ctrl") {
            Some(("ctrl", &mut self.ctrl))
        } else if piece.eq_ignore_ascii_case("alt") {
            Some(("alt", &mut self.alt))
        } else if piece.eq_ignore_ascii_case("shift") {
            Some(("shift", &mut self.shift))
        } else {
            None
        }
    }
}

fn is_modifier(piece: &str) -> bool {
    Mods::default().slot(piece).is_some()
}

/// Encode one key name (e.g. `ctrl+c`, `shift+Up`, `F5`, `A`) into bytes.
pub fn encode_key(name: &str) -> Result<Vec<u8>, KeyError> {
    encode_strict(name).map_err(|error| {
        let unknown_modifier = error.message.starts_with(UNKNOWN_MODIFIER);
        if !(unknown_modifier || error.message.starts_with(UNKNOWN_BASE)) {
            return error;
        }
        match suggest::hint(name, unknown_modifier) {
            Some(hint) => KeyError::new(format!("{} ({hint})", error.message)),
            None => error,
        }
    })
}

const UNKNOWN_BASE: &str = "Unknown base key: ";
const UNKNOWN_MODIFIER: &str = "Unknown modifier: ";

/// [`encode_key`] without hints: the messages of agent-tty 0.5.0.
fn encode_strict(name: &str) -> Result<Vec<u8>, KeyError> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(KeyError::new("Unknown base key: ".to_owned()));
    }
    let pieces: Vec<&str> = trimmed.split('+').map(str::trim).collect();
    let (base, modifiers) = match pieces.split_last() {
        Some(split) => split,
        None => return Err(KeyError::new("Unknown base key: ".to_owned())),
    };

    let mut mods = Mods::default();
    for &piece in modifiers {
        if piece.is_empty() {
            return Err(KeyError::new(format!("Empty modifier in {trimmed}")));
        }
        match mods.slot(piece) {
            Some((canonical, flag)) => {
                if *flag {
                    return Err(KeyError::new(format!("Duplicate modifier: {canonical}")));
                }
                *flag = true;
            }
            None => return Err(KeyError::new(format!("{UNKNOWN_MODIFIER}{piece}"))),
        }
    }
    if base.is_empty() || is_modifier(base) {
        return Err(KeyError::new(format!("Missing base key in {trimmed}")));
    }

    if let Some(&(key_name, named)) = NAMED_KEYS.iter().find(|(n, _)| n.eq_ignore_ascii_case(base)) {
        return encode_named(key_name, named, mods);
    }
    let mut chars = base.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if (' '..='~').contains(&c) => {
            let display = c.to_string();
            encode_printable(&display, c as u8, mods)
        }
        _ => Err(KeyError::new(format!("{UNKNOWN_BASE}{base}"))),
    }
}

/// Encode a sequence of key names and concatenate their bytes.
///
/// The first name that fails to encode determines the error.
pub fn encode_keys<S: AsRef<str>>(names: &[S]) -> Result<Vec<u8>, KeyError> {
    let mut out = Vec::new();
    for name in names {
        out.extend(encode_key(name.as_ref())?);
    }
    Ok(out)
}

fn unsupported(key: &str, mods: Mods) -> KeyError {
    KeyError::new(format!("Unsupported modifier combination for {key}: {}", mods.describe()))
}

fn encode_named(key_name: &str, named: Named, mods: Mods) -> Result<Vec<u8>, KeyError> {
    let only_alt = Mods { alt: true, ..Mods::default() };
    let only_shift = Mods { shift: true, ..Mods::default() };
    let simple = |plain: u8| -> Result<Vec<u8>, KeyError> {
        if mods.is_empty() {
            Ok(vec![plain])
        } else if mods == only_alt {
            Ok(vec![ESC, plain])
        } else {
            Err(unsupported(key_name, mods))
        }
    };
    match named {
        Named::Enter => simple(b'\r'),
        Named::Escape => simple(ESC),
        Named::Backspace => simple(0x7F),
        Named::Tab if mods == only_shift => Ok(b"\x1b[Z".to_vec()),
        Named::Tab => simple(b'\t'),
        Named::Space => encode_printable(key_name, b' ', mods),
        Named::Csi(fin) | Named::Ss3(fin) if !mods.is_empty() => {
            Ok(format!("\x1b[1;{}{}", mods.param(), char::from(fin)).into_bytes())
        }
        Named::Csi(fin) => Ok(vec![ESC, b'[', fin]),
        Named::Ss3(fin) => Ok(vec![ESC, b'O', fin]),
        Named::Tilde(code) if mods.is_empty() => Ok(format!("\x1b[{code}~").into_bytes()),
        Named::Tilde(code) => Ok(format!("\x1b[{code};{}~", mods.param()).into_bytes()),
    }
}

/// The control character for `ctrl+<c>`, if there is one.
fn control_char(c: u8) -> Option<u8> {
    if c.is_ascii_alphabetic() {
        return Some(c.to_ascii_uppercase() - 0x40);
    }
    CTRL_PUNCT.iter().find(|(k, _)| *k == c).map(|(_, v)| *v)
}

/// Encode printable ASCII byte `c` (shown as `display` in errors) with `mods`.
fn encode_printable(display: &str, c: u8, mods: Mods) -> Result<Vec<u8>, KeyError> {
    let letter = c.is_ascii_alphabetic();
    if mods.shift && !letter {
        return Err(unsupported(display, mods));
    }
    let key = if mods.ctrl {
        control_char(c).ok_or_else(|| unsupported(display, mods))?
    } else if mods.shift {
        c.to_ascii_uppercase()
    } else {
        c
    };
    Ok(if mods.alt { vec![ESC, key] } else { vec![key] })
}

mod suggest;

#[cfg(test)]
mod tests;
