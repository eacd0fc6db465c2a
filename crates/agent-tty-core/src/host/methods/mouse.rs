//! The `mouse` method: resolves the target on the live screen, reads the program's mouse
//! modes from the same screen in the same step (no race with a separate query), encodes
//! the gesture ([`agent_tty_vt::mouse`]) and writes it as input, logged like `type` as an
//! `input_text` event carrying the bytes (no new record type: a 0.5 reader reads it, and
//! replays, casts and videos show what the program did with it).
//!
//! A program that did not enable mouse reporting gets nothing: `MOUSE_NOT_ENABLED`
//! (exit 2), unless `force` (SGR reports as if it had asked for any-event tracking) or,
//! for `scroll` in the alternate screen, `wheelAsKeys` (arrow keys, as terminals do).
//! The same error answers a `move` in a mode that reports no motion without a button.

use agent_tty_vt::Screen;
use agent_tty_vt::mouse::{self as vt, Button, Encoding, Gesture, Modifiers, MouseModes, Point, Tracking};

use super::{input_room, require_commandable, write_input};
use crate::error::{Error, ErrorCode, Result};
use crate::event_log::Event;
use crate::host::actor::Host;
use crate::protocol::{MouseAction, MouseAnswer, MouseModifier, MouseParams, MouseReply, MouseTarget, Seq};

/// What the method writes, before it is written.
struct Plan {
    bytes: Vec<u8>,
    tracking: &'static str,
    encoding: &'static str,
    sent_as: &'static str,
}

/// Handles `mouse`: the reply, or the caller's mistake as a refusal with its details.
pub(super) fn mouse(host: &mut Host, p: MouseParams) -> Result<MouseAnswer> {
    send(host, p).map_or_else(MouseAnswer::refusal, |reply| Ok(MouseAnswer::Sent(reply)))
}

fn send(host: &mut Host, p: MouseParams) -> Result<MouseReply> {
    p.check()?;
    require_commandable(host)?;
    let screen = &host.screen;
    let at = match p.target()? {
        Some(target) => resolve(screen, &target, "")?,
        None => centre(screen),
    };
    let to = p.to_target()?.map(|target| resolve(screen, &target, "to-")).transpose()?;
    let gesture = gesture(&p, at, to);
    let plan = plan(screen.mouse_modes(), &p, gesture)?;
    input_room(host, plan.bytes.len())?;
    write_input(host, &plan.bytes);
    let data = logged_text(&plan.bytes);
    let seq = host.log.push(&Event::InputText { data: data.clone() });
    host.output_since.on_input(seq, Some(&data));
    Ok(MouseReply {
        seq: Seq(seq),
        bytes_written: plan.bytes.len() as u64,
        row: at.row,
        col: at.col,
        to_row: to.map(|to| to.row),
        to_col: to.map(|to| to.col),
        tracking: plan.tracking.into(),
        encoding: plan.encoding.into(),
        sent_as: plan.sent_as.into(),
    })
}

/// The gesture `p` asks for.
fn gesture(p: &MouseParams, at: Point, to: Option<Point>) -> Gesture {
    let click = |button, count| Gesture::Click { button, at, count };
    match p.action {
        MouseAction::Click => click(Button::Left, 1),
        MouseAction::DoubleClick => click(Button::Left, 2),
        MouseAction::RightClick => click(Button::Right, 1),
        MouseAction::MiddleClick => click(Button::Middle, 1),
        MouseAction::Move => Gesture::Move { to: at },
        MouseAction::Drag => Gesture::Drag { button: Button::Left, from: at, to: to.unwrap_or(at) },
        MouseAction::Scroll => {
            Gesture::Scroll { at, up: p.up.is_some(), count: p.up.or(p.down).unwrap_or(1) }
        }
    }
}

/// The bytes for the program's modes, or why there are none.
fn plan(modes: MouseModes, p: &MouseParams, gesture: Gesture) -> Result<Plan> {
    let modifiers = modifiers(&p.modifiers);
    let reports = |tracking: Tracking, encoding: Encoding, tracking_name: &'static str| {
        let bytes = vt::encode_gesture(tracking, encoding, gesture, modifiers)
            .map_err(|e| Error::invalid_input(format!("{}.", capitalised(&e.to_string()))))?;
        Ok(Plan { bytes, tracking: tracking_name, encoding: encoding.name(), sent_as: "reports" })
    };
    if let Some(tracking) = modes.tracking {
        let plan = reports(tracking, modes.encoding, tracking.name())?;
        if !plan.bytes.is_empty() {
            return Ok(plan);
        }
        if p.force {
            return reports(Tracking::AnyEvent, modes.encoding, tracking.name());
        }
        return Err(not_enabled(format!(
            "The program asked for {} mouse tracking, which reports no motion without a button held: \
             `mouse move` has nothing to send. Use --force to send it anyway.",
            tracking.name()
        ))
        .with("tracking", tracking.name()));
    }
    if let (Gesture::Scroll { up, count, .. }, true) = (gesture, p.wheel_as_keys) {
        if modes.alt_screen {
            let bytes = vt::wheel_as_keys(up, count, modes.app_cursor);
            return Ok(Plan { bytes, tracking: "none", encoding: "keys", sent_as: "keys" });
        }
        return Err(not_enabled(
            "The program has not enabled mouse reporting and does not show the alternate screen, so \
             --wheel-as-keys does not apply (a terminal scrolls its own scrollback there). Use \
             send-keys or --force.",
        ));
    }
    if p.force {
        return reports(Tracking::AnyEvent, Encoding::Sgr, "none");
    }
    let hint = if matches!(gesture, Gesture::Scroll { .. }) && modes.alt_screen {
        " It shows the alternate screen: --wheel-as-keys sends arrow keys instead, as many terminals do."
    } else {
        ""
    };
    Err(not_enabled(format!(
        "The program has not enabled mouse reporting (DEC modes 9, 1000, 1002, 1003 are all off), so a \
         terminal would send it nothing. Use --force to send SGR mouse reports anyway.{hint}"
    )))
}

fn not_enabled(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::MouseNotEnabled, message)
}

fn modifiers(list: &[MouseModifier]) -> Modifiers {
    let has = |m| list.contains(&m);
    Modifiers {
        shift: has(MouseModifier::Shift),
        alt: has(MouseModifier::Alt),
        ctrl: has(MouseModifier::Ctrl),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The centre of the screen (where `scroll` acts without a target).
fn centre(screen: &Screen) -> Point {
    let (cols, rows) = screen.size();
    Point { row: rows / 2, col: cols / 2 }
}

/// The cell a target names on the live screen: a cell inside it, or the centre of a
/// visible text's match. `flag` prefixes the flags named in messages (`to-` for a drag's
/// end).
fn resolve(screen: &Screen, target: &MouseTarget, flag: &str) -> Result<Point> {
    let (cols, rows) = screen.size();
    match target {
        MouseTarget::Cell { row, col } => {
            if *row >= rows || *col >= cols {
                return Err(Error::invalid_input(format!(
                    "--{flag}row {row} --{flag}col {col} is outside the {cols}x{rows} screen: rows go from 0 \
                     to {}, columns from 0 to {} (0-based, like the cursor in snapshots).",
                    rows - 1,
                    cols - 1
                ))
                .with("row", *row)
                .with("col", *col)
                .with("cols", cols)
                .with("rows", rows));
            }
            Ok(Point { row: *row, col: *col })
        }
        MouseTarget::Text { text, nth } => {
            let spans = screen.find_visible_text(text);
            let found = usize::try_from(*nth).ok().and_then(|n| spans.get(n.saturating_sub(1)));
            let Some(span) = found else {
                return Err(text_missed(screen, text, *nth, spans.len(), flag));
            };
            Ok(Point { row: span.row, col: span.first_col + (span.last_col - span.first_col) / 2 })
        }
    }
}

/// `--on-text` found fewer than `nth` matches: `INVALID_INPUT` with the screen's last
/// lines.
fn text_missed(screen: &Screen, text: &str, nth: u32, matches: usize, flag: &str) -> Error {
    let lines = screen.visible_lines();
    let (last_lines, lines_omitted) = crate::wait_evidence::last_lines(&lines);
    let quoted = serde_json::to_string(text).unwrap_or_default();
    let message = if matches == 0 {
        format!("--{flag}text {quoted} is not on the screen.")
    } else {
        format!("--{flag}text {quoted} shows {matches} time(s) on the screen, so there is no match {nth}.")
    };
    // One line, as every error on stderr: the last few non-blank lines, quoted.
    let shown: Vec<&String> = last_lines.iter().filter(|line| !line.trim().is_empty()).collect();
    let tail: Vec<String> = shown[shown.len().saturating_sub(3)..]
        .iter()
        .map(|line| serde_json::to_string(line).unwrap_or_default())
        .collect();
    let human = format!("{message} The screen ends with: {}.", tail.join(", "));
    let (cols, rows) = screen.size();
    Error::invalid_input(message)
        .with(if flag.is_empty() { "onText" } else { "toText" }, text)
        .with("nth", nth)
        .with("matches", matches)
        .with("cols", cols)
        .with("rows", rows)
        .with("lastLines", last_lines)
        .with("linesOmitted", lines_omitted)
        .with_human(human)
}

/// The bytes as the `input_text` event's `data`: as they are when they are UTF-8; the
/// default encoding's bytes beyond 127 (positions past column or row 95) are not, and
/// are logged one character per byte (U+0080 to U+00FF), so the log stays a valid 0.5
/// log and each byte is still visible.
fn logged_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(json: &str) -> MouseParams {
        serde_json::from_str(json).unwrap()
    }

    fn screen(output: &str) -> Screen {
        let mut screen = Screen::new(80, 24);
        screen.feed(output.as_bytes(), 0);
        screen
    }

    fn planned(output: &str, json: &str) -> Result<Plan> {
        let screen = screen(output);
        let p = params(json);
        let at = resolve(&screen, &p.target()?.unwrap_or(MouseTarget::Cell { row: 12, col: 40 }), "")?;
        let to = p.to_target()?.map(|t| resolve(&screen, &t, "to-")).transpose()?;
        plan(screen.mouse_modes(), &p, gesture(&p, at, to))
    }

    #[test]
    fn the_bytes_follow_the_live_modes() {
        let click = r#"{"action":"click","row":2,"col":3}"#;
        let plan = planned("\x1b[?1000h\x1b[?1006h", click).unwrap();
        assert_eq!(
            (plan.bytes.as_slice(), plan.tracking, plan.encoding),
            (&b"\x1b[<0;4;3M\x1b[<0;4;3m"[..], "normal", "sgr")
        );
        let err = planned("", click).err().unwrap();
        assert_eq!(err.code, ErrorCode::MouseNotEnabled);
        let forced = planned("", r#"{"action":"click","row":2,"col":3,"force":true}"#).unwrap();
        assert_eq!((forced.bytes.as_slice(), forced.tracking), (&b"\x1b[<0;4;3M\x1b[<0;4;3m"[..], "none"));
    }

    #[test]
    fn the_wheel_as_keys_only_in_the_alternate_screen() {
        let scroll = r#"{"action":"scroll","down":2,"wheelAsKeys":true}"#;
        let plan = planned("\x1b[?1049h", scroll).unwrap();
        assert_eq!((plan.bytes.as_slice(), plan.sent_as), (&b"\x1b[B\x1b[B"[..], "keys"));
        assert_eq!(planned("", scroll).err().unwrap().code, ErrorCode::MouseNotEnabled);
        let err = planned("\x1b[?1049h", r#"{"action":"scroll","down":2}"#).err().unwrap();
        assert!(err.message.contains("--wheel-as-keys"), "{}", err.message);
        // Mouse reporting wins over the keys.
        let plan = planned("\x1b[?1049h\x1b[?1000h", scroll).unwrap();
        assert_eq!(plan.sent_as, "reports");
    }

    #[test]
    fn a_move_without_motion_reports_is_refused() {
        let err = planned("\x1b[?1002h", r#"{"action":"move","row":0,"col":0}"#).err().unwrap();
        assert_eq!(err.code, ErrorCode::MouseNotEnabled);
        assert!(err.message.contains("button-event"), "{}", err.message);
        let plan =
            planned("\x1b[?1002h\x1b[?1006h", r#"{"action":"move","row":0,"col":0,"force":true}"#).unwrap();
        assert_eq!(plan.bytes, b"\x1b[<35;1;1M");
    }

    #[test]
    fn targets_on_the_screen() {
        let on = screen("\x1b[?1000h  [ OK ]\r\nOK here");
        let at = |json: &str| {
            let p = params(json);
            resolve(&on, &p.target().unwrap().unwrap(), "")
        };
        assert_eq!(at(r#"{"action":"click","onText":"[ OK ]"}"#).unwrap(), Point { row: 0, col: 4 });
        assert_eq!(at(r#"{"action":"click","onText":"OK","nth":2}"#).unwrap(), Point { row: 1, col: 0 });
        let miss = at(r#"{"action":"click","onText":"OK","nth":3}"#).unwrap_err();
        assert_eq!((miss.code, miss.details["matches"].as_u64()), (ErrorCode::InvalidInput, Some(2)));
        assert_eq!(miss.details["lastLines"], serde_json::json!(["  [ OK ]", "OK here"]));
        let outside = at(r#"{"action":"click","row":24,"col":0}"#).unwrap_err();
        assert_eq!((outside.code, outside.details["rows"].as_u64()), (ErrorCode::InvalidInput, Some(24)));
        assert!(outside.message.contains("outside the 80x24 screen"), "{}", outside.message);
    }

    #[test]
    fn far_columns_in_the_default_encoding_are_refused() {
        let mut wide = Screen::new(300, 5);
        wide.feed(b"\x1b[?1000h", 0);
        let p = params(r#"{"action":"click","row":0,"col":250}"#);
        let err = plan(wide.mouse_modes(), &p, gesture(&p, Point { row: 0, col: 250 }, None)).err().unwrap();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        assert!(err.message.starts_with("Row 0 col 250 is beyond"), "{}", err.message);
    }

    #[test]
    fn logged_text_keeps_every_byte() {
        assert_eq!(logged_text(b"\x1b[<0;1;1M"), "\x1b[<0;1;1M");
        assert_eq!(logged_text(b"\x1b[M \xff!"), "\x1b[M \u{ff}!");
    }
}
