//! What is particular to .odt forms: a value as paragraph text, merged cells as
//! spans and covered cells, list items.

use super::*;

/// A value as .odt paragraph text: XML-escaped, the characters XML forbids dropped,
/// a newline as a line break, a tab as a tab, and each space after a space as
/// `text:s` (ODF collapses runs of spaces otherwise).
pub(super) fn escape_odt_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut after_space = false;
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("<text:line-break/>"),
            '\t' => out.push_str("<text:tab/>"),
            ' ' if after_space => out.push_str("<text:s/>"),
            '\r' => {}
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
        after_space = ch == ' ';
    }
    out
}

/// The .odt list item that holds paragraph `p` and nothing else: a `{%p` tag there
/// stands for the item, so that no empty item (an empty bullet) is left behind.
pub(super) fn list_item_alone(elems: &[Elem], p: usize) -> Option<usize> {
    let item = elems[p].parent.filter(|&i| elems[i].kind == ElemKind::ListItem)?;
    let children = within(elems, item)
        .filter(|e| e.parent == Some(item) && matches!(e.kind, ElemKind::P | ElemKind::Tbl | ElemKind::ListItem))
        .count();
    // A nested list's items count among the children: the item holds more.
    (children == 1).then_some(item)
}

/// The edits that merge an .odt cell: the first pass of the loop spans its length
/// (`table:number-rows-spanned` in a row loop for `vm`, `…-columns-…` in a cell loop
/// for `hm`), the others are covered cells, as ODF wants them.
pub(super) fn odt_merge_edits(cell: &Elem, merge: &str, edits: &mut Vec<Edit>) {
    let attribute = match merge {
        "vm" => "table:number-rows-spanned",
        _ => "table:number-columns-spanned",
    };
    let after_name = cell.start + "<table:".len() + cell.local.len();
    edits.push(Edit {
        start: cell.start,
        end: cell.start,
        text: "{% if loop.first %}".into(),
    });
    edits.push(Edit {
        start: after_name,
        end: after_name,
        text: format!(" {attribute}=\"{{{{ loop.length }}}}\""),
    });
    edits.push(Edit {
        start: cell.end,
        end: cell.end,
        text: "{% else %}<table:covered-table-cell/>{% endif %}".into(),
    });
}
