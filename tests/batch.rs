//! A district's batch: every commune's report, failures kept local, safe names,
//! the summary file and the district summary report.

mod common;

use common::sample::{self, Commune};
use common::{baocao, docx_paragraphs, temp_dir, write_workbook};
use serde_json::Value;
use std::path::Path;

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn summary(out: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(out.join("tong-ket.json")).unwrap()).unwrap()
}

fn named(name: &str, seed: u64) -> Commune {
    sample::commune(name, seed)
}

#[test]
fn one_corrupt_workbook_fails_alone() {
    let dir = temp_dir();
    let input = dir.path().join("vao");
    std::fs::create_dir(&input).unwrap();
    for (i, name) in ["Ba Bích", "Ba Cung", "Ba Dinh", "Ba Điền"].iter().enumerate() {
        write_workbook(&input, &format!("{name}.xlsx"), &named(name, i as u64));
    }
    let good = sample::workbook_bytes(&named("Ba Xa", 9));
    std::fs::write(input.join("Ba Xa.xlsx"), &good[..good.len() / 3]).unwrap();
    std::fs::write(input.join("Ghi chú.txt"), "không phải bảng tính").unwrap();
    std::fs::write(input.join("~$Ba Bích.xlsx"), "lock").unwrap();

    let out = baocao(&["batch", "vao", "-o", "ra"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Ba Xa.xlsx") && stderr.contains("bị hỏng"), "{stderr}");
    assert!(
        stderr.contains("Bỏ qua: Ghi chú.txt") && stderr.contains("Bỏ qua: ~$Ba Bích.xlsx"),
        "{stderr}"
    );

    let out_dir = dir.path().join("ra");
    assert_eq!(
        files(&out_dir),
        [
            "bao-cao-ntm-2024-xa-ba-bich.docx",
            "bao-cao-ntm-2024-xa-ba-cung.docx",
            "bao-cao-ntm-2024-xa-ba-dien.docx",
            "bao-cao-ntm-2024-xa-ba-dinh.docx",
            "tong-hop-ntm-2024-huyen-ba-to.docx",
            "tong-ket.json"
        ],
        "every other report written, no temporary file left"
    );
    let s = summary(&out_dir);
    assert_eq!(
        (s["so_tep"].as_u64(), s["da_ghi"].as_u64(), s["loi"].as_u64()),
        (Some(5), Some(4), Some(1))
    );
    let failed: Vec<&Value> = s["cac_tep"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| !i["loi"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["tep"], "Ba Xa.xlsx");
    assert!(failed[0]["loi"][0]["message"].as_str().unwrap().contains("bị hỏng"));
    assert_eq!(s["bo_qua"].as_array().unwrap().len(), 2);
}

#[test]
fn hostile_names_make_safe_files_and_duplicates_are_reported() {
    let dir = temp_dir();
    let input = dir.path().join("vao");
    std::fs::create_dir(&input).unwrap();
    let names = ["../../etc/passwd", "CON", "a/b\\c:*?\"<>|", "Ba Thành", "BA THÀNH"];
    for (i, name) in names.iter().enumerate() {
        write_workbook(&input, &format!("{i}.xlsx"), &named(name, i as u64));
    }
    let out = baocao(&["batch", "vao", "-o", "ra", "-q"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let out_dir = dir.path().join("ra");
    let written = files(&out_dir);
    for f in &written {
        assert!(
            !f.contains(['/', '\\', ':', '*', '?', '"', '<', '>', '|']) && !f.contains(".."),
            "{f}"
        );
    }
    assert!(
        written.contains(&"bao-cao-ntm-2024-xa-etc-passwd.docx".to_string()),
        "{written:?}"
    );
    assert!(written.contains(&"bao-cao-ntm-2024-xa-con.docx".to_string()));
    assert!(written.contains(&"bao-cao-ntm-2024-xa-a-b-c.docx".to_string()));
    // "Ba Thành" and "BA THÀNH" are the same commune: the second is reported, not written over the first.
    let s = summary(&out_dir);
    let dup = s["cac_tep"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["tep"] == "4.xlsx")
        .unwrap();
    assert!(
        dup["loi"][0]["message"]
            .as_str()
            .unwrap()
            .contains("trùng xã và năm với tệp «3.xlsx»"),
        "{dup}"
    );
    // Nothing escaped the output folder.
    assert!(!dir.path().join("etc").exists());
}

#[test]
fn nothing_to_run_exits_2() {
    let dir = temp_dir();
    std::fs::create_dir(dir.path().join("rong")).unwrap();
    let out = baocao(&["batch", "rong", "-o", "ra"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("không có tệp bảng tính nào"));

    let out = baocao(&["batch", "khong-co", "-o", "ra"], dir.path());
    assert_eq!(out.status.code(), Some(2));

    let input = dir.path().join("vao");
    std::fs::create_dir(&input).unwrap();
    write_workbook(&input, "Ba Bích.xlsx", &named("Ba Bích", 1));
    std::fs::write(dir.path().join("la-tep"), "").unwrap();
    let out = baocao(&["batch", "vao", "-o", "la-tep/ra"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("không tạo được thư mục kết quả"));
}

#[test]
fn district_summary_counts_in_vietnamese_order() {
    let dir = temp_dir();
    let input = dir.path().join("vao");
    std::fs::create_dir(&input).unwrap();
    // Achieved criteria per commune, chosen so that the order and totals are known.
    let plan = [
        ("Ba Động", 19),
        ("Ba Dinh", 12),
        ("Ba Điền", 19),
        ("Ba Bích", 7),
        ("Ba Tô", 15),
        ("Ba Thành", 10),
    ];
    for (i, (name, achieved)) in plan.iter().enumerate() {
        let mut c = named(name, i as u64);
        for k in &mut c.criteria {
            k.achieved = k.no <= *achieved;
        }
        write_workbook(&input, &format!("{name}.xlsx"), &c);
    }
    let out = baocao(&["batch", "vao", "-o", "ra", "-q"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let docx = std::fs::read(dir.path().join("ra/tong-hop-ntm-2024-huyen-ba-to.docx")).unwrap();
    let paragraphs = docx_paragraphs(&docx);
    let text = paragraphs.join("\n");
    assert!(text.contains("toàn huyện có 6 xã"), "{text}");
    assert!(
        text.contains("Tổng số tiêu chí đạt của các xã là 82, bình quân 13,7 tiêu chí/xã"),
        "{text}"
    );
    assert!(
        text.contains("Số xã đạt đủ 19/19 tiêu chí: 2 xã (Ba Điền và Ba Động)"),
        "{text}"
    );

    // The matrix: communes in Vietnamese order, each row's count, the column totals.
    let parts = common::xml::unzip(&docx);
    let doc = common::xml::parse(&parts["word/document.xml"]);
    let table = doc
        .all("w:tbl")
        .into_iter()
        .find(|t| t.text().contains("Tên xã"))
        .unwrap();
    let rows: Vec<Vec<String>> = table
        .kids("w:tr")
        .iter()
        .map(|r| r.kids("w:tc").iter().map(|c| c.text()).collect())
        .collect();
    assert_eq!(rows[0].len(), 2 + 19 + 1);
    let order: Vec<(&str, &str)> = rows[1..7].iter().map(|r| (r[1].as_str(), r[21].as_str())).collect();
    assert_eq!(
        order,
        [
            ("Ba Bích", "7"),
            ("Ba Dinh", "12"),
            ("Ba Điền", "19"),
            ("Ba Động", "19"),
            ("Ba Thành", "10"),
            ("Ba Tô", "15")
        ]
    );
    let totals = &rows[7];
    assert_eq!(totals[1], "Cộng");
    assert_eq!(totals[2], "6"); // criterion 1: every commune
    assert_eq!(totals[9], "5"); // criterion 8: all but Ba Bích
    assert_eq!(totals[20], "2"); // criterion 19: the two at 19/19
    assert_eq!(totals[21], "82");
    assert_eq!(rows[3][2], "x");
}

#[test]
fn the_shipped_district_batch_runs() {
    let dir = temp_dir();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/huyen-ba-to");
    let out = baocao(&["batch", samples.to_str().unwrap(), "-o", "ra", "-q"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("đã lập 18 / 18 báo cáo"), "{stderr}");
    let s = summary(&dir.path().join("ra"));
    assert_eq!(s["da_ghi"], 18);
    // Ba Thành in the district folder is the single sample itself.
    let single = common::render_docx(&Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/Ba Thành.xlsx"));
    let batch = std::fs::read(dir.path().join("ra/bao-cao-ntm-2024-xa-ba-thanh.docx")).unwrap();
    assert_eq!(single, batch);
}

/// The promise of a batch: whatever bad files lie among the good ones, every good
/// commune's report is written, `tong-ket.json` too, and the district summary says
/// which communes it lacks; nothing is announced as done that then fails; exit 1.
#[test]
fn a_folder_with_every_kind_of_bad_file_still_gives_every_good_report() {
    let dir = temp_dir();
    let input = dir.path().join("vao");
    std::fs::create_dir(&input).unwrap();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/huyen-ba-to");
    for name in ["Ba Thành.xlsx", "Ba Trang.ods", "Ba Điền.xls"] {
        std::fs::copy(samples.join(name), input.join(name)).unwrap();
    }
    for (i, name) in ["Ba Bích", "Ba Cung"].iter().enumerate() {
        write_workbook(&input, &format!("{name}.xlsx"), &named(name, i as u64));
    }
    // Not a spreadsheet at all, but named like one; and one skipped by its name.
    std::fs::write(input.join("Bảng giả.xlsx"), "đây là văn bản, không phải bảng tính").unwrap();
    std::fs::write(input.join("Ghi chú.txt"), "ghi chú").unwrap();
    // Cut short in transit.
    let good = sample::workbook_bytes(&named("Ba Xa", 9));
    std::fs::write(input.join("Ba Xa.xlsx"), &good[..good.len() / 2]).unwrap();
    // A wrong cell: a length written as words.
    let mut wrong = named("Ba Khâm", 4);
    wrong.patches.push(sample::Patch::length_as_text());
    write_workbook(&input, "Ba Khâm.xlsx", &wrong);
    // The same commune twice (sorted after the first), and Excel's lock file.
    std::fs::copy(samples.join("Ba Thành.xlsx"), input.join("Ba Thành_ban sao.xlsx")).unwrap();
    std::fs::write(input.join("~$Ba Bích.xlsx"), "lock").unwrap();

    let out = baocao(&["batch", "vao", "-o", "ra"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let out_dir = dir.path().join("ra");
    assert_eq!(
        files(&out_dir),
        [
            "bao-cao-ntm-2024-xa-ba-bich.docx",
            "bao-cao-ntm-2024-xa-ba-cung.docx",
            "bao-cao-ntm-2024-xa-ba-dien.docx",
            "bao-cao-ntm-2024-xa-ba-thanh.docx",
            "bao-cao-ntm-2024-xa-ba-trang.docx",
            "tong-hop-ntm-2024-huyen-ba-to.docx",
            "tong-ket.json"
        ],
        "{stderr}"
    );
    // Progress: a failed input is never announced as done, the duplicate included.
    for bad in ["Bảng giả.xlsx", "Ba Xa.xlsx", "Ba Khâm.xlsx", "Ba Thành_ban sao.xlsx"] {
        assert!(stderr.contains(&format!("] {bad}: LỖI")), "{bad}: {stderr}");
        assert!(!stderr.contains(&format!("{bad}: xong")), "{bad}: {stderr}");
    }
    assert!(stderr.contains("] Ba Thành.xlsx: xong"), "{stderr}");

    let s = summary(&out_dir);
    assert_eq!(
        (s["so_tep"].as_u64(), s["da_ghi"].as_u64(), s["loi"].as_u64()),
        (Some(9), Some(5), Some(4))
    );
    assert_eq!(s["so_xa_tong_hop"], 5);
    assert_eq!(
        s["xa_thieu"],
        serde_json::json!(["Ba Khâm.xlsx", "Ba Xa.xlsx", "Bảng giả.xlsx"])
    );
    let kinds: Vec<(String, String)> = s["cac_tep"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| !i["loi"].as_array().unwrap().is_empty())
        .map(|i| {
            (
                i["tep"].as_str().unwrap().to_string(),
                i["loi"][0]["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        kinds.contains(&("Ba Thành_ban sao.xlsx".into(), "duplicate".into())),
        "{kinds:?}"
    );
    assert_eq!(s["bo_qua"].as_array().unwrap().len(), 2);

    // The summary agrees with tong-ket.json and names what it lacks.
    let docx = std::fs::read(out_dir.join("tong-hop-ntm-2024-huyen-ba-to.docx")).unwrap();
    let text = docx_paragraphs(&docx).join("\n");
    assert!(text.contains("toàn huyện có 5 xã báo cáo"), "{text}");
    assert!(
        text.contains(
            "còn 3 xã chưa lập được báo cáo nên chưa được tổng hợp: Ba Khâm.xlsx, Ba Xa.xlsx và Bảng giả.xlsx"
        ),
        "{text}"
    );
    assert!(text.contains("không tính lần thứ hai: Ba Thành_ban sao.xlsx"), "{text}");
}

/// Run `baocao`, killed if it is not done within `limit` (a FIFO read forever).
#[cfg(unix)]
fn baocao_within(args: &[&str], cwd: &Path, limit: std::time::Duration) -> std::process::Output {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_baocao"))
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("baocao {args:?} did not end within {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
#[test]
fn a_fifo_among_the_workbooks_is_skipped_not_read_forever() {
    let dir = temp_dir();
    let input = dir.path().join("vao");
    std::fs::create_dir(&input).unwrap();
    write_workbook(&input, "Ba Bích.xlsx", &named("Ba Bích", 1));
    let fifo = input.join("Ba Treo.xlsx");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let out = baocao_within(
        &["batch", "vao", "-o", "ra", "--khong-tong-hop"],
        dir.path(),
        std::time::Duration::from_secs(60),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("Bỏ qua: Ba Treo.xlsx (không phải tệp thông thường"),
        "{stderr}"
    );
    assert!(dir.path().join("ra/bao-cao-ntm-2024-xa-ba-bich.docx").is_file());
}

/// Ctrl-C or SIGTERM in the middle of a batch: what is finished stays (whole), no
/// temporary file is left, tong-ket.json says the run was stopped, exit 130; the
/// temporaries a killed earlier run left are swept at the start, and said so.
#[cfg(unix)]
#[test]
fn a_stopped_batch_keeps_whole_reports_and_no_temporaries() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let dir = temp_dir();
    let input = dir.path().join("vao");
    std::fs::create_dir(&input).unwrap();
    let total = 120;
    for i in 0..total {
        let name = format!("Xã Thử {i:03}");
        write_workbook(&input, &format!("{name}.xlsx"), &named(&name, i));
    }
    let out_dir = dir.path().join("ra");
    std::fs::create_dir(&out_dir).unwrap();
    // What a SIGKILLed run leaves, and files that are not ours.
    std::fs::write(out_dir.join(".baocao-a1B2c3.tmp"), "nửa tệp").unwrap();
    std::fs::write(out_dir.join(".baocao-d4E5f6.docx"), "nửa tệp").unwrap();
    std::fs::create_dir(out_dir.join(".baocao-pdf-g7H8i9")).unwrap();
    std::fs::write(out_dir.join(".baocao-pdf-g7H8i9/0.docx"), "x").unwrap();
    std::fs::write(out_dir.join("ghi-chu.txt"), "của người dùng").unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_baocao"))
        .args(["batch", "vao", "-o", "ra", "-f", "docx,odt"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 {
        seen.push_str(&line);
        if line.contains(": xong") {
            break;
        }
        line.clear();
    }
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    seen.push_str(&rest);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{seen}");
    assert!(seen.contains("Đã xóa 3 tệp tạm"), "{seen}");

    let s = summary(&out_dir);
    assert_eq!(s["bi_dung"], true);
    let written: Vec<String> = s["cac_tep"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["ket_qua"].as_array().unwrap().iter())
        .map(|f| {
            Path::new(f.as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert!(
        !written.is_empty() && written.len() < 2 * total as usize,
        "{}",
        written.len()
    );
    let mut expected = written.clone();
    expected.extend(["ghi-chu.txt".to_string(), "tong-ket.json".to_string()]);
    expected.sort();
    assert_eq!(files(&out_dir), expected, "only whole reports, no temporaries");
    for f in &written {
        let bytes = std::fs::read(out_dir.join(f)).unwrap();
        assert!(
            zip::ZipArchive::new(std::io::Cursor::new(bytes)).is_ok(),
            "{f} is not a whole package"
        );
    }
}

/// SIGKILL cannot be caught: what it leaves must already be whole reports (each is
/// renamed as soon as written, not at the end), and the next run clears the rest.
#[cfg(unix)]
#[test]
fn a_killed_batch_leaves_finished_reports_and_the_next_run_sweeps_the_rest() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let dir = temp_dir();
    let input = dir.path().join("vao");
    std::fs::create_dir(&input).unwrap();
    for i in 0..80 {
        let name = format!("Xã Giết {i:03}");
        write_workbook(&input, &format!("{name}.xlsx"), &named(&name, i));
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_baocao"))
        .args(["batch", "vao", "-o", "ra", "-f", "docx,odt"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut done = 0;
    let mut line = String::new();
    while done < 3 && stderr.read_line(&mut line).unwrap() > 0 {
        done += usize::from(line.contains(": xong"));
        line.clear();
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let out_dir = dir.path().join("ra");
    let left = files(&out_dir);
    let reports: Vec<&String> = left.iter().filter(|f| f.starts_with("bao-cao-")).collect();
    assert!(reports.len() >= 3, "{left:?}");
    for f in &reports {
        let bytes = std::fs::read(out_dir.join(f)).unwrap();
        assert!(zip::ZipArchive::new(std::io::Cursor::new(bytes)).is_ok(), "{f}");
    }
    let temps = left.iter().filter(|f| f.starts_with(".baocao-")).count();
    assert!(temps <= 16, "{temps} temporaries: {left:?}");

    let out = baocao(&["batch", "vao", "-o", "ra", "-q", "--khong-tong-hop"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    if temps > 0 {
        assert!(stderr.contains(&format!("Đã xóa {temps} tệp tạm")), "{stderr}");
    }
    assert!(!files(&out_dir).iter().any(|f| f.starts_with(".baocao-")));
}

/// A file with a warning and an error: `tong-ket.json` files the warning under
/// `canh_bao`, as `check --format json` does, never under `loi`.
#[test]
fn a_failed_files_warnings_stay_warnings_in_the_batch_and_in_check() {
    let dir = temp_dir();
    let input = dir.path().join("vao");
    std::fs::create_dir(&input).unwrap();
    let mut commune = sample::ba_thanh();
    commune.narrative = Some(sample::Narrative::new(&[
        &["Mục", "Nội dung"],
        &["kho_khan_xa", "Đoạn dưới một khóa mẫu không có."],
    ]));
    commune.patches.push(sample::Patch::length_as_text());
    write_workbook(&input, "Ba Thành.xlsx", &commune);

    let out = baocao(&["batch", "vao", "-o", "ra", "-q"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let s = summary(&dir.path().join("ra"));
    let item = &s["cac_tep"][0];
    let messages = |key: &str| -> Vec<String> {
        item[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["message"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(messages("loi").iter().any(|m| m.contains("khoảng 200")), "{item}");
    assert!(!messages("loi").iter().any(|m| m.contains("kho_khan_xa")), "{item}");
    assert!(messages("canh_bao").iter().any(|m| m.contains("kho_khan_xa")), "{item}");

    let check = baocao(&["check", "vao", "--format", "json"], dir.path());
    let checked: Value = serde_json::from_slice(&check.stdout).unwrap();
    let text = checked.to_string();
    assert!(text.contains("kho_khan_xa") && text.contains("khoảng 200"), "{text}");
    let first = &checked.as_array().map_or(&checked, |a| &a[0]);
    let warnings = first["canh_bao"].to_string();
    assert!(warnings.contains("kho_khan_xa"), "{checked}");
}

/// Each run has its own cancel token: one cancelled (a page job over its time)
/// writes nothing and leaves no temporary file, and the next run is not stopped.
#[test]
fn a_cancelled_run_stops_alone_and_the_next_run_is_not_stopped() {
    use baocao::batch;
    let dir = temp_dir();
    let input = dir.path().join("vao");
    std::fs::create_dir(&input).unwrap();
    for (i, name) in ["Ba Bích", "Ba Cung", "Ba Dinh"].iter().enumerate() {
        write_workbook(&input, &format!("{name}.xlsx"), &named(name, i as u64));
    }
    let pack = baocao::template::Pack::builtin().unwrap();
    let run = |out: &Path, cancel: batch::Cancel| {
        let (sources, skipped) = batch::sources(&pack, &input).unwrap();
        let options = batch::Options {
            out_dir: out.to_path_buf(),
            formats: vec![baocao::write::OutputFormat::Docx],
            summary: true,
            cancel,
            ..batch::Options::default()
        };
        std::fs::create_dir_all(out).unwrap();
        batch::run(&pack, sources, skipped, &options, &|_| {}).unwrap()
    };
    let cancel = batch::Cancel::new();
    cancel.cancel();
    let stopped = run(&dir.path().join("dung"), cancel);
    assert_eq!(stopped.da_ghi, 0);
    assert!(stopped
        .cac_tep
        .iter()
        .all(|i| i.loi.iter().any(|d| d.kind == baocao::error::Kind::Interrupted)));
    assert!(stopped.bao_cao_tong_hop.is_none());
    assert!(files(&dir.path().join("dung"))
        .iter()
        .all(|f| !f.starts_with(".baocao-")));
    let next = run(&dir.path().join("ra"), batch::Cancel::new());
    assert_eq!(next.da_ghi, 3, "{:?}", next.cac_tep);
    assert!(next.bao_cao_tong_hop.is_some());
}

/// A file that fails after binding (here the pack's body names a value that is not
/// there) keeps the warnings binding met: under `canh_bao` in `tong-ket.json` and in
/// `check`, printed by `render`; they used to vanish with the failure.
#[test]
fn warnings_met_before_a_template_error_stay_warnings_everywhere() {
    let dir = temp_dir();
    let input = dir.path().join("vao");
    std::fs::create_dir(&input).unwrap();
    let pack = dir.path().join("mau");
    std::fs::create_dir(&pack).unwrap();
    let builtin = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/bao-cao-ntm");
    for name in ["manifest.toml", "noi-dung.md", "tong-hop.md"] {
        std::fs::copy(builtin.join(name), pack.join(name)).unwrap();
    }
    let body = std::fs::read_to_string(pack.join("noi-dung.md")).unwrap();
    std::fs::write(pack.join("noi-dung.md"), format!("{body}\n{{{{ khong_co.truong }}}}\n")).unwrap();
    let mut commune = sample::ba_thanh();
    commune.narrative = Some(sample::Narrative::new(&[
        &["Mục", "Nội dung"],
        &["kho_khan_xa", "Đoạn dưới một khóa mẫu không có."],
    ]));
    write_workbook(&input, "Ba Thành.xlsx", &commune);

    let out = baocao(&["batch", "vao", "-t", "mau", "-o", "ra", "-q"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let s = summary(&dir.path().join("ra"));
    let item = &s["cac_tep"][0];
    let kinds = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|d| format!("{} {}", d["severity"], d["message"]))
            .collect()
    };
    let (loi, canh_bao) = (kinds(&item["loi"]), kinds(&item["canh_bao"]));
    assert!(loi.iter().any(|m| m.contains("khong_co")), "{item}");
    assert!(loi.iter().all(|m| m.starts_with("\"error\"")), "{item}");
    assert!(canh_bao.iter().any(|m| m.contains("kho_khan_xa")), "{item}");
    assert!(canh_bao.iter().all(|m| m.starts_with("\"warning\"")), "{item}");

    let check = baocao(&["check", "vao", "-t", "mau", "--format", "json"], dir.path());
    let checked: Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(kinds(&checked[0]["loi"]), loi, "{checked}");
    assert_eq!(kinds(&checked[0]["canh_bao"]), canh_bao, "{checked}");

    let render = baocao(&["render", "vao/Ba Thành.xlsx", "-t", "mau", "-o", "ra1/"], dir.path());
    let said = String::from_utf8_lossy(&render.stderr);
    assert_eq!(render.status.code(), Some(1), "{said}");
    assert!(said.contains("Cảnh báo") && said.contains("kho_khan_xa"), "{said}");
}

/// A run into memory (the page's) writes nothing to disk, not even its output folder,
/// and keeps the very bytes the folder run writes, the district summary included; a
/// file past its cap is refused, said, and not kept.
#[test]
fn a_run_into_memory_touches_no_folder_and_keeps_the_folders_bytes() {
    use baocao::batch;
    let dir = temp_dir();
    let input = dir.path().join("vao");
    std::fs::create_dir(&input).unwrap();
    for (i, name) in ["Ba Bích", "Ba Cung", "Ba Dinh"].iter().enumerate() {
        write_workbook(&input, &format!("{name}.xlsx"), &named(name, i as u64));
    }
    let pack = baocao::template::Pack::builtin().unwrap();
    let run = |out: &Path, sink: batch::Sink| {
        let (sources, skipped) = batch::sources(&pack, &input).unwrap();
        let options = batch::Options {
            out_dir: out.to_path_buf(),
            sink,
            formats: vec![baocao::write::OutputFormat::Docx, baocao::write::OutputFormat::Odt],
            summary: true,
            root: Some(input.clone()),
            ..batch::Options::default()
        };
        batch::run(&pack, sources, skipped, &options, &|_| {}).unwrap()
    };
    let folder = dir.path().join("ra");
    let written = run(&folder, batch::Sink::Folder);
    assert_eq!(written.da_ghi, 3);

    // A folder that cannot even be made: a file stands where it would be.
    std::fs::write(dir.path().join("tep"), "").unwrap();
    let nowhere = dir.path().join("tep").join("ra");
    let memory = batch::Memory::new(64 << 20);
    let kept = run(&nowhere, batch::Sink::Memory(memory.clone()));
    assert_eq!(kept.da_ghi, 3, "{:?}", kept.cac_tep);
    assert!(!nowhere.exists());
    let files = memory.take();
    let mut names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    names.sort();
    let on_disk: Vec<String> = self::files(&folder)
        .into_iter()
        .filter(|n| n != "tong-ket.json")
        .collect();
    assert_eq!(names, on_disk);
    for (name, bytes) in &files {
        assert_eq!(*bytes, std::fs::read(folder.join(name)).unwrap(), "{name}");
    }
    assert_eq!(kept.cac_tep[0].ket_qua.len(), 2);
    assert!(files.iter().any(|(n, _)| Some(n) == kept.bao_cao_tong_hop.as_ref()));

    let small = batch::Memory::new(files[0].1.len() as u64 + 1);
    let capped = run(&nowhere, batch::Sink::Memory(small.clone()));
    assert!(small.is_over());
    assert_eq!(small.take().len(), 1);
    let refused = &capped.cac_tep[0].loi;
    assert!(
        refused
            .iter()
            .any(|d| d.kind == baocao::error::Kind::TooLarge && d.message.contains("giới hạn")),
        "{refused:?}"
    );
}

/// What an input is, decided once (`plan::inputs`): a single workbook is one commune,
/// a district workbook its communes, a folder its workbooks, and `batch` and `check`
/// take the same inputs under the same names from each (`batch` used to refuse a
/// single workbook that `check` took).
#[test]
fn batch_and_check_take_the_same_inputs_from_a_workbook_a_district_and_a_folder() {
    let dir = temp_dir();
    let input = dir.path().join("vao");
    std::fs::create_dir(&input).unwrap();
    for (i, name) in ["Ba Bích", "Ba Cung"].iter().enumerate() {
        write_workbook(&input, &format!("{name}.xlsx"), &named(name, i as u64));
    }
    let communes = vec![sample::commune("Ba Dinh", 3), sample::commune("Ba Vì", 4)];
    std::fs::write(dir.path().join("huyen.xlsx"), sample::district_workbook(&communes)).unwrap();
    for (given, expected) in [
        ("vao/Ba Bích.xlsx", vec!["Ba Bích.xlsx"]),
        ("huyen.xlsx", vec!["huyen.xlsx › Ba Dinh", "huyen.xlsx › Ba Vì"]),
        ("vao", vec!["Ba Bích.xlsx", "Ba Cung.xlsx"]),
    ] {
        let out = baocao(&["batch", given, "-o", "ra", "-q"], dir.path());
        assert!(
            out.status.success(),
            "{given}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let s = summary(&dir.path().join("ra"));
        let batch: Vec<&str> = s["cac_tep"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["tep"].as_str().unwrap())
            .collect();
        assert_eq!(batch, expected, "{given}");
        assert!(s["cac_tep"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["ket_qua"].as_array().unwrap().len() == 1));

        let check = baocao(&["check", given, "--format", "json"], dir.path());
        let checked: Value = serde_json::from_slice(&check.stdout).unwrap();
        let files: Vec<String> = checked
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let tep = c["tep"].as_str().unwrap();
                tep.strip_prefix("vao/").unwrap_or(tep).to_string()
            })
            .collect();
        assert_eq!(files, expected, "{given}");
        std::fs::remove_dir_all(dir.path().join("ra")).unwrap();
    }
}
