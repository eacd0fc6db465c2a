//! The scrollback the live Screen does not keep, rebuilt from the Event Log.
//!
//! The host's Screen keeps [`agent_tty_vt::LIVE_SCROLLBACK_LINES`] of scrollback (none),
//! so its memory does not grow with the output (the emulator costs 1.9 kB per 80-column
//! line; the docs of that constant have the figures). The log holds every line,
//! so the two requests that need the history replay it into a screen with the usual
//! [`agent_tty_vt::SCROLLBACK_LINES`], which answers exactly as a live screen with that
//! scrollback would have:
//!
//! - `snapshot` with `includeScrollback` replays on a thread of its own (the host loop
//!   goes on) up to the seq the snapshot is taken at, and the live snapshot gets the
//!   replayed scrollback ([`snapshot_with_history`]); its memory goes with the thread;
//! - a `resize` that can pull lines back from the history (more rows, or more columns
//!   re-joining wrapped lines) replays on the loop, resizes that screen and adopts it
//!   ([`resize`]); resizes are rare and a replay runs at about 100 MB of log a second.

use agent_tty_vt::{Screen, Snapshot, SnapshotOptions};
use serde_json::value::RawValue;
use tokio::sync::oneshot;

use crate::error::Result;
use crate::host::actor::Host;
use crate::manifest::SessionRecord;
use crate::paths::SessionPaths;
use crate::protocol::{Response, SnapshotResult, encode};
use crate::replay;
use crate::snapshot::{Format, result};

/// Whether a snapshot with `options` needs scrollback the live screen no longer holds.
pub(crate) fn needs_history(screen: &Screen, options: SnapshotOptions) -> bool {
    options.scrollback && screen.scrollback_trimmed() && !screen.is_alt_screen()
}

/// Answers a `snapshot` that needs the scrollback from the log, off the host loop:
/// the live snapshot (taken now) with the scrollback of a replay up to the same seq.
/// Returns the answer itself only when no thread can be started (it replays here then).
pub(crate) fn snapshot_with_history(
    host: &mut Host,
    options: SnapshotOptions,
    format: Format,
    id: String,
    reply: Reply,
) -> Result<Option<(Reply, Result<Box<RawValue>>)>> {
    host.flush_log()?;
    let job = Job {
        live: host.screen.snapshot(SnapshotOptions { scrollback: false, ..options }),
        paths: host.paths.clone(),
        record: host.record.clone(),
        seq: host.latest_seq(),
        format,
    };
    let (tx, rx) = std::sync::mpsc::channel::<(Job, Reply)>();
    let spawned = std::thread::Builder::new().name("agent-tty-history".into()).spawn(move || {
        if let Ok((job, reply)) = rx.recv() {
            let response = Response::answer(&id, job.answer());
            let _ = reply.send(response);
            release_freed_memory();
        }
    });
    match spawned {
        Ok(_) => match tx.send((job, reply)) {
            Ok(()) => Ok(None),
            Err(std::sync::mpsc::SendError((job, reply))) => {
                Ok(Some((reply, job.answer().and_then(|r| encode(&r)))))
            }
        },
        Err(_) => Ok(Some((reply, job.answer().and_then(|r| encode(&r))))),
    }
}

type Reply = oneshot::Sender<Response>;

/// What a history snapshot needs, moved to its thread.
struct Job {
    live: Snapshot,
    paths: SessionPaths,
    record: SessionRecord,
    seq: u64,
    format: Format,
}

impl Job {
    fn answer(self) -> Result<SnapshotResult> {
        let replayed = replay::replay(&self.paths, &self.record, Some(self.seq))?;
        let mut snapshot = self.live;
        let full = SnapshotOptions { scrollback: true, cells: false };
        snapshot.scrollback_lines = replayed.screen.snapshot(full).scrollback_lines;
        Ok(result(&self.record.session_id, self.seq, &snapshot, self.format))
    }
}

/// Resizes the live screen to `cols` × `rows` (the `resize` event already in the log),
/// rebuilding it from the log first when the resize can bring back lines it no longer
/// keeps. A replay that fails leaves a plain resize.
pub(crate) fn resize(host: &mut Host, cols: u16, rows: u16) {
    let (old_cols, old_rows) = host.screen.size();
    let pulls_back = rows > old_rows || cols > old_cols;
    // On the alternate screen too: the primary screen behind it is resized as well.
    let rebuild = pulls_back && host.screen.scrollback_trimmed();
    if let Some(Ok(replayed)) =
        rebuild.then(|| replay::replay(&host.paths, &host.record, Some(host.latest_seq())))
    {
        host.screen.adopt(replayed.screen);
        release_freed_memory();
    }
    // After an adoption the size is already right, and this does nothing.
    host.screen.resize(cols, rows);
}

/// Hands the memory a replay freed back to the system. glibc keeps freed heap for reuse
/// (a thread's own arena above all), so without this a host stays about 20 MB bigger
/// after one history snapshot of an 80-column session (measured: 13 MB → 34 MB RSS).
#[allow(unsafe_code)]
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` takes no pointers and only returns free pages of the
    // allocator's arenas to the kernel; it is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}
