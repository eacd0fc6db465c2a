//! Command boundaries in the Event Log, and the session's command history read from it.
//!
//! When the shell marks its commands (OSC 133, see [`crate::shell_marks`]), the host
//! records where each command started and how it ended. A 0.5 reader rejects record
//! types it does not know, so the boundaries are `marker` records (which it reads, and
//! which have no effect on the screen) whose label is `agent-tty:command-start {json}`
//! or `agent-tty:command-end {json}`. Labels starting with [`RESERVED_PREFIX`] are
//! refused by `mark`, so a user's marker is never mistaken for one.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::event_log::{Event, EventRecord};

/// What every label the host writes itself starts with; `mark` refuses it.
pub const RESERVED_PREFIX: &str = "agent-tty:";
const START: &str = "agent-tty:command-start ";
const END: &str = "agent-tty:command-end ";

/// The longest command text a start record keeps (the whole line is in the input
/// records or the output anyway); a longer one is cut and flagged.
pub const MAX_COMMAND_BYTES: usize = 8 * 1024;

/// A command started (the shell's OSC 133 C).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommandStart {
    /// The command line, when the shell said it (or the `run` typed it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The command line was longer than [`MAX_COMMAND_BYTES`] and is cut.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub command_truncated: bool,
    /// The working directory it started in, when the shell said it (OSC 7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
}

impl CommandStart {
    /// A start record for `command` in `cwd`, the command cut to [`MAX_COMMAND_BYTES`].
    pub fn new(command: Option<String>, cwd: Option<String>) -> CommandStart {
        let mut command_truncated = false;
        let command = command.map(|mut command| {
            if command.len() > MAX_COMMAND_BYTES {
                let mut cut = MAX_COMMAND_BYTES;
                while !command.is_char_boundary(cut) {
                    cut -= 1;
                }
                command.truncate(cut);
                command_truncated = true;
            }
            command
        });
        CommandStart { command, command_truncated, cwd }
    }
}

/// A command ended (the shell's OSC 133 D).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CommandEnd {
    /// The seq of the command's start record.
    pub start_seq: u64,
    /// Its exit status, when the shell said it.
    #[serde(default)]
    pub exit_code: Option<i32>,
    /// The working directory after it, when the shell said it (OSC 7).
    #[serde(default)]
    pub cwd: Option<String>,
}

/// A command boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandRecord {
    /// See [`CommandStart`].
    Start(CommandStart),
    /// See [`CommandEnd`].
    End(CommandEnd),
}

impl CommandRecord {
    /// The record a marker `label` holds, if it is one.
    pub fn from_label(label: &str) -> Option<CommandRecord> {
        if !label.starts_with(RESERVED_PREFIX) {
            return None;
        }
        if let Some(json) = label.strip_prefix(START) {
            return serde_json::from_str(json).ok().map(CommandRecord::Start);
        }
        label.strip_prefix(END).and_then(|json| serde_json::from_str(json).ok()).map(CommandRecord::End)
    }

    /// The marker label that holds this record.
    pub fn to_label(&self) -> String {
        let (prefix, json) = match self {
            CommandRecord::Start(start) => (START, serde_json::to_string(start)),
            CommandRecord::End(end) => (END, serde_json::to_string(end)),
        };
        format!("{prefix}{}", json.expect("command records serialise"))
    }

    /// The event that logs this record.
    pub fn to_event(&self) -> Event {
        Event::Marker { label: self.to_label() }
    }
}

/// One command of a session's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommandEntry {
    /// The seq of its start record.
    pub seq: u64,
    /// The command line (`null` when the shell did not say it).
    pub command: Option<String>,
    /// Its exit status (`null` while it runs, or when it never finished).
    pub exit_code: Option<i32>,
    /// From its start to its end, in ms (`null` while it runs).
    pub duration_ms: Option<u64>,
    /// The working directory it ran in (`null` when unknown).
    pub cwd: Option<String>,
    /// The working directory after it (`null` when unknown or still running).
    pub cwd_after: Option<String>,
    /// When it started (ISO time).
    pub started_at: String,
    /// The seq of its end record (`null` while it runs, or when it never finished).
    pub end_seq: Option<u64>,
    /// `running`, `succeeded` (exit 0), `failed` (any other exit), or `unfinished` (the
    /// session ended, or a new prompt came, without its end).
    pub state: CommandState,
}

/// Where a command of the history is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum CommandState {
    /// Started, not ended yet.
    Running,
    /// Ended with exit status 0.
    Succeeded,
    /// Ended with another status (or an unknown one).
    Failed,
    /// Will never end: the session exited, or another command started first.
    Unfinished,
}

/// Builds a session's command history from its events, in order.
#[derive(Debug, Default)]
pub struct History {
    entries: Vec<CommandEntry>,
    /// Start time (ms) of the entry that is still running, by index.
    open: Option<(usize, u64)>,
}

impl History {
    /// An empty history.
    pub fn new() -> History {
        History::default()
    }

    /// Takes one record into account.
    pub fn push(&mut self, record: &EventRecord) {
        match &record.event {
            Event::Marker { label } => match CommandRecord::from_label(label) {
                Some(CommandRecord::Start(start)) => self.start(record, start),
                Some(CommandRecord::End(end)) => self.end(record, &end),
                None => {}
            },
            Event::Exit { .. } => self.close_open(),
            _ => {}
        }
    }

    fn start(&mut self, record: &EventRecord, start: CommandStart) {
        self.close_open();
        self.open = Some((self.entries.len(), crate::time::parse_iso(&record.ts).unwrap_or(0)));
        self.entries.push(CommandEntry {
            seq: record.seq.0,
            command: start.command,
            exit_code: None,
            duration_ms: None,
            cwd: start.cwd,
            cwd_after: None,
            started_at: record.ts.clone(),
            end_seq: None,
            state: CommandState::Running,
        });
    }

    fn end(&mut self, record: &EventRecord, end: &CommandEnd) {
        let Some((index, started_ms)) = self.open else { return };
        let entry = &mut self.entries[index];
        if entry.seq != end.start_seq {
            return;
        }
        self.open = None;
        let ended_ms = crate::time::parse_iso(&record.ts).unwrap_or(started_ms);
        entry.exit_code = end.exit_code;
        entry.duration_ms = Some(ended_ms.saturating_sub(started_ms));
        entry.cwd_after = end.cwd.clone();
        entry.end_seq = Some(record.seq.0);
        entry.state = if end.exit_code == Some(0) { CommandState::Succeeded } else { CommandState::Failed };
    }

    fn close_open(&mut self) {
        if let Some((index, _)) = self.open.take() {
            self.entries[index].state = CommandState::Unfinished;
        }
    }

    /// The commands, oldest first.
    pub fn finish(self) -> Vec<CommandEntry> {
        self.entries
    }
}

/// A session's command history read from its event log at `path`, with what had to be
/// skipped (the same rules as every other reader, see [`crate::event_stream`]). Works
/// while the host writes the log: a torn last line is the line being written.
pub fn read_history(
    path: &std::path::Path,
) -> Result<(Vec<CommandEntry>, crate::event_stream::Damage), String> {
    use crate::event_stream::{Damage, StreamEvent, parse_line, parse_record};
    let mut damage = Damage::default();
    let mut history = History::new();
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), damage)),
        Err(e) => return Err(format!("cannot open the event log: {e}")),
    };
    let mut lines = crate::event_stream::LineReader::new(std::io::BufReader::with_capacity(1 << 16, file));
    let mut sequencer = crate::event_stream::Sequencer::default();
    while let Some(raw) =
        lines.next_line(&mut damage).map_err(|e| format!("cannot read the event log: {e}"))?
    {
        let (number, last) = (raw.number, raw.last_unterminated);
        let line = match parse_line(raw.bytes) {
            Ok(line) => line,
            Err(why) => {
                damage.skip(number, last, why);
                continue;
            }
        };
        if sequencer.admit(number, line.seq, line.ts_ms, &mut damage).is_none() {
            continue;
        }
        // Only markers and the exit matter; they are rare, so parsed in full.
        if matches!(line.event, StreamEvent::Other)
            && let Ok((record, _)) = parse_record(raw.bytes)
        {
            history.push(&record);
        }
    }
    Ok((history.finish(), damage))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Seq;

    fn record(seq: u64, ts: &str, event: Event) -> EventRecord {
        EventRecord { seq: Seq(seq), ts: ts.to_string(), event }
    }

    #[test]
    fn labels_round_trip_and_read_as_0_5_markers() {
        let start = CommandRecord::Start(CommandStart::new(Some("ls -la \"x\"".into()), Some("/tmp".into())));
        let label = start.to_label();
        assert_eq!(label, r#"agent-tty:command-start {"command":"ls -la \"x\"","cwd":"/tmp"}"#);
        assert_eq!(CommandRecord::from_label(&label), Some(start));
        let end = CommandRecord::End(CommandEnd { start_seq: 4, exit_code: Some(130), cwd: None });
        assert_eq!(end.to_label(), r#"agent-tty:command-end {"startSeq":4,"exitCode":130,"cwd":null}"#);
        assert_eq!(CommandRecord::from_label(&end.to_label()), Some(end));
        for other in
            ["", "agent-tty:", "agent-tty:command-start", "agent-tty:command-start {}x", "before-save"]
        {
            assert_eq!(CommandRecord::from_label(other), None, "{other}");
        }
        assert!(CommandRecord::from_label("agent-tty:command-start {}").is_some());
    }

    #[test]
    fn long_commands_are_cut_on_a_character_boundary_and_flagged() {
        let start = CommandStart::new(Some("é".repeat(MAX_COMMAND_BYTES)), None);
        assert!(start.command_truncated);
        assert!(start.command.as_ref().unwrap().len() <= MAX_COMMAND_BYTES);
    }

    #[test]
    fn history_pairs_starts_with_ends() {
        let start =
            |command: &str| CommandRecord::Start(CommandStart::new(Some(command.into()), Some("/a".into())));
        let end = |start_seq, exit_code| {
            CommandRecord::End(CommandEnd { start_seq, exit_code: Some(exit_code), cwd: Some("/b".into()) })
        };
        let mut history = History::new();
        let records = [
            record(0, "2026-01-01T00:00:00.000Z", start("true").to_event()),
            record(1, "2026-01-01T00:00:00.250Z", end(0, 0).to_event()),
            record(2, "2026-01-01T00:00:01.000Z", start("false").to_event()),
            record(3, "2026-01-01T00:00:01.010Z", end(2, 1).to_event()),
            record(4, "2026-01-01T00:00:02.000Z", end(2, 5).to_event()),
            record(5, "2026-01-01T00:00:03.000Z", start("sleep 9").to_event()),
            record(6, "2026-01-01T00:00:04.000Z", Event::Exit { exit_code: Some(0), exit_signal: None }),
        ];
        for record in &records {
            history.push(record);
        }
        let entries = history.finish();
        assert_eq!(entries.len(), 3);
        assert_eq!(
            (entries[0].exit_code, entries[0].duration_ms, entries[0].state),
            (Some(0), Some(250), CommandState::Succeeded)
        );
        assert_eq!(
            (entries[1].exit_code, entries[1].end_seq, entries[1].state),
            (Some(1), Some(3), CommandState::Failed)
        );
        assert_eq!(entries[1].cwd_after.as_deref(), Some("/b"));
        assert_eq!((entries[2].exit_code, entries[2].state), (None, CommandState::Unfinished));
    }
}
