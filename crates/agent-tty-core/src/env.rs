//! Every environment variable agent-tty reads or sets, in one place.

/// Home override; also how the detached host learns its Home.
pub const AGENT_TTY_HOME: &str = "AGENT_TTY_HOME";
/// Log level (`debug|info|warn|error`).
pub const AGENT_TTY_LOG_LEVEL: &str = "AGENT_TTY_LOG_LEVEL";
/// Default render profile.
pub const AGENT_TTY_PROFILE: &str = "AGENT_TTY_PROFILE";
/// Renderer override.
pub const AGENT_TTY_RENDERER: &str = "AGENT_TTY_RENDERER";
/// Internal: the CLI's semantic renderer for the host; stripped from the PTY child.
pub const AGENT_TTY_HOST_RENDERER: &str = "AGENT_TTY_HOST_RENDERER";
/// Internal: the file descriptor on which a starting host reports readiness to `create`.
pub const AGENT_TTY_READY_FD: &str = "AGENT_TTY_READY_FD";
/// Replaces the socket root `/tmp/agent-tty` (absolute; a testing and packaging knob).
/// The host honours it and records the socket path it used for the CLI.
pub const AGENT_TTY_SOCKET_ROOT: &str = "AGENT_TTY_SOCKET_ROOT";
/// Base of the Home Registry (absolute only).
pub const XDG_STATE_HOME: &str = "XDG_STATE_HOME";
/// Default `--shell`.
pub const SHELL: &str = "SHELL";
/// The OS user's home directory.
pub const HOME: &str = "HOME";
/// Injected into every PTY child (empty) unless the session's `--env` names it.
pub const PROMPT_EOL_MARK: &str = "PROMPT_EOL_MARK";
/// The terminal type given to the child.
pub const TERM: &str = "TERM";
