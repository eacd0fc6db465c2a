//! `agent-tty destroy`: ends a session (graceful, or `--force`). Files stay for `gc`.

use agent_tty_core::Result;
use agent_tty_core::protocol::DestroyReply;
use agent_tty_core::{address, session};

use crate::cli::DestroyArgs;
use crate::context::Context;
use crate::output::Outcome;

/// Runs `destroy`.
///
/// A `HOST_TIMEOUT` from the host is reported as is and nothing else is attempted: the
/// user is told the destroy did not happen, so it must not happen later either. The CLI
/// closed its connection when it gave up, and a host that resumes drops a request whose
/// client is gone (see `agent_tty_core::client`), so the session keeps running; retrying,
/// or `destroy --force` for a host that stays unresponsive, is the caller's choice.
///
/// The session may be addressed by name or id prefix; the result names its full id.
pub fn run(context: &Context, args: &DestroyArgs) -> Result<Outcome> {
    let id = address::resolve(&context.home.path, &args.session.session_id)?;
    session::destroy(&context.home.path, &id, args.force)?;
    let human = vec![format!("Session destroyed: {id}")];
    Ok(Outcome::new(DestroyReply { session_id: id.into(), destroyed: true }, human))
}
