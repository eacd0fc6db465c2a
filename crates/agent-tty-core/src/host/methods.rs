//! One handler per RPC method. A handler either answers at once (`Some`) or parks the
//! reply with a pending run or wait (`None`); an `Err` from `dispatch` is fatal to the host.

use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use tokio::sync::oneshot;

use crate::error::{Error, ErrorCode, Result};
use crate::event_log::Event;
use crate::host::actor::{Host, PendingRun, WaitKind, Waiter};
use crate::host::history;
use crate::host::shell::RunOutcome;
use crate::process;
use crate::protocol::method::{self as m};
use crate::protocol::{
    DestroyReply, EmptyParams, Format, InspectReply, MarkParams, Method, RenderWaitParams, Request,
    ResizeParams, ResizeReply, Response, RunParams, RunReply, RunStarted, SendKeysParams, SendKeysReply, Seq,
    SeqReply, SignalParams, SignalReply, SnapshotParams, TextParams, WaitParams, WaitReply, encode,
};
use crate::run_filter;

mod mouse;

type Reply = oneshot::Sender<Response>;
type Answer = Option<(Reply, Result<Box<RawValue>>)>;

/// Routes a request to its handler.
pub(crate) fn dispatch(host: &mut Host, request: Request, reply: Reply) -> Result<Answer> {
    let Request { id, method, params } = request;
    let answer: Answer = match method.as_str() {
        m::Inspect::NAME => now(reply, parse::<m::Inspect>(params).map(|EmptyParams {}| inspect(host))),
        m::Type::NAME => now(reply, parse::<m::Type>(params).and_then(|p| type_text(host, p))),
        m::Paste::NAME => now(reply, parse::<m::Paste>(params).and_then(|p| paste(host, p))),
        m::Mark::NAME => now(reply, parse::<m::Mark>(params).and_then(|p| mark(host, p))),
        m::SendKeys::NAME => now(reply, parse::<m::SendKeys>(params).and_then(|p| send_keys(host, p))),
        m::Mouse::NAME => now(reply, parse::<m::Mouse>(params).and_then(|p| mouse::mouse(host, p))),
        m::Resize::NAME => now(reply, parse::<m::Resize>(params).and_then(|p| resize(host, p))),
        m::Signal::NAME => now(reply, parse::<m::Signal>(params).and_then(|p| signal(host, p))),
        m::Run::NAME => match parse::<m::Run>(params) {
            Ok(p) => run(host, p, id, reply)?,
            Err(e) => Some((reply, Err(e))),
        },
        m::Snapshot::NAME => match parse_snapshot(params) {
            Ok(p) => snapshot(host, p, id, reply)?,
            Err(e) => Some((reply, Err(e))),
        },
        m::WaitForRender::NAME => match parse::<m::WaitForRender>(params) {
            Ok(p) => wait_for_render(host, p, id, reply),
            Err(e) => Some((reply, Err(e))),
        },
        m::Wait::NAME => match parse::<m::Wait>(params) {
            Ok(p) => wait(host, p, id, reply),
            Err(e) => Some((reply, Err(e))),
        },
        m::Destroy::NAME => match parse::<m::Destroy>(params) {
            Ok(_) => {
                let destroyed =
                    DestroyReply { session_id: host.record.session_id.as_str().into(), destroyed: true };
                let _ = reply.send(Response::answer(&id, Ok(destroyed)));
                host.begin_shutdown()?;
                None
            }
            Err(e) => Some((reply, Err(e))),
        },
        other => Some((reply, Err(Error::new(ErrorCode::RpcError, format!("Unsupported method: {other}"))))),
    };
    flush_then(host, answer)
}

/// An answer ready now: the typed reply, encoded once.
fn now<T: Serialize>(reply: Reply, result: Result<T>) -> Answer {
    Some((reply, result.and_then(|value| encode(&value))))
}

/// Parses `M`'s params strictly, mapping failures to `RPC_ERROR` (unknown keys too, as in
/// the reference's schemas).
fn parse<M: Method>(params: Map<String, Value>) -> Result<M::Params> {
    serde_json::from_value(Value::Object(params))
        .map_err(|e| Error::new(ErrorCode::RpcError, format!("Invalid params for {}: {e}", M::NAME)))
}

/// `snapshot` params: the shape first (`RPC_ERROR`), then the format's spelling
/// (`INVALID_INPUT`, as the CLI reports it).
fn parse_snapshot(mut params: Map<String, Value>) -> Result<SnapshotParams> {
    let unknown = params.get("format").and_then(Value::as_str).filter(|f| Format::from_wire(f).is_none());
    let Some(format) = unknown.map(str::to_owned) else {
        return parse::<m::Snapshot>(params);
    };
    params.shift_remove("format");
    parse::<m::Snapshot>(params)?;
    Err(Format::parse(&format).err().unwrap_or_else(|| Error::internal("unreachable format")))
}

/// Rejects empty strings, as the reference's `string ≥ 1` schemas do.
fn non_empty(method: &str, field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::new(
            ErrorCode::RpcError,
            format!("Invalid params for {method}: {field} must not be empty"),
        ));
    }
    Ok(())
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

fn inspect(host: &Host) -> InspectReply {
    InspectReply {
        session: host.record.clone(),
        cli_version: env!("CARGO_PKG_VERSION").into(),
        rpc_socket_path: host.paths.socket.display().to_string(),
        renderer_backend: agent_tty_vt::RENDERER_BACKEND.into(),
        renderer_profile: "reference-dark".into(),
        renderer_booted: true,
        renderer_boot_in_flight: false,
        shell_integration: Some(crate::protocol::ShellIntegration {
            injected: host.integration.map(|shell| shell.name().to_string()),
            active: host.shell.marks_seen,
            commands: host.shell.commands,
            cwd: host.shell.cwd.clone(),
        }),
    }
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

fn type_text(host: &mut Host, p: TextParams) -> Result<SeqReply> {
    non_empty("type", "text", &p.text)?;
    require_commandable(host)?;
    input_room(host, p.text.len())?;
    write_input(host, p.text.as_bytes());
    let logged = if p.secret { seal(host, &p.text) } else { p.text.clone() };
    let seq = host.log.push(&Event::InputText { data: logged });
    host.output_since.on_input(seq, (!p.secret).then_some(p.text.as_str()));
    Ok(SeqReply { seq: Seq(seq) })
}

fn paste(host: &mut Host, p: TextParams) -> Result<SeqReply> {
    non_empty("paste", "text", &p.text)?;
    require_commandable(host)?;
    let data = format!("\u{1b}[200~{}\u{1b}[201~", p.text);
    input_room(host, data.len())?;
    write_input(host, data.as_bytes());
    let logged = if p.secret { format!("\u{1b}[200~{}\u{1b}[201~", seal(host, &p.text)) } else { data };
    let seq = host.log.push(&Event::InputPaste { data: logged });
    host.output_since.on_input(seq, (!p.secret).then_some(p.text.as_str()));
    Ok(SeqReply { seq: Seq(seq) })
}

/// Remembers sealed input (in memory, for the session's life) so that its echo is masked,
/// and returns what the log records instead: a placeholder with its length, followed by
/// the line ending it was typed with (which a reader may rely on).
fn seal(host: &mut Host, text: &str) -> String {
    let value = text.trim_end_matches(['\r', '\n']);
    let ending = &text[value.len()..];
    if !value.is_empty() && !host.secrets.seal(value) {
        eprintln!(
            "agent-tty host {}: warning: a sealed value of {} bytes is too short to mask in the output",
            host.paths.id,
            value.len()
        );
    }
    host.save_redactions_now();
    format!("{}{ending}", crate::redaction::placeholder(value.len()))
}

fn mark(host: &mut Host, p: MarkParams) -> Result<SeqReply> {
    if p.label.starts_with(crate::command_log::RESERVED_PREFIX) {
        return Err(Error::invalid_input(format!(
            "Marker labels starting with `{}` are reserved for the records agent-tty writes itself \
             (command boundaries). Choose another label.",
            crate::command_log::RESERVED_PREFIX
        ))
        .with("label", p.label.as_str()));
    }
    require_commandable(host)?;
    activity(host);
    let seq = host.log.push(&Event::Marker { label: p.label });
    Ok(SeqReply { seq: Seq(seq) })
}

fn send_keys(host: &mut Host, p: SendKeysParams) -> Result<SendKeysReply> {
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
    host.output_since.on_input(seq, crate::output_since::echo_of_keys(&p.keys).as_deref());
    Ok(SendKeysReply { accepted: p.keys, bytes_written: bytes.len() as u64, seq: Seq(seq) })
}

fn resize(host: &mut Host, p: ResizeParams) -> Result<ResizeReply> {
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
    Ok(ResizeReply { cols: p.cols, rows: p.rows })
}

fn signal(host: &mut Host, p: SignalParams) -> Result<SignalReply> {
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
    Ok(SignalReply {})
}

fn run(host: &mut Host, p: RunParams, id: String, reply: Reply) -> Result<Answer> {
    let room = |host: &Host| input_room(host, p.command.len() + 64);
    if let Err(e) = non_empty("run", "command", &p.command)
        .and_then(|()| require_commandable(host))
        .and_then(|()| room(host))
    {
        return Ok(Some((reply, Err(e))));
    }
    if p.no_wait {
        write_input(host, format!("{}\n", p.command).as_bytes());
        host.output_since.on_input(host.log.next_seq(), Some(&format!("{}\n", p.command)));
        let seq = host.log.push(&Event::InputRun { command: p.command, marker: None, no_wait: true });
        return Ok(now(reply, Ok(RunReply::Started(RunStarted { accepted: true, seq: Seq(seq) }))));
    }
    let marker = run_filter::new_marker();
    // A shell that marks its commands and sits at its prompt says when the command ends
    // and how (OSC 133 D): nothing else is typed. Otherwise the postamble makes the
    // shell print a private sentinel carrying `$?` after the command.
    // (A command of several lines is several commands to the shell: the postamble waits
    // for the last.)
    let by_marks = host.shell.can_mark_a_run()
        && !p.command.contains('\n')
        && !host.runs.iter().any(|r| r.outcome.by_marks && r.reply.is_some());
    let postamble = if by_marks {
        None
    } else {
        let status = run_filter::status_variable(&host.record.command[0]);
        match host.filter.register_new(&marker, Some(status)) {
            Ok(registration) => Some(registration.postamble),
            Err(e) => {
                return Ok(Some((reply, Err(Error::internal(format!("Cannot register the run: {e}"))))));
            }
        }
    };
    let seq = host.log.push(&Event::InputRun {
        command: p.command.clone(),
        marker: Some(marker.clone()),
        no_wait: false,
    });
    host.output_since.on_input(seq, Some(&format!("{}\n", p.command)));
    host.flush_log()?;
    let typed = match &postamble {
        Some(postamble) => format!("{}\n{postamble}\n", p.command),
        None => format!("{}\n", p.command),
    };
    write_input(host, typed.as_bytes());
    let started = Instant::now();
    let timeout = Duration::from_millis(
        p.timeout_ms.filter(|&t| t > 0).unwrap_or(crate::protocol::RUN_DEFAULT_TIMEOUT_MS),
    );
    let max_output = p.max_output.unwrap_or(crate::protocol::RUN_DEFAULT_MAX_OUTPUT);
    host.runs.push(PendingRun {
        marker,
        input_run_seq: seq,
        started,
        deadline: started + timeout,
        reply: Some((id, reply)),
        outcome: RunOutcome::new(p.command, by_marks, max_output),
    });
    Ok(None)
}

fn wait(host: &mut Host, p: WaitParams, id: String, reply: Reply) -> Answer {
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
            return now(reply, Ok(WaitReply::exited(host.record.exit_code)));
        }
    } else if let Err(e) = require_commandable(host) {
        return Some((reply, Err(e)));
    }
    let deadline = p.timeout_ms.filter(|&t| t > 0).map(|t| Instant::now() + Duration::from_millis(t));
    host.waiters.push(Waiter { kind, deadline, id, reply });
    None
}

/// A snapshot of the live screen, or (when it asks for scrollback the live screen no
/// longer keeps) one answered later from the log: see [`crate::host::history`].
fn snapshot(host: &mut Host, p: SnapshotParams, id: String, reply: Reply) -> Result<Answer> {
    let format = p.format.unwrap_or_default();
    let options = agent_tty_vt::SnapshotOptions {
        scrollback: p.include_scrollback.unwrap_or(false),
        cells: p.include_cells.unwrap_or(false),
    };
    if history::needs_history(&host.screen, options) {
        return history::snapshot_with_history(host, options, format, id, reply);
    }
    let snap = host.screen.snapshot(options);
    Ok(now(reply, Ok(crate::snapshot::result(&host.record.session_id, host.latest_seq(), &snap, format))))
}

fn wait_for_render(host: &mut Host, p: RenderWaitParams, id: String, reply: Reply) -> Answer {
    let (spec, timeout_ms) = p.into_spec();
    let condition = match crate::wait_condition::WaitCondition::prepare(&spec) {
        Ok(condition) => condition,
        Err(e) => return Some((reply, Err(e))),
    };
    if host.exited {
        let error = Error::new(ErrorCode::SessionNotRunning, "Session is not running.");
        return Some((reply, Err(error)));
    }
    let now = Instant::now();
    let deadline = timeout_ms.filter(|&t| t > 0).map(|t| now + Duration::from_millis(t));
    host.render_waiters
        .push(crate::host::render_wait::RenderWaiter::new(condition, deadline, id, reply, now));
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot_params(json: &str) -> Result<SnapshotParams> {
        let Ok(Value::Object(params)) = serde_json::from_str(json) else { panic!("not an object: {json}") };
        parse_snapshot(params)
    }

    #[test]
    fn snapshot_params_check_the_shape_then_the_format() {
        assert_eq!(snapshot_params(r#"{"format":"text"}"#).unwrap().format, Some(Format::Text));
        let err = snapshot_params(r#"{"format":"html"}"#).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (ErrorCode::InvalidInput, "Snapshot format must be one of: structured, text.")
        );
        let err = snapshot_params(r#"{"format":"html","extra":1}"#).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (
                ErrorCode::RpcError,
                "Invalid params for snapshot: unknown field `extra`, expected one of `format`, \
                 `includeScrollback`, `includeCells`, `rendererName`"
            )
        );
        let err = snapshot_params(r#"{"format":5}"#).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (
                ErrorCode::RpcError,
                "Invalid params for snapshot: invalid type: integer `5`, expected a string"
            )
        );
    }

    #[test]
    fn params_errors_name_the_method() {
        let Ok(Value::Object(params)) = serde_json::from_str(r#"{"text":"a","x":1}"#) else { unreachable!() };
        let err = parse::<m::Type>(params).unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (ErrorCode::RpcError, "Invalid params for type: unknown field `x`, expected `text` or `secret`")
        );
    }
}
