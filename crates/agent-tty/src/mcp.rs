//! `agent-tty mcp`: an MCP server over stdio (the official Rust SDK, `rmcp`), one
//! long-lived process an agent's MCP configuration starts. Each tool call becomes the
//! [`Command`](crate::cli::Command) the CLI would parse (see [`tools`]) and runs through
//! the CLI's own dispatch on a blocking thread, so a slow call stalls no other; its typed
//! result is the tool's `structuredContent`, its human lines the text content, and a
//! screenshot's PNG an image content. Errors are tool errors (`isError: true`) whose
//! `structuredContent` is the CLI's error object (`code`, `message`, `retryable`,
//! `details`).
//!
//! A call still running after a second sends `notifications/progress` (when the client
//! gave a progress token) every second, and a `notifications/cancelled` ends the wait for
//! it at once: the server answers nothing for that request and serves the next ones, and
//! the call's connection to the host is shut down, so the host drops its wait at once
//! ([`tools::Cancellation`]). Sessions belong to their hosts, not to this process: a
//! client (or this server) that dies leaves them running, and any number of servers and
//! CLI calls may use them at once.
//!
//! Resources ([`resources`]): the session list and each session's screen, screenshot and
//! Event Log, with `resources/subscribe` (pushed by the session's host) and
//! `notifications/resources/list_changed`.
//!
//! Only protocol goes to stdout; nothing else is printed there.

mod resources;
mod tools;

use std::sync::Arc;
use std::time::{Duration, Instant};

use agent_tty_core::{Error, Result};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, InitializeResult,
    ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
    ProgressNotificationParam, ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities,
    ServerConfig, SubscribeRequestParams, UnsubscribeRequestParams,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, ServiceExt};
use serde_json::{Value, json};

use crate::cli::{Command, McpArgs};
use crate::context::Context;
use crate::output::{Outcome, Style, strip_ansi};

/// How often a running call reports progress.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// What the server tells clients about itself.
const INSTRUCTIONS: &str = "agent-tty: real, long-lived terminals. `create` a session (a shell by default), then \
    `run` commands in it, or `type`/`send_keys` and `wait` for the screen, `snapshot` to read it, `screenshot` to \
    see it; `destroy` it when done. Sessions outlive this server. Resources: agent-tty://sessions and \
    agent-tty://session/<id>/screen, /screenshot and /events; subscribe to a screen to be told when it changes. \
    The agent-tty skill (`agent-tty skills get agent-tty`) explains the workflow.";

/// Runs the server until the client closes stdin. Prints nothing on stdout but protocol.
pub fn run(context: &Context, _args: &McpArgs) -> Result<Outcome> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| Error::internal(format!("Cannot start the MCP server's runtime: {error}")))?;
    let (updates, updated) = tokio::sync::mpsc::unbounded_channel();
    let subscriptions = Arc::new(resources::Subscriptions::default());
    let server = Server {
        context: Arc::new(context.clone()),
        tools: Arc::new(tools::Tools::new()),
        subscriptions: Arc::clone(&subscriptions),
        updates,
    };
    let shared = Arc::clone(&server.context);
    let served = runtime.block_on(async move {
        let running = server.serve(rmcp::transport::stdio_pipes()).await.map_err(|error| {
            Error::invalid_input(format!(
                "No MCP client initialised a session on stdin ({error}). `agent-tty mcp` is started by an \
                     agent's MCP configuration, e.g. {{\"command\": \"agent-tty\", \"args\": [\"mcp\"]}}."
            ))
        })?;
        let notifier = tokio::spawn(resources::notify(
            shared,
            running.peer().clone(),
            Arc::clone(&subscriptions),
            updated,
        ));
        let waited = running.waiting().await;
        notifier.abort();
        subscriptions.clear();
        waited.map_err(|error| Error::internal(format!("The MCP server failed: {error}")))
    });
    // Calls whose client went away (a cancelled wait) may still block a thread until the
    // host answers them: do not wait for them.
    runtime.shutdown_background();
    served?;
    Ok(Outcome { result: Box::new(()), human: Vec::new(), exit_code: 0, raw: Some(String::new()) })
}

/// The server: the resolved context (Home, configuration) every call runs in, and the
/// client's resource subscriptions.
#[derive(Clone)]
struct Server {
    context: Arc<Context>,
    tools: Arc<tools::Tools>,
    subscriptions: Arc<resources::Subscriptions>,
    /// Where subscriptions send the URI of a changed resource.
    updates: tokio::sync::mpsc::UnboundedSender<String>,
}

/// What a finished call hands back from its blocking thread.
struct Reply {
    /// The result or error object.
    structured: Value,
    /// The concise text form.
    text: String,
    /// Whether this is an error.
    error: bool,
    /// A screenshot's PNG.
    png: Option<Vec<u8>>,
}

impl Reply {
    fn error(error: &Error) -> Reply {
        let structured = json!({
            "code": error.code_str(),
            "message": error.message,
            "retryable": error.retryable(),
            "details": Value::Object(error.details.clone()),
        });
        Reply {
            structured,
            text: format!("{}: {}", error.code_str(), error.human_message()),
            error: true,
            png: None,
        }
    }

    fn into_result(self) -> CallToolResult {
        let mut content = vec![ContentBlock::text(self.text)];
        if let Some(png) = self.png {
            content.push(ContentBlock::image(base64(&png), "image/png"));
        }
        let mut result =
            if self.error { CallToolResult::error(content) } else { CallToolResult::success(content) };
        result.structured_content = Some(self.structured);
        result
    }
}

/// Runs one command as the CLI does (on the calling, blocking thread).
fn execute(context: &Context, call: tools::Call) -> Reply {
    let screenshot = matches!(call.command, Command::Screenshot(_));
    let ran = match call.command {
        Command::Snapshot(args) if !call.keep_artifact => crate::commands::snapshot_unkept(context, &args),
        command => crate::commands::run(context, command, Style { json: false, no_color: true }),
    };
    let outcome = match ran {
        Ok(outcome) => outcome,
        Err(error) => return Reply::error(&error),
    };
    let structured = match serde_json::to_value(&*outcome.result) {
        Ok(value) => value,
        Err(error) => return Reply::error(&Error::internal(format!("Cannot serialise the result: {error}"))),
    };
    let text = strip_ansi(&outcome.raw.unwrap_or_else(|| outcome.human.join("\n")));
    let png = if screenshot {
        let path = structured.get("artifactPath").and_then(Value::as_str).unwrap_or_default();
        match std::fs::read(path) {
            Ok(png) => Some(png),
            Err(error) => {
                let error = Error::internal(format!("Cannot read the screenshot {path}: {error}"));
                return Reply::error(&error.with("artifactPath", path));
            }
        }
    } else {
        None
    };
    Reply { structured, text, error: false, png }
}

impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_resources()
            .enable_resources_subscribe()
            .enable_resources_list_changed()
            .build();
        InitializeResult::new(capabilities)
            .with_server_info(Implementation::new("agent-tty", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools.list.clone()))
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<ListResourcesResult, ErrorData> {
        let shared = Arc::clone(&self.context);
        let listed = tokio::task::spawn_blocking(move || resources::list(&shared)).await;
        let listed =
            listed.map_err(|error| ErrorData::internal_error(format!("Cannot list: {error}"), None))?;
        Ok(ListResourcesResult::with_all_items(listed))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<ListResourceTemplatesResult, ErrorData> {
        Ok(ListResourceTemplatesResult::with_all_items(resources::templates()))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<ReadResourceResponse, ErrorData> {
        let shared = Arc::clone(&self.context);
        let read = tokio::task::spawn_blocking(move || resources::read(&shared, &request.uri)).await;
        let read =
            read.map_err(|error| ErrorData::internal_error(format!("The read failed: {error}"), None))?;
        Ok(read?.into())
    }

    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<(), ErrorData> {
        let shared = Arc::clone(&self.context);
        let subscriptions = Arc::clone(&self.subscriptions);
        let updates = self.updates.clone();
        let subscribed =
            tokio::task::spawn_blocking(move || subscriptions.subscribe(&shared, &request.uri, updates))
                .await;
        subscribed
            .map_err(|error| ErrorData::internal_error(format!("The subscribe failed: {error}"), None))?
    }

    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> std::result::Result<(), ErrorData> {
        // Unsubscribing from what is not (or no longer: its session ended) subscribed is
        // not an error.
        self.subscriptions.unsubscribe(&request.uri);
        Ok(())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> std::result::Result<CallToolResponse, ErrorData> {
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        let Some(call) = tools::command(&request.name, arguments) else {
            let names: Vec<&str> = self.tools.list.iter().map(|tool| tool.name.as_ref()).collect();
            return Err(ErrorData::invalid_params(
                format!("No tool named {:?}; the tools are: {}.", request.name, names.join(", ")),
                None,
            ));
        };
        let call = match call {
            Ok(call) => call,
            Err(error) => return Ok(Reply::error(&error).into_result().into()),
        };
        let shared = Arc::clone(&self.context);
        // Ends the call's host connections if this future ends first (a cancellation).
        let (_cancellation, scope) = tools::Cancellation::new();
        let mut work = tokio::task::spawn_blocking(move || scope.scope(|| execute(&shared, call)));
        let token = context.meta.get_progress_token();
        let started = Instant::now();
        let mut ticks =
            tokio::time::interval_at(tokio::time::Instant::now() + PROGRESS_EVERY, PROGRESS_EVERY);
        let reply = loop {
            tokio::select! {
                joined = &mut work => break joined,
                () = context.ct.cancelled() => {
                    // The client gave up on this call: rmcp sends no answer for it.
                    return Ok(Reply::error(&Error::invalid_input("The call was cancelled.")).into_result().into());
                }
                _ = ticks.tick(), if token.is_some() => {
                    if let Some(token) = token.clone() {
                        let seconds = started.elapsed().as_secs_f64();
                        let progress = ProgressNotificationParam::new(token, seconds.floor())
                            .with_message(format!("{} running for {:.0} s", request.name, seconds));
                        let _ = context.peer.notify_progress(progress).await;
                    }
                }
            }
        };
        let reply =
            reply.unwrap_or_else(|error| Reply::error(&Error::internal(format!("The call failed: {error}"))));
        Ok(reply.into_result().into())
    }
}

/// Standard base64 (with padding), for image content.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> shift) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn every_tool_has_an_object_input_and_output_schema() {
        let tools = tools::Tools::new();
        assert!(tools.list.len() >= 15);
        for tool in &tools.list {
            assert_eq!(tool.input_schema.get("type"), Some(&json!("object")), "{}", tool.name);
            let output =
                tool.output_schema.as_ref().unwrap_or_else(|| panic!("{} has no output schema", tool.name));
            assert_eq!(output.get("type"), Some(&json!("object")), "{}", tool.name);
        }
    }

    #[test]
    fn bad_arguments_are_invalid_input() {
        let Some(Err(error)) = tools::command("type", json!({"sessionId": "x", "txt": "a"})) else {
            panic!("an unknown key was accepted");
        };
        assert_eq!(error.code_str(), "INVALID_INPUT");
        let Some(Err(error)) =
            tools::command("run", json!({"sessionId": "x", "check": true, "noWait": true}))
        else {
            panic!("check with noWait was accepted");
        };
        assert!(error.message.contains("`check` cannot be used with `noWait`"), "{}", error.message);
        assert!(tools::command("nope", json!({})).is_none());
    }
}
