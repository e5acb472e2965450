//! What is particular to Word forms: a value as run text, merged cells.

use super::*;

/// A value as run text: XML-escaped, with the characters XML forbids dropped, a
/// newline as a line break and a tab as a tab.
pub(super) fn escape_run_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("</w:t><w:br/><w:t xml:space=\"preserve\">"),
            '\t' => out.push_str("</w:t><w:tab/><w:t xml:space=\"preserve\">"),
            '\r' => {}
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
    out
}

/// The edits that merge cell `tc`: `vm` in a row loop (restart on the first row,
/// continue after, text only on the first row), `hm` in a cell loop (the first cell
/// spans the loop's length, the others are left out).
pub(super) fn merge_edits(elems: &[Elem], tc: usize, merge: &str, edits: &mut Vec<Edit>) {
    let cell = &elems[tc];
    let tcpr = (tc + 1..elems.len())
        .take_while(|&i| elems[i].start < cell.end)
        .find(|&i| elems[i].kind == ElemKind::TcPr && elems[i].parent == Some(tc));
    let (property, before) = match merge {
        "vm" => (
            "<w:vMerge w:val=\"{% if loop.first %}restart{% else %}continue{% endif %}\"/>",
            &["cnfStyle", "tcW", "gridSpan", "hMerge"][..],
        ),
        _ => ("<w:gridSpan w:val=\"{{ loop.length }}\"/>", &["cnfStyle", "tcW"][..]),
    };
    let content_from = match tcpr {
        Some(pr) => {
            // After the children that come before it in the schema.
            let at = within(elems, pr)
                .filter(|e| e.kind == ElemKind::TcPrChild && e.parent == Some(pr) && before.contains(&e.local.as_str()))
                .map(|e| e.end)
                .max()
                .unwrap_or(elems[pr].content_start);
            edits.push(Edit {
                start: at,
                end: at,
                text: property.into(),
            });
            elems[pr].end
        }
        None => {
            edits.push(Edit {
                start: cell.content_start,
                end: cell.content_start,
                text: format!("<w:tcPr>{property}</w:tcPr>"),
            });
            cell.content_start
        }
    };
    match merge {
        "vm" => {
            edits.push(Edit {
                start: content_from,
                end: content_from,
                text: "{% if loop.first %}".into(),
            });
            edits.push(Edit {
                start: cell.content_end,
                end: cell.content_end,
                text: "{% else %}<w:p/>{% endif %}".into(),
            });
        }
        _ => {
            edits.push(Edit {
                start: cell.start,
                end: cell.start,
                text: "{% if loop.first %}".into(),
            });
            edits.push(Edit {
                start: cell.end,
                end: cell.end,
                text: "{% endif %}".into(),
            });
        }
    }
}

/// The edits that give cell `tc` a property from a value: `colspan` as `w:gridSpan`,
/// `cellbg` as `w:shd` fill, placed in schema order in the cell's `w:tcPr` (made when
/// there is none), replacing the one the cell had.
pub(super) fn cell_property_edits(elems: &[Elem], tc: usize, kind: &str, expr: &str, edits: &mut Vec<Edit>) {
    let cell = &elems[tc];
    let (local, property, before): (&str, String, &[&str]) = match kind {
        "colspan" => (
            "gridSpan",
            format!("<w:gridSpan w:val=\"{{{{ {expr} }}}}\"/>"),
            &["cnfStyle", "tcW"],
        ),
        _ => (
            "shd",
            format!("<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"{{{{ {expr} }}}}\"/>"),
            &["cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders"],
        ),
    };
    let tcpr = (tc + 1..elems.len())
        .take_while(|&i| elems[i].start < cell.end)
        .find(|&i| elems[i].kind == ElemKind::TcPr && elems[i].parent == Some(tc));
    match tcpr {
        Some(pr) => {
            let children: Vec<&Elem> = within(elems, pr)
                .filter(|e| e.kind == ElemKind::TcPrChild && e.parent == Some(pr))
                .collect();
            for old in children.iter().filter(|e| e.local == local) {
                edits.push(Edit {
                    start: old.start,
                    end: old.end,
                    text: String::new(),
                });
            }
            let at = children
                .iter()
                .filter(|e| before.contains(&e.local.as_str()))
                .map(|e| e.end)
                .max()
                .unwrap_or(elems[pr].content_start);
            edits.push(Edit {
                start: at,
                end: at,
                text: property,
            });
        }
        None => edits.push(Edit {
            start: cell.content_start,
            end: cell.content_start,
            text: format!("<w:tcPr>{property}</w:tcPr>"),
        }),
    }
}
