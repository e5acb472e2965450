//! A Word form as Word saves one (document with tags and a table loop, header,
//! footer, styles, numbering, settings, relationships, content types), to damage
//! in tests of what a form loader refuses.

#![allow(dead_code)]

use std::io::{Read, Write};

pub const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

pub fn part(body: &str, root: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<w:{root} xmlns:w=\"{W}\" xmlns:r=\"{R}\">{body}</w:{root}>")
}

pub fn p(text: &str) -> String {
    format!("<w:p><w:pPr><w:pStyle w:val=\"Normal\"/></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>")
}

fn row(cells: &[&str]) -> String {
    let cells: String = cells
        .iter()
        .map(|c| {
            format!(
                "<w:tc><w:tcPr><w:tcW w:w=\"3000\" w:type=\"dxa\"/></w:tcPr>{}</w:tc>",
                p(c)
            )
        })
        .collect();
    format!("<w:tr>{cells}</w:tr>")
}

/// The parts of the form, in the order Word writes them.
pub fn form_parts() -> Vec<(String, String)> {
    let body = format!(
        "<w:body>{}{}<w:p><w:pPr><w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"1\"/></w:numPr></w:pPr><w:r><w:t>{{{{ muc }}}}</w:t></w:r></w:p><w:tbl><w:tblPr><w:tblW w:w=\"0\" w:type=\"auto\"/></w:tblPr><w:tblGrid><w:gridCol w:w=\"3000\"/><w:gridCol w:w=\"3000\"/></w:tblGrid>{}{}{}{}</w:tbl>{}<w:sectPr><w:headerReference w:type=\"default\" r:id=\"rId4\"/><w:footerReference w:type=\"default\" r:id=\"rId5\"/><w:pgSz w:w=\"11906\" w:h=\"16838\"/></w:sectPr></w:body>",
        p("Khách hàng: {{ ten }}"),
        p("{% if tra_tien %}Đã trả{% else %}Chưa trả{% endif %}"),
        row(&["Hàng", "Giá"]),
        row(&["{%tr for x in hang %}", ""]),
        row(&["{{ x.ten }}", "{{ x.gia }}"]),
        row(&["{%tr endfor %}", ""]),
        p("Tổng: {{ tong }}"),
    );
    let types = concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">",
        "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>",
        "<Default Extension=\"xml\" ContentType=\"application/xml\"/>",
        "<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>",
        "<Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>",
        "<Override PartName=\"/word/settings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml\"/>",
        "<Override PartName=\"/word/numbering.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml\"/>",
        "<Override PartName=\"/word/header1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml\"/>",
        "<Override PartName=\"/word/footer1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml\"/>",
        "</Types>"
    );
    let rels = concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
        "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>",
        "</Relationships>"
    );
    let doc_rels = concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
        "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>",
        "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings\" Target=\"settings.xml\"/>",
        "<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering\" Target=\"numbering.xml\"/>",
        "<Relationship Id=\"rId4\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/header\" Target=\"header1.xml\"/>",
        "<Relationship Id=\"rId5\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer\" Target=\"footer1.xml\"/>",
        "</Relationships>"
    );
    let styles = part(
        concat!(
            "<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii=\"Times New Roman\" w:hAnsi=\"Times New Roman\"/><w:sz w:val=\"28\"/></w:rPr></w:rPrDefault></w:docDefaults>",
            "<w:style w:type=\"paragraph\" w:styleId=\"Normal\" w:default=\"1\"><w:name w:val=\"Normal\"/><w:pPr><w:spacing w:after=\"120\"/></w:pPr></w:style>",
            "<w:style w:type=\"table\" w:styleId=\"TableGrid\"><w:name w:val=\"Table Grid\"/></w:style>"
        ),
        "styles",
    );
    let settings = part(
        "<w:zoom w:percent=\"100\"/><w:defaultTabStop w:val=\"720\"/><w:compat><w:compatSetting w:name=\"compatibilityMode\" w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/></w:compat>",
        "settings",
    );
    let numbering = part(
        "<w:abstractNum w:abstractNumId=\"0\"><w:lvl w:ilvl=\"0\"><w:start w:val=\"1\"/><w:numFmt w:val=\"decimal\"/><w:lvlText w:val=\"%1.\"/></w:lvl></w:abstractNum><w:num w:numId=\"1\"><w:abstractNumId w:val=\"0\"/></w:num>",
        "numbering",
    );
    let header = part(&p("CÔNG TY {{ cong_ty | upper }}"), "hdr");
    let footer = part(&p("Trang in ngày {{ ngay }} — bản không có thẻ cũng được"), "ftr");
    vec![
        ("[Content_Types].xml".into(), types.into()),
        ("_rels/.rels".into(), rels.into()),
        ("word/document.xml".into(), part(&body, "document")),
        ("word/_rels/document.xml.rels".into(), doc_rels.into()),
        ("word/styles.xml".into(), styles),
        ("word/settings.xml".into(), settings),
        ("word/numbering.xml".into(), numbering),
        ("word/header1.xml".into(), header),
        ("word/footer1.xml".into(), footer),
    ]
}

/// The data the form takes.
pub fn form_data() -> serde_json::Value {
    serde_json::json!({
        "ten": "Nguyễn Văn An",
        "tra_tien": false,
        "muc": "Mục một",
        "hang": [ { "ten": "Bút", "gia": "5.000" }, { "ten": "Giấy <A4>", "gia": "65.000" } ],
        "tong": "70.000",
        "cong_ty": "Sao Mai",
        "ngay": "05/12/2026",
    })
}

/// A package of these parts, deflated (or stored).
pub fn zip_of(parts: &[(String, Vec<u8>)], deflate: bool) -> Vec<u8> {
    let method = if deflate {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in parts {
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(zip::DateTime::default());
        out.start_file(name.as_str(), options).unwrap();
        out.write_all(data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

pub fn form_bytes(deflate: bool) -> Vec<u8> {
    let parts: Vec<(String, Vec<u8>)> = form_parts().into_iter().map(|(n, t)| (n, t.into_bytes())).collect();
    zip_of(&parts, deflate)
}

/// The form with one part's text changed.
pub fn form_with(name: &str, change: impl Fn(String) -> String) -> Vec<u8> {
    let parts: Vec<(String, Vec<u8>)> = form_parts()
        .into_iter()
        .map(|(n, t)| {
            let t = if n == name { change(t) } else { t };
            (n, t.into_bytes())
        })
        .collect();
    zip_of(&parts, true)
}

/// The entries of a package: name, data, compressed size. Panics on a bad entry.
pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>, u64)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().to_string(), data, f.compressed_size())
        })
        .collect()
}

/// The byte range of an entry's compressed data in its package.
pub fn compressed_range(bytes: &[u8], name: &str) -> std::ops::Range<usize> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let i = zip.index_for_name(name).unwrap();
    let f = zip.by_index_raw(i).unwrap();
    let start = f.data_start().unwrap() as usize;
    start..start + f.compressed_size() as usize
}

/// What a reader (Word, LibreOffice) needs of a package: every entry inflates with
/// its CRC, every XML part parses (roxmltree: strict XML 1.0 with namespaces), every
/// internal relationship's target is there. Independent of the library's own check.
pub fn sound(bytes: &[u8]) -> Result<(), String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut parts = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).map_err(|e| e.to_string())?;
        let name = f.name().map_err(|e| e.to_string())?.to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).map_err(|e| format!("{name}: {e}"))?;
        parts.push((name, data));
    }
    let names: Vec<String> = parts.iter().map(|(n, _)| n.to_lowercase()).collect();
    for (name, data) in &parts {
        if !(name.ends_with(".xml") || name.ends_with(".rels")) {
            continue;
        }
        let text = std::str::from_utf8(data).map_err(|e| format!("{name}: not UTF-8 ({e})"))?;
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        if let Some(decl) = text.strip_prefix("<?xml").and_then(|t| t.split("?>").next()) {
            if let Some(enc) = decl.split("encoding=").nth(1) {
                let enc = enc
                    .trim_start_matches(['"', '\''])
                    .split(['"', '\''])
                    .next()
                    .unwrap_or("");
                if !enc.eq_ignore_ascii_case("utf-8") {
                    return Err(format!("{name}: encoding {enc}"));
                }
            }
        }
        let doc = roxmltree::Document::parse_with_options(
            text,
            roxmltree::ParsingOptions {
                allow_dtd: false,
                ..Default::default()
            },
        )
        .map_err(|e| format!("{name}: {e}"))?;
        if name.ends_with(".rels") {
            let folder = name.rsplit_once("_rels/").map_or("", |(f, _)| f);
            for rel in doc.descendants().filter(|n| n.tag_name().name() == "Relationship") {
                if rel.attribute("TargetMode") == Some("External") {
                    continue;
                }
                let target = rel.attribute("Target").unwrap_or("");
                let full = if let Some(abs) = target.strip_prefix('/') {
                    abs.to_string()
                } else {
                    let mut segs: Vec<&str> = folder.split('/').filter(|s| !s.is_empty()).collect();
                    for s in target.split('/') {
                        match s {
                            ".." => {
                                segs.pop();
                            }
                            "." | "" => {}
                            s => segs.push(s),
                        }
                    }
                    segs.join("/")
                };
                if !names.contains(&full.to_lowercase()) {
                    return Err(format!("{name}: target {target} missing"));
                }
            }
        }
    }
    Ok(())
}
