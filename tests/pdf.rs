//! The PDF written in-process: what a reader of the file checks (its text, page
//! numbers, fonts, title, landscape appendices), the same bytes every time, `render`
//! and `batch` with no LibreOffice anywhere, and the electronic document (`--dien-tu`).
//! The PDFs are read back with poppler (pdftotext, pdfinfo, pdffonts), which CI installs.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(name)
}

/// A poppler tool's output, or None (skipped, except in CI) where it is missing.
fn poppler(tool: &str, args: &[&str], pdf: &Path) -> Option<String> {
    // pdftotext writes to stdout when told "-"; the others always do.
    let to_stdout: &[&str] = if tool == "pdftotext" { &["-"] } else { &[] };
    match Command::new(tool).args(args).arg(pdf).args(to_stdout).output() {
        Ok(out) if out.status.success() || tool != "pdftotext" => {
            Some(String::from_utf8_lossy(&out.stdout).into_owned())
        }
        Ok(out) => panic!(
            "{tool} failed on {}: {}",
            pdf.display(),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(_) => {
            common::skipped(&format!("{tool} (poppler-utils) not installed"));
            None
        }
    }
}

fn text(pdf: &Path, pages: Option<(u32, u32)>) -> Option<String> {
    let range = pages.map(|(f, l)| [f.to_string(), l.to_string()]);
    let mut args = vec![];
    if let Some([f, l]) = &range {
        args.extend(["-f", f.as_str(), "-l", l.as_str()]);
    }
    poppler("pdftotext", &args, pdf)
}

/// pdfinfo's fields (its "-" argument is ignored as a second file: give none).
fn info(pdf: &Path, args: &[&str]) -> Option<String> {
    match Command::new("pdfinfo").args(args).arg(pdf).output() {
        Ok(out) => {
            assert!(
                out.status.success(),
                "pdfinfo: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(String::from_utf8_lossy(&out.stdout).into_owned())
        }
        Err(_) => {
            common::skipped("pdfinfo (poppler-utils) not installed");
            None
        }
    }
}

/// Each page's (width, height) in points.
fn page_sizes(pdf: &Path) -> Option<Vec<(f64, f64)>> {
    let out = info(pdf, &["-f", "1", "-l", "9999"])?;
    Some(
        out.lines()
            .filter(|l| l.starts_with("Page ") && l.contains(" size: "))
            .map(|l| {
                let size = l.split(" size: ").nth(1).unwrap();
                let mut parts = size.split_whitespace();
                let w: f64 = parts.next().unwrap().parse().unwrap();
                parts.next(); // "x"
                let h: f64 = parts.next().unwrap().parse().unwrap();
                (w, h)
            })
            .collect(),
    )
}

fn field(info: &str, name: &str) -> String {
    info.lines()
        .find_map(|l| {
            l.strip_prefix(name)
                .map(|v| v.trim_start_matches(':').trim().to_string())
        })
        .unwrap_or_default()
}

/// A PATH that holds no LibreOffice: only the folders without a `soffice` or
/// `libreoffice` in them.
fn path_without_libreoffice() -> std::ffi::OsString {
    let paths = std::env::var_os("PATH").unwrap_or_default();
    let kept: Vec<PathBuf> = std::env::split_paths(&paths)
        .filter(|dir| !dir.join("soffice").exists() && !dir.join("libreoffice").exists())
        .collect();
    std::env::join_paths(kept).unwrap()
}

fn baocao_without_libreoffice(args: &[&str], cwd: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_baocao"))
        .args(args)
        .current_dir(cwd)
        .env("PATH", path_without_libreoffice())
        .output()
        .unwrap()
}

/// `render -f pdf` of Ba Thành with no LibreOffice on the PATH: the file's text
/// has the letterhead, the number line, the commune and a figure of its tables; the
/// page number is on page 2 and not on page 1; fonts embedded; title in the metadata;
/// the appendices on landscape pages.
#[test]
fn render_writes_the_report_as_pdf_without_libreoffice() {
    let dir = common::temp_dir();
    let out = baocao_without_libreoffice(
        &[
            "render",
            sample("Ba Thành.xlsx").to_str().unwrap(),
            "-f",
            "pdf",
            "-o",
            "bao-cao.pdf",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pdf = dir.path().join("bao-cao.pdf");
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));

    let Some(all) = text(&pdf, None) else { return };
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số:",
        "/BC-UBND",
        "XÃ BA THÀNH",
        "BÁO CÁO",
        "Nơi nhận:",
        "Phụ lục I",
    ] {
        assert!(all.contains(expected), "«{expected}» not in the PDF's text:\n{all}");
    }
    // A figure of the appendix table, as the .docx has it.
    let docx = common::render_docx(&sample("Ba Thành.xlsx"));
    let docx_text = common::docx_text(&docx);
    let figure = docx_text
        .lines()
        .map(str::trim)
        .find(|l| l.len() >= 5 && l.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ','))
        .expect("a figure in the report's tables");
    assert!(all.contains(figure), "figure «{figure}» not in the PDF's text");

    let first = text(&pdf, Some((1, 1))).unwrap();
    let second = text(&pdf, Some((2, 2))).unwrap();
    assert_eq!(
        second.lines().map(str::trim).find(|l| !l.is_empty()),
        Some("2"),
        "page 2 starts with its number:\n{second}"
    );
    assert!(
        first.lines().map(str::trim).find(|l| !l.is_empty()) != Some("1"),
        "page 1 has no number:\n{first}"
    );
    // Every later page, portrait or landscape, has its own number at its top.
    let pages = page_sizes(&pdf).unwrap().len() as u32;
    assert!(pages > 5, "{pages} pages");
    for p in 3..=pages {
        let page = text(&pdf, Some((p, p))).unwrap();
        let number = p.to_string();
        assert_eq!(
            page.lines().map(str::trim).find(|l| !l.is_empty()),
            Some(number.as_str()),
            "page {p} starts with its number:\n{page}"
        );
    }

    let Some(fonts) = poppler("pdffonts", &[], &pdf) else {
        return;
    };
    let rows: Vec<&str> = fonts.lines().skip(2).filter(|l| !l.trim().is_empty()).collect();
    assert!(!rows.is_empty(), "{fonts}");
    for row in &rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type [type] encoding emb sub uni object ID
        let n = cols.len();
        assert_eq!(
            &cols[n - 5..n - 2],
            ["yes", "yes", "yes"],
            "embedded subset with ToUnicode: {row}"
        );
    }

    let meta = info(&pdf, &[]).unwrap();
    assert!(field(&meta, "Title").starts_with("Báo cáo"), "{meta}");
    assert_eq!(field(&meta, "Author"), "ỦY BAN NHÂN DÂN XÃ BA THÀNH", "{meta}");

    let sizes = page_sizes(&pdf).unwrap();
    let (w, h) = sizes[0];
    assert!(
        (w - 595.3).abs() < 1.0 && (h - 841.9).abs() < 1.0,
        "page 1 is A4 portrait: {w} x {h}"
    );
    // Each appendix starts on a page of its own, turned as the Document says
    // (Phụ lục I's table is wide: landscape; the others fit a portrait page).
    let pack = baocao::template::Pack::builtin().unwrap();
    let report = baocao::report::from_file(&pack, &sample("Ba Thành.xlsx")).unwrap();
    let sections = &report.document().unwrap().sections;
    assert!(sections[1].landscape && !sections[0].landscape);
    for (i, section) in sections.iter().enumerate().skip(1) {
        let numeral = ["I", "II", "III", "IV", "V", "VI"][i - 1];
        let page = (1..=sizes.len() as u32)
            .find(|&p| {
                text(&pdf, Some((p, p)))
                    .unwrap()
                    .lines()
                    .any(|l| l.trim() == format!("Phụ lục {numeral}"))
            })
            .unwrap_or_else(|| panic!("no page starts Phụ lục {numeral}"));
        let (w, h) = sizes[page as usize - 1];
        assert_eq!(w > h, section.landscape, "Phụ lục {numeral} on page {page}: {w} x {h}");
    }
}

/// Same document, same bytes: no clock, no random identifier.
#[test]
fn same_report_same_pdf() {
    let pack = baocao::template::Pack::builtin().unwrap();
    let report = baocao::report::from_file(&pack, &sample("Ba Thành.xlsx")).unwrap();
    let doc = report.document().unwrap();
    let a = baocao::write::pdf::to_bytes(doc).unwrap();
    let b = baocao::write::pdf::to_bytes(doc).unwrap();
    assert!(a == b, "two runs differ");
    let text = String::from_utf8_lossy(&a);
    assert!(!text.contains("/CreationDate (D:20") || text.contains("/CreationDate (D:2024"));
}

/// `batch -f pdf` of the district with no LibreOffice on the PATH: a PDF for every
/// commune and for the summary.
#[test]
fn batch_writes_pdf_without_libreoffice() {
    let dir = common::temp_dir();
    let out = baocao_without_libreoffice(
        &[
            "batch",
            sample("huyen-ba-to").to_str().unwrap(),
            "-o",
            "ra",
            "-f",
            "pdf",
            "-q",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut pdfs: Vec<String> = std::fs::read_dir(dir.path().join("ra"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".pdf"))
        .collect();
    pdfs.sort();
    assert_eq!(pdfs.len(), 19, "18 communes and the summary: {pdfs:?}");
    assert!(
        pdfs.contains(&"tong-hop-ntm-2024-huyen-ba-to.pdf".to_string()),
        "{pdfs:?}"
    );
    for name in &pdfs {
        let bytes = std::fs::read(dir.path().join("ra").join(name)).unwrap();
        assert!(bytes.starts_with(b"%PDF-") && bytes.len() > 10_000, "{name}");
    }
    let summary = dir.path().join("ra/tong-hop-ntm-2024-huyen-ba-to.pdf");
    if let Some(t) = text(&summary, None) {
        assert!(t.contains("ỦY BAN NHÂN DÂN"), "{t}");
    }
}

/// `--dien-tu`: the report and each appendix as PDF/A-2b files of their own, each
/// appendix numbered from its own page 1, its first page's top right left clear.
#[test]
fn electronic_document_is_pdf_a_with_one_file_per_appendix() {
    let dir = common::temp_dir();
    let out = baocao_without_libreoffice(
        &[
            "render",
            sample("Ba Thành.xlsx").to_str().unwrap(),
            "--dien-tu",
            "-o",
            "ra/",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("ra"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let main = "bao-cao-ntm-2024-xa-ba-thanh.pdf";
    assert!(names.contains(&main.to_string()), "{names:?}");
    let appendices: Vec<&String> = names.iter().filter(|n| n.contains("-phu-luc-")).collect();
    let pack = baocao::template::Pack::builtin().unwrap();
    let report = baocao::report::from_file(&pack, &sample("Ba Thành.xlsx")).unwrap();
    let expected = report.document().unwrap().sections.len() - 1;
    assert!(expected >= 2, "Ba Thành has appendices");
    assert_eq!(appendices.len(), expected, "{names:?}");
    for name in names.iter().filter(|n| n.ends_with(".pdf")) {
        let bytes = std::fs::read(dir.path().join("ra").join(name)).unwrap();
        let raw = String::from_utf8_lossy(&bytes);
        assert!(
            raw.contains("<pdfaid:part>2</pdfaid:part>") && raw.contains("<pdfaid:conformance>B</pdfaid:conformance>"),
            "{name}: PDF/A-2b identification in the XMP metadata"
        );
        assert!(raw.contains("/OutputIntents"), "{name}: an output intent");
    }
    let main = dir.path().join("ra").join(main);
    let Some(main_text) = text(&main, None) else { return };
    assert!(
        !main_text.contains("Phụ lục I\n"),
        "the appendices are not in the report's file"
    );
    for (i, name) in appendices.iter().enumerate() {
        let pdf = dir.path().join("ra").join(name);
        let numeral = ["I", "II", "III", "IV", "V"][i];
        let first = text(&pdf, Some((1, 1))).unwrap();
        assert!(first.contains(&format!("Phụ lục {numeral}")), "{name}: {first}");
        assert!(first.lines().map(str::trim).find(|l| !l.is_empty()) != Some("1"));
        let sizes = page_sizes(&pdf).unwrap();
        if sizes.len() > 1 {
            let second = text(&pdf, Some((2, 2))).unwrap();
            assert_eq!(
                second.lines().map(str::trim).find(|l| !l.is_empty()),
                Some("2"),
                "{name}"
            );
        }
        // The văn thư's signature goes in the top right of page 1: no text there
        // (pdftotext's -x/-y/-W/-H crop: the right third of the page, 3.3 cm from the top: the margin and the room kept under it).
        let (w, _) = sizes[0];
        let crop = [
            "-f".to_string(),
            "1".into(),
            "-l".into(),
            "1".into(),
            "-x".into(),
            format!("{}", (w * 2.0 / 3.0) as u32),
            "-y".into(),
            "0".into(),
            "-W".into(),
            format!("{}", (w / 3.0) as u32),
            "-H".into(),
            "95".into(),
        ];
        let args: Vec<&str> = crop.iter().map(String::as_str).collect();
        let corner = poppler("pdftotext", &args, &pdf).unwrap();
        assert!(corner.trim().is_empty(), "{name}: the signing corner holds «{corner}»");
    }
}
