//! What is drawn on a page, independent of the carrier: the OFD writer and the PDF renderer draw
//! the same items. Coordinates are millimetres from the page's top-left corner.

/// Something drawn on a page.
#[derive(Debug, Clone)]
pub enum Item {
    /// A line of text with its baseline's left end at (x, y), in the document font.
    Text {
        /// x in mm.
        x: f64,
        /// Baseline y in mm.
        y: f64,
        /// Font size in mm.
        size: f64,
        /// The text.
        text: String,
        /// Bold (drawn with the Hei face).
        bold: bool,
    },
    /// Filled rectangles (a QR code's dark modules), in mm.
    Rects {
        /// (x, y, w, h) each.
        rects: Vec<(f64, f64, f64, f64)>,
    },
    /// A stroked rectangle (a frame).
    Frame {
        /// x.
        x: f64,
        /// y.
        y: f64,
        /// Width.
        w: f64,
        /// Height.
        h: f64,
        /// Line width in mm.
        line: f64,
    },
}
