//! Render profiles (`reference-dark`, `reference-light`): colours, cell geometry, and
//! the `renderProfileHash`.
//!
//! The hash follows the reference recipe exactly (SHA-256 of the compact JSON of
//! `name, theme, fontFamily, fontAssetIdentity, fontAssets, fontSize, cursorStyle,
//! backgroundColor, foregroundColor`), but over *our* profile: the font assets are the
//! bundled JetBrains Mono TTFs, so the identities (and therefore the hashes) differ
//! from the reference's woff2 build. [`reference_hash_recipe`] is the same function
//! fed the reference's identities, which the tests pin against the spec's values.

use std::sync::OnceLock;

use agent_tty_vt::{DEFAULT_BG, DEFAULT_FG, PALETTE_16};
use sha2::{Digest, Sha256};

use crate::glyphs::FONT_FILES;

/// An RGB colour.
pub type Rgb = (u8, u8, u8);

/// Width of one terminal cell in pixels.
pub const CELL_WIDTH: u32 = 8;
/// Height of one terminal cell in pixels.
pub const CELL_HEIGHT: u32 = 16;
/// Font size in pixels.
pub const FONT_SIZE: f32 = 14.0;
/// The font family string both profiles declare.
pub const FONT_FAMILY: &str = "\"JetBrains Mono\", \"Symbols Nerd Font Mono\", monospace";
/// The profile names that resolve.
pub const PROFILE_NAMES: [&str; 2] = ["reference-dark", "reference-light"];

/// A built-in render profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// `reference-dark` or `reference-light`.
    pub name: &'static str,
    /// `dark` or `light`.
    pub theme: &'static str,
    /// Default background (also the cursor accent).
    pub background: Rgb,
    /// Default foreground (also the cursor colour).
    pub foreground: Rgb,
    /// The 16 ANSI colours.
    pub palette: [Rgb; 16],
}

impl Profile {
    /// The built-in profile called `name`, if any.
    pub fn resolve(name: &str) -> Option<Profile> {
        match name {
            "reference-dark" => Some(Profile {
                name: "reference-dark",
                theme: "dark",
                background: DEFAULT_BG,
                foreground: DEFAULT_FG,
                palette: PALETTE_16,
            }),
            "reference-light" => Some(Profile {
                name: "reference-light",
                theme: "light",
                background: (0xef, 0xf1, 0xf5),
                foreground: (0x4c, 0x4f, 0x69),
                palette: PALETTE_16,
            }),
            _ => None,
        }
    }

    /// The `renderProfileHash` of this profile over the bundled font assets.
    pub fn hash(&self) -> String {
        let assets: Vec<FontAsset> = FONT_FILES
            .iter()
            .map(|f| FontAsset {
                identity: sha256_hex(f.bytes),
                family: "JetBrains Mono",
                route: f.route,
                style: f.style,
                weight: f.weight,
            })
            .collect();
        let identity = assets.first().map(|a| a.identity.clone());
        hash_recipe(self, identity.as_deref(), &assets)
    }

    /// [`Profile::hash`], computed once per profile per process.
    pub fn cached_hash(&self) -> String {
        static DARK: OnceLock<String> = OnceLock::new();
        static LIGHT: OnceLock<String> = OnceLock::new();
        let cell = if self.theme == "dark" { &DARK } else { &LIGHT };
        cell.get_or_init(|| self.hash()).clone()
    }
}

/// One `fontAssets` entry of the hash input.
#[derive(Debug, Clone)]
pub struct FontAsset {
    /// SHA-256 hex of the font bytes.
    pub identity: String,
    /// Font family.
    pub family: &'static str,
    /// The route the reference serves it at (kept for recipe parity).
    pub route: &'static str,
    /// `normal` or `italic`.
    pub style: &'static str,
    /// CSS weight, as a string.
    pub weight: &'static str,
}

/// The reference recipe over the reference's own font identities (for parity tests).
pub fn reference_hash_recipe(profile: &Profile) -> String {
    let jb = "14425ba9c695763c1547f48a206b7aa60350a33ae23de09f0407877f3fcd89eb";
    let nerd = "f0f624d9b474bea1662cf7e862d44aebe1ae1f6c7f9cb7a0ca5d0e5ac9561c60";
    let assets = [
        FontAsset {
            identity: jb.into(),
            family: "JetBrains Mono",
            route: "/assets/fonts/JetBrainsMono-Regular-latin.woff2",
            style: "normal",
            weight: "400",
        },
        FontAsset {
            identity: nerd.into(),
            family: "Symbols Nerd Font Mono",
            route: "/assets/fonts/SymbolsNerdFontMono-Regular.ttf",
            style: "normal",
            weight: "400",
        },
    ];
    hash_recipe(profile, Some(jb), &assets)
}

fn hash_recipe(profile: &Profile, identity: Option<&str>, assets: &[FontAsset]) -> String {
    let quote = |s: &str| {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    };
    let assets: Vec<String> = assets
        .iter()
        .map(|a| {
            format!(
                "{{\"assetIdentity\":{},\"family\":{},\"route\":{},\"style\":{},\"weight\":{}}}",
                quote(&a.identity),
                quote(a.family),
                quote(a.route),
                quote(a.style),
                quote(a.weight)
            )
        })
        .collect();
    let json = format!(
        "{{\"name\":{},\"theme\":{},\"fontFamily\":{},\"fontAssetIdentity\":{},\"fontAssets\":[{}],\
         \"fontSize\":{},\"cursorStyle\":\"block\",\"backgroundColor\":{},\"foregroundColor\":{}}}",
        quote(profile.name),
        quote(profile.theme),
        quote(FONT_FAMILY),
        identity.map_or_else(|| "null".to_string(), quote),
        assets.join(","),
        FONT_SIZE,
        quote(&hex(profile.background)),
        quote(&hex(profile.foreground)),
    );
    sha256_hex(json.as_bytes())
}

/// `#rrggbb`.
pub fn hex((r, g, b): Rgb) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(64);
    for byte in Sha256::digest(bytes) {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}
