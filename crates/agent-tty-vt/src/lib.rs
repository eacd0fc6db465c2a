//! Pure terminal semantics for agent-tty: PTY output bytes → [`Screen`]
//! (visible text, cursor, modes, query answers, semantic [`Snapshot`]s and the
//! Screen Hash) and key names → input bytes ([`encode_key`]).
//!
//! This crate does no I/O: no files, sockets, clocks or threads. Time enters
//! only as the `now_ms` argument of [`Screen::feed`].

#![warn(missing_docs)]

pub mod keys;
pub mod mouse;
pub mod palette;
pub mod redraw;
pub mod screen;
pub mod snapshot;

pub use keys::{KeyError, encode_key, encode_keys};
pub use palette::{DEFAULT_BG, DEFAULT_FG, PALETTE_16, indexed_rgb};
pub use screen::{
    CheckpointError, LIVE_SCROLLBACK_LINES, MAX_COLS, MAX_ROWS, SCROLLBACK_CELLS, SCROLLBACK_LINES, Screen,
    TextSpan,
};
pub use snapshot::{Cell, CellRow, Color, Snapshot, SnapshotOptions, Style, screen_hash};

/// The renderer backend named in snapshot results, their artifact metadata and `inspect`:
/// this crate, which builds every snapshot (`agent-tty-render` names its own).
pub const RENDERER_BACKEND: &str = "agent-tty-vt";
