//! The JSON Schema of every command's result: the one list of result types that the MCP
//! server publishes and that `schemas/results.json` (checked by the test below, validated
//! against real results by the CLI suite) is generated from.
//!
//! Schemas follow the serialisation contract (`for_serialize`): a key that a result may
//! omit is optional, a key it always prints is required, even when its value may be
//! null. `schemars::schema_for!` would describe what a deserialiser accepts instead, so
//! the settings are spelled out here.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};

use agent_tty_core::protocol::{
    DestroyReply, MouseReply, ResizeReply, RunReply, SendKeysReply, SeqReply, SnapshotResult,
};

use crate::commands::results::{
    BatchResult, CreateResult, DiffResult, DoctorResult, FindResult, GcResult, HistoryResult,
    HomeForgetResult, HomeListResult, InspectResult, ListResult, RecordExportAnyResult, Redacted,
    ScreenshotResult, SignalResult, SkillGetResult, SkillPathResult, SkillsListResult, VersionResult,
    WaitAnyResult,
};
use crate::dashboard::DashboardResult;

/// The schema of `T` as a result (draft 2020-12, serialisation contract).
fn schema<T: JsonSchema>() -> Schema {
    SchemaSettings::draft2020_12().for_serialize().into_generator().into_root_schema_for::<T>()
}

/// Every command's result, by the envelope's `command`. `run` is either a finished or a
/// started (`--no-wait`) run; `wait` either a render wait or an exit/idle wait.
pub fn all() -> Vec<(&'static str, Schema)> {
    vec![
        ("create", schema::<CreateResult>()),
        ("list", schema::<ListResult>()),
        ("inspect", schema::<InspectResult>()),
        ("destroy", schema::<DestroyReply>()),
        ("version", schema::<VersionResult>()),
        ("run", schema::<Redacted<RunReply>>()),
        ("type", schema::<SeqReply>()),
        ("paste", schema::<SeqReply>()),
        ("send-keys", schema::<SendKeysReply>()),
        ("mouse", schema::<MouseReply>()),
        ("mark", schema::<SeqReply>()),
        ("resize", schema::<ResizeReply>()),
        ("signal", schema::<SignalResult>()),
        ("wait", schema::<Redacted<WaitAnyResult>>()),
        ("snapshot", schema::<Redacted<SnapshotResult>>()),
        ("history", schema::<HistoryResult>()),
        ("diff", schema::<Redacted<DiffResult>>()),
        ("find", schema::<Redacted<FindResult>>()),
        ("batch", schema::<Redacted<BatchResult>>()),
        ("screenshot", schema::<Redacted<ScreenshotResult>>()),
        ("home list", schema::<HomeListResult>()),
        ("home forget", schema::<HomeForgetResult>()),
        ("record export", schema::<RecordExportAnyResult>()),
        ("gc", schema::<GcResult>()),
        ("doctor", schema::<DoctorResult>()),
        ("skills list", schema::<SkillsListResult>()),
        ("skills get", schema::<SkillGetResult>()),
        ("skills path", schema::<SkillPathResult>()),
        ("dashboard", schema::<DashboardResult>()),
    ]
}

/// [`all`] as one pretty JSON object `{command: schema}`, newline-terminated (the blessed
/// `results.json`; the MCP server takes its output schemas from [`all`]).
#[cfg(test)]
pub fn document() -> String {
    let map: serde_json::Map<String, serde_json::Value> =
        all().into_iter().map(|(command, schema)| (command.to_string(), schema.to_value())).collect();
    let mut text = serde_json::to_string_pretty(&map).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed copy the CLI suite validates real results against.
    const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/results.json");

    #[test]
    fn the_committed_schemas_are_current() {
        let current = document();
        if std::env::var_os("AGENT_TTY_BLESS").is_some() {
            std::fs::write(COMMITTED, &current).unwrap();
        }
        let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
        assert!(
            committed == current,
            "{COMMITTED} is out of date: run `AGENT_TTY_BLESS=1 cargo test -p agent-tty --bin agent-tty schemas` \
             and commit it"
        );
    }

    #[test]
    fn every_command_is_listed_once() {
        let names: Vec<&str> = all().iter().map(|(name, _)| *name).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
    }
}
