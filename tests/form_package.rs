//! A damaged Word form is refused, never copied into every report: every part of a
//! form is read once when it is loaded (compressed data and CRC, well-formed XML,
//! declared encoding, relationships), every problem is named at once with its part
//! and place, and each report is checked before it is called written. Also the
//! hostile forms: DOCTYPE, `|safe`, outside links, a string doubled in a loop, a
//! million tiny tags.

#[path = "common/forms.rs"]
mod forms;

use forms::*;
use std::path::Path;
use std::process::Command;

fn load(bytes: Vec<u8>) -> Result<baocao::form::Form, Vec<String>> {
    baocao::form::Form::load("mau.docx", bytes).map_err(|e| e.iter().map(|d| d.to_string()).collect())
}

fn fill(form: &baocao::form::Form) -> Result<Vec<u8>, Vec<String>> {
    let pack = baocao::template::Pack::builtin().unwrap();
    let ctx = minijinja::Value::from(minijinja::value::Serde(form_data()));
    form.fill(pack.environment(), &ctx)
        .map_err(|e| e.iter().map(|d| d.to_string()).collect())
}

#[test]
fn the_sound_form_fills_and_keeps_its_untouched_parts() {
    let original = form_bytes(true);
    let form = load(original.clone()).unwrap();
    let out = fill(&form).unwrap();
    sound(&out).unwrap();
    let (before, after) = (unzip(&original), unzip(&out));
    for name in [
        "word/styles.xml",
        "word/settings.xml",
        "word/numbering.xml",
        "[Content_Types].xml",
        "_rels/.rels",
    ] {
        let a = before.iter().find(|(n, _, _)| n == name).unwrap();
        let b = after.iter().find(|(n, _, _)| n == name).unwrap();
        assert_eq!((&a.1, a.2), (&b.1, b.2), "{name} changed");
    }
}

/// Issue 25, A: a part without tags is checked like the others.
#[test]
fn a_malformed_part_without_tags_is_refused_naming_the_part() {
    type Change = fn(String) -> String;
    let cases: [(&str, Change, &str); 5] = [
        (
            "[Content_Types].xml",
            |t| t.replace("encoding=\"UTF-8\"", "encoding=\"UTF-0.0000001\""),
            "UTF-0.0000001",
        ),
        (
            "word/_rels/document.xml.rels",
            |t| t.replace("</Relationships>", ""),
            "chưa đóng",
        ),
        (
            "word/styles.xml",
            |t| t.replace("<w:name w:val=\"Normal\"/>", "<w:name w:val=\"Normal\">"),
            "dòng 2",
        ),
        (
            "word/numbering.xml",
            |t| t.replace("w:ilvl=\"0\"", "w:ilvl=\"0\" w:ilvl=\"1\""),
            "byte",
        ),
        ("word/footer1.xml", |t| t.replace("xmlns:w=", "xmlns:x="), "tiền tố «w»"),
    ];
    for (name, change, says) in cases {
        let errors = load(form_with(name, change)).expect_err(name);
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with(&format!("mau.docx › {name}")) && e.contains(says)),
            "{name}: {errors:#?}"
        );
    }
}

/// Issue 25, B: a cut-short document is refused, naming the part and the byte.
#[test]
fn a_cut_short_document_is_refused_naming_the_byte() {
    let document = form_parts()
        .into_iter()
        .find(|(n, _)| n == "word/document.xml")
        .unwrap()
        .1;
    // Cut inside a tag, and cut between elements.
    let cut = document.len() * 2 / 3;
    let inside = &document[..document.floor_char_boundary(cut)];
    let between = &document[..document[..cut].rfind('<').unwrap()];
    for (text, byte) in [(inside, inside.rfind('<').unwrap()), (between, between.len())] {
        let errors = load(form_with("word/document.xml", |_| text.to_string())).unwrap_err();
        assert!(
            errors.iter().any(|e| e.starts_with("mau.docx › word/document.xml")
                && e.contains(&format!("byte {byte}:"))
                && e.contains("cắt ngang")),
            "{errors:#?}"
        );
    }
}

/// Issue 25, C: a changed byte inside the deflated data of an untouched part.
#[test]
fn corrupt_compressed_data_is_refused_not_copied() {
    let mut bytes = form_bytes(true);
    let range = compressed_range(&bytes, "word/styles.xml");
    bytes[range.start + range.len() / 2] ^= 0x55;
    let errors = load(bytes).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("mau.docx › word/styles.xml") && e.contains("nén")),
        "{errors:#?}"
    );
}

/// `check` names every broken part at once.
#[test]
fn check_names_every_broken_part_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let parts: Vec<(String, Vec<u8>)> = form_parts()
        .into_iter()
        .map(|(n, t)| {
            let t = match n.as_str() {
                "[Content_Types].xml" => t.replace("encoding=\"UTF-8\"", "encoding=\"latin-1\""),
                "word/styles.xml" => t.replace("</w:styles>", ""),
                "word/header1.xml" => t.replace("<w:p>", "<w:p><!DOCTYPE x>"),
                _ => t,
            };
            (n, t.into_bytes())
        })
        .collect();
    std::fs::write(dir.path().join("hong.docx"), zip_of(&parts, true)).unwrap();
    std::fs::write(dir.path().join("du-lieu.json"), form_data().to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_baocao"))
        .args(["check", "du-lieu.json", "-t", "hong.docx"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    for part in ["[Content_Types].xml", "word/styles.xml", "word/header1.xml"] {
        assert!(stdout.contains(part), "{part}: {stdout}");
    }
    assert!(stdout.contains("hong.docx: 3 lỗi"), "{stdout}");
}

/// A DOCTYPE (entity tricks; LibreOffice cannot open such reports) is refused.
#[test]
fn a_doctype_is_refused() {
    let bytes = form_with("word/document.xml", |t| {
        t.replacen(
            "<w:document",
            "<!DOCTYPE w:document [<!ENTITY a \"aaaa\">]><w:document",
            1,
        )
    });
    let errors = load(bytes).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("mau.docx › word/document.xml") && e.contains("DOCTYPE")),
        "{errors:#?}"
    );
}

/// A relationship pointing at a part the package lacks.
#[test]
fn a_relationship_to_a_missing_part_is_refused() {
    let bytes = form_with("word/_rels/document.xml.rels", |t| {
        t.replace("footer1.xml", "footer9.xml")
    });
    let errors = load(bytes).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("mau.docx › word/_rels/document.xml.rels") && e.contains("footer9.xml")),
        "{errors:#?}"
    );
}

/// `{{ x|safe }}` (or `{% autoescape false %}`) never writes data raw into the XML.
#[test]
fn data_is_escaped_even_when_marked_safe() {
    let bytes = form_with("word/document.xml", |t| {
        t.replace(
            "Khách hàng: {{ ten }}",
            "Khách hàng: {{ ten|safe }} {% autoescape false %}{{ ten }}{% endautoescape %}",
        )
    });
    let form = load(bytes).unwrap();
    let pack = baocao::template::Pack::builtin().unwrap();
    let mut data = form_data();
    data["ten"] = serde_json::json!("A</w:t></w:r></w:p><w:p><w:r><w:t>B & <c>");
    let ctx = minijinja::Value::from(minijinja::value::Serde(data));
    let out = form.fill(pack.environment(), &ctx).unwrap();
    sound(&out).unwrap();
    let document = unzip(&out)
        .into_iter()
        .find(|(n, _, _)| n == "word/document.xml")
        .unwrap()
        .1;
    let text = String::from_utf8(document).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let first: String = doc
        .descendants()
        .find(|n| n.tag_name().name() == "p")
        .unwrap()
        .descendants()
        .filter(|n| n.tag_name().name() == "t")
        .filter_map(|t| t.text())
        .collect();
    assert_eq!(
        first,
        "Khách hàng: A</w:t></w:r></w:p><w:p><w:r><w:t>B & <c> A</w:t></w:r></w:p><w:p><w:r><w:t>B & <c>"
    );
}

/// Links to outside the package (a template on a server, an OLE object at
/// file:///) are named in a warning, and dropped on request.
#[test]
fn outside_links_are_warned_and_can_be_dropped() {
    let parts: Vec<(String, Vec<u8>)> = form_parts()
        .into_iter()
        .map(|(n, t)| {
            let t = match n.as_str() {
                "word/settings.xml" => t.replace("<w:zoom", "<w:attachedTemplate r:id=\"rId1\"/><w:zoom"),
                "word/_rels/document.xml.rels" => t.replace(
                    "</Relationships>",
                    "<Relationship Id=\"rId9\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/oleObject\" Target=\"file:///C:/Windows/system.ini\" TargetMode=\"External\"/><Relationship Id=\"rId10\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink\" Target=\"https://example.org/\" TargetMode=\"External\"/></Relationships>",
                ),
                _ => t,
            };
            (n, t.into_bytes())
        })
        .chain([(
            "word/_rels/settings.xml.rels".to_string(),
            b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate\" Target=\"https://mau.example/Normal.dotm\" TargetMode=\"External\"/></Relationships>".to_vec(),
        )])
        .collect();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mau.docx"), zip_of(&parts, true)).unwrap();
    std::fs::write(dir.path().join("don.json"), form_data().to_string()).unwrap();
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_baocao"))
            .args(["render", "don.json", "-t", "mau.docx"])
            .args(extra)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let out = run(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("Cảnh báo: mau.docx › word/_rels/settings.xml.rels")
            && stderr.contains("https://mau.example/Normal.dotm")
            && stderr.contains("file:///C:/Windows/system.ini")
            && !stderr.contains("example.org"),
        "{stderr}"
    );
    let targets = |bytes: &[u8]| -> String {
        unzip(bytes)
            .into_iter()
            .filter(|(n, _, _)| n.ends_with(".rels"))
            .map(|(_, d, _)| String::from_utf8(d).unwrap())
            .collect()
    };
    assert!(targets(&std::fs::read(dir.path().join("don.docx")).unwrap()).contains("Normal.dotm"));

    let out = run(&["--bo-lien-ket-ngoai"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written = std::fs::read(dir.path().join("don.docx")).unwrap();
    sound(&written).unwrap();
    let rels = targets(&written);
    assert!(!rels.contains("Normal.dotm") && !rels.contains("system.ini"), "{rels}");
    assert!(rels.contains("https://example.org/"), "{rels}");
}

/// A tag that doubles a string in a loop stops with an error naming its paragraph,
/// within seconds and a bounded memory, instead of growing until the process aborts.
#[test]
fn a_string_doubled_in_a_loop_is_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = form_with("word/document.xml", |t| {
        t.replace(
            "Tổng: {{ tong }}",
            "{% set ns = namespace(s=\"ab\") %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s | length }}",
        )
    });
    std::fs::write(dir.path().join("mau.docx"), bytes).unwrap();
    std::fs::write(dir.path().join("don.json"), form_data().to_string()).unwrap();
    let started = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_baocao"))
        .args(["render", "don.json", "-t", "mau.docx"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("mau.docx › thân văn bản › đoạn 4 «{% set ns = namespace")
            && stderr.contains("giá trị quá lớn"),
        "{stderr}"
    );
    assert!(took < std::time::Duration::from_secs(20), "{took:?}");
    assert!(peak_child_mb() < 250, "{} MB", peak_child_mb());
    assert!(!dir.path().join("don.docx").exists());
}

/// The largest resident size of a child process this test has waited for, in MB.
fn peak_child_mb() -> i64 {
    // SAFETY: getrusage only writes the struct we pass.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    usage.ru_maxrss / 1024
}

/// A form of a million tiny tags (small once compressed) is refused quickly, with
/// little memory, naming the part.
#[test]
fn a_million_tiny_tags_are_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let many = "{{a}}".repeat(1_000_000);
    let bytes = form_with("word/document.xml", |t| t.replace("Tổng: {{ tong }}", &many));
    assert!(bytes.len() < 200_000, "{}", bytes.len());
    std::fs::write(dir.path().join("mau.docx"), bytes).unwrap();
    std::fs::write(dir.path().join("don.json"), form_data().to_string()).unwrap();
    let started = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_baocao"))
        .args(["render", "don.json", "-t", "mau.docx"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("mau.docx › thân văn bản") && stderr.contains("thẻ"),
        "{stderr}"
    );
    assert!(took < std::time::Duration::from_secs(10), "{took:?}");
    assert!(peak_child_mb() < 250, "{} MB", peak_child_mb());
    let _ = Path::new("");
}
