//! Why a wait timed out: the evidence every wait time-out carries (`evidence` in
//! `RenderWaitReply`, `WaitResult` and batch wait steps), gathered from one look at the
//! screen, the output since the last input and the program.
//!
//! # What is in it
//!
//! - `lastLines`: the screen's last lines, up to the last non-blank one, at most
//!   [`MAX_LINES`] lines and [`MAX_BYTES`] bytes (newline per line counted; one line longer
//!   than that is cut at a character boundary); `linesOmitted` counts the lines above them
//!   (trailing blank rows are neither shown nor counted).
//! - `screenHash`, `cursorRow`, `cursorCol`: the screen looked at.
//! - `lastOutputSeq`, `lastOutputAgeMs`: the last `output` event and how long ago it
//!   arrived (absent when the program printed nothing yet).
//! - `programRunning`; `outputSinceSeq`: for `in: "output"`, the input (or command start)
//!   the output is counted from.
//! - `nearMiss` (`text`/`regex` not found): the line closest to the needle by edit
//!   distance — the fewest insertions, deletions and substitutions that turn the needle
//!   into a substring of the line — when that distance is at most a third of the needle's
//!   length (at least 1). `row` is the screen row, or for `in: "output"` the line number
//!   in the output since the anchor. A regex is compared through its longest literal run
//!   (`\d+ items` → ` items`); a pattern without a run of 3 literal characters gets none.
//!   Only the first 200 characters of a needle and the last 100 lines of the screen or
//!   the output (500 characters each) are compared: at most 10 million steps (tens of ms at worst, once per
//!   time-out; a usual 80×24 screen and a short needle take microseconds).
//! - `beforeBaseline` (the content is there, but the screen was captured at or before
//!   the Wait Baseline): `{seq, afterSeq}`.
//! - `waitingForInput` (the program runs and looks like it waits for input): the screen
//!   ends in a prompt — the cursor is on the last non-blank row, nothing but blanks after
//!   it, and the text before it ends in `$ `, `# `, `> `, `% `, `: ` or `? ` (columns are
//!   counted as characters, so wide characters before the cursor can hide a prompt) — or
//!   the foreground process group's leader (`tpgid` of `/proc/<pid>/stat`) sleeps in a
//!   terminal read (`/proc/<tpgid>/wchan` is `n_tty_read` or `wait_woken`, where a
//!   `read(2)` on a terminal sleeps). Shells at a readline prompt sleep in `select`, so
//!   for them the screen is what tells.
//! - `summary`: the same in one sentence (the human output prints it).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::output_since::OutputSince;
use crate::protocol::Seq;
use crate::wait_condition::{Needle, ScreenView, WaitCondition, WaitIn};

/// The most screen lines in `lastLines`.
pub const MAX_LINES: usize = 40;
/// The most bytes of `lastLines` (each line plus one for its newline).
pub const MAX_BYTES: usize = 4096;

/// The longest part of a needle compared for a near miss, in characters.
const NEEDLE_CHARS: usize = 200;
/// The most lines (the newest) compared for a near miss.
const NEAR_MISS_LINES: usize = 100;
/// The longest part of a line compared for a near miss, in characters.
const LINE_CHARS: usize = 500;
/// How the text before the cursor ends when the screen shows a prompt.
const PROMPT_ENDS: [&str; 6] = ["$ ", "# ", "> ", "% ", ": ", "? "];

/// Why a wait timed out (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WaitEvidence {
    /// The screen's last lines (up to the last non-blank one; at most 40 lines / 4 KiB).
    pub last_lines: Vec<String>,
    /// How many screen lines above `lastLines` were left out.
    pub lines_omitted: u64,
    /// The Screen Hash of the screen looked at.
    pub screen_hash: String,
    /// The cursor row (0-based).
    pub cursor_row: u16,
    /// The cursor column (0-based).
    pub cursor_col: u16,
    /// The seq of the last `output` event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_output_seq: Option<Seq>,
    /// How long ago the last output arrived, in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_output_age_ms: Option<u64>,
    /// Whether the program is still running.
    pub program_running: bool,
    /// `in: "output"`: the seq of the input (or command start) the output is counted from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_since_seq: Option<Seq>,
    /// The line closest to the needle, when the needle was not found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near_miss: Option<NearMiss>,
    /// The content is there, but only at or before the Wait Baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_baseline: Option<BeforeBaseline>,
    /// The program looks like it is waiting for input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_for_input: Option<WaitingForInput>,
    /// All of this in one sentence.
    pub summary: String,
}

/// The line closest to a needle that was not found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NearMiss {
    /// The line (trailing blanks trimmed).
    pub text: String,
    /// Its screen row, or its line number in the output since the anchor.
    pub row: u64,
    /// Edits that turn the needle into a substring of the line.
    pub distance: u64,
}

/// The content was there before the Wait Baseline only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BeforeBaseline {
    /// The seq the screen showing it was captured at.
    pub seq: Seq,
    /// The baseline (`afterSeq`) it had to be after.
    pub after_seq: Seq,
}

/// The program looks like it is waiting for input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WaitingForInput {
    /// The line the cursor is on (trailing blanks trimmed).
    pub last_line: String,
    /// The cursor row.
    pub cursor_row: u16,
    /// The cursor column.
    pub cursor_col: u16,
    /// The text before the cursor ends like a prompt.
    pub prompt: bool,
    /// The foreground process sleeps in a terminal read.
    pub reading_terminal: bool,
}

/// What the wait waited for.
#[derive(Debug, Clone, Copy)]
pub enum WaitedFor<'a> {
    /// `--exit`.
    Exit,
    /// `--idle-ms`.
    Idle {
        /// The quiet time asked for.
        idle_ms: u64,
    },
    /// A render wait.
    Render(&'a WaitCondition),
}

/// What was looked at.
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    /// The visible lines.
    pub lines: &'a [String],
    /// The cursor row.
    pub cursor_row: u16,
    /// The cursor column.
    pub cursor_col: u16,
    /// The seq of the last event applied to the screen.
    pub captured_at_seq: u64,
    /// The output since the last input.
    pub output: &'a OutputSince,
    /// How long ago the last output arrived.
    pub last_output_age_ms: Option<u64>,
    /// Whether the program still runs.
    pub program_running: bool,
    /// Whether its foreground process sleeps in a terminal read ([`reading_terminal`]).
    pub reading_terminal: bool,
}

/// Gathers the evidence of a time-out.
pub fn gather(waited: WaitedFor<'_>, seen: &Observed<'_>) -> WaitEvidence {
    let (last_lines, lines_omitted) = last_lines(seen.lines);
    let canonical = seen.lines.join("\n");
    let waiting_for_input = seen.program_running.then(|| waiting_for_input(seen)).flatten();
    let mut evidence = WaitEvidence {
        last_lines,
        lines_omitted,
        screen_hash: agent_tty_vt::screen_hash(&[canonical.as_str()]),
        cursor_row: seen.cursor_row,
        cursor_col: seen.cursor_col,
        last_output_seq: seen.output.last_output_seq().map(Seq),
        last_output_age_ms: seen.output.last_output_seq().and(seen.last_output_age_ms),
        program_running: seen.program_running,
        output_since_seq: None,
        near_miss: None,
        before_baseline: None,
        waiting_for_input,
        summary: String::new(),
    };
    let finding = match waited {
        WaitedFor::Exit => "the program did not exit".to_string(),
        WaitedFor::Idle { idle_ms } => format!("the output never paused for {}", duration(idle_ms)),
        WaitedFor::Render(condition) => render_finding(condition, seen, &canonical, &mut evidence),
    };
    evidence.summary = summary(&finding, &evidence);
    evidence
}

/// What a render wait found, filling in `nearMiss`, `beforeBaseline`, `outputSinceSeq`.
fn render_finding(
    condition: &WaitCondition,
    seen: &Observed<'_>,
    canonical: &str,
    evidence: &mut WaitEvidence,
) -> String {
    let output = condition.within() == WaitIn::Output;
    if output {
        evidence.output_since_seq = seen.output.anchor_seq().map(Seq);
    }
    let view = ScreenView {
        canonical_text: canonical,
        cursor_row: seen.cursor_row,
        cursor_col: seen.cursor_col,
        captured_at_seq: seen.captured_at_seq,
        output_text: Some(seen.output.text()),
    };
    let found = condition.find_content(&view);
    let blocked = condition.after_seq().filter(|&after| seen.captured_at_seq <= after);
    let Some(needle) = condition.needle() else {
        return no_needle_finding(condition, seen, blocked);
    };
    let (quoted, kind) = match needle {
        Needle::Text(text) => (quote(text), "text"),
        Needle::Regex(pattern) => (format!("/{}/", cut(pattern, 80)), "pattern"),
    };
    let place = match (output, seen.output.anchor_seq()) {
        (false, _) => "on the screen".to_string(),
        (true, Some(seq)) => format!("in the output since seq {seq} (the echo of the input does not count)"),
        (true, None) => "in the output".to_string(),
    };
    if let (Some(Some(_)), Some(after)) = (&found, blocked) {
        evidence.before_baseline =
            Some(BeforeBaseline { seq: Seq(seen.captured_at_seq), after_seq: Seq(after) });
        return format!(
            "the {kind} {quoted} is {place}, but it appeared before your baseline: nothing after seq {after} was \
             captured (the screen is at seq {})",
            seen.captured_at_seq
        );
    }
    if let Some(Some(_)) = found {
        return format!("the {kind} {quoted} is {place}, but {}", other_conditions(condition, seen));
    }
    let literal = match needle {
        Needle::Text(text) => Some(text.to_string()),
        Needle::Regex(pattern) => regex_literal(pattern),
    };
    if let Some(literal) = literal {
        evidence.near_miss = if output {
            let lines: Vec<&str> = seen.output.text().split('\n').collect();
            let skip = lines.len().saturating_sub(NEAR_MISS_LINES);
            near_miss(&literal, lines.iter().copied().enumerate().skip(skip))
        } else {
            let skip = seen.lines.len().saturating_sub(NEAR_MISS_LINES);
            near_miss(&literal, seen.lines.iter().map(String::as_str).enumerate().skip(skip))
        };
    }
    let mut finding = format!("the {kind} {quoted} was not found {place}");
    if let Some(near) = &evidence.near_miss {
        let edits = if near.distance == 1 { "edit" } else { "edits" };
        let at = if output { "output line" } else { "row" };
        finding.push_str(&format!(
            "; the closest is {at} {}: {} ({} {edits} away)",
            near.row,
            quote(&near.text),
            near.distance
        ));
    }
    if output && condition.find_content(&ScreenView { output_text: Some(canonical), ..view }).is_some() {
        // The same search on the screen text: it is there, but only as echo or older output.
        finding.push_str(", although the screen shows it (as the echo of the input or older output)");
    }
    finding
}

/// A wait on the cursor or stability alone.
fn no_needle_finding(condition: &WaitCondition, seen: &Observed<'_>, blocked: Option<u64>) -> String {
    if let Some(after) = blocked {
        return format!(
            "nothing after the baseline seq {after} was captured (the screen is at seq {})",
            seen.captured_at_seq
        );
    }
    format!("the screen did not satisfy the condition: {}", other_conditions(condition, seen))
}

/// Which of the cursor and stability conditions failed.
fn other_conditions(condition: &WaitCondition, seen: &Observed<'_>) -> String {
    let (row, col) = condition.cursor();
    let row_ok = row.is_none_or(|r| r == u64::from(seen.cursor_row));
    let col_ok = col.is_none_or(|c| c == u64::from(seen.cursor_col));
    if !(row_ok && col_ok) {
        let want = |v: Option<u64>| v.map_or("any".to_string(), |v| v.to_string());
        return format!(
            "the cursor is at row {}, col {} (expected row {}, col {})",
            seen.cursor_row,
            seen.cursor_col,
            want(row),
            want(col)
        );
    }
    match condition.screen_stable_ms() {
        Some(ms) => format!("the screen never stayed unchanged for {}", duration(ms)),
        None => "the condition did not hold when it was looked at".to_string(),
    }
}

fn summary(finding: &str, evidence: &WaitEvidence) -> String {
    let mut parts = vec![format!("Timed out: {finding}")];
    let state =
        if evidence.program_running { "the program is still running" } else { "the program has exited" };
    let output = match (evidence.last_output_seq, evidence.last_output_age_ms) {
        (Some(seq), Some(age)) => format!("its last output (seq {seq}) came {} ago", duration(age)),
        (Some(seq), None) => format!("its last output is seq {seq}"),
        _ => "it has printed nothing".to_string(),
    };
    parts.push(format!("{state}; {output}"));
    if let Some(waiting) = &evidence.waiting_for_input {
        let how = if waiting.prompt {
            format!(
                "the screen ends in a prompt {} with the cursor at row {}, col {}",
                quote(&waiting.last_line),
                waiting.cursor_row,
                waiting.cursor_col
            )
        } else {
            "its foreground process is blocked reading the terminal".to_string()
        };
        parts.push(format!("it looks like it is waiting for input ({how})"));
    }
    let mut sentence = parts.join("; ");
    sentence.push('.');
    sentence
}

/// The screen's last lines within the budget, and how many lines above them were left out.
pub(crate) fn last_lines(lines: &[String]) -> (Vec<String>, u64) {
    let end = lines.iter().rposition(|l| !l.trim().is_empty()).map_or(0, |i| i + 1);
    let mut kept = Vec::new();
    let mut bytes = 0;
    for line in lines[..end].iter().rev() {
        if kept.len() == MAX_LINES {
            break;
        }
        let room = MAX_BYTES - bytes;
        if line.len() < room {
            bytes += line.len() + 1;
            kept.push(line.clone());
        } else {
            if kept.is_empty() {
                kept.push(cut_bytes(line, room - 1).to_string());
            }
            break;
        }
    }
    kept.reverse();
    let omitted = (end - kept.len()) as u64;
    (kept, omitted)
}

/// The closest line to `needle` within the threshold (ties: the later line).
fn near_miss<'l>(needle: &str, lines: impl Iterator<Item = (usize, &'l str)>) -> Option<NearMiss> {
    let needle: Vec<char> = needle.chars().take(NEEDLE_CHARS).collect();
    let threshold = (needle.len() / 3).max(1);
    let mut best: Option<NearMiss> = None;
    for (row, line) in lines {
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            continue;
        }
        let hay: Vec<char> = trimmed.chars().take(LINE_CHARS).collect();
        let distance = substring_distance(&needle, &hay);
        if distance <= threshold && best.as_ref().is_none_or(|b| distance as u64 <= b.distance) {
            best = Some(NearMiss { text: cut(trimmed, 200), row: row as u64, distance: distance as u64 });
        }
    }
    best
}

/// The edit distance between `needle` and the substring of `hay` closest to it
/// (Sellers' algorithm: a free start and end in `hay`).
pub fn substring_distance(needle: &[char], hay: &[char]) -> usize {
    // column[i]: the distance of needle[..i] ending at the current position of hay.
    let mut column: Vec<usize> = (0..=needle.len()).collect();
    let mut best = column[needle.len()];
    for &h in hay {
        let mut diagonal = column[0];
        column[0] = 0;
        for i in 1..=needle.len() {
            let substitution = diagonal + usize::from(needle[i - 1] != h);
            diagonal = column[i];
            column[i] = substitution.min(column[i] + 1).min(column[i - 1] + 1);
        }
        best = best.min(column[needle.len()]);
    }
    best
}

/// The longest run of literal characters in a JavaScript pattern (at least 3), for a
/// near miss: escapes of letters and digits, classes, groups, anchors, alternation and
/// quantifiers end a run; a character made optional by `?`, `*` or `{` is dropped.
pub fn regex_literal(pattern: &str) -> Option<String> {
    let mut runs: Vec<String> = vec![String::new()];
    let mut chars = pattern.chars().peekable();
    let end_run = |runs: &mut Vec<String>| runs.push(String::new());
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) if n.is_ascii_alphanumeric() => end_run(&mut runs),
                Some(n) => runs.last_mut().into_iter().for_each(|r| r.push(n)),
                None => {}
            },
            '[' => {
                end_run(&mut runs);
                while let Some(n) = chars.next() {
                    match n {
                        '\\' => {
                            chars.next();
                        }
                        ']' => break,
                        _ => {}
                    }
                }
            }
            '(' => {
                end_run(&mut runs);
                if chars.peek() == Some(&'?') {
                    chars.next();
                    while chars.next_if(|n| matches!(n, ':' | '=' | '!' | '<')).is_some() {}
                }
            }
            '?' | '*' | '{' => {
                if let Some(run) = runs.last_mut() {
                    run.pop();
                }
                end_run(&mut runs);
                if c == '{' {
                    while chars.next().is_some_and(|n| n != '}') {}
                }
            }
            '.' | '^' | '$' | '|' | ')' | '+' => end_run(&mut runs),
            c => runs.last_mut().into_iter().for_each(|r| r.push(c)),
        }
    }
    runs.into_iter().filter(|r| r.chars().count() >= 3).max_by_key(|r| r.chars().count())
}

/// The "waiting for input" heuristic (see the module docs).
fn waiting_for_input(seen: &Observed<'_>) -> Option<WaitingForInput> {
    let row = usize::from(seen.cursor_row);
    let line = seen.lines.get(row).map_or("", String::as_str);
    let below_blank = seen.lines.iter().skip(row + 1).all(|l| l.trim().is_empty());
    let col = usize::from(seen.cursor_col);
    let after_blank = line.chars().skip(col).all(char::is_whitespace);
    let mut before: String = line.chars().take(col).collect();
    while before.chars().count() < col {
        before.push(' ');
    }
    let prompt = below_blank && after_blank && PROMPT_ENDS.iter().any(|end| before.ends_with(end));
    (prompt || seen.reading_terminal).then(|| WaitingForInput {
        last_line: cut(line.trim_end(), 200),
        cursor_row: seen.cursor_row,
        cursor_col: seen.cursor_col,
        prompt,
        reading_terminal: seen.reading_terminal,
    })
}

/// Whether the foreground process group of `pid`'s terminal is led by a process that
/// sleeps in a terminal read (`/proc`; false when it cannot be told).
pub fn reading_terminal(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
    // Fields after the command's closing parenthesis: state ppid pgrp session tty_nr tpgid.
    let Some(tpgid) = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(5))
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|&v| v > 0)
    else {
        return false;
    };
    std::fs::read_to_string(format!("/proc/{tpgid}/wchan"))
        .is_ok_and(|wchan| matches!(wchan.trim(), "n_tty_read" | "wait_woken"))
}

/// `ms` as `850 ms` (always milliseconds, as the flags and keys count them).
fn duration(ms: u64) -> String {
    format!("{ms} ms")
}

/// A JSON-quoted string, cut to 80 characters.
fn quote(text: &str) -> String {
    serde_json::Value::from(cut(text, 80)).to_string()
}

/// `text` cut to `max` characters (with `…` when cut).
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((index, _)) => format!("{}…", &text[..index]),
        None => text.to_string(),
    }
}

/// The longest prefix of `text` of at most `max` bytes.
fn cut_bytes(text: &str, max: usize) -> &str {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wait_condition::WaitSpec;

    fn lines(text: &str) -> Vec<String> {
        text.split('\n').map(str::to_string).collect()
    }

    fn observed<'a>(lines: &'a [String], output: &'a OutputSince) -> Observed<'a> {
        Observed {
            lines,
            cursor_row: 0,
            cursor_col: 0,
            captured_at_seq: 9,
            output,
            last_output_age_ms: Some(1500),
            program_running: true,
            reading_terminal: false,
        }
    }

    fn condition(spec: WaitSpec) -> WaitCondition {
        WaitCondition::prepare(&spec).unwrap()
    }

    #[test]
    fn edit_distance_finds_the_closest_substring() {
        let d = |a: &str, b: &str| {
            substring_distance(&a.chars().collect::<Vec<_>>(), &b.chars().collect::<Vec<_>>())
        };
        assert_eq!(d("hello wrld", "$ echo hello world"), 1);
        assert_eq!(d("READY", "xx READY yy"), 0);
        assert_eq!(d("abc", ""), 3);
        assert_eq!(d("kitten", "sitting"), 2);
        assert_eq!(d("", "abc"), 0);
    }

    #[test]
    fn near_miss_picks_the_closest_line_within_a_third_of_the_needle() {
        let screen = lines("$ printf 'hello world\\n'\nhello world\n$ ");
        let output = OutputSince::new();
        let wait = condition(WaitSpec { text: Some("hello wrld".into()), ..WaitSpec::default() });
        let evidence = gather(WaitedFor::Render(&wait), &observed(&screen, &output));
        assert_eq!(
            evidence.near_miss,
            Some(NearMiss { text: "hello world".into(), row: 1, distance: 1 }),
            "ties go to the later line"
        );
        assert!(
            evidence.summary.contains(r#"the closest is row 1: "hello world" (1 edit away)"#),
            "{}",
            evidence.summary
        );
        let far = condition(WaitSpec { text: Some("goodbye".into()), ..WaitSpec::default() });
        assert_eq!(gather(WaitedFor::Render(&far), &observed(&screen, &output)).near_miss, None);
        // A regex is compared through its longest literal run.
        let regex = condition(WaitSpec { regex: Some(r"^\d+ hello wrld$".into()), ..WaitSpec::default() });
        assert_eq!(
            gather(WaitedFor::Render(&regex), &observed(&screen, &output)).near_miss.map(|n| n.row),
            Some(1)
        );
    }

    #[test]
    fn regex_literals() {
        assert_eq!(regex_literal(r"\d+ items").as_deref(), Some(" items"));
        assert_eq!(regex_literal(r"colou?r is (red|blue)").as_deref(), Some("r is "));
        assert_eq!(regex_literal(r"(?:abcde)+\.txt").as_deref(), Some("abcde"));
        assert_eq!(regex_literal(r"a.b"), None);
        assert_eq!(regex_literal(r"[xyz]{3}done\b").as_deref(), Some("done"));
    }

    #[test]
    fn the_baseline_excluding_the_content_is_said() {
        let screen = lines("ready");
        let output = OutputSince::new();
        let wait = condition(WaitSpec {
            text: Some("ready".into()),
            after_seq: Some(Seq(9)),
            ..WaitSpec::default()
        });
        let evidence = gather(WaitedFor::Render(&wait), &observed(&screen, &output));
        assert_eq!(evidence.before_baseline, Some(BeforeBaseline { seq: Seq(9), after_seq: Seq(9) }));
        assert_eq!(evidence.near_miss, None);
        assert!(evidence.summary.contains("appeared before your baseline"), "{}", evidence.summary);
    }

    #[test]
    fn in_output_the_echo_on_screen_is_pointed_out() {
        let screen = lines("$ sleep 1; echo READY");
        let mut output = OutputSince::new();
        output.on_input(4, Some("sleep 1; echo READY\n"));
        output.push_event(5, "sleep 1; echo READY\r\n");
        let wait = condition(WaitSpec {
            text: Some("READY".into()),
            within: crate::wait_condition::WaitIn::Output,
            ..WaitSpec::default()
        });
        let evidence = gather(WaitedFor::Render(&wait), &observed(&screen, &output));
        assert_eq!((evidence.output_since_seq, evidence.last_output_seq), (Some(Seq(4)), Some(Seq(5))));
        assert!(evidence.summary.contains("in the output since seq 4"), "{}", evidence.summary);
        assert!(evidence.summary.contains("although the screen shows it"), "{}", evidence.summary);
        assert!(evidence.summary.contains("came 1500 ms ago"), "{}", evidence.summary);
    }

    #[test]
    fn last_lines_keep_to_40_lines_and_4_kib() {
        let mut screen: Vec<String> = (0..50).map(|i| format!("line {i}")).collect();
        screen.extend(["".to_string(), "  ".to_string()]);
        let (kept, omitted) = last_lines(&screen);
        assert_eq!((kept.len(), omitted), (40, 10));
        assert_eq!((kept[0].as_str(), kept[39].as_str()), ("line 10", "line 49"));
        let wide: Vec<String> = (0..30).map(|i| format!("{i:03}{}", "x".repeat(297))).collect();
        let (kept, omitted) = last_lines(&wide);
        assert_eq!((kept.len(), omitted), (13, 17));
        assert!(kept.iter().map(|l| l.len() + 1).sum::<usize>() <= MAX_BYTES);
        let (kept, omitted) = last_lines(&["é".repeat(3000)]);
        assert_eq!((kept[0].len(), omitted), (4094, 0));
        assert_eq!(last_lines(&lines("\n\n")), (vec![], 0));
    }

    #[test]
    fn a_prompt_at_the_cursor_means_waiting_for_input() {
        let screen = lines("$ cat\nName: \n\n");
        let output = OutputSince::new();
        let at = |row, col, reading| {
            let seen = Observed {
                cursor_row: row,
                cursor_col: col,
                reading_terminal: reading,
                ..observed(&screen, &output)
            };
            gather(WaitedFor::Exit, &seen)
        };
        let evidence = at(1, 6, false);
        assert_eq!(
            evidence.waiting_for_input,
            Some(WaitingForInput {
                last_line: "Name:".into(),
                cursor_row: 1,
                cursor_col: 6,
                prompt: true,
                reading_terminal: false
            })
        );
        assert!(
            evidence.summary.starts_with("Timed out: the program did not exit; the program is still running")
        );
        assert!(
            evidence.summary.contains(r#"ends in a prompt "Name:" with the cursor at row 1, col 6"#),
            "{}",
            evidence.summary
        );
        assert_eq!(at(1, 3, false).waiting_for_input, None, "text after the cursor");
        assert_eq!(at(0, 5, false).waiting_for_input, None, "not a prompt, and a line below");
        assert!(at(0, 5, true).waiting_for_input.is_some_and(|w| w.reading_terminal && !w.prompt));
        let exited =
            Observed { program_running: false, cursor_row: 1, cursor_col: 6, ..observed(&screen, &output) };
        assert_eq!(gather(WaitedFor::Exit, &exited).waiting_for_input, None);
    }

    #[test]
    fn the_evidence_serialises_in_camel_case() {
        let screen = lines("$ ");
        let output = OutputSince::new();
        let evidence = gather(
            WaitedFor::Idle { idle_ms: 500 },
            &Observed { cursor_col: 2, ..observed(&screen, &output) },
        );
        let json = serde_json::to_string(&evidence).unwrap();
        assert!(json.starts_with(r#"{"lastLines":["$ "],"linesOmitted":0,"screenHash":""#), "{json}");
        assert!(
            json.contains(
                r#""cursorRow":0,"cursorCol":2,"programRunning":true,"waitingForInput":{"lastLine":"$","#
            ),
            "{json}"
        );
        assert!(json.ends_with(r#""summary":"Timed out: the output never paused for 500 ms; the program is still running; it has printed nothing; it looks like it is waiting for input (the screen ends in a prompt \"$\" with the cursor at row 0, col 2)."}"#), "{json}");
    }
}
