//! `agent-tty mouse`: a click, drag, move or scroll at a cell or on visible text. The
//! fields are checked here first (bad input is exit 2 even for a missing session); the
//! host resolves the target and encodes the gesture from the live screen's mouse modes.

use agent_tty_core::client::call_typed;
use agent_tty_core::protocol::method::Mouse;
use agent_tty_core::protocol::{MouseAction, MouseModifier, MouseParams, MouseReply};
use agent_tty_core::session::command_target;
use agent_tty_core::{Error, Result};

use crate::cli::MouseArgs;
use crate::context::Context;
use crate::output::Outcome;

/// Runs `mouse`.
pub fn run(context: &Context, args: MouseArgs) -> Result<Outcome> {
    let params = params(&args)?;
    let paths = command_target(&context.home.path, &args.session.session_id)?;
    let reply = call_typed::<Mouse>(&paths, &params)?.into_result()?;
    let human = human(params.action, &reply);
    Ok(Outcome::new(reply, human))
}

/// The host's params from the command line, checked.
pub fn params(args: &MouseArgs) -> Result<MouseParams> {
    let action = MouseAction::parse(&args.action).ok_or_else(|| {
        Error::invalid_input(format!(
            "Unknown mouse action: {}. Use one of: {}.",
            args.action,
            MouseAction::NAMES.join(", ")
        ))
        .with("action", args.action.as_str())
    })?;
    let modifiers = args
        .modifiers
        .iter()
        .filter(|name| !name.trim().is_empty())
        .map(|name| {
            MouseModifier::parse(name).ok_or_else(|| {
                Error::invalid_input(format!("Unknown modifier: {name}. Use shift, alt or ctrl."))
                    .with("modifier", name.as_str())
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let params = MouseParams {
        action,
        row: args.row,
        col: args.col,
        on_text: args.on_text.clone(),
        nth: args.nth,
        to_row: args.to_row,
        to_col: args.to_col,
        to_text: args.to_text.clone(),
        to_nth: args.to_nth,
        up: args.up,
        down: args.down,
        modifiers,
        force: args.force,
        wheel_as_keys: args.wheel_as_keys,
    };
    params.check()?;
    Ok(params)
}

/// The human line of a mouse action.
pub fn human(action: MouseAction, reply: &MouseReply) -> Vec<String> {
    let to = match (reply.to_row, reply.to_col) {
        (Some(row), Some(col)) => format!(" to row {row} col {col}"),
        _ => String::new(),
    };
    let how = if reply.sent_as == "keys" {
        "as arrow keys".to_string()
    } else {
        format!("{} tracking, {} encoding", reply.tracking, reply.encoding)
    };
    vec![format!(
        "Mouse {} at row {} col {}{to} ({how}): {} byte(s), seq {}.",
        action.name(),
        reply.row,
        reply.col,
        reply.bytes_written,
        reply.seq
    )]
}
