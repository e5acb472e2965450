//! Sub-documents: `{{p chen("phu-luc.docx") }}` puts the body of another .docx where
//! the paragraph was, with what it needs of its package: the styles it uses (a style
//! the form has with the same definition is shared, one defined otherwise is
//! renamed), its lists (new numbers, so they never join the form's), its pictures and
//! links (new relationship ids and media names). Its own section settings, headers
//! and footers are left out: the form's page goes on. Anything it holds that cannot
//! be carried over whole (charts, embedded objects, footnotes, comments) is refused
//! by name, never half inserted.

use super::image::read_inside;
use super::package;
use minijinja::value::{Object, Value};
use minijinja::{Error, ErrorKind, State};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The function's name in a form.
pub(super) const INSERT_FN: &str = "chen";
/// The largest sub-document file.
const MAX_FILE_BYTES: u64 = 20 << 20;
/// The most one of its parts may inflate to.
const MAX_PART_BYTES: u64 = 64 << 20;
/// The most sub-documents one report may take.
const MAX_INSERTS: usize = 50;
/// New list numbers start here, far above the form's and the lists its loops restart.
const NUMBER_BASE: u32 = 100_000;

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// A sub-document's body, made by `chen` (never by data); `{{p` writes it in place of
/// its paragraph.
#[derive(Debug)]
pub(super) struct Body(pub(super) String);

impl Object for Body {}

/// What the report's package must take for its sub-documents.
#[derive(Debug, Default)]
pub(super) struct Inserted {
    pub(super) count: usize,
    /// Style definitions to add to styles.xml.
    pub(super) styles: String,
    /// `w:abstractNum` and `w:num` to add to numbering.xml.
    pub(super) abstracts: String,
    pub(super) nums: String,
    /// Relationships to add to the body's.
    pub(super) rels: String,
    /// Media parts (name, bytes) and the extensions they need declared.
    pub(super) media: Vec<(String, Vec<u8>)>,
    pub(super) extensions: BTreeSet<(String, String)>,
}

pub(super) type Shared = Arc<Mutex<Inserted>>;

/// The form's own styles.xml, to compare against.
#[derive(Debug, Default)]
pub(super) struct Base {
    pub(super) styles: Option<String>,
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, message)
}

/// `chen(path)`, the path looked up in `folders` (the form's, then the data file's).
pub(super) fn register(
    env: &mut minijinja::Environment<'static>,
    folders: Vec<PathBuf>,
    base: Arc<Base>,
    shared: Shared,
    odt: bool,
) {
    env.add_function(INSERT_FN, move |state: &State, path: String| -> Result<Value, Error> {
        if odt {
            return Err(invalid(
                "hàm «chen» (chèn một văn bản con) chưa dùng được trong mẫu .odt; hãy dùng mẫu Word (.docx) và văn bản con .docx"
                    .into(),
            ));
        }
        if state.name() != "word/document.xml" {
            return Err(invalid(
                "hàm «chen» chỉ dùng được trong thân văn bản (không ở đầu trang, chân trang, chú thích)".into(),
            ));
        }
        if !path.to_lowercase().ends_with(".docx") {
            return Err(invalid(format!(
                "«{path}»: chỉ chèn được văn bản Word (.docx)"
            )));
        }
        let bytes = read_inside(&folders, &path, "văn bản con", MAX_FILE_BYTES)?;
        let mut shared = shared.lock().unwrap_or_else(|e| e.into_inner());
        if shared.count >= MAX_INSERTS {
            return Err(invalid(format!("một báo cáo chỉ chèn được tới {MAX_INSERTS} văn bản con")));
        }
        shared.count += 1;
        let k = shared.count;
        let body = insert(&bytes, &path, k, &base, &mut shared)?;
        Ok(Value::from_object(Body(body)))
    });
}

/// The parts of a sub-document that are read.
struct Package<'a> {
    zip: zip::ZipArchive<std::io::Cursor<&'a [u8]>>,
    path: &'a str,
}

impl Package<'_> {
    fn bytes(&mut self, name: &str) -> Result<Option<Vec<u8>>, Error> {
        let path = self.path;
        let mut entry = match self.zip.by_name(name) {
            Ok(e) => e,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(e) => {
                return Err(invalid(format!(
                    "văn bản con «{path}» hỏng: phần {name} không đọc được ({e})"
                )))
            }
        };
        let mut data = Vec::new();
        (&mut entry)
            .take(MAX_PART_BYTES + 1)
            .read_to_end(&mut data)
            .map_err(|e| {
                invalid(format!(
                    "văn bản con «{path}» hỏng: phần {name} không giải nén được ({e})"
                ))
            })?;
        if data.len() as u64 > MAX_PART_BYTES {
            return Err(invalid(format!(
                "văn bản con «{path}»: phần {name} lớn quá {} MB",
                MAX_PART_BYTES >> 20
            )));
        }
        Ok(Some(data))
    }

    fn xml(&mut self, name: &str) -> Result<Option<String>, Error> {
        let path = self.path;
        let Some(data) = self.bytes(name)? else {
            return Ok(None);
        };
        package::check_xml(&data).map_err(|f| {
            invalid(format!(
                "văn bản con «{path}» hỏng: phần {name} không phải XML hợp lệ ({f})"
            ))
        })?;
        let text = String::from_utf8(data)
            .map_err(|_| invalid(format!("văn bản con «{path}» hỏng: phần {name} không phải UTF-8")))?;
        Ok(Some(text.trim_start_matches('\u{FEFF}').to_string()))
    }
}

/// The body of sub-document `k`, its package needs recorded in `shared`.
fn insert(bytes: &[u8], path: &str, k: usize, base: &Base, shared: &mut Inserted) -> Result<String, Error> {
    let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| invalid(format!("«{path}» không phải văn bản Word (.docx) đọc được ({e})")))?;
    let mut pkg = Package { zip, path };
    let doc = pkg.xml("word/document.xml")?.ok_or_else(|| {
        invalid(format!(
            "«{path}» không phải văn bản Word (.docx): không có word/document.xml"
        ))
    })?;
    let declarations = root_declarations(&doc);
    let prefix_of = |uri: &str| declarations.iter().find(|(_, u)| u == uri).map(|(p, _)| p.clone());
    if prefix_of(W).as_deref() != Some("w") {
        return Err(invalid(format!(
            "văn bản con «{path}» không được lưu như Word lưu (không có tiền tố w:); hãy mở nó bằng Word hoặc LibreOffice và lưu lại"
        )));
    }
    let refuse = |what: &str| {
        invalid(format!(
            "văn bản con «{path}» có {what}, chưa chèn được; chỉ chèn được chữ, bảng, danh sách, ảnh và liên kết"
        ))
    };
    for (marker, what) in [
        ("<w:footnoteReference", "chú thích cuối trang"),
        ("<w:endnoteReference", "chú thích cuối văn bản"),
        ("<w:commentReference", "nhận xét (comment)"),
        ("<w:commentRangeStart", "nhận xét (comment)"),
        ("<w:subDoc", "văn bản con lồng"),
        ("<w:altChunk", "phần nhúng (altChunk)"),
    ] {
        if doc.contains(marker) {
            return Err(refuse(what));
        }
    }
    let (from, to) = body_range(&doc).ok_or_else(|| invalid(format!("văn bản con «{path}» không có thân văn bản")))?;
    let decls: String = declarations
        .iter()
        .map(|(p, u)| format!(" xmlns:{p}=\"{u}\""))
        .collect();
    let mut body = String::new();
    let mut last = "";
    for (start, end, name) in top_elements(&doc[from..to]) {
        if name == "w:sectPr" {
            continue;
        }
        let element = &doc[from + start..from + end];
        let element = remove_elements(element, "w:sectPr");
        let element = remove_attribute(&remove_attribute(&element, "w14:paraId"), "w14:textId");
        body.push_str(&with_declarations(&element, &name, &decls));
        last = if name == "w:tbl" { "w:tbl" } else { "" };
    }
    // A table must not end a cell, and the form's paragraph may have been in one.
    if last == "w:tbl" || body.is_empty() {
        body.push_str("<w:p/>");
    }

    // Relationships: pictures and links, with ids and media names of their own.
    let rels = match pkg.xml("word/_rels/document.xml.rels")? {
        Some(x) => package::relationships(x.as_bytes()),
        None => Vec::new(),
    };
    let r = prefix_of(R).unwrap_or_else(|| "r".into());
    let body = links_as_fields(&body, &r, &rels);
    let mut mapped: BTreeMap<String, String> = BTreeMap::new();
    let mut failure = None;
    let body = map_attribute_values(
        &body,
        &format!("{r}:"),
        &["id", "embed", "link", "pict", "href"],
        |id| {
            if let Some(new) = mapped.get(id) {
                return new.clone();
            }
            let new = format!("rIdChen{k}x{}", id.replace(|c: char| !c.is_ascii_alphanumeric(), ""));
            match rels.iter().find(|rel| rel.id == id) {
                Some(rel) if rel.kind.ends_with("/hyperlink") && rel.external => {
                    shared.rels.push_str(&format!(
                        "<Relationship Id=\"{new}\" Type=\"{}\" Target=\"{}\" TargetMode=\"External\"/>",
                        rel.kind,
                        attr_escape(&rel.target)
                    ));
                }
                Some(rel) if rel.kind.ends_with("/image") && !rel.external => {
                    let part = resolve(&rel.target);
                    let file = part.rsplit('/').next().unwrap_or_default().to_string();
                    let ext = file.rsplit('.').next().unwrap_or_default().to_ascii_lowercase();
                    let Some(kind) = content_type(&ext) else {
                        failure.get_or_insert_with(|| refuse(&format!("ảnh dạng «{ext}»")));
                        return new;
                    };
                    match pkg.bytes(&part) {
                        Ok(Some(data)) => {
                            let name = format!("media/chen{k}-{file}");
                            shared.media.push((format!("word/{name}"), data));
                            shared.extensions.insert((ext, kind.to_string()));
                            shared.rels.push_str(&format!(
                                "<Relationship Id=\"{new}\" Type=\"{}\" Target=\"{name}\"/>",
                                rel.kind
                            ));
                        }
                        Ok(None) => {
                            failure
                                .get_or_insert_with(|| invalid(format!("văn bản con «{path}» hỏng: thiếu ảnh {part}")));
                        }
                        Err(e) => {
                            failure.get_or_insert(e);
                        }
                    }
                }
                Some(rel) => {
                    let kind = rel.kind.rsplit('/').next().unwrap_or_default().to_string();
                    let what = if rel.external {
                        format!("liên kết ra ngoài tệp «{}» ({kind})", rel.target)
                    } else {
                        format!("một phần «{kind}» ({})", rel.target)
                    };
                    failure.get_or_insert_with(|| refuse(&what));
                }
                None => {
                    failure
                        .get_or_insert_with(|| invalid(format!("văn bản con «{path}» hỏng: quan hệ «{id}» không có")));
                }
            }
            mapped.insert(id.to_string(), new.clone());
            new
        },
    );
    if let Some(e) = failure {
        return Err(e);
    }
    // Drawing ids must be unique in the report.
    let mut n = 0usize;
    let body = body
        .split("<wp:docPr id=\"")
        .enumerate()
        .map(|(i, piece)| {
            if i == 0 {
                return piece.to_string();
            }
            n += 1;
            let rest = piece.split_once('"').map_or("", |(_, r)| r);
            format!("<wp:docPr id=\"{}\"{rest}", 200_000 + k * 1_000 + n)
        })
        .collect::<String>();

    // Styles: the ones the body uses and those they are based on.
    let sub_styles = match pkg.xml("word/styles.xml")? {
        Some(x) => style_definitions(&x),
        None => BTreeMap::new(),
    };
    let form_styles = base.styles.as_deref().map(style_definitions).unwrap_or_default();
    let mut needed: BTreeSet<String> = BTreeSet::new();
    let mut queue: Vec<String> = ["w:pStyle", "w:rStyle", "w:tblStyle"]
        .iter()
        .flat_map(|tag| values_of(&body, tag))
        .collect();
    while let Some(id) = queue.pop() {
        let Some(def) = sub_styles.get(&id) else { continue };
        if !needed.insert(id.clone()) {
            continue;
        }
        for tag in ["w:basedOn", "w:next", "w:link"] {
            queue.extend(values_of(def, tag));
        }
    }
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    let mut added: Vec<String> = Vec::new();
    for id in &needed {
        let def = &sub_styles[id];
        match form_styles.get(id) {
            Some(own) if normalized(own) == normalized(def) => {}
            Some(_) => {
                let mut new = format!("{id}Chen{k}");
                while form_styles.contains_key(&new) {
                    new.push('x');
                }
                renamed.insert(id.clone(), new);
                added.push(id.clone());
            }
            None => added.push(id.clone()),
        }
    }
    let rename = |xml: &str| {
        let mut xml = xml.to_string();
        for tag in ["w:pStyle", "w:rStyle", "w:tblStyle", "w:basedOn", "w:next", "w:link"] {
            xml = map_element_values(&xml, tag, |v| renamed.get(v).cloned().unwrap_or_else(|| v.to_string()));
        }
        xml
    };
    let body = rename(&body);
    let mut new_styles = String::new();
    for id in &added {
        let mut def = rename(&sub_styles[id]);
        def = remove_attribute(&def, "w:default");
        if let Some(new) = renamed.get(id) {
            def = def.replacen(&format!("w:styleId=\"{id}\""), &format!("w:styleId=\"{new}\""), 1);
            def = map_element_values(&def, "w:name", |v| format!("{v} (chèn {k})"));
        }
        new_styles.push_str(&with_declarations(&def, "w:style", &decls));
    }

    // Lists: new numbers for the ones the body and its styles use.
    let mut used_nums: BTreeSet<u32> = values_of(&body, "w:numId")
        .into_iter()
        .chain(values_of(&new_styles, "w:numId"))
        .filter_map(|v| v.parse().ok())
        .collect();
    used_nums.remove(&0);
    let mut num_map: BTreeMap<String, String> = BTreeMap::new();
    if !used_nums.is_empty() {
        let numbering = pkg.xml("word/numbering.xml")?.unwrap_or_default();
        let (abstracts, nums) = numbering_definitions(&numbering);
        let mut abstract_map: BTreeMap<String, String> = BTreeMap::new();
        for (i, id) in used_nums.iter().enumerate() {
            let Some(num) = nums.get(&id.to_string()) else { continue };
            let new_num = NUMBER_BASE + (k as u32) * 1_000 + i as u32 + 1;
            num_map.insert(id.to_string(), new_num.to_string());
            let Some(abstract_id) = values_of(num, "w:abstractNumId").into_iter().next() else {
                continue;
            };
            let next = NUMBER_BASE + (k as u32) * 1_000 + abstract_map.len() as u32 + 1;
            let new_abstract = abstract_map
                .entry(abstract_id.clone())
                .or_insert_with(|| next.to_string())
                .clone();
            let num = num.replacen(&format!("w:numId=\"{id}\""), &format!("w:numId=\"{new_num}\""), 1);
            let num = map_element_values(&num, "w:abstractNumId", |_| new_abstract.clone());
            shared.nums.push_str(&with_declarations(&num, "w:num", &decls));
        }
        for (old, new) in &abstract_map {
            let Some(def) = abstracts.get(old) else { continue };
            let def = def.replacen(
                &format!("w:abstractNumId=\"{old}\""),
                &format!("w:abstractNumId=\"{new}\""),
                1,
            );
            // Word joins lists of one nsid: a new list gets none.
            let def = remove_elements(&def, "w:nsid");
            shared
                .abstracts
                .push_str(&with_declarations(&def, "w:abstractNum", &decls));
        }
    }
    let renumber = |xml: &str| {
        map_element_values(xml, "w:numId", |v| {
            num_map.get(v).cloned().unwrap_or_else(|| v.to_string())
        })
    };
    shared.styles.push_str(&renumber(&new_styles));
    Ok(renumber(&body))
}

/// Each `w:hyperlink` to a web or mail address as a HYPERLINK field around its runs,
/// as the form's own rich links are: no relationship to outside the package, which
/// Word and LibreOffice follow alike. A link elsewhere (`file:///`) keeps its text
/// only.
fn links_as_fields(body: &str, r: &str, rels: &[package::Relationship]) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(i) = rest.find("<w:hyperlink ") {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let Some(head_end) = after.find('>') else {
            rest = after;
            break;
        };
        let head = &after[..head_end];
        let key = format!(" {r}:id=\"");
        let id = head
            .find(&key)
            .and_then(|j| head[j + key.len()..].split('"').next())
            .map(str::to_string);
        let rel = id.and_then(|id| rels.iter().find(|rel| rel.id == id && rel.external));
        let (Some(rel), false) = (rel, head.ends_with('/')) else {
            out.push_str(&after[..head_end + 1]);
            rest = &after[head_end + 1..];
            continue;
        };
        let Some(close) = after.find("</w:hyperlink>") else {
            out.push_str(after);
            rest = "";
            break;
        };
        let inner = &after[head_end + 1..close];
        let web = ["https://", "http://", "mailto:"]
            .iter()
            .any(|p| rel.target.starts_with(p))
            && !rel.target.contains(['"', '<', '>', '\\'])
            && !rel.target.chars().any(char::is_whitespace);
        if web {
            out.push_str(&format!(
                "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText xml:space=\"preserve\"> HYPERLINK \"{}\" </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>{inner}<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>",
                rel.target.replace('&', "&amp;")
            ));
        } else {
            out.push_str(inner);
        }
        rest = &after[close + "</w:hyperlink>".len()..];
    }
    out.push_str(rest);
    out
}

/// The file types a picture may have, by extension.
fn content_type(ext: &str) -> Option<&'static str> {
    Some(match ext {
        "png" => "image/png",
        "jpeg" | "jpg" => "image/jpeg",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        "tif" | "tiff" => "image/tiff",
        "emf" => "image/x-emf",
        "wmf" => "image/x-wmf",
        "svg" => "image/svg+xml",
        _ => return None,
    })
}

/// A relationship target of word/document.xml as a part name.
fn resolve(target: &str) -> String {
    if let Some(absolute) = target.strip_prefix('/') {
        return absolute.to_string();
    }
    let mut parts: Vec<&str> = vec!["word"];
    for piece in target.split('/') {
        match piece {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            p => parts.push(p),
        }
    }
    parts.join("/")
}

fn attr_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The namespace declarations of a document's root element: (prefix, uri).
fn root_declarations(xml: &str) -> Vec<(String, String)> {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e)) | Ok(quick_xml::events::Event::Empty(e)) => {
                return e
                    .attributes()
                    .flatten()
                    .filter_map(|a| {
                        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                        let prefix = key.strip_prefix("xmlns:")?.to_string();
                        Some((prefix, String::from_utf8_lossy(&a.value).into_owned()))
                    })
                    .collect();
            }
            Ok(quick_xml::events::Event::Eof) | Err(_) => return Vec::new(),
            _ => {}
        }
    }
}

/// The byte range of `w:body`'s content.
fn body_range(xml: &str) -> Option<(usize, usize)> {
    let open = xml.find("<w:body")?;
    let after = open + "<w:body".len();
    if !xml[after..].starts_with(['>', ' ', '/']) {
        return None;
    }
    let start = xml[open..].find('>')? + open + 1;
    if xml[open..start].ends_with("/>") {
        return Some((start, start));
    }
    let end = xml.rfind("</w:body>")?;
    (end >= start).then_some((start, end))
}

/// The top-level elements of an XML fragment: (start, end, qualified name).
fn top_elements(fragment: &str) -> Vec<(usize, usize, String)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(fragment);
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0usize;
    let mut name = String::new();
    loop {
        let before = reader.buffer_position() as usize;
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                if depth == 0 {
                    start = before;
                    name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                }
                depth += 1;
            }
            Ok(Event::Empty(e)) if depth == 0 => {
                out.push((
                    before,
                    reader.buffer_position() as usize,
                    String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                ));
            }
            Ok(Event::End(_)) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    out.push((start, reader.buffer_position() as usize, name.clone()));
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    out
}

/// `decls` added to an element's start tag, but those it declares itself.
fn with_declarations(element: &str, name: &str, decls: &str) -> String {
    let head_end = element.find('>').unwrap_or(element.len());
    let head = &element[..head_end];
    let mut extra = String::new();
    for decl in decls.split(" xmlns:").filter(|d| !d.is_empty()) {
        let prefix = decl.split('=').next().unwrap_or_default();
        if !head.contains(&format!("xmlns:{prefix}=")) {
            extra.push_str(" xmlns:");
            extra.push_str(decl);
        }
    }
    let at = 1 + name.len();
    format!("{}{extra}{}", &element[..at], &element[at..])
}

/// Every `<name …>…</name>` and `<name …/>` taken out.
fn remove_elements(xml: &str, name: &str) -> String {
    let open = format!("<{name}");
    let close = format!("</{name}>");
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        if !after.starts_with(['>', ' ', '/']) {
            out.push_str(&rest[..i + open.len()]);
            rest = after;
            continue;
        }
        out.push_str(&rest[..i]);
        let head_end = after.find('>').map_or(after.len(), |j| j + 1);
        rest = if after[..head_end].ends_with("/>") {
            &after[head_end..]
        } else {
            match after.find(&close) {
                Some(j) => &after[j + close.len()..],
                None => "",
            }
        };
    }
    out.push_str(rest);
    out
}

/// Every ` name="…"` attribute taken out.
fn remove_attribute(xml: &str, name: &str) -> String {
    let key = format!(" {name}=\"");
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(i) = rest.find(&key) {
        out.push_str(&rest[..i]);
        let after = &rest[i + key.len()..];
        rest = after.find('"').map_or("", |j| &after[j + 1..]);
    }
    out.push_str(rest);
    out
}

/// Each value of the attributes `prefix` + one of `names` passed through `f`.
fn map_attribute_values(xml: &str, prefix: &str, names: &[&str], mut f: impl FnMut(&str) -> String) -> String {
    if prefix.is_empty() {
        return xml.to_string();
    }
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(i) = rest.find(prefix) {
        let after = &rest[i + prefix.len()..];
        let before_ok = rest[..i].ends_with(char::is_whitespace);
        let hit = names
            .iter()
            .find(|n| after.starts_with(&format!("{n}=\"")))
            .filter(|_| before_ok);
        let Some(n) = hit else {
            out.push_str(&rest[..i + prefix.len()]);
            rest = after;
            continue;
        };
        let value_start = n.len() + 2;
        let Some(len) = after[value_start..].find('"') else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..i + prefix.len() + value_start]);
        out.push_str(&f(&after[value_start..value_start + len]));
        rest = &after[value_start + len..];
    }
    out.push_str(rest);
    out
}

/// The `w:val` of every `<tag w:val="…"`.
fn values_of(xml: &str, tag: &str) -> Vec<String> {
    let key = format!("<{tag} w:val=\"");
    xml.match_indices(&key)
        .filter_map(|(i, _)| {
            let from = i + key.len();
            xml[from..].find('"').map(|j| xml[from..from + j].to_string())
        })
        .collect()
}

/// Each `<tag w:val="…"`'s value passed through `f`.
fn map_element_values(xml: &str, tag: &str, f: impl Fn(&str) -> String) -> String {
    let key = format!("<{tag} w:val=\"");
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(i) = rest.find(&key) {
        out.push_str(&rest[..i + key.len()]);
        let after = &rest[i + key.len()..];
        let Some(j) = after.find('"') else {
            rest = after;
            break;
        };
        out.push_str(&attr_escape(&f(&after[..j])));
        rest = &after[j..];
    }
    out.push_str(rest);
    out
}

/// A style definition compared without the marks Word adds as it saves.
fn normalized(def: &str) -> String {
    let def = remove_elements(def, "w:rsid");
    remove_attribute(&def, "w:default").split_whitespace().collect()
}

/// The `w:style` elements of a styles part, by `w:styleId`.
fn style_definitions(xml: &str) -> BTreeMap<String, String> {
    let Some(open) = xml.find("<w:styles") else {
        return BTreeMap::new();
    };
    let Some(start) = xml[open..].find('>').map(|i| open + i + 1) else {
        return BTreeMap::new();
    };
    let end = xml.rfind("</w:styles>").unwrap_or(xml.len()).max(start);
    top_elements(&xml[start..end])
        .into_iter()
        .filter(|(_, _, name)| name == "w:style")
        .filter_map(|(a, b, _)| {
            let def = &xml[start + a..start + b];
            let head = &def[..def.find('>')?];
            let key = "w:styleId=\"";
            let i = head.find(key)? + key.len();
            let id = head[i..i + head[i..].find('"')?].to_string();
            Some((id, def.to_string()))
        })
        .collect()
}

/// The `w:abstractNum` (by `w:abstractNumId`) and `w:num` (by `w:numId`) of a
/// numbering part.
fn numbering_definitions(xml: &str) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let mut abstracts = BTreeMap::new();
    let mut nums = BTreeMap::new();
    let Some(open) = xml.find("<w:numbering") else {
        return (abstracts, nums);
    };
    let Some(start) = xml[open..].find('>').map(|i| open + i + 1) else {
        return (abstracts, nums);
    };
    let end = xml.rfind("</w:numbering>").unwrap_or(xml.len()).max(start);
    for (a, b, name) in top_elements(&xml[start..end]) {
        let def = &xml[start + a..start + b];
        let Some(head) = def.find('>').map(|i| &def[..i]) else {
            continue;
        };
        let key = match name.as_str() {
            "w:abstractNum" => "w:abstractNumId=\"",
            "w:num" => "w:numId=\"",
            _ => continue,
        };
        let Some(i) = head.find(key).map(|i| i + key.len()) else {
            continue;
        };
        let Some(len) = head[i..].find('"') else { continue };
        let id = head[i..i + len].to_string();
        if name == "w:num" {
            nums.insert(id, def.to_string());
        } else {
            abstracts.insert(id, def.to_string());
        }
    }
    (abstracts, nums)
}

/// The report's styles, numbering, relationships and content types with what its
/// sub-documents need. `part` gives a part's current text (filled or the form's).
pub(super) fn package_edits(
    inserted: &Inserted,
    part: impl Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut rels = inserted.rels.clone();
    if !inserted.styles.is_empty() {
        let styles = part("word/styles.xml").ok_or("mẫu không có word/styles.xml để nhận các kiểu của văn bản con")?;
        let at = styles
            .rfind("</w:styles>")
            .ok_or("word/styles.xml của mẫu không đúng dạng")?;
        out.push((
            "word/styles.xml".to_string(),
            format!("{}{}{}", &styles[..at], inserted.styles, &styles[at..]),
        ));
    }
    let mut types_added: Vec<String> = Vec::new();
    if !inserted.nums.is_empty() {
        let numbering = match part("word/numbering.xml") {
            Some(xml) => {
                let end = xml
                    .rfind("</w:numbering>")
                    .ok_or("word/numbering.xml của mẫu không đúng dạng")?;
                // Every w:abstractNum comes before every w:num.
                let first_num = xml.find("<w:num ").or_else(|| xml.find("<w:num>")).unwrap_or(end);
                format!(
                    "{}{}{}{}{}",
                    &xml[..first_num],
                    inserted.abstracts,
                    &xml[first_num..end],
                    inserted.nums,
                    &xml[end..]
                )
            }
            None => {
                rels.push_str("<Relationship Id=\"rIdBaocaoChenSo\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering\" Target=\"numbering.xml\"/>");
                types_added.push("<Override PartName=\"/word/numbering.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml\"/>".into());
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:numbering xmlns:w=\"{W}\">{}{}</w:numbering>",
                    inserted.abstracts, inserted.nums
                )
            }
        };
        out.push(("word/numbering.xml".to_string(), numbering));
    }
    if !rels.is_empty() {
        const RELS: &str = "word/_rels/document.xml.rels";
        let xml = part(RELS).unwrap_or_else(|| super::image::NO_RELATIONSHIPS.to_string());
        let at = xml
            .rfind("</Relationships>")
            .ok_or("word/_rels/document.xml.rels của mẫu không đúng dạng")?;
        out.push((RELS.to_string(), format!("{}{rels}{}", &xml[..at], &xml[at..])));
    }
    for (ext, kind) in &inserted.extensions {
        types_added.push(format!("<Default Extension=\"{ext}\" ContentType=\"{kind}\"/>"));
    }
    if !types_added.is_empty() {
        const TYPES: &str = "[Content_Types].xml";
        let mut xml = part(TYPES).ok_or("mẫu không có [Content_Types].xml")?;
        for t in types_added {
            let declared = t.split('"').nth(1).is_some_and(|key| {
                xml.to_ascii_lowercase()
                    .contains(&format!("=\"{}\"", key.to_ascii_lowercase()))
            });
            if !declared {
                let at = xml
                    .rfind("</Types>")
                    .ok_or("[Content_Types].xml của mẫu không đúng dạng")?;
                xml.insert_str(at, &t);
            }
        }
        out.push((TYPES.to_string(), xml));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_and_attributes_are_found_whole() {
        assert_eq!(
            remove_elements(
                "<w:pPr><w:sectPr><w:pgSz/></w:sectPr><w:jc/></w:pPr><w:sectPrChange/>",
                "w:sectPr"
            ),
            "<w:pPr><w:jc/></w:pPr><w:sectPrChange/>"
        );
        assert_eq!(
            remove_attribute("<w:p w14:paraId=\"1A\" w:x=\"2\">", "w14:paraId"),
            "<w:p w:x=\"2\">"
        );
        assert_eq!(
            map_attribute_values(
                "<a:blip r:embed=\"rId4\" xr:embed=\"no\"/>",
                "r:",
                &["embed"],
                |v| format!("{v}!")
            ),
            "<a:blip r:embed=\"rId4!\" xr:embed=\"no\"/>"
        );
        assert_eq!(
            with_declarations("<w:p w:x=\"1\"/>", "w:p", " xmlns:w=\"u\" xmlns:r=\"v\""),
            "<w:p xmlns:w=\"u\" xmlns:r=\"v\" w:x=\"1\"/>"
        );
        assert_eq!(resolve("media/a.png"), "word/media/a.png");
        assert_eq!(resolve("../media/a.png"), "media/a.png");
    }
}
