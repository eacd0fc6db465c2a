//! `agent-tty batch`: a validated plan of steps run in order against one session, each
//! one RPC, with the Wait Baseline threaded from input steps into the waits that follow.
//! Fail-fast by default, `--keep-going` to attempt every step; SIGINT/SIGTERM flush the
//! records so far (the in-flight step `interrupted`) and exit 128+signal.

mod plan;
#[cfg(test)]
mod prop_tests;
mod signals;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use agent_tty_core::paths::SessionPaths;
use agent_tty_core::session::{call, command_target};
use agent_tty_core::{Error, ErrorCode, Result, client};
use serde_json::{Map, Value, json};

use crate::cli::BatchArgs;
use crate::commands::input::input_text_for;
use crate::context::Context;
use crate::output::{Outcome, Style};
use plan::Step;

/// The state shared with the signal flusher.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    records: Vec<Option<Map<String, Value>>>,
    kinds: Vec<(&'static str, Option<bool>)>,
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
        kinds: steps.iter().map(|s| (s.kind(), no_wait_of(s))).collect(),
        current: None,
        keep_going: args.keep_going,
    }));
    signals::flush_on_signal(Arc::clone(&progress), style);
    let mut baseline: Option<u64> = None;
    for (index, step) in steps.iter().enumerate() {
        lock(&progress).current = Some(index);
        let started = Instant::now();
        let mut record = execute(&paths, index, step, &mut baseline);
        record.insert("durationMs".into(), json!(started.elapsed().as_millis() as u64));
        let failed = record["status"] == "failed";
        let mut guard = lock(&progress);
        guard.records[index] = Some(order(index, step, record));
        guard.current = None;
        if failed && !args.keep_going {
            break;
        }
    }
    Ok(finish(&lock(&progress), false))
}

fn lock(progress: &Mutex<Progress>) -> std::sync::MutexGuard<'_, Progress> {
    progress.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn no_wait_of(step: &Step) -> Option<bool> {
    match step {
        Step::Run { no_wait, .. } => Some(*no_wait),
        _ => None,
    }
}

/// Runs one step; returns its record fields (without `index`/`durationMs`).
fn execute(
    paths: &SessionPaths,
    index: usize,
    step: &Step,
    baseline: &mut Option<u64>,
) -> Map<String, Value> {
    let mut record = Map::new();
    let outcome = match step {
        Step::Type(text) => input(paths, "type", json!({ "text": text }), &mut record, baseline),
        Step::Paste(text) => input(paths, "paste", json!({ "text": text }), &mut record, baseline),
        Step::SendKeys(keys) => input(paths, "sendKeys", json!({ "keys": keys }), &mut record, baseline),
        Step::Run { command, no_wait, timeout_ms } => {
            run_step(paths, index, command, *no_wait, *timeout_ms, &mut record, baseline)
        }
        Step::Wait { condition, timeout_ms } => {
            wait_step(paths, index, condition, *timeout_ms, *baseline, &mut record)
        }
    };
    match outcome {
        Ok(()) => {
            record.insert("status".into(), json!("completed"));
        }
        Err(error) => {
            record.insert("status".into(), json!("failed"));
            record.insert("error".into(), json!({ "code": error.code_str(), "message": error.message }));
        }
    }
    record
}

fn input(
    paths: &SessionPaths,
    method: &str,
    params: Value,
    record: &mut Map<String, Value>,
    baseline: &mut Option<u64>,
) -> Result<()> {
    let reply = call(paths, method, params, client::DEFAULT_TIMEOUT_MS)?;
    let seq = reply["seq"].as_u64().ok_or_else(|| crate::commands::input::protocol_error(&reply))?;
    record.insert("seq".into(), json!(seq));
    *baseline = Some(seq);
    Ok(())
}

fn run_step(
    paths: &SessionPaths,
    index: usize,
    command: &str,
    no_wait: bool,
    timeout_ms: Option<u64>,
    record: &mut Map<String, Value>,
    baseline: &mut Option<u64>,
) -> Result<()> {
    let mut params = json!({ "command": command, "noWait": no_wait });
    if let (false, Some(ms)) = (no_wait, timeout_ms) {
        params["timeoutMs"] = json!(ms);
    }
    let transport = if no_wait { 10_000 } else { timeout_ms.unwrap_or(30_000) + 10_000 };
    let reply = call(paths, "run", params, transport)?;
    let seq = reply["seq"].as_u64().ok_or_else(|| crate::commands::input::protocol_error(&reply))?;
    record.insert("seq".into(), json!(seq));
    *baseline = Some(seq);
    if no_wait {
        record.insert("runOutcome".into(), json!("started"));
        return Ok(());
    }
    let completed = reply["completed"] == json!(true);
    let timed_out = reply["timedOut"] == json!(true);
    record.insert("completed".into(), json!(completed));
    record.insert("timedOut".into(), json!(timed_out));
    let outcome = if completed {
        "completed"
    } else if timed_out {
        "timedOut"
    } else {
        "sessionExited"
    };
    record.insert("runOutcome".into(), json!(outcome));
    match outcome {
        "completed" => Ok(()),
        "timedOut" => Err(Error::new(
            ErrorCode::WaitTimeout,
            format!("Waited Run at step {index} timed out before completing."),
        )),
        _ => Err(Error::new(
            ErrorCode::SessionNotRunning,
            format!("Waited Run at step {index} was interrupted by Session exit before completing."),
        )),
    }
}

fn wait_step(
    paths: &SessionPaths,
    index: usize,
    condition: &agent_tty_core::wait_condition::WaitCondition,
    timeout_ms: u64,
    baseline: Option<u64>,
    record: &mut Map<String, Value>,
) -> Result<()> {
    require_running(paths)?;
    if let Some(seq) = baseline {
        record.insert("waitBaseline".into(), json!(seq));
    }
    let mut params = crate::commands::wait::condition_params(condition);
    if let Some(seq) = baseline {
        params.insert("afterSeq".into(), json!(seq));
    }
    if timeout_ms > 0 {
        params.insert("timeoutMs".into(), json!(timeout_ms));
    }
    let transport = if timeout_ms == 0 { 0 } else { timeout_ms + 5000 };
    let reply = call(paths, "waitForRender", Value::Object(params), transport)?;
    for key in ["matched", "timedOut", "matchedText", "capturedAtSeq", "screenHash"] {
        if let Some(value) = reply.get(key) {
            record.insert(key.into(), value.clone());
        }
    }
    if reply["timedOut"] == json!(true) || reply["matched"] != json!(true) {
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

/// Puts a step record's keys in the contract order.
fn order(index: usize, step: &Step, mut fields: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("index".into(), json!(index));
    out.insert("durationMs".into(), fields.remove("durationMs").unwrap_or(json!(0)));
    out.insert("kind".into(), json!(step.kind()));
    out.insert("status".into(), fields.remove("status").unwrap_or(json!("failed")));
    let keys: &[&str] = match step {
        Step::Run { .. } => &["seq", "noWait", "completed", "timedOut", "runOutcome", "error"],
        Step::Wait { .. } => {
            &["waitBaseline", "matched", "timedOut", "matchedText", "capturedAtSeq", "screenHash", "error"]
        }
        _ => &["seq", "error"],
    };
    if let Step::Run { no_wait, .. } = step {
        fields.insert("noWait".into(), json!(no_wait));
    }
    for key in keys {
        if let Some(value) = fields.remove(*key) {
            out.insert((*key).into(), value);
        }
    }
    out
}

fn unreached(index: usize, kind: &str, no_wait: Option<bool>, status: &str) -> Value {
    let mut out = Map::new();
    out.insert("index".into(), json!(index));
    out.insert("durationMs".into(), json!(0));
    out.insert("kind".into(), json!(kind));
    out.insert("status".into(), json!(status));
    if let Some(no_wait) = no_wait {
        out.insert("noWait".into(), json!(no_wait));
    }
    Value::Object(out)
}

/// Builds the result and exit code from the records so far; `interrupted` marks the
/// in-flight step.
pub(crate) fn finish(progress: &Progress, interrupted: bool) -> Outcome {
    let mut steps = Vec::new();
    let mut human = Vec::new();
    let mut failed = Vec::new();
    let mut first_failure: Option<(usize, String, String)> = None;
    for (index, record) in progress.records.iter().enumerate() {
        let (kind, no_wait) = progress.kinds[index];
        let value = match record {
            Some(record) => Value::Object(record.clone()),
            None if interrupted && progress.current == Some(index) => {
                unreached(index, kind, no_wait, "interrupted")
            }
            None => unreached(index, kind, no_wait, "not-run"),
        };
        if value["status"] == "failed" {
            failed.push(index);
            if first_failure.is_none() {
                let code = value["error"]["code"].as_str().unwrap_or("INTERNAL_ERROR").to_string();
                let message = value["error"]["message"].as_str().unwrap_or("").to_string();
                first_failure = Some((index, code, message));
            }
        }
        human.push(human_step(&value));
        steps.push(value);
    }
    let completed = steps.iter().filter(|s| s["status"] == "completed").count();
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
    let result = json!({ "steps": steps, "completedCount": completed, "failedIndices": failed });
    Outcome { exit_code, ..Outcome::new(result, human) }
}

fn human_step(step: &Value) -> String {
    let index = &step["index"];
    let kind = step["kind"].as_str().unwrap_or("");
    let ms = &step["durationMs"];
    let status = step["status"].as_str().unwrap_or("");
    let outcome = match status {
        "failed" => format!("failed ({})", step["error"]["code"].as_str().unwrap_or("")),
        "completed" if kind == "wait" => match step["matchedText"].as_str() {
            Some(text) => format!("matched \"{text}\""),
            None => "matched".into(),
        },
        "completed" if kind == "run" => step["runOutcome"].as_str().unwrap_or("completed").to_string(),
        other => other.to_string(),
    };
    format!("[{index}] {kind} {outcome} ({ms}ms)")
}
