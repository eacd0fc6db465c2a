//! `agent-tty destroy`: ends a session (graceful, or `--force`). Files stay for `gc`.

use agent_tty_core::Result;
use agent_tty_core::session;
use serde_json::json;

use crate::cli::DestroyArgs;
use crate::context::Context;
use crate::output::Outcome;

/// Runs `destroy`.
pub fn run(context: &Context, args: &DestroyArgs) -> Result<Outcome> {
    session::destroy(&context.home.path, &args.session_id, args.force)?;
    let result = json!({ "sessionId": args.session_id, "destroyed": true });
    Ok(Outcome::new(result, vec![format!("Session destroyed: {}", args.session_id)]))
}
