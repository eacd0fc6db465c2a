//! `agent-tty history`: the commands a session ran, read from its event log (live or
//! offline): where each started, its exit status, how long it took, its working
//! directory. The commands are known from the shell's integration marks (see
//! `agent_tty_core::command_log`).

use agent_tty_core::command_log::{CommandEntry, CommandState, read_history};
use agent_tty_core::event_stream::DamageReport;
use agent_tty_core::manifest::Status;
use agent_tty_core::{Error, ErrorCode, Result, session};
use schemars::JsonSchema;
use serde::Serialize;

use crate::cli::HistoryArgs;
use crate::context::Context;
use crate::numbers::parse_int;
use crate::output::Outcome;

/// The result of `history`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HistoryResult {
    /// The session.
    pub session_id: String,
    /// The commands shown, oldest first (after `--failed` and `--last`).
    pub commands: Vec<CommandEntry>,
    /// How many commands the log holds in all.
    pub total: u64,
    /// How many of them failed (non-zero or unknown exit status).
    pub failed: u64,
    /// Why the list is empty, when it is: no marks were ever seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// What had to be skipped in a damaged log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub damage: Option<DamageReport>,
}

const NO_MARKS: &str = "No commands recorded: the shell never marked one (OSC 133). bash, zsh and fish \
     get shell integration from `create` unless --no-shell-integration was given; other programs are not shells.";

/// Runs `history`.
pub fn run(context: &Context, args: &HistoryArgs) -> Result<Outcome> {
    let last = match args.last.as_deref() {
        None => None,
        Some(raw) => match parse_int(raw) {
            Some(n) if n > 0 && raw.trim().bytes().all(|b| b.is_ascii_digit()) => Some(n as usize),
            _ => {
                return Err(Error::invalid_input(format!(
                    "--last must be a positive integer (the number of most recent commands to show); got {raw:?}."
                ))
                .with("last", raw));
            }
        },
    };
    let (paths, record) = session::find(&context.home.path, &args.session.session_id)?;
    let (entries, mut damage) = read_history(&paths.events).map_err(|why| {
        Error::new(ErrorCode::StorageReadError, format!("Cannot read the event log of {}: {why}", paths.id))
            .with("path", paths.events.display().to_string())
    })?;
    if record.status == Status::Running {
        // The host may be writing its last line right now.
        damage.forget_torn_tail();
    }
    let total = entries.len() as u64;
    let failed = entries.iter().filter(|e| e.state == CommandState::Failed).count() as u64;
    let mut commands: Vec<CommandEntry> =
        entries.into_iter().filter(|e| !args.failed || e.state == CommandState::Failed).collect();
    if let Some(last) = last {
        commands.drain(..commands.len().saturating_sub(last));
    }
    let result = HistoryResult {
        session_id: paths.id.clone(),
        commands,
        total,
        failed,
        note: (total == 0).then(|| NO_MARKS.to_string()),
        damage: damage.report(),
    };
    let human = human_lines(&result);
    Ok(Outcome::new(result, human))
}

fn human_lines(result: &HistoryResult) -> Vec<String> {
    if let Some(note) = &result.note {
        return vec![note.clone()];
    }
    let mut lines = vec![format!("{:>6}  {:>6}  {:>8}  {:<24}  command", "seq", "exit", "time", "cwd")];
    for entry in &result.commands {
        let exit = match (entry.exit_code, entry.state) {
            (Some(code), _) => code.to_string(),
            (None, CommandState::Running) => "…".to_string(),
            (None, _) => "?".to_string(),
        };
        let time = entry.duration_ms.map_or_else(|| "-".to_string(), duration);
        let cwd = entry.cwd.as_deref().unwrap_or("-");
        let command = entry.command.as_deref().unwrap_or("(not said)");
        lines.push(format!("{:>6}  {exit:>6}  {time:>8}  {cwd:<24}  {command}", entry.seq));
    }
    lines.push(format!("{} commands, {} failed.", result.total, result.failed));
    lines.extend(result.damage.as_ref().map(DamageReport::summary));
    lines
}

fn duration(ms: u64) -> String {
    if ms < 1000 { format!("{ms}ms") } else { format!("{:.1}s", ms as f64 / 1000.0) }
}
