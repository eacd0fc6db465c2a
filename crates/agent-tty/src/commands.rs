//! Dispatch: one file per subcommand, each with a `run` that returns an [`Outcome`].

mod batch;
mod create;
mod destroy;
mod diff;
mod doctor;
mod events;
mod find;
mod gc;
mod generate;
mod history;
mod home;
mod input;
mod inspect;
mod list;
mod mouse;
mod record_export;
mod redactions;
mod screenshot;
mod send_keys;
mod session_ops;
mod skills;
mod snapshot;
mod version;
mod wait;

/// The typed results of the commands, for [`crate::schemas`].
pub mod results {
    pub(crate) use super::batch::BatchResult;
    pub use super::create::CreateResult;
    pub use super::diff::DiffResult;
    pub use super::doctor::DoctorResult;
    pub use super::find::FindResult;
    pub use super::gc::GcResult;
    pub use super::history::HistoryResult;
    pub use super::home::{HomeForgetResult, HomeListResult};
    pub use super::inspect::InspectResult;
    pub use super::list::ListResult;
    pub use super::record_export::RecordExportAnyResult;
    pub use super::redactions::Redacted;
    pub use super::screenshot::ScreenshotResult;
    pub use super::session_ops::SignalResult;
    pub use super::skills::{SkillGetResult, SkillPathResult, SkillsListResult};
    pub use super::version::VersionResult;
    pub use super::wait::WaitAnyResult;
}

use std::ffi::OsString;

use agent_tty_core::Result;

use clap::ArgMatches;

use crate::cli::{Command, HomeCommand, RecordCommand, SkillsCommand};
use crate::context::Context;
use crate::output::{Outcome, Style};

/// What a parsed command line asks of the printer, read from clap's matches, the one
/// source of command names and flags.
#[derive(Debug)]
pub struct Invocation {
    /// The envelope's `command`: the subcommand path by canonical names ("home list",
    /// "list" for `ls`, "dashboard" for `d`).
    pub command: String,
    /// Whether `--json` was given (commands without the flag never print an envelope).
    pub json: bool,
}

/// Reads the [`Invocation`] from matches (before they are turned into a [`Cli`]).
pub fn invocation(matches: &ArgMatches) -> Invocation {
    let mut names: Vec<&str> = Vec::with_capacity(2);
    let mut leaf = matches;
    while let Some((name, sub)) = leaf.subcommand() {
        names.push(name);
        leaf = sub;
    }
    // `try_get_one` is an error for a command without `--json` (dashboard, completions, man).
    let json = matches!(leaf.try_get_one::<bool>("json"), Ok(Some(true)));
    Invocation { command: names.join(" "), json }
}

/// The envelope's `command` for a command line that did not parse: the first word that
/// names a command (or an alias of one), with its subcommand when the next word names
/// one, else `agent-tty`. `tree` is the command tree the parse used (clap's own `help`
/// subcommand, added while parsing, names no command here).
pub fn name_from_args(args: &[OsString], tree: &clap::Command) -> String {
    let words: Vec<&str> = args.iter().skip(1).filter_map(|a| a.to_str()).collect();
    let found = words.iter().enumerate().find_map(|(at, w)| named(tree, w).map(|c| (at, c)));
    let Some((at, command)) = found else { return "agent-tty".to_string() };
    match words.get(at + 1).and_then(|w| named(command, w)) {
        Some(sub) => format!("{} {}", command.get_name(), sub.get_name()),
        None => command.get_name().to_string(),
    }
}

/// The subcommand of `parent` that `word` names (clap's `help` excepted).
fn named<'a>(parent: &'a clap::Command, word: &str) -> Option<&'a clap::Command> {
    if word == "help" { None } else { parent.find_subcommand(word) }
}

/// The outcome of `version` (also printed for `agent-tty --version --json`).
pub fn version_outcome(json: bool) -> Outcome {
    version::run(json)
}

/// Runs a command that needs no [`Context`] (no Home, no configuration): the generated
/// completion scripts and manual pages. `None` for every other command.
pub fn run_without_context(command: &Command) -> Option<Result<Outcome>> {
    match command {
        Command::Completions(args) => Some(generate::completions(args)),
        Command::Man(args) => Some(generate::man(args)),
        _ => None,
    }
}

/// Runs `snapshot` without keeping the screen as an artifact (the MCP tool's default).
pub fn snapshot_unkept(context: &Context, args: &crate::cli::SnapshotArgs) -> Result<Outcome> {
    snapshot::run_keeping(context, args, false)
}

/// Runs one command.
pub fn run(context: &Context, command: Command, style: Style) -> Result<Outcome> {
    match command {
        Command::Create(args) => create::run(context, args),
        Command::List(args) => list::run(context, &args),
        Command::Inspect(args) => inspect::run(context, &args.session.session_id),
        Command::Destroy(args) => destroy::run(context, &args),
        Command::Version(args) => Ok(version::run(args.output.json)),
        Command::Run(args) => input::run_command(context, args),
        Command::Type(args) => input::type_text(context, args),
        Command::Paste(args) => input::paste(context, args),
        Command::SendKeys(args) => send_keys::run(context, args),
        Command::Mouse(args) => mouse::run(context, args),
        Command::Mark(args) => session_ops::mark(context, args),
        Command::Resize(args) => session_ops::resize(context, &args),
        Command::Signal(args) => session_ops::signal(context, &args),
        Command::Wait(args) => wait::run(context, &args),
        Command::Snapshot(args) => snapshot::run(context, &args),
        Command::History(args) => history::run(context, &args),
        Command::Events(args) => events::run(context, &args),
        Command::Diff(args) => diff::run(context, &args),
        Command::Find(args) => find::run(context, &args),
        Command::Screenshot(args) => screenshot::run(context, &args),
        Command::Batch(args) => batch::run(context, args, style),
        Command::Home(args) => match args.command {
            HomeCommand::List(args) => home::list(context, &args),
            HomeCommand::Forget(args) => home::forget(context, &args),
        },
        Command::Record(args) => match args.command {
            RecordCommand::Export(args) => record_export::run(context, &args),
        },
        Command::Gc(args) => gc::run(context, &args),
        Command::Doctor(_) => doctor::run(context),
        Command::Skills(args) => match args.command {
            SkillsCommand::List(_) => skills::list(),
            SkillsCommand::Get(args) => skills::get(&args.name, style.json),
            SkillsCommand::Path(args) => skills::path(&args.name),
        },
        Command::Dashboard(args) => crate::dashboard::run(context, &args),
        Command::Mcp(args) => crate::mcp::run(context, &args),
        Command::Completions(args) => generate::completions(&args),
        Command::Man(args) => generate::man(&args),
        Command::Host(_) => unreachable!("the host is started before dispatch"),
    }
}
