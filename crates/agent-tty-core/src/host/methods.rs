//! One handler per RPC method. A handler either answers at once (`Some`) or parks the
//! reply with a pending run or wait (`None`); an `Err` from `dispatch` is fatal to the host.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::error::{Error, ErrorCode, Result};
use crate::event_log::Event;
use crate::host::actor::{Host, PendingRun, WaitKind, Waiter};
use crate::host::history;
use crate::host::params::{self, non_empty, parse};
use crate::process;
use crate::protocol::{Request, Response};
use crate::run_filter;

type Reply = oneshot::Sender<Response>;
type Answer = Option<(Reply, Result<Value>)>;

/// Routes a request to its handler.
pub(crate) fn dispatch(host: &mut Host, request: Request, reply: Reply) -> Result<Answer> {
    let Request { id, method, params } = request;
    let m = method.as_str();
    let answer: Answer = match m {
        "inspect" => Some((reply, parse::<params::Empty>(m, params).map(|_| inspect(host)))),
        "type" => Some((reply, parse(m, params).and_then(|p| type_text(host, p)))),
        "paste" => Some((reply, parse(m, params).and_then(|p| paste(host, p)))),
        "mark" => Some((reply, parse(m, params).and_then(|p| mark(host, p)))),
        "sendKeys" => Some((reply, parse(m, params).and_then(|p| send_keys(host, p)))),
        "resize" => Some((reply, parse(m, params).and_then(|p| resize(host, p)))),
        "signal" => Some((reply, parse(m, params).and_then(|p| signal(host, p)))),
        "run" => match parse::<params::Run>(m, params) {
            Ok(p) => run(host, p, id, reply)?,
            Err(e) => Some((reply, Err(e))),
        },
        "snapshot" => match parse::<params::Snapshot>(m, params) {
            Ok(p) => snapshot(host, p, id, reply)?,
            Err(e) => Some((reply, Err(e))),
        },
        "waitForRender" => match parse::<params::WaitForRender>(m, params) {
            Ok(p) => wait_for_render(host, p, id, reply),
            Err(e) => Some((reply, Err(e))),
        },
        "wait" => match parse::<params::Wait>(m, params) {
            Ok(p) => wait(host, p, id, reply),
            Err(e) => Some((reply, Err(e))),
        },
        "destroy" => match parse::<params::Destroy>(m, params) {
            Ok(_) => {
                let result = json!({ "sessionId": host.record.session_id, "destroyed": true });
                let _ = reply.send(Response::success(&id, result));
                host.begin_shutdown()?;
                None
            }
            Err(e) => Some((reply, Err(e))),
        },
        other => Some((reply, Err(Error::new(ErrorCode::RpcError, format!("Unsupported method: {other}"))))),
    };
    flush_then(host, answer)
}

fn flush_then(host: &mut Host, answer: Answer) -> Result<Answer> {
    host.flush_log()?;
    Ok(answer)
}

fn require_commandable(host: &Host) -> Result<()> {
    if host.record.status.is_commandable() && !host.exited {
        Ok(())
    } else {
        Err(Error::new(ErrorCode::SessionNotRunning, "Session is not running."))
    }
}

fn activity(host: &mut Host) {
    host.last_activity_at = Instant::now();
}

fn inspect(host: &Host) -> Value {
    json!({
        "session": host.record,
        "cliVersion": env!("CARGO_PKG_VERSION"),
        "rpcSocketPath": host.paths.socket.display().to_string(),
        "rendererBackend": agent_tty_vt::RENDERER_BACKEND,
        "rendererProfile": "reference-dark",
        "rendererBooted": true,
        "rendererBootInFlight": false,
    })
}

/// The most input that may wait for a program that is not reading it (32 MiB).
const MAX_PENDING_INPUT: usize = 32 << 20;

/// Refuses input the PTY could not take soon: the program stopped reading.
fn input_room(host: &Host, len: usize) -> Result<()> {
    if host.input.len() + len <= MAX_PENDING_INPUT {
        return Ok(());
    }
    Err(Error::new(
        ErrorCode::HostTimeout,
        format!(
            "The program is not reading its input: {} bytes are still waiting to be written. \
             Wait for it (or send ctrl+c) and try again.",
            host.input.len()
        ),
    ))
}

fn write_input(host: &mut Host, bytes: &[u8]) {
    host.input.extend_from_slice(bytes);
    activity(host);
}

fn type_text(host: &mut Host, p: params::Text) -> Result<Value> {
    non_empty("type", "text", &p.text)?;
    require_commandable(host)?;
    input_room(host, p.text.len())?;
    write_input(host, p.text.as_bytes());
    let seq = host.log.push(&Event::InputText { data: p.text });
    Ok(json!({ "seq": seq }))
}

fn paste(host: &mut Host, p: params::Text) -> Result<Value> {
    non_empty("paste", "text", &p.text)?;
    require_commandable(host)?;
    let data = format!("\u{1b}[200~{}\u{1b}[201~", p.text);
    input_room(host, data.len())?;
    write_input(host, data.as_bytes());
    let seq = host.log.push(&Event::InputPaste { data });
    Ok(json!({ "seq": seq }))
}

fn mark(host: &mut Host, p: params::Mark) -> Result<Value> {
    require_commandable(host)?;
    activity(host);
    let seq = host.log.push(&Event::Marker { label: p.label });
    Ok(json!({ "seq": seq }))
}

fn send_keys(host: &mut Host, p: params::SendKeys) -> Result<Value> {
    if p.keys.is_empty() || p.keys.iter().any(String::is_empty) {
        return Err(Error::new(
            ErrorCode::RpcError,
            "Invalid params for sendKeys: keys must be non-empty strings",
        ));
    }
    require_commandable(host)?;
    let bytes =
        agent_tty_vt::encode_keys(&p.keys).map_err(|e| Error::new(ErrorCode::InvalidKeys, e.to_string()))?;
    input_room(host, bytes.len())?;
    write_input(host, &bytes);
    let seq = host.log.push(&Event::InputKeys { keys: p.keys.clone() });
    Ok(json!({ "accepted": p.keys, "bytesWritten": bytes.len(), "seq": seq }))
}

fn resize(host: &mut Host, p: params::Resize) -> Result<Value> {
    if p.cols == 0 || p.rows == 0 {
        return Err(Error::new(ErrorCode::InvalidDimensions, "Resize dimensions must be positive integers."));
    }
    // A client (a 0.5 one too) may ask for more than the screen can hold.
    let (max_cols, max_rows) = (agent_tty_vt::MAX_COLS, agent_tty_vt::MAX_ROWS);
    if p.cols > max_cols || p.rows > max_rows {
        return Err(Error::new(
            ErrorCode::InvalidDimensions,
            format!(
                "Resize dimensions must be at most {max_cols} columns and {max_rows} rows, got: {}x{}.",
                p.cols, p.rows
            ),
        ));
    }
    require_commandable(host)?;
    // The event goes to the log before the program can see SIGWINCH and redraw.
    host.log.push(&Event::Resize { cols: p.cols, rows: p.rows });
    host.flush_log()?;
    host.pty.resize(p.cols, p.rows).map_err(|e| Error::internal(format!("Cannot resize the PTY: {e}")))?;
    history::resize(host, p.cols, p.rows);
    activity(host);
    host.record.cols = p.cols;
    host.record.rows = p.rows;
    host.record.touch();
    // Through the space reserve, like every manifest write of the host.
    host.save_record()?;
    Ok(json!({ "cols": p.cols, "rows": p.rows }))
}

fn signal(host: &mut Host, p: params::Signal) -> Result<Value> {
    require_commandable(host)?;
    let Some(number) = process::signal_number(&p.signal) else {
        return Err(Error::new(
            ErrorCode::InvalidSignal,
            format!(
                "Invalid signal: {}. Allowed: SIGTERM, SIGINT, SIGKILL, SIGHUP, SIGUSR1, SIGUSR2",
                p.signal
            ),
        ));
    };
    if process::liveness(host.child_pid) == process::Liveness::Dead {
        return Err(Error::new(ErrorCode::SessionNotRunning, "Child process is no longer running."));
    }
    process::signal(host.child_pid, number)
        .map_err(|e| Error::internal(format!("Cannot deliver {}: {e}", p.signal)))?;
    host.log.push(&Event::Signal { signal: p.signal });
    Ok(json!({}))
}

fn run(host: &mut Host, p: params::Run, id: String, reply: Reply) -> Result<Answer> {
    let room = |host: &Host| input_room(host, p.command.len() + 64);
    if let Err(e) = non_empty("run", "command", &p.command)
        .and_then(|()| require_commandable(host))
        .and_then(|()| room(host))
    {
        return Ok(Some((reply, Err(e))));
    }
    if p.no_wait {
        write_input(host, format!("{}\n", p.command).as_bytes());
        let seq = host.log.push(&Event::InputRun { command: p.command, marker: None, no_wait: true });
        return Ok(Some((reply, Ok(json!({ "accepted": true, "seq": seq })))));
    }
    let marker = run_filter::new_marker();
    let registration = match host.filter.register_new(&marker) {
        Ok(registration) => registration,
        Err(e) => return Ok(Some((reply, Err(Error::internal(format!("Cannot register the run: {e}")))))),
    };
    let seq = host.log.push(&Event::InputRun {
        command: p.command.clone(),
        marker: Some(marker.clone()),
        no_wait: false,
    });
    host.flush_log()?;
    write_input(host, format!("{}\n{}\n", p.command, registration.postamble).as_bytes());
    let started = Instant::now();
    let timeout = Duration::from_millis(p.timeout_ms.filter(|&t| t > 0).unwrap_or(30_000));
    host.runs.push(PendingRun {
        marker,
        input_run_seq: seq,
        started,
        deadline: started + timeout,
        reply: Some((id, reply)),
    });
    Ok(None)
}

fn wait(host: &mut Host, p: params::Wait, id: String, reply: Reply) -> Answer {
    let exit = p.exit.unwrap_or(false);
    let kind = match (exit, p.idle_ms) {
        (true, None) => WaitKind::Exit,
        (false, Some(ms)) if ms > 0 => {
            WaitKind::Idle { idle: Duration::from_millis(ms), anchor: Instant::now() }
        }
        _ => {
            let error = Error::new(ErrorCode::InvalidDuration, "Specify exactly one of exit or idleMs.");
            return Some((reply, Err(error)));
        }
    };
    if let WaitKind::Exit = kind {
        if host.exited {
            return Some((reply, Ok(exit_wait_result(host.record.exit_code))));
        }
    } else if let Err(e) = require_commandable(host) {
        return Some((reply, Err(e)));
    }
    let deadline = p.timeout_ms.filter(|&t| t > 0).map(|t| Instant::now() + Duration::from_millis(t));
    host.waiters.push(Waiter { kind, deadline, id, reply });
    None
}

/// The `wait --exit` result: `exitCode` only when known.
pub(crate) fn exit_wait_result(exit_code: Option<i32>) -> Value {
    match exit_code {
        Some(code) => json!({ "exitCode": code, "timedOut": false }),
        None => json!({ "timedOut": false }),
    }
}

/// A snapshot of the live screen, or (when it asks for scrollback the live screen no
/// longer keeps) one answered later from the log: see [`crate::host::history`].
fn snapshot(host: &mut Host, p: params::Snapshot, id: String, reply: Reply) -> Result<Answer> {
    let format = match crate::snapshot::Format::parse(p.format.as_deref().unwrap_or("structured")) {
        Ok(format) => format,
        Err(e) => return Ok(Some((reply, Err(e)))),
    };
    let options = agent_tty_vt::SnapshotOptions {
        scrollback: p.include_scrollback.unwrap_or(false),
        cells: p.include_cells.unwrap_or(false),
    };
    if history::needs_history(&host.screen, options) {
        return history::snapshot_with_history(host, options, format, id, reply);
    }
    let snap = host.screen.snapshot(options);
    Ok(Some((reply, Ok(crate::snapshot::result(&host.record.session_id, host.latest_seq(), &snap, format)))))
}

fn wait_for_render(host: &mut Host, p: params::WaitForRender, id: String, reply: Reply) -> Answer {
    let spec = crate::wait_condition::WaitSpec {
        text: p.text,
        regex: p.regex,
        screen_stable_ms: p.screen_stable_ms,
        cursor_row: p.cursor_row,
        cursor_col: p.cursor_col,
        after_seq: p.after_seq,
    };
    let condition = match crate::wait_condition::WaitCondition::prepare(&spec) {
        Ok(condition) => condition,
        Err(e) => return Some((reply, Err(e))),
    };
    if host.exited {
        let error = Error::new(ErrorCode::SessionNotRunning, "Session is not running.");
        return Some((reply, Err(error)));
    }
    let now = Instant::now();
    let deadline = p.timeout_ms.filter(|&t| t > 0).map(|t| now + Duration::from_millis(t));
    host.render_waiters
        .push(crate::host::render_wait::RenderWaiter::new(condition, deadline, id, reply, now));
    None
}
