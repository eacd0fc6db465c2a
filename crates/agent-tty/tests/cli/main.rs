//! Integration tests of the `agent-tty` binary against real shells on real PTYs.
//!
//! Every test gets its own temporary Home, user `HOME` and `XDG_STATE_HOME`
//! (`support::TestHome`), and force-destroys its sessions when it ends.

mod support;

mod addressing;
mod background;
mod batch;
mod bounds;
mod captures;
mod checkpoints;
mod cli_polish;
mod clip_export;
mod damage;
mod dashboard;
mod doctor_skills;
mod durations;
mod envelopes;
mod environment;
mod errors;
mod events;
mod faults;
mod files;
mod find;
mod golden;
mod history;
mod homes;
mod host;
mod input;
mod lifecycle;
mod lifecycle_faults;
mod mcp;
mod mcp_hosts;
mod mouse;
mod record_export;
mod render_wait;
mod scale;
mod schemas;
mod screenshot;
mod secrets;
mod security;
mod shell_integration;
mod shell_outcomes;
mod snapshot;
mod time_travel;
mod tmux;
mod transport;
mod tui;
mod video_export;
mod view_polish;
mod wait_evidence;
