//! `agent-tty send-keys`: named keys, encoded by the host (an unknown key is
//! `INVALID_KEYS` and nothing is written).

use agent_tty_core::Result;
use agent_tty_core::client::call_typed;
use agent_tty_core::protocol::SendKeysParams;
use agent_tty_core::protocol::method::SendKeys;
use agent_tty_core::session::command_target;

use crate::cli::SendKeysArgs;
use crate::context::Context;
use crate::output::Outcome;

/// Runs `send-keys`.
pub fn run(context: &Context, args: SendKeysArgs) -> Result<Outcome> {
    let paths = command_target(&context.home.path, &args.session.session_id)?;
    let reply = call_typed::<SendKeys>(&paths, &SendKeysParams { keys: args.keys })?;
    let human = vec![format!(
        "Sent {} key(s) ({} byte(s), seq {}).",
        reply.accepted.len(),
        reply.bytes_written,
        reply.seq
    )];
    Ok(Outcome::new(reply, human))
}
