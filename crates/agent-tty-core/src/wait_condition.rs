//! Render Wait conditions: what `wait --text/--regex/--screen-stable-ms/--cursor-*`, the
//! host's `waitForRender` and a batch `wait` step wait for, validated once
//! ([`WaitCondition::prepare`]) and evaluated against one observed screen
//! ([`WaitCondition::evaluate`]). Pure: no I/O, no clock — the caller measures how long the
//! screen has been stable and passes the number in.
//!
//! A condition matches when all four parts hold:
//! - content: `text` is a case-sensitive substring of the canonical visible text (the
//!   visible lines joined with `\n`, so a needle may span rows); `regex` matches it (below);
//!   with neither, content holds trivially and there is no `matchedText`;
//! - cursor: `cursorRow` / `cursorCol` (0-based), when given, equal the screen's cursor;
//! - stability: no `screenStableMs`, or the known stable time is at least that long;
//! - baseline: no `afterSeq`, or the screen's `capturedAtSeq` is strictly greater.
//!
//! # `in`: screen or output
//!
//! `in: "output"` (`wait --in output`) points `text`/`regex` at what the program printed
//! since the last input instead of the screen (see [`crate::output_since`]: escape
//! sequences stripped, the echo of the typed input skipped), so a wait never matches the
//! echo of the command it waits on. It needs `text` or `regex` (`INVALID_INPUT`
//! otherwise); everything else keeps its meaning (cursor and stability are still about
//! the screen, the baseline still about the observation's seq). A regex searches the
//! *last* 50 000 UTF-16 code units of the output (the newest; the screen's regex searches
//! the first), a text needle all of it (at least its last 1 MiB).
//!
//! # Regex engine
//!
//! The reference runs a JavaScript `RegExp` with no flags, once, over the first 50 000
//! UTF-16 code units of the text. We translate the JavaScript pattern (V8's grammar without
//! the `u` flag, Annex B included) into an explicit `fancy-regex` pattern and run that:
//!
//! - **Why `fancy-regex`.** Plain `regex` is linear-time but has no look-around or
//!   backreferences, so patterns like `foo(?=bar)`, `(?<!\d)3 items` or `(\w)\1`, which the
//!   reference accepts, would be refused. `fancy-regex` supports them and hands every part
//!   that needs no backtracking to `regex-automata` (the engine behind `regex`): a pattern
//!   without `\b`, `\B`, look-around or backreferences runs entirely on the linear-time
//!   engine (tens of µs on a full 50 000-unit text) — strictly safer than the reference,
//!   whose engine backtracks on everything.
//! - **Cost of the rest.** Patterns with those constructs run on `fancy-regex`'s
//!   backtracking VM: `\bword\b` takes ≈0.15 ms on a 2 000-character screen and 4–10 ms at
//!   the 50 000-unit cap. The VM has a 1 000 000-backtrack budget: exponential shapes the
//!   nested-quantifier heuristic misses, like `(?:a|a)*(?<!a)c`, give up after ≈20–90 ms
//!   and that poll is "not matched" (V8 would hang). Shapes that are quadratic in the text
//!   without backtracking much, like `(?<=x+)y` on a screen full of `x`, can still take
//!   seconds at the cap — as they do in V8. Counted repetitions are capped (below), the
//!   text is capped at 50 000 units, and everything else is linear, so these look-around
//!   and backreference shapes are the only slow case left. Measured for one evaluation on
//!   a full 200×50 screen (release build): ordinary patterns, `\bw999\b` and `(\w+) \1x`
//!   well under 1 ms; `(?<!b)a*b` ≈ 10 ms and `(?<=a+)b` ≈ 16 ms on a screen of `a`;
//!   `(?:a|a)*(?<!a)c` ≈ 85 ms (the backtracking budget runs out). The budget is not
//!   lowered: `\bword\b` at the 50 000-unit cap already needs 4–10 ms, so a tighter one
//!   would change the answer of ordinary patterns; and shapes that are quadratic without
//!   backtracking much are not bounded by it anyway: `(?<!b)[^b]*b` and `(?<=[^b]+)b` take
//!   4–5.5 s on 50 000 `a`. So the host never runs such a pattern on its loop (see
//!   `host::render_wait`): a condition for which [`WaitCondition::may_be_slow`] holds is
//!   evaluated on a thread of its own, one evaluation per wait at a time, and the screen
//!   is looked at again when it is back if it changed meanwhile (plus: a wait is
//!   evaluated only when the screen changed, and spaced by its cost while output
//!   streams). A search that runs out of budget is "not matched" for that screen and is
//!   retried on the next change.
//! - **Why translate.** The engines' own syntax and defaults differ from JavaScript
//!   (Unicode `\d`/`\w`/`\b`, `.` crossing `\r`, `[[:alpha:]]`, `a++`, `\p{L}`, `{`
//!   handling, …). The translator spells every construct out — `\d` → `[0-9]`, `\w` →
//!   `[0-9A-Z_a-z]`, `\s` → JavaScript's WhiteSpace + LineTerminator set, `.` → "not `\n`,
//!   `\r`, U+2028, U+2029", `\b` → ASCII word-boundary look-arounds, literals as escapes —
//!   so the result means what V8 means: `^`/`$` anchor to the whole text, `.` does not
//!   cross `\n`, leftmost-first alternation, greedy/lazy quantifiers, Annex B literals
//!   (`a{`, `]`, `\/`, identity escapes, legacy octal `\1` when there is no group 1,
//!   `\cX`), backreferences to groups that did not participate match empty, named groups,
//!   quantified look-aheads. A pattern V8 rejects is rejected with V8's message
//!   ("Invalid regex pattern: Invalid regular expression: /(/: Unterminated group").
//!
//! Known divergences from JavaScript:
//! - Text is matched by code points, not UTF-16 units: `.` or `[^x]` consumes a whole
//!   astral character (JavaScript would take half of its surrogate pair), an astral
//!   character in the pattern is one atom, `\uD83D\uDE00` written as two escapes means the
//!   one character, and a lone surrogate (`\uD800`) never matches. A character whose
//!   surrogate pair straddles the 50 000-unit cut is left out of the searched prefix.
//! - Patterns with `\b`, `\B`, look-around or backreferences can give up (no match) where
//!   JavaScript would eventually find a match after more than 1 000 000 backtracks.
//! - A few rare patterns V8 compiles are refused as "Invalid regex pattern": patterns whose
//!   counted repetitions expand to more than 1000 elements (`\w{1001}`, `a{600}|b{600}`;
//!   the linear engine's cost grows with that size — 13 s for `\w{50000}` on a full
//!   50 000-unit text — while upper bounds above 50 000 are treated as unbounded, which is
//!   exact on the capped input and costs nothing), look-behinds the engine cannot run, and
//!   group names written with `\u` escapes (names are checked as Unicode letters/digits,
//!   `$`, `_`).
//! - Backreferences keep the capture of an earlier iteration of their group's loop
//!   (`(a\1)*`); JavaScript resets captures at each iteration.

pub(crate) mod js_regex;

use crate::error::{Error, ErrorCode, Result};
use crate::protocol::Seq;

use self::js_regex::{JsRegex, utf16_len};

/// The longest `text` needle, in UTF-16 code units.
pub const MAX_TEXT_LEN: usize = 1000;
/// The longest `regex` pattern, in UTF-16 code units.
pub const MAX_REGEX_LEN: usize = 200;
/// How much of the canonical text a regex searches, in UTF-16 code units.
pub const REGEX_SEARCH_LIMIT: usize = js_regex::SEARCH_LIMIT_UTF16;

/// Raw inputs (from CLI flags, RPC params or a batch step), before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WaitSpec {
    /// Substring to find in the canonical visible text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// JavaScript pattern (no flags) to find in the canonical visible text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// How long the visible text must have stayed unchanged, in ms (> 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen_stable_ms: Option<u64>,
    /// Required 0-based cursor row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_row: Option<u64>,
    /// Required 0-based cursor column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_col: Option<u64>,
    /// The Wait Baseline: only screens captured after this event-log seq may match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_seq: Option<Seq>,
    /// What `text`/`regex` look at: the screen (default, left out) or the output since
    /// the last input.
    #[serde(default, rename = "in", skip_serializing_if = "WaitIn::is_screen")]
    pub within: WaitIn,
}

/// What a render wait's `text`/`regex` are matched against.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum WaitIn {
    /// The canonical visible text of the screen.
    #[default]
    Screen,
    /// The output since the last input, the echo of that input left out.
    Output,
}

impl WaitIn {
    /// Whether this is the default (serialised as an absent key).
    pub fn is_screen(&self) -> bool {
        *self == WaitIn::Screen
    }

    /// The flag's spelling: `screen` or `output`.
    pub fn as_str(self) -> &'static str {
        match self {
            WaitIn::Screen => "screen",
            WaitIn::Output => "output",
        }
    }
}

/// What a render wait waits for (already validated).
#[derive(Debug, Clone)]
pub struct WaitCondition {
    content: Content,
    screen_stable_ms: Option<u64>,
    cursor_row: Option<u64>,
    cursor_col: Option<u64>,
    after_seq: Option<u64>,
    within: WaitIn,
}

#[derive(Debug, Clone)]
enum Content {
    Any,
    Text(String),
    Regex(JsRegex),
}

/// What the matcher looks at: one observed screen.
#[derive(Debug, Clone, Copy)]
pub struct ScreenView<'a> {
    /// The visible lines' text joined with `\n` (no scrollback).
    pub canonical_text: &'a str,
    /// 0-based cursor row.
    pub cursor_row: u16,
    /// 0-based cursor column.
    pub cursor_col: u16,
    /// Seq of the last event applied to the screen.
    pub captured_at_seq: u64,
    /// The output since the last input (only looked at by `in: "output"` conditions;
    /// `None` reads as empty).
    pub output_text: Option<&'a str>,
}

/// A satisfied condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The needle for a text wait, the whole match for a regex wait, else `None`.
    pub matched_text: Option<String>,
}

impl WaitCondition {
    /// Validates `spec` with the shared matcher preparation rules (CLI, host and batch):
    /// `text` and `regex` are mutually exclusive; `screenStableMs` must be positive
    /// (`INVALID_DURATION`); at least one of text, regex, screenStableMs, cursorRow or
    /// cursorCol is required; `text` is 1..=1000 and `regex` 1..=200 UTF-16 code units; the
    /// regex must pass the nested-quantifier heuristic and compile. Everything but the
    /// duration is `INVALID_INPUT`.
    pub fn prepare(spec: &WaitSpec) -> Result<WaitCondition> {
        if spec.text.is_some() && spec.regex.is_some() {
            return Err(Error::invalid_input("Render wait options text and regex are mutually exclusive."));
        }
        if spec.screen_stable_ms == Some(0) {
            return Err(Error::new(
                ErrorCode::InvalidDuration,
                "screenStableMs must be a positive integer, got: 0",
            ));
        }
        if spec.text.is_none()
            && spec.regex.is_none()
            && spec.screen_stable_ms.is_none()
            && spec.cursor_row.is_none()
            && spec.cursor_col.is_none()
        {
            return Err(Error::invalid_input(
                "Render wait requires at least one of text, regex, screenStableMs, cursorRow, or cursorCol.",
            ));
        }
        if spec.within == WaitIn::Output && spec.text.is_none() && spec.regex.is_none() {
            return Err(Error::invalid_input(
                "Render wait in output needs text or regex: --in output only changes what --text or --regex \
                 look at (the output since the last input instead of the screen).",
            ));
        }
        let content = if let Some(text) = &spec.text {
            let len = utf16_len(text);
            if !(1..=MAX_TEXT_LEN).contains(&len) {
                return Err(Error::invalid_input(format!(
                    "Render wait text must be between 1 and {MAX_TEXT_LEN} characters long, got {len}."
                )));
            }
            Content::Text(text.clone())
        } else if let Some(pattern) = &spec.regex {
            let len = utf16_len(pattern);
            if !(1..=MAX_REGEX_LEN).contains(&len) {
                return Err(Error::invalid_input(format!(
                    "Render wait regex must be between 1 and {MAX_REGEX_LEN} characters long, got {len}."
                )));
            }
            if nested_quantifiers(pattern) {
                return Err(Error::invalid_input(
                    "Render wait regex is rejected because it contains nested quantifiers, \
                     which can cause catastrophic backtracking.",
                ));
            }
            let regex = JsRegex::new(pattern)
                .map_err(|reason| Error::invalid_input(format!("Invalid regex pattern: {reason}")))?;
            Content::Regex(regex)
        } else {
            Content::Any
        };
        Ok(WaitCondition {
            content,
            screen_stable_ms: spec.screen_stable_ms,
            cursor_row: spec.cursor_row,
            cursor_col: spec.cursor_col,
            after_seq: spec.after_seq.map(Seq::get),
            within: spec.within,
        })
    }

    /// Evaluates the condition on one screen. `stable_for_ms` is how long the canonical text
    /// has been unchanged (since the first post-baseline observation), `None` when unknown.
    /// `None` = not matched.
    pub fn evaluate(&self, view: &ScreenView<'_>, stable_for_ms: Option<u64>) -> Option<Match> {
        if let Some(required) = self.screen_stable_ms
            && stable_for_ms.is_none_or(|stable| stable < required)
        {
            return None;
        }
        self.evaluate_offline(view)
    }

    /// Everything but stability: baseline, cursor and content. This is the offline replay
    /// check, where stability cannot be known; the caller then reports
    /// `matched: !wants_stability()`.
    pub fn evaluate_offline(&self, view: &ScreenView<'_>) -> Option<Match> {
        if self.after_seq.is_some_and(|after| view.captured_at_seq <= after) {
            return None;
        }
        if self.cursor_row.is_some_and(|row| row != u64::from(view.cursor_row))
            || self.cursor_col.is_some_and(|col| col != u64::from(view.cursor_col))
        {
            return None;
        }
        let matched_text = self.find_content(view)?;
        Some(Match { matched_text })
    }

    /// The content part alone, on the text this condition looks at: `Some(None)` when
    /// there is no text/regex, `Some(Some(found))` when it is found, `None` when not.
    pub fn find_content(&self, view: &ScreenView<'_>) -> Option<Option<String>> {
        let haystack = self.comparand(view);
        match &self.content {
            Content::Any => Some(None),
            Content::Text(needle) => haystack.contains(needle.as_str()).then(|| Some(needle.clone())),
            Content::Regex(regex) => Some(Some(regex.find(haystack)?.to_string())),
        }
    }

    /// What `text`/`regex` look at: the canonical text, or the output's last 50 000
    /// UTF-16 code units (a text needle: all of it).
    fn comparand<'v>(&self, view: &ScreenView<'v>) -> &'v str {
        match self.within {
            WaitIn::Screen => view.canonical_text,
            WaitIn::Output => {
                let output = view.output_text.unwrap_or("");
                match &self.content {
                    Content::Regex(_) => js_regex::utf16_suffix(output, REGEX_SEARCH_LIMIT),
                    _ => output,
                }
            }
        }
    }

    /// What `text`/`regex` look at.
    pub fn within(&self) -> WaitIn {
        self.within
    }

    /// The needle (`text`) or the pattern (`regex`).
    pub fn needle(&self) -> Option<Needle<'_>> {
        match &self.content {
            Content::Any => None,
            Content::Text(text) => Some(Needle::Text(text)),
            Content::Regex(regex) => Some(Needle::Regex(regex.source())),
        }
    }

    /// The required cursor row and column.
    pub fn cursor(&self) -> (Option<u64>, Option<u64>) {
        (self.cursor_row, self.cursor_col)
    }

    /// Whether evaluating the content can be slow: a regex that needs the backtracking
    /// VM (look-around, word boundaries, backreferences; see the module docs).
    pub fn may_be_slow(&self) -> bool {
        matches!(&self.content, Content::Regex(regex) if regex.backtracks())
    }

    /// Whether a stability time is required (`screenStableMs`).
    pub fn wants_stability(&self) -> bool {
        self.screen_stable_ms.is_some()
    }

    /// The required stability time, in ms.
    pub fn screen_stable_ms(&self) -> Option<u64> {
        self.screen_stable_ms
    }

    /// The Wait Baseline.
    pub fn after_seq(&self) -> Option<u64> {
        self.after_seq
    }

    /// The inputs this condition was prepared from.
    pub fn to_spec(&self) -> WaitSpec {
        let (text, regex) = match &self.content {
            Content::Any => (None, None),
            Content::Text(text) => (Some(text.clone()), None),
            Content::Regex(regex) => (None, Some(regex.source().to_string())),
        };
        WaitSpec {
            text,
            regex,
            screen_stable_ms: self.screen_stable_ms,
            cursor_row: self.cursor_row,
            cursor_col: self.cursor_col,
            after_seq: self.after_seq.map(Seq),
            within: self.within,
        }
    }

    /// The condition as `REPLAY_ERROR` details.
    pub fn details(&self) -> ConditionDetails {
        let spec = self.to_spec();
        ConditionDetails {
            text: spec.text,
            regex: spec.regex,
            screen_stable_ms: spec.screen_stable_ms,
            expected_cursor_row: spec.cursor_row,
            expected_cursor_col: spec.cursor_col,
            after_seq: spec.after_seq,
            within: spec.within,
        }
    }
}

/// What a condition searches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needle<'a> {
    /// A plain substring.
    Text(&'a str),
    /// A JavaScript pattern.
    Regex(&'a str),
}

/// A condition as error details: `text`, `regex`, `screenStableMs`, `expectedCursorRow`,
/// `expectedCursorCol`, `afterSeq`, absent ones left out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ConditionDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screen_stable_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_cursor_row: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_cursor_col: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_seq: Option<Seq>,
    #[serde(rename = "in", skip_serializing_if = "WaitIn::is_screen")]
    pub within: WaitIn,
}

/// The reference's nested-quantifier heuristic: scanning the pattern (skipping the
/// character after `\` and everything inside `[...]`) with a stack of "this group contains
/// a quantifier" flags, a group that contains a quantifier and is itself followed by one
/// is nested. Quantifiers are `*`, `+`, `?` (not the `?` right after `(`) and `{n}`,
/// `{n,}`, `{n,m}`. `true` = reject.
pub fn nested_quantifiers(pattern: &str) -> bool {
    let chars: Vec<char> = pattern.chars().collect();
    let mut stack: Vec<bool> = Vec::new();
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        if ch == '\\' {
            i += 2;
            continue;
        }
        if in_class {
            in_class = ch != ']';
            i += 1;
            continue;
        }
        match ch {
            '[' => in_class = true,
            '(' => {
                stack.push(false);
                // `(?:`, `(?=`, `(?<name>`: that `?` is group syntax, not a quantifier.
                if chars.get(i + 1) == Some(&'?') {
                    i += 1;
                }
            }
            ')' => {
                let contains = stack.pop().unwrap_or(false);
                let followed = quantifier_len(&chars, i + 1).is_some();
                if contains && followed {
                    return true;
                }
                if (contains || followed)
                    && let Some(parent) = stack.last_mut()
                {
                    *parent = true;
                }
            }
            _ => {
                if let Some(len) = quantifier_len(&chars, i) {
                    if let Some(group) = stack.last_mut() {
                        *group = true;
                    }
                    i += len;
                    continue;
                }
            }
        }
        i += 1;
    }
    false
}

/// The length of the quantifier at `i` (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`), if any.
fn quantifier_len(chars: &[char], i: usize) -> Option<usize> {
    match chars.get(i)? {
        '*' | '+' | '?' => Some(1),
        '{' => {
            let digits = |from: usize| chars[from..].iter().take_while(|c| c.is_ascii_digit()).count();
            let mut j = i + 1;
            let lo = digits(j);
            if lo == 0 {
                return None;
            }
            j += lo;
            if chars.get(j) == Some(&',') {
                j += 1;
                j += digits(j);
            }
            (chars.get(j) == Some(&'}')).then_some(j + 1 - i)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> WaitSpec {
        WaitSpec::default()
    }

    fn text(needle: &str) -> WaitSpec {
        WaitSpec { text: Some(needle.into()), ..spec() }
    }

    fn regex(pattern: &str) -> WaitSpec {
        WaitSpec { regex: Some(pattern.into()), ..spec() }
    }

    fn prepare(spec: WaitSpec) -> WaitCondition {
        WaitCondition::prepare(&spec).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Asserts the error's code and that its message contains every fragment.
    fn rejects(spec: WaitSpec, code: ErrorCode, fragments: &[&str]) {
        let err = WaitCondition::prepare(&spec).expect_err("should be rejected");
        assert_eq!(err.code, code, "{}", err.message);
        for fragment in fragments {
            assert!(err.message.contains(fragment), "{:?} lacks {fragment:?}", err.message);
        }
    }

    fn view(text: &str) -> ScreenView<'_> {
        ScreenView {
            canonical_text: text,
            cursor_row: 2,
            cursor_col: 7,
            captured_at_seq: 5,
            output_text: None,
        }
    }

    fn matched(text: Option<&str>) -> Option<Match> {
        Some(Match { matched_text: text.map(str::to_string) })
    }

    const SCREEN: &str = "booting\n3 items\nReady";

    #[test]
    fn validation_errors() {
        let c = ErrorCode::InvalidInput;
        rejects(
            spec(),
            c,
            &["requires at least one of text, regex, screenStableMs, cursorRow, or cursorCol"],
        );
        rejects(WaitSpec { after_seq: Some(Seq(3)), ..spec() }, c, &["requires at least one of"]);
        rejects(
            WaitSpec { text: Some("a".into()), regex: Some("a".into()), ..spec() },
            c,
            &["mutually exclusive"],
        );
        rejects(
            WaitSpec { screen_stable_ms: Some(0), ..spec() },
            ErrorCode::InvalidDuration,
            &["screenStableMs"],
        );
        rejects(text(""), c, &["text", "1000"]);
        rejects(text(&"a".repeat(1001)), c, &["text", "1000"]);
        rejects(regex(""), c, &["regex", "200"]);
        rejects(regex(&"a".repeat(201)), c, &["regex", "200"]);
        rejects(regex("(a+)+"), c, &["nested quantifiers"]);
        rejects(regex("[invalid("), c, &["Invalid regex pattern: "]);
        rejects(regex("a)"), c, &["Invalid regex pattern: Invalid regular expression: /a)/: Unmatched ')'"]);
        rejects(regex("(?<=a)+"), c, &["Invalid regex pattern: ", "Invalid quantifier"]);
    }

    #[test]
    fn limits_count_utf16_code_units() {
        prepare(text(&"a".repeat(1000)));
        prepare(regex(&"a".repeat(200)));
        // An astral emoji is two code units: 999 + 2 = 1001.
        let mut needle = "a".repeat(999);
        needle.push('😀');
        rejects(text(&needle), ErrorCode::InvalidInput, &["text", "1000"]);
        needle.pop();
        needle.pop();
        needle.push('😀');
        prepare(text(&needle));
        let mut pattern = "a".repeat(199);
        pattern.push('😀');
        rejects(regex(&pattern), ErrorCode::InvalidInput, &["regex", "200"]);
        // Three-byte BMP characters count one unit each.
        prepare(text(&"é".repeat(1000)));
    }

    #[test]
    fn the_nested_quantifier_heuristic() {
        for pattern in ["(a+)+", "(x*)+", "(x+)*", "(x?){2}", "((a+))+", "(a{2,})*", "(?:a+)+", "(a|b+)?"] {
            assert!(nested_quantifiers(pattern), "{pattern} should be rejected");
        }
        for pattern in
            [r"\d+ items", "(ab)+", "[a+]+", "a+b+", "(?:ab)+", r"\(a+\)+", "(a+)b", "(?=a)b+", "(a{)+"]
        {
            assert!(!nested_quantifiers(pattern), "{pattern} should be accepted");
        }
        // Escapes inside classes are skipped too.
        assert!(!nested_quantifiers(r"([\]+])+"));
    }

    #[test]
    fn text_is_a_substring_of_the_whole_canonical_text() {
        let wait = prepare(text("Ready"));
        assert_eq!(wait.evaluate(&view(SCREEN), None), matched(Some("Ready")));
        assert_eq!(prepare(text("items\nRea")).evaluate(&view(SCREEN), None), matched(Some("items\nRea")));
        assert_eq!(prepare(text("ready")).evaluate(&view(SCREEN), None), None, "case-sensitive");
        assert_eq!(prepare(text("Missing")).evaluate(&view(SCREEN), None), None);
    }

    #[test]
    fn regex_matches_report_the_whole_match() {
        assert_eq!(prepare(regex(r"\d+ items")).evaluate(&view(SCREEN), None), matched(Some("3 items")));
        assert_eq!(prepare(regex("past(ed)")).evaluate(&view("pasted"), None), matched(Some("pasted")));
        assert_eq!(prepare(regex(r"items\nR")).evaluate(&view(SCREEN), None), matched(Some("items\nR")));
        assert_eq!(prepare(regex("x*")).evaluate(&view(SCREEN), None), matched(Some("")));
        // `^` anchors to the start of the whole text, not of a row; `$` to its end.
        assert_eq!(prepare(regex("^Ready")).evaluate(&view(SCREEN), None), None);
        assert_eq!(prepare(regex("^booting")).evaluate(&view(SCREEN), None), matched(Some("booting")));
        assert_eq!(prepare(regex("items$")).evaluate(&view(SCREEN), None), None);
        assert_eq!(prepare(regex("Ready$")).evaluate(&view(SCREEN), None), matched(Some("Ready")));
        assert_eq!(prepare(regex("items.Ready")).evaluate(&view(SCREEN), None), None, "`.` stops at \\n");
    }

    #[test]
    fn regex_search_stops_after_50000_utf16_units() {
        let mut screen = "x".repeat(REGEX_SEARCH_LIMIT - 5);
        screen.push_str("FOUND");
        screen.push_str("LATER");
        assert_eq!(prepare(regex("FOUND")).evaluate(&view(&screen), None), matched(Some("FOUND")));
        assert_eq!(prepare(regex("LATER")).evaluate(&view(&screen), None), None);
        // Text waits search everything.
        assert_eq!(prepare(text("LATER")).evaluate(&view(&screen), None), matched(Some("LATER")));
        // Astral characters count two units each.
        let emoji = "😀".repeat(REGEX_SEARCH_LIMIT / 2) + "END";
        assert_eq!(prepare(regex("END")).evaluate(&view(&emoji), None), None);
    }

    #[test]
    fn cursor_conditions_must_equal() {
        let at = |row, col| prepare(WaitSpec { cursor_row: row, cursor_col: col, ..spec() });
        assert_eq!(at(Some(2), None).evaluate(&view(SCREEN), None), matched(None));
        assert_eq!(at(None, Some(7)).evaluate(&view(SCREEN), None), matched(None));
        assert_eq!(at(Some(2), Some(7)).evaluate(&view(SCREEN), None), matched(None));
        assert_eq!(at(Some(2), Some(6)).evaluate(&view(SCREEN), None), None);
        assert_eq!(at(Some(3), None).evaluate(&view(SCREEN), None), None);
        assert_eq!(at(Some(70_000), None).evaluate(&view(SCREEN), None), None);
        let with_text = prepare(WaitSpec { cursor_row: Some(2), ..text("Ready") });
        assert_eq!(with_text.evaluate(&view(SCREEN), None), matched(Some("Ready")));
        let wrong_row = prepare(WaitSpec { cursor_row: Some(0), ..text("Ready") });
        assert_eq!(wrong_row.evaluate(&view(SCREEN), None), None);
    }

    #[test]
    fn the_baseline_is_strict() {
        let wait = prepare(WaitSpec { after_seq: Some(Seq(5)), ..text("Ready") });
        let at = |seq| ScreenView { captured_at_seq: seq, ..view(SCREEN) };
        assert_eq!(wait.evaluate(&at(4), None), None);
        assert_eq!(wait.evaluate(&at(5), None), None, "captured == afterSeq does not match");
        assert_eq!(wait.evaluate(&at(6), None), matched(Some("Ready")));
        assert_eq!(wait.after_seq(), Some(5));
        assert_eq!(prepare(text("Ready")).evaluate(&at(0), None), matched(Some("Ready")));
    }

    #[test]
    fn stability_needs_a_known_long_enough_time() {
        let wait = prepare(WaitSpec { screen_stable_ms: Some(500), ..spec() });
        assert!(wait.wants_stability());
        assert_eq!(wait.evaluate(&view(SCREEN), None), None);
        assert_eq!(wait.evaluate(&view(SCREEN), Some(499)), None);
        assert_eq!(wait.evaluate(&view(SCREEN), Some(500)), matched(None));
        assert_eq!(wait.evaluate(&view(SCREEN), Some(501)), matched(None));
        // Without screenStableMs the stable time is irrelevant.
        let plain = prepare(text("Ready"));
        assert!(!plain.wants_stability());
        assert_eq!(plain.evaluate(&view(SCREEN), None), matched(Some("Ready")));
        assert_eq!(plain.evaluate(&view(SCREEN), Some(0)), matched(Some("Ready")));
        // Offline replay ignores stability (and reports matched:false itself).
        let both = prepare(WaitSpec { screen_stable_ms: Some(500), ..text("Ready") });
        assert_eq!(both.evaluate(&view(SCREEN), None), None);
        assert_eq!(both.evaluate_offline(&view(SCREEN)), matched(Some("Ready")));
        assert_eq!(prepare(text("Nope")).evaluate_offline(&view(SCREEN)), None);
    }

    #[test]
    fn details_and_spec_round_trip() {
        let full = WaitSpec {
            text: None,
            regex: Some(r"\d+".into()),
            screen_stable_ms: Some(300),
            cursor_row: Some(1),
            cursor_col: Some(0),
            after_seq: Some(Seq(9)),
            within: WaitIn::Screen,
        };
        let wait = prepare(full.clone());
        assert_eq!(wait.to_spec(), full);
        assert_eq!(
            serde_json::to_string(&wait.details()).unwrap(),
            r#"{"regex":"\\d+","screenStableMs":300,"expectedCursorRow":1,"expectedCursorCol":0,"afterSeq":9}"#
        );
        assert_eq!(serde_json::to_string(&prepare(text("hi")).details()).unwrap(), r#"{"text":"hi"}"#);
    }

    #[test]
    fn spec_deserializes_from_camel_case_and_rejects_unknown_keys() {
        let spec: WaitSpec = serde_json::from_str(
            r#"{"text":"hi","screenStableMs":5,"cursorRow":1,"cursorCol":2,"afterSeq":3}"#,
        )
        .unwrap();
        assert_eq!(
            spec,
            WaitSpec {
                text: Some("hi".into()),
                regex: None,
                screen_stable_ms: Some(5),
                cursor_row: Some(1),
                cursor_col: Some(2),
                after_seq: Some(Seq(3)),
                within: WaitIn::Screen,
            }
        );
        assert!(serde_json::from_str::<WaitSpec>(r#"{"text":"hi","timeout":5}"#).is_err());
        assert!(serde_json::from_str::<WaitSpec>(r#"{"cursorRow":-1}"#).is_err());
        assert_eq!(serde_json::to_string(&text("hi")).unwrap(), r#"{"text":"hi"}"#);
    }

    #[test]
    fn in_output_looks_at_the_output_only() {
        let output = WaitSpec { within: WaitIn::Output, ..text("READY") };
        let wait = prepare(output.clone());
        let on_screen = ScreenView { canonical_text: "$ echo READY", ..view("") };
        assert_eq!(wait.evaluate(&on_screen, None), None, "the echo on screen does not count");
        let printed = ScreenView { output_text: Some("READY\n"), ..on_screen };
        assert_eq!(wait.evaluate(&printed, None), matched(Some("READY")));
        assert_eq!(wait.to_spec(), output);
        assert_eq!(serde_json::to_string(&output).unwrap(), r#"{"text":"READY","in":"output"}"#);
        assert_eq!(serde_json::from_str::<WaitSpec>(r#"{"text":"READY","in":"output"}"#).unwrap(), output);
        assert!(serde_json::from_str::<WaitSpec>(r#"{"text":"a","in":"scrollback"}"#).is_err());
        assert_eq!(serde_json::to_string(&wait.details()).unwrap(), r#"{"text":"READY","in":"output"}"#);
        // The baseline and the cursor still apply.
        let gated = prepare(WaitSpec { after_seq: Some(Seq(5)), ..output.clone() });
        assert_eq!(gated.evaluate(&printed, None), None);
        rejects(
            WaitSpec { within: WaitIn::Output, screen_stable_ms: Some(100), ..spec() },
            ErrorCode::InvalidInput,
            &["needs text or regex", "--in output"],
        );
    }

    #[test]
    fn a_regex_in_output_searches_the_newest_50000_units() {
        let mut output = "EARLY".to_string();
        output.push_str(&"x".repeat(REGEX_SEARCH_LIMIT));
        output.push_str("LATE");
        let at = |pattern: &str| {
            let wait = prepare(WaitSpec { within: WaitIn::Output, ..regex(pattern) });
            wait.evaluate(&ScreenView { output_text: Some(&output), ..view("") }, None)
        };
        assert_eq!(at("LATE"), matched(Some("LATE")));
        assert_eq!(at("EARLY"), None);
        let needle = prepare(WaitSpec { within: WaitIn::Output, ..text("EARLY") });
        assert!(needle.evaluate(&ScreenView { output_text: Some(&output), ..view("") }, None).is_some());
    }
}
