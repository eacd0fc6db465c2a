//! `type`, `paste` and `run`: text from a positional argument or `--file`, validated
//! first (so bad input is exit 2 even for a missing session), then sent to the host.

use std::io::ErrorKind;
use std::os::unix::fs::FileTypeExt;

use agent_tty_core::client::call_typed;
use agent_tty_core::protocol::method::{Paste, Run, Type};
use agent_tty_core::protocol::{Method, RunFinished, RunParams, RunReply, RunStarted, TextParams};
use agent_tty_core::session::command_target;
use agent_tty_core::{Error, ErrorCode, Result};

use crate::cli::{RunArgs, TextArgs, TypeArgs};
use crate::context::Context;
use crate::numbers::{MAX_RUN_OUTPUT, Zero, byte_size_flag, duration_flag};
use crate::output::Outcome;

/// Largest `--file` input.
const MAX_FILE_BYTES: u64 = 10_000_000;

/// Runs `type`.
pub fn type_text(context: &Context, args: TypeArgs) -> Result<Outcome> {
    let mut params = text_params("type", &args.text)?;
    if args.append_newline {
        params.text.push('\n');
    }
    let reply = send_text::<Type>(context, &args.text.session.session_id, &params)?;
    let sealed = if params.secret { "sealed " } else { "" };
    Ok(Outcome::new(reply, vec![format!("Typed {sealed}text into session at seq {}.", reply.seq)]))
}

/// Runs `paste`.
pub fn paste(context: &Context, args: TextArgs) -> Result<Outcome> {
    let params = text_params("paste", &args)?;
    let reply = send_text::<Paste>(context, &args.session.session_id, &params)?;
    let sealed = if params.secret { "sealed " } else { "" };
    Ok(Outcome::new(reply, vec![format!("Pasted {sealed}text into session at seq {}.", reply.seq)]))
}

fn send_text<M: Method<Params = TextParams>>(
    context: &Context,
    id: &str,
    params: &TextParams,
) -> Result<M::Reply> {
    let paths = command_target(&context.home.path, id)?;
    call_typed::<M>(&paths, params)
}

/// The text of `type` / `paste` and whether it is sealed: `--secret-env NAME` (sealed, from
/// this process's environment; neither a positional text nor `--file` with it), else the
/// positional text or `--file`, sealed with `--secret`.
fn text_params(command: &str, args: &TextArgs) -> Result<TextParams> {
    let Some(name) = args.secret_env.as_deref() else {
        let text = input_text(command, args.text.as_deref(), args.file.as_deref())
            .map_err(|e| if args.secret { without_details(e) } else { e })?;
        return Ok(TextParams { text, secret: args.secret });
    };
    if args.text.is_some() || args.file.is_some() {
        return Err(Error::invalid_input(format!(
            "--secret-env takes the text from the environment: give no <text> argument and no --file. \
             Usage: agent-tty {command} <session-id> --secret-env <NAME>"
        ))
        .with("secretEnv", name));
    }
    Ok(TextParams { text: secret_env(name)?, secret: true })
}

/// The value of the variable `name` of this process (`--secret-env`, `secretEnv`):
/// `INVALID_INPUT` naming it when it is missing or empty.
pub fn secret_env(name: &str) -> Result<String> {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => Ok(value),
        Ok(_) => Err(Error::invalid_input(format!(
            "--secret-env {name}: the environment variable {name} is empty. Export it with the secret, then retry."
        ))
        .with("secretEnv", name)),
        Err(_) => Err(Error::invalid_input(format!(
            "--secret-env {name}: the environment variable {name} is not set (or not UTF-8). Export it with the \
             secret, then retry."
        ))
        .with("secretEnv", name)),
    }
}

/// An error about sealed input, without the details that could carry the text.
pub fn without_details(error: Error) -> Error {
    Error::new(error.code, error.message.clone())
}

/// Runs `run`.
pub fn run_command(context: &Context, args: RunArgs) -> Result<Outcome> {
    let command = input_text("run", args.command.as_deref(), args.file.as_deref())?;
    let timeout = match args.timeout.as_deref() {
        None => agent_tty_core::protocol::RUN_DEFAULT_TIMEOUT_MS,
        Some(raw) => duration_flag("--timeout", raw, Zero::Rejected)
            .map_err(|message| Error::invalid_input(message).with("timeout", raw))?,
    };
    let max_output = match args.max_output.as_deref() {
        None => None,
        Some(raw) => Some(
            byte_size_flag("--max-output", raw, MAX_RUN_OUTPUT)
                .map_err(|message| Error::invalid_input(message).with("maxOutput", raw))?,
        ),
    };
    let paths = command_target(&context.home.path, &args.session.session_id)?;
    if args.no_wait {
        let params = RunParams { command, no_wait: true, timeout_ms: None, max_output: None };
        let seq = call_typed::<Run>(&paths, &params)?.seq();
        let human = vec![format!("Command injected into session (seq={seq}).")];
        let outcome = Outcome::new(RunStarted { accepted: true, seq }, human);
        return Ok(crate::commands::redactions::with_redactions(outcome, &paths));
    }
    let params = RunParams { command, no_wait: false, timeout_ms: Some(timeout), max_output };
    let finished = match call_typed::<Run>(&paths, &params)? {
        RunReply::Finished(finished) => finished,
        started @ RunReply::Started(_) => return Err(unexpected(&started)),
    };
    let human = run_human(&finished);
    if args.check
        && let Some(code) = finished.exit_code.filter(|&code| code != 0)
    {
        let message = format!("The command failed with exit status {code} (seq={}).", finished.seq);
        // One line on stderr, as every error; the output is in the JSON's details.
        return Err(Error::new(ErrorCode::CommandFailed, message).with_fields(&finished));
    }
    Ok(crate::commands::redactions::with_redactions(Outcome::new(finished, human), &paths))
}

/// The human lines of a waited run: how it ended, then what it printed.
fn run_human(finished: &RunFinished) -> Vec<String> {
    let (seq, duration) = (finished.seq, finished.duration_ms);
    let first = if finished.completed {
        format!("Command completed (seq={seq}, {duration}ms).")
    } else if finished.timed_out {
        format!("Command timed out after {duration}ms (seq={seq}).")
    } else {
        String::new()
    };
    let mut lines = vec![first];
    lines.extend(finished.exit_code.map(|code| format!("Exit code: {code}")));
    if let Some(output) = finished.output.as_deref().filter(|output| !output.is_empty()) {
        lines.extend(output.strip_suffix('\n').unwrap_or(output).lines().map(str::to_owned));
    }
    lines
}

/// A host reply of the wrong kind (`PROTOCOL_ERROR`).
pub fn unexpected(reply: &impl serde::Serialize) -> Error {
    agent_tty_core::client::unexpected_reply(&serde_json::to_value(reply).unwrap_or_default())
}

/// The input text: exactly one of the positional argument and `--file`.
fn input_text(command: &str, text: Option<&str>, file: Option<&str>) -> Result<String> {
    let usage = format!("Usage: agent-tty {command} <session-id> [text] [--file <path>]");
    input_text_for("Text", "text", &usage, text, file)
}

/// Exactly one of a positional value and `--file`; `label` names it in messages
/// (`Text`/`text` for input commands, `Steps`/`steps` for `batch`).
pub fn input_text_for(
    label: &str,
    noun: &str,
    usage: &str,
    text: Option<&str>,
    file: Option<&str>,
) -> Result<String> {
    let missing = if noun == "text" { "input text" } else { noun };
    match (text, file) {
        (Some(text), Some(file)) => Err(Error::invalid_input(format!(
            "Positional <{noun}> argument and --file are mutually exclusive. {usage}"
        ))
        .with(noun, text)
        .with("file", file)),
        (None, None) => Err(Error::invalid_input(format!(
            "Missing {missing}. Provide either a positional <{noun}> argument or --file <path>. {usage}"
        ))),
        (Some(""), None) => Err(Error::invalid_input(format!("{label} must not be empty.")).with(noun, "")),
        (Some(text), None) => Ok(text.to_string()),
        (None, Some(path)) => read_input_file(path),
    }
}

fn read_input_file(path: &str) -> Result<String> {
    let bad = |message: String| Error::invalid_input(message).with("file", path);
    let meta = std::fs::symlink_metadata(path).map_err(|e| match e.kind() {
        ErrorKind::NotFound => bad(format!("Input file \"{path}\" was not found.")),
        ErrorKind::PermissionDenied => bad(format!("Input file \"{path}\" is not readable.")),
        _ => bad(format!("Failed to inspect input file \"{path}\".")),
    })?;
    let kind = meta.file_type();
    if !kind.is_file() || kind.is_symlink() || kind.is_block_device() || kind.is_char_device() {
        return Err(bad(format!(
            "Input file \"{path}\" must be a regular file. Directories, symlinks, and device files are not supported."
        )));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(bad(format!("Input file \"{path}\" exceeds the 10 MB limit for --file input."))
            .with("sizeBytes", meta.len())
            .with("maxSizeBytes", MAX_FILE_BYTES));
    }
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        ErrorKind::PermissionDenied => bad(format!("Input file \"{path}\" is not readable.")),
        _ => bad(format!("Failed to read input file \"{path}\".")),
    })?;
    if bytes.is_empty() {
        return Err(bad(format!("Input file \"{path}\" must not be empty.")));
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
