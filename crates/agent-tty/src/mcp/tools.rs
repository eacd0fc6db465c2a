//! The MCP tools: one input struct per tool (camelCase keys mirroring the CLI's flags),
//! each turned into the [`Command`] the CLI would parse from the same flags, so both front
//! ends run the same code and get the same typed result. The output schema of a tool is
//! the CLI result's schema from [`crate::schemas`].

use std::sync::Arc;

use agent_tty_core::{Error, Result};
use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::cli::{
    AtArgs, Command, CreateArgs, DestroyArgs, DiffArgs, FindArgs, HistoryArgs, IdArgs, ListArgs, MarkArgs,
    MouseArgs, OutputArgs, RecordCommand, RecordExportArgs, ResizeArgs, RunArgs, ScreenshotArgs,
    SendKeysArgs, SessionArg, SignalArgs, SnapshotArgs, TextArgs, TypeArgs, WaitArgs,
};

/// A number flag: a JSON number or a string in the CLI's spelling (`"2s"`, `"64k"`), handed
/// to the command as the string the command line would carry, so it is validated (and
/// rejected) exactly as there.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Flag {
    /// A plain number (milliseconds, bytes, a count, a seq).
    Number(serde_json::Number),
    /// The CLI's spelling, such as `"2s"` or `"64k"`.
    Text(String),
}

impl Flag {
    fn text(self) -> String {
        match self {
            Flag::Number(number) => number.to_string(),
            Flag::Text(text) => text,
        }
    }
}

fn text(flag: Option<Flag>) -> Option<String> {
    flag.map(Flag::text)
}

fn session(session_id: String) -> SessionArg {
    SessionArg { session_id }
}

/// The CLI commands run with human lines (the tool's text content), never `--json`.
const OUTPUT: OutputArgs = OutputArgs { json: false };

/// Rejects two keys given together, as clap's `conflicts_with` does on the command line.
fn exclusive(a: (&str, bool), b: (&str, bool)) -> Result<()> {
    if a.1 && b.1 {
        return Err(Error::invalid_input(format!(
            "`{}` cannot be used with `{}`: give one of them.",
            a.0, b.0
        )));
    }
    Ok(())
}

/// `create`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateInput {
    /// Terminal columns (default 80).
    pub cols: Option<Flag>,
    /// Terminal rows (default 24).
    pub rows: Option<Flag>,
    /// Shell to run when no argv is given (default: $SHELL, else /bin/sh).
    pub shell: Option<String>,
    /// Working directory (default: the MCP server's).
    pub cwd: Option<String>,
    /// Extra environment, KEY=VALUE each.
    #[serde(default)]
    pub env: Vec<String>,
    /// TERM for the program (default xterm-256color).
    pub term: Option<String>,
    /// A name for the session (usable wherever a session id is).
    pub name: Option<String>,
    /// End the session after this long without activity: milliseconds or a duration such as
    /// "30s", "10m" (0 = never).
    pub idle_timeout_ms: Option<Flag>,
    /// Do not inject shell integration (OSC 133/OSC 7) into bash, zsh or fish.
    #[serde(default)]
    pub no_shell_integration: bool,
    /// The program and its arguments (default: the shell).
    #[serde(default)]
    pub argv: Vec<String>,
}

/// A session and nothing else (`inspect`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SessionInput {
    /// The session: its id, a unique id prefix, or its name.
    pub session_id: String,
}

/// `list`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ListInput {
    /// Include exited, failed and destroyed sessions.
    #[serde(default)]
    pub all: bool,
}

/// `destroy`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DestroyInput {
    /// The session: its id, a unique id prefix, or its name.
    pub session_id: String,
    /// Kill the program and its host instead of asking the host to shut down.
    #[serde(default)]
    pub force: bool,
}

/// `run`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RunInput {
    /// The session: its id, a unique id prefix, or its name.
    pub session_id: String,
    /// Shell text to run.
    pub command: Option<String>,
    /// Read the command from this file instead.
    pub file: Option<String>,
    /// How long to wait for completion: milliseconds or a duration such as "2s" (default 30s).
    pub timeout: Option<Flag>,
    /// Do not wait for the command to finish.
    #[serde(default)]
    pub no_wait: bool,
    /// Fail (error COMMAND_FAILED, the run's result in its details) on a non-zero exit status.
    #[serde(default)]
    pub check: bool,
    /// The most output the result carries: bytes or with a unit ("64k"); 0 leaves `output` out.
    pub max_output: Option<Flag>,
}

/// `type`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TypeInput {
    /// The session: its id, a unique id prefix, or its name.
    pub session_id: String,
    /// The text, typed as is (use send_keys for Enter and other keys).
    pub text: Option<String>,
    /// Read the text from this file instead.
    pub file: Option<String>,
    /// Append a newline (LF) to the text.
    #[serde(default)]
    pub append_newline: bool,
    /// Sealed input: the program gets the text; the event log records a placeholder with its
    /// length, and its echo is masked in snapshots, screenshots, recordings and events.
    #[serde(default)]
    pub secret: bool,
    /// Sealed input read from this environment variable of the MCP server (instead of text or
    /// file), so the secret never passes through the conversation.
    pub secret_env: Option<String>,
}

/// `paste`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PasteInput {
    /// The session: its id, a unique id prefix, or its name.
    pub session_id: String,
    /// The text (wrapped in bracketed-paste markers).
    pub text: Option<String>,
    /// Read the text from this file instead.
    pub file: Option<String>,
    /// Sealed input: the program gets the text; the event log records a placeholder with its
    /// length, and its echo is masked in snapshots, screenshots, recordings and events.
    #[serde(default)]
    pub secret: bool,
    /// Sealed input read from this environment variable of the MCP server (instead of text or
    /// file), so the secret never passes through the conversation.
    pub secret_env: Option<String>,
}

/// `send_keys`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SendKeysInput {
    /// The session: its id, a unique id prefix, or its name.
    pub session_id: String,
    /// Key names, one key each: Enter, Tab, Escape, Backspace, Space, Up, Down, Left, Right,
    /// Home, End, Insert, Delete, PageUp, PageDown, F1-F12 or one printable character, with
    /// ctrl+, alt+ or shift+ (e.g. ctrl+c, shift+Tab).
    pub keys: Vec<String>,
}

/// `mouse`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MouseInput {
    /// The session: its id, a unique id prefix, or its name.
    pub session_id: String,
    /// click, double-click, right-click, middle-click, move, drag or scroll.
    #[schemars(extend("enum" = ["click", "double-click", "right-click", "middle-click", "move", "drag", "scroll"]))]
    pub action: String,
    /// The target's row, 0-based (row 0 is the top row, like the cursor in snapshots); with col.
    pub row: Option<u16>,
    /// The target's column, 0-based; with row.
    pub col: Option<u16>,
    /// The target: the centre of this text where it shows on the screen.
    pub on_text: Option<String>,
    /// Which match of onText, counted from 1 (default 1).
    pub nth: Option<u32>,
    /// drag: where it ends, row (0-based); with toCol.
    pub to_row: Option<u16>,
    /// drag: where it ends, column (0-based); with toRow.
    pub to_col: Option<u16>,
    /// drag: it ends at the centre of this text.
    pub to_text: Option<String>,
    /// Which match of toText (default 1).
    pub to_nth: Option<u32>,
    /// scroll: wheel notches up.
    pub up: Option<u32>,
    /// scroll: wheel notches down.
    pub down: Option<u32>,
    /// Modifiers held: shift, alt, ctrl.
    #[serde(default)]
    pub modifiers: Vec<String>,
    /// Send SGR mouse reports even though the program did not enable mouse reporting.
    #[serde(default)]
    pub force: bool,
    /// scroll, in a program without mouse reporting that shows the alternate screen: send
    /// Up/Down arrow keys instead, one per notch.
    #[serde(default)]
    pub wheel_as_keys: bool,
}

/// `mark`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MarkInput {
    /// The session: its id, a unique id prefix, or its name.
    pub session_id: String,
    /// The label (may be empty).
    pub label: String,
}

/// `resize`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResizeInput {
    /// The session: its id, a unique id prefix, or its name.
    pub session_id: String,
    /// New columns.
    pub cols: Flag,
    /// New rows.
    pub rows: Flag,
}

/// `signal`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SignalInput {
    /// The session: its id, a unique id prefix, or its name.
    pub session_id: String,
    /// SIGTERM, SIGINT, SIGKILL, SIGHUP, SIGUSR1 or SIGUSR2.
    pub signal: String,
}

/// `wait`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WaitInput {
    /// The session: its id, a unique id prefix, or its name.
    pub session_id: String,
    /// Wait until the program exits.
    #[serde(default)]
    pub exit: bool,
    /// Wait until there has been no output for this long (milliseconds or "2s").
    pub idle_ms: Option<Flag>,
    /// Wait until the screen contains this text.
    pub text: Option<String>,
    /// Wait until the screen matches this regular expression.
    pub regex: Option<String>,
    /// Wait until the screen has not changed for this long (milliseconds or "500ms").
    pub screen_stable_ms: Option<Flag>,
    /// Wait until the cursor is on this row (0-based).
    pub cursor_row: Option<Flag>,
    /// Wait until the cursor is in this column (0-based).
    pub cursor_col: Option<Flag>,
    /// Only match screens captured after this event seq.
    pub after_seq: Option<Flag>,
    /// What text/regex look at: "screen" (default) or "output" (what the program printed since
    /// the last input, without its echo).
    #[serde(rename = "in")]
    pub within: Option<String>,
    /// Give up after this long (milliseconds or "30s"; default 10m; 0 = never). A timeout is a
    /// result (timedOut), not an error.
    pub timeout: Option<Flag>,
}

/// `snapshot`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SnapshotInput {
    /// The session: its id, a unique id prefix, or its name.
    pub session_id: String,
    /// "structured" (lines, the default) or "text".
    pub format: Option<String>,
    /// Include lines that scrolled off the top.
    #[serde(default)]
    pub include_scrollback: bool,
    /// Include the per-cell style grid (structured format).
    #[serde(default)]
    pub include_cells: bool,
    /// Show the screen as it was at this seq of the event log.
    pub at_seq: Option<Flag>,
    /// Show the screen as it was at this time: ISO, or "-30s" before the end, "+2m" after the start.
    pub at_time: Option<String>,
    /// Only the rows changed since the screen that had this Screen Hash.
    pub since_hash: Option<String>,
    /// Also keep the screen as a JSON artifact in the session's artifacts, as the CLI's
    /// snapshot always does (which also makes its screenHash quick to find for sinceHash
    /// and diff's fromHash; without it they scan the event log).
    #[serde(default)]
    pub keep_artifact: bool,
}

/// `screenshot`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ScreenshotInput {
    /// The session: its id, a unique id prefix, or its name.
    pub session_id: String,
    /// Render profile: reference-dark or reference-light.
    pub profile: Option<String>,
    /// Draw the terminal cursor (only while the program shows it).
    #[serde(default)]
    pub show_cursor: bool,
    /// Hide the terminal cursor (the default).
    #[serde(default)]
    pub hide_cursor: bool,
    /// Render the screen as it was at this seq of the event log.
    pub at_seq: Option<Flag>,
    /// Render the screen as it was at this time: ISO, "-30s" before the end, "+2m" after the start.
    pub at_time: Option<String>,
}

/// `history`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HistoryInput {
    /// The session: its id, a unique id prefix, or its name.
    pub session_id: String,
    /// Only the N most recent commands (after `failed`).
    pub last: Option<Flag>,
    /// Only the commands that failed (non-zero or unknown exit status).
    #[serde(default)]
    pub failed: bool,
}

/// `diff`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DiffInput {
    /// The session: its id, a unique id prefix, or its name.
    pub session_id: String,
    /// The screen to compare from: a seq (42) or a time (ISO, "-30s", "+2m"). This or `fromHash`.
    pub from: Option<Flag>,
    /// The screen to compare from: the one that had this Screen Hash.
    pub from_hash: Option<String>,
    /// The screen to compare to: a seq or a time (default: the screen now).
    pub to: Option<Flag>,
    /// List at most this many changed rows (default 40).
    pub max_rows: Option<Flag>,
}

/// `find`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FindInput {
    /// The session: its id, a unique id prefix, or its name.
    pub session_id: String,
    /// The substring to find on the screen (1..1000 characters).
    pub text: Option<String>,
    /// The JavaScript pattern to find on the screen (1..200 characters, no flags).
    pub regex: Option<String>,
    /// Report the first appearance (the default).
    #[serde(default)]
    pub first: bool,
    /// Report the last appearance.
    #[serde(default)]
    pub last: bool,
    /// Report every appearance (up to `max`).
    #[serde(default)]
    pub all: bool,
    /// With `all`, report at most N appearances (default 100).
    pub max: Option<Flag>,
    /// Only appearances after this seq.
    pub after_seq: Option<Flag>,
    /// Only read the events before this seq.
    pub before_seq: Option<Flag>,
    /// Render the screen at each reported appearance as a PNG artifact.
    #[serde(default)]
    pub screenshot: bool,
    /// Render profile for `screenshot`: reference-dark or reference-light.
    pub profile: Option<String>,
}

/// `record_export`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RecordExportInput {
    /// The session: its id, a unique id prefix, or its name.
    pub session_id: String,
    /// "asciicast" (v2), "webm" (VP9, when the build has libvpx) or "gif".
    pub format: String,
    /// Output file (its directory must exist); default: the session's artifacts directory.
    pub out: Option<String>,
    /// Render profile for webm and gif: reference-dark or reference-light.
    pub profile: Option<String>,
    /// Video timing: recorded, accelerated or max-speed.
    pub timing: Option<String>,
    /// Clip: start at this seq or time (ISO, "-30s" before the end, "+2m" after the start).
    pub from: Option<Flag>,
    /// Clip: end at this seq or time (included).
    pub to: Option<Flag>,
    /// Clip: start at this seq.
    pub from_seq: Option<Flag>,
    /// Clip: start at this time.
    pub from_time: Option<String>,
    /// Clip: end at this seq (included).
    pub to_seq: Option<Flag>,
    /// Clip: end at this time.
    pub to_time: Option<String>,
}

/// One tool: its name, the CLI command whose result schema is its output schema, what it
/// does, whether it only reads, its input schema, and how its arguments become a command.
struct Spec {
    name: &'static str,
    command: &'static str,
    description: &'static str,
    read_only: bool,
    input: fn() -> schemars::Schema,
    parse: fn(Value) -> Result<Call>,
}

/// A tool call as the command the CLI would run, and how.
pub struct Call {
    /// The command.
    pub command: Command,
    /// `snapshot` only: keep the screen as an artifact (as the CLI does).
    pub keep_artifact: bool,
}

impl From<Command> for Call {
    fn from(command: Command) -> Call {
        Call { command, keep_artifact: true }
    }
}

/// Wraps a parser of a plain command.
macro_rules! plain {
    ($parse:ident) => {{
        fn parse(value: Value) -> Result<Call> {
            $parse(value).map(Call::from)
        }
        parse
    }};
}

/// The input schema of `T` (draft 2020-12, what a deserialiser accepts).
fn input_schema<T: JsonSchema>() -> schemars::Schema {
    SchemaSettings::draft2020_12().into_generator().into_root_schema_for::<T>()
}

/// Deserialises a tool's arguments; a mismatch is `INVALID_INPUT`.
fn arguments<T: DeserializeOwned>(arguments: Value) -> Result<T> {
    serde_json::from_value(arguments).map_err(|error| {
        Error::invalid_input(format!(
            "The arguments do not match the tool's inputSchema: {error}. See the tool's inputSchema in tools/list."
        ))
    })
}

fn create(value: Value) -> Result<Command> {
    let input: CreateInput = arguments(value)?;
    Ok(Command::Create(CreateArgs {
        cols: text(input.cols),
        rows: text(input.rows),
        shell: input.shell,
        command: None,
        cwd: input.cwd,
        env: input.env,
        term: input.term.unwrap_or_else(|| "xterm-256color".to_string()),
        name: input.name,
        idle_timeout_ms: text(input.idle_timeout_ms),
        no_shell_integration: input.no_shell_integration,
        redact_env: Vec::new(),
        redact: None,
        output: OUTPUT,
        argv: input.argv,
    }))
}

fn list(value: Value) -> Result<Command> {
    let input: ListInput = arguments(value)?;
    Ok(Command::List(ListArgs { all: input.all, output: OUTPUT }))
}

fn inspect(value: Value) -> Result<Command> {
    let input: SessionInput = arguments(value)?;
    Ok(Command::Inspect(IdArgs { session: session(input.session_id), output: OUTPUT }))
}

fn destroy(value: Value) -> Result<Command> {
    let input: DestroyInput = arguments(value)?;
    Ok(Command::Destroy(DestroyArgs {
        session: session(input.session_id),
        force: input.force,
        output: OUTPUT,
    }))
}

fn run(value: Value) -> Result<Command> {
    let input: RunInput = arguments(value)?;
    exclusive(("check", input.check), ("noWait", input.no_wait))?;
    exclusive(("maxOutput", input.max_output.is_some()), ("noWait", input.no_wait))?;
    Ok(Command::Run(RunArgs {
        session: session(input.session_id),
        command: input.command,
        file: input.file,
        timeout: text(input.timeout),
        no_wait: input.no_wait,
        check: input.check,
        max_output: text(input.max_output),
        output: OUTPUT,
    }))
}

fn type_text(value: Value) -> Result<Command> {
    let input: TypeInput = arguments(value)?;
    Ok(Command::Type(TypeArgs {
        text: TextArgs {
            session: session(input.session_id),
            text: input.text,
            file: input.file,
            secret: input.secret,
            secret_env: input.secret_env,
            output: OUTPUT,
        },
        append_newline: input.append_newline,
    }))
}

fn paste(value: Value) -> Result<Command> {
    let input: PasteInput = arguments(value)?;
    Ok(Command::Paste(TextArgs {
        session: session(input.session_id),
        text: input.text,
        file: input.file,
        secret: input.secret,
        secret_env: input.secret_env,
        output: OUTPUT,
    }))
}

fn send_keys(value: Value) -> Result<Command> {
    let input: SendKeysInput = arguments(value)?;
    if input.keys.is_empty() {
        return Err(Error::invalid_input("`keys` needs at least one key name, such as [\"Enter\"]."));
    }
    Ok(Command::SendKeys(SendKeysArgs {
        session: session(input.session_id),
        keys: input.keys,
        output: OUTPUT,
    }))
}

fn mouse(value: Value) -> Result<Command> {
    let input: MouseInput = arguments(value)?;
    Ok(Command::Mouse(MouseArgs {
        session: session(input.session_id),
        action: input.action,
        row: input.row,
        col: input.col,
        on_text: input.on_text,
        nth: input.nth,
        to_row: input.to_row,
        to_col: input.to_col,
        to_text: input.to_text,
        to_nth: input.to_nth,
        up: input.up,
        down: input.down,
        modifiers: input.modifiers,
        force: input.force,
        wheel_as_keys: input.wheel_as_keys,
        output: OUTPUT,
    }))
}

fn mark(value: Value) -> Result<Command> {
    let input: MarkInput = arguments(value)?;
    Ok(Command::Mark(MarkArgs { session: session(input.session_id), label: input.label, output: OUTPUT }))
}

fn resize(value: Value) -> Result<Command> {
    let input: ResizeInput = arguments(value)?;
    Ok(Command::Resize(ResizeArgs {
        session: session(input.session_id),
        cols: input.cols.text(),
        rows: input.rows.text(),
        output: OUTPUT,
    }))
}

fn signal(value: Value) -> Result<Command> {
    let input: SignalInput = arguments(value)?;
    Ok(Command::Signal(SignalArgs {
        session: session(input.session_id),
        signal: input.signal,
        output: OUTPUT,
    }))
}

fn wait(value: Value) -> Result<Command> {
    let input: WaitInput = arguments(value)?;
    Ok(Command::Wait(WaitArgs {
        session: session(input.session_id),
        exit: input.exit,
        idle_ms: text(input.idle_ms),
        text: input.text,
        regex: input.regex,
        screen_stable_ms: text(input.screen_stable_ms),
        cursor_row: text(input.cursor_row),
        cursor_col: text(input.cursor_col),
        after_seq: text(input.after_seq),
        within: input.within,
        timeout: text(input.timeout),
        output: OUTPUT,
    }))
}

fn at(at_seq: Option<Flag>, at_time: Option<String>) -> Result<AtArgs> {
    exclusive(("atSeq", at_seq.is_some()), ("atTime", at_time.is_some()))?;
    Ok(AtArgs { at_seq: text(at_seq), at_time })
}

fn snapshot(value: Value) -> Result<Call> {
    let input: SnapshotInput = arguments(value)?;
    let keep_artifact = input.keep_artifact;
    let command = Command::Snapshot(SnapshotArgs {
        session: session(input.session_id),
        format: input.format.unwrap_or_else(|| "structured".to_string()),
        include_scrollback: input.include_scrollback,
        include_cells: input.include_cells,
        at: at(input.at_seq, input.at_time)?,
        since_hash: input.since_hash,
        output: OUTPUT,
    });
    Ok(Call { command, keep_artifact })
}

fn screenshot(value: Value) -> Result<Command> {
    let input: ScreenshotInput = arguments(value)?;
    Ok(Command::Screenshot(ScreenshotArgs {
        session: session(input.session_id),
        profile: input.profile,
        show_cursor: input.show_cursor,
        hide_cursor: input.hide_cursor,
        at: at(input.at_seq, input.at_time)?,
        output: OUTPUT,
    }))
}

fn history(value: Value) -> Result<Command> {
    let input: HistoryInput = arguments(value)?;
    Ok(Command::History(HistoryArgs {
        session: session(input.session_id),
        last: text(input.last),
        failed: input.failed,
        output: OUTPUT,
    }))
}

fn diff(value: Value) -> Result<Command> {
    let input: DiffInput = arguments(value)?;
    exclusive(("fromHash", input.from_hash.is_some()), ("from", input.from.is_some()))?;
    if input.from.is_none() && input.from_hash.is_none() {
        return Err(Error::invalid_input(
            "diff needs `from` (a seq or a time) or `fromHash` (a Screen Hash from a snapshot or a wait).",
        ));
    }
    Ok(Command::Diff(DiffArgs {
        session: session(input.session_id),
        from: text(input.from),
        from_hash: input.from_hash,
        to: text(input.to),
        max_rows: input.max_rows.map_or_else(|| "40".to_string(), Flag::text),
        output: OUTPUT,
    }))
}

fn find(value: Value) -> Result<Command> {
    let input: FindInput = arguments(value)?;
    Ok(Command::Find(FindArgs {
        session: session(input.session_id),
        text: input.text,
        regex: input.regex,
        first: input.first,
        last: input.last,
        all: input.all,
        max: text(input.max),
        after_seq: text(input.after_seq),
        before_seq: text(input.before_seq),
        screenshot: input.screenshot,
        profile: input.profile,
        output: OUTPUT,
    }))
}

fn record_export(value: Value) -> Result<Command> {
    let input: RecordExportInput = arguments(value)?;
    for (name, given) in [("fromSeq", input.from_seq.is_some()), ("fromTime", input.from_time.is_some())] {
        exclusive(("from", input.from.is_some()), (name, given))?;
    }
    for (name, given) in [("toSeq", input.to_seq.is_some()), ("toTime", input.to_time.is_some())] {
        exclusive(("to", input.to.is_some()), (name, given))?;
    }
    Ok(Command::Record(crate::cli::RecordArgs {
        command: RecordCommand::Export(RecordExportArgs {
            session: session(input.session_id),
            format: Some(input.format),
            out: input.out,
            profile: input.profile,
            timing: input.timing,
            from: text(input.from),
            to: text(input.to),
            from_seq: text(input.from_seq),
            from_time: input.from_time,
            to_seq: text(input.to_seq),
            to_time: input.to_time,
            output: OUTPUT,
        }),
    }))
}

/// Every tool, in the order `tools/list` gives them.
const SPECS: &[Spec] = &[
    Spec {
        name: "create",
        command: "create",
        description: "Start a new session: a program (default: a shell) on its own PTY, served by a detached host \
                      that outlives this server. Returns the sessionId the other tools take.",
        read_only: false,
        input: input_schema::<CreateInput>,
        parse: plain!(create),
    },
    Spec {
        name: "list",
        command: "list",
        description: "List the sessions of this Home (active ones unless `all`), oldest first.",
        read_only: true,
        input: input_schema::<ListInput>,
        parse: plain!(list),
    },
    Spec {
        name: "inspect",
        command: "inspect",
        description: "Show a session's record, event-log counters and host details.",
        read_only: true,
        input: input_schema::<SessionInput>,
        parse: plain!(inspect),
    },
    Spec {
        name: "destroy",
        command: "destroy",
        description: "End a session (its files stay).",
        read_only: false,
        input: input_schema::<DestroyInput>,
        parse: plain!(destroy),
    },
    Spec {
        name: "run",
        command: "run",
        description: "Type a shell command and (by default) wait until it finished: exit status, duration and output.",
        read_only: false,
        input: input_schema::<RunInput>,
        parse: plain!(run),
    },
    Spec {
        name: "type",
        command: "type",
        description: "Type text into the session, as is (no Enter unless appendNewline; keys with send_keys).",
        read_only: false,
        input: input_schema::<TypeInput>,
        parse: plain!(type_text),
    },
    Spec {
        name: "paste",
        command: "paste",
        description: "Paste text into the session (wrapped in bracketed-paste markers).",
        read_only: false,
        input: input_schema::<PasteInput>,
        parse: plain!(paste),
    },
    Spec {
        name: "send_keys",
        command: "send-keys",
        description: "Send named keys (Enter, ctrl+c, shift+Up, F5, ...).",
        read_only: false,
        input: input_schema::<SendKeysInput>,
        parse: plain!(send_keys),
    },
    Spec {
        name: "mouse",
        command: "mouse",
        description: "Click, drag, move or scroll the mouse at a 0-based row/col or on visible text (onText), \
                      encoded as the program asked for it (MOUSE_NOT_ENABLED when it asked for none, unless force).",
        read_only: false,
        input: input_schema::<MouseInput>,
        parse: plain!(mouse),
    },
    Spec {
        name: "mark",
        command: "mark",
        description: "Add a marker event to the session's event log.",
        read_only: false,
        input: input_schema::<MarkInput>,
        parse: plain!(mark),
    },
    Spec {
        name: "resize",
        command: "resize",
        description: "Resize the session's terminal.",
        read_only: false,
        input: input_schema::<ResizeInput>,
        parse: plain!(resize),
    },
    Spec {
        name: "signal",
        command: "signal",
        description: "Send a signal to the session's program.",
        read_only: false,
        input: input_schema::<SignalInput>,
        parse: plain!(signal),
    },
    Spec {
        name: "wait",
        command: "wait",
        description: "Wait for text, a regex, a cursor position or a stable screen; or for exit / quiet output. \
                      Sends progress notifications while it waits and stops when the request is cancelled; a \
                      timeout is a result (timedOut) with evidence, not an error.",
        read_only: true,
        input: input_schema::<WaitInput>,
        parse: plain!(wait),
    },
    Spec {
        name: "snapshot",
        command: "snapshot",
        description: "Read the screen: lines (structured) or text, live or as it was at a seq or time.",
        read_only: true,
        input: input_schema::<SnapshotInput>,
        parse: snapshot,
    },
    Spec {
        name: "screenshot",
        command: "screenshot",
        description: "Render the screen as a PNG (returned as image content, and saved in the session's artifacts).",
        read_only: false,
        input: input_schema::<ScreenshotInput>,
        parse: plain!(screenshot),
    },
    Spec {
        name: "history",
        command: "history",
        description: "List the commands the session's shell ran (exit status, duration, cwd), from its event log.",
        read_only: true,
        input: input_schema::<HistoryInput>,
        parse: plain!(history),
    },
    Spec {
        name: "diff",
        command: "diff",
        description: "What changed on the screen between two points of the session (rows, cursor, size).",
        read_only: true,
        input: input_schema::<DiffInput>,
        parse: plain!(diff),
    },
    Spec {
        name: "find",
        command: "find",
        description: "Find when a text or regex appeared on screen (seqs and times), from the event log.",
        read_only: false,
        input: input_schema::<FindInput>,
        parse: plain!(find),
    },
    Spec {
        name: "record_export",
        command: "record export",
        description: "Export the session's recording from its event log: asciicast v2, WebM video or animated GIF \
                      (whole or a clip); returns the file's path.",
        read_only: false,
        input: input_schema::<RecordExportInput>,
        parse: plain!(record_export),
    },
];

/// The advertised tools, with their output schemas from [`crate::schemas::all`].
pub struct Tools {
    /// The `tools/list` answer, built once.
    pub list: Vec<Tool>,
}

impl Tools {
    /// Builds every tool's definition.
    pub fn new() -> Tools {
        let results = crate::schemas::all();
        let list = SPECS
            .iter()
            .map(|spec| {
                let output = results
                    .iter()
                    .find(|(command, _)| *command == spec.command)
                    .map(|(_, schema)| object(schema.clone().to_value()));
                let mut tool = Tool::new_with_raw(
                    spec.name,
                    Some(spec.description.into()),
                    Arc::new(object((spec.input)().to_value())),
                );
                if let Some(output) = output {
                    tool = tool.with_raw_output_schema(Arc::new(output));
                }
                let mut annotations = ToolAnnotations::default();
                annotations.read_only_hint = Some(spec.read_only);
                annotations.open_world_hint = Some(false);
                tool.with_annotations(annotations)
            })
            .collect();
        Tools { list }
    }
}

/// A root schema as an object with `"type": "object"` (what MCP asks of tool schemas;
/// every result and input is an object, so adding it changes nothing they accept).
fn object(value: Value) -> JsonObject {
    let mut map = match value {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    if !map.contains_key("type") {
        map.insert("type".to_string(), Value::String("object".to_string()));
    }
    map
}

/// A tool call's cancellation: dropped before the call's blocking thread is done (the
/// client sent `notifications/cancelled`, or the server stops), it shuts down the call's
/// connections to session hosts, so the blocked client returns and the host drops the
/// pending wait or run at once and frees its connection (see
/// [`agent_tty_core::client::Cancel`]). Dropped after the call ended, it finds nothing open.
pub struct Cancellation(agent_tty_core::client::Cancel);

impl Cancellation {
    /// The guard, and the handle whose [`scope`](agent_tty_core::client::Cancel::scope)
    /// the blocking thread runs the call in.
    pub fn new() -> (Cancellation, agent_tty_core::client::Cancel) {
        let cancel = agent_tty_core::client::Cancel::new();
        (Cancellation(cancel.clone()), cancel)
    }
}

impl Drop for Cancellation {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// The command a call of tool `name` stands for; `None` when no tool has that name.
pub fn command(name: &str, arguments: Value) -> Option<Result<Call>> {
    SPECS.iter().find(|spec| spec.name == name).map(|spec| (spec.parse)(arguments))
}
