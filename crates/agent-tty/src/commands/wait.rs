//! `agent-tty wait`: render waits (`--text`, `--regex`, `--screen-stable-ms`,
//! `--cursor-row/-col`, `--after-seq`) answered by the host the moment they hold, with an
//! offline replay fallback when the host is gone; and legacy waits (`--exit`,
//! `--idle-ms`). A timeout is an `ok: true` envelope with exit code 11, and carries its
//! evidence (`evidence`: the last screen lines, the Screen Hash, the last output, whether
//! the program runs or waits for input, the nearest near miss; see
//! [`agent_tty_core::wait_evidence`]), printed by the human output too.
//!
//! `--in output` points `--text`/`--regex` at what the program printed since the last
//! input, the echo of that input left out (see [`agent_tty_core::output_since`]); offline,
//! that text is rebuilt from the log.

use agent_tty_core::client::call_typed;
use agent_tty_core::event_stream::DamageReport;
use agent_tty_core::manifest::Status;
use agent_tty_core::output_since::{OutputSince, is_command_start};
use agent_tty_core::paths::SessionPaths;
use agent_tty_core::protocol::method::{Wait, WaitForRender};
use agent_tty_core::protocol::{RenderWaitParams, RenderWaitReply, Seq, WaitParams, WaitResult};
use agent_tty_core::session::{command_target, find};
use agent_tty_core::wait_condition::{ConditionDetails, ScreenView, WaitCondition, WaitIn, WaitSpec};
use agent_tty_core::wait_evidence::{Observed, WaitEvidence, WaitedFor, gather};
use agent_tty_core::{Error, ErrorCode, Result, event_stream, reconcile, replay};
use agent_tty_vt::SnapshotOptions;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::cli::WaitArgs;
use crate::context::Context;
use crate::numbers::{Zero, duration_flag, parse_int};
use crate::output::Outcome;

/// The default `--timeout`.
const DEFAULT_TIMEOUT_MS: u64 = 600_000;

/// The answer to a `wait` without a condition.
const NO_CONDITION: &str = "Wait needs a condition: --text <text>, --regex <pattern>, --screen-stable-ms <duration>, \
                            --cursor-row/--cursor-col <n>, --exit, or --idle-ms <duration>. \
                            Example: agent-tty wait <session-id> --text \"$ \" --timeout 10s";

/// Runs `wait`.
pub fn run(context: &Context, args: &WaitArgs) -> Result<Outcome> {
    let (paths, record) = find(&context.home.path, &args.session.session_id)?;
    let render = args.text.is_some()
        || args.regex.is_some()
        || args.screen_stable_ms.is_some()
        || args.cursor_row.is_some()
        || args.cursor_col.is_some()
        || args.after_seq.is_some()
        || args.within.is_some();
    let legacy = args.exit || args.idle_ms.is_some();
    if !render && !legacy {
        return Err(Error::invalid_input(NO_CONDITION));
    }
    if render && legacy {
        return Err(Error::invalid_input(
            "Cannot mix legacy wait flags (--exit, --idle-ms) with render wait flags (--text, --regex, \
             --screen-stable-ms, --cursor-row, --cursor-col).",
        ));
    }
    if render {
        // Flag checks, then the timeout, then the shared matcher preparation (spec order).
        let spec = render_spec(args)?;
        let timeout = timeout(args.timeout.as_deref())?;
        if spec.text.is_none()
            && spec.regex.is_none()
            && spec.screen_stable_ms.is_none()
            && spec.cursor_row.is_none()
            && spec.cursor_col.is_none()
        {
            // Only --after-seq / --in: they narrow a condition but are none.
            if spec.within == WaitIn::Output {
                return Err(Error::invalid_input(
                    "--in output needs --text or --regex: it only changes what they look at (the output since \
                     the last input instead of the screen). Example: agent-tty wait <session-id> --in output \
                     --text READY",
                ));
            }
            let flags = if args.after_seq.is_some() { "--after-seq" } else { "--in" };
            return Err(Error::invalid_input(format!("{flags} only restricts a condition. {NO_CONDITION}")));
        }
        let condition = WaitCondition::prepare(&spec)?;
        let outcome = render_wait(&paths, record.status, spec, &condition, timeout)?;
        return Ok(crate::commands::redactions::with_redactions(outcome, &paths));
    }
    let outcome = legacy_wait(context, args, &paths, record.status, record.exit_code)?;
    Ok(crate::commands::redactions::with_redactions(outcome, &paths))
}

fn render_spec(args: &WaitArgs) -> Result<WaitSpec> {
    if args.text.is_some() && args.regex.is_some() {
        return Err(Error::invalid_input("--text and --regex are mutually exclusive."));
    }
    let screen_stable_ms = match args.screen_stable_ms.as_deref() {
        None => None,
        Some(raw) => Some(duration_flag("--screen-stable-ms", raw, Zero::Rejected).map_err(|message| {
            Error::new(ErrorCode::InvalidDuration, message).with("screenStableMs", raw)
        })?),
    };
    let spec = WaitSpec {
        text: args.text.clone(),
        regex: args.regex.clone(),
        screen_stable_ms,
        cursor_row: non_negative("--cursor-row", args.cursor_row.as_deref(), true)?,
        cursor_col: non_negative("--cursor-col", args.cursor_col.as_deref(), true)?,
        after_seq: non_negative("--after-seq", args.after_seq.as_deref(), false)?.map(Seq),
        within: within(args.within.as_deref())?,
    };
    Ok(spec)
}

/// A non-negative integer flag; `strict` follows JavaScript `Number` (`1.5` is rejected),
/// otherwise `parseInt`.
fn non_negative(flag: &str, raw: Option<&str>, strict: bool) -> Result<Option<u64>> {
    let Some(raw) = raw else { return Ok(None) };
    let value = if strict {
        raw.trim().parse::<u64>().ok()
    } else {
        parse_int(raw).and_then(|v| u64::try_from(v).ok())
    };
    value.map(Some).ok_or_else(|| {
        Error::invalid_input(format!("{flag} must be a non-negative integer, got: {raw}")).with("value", raw)
    })
}

/// `--in screen|output`.
fn within(raw: Option<&str>) -> Result<WaitIn> {
    match raw {
        None | Some("screen") => Ok(WaitIn::Screen),
        Some("output") => Ok(WaitIn::Output),
        Some(other) => Err(Error::invalid_input(format!(
            "--in must be screen (match the screen) or output (match what the program printed since the last \
             input), got: {other}"
        ))
        .with("value", other)),
    }
}

fn timeout(raw: Option<&str>) -> Result<u64> {
    let Some(raw) = raw else { return Ok(DEFAULT_TIMEOUT_MS) };
    duration_flag("--timeout", raw, Zero::Means("0 waits forever"))
        .map_err(|message| Error::new(ErrorCode::InvalidDuration, message).with("timeout", raw))
}

/// Sends the validated `spec` to the live host, or looks once at the replayed screen.
fn render_wait(
    paths: &SessionPaths,
    status: Status,
    spec: WaitSpec,
    condition: &WaitCondition,
    timeout: u64,
) -> Result<Outcome> {
    if status == Status::Running {
        match call_typed::<WaitForRender>(paths, &RenderWaitParams::new(spec, timeout)) {
            Ok(reply) => return Ok(render_outcome(reply, false)),
            Err(e) if matches!(e.code, ErrorCode::HostUnreachable | ErrorCode::SessionNotRunning) => {}
            Err(e) => return Err(e),
        }
    }
    offline_render_wait(paths, condition)
}

/// One look at the replayed screen: stability cannot be proven offline.
fn offline_render_wait(paths: &SessionPaths, condition: &WaitCondition) -> Result<Outcome> {
    let record = reconcile::reconcile(paths)?.ok_or_else(|| {
        Error::new(ErrorCode::SessionNotFound, format!("Session \"{}\" was not found.", paths.id))
    })?;
    let mut replayed = replay::replay_visible(paths, &record, None)?;
    if record.status == Status::Running {
        // A host that did not answer may still be writing its last line.
        replayed.damage.forget_torn_tail();
    }
    let snap = replayed.screen.snapshot(SnapshotOptions::default());
    let text = snap.canonical_text();
    let captured = replayed.last_seq.unwrap_or(0);
    let history = (condition.within() == WaitIn::Output).then(|| OfflineOutput::read(paths));
    let view = ScreenView {
        canonical_text: &text,
        cursor_row: snap.cursor_row,
        cursor_col: snap.cursor_col,
        captured_at_seq: captured,
        output_text: history.as_ref().map(|h| h.since.text()),
    };
    let Some(found) = condition.evaluate(&view, Some(u64::MAX)) else {
        let history = history.unwrap_or_else(|| OfflineOutput::read(paths));
        let seen = Observed {
            lines: &snap.visible_lines,
            cursor_row: snap.cursor_row,
            cursor_col: snap.cursor_col,
            captured_at_seq: captured,
            output: &history.since,
            last_output_age_ms: history
                .last_output_ms
                .map(|at| agent_tty_core::time::now_ms().saturating_sub(at)),
            // The host is gone: nothing of the session is known to run.
            program_running: false,
            reading_terminal: false,
        };
        let mut evidence = gather(WaitedFor::Render(condition), &seen);
        // One look, not a time-out.
        evidence.summary = evidence.summary.replacen("Timed out: ", "Offline (the host is gone): ", 1);
        return Err(Error::new(
            ErrorCode::ReplayError,
            "Session host became unreachable during render wait, and the latest offline snapshot did not satisfy \
             the requested wait condition.",
        )
        .with_fields(&OfflineMiss {
            condition: condition.details(),
            captured_at_seq: captured,
            cursor_row: snap.cursor_row,
            cursor_col: snap.cursor_col,
            visible_lines: &snap.visible_lines,
            damage: replayed.damage.report(),
            evidence,
        }));
    };
    let out = RenderWaitReply {
        damage: replayed.damage.report(),
        ..RenderWaitReply::observed(!condition.wants_stability(), found, &view, snap.screen_hash())
    };
    let mut outcome = render_outcome(out, true);
    outcome.human.extend(replayed.damage.summary());
    Ok(outcome)
}

/// The details of an offline render wait whose condition did not hold: the condition,
/// then what the replayed screen showed (and the log's damage, if any).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OfflineMiss<'a> {
    #[serde(flatten)]
    condition: ConditionDetails,
    captured_at_seq: u64,
    cursor_row: u16,
    cursor_col: u16,
    visible_lines: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    damage: Option<DamageReport>,
    evidence: WaitEvidence,
}

/// The output since the last input, rebuilt from the log, and when the last output came.
struct OfflineOutput {
    since: OutputSince,
    last_output_ms: Option<u64>,
}

impl OfflineOutput {
    /// Reads the log (a log that cannot be read gives an empty state: the replay, which
    /// read it first, reports its damage).
    fn read(paths: &SessionPaths) -> OfflineOutput {
        let records = event_stream::read_records(&paths.events, u64::MAX).map(|(r, _)| r).unwrap_or_default();
        let since = OutputSince::from_records(&records, is_command_start);
        let last_output_ms = since
            .last_output_seq()
            .and_then(|seq| records.iter().rev().find(|r| r.seq.get() == seq))
            .and_then(|r| agent_tty_core::time::parse_iso(&r.ts));
        OfflineOutput { since, last_output_ms }
    }
}

fn render_outcome(result: RenderWaitReply, offline: bool) -> Outcome {
    let timed_out = result.timed_out;
    let seq = result.captured_at_seq;
    let mut human = Vec::new();
    if timed_out {
        human.push(format!("Wait timed out. (capturedAtSeq: {seq})"));
        human.extend(result.evidence.as_ref().map(evidence_lines).unwrap_or_default());
    } else {
        if offline && !result.matched {
            human.push(
                "Host became unreachable before the wait condition could be fully verified; returning the latest \
                 offline snapshot state."
                    .into(),
            );
        } else if let Some(text) = result.matched_text.as_deref() {
            // Quoted and escaped, so a match spanning lines stays one readable line.
            human.push(format!("Matched: {}", Value::from(text)));
        } else {
            human.push("Wait condition met.".into());
        }
        human.push(format!("Cursor: row {}, col {}", number(result.cursor_row), number(result.cursor_col)));
        human.push(format!("capturedAtSeq: {seq}"));
    }
    Outcome { exit_code: if timed_out { 11 } else { 0 }, ..Outcome::new(result, human) }
}

/// The schema of `wait`'s result: a render wait's or an exit/idle wait's (only for the
/// schema; a wait builds the result of its kind).
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
#[allow(missing_docs, dead_code)]
pub enum WaitAnyResult {
    Render(RenderWaitReply),
    Legacy(WaitResult),
}

fn legacy_wait(
    context: &Context,
    args: &WaitArgs,
    paths: &SessionPaths,
    status: Status,
    exit_code: Option<i32>,
) -> Result<Outcome> {
    let idle_ms = match args.idle_ms.as_deref() {
        None => None,
        Some(raw) => Some(
            duration_flag("--idle-ms", raw, Zero::Rejected)
                .map_err(|message| Error::new(ErrorCode::InvalidDuration, message).with("idleMs", raw))?,
        ),
    };
    if args.exit && idle_ms.is_some() {
        return Err(Error::invalid_input(
            "--exit and --idle-ms cannot be combined: wait for the program to exit (--exit) or for its output \
             to go quiet (--idle-ms <duration>), one per wait.",
        ));
    }
    let timeout = timeout(args.timeout.as_deref())?;
    if args.exit && status.is_terminal() {
        return Ok(legacy_outcome(WaitResult { timed_out: false, exit_code, evidence: None }));
    }
    if idle_ms.is_some() {
        command_target(&context.home.path, &args.session.session_id)?;
    }
    let params =
        WaitParams { exit: args.exit.then_some(true), idle_ms, timeout_ms: (timeout > 0).then_some(timeout) };
    match call_typed::<Wait>(paths, &params) {
        Ok(reply) => Ok(legacy_outcome(reply.into())),
        Err(e) if matches!(e.code, ErrorCode::HostUnreachable | ErrorCode::RpcError) && args.exit => {
            // The host is gone: the reconciled manifest knows how the session ended.
            match reconcile::reconcile(paths)? {
                Some(record) if record.status.is_terminal() => Ok(legacy_outcome(WaitResult {
                    timed_out: false,
                    exit_code: record.exit_code,
                    evidence: None,
                })),
                _ => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

fn legacy_outcome(result: WaitResult) -> Outcome {
    let mut human = vec![if result.timed_out {
        "Wait timed out.".to_string()
    } else if let Some(code) = result.exit_code {
        format!("Process exited with code {code}.")
    } else {
        "Wait condition met.".to_string()
    }];
    human.extend(result.evidence.as_ref().map(evidence_lines).unwrap_or_default());
    Outcome { exit_code: if result.timed_out { 11 } else { 0 }, ..Outcome::new(result, human) }
}

/// The human lines of a time-out's evidence: its summary, then the screen's last lines.
pub(crate) fn evidence_lines(evidence: &WaitEvidence) -> Vec<String> {
    let mut lines = vec![evidence.summary.clone()];
    let above = match evidence.lines_omitted {
        0 => String::new(),
        n => format!(", {n} more above"),
    };
    lines.push(format!(
        "Screen (cursor at row {}, col {}; hash {}{above}):",
        evidence.cursor_row,
        evidence.cursor_col,
        &evidence.screen_hash[..12.min(evidence.screen_hash.len())]
    ));
    lines.extend(evidence.last_lines.iter().map(|line| format!("  | {line}")));
    lines
}

/// A number as JSON prints it (`null` when absent).
fn number(value: Option<u16>) -> Value {
    value.map_or(Value::Null, Value::from)
}
