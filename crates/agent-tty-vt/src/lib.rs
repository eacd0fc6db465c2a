//! Pure terminal semantics for agent-tty: PTY output bytes → [`Screen`]
//! (visible text, cursor, modes, query answers, semantic [`Snapshot`]s and the
//! Screen Hash) and key names → input bytes ([`encode_key`]).
//!
//! This crate does no I/O: no files, sockets, clocks or threads. Time enters
//! only as the `now_ms` argument of [`Screen::feed`].

#![warn(missing_docs)]

pub mod keys;
pub mod screen;
pub mod snapshot;

pub use keys::{KeyError, encode_key, encode_keys};
pub use screen::{LIVE_SCROLLBACK_LINES, MAX_COLS, MAX_ROWS, SCROLLBACK_CELLS, SCROLLBACK_LINES, Screen};
pub use snapshot::{
    Cell, CellRow, Color, PALETTE_16, Snapshot, SnapshotOptions, Style, indexed_rgb, screen_hash,
};
