//! The detectors and the scan of one window of visible text.
//!
//! Every built-in detector starts with a literal anchor (`AKIA`, `ghp_`, `eyJ`,
//! `-----BEGIN `, `Authorization` ...). One Aho-Corasick automaton finds anchors and literal
//! secrets together (SIMD prefilter: plain text costs a memchr-like pass), then a small
//! hand-written verifier per detector decides: no match, a match (and what to mask), or a
//! partial match touching the end of the window that could still grow (the caller holds it).
//! User patterns run on the `regex-automata` meta engine; whether a tail could still grow
//! into one is asked of an anchored lazy DFA from each candidate start in the last
//! [`USER_TAIL`] bytes.

use std::ops::Range;

use aho_corasick::{AhoCorasick, Input, MatchKind};
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::meta;
use regex_automata::{Anchored, Input as ReInput};

use super::{LITERAL_FLUSH_MIN, Level, RuleSet};

/// How far back a partial user-pattern match is looked for (and held).
pub(super) const USER_TAIL: usize = 256;
/// The longest token body a detector accepts.
const TOKEN_MAX: usize = 8192;
/// Grammar between `Authorization` / `password` and the value.
const GRAMMAR_MAX: usize = 64;
/// A token body this long at a flush is masked.
const TOKEN_FLUSH_MIN: usize = 4;

pub(super) type Class = fn(u8) -> bool;

fn word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}
fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}
fn upper_digit(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}
fn gitlab_body(b: u8) -> bool {
    word(b) || b == b'-' || b == b'.'
}
fn slack_body(b: u8) -> bool {
    alnum(b) || b == b'-'
}
fn jwt_body(b: u8) -> bool {
    word(b) || b == b'-' || b == b'.'
}
/// RFC 6750 b64token.
fn b64token(b: u8) -> bool {
    alnum(b) || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=')
}
fn aws_secret_body(b: u8) -> bool {
    alnum(b) || matches!(b, b'/' | b'+' | b'=')
}
fn assign_value(b: u8) -> bool {
    b > b' ' && b != 0x7f && !matches!(b, b'"' | b'\'' | b',' | b';' | b'&' | b'`')
}
pub(super) fn pem_body(b: u8) -> bool {
    alnum(b) || matches!(b, b'+' | b'/' | b'=' | b'\r' | b'\n')
}
fn generic_body(b: u8) -> bool {
    word(b) || matches!(b, b'-' | b'+' | b'/')
}

/// What a flushed partial match continues with: the following visible bytes that fit are
/// masked too.
#[derive(Clone, Debug)]
pub(super) enum Cont {
    Class { class: Class, left: usize },
    Literal { rest: Vec<u8> },
}

impl Cont {
    /// How many leading bytes of `w` continue the secret; updates itself, returns
    /// (consumed, still going).
    pub(super) fn consume(&mut self, w: &[u8]) -> (usize, bool) {
        match self {
            Cont::Class { class, left } => {
                let max = (*left).min(w.len());
                let n = w[..max].iter().position(|&b| !class(b)).unwrap_or(max);
                *left -= n;
                (n, n == w.len() && *left > 0)
            }
            Cont::Literal { rest } => {
                let n = rest.iter().zip(w).take_while(|(a, b)| a == b).count();
                rest.drain(..n);
                (n, n == w.len() && !rest.is_empty())
            }
        }
    }
}

pub(super) struct Partial {
    /// Where the possible match starts (the hold point).
    pub start: usize,
    /// Where masking would start if it is masked at a flush.
    pub mask_from: usize,
    /// Masked (with `cont`) at a flush; otherwise it passes and is kept as context.
    pub long_enough: bool,
    pub cont: Option<Cont>,
}

pub(super) struct Found {
    pub start: usize,
    pub mask: Range<usize>,
}

#[derive(Default)]
pub(super) struct Scan {
    pub found: Vec<Found>,
    pub partial: Option<Partial>,
    /// At a flush: a match reaching the end of the window that could still grow.
    pub cont_at_end: Option<Cont>,
}

enum Verdict {
    No,
    Match { mask: Range<usize>, cont: Option<Cont> },
    Partial(Partial),
}

#[derive(Clone, Copy)]
struct TokenSpec {
    body: Class,
    /// Must not precede the anchor nor follow the body.
    boundary: Class,
    min: usize,
    max: usize,
}

const AWS: TokenSpec = TokenSpec { body: upper_digit, boundary: alnum, min: 16, max: 16 };
const GITHUB: TokenSpec = TokenSpec { body: alnum, boundary: word, min: 36, max: 251 };
const GITHUB_PAT: TokenSpec = TokenSpec { body: word, boundary: word, min: 22, max: 244 };
const GITLAB: TokenSpec = TokenSpec { body: gitlab_body, boundary: word, min: 20, max: 300 };
const SLACK: TokenSpec = TokenSpec { body: slack_body, boundary: word, min: 10, max: 250 };
const AWS_SECRET: TokenSpec = TokenSpec { body: aws_secret_body, boundary: word, min: 40, max: 40 };
const ASSIGN: TokenSpec = TokenSpec { body: assign_value, boundary: |_| false, min: 1, max: 512 };

#[derive(Clone, Copy)]
enum Kind {
    Token(TokenSpec),
    Jwt,
    Pem,
    Bearer,
    /// `key: value` / `key=value`: mask the value.
    Assign(TokenSpec),
    Literal,
}

/// One built-in detector: its rule name, its level and its anchors.
struct Builtin {
    name: &'static str,
    strict_only: bool,
    kind: Kind,
    anchors: &'static [&'static str],
}

const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "aws-access-key",
        strict_only: false,
        kind: Kind::Token(AWS),
        anchors: &["AKIA", "ASIA"],
    },
    Builtin {
        name: "github-token",
        strict_only: false,
        kind: Kind::Token(GITHUB),
        anchors: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
    },
    Builtin {
        name: "github-token",
        strict_only: false,
        kind: Kind::Token(GITHUB_PAT),
        anchors: &["github_pat_"],
    },
    Builtin {
        name: "gitlab-token",
        strict_only: false,
        kind: Kind::Token(GITLAB),
        anchors: &["glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "glft-", "glsoat-"],
    },
    Builtin {
        name: "slack-token",
        strict_only: false,
        kind: Kind::Token(SLACK),
        anchors: &["xoxa-", "xoxb-", "xoxp-", "xoxr-", "xoxs-", "xoxe-"],
    },
    Builtin { name: "jwt", strict_only: false, kind: Kind::Jwt, anchors: &["eyJ"] },
    Builtin { name: "pem-private-key", strict_only: false, kind: Kind::Pem, anchors: &["-BEGIN "] },
    Builtin {
        name: "bearer-token",
        strict_only: false,
        kind: Kind::Bearer,
        // The anchor is the tail of `Authorization`; `Autho` is checked behind it. `Aut`
        // would make every `auto`, `author` a prefilter candidate.
        anchors: &["rization", "RIZATION"],
    },
    Builtin {
        name: "aws-secret-key",
        strict_only: true,
        kind: Kind::Assign(AWS_SECRET),
        anchors: &["aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", "SecretAccessKey"],
    },
    Builtin {
        name: "secret-assignment",
        strict_only: true,
        kind: Kind::Assign(ASSIGN),
        anchors: &[
            "password", "Password", "PASSWORD", "passwd", "PASSWD", "secret", "Secret", "SECRET", "token",
            "Token", "TOKEN", "api_key", "API_KEY", "apikey", "ApiKey", "APIKEY", "api-key",
        ],
    },
];

/// The names of the built-in detectors active at `level`.
pub(super) fn builtin_names(level: Level) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = match level {
        Level::Off => Vec::new(),
        Level::Default => BUILTINS.iter().filter(|b| !b.strict_only).map(|b| b.name).collect(),
        Level::Strict => BUILTINS.iter().map(|b| b.name).chain(["generic-secret"]).collect(),
    };
    names.dedup();
    names
}

struct UserPatterns {
    meta: meta::Regex,
    dfa: Option<DFA>,
    /// Bytes that can start a match (the anchored DFA is not dead after them).
    first: [bool; 256],
}

/// The compiled form of a [`RuleSet`].
pub(super) struct Compiled {
    ac: Option<AhoCorasick>,
    kinds: Vec<Kind>,
    pats: Vec<Vec<u8>>,
    user: Option<UserPatterns>,
    user_cache: Option<Cache>,
    generic: bool,
}

impl Compiled {
    pub(super) fn new(rules: &RuleSet) -> Compiled {
        let mut kinds = Vec::new();
        let mut pats: Vec<Vec<u8>> = Vec::new();
        if rules.level != Level::Off {
            for b in BUILTINS.iter().filter(|b| rules.level == Level::Strict || !b.strict_only) {
                for a in b.anchors {
                    kinds.push(b.kind);
                    pats.push(a.as_bytes().to_vec());
                }
            }
        }
        for (_, value) in &rules.literals {
            kinds.push(Kind::Literal);
            pats.push(value.as_bytes().to_vec());
        }
        let ac = if pats.is_empty() {
            None
        } else {
            AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(&pats).ok()
        };
        let user = UserPatterns::new(rules.patterns.iter().map(|(_, p)| p.as_str()).collect());
        let user_cache = user.as_ref().and_then(|u| u.dfa.as_ref()).map(|d| d.create_cache());
        Compiled { ac, kinds, pats, user, user_cache, generic: rules.level == Level::Strict }
    }

    /// Nothing to look for.
    pub(super) fn is_empty(&self) -> bool {
        self.ac.is_none() && self.user.is_none() && !self.generic
    }

    /// Scans the window `w` (`back`: the visible bytes before it, up to [`BACK`]). With
    /// `eof`, the end of the window is the end of the text for now (a flush): tokens touching
    /// it are judged as they are.
    pub(super) fn scan(&mut self, w: &[u8], back: &[u8], eof: bool) -> Scan {
        let prev = back.last().copied().unwrap_or(b'\n');
        let mut scan = Scan::default();
        if let Some(ac) = &self.ac {
            let mut pos = 0;
            while pos < w.len() {
                let Some(m) = ac.find(Input::new(w).span(pos..w.len())) else { break };
                let p = m.start();
                let before = if p > 0 { w[p - 1] } else { prev };
                match verify(self.kinds[m.pattern().as_usize()], w, back, p, m.end(), before, eof) {
                    Verdict::No => {}
                    Verdict::Match { mask, cont } => {
                        scan.found.push(Found { start: p, mask });
                        if cont.is_some() {
                            scan.cont_at_end = cont;
                        }
                    }
                    Verdict::Partial(part) => {
                        scan.partial = Some(part);
                        break;
                    }
                }
                pos = p + 1;
            }
            if let Some(tail) = self.tail_prefix(w, back) {
                keep_earliest(&mut scan.partial, tail);
            }
        }
        if let Some(user) = &self.user {
            user.scan(w, &mut self.user_cache, &mut scan);
        }
        if self.generic {
            generic(w, prev, eof, &mut scan);
        }
        scan
    }

    /// The earliest suffix of `w` that is a proper prefix of an anchor or a literal.
    fn tail_prefix(&self, w: &[u8], back: &[u8]) -> Option<Partial> {
        let mut best: Option<Partial> = None;
        for (pat, kind) in self.pats.iter().zip(&self.kinds) {
            let lo = w.len().saturating_sub(pat.len() - 1);
            let from = best.as_ref().map_or(w.len(), |b| b.start);
            for k in memchr::memchr_iter(pat[0], &w[lo..from.max(lo)]) {
                let i = lo + k;
                if pat.starts_with(&w[i..]) && could_start(*kind, w, back, i) {
                    let n = w.len() - i;
                    let literal = matches!(kind, Kind::Literal);
                    best = Some(Partial {
                        start: i,
                        mask_from: i,
                        long_enough: literal && n >= LITERAL_FLUSH_MIN,
                        cont: literal.then(|| Cont::Literal { rest: pat[n..].to_vec() }),
                    });
                    break;
                }
            }
        }
        best
    }
}

fn keep_earliest(slot: &mut Option<Partial>, p: Partial) {
    if slot.as_ref().is_none_or(|s| p.start < s.start) {
        *slot = Some(p);
    }
}

/// How many visible bytes before the window the scan may look at.
pub(super) const BACK: usize = 16;

/// The visible byte `k` bytes before window position `p`, looking into `back`.
fn behind(w: &[u8], back: &[u8], p: usize, k: usize) -> Option<u8> {
    if k <= p { Some(w[p - k]) } else { back.len().checked_sub(k - p).map(|j| back[j]) }
}

/// `Autho` (any case) right before `p`, not preceded by a word byte.
fn autho_behind(w: &[u8], back: &[u8], p: usize) -> bool {
    let ok = b"autho"
        .iter()
        .rev()
        .enumerate()
        .all(|(k, c)| behind(w, back, p, k + 1).is_some_and(|b| b.eq_ignore_ascii_case(c)));
    ok && !behind(w, back, p, 6).is_some_and(word)
}

/// Whether an anchor of `kind` could start at `i` (a cheap look at what precedes it), so a
/// tail that is a prefix of it is worth holding.
fn could_start(kind: Kind, w: &[u8], back: &[u8], i: usize) -> bool {
    let before = behind(w, back, i, 1).unwrap_or(b'\n');
    match kind {
        Kind::Token(spec) => !(spec.boundary)(before),
        Kind::Jwt => !jwt_body(before),
        Kind::Bearer => autho_behind(w, back, i),
        Kind::Pem => before == b'-',
        Kind::Assign(_) | Kind::Literal => true,
    }
}

#[allow(clippy::too_many_arguments)]
fn verify(kind: Kind, w: &[u8], back: &[u8], p: usize, anchor_end: usize, before: u8, eof: bool) -> Verdict {
    match kind {
        Kind::Literal => Verdict::Match { mask: p..anchor_end, cont: None },
        Kind::Token(spec) => {
            if (spec.boundary)(before) {
                return Verdict::No;
            }
            token(spec, w, p, anchor_end, p, eof)
        }
        Kind::Jwt => jwt(w, p, before, eof),
        Kind::Pem => pem(w, p, anchor_end),
        Kind::Bearer => {
            if !autho_behind(w, back, p) {
                return Verdict::No;
            }
            // The match starts at `Autho`, or at the window's start when that was emitted.
            let p = p.saturating_sub(5);
            match grammar(w, anchor_end, true) {
                Grammar::No => Verdict::No,
                Grammar::Partial => partial_head(p, w.len(), false),
                Grammar::Value(v) => {
                    let spec = TokenSpec { body: b64token, boundary: |_| false, min: 1, max: TOKEN_MAX };
                    token(spec, w, p, v, v, eof)
                }
            }
        }
        Kind::Assign(spec) => match grammar(w, anchor_end, false) {
            Grammar::No => Verdict::No,
            Grammar::Partial => partial_head(p, w.len(), false),
            Grammar::Value(v) => token(spec, w, p, v, v, eof),
        },
    }
}

fn partial_head(p: usize, end: usize, long_enough: bool) -> Verdict {
    Verdict::Partial(Partial { start: p, mask_from: end, long_enough, cont: None })
}

/// A token: `body` bytes from `b`, masked from `mask_from`; the match is reported from `p`.
fn token(spec: TokenSpec, w: &[u8], p: usize, b: usize, mask_from: usize, eof: bool) -> Verdict {
    let limit = w.len().min(b + spec.max + 1);
    let e = w[b..limit].iter().position(|&x| !(spec.body)(x)).map_or(limit, |k| b + k);
    let n = e - b;
    if n > spec.max {
        return Verdict::No;
    }
    let cont = || Some(Cont::Class { class: spec.body, left: spec.max - n });
    if e == w.len() {
        if !eof {
            return Verdict::Partial(Partial { start: p, mask_from, long_enough: false, cont: None });
        }
        if n >= spec.min {
            return Verdict::Match { mask: mask_from..e, cont: cont() };
        }
        // A header that announces a value (`Authorization: Bearer `) masks what follows.
        let announced = mask_from == b && mask_from != p;
        let long_enough = n >= TOKEN_FLUSH_MIN || announced;
        return Verdict::Partial(Partial { start: p, mask_from, long_enough, cont: cont() });
    }
    if n >= spec.min && !(spec.boundary)(w[e]) {
        Verdict::Match { mask: mask_from..e, cont: None }
    } else {
        Verdict::No
    }
}

fn jwt(w: &[u8], p: usize, before: u8, eof: bool) -> Verdict {
    if jwt_body(before) {
        return Verdict::No;
    }
    let limit = w.len().min(p + TOKEN_MAX + 1);
    let e = w[p..limit].iter().position(|&x| !jwt_body(x)).map_or(limit, |k| p + k);
    if e - p > TOKEN_MAX {
        return Verdict::No;
    }
    if e == w.len() && !eof {
        return Verdict::Partial(Partial { start: p, mask_from: p, long_enough: false, cont: None });
    }
    let mut end = e;
    while end > p && w[end - 1] == b'.' {
        end -= 1;
    }
    let mut parts = w[p..end].split(|&b| b == b'.');
    let (h, pl) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    let valid = h.len() >= 10 && pl.len() >= 2 && parts.next().is_some();
    let cont = Some(Cont::Class { class: jwt_body, left: TOKEN_MAX - (e - p) });
    match (valid, e == w.len()) {
        (true, true) => Verdict::Match { mask: p..e, cont },
        (true, false) => Verdict::Match { mask: p..end, cont: None },
        (false, true) => Verdict::Partial(Partial { start: p, mask_from: p, long_enough: e - p >= 10, cont }),
        (false, false) => Verdict::No,
    }
}

/// `-----BEGIN <label>PRIVATE KEY[ BLOCK]-----` ... `-----END`: the body between is masked
/// (line breaks stay); the BEGIN and END lines stay visible. The anchor is `-BEGIN ` (its
/// first four dashes are not required): a `---` anchor would make every separator line of
/// dashes a prefilter candidate.
fn pem(w: &[u8], p: usize, q: usize) -> Verdict {
    let limit = w.len().min(q + 64);
    let r = w[q..limit].iter().position(|&b| !(b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' '));
    let Some(r) = r.map(|k| q + k) else {
        return if limit == w.len() { partial_head(p, w.len(), false) } else { Verdict::No };
    };
    let label = &w[q..r];
    if !(label.ends_with(b"PRIVATE KEY") || label.ends_with(b"PRIVATE KEY BLOCK")) {
        return Verdict::No;
    }
    let dashes = &w[r..w.len().min(r + 5)];
    if !b"-----".starts_with(dashes) {
        return Verdict::No;
    }
    if dashes.len() < 5 {
        return partial_head(p, w.len(), false);
    }
    let body = r + 5;
    match memchr::memmem::find(&w[body..], b"-----END") {
        Some(k) => Verdict::Match { mask: body..body + k, cont: None },
        None => Verdict::Partial(Partial {
            start: p,
            mask_from: body,
            long_enough: true,
            cont: Some(Cont::Class { class: pem_body, left: usize::MAX }),
        }),
    }
}

enum Grammar {
    No,
    Partial,
    /// The value starts here.
    Value(usize),
}

/// After `Authorization` (`bearer`) or a key word: `["']? *[:=] *["']?` then, for
/// `bearer`, `Bearer +`. Key words may carry a few more word bytes (`password_db=`).
fn grammar(w: &[u8], mut i: usize, bearer: bool) -> Grammar {
    let end = w.len().min(i + GRAMMAR_MAX);
    let at = |i: usize| if i < end { Some(w[i]) } else { None };
    if !bearer {
        while at(i).is_some_and(|b| word(b) || b == b'-') {
            i += 1;
        }
    }
    if matches!(at(i), Some(b'"' | b'\'')) {
        i += 1;
    }
    while matches!(at(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    match at(i) {
        Some(b':' | b'=') => i += 1,
        Some(_) => return Grammar::No,
        None => return if end == w.len() { Grammar::Partial } else { Grammar::No },
    }
    while matches!(at(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    if matches!(at(i), Some(b'"' | b'\'')) {
        i += 1;
    }
    if bearer {
        let word_end = (i + 6).min(end);
        if !b"bearer".eq_ignore_ascii_case(&w[i..word_end]) {
            let prefix = b"bearer"[..word_end - i].eq_ignore_ascii_case(&w[i..word_end]);
            return if prefix && word_end == w.len() { Grammar::Partial } else { Grammar::No };
        }
        i = word_end;
        match at(i) {
            Some(b' ' | b'\t') => {}
            Some(_) => return Grammar::No,
            None => return if end == w.len() { Grammar::Partial } else { Grammar::No },
        }
        while matches!(at(i), Some(b' ' | b'\t')) {
            i += 1;
        }
    }
    if i >= end && end == w.len() {
        return if bearer { Grammar::Value(i) } else { Grammar::Partial };
    }
    if i >= end { Grammar::No } else { Grammar::Value(i) }
}

/// Strict: runs of ≥ 32 base64/base64url bytes with upper case, lower case and digits and at
/// least 16 distinct bytes.
fn generic(w: &[u8], prev: u8, eof: bool, scan: &mut Scan) {
    let stop = scan.partial.as_ref().map_or(w.len(), |p| p.start);
    let mut i = 0;
    let mut at_start = !generic_body(prev);
    while i < stop {
        if !generic_body(w[i]) {
            i += 1;
            at_start = true;
            continue;
        }
        let s = i;
        while i < w.len() && generic_body(w[i]) {
            i += 1;
        }
        if !at_start {
            at_start = true;
            continue;
        }
        let mut e = i;
        while e < w.len() && w[e] == b'=' {
            e += 1;
        }
        let good = looks_random(&w[s..i]);
        if e == w.len() && !eof {
            keep_earliest(
                &mut scan.partial,
                Partial { start: s, mask_from: s, long_enough: false, cont: None },
            );
            return;
        }
        if good {
            scan.found.push(Found { start: s, mask: s..e });
            if e == w.len() {
                scan.cont_at_end = Some(Cont::Class { class: generic_body, left: TOKEN_MAX });
            }
        }
        i = e;
    }
}

fn looks_random(t: &[u8]) -> bool {
    if t.len() < 32 || t.len() > TOKEN_MAX {
        return false;
    }
    let mut seen = [false; 256];
    let (mut up, mut low, mut dig, mut distinct) = (false, false, false, 0);
    for &b in t {
        up |= b.is_ascii_uppercase();
        low |= b.is_ascii_lowercase();
        dig |= b.is_ascii_digit();
        if !seen[b as usize] {
            seen[b as usize] = true;
            distinct += 1;
        }
    }
    up && low && dig && distinct >= 16
}

impl UserPatterns {
    fn new(pats: Vec<&str>) -> Option<UserPatterns> {
        if pats.is_empty() {
            return None;
        }
        // Each pattern compiled alone in `add_pattern`; together they only fail on size.
        let meta = meta::Regex::new_many(&pats).ok()?;
        // The hold needs the lazy DFA; a Unicode `\b` makes it give up on non-ASCII bytes
        // (then that start is not held). Without it (too big), matches are found but no
        // tail is held for them.
        let dfa = DFA::builder().configure(DFA::config().unicode_word_boundary(true)).build_many(&pats).ok();
        let mut first = [false; 256];
        if let Some(dfa) = &dfa {
            let mut cache = dfa.create_cache();
            for (b, slot) in first.iter_mut().enumerate() {
                *slot = alive(dfa, &mut cache, &[b as u8], 0).unwrap_or(true);
            }
        }
        Some(UserPatterns { meta, dfa, first })
    }

    fn scan(&self, w: &[u8], cache: &mut Option<Cache>, scan: &mut Scan) {
        for m in self.meta.find_iter(w) {
            scan.found.push(Found { start: m.start(), mask: m.range() });
        }
        let (Some(dfa), Some(cache)) = (&self.dfa, cache) else { return };
        let lo = w.len().saturating_sub(USER_TAIL);
        let stop = scan.partial.as_ref().map_or(w.len(), |p| p.start);
        for s in lo..stop {
            if self.first[w[s] as usize] && (w[s] & 0xc0) != 0x80 && alive(dfa, cache, w, s).unwrap_or(false)
            {
                keep_earliest(
                    &mut scan.partial,
                    Partial { start: s, mask_from: s, long_enough: false, cont: None },
                );
                return;
            }
        }
    }
}

/// Whether an anchored match from `s` is still in progress at the end of `w`.
fn alive(dfa: &DFA, cache: &mut Cache, w: &[u8], s: usize) -> Option<bool> {
    let input = ReInput::new(w).span(s..w.len()).anchored(Anchored::Yes);
    let mut sid = dfa.start_state_forward(cache, &input).ok()?;
    for &b in &w[s..] {
        sid = dfa.next_state(cache, sid, b).ok()?;
        if sid.is_dead() {
            return Some(false);
        }
        if sid.is_quit() {
            return None;
        }
    }
    Some(true)
}
