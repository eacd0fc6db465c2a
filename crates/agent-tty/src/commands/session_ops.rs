//! `mark`, `resize` and `signal`: small control commands on a Command Target.

use agent_tty_core::session::{call, command_target};
use agent_tty_core::{Error, ErrorCode, Result, client, process};
use serde_json::json;

use crate::cli::{MarkArgs, ResizeArgs, SignalArgs};
use crate::commands::input::{protocol_error, seq_of};
use crate::context::Context;
use crate::numbers::{js_json, parse_int};
use crate::output::Outcome;

/// Runs `mark`.
pub fn mark(context: &Context, args: MarkArgs) -> Result<Outcome> {
    let paths = command_target(&context.home.path, &args.session.session_id)?;
    let reply = call(&paths, "mark", json!({ "label": args.label }), client::DEFAULT_TIMEOUT_MS)?;
    let seq = seq_of(&reply)?;
    Ok(Outcome::new(json!({ "seq": seq }), vec![format!("Marker set at seq {seq}.")]))
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
    let reply = call(&paths, "resize", json!({ "cols": c, "rows": r }), client::DEFAULT_TIMEOUT_MS)?;
    if reply["cols"].as_i64() != Some(c) || reply["rows"].as_i64() != Some(r) {
        return Err(protocol_error(&reply));
    }
    Ok(Outcome::new(json!({ "cols": c, "rows": r }), vec![format!("Resized session to {c}x{r}.")]))
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
    call(&paths, "signal", json!({ "signal": args.signal }), client::DEFAULT_TIMEOUT_MS)?;
    let human = vec![format!("Signal {} delivered to session.", args.signal)];
    Ok(Outcome::new(json!({ "signal": args.signal, "delivered": true }), human))
}
