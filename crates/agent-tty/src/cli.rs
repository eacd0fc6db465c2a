//! The command line, as data only: global options (which must precede the subcommand)
//! and one struct per subcommand. Numbers that agent-tty 0.5.0 parses leniently arrive
//! as strings and are validated by the commands, so their errors carry the contract's
//! codes and messages.

use clap::{Arg, Args, Parser, Subcommand};

const BANNER: &str = "MANDATORY FOR CODING AGENTS: read the agent-tty skill before using this tool: \
                      `agent-tty skills get agent-tty`.";
const AFTER: &str = "Run `agent-tty skills list` for the bundled guides. Every command but dashboard, completions and \
                     man takes --json for a machine-readable envelope.";

/// A real, long-lived terminal an agent can drive, with reviewable evidence.
#[derive(Debug, Parser)]
#[command(name = "agent-tty", before_help = BANNER, after_help = AFTER, max_term_width = 100)]
#[command(version, subcommand_required = true, arg_required_else_help = true)]
pub struct Cli {
    /// State root (default: $AGENT_TTY_HOME, else ~/.agent-tty).
    #[arg(long, value_name = "PATH")]
    pub home: Option<String>,
    /// Log level: debug, info, warn or error.
    #[arg(long, value_name = "LEVEL")]
    pub log_level: Option<String>,
    /// Strip ANSI escape sequences from human output.
    #[arg(long)]
    pub no_color: bool,
    /// Renderer: ghostty-web or libghostty-vt (accepted for compatibility).
    #[arg(long, value_name = "NAME")]
    pub renderer: Option<String>,
    /// Default render profile for screenshots and video.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Accepted for compatibility and unused; validated as milliseconds (500) or a duration such as 2s.
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub timeout_ms: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands. Each one's arguments are added only when clap needs them (`defer`):
/// parsing builds just the subcommand on the command line, not all 26.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// Start a new session: a program on its own PTY, served by a detached host.
    Create(CreateArgs),
    /// List sessions of this Home (active ones unless --all), oldest first.
    #[command(visible_alias = "ls")]
    List(ListArgs),
    /// Show a session's record, event-log counters and host details.
    Inspect(IdArgs),
    /// End a session (its files stay; see gc).
    Destroy(DestroyArgs),
    /// Print version information and (with --json) what this build can do.
    Version(JsonArgs),
    /// Type a shell command and (by default) wait until it finished.
    Run(RunArgs),
    /// Type text into the session, as is.
    Type(TypeArgs),
    /// Paste text (wrapped in bracketed-paste markers).
    Paste(TextArgs),
    /// Send named keys (Enter, ctrl+c, shift+Up, F5, …).
    SendKeys(SendKeysArgs),
    /// Click, drag, move or scroll the mouse at a cell or on visible text, as the program asked for it.
    #[command(after_help = MOUSE_AFTER)]
    Mouse(MouseArgs),
    /// Add a marker event to the event log.
    Mark(MarkArgs),
    /// Resize the terminal.
    Resize(ResizeArgs),
    /// Send a signal to the session's program.
    Signal(SignalArgs),
    /// Wait for text, a regex, a cursor position or a stable screen; or for exit / quiet output.
    Wait(WaitArgs),
    /// Read the screen: lines (structured) or text, live or replayed from the event log.
    Snapshot(SnapshotArgs),
    /// List the commands the session's shell ran (exit status, duration, cwd), from its event log.
    History(HistoryArgs),
    /// Stream a session's event-log records as NDJSON (with --follow: live, pushed by the host; resumable by seq).
    Events(EventsArgs),
    /// What changed on the screen between two points of the session (rows, cursor, size).
    Diff(DiffArgs),
    /// Find when a text or regex appeared on screen (seqs and times; live or offline, from the event log).
    Find(FindArgs),
    /// Render the screen as a PNG into the session's artifacts (no browser needed).
    Screenshot(ScreenshotArgs),
    /// Run a JSON plan of steps (type, paste, sendKeys, mouse, run, wait, snapshot, diff, find, export)
    /// against one session.
    Batch(BatchArgs),
    /// The Home Registry: every Home that hosted a session on this machine.
    Home(HomeArgs),
    /// Export a session's recording from its event log: asciicast v2, WebM video or animated GIF.
    Record(RecordArgs),
    /// Delete the files of ended sessions (every registered Home, unless a Home is given).
    Gc(GcArgs),
    /// Check that this machine can run agent-tty.
    Doctor(JsonArgs),
    /// Manage built-in skills: guides that teach an agent this CLI.
    Skills(SkillsArgs),
    /// Watch what your agents are doing in their shells: a read-only, live dashboard of your sessions.
    #[command(visible_alias = "d")]
    Dashboard(DashboardArgs),
    /// Serve the session verbs as MCP tools over stdio, one long-lived process for an agent's MCP config.
    Mcp(McpArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish or powershell).
    #[command(after_help = COMPLETIONS_AFTER)]
    Completions(CompletionsArgs),
    /// Print the manual page (roff), of agent-tty or of one of its commands.
    #[command(after_help = MAN_AFTER)]
    Man(ManArgs),
    /// Internal: the session host.
    #[command(name = "_host", hide = true)]
    Host(HostArgs),
}

// `--json`, declared once and flattened into every command that prints an envelope. Its
// help line is empty unless a command documents it (as agent-tty 0.5.0 does). No doc
// comment and no argument group: either would be rebuilt for every command at start-up.
#[derive(Debug, Args)]
#[group(skip)]
#[allow(missing_docs)]
pub struct OutputArgs {
    #[arg(long)]
    #[allow(missing_docs)]
    pub json: bool,
}

/// Changes argument `id` where it stands, for `#[command(mut_args(…))]`: `mut_arg` would
/// move it after every other argument, reordering the completion scripts.
fn in_place(id: &'static str, change: fn(Arg) -> Arg) -> impl FnMut(Arg) -> Arg {
    move |arg| if arg.get_id() == id { change(arg) } else { arg }
}

/// The help line of `--json` for the commands that have one (clap drops the doc comments' final period).
const JSON_HELP: &str = "Print a JSON envelope";

// Only `--json`. No doc comment on this or any other arguments struct: with `defer`, it
// would replace the description of every subcommand built from it.
#[derive(Debug, Args)]
#[allow(missing_docs)]
#[command(mut_args(in_place("json", |a| a.help(JSON_HELP))))]
pub struct JsonArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}

// The session a command acts on (its help line is empty unless a command documents it).
// No doc comment and no argument group, as for `OutputArgs`.
#[derive(Debug, Args)]
#[group(skip)]
#[allow(missing_docs)]
pub struct SessionArg {
    #[allow(missing_docs)]
    pub session_id: String,
}

// A session id and `--json` (no doc comment: see `JsonArgs`).
#[derive(Debug, Args)]
#[allow(missing_docs)]
#[command(mut_args(in_place("session_id", |a| a.help("The session: its id, a unique id prefix, or its name (create --name)"))))]
#[command(mut_args(in_place("json", |a| a.help(JSON_HELP))))]
pub struct IdArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub session: SessionArg,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
#[command(mut_args(in_place("json", |a| a.help(JSON_HELP))))]
pub struct CreateArgs {
    /// Terminal columns.
    #[arg(long, allow_hyphen_values = true)]
    pub cols: Option<String>,
    /// Terminal rows.
    #[arg(long, allow_hyphen_values = true)]
    pub rows: Option<String>,
    /// Shell to run when no command is given (default: $SHELL, else /bin/sh).
    #[arg(long)]
    pub shell: Option<String>,
    /// Legacy alias of --shell (wins when both are given).
    #[arg(long, hide = true)]
    pub command: Option<String>,
    /// Working directory (default: the current one).
    #[arg(long)]
    pub cwd: Option<String>,
    /// Extra environment, KEY=VALUE (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// TERM for the program.
    #[arg(long, default_value = "xterm-256color")]
    pub term: String,
    /// A name for the session.
    #[arg(long)]
    pub name: Option<String>,
    /// End the session after this long without activity: milliseconds (500) or a duration such as
    /// 30s, 10m, 1h (0 = never).
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub idle_timeout_ms: Option<String>,
    /// Do not inject shell integration (OSC 133 prompt/command marks and OSC 7) into bash, zsh or
    /// fish.
    #[arg(long)]
    pub no_shell_integration: bool,
    /// Mask the value of this environment variable of the program wherever it is printed
    /// (repeatable; the value is taken from the environment, never from argv).
    #[arg(long = "redact-env", value_name = "NAME")]
    pub redact_env: Vec<String>,
    /// Built-in secret detectors: off, default or strict (default: config.json `redact`, else
    /// default). Sealed input and --redact-env values are masked at every level.
    #[arg(long, value_name = "LEVEL")]
    pub redact: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// The program and its arguments (after `--`).
    #[arg(last = true)]
    pub argv: Vec<String>,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
#[command(mut_args(in_place("json", |a| a.help(JSON_HELP))))]
pub struct ListArgs {
    /// Include exited, failed and destroyed sessions.
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct DestroyArgs {
    #[command(flatten)]
    pub session: SessionArg,
    /// Kill the program and its host instead of asking the host to shut down.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct RunArgs {
    #[command(flatten)]
    pub session: SessionArg,
    /// Shell text to run.
    pub command: Option<String>,
    /// Read the command from a file.
    #[arg(long)]
    pub file: Option<String>,
    /// How long to wait for completion: milliseconds (500) or a duration such as 500ms, 2s, 1.5s,
    /// 2m, 1h (default 30s).
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub timeout: Option<String>,
    /// Do not wait for the command to finish.
    #[arg(long)]
    pub no_wait: bool,
    /// Fail (exit 1, error COMMAND_FAILED, the run's result in its details) when the command
    /// ends with a non-zero exit status.
    #[arg(long, conflicts_with = "no_wait")]
    pub check: bool,
    /// The most output the result carries: bytes (65536) or with a unit (64k, 256KiB); the
    /// first quarter and the last three quarters are kept, the whole output stays in the event
    /// log. 0 leaves `output` out (default 64k, at most 256k).
    #[arg(long, value_name = "SIZE", conflicts_with = "no_wait")]
    pub max_output: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct TextArgs {
    #[command(flatten)]
    pub session: SessionArg,
    /// The text.
    pub text: Option<String>,
    /// Read the text from a file.
    #[arg(long)]
    pub file: Option<String>,
    /// Sealed input: the program gets the text, the event log a placeholder with its length,
    /// and its echo is masked in every artifact.
    #[arg(long)]
    pub secret: bool,
    /// Sealed input read from this environment variable of the agent-tty process (never argv).
    #[arg(long, value_name = "NAME")]
    pub secret_env: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct TypeArgs {
    #[command(flatten)]
    pub text: TextArgs,
    /// Append a newline (LF) to the text.
    #[arg(long)]
    pub append_newline: bool,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct SendKeysArgs {
    #[command(flatten)]
    pub session: SessionArg,
    /// Key names, one key each: Enter, Tab, Escape, Backspace, Space, Up, Down, Left, Right,
    /// Home, End, Insert, Delete, PageUp, PageDown, F1-F12 or one printable character, with
    /// ctrl+, alt+ or shift+ (e.g. ctrl+c, shift+Tab). Send text with `type`.
    #[arg(required = true)]
    pub keys: Vec<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

const MOUSE_AFTER: &str =
    "Rows and columns are 0-based, like the cursor in snapshots (row 0 is the top row). \
The bytes follow the mouse mode the program enabled (X10 9, normal 1000, button-event 1002, any-event 1003; \
default, UTF-8 1005, SGR 1006 or urxvt 1015 encoding). A program that enabled none gets nothing: \
MOUSE_NOT_ENABLED (exit 2), unless --force.

Examples:
  agent-tty mouse <id> click --on-text \"[ OK ]\"
  agent-tty mouse <id> click --row 3 --col 10
  agent-tty mouse <id> drag --row 2 --col 0 --to-row 2 --to-col 15
  agent-tty mouse <id> scroll --down 3
  agent-tty mouse <id> right-click --on-text README --nth 2 --modifiers shift,ctrl";

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct MouseArgs {
    #[command(flatten)]
    pub session: SessionArg,
    /// What the mouse does.
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(agent_tty_core::protocol::MouseAction::NAMES))]
    pub action: String,
    /// The target's row, 0-based (row 0 is the top row, like the cursor in snapshots); with --col.
    #[arg(long)]
    pub row: Option<u16>,
    /// The target's column, 0-based; with --row.
    #[arg(long)]
    pub col: Option<u16>,
    /// The target: the centre of this text where it shows on the screen.
    #[arg(long, value_name = "TEXT")]
    pub on_text: Option<String>,
    /// Which match of --on-text, counted from 1 top to bottom, left to right (default 1).
    #[arg(long, value_name = "N")]
    pub nth: Option<u32>,
    /// drag: where it ends, row (0-based); with --to-col.
    #[arg(long, value_name = "ROW")]
    pub to_row: Option<u16>,
    /// drag: where it ends, column (0-based); with --to-row.
    #[arg(long, value_name = "COL")]
    pub to_col: Option<u16>,
    /// drag: it ends at the centre of this text.
    #[arg(long, value_name = "TEXT")]
    pub to_text: Option<String>,
    /// Which match of --to-text (default 1).
    #[arg(long, value_name = "N")]
    pub to_nth: Option<u32>,
    /// scroll: wheel notches up (at the target, else the screen's centre).
    #[arg(long, value_name = "N")]
    pub up: Option<u32>,
    /// scroll: wheel notches down (at the target, else the screen's centre).
    #[arg(long, value_name = "N")]
    pub down: Option<u32>,
    /// Modifiers held: shift, alt, ctrl (comma-separated).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub modifiers: Vec<String>,
    /// Send SGR mouse reports even though the program did not enable mouse reporting.
    #[arg(long)]
    pub force: bool,
    /// scroll, in a program without mouse reporting that shows the alternate screen (less,
    /// man): send Up/Down arrow keys instead, one per notch, as many terminals do.
    #[arg(long)]
    pub wheel_as_keys: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct MarkArgs {
    #[command(flatten)]
    pub session: SessionArg,
    /// The label (may be empty).
    pub label: String,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct ResizeArgs {
    #[command(flatten)]
    pub session: SessionArg,
    /// New columns.
    #[arg(long, required = true, allow_hyphen_values = true)]
    pub cols: String,
    /// New rows.
    #[arg(long, required = true, allow_hyphen_values = true)]
    pub rows: String,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct SignalArgs {
    #[command(flatten)]
    pub session: SessionArg,
    /// SIGTERM, SIGINT, SIGKILL, SIGHUP, SIGUSR1 or SIGUSR2.
    pub signal: String,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct WaitArgs {
    #[command(flatten)]
    pub session: SessionArg,
    /// Wait until the program exits.
    #[arg(long)]
    pub exit: bool,
    /// Wait until there has been no output for this long: milliseconds (500) or a duration such as
    /// 500ms, 2s, 1.5s, 2m, 1h.
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub idle_ms: Option<String>,
    /// Wait until the screen contains this text.
    #[arg(long)]
    pub text: Option<String>,
    /// Wait until the screen matches this regular expression.
    #[arg(long)]
    pub regex: Option<String>,
    /// Wait until the screen has not changed for this long: milliseconds (500) or a duration such as
    /// 500ms, 2s, 1.5s, 2m, 1h.
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub screen_stable_ms: Option<String>,
    /// Wait until the cursor is on this row (0-based).
    #[arg(long, allow_hyphen_values = true)]
    pub cursor_row: Option<String>,
    /// Wait until the cursor is in this column (0-based).
    #[arg(long, allow_hyphen_values = true)]
    pub cursor_col: Option<String>,
    /// Only match screens captured after this event seq (the Wait Baseline).
    #[arg(long, allow_hyphen_values = true)]
    pub after_seq: Option<String>,
    /// What --text/--regex look at: `screen` (default) or `output`, what the program printed
    /// since the last input, without the echo of the typed input.
    #[arg(long = "in", value_name = "screen|output", allow_hyphen_values = true)]
    pub within: Option<String>,
    /// Give up after this long: milliseconds (500) or a duration such as 500ms, 2s, 1.5s, 2m, 1h
    /// (default 10m; 0 = never).
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub timeout: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct HostArgs {
    pub session_id: String,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct ScreenshotArgs {
    #[command(flatten)]
    pub session: SessionArg,
    /// Render profile: reference-dark or reference-light.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Draw the terminal cursor (only while the program shows it; see cursorVisible).
    #[arg(long)]
    pub show_cursor: bool,
    /// Hide the terminal cursor (the default).
    #[arg(long)]
    pub hide_cursor: bool,
    #[command(flatten)]
    pub at: AtArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// A past point of the session to show instead of now (replayed from the event log).
#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct AtArgs {
    /// Show the screen as it was at this seq of the event log.
    #[arg(long, value_name = "SEQ", allow_hyphen_values = true, conflicts_with = "at_time")]
    pub at_seq: Option<String>,
    /// Show the screen as it was at this time: ISO (2026-12-06T10:00:00.000Z), or a duration
    /// before the end (-30s) or after the start (+2m) of the session.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub at_time: Option<String>,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct DiffArgs {
    #[command(flatten)]
    pub session: SessionArg,
    /// The screen to compare from: a seq (42) or a time (ISO, -30s from the end, +2m from the start).
    #[arg(long, value_name = "SEQ|TIME", allow_hyphen_values = true, required_unless_present = "from_hash")]
    pub from: Option<String>,
    /// The screen to compare from: the one that had this Screen Hash (from a snapshot or a wait).
    #[arg(long, value_name = "HASH", conflicts_with = "from")]
    pub from_hash: Option<String>,
    /// The screen to compare to: a seq or a time (default: the screen now).
    #[arg(long, value_name = "SEQ|TIME", allow_hyphen_values = true)]
    pub to: Option<String>,
    /// List at most this many changed rows (the rest are counted in omittedRows).
    #[arg(long, value_name = "N", default_value = "40")]
    pub max_rows: String,
    #[command(flatten)]
    pub output: OutputArgs,
}

// `events`: a stream, so `--json` changes nothing (no envelope per line).
#[derive(Debug, Args)]
#[allow(missing_docs)]
#[command(mut_args(in_place("json", |a| a.help("Accepted for symmetry: the output is always NDJSON, one record per line, no envelope"))))]
pub struct EventsArgs {
    /// The session: its id, a unique id prefix, or its name (create --name); not with --all
    #[arg(value_name = "SESSION_ID")]
    pub session_id: Option<String>,
    /// Every session of the Home, each line with its sessionId (with --follow, new sessions join the stream)
    #[arg(long)]
    pub all: bool,
    /// Keep going: new records as the host writes them, until the session exits
    #[arg(long)]
    pub follow: bool,
    /// Only the records after seq N (the last seq you saw, to resume without gaps or repeats)
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub after_seq: Option<String>,
    /// Only these record types or derived kinds (repeatable, or comma-separated): output, input_text,
    /// input_paste, input_keys, input_run, run_complete, resize, signal, exit, marker, screen,
    /// commandFinished, idle, missed
    #[arg(long = "type", value_name = "T")]
    pub types: Vec<String>,
    /// With --follow: the output pause after which an idle line comes, e.g. 500ms or 2s (default 1s; 0 = none)
    #[arg(long, value_name = "DURATION")]
    pub idle_ms: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub session: SessionArg,
    /// Show only the N most recent commands (after --failed).
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub last: Option<String>,
    /// Show only the commands that failed (non-zero or unknown exit status).
    #[arg(long)]
    pub failed: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
#[command(mut_args(in_place("session_id", |a| a.help("The session: its id, a unique id prefix, or its name (create --name)"))))]
#[command(mut_args(in_place("json", |a| a.help(JSON_HELP))))]
pub struct FindArgs {
    #[command(flatten)]
    pub session: SessionArg,
    /// The substring to find on the screen (1..1000 characters).
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    pub text: Option<String>,
    /// The JavaScript pattern to find on the screen (1..200 characters, no flags).
    #[arg(long, value_name = "PATTERN", allow_hyphen_values = true)]
    pub regex: Option<String>,
    /// Report the first appearance (the default; reading stops there).
    #[arg(long)]
    pub first: bool,
    /// Report the last appearance.
    #[arg(long)]
    pub last: bool,
    /// Report every appearance (up to --max).
    #[arg(long)]
    pub all: bool,
    /// With --all, report at most N appearances (default 100; the rest are counted).
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub max: Option<String>,
    /// Only appearances after this seq (the screen at that seq is the baseline).
    #[arg(long, value_name = "SEQ", allow_hyphen_values = true)]
    pub after_seq: Option<String>,
    /// Only read the events before this seq.
    #[arg(long, value_name = "SEQ", allow_hyphen_values = true)]
    pub before_seq: Option<String>,
    /// Render the screen at each reported appearance as a PNG artifact (--all: the first 10).
    #[arg(long)]
    pub screenshot: bool,
    /// Render profile for --screenshot: reference-dark or reference-light.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub session: SessionArg,
    /// `structured` (lines) or `text`.
    #[arg(long, default_value = "structured")]
    pub format: String,
    /// Include lines that scrolled off the top.
    #[arg(long)]
    pub include_scrollback: bool,
    /// Include the per-cell style grid (structured format).
    #[arg(long)]
    pub include_cells: bool,
    #[command(flatten)]
    pub at: AtArgs,
    /// Only the rows changed since the screen that had this Screen Hash (the whole screen, with
    /// sinceHash.found false, when no screen of the session had it).
    #[arg(long, value_name = "HASH")]
    pub since_hash: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct BatchArgs {
    #[command(flatten)]
    pub session: SessionArg,
    /// The steps, a JSON array.
    pub steps: Option<String>,
    /// Read the steps from a file.
    #[arg(long)]
    pub file: Option<String>,
    /// Attempt every step even after one failed.
    #[arg(long)]
    pub keep_going: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct RecordArgs {
    #[command(subcommand)]
    pub command: RecordCommand,
}

// `record` subcommands (no doc comment: see `JsonArgs`).
#[derive(Debug, Subcommand)]
#[allow(missing_docs)]
pub enum RecordCommand {
    /// Export the session's event log as a recording: asciicast v2, WebM (VP9) or animated GIF.
    Export(RecordExportArgs),
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct RecordExportArgs {
    #[command(flatten)]
    pub session: SessionArg,
    /// `asciicast` (asciicast v2), `webm` (VP9; needs a build with libvpx, see `version --json`)
    /// or `gif`.
    #[arg(long, required = true)]
    pub format: Option<String>,
    /// Output file (its directory must exist); default: the session's artifacts directory.
    #[arg(long)]
    pub out: Option<String>,
    /// Render profile for webm and gif: reference-dark or reference-light (ignored for asciicast).
    #[arg(long)]
    pub profile: Option<String>,
    /// Video timing: recorded, accelerated or max-speed (validated for every format).
    #[arg(long)]
    pub timing: Option<String>,
    /// Clip: start at this seq (42) or time (ISO, -30s before the end, +2m after the start); the
    /// clip opens with the screen as it was there.
    #[arg(long, value_name = "SEQ|TIME", allow_hyphen_values = true, conflicts_with_all = ["from_seq", "from_time"])]
    pub from: Option<String>,
    /// Clip: end at this seq or time (included; default: the end of the log).
    #[arg(long, value_name = "SEQ|TIME", allow_hyphen_values = true, conflicts_with_all = ["to_seq", "to_time"])]
    pub to: Option<String>,
    /// Clip: start at this seq of the event log (the clip opens with the screen as it was
    /// there).
    #[arg(long, value_name = "SEQ", allow_hyphen_values = true)]
    pub from_seq: Option<String>,
    /// Clip: start at this time: ISO (2026-12-06T10:00:00.000Z), -30s before the end or
    /// +2m after the start of the session (the last event at or before it).
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub from_time: Option<String>,
    /// Clip: end at this seq of the event log (included).
    #[arg(long, value_name = "SEQ", allow_hyphen_values = true)]
    pub to_seq: Option<String>,
    /// Clip: end at this time (as --from-time; the last event at or before it).
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub to_time: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct HomeArgs {
    #[command(subcommand)]
    pub command: HomeCommand,
}

// `home` subcommands (no doc comment: see `JsonArgs`).
#[derive(Debug, Subcommand)]
#[allow(missing_docs)]
pub enum HomeCommand {
    /// List registered Homes with their session counts (active ones unless --all).
    List(HomeListArgs),
    /// Remove a Home from the registry (nothing on disk is touched).
    Forget(HomeForgetArgs),
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct HomeListArgs {
    /// Include Homes whose sessions have all ended.
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct HomeForgetArgs {
    /// The Home's path.
    pub path: String,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct GcArgs {
    /// Report what would be removed; delete and deregister nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Only collect sessions whose host this run found dead.
    #[arg(long)]
    pub stale_only: bool,
    /// Only collect sessions created at least this long ago: a duration with a unit such as 30m,
    /// 24h, 7d, 90s, 1.5h or 1h30m.
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub older_than: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct SkillsArgs {
    #[command(subcommand)]
    pub command: SkillsCommand,
}

// `skills` subcommands (no doc comment: see `JsonArgs`).
#[derive(Debug, Subcommand)]
#[allow(missing_docs)]
pub enum SkillsCommand {
    /// List the bundled skills.
    List(JsonArgs),
    /// Print a skill's SKILL.md.
    Get(SkillNameArgs),
    /// Print where a skill's files are.
    Path(SkillNameArgs),
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct SkillNameArgs {
    /// The skill's name.
    pub name: String,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct DashboardArgs {
    /// Start showing all sessions (active and terminal), not just active ones.
    #[arg(long)]
    pub all: bool,
    /// Preselect a session to watch on launch (an id, a prefix of one, or a name).
    #[arg(long, value_name = "ID")]
    pub session: Option<String>,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct McpArgs {
    /// State root (as the global --home, which it overrides; default: $AGENT_TTY_HOME, else
    /// ~/.agent-tty).
    #[arg(long, value_name = "PATH")]
    pub home: Option<String>,
}

const COMPLETIONS_AFTER: &str = "Load it for this shell, or install it:\n  \
     bash: source <(agent-tty completions bash)   or   agent-tty completions bash > ~/.local/share/bash-completion/completions/agent-tty\n  \
     zsh:  agent-tty completions zsh > \"${fpath[1]}/_agent-tty\"\n  \
     fish: agent-tty completions fish > ~/.config/fish/completions/agent-tty.fish";

const MAN_AFTER: &str = "Read it with `agent-tty man | man -l -`, or install it: \
     `agent-tty man > /usr/local/share/man/man1/agent-tty.1`.";

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct ManArgs {
    /// A command (e.g. `send-keys`, `record export`): print its own page instead.
    #[arg(num_args = 0..)]
    pub command: Vec<String>,
}
