//! `agent-tty send-keys`: named keys, encoded by the host (an unknown key is
//! `INVALID_KEYS` and nothing is written).

use agent_tty_core::session::{call, command_target};
use agent_tty_core::{Result, client};
use serde_json::json;

use crate::cli::SendKeysArgs;
use crate::commands::input::protocol_error;
use crate::context::Context;
use crate::output::Outcome;

/// Runs `send-keys`.
pub fn run(context: &Context, args: SendKeysArgs) -> Result<Outcome> {
    let paths = command_target(&context.home.path, &args.session.session_id)?;
    let reply = call(&paths, "sendKeys", json!({ "keys": args.keys }), client::DEFAULT_TIMEOUT_MS)?;
    let (Some(accepted), Some(bytes), Some(seq)) =
        (reply["accepted"].as_array(), reply["bytesWritten"].as_u64(), reply["seq"].as_u64())
    else {
        return Err(protocol_error(&reply));
    };
    let human = vec![format!("Sent {} key(s) ({bytes} byte(s), seq {seq}).", accepted.len())];
    Ok(Outcome::new(json!({ "accepted": accepted, "bytesWritten": bytes, "seq": seq }), human))
}
