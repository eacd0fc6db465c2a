//! The PTY's output, read on a thread of its own.
//!
//! A PTY holds only a few KiB between the program and us: while the host's loop logs and
//! feeds one batch, a program that floods the terminal blocks as soon as that little
//! buffer is full, so reading on the loop makes the two take turns instead of running
//! side by side (measured: 25 MB/s against 74 MB/s for a bare reader of the same `cat`).
//! This thread only reads: it drains the PTY into batches of up to 64 KiB and hands them,
//! in order, to the loop through a bounded channel (1 MiB), so a loop that falls behind
//! still stops the program rather than growing without bound.
//!
//! The loop stays the only consumer and sees the output in the order the program wrote
//! it. [`OutputReader::sync`] lets it catch up with everything the PTY holds at a given
//! moment (the child exited: its last output must be logged before its exit).

use std::fs::File;
use std::io::Read;
use std::os::fd::OwnedFd;

use rustix::event::{PollFd, PollFlags, poll};
use tokio::sync::mpsc;

/// The most one batch holds.
const BATCH_BYTES: usize = 64 * 1024;
/// Batches in flight between the thread and the loop (16 × 64 KiB = 1 MiB).
const BATCHES_IN_FLIGHT: usize = 16;
/// The most batches a sync reads: a leftover process that keeps writing must not delay
/// the exit forever (as many as the loop's old drain took).
const SYNC_BATCHES: usize = 64;
/// The reader's stack: it holds no buffers of its own (batches are on the heap).
const STACK_BYTES: usize = 64 * 1024;

/// What the reader thread hands the loop.
#[derive(Debug)]
pub enum Output {
    /// Output, in order.
    Bytes(Vec<u8>),
    /// Everything the PTY held when [`OutputReader::sync`] asked has been handed over.
    Synced,
}

/// The loop's end of the reader thread. Dropping it stops the thread.
#[derive(Debug)]
pub struct OutputReader {
    batches: mpsc::Receiver<Output>,
    /// Written to ask for a sync; closing it tells the thread to stop.
    wake: Option<File>,
}

impl OutputReader {
    /// Starts the thread on `master` (a second handle on the PTY's master side).
    pub(super) fn start(master: File) -> std::io::Result<OutputReader> {
        let (wake_rx, wake_tx) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
        let (tx, batches) = mpsc::channel(BATCHES_IN_FLIGHT);
        std::thread::Builder::new()
            .name("agent-tty-pty".into())
            .stack_size(STACK_BYTES)
            .spawn(move || read_loop(&master, &wake_rx, &tx))?;
        Ok(OutputReader { batches, wake: Some(File::from(wake_tx)) })
    }

    /// The next batch; `None` once the PTY is closed (and everything read before that
    /// was handed over). Cancel safe.
    pub async fn recv(&mut self) -> Option<Output> {
        self.batches.recv().await
    }

    /// Asks the thread to hand over everything the PTY holds now; an [`Output::Synced`]
    /// follows it. False when the thread has already stopped (the PTY is closed: all it
    /// read is in the channel, and [`recv`](Self::recv) ends with `None`).
    pub fn sync(&mut self) -> bool {
        use std::io::Write;
        self.wake.as_mut().is_some_and(|wake| wake.write_all(&[1]).is_ok())
    }
}

impl Drop for OutputReader {
    fn drop(&mut self) {
        // Closing the pipe wakes the thread, which then stops.
        self.wake = None;
    }
}

/// How one round of reading ended.
enum Drained {
    /// The PTY has nothing more for now.
    Empty,
    /// The PTY is closed (or failed), or the loop is gone: stop.
    Stop,
}

fn read_loop(master: &File, wake: &OwnedFd, tx: &mpsc::Sender<Output>) {
    loop {
        let mut fds = [PollFd::new(master, PollFlags::IN), PollFd::new(wake, PollFlags::IN)];
        match poll(&mut fds, None) {
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => continue,
            Err(_) => return,
        }
        let (pty_ready, woken) = (!fds[0].revents().is_empty(), !fds[1].revents().is_empty());
        if pty_ready && matches!(drain(master, tx, 1), Drained::Stop) {
            return;
        }
        if woken {
            let mut byte = [0u8; 64];
            // 0 (or an error): the loop's end was dropped.
            if !matches!(rustix::io::read(wake, &mut byte), Ok(n) if n > 0) {
                return;
            }
            let stop = matches!(drain(master, tx, SYNC_BATCHES), Drained::Stop);
            if tx.blocking_send(Output::Synced).is_err() || stop {
                return;
            }
        }
    }
}

/// Reads up to `batches` batches of what the PTY holds now and sends them.
fn drain(mut master: &File, tx: &mpsc::Sender<Output>, batches: usize) -> Drained {
    for _ in 0..batches {
        let mut batch = vec![0u8; BATCH_BYTES];
        let mut filled = 0;
        let mut closed = false;
        while filled < batch.len() {
            match master.read(&mut batch[filled..]) {
                Ok(0) => {
                    closed = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                // EIO: the last holder of the terminal closed it.
                Err(_) => {
                    closed = true;
                    break;
                }
            }
        }
        if filled > 0 {
            batch.truncate(filled);
            if tx.blocking_send(Output::Bytes(batch)).is_err() {
                return Drained::Stop;
            }
        }
        if closed {
            return Drained::Stop;
        }
        if filled < BATCH_BYTES {
            return Drained::Empty;
        }
    }
    Drained::Empty
}
