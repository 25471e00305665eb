//! Render a sample page to `target/demo.pdf` (for looking at the renderer's output).
use yinxin_doc::layout::Item;
use yinxin_doc::pdf::render::{PdfSpec, render};
fn main() {
    let spec = PdfSpec {
        title: "食品经营许可证".into(),
        page_mm: (210.0, 297.0),
        pages: vec![vec![
            Item::Frame { x: 10.0, y: 10.0, w: 190.0, h: 277.0, line: 0.8 },
            Item::Text { x: 60.0, y: 40.0, size: 12.0, text: "食品经营许可证".into(), bold: true },
            Item::Text {
                x: 25.0,
                y: 70.0,
                size: 5.0,
                text: "经营者名称：某某餐饮有限公司 (Test 123)".into(),
                bold: false,
            },
            Item::Rects { rects: (0..10).map(|i| (150.0 + i as f64 * 2.0, 240.0, 1.0, 1.0 + i as f64)).collect() },
        ]],
    };
    let out = std::env::args().nth(1).unwrap_or_else(|| "/tmp/demo.pdf".into());
    std::fs::write(&out, render(&spec).unwrap()).unwrap();
}
