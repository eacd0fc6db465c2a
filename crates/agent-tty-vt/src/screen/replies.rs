//! Query answers: the event sink handed to the terminal emulator, the queue of
//! replies it collects, and their rendering to bytes (including the colour
//! palette used to answer OSC 4/10/11/12 colour queries).
//!
//! Palette choice: OSC 10 (foreground) and OSC 12 (cursor) answer `#cdd6f4`,
//! OSC 11 (background) answers `#1e1e2e`, and OSC 4 answers from the standard
//! xterm 256-colour palette. A colour the program has set itself (OSC 4/10/11
//! with a value) takes precedence over these defaults.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use alacritty_terminal::event::{Event, EventListener};
use alacritty_terminal::term::color::{COUNT as COLOR_COUNT, Colors};
use alacritty_terminal::vte::ansi::{NamedColor, Rgb};

/// Cell width in pixels used to answer text-area size queries (`CSI 14 t`).
pub(crate) const CELL_WIDTH_PX: u32 = 8;
/// Cell height in pixels used to answer text-area size queries (`CSI 14 t`).
pub(crate) const CELL_HEIGHT_PX: u32 = 16;

/// Default foreground (`#cdd6f4`).
const DEFAULT_FG: Rgb = Rgb { r: 0xcd, g: 0xd6, b: 0xf4 };
/// Default background (`#1e1e2e`).
const DEFAULT_BG: Rgb = Rgb { r: 0x1e, g: 0x1e, b: 0x2e };

/// The 16 ANSI colours of the stock xterm palette.
const XTERM_ANSI: [(u8, u8, u8); 16] = [
    (0x00, 0x00, 0x00),
    (0xcd, 0x00, 0x00),
    (0x00, 0xcd, 0x00),
    (0xcd, 0xcd, 0x00),
    (0x00, 0x00, 0xee),
    (0xcd, 0x00, 0xcd),
    (0x00, 0xcd, 0xcd),
    (0xe5, 0xe5, 0xe5),
    (0x7f, 0x7f, 0x7f),
    (0xff, 0x00, 0x00),
    (0x00, 0xff, 0x00),
    (0xff, 0xff, 0x00),
    (0x5c, 0x5c, 0xff),
    (0xff, 0x00, 0xff),
    (0x00, 0xff, 0xff),
    (0xff, 0xff, 0xff),
];

/// Formats a colour answer (built by the emulator, knows prefix and terminator).
type ColorFormatter = Arc<dyn Fn(Rgb) -> String + Sync + Send + 'static>;

/// A reply requested by the emulator, not yet rendered to bytes.
enum Pending {
    /// Literal text to write back (DSR, CPR, DA, DECRQM, …).
    Text(String),
    /// Colour query for palette `index`.
    Color(usize, ColorFormatter),
    /// Text-area size in pixels (`CSI 14 t`).
    TextAreaPixels,
}

/// Shared queue between the [`Listener`] (owned by the emulator) and the screen.
#[derive(Clone, Default)]
pub(crate) struct ReplyQueue {
    pending: Arc<Mutex<Vec<Pending>>>,
}

impl ReplyQueue {
    fn lock(&self) -> MutexGuard<'_, Vec<Pending>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Render all queued replies, in order, onto `out`.
    ///
    /// `colors` are the emulator's program-set colours; `cols`/`rows` the size.
    pub(crate) fn drain_into(&self, out: &mut Vec<u8>, colors: &Colors, cols: u16, rows: u16) {
        let mut pending = self.lock();
        if pending.is_empty() {
            return;
        }
        for reply in pending.drain(..) {
            match reply {
                Pending::Text(text) => out.extend_from_slice(text.as_bytes()),
                Pending::Color(index, format) => {
                    let set = if index < COLOR_COUNT { colors[index] } else { None };
                    let rgb = set.unwrap_or_else(|| default_color(index));
                    out.extend_from_slice(format(rgb).as_bytes());
                }
                Pending::TextAreaPixels => {
                    // Rendered here (not via alacritty's formatter) so that the
                    // u16 pixel product cannot overflow for huge terminals.
                    let height = u32::from(rows) * CELL_HEIGHT_PX;
                    let width = u32::from(cols) * CELL_WIDTH_PX;
                    out.extend_from_slice(format!("\x1b[4;{height};{width}t").as_bytes());
                }
            }
        }
    }
}

/// The event sink given to the emulator; keeps only events that need a reply.
pub(crate) struct Listener {
    queue: ReplyQueue,
}

impl Listener {
    /// A listener pushing onto `queue`.
    pub(crate) fn new(queue: ReplyQueue) -> Self {
        Self { queue }
    }
}

impl EventListener for Listener {
    fn send_event(&self, event: Event) {
        let reply = match event {
            Event::PtyWrite(text) => Pending::Text(text),
            Event::ColorRequest(index, format) => Pending::Color(index, format),
            Event::TextAreaSizeRequest(_) => Pending::TextAreaPixels,
            _ => return,
        };
        self.queue.lock().push(reply);
    }
}

/// Default colour for palette `index` when the program has not set one.
pub(crate) fn default_color(index: usize) -> Rgb {
    const BG: usize = NamedColor::Background as usize;
    match index {
        0..=15 => {
            let (r, g, b) = XTERM_ANSI[index];
            Rgb { r, g, b }
        }
        16..=231 => {
            let i = index - 16;
            let level = |v: usize| if v == 0 { 0 } else { (55 + 40 * v) as u8 };
            Rgb { r: level(i / 36), g: level((i / 6) % 6), b: level(i % 6) }
        }
        232..=255 => {
            let v = (8 + 10 * (index - 232)) as u8;
            Rgb { r: v, g: v, b: v }
        }
        BG => DEFAULT_BG,
        // Foreground, cursor and anything else.
        _ => DEFAULT_FG,
    }
}
