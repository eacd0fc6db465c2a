//! `agent-tty inspect`: the session record (from the live host when it runs, else from
//! disk after reconciliation), event-log counters, artifact health and host details.

use agent_tty_core::manifest::{SessionRecord, termination_category};
use agent_tty_core::session::{call, find};
use agent_tty_core::{ErrorCode, Result, artifacts, client, event_log, reconcile, time};
use serde_json::{Map, Value, json};

use crate::context::Context;
use crate::output::Outcome;

/// Runs `inspect`.
pub fn run(context: &Context, id: &str) -> Result<Outcome> {
    let (paths, mut record) = find(&context.home.path, id)?;
    let mut host: Option<Value> = None;
    let mut offline = false;
    if record.status.is_live_host_eligible() {
        match call(&paths, "inspect", json!({}), client::DEFAULT_TIMEOUT_MS) {
            Ok(reply) => {
                if let Ok(live) = serde_json::from_value::<SessionRecord>(reply["session"].clone()) {
                    record = live;
                }
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
    let mut result = Map::new();
    result.insert("session".into(), json!(record));
    result.insert("eventCount".into(), json!(event_count));
    result.insert("uptime".into(), json!(end.saturating_sub(created)));
    if event_count > 0 {
        result.insert("lastEventSeq".into(), json!(event_count - 1));
    }
    result.insert("terminationCategory".into(), json!(termination_category(&record)));
    if let Some(health) = artifacts::health(&paths.artifacts, &paths.id) {
        result.insert("artifacts".into(), health);
    }
    result.insert("usedOfflineReplay".into(), json!(offline));
    result.insert("rendererRuntime".into(), renderer_runtime(&record, host.as_ref(), offline));
    if let Some(host) = &host {
        let mut info = Map::new();
        if let Some(v) = host.get("cliVersion") {
            info.insert("cliVersion".into(), v.clone());
        }
        info.insert(
            "rpcSocketPath".into(),
            json!(
                host.get("rpcSocketPath")
                    .cloned()
                    .unwrap_or_else(|| json!(paths.socket.display().to_string()))
            ),
        );
        result.insert("host".into(), Value::Object(info));
    }
    if let Some(bytes) = log_bytes {
        result.insert("eventLogBytes".into(), json!(bytes));
    }
    let result = Value::Object(result);
    let human = human_lines(&result, &record);
    Ok(Outcome::new(result, human))
}

fn renderer_runtime(record: &SessionRecord, host: Option<&Value>, offline: bool) -> Value {
    let offline_runtime = |reason: &str| json!({ "backend": "agent-tty-vt", "mode": "offline-replay", "status": "fallback", "reason": reason });
    if offline {
        return offline_runtime("host-unreachable");
    }
    match host {
        Some(host) if record.status.is_live_host_eligible() => {
            let mut runtime = Map::new();
            runtime.insert(
                "backend".into(),
                host.get("rendererBackend").cloned().unwrap_or(json!("agent-tty-vt")),
            );
            runtime.insert("mode".into(), json!("live-host"));
            runtime.insert("status".into(), json!("healthy"));
            for (from, to) in [
                ("rendererProfile", "profile"),
                ("rendererBooted", "booted"),
                ("rendererBootInFlight", "bootInFlight"),
            ] {
                if let Some(v) = host.get(from) {
                    runtime.insert(to.into(), v.clone());
                }
            }
            Value::Object(runtime)
        }
        _ => offline_runtime("session-not-running"),
    }
}

fn human_lines(result: &Value, record: &SessionRecord) -> Vec<String> {
    let dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    let runtime = &result["rendererRuntime"];
    let mut renderer = format!(
        "Renderer: {} ({}, {}",
        runtime["backend"].as_str().unwrap_or("-"),
        runtime["mode"].as_str().unwrap_or("-"),
        runtime["status"].as_str().unwrap_or("-")
    );
    if let Some(reason) = runtime["reason"].as_str() {
        renderer.push_str(&format!(" — {reason}"));
    }
    renderer.push(')');
    if let Some(profile) = runtime["profile"].as_str() {
        let booted = if runtime["booted"] == json!(true) { "yes" } else { "no" };
        let in_flight = if runtime["bootInFlight"] == json!(true) { ", boot-in-flight" } else { "" };
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
        format!("Event Count: {}", result["eventCount"]),
        renderer,
    ];
    if let Some(seq) = result.get("lastEventSeq") {
        lines.push(format!("Last Event Seq: {seq}"));
    }
    if let Some(bytes) = result.get("eventLogBytes") {
        lines.push(format!("Event Log Bytes: {bytes}"));
    }
    lines.push(format!("Uptime: {}ms", result["uptime"]));
    if let Some(host) = result.get("host") {
        if let Some(v) = host["cliVersion"].as_str() {
            lines.push(format!("Host CLI Version: {v}"));
        }
        if let Some(v) = host["rpcSocketPath"].as_str() {
            lines.push(format!("RPC Socket: {v}"));
        }
    }
    if let Some(artifacts) = result.get("artifacts") {
        let kinds: Vec<String> = artifacts["byKind"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| format!("{k}: {v}")).collect())
            .unwrap_or_default();
        let kinds = if kinds.is_empty() { "none".to_string() } else { kinds.join(", ") };
        lines.push(format!(
            "Artifacts: {} total ({kinds}), health: {}",
            artifacts["total"],
            artifacts["health"].as_str().unwrap_or("-")
        ));
    }
    if result["usedOfflineReplay"] == json!(true) {
        lines.push("Offline Replay: yes".into());
    }
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
