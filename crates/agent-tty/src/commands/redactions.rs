//! `redactions: N` on every result that exposes screen content (`snapshot`, `screenshot`,
//! `wait`, `run`, `diff`, `find`, `batch`): the count of secrets the session's host has masked so
//! far, read from the session's redaction sidecar (the host rewrites it when the count
//! changes, before it answers anyone who may read it, so a live result and an offline one
//! agree). The key comes last, after the 0.5 keys, and only once something was masked:
//! absent means none.

use agent_tty_core::paths::SessionPaths;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Value, json};

use crate::output::Outcome;

/// A result with `redactions` after its own keys. Its schema is `T`'s with the key added
/// to every object form (see [`add_redactions`]), so titles and descriptions stay.
#[derive(Debug, Serialize)]
pub struct Redacted<T> {
    /// The command's own result.
    #[serde(flatten)]
    pub result: T,
    /// Secrets masked in the session's output so far (sealed input, `--redact-env` values,
    /// detectors, `config.json` patterns); absent while there are none, so a session without
    /// secrets keeps agent-tty 0.5's exact result shapes.
    #[serde(skip_serializing_if = "is_zero")]
    pub redactions: u64,
}

fn is_zero(count: &u64) -> bool {
    *count == 0
}

impl<T: JsonSchema> JsonSchema for Redacted<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = T::json_schema(generator);
        add_redactions(schema.as_object_mut(), generator);
        schema
    }
}

/// Adds the optional `redactions` key to an object schema, or to each form of an `anyOf`
/// (following `$ref`s into the generator's definitions).
fn add_redactions(
    schema: Option<&mut serde_json::Map<String, Value>>,
    generator: &mut schemars::SchemaGenerator,
) {
    let Some(schema) = schema else { return };
    if let Some(Value::Array(forms)) = schema.get_mut("anyOf") {
        for form in forms {
            let reference = form.get("$ref").and_then(Value::as_str).map(str::to_owned);
            match reference.as_deref().and_then(|r| r.strip_prefix("#/$defs/")) {
                Some(name) => {
                    let definition = generator.definitions_mut().get_mut(name).and_then(Value::as_object_mut);
                    if let Some(definition) = definition {
                        add_property(definition);
                    }
                }
                None => {
                    if let Some(form) = form.as_object_mut() {
                        add_property(form);
                    }
                }
            }
        }
    } else {
        add_property(schema);
    }
}

fn add_property(object: &mut serde_json::Map<String, Value>) {
    let Some(Value::Object(properties)) = object.get_mut("properties") else { return };
    properties.insert(
        "redactions".into(),
        json!({
            "type": "integer",
            "format": "uint64",
            "minimum": 1,
            "description": "Secrets masked in the session's output so far (sealed input, --redact-env values, \
                            detectors, config.json patterns); absent while there are none."
        }),
    );
}

/// `outcome` with the session's `redactions` count added to its result.
pub fn with_redactions(outcome: Outcome, paths: &SessionPaths) -> Outcome {
    let redactions = agent_tty_core::redaction::redactions(&paths.dir);
    Outcome { result: Box::new(Redacted { result: outcome.result, redactions }), ..outcome }
}

/// What `inspect` says of the session's redaction: the level, the active rule names (never
/// a value) and the count.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RedactionInfo {
    /// `off`, `default` or `strict` (`default` for a session created without settings).
    pub level: String,
    /// The active rules by name: detectors (`aws-access-key`, …), `sealed-input`,
    /// `env:NAME`, `pattern:NAME`.
    pub rules: Vec<String>,
    /// Secrets masked so far.
    pub redactions: u64,
}

impl RedactionInfo {
    /// The session's redaction state, from its sidecar.
    pub fn of(paths: &SessionPaths) -> RedactionInfo {
        let saved = agent_tty_core::redaction::read(&paths.dir).unwrap_or_default();
        RedactionInfo { level: saved.level, rules: saved.rules, redactions: saved.redactions }
    }
}
