//! `agent-tty find`: when did a text or a regex appear on screen. Reads the event log
//! (live sessions too: the log as it is when the search starts, its last line possibly
//! being written) through `agent_tty_core::find`, and reports the seq and time of each
//! appearance, optionally with a PNG of the screen at that moment (the same artifact as
//! `screenshot`).
//!
//! No match is not an error: the result has `matches: []` and the human output says
//! "No match." (exit 0), so "did it ever show up?" is one call whose answer is in the
//! result, not in the exit code.

use agent_tty_core::event_stream::DamageReport;
use agent_tty_core::find::{Appearance, FindOptions, Mode, Query};
use agent_tty_core::log_point::Point;
use agent_tty_core::manifest::{SessionRecord, Status};
use agent_tty_core::paths::SessionPaths;
use agent_tty_core::{Error, Result, find, session, time};
use agent_tty_render::Profile;
use schemars::JsonSchema;
use serde::Serialize;

use super::screenshot::{Png, requested_profile, write_png};
use crate::cli::FindArgs;
use crate::context::Context;
use crate::output::Outcome;

/// `--max` when not given.
const DEFAULT_MAX: usize = 100;

/// How many appearances of `--all` get a screenshot.
const MAX_SCREENSHOTS: usize = 10;

/// The result of `find`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FindResult {
    /// The session.
    pub session_id: String,
    /// What was looked for.
    pub query: FindQuery,
    /// `first`, `last` or `all`.
    pub mode: &'static str,
    /// The reported appearances, oldest first (empty: no match).
    pub matches: Vec<FindMatch>,
    /// `all`: every appearance in range; `first` and `last`: 0 or 1 (the search stops at the one it reports).
    pub total: u64,
    /// `all` found more than `--max` appearances: only the first `--max` are listed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// The seq of the last event read (null: the log has no event in range).
    pub scanned_to_seq: Option<u64>,
    /// What had to be skipped in a damaged log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub damage: Option<DamageReport>,
}

/// What `find` looked for: `text` or `regex`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FindQuery {
    /// The substring.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The JavaScript pattern.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
}

/// One appearance.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FindMatch {
    /// The seq of the event after which it was on screen.
    pub seq: u64,
    /// That event's time (ISO 8601, UTC).
    pub time: String,
    /// The 0-based screen row it appeared on (a match spanning rows: its first row).
    pub row: u16,
    /// The matching row's text (a match spanning rows: the matched text).
    pub text: String,
    /// The screen at that moment, with `--screenshot`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screenshot: Option<FindScreenshot>,
}

/// A PNG of the screen at an appearance (an artifact like `screenshot`'s).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FindScreenshot {
    /// The PNG.
    pub path: String,
    /// The render profile.
    pub profile_name: &'static str,
    /// Width in pixels.
    pub pixel_width: u32,
    /// Height in pixels.
    pub pixel_height: u32,
    /// The PNG's size.
    pub png_size_bytes: usize,
    /// The PNG's SHA-256 (hex).
    pub sha256: String,
}

/// Runs `find`.
pub fn run(context: &Context, args: &FindArgs) -> Result<Outcome> {
    let query = Query::new(args.text.as_deref(), args.regex.as_deref())?;
    let mode = mode(args)?;
    let max = max(args, mode)?;
    let after_seq = seq_flag("--after-seq", args.after_seq.as_deref())?;
    let before_seq = seq_flag("--before-seq", args.before_seq.as_deref())?;
    if let (Some(after), Some(before)) = (after_seq, before_seq)
        && before <= after.saturating_add(1)
    {
        return Err(Error::invalid_input(format!(
            "--before-seq ({before}) must be more than one past --after-seq ({after}): no event lies between them."
        )));
    }
    let profile = if args.screenshot {
        let name = requested_profile(context, args.profile.as_deref());
        Some(Profile::resolve(&name).ok_or_else(|| {
            Error::invalid_input(format!(
                "unknown render profile: {name} (reference-dark or reference-light)."
            ))
            .with("profile", name.as_str())
        })?)
    } else if args.profile.is_some() {
        return Err(Error::invalid_input(
            "--profile is for --screenshot: add --screenshot or leave --profile out.",
        ));
    } else {
        None
    };
    let (paths, record) = session::find(&context.home.path, &args.session.session_id)?;
    let result = search(&paths, &record, &query, mode, max, (after_seq, before_seq), profile.as_ref())?;
    let human = human_lines(&result);
    Ok(crate::commands::redactions::with_redactions(Outcome::new(result, human), &paths))
}

/// Searches the session's history (`find`, and batch `find` steps), with a screenshot of
/// each reported moment when a `profile` is given.
pub fn search(
    paths: &SessionPaths,
    record: &SessionRecord,
    query: &Query,
    mode: Mode,
    max: usize,
    (after_seq, before_seq): (Option<u64>, Option<u64>),
    profile: Option<&Profile>,
) -> Result<FindResult> {
    let snapshots = match (profile.is_some(), mode) {
        (false, _) => 0,
        (true, Mode::All) => MAX_SCREENSHOTS,
        (true, _) => 1,
    };
    let options =
        FindOptions { mode, max, after_seq, before_seq, snapshots, live: record.status == Status::Running };
    let found = find::find(paths, record, query, &options)?;
    let mut written: Vec<(u64, FindScreenshot)> = Vec::new();
    let mut matches = Vec::with_capacity(found.appearances.len());
    for appearance in found.appearances {
        let screenshot = match (profile, &appearance.snapshot) {
            (Some(profile), Some(_)) => Some(screenshot(paths, &appearance, profile, &mut written)?),
            _ => None,
        };
        matches.push(FindMatch {
            seq: appearance.seq,
            time: time::format_iso(appearance.ts_ms),
            row: appearance.row,
            text: appearance.text,
            screenshot,
        });
    }
    let (text, regex) = match query {
        Query::Text(text) => (Some(text.clone()), None),
        Query::Regex(_) => (None, Some(query.source().to_string())),
    };
    let result = FindResult {
        session_id: paths.id.clone(),
        query: FindQuery { text, regex },
        mode: mode.as_str(),
        truncated: mode == Mode::All && found.total > matches.len() as u64,
        matches,
        total: found.total,
        scanned_to_seq: found.scanned_to_seq,
        damage: found.damage.report(),
    };
    Ok(result)
}

/// `--first` (the default), `--last` or `--all`.
fn mode(args: &FindArgs) -> Result<Mode> {
    match (args.first, args.last, args.all) {
        (_, false, false) => Ok(Mode::First),
        (false, true, false) => Ok(Mode::Last),
        (false, false, true) => Ok(Mode::All),
        _ => Err(Error::invalid_input("--first, --last and --all are mutually exclusive: give one of them.")),
    }
}

/// `--max` (only with `--all`).
fn max(args: &FindArgs, mode: Mode) -> Result<usize> {
    let Some(raw) = args.max.as_deref() else { return Ok(DEFAULT_MAX) };
    if mode != Mode::All {
        return Err(
            Error::invalid_input("--max is for --all: add --all or leave --max out.").with("max", raw)
        );
    }
    let digits = raw.trim();
    match digits.parse::<usize>() {
        Ok(n) if n > 0 && digits.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(Error::invalid_input(format!(
            "--max must be a positive integer (the most appearances to list); got {raw:?}."
        ))
        .with("max", raw)),
    }
}

/// A seq flag's value.
fn seq_flag(flag: &str, raw: Option<&str>) -> Result<Option<u64>> {
    let Some(raw) = raw else { return Ok(None) };
    // `parse_seq` only ever gives a seq.
    let Point::Seq(seq) = Point::parse_seq(flag, raw)? else { return Ok(None) };
    Ok(Some(seq))
}

/// The PNG of the screen at `appearance`, written once per seq.
fn screenshot(
    paths: &SessionPaths,
    appearance: &Appearance,
    profile: &Profile,
    written: &mut Vec<(u64, FindScreenshot)>,
) -> Result<FindScreenshot> {
    if let Some((_, done)) = written.iter().find(|(seq, _)| *seq == appearance.seq) {
        return Ok(done.clone());
    }
    let Some(snapshot) = &appearance.snapshot else {
        return Err(Error::internal("find: an appearance to render has no snapshot"));
    };
    let Png { path, sha256, metadata } = write_png(paths, snapshot, appearance.seq, profile, false)?;
    let shot = FindScreenshot {
        path: path.display().to_string(),
        profile_name: metadata.profile_name,
        pixel_width: metadata.pixel_width,
        pixel_height: metadata.pixel_height,
        png_size_bytes: metadata.png_size_bytes,
        sha256,
    };
    written.push((appearance.seq, shot.clone()));
    Ok(shot)
}

fn human_lines(result: &FindResult) -> Vec<String> {
    let mut lines: Vec<String> = result
        .matches
        .iter()
        .flat_map(|m| {
            let found = format!("seq {} at {} row {}: {}", m.seq, m.time, m.row, m.text.replace('\n', "\\n"));
            std::iter::once(found).chain(m.screenshot.as_ref().map(|s| format!("  screenshot: {}", s.path)))
        })
        .collect();
    if lines.is_empty() {
        lines.push("No match.".to_string());
    }
    if result.truncated {
        lines.push(format!("{} of {} appearances listed (--max).", result.matches.len(), result.total));
    }
    lines.extend(result.damage.as_ref().map(DamageReport::summary));
    lines
}
