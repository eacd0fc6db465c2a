//! `mark`, `resize` and `signal`: small control commands on a Command Target.

use agent_tty_core::client::call_typed;
use agent_tty_core::protocol::method::{Mark, Resize, Signal};
use agent_tty_core::protocol::{MarkParams, ResizeParams, SignalParams};
use agent_tty_core::session::command_target;
use agent_tty_core::{Error, ErrorCode, Result, process};
use schemars::JsonSchema;
use serde::Serialize;

use crate::cli::{MarkArgs, ResizeArgs, SignalArgs};
use crate::commands::input::unexpected;
use crate::context::Context;
use crate::numbers::{js_json, parse_int};
use crate::output::Outcome;

/// Runs `mark`.
pub fn mark(context: &Context, args: MarkArgs) -> Result<Outcome> {
    let paths = command_target(&context.home.path, &args.session.session_id)?;
    let reply = call_typed::<Mark>(&paths, &MarkParams { label: args.label })?;
    Ok(Outcome::new(reply, vec![format!("Marker set at seq {}.", reply.seq)]))
}

/// Runs `resize`.
pub fn resize(context: &Context, args: &ResizeArgs) -> Result<Outcome> {
    let paths = command_target(&context.home.path, &args.session.session_id)?;
    let (cols, rows) = (parse_int(&args.cols), parse_int(&args.rows));
    let positive = |v: Option<i64>| v.filter(|&v| v > 0);
    let (Some(c), Some(r)) = (positive(cols), positive(rows)) else {
        return Err(Error::new(ErrorCode::InvalidDimensions, "Resize dimensions must be positive integers.")
            .with("cols", js_json(cols))
            .with("rows", js_json(rows)));
    };
    let (max_cols, max_rows) = (i64::from(agent_tty_vt::MAX_COLS), i64::from(agent_tty_vt::MAX_ROWS));
    if c > max_cols || r > max_rows {
        return Err(Error::new(
            ErrorCode::InvalidDimensions,
            format!(
                "Resize dimensions must be at most {max_cols} columns and {max_rows} rows, got: {c}x{r}."
            ),
        )
        .with("cols", c)
        .with("rows", r)
        .with("maxCols", max_cols)
        .with("maxRows", max_rows));
    }
    // Within the screen's limits (checked above), so they fit.
    let fit = |v: i64| u16::try_from(v).unwrap_or(u16::MAX);
    let asked = ResizeParams { cols: fit(c), rows: fit(r) };
    let reply = call_typed::<Resize>(&paths, &asked)?;
    if (reply.cols, reply.rows) != (asked.cols, asked.rows) {
        return Err(unexpected(&reply));
    }
    Ok(Outcome::new(reply, vec![format!("Resized session to {c}x{r}.")]))
}

/// Runs `signal`.
pub fn signal(context: &Context, args: &SignalArgs) -> Result<Outcome> {
    let paths = command_target(&context.home.path, &args.session.session_id)?;
    if process::signal_number(&args.signal).is_none() {
        return Err(Error::new(
            ErrorCode::InvalidSignal,
            "Signal must be one of: SIGTERM, SIGINT, SIGKILL, SIGHUP, SIGUSR1, SIGUSR2.",
        )
        .with("signal", args.signal.as_str()));
    }
    call_typed::<Signal>(&paths, &SignalParams { signal: args.signal.clone() })?;
    let human = vec![format!("Signal {} delivered to session.", args.signal)];
    Ok(Outcome::new(SignalResult { signal: args.signal.clone(), delivered: true }, human))
}

/// The `signal` result: `{signal, delivered: true}`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SignalResult {
    /// The signal's name, as given.
    pub signal: String,
    /// Always `true`.
    pub delivered: bool,
}
