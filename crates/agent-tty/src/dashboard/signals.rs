//! SIGTERM, SIGHUP and SIGQUIT end the dashboard like `q` does, so the terminal is always
//! restored: the signals are blocked in every thread and one thread waits for them and
//! raises a flag the loop checks on each wake-up (at least every frame interval).

#![allow(unsafe_code)]

use std::sync::atomic::{AtomicBool, Ordering};

static TERMINATED: AtomicBool = AtomicBool::new(false);

/// Whether a termination signal arrived.
pub(crate) fn terminated() -> bool {
    TERMINATED.load(Ordering::SeqCst)
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
        }
    });
}
