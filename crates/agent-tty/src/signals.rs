//! Catching termination signals without blocking them: signal-hook's handler writes a byte
//! to a pipe (one per signal, so the number is known) and a thread per signal waits on its
//! pipe. Pipes rather than signal-hook's socket pairs, so the process holds no sockets
//! besides its connections to hosts.

use std::io::Read;
use std::sync::{Arc, Mutex, PoisonError};

/// Installs handlers for `signals` and runs `action` (once, on a thread of its own) with the
/// first of them that arrives. The handlers are in place when this returns.
pub(crate) fn on_first(signals: &[i32], action: impl FnOnce(i32) + Send + 'static) -> std::io::Result<()> {
    let action = Arc::new(Mutex::new(Some(action)));
    for &signal in signals {
        let (mut reader, writer) = std::io::pipe()?;
        signal_hook::low_level::pipe::register(signal, writer)?;
        let action = Arc::clone(&action);
        std::thread::spawn(move || {
            let mut byte = [0u8; 1];
            loop {
                match reader.read(&mut byte) {
                    Ok(0) => return,
                    Ok(_) => break,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => return,
                }
            }
            let taken = action.lock().unwrap_or_else(PoisonError::into_inner).take();
            if let Some(action) = taken {
                action(signal);
            }
        });
    }
    Ok(())
}
