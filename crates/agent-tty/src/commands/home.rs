//! `agent-tty home list` and `home forget`: the Home Registry as users see it. `home list`
//! reads every registered Home without reconciling anything and hides Homes that hold no
//! session; its counts include destroyed sessions, so what it lists agrees with what `gc`
//! finds to collect. `home forget` drops one registry entry and never touches the disk
//! Home.

use std::path::Path;

use agent_tty_core::home_scan::{self, HomeSummary};
use agent_tty_core::{Result, registry};
use schemars::JsonSchema;
use serde::Serialize;

use crate::cli::{HomeForgetArgs, HomeListArgs};
use crate::context::Context;
use crate::output::Outcome;

/// Runs `home list`.
pub fn list(context: &Context, args: &HomeListArgs) -> Result<Outcome> {
    let homes = home_scan::list_homes(&context.registry_path(), args.all);
    let rows: Vec<HomeRow> = homes.iter().map(HomeRow::from).collect();
    let mut human: Vec<String> = homes
        .iter()
        .map(|h| {
            format!("{}  {}/{} active  last seen {}", h.path, h.counts.active, h.counts.total, h.last_seen_at)
        })
        .collect();
    if human.is_empty() {
        human.push(nothing_listed(context, args.all));
    }
    Ok(Outcome::new(HomeListResult { homes: rows }, human))
}

/// The human line when no Home is listed: without `--all`, says how many Homes hold
/// only ended sessions (which `--all` lists and `gc` collects).
fn nothing_listed(context: &Context, all: bool) -> String {
    let ended = if all { 0 } else { home_scan::list_homes(&context.registry_path(), true).len() };
    match ended {
        0 => "No registered Homes.".to_string(),
        1 => "No Homes with active sessions; 1 registered Home holds ended sessions \
              (agent-tty home list --all lists it, agent-tty gc removes them)."
            .to_string(),
        n => format!(
            "No Homes with active sessions; {n} registered Homes hold ended sessions \
             (agent-tty home list --all lists them, agent-tty gc removes them)."
        ),
    }
}

/// The result of `home list`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HomeListResult {
    /// The listed Homes.
    pub homes: Vec<HomeRow>,
}

/// One registered Home.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HomeRow {
    /// The Home's path.
    pub path: String,
    /// Its active sessions.
    pub active_sessions: usize,
    /// All its sessions (destroyed ones included).
    pub total_sessions: usize,
    /// When a session of it was last created (ISO 8601).
    pub last_seen_at: String,
}

impl From<&HomeSummary> for HomeRow {
    fn from(home: &HomeSummary) -> HomeRow {
        HomeRow {
            path: home.path.clone(),
            active_sessions: home.counts.active,
            total_sessions: home.counts.total,
            last_seen_at: home.last_seen_at.clone(),
        }
    }
}

/// The result of `home forget`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HomeForgetResult {
    /// The Home's path, normalised.
    pub path: String,
    /// Whether it was in the registry.
    pub forgotten: bool,
}

/// Runs `home forget`.
pub fn forget(context: &Context, args: &HomeForgetArgs) -> Result<Outcome> {
    let path = registry::normalize_home(Path::new(&args.path));
    let forgotten = registry::forget_key(&context.registry_path(), &path)?;
    let line =
        if forgotten { format!("Forgot Home: {path}") } else { format!("Home not in registry: {path}") };
    Ok(Outcome::new(HomeForgetResult { path, forgotten }, vec![line]))
}
