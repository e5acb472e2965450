//! A form and data from another system, nothing else: `render DATA.json -t FORM.docx`
//! and `batch FOLDER -t FORM.docx` fill the form with the data as its whole context,
//! like docxtpl's `order` example (a customer, a table of items, totals).

use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

fn part(body: &str, root: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<w:{root} xmlns:w=\"{W}\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">{body}</w:{root}>")
}

fn p(text: &str) -> String {
    format!("<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>")
}

fn row(cells: &[&str]) -> String {
    let cells: String = cells.iter().map(|c| format!("<w:tc>{}</w:tc>", p(c))).collect();
    format!("<w:tr>{cells}</w:tr>")
}

/// An order form: the customer, a row per item, the totals, a paragraph kept only
/// for customers in Europe, the company in the header.
fn order_form(extra: &str) -> Vec<u8> {
    let body = format!(
        "<w:body>{}{}<w:tbl><w:tblPr><w:tblW w:w=\"0\" w:type=\"auto\"/></w:tblPr><w:tblGrid><w:gridCol w:w=\"4000\"/><w:gridCol w:w=\"2000\"/><w:gridCol w:w=\"2000\"/></w:tblGrid>{}{}{}{}</w:tbl>{}{}{}{}{}{extra}<w:sectPr><w:headerReference w:type=\"default\" r:id=\"rIdH\"/></w:sectPr></w:body>",
        p("Khách hàng: {{ customer_name }}"),
        p("Địa chỉ: {{ customer_address }}"),
        row(&["Mô tả", "Số lượng", "Đơn giá"]),
        row(&["{%tr for item in items %}", "", ""]),
        row(&["{{ item.desc }}", "{{ item.qty }}", "{{ item.price }}"]),
        row(&["{%tr endfor %}", "", ""]),
        p("{%p if in_europe %}"),
        p("Giao hàng trong châu Âu"),
        p("{%p endif %}"),
        p("Tổng cộng: {{ total_price }}"),
        p("{% if is_paid %}Đã thanh toán{% else %}Chưa thanh toán{% endif %}"),
    );
    let files = [
        ("[Content_Types].xml", concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">",
            "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>",
            "<Default Extension=\"xml\" ContentType=\"application/xml\"/>",
            "<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>",
            "<Override PartName=\"/word/header1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml\"/>",
            "</Types>").to_string()),
        ("_rels/.rels", concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
            "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>",
            "</Relationships>").to_string()),
        ("word/_rels/document.xml.rels", concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
            "<Relationship Id=\"rIdH\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/header\" Target=\"header1.xml\"/>",
            "</Relationships>").to_string()),
        ("word/document.xml", part(&body, "document")),
        ("word/header1.xml", part(&p("{{ company_name }}"), "hdr")),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in files {
        zip.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(data.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn order(customer: &str, in_europe: bool) -> serde_json::Value {
    serde_json::json!({
        "customer_name": customer,
        "customer_address": "12 Lê Lợi, Huế",
        "company_name": "Công ty Sao Mai",
        "items": [
            { "desc": "Bút bi", "qty": 10, "price": "5.000" },
            { "desc": "Giấy A4 <80 g>", "qty": 2, "price": "65.000" },
        ],
        "in_europe": in_europe,
        "is_paid": false,
        "total_price": "180.000",
    })
}

/// Each paragraph's text (table cells in document order), of one part.
fn texts(docx: &[u8], part: &str) -> Vec<String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut xml = String::new();
    zip.by_name(part).unwrap().read_to_string(&mut xml).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    doc.descendants()
        .filter(|n| n.tag_name().name() == "p")
        .map(|p| {
            p.descendants()
                .filter(|n| n.tag_name().name() == "t")
                .filter_map(|t| t.text())
                .collect()
        })
        .collect()
}

fn baocao(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_baocao"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn render_fills_a_form_from_json_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("don-hang.docx"), order_form("")).unwrap();
    std::fs::write(dir.path().join("order.json"), order("Nguyễn Văn An", false).to_string()).unwrap();
    let out = baocao(dir.path(), &["render", "order.json", "-t", "don-hang.docx"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // Named after the data file.
    assert!(stderr.contains("Đã lập báo cáo: order.docx"), "{stderr}");
    let written = std::fs::read(dir.path().join("order.docx")).unwrap();
    assert_eq!(
        texts(&written, "word/document.xml"),
        [
            "Khách hàng: Nguyễn Văn An",
            "Địa chỉ: 12 Lê Lợi, Huế",
            "Mô tả",
            "Số lượng",
            "Đơn giá",
            "Bút bi",
            "10",
            "5.000",
            "Giấy A4 <80 g>",
            "2",
            "65.000",
            "Tổng cộng: 180.000",
            "Chưa thanh toán",
        ]
    );
    assert_eq!(texts(&written, "word/header1.xml"), ["Công ty Sao Mai"]);

    // The same from TOML, named by a pattern over the data.
    std::fs::write(
        dir.path().join("order.toml"),
        toml::to_string(&order("Trần Thị Bình", true)).unwrap(),
    )
    .unwrap();
    let out = baocao(
        dir.path(),
        &[
            "render",
            "order.toml",
            "-t",
            "don-hang.docx",
            "--ten-tep",
            "don-{{ customer_name }}",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written = std::fs::read(dir.path().join("don-tran-thi-binh.docx")).unwrap();
    let body = texts(&written, "word/document.xml");
    assert_eq!(body[0], "Khách hàng: Trần Thị Bình");
    assert!(body.contains(&"Giao hàng trong châu Âu".to_string()), "{body:?}");
}

/// `van_ban` is the data's own or the flags', never the default pack's: a form that
/// uses it without either is told which tag lacks it.
#[test]
fn van_ban_comes_from_the_data_or_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mau.docx"),
        order_form(&p("Số: {{ van_ban.so }}, ngày {{ van_ban.ngay }}")),
    )
    .unwrap();
    std::fs::write(dir.path().join("order.json"), order("An", false).to_string()).unwrap();
    let out = baocao(dir.path(), &["render", "order.json", "-t", "mau.docx"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("mau.docx › thân văn bản › đoạn 8 «Số: {{ van_ban.so }}")
            && stderr.contains("không có trong dữ liệu"),
        "{stderr}"
    );
    assert!(!stderr.contains("manifest.toml"), "{stderr}");
    assert!(!dir.path().join("order.docx").exists());

    let out = baocao(
        dir.path(),
        &[
            "render",
            "order.json",
            "-t",
            "mau.docx",
            "--so",
            "12",
            "--ngay",
            "05/12/2026",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let body = texts(
        &std::fs::read(dir.path().join("order.docx")).unwrap(),
        "word/document.xml",
    );
    assert_eq!(body.last().unwrap(), "Số: 12, ngày 05/12/2026");

    // The data's own van_ban, the flag over one of its fields.
    let mut data = order("An", false);
    data["van_ban"] = serde_json::json!({ "so": "7", "ngay": "01/01/2026" });
    std::fs::write(dir.path().join("co-van-ban.json"), data.to_string()).unwrap();
    let out = baocao(
        dir.path(),
        &["render", "co-van-ban.json", "-t", "mau.docx", "--so", "8"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let body = texts(
        &std::fs::read(dir.path().join("co-van-ban.docx")).unwrap(),
        "word/document.xml",
    );
    assert_eq!(body.last().unwrap(), "Số: 8, ngày 01/01/2026");
}

#[test]
fn batch_fills_a_form_from_each_data_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("don");
    std::fs::create_dir(&input).unwrap();
    std::fs::write(dir.path().join("don-hang.docx"), order_form("")).unwrap();
    std::fs::write(input.join("an.json"), order("An", false).to_string()).unwrap();
    std::fs::write(input.join("binh.toml"), toml::to_string(&order("Bình", true)).unwrap()).unwrap();
    let out = baocao(dir.path(), &["batch", "don", "-o", "ra", "-t", "don-hang.docx"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let ra = dir.path().join("ra");
    assert_eq!(
        texts(&std::fs::read(ra.join("an.docx")).unwrap(), "word/document.xml")[0],
        "Khách hàng: An"
    );
    assert_eq!(
        texts(&std::fs::read(ra.join("binh.docx")).unwrap(), "word/document.xml")[0],
        "Khách hàng: Bình"
    );
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(ra.join("tong-ket.json")).unwrap()).unwrap();
    assert_eq!(summary["da_ghi"], 2, "{summary:#}");
    assert_eq!(summary["loi"], 0, "{summary:#}");
    // No summary of communes for orders.
    assert!(summary["bao_cao_tong_hop"].is_null(), "{summary:#}");
    assert!(!stderr.contains("tổng hợp:"), "{stderr}");
}

/// A key given twice in JSON data is an error naming the key and its line (TOML
/// refuses it too), not the last value silently.
#[test]
fn a_duplicate_key_in_json_data_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("don-hang.docx"), order_form("")).unwrap();
    let text = order("An", false)
        .to_string()
        .replacen("{", "{\n\"total_price\": \"1\",\n", 1);
    std::fs::write(dir.path().join("trung.json"), text).unwrap();
    let out = baocao(dir.path(), &["render", "trung.json", "-t", "don-hang.docx"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("trung.json") && stderr.contains("«total_price»") && stderr.contains("dòng 3"),
        "{stderr}"
    );
    assert!(!dir.path().join("trung.docx").exists());
}
