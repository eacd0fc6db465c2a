//! `agent-tty wait --exit | --idle-ms`: waits pushed by the host (no polling). A timeout
//! is an `ok: true` envelope with exit code 11. `--exit` on a session whose host is gone
//! answers from the reconciled manifest instead of failing.

use agent_tty_core::manifest::Status;
use agent_tty_core::session::{call, find};
use agent_tty_core::{Error, ErrorCode, Result, reconcile};
use serde_json::{Map, Value, json};

use crate::cli::WaitArgs;
use crate::context::Context;
use crate::numbers::parse_int;
use crate::output::Outcome;

/// Runs `wait`.
pub fn run(context: &Context, args: &WaitArgs) -> Result<Outcome> {
    let timeout = match args.timeout.as_deref() {
        None => 600_000,
        Some(raw) => match raw.trim().parse::<u64>() {
            Ok(ms) => ms,
            Err(_) => {
                let _ = parse_int(raw);
                return Err(Error::new(
                    ErrorCode::InvalidDuration,
                    "--timeout must be a non-negative integer in milliseconds.",
                )
                .with("timeout", raw));
            }
        },
    };
    let idle_ms = match args.idle_ms.as_deref() {
        None => None,
        Some(raw) => match raw.trim().parse::<u64>() {
            Ok(ms) if ms > 0 => Some(ms),
            _ => {
                return Err(Error::new(ErrorCode::InvalidDuration, "--idle-ms must be a positive integer.")
                    .with("idleMs", raw));
            }
        },
    };
    if args.exit == idle_ms.is_some() {
        return Err(Error::new(ErrorCode::InvalidDuration, "Specify exactly one of --exit or --idle-ms."));
    }
    let (paths, record) = find(&context.home.path, &args.session_id)?;
    if args.exit && record.status.is_terminal() {
        return Ok(outcome(exit_result(record.exit_code)));
    }
    if idle_ms.is_some() {
        agent_tty_core::session::command_target(&context.home.path, &args.session_id)?;
    }
    let mut params = Map::new();
    if args.exit {
        params.insert("exit".into(), json!(true));
    }
    if let Some(ms) = idle_ms {
        params.insert("idleMs".into(), json!(ms));
    }
    if timeout > 0 {
        params.insert("timeoutMs".into(), json!(timeout));
    }
    let rpc_timeout = if timeout == 0 { 0 } else { timeout + 5000 };
    match call(&paths, "wait", Value::Object(params), rpc_timeout) {
        Ok(reply) => Ok(outcome(reply)),
        Err(e) if e.code == ErrorCode::HostUnreachable && args.exit => {
            let record = reconcile::reconcile(&paths)?.unwrap_or(record);
            if record.status.is_terminal() || record.status == Status::Destroying {
                Ok(outcome(exit_result(record.exit_code)))
            } else {
                Err(e)
            }
        }
        Err(e) => Err(e),
    }
}

fn exit_result(exit_code: Option<i32>) -> Value {
    match exit_code {
        Some(code) => json!({ "timedOut": false, "exitCode": code }),
        None => json!({ "timedOut": false }),
    }
}

fn outcome(reply: Value) -> Outcome {
    let timed_out = reply["timedOut"] == json!(true);
    let mut result = Map::new();
    result.insert("timedOut".into(), json!(timed_out));
    if let Some(code) = reply.get("exitCode").filter(|c| c.is_i64()) {
        result.insert("exitCode".into(), code.clone());
    }
    let human = if timed_out {
        "Wait timed out.".to_string()
    } else if let Some(code) = result.get("exitCode") {
        format!("Process exited with code {code}.")
    } else {
        "Wait condition met.".to_string()
    };
    Outcome { result: Value::Object(result), human: vec![human], exit_code: if timed_out { 11 } else { 0 } }
}
