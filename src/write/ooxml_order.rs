//! Children of WordprocessingML property elements in the order the schema
//! (ECMA-376) gives. docx-rs writes some of them in its own order — `w:rPr` first in
//! `w:pPr`, `w:sz` before `w:b`, `w:headerReference` after `w:pgSz`, a style's `w:rPr`
//! before its `w:pPr` — which LibreOffice accepts but validators reject and Word may
//! silently ignore. This pass sorts them, leaving everything else byte for byte. It
//! runs on the styles part docx-rs builds; the body, written by `docx`, is in order
//! as written, which its tests check with this same order.

/// A property element, whose children the schema orders.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Order {
    PPr,
    RPr,
    TcPr,
    TblPr,
    SectPr,
    Style,
}

fn rank_ppr(local: &[u8]) -> usize {
    match local {
        b"pStyle" => 0,
        b"keepNext" => 1,
        b"keepLines" => 2,
        b"pageBreakBefore" => 3,
        b"framePr" => 4,
        b"widowControl" => 5,
        b"numPr" => 6,
        b"suppressLineNumbers" => 7,
        b"pBdr" => 8,
        b"shd" => 9,
        b"tabs" => 10,
        b"suppressAutoHyphens" => 11,
        b"kinsoku" => 12,
        b"wordWrap" => 13,
        b"overflowPunct" => 14,
        b"topLinePunct" => 15,
        b"autoSpaceDE" => 16,
        b"autoSpaceDN" => 17,
        b"bidi" => 18,
        b"adjustRightInd" => 19,
        b"snapToGrid" => 20,
        b"spacing" => 21,
        b"ind" => 22,
        b"contextualSpacing" => 23,
        b"mirrorIndents" => 24,
        b"suppressOverlap" => 25,
        b"jc" => 26,
        b"textDirection" => 27,
        b"textAlignment" => 28,
        b"textboxTightWrap" => 29,
        b"outlineLvl" => 30,
        b"divId" => 31,
        b"cnfStyle" => 32,
        b"rPr" => 33,
        b"sectPr" => 34,
        b"pPrChange" => 35,
        _ => 36,
    }
}

fn rank_rpr(local: &[u8]) -> usize {
    match local {
        b"rStyle" => 0,
        b"rFonts" => 1,
        b"b" => 2,
        b"bCs" => 3,
        b"i" => 4,
        b"iCs" => 5,
        b"caps" => 6,
        b"smallCaps" => 7,
        b"strike" => 8,
        b"dstrike" => 9,
        b"outline" => 10,
        b"shadow" => 11,
        b"emboss" => 12,
        b"imprint" => 13,
        b"noProof" => 14,
        b"snapToGrid" => 15,
        b"vanish" => 16,
        b"webHidden" => 17,
        b"color" => 18,
        b"spacing" => 19,
        b"w" => 20,
        b"kern" => 21,
        b"position" => 22,
        b"sz" => 23,
        b"szCs" => 24,
        b"highlight" => 25,
        b"u" => 26,
        b"effect" => 27,
        b"bdr" => 28,
        b"shd" => 29,
        b"fitText" => 30,
        b"vertAlign" => 31,
        b"rtl" => 32,
        b"cs" => 33,
        b"em" => 34,
        b"lang" => 35,
        b"eastAsianLayout" => 36,
        b"specVanish" => 37,
        b"oMath" => 38,
        _ => 39,
    }
}

fn rank_tcpr(local: &[u8]) -> usize {
    match local {
        b"cnfStyle" => 0,
        b"tcW" => 1,
        b"gridSpan" => 2,
        b"hMerge" => 3,
        b"vMerge" => 4,
        b"tcBorders" => 5,
        b"shd" => 6,
        b"noWrap" => 7,
        b"tcMar" => 8,
        b"textDirection" => 9,
        b"tcFitText" => 10,
        b"vAlign" => 11,
        b"hideMark" => 12,
        _ => 13,
    }
}

fn rank_tblpr(local: &[u8]) -> usize {
    match local {
        b"tblStyle" => 0,
        b"tblpPr" => 1,
        b"tblOverlap" => 2,
        b"bidiVisual" => 3,
        b"tblStyleRowBandSize" => 4,
        b"tblStyleColBandSize" => 5,
        b"tblW" => 6,
        b"jc" => 7,
        b"tblCellSpacing" => 8,
        b"tblInd" => 9,
        b"tblBorders" => 10,
        b"shd" => 11,
        b"tblLayout" => 12,
        b"tblCellMar" => 13,
        b"tblLook" => 14,
        _ => 15,
    }
}

fn rank_sectpr(local: &[u8]) -> usize {
    match local {
        b"headerReference" => 0,
        b"footerReference" => 1,
        b"footnotePr" => 2,
        b"endnotePr" => 3,
        b"type" => 4,
        b"pgSz" => 5,
        b"pgMar" => 6,
        b"paperSrc" => 7,
        b"pgBorders" => 8,
        b"lnNumType" => 9,
        b"pgNumType" => 10,
        b"cols" => 11,
        b"formProt" => 12,
        b"vAlign" => 13,
        b"noEndnote" => 14,
        b"titlePg" => 15,
        b"textDirection" => 16,
        b"bidi" => 17,
        b"rtlGutter" => 18,
        b"docGrid" => 19,
        b"printerSettings" => 20,
        _ => 21,
    }
}

fn rank_style(local: &[u8]) -> usize {
    match local {
        b"name" => 0,
        b"aliases" => 1,
        b"basedOn" => 2,
        b"next" => 3,
        b"link" => 4,
        b"autoRedefine" => 5,
        b"hidden" => 6,
        b"uiPriority" => 7,
        b"semiHidden" => 8,
        b"unhideWhenUsed" => 9,
        b"qFormat" => 10,
        b"locked" => 11,
        b"personal" => 12,
        b"personalCompose" => 13,
        b"personalReply" => 14,
        b"rsid" => 15,
        b"pPr" => 16,
        b"rPr" => 17,
        b"tblPr" => 18,
        b"trPr" => 19,
        b"tcPr" => 20,
        b"tblStylePr" => 21,
        _ => 22,
    }
}

fn order_of(name: &[u8]) -> Option<Order> {
    Some(match name {
        b"w:pPr" => Order::PPr,
        b"w:rPr" => Order::RPr,
        b"w:tcPr" => Order::TcPr,
        b"w:tblPr" => Order::TblPr,
        b"w:sectPr" => Order::SectPr,
        b"w:style" => Order::Style,
        _ => return None,
    })
}

/// Where a child goes in its parent's schema sequence (unknown ones last, in place).
fn rank(order: Order, name: &[u8]) -> usize {
    let local = name.strip_prefix(b"w:").unwrap_or(name);
    match order {
        Order::PPr => rank_ppr(local),
        Order::RPr => rank_rpr(local),
        Order::TcPr => rank_tcpr(local),
        Order::TblPr => rank_tblpr(local),
        Order::SectPr => rank_sectpr(local),
        Order::Style => rank_style(local),
    }
}

/// A tag starting at `at` (on its '<'): its name, where it ends (past '>'), and
/// whether it opens an element (not "</…>" nor "<…/>").
fn tag(xml: &[u8], at: usize) -> Option<(&[u8], usize, Kind)> {
    // The closing '>': the first one, unless a quoted attribute value holds one.
    let first = at + xml[at..].iter().position(|&b| b == b'>')?;
    let quoted = xml[at..first].iter().filter(|&&b| b == b'"').count() % 2 == 1 || xml[at..first].contains(&b'\'');
    let end = if quoted {
        at + quote_aware_end(&xml[at..])?
    } else {
        first
    } + 1;
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

/// The '>' ending a tag, outside quoted attribute values.
fn quote_aware_end(tag: &[u8]) -> Option<usize> {
    let mut quote = None;
    tag.iter().position(|&b| match (quote, b) {
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
    })
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
        let before = out.len();
        out.extend_from_slice(&xml[copied..start]);
        match write_sorted_at(xml, start, &mut out) {
            Some(after) => {
                copied = after;
                at = after;
            }
            None => {
                out.truncate(before);
                at = start + 1;
            }
        }
    }
    out.extend_from_slice(&xml[copied..]);
    out
}

/// If a property element opens at `start` (on its '<'), write it to `out` with its
/// children in schema order and return where it ends; None (and nothing written)
/// otherwise. A cheap prefix test first, as this is asked of every tag.
fn write_sorted_at(xml: &[u8], start: usize, out: &mut Vec<u8>) -> Option<usize> {
    const OPENING: [&[u8]; 6] = [b"w:pPr", b"w:rPr", b"w:tcPr", b"w:tblPr", b"w:sectPr", b"w:style"];
    let rest = xml.get(start + 1..)?;
    let name = OPENING
        .iter()
        .find(|n| rest.starts_with(n) && matches!(rest.get(n.len()), Some(b' ' | b'>')))?;
    let order = order_of(name)?;
    let mark = out.len();
    let end = write_sorted(xml, start, order, out);
    if end.is_none() {
        out.truncate(mark);
    }
    end
}

/// A child of a property element: its rank, where it stands, and its own order
/// when it is a property element too.
#[derive(Clone, Copy)]
struct Child {
    rank: usize,
    start: usize,
    end: usize,
    order: Option<Order>,
}

/// Write the element opening at `start` with its children sorted by `order`;
/// return where it ends.
fn write_sorted(xml: &[u8], start: usize, order: Order, out: &mut Vec<u8>) -> Option<usize> {
    let (_, open_end, _) = tag(xml, start)?;
    // A property element has a few dozen children at most: no allocation for them.
    let mut children = [Child {
        rank: 0,
        start: 0,
        end: 0,
        order: None,
    }; 48];
    let mut count = 0;
    let mut at = open_end;
    loop {
        let next = at + xml[at..].iter().position(|&b| b == b'<')?;
        let (name, end, kind) = tag(xml, next)?;
        let child = match kind {
            Kind::Close => {
                let children = &mut children[..count];
                children.sort_by_key(|c| c.rank);
                out.extend_from_slice(&xml[start..open_end]);
                for c in children.iter() {
                    match c.order {
                        Some(inner) => {
                            write_sorted(xml, c.start, inner, out)?;
                        }
                        None => out.extend_from_slice(&xml[c.start..c.end]),
                    }
                }
                out.extend_from_slice(&xml[next..end]);
                return Some(end);
            }
            Kind::Empty | Kind::Other => Child {
                rank: rank(order, name),
                start: next,
                end,
                order: None,
            },
            Kind::Open => Child {
                rank: rank(order, name),
                start: next,
                end: subtree_end(xml, end)?,
                order: order_of(name),
            },
        };
        *children.get_mut(count)? = child;
        count += 1;
        at = child.end;
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
