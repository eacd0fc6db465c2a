//! The keys the dashboard reacts to, decoded from terminal key events: printable
//! characters (shift already applied), arrows, Enter, Esc, Tab and Ctrl-C. Releases and
//! other modifier combinations (Alt, Ctrl with anything but `c`) never reach the app.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// A key the dashboard knows; anything else is dropped before it reaches the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A printable character (shift already applied: `H` is shift+h).
    Char(char),
    /// Arrow up.
    Up,
    /// Arrow down.
    Down,
    /// Arrow left.
    Left,
    /// Arrow right.
    Right,
    /// Enter.
    Enter,
    /// Escape.
    Esc,
    /// Tab.
    Tab,
    /// Ctrl-C.
    CtrlC,
}

impl Key {
    /// The key of a terminal key press; `None` for releases and other combinations.
    pub fn from_event(event: &KeyEvent) -> Option<Key> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        let control = event.modifiers.contains(KeyModifiers::CONTROL);
        let other = event.modifiers.intersects(KeyModifiers::ALT | KeyModifiers::SUPER);
        match event.code {
            KeyCode::Char('c' | 'C') if control && !other => Some(Key::CtrlC),
            _ if control || other => None,
            KeyCode::Char(c) => Some(Key::Char(c)),
            KeyCode::Up => Some(Key::Up),
            KeyCode::Down => Some(Key::Down),
            KeyCode::Left => Some(Key::Left),
            KeyCode::Right => Some(Key::Right),
            KeyCode::Enter => Some(Key::Enter),
            KeyCode::Esc => Some(Key::Esc),
            KeyCode::Tab => Some(Key::Tab),
            _ => None,
        }
    }

    /// The pan step of a pan key, as `(rows, cols)`.
    pub fn pan_step(self) -> Option<(i32, i32)> {
        match self {
            Key::Up | Key::Char('k') => Some((-1, 0)),
            Key::Down | Key::Char('j') => Some((1, 0)),
            Key::Left | Key::Char('h') => Some((0, -1)),
            Key::Right | Key::Char('l') => Some((0, 1)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_keys_map_to_dashboard_keys() {
        let key = |code, modifiers| Key::from_event(&KeyEvent::new(code, modifiers));
        assert_eq!(key(KeyCode::Char('c'), KeyModifiers::CONTROL), Some(Key::CtrlC));
        assert_eq!(key(KeyCode::Char('H'), KeyModifiers::SHIFT), Some(Key::Char('H')));
        assert_eq!(key(KeyCode::Char('q'), KeyModifiers::ALT), None);
        assert_eq!(key(KeyCode::Char('a'), KeyModifiers::CONTROL), None);
        assert_eq!(key(KeyCode::Esc, KeyModifiers::NONE), Some(Key::Esc));
        assert_eq!(key(KeyCode::F(1), KeyModifiers::NONE), None);
        let mut release = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        release.kind = KeyEventKind::Release;
        assert_eq!(Key::from_event(&release), None);
    }

    #[test]
    fn pan_keys_are_arrows_and_hjkl() {
        assert_eq!(Key::Char('h').pan_step(), Some((0, -1)));
        assert_eq!(Key::Down.pan_step(), Some((1, 0)));
        assert_eq!(Key::Char('H').pan_step(), None);
    }
}
