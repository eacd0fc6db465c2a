//! The batch plan: a JSON array of steps, each an object with exactly one verb
//! (`type`, `paste`, `sendKeys`, `mouse`, `run`, `wait`, `snapshot`, `diff`, `find`, `export`). Fully
//! validated before anything is sent.

use agent_tty_core::find::{Mode, Query};
use agent_tty_core::log_point::Point;
use agent_tty_core::protocol::TextParams;
use agent_tty_core::snapshot::Format;
use agent_tty_core::wait_condition::{WaitCondition, WaitIn, WaitSpec};
use agent_tty_core::{Error, ErrorCode, Result};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::commands::record_export::ExportRequest;
use crate::numbers::parse_duration_ms;

/// One validated step.
#[derive(Debug, Clone)]
pub enum Step {
    /// Literal text (sealed with `secret` / `secretEnv`).
    Type(TextParams),
    /// Bracketed paste (sealed with `secret` / `secretEnv`).
    Paste(TextParams),
    /// Named keys (already checked with the key encoder).
    SendKeys(Vec<String>),
    /// A mouse action (its fields checked; the host resolves and encodes it).
    Mouse(agent_tty_core::protocol::MouseParams),
    /// A shell command, waited unless `no_wait`.
    Run { command: String, no_wait: bool, timeout_ms: Option<u64>, check: bool, max_output: Option<u64> },
    /// A render wait (its inputs, already validated); `timeout_ms` 0 = forever.
    Wait { spec: WaitSpec, timeout_ms: u64 },
    /// A snapshot, now or at a past point, whole or since a Screen Hash.
    Snapshot { format: Format, at: Option<Point>, since_hash: Option<String> },
    /// What changed between two points.
    Diff { from: Option<Point>, from_hash: Option<String>, to: Option<Point>, max_rows: usize },
    /// When a text or regex appeared on screen.
    Find { query: Query, mode: Mode, max: usize },
    /// A recording export (`record export`), whole or clipped.
    Export(ExportRequest),
}

impl Step {
    /// The record's `kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            Step::Type(_) => "type",
            Step::Paste(_) => "paste",
            Step::SendKeys(_) => "sendKeys",
            Step::Mouse(_) => "mouse",
            Step::Run { .. } => "run",
            Step::Wait { .. } => "wait",
            Step::Snapshot { .. } => "snapshot",
            Step::Diff { .. } => "diff",
            Step::Find { .. } => "find",
            Step::Export(_) => "export",
        }
    }
}

const VERBS: [&str; 10] =
    ["type", "paste", "sendKeys", "mouse", "run", "wait", "snapshot", "diff", "find", "export"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ExportBody {
    /// `asciicast`, `webm` or `gif`.
    format: String,
    out: Option<String>,
    profile: Option<String>,
    timing: Option<String>,
    /// The clip's start: a seq or a time (as `record export --from`).
    from: Option<Value>,
    /// The clip's end (included).
    to: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct FindBody {
    text: Option<String>,
    regex: Option<String>,
    /// `first` (default), `last` or `all`.
    mode: Option<String>,
    max: Option<usize>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SnapshotBody {
    format: Option<String>,
    at_seq: Option<Value>,
    at_time: Option<String>,
    since_hash: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct DiffBody {
    from: Option<Value>,
    from_hash: Option<String>,
    to: Option<Value>,
    max_rows: Option<usize>,
}

/// A seq (a number or a string of digits) or a time, as a step's `from`/`to`/`atSeq` give it.
fn point_value(flag: &str, value: &Value) -> Result<Point> {
    match value {
        Value::Number(n) => Point::parse_seq(flag, &n.to_string()),
        Value::String(s) => Point::parse_any(flag, s),
        other => Err(Error::invalid_input(format!("`{flag}` must be a seq or a time; got {other}."))),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RunStep {
    run: String,
    no_wait: Option<bool>,
    #[serde(default, deserialize_with = "timeout_field")]
    timeout: Option<u64>,
    /// A non-zero exit status fails the step (`COMMAND_FAILED`), like `run --check`.
    check: Option<bool>,
    /// Bytes (`65536`) or a size (`"64k"`), like `run --max-output`.
    max_output: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WaitBody {
    text: Option<String>,
    regex: Option<String>,
    #[serde(default, deserialize_with = "screen_stable_field")]
    screen_stable_ms: Option<u64>,
    cursor_row: Option<u64>,
    cursor_col: Option<u64>,
    #[serde(default, deserialize_with = "timeout_field")]
    timeout: Option<u64>,
    /// `"screen"` (default) or `"output"` (see `wait --in`).
    #[serde(default, rename = "in")]
    within: WaitIn,
}

fn timeout_field<'de, D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Option<u64>, D::Error> {
    duration_field("timeout", deserializer)
}

fn screen_stable_field<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<u64>, D::Error> {
    duration_field("screenStableMs", deserializer)
}

/// A duration key: a whole number of milliseconds, as in 0.5, or a string in the forms
/// the duration flags take (`"500ms"`, `"2s"`, `"1.5s"`, `"2m"`, `"1h"`, `"1m30s"`).
fn duration_field<'de, D: Deserializer<'de>>(
    key: &str,
    deserializer: D,
) -> std::result::Result<Option<u64>, D::Error> {
    let value = Option::<Value>::deserialize(deserializer)?;
    let ms = match &value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => parse_duration_ms(s).ok(),
        Some(_) => None,
    };
    ms.map(Some).ok_or_else(|| {
        let got = value.map_or_else(String::new, |v| v.to_string());
        serde::de::Error::custom(format!(
            "`{key}` must be milliseconds (500) or a duration string such as \"500ms\", \"2s\", \"1.5s\", \
             \"2m\", \"1h\"; got {got}"
        ))
    })
}

/// Parses and validates a whole plan.
pub fn parse(text: &str) -> Result<Vec<Step>> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| Error::invalid_input(format!("Batch steps must be valid JSON. ({e})")))?;
    let Value::Array(items) = value else {
        return Err(Error::invalid_input("Batch steps must be a JSON array."));
    };
    if items.is_empty() {
        return Err(Error::invalid_input("Batch must contain at least one step."));
    }
    items.iter().enumerate().map(|(index, item)| parse_step(index, item)).collect()
}

fn parse_step(index: usize, item: &Value) -> Result<Step> {
    let Value::Object(object) = item else {
        return Err(step_error(index, format!("Batch step {index} must be a JSON object.")));
    };
    let verbs: Vec<&str> = VERBS.iter().copied().filter(|v| object.contains_key(*v)).collect();
    match verbs.as_slice() {
        [] => Err(step_error(
            index,
            format!("Batch step {index} must have exactly one of type|paste|sendKeys|run|wait; found none"),
        )),
        [verb] => parse_verb(index, verb, object),
        many => Err(step_error(
            index,
            format!(
                "Batch step {index} must have exactly one of type|paste|sendKeys|run|wait; found {}",
                many.join(", ")
            ),
        )),
    }
}

/// A `type` / `paste` step: `{"type": "text"}`, sealed with `"secret": true`, or
/// `{"type": null, "secretEnv": "NAME"}` (sealed, the text from this process's
/// environment, read now so that a missing variable fails the plan before anything is
/// sent). Errors never carry the text.
fn text_step(
    verb: &str,
    object: &Map<String, Value>,
    invalid: impl Fn(String) -> Error,
) -> Result<TextParams> {
    if let Some(extra) = object.keys().find(|k| ![verb, "secret", "secretEnv"].contains(&k.as_str())) {
        return Err(invalid(format!("unknown key `{extra}`")));
    }
    let secret = match object.get("secret") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(secret)) => *secret,
        Some(_) => return Err(invalid("`secret` must be true or false".into())),
    };
    match (object.get("secretEnv"), &object[verb]) {
        (None | Some(Value::Null), Value::String(text)) if !text.is_empty() => {
            Ok(TextParams { text: text.clone(), secret })
        }
        (None | Some(Value::Null), _) => Err(invalid(format!("`{verb}` must be a non-empty string"))),
        (Some(Value::String(name)), Value::Null) if !name.is_empty() => {
            let text = crate::commands::input::secret_env(name).map_err(|e| invalid(e.message.clone()))?;
            Ok(TextParams { text, secret: true })
        }
        (Some(Value::String(_)), Value::Null) => {
            Err(invalid("`secretEnv` must be a non-empty variable name".into()))
        }
        (Some(Value::String(_)), _) => Err(invalid(format!(
            "with `secretEnv`, `{verb}` must be null (the text comes from the environment)"
        ))),
        (Some(_), _) => Err(invalid("`secretEnv` must be a variable name".into())),
    }
}

fn parse_verb(index: usize, verb: &str, object: &Map<String, Value>) -> Result<Step> {
    let invalid = |issue: String| {
        Error::invalid_input(format!("Batch step {index} is invalid: {issue}"))
            .with("stepIndex", index)
            .with("issues", vec![issue])
    };
    let only_verb = || -> Result<()> {
        match object.keys().find(|k| k.as_str() != verb) {
            Some(extra) => Err(invalid(format!("unknown key `{extra}`"))),
            None => Ok(()),
        }
    };
    match verb {
        "type" | "paste" => {
            let params = text_step(verb, object, invalid)?;
            Ok(if verb == "type" { Step::Type(params) } else { Step::Paste(params) })
        }
        "sendKeys" => {
            only_verb()?;
            let keys: Vec<String> = serde_json::from_value(object["sendKeys"].clone())
                .map_err(|_| invalid("`sendKeys` must be an array of key names".into()))?;
            if keys.is_empty() || keys.iter().any(String::is_empty) {
                return Err(invalid("`sendKeys` must be a non-empty array of non-empty key names".into()));
            }
            if let Err(e) = agent_tty_vt::encode_keys(&keys) {
                return Err(Error::new(ErrorCode::InvalidKeys, format!("Batch step {index}: {e}"))
                    .with("stepIndex", index));
            }
            Ok(Step::SendKeys(keys))
        }
        "mouse" => {
            only_verb()?;
            let params: agent_tty_core::protocol::MouseParams =
                serde_json::from_value(object["mouse"].clone()).map_err(|e| invalid(e.to_string()))?;
            params.check().map_err(|e| {
                Error::invalid_input(format!("Batch step {index}: {}", e.message)).with("stepIndex", index)
            })?;
            Ok(Step::Mouse(params))
        }
        "run" => {
            let step: RunStep =
                serde_json::from_value(Value::Object(object.clone())).map_err(|e| invalid(e.to_string()))?;
            if step.run.is_empty() {
                return Err(invalid("`run` must be a non-empty string".into()));
            }
            if step.timeout == Some(0) {
                return Err(invalid("`timeout` must be a positive integer (ms)".into()));
            }
            let max_output = match &step.max_output {
                None | Some(Value::Null) => None,
                Some(Value::Number(n)) => Some(n.to_string()),
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return Err(invalid("`maxOutput` must be a size: 65536 or \"64k\"".into())),
            }
            .map(|raw| crate::numbers::byte_size_flag("maxOutput", &raw, crate::numbers::MAX_RUN_OUTPUT))
            .transpose()
            .map_err(invalid)?;
            Ok(Step::Run {
                command: step.run,
                no_wait: step.no_wait.unwrap_or(false),
                timeout_ms: step.timeout,
                check: step.check.unwrap_or(false),
                max_output,
            })
        }
        "snapshot" => {
            only_verb()?;
            let body: SnapshotBody = match &object["snapshot"] {
                Value::Null => SnapshotBody::default(),
                value => serde_json::from_value(value.clone()).map_err(|e| invalid(e.to_string()))?,
            };
            let format = Format::parse(body.format.as_deref().unwrap_or("structured"))?;
            let at = match (&body.at_seq, &body.at_time) {
                (Some(_), Some(_)) => {
                    return Err(invalid("`atSeq` and `atTime` are mutually exclusive".into()));
                }
                (Some(seq), None) => Some(point_value("atSeq", seq)?),
                (None, Some(time)) => Some(Point::parse_time("atTime", time)?),
                (None, None) => None,
            };
            if let Some(hash) = &body.since_hash {
                agent_tty_core::hash_lookup::check("sinceHash", hash)?;
            }
            Ok(Step::Snapshot { format, at, since_hash: body.since_hash })
        }
        "diff" => {
            only_verb()?;
            let body: DiffBody =
                serde_json::from_value(object["diff"].clone()).map_err(|e| invalid(e.to_string()))?;
            if body.from.is_some() == body.from_hash.is_some() {
                return Err(invalid(
                    "`diff` needs exactly one of `from` (a seq or a time) and `fromHash`".into(),
                ));
            }
            if let Some(hash) = &body.from_hash {
                agent_tty_core::hash_lookup::check("fromHash", hash)?;
            }
            Ok(Step::Diff {
                from: body.from.as_ref().map(|v| point_value("from", v)).transpose()?,
                from_hash: body.from_hash,
                to: body.to.as_ref().map(|v| point_value("to", v)).transpose()?,
                max_rows: body.max_rows.unwrap_or(40),
            })
        }
        "find" => {
            only_verb()?;
            let body: FindBody =
                serde_json::from_value(object["find"].clone()).map_err(|e| invalid(e.to_string()))?;
            let query = Query::new(body.text.as_deref(), body.regex.as_deref())?;
            let mode = match body.mode.as_deref().unwrap_or("first") {
                "first" => Mode::First,
                "last" => Mode::Last,
                "all" => Mode::All,
                other => return Err(invalid(format!("`mode` must be first, last or all; got {other:?}"))),
            };
            Ok(Step::Find { query, mode, max: body.max.unwrap_or(100).max(1) })
        }
        "export" => {
            only_verb()?;
            let body: ExportBody =
                serde_json::from_value(object["export"].clone()).map_err(|e| invalid(e.to_string()))?;
            let request = || -> Result<ExportRequest> {
                let request = ExportRequest {
                    format: body.format,
                    out: body.out,
                    profile: body.profile,
                    timing: body.timing,
                    from: body.from.as_ref().map(|v| point_value("from", v)).transpose()?,
                    to: body.to.as_ref().map(|v| point_value("to", v)).transpose()?,
                };
                request.check().map(|()| request)
            };
            // The command's own errors, with the step's index.
            request().map(Step::Export).map_err(|mut e| {
                e.message = format!("Batch step {index}: {}", e.message);
                e.with("stepIndex", index)
            })
        }
        _ => {
            only_verb()?;
            let body: WaitBody =
                serde_json::from_value(object["wait"].clone()).map_err(|e| invalid(e.to_string()))?;
            let spec = WaitSpec {
                text: body.text,
                regex: body.regex,
                screen_stable_ms: body.screen_stable_ms,
                cursor_row: body.cursor_row,
                cursor_col: body.cursor_col,
                after_seq: None,
                within: body.within,
            };
            WaitCondition::prepare(&spec).map_err(|e| {
                Error::new(e.code, format!("Batch step {index}: {}", e.message)).with("stepIndex", index)
            })?;
            Ok(Step::Wait { spec, timeout_ms: body.timeout.unwrap_or(600_000) })
        }
    }
}

fn step_error(index: usize, message: String) -> Error {
    Error::invalid_input(message).with("stepIndex", index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_verb() {
        let plan = parse(
            r#"[{"run":"ls","noWait":true},{"wait":{"text":"x","timeout":5}},{"sendKeys":["Enter"]},
               {"type":"a"},{"paste":"b"},{"run":"make","timeout":10}]"#,
        )
        .unwrap();
        let kinds: Vec<_> = plan.iter().map(Step::kind).collect();
        assert_eq!(kinds, ["run", "wait", "sendKeys", "type", "paste", "run"]);
    }

    #[test]
    fn durations_are_numbers_of_ms_or_duration_strings() {
        let plan = parse(
            r#"[{"run":"a","timeout":"1m30s"},{"run":"b","timeout":2500},{"run":"c","timeout":null},
               {"wait":{"text":"x","timeout":"2s","screenStableMs":"0.5s"}},{"wait":{"text":"y","timeout":"0s"}},
               {"wait":{"screenStableMs":300}}]"#,
        )
        .unwrap();
        let runs: Vec<_> = plan
            .iter()
            .filter_map(|s| match s {
                Step::Run { timeout_ms, .. } => Some(*timeout_ms),
                _ => None,
            })
            .collect();
        assert_eq!(runs, [Some(90_000), Some(2_500), None]);
        let waits: Vec<_> = plan
            .iter()
            .filter_map(|s| match s {
                Step::Wait { spec, timeout_ms } => Some((*timeout_ms, spec.screen_stable_ms)),
                _ => None,
            })
            .collect();
        assert_eq!(waits, [(2_000, Some(500)), (0, None), (600_000, Some(300))]);
        for bad in [r#""2sec""#, "-5", "1.5", r#""1.5""#, "true", "[]"] {
            for plan in [
                format!(r#"[{{"run":"a","timeout":{bad}}}]"#),
                format!(r#"[{{"wait":{{"text":"a","timeout":{bad}}}}}]"#),
                format!(r#"[{{"wait":{{"screenStableMs":{bad}}}}}]"#),
            ] {
                let error = parse(&plan).unwrap_err();
                assert_eq!(error.code, ErrorCode::InvalidInput, "{plan}");
                assert!(error.message.starts_with("Batch step 0 is invalid: `"), "{plan}: {}", error.message);
                assert!(
                    error.message.contains(&format!(
                        "or a duration string such as \"500ms\", \"2s\", \"1.5s\", \"2m\", \"1h\"; got {bad}"
                    )),
                    "{plan}: {}",
                    error.message
                );
            }
        }
    }

    #[test]
    fn rejects_bad_plans_with_the_contract_messages() {
        let message = |s: &str| parse(s).unwrap_err().message.clone();
        assert!(message("nope").starts_with("Batch steps must be valid JSON."));
        assert_eq!(message("{}"), "Batch steps must be a JSON array.");
        assert_eq!(message("[]"), "Batch must contain at least one step.");
        assert!(message(r#"[{"type":"a","wait":{}}]"#).ends_with("found type, wait"));
        assert!(message(r#"[{"jump":1}]"#).ends_with("found none"));
        assert!(message(r#"[{"type":""}]"#).contains("is invalid"));
        assert!(message(r#"[{"wait":{"text":"a","afterSeq":1}}]"#).contains("is invalid"));
        let keys = parse(r#"[{"sendKeys":["BOGUS"]}]"#).unwrap_err();
        assert_eq!((keys.code, &keys.details["stepIndex"]), (ErrorCode::InvalidKeys, &Value::from(0)));
        let regex = parse(r#"[{"wait":{"regex":"(a+)+"}}]"#).unwrap_err();
        assert_eq!(regex.code, ErrorCode::InvalidInput);
    }

    #[test]
    fn wait_steps_take_in() {
        let plan = parse(r#"[{"wait":{"text":"x","in":"output"}},{"wait":{"text":"y","in":"screen"}},{"wait":{"text":"z"}}]"#)
            .unwrap();
        let within: Vec<_> = plan
            .iter()
            .filter_map(|s| match s {
                Step::Wait { spec, .. } => Some(spec.within),
                _ => None,
            })
            .collect();
        assert_eq!(within, [WaitIn::Output, WaitIn::Screen, WaitIn::Screen]);
        let error = parse(r#"[{"wait":{"screenStableMs":100,"in":"output"}}]"#).unwrap_err();
        assert_eq!(error.code, agent_tty_core::ErrorCode::InvalidInput);
        assert!(
            error.message.starts_with("Batch step 0: Render wait in output needs text or regex"),
            "{}",
            error.message
        );
        let error = parse(r#"[{"wait":{"text":"x","in":"scrollback"}}]"#).unwrap_err();
        assert!(error.message.contains("is invalid"), "{}", error.message);
    }

    #[test]
    fn export_steps_take_a_format_and_a_clip() {
        let plan = parse(
            r#"[{"export":{"format":"asciicast","from":3,"to":"9"}},
               {"export":{"format":"gif","out":"a.gif","profile":"reference-light","timing":"max-speed","from":"-30s"}},
               {"export":{"format":"webm"}}]"#,
        )
        .unwrap();
        let requests: Vec<_> = plan
            .iter()
            .filter_map(|s| match s {
                Step::Export(request) => Some(request),
                _ => None,
            })
            .collect();
        assert_eq!(requests.len(), 3);
        assert_eq!((requests[0].from, requests[0].to), (Some(Point::Seq(3)), Some(Point::Seq(9))));
        assert_eq!(
            (requests[1].format.as_str(), requests[1].out.as_deref(), requests[1].timing.as_deref()),
            ("gif", Some("a.gif"), Some("max-speed"))
        );
        assert_eq!((requests[1].from, requests[1].to), (Some(Point::BeforeEnd(30_000)), None));
        assert_eq!((requests[2].from, requests[2].to), (None, None));
        assert_eq!(plan[0].kind(), "export");
    }

    #[test]
    fn bad_export_steps_are_rejected_with_the_commands_codes() {
        let cases = [
            (r#"{"export":{"format":"mp4"}}"#, "format must be one of: asciicast, webm, gif"),
            (r#"{"export":{}}"#, "is invalid: missing field `format`"),
            (r#"{"export":{"format":5}}"#, "is invalid: invalid type"),
            (r#"{"export":{"format":"gif","fps":10}}"#, "is invalid: unknown field `fps`"),
            (r#"{"export":{"format":"gif"},"out":"x"}"#, "is invalid: unknown key `out`"),
            (r#"{"export":"gif"}"#, "is invalid: invalid type"),
            (r#"{"export":{"format":"gif","timing":"fast"}}"#, "timing mode must be one of"),
            (r#"{"export":{"format":"gif","profile":""}}"#, "profile is invalid"),
            (
                r#"{"export":{"format":"asciicast","from":9,"to":3}}"#,
                "start (seq 9) is after its end (seq 3)",
            ),
            (r#"{"export":{"format":"asciicast","from":true}}"#, "`from` must be a seq or a time"),
            (r#"{"export":{"format":"asciicast","to":"soon"}}"#, "to must be a seq of the event log"),
            (r#"{"export":{"format":"asciicast","from":-1}}"#, "from must be a seq of the event log"),
        ];
        for (step, expected) in cases {
            let plan = format!(r#"[{{"type":"a"}},{step}]"#);
            let error = parse(&plan).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidInput, "{step}");
            assert!(error.message.contains(expected), "{step}: {}", error.message);
        }
        let error = parse(r#"[{"export":{"format":"mp4"}}]"#).unwrap_err();
        assert_eq!(
            (&error.details["stepIndex"], &error.details["format"]),
            (&Value::from(0), &Value::from("mp4"))
        );
        assert!(error.message.starts_with("Batch step 0: "), "{}", error.message);
        let error = parse(r#"[{"type":"a"},{"export":{"format":"gif","to":[]}}]"#).unwrap_err();
        assert_eq!(error.details["stepIndex"], Value::from(1));
    }
}
