//! Hints for key names the grammar rejects: the name an agent probably meant (`Esc` →
//! `Escape`, `Ctrl-C` / `C-c` / `^C` / `<C-c>` → `ctrl+c`, `M-x` → `alt+x`, `S-Tab` →
//! `shift+Tab`, `PgDn` → `PageDown`, `Entr` → `Enter`), or, for text such as `:wq`, that
//! text is sent with `type`. Only suggested, never accepted: the grammar stays that of
//! agent-tty 0.5.0. A suggestion is offered only when it encodes.

use super::{NAMED_KEYS, encode_strict};

/// The canonical spelling of each named key, in table order.
const CANONICAL: &[(&str, &str)] = &[
    ("enter", "Enter"),
    ("tab", "Tab"),
    ("escape", "Escape"),
    ("backspace", "Backspace"),
    ("space", "Space"),
    ("up", "Up"),
    ("down", "Down"),
    ("right", "Right"),
    ("left", "Left"),
    ("home", "Home"),
    ("end", "End"),
    ("insert", "Insert"),
    ("delete", "Delete"),
    ("pageup", "PageUp"),
    ("pagedown", "PageDown"),
];

/// Other names for named keys (compared lower-case, without `-`, `_` and spaces).
const BASE_ALIASES: &[(&str, &str)] = &[
    ("esc", "Escape"),
    ("return", "Enter"),
    ("ret", "Enter"),
    ("cr", "Enter"),
    ("kpenter", "Enter"),
    ("del", "Delete"),
    ("bs", "Backspace"),
    ("bksp", "Backspace"),
    ("bspace", "Backspace"),
    ("pgup", "PageUp"),
    ("pgdn", "PageDown"),
    ("pgdown", "PageDown"),
    ("ins", "Insert"),
    ("spc", "Space"),
    ("spacebar", "Space"),
    ("arrowup", "Up"),
    ("uparrow", "Up"),
    ("arrowdown", "Down"),
    ("downarrow", "Down"),
    ("arrowleft", "Left"),
    ("leftarrow", "Left"),
    ("arrowright", "Right"),
    ("rightarrow", "Right"),
];

/// Other names for the modifiers (compared case-insensitively).
const MODIFIER_ALIASES: &[(&str, &str)] = &[
    ("ctrl", "ctrl"),
    ("control", "ctrl"),
    ("ctl", "ctrl"),
    ("c", "ctrl"),
    ("alt", "alt"),
    ("meta", "alt"),
    ("m", "alt"),
    ("option", "alt"),
    ("opt", "alt"),
    ("shift", "shift"),
    ("s", "shift"),
];

/// The hint for a rejected name, to follow the encoder's message in parentheses.
/// `unknown_modifier` is true for an `Unknown modifier` error, false for `Unknown base
/// key`.
pub(super) fn hint(name: &str, unknown_modifier: bool) -> Option<String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return None;
    }
    if let Some(candidate) = rewrite(trimmed).filter(|c| c != trimmed && encode_strict(c).is_ok()) {
        return Some(format!("did you mean {candidate}?"));
    }
    if unknown_modifier {
        return Some("the modifiers are ctrl, alt and shift, as in ctrl+c or ctrl+shift+Up".to_owned());
    }
    let pieces: Vec<&str> = trimmed.split('+').map(str::trim).collect();
    let base = pieces.last().copied().unwrap_or(trimmed);
    if let Some(named) = base_name(base).or_else(|| misspelt(base)).filter(|n| !n.eq_ignore_ascii_case(base))
    {
        return Some(format!("the key is named {named}"));
    }
    let lower = base.to_ascii_lowercase();
    if lower.len() > 1 && lower.starts_with('f') && lower[1..].bytes().all(|b| b.is_ascii_digit()) {
        return Some("function keys go from F1 to F12".to_owned());
    }
    if pieces.len() > 1 && base.contains(char::is_whitespace) {
        return Some("one key per argument, as in `send-keys <id> ctrl+c Enter`".to_owned());
    }
    if pieces.len() == 1 {
        return Some(if base.chars().count() == 1 {
            "only printable ASCII characters are keys: send other text with `type`".to_owned()
        } else {
            "text is not a key name: send it with `type`".to_owned()
        });
    }
    Some(
        "named keys are Enter, Tab, Escape, Backspace, Space, Up, Down, Left, Right, Home, End, \
         Insert, Delete, PageUp, PageDown and F1-F12; any other key is one printable ASCII character"
            .to_owned(),
    )
}

/// Rewrites common notations (`Ctrl-C`, `C-c`, `^C`, `<C-c>`, `M-x`, `S-Tab`,
/// `control+Esc`) into this grammar; `None` when the name does not look like a key.
fn rewrite(name: &str) -> Option<String> {
    let mut rest = name;
    if rest.len() > 2 && rest.starts_with('<') && rest.ends_with('>') {
        rest = rest[1..rest.len() - 1].trim();
    }
    let (mut ctrl, mut alt, mut shift) = (false, false, false);
    if let Some(key) = rest.strip_prefix('^').filter(|k| k.chars().count() == 1) {
        ctrl = true;
        rest = key;
    }
    // Leading modifiers, each followed by `-` or `+`; the separator is searched from the
    // second character on, so that a lone `-` or `+` stays a base.
    while let Some(at) = rest.char_indices().skip(1).find(|&(_, c)| c == '-' || c == '+').map(|(i, _)| i) {
        let Some(modifier) = modifier_name(rest[..at].trim()) else { break };
        let flag = match modifier {
            "ctrl" => &mut ctrl,
            "alt" => &mut alt,
            _ => &mut shift,
        };
        if *flag {
            return None;
        }
        *flag = true;
        rest = rest[at + 1..].trim_start();
    }
    let rest = rest.trim();
    let mut chars = rest.chars();
    let base = match (chars.next(), chars.next()) {
        (None, _) => return None,
        (Some(c), None) if c.is_ascii_graphic() || c == ' ' => {
            if ctrl {
                c.to_ascii_lowercase().to_string()
            } else {
                c.to_string()
            }
        }
        (Some(_), None) => return None,
        _ => {
            let squashed: String = rest
                .chars()
                .filter(|c| !matches!(c, '-' | '_' | ' '))
                .collect::<String>()
                .to_ascii_lowercase();
            if matches!(squashed.as_str(), "backtab" | "btab") {
                shift = true;
                "Tab".to_owned()
            } else {
                base_name(rest).or_else(|| misspelt(rest))?
            }
        }
    };
    let mut parts: Vec<&str> = [(ctrl, "ctrl"), (alt, "alt"), (shift, "shift")]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| *n)
        .collect();
    parts.push(&base);
    Some(parts.join("+"))
}

fn modifier_name(piece: &str) -> Option<&'static str> {
    MODIFIER_ALIASES.iter().find(|(alias, _)| alias.eq_ignore_ascii_case(piece)).map(|(_, m)| *m)
}

/// The canonical name of a named key given as itself or an alias, in any case and with
/// `-`, `_` or spaces inside (`page-down`, `Page_Up`, `ESC`).
fn base_name(base: &str) -> Option<String> {
    let squashed: String =
        base.chars().filter(|c| !matches!(c, '-' | '_' | ' ')).collect::<String>().to_ascii_lowercase();
    if let Some(&(_, canonical)) = CANONICAL.iter().find(|(n, _)| *n == squashed) {
        return Some(canonical.to_owned());
    }
    if let Some(&(_, canonical)) = BASE_ALIASES.iter().find(|(n, _)| *n == squashed) {
        return Some(canonical.to_owned());
    }
    NAMED_KEYS.iter().find(|(n, _)| *n == squashed && n.starts_with('f')).map(|(n, _)| n.to_ascii_uppercase())
}

/// A named key one typo away (two for names of six letters or more); only for alphabetic
/// names of four letters or more, so that words and `F13` get no guess.
fn misspelt(base: &str) -> Option<String> {
    let lower = base.to_ascii_lowercase();
    if lower.len() < 4 || !lower.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let limit = if lower.len() >= 6 { 2 } else { 1 };
    let names = CANONICAL.iter().map(|&(n, c)| (n, c)).chain(BASE_ALIASES.iter().map(|&(n, c)| (n, c)));
    names
        .map(|(n, canonical)| (distance(&lower, n), canonical))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, canonical)| canonical.to_owned())
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), ASCII.
fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1).min(rows[i][j - 1] + 1).min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}
