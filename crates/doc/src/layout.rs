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

/// Text measured in the document face: what line breaking and centring need.
pub trait Measure {
    /// The advance of `c` in ems.
    fn advance_em(&self, c: char) -> f64;
}

impl Measure for yinxin_seal::font::CjkFont {
    fn advance_em(&self, c: char) -> f64 {
        f64::from(yinxin_seal::font::CjkFont::advance_em(self, c))
    }
}

/// The width of `text` set at `size` mm, in mm.
pub fn text_width(m: &dyn Measure, text: &str, size: f64) -> f64 {
    text.chars().map(|c| m.advance_em(c)).sum::<f64>() * size
}

/// Characters a line may not start with (行首禁则, after GB/T 15834's punctuation placement and
/// the kinsoku rules of JIS X 4051 / W3C clreq): closing brackets and quotes, stops, commas,
/// colons, the ellipsis and the middle dot.
pub fn no_line_start(c: char) -> bool {
    matches!(
        c,
        '。' | '，'
            | '、'
            | '；'
            | '：'
            | '？'
            | '！'
            | '）'
            | '」'
            | '』'
            | '】'
            | '》'
            | '〉'
            | '〕'
            | '〗'
            | '］'
            | '｝'
            | '”'
            | '’'
            | '…'
            | '·'
            | '・'
            | '％'
            | '‰'
            | '℃'
            | '．'
            | '〟'
            | '～'
            | '.'
            | ','
            | ';'
            | ':'
            | '?'
            | '!'
            | ')'
            | ']'
            | '}'
            | '%'
    )
}

/// Characters a line may not end with (行尾禁则): opening brackets and quotes.
pub fn no_line_end(c: char) -> bool {
    matches!(
        c,
        '（' | '「' | '『' | '【' | '《' | '〈' | '〔' | '〖' | '［' | '｛' | '“' | '‘' | '〝' | '(' | '[' | '{'
    )
}

/// A piece that is kept whole on a line: one CJK character, or a run of Latin letters and digits
/// (a word, a number, a code), or a space.
struct Unit {
    text: String,
    width: f64,
    space: bool,
}

fn units(m: &dyn Measure, text: &str, size: f64, max: f64) -> Vec<Unit> {
    let mut out: Vec<Unit> = Vec::new();
    let word_char =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '@' | '&' | '+' | '#' | '*' | '=');
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Unit>| {
        if word.is_empty() {
            return;
        }
        let w = text_width(m, word, size);
        if w <= max {
            out.push(Unit { text: std::mem::take(word), width: w, space: false });
        } else {
            // A word longer than the line breaks anywhere.
            for c in word.drain(..) {
                out.push(Unit { text: c.to_string(), width: m.advance_em(c) * size, space: false });
            }
        }
    };
    for c in text.chars() {
        if word_char(c) {
            word.push(c);
            continue;
        }
        flush(&mut word, &mut out);
        if c == '\n' || c == '\r' || c == '\t' {
            continue;
        }
        out.push(Unit { text: c.to_string(), width: m.advance_em(c) * size, space: c.is_whitespace() });
    }
    flush(&mut word, &mut out);
    out
}

fn first_char(s: &str) -> char {
    s.chars().next().unwrap_or(' ')
}

fn last_char(s: &str) -> char {
    s.chars().next_back().unwrap_or(' ')
}

/// Break `text` set at `size` mm into lines no wider than `width` mm, using the face's real
/// advances. CJK text breaks between any two characters, Latin words and numbers only at spaces
/// (or anywhere, when one is longer than a line), and the kinsoku rules hold: no line starts
/// with a [`no_line_start`] character nor ends with a [`no_line_end`] one — the character before
/// the break is carried to the next line instead (追い出し), so a line is never wider than
/// `width`. Spaces at a line's ends are dropped. Empty text gives no lines.
pub fn break_lines(m: &dyn Measure, text: &str, size: f64, width: f64) -> Vec<String> {
    let us = units(m, text, size, width);
    let mut lines = Vec::new();
    let mut i = 0;
    let eps = 1e-9;
    while i < us.len() {
        while i < us.len() && us[i].space {
            i += 1;
        }
        if i >= us.len() {
            break;
        }
        let mut w = 0.0;
        let mut j = i;
        while j < us.len() && w + us[j].width <= width + eps {
            w += us[j].width;
            j += 1;
        }
        if j == i {
            j = i + 1; // a single character wider than the line: nothing narrower can be done
        }
        if j < us.len() {
            // Move the break back until neither rule is broken (keeping at least one unit).
            let bad = |k: usize| {
                let next = us[k..].iter().find(|u| !u.space).map(|u| first_char(&u.text)).unwrap_or(' ');
                let prev = us[..k].iter().rev().find(|u| !u.space).map(|u| last_char(&u.text)).unwrap_or(' ');
                no_line_start(next)
                    || no_line_end(prev)
                    || (!us[k].space && !us[k - 1].space && joined(&us[k - 1], &us[k]))
            };
            let mut k = j;
            while k > i + 1 && bad(k) {
                k -= 1;
            }
            if !bad(k) {
                j = k;
            }
        }
        let line: String = us[i..j].iter().map(|u| u.text.as_str()).collect();
        lines.push(line.trim_end().to_string());
        i = j;
    }
    lines
}

/// Two units that may not be separated: Latin words next to each other with no space between
/// (e.g. a word and the punctuation of a URL).
fn joined(a: &Unit, b: &Unit) -> bool {
    let (x, y) = (last_char(&a.text), first_char(&b.text));
    x.is_ascii_alphanumeric() && y.is_ascii_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character one em wide, as in a CJK face; Latin half an em.
    struct Fixed;
    impl Measure for Fixed {
        fn advance_em(&self, c: char) -> f64 {
            if c.is_ascii() { 0.5 } else { 1.0 }
        }
    }

    #[test]
    fn lines_fit_and_keep_every_character() {
        let text = "一般项目：软件开发；信息技术咨询服务；数据处理服务。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）";
        for width in [5.0, 7.0, 10.0, 13.0, 28.0] {
            let lines = break_lines(&Fixed, text, 1.0, width);
            assert_eq!(lines.concat(), text, "width {width}");
            for l in &lines {
                assert!(text_width(&Fixed, l, 1.0) <= width + 1e-9, "{l:?} wider than {width}");
                assert!(!no_line_start(first_char(l)), "{l:?} starts with closing punctuation");
                assert!(!no_line_end(last_char(l)), "{l:?} ends with opening punctuation");
            }
        }
    }

    #[test]
    fn kinsoku_carries_a_character_over() {
        // Width 4: "甲乙丙丁" then "。" would start the next line, so 丁 goes with it.
        assert_eq!(break_lines(&Fixed, "甲乙丙丁。戊", 1.0, 4.0), ["甲乙丙", "丁。戊"]);
        // "（" would end the line: it moves down.
        assert_eq!(break_lines(&Fixed, "甲乙丙（丁）", 1.0, 4.0), ["甲乙丙", "（丁）"]);
    }

    #[test]
    fn latin_words_stay_whole() {
        // 0871-12345678 is 6.5 ems, longer than the 6-em line: it breaks, but only at its hyphen.
        assert_eq!(break_lines(&Fixed, "tel 0871-12345678 ext 9", 1.0, 6.0), ["tel 0871-", "12345678 ext", "9"]);
        assert_eq!(break_lines(&Fixed, "Room 1203 Tower B", 1.0, 6.0), ["Room 1203", "Tower B"]);
        assert!(break_lines(&Fixed, "  ", 1.0, 6.0).is_empty());
    }
}
