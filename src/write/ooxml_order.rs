//! Children of WordprocessingML property elements in the order the schema
//! (ECMA-376) gives. docx-rs writes some of them in its own order — `w:rPr` first in
//! `w:pPr`, `w:sz` before `w:b`, `w:headerReference` after `w:pgSz`, a style's `w:rPr`
//! before its `w:pPr` — which LibreOffice accepts but validators reject and Word may
//! silently ignore. This pass sorts them, leaving everything else byte for byte.

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, Writer};

const PPR: &[&str] = &[
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
];
const RPR: &[&str] = &[
    "rStyle",
    "rFonts",
    "b",
    "bCs",
    "i",
    "iCs",
    "caps",
    "smallCaps",
    "strike",
    "dstrike",
    "outline",
    "shadow",
    "emboss",
    "imprint",
    "noProof",
    "snapToGrid",
    "vanish",
    "webHidden",
    "color",
    "spacing",
    "w",
    "kern",
    "position",
    "sz",
    "szCs",
    "highlight",
    "u",
    "effect",
    "bdr",
    "shd",
    "fitText",
    "vertAlign",
    "rtl",
    "cs",
    "em",
    "lang",
    "eastAsianLayout",
    "specVanish",
    "oMath",
];
const TCPR: &[&str] = &[
    "cnfStyle",
    "tcW",
    "gridSpan",
    "hMerge",
    "vMerge",
    "tcBorders",
    "shd",
    "noWrap",
    "tcMar",
    "textDirection",
    "tcFitText",
    "vAlign",
    "hideMark",
];
const TBLPR: &[&str] = &[
    "tblStyle",
    "tblpPr",
    "tblOverlap",
    "bidiVisual",
    "tblStyleRowBandSize",
    "tblStyleColBandSize",
    "tblW",
    "jc",
    "tblCellSpacing",
    "tblInd",
    "tblBorders",
    "shd",
    "tblLayout",
    "tblCellMar",
    "tblLook",
];
const SECTPR: &[&str] = &[
    "headerReference",
    "footerReference",
    "footnotePr",
    "endnotePr",
    "type",
    "pgSz",
    "pgMar",
    "paperSrc",
    "pgBorders",
    "lnNumType",
    "pgNumType",
    "cols",
    "formProt",
    "vAlign",
    "noEndnote",
    "titlePg",
    "textDirection",
    "bidi",
    "rtlGutter",
    "docGrid",
    "printerSettings",
];
const STYLE: &[&str] = &[
    "name",
    "aliases",
    "basedOn",
    "next",
    "link",
    "autoRedefine",
    "hidden",
    "uiPriority",
    "semiHidden",
    "unhideWhenUsed",
    "qFormat",
    "locked",
    "personal",
    "personalCompose",
    "personalReply",
    "rsid",
    "pPr",
    "rPr",
    "tblPr",
    "trPr",
    "tcPr",
    "tblStylePr",
];

fn order_of(name: &[u8]) -> Option<&'static [&'static str]> {
    Some(match name {
        b"w:pPr" => PPR,
        b"w:rPr" => RPR,
        b"w:tcPr" => TCPR,
        b"w:tblPr" => TBLPR,
        b"w:sectPr" => SECTPR,
        b"w:style" => STYLE,
        _ => return None,
    })
}

fn rank(order: &[&str], name: &[u8]) -> usize {
    let local = name.strip_prefix(b"w:").unwrap_or(name);
    order.iter().position(|n| n.as_bytes() == local).unwrap_or(order.len())
}

/// The part with the children of its property elements in schema order; the part
/// unchanged if it cannot be read (it came from docx-rs, so it can).
pub fn canonical(xml: &[u8]) -> Vec<u8> {
    sorted(xml).unwrap_or_else(|| xml.to_vec())
}

fn sorted(xml: &[u8]) -> Option<Vec<u8>> {
    let mut reader = Reader::from_reader(xml);
    let mut writer = Writer::new(Vec::with_capacity(xml.len()));
    loop {
        match reader.read_event().ok()? {
            Event::Eof => break,
            Event::Start(e) => match order_of(e.name().as_ref()) {
                Some(order) => {
                    let chunk = element(&mut reader, e.into_owned(), Some(order))?;
                    writer.get_mut().extend_from_slice(&chunk);
                }
                None => writer.write_event(Event::Start(e)).ok()?,
            },
            other => writer.write_event(other).ok()?,
        }
    }
    Some(writer.into_inner())
}

/// An element whose start tag was just read, serialised with its subtree; the
/// children sorted by `order` when given.
fn element(reader: &mut Reader<&[u8]>, start: BytesStart<'static>, order: Option<&[&str]>) -> Option<Vec<u8>> {
    let mut children: Vec<(usize, Vec<u8>)> = Vec::new();
    loop {
        match reader.read_event().ok()? {
            Event::End(end) => {
                let mut out = Writer::new(Vec::new());
                out.write_event(Event::Start(start.borrow())).ok()?;
                if order.is_some() {
                    children.sort_by_key(|(r, _)| *r);
                }
                for (_, chunk) in children {
                    out.get_mut().extend_from_slice(&chunk);
                }
                out.write_event(Event::End(end)).ok()?;
                return Some(out.into_inner());
            }
            Event::Start(e) => {
                let r = order.map_or(0, |o| rank(o, e.name().as_ref()));
                let nested = order_of(e.name().as_ref());
                let chunk = element(reader, e.into_owned(), nested)?;
                children.push((r, chunk));
            }
            Event::Empty(e) => {
                let r = order.map_or(0, |o| rank(o, e.name().as_ref()));
                let mut w = Writer::new(Vec::new());
                w.write_event(Event::Empty(e)).ok()?;
                children.push((r, w.into_inner()));
            }
            Event::Eof => return None,
            // Text only occurs in leaf elements; keep it in place.
            other => {
                let mut w = Writer::new(Vec::new());
                w.write_event(other).ok()?;
                children.push((order.map_or(0, |o| o.len()), w.into_inner()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_property_children_only() {
        let xml = br#"<w:p><w:pPr><w:rPr><w:sz w:val="28" /><w:b /></w:rPr><w:pStyle w:val="A" /><w:jc w:val="center" /><w:keepNext /></w:pPr><w:r><w:t xml:space="preserve">a &amp; b</w:t></w:r></w:p>"#;
        let out = String::from_utf8(canonical(xml)).unwrap();
        assert_eq!(
            out,
            r#"<w:p><w:pPr><w:pStyle w:val="A" /><w:keepNext /><w:jc w:val="center" /><w:rPr><w:b /><w:sz w:val="28" /></w:rPr></w:pPr><w:r><w:t xml:space="preserve">a &amp; b</w:t></w:r></w:p>"#
        );
    }
}
