//! Markdown auto-escaping: a data value always prints as literal text.

use crate::doc::LINE_BREAK_MARK;

/// Escape every ASCII punctuation character with a backslash (CommonMark allows it
/// for all of them), turn newlines into a line-break mark and tabs into spaces, so
/// that no value can open a heading, list, table, emphasis, link, HTML or entity.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    // Every character changed is ASCII: the text between them is copied whole.
    let mut from = 0;
    for (at, b) in text.bytes().enumerate() {
        if !(matches!(b, b'\n' | b'\r' | b'\t') || b.is_ascii_punctuation()) {
            continue;
        }
        out.push_str(&text[from..at]);
        from = at + 1;
        match b {
            b'\n' => out.push(LINE_BREAK_MARK),
            b'\r' => {}
            b'\t' => out.push(' '),
            _ => {
                out.push('\\');
                out.push(char::from(b));
            }
        }
    }
    out.push_str(&text[from..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{build_body, inline_text, BodyBlock};

    #[test]
    fn every_value_stays_literal() {
        for value in [
            "# Tiêu đề",
            "| a | b |",
            "*x*",
            "- x",
            "1. x",
            "<b>",
            "&amp;",
            "a\\b",
            "`code`",
            "[x](y)",
            "> trích",
            "    thụt",
            "___",
            "x\ny",
        ] {
            let md = format!("Giá trị: {}\n", escape_markdown(value));
            let body = build_body(&md, &[]);
            assert_eq!(body.blocks.len(), 1, "{value:?} changed the structure");
            let BodyBlock::Paragraph(inlines) = &body.blocks[0] else {
                panic!("{value:?}")
            };
            let expected = format!("Giá trị: {value}");
            assert_eq!(inline_text(inlines), expected);
        }
        // Letters copied as they are, between the characters escaped.
        assert_eq!(
            escape_markdown("Đạt *ấp*\r\n\tB.1"),
            format!("Đạt \\*ấp\\*{LINE_BREAK_MARK} B\\.1")
        );
    }
}
