//! `agent-tty diff`: what changed on a session's screen between two points of its history
//! (seqs, times, or the screen that had a Screen Hash; the later point defaults to now),
//! replayed from the event log, live or offline.

use agent_tty_core::event_stream::DamageReport;
use agent_tty_core::log_point::{self, Point};
use agent_tty_core::manifest::{SessionRecord, Status};
use agent_tty_core::paths::SessionPaths;
use agent_tty_core::screen_diff::{self, ScreenAt, ScreenChanges};
use agent_tty_core::{Error, Result, hash_lookup, replay, session, time};
use agent_tty_vt::SnapshotOptions;
use schemars::JsonSchema;
use serde::Serialize;

use crate::cli::DiffArgs;
use crate::context::Context;
use crate::numbers::parse_int;
use crate::output::Outcome;

/// The result of `diff`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiffResult {
    /// The session.
    pub session_id: String,
    /// The earlier screen.
    pub from: ScreenAt,
    /// The later screen.
    pub to: ScreenAt,
    /// What changed.
    #[serde(flatten)]
    pub changes: ScreenChanges,
    /// What the read of a damaged log skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub damage: Option<DamageReport>,
}

/// Runs `diff`.
pub fn run(context: &Context, args: &DiffArgs) -> Result<Outcome> {
    let max_rows = match parse_int(&args.max_rows) {
        Some(n) if n >= 0 && args.max_rows.trim().bytes().all(|b| b.is_ascii_digit()) => n as usize,
        _ => {
            return Err(Error::invalid_input(format!(
                "--max-rows must be a non-negative integer (the most changed rows to list); got {:?}.",
                args.max_rows
            ))
            .with("maxRows", args.max_rows.as_str()));
        }
    };
    let from = args.from.as_deref().map(|raw| Point::parse_any("--from", raw)).transpose()?;
    if let Some(hash) = &args.from_hash {
        hash_lookup::check("--from-hash", hash)?;
    }
    let to = args.to.as_deref().map(|raw| Point::parse_any("--to", raw)).transpose()?;
    let (paths, record) = session::find(&context.home.path, &args.session.session_id)?;
    let result = compute(&paths, &record, from, args.from_hash.as_deref(), to, max_rows)?;
    let human = human_lines(&result);
    Ok(crate::commands::redactions::with_redactions(Outcome::new(result, human), &paths))
}

/// What changed between `from` (or the screen that had `from_hash`) and `to` (default:
/// the end of the log).
pub fn compute(
    paths: &SessionPaths,
    record: &SessionRecord,
    from: Option<Point>,
    from_hash: Option<&str>,
    to: Option<Point>,
    max_rows: usize,
) -> Result<DiffResult> {
    // Each point is resolved once (a seq, its time): a hash names a seq, resolved as one.
    let from_point = match (from, from_hash) {
        (Some(point), _) => point,
        (None, Some(hash)) => match hash_lookup::find(paths, record, hash)?.0 {
            Some((seq, _)) => Point::Seq(seq),
            None => {
                return Err(Error::invalid_input(format!(
                    "No screen of this session had the Screen Hash {hash}: give --from a seq or a time instead."
                ))
                .with("fromHash", hash));
            }
        },
        (None, None) => return Err(Error::invalid_input("Give --from (a seq or a time) or --from-hash.")),
    };
    let to_point = to.unwrap_or(Point::BeforeEnd(0));
    let to_at = log_point::resolve_at(&paths.events, to_point)?;
    let from_at = log_point::resolve_at(&paths.events, from_point)?;
    if from_at.seq > to_at.seq {
        return Err(Error::invalid_input(format!(
            "--from (seq {}) comes after --to (seq {}): give the earlier point as --from.",
            from_at.seq, to_at.seq
        )));
    }
    let before = replay::replay_visible(paths, record, Some(from_at.seq))?;
    let mut after = replay::replay_visible(paths, record, Some(to_at.seq))?;
    if record.status == Status::Running {
        after.damage.forget_torn_tail();
    }
    let (before_snap, after_snap) = (
        before.screen.snapshot(SnapshotOptions::default()),
        after.screen.snapshot(SnapshotOptions::default()),
    );
    let changes = screen_diff::compare(&before_snap, &after_snap, max_rows);
    let result = DiffResult {
        session_id: paths.id.clone(),
        from: ScreenAt::of(&before_snap, from_at.seq, time::format_iso(from_at.ts_ms)),
        to: ScreenAt::of(&after_snap, to_at.seq, time::format_iso(to_at.ts_ms)),
        changes,
        damage: after.damage.report(),
    };
    Ok(result)
}

fn human_lines(result: &DiffResult) -> Vec<String> {
    let mut lines =
        vec![format!("seq {} → seq {}: {}", result.from.seq, result.to.seq, result.changes.summary)];
    for row in &result.changes.rows {
        lines.push(format!("  [{}] - {}", row.row, row.before.as_deref().unwrap_or("(none)")));
        lines.push(format!("  [{}] + {}", row.row, row.after.as_deref().unwrap_or("(none)")));
    }
    if result.changes.omitted_rows > 0 {
        lines.push(format!("  … {} more changed rows (--max-rows)", result.changes.omitted_rows));
    }
    lines.extend(result.damage.as_ref().map(DamageReport::summary));
    lines
}
