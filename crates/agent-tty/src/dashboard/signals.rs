//! SIGTERM, SIGHUP and SIGQUIT end the dashboard like `q` does, with the terminal restored:
//! a thread waits for them (see `crate::signals`), restores the terminal and exits (the main
//! thread may be blocked in a read of a hung-up tty). A terminal that went away without a
//! signal ends the loop too.

use std::sync::atomic::{AtomicBool, Ordering};

use signal_hook::consts::{SIGHUP, SIGQUIT, SIGTERM};

static TERMINATED: AtomicBool = AtomicBool::new(false);

/// Whether a termination signal arrived.
pub(crate) fn terminated() -> bool {
    TERMINATED.load(Ordering::SeqCst)
}

/// Whether our terminal is still there: after a hang-up (the tmux pane or ssh connection
/// closed) the tty answers EIO, and reading it would only return end-of-file forever.
pub(crate) fn terminal_alive() -> bool {
    rustix::termios::tcgetattr(std::io::stdin()).is_ok()
}

/// Installs the handlers for the termination signals; the first one to arrive restores the
/// terminal and ends the process.
pub(crate) fn catch_termination() {
    let _ = crate::signals::on_first(&[SIGTERM, SIGHUP, SIGQUIT], |_| {
        TERMINATED.store(true, Ordering::SeqCst);
        // The main thread may be stuck inside the terminal library reading a hung-up tty (it
        // loops on end-of-file), so this thread restores the terminal and ends the process
        // itself.
        super::terminal::restore();
        std::process::exit(0);
    });
}
