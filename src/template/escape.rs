//! Markdown auto-escaping: a data value always prints as literal text.

use crate::doc::LINE_BREAK_MARK;

/// Escape every ASCII punctuation character with a backslash (CommonMark allows it
/// for all of them), turn newlines into a line-break mark and tabs into spaces, so
/// that no value can open a heading, list, table, emphasis, link, HTML or entity.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        match ch {
            '\n' => out.push(LINE_BREAK_MARK),
            '\r' => {}
            '\t' => out.push(' '),
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
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
    }
}
