//! Snapshot results as the contract shapes them (`structured` or `text`), the cell grid's
//! JSON form, and persisting each capture as an artifact. Shared by the live host path
//! and offline replay, so both produce identical results.

use std::path::PathBuf;

use agent_tty_vt::{Cell, CellRow, Color, DEFAULT_BG, DEFAULT_FG, RENDERER_BACKEND, Snapshot, indexed_rgb};
use serde_json::{Map, Value, json};

use crate::artifacts::{self, ArtifactEntry};
use crate::error::{Error, Result};
use crate::paths::SessionPaths;

/// `structured` or `text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Lines (and optionally cells) as JSON.
    Structured,
    /// One string.
    Text,
}

impl Format {
    /// Parses the `--format` value.
    pub fn parse(value: &str) -> Result<Format> {
        match value {
            "structured" => Ok(Format::Structured),
            "text" => Ok(Format::Text),
            other => Err(Error::invalid_input("Snapshot format must be one of: structured, text.")
                .with("format", other)),
        }
    }

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Structured => "structured",
            Format::Text => "text",
        }
    }
}

/// Builds the snapshot result object in the contract's key order, then `cursorVisible`
/// (DECTCEM: whether the program shows the cursor; not part of the Screen Hash).
pub fn result(session_id: &str, captured_at_seq: u64, snapshot: &Snapshot, format: Format) -> Value {
    let mut out = Map::new();
    out.insert("format".into(), json!(format.as_str()));
    out.insert("sessionId".into(), json!(session_id));
    out.insert("capturedAtSeq".into(), json!(captured_at_seq));
    out.insert("cols".into(), json!(snapshot.cols));
    out.insert("rows".into(), json!(snapshot.rows));
    out.insert("cursorRow".into(), json!(snapshot.cursor_row));
    out.insert("cursorCol".into(), json!(snapshot.cursor_col));
    match format {
        Format::Structured => {
            out.insert("isAltScreen".into(), json!(snapshot.is_alt_screen));
            out.insert("visibleLines".into(), numbered(&snapshot.visible_lines));
            if let Some(lines) = &snapshot.scrollback_lines {
                out.insert("scrollbackLines".into(), numbered(lines));
            }
            if let Some(rows) = &snapshot.cells {
                out.insert("cells".into(), Value::Array(rows.iter().map(cell_row).collect()));
            }
        }
        Format::Text => {
            let mut text = String::new();
            if let Some(lines) = &snapshot.scrollback_lines {
                for line in lines {
                    text.push_str(line);
                    text.push('\n');
                }
            }
            text.push_str(&snapshot.canonical_text());
            out.insert("text".into(), json!(text));
        }
    }
    out.insert("screenHash".into(), json!(snapshot.screen_hash()));
    // An addition to the 0.5 shape, after its keys: whether the program shows the cursor.
    out.insert("cursorVisible".into(), json!(snapshot.cursor_visible));
    Value::Object(out)
}

fn numbered(lines: &[String]) -> Value {
    Value::Array(lines.iter().enumerate().map(|(row, text)| json!({ "row": row, "text": text })).collect())
}

fn cell_row(row: &CellRow) -> Value {
    json!({ "lineNumber": row.row, "cells": row.cells.iter().map(cell).collect::<Vec<_>>() })
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
fn cell(cell: &Cell) -> Value {
    let style = cell.style;
    let (mut fg, mut bg) = (rgb(style.fg), rgb(style.bg));
    if style.inverse {
        let (f, b) = (fg.unwrap_or(DEFAULT_FG), bg.unwrap_or(DEFAULT_BG));
        (fg, bg) = (Some(b), Some(f));
    }
    let mut out = Map::new();
    out.insert("char".into(), json!(cell.text));
    if let Some(fg) = fg {
        out.insert("fg".into(), json!(hex(fg)));
    }
    if let Some(bg) = bg {
        out.insert("bg".into(), json!(hex(bg)));
    }
    for (key, set) in [
        ("bold", style.bold),
        ("italic", style.italic),
        ("underline", style.underline),
        ("strikethrough", style.strikethrough),
    ] {
        if set {
            out.insert(key.into(), json!(true));
        }
    }
    Value::Object(out)
}

/// Writes a snapshot result as `snapshot-<seq>-<format>.json` and records it in the
/// artifact manifest; returns the artifact path. Metadata comes from the result itself.
pub fn persist(
    paths: &SessionPaths,
    result: &Value,
    format: Format,
    with_scrollback: bool,
) -> Result<PathBuf> {
    let seq = result["capturedAtSeq"].as_u64().unwrap_or(0);
    let filename = format!("snapshot-{seq}-{}.json", format.as_str());
    let path = paths.artifacts.join(&filename);
    let mut bytes = serde_json::to_vec_pretty(result)
        .map_err(|e| Error::internal(format!("cannot serialise {}: {e}", path.display())))?;
    bytes.push(b'\n');
    let staged = artifacts::stage(&path, &bytes)?;
    let mut metadata = Map::new();
    metadata.insert("format".into(), json!(format.as_str()));
    metadata.insert("rendererBackend".into(), json!(RENDERER_BACKEND));
    for key in ["cols", "rows", "cursorRow", "cursorCol"] {
        metadata.insert(key.into(), result[key].clone());
    }
    let rows = result["rows"].as_u64().unwrap_or(0) as usize;
    let scrollback = match format {
        Format::Structured => result.get("scrollbackLines").and_then(Value::as_array).map(Vec::len),
        Format::Text => result["text"].as_str().map(|t| t.split('\n').count().saturating_sub(rows)),
    };
    if let Some(count) = scrollback.filter(|_| with_scrollback) {
        metadata.insert("scrollbackLineCount".into(), json!(count));
    }
    let entry = ArtifactEntry::new("snapshot", filename, &paths.id, seq, metadata);
    artifacts::append_then_place(&paths.artifacts, &paths.id, entry, staged, &path)?;
    Ok(path)
}
