//! A batch step's record and the batch result: typed, in the key order batch prints
//! (`index`, `durationMs`, `kind`, `status`, the kind's fields, then `error`).

use agent_tty_core::protocol::{Seq, SnapshotResult, WireError};

use crate::commands::diff::DiffResult;
use crate::commands::find::FindResult;
use crate::commands::record_export::RecordExportAnyResult;
use agent_tty_core::wait_evidence::WaitEvidence;
use schemars::JsonSchema;
use serde::Serialize;

use super::plan::Step;

/// One step's record, in the contract's key order: `index`, `durationMs`, `kind`,
/// `status`, the kind's fields, then `error`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StepRecord {
    /// The step's position in the plan (0-based).
    pub index: usize,
    /// How long the step took (0 when it did not run).
    pub duration_ms: u64,
    /// The step's verb.
    #[schemars(extend("enum" = ["type", "paste", "sendKeys", "mouse", "run", "wait", "snapshot", "diff", "find", "export"]))]
    pub kind: &'static str,
    /// Where the step got to.
    pub status: StepStatus,
    /// The kind's fields.
    #[serde(flatten)]
    pub fields: StepFields,
    /// Why the step failed (failed steps only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<WireError>,
}

/// Where a step got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum StepStatus {
    Completed,
    Failed,
    Interrupted,
    NotRun,
}

/// What a finished run step learned of its command (see `run`'s result).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommandOutcome {
    /// The exit status, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The shell's working directory after it, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// What it printed (see `run --max-output`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// Part of the output was left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_truncated: Option<bool>,
}

/// The fields of each kind of step (absent until known).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged, rename_all_fields = "camelCase")]
pub(crate) enum StepFields {
    /// `type`, `paste`, `sendKeys`, `mouse`.
    Input {
        #[serde(skip_serializing_if = "Option::is_none")]
        seq: Option<Seq>,
    },
    Run {
        #[serde(skip_serializing_if = "Option::is_none")]
        seq: Option<Seq>,
        no_wait: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        completed: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        timed_out: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        run_outcome: Option<RunOutcome>,
        /// A finished run's exit code, cwd and output.
        #[serde(flatten, skip_serializing_if = "Option::is_none")]
        command: Option<CommandOutcome>,
    },
    Wait {
        #[serde(skip_serializing_if = "Option::is_none")]
        wait_baseline: Option<Seq>,
        #[serde(skip_serializing_if = "Option::is_none")]
        matched: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        timed_out: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        matched_text: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        captured_at_seq: Option<Seq>,
        #[serde(skip_serializing_if = "Option::is_none")]
        screen_hash: Option<String>,
        /// Timed out: why (see `wait`'s evidence).
        #[serde(skip_serializing_if = "Option::is_none")]
        evidence: Option<Box<WaitEvidence>>,
    },
    /// A snapshot step: the snapshot's result.
    Snapshot {
        #[serde(skip_serializing_if = "Option::is_none")]
        snapshot: Option<Box<SnapshotResult>>,
    },
    /// A diff step: the diff's result.
    Diff {
        #[serde(skip_serializing_if = "Option::is_none")]
        diff: Option<Box<DiffResult>>,
    },
    /// A find step: the find's result.
    Find {
        #[serde(skip_serializing_if = "Option::is_none")]
        find: Option<Box<FindResult>>,
    },
    /// An export step: the export's result (as `record export` prints it).
    Export {
        #[serde(skip_serializing_if = "Option::is_none")]
        export: Option<Box<RecordExportAnyResult>>,
    },
}

/// How a run step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) enum RunOutcome {
    Started,
    Completed,
    TimedOut,
    SessionExited,
}

impl RunOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Started => "started",
            RunOutcome::Completed => "completed",
            RunOutcome::TimedOut => "timedOut",
            RunOutcome::SessionExited => "sessionExited",
        }
    }
}

impl StepRecord {
    /// The record of a step that has not run (yet).
    pub fn unreached(index: usize, step: &Step) -> StepRecord {
        let fields = match step {
            Step::Run { no_wait, .. } => StepFields::Run {
                seq: None,
                no_wait: *no_wait,
                completed: None,
                timed_out: None,
                run_outcome: None,
                command: None,
            },
            Step::Wait { .. } => StepFields::Wait {
                wait_baseline: None,
                matched: None,
                timed_out: None,
                matched_text: None,
                captured_at_seq: None,
                screen_hash: None,
                evidence: None,
            },
            Step::Snapshot { .. } => StepFields::Snapshot { snapshot: None },
            Step::Diff { .. } => StepFields::Diff { diff: None },
            Step::Find { .. } => StepFields::Find { find: None },
            Step::Export(_) => StepFields::Export { export: None },
            _ => StepFields::Input { seq: None },
        };
        StepRecord {
            index,
            duration_ms: 0,
            kind: step.kind(),
            status: StepStatus::NotRun,
            fields,
            error: None,
        }
    }
}

/// The `batch` result.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BatchResult {
    /// Every step's record, in plan order.
    pub steps: Vec<StepRecord>,
    /// How many steps completed.
    pub completed_count: usize,
    /// The indices of the failed steps.
    pub failed_indices: Vec<usize>,
}

/// The human line of a step: `[index] kind outcome (ms)`.
pub(crate) fn human_step(step: &StepRecord) -> String {
    let (index, kind, ms) = (step.index, step.kind, step.duration_ms);
    let outcome = match (step.status, &step.fields) {
        (StepStatus::Failed, _) => {
            format!("failed ({})", step.error.as_ref().map_or("", |e| e.code.as_str()))
        }
        (StepStatus::Completed, StepFields::Wait { matched_text: Some(text), .. }) => {
            format!("matched \"{text}\"")
        }
        (StepStatus::Completed, StepFields::Wait { .. }) => "matched".into(),
        (StepStatus::Completed, StepFields::Run { run_outcome, .. }) => {
            run_outcome.map_or("completed", RunOutcome::as_str).to_string()
        }
        (StepStatus::Completed, _) => "completed".into(),
        (StepStatus::Interrupted, _) => "interrupted".into(),
        (StepStatus::NotRun, _) => "not-run".into(),
    };
    format!("[{index}] {kind} {outcome} ({ms}ms)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(record: &StepRecord) -> String {
        serde_json::to_string(record).unwrap()
    }

    #[test]
    fn records_keep_the_batch_key_order() {
        let plan = super::super::plan::parse(r#"[{"run":"ls"},{"wait":{"text":"x"}},{"type":"a"}]"#).unwrap();
        let mut run = StepRecord::unreached(0, &plan[0]);
        assert_eq!(
            line(&run),
            r#"{"index":0,"durationMs":0,"kind":"run","status":"not-run","noWait":false}"#
        );
        run.status = StepStatus::Failed;
        run.fields = StepFields::Run {
            command: None,
            seq: Some(Seq(4)),
            no_wait: false,
            completed: Some(false),
            timed_out: Some(true),
            run_outcome: Some(RunOutcome::TimedOut),
        };
        run.error = Some(WireError { code: "WAIT_TIMEOUT".into(), message: "m".into() });
        assert_eq!(
            line(&run),
            r#"{"index":0,"durationMs":0,"kind":"run","status":"failed","seq":4,"noWait":false,"completed":false,"timedOut":true,"runOutcome":"timedOut","error":{"code":"WAIT_TIMEOUT","message":"m"}}"#
        );
        assert_eq!(human_step(&run), "[0] run failed (WAIT_TIMEOUT) (0ms)");
        let mut wait = StepRecord::unreached(1, &plan[1]);
        wait.status = StepStatus::Completed;
        wait.fields = StepFields::Wait {
            wait_baseline: Some(Seq(4)),
            matched: Some(true),
            timed_out: Some(false),
            matched_text: Some("x".into()),
            captured_at_seq: Some(Seq(6)),
            screen_hash: Some("h".into()),
            evidence: None,
        };
        assert_eq!(
            line(&wait),
            r#"{"index":1,"durationMs":0,"kind":"wait","status":"completed","waitBaseline":4,"matched":true,"timedOut":false,"matchedText":"x","capturedAtSeq":6,"screenHash":"h"}"#
        );
        assert_eq!(human_step(&wait), r#"[1] wait matched "x" (0ms)"#);
        let typed = StepRecord { status: StepStatus::Interrupted, ..StepRecord::unreached(2, &plan[2]) };
        assert_eq!(line(&typed), r#"{"index":2,"durationMs":0,"kind":"type","status":"interrupted"}"#);
        assert_eq!(human_step(&typed), "[2] type interrupted (0ms)");
    }
}
