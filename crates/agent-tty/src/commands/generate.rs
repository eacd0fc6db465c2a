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
    // clap_complete would offer hidden subcommands too: leave out the internal `_host`.
    let full = Cli::command();
    let mut command = clap::Command::new(BIN)
        .version(env!("CARGO_PKG_VERSION"))
        .args(full.get_arguments().cloned())
        .subcommands(full.get_subcommands().filter(|s| !s.is_hide_set()).cloned());
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, BIN, &mut script);
    raw(script, "completion script")
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
