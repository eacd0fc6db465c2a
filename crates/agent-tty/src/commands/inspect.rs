//! `agent-tty inspect`: the session record (from the live host when it runs, else from
//! disk after reconciliation), event-log counters, artifact health and host details.

use agent_tty_core::artifacts::ArtifactHealth;
use agent_tty_core::client::call_typed;
use agent_tty_core::manifest::{SessionRecord, termination_category};
use agent_tty_core::protocol::method::Inspect;
use agent_tty_core::protocol::{EmptyParams, InspectReply, ShellIntegration};
use agent_tty_core::session::find;
use agent_tty_core::{ErrorCode, Result, artifacts, event_log, reconcile, time};
use schemars::JsonSchema;
use serde::Serialize;

use crate::context::Context;
use crate::output::Outcome;

/// Runs `inspect`.
pub fn run(context: &Context, id: &str) -> Result<Outcome> {
    let (paths, mut record) = find(&context.home.path, id)?;
    let mut host: Option<InspectReply> = None;
    let mut offline = false;
    if record.status.is_live_host_eligible() {
        match call_typed::<Inspect>(&paths, &EmptyParams {}) {
            Ok(reply) => {
                record = reply.session.clone();
                host = Some(reply);
            }
            Err(e) if e.code == ErrorCode::HostUnreachable => {
                offline = true;
                record = reconcile::reconcile(&paths)?.unwrap_or(record);
            }
            Err(e) => return Err(e),
        }
    }
    let (event_count, log_bytes) = match event_log::stats(&paths.events)? {
        Some((count, bytes)) => (count, Some(bytes)),
        None => (0, None),
    };
    let created = time::parse_iso(&record.created_at).unwrap_or(0);
    let end = if record.status == agent_tty_core::manifest::Status::Running {
        time::now_ms()
    } else {
        time::parse_iso(&record.updated_at).unwrap_or(created)
    };
    let artifacts = artifacts::health(&paths.artifacts, &paths.id);
    let renderer_runtime = renderer_runtime(&record, host.as_ref(), offline);
    let shell_integration = match host.as_mut().and_then(|host| host.shell_integration.take()) {
        Some(live) => live,
        None => offline_shell_integration(&paths.events),
    };
    let host =
        host.map(|host| HostInfo { cli_version: host.cli_version, rpc_socket_path: host.rpc_socket_path });
    let result = InspectResult {
        termination_category: termination_category(&record),
        session: record,
        event_count,
        uptime: end.saturating_sub(created),
        last_event_seq: event_count.checked_sub(1),
        artifacts,
        used_offline_replay: offline,
        renderer_runtime,
        host,
        event_log_bytes: log_bytes,
        shell_integration,
        redaction: crate::commands::redactions::RedactionInfo::of(&paths),
    };
    let human = human_lines(&result);
    Ok(Outcome::new(result, human))
}

/// The result of `inspect`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InspectResult {
    /// The session record (the live host's when it answered).
    pub session: SessionRecord,
    /// Events in the event log.
    pub event_count: u64,
    /// Milliseconds from creation to now (running) or to the last update.
    pub uptime: u64,
    /// The last event's seq (only when there is an event).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_event_seq: Option<u64>,
    /// How the session ended (or `running`).
    pub termination_category: &'static str,
    /// The artifact manifest's health (absent when it cannot be read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifacts: Option<ArtifactHealth>,
    /// Whether the host was unreachable and the log was read instead.
    pub used_offline_replay: bool,
    /// Which renderer serves the session's screen.
    pub renderer_runtime: RendererRuntime,
    /// The live host (only when it answered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<HostInfo>,
    /// The event log's size (absent when there is no log).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_log_bytes: Option<u64>,
    /// Whether the shell marks its commands (live: as the host knows it; offline: from
    /// the command records of the event log).
    pub shell_integration: ShellIntegration,
    /// The session's redaction: level, active rule names (never values), count so far.
    pub redaction: crate::commands::redactions::RedactionInfo,
}

/// What the event log says of the shell's integration once the host is gone.
fn offline_shell_integration(events: &std::path::Path) -> ShellIntegration {
    let commands =
        agent_tty_core::command_log::read_history(events).map(|(commands, _)| commands).unwrap_or_default();
    let cwd = commands.iter().rev().find_map(|c| c.cwd_after.clone().or_else(|| c.cwd.clone()));
    ShellIntegration { injected: None, active: !commands.is_empty(), commands: commands.len() as u64, cwd }
}

/// `inspect`'s `rendererRuntime`: `reason` when the host is not serving the screen,
/// the host's renderer profile and boot state when it is.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RendererRuntime {
    /// The screen model.
    pub backend: String,
    /// `live-host` or `offline-replay`.
    pub mode: &'static str,
    /// `healthy` or `fallback`.
    pub status: &'static str,
    /// Why offline replay serves the screen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// The host's render profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Whether the host's renderer booted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub booted: Option<bool>,
    /// Whether the host's renderer is booting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boot_in_flight: Option<bool>,
}

/// `inspect`'s `host`: what the live host said about itself.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HostInfo {
    /// The host's agent-tty version.
    pub cli_version: String,
    /// The host's socket.
    pub rpc_socket_path: String,
}

fn renderer_runtime(record: &SessionRecord, host: Option<&InspectReply>, offline: bool) -> RendererRuntime {
    let offline_runtime = |reason: &'static str| RendererRuntime {
        backend: "agent-tty-vt".into(),
        mode: "offline-replay",
        status: "fallback",
        reason: Some(reason),
        profile: None,
        booted: None,
        boot_in_flight: None,
    };
    if offline {
        return offline_runtime("host-unreachable");
    }
    match host {
        Some(host) if record.status.is_live_host_eligible() => RendererRuntime {
            backend: host.renderer_backend.clone(),
            mode: "live-host",
            status: "healthy",
            reason: None,
            profile: Some(host.renderer_profile.clone()),
            booted: Some(host.renderer_booted),
            boot_in_flight: Some(host.renderer_boot_in_flight),
        },
        _ => offline_runtime("session-not-running"),
    }
}

fn human_lines(result: &InspectResult) -> Vec<String> {
    let record = &result.session;
    let dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    let runtime = &result.renderer_runtime;
    let mut renderer = format!("Renderer: {} ({}, {}", runtime.backend, runtime.mode, runtime.status);
    if let Some(reason) = runtime.reason {
        renderer.push_str(&format!(" — {reason}"));
    }
    renderer.push(')');
    if let Some(profile) = &runtime.profile {
        let booted = if runtime.booted == Some(true) { "yes" } else { "no" };
        let in_flight = if runtime.boot_in_flight == Some(true) { ", boot-in-flight" } else { "" };
        renderer.push_str(&format!(" [profile: {profile}, booted: {booted}{in_flight}]"));
    }
    let mut lines = vec![
        format!("Session ID: {}", record.session_id),
        format!("Status: {}", record.status.as_str()),
        format!("Command: {}", record.command.join(" ")),
        format!("Working Directory: {}", record.cwd),
        format!("Size: {}x{}", record.cols, record.rows),
        format!("Created At: {}", record.created_at),
        format!("Updated At: {}", record.updated_at),
        format!("Event Count: {}", result.event_count),
        renderer,
    ];
    if let Some(seq) = result.last_event_seq {
        lines.push(format!("Last Event Seq: {seq}"));
    }
    if let Some(bytes) = result.event_log_bytes {
        lines.push(format!("Event Log Bytes: {bytes}"));
    }
    lines.push(format!("Uptime: {}ms", result.uptime));
    if let Some(host) = &result.host {
        lines.push(format!("Host CLI Version: {}", host.cli_version));
        lines.push(format!("RPC Socket: {}", host.rpc_socket_path));
    }
    if let Some(artifacts) = &result.artifacts {
        let kinds: Vec<String> = artifacts.by_kind.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        let kinds = if kinds.is_empty() { "none".to_string() } else { kinds.join(", ") };
        lines.push(format!("Artifacts: {} total ({kinds}), health: {}", artifacts.total, artifacts.health));
    }
    if result.used_offline_replay {
        lines.push("Offline Replay: yes".into());
    }
    let shell = &result.shell_integration;
    let injected =
        shell.injected.as_deref().map(|name| format!("{name} hooks injected, ")).unwrap_or_default();
    lines.push(if shell.active {
        format!("Shell Integration: active ({injected}{} commands recorded)", shell.commands)
    } else {
        format!("Shell Integration: inactive ({injected}no marks seen)")
    });
    let redaction = &result.redaction;
    let rules = if redaction.rules.is_empty() { "none".to_string() } else { redaction.rules.join(", ") };
    lines.push(format!(
        "Redaction: {} (rules: {rules}; {} masked so far)",
        redaction.level, redaction.redactions
    ));
    lines.push(format!("Host PID: {}", dash(record.host_pid.map(|p| p.to_string()))));
    lines.push(format!("Child PID: {}", dash(record.child_pid.map(|p| p.to_string()))));
    lines.push(format!("Exit Code: {}", dash(record.exit_code.map(|c| c.to_string()))));
    lines.push(format!("Exit Signal: {}", dash(record.exit_signal.clone())));
    if !record.status.is_live_host_eligible() {
        lines.push(format!("Termination: {}", termination_category(record)));
    }
    if let Some(reason) = &record.failure_reason {
        lines.push(format!("Failure Reason: {reason}"));
    }
    if let Some(origin) = record.failure_origin {
        lines.push(format!(
            "Failure Origin: {}",
            serde_json::to_value(origin).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
        ));
    }
    lines
}
