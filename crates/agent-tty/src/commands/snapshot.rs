//! `agent-tty snapshot`: the screen as lines (`structured`) or one string (`text`), from
//! the live host when it runs, else replayed from the event log. Every capture is also
//! written as an artifact.

use agent_tty_core::manifest::{SessionRecord, Status};
use agent_tty_core::paths::SessionPaths;
use agent_tty_core::snapshot::{Format, persist, result};
use agent_tty_core::{ErrorCode, Result, client, event_stream, replay, session};
use agent_tty_vt::SnapshotOptions;
use serde_json::{Value, json};

use crate::cli::SnapshotArgs;
use crate::context::Context;
use crate::output::Outcome;

/// Runs `snapshot`.
pub fn run(context: &Context, args: &SnapshotArgs) -> Result<Outcome> {
    let format = Format::parse(&args.format)?;
    let (paths, record) = session::find(&context.home.path, &args.session.session_id)?;
    let options = SnapshotOptions { scrollback: args.include_scrollback, cells: args.include_cells };
    let snapshot = capture(&paths, &record, format, options)?;
    persist(&paths, &snapshot, format, args.include_scrollback)?;
    let mut human = human_lines(&snapshot, format, args.include_scrollback);
    human.extend(snapshot.get("damage").and_then(event_stream::damage_summary));
    Ok(Outcome::new(snapshot, human))
}

/// Takes a snapshot from the live host, or offline when the host is gone. An offline
/// snapshot of a damaged log carries a trailing `damage` object (see
/// `agent_tty_core::event_stream::Damage::to_json`).
pub fn capture(
    paths: &SessionPaths,
    record: &SessionRecord,
    format: Format,
    options: SnapshotOptions,
) -> Result<Value> {
    if record.status == Status::Running {
        let params = json!({
            "format": format.as_str(),
            "includeScrollback": options.scrollback,
            "includeCells": options.cells,
        });
        match session::call(paths, "snapshot", params, client::DEFAULT_TIMEOUT_MS) {
            Err(e) if e.code == ErrorCode::HostUnreachable => {}
            other => return other,
        }
    }
    let mut replayed = replay::replay(paths, record, None)?;
    if record.status == Status::Running {
        // A host that did not answer may still be writing its last line.
        replayed.damage.forget_torn_tail();
    }
    let snap = replayed.screen.snapshot(options);
    let mut out = result(&paths.id, replayed.last_seq.unwrap_or(0), &snap, format);
    if let (Some(damage), Value::Object(map)) = (replayed.damage.to_json(), &mut out) {
        map.insert("damage".into(), damage);
    }
    Ok(out)
}

fn human_lines(result: &Value, format: Format, with_scrollback: bool) -> Vec<String> {
    let hidden = if result["cursorVisible"] == json!(false) { " (hidden)" } else { "" };
    let mut lines = vec![
        format!("Session ID: {}", result["sessionId"].as_str().unwrap_or("")),
        format!("Captured At Seq: {}", result["capturedAtSeq"]),
        format!("Format: {}", format.as_str()),
        format!("Size: {}x{}", result["cols"], result["rows"]),
        format!("Cursor: row {}, col {}{hidden}", result["cursorRow"], result["cursorCol"]),
    ];
    match format {
        Format::Text => {
            lines.push("Text:".into());
            // Blank rows below the last text are left out here (the JSON keeps every row).
            let text = result["text"].as_str().unwrap_or("").trim_end_matches('\n');
            lines.push(if text.is_empty() { "(empty)".into() } else { text.to_string() });
        }
        Format::Structured => {
            let yes = if result["isAltScreen"] == json!(true) { "yes" } else { "no" };
            lines.push(format!("Alt Screen: {yes}"));
            let block = |title: &str, rows: &Value, out: &mut Vec<String>| {
                let rows = rows.as_array().cloned().unwrap_or_default();
                out.push(format!("{title} ({}):", rows.len()));
                if rows.is_empty() {
                    out.push("  (none)".into());
                }
                for row in rows {
                    out.push(format!("  [{}] {}", row["row"], row["text"].as_str().unwrap_or("")));
                }
            };
            if with_scrollback {
                block("Scrollback Lines", &result["scrollbackLines"], &mut lines);
            }
            if !with_scrollback && result["visibleLines"].as_array().is_none_or(Vec::is_empty) {
                lines.push("Visible Lines: (none)".into());
            } else {
                block("Visible Lines", &result["visibleLines"], &mut lines);
            }
        }
    }
    lines
}
