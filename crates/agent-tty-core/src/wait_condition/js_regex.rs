//! JavaScript `RegExp` patterns (no flags, Annex B syntax) on top of `fancy-regex`.
//!
//! [`translate`] parses a pattern with the grammar V8 uses for a `RegExp` without the `u`
//! flag and writes an equivalent `fancy-regex` pattern in which every JavaScript construct
//! is spelled out explicitly (`\d` → `[0-9]`, `.` → "not a line terminator", literals as
//! `\x{..}` escapes, …), so the Rust engine's own syntax and Unicode defaults never leak
//! through. Patterns JavaScript rejects are rejected with V8's message. [`JsRegex`] compiles
//! the translation and runs it the way `RegExp.prototype.exec` does for a wait: once, from
//! the start, over a prefix of at most [`SEARCH_LIMIT_UTF16`] UTF-16 code units.
//!
//! See the parent module's documentation for the engine decision and the known
//! divergences.

/// How much of the canonical text a regex wait searches, in UTF-16 code units.
pub(crate) const SEARCH_LIMIT_UTF16: usize = 50_000;

/// The backtracking budget of `fancy-regex`'s VM (its default); exceeding it fails the
/// search, which a wait reports as "no match" for that poll.
const BACKTRACK_LIMIT: usize = 1_000_000;

/// Counted repetitions above this are unbounded: one iteration consumes at least one code
/// unit, or else the loop stops, so no more than this many can ever run on the prefix.
const MAX_USEFUL_REPEAT: u64 = SEARCH_LIMIT_UTF16 as u64;

/// The largest pattern, counting each repetition's copies (`\w{1000}` is 1000): the
/// linear-time engine's cost grows with it (≈15 ms for 1000 on a 50 000-unit text, 13 s
/// for 50 000), so V8-valid patterns above it are refused rather than stalling the host.
const MAX_EXPANDED_SIZE: u64 = 1000;

/// JavaScript's `\w` (ASCII only, without the `u` and `i` flags).
const WORD: &str = "[0-9A-Z_a-z]";
const NOT_WORD: &str = "[^0-9A-Z_a-z]";
const DIGIT: &str = "[0-9]";
const NOT_DIGIT: &str = "[^0-9]";
/// JavaScript's `\s`: WhiteSpace and LineTerminator code points.
const SPACE: &str =
    r"[\x{09}-\x{0D}\x{20}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}]";
const NOT_SPACE: &str =
    r"[^\x{09}-\x{0D}\x{20}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}]";
/// JavaScript's `.` without the `s` flag: anything but a line terminator.
const DOT: &str = r"[^\x{0A}\x{0D}\x{2028}\x{2029}]";
/// JavaScript's ASCII `\b` / `\B`, spelled with look-arounds (the engine's `\b` is Unicode).
const WORD_BOUNDARY: &str = "(?:(?<=[0-9A-Z_a-z])(?![0-9A-Z_a-z])|(?<![0-9A-Z_a-z])(?=[0-9A-Z_a-z]))";
const NOT_WORD_BOUNDARY: &str = "(?:(?<=[0-9A-Z_a-z])(?=[0-9A-Z_a-z])|(?<![0-9A-Z_a-z])(?![0-9A-Z_a-z]))";
/// A class that matches nothing (JavaScript's `[]`, lone surrogates).
const NEVER: &str = r"[^\x{00}-\x{10FFFF}]";
/// A class that matches any character (JavaScript's `[^]`).
const ANY: &str = r"[\x{00}-\x{10FFFF}]";

/// A compiled JavaScript pattern.
#[derive(Clone)]
pub(crate) struct JsRegex {
    source: String,
    regex: fancy_regex::Regex,
    /// See [`JsRegex::backtracks`].
    backtracks: bool,
}

impl std::fmt::Debug for JsRegex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsRegex").field("source", &self.source).finish_non_exhaustive()
    }
}

impl JsRegex {
    /// Translates and compiles `source`; the error is the reason, in V8's words where V8
    /// would reject the pattern too.
    pub(crate) fn new(source: &str) -> Result<JsRegex, String> {
        let translated = translate(source)?;
        let regex = fancy_regex::RegexBuilder::new(&translated)
            .backtrack_limit(BACKTRACK_LIMIT)
            .build()
            .map_err(|err| format!("Invalid regular expression: /{source}/: {err}"))?;
        let backtracks = [
            "(?=", "(?!", "(?<=", "(?<!", "\\1", "\\2", "\\3", "\\4", "\\5", "\\6", "\\7", "\\8", "\\9",
            "\\k", "(?P=",
        ]
        .iter()
        .any(|construct| translated.contains(construct));
        Ok(JsRegex { source: source.to_string(), regex, backtracks })
    }

    /// Whether the pattern runs (in part) on the backtracking VM — look-around (word
    /// boundaries included) or backreferences — and can therefore be slow (see the
    /// module docs). A pattern without them runs on the linear-time engine.
    pub(crate) fn backtracks(&self) -> bool {
        self.backtracks
    }

    /// The pattern as given.
    pub(crate) fn source(&self) -> &str {
        &self.source
    }

    /// `RegExp.prototype.exec` once over the first [`SEARCH_LIMIT_UTF16`] code units of
    /// `text`: the whole match, or `None` (also when the backtracking budget runs out).
    pub(crate) fn find<'t>(&self, text: &'t str) -> Option<&'t str> {
        let haystack = utf16_prefix(text, SEARCH_LIMIT_UTF16);
        self.regex.find(haystack).ok().flatten().map(|m| m.as_str())
    }

    /// Every match over the same prefix as [`JsRegex::find`], left to right and not
    /// overlapping, as byte ranges (`String.prototype.matchAll` with the `g` flag: after
    /// an empty match the search moves on one character). Stops at the first search
    /// that runs out of backtracking budget.
    pub(crate) fn find_all(&self, text: &str) -> Vec<std::ops::Range<usize>> {
        let haystack = utf16_prefix(text, SEARCH_LIMIT_UTF16);
        let mut found = Vec::new();
        let mut at = 0;
        while at <= haystack.len() {
            let Ok(Some(m)) = self.regex.find_from_pos(haystack, at) else { break };
            found.push(m.range());
            at = if m.end() > m.start() {
                m.end()
            } else {
                m.end() + haystack[m.end()..].chars().next().map_or(1, char::len_utf8)
            };
        }
        found
    }
}

/// The longest prefix of `text` that is at most `max_units` UTF-16 code units long. A
/// character whose surrogate pair would straddle the limit is left out whole.
pub(crate) fn utf16_prefix(text: &str, max_units: usize) -> &str {
    // Every character takes at least as many UTF-8 bytes as UTF-16 units.
    if text.len() <= max_units {
        return text;
    }
    let mut units = 0;
    for (index, ch) in text.char_indices() {
        units += ch.len_utf16();
        if units > max_units {
            return &text[..index];
        }
    }
    text
}

/// The longest suffix of `text` that is at most `max_units` UTF-16 code units long (a
/// straddling surrogate pair is left out whole).
pub(crate) fn utf16_suffix(text: &str, max_units: usize) -> &str {
    if text.len() <= max_units {
        return text;
    }
    let mut units = 0;
    for (index, ch) in text.char_indices().rev() {
        units += ch.len_utf16();
        if units > max_units {
            return &text[index + ch.len_utf8()..];
        }
    }
    text
}

/// The number of UTF-16 code units of `text` (JavaScript's `length`).
pub(crate) fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// Translates a JavaScript pattern (no flags) into an equivalent `fancy-regex` pattern.
pub(crate) fn translate(pattern: &str) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let scan = scan_groups(&chars);
    let mut parser = Parser { chars: &chars, pos: 0, scan, names_seen: Vec::new() };
    let result = parser.parse_disjunction().and_then(|(out, size)| match parser.peek() {
        Some(_) => Err(Reason::UnmatchedParen),
        None if size > MAX_EXPANDED_SIZE => Err(Reason::TooLarge),
        None => Ok(out),
    });
    result.map_err(|reason| format!("Invalid regular expression: /{pattern}/: {}", reason.message()))
}

/// V8's syntax errors (the text after `/pattern/: `).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    UnterminatedGroup,
    UnmatchedParen,
    UnterminatedClass,
    EndBackslash,
    NothingToRepeat,
    InvalidQuantifier,
    OutOfOrderQuantifier,
    RangeOutOfOrder,
    InvalidGroup,
    InvalidGroupName,
    DuplicateGroupName,
    InvalidNamedReference,
    InvalidNamedCaptureReferenced,
    InvalidEscape,
    TooLarge,
}

impl Reason {
    fn message(self) -> &'static str {
        match self {
            Reason::UnterminatedGroup => "Unterminated group",
            Reason::UnmatchedParen => "Unmatched ')'",
            Reason::UnterminatedClass => "Unterminated character class",
            Reason::EndBackslash => "\\ at end of pattern",
            Reason::NothingToRepeat => "Nothing to repeat",
            Reason::InvalidQuantifier => "Invalid quantifier",
            Reason::OutOfOrderQuantifier => "numbers out of order in {} quantifier",
            Reason::RangeOutOfOrder => "Range out of order in character class",
            Reason::InvalidGroup => "Invalid group",
            Reason::InvalidGroupName => "Invalid capture group name",
            Reason::DuplicateGroupName => "Duplicate capture group name",
            Reason::InvalidNamedReference => "Invalid named reference",
            Reason::InvalidNamedCaptureReferenced => "Invalid named capture referenced",
            Reason::InvalidEscape => "Invalid escape",
            Reason::TooLarge => {
                "Regular expression too large (counted repetitions expand to more than 1000 elements)"
            }
        }
    }
}

/// What V8 learns before parsing (its `ScanForCaptures`): how many capture groups the
/// pattern has (a decimal escape is a backreference only up to that number) and whether
/// any is named (only then is `\k` special). Names are mapped to group numbers here so
/// that forward references resolve.
struct GroupScan {
    count: u32,
    has_named: bool,
    names: Vec<(String, u32)>,
}

fn scan_groups(chars: &[char]) -> GroupScan {
    let mut scan = GroupScan { count: 0, has_named: false, names: Vec::new() };
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '[' => in_class = true,
            ']' => in_class = false,
            '(' if !in_class => {
                if chars.get(i + 1) == Some(&'?') {
                    if chars.get(i + 2) != Some(&'<') || matches!(chars.get(i + 3), Some('=' | '!')) {
                        i += 1;
                        continue;
                    }
                    scan.has_named = true;
                    scan.count += 1;
                    if let Some((name, _)) = group_name(chars, i + 3) {
                        scan.names.push((name, scan.count));
                    }
                } else {
                    scan.count += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    scan
}

/// A group name starting at `start` and closed by `>`: the name and the index after `>`.
fn group_name(chars: &[char], start: usize) -> Option<(String, usize)> {
    let mut name = String::new();
    let mut i = start;
    loop {
        let ch = *chars.get(i)?;
        if ch == '>' {
            break;
        }
        let ok = if name.is_empty() {
            ch == '$' || ch == '_' || ch.is_alphabetic()
        } else {
            ch == '$' || ch == '_' || ch == '\u{200C}' || ch == '\u{200D}' || ch.is_alphanumeric()
        };
        if !ok {
            return None;
        }
        name.push(ch);
        i += 1;
    }
    if name.is_empty() { None } else { Some((name, i + 1)) }
}

/// How a term may be quantified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An ordinary atom.
    Atom,
    /// `^`, `$`, `\b`, `\B`: a quantifier is "Nothing to repeat".
    Assertion,
    /// `(?=…)`, `(?!…)`: quantifiable in Annex B.
    Lookahead,
    /// `(?<=…)`, `(?<!…)`: a quantifier is "Invalid quantifier".
    Lookbehind,
}

/// One class member.
enum ClassAtom {
    /// A code point, or a UTF-16 unit from a `\u` escape (possibly a lone surrogate).
    Char(u32),
    /// A class escape (`\d`, `\S`, …) as a nested class.
    Set(&'static str),
}

struct Parser<'a> {
    chars: &'a [char],
    pos: usize,
    scan: GroupScan,
    names_seen: Vec<String>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn eat(&mut self, ch: char) -> bool {
        if self.peek() == Some(ch) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_str(&mut self, s: &str) -> bool {
        let n = s.chars().count();
        if self.chars.len() >= self.pos + n && s.chars().zip(&self.chars[self.pos..]).all(|(a, &b)| a == b) {
            self.pos += n;
            true
        } else {
            false
        }
    }

    /// A disjunction, up to the end or an unconsumed `)`: the translation and its expanded
    /// size (atoms, with each repetition's copies counted).
    fn parse_disjunction(&mut self) -> Result<(String, u64), Reason> {
        let (mut out, mut size) = self.parse_alternative()?;
        while self.eat('|') {
            let (alternative, alternative_size) = self.parse_alternative()?;
            out.push('|');
            out.push_str(&alternative);
            size = size.saturating_add(alternative_size);
        }
        Ok((out, size))
    }

    fn parse_alternative(&mut self) -> Result<(String, u64), Reason> {
        let (mut out, mut size) = (String::new(), 0u64);
        while let Some(ch) = self.peek() {
            if ch == '|' || ch == ')' {
                break;
            }
            let (term, term_size) = self.parse_term()?;
            out.push_str(&term);
            size = size.saturating_add(term_size);
        }
        Ok((out, size))
    }

    fn parse_term(&mut self) -> Result<(String, u64), Reason> {
        let (text, kind, size) = self.parse_atom()?;
        let Some((min, max, lazy)) = self.parse_quantifier()? else {
            return Ok((text, size));
        };
        let max = max.filter(|&m| m <= MAX_USEFUL_REPEAT);
        let size = size.saturating_mul(max.unwrap_or(min).max(1));
        let text = match kind {
            Kind::Assertion => return Err(Reason::NothingToRepeat),
            Kind::Lookbehind => return Err(Reason::InvalidQuantifier),
            // An iteration of a look-ahead consumes nothing, so past the minimum the empty
            // check stops the loop: `(?=x)*` is empty, `(?=x){n}` with n ≥ 1 is `(?=x)`. The
            // alternation keeps the group numbering and cannot fail.
            Kind::Lookahead if min == 0 => format!("(?:{text}|)"),
            Kind::Lookahead => text,
            Kind::Atom => {
                let mut out = String::with_capacity(text.len() + 32);
                out.push_str("(?:");
                out.push_str(&text);
                // `fancy-regex` unwraps `(?:…)` and refuses to repeat an empty or
                // look-around-only group; a never-matching branch keeps it a real target.
                if text.starts_with("(?:") {
                    out.push('|');
                    out.push_str(NEVER);
                }
                out.push(')');
                match (min, max) {
                    (0, None) => out.push('*'),
                    (1, None) => out.push('+'),
                    (0, Some(1)) => out.push('?'),
                    (min, None) => out.push_str(&format!("{{{min},}}")),
                    (min, Some(max)) if min == max => out.push_str(&format!("{{{min}}}")),
                    (min, Some(max)) => out.push_str(&format!("{{{min},{max}}}")),
                }
                if lazy {
                    out.push('?');
                }
                out
            }
        };
        Ok((text, size))
    }

    /// A quantifier at the cursor: `(min, max, lazy)`; `max == None` is unbounded.
    fn parse_quantifier(&mut self) -> Result<Option<(u64, Option<u64>, bool)>, Reason> {
        let (min, max) = match self.peek() {
            Some('*') => {
                self.pos += 1;
                (0, None)
            }
            Some('+') => {
                self.pos += 1;
                (1, None)
            }
            Some('?') => {
                self.pos += 1;
                (0, Some(1))
            }
            Some('{') => match braced_quantifier(self.chars, self.pos) {
                Some((min, max, next)) => {
                    self.pos = next;
                    (min, max)
                }
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
        if let Some(max) = max
            && max < min
        {
            return Err(Reason::OutOfOrderQuantifier);
        }
        let lazy = self.eat('?');
        Ok(Some((min, max, lazy)))
    }

    /// An atom: its translation, kind and expanded size.
    fn parse_atom(&mut self) -> Result<(String, Kind, u64), Reason> {
        let ch = self.peek().expect("parse_atom at the end");
        self.pos += 1;
        let (text, kind) = match ch {
            '^' => ("^".to_string(), Kind::Assertion),
            '$' => ("$".to_string(), Kind::Assertion),
            '.' => (DOT.to_string(), Kind::Atom),
            '(' => return self.parse_group(),
            '[' => (self.parse_class()?, Kind::Atom),
            '*' | '+' | '?' => return Err(Reason::NothingToRepeat),
            '{' if braced_quantifier(self.chars, self.pos - 1).is_some() => {
                return Err(Reason::NothingToRepeat);
            }
            '\\' => self.parse_atom_escape()?,
            // Annex B: `]`, `{` and `}` that do not form a quantifier are literals.
            other => (literal(u32::from(other)), Kind::Atom),
        };
        Ok((text, kind, 1))
    }

    /// After `(`.
    fn parse_group(&mut self) -> Result<(String, Kind, u64), Reason> {
        let mut name_to_register = None;
        let (open, kind) = if !self.eat('?') {
            ("(", Kind::Atom)
        } else if self.eat(':') {
            ("(?:", Kind::Atom)
        } else if self.eat('=') {
            ("(?=", Kind::Lookahead)
        } else if self.eat('!') {
            ("(?!", Kind::Lookahead)
        } else if self.eat_str("<=") {
            ("(?<=", Kind::Lookbehind)
        } else if self.eat_str("<!") {
            ("(?<!", Kind::Lookbehind)
        } else if self.eat('<') {
            let (name, next) = group_name(self.chars, self.pos).ok_or(Reason::InvalidGroupName)?;
            self.pos = next;
            name_to_register = Some(name);
            // Named groups become plain numbered ones; `\k<name>` resolves to the number.
            ("(", Kind::Atom)
        } else {
            return Err(Reason::InvalidGroup);
        };
        let (inner, size) = self.parse_disjunction()?;
        if !self.eat(')') {
            return Err(Reason::UnterminatedGroup);
        }
        // V8 registers a name when its group closes, so that is when a duplicate shows.
        if let Some(name) = name_to_register {
            if self.names_seen.contains(&name) {
                return Err(Reason::DuplicateGroupName);
            }
            self.names_seen.push(name);
        }
        Ok((format!("{open}{inner})"), kind, size))
    }

    /// After a `\` outside a class.
    fn parse_atom_escape(&mut self) -> Result<(String, Kind), Reason> {
        let Some(ch) = self.peek() else {
            return Err(Reason::EndBackslash);
        };
        self.pos += 1;
        let atom = |s: &str| Ok((s.to_string(), Kind::Atom));
        match ch {
            'b' => Ok((WORD_BOUNDARY.to_string(), Kind::Assertion)),
            'B' => Ok((NOT_WORD_BOUNDARY.to_string(), Kind::Assertion)),
            'd' => atom(DIGIT),
            'D' => atom(NOT_DIGIT),
            's' => atom(SPACE),
            'S' => atom(NOT_SPACE),
            'w' => atom(WORD),
            'W' => atom(NOT_WORD),
            '1'..='9' => {
                let (value, next) = decimal(self.chars, self.pos - 1);
                if value <= u64::from(self.scan.count) {
                    self.pos = next;
                    return atom(&backreference(value as u32));
                }
                // Annex B: not a backreference, so a legacy octal escape (or `8`, `9`).
                if matches!(ch, '8' | '9') {
                    return atom(&literal(u32::from(ch)));
                }
                self.pos -= 1;
                let value = self.octal();
                atom(&literal(value))
            }
            'k' if self.scan.has_named => {
                if !self.eat('<') {
                    return Err(Reason::InvalidNamedReference);
                }
                let (name, next) = group_name(self.chars, self.pos).ok_or(Reason::InvalidGroupName)?;
                self.pos = next;
                let index = self
                    .scan
                    .names
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|&(_, index)| index)
                    .ok_or(Reason::InvalidNamedCaptureReferenced)?;
                atom(&backreference(index))
            }
            _ => {
                self.pos -= 1;
                match self.character_escape(false)? {
                    Some(unit) => self.unit_atom(unit),
                    // `\c` without a control letter: a literal backslash; `c` comes next.
                    None => atom(&literal(u32::from('\\'))),
                }
            }
        }
    }

    /// A `\u` unit outside a class: surrogate pairs written as two escapes are joined, a
    /// lone surrogate can never match a Rust string.
    fn unit_atom(&mut self, unit: u32) -> Result<(String, Kind), Reason> {
        if (0xD800..0xDC00).contains(&unit)
            && self.peek() == Some('\\')
            && self.peek_at(1) == Some('u')
            && let Some(low) = hex(self.chars, self.pos + 2, 4)
            && (0xDC00..0xE000).contains(&low)
        {
            self.pos += 6;
            let joined = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
            return Ok((literal(joined), Kind::Atom));
        }
        if (0xD800..0xE000).contains(&unit) {
            return Ok((NEVER.to_string(), Kind::Atom));
        }
        Ok((literal(unit), Kind::Atom))
    }

    /// A CharacterEscape at the cursor (just after `\`), shared by atoms and classes: the
    /// code point or unit, or `None` for a `\c` that stays a literal backslash (the cursor
    /// is then left on the `c`).
    fn character_escape(&mut self, in_class: bool) -> Result<Option<u32>, Reason> {
        let ch = self.peek().ok_or(Reason::EndBackslash)?;
        self.pos += 1;
        Ok(Some(match ch {
            'f' => 0x0C,
            'n' => 0x0A,
            'r' => 0x0D,
            't' => 0x09,
            'v' => 0x0B,
            'c' => match self.peek() {
                Some(letter) if letter.is_ascii_alphabetic() => {
                    self.pos += 1;
                    u32::from(letter) % 32
                }
                // Annex B ClassControlLetter: digits and `_` too, inside a class.
                Some(other) if in_class && (other.is_ascii_digit() || other == '_') => {
                    self.pos += 1;
                    u32::from(other) % 32
                }
                _ => {
                    self.pos -= 1;
                    return Ok(None);
                }
            },
            '0' if !self.peek().is_some_and(|d| d.is_ascii_digit()) => 0,
            '0'..='7' => {
                self.pos -= 1;
                self.octal()
            }
            'x' => match hex(self.chars, self.pos, 2) {
                Some(value) => {
                    self.pos += 2;
                    value
                }
                None => u32::from('x'),
            },
            'u' => match hex(self.chars, self.pos, 4) {
                Some(value) => {
                    self.pos += 4;
                    value
                }
                None => u32::from('u'),
            },
            // Identity escapes: any other character stands for itself.
            other => u32::from(other),
        }))
    }

    /// V8's legacy octal escape at the cursor (a digit 0–7): up to three digits, at most 0o377.
    fn octal(&mut self) -> u32 {
        let digit = |c: Option<char>| c.and_then(|c| c.to_digit(8));
        let mut value = digit(self.peek()).expect("octal at an octal digit");
        self.pos += 1;
        if let Some(d) = digit(self.peek()) {
            value = value * 8 + d;
            self.pos += 1;
            if value < 32
                && let Some(d) = digit(self.peek())
            {
                value = value * 8 + d;
                self.pos += 1;
            }
        }
        value
    }

    /// After `[`.
    fn parse_class(&mut self) -> Result<String, Reason> {
        let negated = self.eat('^');
        let mut body = String::new();
        loop {
            match self.peek() {
                None => return Err(Reason::UnterminatedClass),
                Some(']') => {
                    self.pos += 1;
                    break;
                }
                Some(_) => {}
            }
            let first = self.class_atom()?;
            if self.peek() == Some('-') && !matches!(self.peek_at(1), None | Some(']')) {
                self.pos += 1;
                let second = self.class_atom()?;
                match (first, second) {
                    (ClassAtom::Char(lo), ClassAtom::Char(hi)) => {
                        if lo > hi {
                            return Err(Reason::RangeOutOfOrder);
                        }
                        push_class_range(&mut body, lo, hi);
                    }
                    // Annex B: a range with a class escape at either end is a union with `-`.
                    (first, second) => {
                        push_class_atom(&mut body, &first);
                        push_class_atom(&mut body, &ClassAtom::Char(u32::from('-')));
                        push_class_atom(&mut body, &second);
                    }
                }
            } else {
                push_class_atom(&mut body, &first);
            }
        }
        Ok(match (body.is_empty(), negated) {
            (true, false) => NEVER.to_string(),
            (true, true) => ANY.to_string(),
            (false, false) => format!("[{body}]"),
            (false, true) => format!("[^{body}]"),
        })
    }

    fn class_atom(&mut self) -> Result<ClassAtom, Reason> {
        let ch = self.peek().ok_or(Reason::UnterminatedClass)?;
        self.pos += 1;
        if ch != '\\' {
            return Ok(ClassAtom::Char(u32::from(ch)));
        }
        let Some(next) = self.peek() else {
            return Err(Reason::EndBackslash);
        };
        let set = match next {
            'd' => Some(DIGIT),
            'D' => Some(NOT_DIGIT),
            's' => Some(SPACE),
            'S' => Some(NOT_SPACE),
            'w' => Some(WORD),
            'W' => Some(NOT_WORD),
            _ => None,
        };
        if let Some(set) = set {
            self.pos += 1;
            return Ok(ClassAtom::Set(set));
        }
        match next {
            'b' => {
                self.pos += 1;
                Ok(ClassAtom::Char(0x08))
            }
            '-' => {
                self.pos += 1;
                Ok(ClassAtom::Char(u32::from('-')))
            }
            // `\8`, `\9` are identity escapes; there are no backreferences in a class.
            '8' | '9' => {
                self.pos += 1;
                Ok(ClassAtom::Char(u32::from(next)))
            }
            'k' if self.scan.has_named => Err(Reason::InvalidEscape),
            _ => Ok(ClassAtom::Char(self.character_escape(true)?.unwrap_or(u32::from('\\')))),
        }
    }
}

/// `{n}`, `{n,}` or `{n,m}` starting at `start` (the `{`): `(min, max, index after '}')`.
/// Numbers saturate, as in V8.
fn braced_quantifier(chars: &[char], start: usize) -> Option<(u64, Option<u64>, usize)> {
    let (min, mut i) = number(chars, start + 1)?;
    let max = if chars.get(i) == Some(&',') {
        i += 1;
        match number(chars, i) {
            Some((max, next)) => {
                i = next;
                Some(max)
            }
            None => None,
        }
    } else {
        Some(min)
    };
    (chars.get(i) == Some(&'}')).then_some((min, max, i + 1))
}

/// One or more decimal digits at `start`, saturating: the value and the index after.
fn number(chars: &[char], start: usize) -> Option<(u64, usize)> {
    let (value, end) = decimal(chars, start);
    (end > start).then_some((value, end))
}

/// Decimal digits (possibly none) at `start`, saturating.
fn decimal(chars: &[char], start: usize) -> (u64, usize) {
    let mut value: u64 = 0;
    let mut i = start;
    while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
        value = value.saturating_mul(10).saturating_add(u64::from(d));
        i += 1;
    }
    (value, i)
}

/// Exactly `digits` hex digits at `start`.
fn hex(chars: &[char], start: usize, digits: usize) -> Option<u32> {
    let slice = chars.get(start..start + digits)?;
    slice.iter().try_fold(0u32, |acc, c| Some(acc * 16 + c.to_digit(16)?))
}

/// JavaScript's backreference semantics: a group that has not participated matches the
/// empty string (the engine would fail instead).
fn backreference(index: u32) -> String {
    format!("(?:(?({index})\\{index}|))")
}

/// A literal code point, escaped so that the engine's syntax never applies.
fn literal(value: u32) -> String {
    let mut out = String::new();
    push_literal(&mut out, value);
    out
}

fn push_literal(out: &mut String, value: u32) {
    match char::from_u32(value) {
        Some(ch) if ch.is_ascii_alphanumeric() || !ch.is_ascii() => out.push(ch),
        _ => out.push_str(&format!("\\x{{{value:02X}}}")),
    }
}

fn push_class_atom(body: &mut String, atom: &ClassAtom) {
    match *atom {
        ClassAtom::Char(value) => push_class_range(body, value, value),
        ClassAtom::Set(set) => body.push_str(set),
    }
}

/// A range of code points (or UTF-16 units) inside a class; the surrogate part, which no
/// Rust string contains, is dropped.
fn push_class_range(body: &mut String, lo: u32, hi: u32) {
    let lo = if (0xD800..0xE000).contains(&lo) { 0xE000 } else { lo };
    let hi = if (0xD800..0xE000).contains(&hi) { 0xD7FF } else { hi };
    if lo > hi {
        return;
    }
    push_literal(body, lo);
    if hi != lo {
        body.push('-');
        push_literal(body, hi);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `RegExp(pattern).exec(text)?.[0]`.
    fn exec(pattern: &str, text: &str) -> Option<String> {
        JsRegex::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}")).find(text).map(str::to_string)
    }

    fn error(pattern: &str) -> String {
        JsRegex::new(pattern).expect_err(pattern)
    }

    #[test]
    fn v8_syntax_errors_are_reproduced() {
        let cases = [
            ("(", "Unterminated group"),
            ("(?<=a", "Unterminated group"),
            ("(?<a>", "Unterminated group"),
            ("a)", "Unmatched ')'"),
            ("[a", "Unterminated character class"),
            ("\\", "\\ at end of pattern"),
            ("*", "Nothing to repeat"),
            ("a**", "Nothing to repeat"),
            ("a|*", "Nothing to repeat"),
            ("a{2}{3}", "Nothing to repeat"),
            ("{1}", "Nothing to repeat"),
            ("^*", "Nothing to repeat"),
            ("$+", "Nothing to repeat"),
            ("\\b+", "Nothing to repeat"),
            ("(?<=a)+", "Invalid quantifier"),
            ("a{2,1}", "numbers out of order in {} quantifier"),
            ("[z-a]", "Range out of order in character class"),
            ("(?i)a", "Invalid group"),
            ("(?", "Invalid group"),
            ("(?<1a>x)", "Invalid capture group name"),
            ("(?<>x)", "Invalid capture group name"),
            ("(?<a>x)\\k<a", "Invalid capture group name"),
            ("(?<a>x)(?<a>y)", "Duplicate capture group name"),
            ("(?<a>x)\\k", "Invalid named reference"),
            ("(?<a>x)\\k<b>", "Invalid named capture referenced"),
            ("(?<a>x)[\\k]", "Invalid escape"),
        ];
        for (pattern, reason) in cases {
            assert_eq!(error(pattern), format!("Invalid regular expression: /{pattern}/: {reason}"));
        }
    }

    #[test]
    fn common_patterns_behave_like_javascript() {
        assert_eq!(exec(r"\d+ items", "booting\n3 items\nReady").as_deref(), Some("3 items"));
        assert_eq!(exec(r"(?:ab)+c", "xababc").as_deref(), Some("ababc"));
        assert_eq!(exec(r"\bword\b", "swordfish word").as_deref(), Some("word"));
        assert_eq!(exec(r"foo(?=bar)", "foobaz foobar").as_deref(), Some("foo"));
        assert_eq!(exec(r"(?<!x)foo", "xfoo foo").as_deref(), Some("foo"));
        assert_eq!(exec(r"(\w)\1", "abccd").as_deref(), Some("cc"));
        assert_eq!(exec(r"(?<q>['x])\k<q>", "a''").as_deref(), Some("''"));
        assert_eq!(exec(r"past(ed)", "pasted text").as_deref(), Some("pasted"));
        assert_eq!(exec(r"https?:\/\/\S+", "see https://x.io/a ok").as_deref(), Some("https://x.io/a"));
        assert_eq!(exec(r"READY>", "READY> ").as_deref(), Some("READY>"));
        assert_eq!(exec(r"Done|Error", "Error: x").as_deref(), Some("Error"));
        assert_eq!(exec(r"a{2,3}?", "aaa").as_deref(), Some("aa"));
        assert_eq!(exec(r"a*?", "aa").as_deref(), Some(""));
        assert_eq!(exec(r"$", "ab").as_deref(), Some(""));
        assert_eq!(exec(r"a|", "b").as_deref(), Some(""));
    }

    #[test]
    fn classes_and_escapes_follow_javascript() {
        // ASCII \d, \w, \b; JavaScript's \s; `.` stops at every line terminator.
        assert_eq!(exec(r"\d+", "١٢٣"), None);
        assert_eq!(exec(r"\w+", "naïve").as_deref(), Some("na"));
        assert_eq!(exec(r"\bé", "é"), None);
        assert_eq!(exec(r"\bcafé\b", "café"), None);
        assert_eq!(exec(r"\s+", "x\u{a0}\u{feff}y").as_deref(), Some("\u{a0}\u{feff}"));
        assert_eq!(exec(r".+", "a\rb").as_deref(), Some("a"));
        assert_eq!(exec(r".+", "a\u{2028}b").as_deref(), Some("a"));
        assert_eq!(exec(r"[^]", "\n").as_deref(), Some("\n"));
        assert_eq!(exec(r"[]", "a"), None);
        assert_eq!(exec(r"[\b]", "\u{8}").as_deref(), Some("\u{8}"));
        assert_eq!(exec(r"[\d-z]", "-").as_deref(), Some("-"));
        assert_eq!(exec(r"[a-\d]", "-").as_deref(), Some("-"));
        assert_eq!(exec(r"[--a]", "+"), None);
        assert_eq!(exec(r"[a-]", "-").as_deref(), Some("-"));
        assert_eq!(exec(r"[^\s\d]+", "ab 12").as_deref(), Some("ab"));
        assert_eq!(exec(r"[\s\S]", "x").as_deref(), Some("x"));
        assert_eq!(exec(r"[[&&~]+", "[&&~").as_deref(), Some("[&&~"));
        assert_eq!(exec(r"[\c]", "\\").as_deref(), Some("\\"));
        assert_eq!(exec(r"[\c_]", "\u{1f}").as_deref(), Some("\u{1f}"));
        // Control, hex, unicode, octal and identity escapes.
        assert_eq!(exec(r"\cA", "\u{1}").as_deref(), Some("\u{1}"));
        assert_eq!(exec(r"\c+", "\\cc").as_deref(), Some("\\cc"));
        assert_eq!(exec(r"\x41\u00e9", "Aé").as_deref(), Some("Aé"));
        assert_eq!(exec(r"\x4", "x4").as_deref(), Some("x4"));
        assert_eq!(exec(r"\u{41}", "uuu"), None);
        assert_eq!(exec(r"\uD83D\uDE00", "😀").as_deref(), Some("😀"));
        assert_eq!(exec(r"\uD83D", "😀"), None);
        assert_eq!(exec(r"\0", "\0").as_deref(), Some("\0"));
        assert_eq!(exec(r"\08", "\u{0}8").as_deref(), Some("\u{0}8"));
        assert_eq!(exec(r"\18", "\u{1}8").as_deref(), Some("\u{1}8"));
        assert_eq!(exec(r"(a)\18", "a\u{1}8").as_deref(), Some("a\u{1}8"));
        assert_eq!(exec(r"\400", " 0").as_deref(), Some(" 0"));
        assert_eq!(exec(r"\8", "8").as_deref(), Some("8"));
        assert_eq!(exec(r"[\1]", "\u{1}").as_deref(), Some("\u{1}"));
        assert_eq!(exec(r"\p{L}", "p{L}").as_deref(), Some("p{L}"));
        assert_eq!(exec(r"\k<n>", "k<n>").as_deref(), Some("k<n>"));
        assert_eq!(exec(r"\/\-\<\>\A\z", "/-<>Az").as_deref(), Some("/-<>Az"));
        // Annex B literals.
        assert_eq!(exec(r"a{", "a{").as_deref(), Some("a{"));
        assert_eq!(exec(r"x{1,2", "x{1,2").as_deref(), Some("x{1,2"));
        assert_eq!(exec(r"a{,2}", "a{,2}").as_deref(), Some("a{,2}"));
        assert_eq!(exec(r"]}", "]}").as_deref(), Some("]}"));
        // No engine-specific syntax sneaks through.
        assert_eq!(exec(r"a#b c", "a#b c").as_deref(), Some("a#b c"));
    }

    #[test]
    fn groups_quantifiers_and_backreferences_follow_javascript() {
        assert_eq!(exec(r"(?:)*x", "x").as_deref(), Some("x"));
        assert_eq!(exec(r"()*x", "x").as_deref(), Some("x"));
        assert_eq!(exec(r"(?=a)*b", "b").as_deref(), Some("b"));
        assert_eq!(exec(r"(?=a)+a", "a").as_deref(), Some("a"));
        assert_eq!(exec(r"(?:(?=a))*a", "a").as_deref(), Some("a"));
        assert_eq!(exec(r"a{1}?", "a").as_deref(), Some("a"));
        assert_eq!(exec(r"a{0}b", "ab").as_deref(), Some("b"));
        assert_eq!(exec(r"a{2,99999999999}", "aaa").as_deref(), Some("aaa"));
        // Backreferences to groups that did not participate match the empty string.
        assert_eq!(exec(r"\1(a)", "a").as_deref(), Some("a"));
        assert_eq!(exec(r"(a)|b\1", "b").as_deref(), Some("b"));
        assert_eq!(exec(r"\k<n>(?<n>a)", "a").as_deref(), Some("a"));
        assert_eq!(exec(r"(?<n>a)\k<n>", "aa").as_deref(), Some("aa"));
        assert_eq!(exec(r"(?<π>x)(?<$a>y)\k<$a>", "xyy").as_deref(), Some("xyy"));
    }

    #[test]
    fn huge_counted_repetitions_are_refused() {
        assert_eq!(exec(r"\w{1000}", &"x".repeat(1000)).map(|m| m.len()), Some(1000));
        assert_eq!(exec(r"(?:a|c){500}", &"c".repeat(500)).map(|m| m.len()), Some(500));
        // Above 50 000 an upper bound cannot matter on the capped text, so it costs nothing.
        assert_eq!(exec(r"a{2,99999}", "aaa").as_deref(), Some("aaa"));
        for pattern in [r"\w{1001}", r"a{1000}b", r"(?:ab){501}", r"a{600}|b{600}", r"a{60000,}"] {
            assert_eq!(
                error(pattern),
                format!(
                    "Invalid regular expression: /{pattern}/: Regular expression too large \
                     (counted repetitions expand to more than 1000 elements)"
                )
            );
        }
    }

    #[test]
    fn anchors_see_the_whole_text() {
        assert_eq!(exec(r"^Ready", "booting\nReady"), None);
        assert_eq!(exec(r"^booting", "booting\nReady").as_deref(), Some("booting"));
        assert_eq!(exec(r"Ready$", "Ready\nmore"), None);
        assert_eq!(exec(r"more$", "Ready\nmore").as_deref(), Some("more"));
        assert_eq!(exec(r"a.b", "a\nb"), None);
    }

    #[test]
    fn the_search_is_capped_at_50000_utf16_units() {
        let mut text = "x".repeat(SEARCH_LIMIT_UTF16 - 3);
        text.push_str("END");
        assert_eq!(exec("END$", &text).as_deref(), Some("END"));
        text.push_str("MORE");
        assert_eq!(exec("MORE", &text), None);
        assert_eq!(exec("END$", &text).as_deref(), Some("END"), "`$` anchors at the cut");
        // An astral character counts two units; one straddling the limit is left out.
        let mut astral = "x".repeat(SEARCH_LIMIT_UTF16 - 1);
        astral.push('😀');
        assert_eq!(utf16_prefix(&astral, SEARCH_LIMIT_UTF16).len(), SEARCH_LIMIT_UTF16 - 1);
        assert_eq!(exec("😀", &astral), None);
        assert_eq!(utf16_prefix("a😀b", 3), "a😀");
        assert_eq!(utf16_prefix("a😀b", 2), "a");
        assert_eq!(utf16_len("a😀b"), 4);
    }

    #[test]
    fn runaway_backtracking_gives_up_instead_of_hanging() {
        // Passes the nested-quantifier heuristic yet is exponential in any backtracking
        // engine (V8 would not return); the VM's budget turns it into "no match".
        let pattern = r"(?:a|a)*(?<!a)c";
        let text = "a".repeat(40);
        let regex = JsRegex::new(pattern).unwrap();
        assert!(matches!(
            regex.regex.find(&text),
            Err(fancy_regex::Error::RuntimeError(fancy_regex::RuntimeError::BacktrackLimitExceeded))
        ));
        assert_eq!(regex.find(&text), None);
        // Without look-around the same shape runs on the linear engine and just answers.
        assert_eq!(exec(r"(?:a|a)*c", &text), None);
        assert_eq!(exec(r"(?:a|a)*c", &(text + "c")).map(|m| m.len()), Some(41));
    }

    /// What one evaluation costs on a full 200×50 screen (10 049 characters), for an
    /// ordinary pattern and for the expensive shapes (word boundaries, look-around after
    /// an ambiguous loop, a variable look-behind, a backreference).
    /// `cargo test --release -p agent-tty-core --lib -- js_regex::tests::bench --ignored --nocapture`
    #[test]
    #[ignore]
    fn bench_one_evaluation_on_a_full_200x50_screen() {
        let words: String = (0..50)
            .map(|row| {
                let line: String = (0..40).map(|n| format!("w{:03} ", (row * 40 + n) % 997)).collect();
                line[..200].to_string()
            })
            .collect::<Vec<_>>()
            .join("\n");
        let a_screen = vec!["a".repeat(200); 50].join("\n");
        let cases = [
            ("BENCH-END-[0-9]+", &words),
            (r"\bw999\b", &words),
            (r"(\w+) \1x", &words),
            (r"(?:a|a)*(?<!a)c", &a_screen),
            (r"(?<=a+)b", &a_screen),
            (r"a(?=a*b)", &a_screen),
        ];
        for (pattern, text) in cases {
            let regex = JsRegex::new(pattern).unwrap();
            let start = std::time::Instant::now();
            let mut runs = 0;
            let mut outcome = String::new();
            while runs < 3 || (start.elapsed().as_millis() < 300 && runs < 1000) {
                outcome = match regex.regex.find(text) {
                    Ok(found) => format!("{:?}", found.map(|m| m.as_str())),
                    Err(e) => e.to_string(),
                };
                runs += 1;
            }
            let each = start.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
            println!("{pattern:<20} {each:>9.3} ms  {outcome}");
        }
    }
}
