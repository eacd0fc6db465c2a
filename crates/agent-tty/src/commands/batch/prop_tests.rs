//! Property tests of the batch plan parser: random text, random JSON and mutated valid
//! plans never panic; every refusal is `INVALID_INPUT`, `INVALID_KEYS` or (a wait's
//! duration) `INVALID_DURATION` with a non-empty message; a valid plan parses to its
//! steps, in order. Failing cases are kept in `proptest-regressions/batch_plan.txt`.

use agent_tty_core::ErrorCode;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::{Value, json};

use super::plan::{Step, parse};

/// A plan using every verb and option.
const PLAN: &str = r#"[{"run":"ls -l","noWait":true},{"wait":{"text":"ready","timeout":5}},
{"sendKeys":["Enter","ctrl+c"]},{"type":"abc"},{"paste":"x\ny"},{"run":"make","timeout":10},
{"wait":{"regex":"b+[0-9]","screenStableMs":20}},{"wait":{"cursorRow":1,"cursorCol":2}}]"#;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/batch_plan.txt",
        ))),
        ..ProptestConfig::default()
    }
}

fn check(text: &str) -> Result<(), TestCaseError> {
    match parse(text) {
        Ok(steps) => prop_assert!(!steps.is_empty()),
        Err(e) => {
            prop_assert!(
                matches!(
                    e.code,
                    ErrorCode::InvalidInput | ErrorCode::InvalidKeys | ErrorCode::InvalidDuration
                ),
                "{text:?}: unexpected code {:?} ({})",
                e.code,
                e.message
            );
            prop_assert!(!e.message.is_empty());
        }
    }
    Ok(())
}

/// Any JSON value, a few levels deep, with the plan's keys likely.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("type".to_string()),
        Just("paste".to_string()),
        Just("sendKeys".to_string()),
        Just("run".to_string()),
        Just("wait".to_string()),
        Just("noWait".to_string()),
        Just("timeout".to_string()),
        Just("text".to_string()),
        Just("regex".to_string()),
        Just("screenStableMs".to_string()),
        Just("cursorRow".to_string()),
        "[a-zA-Z]{1,6}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,10}".prop_map(Value::from),
        proptest::sample::select(vec!["Enter", "ctrl+c", "shift+Tab", "F13", "ctrl++"]).prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(key.clone(), inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn random_text_is_parsed_or_refused(text in "\\PC{0,40}") {
        check(&text)?;
    }

    #[test]
    fn random_json_plans_are_parsed_or_refused(steps in proptest::collection::vec(json_value(), 0..5)) {
        check(&Value::Array(steps).to_string())?;
    }

    #[test]
    fn mutated_plans_are_parsed_or_refused(
        edits in proptest::collection::vec((any::<usize>(), 0u8..3, any::<u8>()), 1..6),
    ) {
        let mut bytes = PLAN.as_bytes().to_vec();
        for (at, op, byte) in edits {
            let i = at % (bytes.len() + 1);
            match op {
                0 if i < bytes.len() => bytes[i] ^= byte.max(1),
                1 => bytes.insert(i, byte),
                _ if i < bytes.len() => {
                    bytes.remove(i);
                }
                _ => {}
            }
        }
        check(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn valid_plans_parse_to_their_steps(texts in proptest::collection::vec("\\PC{1,12}", 1..6)) {
        let plan: Vec<Value> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| match i % 3 {
                0 => json!({ "type": t }),
                1 => json!({ "paste": t }),
                _ => json!({ "run": t, "noWait": true }),
            })
            .collect();
        let steps = parse(&Value::Array(plan).to_string()).map_err(|e| TestCaseError::fail(e.message.clone()))?;
        prop_assert_eq!(steps.len(), texts.len());
        for (i, (step, text)) in steps.iter().zip(&texts).enumerate() {
            let got = match step {
                Step::Type(p) | Step::Paste(p) => &p.text,
                Step::Run { command, no_wait, .. } => {
                    prop_assert!(*no_wait);
                    command
                }
                other => return Err(TestCaseError::fail(format!("step {i}: {}", other.kind()))),
            };
            prop_assert_eq!(got, text);
            prop_assert_eq!(step.kind(), ["type", "paste", "run"][i % 3]);
        }
    }
}

#[test]
fn the_example_plan_is_valid() {
    assert_eq!(parse(PLAN).map(|steps| steps.len()).ok(), Some(8));
}
