//! `agent-tty batch`: a validated plan of steps run in order against one session, each
//! one RPC, with the Wait Baseline threaded from input steps into the waits that follow.
//! Fail-fast by default, `--keep-going` to attempt every step; SIGINT/SIGTERM flush the
//! records so far (the in-flight step `interrupted`) and exit 128+signal.

mod plan;
#[cfg(test)]
mod prop_tests;
mod record;
mod signals;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use agent_tty_core::client::call_typed;
use agent_tty_core::paths::SessionPaths;
use agent_tty_core::protocol::method::{Mouse, Paste, Run, SendKeys, Type, WaitForRender};
use agent_tty_core::protocol::{RenderWaitParams, RunParams, RunReply, SendKeysParams, Seq, WireError};
use agent_tty_core::session::command_target;
use agent_tty_core::wait_condition::WaitSpec;
use agent_tty_core::{Error, ErrorCode, Result};

use crate::cli::BatchArgs;
use crate::commands::input::{input_text_for, unexpected};
use crate::commands::{diff, find, record_export, snapshot};
use crate::context::Context;
use crate::output::{Outcome, Style};
use plan::Step;
pub(crate) use record::BatchResult;
use record::{CommandOutcome, RunOutcome, StepFields, StepRecord, StepStatus, human_step};

/// The state shared with the signal flusher.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    records: Vec<Option<StepRecord>>,
    /// Each step's record before it runs (`not-run`).
    unreached: Vec<StepRecord>,
    current: Option<usize>,
    keep_going: bool,
}

/// Runs `batch`.
pub fn run(context: &Context, args: BatchArgs, style: Style) -> Result<Outcome> {
    let usage = "Usage: agent-tty batch <session-id> [steps] [--file <path>]";
    let text = input_text_for("Steps", "steps", usage, args.steps.as_deref(), args.file.as_deref())?;
    let steps = plan::parse(&text)?;
    let paths = command_target(&context.home.path, &args.session.session_id)?;
    let progress = Arc::new(Mutex::new(Progress {
        records: vec![None; steps.len()],
        unreached: steps.iter().enumerate().map(|(index, step)| StepRecord::unreached(index, step)).collect(),
        current: None,
        keep_going: args.keep_going,
    }));
    signals::flush_on_signal(Arc::clone(&progress), style);
    let mut baseline: Option<Seq> = None;
    for (index, step) in steps.iter().enumerate() {
        lock(&progress).current = Some(index);
        let started = Instant::now();
        let mut record = StepRecord::unreached(index, step);
        let outcome = execute(context, &paths, index, step, &mut baseline, &mut record.fields);
        record.duration_ms = started.elapsed().as_millis() as u64;
        record.status = match outcome {
            Ok(()) => StepStatus::Completed,
            Err(error) => {
                let code = error.code_str().to_string();
                record.error = Some(WireError { code, message: error.message.clone() });
                StepStatus::Failed
            }
        };
        let failed = record.status == StepStatus::Failed;
        let mut guard = lock(&progress);
        guard.records[index] = Some(record);
        guard.current = None;
        if failed && !args.keep_going {
            break;
        }
    }
    // Its snapshot, diff, find and wait steps show the screen: the count, as their commands give it.
    Ok(crate::commands::redactions::with_redactions(finish(&lock(&progress), false), &paths))
}

/// The session's record, for the steps that replay its log.
fn session_record(paths: &SessionPaths) -> Result<agent_tty_core::manifest::SessionRecord> {
    agent_tty_core::manifest::SessionRecord::read(&paths.manifest)?.ok_or_else(|| {
        Error::new(ErrorCode::SessionNotFound, format!("Session \"{}\" was not found.", paths.id))
    })
}

fn lock(progress: &Mutex<Progress>) -> std::sync::MutexGuard<'_, Progress> {
    progress.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs one step, filling in its fields.
fn execute(
    context: &Context,
    paths: &SessionPaths,
    index: usize,
    step: &Step,
    baseline: &mut Option<Seq>,
    fields: &mut StepFields,
) -> Result<()> {
    let seq = match step {
        Step::Type(params) => call_typed::<Type>(paths, params)?.seq,
        Step::Paste(params) => call_typed::<Paste>(paths, params)?.seq,
        Step::SendKeys(keys) => call_typed::<SendKeys>(paths, &SendKeysParams { keys: keys.clone() })?.seq,
        Step::Mouse(params) => call_typed::<Mouse>(paths, params)?.into_result()?.seq,
        Step::Run { command, no_wait, timeout_ms, check, max_output } => {
            let params = RunParams {
                command: command.clone(),
                no_wait: *no_wait,
                timeout_ms: timeout_ms.filter(|_| !no_wait),
                max_output: max_output.filter(|_| !no_wait),
            };
            return run_step(paths, index, &params, *check, baseline, fields);
        }
        Step::Wait { spec, timeout_ms } => {
            return wait_step(paths, index, spec, *timeout_ms, *baseline, fields);
        }
        // Reads of the session's history: they move no baseline.
        Step::Snapshot { format, at, since_hash } => {
            let record = session_record(paths)?;
            let options = agent_tty_vt::SnapshotOptions::default();
            let snapshot = snapshot::take(paths, &record, *format, options, *at, since_hash.as_deref())?;
            *fields = StepFields::Snapshot { snapshot: Some(Box::new(snapshot)) };
            return Ok(());
        }
        Step::Find { query, mode, max } => {
            let record = session_record(paths)?;
            let found = find::search(paths, &record, query, *mode, *max, (None, None), None)?;
            *fields = StepFields::Find { find: Some(Box::new(found)) };
            return Ok(());
        }
        Step::Diff { from, from_hash, to, max_rows } => {
            let record = session_record(paths)?;
            let diff = diff::compute(paths, &record, *from, from_hash.as_deref(), *to, *max_rows)?;
            *fields = StepFields::Diff { diff: Some(Box::new(diff)) };
            return Ok(());
        }
        Step::Export(request) => {
            let record = session_record(paths)?;
            let export = record_export::export(context, paths, &record, request)?;
            *fields = StepFields::Export { export: Some(Box::new(export)) };
            return Ok(());
        }
    };
    *fields = StepFields::Input { seq: Some(seq) };
    *baseline = Some(seq);
    Ok(())
}

fn run_step(
    paths: &SessionPaths,
    index: usize,
    params: &RunParams,
    check: bool,
    baseline: &mut Option<Seq>,
    fields: &mut StepFields,
) -> Result<()> {
    let reply = call_typed::<Run>(paths, params)?;
    let seq = reply.seq();
    *baseline = Some(seq);
    let no_wait = params.no_wait;
    let (completed, timed_out, outcome) = match (no_wait, &reply) {
        (true, _) => (None, None, RunOutcome::Started),
        (false, RunReply::Finished(f)) if f.completed => {
            (Some(true), Some(f.timed_out), RunOutcome::Completed)
        }
        (false, RunReply::Finished(f)) if f.timed_out => (Some(false), Some(true), RunOutcome::TimedOut),
        (false, RunReply::Finished(_)) => (Some(false), Some(false), RunOutcome::SessionExited),
        (false, RunReply::Started(_)) => {
            *fields = StepFields::Run {
                seq: Some(seq),
                no_wait,
                completed: None,
                timed_out: None,
                run_outcome: None,
                command: None,
            };
            return Err(unexpected(&reply));
        }
    };
    let command = match reply {
        RunReply::Finished(finished) => Some(CommandOutcome {
            exit_code: finished.exit_code,
            cwd: finished.cwd,
            output: finished.output,
            output_truncated: finished.output_truncated,
        }),
        RunReply::Started(_) => None,
    };
    let failed = command.as_ref().and_then(|c| c.exit_code).filter(|&code| code != 0);
    *fields = StepFields::Run {
        seq: Some(seq),
        no_wait,
        completed,
        timed_out,
        run_outcome: Some(outcome),
        command,
    };
    match outcome {
        RunOutcome::Completed if check && failed.is_some() => Err(Error::new(
            ErrorCode::CommandFailed,
            format!("Run at step {index} failed with exit status {}.", failed.unwrap_or_default()),
        )),
        RunOutcome::Started | RunOutcome::Completed => Ok(()),
        RunOutcome::TimedOut => Err(Error::new(
            ErrorCode::WaitTimeout,
            format!("Waited Run at step {index} timed out before completing."),
        )),
        RunOutcome::SessionExited => Err(Error::new(
            ErrorCode::SessionNotRunning,
            format!("Waited Run at step {index} was interrupted by Session exit before completing."),
        )),
    }
}

fn wait_step(
    paths: &SessionPaths,
    index: usize,
    spec: &WaitSpec,
    timeout_ms: u64,
    baseline: Option<Seq>,
    fields: &mut StepFields,
) -> Result<()> {
    if let StepFields::Wait { wait_baseline, .. } = fields {
        *wait_baseline = baseline;
    }
    require_running(paths)?;
    let spec = WaitSpec { after_seq: baseline, ..spec.clone() };
    let reply = call_typed::<WaitForRender>(paths, &RenderWaitParams::new(spec, timeout_ms))?;
    let (matched, timed_out) = (reply.matched, reply.timed_out);
    *fields = StepFields::Wait {
        wait_baseline: baseline,
        matched: Some(matched),
        timed_out: Some(timed_out),
        matched_text: reply.matched_text,
        captured_at_seq: Some(reply.captured_at_seq),
        screen_hash: reply.screen_hash,
        evidence: reply.evidence.map(Box::new),
    };
    if timed_out || !matched {
        return Err(Error::new(
            ErrorCode::WaitTimeout,
            format!("Render wait at step {index} timed out before its condition was met."),
        ));
    }
    require_running(paths)
}

fn require_running(paths: &SessionPaths) -> Result<()> {
    let home = paths.dir.parent().and_then(|p| p.parent()).unwrap_or(&paths.dir);
    command_target(home, &paths.id).map(|_| ())
}

/// Builds the result and exit code from the records so far; `interrupted` marks the
/// in-flight step.
pub(crate) fn finish(progress: &Progress, interrupted: bool) -> Outcome {
    let mut steps = Vec::new();
    let mut human = Vec::new();
    let mut failed = Vec::new();
    let mut first_failure: Option<(usize, String, String)> = None;
    // Why waits timed out: after the 0.5 lines, so those keep their places.
    let mut explained = Vec::new();
    for (index, record) in progress.records.iter().enumerate() {
        let record = match record {
            Some(record) => record.clone(),
            None if interrupted && progress.current == Some(index) => {
                StepRecord { status: StepStatus::Interrupted, ..progress.unreached[index].clone() }
            }
            None => progress.unreached[index].clone(),
        };
        if record.status == StepStatus::Failed {
            failed.push(index);
            if first_failure.is_none() {
                let (code, message) = record.error.as_ref().map_or_else(
                    || ("INTERNAL_ERROR".into(), String::new()),
                    |e| (e.code.clone(), e.message.clone()),
                );
                first_failure = Some((index, code, message));
            }
        }
        human.push(human_step(&record));
        if let StepFields::Wait { evidence: Some(evidence), .. } = &record.fields {
            explained.push(format!("step {index}: {}", evidence.summary));
            let screen = crate::commands::wait::evidence_lines(evidence);
            explained.extend(screen.into_iter().skip(1).map(|line| format!("    {line}")));
        }
        steps.push(record);
    }
    let completed = steps.iter().filter(|s| s.status == StepStatus::Completed).count();
    human.push(format!("{completed}/{} steps completed", steps.len()));
    let mut exit_code = 0;
    if let Some((index, code, message)) = &first_failure {
        if progress.keep_going {
            let list: Vec<String> = failed.iter().map(usize::to_string).collect();
            human.push(format!("failed steps: {}", list.join(", ")));
            exit_code = 1;
        } else {
            human.push(format!("failed at step {index}: {code}: {message}"));
            exit_code = ErrorCode::parse(code).map_or(1, ErrorCode::exit_code);
        }
    }
    human.extend(explained);
    let result = BatchResult { steps, completed_count: completed, failed_indices: failed };
    Outcome { exit_code, ..Outcome::new(result, human) }
}
