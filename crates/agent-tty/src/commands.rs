//! Dispatch: one file per subcommand, each with a `run` that returns an [`Outcome`].

mod batch;
mod create;
mod destroy;
mod doctor;
mod gc;
mod generate;
mod home;
mod input;
mod inspect;
mod list;
mod record_export;
mod screenshot;
mod send_keys;
mod session_ops;
mod skills;
mod snapshot;
mod version;
mod wait;

use std::ffi::OsString;

use agent_tty_core::Result;

use crate::cli::{Command, HomeCommand, RecordCommand, SkillsCommand};
use crate::context::Context;
use crate::output::{Outcome, Style};

/// The envelope's `command` for a parsed command.
pub fn name(command: &Command) -> &'static str {
    match command {
        Command::Create(_) => "create",
        Command::List(_) => "list",
        Command::Inspect(_) => "inspect",
        Command::Destroy(_) => "destroy",
        Command::Version(_) => "version",
        Command::Run(_) => "run",
        Command::Type(_) => "type",
        Command::Paste(_) => "paste",
        Command::SendKeys(_) => "send-keys",
        Command::Mark(_) => "mark",
        Command::Resize(_) => "resize",
        Command::Signal(_) => "signal",
        Command::Wait(_) => "wait",
        Command::Snapshot(_) => "snapshot",
        Command::Screenshot(_) => "screenshot",
        Command::Batch(_) => "batch",
        Command::Home(a) => match a.command {
            HomeCommand::List(_) => "home list",
            HomeCommand::Forget(_) => "home forget",
        },
        Command::Record(a) => match a.command {
            RecordCommand::Export(_) => "record export",
        },
        Command::Gc(_) => "gc",
        Command::Doctor(_) => "doctor",
        Command::Skills(a) => match a.command {
            SkillsCommand::List(_) => "skills list",
            SkillsCommand::Get(_) => "skills get",
            SkillsCommand::Path(_) => "skills path",
        },
        Command::Dashboard(_) => "dashboard",
        Command::Completions(_) => "completions",
        Command::Man(_) => "man",
        Command::Host(_) => "_host",
    }
}

const NAMES: [&str; 27] = [
    "create",
    "list",
    "ls",
    "inspect",
    "destroy",
    "version",
    "run",
    "type",
    "paste",
    "send-keys",
    "mark",
    "resize",
    "signal",
    "wait",
    "snapshot",
    "screenshot",
    "batch",
    "_host",
    "home",
    "record",
    "gc",
    "doctor",
    "skills",
    "dashboard",
    "d",
    "completions",
    "man",
];

/// The envelope's `command` for a command line that did not parse: the first word that
/// names a command, else `agent-tty`.
pub fn name_from_args(args: &[OsString]) -> String {
    let words: Vec<&str> = args.iter().skip(1).filter_map(|a| a.to_str()).collect();
    let Some(at) = words.iter().position(|w| NAMES.contains(w)) else { return "agent-tty".to_string() };
    match (words[at], words.get(at + 1).copied()) {
        ("ls", _) => "list".to_string(),
        ("d", _) => "dashboard".to_string(),
        ("home", Some(sub @ ("list" | "forget")))
        | ("skills", Some(sub @ ("list" | "get" | "path")))
        | ("record", Some(sub @ "export")) => {
            format!("{} {sub}", words[at])
        }
        (word, _) => word.to_string(),
    }
}

/// Whether the command asked for a JSON envelope.
pub fn wants_json(command: &Command) -> bool {
    match command {
        Command::Create(a) => a.json,
        Command::List(a) => a.json,
        Command::Inspect(a) => a.json,
        Command::Destroy(a) => a.json,
        Command::Version(a) => a.json,
        Command::Run(a) => a.json,
        Command::Type(a) => a.text.json,
        Command::Paste(a) => a.json,
        Command::SendKeys(a) => a.json,
        Command::Mark(a) => a.json,
        Command::Resize(a) => a.json,
        Command::Signal(a) => a.json,
        Command::Wait(a) => a.json,
        Command::Snapshot(a) => a.json,
        Command::Screenshot(a) => a.json,
        Command::Batch(a) => a.json,
        Command::Home(a) => match &a.command {
            HomeCommand::List(a) => a.json,
            HomeCommand::Forget(a) => a.json,
        },
        Command::Record(a) => match &a.command {
            RecordCommand::Export(a) => a.json,
        },
        Command::Gc(a) => a.json,
        Command::Doctor(a) => a.json,
        Command::Skills(a) => match &a.command {
            SkillsCommand::List(a) => a.json,
            SkillsCommand::Get(a) | SkillsCommand::Path(a) => a.json,
        },
        Command::Dashboard(_) | Command::Completions(_) | Command::Man(_) | Command::Host(_) => false,
    }
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

/// Runs one command.
pub fn run(context: &Context, command: Command, style: Style) -> Result<Outcome> {
    match command {
        Command::Create(args) => create::run(context, args),
        Command::List(args) => list::run(context, &args),
        Command::Inspect(args) => inspect::run(context, &args.session_id),
        Command::Destroy(args) => destroy::run(context, &args),
        Command::Version(args) => Ok(version::run(args.json)),
        Command::Run(args) => input::run_command(context, args),
        Command::Type(args) => input::type_text(context, args),
        Command::Paste(args) => input::paste(context, args),
        Command::SendKeys(args) => send_keys::run(context, args),
        Command::Mark(args) => session_ops::mark(context, args),
        Command::Resize(args) => session_ops::resize(context, &args),
        Command::Signal(args) => session_ops::signal(context, &args),
        Command::Wait(args) => wait::run(context, &args),
        Command::Snapshot(args) => snapshot::run(context, &args),
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
        Command::Completions(args) => generate::completions(&args),
        Command::Man(args) => generate::man(&args),
        Command::Host(_) => unreachable!("the host is started before dispatch"),
    }
}
