//! Where a filled Word form breaks the official format (Nghị định 30/2020/NĐ-CP,
//! Phụ lục I): a font other than Times New Roman, body text outside 13–14 pt,
//! margins outside the decree's ranges, no «Số: …» line or one not written as the
//! decree writes it, a page number on the first page. Warnings for `check`: a form
//! is the province's own, and may have reasons.

use crate::error::{Diagnostic, FormPlace, Kind, Place};
use std::collections::HashMap;
use std::io::Read;

/// The decree's margins, in twips (1 mm = 56.7): top and bottom 20–25 mm, left
/// 30–35 mm, right 15–20 mm (a twip either side for rounding).
const TOP: (i64, i64) = (1133, 1418);
const BOTTOM: (i64, i64) = (1133, 1418);
const LEFT: (i64, i64) = (1700, 1985);
const RIGHT: (i64, i64) = (849, 1134);
/// Body text: 13–14 pt, in half-points.
const BODY_SIZE: (u32, u32) = (26, 28);
const FONT: &str = "Times New Roman";
/// A paragraph outside tables with at least this many characters is body text (the
/// letterhead, title and signature are short or in tables).
const BODY_MIN_CHARS: usize = 40;
/// The most paragraphs one kind of warning names.
const MAX_NAMED: usize = 5;

/// A small element tree (the parts are read whole anyway).
#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
    text: String,
}

impl Node {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
    fn val(&self, name: &str) -> Option<&str> {
        self.child(name).and_then(|c| c.attr("w:val"))
    }
    fn descendants<'a>(&'a self, out: &mut Vec<&'a Node>) {
        for c in &self.children {
            out.push(c);
            c.descendants(out);
        }
    }
    fn all(&self, name: &str) -> Vec<&Node> {
        let mut out = Vec::new();
        self.descendants(&mut out);
        out.into_iter().filter(|n| n.name == name).collect()
    }
}

fn parse(xml: &str) -> Option<Node> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<Node> = vec![Node::default()];
    let decoder = reader.decoder();
    let open = |e: &quick_xml::events::BytesStart| Node {
        name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
        attrs: e
            .attributes()
            .flatten()
            .map(|a| {
                (
                    String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                    a.decoded_and_normalized_value(quick_xml::XmlVersion::Implicit1_0, decoder)
                        .map(|v| v.into_owned())
                        .unwrap_or_default(),
                )
            })
            .collect(),
        ..Node::default()
    };
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) => stack.push(open(&e)),
            Event::Empty(e) => {
                let node = open(&e);
                stack.last_mut()?.children.push(node);
            }
            Event::End(_) => {
                let node = stack.pop()?;
                stack.last_mut()?.children.push(node);
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    if top.name == "w:t" || top.name == "w:instrText" {
                        top.text.push_str(&t.decode().ok()?);
                    }
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    if top.name == "w:t" {
                        let name = r.decode().ok()?;
                        top.text.push_str(match name.as_ref() {
                            "amp" => "&",
                            "lt" => "<",
                            "gt" => ">",
                            "quot" => "\"",
                            "apos" => "'",
                            _ => "",
                        });
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    stack.pop()?.children.into_iter().next()
}

fn text_of(p: &Node) -> String {
    p.all("w:t").iter().map(|t| t.text.as_str()).collect()
}

/// Run properties as far as these checks need them.
#[derive(Clone, Debug, Default)]
struct Props {
    font: Option<String>,
    size: Option<u32>,
}

impl Props {
    fn over(&self, under: &Props) -> Props {
        Props {
            font: self.font.clone().or_else(|| under.font.clone()),
            size: self.size.or(under.size),
        }
    }
}

fn props(rpr: Option<&Node>) -> Props {
    let Some(rpr) = rpr else { return Props::default() };
    let fonts = rpr.child("w:rFonts");
    Props {
        font: fonts.and_then(|f| {
            f.attr("w:ascii")
                .or_else(|| f.attr("w:hAnsi"))
                .map(str::to_string)
                .or_else(|| f.attr("w:asciiTheme").map(|t| format!("\u{1}{t}")))
        }),
        size: rpr.val("w:sz").and_then(|v| v.parse().ok()),
    }
}

/// The styles: each style's own run properties and what it is based on; the
/// document defaults; the default paragraph style.
struct Styles {
    own: HashMap<String, (Props, Option<String>)>,
    defaults: Props,
    default_paragraph: Option<String>,
}

impl Styles {
    fn read(xml: Option<&str>) -> Styles {
        let mut styles = Styles {
            own: HashMap::new(),
            defaults: Props::default(),
            default_paragraph: None,
        };
        let Some(root) = xml.and_then(parse) else { return styles };
        if let Some(d) = root.child("w:docDefaults").and_then(|d| d.child("w:rPrDefault")) {
            styles.defaults = props(d.child("w:rPr"));
        }
        for s in root.children.iter().filter(|c| c.name == "w:style") {
            let Some(id) = s.attr("w:styleId") else { continue };
            if s.attr("w:type") == Some("paragraph") && s.attr("w:default") == Some("1") {
                styles.default_paragraph = Some(id.to_string());
            }
            styles.own.insert(
                id.to_string(),
                (props(s.child("w:rPr")), s.val("w:basedOn").map(str::to_string)),
            );
        }
        styles
    }

    /// A style's run properties with those it is based on under them, and the
    /// document defaults under all.
    fn of(&self, id: Option<&str>) -> Props {
        self.chain(id).over(&self.defaults)
    }

    /// A style's run properties with those it is based on under them.
    fn chain(&self, id: Option<&str>) -> Props {
        let mut out = Props::default();
        let mut next = id.map(str::to_string);
        let mut seen = 0;
        while let Some(id) = next.take() {
            let Some((own, based)) = self.own.get(&id) else { break };
            out = out.over(own);
            next = based.clone();
            seen += 1;
            if seen > 20 {
                break;
            }
        }
        out
    }
}

/// The warnings for a filled .docx, named `file` (the report).
pub fn warnings(file: &str, bytes: &[u8]) -> Vec<Diagnostic> {
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Vec::new();
    };
    let mut read = |name: &str| -> Option<String> {
        let mut text = String::new();
        zip.by_name(name).ok()?.take(64 << 20).read_to_string(&mut text).ok()?;
        Some(text)
    };
    let Some(document) = read("word/document.xml").and_then(|x| parse(&x)) else {
        return Vec::new();
    };
    let styles = Styles::read(read("word/styles.xml").as_deref());
    // A theme font (`w:asciiTheme`) is named by the theme's typeface.
    let theme = read("word/theme/theme1.xml").unwrap_or_default();
    let typeface = |which: &str| {
        let at = theme.find(&format!("<a:{which}Font>"))?;
        let rest = &theme[at..];
        let i = rest.find("<a:latin typeface=\"")? + 19;
        Some(rest[i..i + rest[i..].find('"')?].to_string())
    };
    let theme_font = |f: String| match f.strip_prefix('\u{1}') {
        Some(t) => {
            let which = if t.starts_with("major") { "major" } else { "minor" };
            typeface(which).unwrap_or_else(|| format!("phông của chủ đề ({t})"))
        }
        None => f,
    };
    let rels = read("word/_rels/document.xml.rels").unwrap_or_default();
    let Some(body) = document.child("w:body") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let warn = |at: String, excerpt: String, message: String| {
        Diagnostic::warning(
            file,
            Place::from(FormPlace {
                part: "thân văn bản".into(),
                at,
                excerpt,
            }),
            message,
        )
        .kind(Kind::Template)
    };

    // Each paragraph, named as form errors name it.
    let mut paragraphs: Vec<(String, &Node, bool)> = Vec::new();
    let (mut n, mut t) = (0, 0);
    for child in &body.children {
        match child.name.as_str() {
            "w:p" => {
                n += 1;
                paragraphs.push((format!("đoạn {n}"), child, false));
            }
            "w:tbl" => {
                t += 1;
                for (r, row) in child.children.iter().filter(|c| c.name == "w:tr").enumerate() {
                    for (c, cell) in row.children.iter().filter(|c| c.name == "w:tc").enumerate() {
                        for p in cell.all("w:p") {
                            paragraphs.push((format!("bảng {t}, hàng {}, ô {}", r + 1, c + 1), p, true));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let excerpt = |p: &Node| {
        let text = text_of(p);
        let short: String = text.chars().take(60).collect();
        if short.len() < text.len() {
            format!("{short}…")
        } else {
            short
        }
    };

    // Fonts and body sizes, run by run.
    let mut wrong_font: Vec<(String, String, String)> = Vec::new();
    let mut wrong_size: Vec<(String, String, u32)> = Vec::new();
    for (at, p, in_table) in &paragraphs {
        let ppr = p.child("w:pPr");
        let style = ppr
            .and_then(|ppr| ppr.val("w:pStyle"))
            .map(str::to_string)
            .or_else(|| styles.default_paragraph.clone());
        let base = styles.of(style.as_deref());
        let mut font = None;
        let mut size = None;
        for run in p.all("w:r") {
            if run.all("w:t").iter().all(|t| t.text.trim().is_empty()) {
                continue;
            }
            let rpr = run.child("w:rPr");
            let char_style = rpr.and_then(|r| r.val("w:rStyle"));
            let effective = props(rpr).over(&styles.chain(char_style)).over(&base);
            if font.is_none() {
                font = effective.font.map(theme_font).filter(|f| f != FONT);
            }
            if size.is_none() {
                size = Some(effective.size.unwrap_or(20));
            }
        }
        if let Some(f) = font {
            wrong_font.push((at.clone(), excerpt(p), f));
        }
        let long = text_of(p).chars().count() >= BODY_MIN_CHARS;
        if let (Some(s), true, false) = (size, long, *in_table) {
            if !(BODY_SIZE.0..=BODY_SIZE.1).contains(&s) {
                wrong_size.push((at.clone(), excerpt(p), s));
            }
        }
    }
    let count_more = |total: usize| {
        if total > MAX_NAMED {
            format!(" (và {} đoạn khác)", total - MAX_NAMED)
        } else {
            String::new()
        }
    };
    let fonts_total = wrong_font.len();
    for (k, (at, ex, f)) in wrong_font.into_iter().take(MAX_NAMED).enumerate() {
        let more = if k == 0 { count_more(fonts_total) } else { String::new() };
        out.push(warn(
            at,
            ex,
            format!("chữ in bằng phông «{f}», Nghị định 30 dùng phông {FONT}{more}."),
        ));
    }
    let sizes_total = wrong_size.len();
    for (k, (at, ex, s)) in wrong_size.into_iter().take(MAX_NAMED).enumerate() {
        let more = if k == 0 { count_more(sizes_total) } else { String::new() };
        let pt = f64::from(s) / 2.0;
        out.push(warn(
            at,
            ex,
            format!(
                "chữ của thân văn bản cỡ {} pt, Nghị định 30 dùng cỡ 13–14{more}.",
                crate::vi::format_number_auto(pt, 1)
            ),
        ));
    }

    // Margins, section by section (portrait pages; the decree gives no margins for
    // a landscape appendix).
    for (i, sect) in body.all("w:sectPr").into_iter().enumerate() {
        let size = sect.child("w:pgSz");
        let twips = |n: Option<&Node>, a: &str| n.and_then(|n| n.attr(a)).and_then(|v| v.parse::<i64>().ok());
        let landscape = size.and_then(|s| s.attr("w:orient")) == Some("landscape")
            || twips(size, "w:w").zip(twips(size, "w:h")).is_some_and(|(w, h)| w > h);
        let Some(mar) = sect.child("w:pgMar") else { continue };
        if landscape {
            continue;
        }
        let mut wrong = Vec::new();
        for (attr, label, (lo, hi)) in [
            ("w:top", "trên", TOP),
            ("w:bottom", "dưới", BOTTOM),
            ("w:left", "trái", LEFT),
            ("w:right", "phải", RIGHT),
        ] {
            if let Some(v) = twips(Some(mar), attr) {
                let v = v.abs();
                if !(lo..=hi).contains(&v) {
                    wrong.push(format!(
                        "lề {label} {} mm (cần {}–{} mm)",
                        crate::vi::format_number(v as f64 / 56.7, 0),
                        crate::vi::format_number(lo as f64 / 56.7, 0),
                        crate::vi::format_number(hi as f64 / 56.7, 0)
                    ));
                }
            }
        }
        if !wrong.is_empty() {
            out.push(
                Diagnostic::warning(
                    file,
                    Place::from(FormPlace {
                        part: "thân văn bản".into(),
                        at: format!("phần (section) {}", i + 1),
                        excerpt: String::new(),
                    }),
                    format!("{}, ngoài khoảng Nghị định 30 quy định.", wrong.join(", ")),
                )
                .kind(Kind::Template),
            );
        }
    }

    // The «Số: …» line, among the first paragraphs (the letterhead's table).
    let so = paragraphs.iter().take(30).find(|(_, p, _)| {
        let text = text_of(p);
        let text = text.trim_start();
        text.starts_with("Số:") || text.starts_with("Số :") || text.starts_with("SỐ:")
    });
    match so {
        None => out.push(
            Diagnostic::warning(
                file,
                Place::from(FormPlace {
                    part: "thân văn bản".into(),
                    at: String::new(),
                    excerpt: String::new(),
                }),
                "không có dòng «Số: …/…» ở đầu văn bản (Nghị định 30: số và ký hiệu, như «Số: 125/BC-UBND»).",
            )
            .kind(Kind::Template),
        ),
        Some((at, p, _)) => {
            if let Some(why) = number_line_fault(&text_of(p)) {
                out.push(warn(
                    at.clone(),
                    excerpt(p),
                    format!(
                        "dòng số và ký hiệu không đúng cách viết của Nghị định 30 ({why}); ví dụ «Số: 05/BC-UBND»."
                    ),
                ));
            }
        }
    }

    // A page number on the first page: the first section's header shown on page 1
    // (its «first» header with titlePg, else its default one) holds a PAGE field.
    if let Some(first) = body.all("w:sectPr").into_iter().next() {
        let title_page = first
            .child("w:titlePg")
            .is_some_and(|t| t.attr("w:val").is_none_or(|v| v != "0" && v != "false"));
        let wanted = if title_page { "first" } else { "default" };
        let header = first
            .children
            .iter()
            .find(|c| c.name == "w:headerReference" && c.attr("w:type") == Some(wanted))
            .and_then(|h| h.attr("r:id"));
        let target = header.and_then(|id| relationship_target(&rels, id));
        let numbered = target.and_then(|t| read(&format!("word/{t}"))).is_some_and(|x| {
            x.contains("PAGE") && (x.contains("w:instrText") || x.contains("w:fldSimple")) && has_page_field(&x)
        });
        if numbered {
            out.push(
                Diagnostic::warning(
                    file,
                    Place::from(FormPlace {
                        part: "đầu trang".into(),
                        at: target.unwrap_or_default().to_string(),
                        excerpt: String::new(),
                    }),
                    "trang 1 có số trang; Nghị định 30 không đánh số trang đầu (bật «Different First Page» cho phần đầu).".to_string(),
                )
                .kind(Kind::Template),
            );
        }
    }
    out
}

/// Does a header hold a PAGE field (not NUMPAGES)?
fn has_page_field(xml: &str) -> bool {
    let Some(root) = parse(xml) else { return false };
    let simple = root.all("w:fldSimple").iter().any(|f| {
        f.attr("w:instr")
            .is_some_and(|i| i.split_whitespace().next() == Some("PAGE"))
    });
    let complex = root
        .all("w:instrText")
        .iter()
        .any(|t| t.text.split_whitespace().next() == Some("PAGE"));
    simple || complex
}

fn relationship_target<'a>(rels: &'a str, id: &str) -> Option<&'a str> {
    let key = format!("Id=\"{id}\"");
    let at = rels.find(&key)?;
    let start = rels[..at].rfind('<')?;
    let end = rels[at..].find('>')? + at;
    let tag = &rels[start..end];
    let i = tag.find("Target=\"")? + 8;
    Some(&tag[i..i + tag[i..].find('"')?])
}

/// What is wrong with a «Số: 125/BC-UBND» line, if anything: the number (blank for
/// the văn thư to fill, a leading 0 under 10), a «/», the ký hiệu in upper case
/// with «-» between its parts, no spaces inside.
fn number_line_fault(line: &str) -> Option<String> {
    let line = line.trim();
    let rest = line
        .strip_prefix("Số:")
        .or_else(|| line.strip_prefix("Số :"))
        .or_else(|| line.strip_prefix("SỐ:"))?;
    if line.starts_with("SỐ") {
        return Some("«Số» viết thường, chỉ chữ S viết hoa".into());
    }
    let Some((number, code)) = rest.split_once('/') else {
        return Some("thiếu dấu «/» giữa số và ký hiệu".into());
    };
    let number = number.trim();
    if !number.is_empty() {
        if !number.chars().all(|c| c.is_ascii_digit()) {
            return Some(format!("số «{number}» không phải một số"));
        }
        if number.len() == 1 {
            return Some(format!("số dưới 10 viết có số 0 phía trước («0{number}»)"));
        }
    }
    if code.trim() != code || code.contains(' ') {
        return Some("ký hiệu không có dấu cách".into());
    }
    if code.is_empty() {
        return Some("thiếu ký hiệu sau dấu «/»".into());
    }
    if code.chars().any(|c| c.is_lowercase()) {
        return Some(format!("ký hiệu «{code}» viết hoa"));
    }
    if code.split('-').any(str::is_empty) {
        return Some(format!("ký hiệu «{code}» có dấu «-» thừa"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_lines_as_the_decree_writes_them() {
        for good in [
            "Số: 125/BC-UBND",
            "Số:      /BC-UBND",
            "Số: 05/UBND-VP",
            "Số: 12/2024/QĐ-UBND",
        ] {
            assert_eq!(number_line_fault(good), None, "{good}");
        }
        for (bad, says) in [
            ("Số: 5/BC-UBND", "số 0"),
            ("Số: 125/bc-ubnd", "viết hoa"),
            ("Số: 125 BC-UBND", "dấu «/»"),
            ("Số: 125/BC - UBND", "dấu cách"),
            ("SỐ: 125/BC-UBND", "viết thường"),
        ] {
            let fault = number_line_fault(bad).unwrap_or_default();
            assert!(fault.contains(says), "{bad}: {fault}");
        }
    }
}
