//! SIGINT/SIGTERM during a batch: a dedicated thread waits for the signal (the signals
//! are blocked in every other thread), prints the records finalised so far with the
//! in-flight step `interrupted`, and exits 128+signal. The in-flight RPC is not awaited.

#![allow(unsafe_code)]

use std::sync::{Arc, Mutex};

use super::{Progress, finish};
use crate::output::Style;

/// Blocks SIGINT/SIGTERM for the process and starts the flushing thread.
pub(crate) fn flush_on_signal(progress: Arc<Mutex<Progress>>, style: Style) {
    // SAFETY: sigset_t is plain data initialised by sigemptyset/sigaddset.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    };
    std::thread::spawn(move || {
        let mut signal = 0;
        // SAFETY: the set is valid; sigwait stores the received signal number.
        if unsafe { libc::sigwait(&set, &mut signal) } != 0 {
            return;
        }
        let guard = progress.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let outcome = finish(&guard, true);
        crate::output::finish("batch", style, Ok(outcome));
        std::process::exit(128 + signal);
    });
}
