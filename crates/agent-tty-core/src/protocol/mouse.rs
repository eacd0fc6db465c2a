//! The `mouse` method (new in this version; 0.5 clients never send it): a click, drag,
//! move or scroll at a cell or on a visible text, encoded by the host from the live
//! screen's mouse modes. [`MouseParams::check`] is the one validation of its fields,
//! shared by the CLI, batch, MCP and the host.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Seq;
use crate::error::{Error, Result};

/// What the mouse does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MouseAction {
    /// Left button press and release.
    Click,
    /// Two left clicks.
    DoubleClick,
    /// Right button press and release.
    RightClick,
    /// Middle button press and release.
    MiddleClick,
    /// Pointer motion, no button held.
    Move,
    /// Left button held from the target to the `to` target.
    Drag,
    /// Wheel notches (`up` or `down`).
    Scroll,
}

impl MouseAction {
    /// Every action's name, as the CLI spells it.
    pub const NAMES: [&'static str; 7] =
        ["click", "double-click", "right-click", "middle-click", "move", "drag", "scroll"];

    /// The action named `name` (see [`MouseAction::NAMES`]).
    pub fn parse(name: &str) -> Option<MouseAction> {
        use MouseAction as A;
        const ALL: [MouseAction; 7] =
            [A::Click, A::DoubleClick, A::RightClick, A::MiddleClick, A::Move, A::Drag, A::Scroll];
        MouseAction::NAMES.iter().position(|&n| n == name).map(|at| ALL[at])
    }

    /// The name, as the CLI spells it.
    pub fn name(self) -> &'static str {
        MouseAction::NAMES[self as usize]
    }
}

/// A keyboard modifier held during the mouse action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum MouseModifier {
    /// Shift.
    Shift,
    /// Alt (meta).
    Alt,
    /// Control.
    Ctrl,
}

impl MouseModifier {
    /// The modifier named `name` (`shift`, `alt`, `ctrl`; case-insensitive).
    pub fn parse(name: &str) -> Option<MouseModifier> {
        match name.trim().to_ascii_lowercase().as_str() {
            "shift" => Some(MouseModifier::Shift),
            "alt" | "meta" => Some(MouseModifier::Alt),
            "ctrl" | "control" => Some(MouseModifier::Ctrl),
            _ => None,
        }
    }
}

/// The most wheel notches one `scroll` sends.
pub const MAX_SCROLL: u32 = 1000;

/// `mouse`: `{action, row?, col?, onText?, nth?, toRow?, toCol?, toText?, toNth?, up?,
/// down?, modifiers?, force?, wheelAsKeys?}`. Rows and columns are 0-based, like the
/// cursor in snapshots; `nth` counts matches from 1, top to bottom, left to right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MouseParams {
    /// What the mouse does.
    pub action: MouseAction,
    /// The target's row (with `col`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<u16>,
    /// The target's column (with `row`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub col: Option<u16>,
    /// The target: the centre of this text where it shows on the screen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_text: Option<String>,
    /// Which match of `onText` (from 1; default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nth: Option<u32>,
    /// `drag`: the end's row (with `toCol`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_row: Option<u16>,
    /// `drag`: the end's column (with `toRow`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_col: Option<u16>,
    /// `drag`: the end is the centre of this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_text: Option<String>,
    /// Which match of `toText` (from 1; default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_nth: Option<u32>,
    /// `scroll`: wheel notches up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up: Option<u32>,
    /// `scroll`: wheel notches down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub down: Option<u32>,
    /// Modifiers held.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modifiers: Vec<MouseModifier>,
    /// Send SGR reports even though the program did not enable mouse reporting.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub force: bool,
    /// `scroll` in a program that reads no mouse reports but shows the alternate screen:
    /// send arrow keys instead, one per notch (as terminals do).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub wheel_as_keys: bool,
}

/// Where `mouse` acts, as given (resolved on the live screen by the host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MouseTarget {
    /// A cell.
    Cell {
        /// Row, from 0.
        row: u16,
        /// Column, from 0.
        col: u16,
    },
    /// The centre of the `nth` (from 1) match of a text.
    Text {
        /// The text.
        text: String,
        /// Which match.
        nth: u32,
    },
}

impl MouseParams {
    /// Checks that the fields fit together; every failure is `INVALID_INPUT` naming the
    /// CLI flags.
    pub fn check(&self) -> Result<()> {
        let action = self.action;
        let name = action.name();
        let target = self.target()?;
        if target.is_none() && action != MouseAction::Scroll {
            return Err(Error::invalid_input(format!(
                "mouse {name} needs a target: --row R --col C (0-based), or --on-text TEXT [--nth N]."
            )));
        }
        let to = self.to_target()?;
        match (action, &to) {
            (MouseAction::Drag, None) => {
                return Err(Error::invalid_input(
                    "mouse drag needs where it ends: --to-row R --to-col C (0-based), or --to-text TEXT [--to-nth N].",
                ));
            }
            (MouseAction::Drag, Some(_)) | (_, None) => {}
            (_, Some(_)) => {
                return Err(Error::invalid_input(format!(
                    "--to-row, --to-col, --to-text and --to-nth are for drag only, not mouse {name}."
                )));
            }
        }
        self.check_scroll(action)?;
        if self.wheel_as_keys && action != MouseAction::Scroll {
            return Err(Error::invalid_input(format!(
                "--wheel-as-keys is for scroll only, not mouse {name}."
            )));
        }
        Ok(())
    }

    fn check_scroll(&self, action: MouseAction) -> Result<()> {
        let name = action.name();
        match (action, self.up, self.down) {
            (MouseAction::Scroll, Some(_), Some(_)) => {
                Err(Error::invalid_input("mouse scroll takes one of --up N and --down N, not both."))
            }
            (MouseAction::Scroll, None, None) => {
                Err(Error::invalid_input("mouse scroll needs --up N or --down N (wheel notches)."))
            }
            (MouseAction::Scroll, Some(n), None) | (MouseAction::Scroll, None, Some(n))
                if n == 0 || n > MAX_SCROLL =>
            {
                Err(Error::invalid_input(format!(
                    "mouse scroll takes 1 to {MAX_SCROLL} wheel notches, got: {n}."
                ))
                .with("notches", n))
            }
            (MouseAction::Scroll, ..) | (_, None, None) => Ok(()),
            _ => Err(Error::invalid_input(format!("--up and --down are for scroll only, not mouse {name}."))),
        }
    }

    /// The target (`None`: none given, which only `scroll` allows: the screen's centre).
    pub fn target(&self) -> Result<Option<MouseTarget>> {
        target_of(("--row", self.row), ("--col", self.col), ("--on-text", &self.on_text), ("--nth", self.nth))
    }

    /// `drag`'s end.
    pub fn to_target(&self) -> Result<Option<MouseTarget>> {
        target_of(
            ("--to-row", self.to_row),
            ("--to-col", self.to_col),
            ("--to-text", &self.to_text),
            ("--to-nth", self.to_nth),
        )
    }
}

/// A target from its four fields, named by their CLI flags.
fn target_of(
    row: (&str, Option<u16>),
    col: (&str, Option<u16>),
    text: (&str, &Option<String>),
    nth: (&str, Option<u32>),
) -> Result<Option<MouseTarget>> {
    match (row.1, col.1, text.1, nth.1) {
        (None, None, None, None) => Ok(None),
        (Some(r), Some(c), None, None) => Ok(Some(MouseTarget::Cell { row: r, col: c })),
        (None, None, Some(t), _) if t.is_empty() => {
            Err(Error::invalid_input(format!("{} must not be empty.", text.0)))
        }
        (None, None, Some(_), Some(0)) => {
            Err(Error::invalid_input(format!("{} counts matches from 1, got: 0.", nth.0)))
        }
        (None, None, Some(t), n) => Ok(Some(MouseTarget::Text { text: t.clone(), nth: n.unwrap_or(1) })),
        (Some(_), None, None, _) | (None, Some(_), None, _) => Err(Error::invalid_input(format!(
            "{} and {} go together: give both (0-based, like the cursor in snapshots).",
            row.0, col.0
        ))),
        (None, None, None, Some(_)) => Err(Error::invalid_input(format!("{} needs {}.", nth.0, text.0))),
        _ => Err(Error::invalid_input(format!(
            "Give either {} with {}, or {}, not both.",
            row.0, col.0, text.0
        ))),
    }
}

/// The reply of `mouse`: `{seq, bytesWritten, row, col, toRow?, toCol?, tracking,
/// encoding, sentAs}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MouseReply {
    /// The seq of the `input_text` event the bytes were logged as.
    pub seq: Seq,
    /// Bytes written to the program.
    pub bytes_written: u64,
    /// Where it acted: row (0-based).
    pub row: u16,
    /// Where it acted: column (0-based).
    pub col: u16,
    /// `drag`: where it ended, row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_row: Option<u16>,
    /// `drag`: where it ended, column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_col: Option<u16>,
    /// The program's mouse reporting: `x10`, `normal`, `button-event`, `any-event`, or
    /// `none` (then the bytes were forced, or arrow keys).
    pub tracking: String,
    /// The encoding used: `default`, `utf8`, `sgr`, `urxvt`, or `keys`.
    pub encoding: String,
    /// `reports` (mouse reports) or `keys` (arrow keys for the wheel).
    pub sent_as: String,
}

/// What the host answers to `mouse`: the reply, or a refusal that carries its `details`
/// (error details do not cross the wire, and a missed `onText` must carry the screen it
/// looked at: the host's, at that moment). [`MouseAnswer::into_result`] turns a refusal
/// back into the error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum MouseAnswer {
    /// The bytes were written.
    Sent(MouseReply),
    /// Nothing was written, and why.
    Refused(MouseRefusal),
}

/// `{refused: {code, message, details, human?}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MouseRefusal {
    /// The error.
    pub refused: RefusedError,
}

/// An error with its details, as [`MouseRefusal`] carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RefusedError {
    /// `INVALID_INPUT` or `MOUSE_NOT_ENABLED`.
    pub code: String,
    /// The message.
    pub message: String,
    /// The details.
    #[serde(default)]
    pub details: serde_json::Map<String, serde_json::Value>,
    /// The text human mode prints instead of the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub human: Option<String>,
}

impl MouseAnswer {
    /// A refusal of `error` when it is one the caller made (`INVALID_INPUT`,
    /// `MOUSE_NOT_ENABLED`); any other error stays an error.
    pub fn refusal(error: Error) -> Result<MouseAnswer> {
        use crate::error::ErrorCode;
        if !matches!(error.code, ErrorCode::InvalidInput | ErrorCode::MouseNotEnabled) {
            return Err(error);
        }
        Ok(MouseAnswer::Refused(MouseRefusal {
            refused: RefusedError {
                code: error.code.as_str().to_string(),
                message: error.message.clone(),
                details: error.details.clone(),
                human: error.human.clone(),
            },
        }))
    }

    /// The reply, or the refusal as the error it stands for.
    pub fn into_result(self) -> Result<MouseReply> {
        match self {
            MouseAnswer::Sent(reply) => Ok(reply),
            MouseAnswer::Refused(MouseRefusal { refused }) => {
                let code = crate::error::ErrorCode::parse(&refused.code)
                    .unwrap_or(crate::error::ErrorCode::InvalidInput);
                let mut error = Error::new(code, refused.message);
                error.details = refused.details;
                Err(match refused.human {
                    Some(human) => error.with_human(human),
                    None => error,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn check(json: &str) -> std::result::Result<(), String> {
        let params: MouseParams = serde_json::from_str(json).map_err(|e| e.to_string())?;
        params.check().map_err(|e| {
            assert_eq!(e.code, ErrorCode::InvalidInput);
            e.message.clone()
        })
    }

    #[test]
    fn the_wire_shape() {
        let params = MouseParams {
            action: MouseAction::Drag,
            row: Some(1),
            col: Some(2),
            on_text: None,
            nth: None,
            to_row: None,
            to_col: None,
            to_text: Some("end".into()),
            to_nth: Some(2),
            up: None,
            down: None,
            modifiers: vec![MouseModifier::Shift, MouseModifier::Ctrl],
            force: true,
            wheel_as_keys: false,
        };
        let line = r#"{"action":"drag","row":1,"col":2,"toText":"end","toNth":2,"modifiers":["shift","ctrl"],"force":true}"#;
        assert_eq!(serde_json::to_string(&params).unwrap(), line);
        assert_eq!(serde_json::from_str::<MouseParams>(line).unwrap(), params);
        assert!(serde_json::from_str::<MouseParams>(r#"{"action":"click","x":1}"#).is_err());
        assert!(serde_json::from_str::<MouseParams>(r#"{"action":"poke"}"#).is_err());
        for name in MouseAction::NAMES {
            assert_eq!(MouseAction::parse(name).map(MouseAction::name), Some(name));
        }
    }

    #[test]
    fn fields_that_do_not_fit_together() {
        assert_eq!(check(r#"{"action":"click","row":1,"col":2}"#), Ok(()));
        assert_eq!(check(r#"{"action":"scroll","up":3}"#), Ok(()));
        assert_eq!(check(r#"{"action":"drag","onText":"a","toRow":0,"toCol":1}"#), Ok(()));
        let refusals = [
            (r#"{"action":"click"}"#, "mouse click needs a target"),
            (r#"{"action":"click","row":1}"#, "--row and --col go together"),
            (
                r#"{"action":"click","row":1,"col":1,"onText":"a"}"#,
                "Give either --row with --col, or --on-text",
            ),
            (r#"{"action":"click","nth":2}"#, "--nth needs --on-text"),
            (r#"{"action":"click","onText":"a","nth":0}"#, "--nth counts matches from 1"),
            (r#"{"action":"click","onText":""}"#, "--on-text must not be empty"),
            (r#"{"action":"drag","row":1,"col":1}"#, "mouse drag needs where it ends"),
            (r#"{"action":"click","row":1,"col":1,"toRow":1,"toCol":1}"#, "are for drag only"),
            (r#"{"action":"scroll"}"#, "needs --up N or --down N"),
            (r#"{"action":"scroll","up":1,"down":1}"#, "not both"),
            (r#"{"action":"scroll","up":0}"#, "1 to 1000 wheel notches"),
            (r#"{"action":"click","row":1,"col":1,"up":1}"#, "are for scroll only"),
            (r#"{"action":"move","row":1,"col":1,"wheelAsKeys":true}"#, "--wheel-as-keys is for scroll only"),
        ];
        for (json, expected) in refusals {
            let message = check(json).unwrap_err();
            assert!(message.contains(expected), "{json}: {message}");
        }
    }
}
