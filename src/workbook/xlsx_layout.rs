//! What calamine does not read from an .xlsx: column widths and hidden rows and
//! columns, taken from each worksheet's XML (`<cols>` and `<row hidden="1">`); and
//! the merged regions (`<mergeCell>`), read in the same pass rather than by a
//! second parse of the sheet in calamine. The pass only looks at those three
//! elements: the cells, most of the XML, are skipped without parsing them.

use quick_xml::events::Event;
use quick_xml::Reader;
use std::borrow::Cow;
use std::io::{Cursor, Read};

#[derive(Debug, Default)]
pub struct Layout {
    pub sheet: String,
    pub merges: Vec<super::Merge>,
    pub col_widths: Vec<(u32, f64)>,
    pub hidden_rows: Vec<u32>,
    pub hidden_cols: Vec<u32>,
    /// Cells whose value calamine would get wrong, 0-based (row, column).
    pub problems: Vec<(u32, u32, Problem)>,
    /// A cell reference past Excel's last cell (XFD1048576), which calamine would
    /// wrap onto another cell: the first met.
    pub bad_ref: Option<String>,
    /// Byte ranges of the sheet's XML to drop before calamine reads it (the text of
    /// a `<v>` holding a bad shared-string index, which calamine reads as the first
    /// string or as an error for the whole file).
    pub blank: Vec<std::ops::Range<usize>>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// A shared-string cell whose index (as written) is not one of the strings.
    BadString(String),
    /// A formula with no saved result.
    NoCachedValue,
}

/// What the pass over an .xlsx found: each worksheet's layout, and the parts it
/// inflated, as calamine is to read them (a part that needed a fix is fixed here).
/// The package calamine reads holds these parts stored, so that it does not inflate
/// them a second time.
#[derive(Debug, Default)]
pub struct Scan {
    pub layouts: Vec<Layout>,
    pub parts: Vec<(String, Vec<u8>)>,
    /// Whether some part of `parts` differs from the file's: the package must then
    /// be rebuilt for calamine to read it right.
    pub patched: bool,
}

/// Inflated parts kept for calamine in all: past it, a part is left deflated in the
/// package (calamine inflates it again) rather than held in memory whole.
const MAX_KEPT_BYTES: usize = 64 << 20;

/// Layouts of every worksheet; an unreadable part just yields no layout (calamine
/// reports broken files with a better message).
pub fn read(zip: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Scan {
    let mut scan = Scan::default();
    let mut kept = 0;
    let mut keep = |scan: &mut Scan, name: &str, xml: Vec<u8>| {
        if kept + xml.len() <= MAX_KEPT_BYTES {
            kept += xml.len();
            scan.parts.push((name.to_string(), xml));
        }
    };
    let mut xml = Vec::new();
    let workbook = part(zip, "xl/workbook.xml", &mut xml).then(|| std::mem::take(&mut xml));
    let rels = part(zip, "xl/_rels/workbook.xml.rels", &mut xml).then(|| std::mem::take(&mut xml));
    let sheets = sheets(text(&workbook));
    let targets = relationships(text(&rels));
    for (name, bytes) in [("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", rels)] {
        if let Some(bytes) = bytes {
            keep(&mut scan, name, bytes);
        }
    }
    // How many shared strings there are, as the part declares it: calamine reserves
    // room for that many before it reads one, so a count the part cannot hold (at
    // least five bytes a string, "<si/>") is dropped from it.
    let mut strings = 0;
    const SHARED: &str = "xl/sharedStrings.xml";
    let size = |zip: &mut zip::ZipArchive<_>| zip.by_index_raw(zip.index_for_name(SHARED)?).ok().map(|f| f.size());
    let whole = size(zip).is_some_and(|s| s <= MAX_KEPT_BYTES as u64) && part(zip, SHARED, &mut xml);
    let found = if whole {
        let size = xml.len() as u64;
        Some((&xml[..xml.len().min(4096)], size))
    } else {
        head(zip, SHARED, &mut xml)
    };
    if let Some((head, size)) = found {
        let room = usize::try_from(size / 5).unwrap_or(usize::MAX);
        strings = room;
        let mut fix = None;
        if let Some((declared, range)) = unique_count(head) {
            if declared <= room {
                strings = declared;
            } else {
                fix = Some(range);
            }
        }
        if let Some(range) = fix {
            if whole || part(zip, SHARED, &mut xml) {
                let mut fixed = std::mem::take(&mut xml);
                strings = shared_strings(&fixed);
                fixed.drain(range);
                scan.patched = true;
                scan.parts.push((SHARED.to_string(), fixed));
            }
        } else if whole {
            keep(&mut scan, SHARED, std::mem::take(&mut xml));
        }
    }
    for (name, rid) in sheets {
        let Some((_, target)) = targets.iter().find(|(id, _)| *id == rid) else {
            continue;
        };
        let path = match target.strip_prefix('/') {
            Some(abs) => abs.to_string(),
            None => format!("xl/{target}"),
        };
        if !part(zip, &path, &mut xml) {
            continue;
        }
        let mut layout = layout(name, &xml, strings);
        if !layout.blank.is_empty() {
            let mut fixed = Vec::with_capacity(xml.len());
            let mut at = 0;
            for range in std::mem::take(&mut layout.blank) {
                fixed.extend_from_slice(&xml[at..range.start]);
                at = range.end;
            }
            fixed.extend_from_slice(&xml[at..]);
            scan.patched = true;
            scan.parts.push((path, fixed));
        } else if !scan.parts.iter().any(|(p, _)| *p == path) {
            keep(&mut scan, &path, std::mem::take(&mut xml));
        }
        scan.layouts.push(layout);
    }
    scan
}

/// The number of `<si>` items of a shared-strings part.
fn shared_strings(xml: &[u8]) -> usize {
    memchr::memmem::find_iter(xml, b"si")
        .filter(|&at| {
            let before = at.checked_sub(1).map(|i| xml[i]);
            let after = xml.get(at + 2).copied();
            matches!(before, Some(b'<' | b':')) && matches!(after, Some(b'>' | b' ' | b'/' | b'\t' | b'\r' | b'\n'))
        })
        .count()
}

/// The `uniqueCount` of a shared-strings part's start (anything not a count is
/// taken as too large), with the byte range of the attribute.
fn unique_count(head: &[u8]) -> Option<(usize, std::ops::Range<usize>)> {
    let at = memchr::memmem::find(head, b"uniqueCount=")?;
    let quote = *head.get(at + 12)?;
    let rest = head.get(at + 13..)?;
    let len = memchr::memchr(quote, rest)?;
    let n = std::str::from_utf8(&rest[..len])
        .ok()
        .and_then(|v| v.trim().parse().ok());
    Some((n.unwrap_or(usize::MAX), at..at + 13 + len + 1))
}

/// The first kilobytes of the part `name` into `out`, with its declared size.
fn head<'a>(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str, out: &'a mut Vec<u8>) -> Option<(&'a [u8], u64)> {
    out.clear();
    let file = zip.by_name(name).ok()?;
    let size = file.size();
    file.take(4096).read_to_end(out).ok()?;
    Some((out.as_slice(), size))
}

/// Inflate the part `name` into `out`; false if it is missing or unreadable.
fn part(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str, out: &mut Vec<u8>) -> bool {
    out.clear();
    let Ok(mut file) = zip.by_name(name) else {
        return false;
    };
    out.reserve(file.size().min(1 << 26) as usize);
    file.read_to_end(out).is_ok()
}

/// The values of the attributes named `names` (full or local name), each from the
/// first attribute with its name, in one pass over the attributes.
fn attrs<const N: usize>(e: &quick_xml::events::BytesStart, names: [&[u8]; N]) -> [Option<String>; N] {
    let mut values = std::array::from_fn(|_| None);
    let mut found = [false; N];
    // The first attribute with a name is never a duplicate: no need to check.
    let mut attributes = e.attributes();
    for a in attributes.with_checks(false).flatten() {
        let (key, local) = (a.key.as_ref(), a.key.local_name().into_inner());
        for i in 0..N {
            if !found[i] && (key == names[i] || local == names[i]) {
                found[i] = true;
                values[i] = quick_xml::escape::unescape(&String::from_utf8_lossy(&a.value))
                    .ok()
                    .map(|v| v.into_owned());
            }
        }
        if found == [true; N] {
            break;
        }
    }
    values
}

/// The values of the attributes named `names` (full or local name) of the start tag
/// `tag` (`<col min="2" …>`), each from the first attribute with its name, entities
/// replaced. The attributes are read up to the first that is not well formed.
fn tag_attrs<'a, const N: usize>(tag: &'a [u8], names: [&[u8]; N]) -> [Option<Cow<'a, str>>; N] {
    let mut values = std::array::from_fn(|_| None);
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let skip_space = |mut i: usize| {
        while tag.get(i).is_some_and(|&b| space(b)) {
            i += 1;
        }
        i
    };
    let mut i = 1 + tag
        .iter()
        .skip(1)
        .position(|&b| space(b) || b == b'>' || b == b'/')
        .unwrap_or(tag.len());
    loop {
        i = skip_space(i);
        let start = i;
        while tag
            .get(i)
            .is_some_and(|&b| !space(b) && !matches!(b, b'=' | b'>' | b'/'))
        {
            i += 1;
        }
        let key = &tag[start..i];
        i = skip_space(i);
        if key.is_empty() || tag.get(i) != Some(&b'=') {
            return values;
        }
        i = skip_space(i + 1);
        let Some(&quote @ (b'"' | b'\'')) = tag.get(i) else {
            return values;
        };
        let Some(len) = memchr::memchr(quote, &tag[i + 1..]) else {
            return values;
        };
        let value = &tag[i + 1..i + 1 + len];
        i += len + 2;
        let local = key.iter().rposition(|&b| b == b':').map_or(key, |at| &key[at + 1..]);
        for (n, name) in names.iter().enumerate() {
            if values[n].is_none() && (key == *name || local == *name) {
                values[n] = attr_value(value);
            }
        }
    }
}

/// An attribute's value as text, its entities replaced (None if one is not known).
fn attr_value(raw: &[u8]) -> Option<Cow<'_, str>> {
    match std::str::from_utf8(raw) {
        Ok(text) if memchr::memchr(b'&', raw).is_none() => Some(Cow::Borrowed(text)),
        _ => quick_xml::escape::unescape(&String::from_utf8_lossy(raw))
            .ok()
            .map(|v| Cow::Owned(v.into_owned())),
    }
}

fn text(bytes: &Option<Vec<u8>>) -> &str {
    std::str::from_utf8(bytes.as_deref().unwrap_or_default()).unwrap_or_default()
}

fn sheets(xml: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut reader = Reader::from_str(xml);
    while let Ok(event) = reader.read_event() {
        match event {
            Event::Empty(e) | Event::Start(e) if e.local_name().as_ref() == b"sheet" => {
                if let [Some(name), Some(id)] = attrs(&e, [b"name", b"r:id"]) {
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
                if let [Some(id), Some(target)] = attrs(&e, [b"Id", b"Target"]) {
                    out.push((id, target));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

/// A `<c>` element being read: the XML from its "<" on (its start tag is only
/// delimited when needed), and whether a formula and a value (`<v>` or `<is>`)
/// were met in it.
struct OpenCell<'a> {
    from: &'a [u8],
    formula: bool,
    value: bool,
}

impl OpenCell<'_> {
    fn tag(&self) -> &[u8] {
        let end = tag_end(&self.from[1..]).map_or(self.from.len(), |n| n + 1);
        &self.from[..end]
    }

    fn position(&self) -> Option<(u32, u32)> {
        let [r] = tag_attrs(self.tag(), [b"r"]);
        super::parse_cell_name(&r?)
    }

    fn is_shared_string(&self) -> bool {
        self.tag().windows(6).any(|w| w == b" t=\"s\"" || w == b" t='s'")
    }
}

/// A text of 1 to 19 ASCII digits as a number (no sign, space or other character).
fn plain_index(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() >= 20 {
        return None;
    }
    text.iter()
        .try_fold(0u64, |n, &b| b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0')))
}

/// The `r` of a `<c>` (given from its "<" on) when it is no cell of Excel's grid.
fn bad_reference(from: &[u8]) -> Option<String> {
    // Nearly every writer puts `r` first: `<c r="B7" …`.
    let value = if from.get(2..6) == Some(b" r=\"") {
        &from[6..]
    } else {
        let tag = &from[..from.len().min(256)];
        let tag = &tag[..memchr::memchr(b'>', tag).unwrap_or(tag.len())];
        let at = tag.windows(4).position(|w| w == b" r=\"" || w == b" r='")? + 4;
        &tag[at..]
    };
    let value = &value[..value.len().min(16)];
    // A few bytes: a loop costs less than setting up memchr2.
    let value = &value[..value
        .iter()
        .position(|&b| b == b'"' || b == b'\'')
        .unwrap_or(value.len())];
    let letters = value.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let digits = value.len() - letters;
    // Up to "XFD1048576": shorter references are always in the grid.
    let short =
        (1..3).contains(&letters) && (1..7).contains(&digits) && value[letters..].iter().all(u8::is_ascii_digit);
    let fits = short
        || (letters <= 3
            && digits <= 7
            && std::str::from_utf8(value)
                .ok()
                .and_then(super::parse_cell_name)
                .is_some_and(|(r, c)| r < 1_048_576 && c < 16_384));
    (!fits).then(|| String::from_utf8_lossy(value).into_owned())
}

/// The layout of a sheet with `strings` shared strings.
fn layout(sheet: String, xml: &[u8], strings: usize) -> Layout {
    let mut layout = Layout {
        sheet,
        ..Layout::default()
    };
    let truthy = |v: &Option<Cow<str>>| matches!(v.as_deref(), Some("1" | "true"));
    let mut cell: Option<OpenCell> = None;
    let mut tags = layout_tags(xml);
    while let Some((name, tag)) = tags.next() {
        match name {
            // A cell written `<c …/>` is simply replaced by the next one.
            b"c" => {
                if layout.bad_ref.is_none() {
                    layout.bad_ref = bad_reference(tag);
                }
                cell = Some(OpenCell {
                    from: tag,
                    formula: false,
                    value: false,
                });
                continue;
            }
            b"/c" => {
                if let Some(c) = cell.take().filter(|c| c.formula && !c.value) {
                    if let Some((r, col)) = c.position() {
                        layout.problems.push((r, col, Problem::NoCachedValue));
                    }
                }
                continue;
            }
            b"f" | b"is" | b"v" => {
                let Some(c) = cell.as_mut() else { continue };
                if name == b"f" {
                    c.formula = true;
                    continue;
                }
                c.value = true;
                if name != b"v" {
                    continue;
                }
                // The text of the <v>, from after its ">" (none for a "<v/>").
                let Some(gt) = memchr::memchr(b'>', tag) else { continue };
                if gt == 0 || tag[gt - 1] == b'/' {
                    continue;
                }
                let start = tag.as_ptr() as usize - xml.as_ptr() as usize + gt + 1;
                let end = start + memchr::memchr(b'<', &xml[start..]).unwrap_or(xml.len() - start);
                // Its end tag and the cell's, nearly always next, are passed over without
                // another search; a cell with a value needs nothing at its end.
                let mut closed = false;
                if xml[end..].starts_with(b"</v></c>") {
                    tags.at = end + 8;
                    closed = true;
                } else if xml[end..].starts_with(b"</v>") {
                    tags.at = end + 4;
                }
                let text = &xml[start..end];
                // A plain index in range is sound whatever the cell's type: most are.
                let small = plain_index(text).is_some_and(|i| i < strings as u64);
                if !small && c.is_shared_string() {
                    let text = String::from_utf8_lossy(text);
                    let index = text.trim();
                    if !index.is_empty() && index.parse::<usize>().map_or(true, |i| i >= strings) {
                        if let Some((r, col)) = c.position() {
                            layout.problems.push((r, col, Problem::BadString(index.to_string())));
                        }
                        layout.blank.push(start..end);
                    }
                }
                if closed {
                    cell = None;
                }
                continue;
            }
            _ => {}
        }
        // Most rows are not hidden: leave them unparsed.
        if name == b"row" && !tag.windows(6).any(|w| w == b"hidden") {
            continue;
        }
        match name {
            b"col" => {
                let [min, max, width, hidden] = tag_attrs(tag, [b"min", b"max", b"width", b"hidden"]);
                // Columns are 1-based; a 0 or a number past u32 is a broken file.
                let min: u32 = min.and_then(|v| v.parse().ok()).unwrap_or(1).max(1);
                let max: u32 = max.and_then(|v| v.parse().ok()).unwrap_or(min);
                let width: Option<f64> = width.and_then(|v| v.parse().ok());
                let hidden = truthy(&hidden);
                // A trailing <col> often covers every column up to 16384: keep it bounded.
                for col in (min..=max.min(min.saturating_add(1024))).map(|c| c - 1) {
                    if let Some(w) = width {
                        layout.col_widths.push((col, w));
                    }
                    if hidden {
                        layout.hidden_cols.push(col);
                    }
                }
            }
            b"mergeCell" => {
                let [range] = tag_attrs(tag, [b"ref"]);
                let range = range.unwrap_or_default();
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
            b"row" => {
                let [hidden, r] = tag_attrs(tag, [b"hidden", b"r"]);
                if let Some(r) = r.filter(|_| truthy(&hidden)).and_then(|v| v.parse::<u32>().ok()) {
                    layout.hidden_rows.push(r.saturating_sub(1));
                }
            }
            _ => {}
        }
    }
    layout
}

/// The local names and start tags ("<row r=\"5\" hidden=\"1\">") of the `col`, `row`
/// and `mergeCell` elements, and the unprefixed `c`, `f` and `v` (with the rest of
/// the XML from their "<" rather than their tag), `is` and "/c" (the end of a cell),
/// in document order. Other tags are passed over by their
/// name; comments, CDATA and processing instructions are skipped whole as they may
/// hold a "<".
fn layout_tags(xml: &[u8]) -> LayoutTags<'_> {
    LayoutTags { xml, at: 0 }
}

/// The iterator of `layout_tags`; `at` is where the search for the next "<" starts,
/// which the consumer may move past what it has read itself.
struct LayoutTags<'a> {
    xml: &'a [u8],
    at: usize,
}

impl<'a> Iterator for LayoutTags<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let xml = self.xml;
        loop {
            let open = self.at + memchr::memchr(b'<', xml.get(self.at..)?)?;
            let rest = &xml[open + 1..];
            self.at = open + 1;
            match rest {
                [b'!' | b'?', ..] => {
                    let skip_to = |end: &[u8]| rest.windows(end.len()).position(|w| w == end).map(|i| i + end.len());
                    if rest.starts_with(b"!--") {
                        self.at += skip_to(b"-->")?;
                    } else if rest.starts_with(b"![CDATA[") {
                        self.at += skip_to(b"]]>")?;
                    } else if rest[0] == b'?' {
                        self.at += skip_to(b"?>")?;
                    }
                    continue;
                }
                // The end of a cell, and the one-letter tags of a sheet: <c>, <v>, <f>.
                [b'/', b'c', b'>', ..] => return Some((&b"/c"[..], &xml[open..open + 4])),
                [b'/', ..] => continue,
                // Given with the rest of the XML: the consumer reads what it needs.
                [l @ (b'c' | b'v' | b'f'), b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/', ..] => {
                    let name: &[u8] = match l {
                        b'c' => b"c",
                        b'v' => b"v",
                        _ => b"f",
                    };
                    return Some((name, &xml[open..]));
                }
                [_, b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/', ..] => continue,
                [b'i', b's', b'>' | b' ' | b'/', ..] => return Some((&b"is"[..], &xml[open..open + 3])),
                _ => {}
            }
            let name_len = rest
                .iter()
                .position(|&b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/'))
                .unwrap_or(rest.len());
            let name = &rest[..name_len];
            let local = name.iter().rposition(|&b| b == b':').map_or(name, |i| &name[i + 1..]);
            if matches!(local, b"col" | b"row" | b"mergeCell") {
                self.at += tag_end(rest)?;
                return Some((local, &xml[open..self.at]));
            }
        }
    }
}

/// Length of a start tag's rest after its "<", up to and including its ">" (one in
/// a quoted attribute value does not end it).
fn tag_end(rest: &[u8]) -> Option<usize> {
    // Most tags hold no '>' in a value: the first '>' ends the tag when no
    // apostrophe comes before it and the quotes before it are paired.
    let gt = memchr::memchr(b'>', rest)?;
    let (quotes, apostrophes) = rest[..gt].iter().fold((0usize, 0usize), |(q, a), &b| {
        (q + usize::from(b == b'"'), a + usize::from(b == b'\''))
    });
    if apostrophes == 0 && quotes % 2 == 0 {
        return Some(gt + 1);
    }
    tag_end_quoted(rest)
}

/// `tag_end` byte by byte, following the quotes.
fn tag_end_quoted(rest: &[u8]) -> Option<usize> {
    let mut quote = None;
    for (i, &b) in rest.iter().enumerate() {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if q == b => quote = None,
            (None, b'>') => return Some(i + 1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_past_the_grid_are_told() {
        for ok in [
            r#"<c r="A1">"#,
            r#"<c r="XFD1048576"/>"#,
            r#"<c s="1" r='AB12'>"#,
            r#"<c t="s">"#,
        ] {
            assert_eq!(bad_reference(ok.as_bytes()), None, "{ok}");
        }
        for bad in [
            r#"<c r="A4294967297">"#,
            r#"<c r="XFE1">"#,
            r#"<c r="A1048577"/>"#,
            r#"<c s="2" r="ZZZZ1">"#,
        ] {
            assert!(bad_reference(bad.as_bytes()).is_some(), "{bad}");
        }
    }

    #[test]
    fn attributes_read_from_the_tag_as_quick_xml_reads_them() {
        for tag in [
            r#"<col min="2" max="3" width="9.5" hidden="1"/>"#,
            r#"<x:col x:min='2' max = "3"  width="1&#48;" hidden="true">"#,
            "<col\tmin=\"1\"\r\nmax=\"4\" min=\"9\"/>",
            r#"<mergeCell ref="A1:&quot;B2"/>"#,
            r#"<row r="5" a="x>y" hidden="1">"#,
            r#"<row r="5" hidden="&bogus;">"#,
            r#"<col min="1" max=2 width="3"/>"#,
            r#"<col/>"#,
        ] {
            let e = match Reader::from_str(tag).read_event().unwrap() {
                Event::Start(e) | Event::Empty(e) => e,
                other => panic!("{other:?}"),
            };
            let names: [&[u8]; 5] = [b"min", b"max", b"width", b"hidden", b"ref"];
            let ours = tag_attrs(tag.as_bytes(), names).map(|v| v.map(Cow::into_owned));
            let theirs = attrs(&e, names);
            if tag.contains("max=2") {
                // Read up to the first attribute that is not well formed.
                assert_eq!(ours, [Some("1".to_string()), None, None, None, None], "{tag}");
            } else {
                assert_eq!(ours, theirs, "{tag}");
            }
        }
    }

    #[test]
    fn a_tag_ends_at_its_first_unquoted_gt() {
        for tag in [
            r#"row r="1" spans="1:8">"#,
            r#"row r="2" a="x>y" hidden="1">"#,
            r#"row a='x"y' b="p>q">"#,
            r#"row a="it's" b='>'>"#,
            r#"row a="x">"#,
            r#"row a="x>"#,
            "row>",
            "row",
        ] {
            assert_eq!(tag_end(tag.as_bytes()), tag_end_quoted(tag.as_bytes()), "{tag}");
        }
        let mut rng = fastrand::Rng::with_seed(24);
        for _ in 0..20_000 {
            let tag: Vec<u8> = (0..rng.usize(0..24)).map(|_| b"ab =\"'>"[rng.usize(0..7)]).collect();
            assert_eq!(tag_end(&tag), tag_end_quoted(&tag), "{}", String::from_utf8_lossy(&tag));
        }
    }

    #[test]
    fn shared_string_indexes_are_plain_digits() {
        assert_eq!(plain_index(b"0"), Some(0));
        assert_eq!(plain_index(b"1234567890123456789"), Some(1_234_567_890_123_456_789));
        for bad in [&b""[..], b"12345678901234567890", b"+1", b" 1", b"1 ", b"1e3", b"-0"] {
            assert_eq!(plain_index(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn reads_only_layout_tags() {
        let xml = br#"<?xml version="1.0"?><x:worksheet xmlns:x="s"><x:cols><x:col min="2" max="3" width="9.5" hidden="1"/></x:cols>
            <x:sheetData><!-- <row r="1" hidden="1"> --><x:row r="2" a="x>y" hidden="true"><x:c r="A2"><x:is><x:t>&lt;row r="9" hidden="1"&gt;</x:t></x:is></x:c></x:row>
            <x:row r="3" hidden="0"/><![CDATA[<row r="4" hidden="1">]]><row hidden='1' r='5'></row></x:sheetData>
            <x:mergeCells><x:mergeCell ref="C1:A2"/></x:mergeCells></x:worksheet>"#;
        let layout = layout("S".into(), xml, 0);
        assert_eq!(layout.col_widths, [(1, 9.5), (2, 9.5)]);
        assert_eq!(layout.hidden_cols, [1, 2]);
        assert_eq!(layout.hidden_rows, [1, 4]);
        assert_eq!(
            layout.merges,
            [super::super::Merge {
                first_row: 0,
                first_col: 0,
                last_row: 1,
                last_col: 2
            }]
        );
    }

    #[test]
    fn cells_after_a_value_and_its_end_tags_are_still_read() {
        let xml = br#"<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><f>1+1</f></c><c r="C1" t="s"><v>7</v></c>
            <c r="D1"><f>2</f><v>2</v></c><c r="E1" t="s"><v>8</v><!-- </c> --></c><c r="F1"><f>3</f></c></row><mergeCell ref="A1:B1"/></sheetData></worksheet>"#;
        let layout = layout("S".into(), xml, 2);
        assert_eq!(
            layout.problems,
            [
                (0, 1, Problem::NoCachedValue),
                (0, 2, Problem::BadString("7".into())),
                (0, 4, Problem::BadString("8".into())),
                (0, 5, Problem::NoCachedValue),
            ]
        );
        assert_eq!(layout.merges.len(), 1);
    }
}
