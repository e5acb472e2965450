//! Markdown auto-escaping: a data value always prints as literal text.

use crate::doc::LINE_BREAK_MARK;

/// Escape every ASCII punctuation character with a backslash (CommonMark allows it
/// for all of them), turn newlines into a line-break mark and tabs into spaces, so
/// that no value can open a heading, list, table, emphasis, link, HTML or entity.
pub fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    // Writing into a String cannot fail.
    let _ = escape_markdown_into(text, &mut out);
    out
}

/// `escape_markdown` written straight into `out` (a template's output), without a
/// String of its own.
pub fn escape_markdown_into(text: &str, out: &mut impl std::fmt::Write) -> std::fmt::Result {
    // Every character changed is ASCII: the text between them is copied whole.
    let mut from = 0;
    for (at, b) in text.bytes().enumerate() {
        if !ESCAPED[usize::from(b)] {
            continue;
        }
        out.write_str(&text[from..at])?;
        from = at + 1;
        match b {
            b'\n' => out.write_char(LINE_BREAK_MARK)?,
            b'\r' => {}
            b'\t' => out.write_char(' ')?,
            _ => {
                out.write_char('\\')?;
                out.write_char(char::from(b))?;
            }
        }
    }
    out.write_str(&text[from..])
}

/// The bytes `escape_markdown` changes: line ends, tabs and ASCII punctuation.
const ESCAPED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = matches!(c, b'\n' | b'\r' | b'\t') || c.is_ascii_punctuation();
        b += 1;
    }
    table
};

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
