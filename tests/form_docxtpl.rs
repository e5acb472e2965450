//! What docxtpl's own test suite exercises, in forms of our own: comments that take
//! a paragraph, row or cell; the escapes `{_{ }_}` `{_% %_}`; `{% hm %}` in a cell
//! loop (with fewer cells after it); `{% colspan %}` and `{% cellbg %}`; tags in the
//! document properties; blocks spanning paragraphs and `{%- -%}` joining them; a part
//! that starts with a byte-order mark.

#[path = "common/forms.rs"]
mod forms;

use forms::*;

/// The test form with this body (and these parts added or replaced).
fn form_of(body: &str, extra: &[(&str, String)]) -> Vec<u8> {
    let mut parts: Vec<(String, Vec<u8>)> = form_parts()
        .into_iter()
        .map(|(n, t)| {
            let t = if n == "word/document.xml" {
                part(&format!("<w:body>{body}<w:sectPr/></w:body>"), "document")
            } else {
                t
            };
            (n, t.into_bytes())
        })
        .collect();
    for (name, text) in extra {
        match parts.iter_mut().find(|(n, _)| n == name) {
            Some(p) => p.1 = text.clone().into_bytes(),
            None => parts.push((name.to_string(), text.clone().into_bytes())),
        }
    }
    zip_of(&parts, true)
}

fn fill(bytes: Vec<u8>, data: serde_json::Value) -> Vec<u8> {
    let form = baocao::form::Form::load("mau.docx", bytes).unwrap_or_else(|e| panic!("{e:#?}"));
    let pack = baocao::template::Pack::builtin().unwrap();
    let ctx = minijinja::Value::from(minijinja::value::Serde(data));
    let out = form.fill(pack.environment(), &ctx).unwrap_or_else(|e| panic!("{e:#?}"));
    sound(&out).unwrap();
    // With BAOCAO_TEST_OUT set, kept for the Open XML validator.
    if let Some(dir) = std::env::var_os("BAOCAO_TEST_OUT") {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        std::fs::write(std::path::Path::new(&dir).join(format!("docxtpl-{n}.docx")), &out).unwrap();
    }
    out
}

fn xml_of(docx: &[u8], name: &str) -> String {
    String::from_utf8(unzip(docx).into_iter().find(|(n, _, _)| n == name).unwrap().1).unwrap()
}

/// Paragraphs' text; a table row as `|cell|cell|`, a cell with its span and merge.
fn layout(docx: &[u8]) -> Vec<String> {
    let xml = xml_of(docx, "word/document.xml");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let text = |n: roxmltree::Node| -> String {
        n.descendants()
            .filter(|t| t.tag_name().name() == "t")
            .filter_map(|t| t.text())
            .collect()
    };
    let body = doc.descendants().find(|n| n.tag_name().name() == "body").unwrap();
    let mut out = Vec::new();
    for n in body.children().filter(|n| n.is_element()) {
        match n.tag_name().name() {
            "p" => out.push(text(n)),
            "tbl" => {
                for tr in n.children().filter(|c| c.tag_name().name() == "tr") {
                    let cells: Vec<String> = tr
                        .children()
                        .filter(|c| c.tag_name().name() == "tc")
                        .map(|tc| {
                            let pr = tc.children().find(|c| c.tag_name().name() == "tcPr");
                            let attr = |name: &str, a: &str| {
                                pr.and_then(|pr| pr.children().find(|c| c.tag_name().name() == name))
                                    .and_then(|c| c.attribute((W, a)))
                                    .map(|v| format!("[{name}={v}]"))
                                    .unwrap_or_default()
                            };
                            format!("{}{}{}", text(tc), attr("gridSpan", "val"), attr("shd", "fill"))
                        })
                        .collect();
                    out.push(format!("|{}|", cells.join("|")));
                }
            }
            _ => {}
        }
    }
    out
}

fn cell(text: &str) -> String {
    format!(
        "<w:tc><w:tcPr><w:tcW w:w=\"2000\" w:type=\"dxa\"/></w:tcPr>{}</w:tc>",
        p(text)
    )
}

fn table(rows: &[&[&str]]) -> String {
    let rows: String = rows
        .iter()
        .map(|r| format!("<w:tr>{}</w:tr>", r.iter().map(|c| cell(c)).collect::<String>()))
        .collect();
    format!("<w:tbl><w:tblPr><w:tblW w:w=\"0\" w:type=\"auto\"/></w:tblPr><w:tblGrid><w:gridCol w:w=\"2000\"/></w:tblGrid>{rows}</w:tbl>")
}

#[test]
fn structural_comments_take_their_paragraph_row_or_cell() {
    let body = format!(
        "{}{}{}{}",
        p("Trước"),
        p("{#p ghi chú của người soạn mẫu #}"),
        table(&[
            &["a", "{#tc cột bỏ #}", "b"],
            &["{#tr hàng bỏ #}", "x", "y"],
            &["c", "d", "e"]
        ]),
        p("Sau {# ghi chú trong dòng #}đây")
    );
    let out = fill(form_of(&body, &[]), form_data());
    assert_eq!(layout(&out), ["Trước", "|a|b|", "|c|d|e|", "Sau đây"]);
}

#[test]
fn escapes_print_tags_literally() {
    let body = format!(
        "{}{}",
        p("Viết {_{ ten }_} để in tên, {_% if x %_} để chọn"),
        p("Dấu nối: {_%- và -%_}")
    );
    let out = fill(form_of(&body, &[]), form_data());
    assert_eq!(
        layout(&out),
        ["Viết {{ ten }} để in tên, {% if x %} để chọn", "Dấu nối: {%- và -%}"]
    );
}

/// `{% hm %}` in a cell loop: the first cell spans the loop; a row with fewer cells
/// after the loop is left as it is.
#[test]
fn horizontal_merge_in_a_cell_loop() {
    let body = table(&[
        &[
            "Tên",
            "{%tc for x in [1, 2, 3] %}",
            "{% hm %}Năm",
            "{%tc endfor %}",
            "Ghi chú",
        ],
        &["An", "{%tc for x in [1, 2, 3] %}", "{{ x }}", "{%tc endfor %}", "—"],
    ]);
    let out = fill(form_of(&body, &[]), form_data());
    assert_eq!(layout(&out), ["|Tên|Năm[gridSpan=3]|Ghi chú|", "|An|1|2|3|—|"]);
}

#[test]
fn colspan_and_cellbg_from_values() {
    let body = table(&[
        &["{% colspan cot|length %}Tiêu đề"],
        &[
            "{%tc for c in cot %}",
            "{% cellbg c.mau %}{{ c.ten }}",
            "{%tc endfor %}",
        ],
    ]);
    let mut data = form_data();
    data["cot"] = serde_json::json!([ { "ten": "Đỏ", "mau": "FF0000" }, { "ten": "Xanh", "mau": "0000FF" } ]);
    let out = fill(form_of(&body, &[]), data);
    assert_eq!(
        layout(&out),
        ["|Tiêu đề[gridSpan=2]|", "|Đỏ[shd=FF0000]|Xanh[shd=0000FF]|"]
    );
}

#[test]
fn tags_in_the_document_properties() {
    let core = concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n",
        "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">",
        "<dc:title>Đơn hàng của {{ ten }}</dc:title><dc:subject>{{ tong ~ &quot; đồng&quot; }}</dc:subject><dc:creator>Sao Mai</dc:creator>",
        "</cp:coreProperties>"
    );
    let types = form_parts()
        .into_iter()
        .find(|(n, _)| n == "[Content_Types].xml")
        .unwrap()
        .1
        .replace("</Types>", "<Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/></Types>");
    let rels = form_parts()
        .into_iter()
        .find(|(n, _)| n == "_rels/.rels")
        .unwrap()
        .1
        .replace("</Relationships>", "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/></Relationships>");
    let mut data = form_data();
    data["ten"] = serde_json::json!("An & <Bình>");
    let out = fill(
        form_of(
            &p("x"),
            &[
                ("docProps/core.xml", core.to_string()),
                ("[Content_Types].xml", types),
                ("_rels/.rels", rels),
            ],
        ),
        data,
    );
    let core = xml_of(&out, "docProps/core.xml");
    let doc = roxmltree::Document::parse(&core).unwrap();
    let get = |name: &str| {
        doc.descendants()
            .find(|n| n.tag_name().name() == name)
            .and_then(|n| n.text())
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(get("title"), "Đơn hàng của An & <Bình>");
    assert_eq!(get("subject"), "70.000 đồng");
    assert_eq!(get("creator"), "Sao Mai");
}

/// A plain `{% if %}` or `{% for %}` may span paragraphs at one level, and `{%-` /
/// `-%}` join the paragraphs they stand between, as docxtpl has them.
#[test]
fn blocks_span_paragraphs_and_dashes_join_them() {
    let body = format!(
        "{}{}{}{}{}{}{}{}{}{}{}",
        p("{% if tra_tien %}"),
        p("Đã trả đủ."),
        p("{% else %}"),
        p("Còn nợ."),
        p("{% endif %}"),
        p("Nhà ở"),
        p("{%- if tra_tien -%}"),
        p("\u{a0}thành phố"),
        p("{%- else -%}"),
        p("\u{a0}nông thôn"),
        p("{%- endif -%}"),
    ) + &p("\u{a0}và hết.")
        + &p("{% for x in hang %}")
        + &p("Hàng {{ x.ten }}")
        + &p("{% endfor %}");
    let out = fill(form_of(&body, &[]), form_data());
    assert_eq!(
        layout(&out),
        [
            "",
            "Còn nợ.",
            "",
            "Nhà ở\u{a0}nông thôn\u{a0}và hết.",
            "",
            "Hàng Bút",
            "",
            "Hàng Giấy <A4>",
            ""
        ]
    );
    // Across levels (a paragraph in a cell, one outside) it is refused, named.
    let body = format!("{}{}", p("{% if tra_tien %}"), table(&[&["{% endif %}"]]));
    let errors = baocao::form::Form::load("mau.docx", form_of(&body, &[])).unwrap_err();
    assert!(
        errors.iter().any(|e| e.to_string().contains("{% endif %}")),
        "{errors:#?}"
    );
}

/// LibreOffice may write a part with a byte-order mark: tags are found where they are.
#[test]
fn a_part_with_a_byte_order_mark() {
    let document = format!(
        "\u{FEFF}{}",
        part(
            &format!("<w:body>{}<w:sectPr/></w:body>", p("Khách hàng: {{ ten }}")),
            "document"
        )
    );
    let out = fill(form_of("", &[("word/document.xml", document)]), form_data());
    assert_eq!(layout(&out), ["Khách hàng: Nguyễn Văn An"]);
}

/// Rich values from JSON: `{{r x }}` runs with their own bold, italic, underline,
/// colour and link over the run's formatting; `{{p x }}` paragraphs with the
/// paragraph's properties. Every text escaped.
#[test]
fn rich_runs_and_paragraphs_from_json() {
    let body = format!(
        "{}<w:p><w:pPr><w:jc w:val=\"both\"/></w:pPr><w:r><w:rPr><w:sz w:val=\"26\"/></w:rPr><w:t>{{{{p ds }}}}</w:t></w:r></w:p>{}",
        p("{{r ten }}"),
        table(&[&["{{p rong }}"]])
    );
    let mut data = form_data();
    data["ten"] = serde_json::json!([
        "Ông ",
        { "text": "An <&>", "italic": true, "color": "c00000", "underline": true },
        { "text": " (trang)", "link": "https://example.org/?a=1&b=2" }
    ]);
    data["ds"] = serde_json::json!(["Một", [{ "text": "Hai", "bold": true }, " rưỡi"]]);
    data["rong"] = serde_json::json!([]);
    let out = fill(form_of(&body, &[]), data);
    assert_eq!(layout(&out), ["Ông An <&> (trang)", "Một", "Hai rưỡi", "||"]);
    let xml = xml_of(&out, "word/document.xml");
    // The first paragraph's run was bold (the form's): every run keeps it, in order.
    assert!(
        xml.contains("<w:rPr><w:b/><w:i/><w:color w:val=\"C00000\"/><w:u w:val=\"single\"/></w:rPr><w:t xml:space=\"preserve\">An &lt;&amp;&gt;</w:t>"),
        "{xml}"
    );
    assert!(xml.contains("HYPERLINK \"https://example.org/?a=1&amp;b=2\""), "{xml}");
    // Each paragraph of `ds` keeps the paragraph's alignment and the run's size.
    assert_eq!(
        xml.matches("<w:p><w:pPr><w:jc w:val=\"both\"/></w:pPr>").count(),
        2,
        "{xml}"
    );
    assert!(
        xml.contains("<w:rPr><w:b/><w:sz w:val=\"26\"/></w:rPr><w:t xml:space=\"preserve\">Hai</w:t>"),
        "{xml}"
    );

    // A colour that is not one, a link to a file: refused, naming the paragraph.
    let mut data = form_data();
    data["ten"] = serde_json::json!({ "text": "x", "link": "file:///etc/passwd" });
    data["ds"] = serde_json::json!("y");
    data["rong"] = serde_json::json!("z");
    let form = baocao::form::Form::load("mau.docx", form_of(&body, &[])).unwrap();
    let pack = baocao::template::Pack::builtin().unwrap();
    let errors = form
        .fill(
            pack.environment(),
            &minijinja::Value::from(minijinja::value::Serde(data)),
        )
        .unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.to_string().contains("đoạn 1 «{{r ten }}»") && e.message.contains("file:///etc/passwd")),
        "{errors:#?}"
    );
}

/// A red 4×2 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x04, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xf0, 0xca, 0xea, 0x34, 0x00, 0x00, 0x00, 0x10, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x38, 0xc0, 0xc0, 0x00, 0x47, 0x0c, 0xc8, 0x1c, 0x00, 0x54, 0x1a, 0x06, 0x01,
    0xa7, 0xa6, 0xe1, 0x3a, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// `{{ anh(x.duong_dan, rong_mm=40) }}`: a PNG from the form's folder, as an inline
/// picture with its relationship, media part and content type; a path out of the
/// folder or a file that is no image is an error naming the paragraph.
#[test]
fn an_image_from_data_beside_the_form() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("anh")).unwrap();
    std::fs::write(dir.path().join("anh/logo.png"), PNG).unwrap();
    std::fs::write(dir.path().join("anh/gia.png"), b"not a picture").unwrap();
    let body = format!(
        "{}{}",
        p("Logo: {{ anh(logo, rong_mm=40) }} hết"),
        p("{% for x in hai %}{{ anh(x) }}{% endfor %}")
    );
    let form_path = dir.path().join("mau.docx");
    std::fs::write(&form_path, form_of(&body, &[])).unwrap();
    let load =
        || baocao::form::Form::load(&form_path.display().to_string(), std::fs::read(&form_path).unwrap()).unwrap();
    let pack = baocao::template::Pack::builtin().unwrap();
    let mut data = form_data();
    data["logo"] = serde_json::json!("anh/logo.png");
    data["hai"] = serde_json::json!(["anh/logo.png", "./anh/logo.png"]);
    let out = load()
        .fill(
            pack.environment(),
            &minijinja::Value::from(minijinja::value::Serde(data.clone())),
        )
        .unwrap_or_else(|e| panic!("{e:#?}"));
    sound(&out).unwrap();
    if let Some(dir) = std::env::var_os("BAOCAO_TEST_OUT") {
        std::fs::write(std::path::Path::new(&dir).join("anh.docx"), &out).unwrap();
    }
    let parts = unzip(&out);
    let media: Vec<&(String, Vec<u8>, u64)> = parts.iter().filter(|(n, _, _)| n.starts_with("word/media/")).collect();
    assert_eq!(media.len(), 3);
    assert!(media.iter().all(|(_, b, _)| b == PNG));
    let xml = xml_of(&out, "word/document.xml");
    // 40 mm wide, 20 mm high (the picture's 2:1), in EMU.
    assert!(xml.contains("<wp:extent cx=\"1440000\" cy=\"720000\"/>"), "{xml}");
    assert_eq!(xml.matches("<w:drawing>").count(), 3);
    assert_eq!(layout(&out)[0], "Logo:  hết");
    let rels = xml_of(&out, "word/_rels/document.xml.rels");
    assert!(
        rels.contains("Id=\"rIdBaocaoAnh3\"") && rels.contains("Target=\"media/baocao-anh-3.png\""),
        "{rels}"
    );
    assert!(xml_of(&out, "[Content_Types].xml").contains("Extension=\"png\""));

    for (path, says) in [
        ("../mau.docx", "thư mục của mẫu"),
        ("/etc/passwd", "thư mục của mẫu"),
        ("anh/gia.png", "không phải ảnh PNG hoặc JPEG"),
        ("anh/khong-co.png", "không tìm thấy"),
    ] {
        data["logo"] = serde_json::json!(path);
        let errors = load()
            .fill(
                pack.environment(),
                &minijinja::Value::from(minijinja::value::Serde(data.clone())),
            )
            .unwrap_err();
        assert!(
            errors.iter().any(
                |e| e.to_string().contains("đoạn 1 «Logo: {{ anh(logo, rong_mm=40) }} hết»")
                    && e.message.contains(says)
            ),
            "{path}: {errors:#?}"
        );
    }
}

/// An image and rich runs in a header: the picture's relationship goes in the
/// header's own relationships (made, since the header had none), not the body's.
#[test]
fn an_image_and_rich_runs_in_the_header() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("logo.png"), PNG).unwrap();
    let header = part(
        "<w:p><w:r><w:t xml:space=\"preserve\">{{ anh(\"logo.png\", rong_mm=10) }} CÔNG TY </w:t></w:r><w:r><w:t>{{r ten_dep }}</w:t></w:r></w:p>",
        "hdr",
    );
    let footer = part(&p("{{ anh(\"logo.png\", cao_mm=4) }}"), "ftr");
    let form_path = dir.path().join("mau.docx");
    std::fs::write(
        &form_path,
        form_of(
            &p("{{ anh(\"logo.png\") }}"),
            &[("word/header1.xml", header), ("word/footer1.xml", footer)],
        ),
    )
    .unwrap();
    let form = baocao::form::Form::load(&form_path.display().to_string(), std::fs::read(&form_path).unwrap())
        .unwrap_or_else(|e| panic!("{e:#?}"));
    let pack = baocao::template::Pack::builtin().unwrap();
    let mut data = form_data();
    data["ten_dep"] = serde_json::json!([{ "text": "Ba Thành", "bold": true }]);
    let out = form
        .fill(
            pack.environment(),
            &minijinja::Value::from(minijinja::value::Serde(data)),
        )
        .unwrap_or_else(|e| panic!("{e:#?}"));
    sound(&out).unwrap();
    if let Some(dir) = std::env::var_os("BAOCAO_TEST_OUT") {
        std::fs::write(std::path::Path::new(&dir).join("anh-dau-trang.docx"), &out).unwrap();
    }
    let header = xml_of(&out, "word/header1.xml");
    assert!(header.contains("r:embed=\"rIdBaocaoAnh2\""), "{header}");
    assert!(
        header.contains("<w:b/></w:rPr><w:t xml:space=\"preserve\">Ba Thành</w:t>"),
        "{header}"
    );
    let header_rels = xml_of(&out, "word/_rels/header1.xml.rels");
    assert!(
        header_rels.contains("Id=\"rIdBaocaoAnh2\"") && header_rels.contains("Target=\"media/baocao-anh-2.png\""),
        "{header_rels}"
    );
    assert!(xml_of(&out, "word/_rels/footer1.xml.rels").contains("Id=\"rIdBaocaoAnh3\""));
    let body_rels = xml_of(&out, "word/_rels/document.xml.rels");
    assert!(
        body_rels.contains("Id=\"rIdBaocaoAnh1\"") && !body_rels.contains("rIdBaocaoAnh2"),
        "{body_rels}"
    );
    let media: Vec<_> = unzip(&out)
        .into_iter()
        .filter(|(n, _, _)| n.starts_with("word/media/"))
        .collect();
    assert_eq!(media.len(), 3);
}
