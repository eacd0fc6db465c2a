//! The emulator seen through the parser: [`Tracked`] forwards every handler call to the
//! emulator and notes, in a [`Shadow`], the state the emulator keeps but does not show
//! (active charset, scroll region, tab stops, the title stack), so a checkpoint can save
//! it. The forwarding list is every `Handler` method `Term` implements (alacritty_terminal
//! 0.26.0 with vte 0.15.0, both pinned); the ones `Term` leaves at their defaults are
//! no-ops there and here alike.

use alacritty_terminal::Grid;
use alacritty_terminal::Term;
use alacritty_terminal::grid::Dimensions;
use alacritty_terminal::term::TermMode;
use alacritty_terminal::term::cell::Cell;
use alacritty_terminal::vte::ansi::{
    Attr, CharsetIndex, ClearMode, Color, CursorShape, CursorStyle, Handler, Hyperlink, KeyboardModes,
    KeyboardModesApplyBehavior, LineClearMode, Mode, NamedPrivateMode, PrivateMode, Rgb, StandardCharset,
    TabulationClearMode,
};

use super::replies::Listener;

/// The most titles the emulator's title stack keeps (its `TITLE_STACK_MAX_DEPTH`).
pub(super) const TITLE_STACK_MAX_DEPTH: usize = 4096;

/// Emulator state that `Term` has no getter for, mirrored from the handler calls.
#[derive(Debug, Clone, Default)]
pub(super) struct Shadow {
    /// The charset slot mapped to GL (SI/SO).
    pub(super) active_charset: CharsetIndex,
    /// The last valid DECSTBM arguments since the last reset or resize; `None`: full screen.
    pub(super) scroll_region: Option<(usize, Option<usize>)>,
    /// Tab stops were set or cleared since the last reset (they are not saved).
    pub(super) custom_tabs: bool,
    /// The emulator's title as the handler set it.
    pub(super) title: Option<String>,
    /// The title stack (XTWINOPS 22/23).
    pub(super) titles: Vec<Option<String>>,
    /// The parser's last printed character, which REP (`CSI b`) repeats; kept by the
    /// parser, never cleared, not even by a full reset.
    pub(super) preceding_char: Option<char>,
    /// While the primary screen is shown: a copy of the (hidden) alternate screen's grid,
    /// kept through resizes and resets as the emulator does (its saved cursor, and cells a
    /// later reset skips, outlive leaving it); `None` while the alternate screen is shown.
    pub(super) alt_grid: Option<Grid<Cell>>,
    /// X10 mouse reporting (`?9`), which the emulator does not track: set by `?9h`,
    /// cleared by `?9l` and by setting another tracking mode (the last one set wins).
    pub(super) mouse_x10: bool,
    /// The urxvt mouse encoding (`?1015`), which the emulator does not track: set by
    /// `?1015h`, cleared by `?1015l` and by setting another encoding (SGR, UTF-8).
    pub(super) mouse_urxvt: bool,
}

impl Shadow {
    /// The shadow of a new emulator of `size`.
    pub(super) fn new(size: &impl Dimensions) -> Self {
        let alt_grid = Grid::new(size.screen_lines(), size.columns(), 0);
        Shadow { alt_grid: Some(alt_grid), ..Shadow::default() }
    }

    fn push_title(&mut self) {
        if self.titles.len() >= TITLE_STACK_MAX_DEPTH {
            self.titles.remove(0);
        }
        self.titles.push(self.title.clone());
    }

    fn pop_title(&mut self) {
        if let Some(title) = self.titles.pop() {
            self.title = title;
        }
    }

    /// Resizes [`Shadow::alt_grid`] as the emulator resizes its hidden alternate grid.
    pub(super) fn resize_alt_grid(&mut self, lines: usize, columns: usize) {
        if let Some(grid) = &mut self.alt_grid {
            grid.resize::<Color>(false, lines, columns);
        }
    }

    /// Whether it holds state a checkpoint does not save: custom tab stops, or a mouse
    /// mode only the shadow tracks (X10, urxvt).
    pub(super) fn holds_unsaved_state(&self) -> bool {
        self.custom_tabs || self.mouse_x10 || self.mouse_urxvt
    }

    /// DECCOLM resets the scroll region; the mouse modes the emulator does not track
    /// are noted (`set`: the mode is set rather than reset).
    fn note_private_mode(&mut self, mode: &PrivateMode, set: bool) {
        match mode {
            PrivateMode::Named(NamedPrivateMode::ColumnMode) => self.scroll_region = None,
            PrivateMode::Unknown(9) => self.mouse_x10 = set,
            PrivateMode::Unknown(1015) => self.mouse_urxvt = set,
            PrivateMode::Named(
                NamedPrivateMode::ReportMouseClicks
                | NamedPrivateMode::ReportCellMouseMotion
                | NamedPrivateMode::ReportAllMouseMotion,
            ) if set => self.mouse_x10 = false,
            PrivateMode::Named(NamedPrivateMode::SgrMouse | NamedPrivateMode::Utf8Mouse) if set => {
                self.mouse_urxvt = false;
            }
            _ => {}
        }
    }
}

/// The emulator and its shadow, as the parser's handler.
pub(super) struct Tracked<'a> {
    pub(super) term: &'a mut Term<Listener>,
    pub(super) shadow: &'a mut Shadow,
}

impl Tracked<'_> {
    fn is_alt(&self) -> bool {
        self.term.mode().contains(TermMode::ALT_SCREEN)
    }

    /// Before a mode change: the alternate grid, if this change may leave it.
    fn alt_grid_before(&self, mode: &PrivateMode) -> Option<Grid<Cell>> {
        let swaps = matches!(mode, PrivateMode::Named(NamedPrivateMode::SwapScreenAndSetRestoreCursor));
        (swaps && self.is_alt()).then(|| self.term.grid().clone())
    }

    /// After a mode change: keeps the alternate grid if it was left (`before`: what
    /// [`Tracked::alt_grid_before`] said), forgets it if it was entered (it is shown then).
    fn note_alt_switch(&mut self, before: Option<Grid<Cell>>) {
        if self.is_alt() {
            self.shadow.alt_grid = None;
        } else if before.is_some() {
            self.shadow.alt_grid = before;
        }
    }
}

impl Handler for Tracked<'_> {
    #[inline]
    fn set_title(&mut self, a0: Option<String>) {
        self.shadow.title.clone_from(&a0);
        self.term.set_title(a0);
    }

    #[inline]
    fn set_cursor_style(&mut self, a0: Option<CursorStyle>) {
        self.term.set_cursor_style(a0);
    }

    #[inline]
    fn set_cursor_shape(&mut self, a0: CursorShape) {
        self.term.set_cursor_shape(a0);
    }

    #[inline]
    fn input(&mut self, a0: char) {
        self.shadow.preceding_char = Some(a0);
        self.term.input(a0);
    }

    #[inline]
    fn goto(&mut self, a0: i32, a1: usize) {
        self.term.goto(a0, a1);
    }

    #[inline]
    fn goto_line(&mut self, a0: i32) {
        self.term.goto_line(a0);
    }

    #[inline]
    fn goto_col(&mut self, a0: usize) {
        self.term.goto_col(a0);
    }

    #[inline]
    fn insert_blank(&mut self, a0: usize) {
        self.term.insert_blank(a0);
    }

    #[inline]
    fn move_up(&mut self, a0: usize) {
        self.term.move_up(a0);
    }

    #[inline]
    fn move_down(&mut self, a0: usize) {
        self.term.move_down(a0);
    }

    #[inline]
    fn identify_terminal(&mut self, a0: Option<char>) {
        self.term.identify_terminal(a0);
    }

    #[inline]
    fn device_status(&mut self, a0: usize) {
        self.term.device_status(a0);
    }

    #[inline]
    fn move_forward(&mut self, a0: usize) {
        self.term.move_forward(a0);
    }

    #[inline]
    fn move_backward(&mut self, a0: usize) {
        self.term.move_backward(a0);
    }

    #[inline]
    fn move_down_and_cr(&mut self, a0: usize) {
        self.term.move_down_and_cr(a0);
    }

    #[inline]
    fn move_up_and_cr(&mut self, a0: usize) {
        self.term.move_up_and_cr(a0);
    }

    #[inline]
    fn put_tab(&mut self, a0: u16) {
        self.term.put_tab(a0);
    }

    #[inline]
    fn backspace(&mut self) {
        self.term.backspace();
    }

    #[inline]
    fn carriage_return(&mut self) {
        self.term.carriage_return();
    }

    #[inline]
    fn linefeed(&mut self) {
        self.term.linefeed();
    }

    #[inline]
    fn bell(&mut self) {
        self.term.bell();
    }

    #[inline]
    fn substitute(&mut self) {
        self.term.substitute();
    }

    #[inline]
    fn newline(&mut self) {
        self.term.newline();
    }

    #[inline]
    fn set_horizontal_tabstop(&mut self) {
        self.shadow.custom_tabs = true;
        self.term.set_horizontal_tabstop();
    }

    #[inline]
    fn scroll_up(&mut self, a0: usize) {
        self.term.scroll_up(a0);
    }

    #[inline]
    fn scroll_down(&mut self, a0: usize) {
        self.term.scroll_down(a0);
    }

    #[inline]
    fn insert_blank_lines(&mut self, a0: usize) {
        self.term.insert_blank_lines(a0);
    }

    #[inline]
    fn delete_lines(&mut self, a0: usize) {
        self.term.delete_lines(a0);
    }

    #[inline]
    fn erase_chars(&mut self, a0: usize) {
        self.term.erase_chars(a0);
    }

    #[inline]
    fn delete_chars(&mut self, a0: usize) {
        self.term.delete_chars(a0);
    }

    #[inline]
    fn move_backward_tabs(&mut self, a0: u16) {
        self.term.move_backward_tabs(a0);
    }

    #[inline]
    fn move_forward_tabs(&mut self, a0: u16) {
        self.term.move_forward_tabs(a0);
    }

    #[inline]
    fn save_cursor_position(&mut self) {
        self.term.save_cursor_position();
    }

    #[inline]
    fn restore_cursor_position(&mut self) {
        self.term.restore_cursor_position();
    }

    #[inline]
    fn clear_line(&mut self, a0: LineClearMode) {
        self.term.clear_line(a0);
    }

    #[inline]
    fn clear_screen(&mut self, a0: ClearMode) {
        self.term.clear_screen(a0);
    }

    #[inline]
    fn clear_tabs(&mut self, a0: TabulationClearMode) {
        self.shadow.custom_tabs = true;
        self.term.clear_tabs(a0);
    }

    #[inline]
    fn reset_state(&mut self) {
        // The emulator resets both grids; the alternate one is hidden afterwards.
        let alt_grid =
            if self.is_alt() { Some(self.term.grid().clone()) } else { self.shadow.alt_grid.take() };
        self.term.reset_state();
        *self.shadow = Shadow { alt_grid, preceding_char: self.shadow.preceding_char, ..Shadow::default() };
        if let Some(grid) = &mut self.shadow.alt_grid {
            grid.reset::<Color>();
        }
    }

    #[inline]
    fn reverse_index(&mut self) {
        self.term.reverse_index();
    }

    #[inline]
    fn terminal_attribute(&mut self, a0: Attr) {
        self.term.terminal_attribute(a0);
    }

    #[inline]
    fn set_mode(&mut self, a0: Mode) {
        self.term.set_mode(a0);
    }

    #[inline]
    fn unset_mode(&mut self, a0: Mode) {
        self.term.unset_mode(a0);
    }

    #[inline]
    fn report_mode(&mut self, a0: Mode) {
        self.term.report_mode(a0);
    }

    #[inline]
    fn set_private_mode(&mut self, a0: PrivateMode) {
        self.shadow.note_private_mode(&a0, true);
        let before = self.alt_grid_before(&a0);
        self.term.set_private_mode(a0);
        self.note_alt_switch(before);
    }

    #[inline]
    fn unset_private_mode(&mut self, a0: PrivateMode) {
        self.shadow.note_private_mode(&a0, false);
        let before = self.alt_grid_before(&a0);
        self.term.unset_private_mode(a0);
        self.note_alt_switch(before);
    }

    #[inline]
    fn report_private_mode(&mut self, a0: PrivateMode) {
        self.term.report_private_mode(a0);
    }

    #[inline]
    fn set_scrolling_region(&mut self, a0: usize, a1: Option<usize>) {
        if a0 < a1.unwrap_or_else(|| self.term.screen_lines()) {
            self.shadow.scroll_region = Some((a0, a1));
        }
        self.term.set_scrolling_region(a0, a1);
    }

    #[inline]
    fn set_keypad_application_mode(&mut self) {
        self.term.set_keypad_application_mode();
    }

    #[inline]
    fn unset_keypad_application_mode(&mut self) {
        self.term.unset_keypad_application_mode();
    }

    #[inline]
    fn set_active_charset(&mut self, a0: CharsetIndex) {
        self.shadow.active_charset = a0;
        self.term.set_active_charset(a0);
    }

    #[inline]
    fn configure_charset(&mut self, a0: CharsetIndex, a1: StandardCharset) {
        self.term.configure_charset(a0, a1);
    }

    #[inline]
    fn set_color(&mut self, a0: usize, a1: Rgb) {
        self.term.set_color(a0, a1);
    }

    #[inline]
    fn dynamic_color_sequence(&mut self, a0: String, a1: usize, a2: &str) {
        self.term.dynamic_color_sequence(a0, a1, a2);
    }

    #[inline]
    fn reset_color(&mut self, a0: usize) {
        self.term.reset_color(a0);
    }

    #[inline]
    fn clipboard_store(&mut self, a0: u8, a1: &[u8]) {
        self.term.clipboard_store(a0, a1);
    }

    #[inline]
    fn clipboard_load(&mut self, a0: u8, a1: &str) {
        self.term.clipboard_load(a0, a1);
    }

    #[inline]
    fn decaln(&mut self) {
        self.term.decaln();
    }

    #[inline]
    fn push_title(&mut self) {
        self.shadow.push_title();
        self.term.push_title();
    }

    #[inline]
    fn pop_title(&mut self) {
        self.shadow.pop_title();
        self.term.pop_title();
    }

    #[inline]
    fn text_area_size_pixels(&mut self) {
        self.term.text_area_size_pixels();
    }

    #[inline]
    fn text_area_size_chars(&mut self) {
        self.term.text_area_size_chars();
    }

    #[inline]
    fn set_hyperlink(&mut self, a0: Option<Hyperlink>) {
        self.term.set_hyperlink(a0);
    }

    #[inline]
    fn report_keyboard_mode(&mut self) {
        self.term.report_keyboard_mode();
    }

    #[inline]
    fn push_keyboard_mode(&mut self, a0: KeyboardModes) {
        self.term.push_keyboard_mode(a0);
    }

    #[inline]
    fn pop_keyboard_modes(&mut self, a0: u16) {
        self.term.pop_keyboard_modes(a0);
    }

    #[inline]
    fn set_keyboard_mode(&mut self, a0: KeyboardModes, a1: KeyboardModesApplyBehavior) {
        self.term.set_keyboard_mode(a0, a1);
    }
}
