//! Mouse input → the exact bytes a terminal sends for it, given the reporting mode and
//! encoding the program asked for ([`MouseModes`], read from the live [`crate::Screen`]).
//!
//! Tracking modes (xterm's DEC private modes; the last one set wins):
//! - X10 (`?9`): button presses only (no release, no motion, no modifiers);
//! - normal (`?1000`): presses and releases; wheel notches are presses;
//! - button-event (`?1002`): also motion while a button is held;
//! - any-event (`?1003`): also motion with no button held.
//!
//! Encodings (`Cb` is the button code: 0 left, 1 middle, 2 right, 3 release, 64/65 wheel
//! up/down, +4 shift, +8 alt, +16 ctrl, +32 motion; `Cx`/`Cy` are 1-based):
//! - default: `ESC [ M` then `Cb`, `Cx`, `Cy`, each plus 32 as one byte. A byte ends at
//!   255, so `Cx`/`Cy` at most 223; beyond it a terminal has nothing to send. We refuse
//!   such a position ([`MouseError::BeyondEncoding`]) rather than clamping it (a clamped
//!   click lands on another cell, silently);
//! - UTF-8 (`?1005`): the same values plus 32 as UTF-8 characters (up to 2015);
//! - SGR (`?1006`): `ESC [ < Cb ; Cx ; Cy M` (press, motion) or `m` (release, which keeps
//!   its button), decimal, no limit;
//! - urxvt (`?1015`): `ESC [ Cb+32 ; Cx ; Cy M`, decimal, no limit.
//!
//! A gesture ([`Gesture`]) is the sequence a real terminal sends: a click is a press and
//! a release, a double click two of them, a drag a press, motion reports (only when the
//! mode asks for them) and a release, a wheel notch a press. Nothing here knows the
//! screen's size: positions are checked by the caller.

use std::fmt;

/// Which mouse events the program asked to receive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tracking {
    /// `?9`: presses only.
    X10,
    /// `?1000`: presses and releases.
    Normal,
    /// `?1002`: presses, releases and motion with a button held.
    ButtonEvent,
    /// `?1003`: presses, releases and all motion.
    AnyEvent,
}

impl Tracking {
    /// The name used in results and messages (`x10`, `normal`, `button-event`, `any-event`).
    pub fn name(self) -> &'static str {
        match self {
            Tracking::X10 => "x10",
            Tracking::Normal => "normal",
            Tracking::ButtonEvent => "button-event",
            Tracking::AnyEvent => "any-event",
        }
    }
}

/// How mouse reports are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// Single bytes (positions up to 223).
    #[default]
    Default,
    /// `?1005`: UTF-8 characters (positions up to 2015).
    Utf8,
    /// `?1006`: SGR, decimal.
    Sgr,
    /// `?1015`: urxvt, decimal.
    Urxvt,
}

impl Encoding {
    /// The name used in results and messages (`default`, `utf8`, `sgr`, `urxvt`).
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Default => "default",
            Encoding::Utf8 => "utf8",
            Encoding::Sgr => "sgr",
            Encoding::Urxvt => "urxvt",
        }
    }

    /// The largest 1-based coordinate this encoding can carry.
    pub fn max_coordinate(self) -> Option<u32> {
        match self {
            Encoding::Default => Some(223),
            Encoding::Utf8 => Some(2015),
            Encoding::Sgr | Encoding::Urxvt => None,
        }
    }
}

/// The mouse-related modes of a screen (see [`crate::Screen::mouse_modes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MouseModes {
    /// The events the program asked for; `None`: mouse reporting is off.
    pub tracking: Option<Tracking>,
    /// How reports are encoded.
    pub encoding: Encoding,
    /// The alternate screen is shown.
    pub alt_screen: bool,
    /// Alternate scroll (`?1007`): the wheel becomes arrow keys in the alternate screen.
    pub alternate_scroll: bool,
    /// Application cursor keys (DECCKM): arrows are `ESC O A` rather than `ESC [ A`.
    pub app_cursor: bool,
}

/// A mouse button, the wheel counting as two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    /// Button 1.
    Left,
    /// Button 2.
    Middle,
    /// Button 3.
    Right,
    /// A wheel notch away from the user (scrolls up).
    WheelUp,
    /// A wheel notch towards the user (scrolls down).
    WheelDown,
}

impl Button {
    fn code(self) -> u32 {
        match self {
            Button::Left => 0,
            Button::Middle => 1,
            Button::Right => 2,
            Button::WheelUp => 64,
            Button::WheelDown => 65,
        }
    }

    fn is_wheel(self) -> bool {
        matches!(self, Button::WheelUp | Button::WheelDown)
    }
}

/// Keyboard modifiers held during a mouse event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Modifiers {
    /// Shift (+4).
    pub shift: bool,
    /// Alt / meta (+8).
    pub alt: bool,
    /// Control (+16).
    pub ctrl: bool,
}

impl Modifiers {
    fn code(self) -> u32 {
        u32::from(self.shift) * 4 + u32::from(self.alt) * 8 + u32::from(self.ctrl) * 16
    }
}

/// A cell, 0-based (row 0 is the top row, column 0 the leftmost), as the cursor in
/// snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// Row, from 0.
    pub row: u16,
    /// Column, from 0.
    pub col: u16,
}

/// One report a terminal may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MouseEvent {
    /// A button went down (or a wheel notch).
    Press(Button, Point),
    /// A button went up.
    Release(Button, Point),
    /// The pointer moved, with a button held or not.
    Motion(Option<Button>, Point),
}

/// What the user did with the mouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gesture {
    /// `count` clicks (1 or 2) of `button` at a point.
    Click {
        /// Left, middle or right.
        button: Button,
        /// Where.
        at: Point,
        /// 1 for a click, 2 for a double click.
        count: u8,
    },
    /// The pointer moves to a point, no button held.
    Move {
        /// Where to.
        to: Point,
    },
    /// `button` held from one point to another.
    Drag {
        /// The button held.
        button: Button,
        /// Where it goes down.
        from: Point,
        /// Where it comes up.
        to: Point,
    },
    /// `count` wheel notches at a point.
    Scroll {
        /// Where the pointer is.
        at: Point,
        /// Up (away from the user) or down.
        up: bool,
        /// How many notches.
        count: u32,
    },
}

/// The most motion reports a drag sends between its ends (one per cell crossed, as a
/// terminal does, up to this many).
pub const MAX_DRAG_STEPS: u32 = 64;

impl Gesture {
    /// The events a terminal reports for this gesture in every mode (before the mode
    /// filters them): see the module docs.
    pub fn events(self) -> Vec<MouseEvent> {
        match self {
            Gesture::Click { button, at, count } => (0..count.max(1))
                .flat_map(|_| [MouseEvent::Press(button, at), MouseEvent::Release(button, at)])
                .collect(),
            Gesture::Move { to } => vec![MouseEvent::Motion(None, to)],
            Gesture::Drag { button, from, to } => {
                let mut events = vec![MouseEvent::Press(button, from)];
                events
                    .extend(path(from, to).into_iter().map(|point| MouseEvent::Motion(Some(button), point)));
                events.push(MouseEvent::Release(button, to));
                events
            }
            Gesture::Scroll { at, up, count } => {
                let button = if up { Button::WheelUp } else { Button::WheelDown };
                (0..count).map(|_| MouseEvent::Press(button, at)).collect()
            }
        }
    }
}

/// The cells a straight drag from `from` to `to` crosses, without `from`, ending at `to`
/// (at most [`MAX_DRAG_STEPS`], evenly spaced).
fn path(from: Point, to: Point) -> Vec<Point> {
    let (dr, dc) = (i64::from(to.row) - i64::from(from.row), i64::from(to.col) - i64::from(from.col));
    let steps = dr.abs().max(dc.abs()).min(i64::from(MAX_DRAG_STEPS));
    let at = |step: i64, start: u16, delta: i64| {
        let offset = (delta * step + steps / 2 * delta.signum()) / steps;
        u16::try_from(i64::from(start) + offset).unwrap_or(start)
    };
    (1..=steps).map(|step| Point { row: at(step, from.row, dr), col: at(step, from.col, dc) }).collect()
}

/// Why a gesture cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MouseError {
    /// A position lies beyond what the encoding can carry.
    BeyondEncoding {
        /// The encoding.
        encoding: Encoding,
        /// Its largest 1-based coordinate.
        limit: u32,
        /// The position asked for.
        at: Point,
    },
}

impl fmt::Display for MouseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MouseError::BeyondEncoding { encoding, limit, at } => write!(
                f,
                "row {} col {} is beyond what the program's mouse encoding ({}) can carry: it reports \
                 rows and columns up to {} (0-based {})",
                at.row,
                at.col,
                encoding.name(),
                limit,
                limit - 1
            ),
        }
    }
}

impl std::error::Error for MouseError {}

/// Whether `tracking` reports `event`.
pub fn reports(tracking: Tracking, event: MouseEvent) -> bool {
    match (tracking, event) {
        (_, MouseEvent::Press(..)) => true,
        (Tracking::X10, _) => false,
        (_, MouseEvent::Release(button, _)) => !button.is_wheel(),
        (Tracking::Normal, MouseEvent::Motion(..)) => false,
        (Tracking::ButtonEvent, MouseEvent::Motion(button, _)) => button.is_some(),
        (Tracking::AnyEvent, MouseEvent::Motion(..)) => true,
    }
}

/// The bytes of `gesture` for a program in `tracking` mode with `encoding`: every event
/// the mode reports, in order (empty when it reports none, as `move` in normal mode).
pub fn encode_gesture(
    tracking: Tracking,
    encoding: Encoding,
    gesture: Gesture,
    modifiers: Modifiers,
) -> Result<Vec<u8>, MouseError> {
    let mut bytes = Vec::new();
    for event in gesture.events().into_iter().filter(|&event| reports(tracking, event)) {
        // X10 reports carry no modifiers.
        let modifiers = if tracking == Tracking::X10 { Modifiers::default() } else { modifiers };
        bytes.extend(encode_event(encoding, event, modifiers)?);
    }
    Ok(bytes)
}

/// The bytes of one report.
pub fn encode_event(
    encoding: Encoding,
    event: MouseEvent,
    modifiers: Modifiers,
) -> Result<Vec<u8>, MouseError> {
    let (code, at, release) = match event {
        MouseEvent::Press(button, at) => (button.code(), at, false),
        // Only SGR says which button came up.
        MouseEvent::Release(button, at) => {
            (if encoding == Encoding::Sgr { button.code() } else { 3 }, at, true)
        }
        MouseEvent::Motion(button, at) => (32 + button.map_or(3, Button::code), at, false),
    };
    let code = code + modifiers.code();
    let (x, y) = (u32::from(at.col) + 1, u32::from(at.row) + 1);
    if let Some(limit) = encoding.max_coordinate().filter(|&limit| x > limit || y > limit) {
        return Err(MouseError::BeyondEncoding { encoding, limit, at });
    }
    Ok(match encoding {
        Encoding::Default => {
            let byte = |value: u32| u8::try_from(value + 32).unwrap_or(u8::MAX);
            vec![0x1b, b'[', b'M', byte(code), byte(x), byte(y)]
        }
        Encoding::Utf8 => {
            let mut out = b"\x1b[M".to_vec();
            for value in [code, x, y] {
                let c = char::from_u32(value + 32).unwrap_or(char::REPLACEMENT_CHARACTER);
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            }
            out
        }
        Encoding::Sgr => format!("\x1b[<{code};{x};{y}{}", if release { 'm' } else { 'M' }).into_bytes(),
        Encoding::Urxvt => format!("\x1b[{};{x};{y}M", code + 32).into_bytes(),
    })
}

/// The arrow keys a terminal sends for `count` wheel notches when the program reads no
/// mouse reports but shows the alternate screen (alternate scroll): one arrow per notch.
pub fn wheel_as_keys(up: bool, count: u32, app_cursor: bool) -> Vec<u8> {
    let key: &[u8] = match (up, app_cursor) {
        (true, false) => b"\x1b[A",
        (false, false) => b"\x1b[B",
        (true, true) => b"\x1bOA",
        (false, true) => b"\x1bOB",
    };
    key.repeat(usize::try_from(count).unwrap_or(0))
}

#[cfg(test)]
mod tests;
