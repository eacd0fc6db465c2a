//! `agent-tty list` / `ls`: the sessions of this Home, oldest first (ULID order). Active
//! sessions are reconciled first, so a dead host shows as `failed`. Human output is a
//! table `ID  NAME  STATUS  COMMAND` (`-` for a session without a name), since a name
//! addresses a session as well as its id does.

use agent_tty_core::Result;
use agent_tty_core::manifest::{SessionRecord, SessionSummary};
use agent_tty_core::session;
use schemars::JsonSchema;
use serde::Serialize;

use crate::cli::ListArgs;
use crate::context::Context;
use crate::output::Outcome;

/// Runs `list`.
pub fn run(context: &Context, args: &ListArgs) -> Result<Outcome> {
    let records = session::list(&context.home.path, args.all);
    let sessions = records.iter().map(SessionSummary::from).collect();
    // The envelope has no use for the table (a tenth of `list --json` with 100 sessions).
    let human = if args.output.json { Vec::new() } else { table(&records) };
    Ok(Outcome::new(ListResult { sessions }, human))
}

/// The result of `list`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListResult {
    /// The sessions, oldest first.
    pub sessions: Vec<SessionSummary>,
}

/// The human table: a header and one aligned row per session (the command, last, is not
/// padded); one empty line when there is no session.
fn table(records: &[SessionRecord]) -> Vec<String> {
    if records.is_empty() {
        return vec![String::new()];
    }
    let rows: Vec<[String; 4]> = std::iter::once(["ID", "NAME", "STATUS", "COMMAND"].map(String::from))
        .chain(records.iter().map(|r| {
            [
                r.session_id.clone(),
                r.name.clone().unwrap_or_else(|| "-".to_string()),
                r.status.as_str().to_string(),
                r.command.join(" "),
            ]
        }))
        .collect();
    let width = |column: usize| rows.iter().map(|row| row[column].chars().count()).max().unwrap_or(0);
    let widths = [width(0), width(1), width(2)];
    rows.iter()
        .map(|[id, name, status, command]| {
            format!(
                "{id:<w0$}  {name:<w1$}  {status:<w2$}  {command}",
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2]
            )
            .trim_end()
            .to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_table_aligns_names_and_marks_missing_ones() {
        let mut a: SessionRecord = serde_json::from_value(json!({
            "version": 1, "sessionId": "01KMDQ9S6XFPBFZSKPGJCGN2KX", "createdAt": "x", "updatedAt": "x",
            "status": "running", "command": ["bash", "-l"], "cwd": "/", "cols": 80, "rows": 24,
            "hostPid": null, "childPid": null, "exitCode": null, "exitSignal": null,
        }))
        .unwrap();
        let mut b = a.clone();
        a.name = Some("web".into());
        b.session_id = "01KMDQ9S6XFPBFZSKPGJCGN2KY".into();
        b.status = agent_tty_core::manifest::Status::Destroyed;
        assert_eq!(
            table(&[a, b]),
            [
                "ID                          NAME  STATUS     COMMAND",
                "01KMDQ9S6XFPBFZSKPGJCGN2KX  web   running    bash -l",
                "01KMDQ9S6XFPBFZSKPGJCGN2KY  -     destroyed  bash -l",
            ]
        );
        assert_eq!(table(&[]), [""]);
    }
}
