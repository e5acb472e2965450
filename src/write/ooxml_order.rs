//! Children of WordprocessingML property elements in the order the schema
//! (ECMA-376) gives. docx-rs writes some of them in its own order — `w:rPr` first in
//! `w:pPr`, `w:sz` before `w:b`, `w:headerReference` after `w:pgSz`, a style's `w:rPr`
//! before its `w:pPr` — which LibreOffice accepts but validators reject and Word may
//! silently ignore. This pass sorts them, leaving everything else byte for byte.

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

/// A tag starting at `at` (on its '<'): its name, where it ends (past '>'), and
/// whether it opens an element (not "</…>" nor "<…/>").
fn tag(xml: &[u8], at: usize) -> Option<(&[u8], usize, Kind)> {
    // The closing '>' outside quoted attribute values (where '>' may stand as is).
    let mut quote = None;
    let end =
        at + xml[at..].iter().position(|&b| match (quote, b) {
            (None, b'"' | b'\'') => {
                quote = Some(b);
                false
            }
            (Some(q), _) if b == q => {
                quote = None;
                false
            }
            (None, b'>') => true,
            _ => false,
        })? + 1;
    let inner = &xml[at + 1..end - 1];
    let (kind, inner) = match inner {
        [b'/', rest @ ..] => (Kind::Close, rest),
        [.., b'/'] => (Kind::Empty, &inner[..inner.len() - 1]),
        [b'?' | b'!', ..] => (Kind::Other, inner),
        _ => (Kind::Open, inner),
    };
    let name_end = inner
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(inner.len());
    Some((&inner[..name_end], end, kind))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Open,
    Close,
    Empty,
    Other,
}

/// The part with the children of its property elements in schema order; other
/// bytes are copied as they are.
pub fn canonical(xml: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(xml.len());
    let mut copied = 0;
    let mut at = 0;
    while let Some(next) = xml[at..].iter().position(|&b| b == b'<') {
        let start = at + next;
        match sorted_at(xml, start) {
            Some((sorted, after)) => {
                out.extend_from_slice(&xml[copied..start]);
                out.extend_from_slice(&sorted);
                copied = after;
                at = after;
            }
            None => at = start + 1,
        }
    }
    out.extend_from_slice(&xml[copied..]);
    out
}

/// If a property element opens at `start` (on its '<'): the element with its
/// children in schema order, and where it ends. A cheap prefix test first, as this
/// is asked of every tag of the document.
pub fn sorted_at(xml: &[u8], start: usize) -> Option<(Vec<u8>, usize)> {
    const OPENING: [&[u8]; 6] = [b"w:pPr", b"w:rPr", b"w:tcPr", b"w:tblPr", b"w:sectPr", b"w:style"];
    let rest = xml.get(start + 1..)?;
    let name = OPENING
        .iter()
        .find(|n| rest.starts_with(n) && matches!(rest.get(n.len()), Some(b' ' | b'>')))?;
    element(xml, start, order_of(name)?)
}

/// The element opening at `start`, its children sorted by `order` (property
/// elements inside sorted too); and where it ends.
fn element(xml: &[u8], start: usize, order: &[&str]) -> Option<(Vec<u8>, usize)> {
    let (_, open_end, _) = tag(xml, start)?;
    let mut children: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut at = open_end;
    loop {
        let next = at + xml[at..].iter().position(|&b| b == b'<')?;
        let (name, end, kind) = tag(xml, next)?;
        match kind {
            Kind::Close => {
                children.sort_by_key(|(r, _)| *r);
                let mut out = Vec::with_capacity(end - start);
                out.extend_from_slice(&xml[start..open_end]);
                for (_, chunk) in children {
                    out.extend_from_slice(&chunk);
                }
                out.extend_from_slice(&xml[next..end]);
                return Some((out, end));
            }
            Kind::Empty | Kind::Other => {
                children.push((rank(order, name), xml[next..end].to_vec()));
                at = end;
            }
            Kind::Open => {
                let r = rank(order, name);
                let (chunk, after) = match order_of(name) {
                    Some(inner) => element(xml, next, inner)?,
                    None => {
                        let after = subtree_end(xml, end)?;
                        (xml[next..after].to_vec(), after)
                    }
                };
                children.push((r, chunk));
                at = after;
            }
        }
    }
}

/// Where the element whose start tag ends at `at` closes.
fn subtree_end(xml: &[u8], mut at: usize) -> Option<usize> {
    let mut depth = 1;
    while depth > 0 {
        let next = at + xml[at..].iter().position(|&b| b == b'<')?;
        let (_, end, kind) = tag(xml, next)?;
        match kind {
            Kind::Open => depth += 1,
            Kind::Close => depth -= 1,
            _ => {}
        }
        at = end;
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_greater_than_sign_in_an_attribute_is_not_the_end_of_the_tag() {
        let xml = br#"<w:pPr><w:jc w:val="a>b" /><w:pStyle w:val="x" /></w:pPr>"#;
        assert_eq!(
            canonical(xml),
            br#"<w:pPr><w:pStyle w:val="x" /><w:jc w:val="a>b" /></w:pPr>"#
        );
    }

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
