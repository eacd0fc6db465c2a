//! `agent-tty create`: validates the options in the contract's order, then hands the
//! session to core, which starts the host and waits for its start-up report.

use std::collections::BTreeMap;
use std::path::Path;

use agent_tty_core::create::{CreateOptions, create};
use agent_tty_core::home::normalize;
use agent_tty_core::manifest::SessionRecord;
use agent_tty_core::{Error, ErrorCode, Result};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::cli::CreateArgs;
use crate::context::Context;
use crate::numbers::{Zero, duration_flag, js_display, js_json, parse_int};
use crate::output::Outcome;

/// Runs `create`.
pub fn run(context: &Context, args: CreateArgs) -> Result<Outcome> {
    let env = parse_env(&args.env)?;
    let idle_timeout_ms = idle_timeout(context, args.idle_timeout_ms.as_deref())?;
    let shell = args.command.clone().or(args.shell.clone()).unwrap_or_else(default_shell);
    if shell.is_empty() {
        return Err(Error::invalid_input("--shell must not be empty."));
    }
    if args.term.is_empty() {
        return Err(Error::invalid_input("--term must not be empty."));
    }
    if args.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return Err(Error::invalid_input("--name must not be blank.").with("name", args.name.clone()));
    }
    let cols = dimension("cols", args.cols.as_deref(), 80, agent_tty_vt::MAX_COLS)?;
    let rows = dimension("rows", args.rows.as_deref(), 24, agent_tty_vt::MAX_ROWS)?;
    if args.argv.iter().any(String::is_empty) {
        return Err(Error::invalid_input("Command arguments after `--` must not be empty strings.")
            .with("command", args.argv.clone()));
    }
    let cwd = match args.cwd.as_deref() {
        Some("") => {
            return Err(Error::new(
                ErrorCode::StorageReadError,
                "Working directory must be a non-empty string.",
            ));
        }
        Some(dir) => normalize(Path::new(dir)),
        None => std::env::current_dir().map_err(|e| {
            Error::new(ErrorCode::StorageReadError, format!("Cannot read the current directory: {e}"))
        })?,
    };
    let redaction = redaction(context, &args, &env)?;
    let options = CreateOptions {
        cols,
        rows,
        shell: normalize(Path::new(&shell)),
        command: args.argv,
        cwd,
        env,
        term: args.term,
        name: args.name,
        idle_timeout_ms,
        host_env: context.host_env(),
        shell_integration: !args.no_shell_integration,
        redaction,
    };
    let exe = std::env::current_exe()
        .map_err(|e| Error::internal(format!("Cannot locate the agent-tty binary: {e}")))?;
    let created = create(&context.home, &options, &exe, Some(&context.registry_path()))?;
    if let Some(error) = &created.registry_error {
        context.debug(&format!(
            "failed to register Home in the Home Registry {{\"home\":{:?},\"error\":{:?}}}",
            context.home.path.display().to_string(),
            error.message
        ));
    }
    let record = created.record;
    let human = vec![format!("Session created: {}", record.session_id)];
    Ok(Outcome::new(CreateResult::from(record), human))
}

/// The result of `create`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateResult {
    /// The new session's id.
    pub session_id: String,
    /// When it was created (ISO 8601).
    pub created_at: String,
    /// Terminal columns at creation.
    pub cols: u16,
    /// Terminal rows at creation.
    pub rows: u16,
    /// The shell (or the program, when one was given after `--`).
    pub shell: String,
    /// The extra environment (only when some was given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env: Option<BTreeMap<String, String>>,
    /// The idle timeout (only when there is one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_timeout_ms: Option<u64>,
}

impl From<SessionRecord> for CreateResult {
    fn from(record: SessionRecord) -> CreateResult {
        CreateResult {
            shell: record.shell.unwrap_or_else(|| record.command.first().cloned().unwrap_or_default()),
            cols: record.creation_cols.unwrap_or(record.cols),
            rows: record.creation_rows.unwrap_or(record.rows),
            env: record.env.filter(|e| !e.is_empty()),
            idle_timeout_ms: record.idle_timeout_ms.filter(|&ms| ms > 0),
            session_id: record.session_id,
            created_at: record.created_at,
        }
    }
}

/// The session's redaction settings: `--redact` (else `config.json` `redact`, else
/// `default`), the `--redact-env` names (each set and non-empty in the program's
/// environment: `--env`, else this process's), and the `config.json` patterns (each a valid
/// regex). Values are never written anywhere: the host reads them from its environment.
fn redaction(
    context: &Context,
    args: &CreateArgs,
    env: &BTreeMap<String, String>,
) -> Result<agent_tty_core::redaction::Redaction> {
    use agent_tty_core::redaction::{Redaction, check_patterns, parse_level};
    let level = match (&args.redact, &context.config.redact) {
        (Some(flag), _) => parse_level("--redact", flag)?,
        (None, Some(config)) => parse_level("config.json redact", config)?,
        (None, None) => agent_tty_core::redact::Level::Default,
    };
    for name in &args.redact_env {
        let value = env.get(name).cloned().or_else(|| std::env::var(name).ok()).unwrap_or_default();
        if name.is_empty() || value.is_empty() {
            return Err(Error::invalid_input(format!(
                "--redact-env {name}: the environment variable is not set or empty, so there is nothing to \
                 mask. Export it (or pass it with --env), or drop the flag."
            ))
            .with("redactEnv", name.as_str()));
        }
    }
    let patterns = context.config.redact_patterns.clone().unwrap_or_default();
    check_patterns(&patterns)?;
    Ok(Redaction {
        level: level.as_str().into(),
        env: args.redact_env.clone(),
        patterns,
        ..Redaction::default()
    })
}

fn default_shell() -> String {
    std::env::var(agent_tty_core::env::SHELL)
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/sh".into())
}

fn parse_env(entries: &[String]) -> Result<BTreeMap<String, String>> {
    let mut env = BTreeMap::new();
    for entry in entries {
        match entry.split_once('=') {
            Some((key, value)) if !key.is_empty() => {
                env.insert(key.to_string(), value.to_string());
            }
            _ => {
                return Err(Error::invalid_input(format!("--env must use KEY=VALUE format, got: {entry}"))
                    .with("env", entry.as_str()));
            }
        }
    }
    Ok(env)
}

fn idle_timeout(context: &Context, flag: Option<&str>) -> Result<u64> {
    let Some(raw) = flag else {
        return Ok(context.config.idle_timeout_ms.unwrap_or(0));
    };
    duration_flag("--idle-timeout-ms", raw, Zero::Means("0 never ends the session")).map_err(|message| {
        Error::invalid_input(message).with("idleTimeoutMs", parse_int(raw).map_or(Value::Null, Value::from))
    })
}

/// `--cols`/`--rows`: a positive integer up to `max` (the emulator's limit,
/// [`agent_tty_vt::MAX_COLS`] × [`agent_tty_vt::MAX_ROWS`]).
fn dimension(name: &str, raw: Option<&str>, default: u16, max: u16) -> Result<u16> {
    let Some(raw) = raw else { return Ok(default) };
    let value = parse_int(raw);
    match value.map(u16::try_from) {
        Some(Ok(v @ 1..)) if v <= max => Ok(v),
        Some(_) if value.is_some_and(|v| v > 0) => Err(Error::new(
            ErrorCode::InvalidDimensions,
            format!("{name} must be a positive integer no larger than {max}, got: {}", js_display(value)),
        )
        .with(name, js_json(value))
        .with("max", max)),
        _ => Err(Error::new(
            ErrorCode::InvalidDimensions,
            format!("{name} must be a positive integer, got: {}", js_display(value)),
        )
        .with(name, js_json(value))),
    }
}
