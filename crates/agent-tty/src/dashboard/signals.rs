//! SIGTERM, SIGHUP and SIGQUIT end the dashboard like `q` does, with the terminal restored:
//! the signals are blocked in every thread and one thread waits for them, restores the
//! terminal and exits (the main thread may be blocked in a read of a hung-up tty). A
//! terminal that went away without a signal ends the loop too.

#![allow(unsafe_code)]

use std::sync::atomic::{AtomicBool, Ordering};

static TERMINATED: AtomicBool = AtomicBool::new(false);

/// Whether a termination signal arrived.
pub(crate) fn terminated() -> bool {
    TERMINATED.load(Ordering::SeqCst)
}

/// Whether our terminal is still there: after a hang-up (the tmux pane or ssh connection
/// closed) the tty answers EIO, and reading it would only return end-of-file forever.
pub(crate) fn terminal_alive() -> bool {
    // SAFETY: termios is plain data; tcgetattr only writes into it.
    let mut termios: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: fd 0 is our stdin, checked to be a terminal at start-up.
    unsafe { libc::tcgetattr(0, &mut termios) == 0 }
}

/// Blocks the termination signals for this thread (and the threads it starts later) and
/// starts the thread that waits for them. Call before any other thread is spawned.
pub(crate) fn catch_termination() {
    // SAFETY: sigset_t is plain data initialised by sigemptyset/sigaddset.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for signal in [libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
            libc::sigaddset(&mut set, signal);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    };
    std::thread::spawn(move || {
        let mut signal = 0;
        // SAFETY: the set is valid; sigwait stores the received signal number.
        if unsafe { libc::sigwait(&set, &mut signal) } == 0 {
            TERMINATED.store(true, Ordering::SeqCst);
            // The main thread may be stuck inside the terminal library reading a hung-up
            // tty (it loops on end-of-file), so this thread restores the terminal and
            // ends the process itself.
            super::terminal::restore();
            std::process::exit(0);
        }
    });
}
