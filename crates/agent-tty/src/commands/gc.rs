//! `agent-tty gc`: removes finished sessions. With an explicit Home (`--home` or
//! `AGENT_TTY_HOME`) only that Home is swept and the registry is left alone; otherwise the
//! default Home and every registered Home are swept and emptied or vanished registered
//! Homes are deregistered. The result always has the per-Home `homes[]` shape. Empty
//! socket directories of ours left under the socket roots are removed too (not on a dry
//! run; see `agent_tty_core::socket_dir::sweep_empty_dirs`).

use agent_tty_core::Result;
use agent_tty_core::gc::{self, GcOptions, GcReport, HomeOutcome, Targets};
use schemars::JsonSchema;
use serde::Serialize;

use crate::cli::GcArgs;
use crate::context::Context;
use crate::output::Outcome;

/// Runs `gc`.
pub fn run(context: &Context, args: &GcArgs) -> Result<Outcome> {
    let older_than_ms = args.older_than.as_deref().map(gc::parse_duration).transpose()?;
    let options = GcOptions { dry_run: args.dry_run, stale_only: args.stale_only, older_than_ms };
    let registry = context.registry_path();
    let targets = if context.home.explicit {
        Targets::Single(&context.home.path)
    } else {
        Targets::CrossHome { default_home: &context.home.path, registry: &registry }
    };
    let report = gc::collect(targets, &options)?;
    if !options.dry_run {
        // Empty per-Home socket directories left behind (by hosts that were killed).
        agent_tty_core::socket_dir::sweep_empty_dirs();
    }
    let human = human(&report);
    Ok(Outcome::new(result(report), human))
}

/// The result of `gc`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GcResult {
    /// Whether this was a dry run (nothing deleted or deregistered).
    pub dry_run: bool,
    /// One entry per swept Home, in sweep order.
    pub homes: Vec<HomeOutcome>,
    /// Sessions removed across all Homes.
    pub removed_session_count: usize,
    /// Bytes freed across all Homes.
    pub total_bytes_freed: u64,
    /// Paths of the deregistered Homes.
    pub deregistered_homes: Vec<String>,
}

fn result(report: GcReport) -> GcResult {
    GcResult {
        removed_session_count: report.removed_session_count(),
        total_bytes_freed: report.total_bytes_freed(),
        deregistered_homes: report.deregistered_homes(),
        dry_run: report.dry_run,
        homes: report.homes,
    }
}

fn human(report: &GcReport) -> Vec<String> {
    let (action, bytes) = if report.dry_run {
        ("Would remove", "Estimated bytes reclaimable")
    } else {
        ("Removed", "Estimated bytes freed")
    };
    let mut lines = vec![
        format!(
            "{action} {} session(s) across {} home(s).",
            report.removed_session_count(),
            report.homes.len()
        ),
        format!("{bytes}: {}", report.total_bytes_freed()),
    ];
    for home in &report.homes {
        if home.removed_sessions.is_empty() && home.skipped_sessions.is_empty() && !home.deregistered {
            continue;
        }
        lines.push(format!("{}:", home.home));
        lines.extend(home.removed_sessions.iter().map(|id| format!("  - removed {id}")));
        lines.extend(
            home.skipped_sessions.iter().map(|s| format!("  - skipped {}: {}", s.session_id, s.reason)),
        );
        if home.deregistered {
            let verb = if report.dry_run { "would deregister" } else { "deregistered" };
            lines.push(format!("  - {verb} (no sessions left)"));
        }
    }
    let quiet = report.homes.iter().all(|h| h.skipped_sessions.is_empty());
    if report.removed_session_count() == 0 && report.deregistered_homes().is_empty() && quiet {
        lines.push("Nothing to collect.".to_string());
    }
    lines
}
