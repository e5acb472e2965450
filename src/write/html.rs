//! An HTML rendering of a Document, for the web page's preview: the same laid-out
//! report the .docx and .odt writers get, in milliseconds and without LibreOffice.
//! A fragment (`<article>`), every text escaped; `CSS` styles it for screen and print.

use crate::doc::{Align, Block, Document, Inline, Paragraph, Role, Table, Twips};
use std::fmt::Write as _;

/// The preview's style sheet: A4-like pages on screen, plain pages on paper.
pub const CSS: &str = r#".bao-cao { font-family: "Times New Roman", "Liberation Serif", serif; color: #000; }
.bao-cao .trang { background: #fff; max-width: 16.5cm; margin: 0 auto 1rem; padding: 2cm 2cm 2cm 3cm; box-shadow: 0 0 4px #888; }
.bao-cao .trang.ngang { max-width: 25cm; }
.bao-cao p, .bao-cao h2, .bao-cao h3, .bao-cao h4, .bao-cao h5 { margin: 0; font-size: inherit; font-weight: normal; line-height: 1.3; }
.bao-cao .gach { border-bottom: 1px solid #000; height: 0; }
.bao-cao table { border-collapse: collapse; width: 100%; margin: 0.3em 0; }
.bao-cao table.khung td, .bao-cao table.khung th { border: 1px solid #000; }
.bao-cao td, .bao-cao th { padding: 0 0.2em; vertical-align: middle; font-weight: normal; }
.bao-cao td.tren { vertical-align: top; }
@media print { .bao-cao .trang { box-shadow: none; padding: 0; max-width: none; margin: 0; break-after: page; } }
"#;

/// The report as an HTML fragment: one `<section>` per section of the document.
pub fn to_html(doc: &Document) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let _ = write!(
        out,
        r#"<article class="bao-cao" lang="vi" style="font-size:{}">"#,
        pt(doc.font_size as i32 * 10)
    );
    for section in &doc.sections {
        out.push_str(if section.landscape {
            r#"<section class="trang ngang">"#
        } else {
            r#"<section class="trang">"#
        });
        for block in &section.blocks {
            match block {
                Block::Paragraph(p) => paragraph(&mut out, p, doc.font_size),
                Block::Table(t) => table(&mut out, t, doc.font_size),
            }
        }
        out.push_str("</section>");
    }
    out.push_str("</article>");
    out
}

/// Twips (twentieths of a point) as CSS points.
fn pt(twips: Twips) -> String {
    let points = f64::from(twips) / 20.0;
    format!("{}pt", (points * 10.0).round() / 10.0)
}

fn paragraph(out: &mut String, p: &Paragraph, base_size: u32) {
    let s = &p.style;
    let tag = match s.role {
        Role::Heading(level) => ["h2", "h3", "h4", "h5"][usize::from(level.clamp(1, 4) - 1)],
        _ => "p",
    };
    let mut style = String::new();
    match s.align {
        Align::Left => {}
        Align::Center => style.push_str("text-align:center;"),
        Align::Right => style.push_str("text-align:right;"),
        Align::Justify => style.push_str("text-align:justify;"),
    }
    if s.size != base_size {
        let _ = write!(style, "font-size:{};", pt(s.size as i32 * 10));
    }
    if s.bold {
        style.push_str("font-weight:bold;");
    }
    if s.italic {
        style.push_str("font-style:italic;");
    }
    for (name, value) in [
        ("text-indent", s.first_line),
        ("margin-left", s.indent_left),
        ("margin-right", s.indent_right),
        ("margin-top", s.space_before),
        ("margin-bottom", s.space_after),
    ] {
        if value != 0 {
            let _ = write!(style, "{name}:{};", pt(value));
        }
    }
    let empty = p
        .inlines
        .iter()
        .all(|i| matches!(i, Inline::Text { text, .. } if text.is_empty()));
    let class = if s.rule_below && empty { r#" class="gach""# } else { "" };
    let _ = write!(out, "<{tag}{class}");
    if !style.is_empty() {
        let _ = write!(out, r#" style="{style}""#);
    }
    out.push('>');
    inlines(out, &p.inlines);
    if empty && !s.rule_below {
        // An empty paragraph keeps its line, as in Word.
        out.push_str("<br>");
    }
    let _ = write!(out, "</{tag}>");
}

fn inlines(out: &mut String, inlines: &[Inline]) {
    for inline in inlines {
        match inline {
            Inline::Text { text, bold, italic } => {
                if *bold {
                    out.push_str("<b>");
                }
                if *italic {
                    out.push_str("<i>");
                }
                escape(out, text);
                if *italic {
                    out.push_str("</i>");
                }
                if *bold {
                    out.push_str("</b>");
                }
            }
            Inline::LineBreak => out.push_str("<br>"),
            // Pages are the printer's business in a preview.
            Inline::PageNumber => {}
        }
    }
}

fn table(out: &mut String, t: &Table, base_size: u32) {
    let total: i64 = t.columns.iter().map(|&w| i64::from(w.max(0))).sum();
    out.push_str(if t.borders {
        r#"<table class="khung">"#
    } else {
        "<table>"
    });
    if total > 0 && !t.auto_width {
        out.push_str("<colgroup>");
        for &w in &t.columns {
            let share = i64::from(w.max(0)) * 1000 / total;
            let _ = write!(out, r#"<col style="width:{}.{}%">"#, share / 10, share % 10);
        }
        out.push_str("</colgroup>");
    }
    for (i, row) in t.rows.iter().enumerate() {
        let header = i < t.header_rows;
        if i == 0 && header {
            out.push_str("<thead>");
        }
        if i == t.header_rows {
            out.push_str("<tbody>");
        }
        out.push_str("<tr>");
        let cell_tag = if header { "th" } else { "td" };
        for cell in row.cells.iter().filter(|c| !c.covered) {
            let _ = write!(out, "<{cell_tag}");
            if cell.col_span > 1 {
                let _ = write!(out, r#" colspan="{}""#, cell.col_span);
            }
            if cell.row_span > 1 {
                let _ = write!(out, r#" rowspan="{}""#, cell.row_span);
            }
            if cell.v_align == crate::doc::VAlign::Top {
                out.push_str(r#" class="tren""#);
            }
            out.push('>');
            for p in &cell.paragraphs {
                paragraph(out, p, base_size);
            }
            let _ = write!(out, "</{cell_tag}>");
        }
        out.push_str("</tr>");
        if header && i + 1 == t.header_rows {
            out.push_str("</thead>");
        }
    }
    if t.rows.len() > t.header_rows {
        out.push_str("</tbody>");
    }
    out.push_str("</table>");
}

/// Text made safe between tags and inside quoted attributes.
pub fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if super::xml_char(c) => out.push(c),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::{Cell, ParaStyle, Row, Section};

    fn para(text: &str, style: ParaStyle) -> Block {
        Block::Paragraph(Paragraph::new(style, vec![Inline::plain(text)]))
    }

    fn sample() -> Document {
        let centre = ParaStyle {
            align: Align::Center,
            bold: true,
            ..ParaStyle::default()
        };
        let letterhead = Table {
            columns: vec![3000, 6000],
            borders: false,
            rows: vec![Row {
                cells: vec![
                    Cell::new(vec![Paragraph::new(centre, vec![Inline::bold("UBND XÃ BA THÀNH")])]),
                    Cell::new(vec![Paragraph::new(
                        centre,
                        vec![Inline::bold("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")],
                    )]),
                ],
            }]
            .into(),
            ..Table::default()
        };
        let mut merged = Cell::new(vec![Paragraph::new(
            ParaStyle::default(),
            vec![Inline::plain("Tiêu chí")],
        )]);
        merged.row_span = 2;
        let appendix = Table {
            columns: vec![1000, 4000],
            header_rows: 1,
            rows: vec![
                Row {
                    cells: vec![
                        Cell::new(vec![Paragraph::new(ParaStyle::default(), vec![Inline::plain("STT")])]),
                        Cell::new(vec![Paragraph::new(
                            ParaStyle::default(),
                            vec![Inline::plain("Nội dung")],
                        )]),
                    ],
                },
                Row {
                    cells: vec![
                        merged,
                        Cell::new(vec![Paragraph::new(
                            ParaStyle::default(),
                            vec![Inline::plain("a < b & c")],
                        )]),
                    ],
                },
                Row {
                    cells: vec![
                        Cell::covered(1),
                        Cell::new(vec![Paragraph::new(ParaStyle::default(), vec![Inline::plain("d")])]),
                    ],
                },
            ]
            .into(),
            ..Table::default()
        };
        Document {
            font_size: 28,
            sections: vec![
                Section {
                    landscape: false,
                    blocks: vec![
                        Block::Table(letterhead),
                        para("BÁO CÁO", centre),
                        para(
                            "Kết quả <script>alert(1)</script>",
                            ParaStyle {
                                role: Role::Heading(2),
                                ..ParaStyle::default()
                            },
                        ),
                        para(
                            "",
                            ParaStyle {
                                rule_below: true,
                                ..ParaStyle::default()
                            },
                        ),
                    ],
                },
                Section {
                    landscape: true,
                    blocks: vec![Block::Table(appendix)],
                },
            ],
            ..Document::default()
        }
    }

    #[test]
    fn the_title_and_letterhead_read_as_in_the_report() {
        let html = to_html(&sample());
        assert!(html.contains(r#"<p style="text-align:center;font-weight:bold;"><b>UBND XÃ BA THÀNH</b></p>"#));
        assert!(html.contains(">BÁO CÁO</p>"), "{html}");
        assert!(
            html.contains("<h3>Kết quả"),
            "a level-2 heading is an h3 under the page's h1: {html}"
        );
        assert!(html.contains(r#"<p class="gach"></p>"#));
        assert!(
            html.contains(r#"<section class="trang ngang">"#),
            "the appendix page is landscape"
        );
        assert_eq!(html.matches("<table").count(), 2);
        assert!(html.starts_with(r#"<article class="bao-cao" lang="vi" style="font-size:14pt">"#));
    }

    #[test]
    fn text_is_escaped_never_markup() {
        let html = to_html(&sample());
        assert!(!html.contains("<script>"));
        assert!(html.contains("Kết quả &lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("a &lt; b &amp; c"));
    }

    #[test]
    fn merged_cells_span_and_covered_cells_vanish() {
        let html = to_html(&sample());
        let appendix = &html[html.rfind("<table").unwrap()..];
        assert!(appendix.starts_with(r#"<table class="khung"><colgroup><col style="width:20.0%"><col style="width:80.0%"></colgroup><thead><tr><th>"#), "{appendix}");
        assert!(appendix.contains(r#"<td rowspan="2"><p>Tiêu chí</p></td>"#));
        // The row under the merge has one cell of its own.
        assert!(appendix.contains("<tr><td><p>d</p></td></tr>"), "{appendix}");
        assert!(appendix.contains("</thead><tbody>"));
    }

    #[test]
    fn a_real_report_previews_with_its_title() {
        let pack = crate::template::Pack::builtin().unwrap();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/Ba Thành.xlsx");
        let report = crate::report::from_file(&pack, &path).unwrap();
        let html = to_html(report.document().unwrap());
        assert!(html.contains("BÁO CÁO"));
        assert!(html.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
        assert!(html.contains("Nơi nhận"));
        assert!(html.len() < 200_000, "small: {} bytes", html.len());
    }
}
