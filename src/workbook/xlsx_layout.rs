//! What calamine does not read from an .xlsx: column widths and hidden rows and
//! columns, taken from each worksheet's XML (`<cols>` and `<row hidden="1">`); and
//! the merged regions (`<mergeCell>`), read in the same pass rather than by a
//! second parse of the sheet in calamine.

use quick_xml::events::Event;
use quick_xml::Reader;
use std::io::{Cursor, Read};

#[derive(Debug, Default)]
pub struct Layout {
    pub sheet: String,
    pub merges: Vec<super::Merge>,
    pub col_widths: Vec<(u32, f64)>,
    pub hidden_rows: Vec<u32>,
    pub hidden_cols: Vec<u32>,
}

/// Layouts of every worksheet; an unreadable part just yields no layout (calamine
/// reports broken files with a better message).
pub fn read(bytes: &[u8]) -> Vec<Layout> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Vec::new();
    };
    let workbook = part(&mut zip, "xl/workbook.xml").unwrap_or_default();
    let rels = part(&mut zip, "xl/_rels/workbook.xml.rels").unwrap_or_default();
    let targets = relationships(&rels);
    sheets(&workbook)
        .into_iter()
        .filter_map(|(name, rid)| {
            let target = targets.iter().find(|(id, _)| *id == rid)?.1.clone();
            let path = match target.strip_prefix('/') {
                Some(abs) => abs.to_string(),
                None => format!("xl/{target}"),
            };
            let xml = part(&mut zip, &path)?;
            Some(layout(name, &xml))
        })
        .collect()
}

fn part(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Option<String> {
    let mut file = zip.by_name(name).ok()?;
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    Some(text)
}

fn attr(e: &quick_xml::events::BytesStart, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| {
            let key: &[u8] = a.key.as_ref();
            let local: &[u8] = a.key.local_name().into_inner();
            key == name || local == name
        })
        .and_then(|a| {
            quick_xml::escape::unescape(&String::from_utf8_lossy(&a.value))
                .ok()
                .map(|v| v.into_owned())
        })
}

fn sheets(xml: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut reader = Reader::from_str(xml);
    while let Ok(event) = reader.read_event() {
        match event {
            Event::Empty(e) | Event::Start(e) if e.local_name().as_ref() == b"sheet" => {
                if let (Some(name), Some(id)) = (attr(&e, b"name"), attr(&e, b"r:id")) {
                    out.push((name, id));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn relationships(xml: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut reader = Reader::from_str(xml);
    while let Ok(event) = reader.read_event() {
        match event {
            Event::Empty(e) | Event::Start(e) if e.local_name().as_ref() == b"Relationship" => {
                if let (Some(id), Some(target)) = (attr(&e, b"Id"), attr(&e, b"Target")) {
                    out.push((id, target));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn layout(sheet: String, xml: &str) -> Layout {
    let mut layout = Layout {
        sheet,
        ..Layout::default()
    };
    let mut reader = Reader::from_str(xml);
    let truthy = |v: Option<String>| matches!(v.as_deref(), Some("1" | "true"));
    while let Ok(event) = reader.read_event() {
        match event {
            Event::Empty(e) | Event::Start(e) => match e.local_name().as_ref() {
                b"col" => {
                    let min: u32 = attr(&e, b"min").and_then(|v| v.parse().ok()).unwrap_or(1);
                    let max: u32 = attr(&e, b"max").and_then(|v| v.parse().ok()).unwrap_or(min);
                    let width: Option<f64> = attr(&e, b"width").and_then(|v| v.parse().ok());
                    let hidden = truthy(attr(&e, b"hidden"));
                    // A trailing <col> often covers every column up to 16384: keep it bounded.
                    for col in (min..=max.min(min + 1024)).map(|c| c - 1) {
                        if let Some(w) = width {
                            layout.col_widths.push((col, w));
                        }
                        if hidden {
                            layout.hidden_cols.push(col);
                        }
                    }
                }
                b"mergeCell" => {
                    let range = attr(&e, b"ref").unwrap_or_default();
                    let (a, b) = range.split_once(':').unwrap_or((&range, &range));
                    if let (Some((r0, c0)), Some((r1, c1))) = (super::parse_cell_name(a), super::parse_cell_name(b)) {
                        layout.merges.push(super::Merge {
                            first_row: r0.min(r1),
                            first_col: c0.min(c1),
                            last_row: r0.max(r1),
                            last_col: c0.max(c1),
                        });
                    }
                }
                b"row" if truthy(attr(&e, b"hidden")) => {
                    if let Some(r) = attr(&e, b"r").and_then(|v| v.parse::<u32>().ok()) {
                        layout.hidden_rows.push(r.saturating_sub(1));
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    layout
}
