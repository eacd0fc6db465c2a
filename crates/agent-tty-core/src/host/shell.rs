//! What the host knows of the shell from its integration marks (see
//! [`crate::shell_marks`]): whether it marks its prompts, the command running now, the
//! working directory; and the waited `run` whose outcome it is collecting.

use crate::command_log::{CommandEnd, CommandRecord, CommandStart};
use crate::plain_text::{CappedText, PlainText};
use crate::shell_marks::Mark;

/// The shell's state as its marks tell it.
#[derive(Debug, Default)]
pub(crate) struct ShellState {
    /// Some prompt mark was seen: the shell marks its commands.
    pub marks_seen: bool,
    /// The shell is at its prompt (a prompt mark came after the last command start).
    pub at_prompt: bool,
    /// The seq of the start record of the command running now.
    pub running: Option<u64>,
    /// The working directory the shell last reported (OSC 7).
    pub cwd: Option<String>,
    /// How many commands started.
    pub commands: u64,
    /// The shell runs a `run`'s postamble: not a command of the user's, not recorded.
    pub in_postamble: bool,
}

/// What a mark changes in the event log.
#[derive(Debug)]
pub(crate) enum Boundary {
    /// Log this start record; its seq becomes the running command's.
    Start(CommandRecord),
    /// Log this end record.
    End(CommandRecord),
}

impl ShellState {
    /// Takes a mark into account; returns the record to log, if it is a boundary.
    /// `command` is the command line to record when the mark does not say it.
    pub(crate) fn on_mark(
        &mut self,
        mark: Mark,
        command: impl FnOnce() -> Option<String>,
    ) -> Option<Boundary> {
        match mark {
            Mark::Cwd(path) => {
                self.cwd = Some(path);
                None
            }
            Mark::PromptStart | Mark::PromptEnd => {
                self.marks_seen = true;
                self.at_prompt = true;
                // A prompt means no command runs: one that started and never said how it
                // ended is over (its end is unknown).
                self.running.take().map(|start_seq| self.end(start_seq, None))
            }
            Mark::CommandStart { command: said } => {
                if self.running.is_some() {
                    return None; // the same start said twice (a shell's own marks and ours)
                }
                self.marks_seen = true;
                self.at_prompt = false;
                if said.as_deref().is_some_and(|line| line.starts_with(crate::run_filter::POSTAMBLE_PREFIX)) {
                    self.in_postamble = true;
                    return None;
                }
                self.commands += 1;
                let start = CommandStart::new(said.or_else(command), self.cwd.clone());
                Some(Boundary::Start(CommandRecord::Start(start)))
            }
            Mark::CommandEnd { exit_code } => {
                if std::mem::take(&mut self.in_postamble) {
                    self.at_prompt = true;
                    return None;
                }
                let start_seq = self.running.take()?;
                // The shell reads its next command line now (its prompt may be drawn a
                // moment later: zsh draws it after its hooks).
                self.at_prompt = true;
                Some(self.end(start_seq, exit_code))
            }
        }
    }

    fn end(&self, start_seq: u64, exit_code: Option<i32>) -> Boundary {
        Boundary::End(CommandRecord::End(CommandEnd { start_seq, exit_code, cwd: self.cwd.clone() }))
    }

    /// Whether a `run` now can learn its end from the marks: the shell marks its
    /// commands and sits at its prompt.
    pub(crate) fn can_mark_a_run(&self) -> bool {
        self.marks_seen && self.at_prompt && self.running.is_none()
    }
}

/// How far into a run's output its echo is looked for, in bytes.
const ECHO_WINDOW: usize = 8 * 1024;

/// The outcome a waited `run` collects: its output, and (from the marks or the
/// postamble) its exit status and working directory.
#[derive(Debug)]
pub(crate) struct RunOutcome {
    /// The command line typed.
    pub command: String,
    /// The end comes from the shell's marks (not the postamble's sentinel).
    pub by_marks: bool,
    /// Marks: the seq of the command's start record, once the shell started it.
    pub start_seq: Option<u64>,
    /// Output is collected (marks: from the start; postamble: from the input).
    collecting: bool,
    plain: PlainText,
    text: Option<CappedText>,
    /// The exit status, once known.
    pub exit_code: Option<i32>,
    /// The working directory after it, once known.
    pub cwd: Option<String>,
}

impl RunOutcome {
    /// A run of `command`, keeping up to `max_output` bytes of output (0: none).
    pub(crate) fn new(command: String, by_marks: bool, max_output: u64) -> RunOutcome {
        let max = usize::try_from(max_output).unwrap_or(usize::MAX);
        RunOutcome {
            command,
            by_marks,
            start_seq: None,
            collecting: !by_marks,
            plain: PlainText::new(),
            text: (max > 0).then(|| CappedText::new(max)),
            exit_code: None,
            cwd: None,
        }
    }

    /// The shell started the command (marks): collect from here.
    pub(crate) fn started(&mut self, start_seq: u64) {
        self.start_seq = Some(start_seq);
        self.collecting = true;
    }

    /// The command ended: what comes next is not its output.
    pub(crate) fn ended(&mut self, exit_code: Option<i32>, cwd: Option<String>) {
        self.collecting = false;
        self.exit_code = exit_code;
        self.cwd = cwd;
    }

    /// Output logged while the run is pending.
    pub(crate) fn output(&mut self, text: &str) {
        if !self.collecting {
            return;
        }
        if let Some(capped) = &mut self.text {
            let mut lines = String::new();
            self.plain.push(text, &mut lines);
            capped.push(&lines);
        }
    }

    /// The output collected so far (and whether some was left out): without marks, the
    /// echo of the command line at its start and the prompt at its end are taken off.
    pub(crate) fn take_output(&mut self) -> (Option<String>, Option<bool>) {
        let Some(capped) = self.text.take() else { return (None, None) };
        let mut capped = capped;
        let mut rest = String::new();
        self.plain.finish(&mut rest);
        let by_marks = self.by_marks;
        // A last line of blanks is the shell's, not the command's (zsh fills the line
        // with spaces before its prompt, to see whether the output ended with a newline).
        if by_marks && !rest.trim().is_empty() {
            capped.push(&rest);
        }
        // Without marks, the unfinished last line is the shell's next prompt.
        let (mut text, truncated) = capped.finish();
        if !by_marks {
            // The echo of the command line, after whatever the shell printed before it
            // read the line (a prompt drawn late, the end of an earlier command).
            let line = self.command.lines().next().unwrap_or_default();
            let echo = format!("{line}\n");
            let window = &text[..floor_boundary(&text, ECHO_WINDOW + echo.len())];
            if let Some(at) = window.find(&echo) {
                text.drain(..at + echo.len());
                // Typed before the shell read it, the line is echoed twice: by the
                // terminal at once, then by the line editor after its prompt.
                while let Some(end) = text.find('\n').filter(|&end| is_prompt_and(&text[..end], line)) {
                    text.drain(..=end);
                }
            }
        }
        (Some(text), Some(truncated))
    }
}

/// Whether `row` is a prompt followed by `line`: nothing, or something ending like a
/// prompt (`$ `, `# `, `> `, `% `), before it.
fn is_prompt_and(row: &str, line: &str) -> bool {
    row.strip_suffix(line).is_some_and(|prompt| {
        prompt.is_empty() || ["$ ", "# ", "> ", "% ", "❯ "].iter().any(|end| prompt.ends_with(end))
    })
}

fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start_of(boundary: Option<Boundary>) -> CommandStart {
        match boundary {
            Some(Boundary::Start(CommandRecord::Start(start))) => start,
            other => panic!("not a start: {other:?}"),
        }
    }

    fn end_of(boundary: Option<Boundary>) -> CommandEnd {
        match boundary {
            Some(Boundary::End(CommandRecord::End(end))) => end,
            other => panic!("not an end: {other:?}"),
        }
    }

    #[test]
    fn marks_make_starts_and_ends_and_duplicates_are_ignored() {
        let mut shell = ShellState::default();
        assert!(!shell.can_mark_a_run());
        assert!(shell.on_mark(Mark::Cwd("/home".into()), || None).is_none());
        assert!(shell.on_mark(Mark::PromptStart, || None).is_none());
        assert!(shell.can_mark_a_run());
        let start = start_of(shell.on_mark(Mark::CommandStart { command: None }, || Some("ls".into())));
        assert_eq!((start.command.as_deref(), start.cwd.as_deref()), (Some("ls"), Some("/home")));
        shell.running = Some(7);
        assert!(shell.on_mark(Mark::CommandStart { command: Some("ls".into()) }, || None).is_none());
        assert!(!shell.can_mark_a_run());
        shell.on_mark(Mark::Cwd("/tmp".into()), || None);
        let end = end_of(shell.on_mark(Mark::CommandEnd { exit_code: Some(2) }, || None));
        assert_eq!((end.start_seq, end.exit_code, end.cwd.as_deref()), (7, Some(2), Some("/tmp")));
        assert!(shell.on_mark(Mark::CommandEnd { exit_code: Some(2) }, || None).is_none(), "said twice");
        assert!(shell.can_mark_a_run(), "after an end, before the next prompt is drawn");
    }

    #[test]
    fn a_runs_postamble_is_not_a_command() {
        let mut shell = ShellState::default();
        let postamble = format!("{}\\141\\164';%d\\033\\134' $?", crate::run_filter::POSTAMBLE_PREFIX);
        assert!(shell.on_mark(Mark::CommandStart { command: Some(postamble) }, || None).is_none());
        assert!(shell.on_mark(Mark::CommandEnd { exit_code: Some(0) }, || None).is_none());
        assert!(shell.can_mark_a_run());
        assert_eq!(shell.commands, 0);
    }

    #[test]
    fn a_prompt_ends_a_command_whose_end_was_not_said() {
        let mut shell = ShellState::default();
        shell.on_mark(Mark::CommandStart { command: None }, || None);
        shell.running = Some(3);
        let end = end_of(shell.on_mark(Mark::PromptStart, || None));
        assert_eq!((end.start_seq, end.exit_code), (3, None));
    }

    #[test]
    fn a_postamble_run_loses_its_echo_and_the_next_prompt() {
        let mut run = RunOutcome::new("echo hi".into(), false, 1024);
        run.output("echo hi\r\n\u{1b}[1mhi\u{1b}[0m\r\n");
        run.output("me@box:~$ ");
        assert_eq!(run.take_output(), (Some("hi\n".into()), Some(false)));
        let mut late = RunOutcome::new("echo hi".into(), false, 1024);
        late.output("echo hi\r\nme@box:~$ echo hi\r\nhi\r\nme@box:~$ ");
        assert_eq!(late.take_output(), (Some("hi\n".into()), Some(false)), "a prompt drawn late goes too");
        let mut ls = RunOutcome::new("ls".into(), false, 1024);
        ls.output("ls\r\nfoo/ls\r\ntools\r\n$ ");
        assert_eq!(
            ls.take_output(),
            (Some("foo/ls\ntools\n".into()), Some(false)),
            "output that ends like the command stays"
        );
    }

    #[test]
    fn a_marked_run_collects_from_its_start_only() {
        let mut run = RunOutcome::new("seq 3".into(), true, 1024);
        run.output("seq 3\r\n");
        run.started(9);
        run.output("1\r\n2\r\n3");
        assert_eq!(run.take_output(), (Some("1\n2\n3".into()), Some(false)));
        let mut zsh = RunOutcome::new("echo hi".into(), true, 1024);
        zsh.started(3);
        zsh.output("hi\r\n       \r");
        assert_eq!(zsh.take_output(), (Some("hi\n".into()), Some(false)), "zsh's PROMPT_SP is not output");
        let mut quiet = RunOutcome::new("true".into(), true, 0);
        quiet.started(1);
        quiet.output("x");
        assert_eq!(quiet.take_output(), (None, None));
    }
}
