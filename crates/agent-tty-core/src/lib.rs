//! agent-tty's core: Homes, Sessions, the Event Log, the host process and its socket
//! protocol, and the client the CLI uses to reach it. All OS and file-system code lives
//! here; the crate never prints and never names the CLI's argument parser.
//!
//! Module guide:
//! - [`home`], [`paths`], [`registry`]: where things live; [`socket_dir`]: the checked
//!   socket directory and the peer checks of the socket.
//! - [`manifest`], [`event_log`]: the on-disk formats (`session.json`, `events.jsonl`).
//! - [`protocol`], [`client`]: the socket wire and the blocking client.
//! - [`host`]: the per-session host (PTY, log writer, live screen, waits).
//! - [`create`], [`session`], [`reconcile`]: what commands do with sessions; [`address`]:
//!   which session an id, name or id prefix given by the user means.

pub mod address;
pub mod artifacts;
pub mod asciicast;
pub mod checkpoint;
pub mod client;
pub mod command_log;
pub mod create;
pub mod duration;
pub mod env;
pub mod error;
pub mod event_feed;
pub mod event_log;
pub mod event_stream;
pub mod find;
pub mod follow;
pub mod fsio;
pub mod gc;
pub mod hash_lookup;
pub mod home;
pub mod home_scan;
pub mod host;
pub mod json_escape;
pub mod live_view;
pub mod log_point;
pub mod manifest;
pub mod output_since;
pub mod paths;
pub mod plain_text;
pub mod process;
pub mod protocol;
pub mod pty;
pub mod reconcile;
pub mod redact;
pub mod redaction;
pub mod registry;
pub mod replay;
pub mod reserve;
pub mod run_filter;
pub mod screen_diff;
pub mod session;
pub mod shell_integration;
pub mod shell_marks;
pub mod snapshot;
pub mod socket_connect;
pub mod socket_dir;
pub mod temp_file;
pub mod time;
pub mod utf8_stream;
pub mod wait_condition;
pub mod wait_evidence;

pub use error::{Error, ErrorCode, Result};
