//! Snapshot results as the contract shapes them (`structured` or `text`), the cell grid's
//! JSON form, and persisting each capture as an artifact. Shared by the live host path
//! and offline replay, so both produce identical results.

use std::path::PathBuf;

use agent_tty_vt::{Cell, CellRow, Color, DEFAULT_BG, DEFAULT_FG, RENDERER_BACKEND, Snapshot, indexed_rgb};
use serde_json::Value;

use crate::artifacts::{self, ArtifactEntry};
use crate::error::{Error, Result};
use crate::paths::SessionPaths;

pub use crate::protocol::Format;
use crate::protocol::{NumberedLine, Seq, SessionId, SnapshotCell, SnapshotCellRow, SnapshotResult};

/// Builds the snapshot result (see [`SnapshotResult`] for its shape).
pub fn result(session_id: &str, captured_at_seq: u64, snapshot: &Snapshot, format: Format) -> SnapshotResult {
    let mut out = SnapshotResult {
        format,
        session_id: SessionId::from(session_id),
        captured_at_seq: Seq(captured_at_seq),
        cols: snapshot.cols,
        rows: snapshot.rows,
        cursor_row: snapshot.cursor_row,
        cursor_col: snapshot.cursor_col,
        is_alt_screen: None,
        visible_lines: None,
        scrollback_lines: None,
        cells: None,
        text: None,
        screen_hash: snapshot.screen_hash(),
        cursor_visible: Some(snapshot.cursor_visible),
        damage: None,
        since_hash: None,
    };
    match format {
        Format::Structured => {
            out.is_alt_screen = Some(snapshot.is_alt_screen);
            out.visible_lines = Some(numbered(&snapshot.visible_lines));
            out.scrollback_lines = snapshot.scrollback_lines.as_deref().map(numbered);
            out.cells = snapshot.cells.as_ref().map(|rows| rows.iter().map(cell_row).collect());
        }
        Format::Text => {
            let mut text = String::new();
            for line in snapshot.scrollback_lines.iter().flatten() {
                text.push_str(line);
                text.push('\n');
            }
            text.push_str(&snapshot.canonical_text());
            out.text = Some(text);
        }
    }
    out
}

fn numbered(lines: &[String]) -> Vec<NumberedLine> {
    lines.iter().enumerate().map(|(row, text)| NumberedLine { row, text: text.clone() }).collect()
}

fn cell_row(row: &CellRow) -> SnapshotCellRow {
    SnapshotCellRow { line_number: row.row, cells: row.cells.iter().map(cell).collect() }
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn rgb(color: Color) -> Option<(u8, u8, u8)> {
    match color {
        Color::Default => None,
        Color::Indexed(i) => Some(indexed_rgb(i)),
        Color::Rgb(r, g, b) => Some((r, g, b)),
    }
}

/// One cell: `char`, then `fg`/`bg` when not the default (inverse video swapped in),
/// then the style flags that are set.
fn cell(cell: &Cell) -> SnapshotCell {
    let style = cell.style;
    let (mut fg, mut bg) = (rgb(style.fg), rgb(style.bg));
    if style.inverse {
        let (f, b) = (fg.unwrap_or(DEFAULT_FG), bg.unwrap_or(DEFAULT_BG));
        (fg, bg) = (Some(b), Some(f));
    }
    SnapshotCell {
        char: cell.text.clone(),
        fg: fg.map(hex),
        bg: bg.map(hex),
        bold: style.bold,
        italic: style.italic,
        underline: style.underline,
        strikethrough: style.strikethrough,
    }
}

/// The artifact entry's metadata of a snapshot, in its key order.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct SnapshotMetadata {
    format: Format,
    renderer_backend: &'static str,
    cols: u16,
    rows: u16,
    cursor_row: u16,
    cursor_col: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    scrollback_line_count: Option<usize>,
}

/// Writes a snapshot result as `snapshot-<seq>-<format>.json` and records it in the
/// artifact manifest; returns the artifact path. Metadata comes from the result itself.
pub fn persist(paths: &SessionPaths, result: &SnapshotResult, with_scrollback: bool) -> Result<PathBuf> {
    let (seq, format) = (result.captured_at_seq.get(), result.format);
    let filename = format!("snapshot-{seq}-{}.json", format.as_str());
    let path = paths.artifacts.join(&filename);
    let mut bytes = serde_json::to_vec_pretty(result)
        .map_err(|e| Error::internal(format!("cannot serialise {}: {e}", path.display())))?;
    bytes.push(b'\n');
    let staged = artifacts::stage(&path, &bytes)?;
    let scrollback = match format {
        Format::Structured => result.scrollback_lines.as_ref().map(Vec::len),
        Format::Text => {
            result.text.as_ref().map(|t| t.split('\n').count().saturating_sub(usize::from(result.rows)))
        }
    };
    let metadata = SnapshotMetadata {
        format,
        renderer_backend: RENDERER_BACKEND,
        cols: result.cols,
        rows: result.rows,
        cursor_row: result.cursor_row,
        cursor_col: result.cursor_col,
        scrollback_line_count: scrollback.filter(|_| with_scrollback),
    };
    let metadata = match serde_json::to_value(metadata) {
        Ok(Value::Object(map)) => map,
        _ => return Err(Error::internal("cannot encode the snapshot metadata")),
    };
    let entry = ArtifactEntry::new("snapshot", filename, &paths.id, seq, metadata);
    artifacts::append_then_place(&paths.artifacts, &paths.id, entry, staged, &path)?;
    Ok(path)
}
