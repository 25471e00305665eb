//! QR codes for tokens: the version a text needs, and reading one from an image.

use crate::{Result, format_err};
use qrcode::{EcLevel, QrCode, Version};

/// Error-correction level the wallet uses: M (15 %), which survives a screenshot's scaling and a
/// camera's glare better than L at a modest cost in size.
pub const EC_LEVEL: EcLevel = EcLevel::M;

/// The version (1–40) and width in modules of the smallest QR code that holds `text` at `level`,
/// or `None` when no QR code does.
pub fn version_for(text: &str, level: EcLevel) -> Option<(i16, usize)> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), level).ok()?;
    match code.version() {
        Version::Normal(v) => Some((v, code.width())),
        Version::Micro(_) => None,
    }
}

/// Read every QR code in a greyscale image (row-major, one byte a pixel), returning the texts.
pub fn decode_luma(width: usize, height: usize, pixels: &[u8]) -> Result<Vec<String>> {
    if pixels.len() != width * height {
        return Err(format_err("image: pixel count does not match its size"));
    }
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| pixels[y * width + x]);
    let mut out = Vec::new();
    for grid in img.detect_grids() {
        if let Ok((_, text)) = grid.decode() {
            out.push(text);
        }
    }
    Ok(out)
}
