//! `agent-tty snapshot`: the screen as lines (`structured`) or one string (`text`), from
//! the live host when it runs, else replayed from the event log. Every capture is also
//! written as an artifact.

use agent_tty_core::client::call_typed;
use agent_tty_core::event_stream::DamageReport;
use agent_tty_core::log_point::{self, Point};
use agent_tty_core::manifest::{SessionRecord, Status};
use agent_tty_core::paths::SessionPaths;
use agent_tty_core::protocol::method::Snapshot;
use agent_tty_core::protocol::{NumberedLine, SinceHash, SnapshotParams, SnapshotResult};
use agent_tty_core::snapshot::{Format, persist, result};
use agent_tty_core::{ErrorCode, Result, hash_lookup, replay, session};
use agent_tty_vt::SnapshotOptions;

use crate::cli::{AtArgs, SnapshotArgs};
use crate::context::Context;
use crate::output::Outcome;

/// Runs `snapshot`.
pub fn run(context: &Context, args: &SnapshotArgs) -> Result<Outcome> {
    run_keeping(context, args, true)
}

/// Runs `snapshot`, keeping a whole screen as an artifact or not (`keep`: the CLI always
/// does; the MCP tool only when asked, so that an agent's frequent reads stay memory
/// reads and do not grow the artifact manifest).
pub fn run_keeping(context: &Context, args: &SnapshotArgs, keep: bool) -> Result<Outcome> {
    let format = Format::parse(&args.format)?;
    let at = point_of(&args.at)?;
    if let Some(hash) = &args.since_hash {
        hash_lookup::check("--since-hash", hash)?;
    }
    let (paths, record) = session::find(&context.home.path, &args.session.session_id)?;
    let options = SnapshotOptions { scrollback: args.include_scrollback, cells: args.include_cells };
    let snapshot = take_keeping(&paths, &record, format, options, at, args.since_hash.as_deref(), keep)?;
    let mut human = human_lines(&snapshot, args.include_scrollback);
    human.extend(snapshot.since_hash.as_ref().map(|since| match (&since.summary, since.seq) {
        (Some(summary), Some(seq)) => format!("Since the screen at seq {seq}: {summary}"),
        _ => "That Screen Hash was never seen in this session: the whole screen is shown.".to_string(),
    }));
    human.extend(snapshot.damage.as_ref().map(DamageReport::summary));
    Ok(crate::commands::redactions::with_redactions(Outcome::new(snapshot, human), &paths))
}

/// A snapshot now or at a past point, whole or (`since_hash`) only the rows changed since
/// the screen that had a hash; a whole screen is also kept as an artifact.
pub fn take(
    paths: &SessionPaths,
    record: &SessionRecord,
    format: Format,
    options: SnapshotOptions,
    at: Option<Point>,
    since: Option<&str>,
) -> Result<SnapshotResult> {
    take_keeping(paths, record, format, options, at, since, true)
}

/// [`take`], keeping a whole screen as an artifact only when `keep`.
fn take_keeping(
    paths: &SessionPaths,
    record: &SessionRecord,
    format: Format,
    options: SnapshotOptions,
    at: Option<Point>,
    since: Option<&str>,
    keep: bool,
) -> Result<SnapshotResult> {
    let mut snapshot = match at {
        Some(point) => capture_at(paths, record, point, format, options)?.0,
        None => capture(paths, record, format, options)?,
    };
    match since {
        // Only the rows changed since: not a whole screen, so not kept as an artifact.
        Some(hash) => since_hash(paths, record, hash, &mut snapshot, options)?,
        None if keep => {
            persist(paths, &snapshot, options.scrollback)?;
        }
        None => {}
    }
    Ok(snapshot)
}

/// A replay up to `until` that can show a snapshot with `options`: one of the visible
/// screen may start from the host's screen checkpoints.
fn replay_for(
    paths: &SessionPaths,
    record: &SessionRecord,
    until: Option<u64>,
    options: SnapshotOptions,
) -> Result<replay::Replayed> {
    if options.scrollback {
        replay::replay(paths, record, until)
    } else {
        replay::replay_visible(paths, record, until)
    }
}

/// The point `--at-seq`/`--at-time` ask for, if any.
pub fn point_of(at: &AtArgs) -> Result<Option<Point>> {
    match (&at.at_seq, &at.at_time) {
        (Some(seq), _) => Point::parse_seq("--at-seq", seq).map(Some),
        (None, Some(time)) => Point::parse_time("--at-time", time).map(Some),
        (None, None) => Ok(None),
    }
}

/// The screen at a past point, replayed from the event log (live sessions too), with its
/// capturedAtSeq the seq shown; and the time of that seq.
pub fn capture_at(
    paths: &SessionPaths,
    record: &SessionRecord,
    point: Point,
    format: Format,
    options: SnapshotOptions,
) -> Result<(SnapshotResult, u64)> {
    let resolved = log_point::resolve_at(&paths.events, point)?;
    let mut replayed = replay_for(paths, record, Some(resolved.seq), options)?;
    if record.status == Status::Running {
        replayed.damage.forget_torn_tail();
    }
    let snap = replayed.screen.snapshot(options);
    let mut out = result(&paths.id, resolved.seq, &snap, format);
    out.damage = replayed.damage.report();
    Ok((out, resolved.ts_ms))
}

/// Keeps only the rows changed since the screen that had `hash` (all of them when no
/// screen had it), and says so in `sinceHash`.
fn since_hash(
    paths: &SessionPaths,
    record: &SessionRecord,
    hash: &str,
    snapshot: &mut SnapshotResult,
    options: SnapshotOptions,
) -> Result<()> {
    let (found, _) = hash_lookup::find(paths, record, hash)?;
    let Some((seq, _)) = found else {
        snapshot.since_hash = Some(SinceHash {
            hash: hash.to_string(),
            found: false,
            seq: None,
            changed_rows: None,
            summary: None,
        });
        return Ok(());
    };
    let before =
        replay::replay_visible(paths, record, Some(seq))?.screen.snapshot(SnapshotOptions::default());
    let now_seq = snapshot.captured_at_seq.get();
    let after = replay_for(paths, record, Some(now_seq), options)?.screen.snapshot(options);
    let changes = agent_tty_core::screen_diff::compare(&before, &after, usize::MAX);
    let rows: std::collections::BTreeSet<usize> = changes.rows.iter().map(|row| row.row).collect();
    if let Some(lines) = &mut snapshot.visible_lines {
        lines.retain(|line| rows.contains(&line.row));
    }
    if let Some(text) = &mut snapshot.text {
        *text = after
            .visible_lines
            .iter()
            .enumerate()
            .filter(|(row, _)| rows.contains(row))
            .map(|(_, l)| l.as_str())
            .collect::<Vec<_>>()
            .join("\n");
    }
    snapshot.since_hash = Some(SinceHash {
        hash: hash.to_string(),
        found: true,
        seq: Some(seq),
        changed_rows: Some(changes.changed_rows),
        summary: Some(changes.summary),
    });
    Ok(())
}

/// Takes a snapshot from the live host, or offline when the host is gone. An offline
/// snapshot of a damaged log carries a trailing `damage` object ([`DamageReport`]).
pub fn capture(
    paths: &SessionPaths,
    record: &SessionRecord,
    format: Format,
    options: SnapshotOptions,
) -> Result<SnapshotResult> {
    if record.status == Status::Running {
        let params = SnapshotParams {
            format: Some(format),
            include_scrollback: Some(options.scrollback),
            include_cells: Some(options.cells),
            renderer_name: None,
        };
        match call_typed::<Snapshot>(paths, &params) {
            Err(e) if e.code == ErrorCode::HostUnreachable => {}
            other => return other,
        }
    }
    let mut replayed = replay_for(paths, record, None, options)?;
    if record.status == Status::Running {
        // A host that did not answer may still be writing its last line.
        replayed.damage.forget_torn_tail();
    }
    let snap = replayed.screen.snapshot(options);
    let mut out = result(&paths.id, replayed.last_seq.unwrap_or(0), &snap, format);
    out.damage = replayed.damage.report();
    Ok(out)
}

fn human_lines(result: &SnapshotResult, with_scrollback: bool) -> Vec<String> {
    let hidden = if result.cursor_visible == Some(false) { " (hidden)" } else { "" };
    let mut lines = vec![
        format!("Session ID: {}", result.session_id),
        format!("Captured At Seq: {}", result.captured_at_seq),
        format!("Format: {}", result.format.as_str()),
        format!("Size: {}x{}", result.cols, result.rows),
        format!("Cursor: row {}, col {}{hidden}", result.cursor_row, result.cursor_col),
    ];
    match result.format {
        Format::Text => {
            lines.push("Text:".into());
            // Blank rows below the last text are left out here (the JSON keeps every row).
            let text = result.text.as_deref().unwrap_or("").trim_end_matches('\n');
            lines.push(if text.is_empty() { "(empty)".into() } else { text.to_string() });
        }
        Format::Structured => {
            let yes = if result.is_alt_screen == Some(true) { "yes" } else { "no" };
            lines.push(format!("Alt Screen: {yes}"));
            let block = |title: &str, rows: &[NumberedLine], out: &mut Vec<String>| {
                out.push(format!("{title} ({}):", rows.len()));
                if rows.is_empty() {
                    out.push("  (none)".into());
                }
                for row in rows {
                    out.push(format!("  [{}] {}", row.row, row.text));
                }
            };
            let visible = result.visible_lines.as_deref().unwrap_or_default();
            if with_scrollback {
                block("Scrollback Lines", result.scrollback_lines.as_deref().unwrap_or_default(), &mut lines);
            }
            if !with_scrollback && visible.is_empty() {
                lines.push("Visible Lines: (none)".into());
            } else {
                block("Visible Lines", visible, &mut lines);
            }
        }
    }
    lines
}
