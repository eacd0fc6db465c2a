//! `agent-tty`: parses the command line, resolves the context once, runs one command and
//! prints its outcome through `output`, the only printer. `agent-tty _host <id>` runs the
//! session host instead (see `agent_tty_core::host`).

mod cli;
mod commands;
mod context;
mod dashboard;
mod mcp;
mod numbers;
mod output;
mod schemas;
mod signals;

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, FromArgMatches};

use agent_tty_core::Error;
use cli::{Cli, Command};

fn main() {
    let args: Vec<OsString> = std::env::args_os().collect();
    if let Some(id) = host_session_id(&args) {
        std::process::exit(agent_tty_core::host::run(id));
    }
    let json = args.iter().skip(1).any(|a| a == "--json");
    // The tree is never dropped: `process::exit` ends the process without running
    // destructors, and freeing it would cost a third of what parsing does.
    let mut tree = Cli::command();
    let mut matches = match tree.try_get_matches_from_mut(&args) {
        Ok(matches) => matches,
        Err(error) => std::process::exit(usage_error(&without_short_aliases(error), json, &args, &mut tree)),
    };
    let invocation = commands::invocation(&matches);
    let mut cli = match Cli::from_arg_matches_mut(&mut matches) {
        Ok(cli) => cli,
        Err(error) => {
            let error = error.format(&mut tree);
            std::process::exit(usage_error(&error, json, &args, &mut tree))
        }
    };
    if let Command::Mcp(mcp) = &mut cli.command
        && let Some(home) = mcp.home.take()
    {
        cli.home = Some(home);
    }
    if let Command::Host(host) = &cli.command {
        std::process::exit(agent_tty_core::host::run(&host.session_id));
    }
    let command = invocation.command.as_str();
    let style = output::Style { json: invocation.json, no_color: cli.no_color };
    if let Some(result) = commands::run_without_context(&cli.command) {
        std::process::exit(output::finish(command, style, result));
    }
    let context = match context::Context::resolve(&cli) {
        Ok(context) => context,
        Err(error) => std::process::exit(output::print_error("agent-tty", json, &error)),
    };
    context.debug(&format!("starting {command} command"));
    let result = commands::run(&context, cli.command, style);
    context.debug(&format!("completed {command} command"));
    let code = match result {
        Ok(outcome) => output::finish(command, style, Ok(outcome)),
        Err(error) => output::print_error(command, json, &error),
    };
    std::process::exit(code);
}

/// The session id of the exact command line `create` starts a host with
/// (`agent-tty _host <id>`), recognised without building the whole clap tree: that costs
/// a third of the host's start-up, which `create` waits for. Any other spelling (options,
/// `--help`…) goes through clap as before.
fn host_session_id(args: &[OsString]) -> Option<&str> {
    match args {
        [_, host, id] if host == "_host" => id.to_str().filter(|id| !id.starts_with('-')),
        _ => None,
    }
}

/// Reports a command-line parse error: help and version go to stdout with exit 0
/// (`--version --json` prints the `version --json` envelope); a bare `agent-tty` prints
/// help to stderr; anything else exits 2, as a JSON envelope when `--json` was on the
/// command line.
fn usage_error(error: &clap::Error, json: bool, args: &[OsString], tree: &mut clap::Command) -> i32 {
    match error.kind() {
        ErrorKind::DisplayVersion if json => {
            let style = output::Style { json: true, no_color: false };
            output::finish("version", style, Ok(commands::version_outcome(true)))
        }
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            output::write_stdout(error.render().to_string().as_bytes());
            0
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            output::write_stderr(error.render().to_string().as_bytes());
            2
        }
        _ if json => {
            // The first paragraph of clap's message, on one line (it may list what is missing).
            let text = error.render().to_string();
            let first: Vec<&str> = text.lines().take_while(|l| !l.trim().is_empty()).map(str::trim).collect();
            let mut message = first.join(" ").trim_start_matches("error: ").to_string();
            // clap's tip (e.g. the similar subcommand), in parentheses.
            if let Some(tip) = text.lines().map(str::trim).find_map(|l| l.strip_prefix("tip:")) {
                message.push_str(&format!(" ({})", tip.trim()));
            }
            let hint = " Run `agent-tty --help` (or `agent-tty <command> --help`) for usage.";
            let error = Error::invalid_input(format!("{message}.{hint}").replace("..", "."));
            // Subcommands the parse did not reach are not defined yet (`defer`, see cli.rs).
            tree.build();
            output::print_error(&commands::name_from_args(args, tree), true, &error)
        }
        _ => {
            output::write_stderr(error.render().to_string().as_bytes());
            2
        }
    }
}

/// Drops one-letter aliases (`d` for `dashboard`) from clap's "similar subcommands" tip:
/// they are shortcuts for people who know them, not a useful answer to a misspelling.
fn without_short_aliases(mut error: clap::Error) -> clap::Error {
    if let Some(ContextValue::Strings(suggested)) = error.get(ContextKind::SuggestedSubcommand) {
        let kept: Vec<String> = suggested.iter().filter(|s| s.chars().count() > 1).cloned().collect();
        if kept.is_empty() {
            // Without a tip, clap's layout would keep an empty line where the tip was.
            if let Some(ContextValue::String(word)) = error.get(ContextKind::InvalidSubcommand) {
                let message = format!("unrecognized subcommand '{word}'");
                return Cli::command().error(ErrorKind::InvalidSubcommand, message);
            }
            error.remove(ContextKind::SuggestedSubcommand);
        } else {
            error.insert(ContextKind::SuggestedSubcommand, ContextValue::Strings(kept));
        }
    }
    error
}
