//! Output redaction: secrets are masked in the host's decoded output **before** it reaches
//! the event log and the live screen (issue 18), so everything downstream only ever sees
//! redacted text.
//!
//! # What is matched
//! Matching runs on the *visible* text: escape sequences (CSI, OSC, DCS/SOS/PM/APC, two-byte
//! forms) are skipped when matching and kept byte for byte in the output, so a secret with
//! `\e[31m` inside it is caught and colours and layout are unchanged. Rules ([`RuleSet`]):
//! literal values (sealed input, `--redact-env` values), user patterns (`regex` syntax), and
//! built-in detectors by [`Level`]:
//!
//! | rule | level | what is masked |
//! | --- | --- | --- |
//! | `aws-access-key` | default | `AKIA`/`ASIA` + 16 `[A-Z0-9]`, word-bounded |
//! | `github-token` | default | `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_` + 36–251 alnum; `github_pat_` + 22–244 `[A-Za-z0-9_]` |
//! | `gitlab-token` | default | `glpat-` (and `gldt-`, `glrt-`, `glptt-`, `glcbt-`, `glft-`, `glsoat-`) + ≥ 20 `[A-Za-z0-9_.-]` |
//! | `slack-token` | default | `xox[abprse]-` + ≥ 10 `[A-Za-z0-9-]` |
//! | `jwt` | default | `eyJ…` base64url with ≥ 2 dots (header ≥ 10 bytes, payload ≥ 2) |
//! | `pem-private-key` | default | the body between `-----BEGIN …PRIVATE KEY[ BLOCK]-----` and `-----END`; both marker lines stay visible, line breaks stay |
//! | `bearer-token` | default | the token after `Authorization: Bearer ` (`:` or `=`, optional quotes, `Bearer` in any case; the header word as `Autho` in any case then `rization` or `RIZATION`) |
//! | `aws-secret-key` | strict | 40 `[A-Za-z0-9/+=]` after `aws_secret_access_key`/`AWS_SECRET_ACCESS_KEY`/`SecretAccessKey` + `:`/`=` |
//! | `secret-assignment` | strict | the value after `password`, `passwd`, `secret`, `token`, `api_key`, `apikey`, `api-key` (lower, Title or UPPER case, more word bytes allowed: `DB_PASSWORD=`, `secret_key:`) + `:`/`=` |
//! | `generic-secret` | strict | any word of ≥ 32 `[A-Za-z0-9_+/-]` (+ `=` padding) with upper case, lower case, digits and ≥ 16 distinct bytes |
//!
//! Strict's false positives, by design: `token: expired`, `Password: ` prompts followed by
//! text on the same line, `secretary=…` (a key word followed by `:`/`=` masks the value
//! whatever it is); long random-looking identifiers (mangled symbols, some base64 data,
//! long mixed-case ids) for `generic-secret`. Plain lower-case hex (git object ids,
//! checksums) is not `generic-secret` (no upper case).
//!
//! # The mask
//! Each visible character of a secret becomes as many mask columns as its display width
//! (`unicode-width`, which the screen model uses too); line breaks and other controls stay.
//! The mask is ASCII so its width is 1 everywhere: `•` (U+2022) is East-Asian *ambiguous*
//! and renders 2 columns wide in CJK terminal settings, which would shift the layout. A
//! secret of ≥ 10 columns reads `[REDACTED]` then `*` to its width; a shorter one is `*`s.
//!
//! # Streaming
//! A match may be split across [`Redactor::push`] calls at any byte, even inside an escape
//! sequence. A tail is held back only when it could still become a match: a proper prefix of
//! an anchor or a literal at the very end, a token running into the end, a PEM block whose
//! `-----END` has not come yet (held up to [`MAX_HOLD`] visible bytes), a user pattern
//! still in progress in the last 256 bytes. Plain output passes at once. The host calls
//! [`Redactor::flush`] after [`IDLE_FLUSH`] of silence; a flushed tail is masked when it is
//! already a recognisable start of a secret (a literal's first [`LITERAL_FLUSH_MIN`] bytes, a
//! token's anchor + 4 body bytes, a JWT's first 10 bytes, a complete PEM BEGIN line, a
//! complete `Authorization: Bearer ` header), and the continuation after the pause is
//! masked too (the rest of the literal, more token bytes, the PEM body). A shorter flushed
//! start passes, and is kept as context so the secret it begins is still masked from the
//! next piece on.
//!
//! # Not caught (honest limits)
//! A program that transforms a secret (base64, hex, reversing it, splitting it across rows
//! by cursor movement or printing it character by character with cursor jumps) is not caught
//! by literal matching. The first one or two bytes of a literal, or a partial anchor
//! (`AKI`, `gh`), can show when output pauses right after them for longer than
//! [`IDLE_FLUSH`]. A user pattern's match longer than 256 bytes that is split across pieces
//! may be cut short. A tail that could begin a literal is held until the next piece or the
//! idle flush, whatever precedes it; anchors are held only where their boundary allows
//! (`AKI` after a space, not after a letter); Strict holds any word running into the end of a
//! piece (it could grow into a `generic-secret`). Secrets inside escape-sequence payloads
//! (an OSC window title, an OSC 8 hyperlink's URL, DCS data) are masked byte for byte when the
//! whole sequence arrives in one piece (it is not held; a payload split across pieces is not
//! scanned). C1 control characters (U+0080–U+009F) are treated as text, as the
//! screen model does with UTF-8 input. A mixed-case header word (`AuthoRIZATION`) is not a
//! `bearer-token`.
//!
//! # Speed (`cargo bench -p agent-tty-core --bench redact`, 2 shared cores, 4 KiB pieces)
//! Redactor alone, 100 MB of coloured mixed output with near-miss words (`AKIN`, `ghost`,
//! `-----`, `Authentication`): default 700–780 MB/s, default + 2 literals + 1 pattern
//! 640–720 MB/s, strict ≈ 215 MB/s; plain text: default 1.8–2.4 GB/s, strict ≈ 310 MB/s. The
//! host's output path (UTF-8, event log, Screen) on the same mixed output keeps 93–98 % of
//! its `--redact off` throughput with the default rules (50–57 MB/s either way; the spread is
//! the shared machine). Before the anchors were chosen for rare first bytes (`-BEGIN `,
//! `rization`), `-----` and `Aut…` words made the mixed case 530 MB/s and the host path 88 %.

mod detect;
mod escape;
#[cfg(test)]
mod tests;

use std::ops::Range;

use unicode_width::UnicodeWidthChar;

use detect::{Compiled, Cont};
use escape::{Scanner, visible_runs};

/// The idle after which the host flushes a held tail: a wait wakes at most this much later
/// than without redaction (budget 20 ms).
pub const IDLE_FLUSH: std::time::Duration = std::time::Duration::from_millis(10);
/// The most visible bytes held back for one possible match (a PEM block); beyond it the
/// tail is emitted as if flushed (masked where it is already recognisable).
pub const MAX_HOLD: usize = 16 * 1024;
/// The most raw bytes (escape sequences included) held back.
const MAX_RAW_HOLD: usize = 64 * 1024;
/// The most visible text kept after a flush to catch a secret that began before it.
const CTX_MAX: usize = 1024;
/// The mask of a secret of at least its width, followed by [`MASK_FILL`].
pub const MASK_LABEL: &str = "[REDACTED]";
/// The mask column.
pub const MASK_FILL: char = '*';
/// A literal's prefix this long at a flush is masked (shorter ones pass; see the module docs).
pub const LITERAL_FLUSH_MIN: usize = 3;
/// Literal values shorter than this are refused (they would mask ordinary text).
pub const LITERAL_MIN: usize = 4;

/// How much is detected besides sealed values, --redact-env values and user patterns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Off,
    Default,
    Strict,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "off" => Some(Level::Off),
            "default" => Some(Level::Default),
            "strict" => Some(Level::Strict),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Default => "default",
            Level::Strict => "strict",
        }
    }
}

/// The active rules. Names are what `inspect` lists (never values; `Debug` shows names only).
#[derive(Clone)]
pub struct RuleSet {
    level: Level,
    literals: Vec<(String, String)>,
    patterns: Vec<(String, String)>,
    generation: u64,
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet").field("level", &self.level).field("names", &self.names()).finish()
    }
}

impl RuleSet {
    pub fn new(level: Level) -> RuleSet {
        RuleSet { level, literals: Vec::new(), patterns: Vec::new(), generation: 0 }
    }

    pub fn level(&self) -> Level {
        self.level
    }

    /// A literal secret (a sealed input value, an env value), listed under `name` (given as
    /// is: `sealed-input`, `env:NAME`). Values shorter than [`LITERAL_MIN`] bytes or only
    /// whitespace are refused (they would mask ordinary text): returns false. Adding a value
    /// already present returns true and changes nothing.
    pub fn add_literal(&mut self, name: &str, value: &str) -> bool {
        if value.len() < LITERAL_MIN || value.trim().is_empty() {
            return false;
        }
        if !self.literals.iter().any(|(n, v)| n == name && v == value) {
            self.literals.push((name.to_string(), value.to_string()));
            self.generation += 1;
        }
        true
    }

    /// A user pattern (regex syntax of the `regex` crate), listed under `name` (given as is:
    /// `pattern:NAME`). Err(message) when it does not compile or can match the empty string.
    pub fn add_pattern(&mut self, name: &str, regex: &str) -> Result<(), String> {
        let hir = regex_automata::util::syntax::parse(regex)
            .map_err(|e| format!("redaction pattern {name:?} is not a valid regex: {e}"))?;
        if hir.properties().minimum_len() == Some(0) {
            return Err(format!(
                "redaction pattern {name:?} can match the empty string; make it match at least one character"
            ));
        }
        regex_automata::meta::Regex::new(regex)
            .map_err(|e| format!("redaction pattern {name:?} does not compile: {e}"))?;
        self.patterns.push((name.to_string(), regex.to_string()));
        self.generation += 1;
        Ok(())
    }

    /// The rule names, sorted and deduplicated.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> =
            detect::builtin_names(self.level).into_iter().map(String::from).collect();
        names.extend(self.literals.iter().map(|(n, _)| n.clone()));
        names.extend(self.patterns.iter().map(|(n, _)| n.clone()));
        names.sort();
        names.dedup();
        names
    }

    /// Off with no literal and no pattern: the host skips the redactor.
    pub fn is_empty(&self) -> bool {
        self.level == Level::Off && self.literals.is_empty() && self.patterns.is_empty()
    }
}

/// Streaming redactor over the host's decoded output text (see the module docs).
pub struct Redactor {
    rules: RuleSet,
    compiled: Option<(u64, Compiled)>,
    /// Raw text not emitted yet; `esc` is the scanner state at its start.
    held: String,
    esc: Scanner,
    /// Visible text already emitted that may begin a secret (after a flush).
    ctx: String,
    /// The visible bytes before the window (before `ctx`), at most `detect::BACK`.
    back: Vec<u8>,
    /// A flushed secret whose continuation is masked.
    cont: Option<Cont>,
    /// Absolute visible offset of the start of `held`.
    abs: u64,
    counted_end: u64,
    redactions: u64,
    runs: Vec<(usize, usize)>,
    wbuf: String,
}

#[derive(Default)]
struct Plan {
    /// Ranges of the window to mask, with whether the label applies.
    masks: Vec<(Range<usize>, bool)>,
    /// Ranges to count as redactions.
    counted: Vec<Range<usize>>,
    /// The window is emitted up to here.
    h: usize,
    cont: Option<Cont>,
    cont_end: usize,
    ctx_from: Option<usize>,
}

impl Redactor {
    pub fn new(rules: RuleSet) -> Redactor {
        Redactor {
            rules,
            compiled: None,
            held: String::new(),
            esc: Scanner::Ground,
            ctx: String::new(),
            back: Vec::new(),
            cont: None,
            abs: 0,
            counted_end: 0,
            redactions: 0,
            runs: Vec::new(),
            wbuf: String::new(),
        }
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Sealed values are added mid-session; the matcher is rebuilt on the next push.
    pub fn rules_mut(&mut self) -> &mut RuleSet {
        &mut self.rules
    }

    /// Takes the next piece of output; returns the text that may be emitted now (masked
    /// where needed). A tail that could still grow into a match is held back (bounded).
    pub fn push(&mut self, text: &str) -> String {
        if self.held.is_empty() && self.ctx.is_empty() && self.cont.is_none() && self.compiled().is_empty() {
            // No rule: only follow the escape state, for rules added later.
            let mut runs = std::mem::take(&mut self.runs);
            runs.clear();
            self.esc = visible_runs(text.as_bytes(), self.esc, &mut runs, &mut Vec::new());
            self.runs = runs;
            self.back.clear();
            return text.to_string();
        }
        if self.held.is_empty() {
            self.process(text, false)
        } else {
            let mut raw = std::mem::take(&mut self.held);
            raw.push_str(text);
            self.process(&raw, false)
        }
    }

    /// Emits everything held (the host calls it after [`IDLE_FLUSH`] and at exit).
    pub fn flush(&mut self) -> String {
        if self.held.is_empty() {
            return String::new();
        }
        let raw = std::mem::take(&mut self.held);
        self.process(&raw, true)
    }

    /// Bytes held back now (0 = nothing pending; the host arms its idle-flush timer when > 0).
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// Masks applied so far (one per secret occurrence).
    pub fn redactions(&self) -> u64 {
        self.redactions
    }

    fn compiled(&mut self) -> &mut Compiled {
        let generation = self.rules.generation;
        if self.compiled.as_ref().is_none_or(|(g, _)| *g != generation) {
            self.compiled = Some((generation, Compiled::new(&self.rules)));
        }
        &mut self.compiled.as_mut().expect("just built").1
    }

    fn process(&mut self, raw: &str, eof: bool) -> String {
        let s0 = self.esc;
        let mut runs = std::mem::take(&mut self.runs);
        runs.clear();
        let mut payloads = Vec::new();
        let end_state = visible_runs(raw.as_bytes(), s0, &mut runs, &mut payloads);
        let masked_payloads = self.mask_payloads(raw, &payloads);
        let raw = masked_payloads.as_deref().unwrap_or(raw);
        let whole = runs.is_empty() && raw.is_empty() || runs.len() == 1 && runs[0] == (0, raw.len());
        let mut wbuf = std::mem::take(&mut self.wbuf);
        let w: &str = if self.ctx.is_empty() && whole {
            raw
        } else {
            wbuf.clear();
            wbuf.push_str(&self.ctx);
            for &(a, b) in &runs {
                wbuf.push_str(&raw[a..b]);
            }
            &wbuf
        };
        let ctxlen = self.ctx.len();
        let mut plan = self.plan(w.as_bytes(), ctxlen, eof);
        let mut cut = cut_point(raw, &runs, w.len(), ctxlen, plan.h);
        if !eof && (w.len() - plan.h > MAX_HOLD || raw.len() - cut > MAX_RAW_HOLD) {
            plan = self.plan(w.as_bytes(), ctxlen, true);
            cut = raw.len();
        }
        let out = self.commit(raw, &runs, w, ctxlen, plan, cut, s0, end_state);
        self.runs = runs;
        self.wbuf = wbuf;
        out
    }

    /// `raw` with the secrets inside escape-sequence payloads (window titles, OSC 8 link
    /// targets, DCS data) masked byte for byte, when there are any. Only payloads complete in
    /// this piece are scanned; the payload is not held.
    fn mask_payloads(&mut self, raw: &str, payloads: &[(usize, usize)]) -> Option<String> {
        let mut out: Option<String> = None;
        for &(a, b) in payloads {
            let scan = self.compiled().scan(&raw.as_bytes()[a..b], &[], true);
            let mut masks: Vec<Range<usize>> = scan.found.into_iter().map(|f| f.mask).collect();
            if let Some(p) = scan.partial.filter(|p| p.long_enough) {
                masks.push(p.mask_from..b - a);
            }
            masks.sort_by_key(|m| m.start);
            let mut end = 0;
            for m in masks {
                if m.start >= end && !m.is_empty() {
                    self.redactions += 1;
                }
                let text = out.get_or_insert_with(|| raw.to_string());
                let (mut s, mut e) = (a + m.start.max(end), a + m.end);
                while !raw.is_char_boundary(s) {
                    s -= 1;
                }
                while !raw.is_char_boundary(e) {
                    e += 1;
                }
                if s < e {
                    text.replace_range(s..e, &"*".repeat(e - s));
                }
                end = end.max(m.end);
            }
        }
        out
    }

    fn plan(&mut self, w: &[u8], ctxlen: usize, eof: bool) -> Plan {
        let mut plan = Plan::default();
        let mut off = 0;
        if let Some(mut cont) = self.cont.clone() {
            let (n, going) = cont.consume(w);
            if n > 0 {
                plan.masks.push((0..n, false));
                plan.cont_end = n;
            }
            if going {
                plan.cont = Some(cont);
                plan.h = w.len();
                return plan;
            }
            off = n;
        }
        let back =
            if off > 0 { w[off.saturating_sub(detect::BACK)..off].to_vec() } else { self.back.clone() };
        let scan = self.compiled().scan(&w[off..], &back, eof);
        let mut h = w.len();
        if let Some(p) = &scan.partial
            && !eof
        {
            h = floor_boundary(w, off + p.start);
        }
        let mut found: Vec<(usize, Range<usize>)> =
            scan.found.into_iter().map(|f| (off + f.start, off + f.mask.start..off + f.mask.end)).collect();
        found.sort_by_key(|f| f.1.start);
        while let Some(start) = found.iter().filter(|(_, m)| m.start < h && m.end > h).map(|(s, _)| *s).min()
        {
            h = floor_boundary(w, start.min(h));
        }
        for (_, m) in found {
            if m.end <= h && m.end > ctxlen && !m.is_empty() {
                plan.counted.push(m.clone());
                plan.masks.push((m, true));
            }
        }
        if eof {
            match scan.partial {
                Some(p) if p.long_enough => {
                    let m = off + p.mask_from..w.len();
                    plan.counted.push(m.clone());
                    plan.masks.push((m, true));
                    plan.cont = p.cont;
                }
                // A match running into the end continues; a tail that merely looks like the
                // start of another secret inside it is not one.
                Some(p) if scan.cont_at_end.is_none() => plan.ctx_from = Some(off + p.start),
                _ => plan.cont = scan.cont_at_end,
            }
        }
        plan.h = h;
        plan
    }

    #[allow(clippy::too_many_arguments)]
    fn commit(
        &mut self,
        raw: &str,
        runs: &[(usize, usize)],
        w: &str,
        ctxlen: usize,
        mut plan: Plan,
        cut: usize,
        s0: Scanner,
        end_state: Scanner,
    ) -> String {
        let wb = w.as_bytes();
        let h = plan.h;
        let abs_w0 = self.abs - ctxlen as u64;
        plan.counted.sort_by_key(|r| r.start);
        for r in &plan.counted {
            let (s, e) = (abs_w0 + r.start as u64, abs_w0 + r.end as u64);
            if s >= self.counted_end {
                self.redactions += 1;
            }
            self.counted_end = self.counted_end.max(e);
        }
        self.counted_end = self.counted_end.max(abs_w0 + plan.cont_end as u64);
        plan.masks.sort_by_key(|m| m.0.start);
        let out = write_masked(raw, runs, w, ctxlen, &plan.masks, cut);
        self.held = raw[cut..].to_string();
        self.esc = if cut == raw.len() {
            end_state
        } else if cut == 0 {
            s0
        } else {
            Scanner::Ground
        };
        let (new_start, emitted_to) = if plan.h >= w.len() {
            let from = plan.ctx_from.filter(|&f| w.len() - f <= CTX_MAX).unwrap_or(w.len());
            (from, w.len())
        } else if h < ctxlen {
            (h, ctxlen)
        } else {
            (h, h)
        };
        self.back.extend_from_slice(&wb[new_start.saturating_sub(detect::BACK)..new_start]);
        let excess = self.back.len().saturating_sub(detect::BACK);
        self.back.drain(..excess);
        self.ctx = w[new_start..emitted_to].to_string();
        self.abs = abs_w0 + emitted_to as u64;
        self.cont = plan.cont;
        out
    }
}

fn floor_boundary(w: &[u8], mut i: usize) -> usize {
    while i > 0 && i < w.len() && (w[i] & 0xc0) == 0x80 {
        i -= 1;
    }
    i
}

/// The raw position where emission stops for window position `h`.
fn cut_point(raw: &str, runs: &[(usize, usize)], wlen: usize, ctxlen: usize, h: usize) -> usize {
    if h >= wlen {
        return raw.len();
    }
    if h <= ctxlen {
        return 0;
    }
    raw_of(runs, h - ctxlen)
}

/// The raw position of visible byte `v` (which exists).
fn raw_of(runs: &[(usize, usize)], mut v: usize) -> usize {
    for &(a, b) in runs {
        if v < b - a {
            return a + v;
        }
        v -= b - a;
    }
    runs.last().map_or(0, |r| r.1)
}

/// `raw[..cut]` with the masked ranges (window coordinates, only the part at or after
/// `ctxlen`) replaced.
fn write_masked(
    raw: &str,
    runs: &[(usize, usize)],
    w: &str,
    ctxlen: usize,
    masks: &[(Range<usize>, bool)],
    cut: usize,
) -> String {
    let mut out = String::with_capacity(cut + 16);
    let mut raw_pos = 0;
    let mut done = ctxlen;
    // A cursor over runs: (run index, visible start of that run).
    let (mut ri, mut rv) = (0usize, 0usize);
    let mut raw_at = |v: usize| -> usize {
        while ri < runs.len() && v >= rv + (runs[ri].1 - runs[ri].0) {
            rv += runs[ri].1 - runs[ri].0;
            ri += 1;
        }
        runs.get(ri).map_or(raw.len(), |r| r.0 + (v - rv))
    };
    for (m, label) in masks {
        let (mut a, mut b) = (m.start, m.end.min(w.len()));
        while !w.is_char_boundary(a) {
            a -= 1;
        }
        while !w.is_char_boundary(b) {
            b += 1;
        }
        let text = &w[a..b];
        let width: usize =
            text.chars().map(|c| if c.is_control() { 0 } else { c.width().unwrap_or(0) }).sum();
        // A secret whose start was emitted already (after a flush) gets no label.
        let label = *label && a >= ctxlen && width >= MASK_LABEL.len();
        let mut col = 0;
        for (i, ch) in text.char_indices() {
            let v = a + i;
            let cw = if ch.is_control() { 0 } else { ch.width().unwrap_or(0) };
            if v >= done {
                let r = raw_at(v - ctxlen);
                if r >= cut {
                    break;
                }
                out.push_str(&raw[raw_pos..r]);
                if ch.is_control() {
                    out.push(ch);
                }
                for c in col..col + cw {
                    out.push(if label && c < MASK_LABEL.len() {
                        MASK_LABEL.as_bytes()[c] as char
                    } else {
                        MASK_FILL
                    });
                }
                raw_pos = r + ch.len_utf8();
                done = v + ch.len_utf8();
            }
            col += cw;
        }
    }
    out.push_str(&raw[raw_pos.min(cut)..cut]);
    out
}
