//! Query answers: the event sink handed to the terminal emulator, the queue of
//! replies it collects, and their rendering to bytes (including the colour
//! palette used to answer OSC 4/10/11/12 colour queries). The sink also tracks
//! the window title, which the emulator only reports through events.
//!
//! Palette choice: OSC 10 (foreground) and OSC 12 (cursor) answer `#cdd6f4`,
//! OSC 11 (background) answers `#1e1e2e`, and OSC 4 answers from the same palette the
//! snapshot cells use (`PALETTE_16` for 0–15, the xterm cube and grey ramp above). A colour the program has set itself (OSC 4/10/11
//! with a value) takes precedence over these defaults.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use alacritty_terminal::event::{Event, EventListener};
use alacritty_terminal::term::color::{COUNT as COLOR_COUNT, Colors};
use alacritty_terminal::vte::ansi::{NamedColor, Rgb};

/// Cell width in pixels used to answer text-area size queries (`CSI 14 t`).
pub(crate) const CELL_WIDTH_PX: u32 = 8;
/// Cell height in pixels used to answer text-area size queries (`CSI 14 t`).
pub(crate) const CELL_HEIGHT_PX: u32 = 16;

/// Default foreground ([`crate::palette::DEFAULT_FG`]).
const DEFAULT_FG: Rgb = rgb(crate::palette::DEFAULT_FG);
/// Default background ([`crate::palette::DEFAULT_BG`]).
const DEFAULT_BG: Rgb = rgb(crate::palette::DEFAULT_BG);

const fn rgb((r, g, b): (u8, u8, u8)) -> Rgb {
    Rgb { r, g, b }
}

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

/// What the [`Listener`] collected and the screen has not taken yet.
#[derive(Default)]
struct Shared {
    /// Replies in the order the emulator requested them.
    pending: Vec<Pending>,
    /// The latest title change (`Some(None)` = title reset), if any.
    title: Option<Option<String>>,
    /// The emulator may have reset its state (RIS), which clears the title
    /// without reporting it.
    maybe_reset: bool,
}

/// Shared queue between the [`Listener`] (owned by the emulator) and the screen.
#[derive(Clone, Default)]
pub(crate) struct ReplyQueue {
    shared: Arc<Mutex<Shared>>,
}

impl ReplyQueue {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The latest title change since the last call: `Some(None)` when the title
    /// was reset, `None` when it did not change. An empty title counts as reset.
    pub(crate) fn take_title(&self) -> Option<Option<String>> {
        self.lock().title.take()
    }

    /// Whether the emulator may have reset its state since the last call.
    ///
    /// A full reset (RIS) clears the title silently; the screen then asks the
    /// emulator to report its real title again.
    pub(crate) fn take_maybe_reset(&self) -> bool {
        std::mem::take(&mut self.lock().maybe_reset)
    }

    /// Render all queued replies, in order, onto `out`.
    ///
    /// `colors` are the emulator's program-set colours; `cols`/`rows` the size.
    pub(crate) fn drain_into(&self, out: &mut Vec<u8>, colors: &Colors, cols: u16, rows: u16) {
        let mut shared = self.lock();
        if shared.pending.is_empty() {
            return;
        }
        for reply in shared.pending.drain(..) {
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

/// The event sink given to the emulator; keeps only events that need a reply
/// or change the title.
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
            Event::Title(title) => {
                self.queue.lock().title = Some(Some(title).filter(|t| !t.is_empty()));
                return;
            }
            Event::ResetTitle => {
                self.queue.lock().title = Some(None);
                return;
            }
            // Sent by a full reset (among others): the title may have been cleared.
            Event::CursorBlinkingChange => {
                self.queue.lock().maybe_reset = true;
                return;
            }
            _ => return,
        };
        self.queue.lock().pending.push(reply);
    }
}

/// Default colour for palette `index` when the program has not set one.
pub(crate) fn default_color(index: usize) -> Rgb {
    const BG: usize = NamedColor::Background as usize;
    match index {
        0..=255 => rgb(crate::palette::indexed_rgb(index as u8)),
        BG => DEFAULT_BG,
        // Foreground, cursor and anything else.
        _ => DEFAULT_FG,
    }
}
