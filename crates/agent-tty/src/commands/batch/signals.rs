//! SIGINT/SIGTERM during a batch: a thread waits for the signal (see `crate::signals`),
//! prints the records finalised so far with the in-flight step `interrupted`, and exits
//! 128+signal. The in-flight RPC is not awaited.

use std::sync::{Arc, Mutex};

use signal_hook::consts::{SIGINT, SIGTERM};

use super::{Progress, finish};
use crate::output::Style;

/// Installs the SIGINT/SIGTERM handlers; the first signal flushes and exits.
pub(crate) fn flush_on_signal(progress: Arc<Mutex<Progress>>, style: Style) {
    let _ = crate::signals::on_first(&[SIGINT, SIGTERM], move |signal| {
        let guard = progress.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let outcome = finish(&guard, true);
        crate::output::finish("batch", style, Ok(outcome));
        std::process::exit(128 + signal);
    });
}
