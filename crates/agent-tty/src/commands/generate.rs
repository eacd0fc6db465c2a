//! `agent-tty completions <shell>` and `agent-tty man [command…]`: a shell completion
//! script and roff manual pages, both generated from the clap definitions in `cli`, so
//! they always describe this build. Neither reads the Home or the configuration.

use agent_tty_core::{Error, Result};
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::output::Outcome;

const BIN: &str = "agent-tty";

/// Runs `completions`: the script for the chosen shell.
pub fn completions(args: &CompletionsArgs) -> Result<Outcome> {
    // The subcommands' arguments are deferred (`cli::Command`): build the tree to add them.
    let mut full = Cli::command();
    full.build();
    // clap_complete would offer hidden subcommands too: leave out the internal `_host`.
    // The built tree's `help` subcommand and help/version flags are left out and made
    // again, as clap does for an unbuilt tree (see `help_subcommand`).
    let shown: Vec<&clap::Command> =
        full.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help").collect();
    let mut command = clap::Command::new(BIN)
        .version(env!("CARGO_PKG_VERSION"))
        .args(full.get_arguments().filter(|a| !matches!(a.get_id().as_str(), "help" | "version")).cloned())
        .subcommands(shown.iter().map(|s| (*s).clone()))
        .disable_help_subcommand(true)
        .subcommand(help_subcommand(&shown));
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, BIN, &mut script);
    raw(script, "completion script")
}

/// The `help` subcommand clap adds to an unbuilt tree, made from built subcommands: a copy
/// of each (name, description, nested subcommands but not their own `help`), then `help`.
/// clap would copy the built subcommands' `help` subcommands too.
fn help_subcommand(subcommands: &[&clap::Command]) -> clap::Command {
    const ABOUT: &str = "Print this message or the help of the given subcommand(s)";
    let help = || {
        clap::Command::new("help")
            .about(ABOUT)
            .disable_help_flag(true)
            .disable_version_flag(true)
            .disable_help_subcommand(true)
    };
    help().subcommands(subcommands.iter().map(|s| copy_for_help(s))).subcommand(help())
}

/// One subcommand as `help` lists it.
fn copy_for_help(command: &clap::Command) -> clap::Command {
    // clap takes only `'static` names without its `string` feature; this runs once per
    // process, for about 30 names.
    let name: &'static str = Box::leak(command.get_name().to_owned().into_boxed_str());
    let mut copy = clap::Command::new(name).hide(command.is_hide_set());
    if let Some(about) = command.get_about() {
        copy = copy.about(about.clone());
    }
    copy.disable_help_flag(true)
        .disable_version_flag(true)
        .disable_help_subcommand(true)
        .subcommands(command.get_subcommands().filter(|s| s.get_name() != "help").map(copy_for_help))
}

/// Runs `man`: the page of `agent-tty`, or of the (sub)command named by the words given
/// (`agent-tty man record export` is the page `agent-tty-record-export(1)`).
pub fn man(args: &ManArgs) -> Result<Outcome> {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let mut page = &command;
    for word in &args.command {
        let Some(sub) = page.get_subcommands().find(|s| !s.is_hide_set() && names(s).any(|n| n == word))
        else {
            let known: Vec<&str> =
                page.get_subcommands().filter(|s| !s.is_hide_set()).map(clap::Command::get_name).collect();
            return Err(Error::invalid_input(format!(
                "No manual page for \"{}\": known commands are {}.",
                args.command.join(" "),
                known.join(", ")
            ))
            .with("command", args.command.join(" ")));
        };
        page = sub;
    }
    let mut roff = Vec::new();
    let rendered = clap_mangen::Man::new(page.clone())
        .manual("agent-tty manual")
        .source(format!("{BIN} {}", env!("CARGO_PKG_VERSION")))
        .render(&mut roff);
    match rendered {
        Ok(()) => raw(roff, "manual page"),
        Err(error) => Err(Error::internal(format!("Failed to render the manual page: {error}."))),
    }
}

/// A command's name and its aliases.
fn names(command: &clap::Command) -> impl Iterator<Item = &str> {
    std::iter::once(command.get_name()).chain(command.get_all_aliases())
}

/// An outcome printed as is (there is no JSON form).
fn raw(bytes: Vec<u8>, what: &str) -> Result<Outcome> {
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::internal(format!("The generated {what} is not valid UTF-8.")))?;
    let mut outcome = Outcome::new((), Vec::new());
    outcome.raw = Some(text);
    Ok(outcome)
}
