//! Word forms: a .docx made as Word makes them (tags split over runs by spell-check
//! marks, bookmarks and rsid changes; curly quotes; tags in the header and in a
//! footnote; a table-row loop), filled with data; everything without tags is kept.

use std::io::{Read, Write};

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

fn part(body: &str, root: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<w:{root} xmlns:w=\"{W}\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">{body}</w:{root}>")
}

fn run(text: &str) -> String {
    format!("<w:r w:rsidR=\"00C41F2A\"><w:t xml:space=\"preserve\">{text}</w:t></w:r>")
}

/// A form as Word saves it after some editing: tags cut into several runs.
fn form() -> Vec<u8> {
    let document = part(
        &format!(
            concat!(
                "<w:body>",
                "<w:p><w:pPr><w:jc w:val=\"center\"/></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t>BÁO CÁO XÃ {{{{ tt.ten_</w:t></w:r>",
                "<w:proofErr w:type=\"spellStart\"/><w:r><w:rPr><w:b/><w:i/></w:rPr><w:t>xa</w:t></w:r><w:proofErr w:type=\"spellEnd\"/>",
                "<w:bookmarkStart w:id=\"0\" w:name=\"_GoBack\"/><w:r><w:t xml:space=\"preserve\"> | upper }}}}</w:t></w:r><w:bookmarkEnd w:id=\"0\"/></w:p>",
                "<w:p>{}{}{}</w:p>",
                "<w:p>{}<w:r><w:footnoteReference w:id=\"1\"/></w:r></w:p>",
                "<w:tbl><w:tblPr><w:tblW w:w=\"0\" w:type=\"auto\"/></w:tblPr><w:tblGrid><w:gridCol w:w=\"4000\"/><w:gridCol w:w=\"4000\"/></w:tblGrid>",
                "<w:tr><w:tc><w:p>{}</w:p></w:tc><w:tc><w:p/></w:tc></w:tr>",
                "<w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:p>{}</w:p></w:tc><w:tc><w:p><w:pPr><w:jc w:val=\"right\"/></w:pPr>{}</w:p></w:tc></w:tr>",
                "<w:tr><w:tc><w:p>{}</w:p></w:tc><w:tc><w:p/></w:tc></w:tr>",
                "</w:tbl>",
                "<w:p>{}</w:p>",
                "<w:sectPr><w:headerReference w:type=\"default\" r:id=\"rIdH\"/><w:pgSz w:w=\"11906\" w:h=\"16838\"/></w:sectPr>",
                "</w:body>"
            ),
            run("Năm báo cáo: {{ tt.n"),
            run("am }}, số đợt: {{ tt.so_dot | so"),
            run(" }}"),
            run("Ghi chú: {{ “ghi ” ~ tt.ghi_chu }}"),
            run("{%tr for d in duong %}"),
            run("{{ d.ten }}"),
            run("{{ d.dai | so }}"),
            run("{%tr endfor %}"),
            run("Tổng: {{ duong | map(attribute=\"dai\") | sum | so }} m"),
        ),
        "document",
    );
    package(document, "UBND XÃ {{ tt.ten_xa | upper }}")
}

/// A .docx package around a body and a header text, with a footnote, as Word writes one.
fn package(document: String, header_text: &str) -> Vec<u8> {
    let header = part(&format!("<w:p>{}</w:p>", run(header_text)), "hdr");
    let footnotes = part(
        &format!(
            "<w:footnote w:id=\"1\"><w:p>{}</w:p></w:footnote>",
            run("Số liệu của {{ tt.ten_xa }}.")
        ),
        "footnotes",
    );
    let styles = part(
        "<w:style w:type=\"paragraph\" w:styleId=\"Normal\" w:default=\"1\"><w:name w:val=\"Normal\"/></w:style>",
        "styles",
    );
    let content_types = concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">",
        "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>",
        "<Default Extension=\"xml\" ContentType=\"application/xml\"/>",
        "<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>",
        "<Override PartName=\"/word/header1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml\"/>",
        "<Override PartName=\"/word/footnotes.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml\"/>",
        "<Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>",
        "</Types>"
    );
    let rels = concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
        "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>",
        "</Relationships>"
    );
    let doc_rels = concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
        "<Relationship Id=\"rIdH\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/header\" Target=\"header1.xml\"/>",
        "<Relationship Id=\"rIdF\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes\" Target=\"footnotes.xml\"/>",
        "<Relationship Id=\"rIdS\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>",
        "</Relationships>"
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in [
        ("[Content_Types].xml", content_types.to_string()),
        ("_rels/.rels", rels.to_string()),
        ("word/_rels/document.xml.rels", doc_rels.to_string()),
        ("word/document.xml", document),
        ("word/header1.xml", header),
        ("word/footnotes.xml", footnotes),
        ("word/styles.xml", styles),
    ] {
        zip.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(data.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn parts(docx: &[u8]) -> Vec<(String, Vec<u8>, u64)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().to_string(), data, f.compressed_size())
        })
        .collect()
}

/// The text of each paragraph of a part.
fn paragraphs(xml: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(xml).unwrap();
    let doc = roxmltree::Document::parse(text).unwrap();
    doc.descendants()
        .filter(|n| n.tag_name().name() == "p")
        .map(|p| {
            p.descendants()
                .filter(|n| n.tag_name().name() == "t" || n.tag_name().name() == "br")
                .map(|n| {
                    if n.tag_name().name() == "br" {
                        "\n".to_string()
                    } else {
                        n.text().unwrap_or("").to_string()
                    }
                })
                .collect::<String>()
        })
        .collect()
}

fn context() -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(serde_json::json!({
        "tt": { "ten_xa": "Ba Thành", "nam": 2024, "so_dot": 1250, "ghi_chu": "dòng một\ndòng <hai> & ba" },
        "duong": [ { "ten": "Tuyến 1", "dai": 1200.5 }, { "ten": "Tuyến 2", "dai": 964.5 } ]
    })))
}

#[test]
fn a_word_form_is_filled_and_keeps_everything_else() {
    let pack = baocao::template::Pack::builtin().unwrap();
    let original = form();
    let form = baocao::form::Form::load("mau.docx", original.clone()).unwrap_or_else(|e| panic!("{e:?}"));
    let filled = form
        .fill(pack.environment(), &context())
        .unwrap_or_else(|e| panic!("{e:?}"));
    keep_for_validation("mau-da-dien.docx", &filled);
    let out = parts(&filled);
    let get = |name: &str| &out.iter().find(|(n, _, _)| n == name).unwrap().1;

    let body = paragraphs(get("word/document.xml"));
    assert_eq!(body[0], "BÁO CÁO XÃ BA THÀNH");
    assert_eq!(body[1], "Năm báo cáo: 2024, số đợt: 1.250");
    assert_eq!(body[2], "Ghi chú: ghi dòng một\ndòng <hai> & ba");
    let cells: Vec<&str> = body[3..7].iter().map(String::as_str).collect();
    assert_eq!(cells, ["Tuyến 1", "1.200,5", "Tuyến 2", "964,5"]);
    assert_eq!(body[7], "Tổng: 2.165 m");
    // The row loop kept the row's own properties.
    let xml = String::from_utf8(get("word/document.xml").clone()).unwrap();
    assert_eq!(xml.matches("<w:cantSplit/>").count(), 2);
    // The value took the formatting of the run where the tag began (bold, not italic).
    assert!(xml.contains("<w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">BÁO CÁO XÃ BA THÀNH</w:t>"));
    assert!(xml.contains("<w:bookmarkStart w:id=\"0\" w:name=\"_GoBack\"/>"));

    assert_eq!(paragraphs(get("word/header1.xml")), ["UBND XÃ BA THÀNH"]);
    assert_eq!(paragraphs(get("word/footnotes.xml")), ["Số liệu của Ba Thành."]);

    // Parts without tags are the form's own bytes, compressed bytes included.
    let before = parts(&original);
    for name in [
        "word/styles.xml",
        "[Content_Types].xml",
        "_rels/.rels",
        "word/_rels/document.xml.rels",
    ] {
        let a = before.iter().find(|(n, _, _)| n == name).unwrap();
        let b = out.iter().find(|(n, _, _)| n == name).unwrap();
        assert_eq!((&a.1, a.2), (&b.1, b.2), "{name} changed");
    }
    // Same data, same bytes.
    assert_eq!(filled, form.fill(pack.environment(), &context()).unwrap());
}

#[test]
fn errors_point_into_the_form() {
    let pack = baocao::template::Pack::builtin().unwrap();
    let form = baocao::form::Form::load("mau.docx", form()).unwrap();
    let ctx = minijinja::Value::from(minijinja::value::Serde(
        serde_json::json!({ "tt": { "ten_xa": "Ba Thành" } }),
    ));
    let errors = form.fill(pack.environment(), &ctx).unwrap_err();
    let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert!(
        shown.iter().any(
            |e| e.starts_with("mau.docx › thân văn bản › đoạn 2 «Năm báo cáo: {{ tt.nam }}")
                && e.contains("không có trong dữ liệu")
                && e.contains("`tt.nam` is undefined")
        ),
        "{shown:?}"
    );

    // A bad tag and an unclosed one, split over runs, are both named at once.
    let broken = form_bytes_with("{{ tt.ten_xa | upper }}", "{{ tt.ten_xa | }}");
    let errors = baocao::form::Form::load("mau.docx", broken).unwrap_err();
    let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert!(
        shown.iter().any(|e| e.contains("đầu trang 1") && e.contains("cú pháp")),
        "{shown:?}"
    );
}

/// The form with one text of the header replaced (its parts are stored, not deflated,
/// so the bytes can be edited).
fn form_bytes_with(from: &str, to: &str) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data, _) in parts(&form()) {
        let data = if name == "word/header1.xml" {
            String::from_utf8(data).unwrap().replace(from, to).into_bytes()
        } else {
            data
        };
        out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// The command line: `-t mau.docx` with a commune's workbook, and with JSON data.
#[test]
fn render_takes_a_word_form_with_a_workbook_or_with_json() {
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        concat!(
            "<w:body><w:p>{}</w:p>",
            "<w:tbl><w:tblPr><w:tblW w:w=\"0\" w:type=\"auto\"/></w:tblPr><w:tblGrid><w:gridCol w:w=\"4000\"/><w:gridCol w:w=\"4000\"/></w:tblGrid>",
            "<w:tr><w:tc><w:p>{}</w:p></w:tc><w:tc><w:p/></w:tc></w:tr>",
            "<w:tr><w:tc><w:p>{}</w:p></w:tc><w:tc><w:p>{}</w:p></w:tc></w:tr>",
            "<w:tr><w:tc><w:p>{}</w:p></w:tc><w:tc><w:p/></w:tc></w:tr></w:tbl>",
            "<w:p>{}</w:p><w:sectPr/></w:body>"
        ),
        run("Xã {{ tt.ten_xa }}, báo cáo năm {{ tt.nam }}, người ký {{ van_ban.nguoi_ky }}"),
        run("{%tr for d in duong | loc(\"_loai\", \"muc\") %}"),
        run("{{ d.ten }}"),
        run("{{ d.dai | so }}"),
        run("{%tr endfor %}"),
        run("Kính gửi: UBND huyện {{ tt.huyen }}"),
    );
    let form = dir.path().join("mau.docx");
    std::fs::write(
        &form,
        package(part(&body, "document"), "{{ van_ban.co_quan_ban_hanh }}"),
    )
    .unwrap();
    let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let run_cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_baocao"))
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let out = run_cli(&[
        "render",
        samples.join("Ba Thành.xlsx").to_str().unwrap(),
        "-t",
        "mau.docx",
        "-o",
        "ra.docx",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written = parts(&std::fs::read(dir.path().join("ra.docx")).unwrap());
    let get = |name: &str| written.iter().find(|(n, _, _)| n == name).unwrap().1.clone();
    let body = paragraphs(&get("word/document.xml"));
    assert_eq!(body[0], "Xã Ba Thành, báo cáo năm 2024, người ký Phạm Văn Hùng");
    // Every road of the workbook, one row each (27 in Ba Thành), with its length.
    assert_eq!(body.len(), 1 + 27 * 2 + 1, "{body:?}");
    assert!(
        body[1..55]
            .chunks(2)
            .all(|row| !row[0].is_empty() && row[1].chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',')),
        "{body:?}"
    );
    assert_eq!(body.last().unwrap(), "Kính gửi: UBND huyện Ba Tơ");
    assert_eq!(paragraphs(&get("word/header1.xml")), ["ỦY BAN NHÂN DÂN XÃ BA THÀNH"]);

    // A form gives .docx (and .pdf), never a silently empty .odt.
    let out = run_cli(&[
        "render",
        samples.join("Ba Thành.xlsx").to_str().unwrap(),
        "-t",
        "mau.docx",
        "-o",
        "ra.odt",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("chỉ ghi được .docx"));
    assert!(!dir.path().join("ra.odt").exists());

    // The same form from JSON data, as another system exports it.
    let data = serde_json::json!({
        "tt": { "ten_xa": "Ba Nam", "nam": 2025, "so_bao_cao": "", "ngay_bao_cao": "", "chu_tich": "Lê Văn A", "huyen": "Ba Tơ" },
        "duong": [ { "ten": "Tuyến 1", "dai": 120.25, "_loai": "muc" }, { "ten": "Tổng", "dai": 120.25, "_loai": "tong" } ]
    });
    std::fs::write(dir.path().join("du-lieu.json"), data.to_string()).unwrap();
    // The data is the whole context: `van_ban` comes from flags (or the data's own key).
    let out = run_cli(&[
        "render",
        "du-lieu.json",
        "-t",
        "mau.docx",
        "-o",
        "tu-json.docx",
        "--nguoi-ky",
        "Lê Văn A",
        "--co-quan",
        "UBND XÃ BA NAM",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written = parts(&std::fs::read(dir.path().join("tu-json.docx")).unwrap());
    let body = paragraphs(&written.iter().find(|(n, _, _)| n == "word/document.xml").unwrap().1);
    assert_eq!(body[0], "Xã Ba Nam, báo cáo năm 2025, người ký Lê Văn A");
    assert_eq!(&body[1..3], ["Tuyến 1", "120,25"]);
    assert_eq!(body.len(), 4, "{body:?}");
    let header = written.iter().find(|(n, _, _)| n == "word/header1.xml").unwrap();
    assert_eq!(paragraphs(&header.1), ["UBND XÃ BA NAM"]);

    // JSON that is not an object of names: said plainly, before any template runs.
    std::fs::write(dir.path().join("danh-sach.json"), "[1, 2]").unwrap();
    let out = run_cli(&["render", "danh-sach.json", "-t", "mau.docx"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("danh-sach.json: tệp dữ liệu phải là một đối tượng { … }")
            && stderr.contains("là một danh sách"),
        "{stderr}"
    );

    // A TOML file with a syntax error: the line is named.
    std::fs::write(
        dir.path().join("hong.toml"),
        "[tt]\nten_xa = \"Ba Nam\"\nnam = = 2025\n",
    )
    .unwrap();
    let out = run_cli(&["render", "hong.toml", "-t", "mau.docx"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("hong.toml: tệp TOML không đúng cú pháp ở dòng 3"),
        "{stderr}"
    );

    // JSON data with a Markdown pack: said plainly.
    let out = run_cli(&["render", "du-lieu.json", "-o", "md.docx"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("chỉ dùng được với một mẫu Word"));
}

/// `check -t mau.docx` lists every problem of a form at once, each where it is: the
/// form's own (syntax, unbalanced blocks) and, when it loads, every name the data lacks.
#[test]
fn check_lists_every_error_of_a_form() {
    let dir = tempfile::tempdir().unwrap();
    let table = |rows: &[&str]| {
        let rows: String = rows
            .iter()
            .map(|t| format!("<w:tr><w:tc><w:p>{}</w:p></w:tc></w:tr>", run(t)))
            .collect();
        format!("<w:tbl><w:tblPr><w:tblW w:w=\"0\" w:type=\"auto\"/></w:tblPr><w:tblGrid><w:gridCol w:w=\"4000\"/></w:tblGrid>{rows}</w:tbl>")
    };
    let write_form = |body: String, header: &str| {
        std::fs::write(
            dir.path().join("mau.docx"),
            package(part(&format!("<w:body>{body}<w:sectPr/></w:body>"), "document"), header),
        )
        .unwrap();
    };
    std::fs::write(
        dir.path().join("du-lieu.json"),
        serde_json::json!({ "tt": { "ten_xa": "Ba Nam", "nam": 2025, "so_bao_cao": "", "ngay_bao_cao": "", "chu_tich": "Lê Văn A", "huyen": "Ba Tơ" }, "duong": [{ "ten": "Tuyến 1" }, { "ten": "Tuyến 2" }] })
            .to_string(),
    )
    .unwrap();
    let check = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_baocao"))
            .args(["check", "du-lieu.json", "-t", "mau.docx", "-f", "json"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        json[0]["loi"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                format!(
                    "{} › {}: {}",
                    d["file"].as_str().unwrap_or(""),
                    d["place"].as_str().unwrap_or(""),
                    d["message"].as_str().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
    };

    // Three faults of the form itself: a bad tag in the header, a row loop that
    // never closes, an `if` closed at another level (in a table cell).
    write_form(
        format!(
            "<w:p>{}</w:p>{}{}",
            run("{% if tt.nam %}Năm {{ tt.nam }}"),
            table(&["{%tr for d in duong %}", "{{ d.ten }}"]),
            table(&["{% endif %}"])
        ),
        "UBND XÃ {{ tt.ten_xa | }}",
    );
    let errors = check();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("đầu trang 1") && e.contains("cú pháp")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("bảng 1, hàng 1, ô 1") && e.contains("{%tr for d in duong %}") && e.contains("endfor")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("bảng 2, hàng 1, ô 1") && e.contains("{%p if … %}")),
        "{errors:#?}"
    );

    // A form that loads, and three names the data lacks: in the body, in a row
    // loop (named once, not once per row) and in the header.
    write_form(
        format!(
            "<w:p>{}</w:p>{}",
            run("Xã {{ tt.ten_xa }}, diện tích {{ tt.dien_tich }} ha"),
            table(&[
                "{%tr for d in duong %}",
                "{{ d.ten }}: {{ d.dai | so }} m",
                "{%tr endfor %}"
            ])
        ),
        "UBND TỈNH {{ tt.tinh }}",
    );
    let errors = check();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("thân văn bản › đoạn 1") && e.contains("không có trong dữ liệu")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("bảng 1, hàng 2, ô 1") && e.contains("{{ d.dai | so }}")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("đầu trang 1") && e.contains("{{ tt.tinh }}")),
        "{errors:#?}"
    );

    // Data that lacks what the default pack's metadata would need (tt.ngay_bao_cao,
    // tt.chu_tich): with a bare form the data is the whole context, so nothing of
    // the default pack is evaluated and only the form's own names are checked.
    std::fs::write(
        dir.path().join("du-lieu.json"),
        serde_json::json!({ "tt": { "ten_xa": "Ba Nam", "nam": 2025, "so_bao_cao": "", "huyen": "Ba Tơ" }, "duong": [] })
            .to_string(),
    )
    .unwrap();
    let errors = check();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors
            .iter()
            .all(|e| !e.contains("van_ban") && !e.contains("manifest.toml")),
        "{errors:#?}"
    );
}

/// `batch` over a folder of JSON and TOML data with a form: one report per file,
/// named after it, a bad file fails alone, and no district summary (the data are
/// not communes); a pack whose body is the form keeps its manifest's metadata and
/// names, and says plainly when it declares no summary.
#[test]
fn batch_fills_a_form_from_each_data_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("du-lieu");
    std::fs::create_dir(&input).unwrap();
    let body = format!(
        "<w:body><w:p>{}</w:p><w:sectPr/></w:body>",
        run("Xã {{ tt.ten_xa }}: {{ tieu_chi | loc(\"_loai\", \"muc\") | dem(\"danh_gia\", \"Đạt\") }} tiêu chí đạt")
    );
    let form = package(part(&body, "document"), "{{ van_ban.co_quan_ban_hanh }}");
    std::fs::write(dir.path().join("mau.docx"), &form).unwrap();
    let commune = |name: &str| {
        serde_json::json!({
            "tt": { "ten_xa": name, "huyen": "Ba Tơ", "tinh": "Quảng Ngãi", "nam": 2025, "so_bao_cao": "", "ngay_bao_cao": "", "chu_tich": "Lê Văn A" },
            "tieu_chi": [
                { "stt": "1", "danh_gia": "Đạt", "_loai": "muc" },
                { "stt": "2", "danh_gia": "Chưa đạt", "_loai": "muc" }
            ]
        })
    };
    std::fs::write(input.join("ba-nam.json"), commune("Ba Nam").to_string()).unwrap();
    std::fs::write(input.join("ba-vi.toml"), toml::to_string(&commune("Ba Vì")).unwrap()).unwrap();
    std::fs::write(input.join("hong.json"), "{ \"tt\": ").unwrap();
    let mut lacking = commune("Ba Dinh");
    lacking["tt"].as_object_mut().unwrap().remove("ten_xa");
    std::fs::write(input.join("thieu.json"), lacking.to_string()).unwrap();

    let batch = |t: &str, out: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_baocao"))
            .args(["batch", "du-lieu", "-o", out, "-t", t, "--co-quan", "UBND HUYỆN BA TƠ"])
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let out = batch("mau.docx", "ra");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let body_of = |path: &std::path::Path, part: &str| {
        let written = parts(&std::fs::read(path).unwrap());
        paragraphs(&written.iter().find(|(n, _, _)| n == part).unwrap().1)
    };
    let ra = dir.path().join("ra");
    assert_eq!(
        body_of(&ra.join("ba-nam.docx"), "word/document.xml"),
        ["Xã Ba Nam: 1 tiêu chí đạt"]
    );
    assert_eq!(
        body_of(&ra.join("ba-nam.docx"), "word/header1.xml"),
        ["UBND HUYỆN BA TƠ"]
    );
    assert_eq!(
        body_of(&ra.join("ba-vi.docx"), "word/document.xml"),
        ["Xã Ba Vì: 1 tiêu chí đạt"]
    );
    assert!(
        stderr.contains("hong.json") && stderr.contains("JSON không đúng cú pháp"),
        "{stderr}"
    );
    assert!(
        stderr.contains("thieu.json") && stderr.contains("tt.ten_xa"),
        "{stderr}"
    );
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(ra.join("tong-ket.json")).unwrap()).unwrap();
    assert_eq!(summary["da_ghi"], 2, "{summary:#}");
    assert!(summary["bao_cao_tong_hop"].is_null(), "{summary:#}");

    // A pack whose body is the form and which declares no summary.
    let pack = dir.path().join("goi");
    std::fs::create_dir(&pack).unwrap();
    std::fs::write(pack.join("mau.docx"), &form).unwrap();
    let builtin = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/bao-cao-ntm/manifest.toml"),
    )
    .unwrap();
    let manifest = builtin
        .replace("noi_dung = \"noi-dung.md\"", "noi_dung = \"mau.docx\"")
        .split("\n[tong_hop]")
        .next()
        .unwrap()
        .to_string();
    let manifest = if manifest.contains("[[phu_luc]]") {
        manifest.split("\n[[phu_luc]]").next().unwrap().to_string()
    } else {
        manifest
    };
    std::fs::write(pack.join("manifest.toml"), manifest).unwrap();
    std::fs::remove_file(input.join("hong.json")).unwrap();
    std::fs::remove_file(input.join("thieu.json")).unwrap();
    let out = batch("goi", "ra2");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("Không có báo cáo tổng hợp: mẫu") && stderr.contains("không khai báo báo cáo tổng hợp"),
        "{stderr}"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("ra2/tong-ket.json")).unwrap()).unwrap();
    assert!(summary["khong_tong_hop"].as_str().unwrap().contains("[tong_hop]"));
    assert_eq!(summary["da_ghi"], 2);
    // The pack's manifest names the reports and gives the metadata, from the data.
    let ra2 = dir.path().join("ra2");
    assert_eq!(
        body_of(&ra2.join("bao-cao-ntm-2025-xa-ba-nam.docx"), "word/header1.xml"),
        ["ỦY BAN NHÂN DÂN XÃ BA NAM"]
    );

    // Without a form, data files are skipped with a note, not failed.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_baocao"))
        .args(["batch", "du-lieu", "-o", "ra3"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("chỉ dùng được với một mẫu Word"));
}

/// With BAOCAO_TEST_OUT set, a filled form is also written there, for the Open XML
/// validator (`validate.sh --strict`).
fn keep_for_validation(name: &str, bytes: &[u8]) {
    if let Some(dir) = std::env::var_os("BAOCAO_TEST_OUT") {
        std::fs::write(std::path::Path::new(&dir).join(name), bytes).unwrap();
    }
}

/// The form with a numbering part added, as Word saves a form with lists.
fn with_numbering(docx: &[u8], numbering: &str) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data, _) in parts(docx) {
        let text = String::from_utf8(data).unwrap();
        let text = match name.as_str() {
            "[Content_Types].xml" => text.replace("</Types>", "<Override PartName=\"/word/numbering.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml\"/></Types>"),
            "word/_rels/document.xml.rels" => text.replace("</Relationships>", "<Relationship Id=\"rIdN\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering\" Target=\"numbering.xml\"/></Relationships>"),
            _ => text,
        };
        out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(text.as_bytes()).unwrap();
    }
    out.start_file("word/numbering.xml", zip::write::SimpleFileOptions::default())
        .unwrap();
    out.write_all(numbering.as_bytes()).unwrap();
    out.finish().unwrap().into_inner()
}

/// A list paragraph: its list (`w:numId`) and level.
fn item(num: u32, text: &str) -> String {
    format!(
        "<w:p><w:pPr><w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"{num}\"/></w:numPr></w:pPr>{}</w:p>",
        run(text)
    )
}

/// A list repeated under each pass of an outer loop starts again at 1 each time (a
/// new `w:num` with a start override per pass, as Word writes "Restart at 1"); a
/// loop over a list's own items numbers on; numbering.xml is untouched when no list
/// restarts.
#[test]
fn a_list_in_a_loop_restarts_where_the_form_says_so() {
    let numbering = part(
        concat!(
            "<w:abstractNum w:abstractNumId=\"0\"><w:multiLevelType w:val=\"hybridMultilevel\"/><w:lvl w:ilvl=\"0\"><w:start w:val=\"1\"/><w:numFmt w:val=\"upperRoman\"/><w:lvlText w:val=\"%1.\"/></w:lvl></w:abstractNum>",
            "<w:abstractNum w:abstractNumId=\"1\"><w:multiLevelType w:val=\"hybridMultilevel\"/><w:lvl w:ilvl=\"0\"><w:start w:val=\"1\"/><w:numFmt w:val=\"decimal\"/><w:lvlText w:val=\"%1.\"/></w:lvl></w:abstractNum>",
            "<w:num w:numId=\"1\"><w:abstractNumId w:val=\"0\"/></w:num>",
            "<w:num w:numId=\"2\" w15:durableId=\"123\"><w:abstractNumId w:val=\"1\"/></w:num>",
        ),
        "numbering",
    )
    .replacen(
        "<w:numbering ",
        "<w:numbering xmlns:mc=\"http://schemas.openxmlformats.org/markup-compatibility/2006\" xmlns:w15=\"http://schemas.microsoft.com/office/word/2012/wordml\" mc:Ignorable=\"w15\" ",
        1,
    );
    let body = format!(
        "<w:body>{}{}{}{}{}{}<w:p>{}</w:p>{}{}{}<w:sectPr/></w:body>",
        item(1, "{%p for x in xa %}"),
        item(1, "Xã {{ x.ten }}"),
        item(2, "{%p for d in x.duong %}"),
        item(2, "{{ d }}"),
        item(2, "{%p endfor %}"),
        item(1, "{%p endfor %}"),
        run("Tất cả các đường:"),
        item(2, "{%p for d in tat_ca %}"),
        item(2, "{{ d }}"),
        item(2, "{%p endfor %}"),
    );
    let original = with_numbering(&package(part(&body, "document"), "Mẫu"), &numbering);
    let pack = baocao::template::Pack::builtin().unwrap();
    let form = baocao::form::Form::load("mau.docx", original.clone()).unwrap_or_else(|e| panic!("{e:?}"));
    let ctx = minijinja::Value::from(minijinja::value::Serde(serde_json::json!({
        "xa": [ { "ten": "Ba Nam", "duong": ["ĐH 1", "ĐH 2"] }, { "ten": "Ba Vì", "duong": ["ĐH 3", "ĐH 4", "ĐH 5"] } ],
        "tat_ca": ["ĐH 1", "ĐH 2", "ĐH 3"],
        "tt": { "ten_xa": "Ba Tơ" }
    })));
    let filled = form.fill(pack.environment(), &ctx).unwrap_or_else(|e| panic!("{e:?}"));
    keep_for_validation("danh-sach.docx", &filled);
    let out = parts(&filled);
    let get = |name: &str| String::from_utf8(out.iter().find(|(n, _, _)| n == name).unwrap().1.clone()).unwrap();

    // Each paragraph's text and list, read back.
    let document = get("word/document.xml");
    let doc = roxmltree::Document::parse(&document).unwrap();
    let listed: Vec<(String, Option<String>)> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "p")
        .map(|p| {
            let text = p
                .descendants()
                .filter(|n| n.tag_name().name() == "t")
                .filter_map(|t| t.text())
                .collect();
            let num = p
                .descendants()
                .find(|n| n.tag_name().name() == "numId")
                .and_then(|n| n.attribute((W, "val")))
                .map(str::to_string);
            (text, num)
        })
        .collect();
    let expected: Vec<(String, Option<String>)> = [
        ("Xã Ba Nam", Some("1")),
        ("ĐH 1", Some("3")),
        ("ĐH 2", Some("3")),
        ("Xã Ba Vì", Some("1")),
        ("ĐH 3", Some("4")),
        ("ĐH 4", Some("4")),
        ("ĐH 5", Some("4")),
        ("Tất cả các đường:", None),
        ("ĐH 1", Some("2")),
        ("ĐH 2", Some("2")),
        ("ĐH 3", Some("2")),
    ]
    .iter()
    .map(|(t, n)| (t.to_string(), n.map(str::to_string)))
    .collect();
    assert_eq!(listed, expected);

    // numbering.xml: the form's lists as they were, then one list per pass, on the
    // same abstract list, starting again at 1; no durableId copied.
    let numbering_out = get("word/numbering.xml");
    let doc = roxmltree::Document::parse(&numbering_out).unwrap();
    let nums: Vec<(String, String, Option<String>)> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "num")
        .map(|n| {
            let child = |name: &str| n.descendants().find(|c| c.tag_name().name() == name);
            (
                n.attribute((W, "numId")).unwrap().to_string(),
                child("abstractNumId")
                    .unwrap()
                    .attribute((W, "val"))
                    .unwrap()
                    .to_string(),
                child("startOverride").map(|s| s.attribute((W, "val")).unwrap().to_string()),
            )
        })
        .collect();
    let s = |x: &str| x.to_string();
    assert_eq!(
        nums,
        [
            (s("1"), s("0"), None),
            (s("2"), s("1"), None),
            (s("3"), s("1"), Some(s("1"))),
            (s("4"), s("1"), Some(s("1")))
        ]
    );
    assert_eq!(numbering_out.matches("durableId").count(), 1);
    assert!(numbering_out.starts_with(&numbering[..numbering.find("<w:num ").unwrap()]));

    // The other parts without tags are the form's own bytes.
    let before = parts(&original);
    for name in ["word/styles.xml", "[Content_Types].xml", "word/_rels/document.xml.rels"] {
        let a = before.iter().find(|(n, _, _)| n == name).unwrap();
        let b = out.iter().find(|(n, _, _)| n == name).unwrap();
        assert_eq!((&a.1, a.2), (&b.1, b.2), "{name} changed");
    }
    // A form whose loops restart no list keeps numbering.xml byte for byte.
    let body = format!(
        "<w:body>{}{}{}<w:sectPr/></w:body>",
        item(2, "{%p for d in tat_ca %}"),
        item(2, "{{ d }}"),
        item(2, "{%p endfor %}")
    );
    let original = with_numbering(&package(part(&body, "document"), "Mẫu"), &numbering);
    let form = baocao::form::Form::load("mau.docx", original.clone()).unwrap();
    let filled = parts(&form.fill(pack.environment(), &ctx).unwrap());
    let numbering_of =
        |p: &[(String, Vec<u8>, u64)]| p.iter().find(|(n, _, _)| n == "word/numbering.xml").unwrap().clone();
    let (a, b) = (numbering_of(&parts(&original)), numbering_of(&filled));
    assert_eq!((a.1, a.2), (b.1, b.2));
}
