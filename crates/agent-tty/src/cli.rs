//! The command line, as data only: global options (which must precede the subcommand)
//! and one struct per subcommand. Numbers that agent-tty 0.5.0 parses leniently arrive
//! as strings and are validated by the commands, so their errors carry the contract's
//! codes and messages.

use clap::{Args, Parser, Subcommand};

const BANNER: &str = "MANDATORY FOR CODING AGENTS: read the agent-tty skill before using this tool: \
                      `agent-tty skills get agent-tty`.";
const AFTER: &str = "Run `agent-tty skills list` for the bundled guides. Every command takes --json for a machine-readable envelope.";

/// A real, long-lived terminal an agent can drive, with reviewable evidence.
#[derive(Debug, Parser)]
#[command(name = "agent-tty", before_help = BANNER, after_help = AFTER, max_term_width = 100)]
#[command(disable_version_flag = true, subcommand_required = true, arg_required_else_help = true)]
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
    /// Accepted and validated for compatibility; unused.
    #[arg(long, value_name = "MS", allow_hyphen_values = true)]
    pub timeout_ms: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
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
    /// Print version information.
    Version(JsonArgs),
    /// Type a shell command and (by default) wait until it finished.
    Run(RunArgs),
    /// Type text into the session, as is.
    Type(TypeArgs),
    /// Paste text (wrapped in bracketed-paste markers).
    Paste(TextArgs),
    /// Send named keys (Enter, ctrl+c, shift+Up, F5, …).
    SendKeys(SendKeysArgs),
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
    /// Render the screen as a PNG into the session's artifacts (no browser needed).
    Screenshot(ScreenshotArgs),
    /// Run a JSON plan of steps (type, paste, sendKeys, run, wait) against one session.
    Batch(BatchArgs),
    /// The Home Registry: every Home that hosted a session on this machine.
    Home(HomeArgs),
    /// Export a session's recording (asciicast v2) from its event log.
    Record(RecordArgs),
    /// Delete the files of ended sessions (every registered Home, unless a Home is given).
    Gc(GcArgs),
    /// Check that this machine can run agent-tty.
    Doctor(JsonArgs),
    /// Manage built-in skills: guides that teach an agent this CLI.
    Skills(SkillsArgs),
    /// Watch what your agents are doing in their shells: a read-only, live dashboard of your sessions
    #[command(visible_alias = "d")]
    Dashboard(DashboardArgs),
    /// Internal: the session host.
    #[command(name = "_host", hide = true)]
    Host(HostArgs),
}

/// Only `--json`.
#[derive(Debug, Args)]
pub struct JsonArgs {
    /// Print a JSON envelope.
    #[arg(long)]
    pub json: bool,
}

/// A session id and `--json`.
#[derive(Debug, Args)]
pub struct IdArgs {
    /// Session id.
    pub session_id: String,
    /// Print a JSON envelope.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
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
    /// End the session after this long without activity (0 = never).
    #[arg(long, allow_hyphen_values = true)]
    pub idle_timeout_ms: Option<String>,
    /// Print a JSON envelope.
    #[arg(long)]
    pub json: bool,
    /// The program and its arguments (after `--`).
    #[arg(last = true)]
    pub argv: Vec<String>,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct ListArgs {
    /// Include exited, failed and destroyed sessions.
    #[arg(long)]
    pub all: bool,
    /// Print a JSON envelope.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct DestroyArgs {
    pub session_id: String,
    /// Kill the program and its host instead of asking the host to shut down.
    #[arg(long)]
    pub force: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct RunArgs {
    pub session_id: String,
    /// Shell text to run.
    pub command: Option<String>,
    /// Read the command from a file.
    #[arg(long)]
    pub file: Option<String>,
    /// How long to wait for completion, in ms (default 30000).
    #[arg(long, allow_hyphen_values = true)]
    pub timeout: Option<String>,
    /// Do not wait for the command to finish.
    #[arg(long)]
    pub no_wait: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct TextArgs {
    pub session_id: String,
    /// The text.
    pub text: Option<String>,
    /// Read the text from a file.
    #[arg(long)]
    pub file: Option<String>,
    #[arg(long)]
    pub json: bool,
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
    pub session_id: String,
    /// Key names, e.g. Enter ctrl+c shift+Tab.
    #[arg(required = true)]
    pub keys: Vec<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct MarkArgs {
    pub session_id: String,
    /// The label (may be empty).
    pub label: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct ResizeArgs {
    pub session_id: String,
    /// New columns.
    #[arg(long, required = true, allow_hyphen_values = true)]
    pub cols: String,
    /// New rows.
    #[arg(long, required = true, allow_hyphen_values = true)]
    pub rows: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct SignalArgs {
    pub session_id: String,
    /// SIGTERM, SIGINT, SIGKILL, SIGHUP, SIGUSR1 or SIGUSR2.
    pub signal: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct WaitArgs {
    pub session_id: String,
    /// Wait until the program exits.
    #[arg(long)]
    pub exit: bool,
    /// Wait until there has been no output for this many ms.
    #[arg(long, allow_hyphen_values = true)]
    pub idle_ms: Option<String>,
    /// Wait until the screen contains this text.
    #[arg(long)]
    pub text: Option<String>,
    /// Wait until the screen matches this regular expression.
    #[arg(long)]
    pub regex: Option<String>,
    /// Wait until the screen has not changed for this many ms.
    #[arg(long, allow_hyphen_values = true)]
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
    /// Give up after this many ms (default 600000; 0 = never).
    #[arg(long, allow_hyphen_values = true)]
    pub timeout: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct HostArgs {
    pub session_id: String,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct ScreenshotArgs {
    pub session_id: String,
    /// Render profile: reference-dark or reference-light.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Draw the terminal cursor (only while the program shows it; see cursorVisible).
    #[arg(long)]
    pub show_cursor: bool,
    /// Hide the terminal cursor (the default).
    #[arg(long)]
    pub hide_cursor: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct SnapshotArgs {
    pub session_id: String,
    /// `structured` (lines) or `text`.
    #[arg(long, default_value = "structured")]
    pub format: String,
    /// Include lines that scrolled off the top.
    #[arg(long)]
    pub include_scrollback: bool,
    /// Include the per-cell style grid (structured format).
    #[arg(long)]
    pub include_cells: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct BatchArgs {
    pub session_id: String,
    /// The steps, a JSON array.
    pub steps: Option<String>,
    /// Read the steps from a file.
    #[arg(long)]
    pub file: Option<String>,
    /// Attempt every step even after one failed.
    #[arg(long)]
    pub keep_going: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct RecordArgs {
    #[command(subcommand)]
    pub command: RecordCommand,
}

/// `record` subcommands.
#[derive(Debug, Subcommand)]
pub enum RecordCommand {
    /// Export the session's event log as a recording (asciicast; webm and gif later).
    Export(RecordExportArgs),
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct RecordExportArgs {
    pub session_id: String,
    /// `asciicast` (webm and gif are not in this build yet).
    #[arg(long, required = true)]
    pub format: Option<String>,
    /// Output file (its directory must exist); default: the session's artifacts directory.
    #[arg(long)]
    pub out: Option<String>,
    /// Render profile for video formats (ignored for asciicast).
    #[arg(long)]
    pub profile: Option<String>,
    /// Video timing: recorded, accelerated or max-speed (validated for every format).
    #[arg(long)]
    pub timing: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct HomeArgs {
    #[command(subcommand)]
    pub command: HomeCommand,
}

/// `home` subcommands.
#[derive(Debug, Subcommand)]
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
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct HomeForgetArgs {
    /// The Home's path.
    pub path: String,
    #[arg(long)]
    pub json: bool,
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
    /// Only collect sessions created at least this long ago (e.g. 30m, 24h, 7d).
    #[arg(long, allow_hyphen_values = true)]
    pub older_than: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct SkillsArgs {
    #[command(subcommand)]
    pub command: SkillsCommand,
}

/// `skills` subcommands.
#[derive(Debug, Subcommand)]
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
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[allow(missing_docs)]
pub struct DashboardArgs {
    /// Start showing all sessions (active and terminal), not just active ones.
    #[arg(long)]
    pub all: bool,
    /// Preselect a session to watch on launch (an id, or a prefix of one).
    #[arg(long, value_name = "ID")]
    pub session: Option<String>,
}
