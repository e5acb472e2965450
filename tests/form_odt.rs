//! .odt forms: a form designed in LibreOffice Writer (tags split over spans by a
//! formatting change, a bookmark, a doubled space; curly quotes; a row loop with a
//! merged cell; a paragraph condition; tags in the header and footer of styles.xml),
//! filled with data; every part without tags is kept byte for byte.

use std::io::{Read, Write};

mod common;

const NS: &str = concat!(
    "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" ",
    "xmlns:style=\"urn:oasis:names:tc:opendocument:xmlns:style:1.0\" ",
    "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" ",
    "xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" ",
    "xmlns:fo=\"urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0\" ",
    "xmlns:meta=\"urn:oasis:names:tc:opendocument:xmlns:meta:1.0\" ",
    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" ",
    "office:version=\"1.3\""
);

fn row(cells: &[&str]) -> String {
    let cells: String = cells
        .iter()
        .map(|c| format!("<table:table-cell office:value-type=\"string\"><text:p>{c}</text:p></table:table-cell>"))
        .collect();
    format!("<table:table-row>{cells}</table:table-row>")
}

/// A form as LibreOffice saves one after some editing.
fn form(header: &str) -> Vec<u8> {
    let content = format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content {ns}>",
            "<office:automatic-styles>",
            "<style:style style:name=\"T1\" style:family=\"text\"><style:text-properties fo:font-weight=\"bold\"/></style:style>",
            "<style:style style:name=\"T2\" style:family=\"text\"><style:text-properties fo:font-style=\"italic\"/></style:style>",
            "</office:automatic-styles>",
            "<office:body><office:text>",
            "<text:p>BÁO CÁO XÃ <text:span text:style-name=\"T1\">{{{{ tt.ten_</text:span><text:bookmark text:name=\"_x\"/><text:span text:style-name=\"T2\">xa</text:span> | upper }}}}</text:p>",
            "<text:p>Năm báo cáo: {{{{ <text:s/>tt.nam }}}}, số đợt: {{{{ tt.so_dot | so }}}}</text:p>",
            "<text:p>Ghi chú: {{{{ “ghi ” ~ tt.ghi_chu }}}}</text:p>",
            "<text:p>{{%p if tt.co_bang %}}</text:p>",
            "<table:table table:name=\"Bảng1\"><table:table-column table:number-columns-repeated=\"3\"/>",
            "{r1}{r2}{r3}",
            "</table:table>",
            "<text:p>{{%p endif %}}</text:p>",
            "<text:p>{{%p if tt.bo_qua %}}</text:p><text:p>Không hiện</text:p><text:p>{{%p endif %}}</text:p>",
            "<text:p>Tổng: {{{{ duong | map(attribute=\"dai\") | sum | so }}}} m</text:p>",
            "</office:text></office:body></office:document-content>"
        ),
        ns = NS,
        r1 = row(&["{%tr for d in duong %}", "", ""]),
        r2 = row(&["{% vm %}Đường", "{{ d.ten }}", "{{ d.dai | so }}"]),
        r3 = row(&["{%tr endfor %}", "", ""]),
    );
    let styles = format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-styles {ns}>",
            "<office:styles><style:style style:name=\"Standard\" style:family=\"paragraph\"/></office:styles>",
            "<office:automatic-styles><style:page-layout style:name=\"pm1\"/></office:automatic-styles>",
            "<office:master-styles><style:master-page style:name=\"Standard\" style:page-layout-name=\"pm1\">",
            "<style:header><text:p>{header}</text:p></style:header>",
            "<style:footer><text:p>Trang <text:page-number text:select-page=\"current\">1</text:page-number> · {{{{ tt.ten_xa }}}}</text:p></style:footer>",
            "</style:master-page></office:master-styles></office:document-styles>"
        ),
        ns = NS,
        header = header,
    );
    package(content, styles)
}

/// An .odt package around a content.xml and a styles.xml, as LibreOffice lays one out.
fn package(content: String, styles: String) -> Vec<u8> {
    let meta = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-meta {NS}><office:meta><meta:generator>LibreOffice/7.6</meta:generator><dc:title>Mẫu báo cáo</dc:title></office:meta></office:document-meta>"
    );
    let manifest = concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.3\">",
        "<manifest:file-entry manifest:full-path=\"/\" manifest:version=\"1.3\" manifest:media-type=\"application/vnd.oasis.opendocument.text\"/>",
        "<manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>",
        "<manifest:file-entry manifest:full-path=\"styles.xml\" manifest:media-type=\"text/xml\"/>",
        "<manifest:file-entry manifest:full-path=\"meta.xml\" manifest:media-type=\"text/xml\"/>",
        "</manifest:manifest>"
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.text").unwrap();
    for (name, data) in [
        ("content.xml", content),
        ("styles.xml", styles),
        ("meta.xml", meta),
        ("META-INF/manifest.xml", manifest.to_string()),
    ] {
        zip.start_file(name, deflated).unwrap();
        zip.write_all(data.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn parts(odt: &[u8]) -> Vec<(String, Vec<u8>, u64)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(odt)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().to_string(), data, f.compressed_size())
        })
        .collect()
}

fn get(parts: &[(String, Vec<u8>, u64)], name: &str) -> String {
    String::from_utf8(parts.iter().find(|(n, _, _)| n == name).unwrap().1.clone()).unwrap()
}

/// The text of each paragraph (`text:p`, `text:h`), with line breaks and `text:s`.
fn paragraphs(xml: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    fn text(node: roxmltree::Node, out: &mut String) {
        for child in node.children() {
            if child.is_text() {
                out.push_str(child.text().unwrap_or(""));
            } else {
                match child.tag_name().name() {
                    "line-break" => out.push('\n'),
                    "s" => out.push(' '),
                    "tab" => out.push('\t'),
                    "p" | "h" => {}
                    _ => text(child, out),
                }
            }
        }
    }
    doc.descendants()
        .filter(|n| matches!(n.tag_name().name(), "p" | "h"))
        .map(|p| {
            let mut s = String::new();
            text(p, &mut s);
            s
        })
        .collect()
}

fn context() -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(serde_json::json!({
        "tt": { "ten_xa": "Ba Thành", "nam": 2024, "so_dot": 1250, "ghi_chu": "dòng một\ndòng <hai> &  ba", "co_bang": true, "bo_qua": false },
        "duong": [ { "ten": "Tuyến 1", "dai": 1200.5 }, { "ten": "Tuyến 2", "dai": 964.5 } ]
    })))
}

/// With BAOCAO_TEST_OUT set, the filled form is also written there, for the ODF
/// validator (`validate.sh --strict`).
fn keep_for_validation(name: &str, bytes: &[u8]) {
    if let Some(dir) = std::env::var_os("BAOCAO_TEST_OUT") {
        std::fs::write(std::path::Path::new(&dir).join(name), bytes).unwrap();
    }
}

#[test]
fn an_odt_form_is_filled_and_keeps_everything_else() {
    let pack = baocao::template::Pack::builtin().unwrap();
    let original = form("UBND XÃ {{ tt.ten_xa | upper }}");
    let form = baocao::form::Form::load("mau.odt", original.clone()).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(form.format(), baocao::write::OutputFormat::Odt);
    let filled = form
        .fill(pack.environment(), &context())
        .unwrap_or_else(|e| panic!("{e:?}"));
    keep_for_validation("mau-da-dien.odt", &filled);
    let out = parts(&filled);

    let content = get(&out, "content.xml");
    let body = paragraphs(&content);
    assert_eq!(
        body,
        [
            "BÁO CÁO XÃ BA THÀNH",
            "Năm báo cáo: 2024, số đợt: 1.250",
            "Ghi chú: ghi dòng một\ndòng <hai> &  ba",
            "Đường",
            "Tuyến 1",
            "1.200,5",
            "Tuyến 2",
            "964,5",
            "Tổng: 2.165 m"
        ]
    );
    // The value takes the formatting of the span where the tag began; the bookmark
    // stays.
    assert!(
        content.contains("<text:span text:style-name=\"T1\">BA THÀNH</text:span><text:bookmark text:name=\"_x\"/>"),
        "{content}"
    );
    // The row loop repeats the row; the merged cell spans the loop's rows, the
    // others are covered, as ODF wants.
    let doc = roxmltree::Document::parse(&content).unwrap();
    let rows: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "table-row")
        .collect();
    assert_eq!(rows.len(), 2);
    const TABLE: &str = "urn:oasis:names:tc:opendocument:xmlns:table:1.0";
    let first = rows[0].children().find(|c| c.is_element()).unwrap();
    assert_eq!(first.attribute((TABLE, "number-rows-spanned")), Some("2"));
    let second = rows[1].children().find(|c| c.is_element()).unwrap();
    assert_eq!(second.tag_name().name(), "covered-table-cell");

    let styles = get(&out, "styles.xml");
    assert_eq!(paragraphs(&styles), ["UBND XÃ BA THÀNH", "Trang 1 · Ba Thành"]);

    // Parts without tags are the form's own bytes, compressed bytes included; the
    // mimetype stays first and stored.
    let before = parts(&original);
    for name in ["mimetype", "meta.xml", "META-INF/manifest.xml"] {
        let a = before.iter().find(|(n, _, _)| n == name).unwrap();
        let b = out.iter().find(|(n, _, _)| n == name).unwrap();
        assert_eq!((&a.1, a.2), (&b.1, b.2), "{name} changed");
    }
    assert_eq!(out[0].0, "mimetype");
    // Same data, same bytes.
    assert_eq!(filled, form.fill(pack.environment(), &context()).unwrap());
}

#[test]
fn errors_in_an_odt_form_point_into_it() {
    let errors = baocao::form::Form::load("mau.odt", form("UBND XÃ {{ tt.ten_xa | }}")).unwrap_err();
    let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(
        shown[0].starts_with("mau.odt › đầu trang › đoạn 1 «UBND XÃ {{ tt.ten_xa | }}»")
            && shown[0].contains("cú pháp"),
        "{shown:?}"
    );
    let pack = baocao::template::Pack::builtin().unwrap();
    let form = baocao::form::Form::load("mau.odt", form("{{ tt.huyen }}")).unwrap();
    let mut ctx: serde_json::Value = serde_json::to_value(context()).unwrap();
    ctx["tt"].as_object_mut().unwrap().remove("ten_xa");
    let errors = form
        .fill(
            pack.environment(),
            &minijinja::Value::from(minijinja::value::Serde(&ctx)),
        )
        .unwrap_err();
    let shown: Vec<String> = errors.iter().map(|e| e.place.to_string()).collect();
    // Each where it is: the header, the body, the footer (paragraphs counted in each).
    assert_eq!(
        shown,
        [
            "thân văn bản › đoạn 1 «BÁO CÁO XÃ {{ tt.ten_xa | upper }}»",
            "đầu trang › đoạn 1 «{{ tt.huyen }}»",
            "chân trang › đoạn 1 «Trang 1 · {{ tt.ten_xa }}»"
        ]
    );
    let errors = form.fill(pack.environment(), &context()).unwrap_err();
    let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(shown[0].contains("đầu trang › đoạn 1 «{{ tt.huyen }}»"), "{shown:?}");
}

/// The command line: `-t mau.odt` writes .odt by default; .docx from an .odt form is
/// refused, with a message that says why.
#[test]
fn render_with_an_odt_form_writes_odt_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mau.odt"), form("{{ van_ban.co_quan_ban_hanh }}")).unwrap();
    let data = serde_json::json!({
        "tt": { "ten_xa": "Ba Nam", "nam": 2025, "so_bao_cao": "", "ngay_bao_cao": "", "chu_tich": "Lê Văn A", "huyen": "Ba Tơ",
                "so_dot": 3, "ghi_chu": "", "co_bang": false, "bo_qua": false },
        "duong": [ { "ten": "Tuyến 1", "dai": 120.25 } ]
    });
    std::fs::write(dir.path().join("du-lieu.json"), data.to_string()).unwrap();
    let run_cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_baocao"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    // The data is the whole context: the header's `van_ban` comes from a flag, the
    // name from the data file.
    let out = run_cli(&[
        "render",
        "du-lieu.json",
        "-t",
        "mau.odt",
        "--co-quan",
        "ỦY BAN NHÂN DÂN XÃ BA NAM",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written = dir.path().join("du-lieu.odt");
    assert_eq!(
        paragraphs(&get(&parts(&std::fs::read(&written).unwrap()), "styles.xml"))[0],
        "ỦY BAN NHÂN DÂN XÃ BA NAM"
    );
    let body = paragraphs(&get(&parts(&std::fs::read(&written).unwrap()), "content.xml"));
    assert_eq!(body[0], "BÁO CÁO XÃ BA NAM");
    assert_eq!(body.last().unwrap(), "Tổng: 120,25 m");
    // The table was inside a paragraph condition that is false.
    assert!(!body.iter().any(|p| p == "Tuyến 1"), "{body:?}");
    assert!(!dir.path().join("du-lieu.docx").exists());

    let out = run_cli(&[
        "render",
        "du-lieu.json",
        "-t",
        "mau.odt",
        "-o",
        "ra.docx",
        "--co-quan",
        "UBND",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("mẫu .odt chỉ ghi được .odt"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.path().join("ra.docx").exists());

    // A form that is not there is named as a form, not as a pack folder.
    let out = run_cli(&["render", "du-lieu.json", "-t", "khong-co.odt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("khong-co.odt: không đọc được mẫu biểu"));
}

/// A pack whose body is an .odt form (`noi_dung = "mau.odt"`) renders a workbook
/// into the form; `check` on that pack lists every problem of a broken form.
#[test]
fn a_pack_whose_body_is_an_odt_form() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("goi");
    std::fs::create_dir(&pack).unwrap();
    let builtin = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/bao-cao-ntm/manifest.toml"),
    )
    .unwrap();
    std::fs::write(
        pack.join("manifest.toml"),
        builtin.replace("noi_dung = \"noi-dung.md\"", "noi_dung = \"mau.odt\""),
    )
    .unwrap();
    std::fs::write(pack.join("mau.odt"), form("{{ van_ban.co_quan_ban_hanh }}")).unwrap();
    let workbook = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/Ba Thành.xlsx");
    let run_cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_baocao"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    // The sample workbook has no so_dot, ghi_chu, co_bang or bo_qua, and its roads no
    // "dai": check names each where the form uses it (paragraphs are counted
    // outside tables, cells by table, row and cell).
    let out = run_cli(&["check", workbook.to_str().unwrap(), "-t", "goi", "-f", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let places: Vec<&str> = json[0]["loi"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["place"].as_str().unwrap())
        .collect();
    assert_eq!(
        places,
        [
            "thân văn bản › đoạn 2 «Năm báo cáo: {{ tt.nam }}, số đợt: {{ tt.so_dot | so }}»",
            "thân văn bản › đoạn 3 «Ghi chú: {{ “ghi ” ~ tt.ghi_chu }}»",
            "thân văn bản › đoạn 4 «{%p if tt.co_bang %}»",
            "thân văn bản › đoạn 6 «{%p if tt.bo_qua %}»",
            "thân văn bản › đoạn 9 «Tổng: {{ duong | map(attribute=\"dai\") | sum | so }} m»",
        ]
    );
    // render says the same and writes nothing.
    let out = run_cli(&["render", workbook.to_str().unwrap(), "-t", "goi", "-o", "ra.odt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("«{%p if tt.bo_qua %}»"));
    assert!(!dir.path().join("ra.odt").exists());
}

/// A spreadsheet or a damaged file given as an .odt form is refused with a message
/// that says what it is, never a panic or an empty report.
#[test]
fn what_is_not_an_odt_text_is_refused() {
    let with = |mimetype: &str, content: Option<&str>| {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("mimetype", options).unwrap();
        zip.write_all(mimetype.as_bytes()).unwrap();
        if let Some(content) = content {
            zip.start_file("content.xml", options).unwrap();
            zip.write_all(content.as_bytes()).unwrap();
        }
        zip.finish().unwrap().into_inner()
    };
    let message = |bytes: Vec<u8>| {
        baocao::form::Form::load("mau.odt", bytes)
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let sheet = message(with("application/vnd.oasis.opendocument.spreadsheet", Some("<x/>")));
    assert!(
        sheet.contains("mẫu .odt bị hỏng hoặc không phải văn bản OpenDocument") && sheet.contains("spreadsheet"),
        "{sheet}"
    );
    let empty = message(with("application/vnd.oasis.opendocument.text", None));
    assert!(empty.contains("không có content.xml"), "{empty}");
    let broken = message(with(
        "application/vnd.oasis.opendocument.text",
        Some(&format!(
            "<office:document-content {NS}><office:body><office:text><text:p>{{{{ x }}}}</text:span></office:text>"
        )),
    ));
    assert!(
        broken.contains("mau.odt › content.xml") && broken.contains("XML không hợp lệ"),
        "{broken}"
    );
    let junk = message(b"PK\x03\x04 not a zip".to_vec());
    assert!(junk.contains("mẫu .odt bị hỏng"), "{junk}");
}

/// A `{%p` tag alone in a list item stands for the item: a loop over list items
/// leaves no empty bullet, and the list keeps its style.
#[test]
fn a_loop_over_list_items_leaves_no_empty_item() {
    let item = |t: &str| format!("<text:list-item><text:p>{t}</text:p></text:list-item>");
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content {NS}><office:body><office:text><text:list text:style-name=\"L1\">{}{}{}</text:list><text:p>Hết</text:p></office:text></office:body></office:document-content>",
        item("{%p for d in duong %}"),
        item("{{ d.ten }}"),
        item("{%p endfor %}"),
    );
    let styles = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-styles {NS}><office:styles><text:list-style style:name=\"L1\"><text:list-level-style-number text:level=\"1\" style:num-format=\"1\" style:num-suffix=\".\"/></text:list-style></office:styles></office:document-styles>"
    );
    let pack = baocao::template::Pack::builtin().unwrap();
    let form = baocao::form::Form::load("mau.odt", package(content, styles)).unwrap_or_else(|e| panic!("{e:?}"));
    let filled = form
        .fill(pack.environment(), &context())
        .unwrap_or_else(|e| panic!("{e:?}"));
    keep_for_validation("danh-sach.odt", &filled);
    let content = get(&parts(&filled), "content.xml");
    let doc = roxmltree::Document::parse(&content).unwrap();
    let items: Vec<String> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "list-item")
        .map(|i| {
            i.descendants()
                .filter(|n| n.is_text())
                .map(|t| t.text().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(items, ["Tuyến 1", "Tuyến 2"]);
    assert_eq!(paragraphs(&content), ["Tuyến 1", "Tuyến 2", "Hết"]);
}

/// An .odt form also gives a PDF, through LibreOffice from the filled .odt.
#[test]
fn an_odt_form_gives_a_pdf() {
    let Some(soffice) = common::soffice() else { return };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mau.odt"), form("{{ van_ban.co_quan_ban_hanh }}")).unwrap();
    let data = serde_json::json!({
        "tt": { "ten_xa": "Ba Nam", "nam": 2025, "so_bao_cao": "", "ngay_bao_cao": "", "chu_tich": "Lê Văn A", "huyen": "Ba Tơ",
                "so_dot": 3, "ghi_chu": "", "co_bang": true, "bo_qua": false },
        "duong": [ { "ten": "Tuyến 1", "dai": 120.25 } ]
    });
    std::fs::write(dir.path().join("du-lieu.json"), data.to_string()).unwrap();
    let out = common::baocao(
        &[
            "render",
            "du-lieu.json",
            "-t",
            "mau.odt",
            "-f",
            "pdf",
            "--soffice",
            soffice.to_str().unwrap(),
            "--co-quan",
            "ỦY BAN NHÂN DÂN XÃ BA NAM",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pdf = dir.path().join("du-lieu.pdf");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in ["BÁO CÁO XÃ BA NAM", "Tuyến 1", "120,25", "ỦY BAN NHÂN DÂN"] {
        assert!(words.contains(expected), "PDF text lacks {expected:?}: {words}");
    }
}

/// An .odt form is read whole like a .docx one: a damaged part without tags
/// (meta.xml), a manifest entry for a file the package lacks, and corrupt compressed
/// data are each refused, naming the part.
#[test]
fn a_damaged_odt_form_is_refused_naming_the_part() {
    let rebuild = |change: &dyn Fn(&str, Vec<u8>) -> Vec<u8>| {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, data, _) in parts(&form("{{ tt.huyen }}")) {
            let method = if name == "mimetype" {
                zip::CompressionMethod::Stored
            } else {
                zip::CompressionMethod::Deflated
            };
            let options = zip::write::SimpleFileOptions::default().compression_method(method);
            zip.start_file(name.as_str(), options).unwrap();
            zip.write_all(&change(&name, data)).unwrap();
        }
        zip.finish().unwrap().into_inner()
    };
    let errors = |bytes: Vec<u8>| {
        baocao::form::Form::load("mau.odt", bytes)
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    };
    let cut = errors(rebuild(&|name, data| {
        if name == "meta.xml" {
            data[..data.len() - 30].to_vec()
        } else {
            data
        }
    }));
    assert!(
        cut.iter()
            .any(|e| e.starts_with("mau.odt › meta.xml") && e.contains("byte")),
        "{cut:#?}"
    );
    let listed = errors(rebuild(&|name, data| {
        if name == "META-INF/manifest.xml" {
            String::from_utf8(data)
                .unwrap()
                .replace("</manifest:manifest>", "<manifest:file-entry manifest:full-path=\"Pictures/anh.png\" manifest:media-type=\"image/png\"/></manifest:manifest>")
                .into_bytes()
        } else {
            data
        }
    }));
    assert!(
        listed
            .iter()
            .any(|e| e.starts_with("mau.odt › META-INF/manifest.xml") && e.contains("Pictures/anh.png")),
        "{listed:#?}"
    );
    let mut bytes = form("{{ tt.huyen }}");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let i = zip.index_for_name("styles.xml").unwrap();
    let entry = zip.by_index_raw(i).unwrap();
    let at = entry.data_start().unwrap() as usize + entry.compressed_size() as usize / 2;
    drop(entry);
    bytes[at] ^= 0x5A;
    let corrupt = errors(bytes);
    assert!(
        corrupt
            .iter()
            .any(|e| e.starts_with("mau.odt › styles.xml") && e.contains("nén")),
        "{corrupt:#?}"
    );
}

/// A red 4×2 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x04, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xf0, 0xca, 0xea, 0x34, 0x00, 0x00, 0x00, 0x10, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x38, 0xc0, 0xc0, 0x00, 0x47, 0x0c, 0xc8, 0x1c, 0x00, 0x54, 0x1a, 0x06, 0x01,
    0xa7, 0xa6, 0xe1, 0x3a, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// `{{r x }}`, `{{p x }}` and `anh(…)` in an .odt form: spans with automatic styles
/// the report defines, a `text:a` link, paragraphs that copy the form paragraph,
/// and a picture in Pictures/ listed in the manifest — in the body and the header.
#[test]
fn rich_values_and_images_in_an_odt_form() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("logo.png"), PNG).unwrap();
    let content = format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content {ns}>",
            "<office:automatic-styles><style:style style:name=\"P1\" style:family=\"paragraph\"><style:paragraph-properties fo:text-align=\"justify\"/></style:style>",
            "<style:style style:name=\"T1\" style:family=\"text\"><style:text-properties fo:font-size=\"14pt\"/></style:style></office:automatic-styles>",
            "<office:body><office:text>",
            "<text:p>Kính gửi: <text:span text:style-name=\"T1\">{{{{r nguoi }}}}</text:span> (hết)</text:p>",
            "<text:p text:style-name=\"P1\"><text:span text:style-name=\"T1\">{{{{p doan }}}}</text:span></text:p>",
            "<text:p>Logo: {{{{ anh(\"logo.png\", rong_mm=40) }}}}</text:p>",
            "</office:text></office:body></office:document-content>"
        ),
        ns = NS
    );
    let styles = format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-styles {ns}>",
            "<office:styles><style:style style:name=\"Standard\" style:family=\"paragraph\"/></office:styles>",
            "<office:automatic-styles><style:page-layout style:name=\"pm1\"/></office:automatic-styles>",
            "<office:master-styles><style:master-page style:name=\"Standard\" style:page-layout-name=\"pm1\">",
            "<style:header><text:p>{{{{ anh(\"logo.png\", cao_mm=5) }}}} {{{{r nguoi }}}}</text:p></style:header>",
            "</style:master-page></office:master-styles></office:document-styles>"
        ),
        ns = NS
    );
    let path = dir.path().join("mau.odt");
    std::fs::write(&path, package(content, styles)).unwrap();
    let form = baocao::form::Form::load(&path.display().to_string(), std::fs::read(&path).unwrap())
        .unwrap_or_else(|e| panic!("{e:#?}"));
    let pack = baocao::template::Pack::builtin().unwrap();
    let data = serde_json::json!({
        "nguoi": ["Ông ", { "text": "Nguyễn <Văn> A", "bold": true, "color": "c00000" }, { "text": "trang", "link": "https://example.org/?a=1&b=2", "underline": true }],
        "doan": ["Đoạn một", [{ "text": "Đoạn ", "italic": true }, "hai"]]
    });
    let filled = form
        .fill(
            pack.environment(),
            &minijinja::Value::from(minijinja::value::Serde(data)),
        )
        .unwrap_or_else(|e| panic!("{e:#?}"));
    keep_for_validation("mau-giau.odt", &filled);
    let out = parts(&filled);
    let content = get(&out, "content.xml");
    assert_eq!(
        paragraphs(&content),
        [
            "Kính gửi: Ông Nguyễn <Văn> Atrang (hết)",
            "Đoạn một",
            "Đoạn hai",
            "Logo: "
        ]
    );
    let doc = roxmltree::Document::parse(&content).unwrap();
    let style_of = |text: &str| {
        doc.descendants()
            .find(|n| n.tag_name().name() == "span" && n.text() == Some(text))
            .and_then(|n| n.attribute(("urn:oasis:names:tc:opendocument:xmlns:text:1.0", "style-name")))
            .unwrap_or_else(|| panic!("no span «{text}»: {content}"))
            .to_string()
    };
    // Each style a run uses is defined among the part's automatic styles, once.
    let defined = |name: &str| {
        doc.descendants()
            .filter(|n| {
                n.tag_name().name() == "style"
                    && n.attribute(("urn:oasis:names:tc:opendocument:xmlns:style:1.0", "name")) == Some(name)
            })
            .map(|n| {
                n.descendants()
                    .find(|c| c.tag_name().name() == "text-properties")
                    .map(|c| {
                        c.attributes()
                            .map(|a| format!("{}={}", a.name(), a.value()))
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
    };
    let bold_red = defined(&style_of("Nguyễn <Văn> A"));
    assert_eq!(bold_red.len(), 1, "{content}");
    assert!(
        bold_red[0].contains(&"font-weight=bold".to_string()) && bold_red[0].contains(&"color=#C00000".to_string())
    );
    let italic = defined(&style_of("Đoạn "));
    assert!(italic[0].contains(&"font-style=italic".to_string()), "{italic:?}");
    // The runs sit inside the form's span (its 14 pt stays under theirs); the link is
    // a text:a; the paragraphs copy the form paragraph's style.
    assert!(
        content.contains("<text:span text:style-name=\"T1\">Ông <text:span"),
        "{content}"
    );
    let link = doc.descendants().find(|n| n.tag_name().name() == "a").unwrap();
    assert_eq!(
        link.attribute(("http://www.w3.org/1999/xlink", "href")),
        Some("https://example.org/?a=1&b=2")
    );
    let styled: Vec<_> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "p")
        .filter(|n| n.attribute(("urn:oasis:names:tc:opendocument:xmlns:text:1.0", "style-name")) == Some("P1"))
        .collect();
    assert_eq!(styled.len(), 2);
    // The picture: a frame 40 mm wide (20 mm high, the picture's 2:1), its file in
    // Pictures/ and in the manifest; the header's too.
    let frame = doc.descendants().find(|n| n.tag_name().name() == "frame").unwrap();
    assert_eq!(
        frame.attribute(("urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0", "width")),
        Some("40.000mm")
    );
    assert_eq!(
        frame.attribute(("urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0", "height")),
        Some("20.000mm")
    );
    let styles = get(&out, "styles.xml");
    assert!(
        styles.contains("xlink:href=\"Pictures/baocao-anh-2.png\"") && styles.contains("svg:height=\"5.000mm\""),
        "{styles}"
    );
    assert!(styles.contains("style:name=\"BaocaoChu-B-C00000\""), "{styles}");
    let manifest = get(&out, "META-INF/manifest.xml");
    for n in [1, 2] {
        assert!(out
            .iter()
            .any(|(name, data, _)| *name == format!("Pictures/baocao-anh-{n}.png") && data == PNG));
        assert!(
            manifest.contains(&format!(
                "manifest:full-path=\"Pictures/baocao-anh-{n}.png\" manifest:media-type=\"image/png\""
            )),
            "{manifest}"
        );
    }
}

/// A sub-document cannot go into an .odt form yet: said plainly, naming the tag.
#[test]
fn a_sub_document_in_an_odt_form_is_refused() {
    let pack = baocao::template::Pack::builtin().unwrap();
    let form = baocao::form::Form::load("mau.odt", form("{{p chen(\"phu-luc.docx\") }}")).unwrap();
    let errors: Vec<String> = form
        .fill(pack.environment(), &context())
        .unwrap_err()
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("đầu trang") && e.contains("«chen»") && e.contains("chưa dùng được trong mẫu .odt")),
        "{errors:#?}"
    );
}
