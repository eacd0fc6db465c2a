//! `snapshot`: params, the [`Format`], and the snapshot result the host replies with (the
//! CLI prints the same type, live or replayed).

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use super::{Seq, SessionId};
use crate::error::{Error, Result};
use crate::event_stream::DamageReport;

/// `structured` or `text`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Lines (and optionally cells) as JSON.
    #[default]
    Structured,
    /// One string.
    Text,
}

/// The message of an unknown format (`INVALID_INPUT` on the CLI and the host).
const BAD_FORMAT: &str = "Snapshot format must be one of: structured, text.";

impl Format {
    /// Parses the `--format` value (or the `format` param).
    pub fn parse(value: &str) -> Result<Format> {
        Format::from_wire(value).ok_or_else(|| Error::invalid_input(BAD_FORMAT).with("format", value))
    }

    /// The format a wire spelling names.
    pub fn from_wire(value: &str) -> Option<Format> {
        match value {
            "structured" => Some(Format::Structured),
            "text" => Some(Format::Text),
            _ => None,
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

/// A string first (so a wrong type reads as for any string field), then the spelling.
impl<'de> Deserialize<'de> for Format {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Format, D::Error> {
        let value = String::deserialize(deserializer)?;
        Format::from_wire(&value).ok_or_else(|| serde::de::Error::custom(BAD_FORMAT))
    }
}

/// `snapshot`: `{format?, includeScrollback?, includeCells?, rendererName?}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct SnapshotParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_scrollback: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_cells: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renderer_name: Option<String>,
}

/// The snapshot result in the contract's key order, then `cursorVisible` (an addition
/// to the 0.5 shape) and, offline only, `damage`. `structured` has `isAltScreen`,
/// `visibleLines` and optionally `scrollbackLines` and `cells`; `text` has `text`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct SnapshotResult {
    pub format: Format,
    pub session_id: SessionId,
    pub captured_at_seq: Seq,
    pub cols: u16,
    pub rows: u16,
    pub cursor_row: u16,
    pub cursor_col: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_alt_screen: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_lines: Option<Vec<NumberedLine>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scrollback_lines: Option<Vec<NumberedLine>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cells: Option<Vec<SnapshotCellRow>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    pub screen_hash: String,
    /// Whether the program shows the cursor (DECTCEM; not part of the Screen Hash).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_visible: Option<bool>,
    /// Offline replay only (never on the wire): what the read of a damaged log skipped.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub damage: Option<DamageReport>,
    /// `snapshot --since-hash` only (never on the wire): what the lines are relative to.
    #[serde(default, skip_deserializing, skip_serializing_if = "Option::is_none")]
    pub since_hash: Option<SinceHash>,
}

/// `snapshot --since-hash H`: the screen that had H, and what changed since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SinceHash {
    /// The hash asked for.
    pub hash: String,
    /// A screen of the session had it: the lines are only the rows changed since then.
    /// Otherwise the lines are the whole screen.
    pub found: bool,
    /// The seq at which the screen had it (the latest time it did).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// How many rows changed since (when found).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_rows: Option<usize>,
    /// What changed, in one line (when found).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// `{row, text}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[allow(missing_docs)]
pub struct NumberedLine {
    pub row: usize,
    pub text: String,
}

/// `{lineNumber, cells}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct SnapshotCellRow {
    pub line_number: u16,
    pub cells: Vec<SnapshotCell>,
}

/// One cell: `char`, then `fg`/`bg` (`#rrggbb`) when not the default, then the style
/// flags that are set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[allow(missing_docs)]
pub struct SnapshotCell {
    pub char: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bg: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub bold: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub italic: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub underline: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub strikethrough: bool,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(value: &bool) -> bool {
    !*value
}
