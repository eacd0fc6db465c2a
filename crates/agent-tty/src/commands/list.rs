//! `agent-tty list` / `ls`: the sessions of this Home, oldest first (ULID order). Active
//! sessions are reconciled first, so a dead host shows as `failed`.

use agent_tty_core::Result;
use agent_tty_core::session;
use serde_json::{Map, Value, json};

use crate::cli::ListArgs;
use crate::context::Context;
use crate::output::Outcome;

/// Runs `list`.
pub fn run(context: &Context, args: &ListArgs) -> Result<Outcome> {
    let records = session::list(&context.home.path, args.all);
    let mut human = Vec::new();
    let sessions: Vec<Value> = records
        .iter()
        .map(|r| {
            human.push(format!("{}  {}  {}", r.session_id, r.status.as_str(), r.command.join(" ")));
            let mut row = Map::new();
            row.insert("sessionId".into(), json!(r.session_id));
            row.insert("status".into(), json!(r.status.as_str()));
            row.insert("command".into(), json!(r.command));
            row.insert("createdAt".into(), json!(r.created_at));
            if let Some(name) = &r.name {
                row.insert("name".into(), json!(name));
            }
            row.insert("pid".into(), json!(r.child_pid));
            Value::Object(row)
        })
        .collect();
    if human.is_empty() {
        human.push(String::new());
    }
    Ok(Outcome::new(json!({ "sessions": sessions }), human))
}
