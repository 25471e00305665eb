//! The CJK face yinxin sets text in: seal lettering here, licence pages (PDF, OFD) in
//! `yinxin-doc`. Official seals and licences use a Song (宋体) face; yinxin's is Noto Serif CJK SC
//! (SIL OFL 1.1).
//!
//! Where the face comes from, first match wins:
//!
//! 1. `YINXIN_SEAL_FONT=path[:index]` naming a font file (TTF, OTF, or face `index` of a TTC). An
//!    explicit choice that cannot be used (missing file, not a font) is an error, never silently
//!    replaced by another face.
//! 2. The system's Noto CJK and other CJK faces ([`SYSTEM_CANDIDATES`]) under `/usr/share/fonts`,
//!    or under the directory `YINXIN_SEAL_FONT` names when it names a directory (an empty
//!    directory therefore means "no system fonts"). fontconfig plays no part.
//! 3. The face compiled into the binary, [`EMBEDDED`]: Noto Serif CJK SC cut down to GB 2312 and
//!    ASCII by `crates/seal/fonts/make-subset.sh` (provenance in `crates/seal/fonts/README.md`).
//!
//! So issuance never depends on what the machine has installed; a system face, when present,
//! only widens the characters covered. A character no face covers is refused by the caller
//! (listed by [`CjkFont::missing`]), never drawn as an empty box.

use crate::{Error, Result};
use ab_glyph::{Font, FontRef, FontVec, GlyphId};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The environment variable that chooses the face (a file, `path:index`, or a font directory).
pub const ENV: &str = "YINXIN_SEAL_FONT";

/// The face compiled in: Noto Serif CJK SC Regular 2.001, GB 2312 + ASCII subset, CFF outlines.
pub const EMBEDDED: &[u8] = include_bytes!("../fonts/YinxinSerifSC-Subset.otf");

/// What [`CjkFont::source`] says of the compiled-in face.
pub const EMBEDDED_NAME: &str = "built-in Noto Serif CJK SC (GB 2312 subset)";

/// Where system fonts are looked for when `YINXIN_SEAL_FONT` names no directory.
pub const SYSTEM_FONT_DIR: &str = "/usr/share/fonts";

/// System faces tried in order, relative to the font directory: (path, face index). Index 2 of
/// the Noto CJK collections is the Simplified Chinese face; index 0 would give Japanese shapes.
pub const SYSTEM_CANDIDATES: &[(&str, u32)] = &[
    ("opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("truetype/wqy/wqy-microhei.ttc", 0),
    ("truetype/arphic-gbsn00lp/gbsn00lp.ttf", 0),
];

/// Where a face came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FontOrigin {
    /// Named by `YINXIN_SEAL_FONT`.
    Configured(PathBuf),
    /// Found among the system's fonts.
    System(PathBuf),
    /// Compiled in.
    Embedded,
}

enum Loaded {
    Static(Box<FontRef<'static>>),
    Owned(FontVec),
}

struct Inner {
    font: Loaded,
    data: Option<&'static [u8]>,
    index: u32,
    origin: FontOrigin,
}

/// A loaded CJK face, cheap to clone.
#[derive(Clone)]
pub struct CjkFont(Arc<Inner>);

impl core::fmt::Debug for CjkFont {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "CjkFont({})", self.source())
    }
}

impl CjkFont {
    /// The compiled-in face.
    pub fn embedded() -> Self {
        static FACE: std::sync::OnceLock<CjkFont> = std::sync::OnceLock::new();
        FACE.get_or_init(|| {
            // The bytes are ours and checked by a test; a failure here is a build defect.
            let font = FontRef::try_from_slice(EMBEDDED).unwrap_or_else(|e| panic!("the built-in font: {e}"));
            CjkFont(Arc::new(Inner {
                font: Loaded::Static(Box::new(font)),
                data: Some(EMBEDDED),
                index: 0,
                origin: FontOrigin::Embedded,
            }))
        })
        .clone()
    }

    /// Load a font file (TTF, OTF or a face of a TTC).
    pub fn load(path: &Path, index: u32) -> Result<Self> {
        Self::load_as(path, index, FontOrigin::Configured(path.to_path_buf()))
    }

    fn load_as(path: &Path, index: u32, origin: FontOrigin) -> Result<Self> {
        let data = std::fs::read(path).map_err(|e| Error::Font(format!("{}: {e}", path.display())))?;
        let font = FontVec::try_from_vec_and_index(data, index)
            .map_err(|e| Error::Font(format!("{} (face {index}) is not a usable font: {e}", path.display())))?;
        if font.glyph_id('中') == GlyphId(0) {
            return Err(Error::Font(format!("{} (face {index}) has no Chinese characters", path.display())));
        }
        Ok(Self(Arc::new(Inner { font: Loaded::Owned(font), data: None, index, origin })))
    }

    /// The face to use now (see the module's documentation), loaded once per process for each
    /// value of `YINXIN_SEAL_FONT`.
    pub fn find() -> Result<Self> {
        type Cached = Option<(Option<String>, CjkFont)>;
        static CACHE: Mutex<Cached> = Mutex::new(None);
        let spec = std::env::var(ENV).ok().filter(|s| !s.trim().is_empty());
        let mut cache = CACHE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((s, f)) = cache.as_ref()
            && *s == spec
        {
            return Ok(f.clone());
        }
        let font = Self::locate(spec.as_deref())?;
        *cache = Some((spec, font.clone()));
        Ok(font)
    }

    /// The face a `YINXIN_SEAL_FONT` value (or none) selects, loaded afresh.
    pub fn locate(spec: Option<&str>) -> Result<Self> {
        let mut dir = PathBuf::from(SYSTEM_FONT_DIR);
        if let Some(spec) = spec {
            let whole = Path::new(spec);
            if whole.is_dir() {
                dir = whole.to_path_buf();
            } else {
                let (path, index) = match spec.rsplit_once(':') {
                    Some((p, i)) if !p.is_empty() && i.parse::<u32>().is_ok() => (p, i.parse().unwrap_or(0)),
                    _ => (spec, 0),
                };
                return Self::load(Path::new(path), index)
                    .map_err(|e| Error::Font(format!("{ENV}={spec} cannot be used: {e}")));
            }
        }
        for (rel, index) in SYSTEM_CANDIDATES {
            let path = dir.join(rel);
            if path.is_file() {
                match Self::load_as(&path, *index, FontOrigin::System(path.clone())) {
                    Ok(f) => return Ok(f),
                    // A broken system file is passed over: the built-in face still works.
                    Err(_) => continue,
                }
            }
        }
        Ok(Self::embedded())
    }

    /// The ab_glyph face.
    pub fn font(&self) -> &dyn Font {
        match &self.0.font {
            Loaded::Static(f) => f.as_ref(),
            Loaded::Owned(f) => f,
        }
    }

    /// The font file's bytes (the whole collection for a TTC; see [`CjkFont::index`]).
    pub fn data(&self) -> &[u8] {
        match (&self.0.font, self.0.data) {
            (_, Some(d)) => d,
            (Loaded::Owned(f), None) => f.as_slice(),
            (Loaded::Static(_), None) => &[],
        }
    }

    /// The face's index in its file.
    pub fn index(&self) -> u32 {
        self.0.index
    }

    /// Where the face came from.
    pub fn origin(&self) -> &FontOrigin {
        &self.0.origin
    }

    /// Where the face came from, for people.
    pub fn source(&self) -> String {
        match &self.0.origin {
            FontOrigin::Configured(p) | FontOrigin::System(p) => format!("{}#{}", p.display(), self.0.index),
            FontOrigin::Embedded => EMBEDDED_NAME.to_string(),
        }
    }

    /// Whether the face draws `c`.
    pub fn has(&self, c: char) -> bool {
        self.font().glyph_id(c) != GlyphId(0)
    }

    /// Characters of `text` the face has no glyph for (they would render as boxes), each once,
    /// in order of first appearance. Whitespace and control characters are not drawn, so never
    /// missing.
    pub fn missing(&self, text: &str) -> Vec<char> {
        let mut out: Vec<char> = Vec::new();
        for c in text.chars() {
            if !c.is_whitespace() && !c.is_control() && !self.has(c) && !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }

    /// Units per em.
    pub fn units_per_em(&self) -> f32 {
        self.font().units_per_em().unwrap_or(1000.0)
    }

    /// The horizontal advance of `c` in ems.
    pub fn advance_em(&self, c: char) -> f32 {
        let f = self.font();
        f.h_advance_unscaled(f.glyph_id(c)) / self.units_per_em()
    }
}
