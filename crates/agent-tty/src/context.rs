//! Resolves the global options and environment once, before any command runs: the Home,
//! `config.json`, log level and renderer. Errors here are reported with the envelope
//! command `agent-tty`.

use std::path::PathBuf;

use agent_tty_core::env;
use agent_tty_core::home::{Config, Home, LogLevel};
use agent_tty_core::{Error, ErrorCode, Result};

use crate::cli::Cli;

/// Everything a command needs to know about where and how it runs.
#[derive(Debug, Clone)]
pub struct Context {
    /// The resolved Home.
    pub home: Home,
    /// `config.json` of that Home.
    pub config: Config,
    /// The effective log level.
    pub log_level: LogLevel,
    /// The renderer chosen by flag, environment or config, if any.
    pub renderer: Option<String>,
    /// The OS user's home directory.
    pub user_home: PathBuf,
    /// The global `--profile`, if given (render profile default for screenshots).
    pub profile: Option<String>,
}

impl Context {
    /// Resolves the context from the parsed global options and the environment.
    pub fn resolve(cli: &Cli) -> Result<Context> {
        if let Some(value) = &cli.timeout_ms {
            crate::numbers::duration_flag("--timeout-ms", value, crate::numbers::Zero::Allowed).map_err(
                |message| Error::new(ErrorCode::InvalidDuration, message).with("timeoutMs", value.as_str()),
            )?;
        }
        let user_home = user_home();
        let env_home = std::env::var(env::AGENT_TTY_HOME).ok();
        let home = Home::resolve(cli.home.as_deref(), env_home.as_deref(), &user_home)?;
        let flag_level = match &cli.log_level {
            Some(level) => Some(LogLevel::parse(level).ok_or_else(|| {
                Error::invalid_input("Log level must be one of debug, info, warn, or error.")
                    .with("logLevel", level.as_str())
            })?),
            None => None,
        };
        let renderer = cli.renderer.clone().or_else(|| std::env::var(env::AGENT_TTY_RENDERER).ok());
        if let Some(name) =
            renderer.as_ref().filter(|r| !matches!(r.as_str(), "ghostty-web" | "libghostty-vt"))
        {
            return Err(Error::invalid_input("Renderer must be one of: ghostty-web, libghostty-vt.")
                .with("renderer", name.as_str()));
        }
        let config = Config::load(&home.config_path())?;
        let renderer = renderer.or_else(|| config.default_renderer.clone());
        let env_level = std::env::var(env::AGENT_TTY_LOG_LEVEL).ok().and_then(|l| LogLevel::parse(&l));
        let log_level = flag_level.or(env_level).or(config.log_level).unwrap_or(LogLevel::Info);
        Ok(Context { home, config, log_level, renderer, user_home, profile: cli.profile.clone() })
    }

    /// The environment the host (and through it the program) inherits from this call:
    /// the resolved log level and renderer, as agent-tty 0.5.0 exports them.
    pub fn host_env(&self) -> Vec<(String, String)> {
        let mut vars = vec![(env::AGENT_TTY_LOG_LEVEL.to_string(), self.log_level.as_str().to_string())];
        let semantic = self.renderer.clone().unwrap_or_else(|| "libghostty-vt".to_string());
        vars.push((env::AGENT_TTY_HOST_RENDERER.to_string(), semantic));
        if let Some(renderer) = &self.renderer {
            vars.push((env::AGENT_TTY_RENDERER.to_string(), renderer.clone()));
        }
        vars
    }

    /// Writes a debug log line to stderr when the log level is `debug`.
    pub fn debug(&self, message: &str) {
        if self.log_level == LogLevel::Debug {
            crate::output::write_stderr(format!("[agent-tty] debug: {message}\n").as_bytes());
        }
    }

    /// The Home Registry file.
    pub fn registry_path(&self) -> PathBuf {
        let xdg = std::env::var(env::XDG_STATE_HOME).ok();
        agent_tty_core::registry::registry_path(xdg.as_deref(), &self.user_home)
    }
}

/// The OS user's home directory: `$HOME`, else `/`.
fn user_home() -> PathBuf {
    std::env::var_os(env::HOME).filter(|h| !h.is_empty()).map_or_else(|| PathBuf::from("/"), PathBuf::from)
}
