//! Reports as they go up since July 2025: the province summary's frame, a province
//! batch over sub-folders, the 2025 pack; and the 2024 path unchanged.

mod common;

use common::sample;
use common::{baocao, docx_paragraphs, temp_dir, xml};
use serde_json::Value;
use std::path::Path;

fn samples() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/samples"))
}

/// FNV-1a, 64 bits: a stable fingerprint of a part's bytes (no hashing crate needed).
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn document_xml(file: &Path) -> String {
    xml::unzip(&std::fs::read(file).unwrap())["word/document.xml"].clone()
}

/// The 2024 district sample gives the same document.xml as before the 2025 work
/// (values computed on main at 55d5e97, before any change of this branch; the
/// summary's since it gathers the communes' own «Khó khăn, vướng mắc», 28638cb; the
/// communes' since issue 19 (a sentence for each case, counts as plain numbers, the
/// appendices named, the thôn criteria's section; the summary's note «(2/18 xã; các xã khác
/// dùng lời chung của mẫu)» moved to the console; each appendix keeps its last rows with
/// its total).
#[test]
fn the_2024_sample_renders_as_before() {
    let dir = temp_dir();
    let input = samples().join("huyen-ba-to");
    let out = baocao(&["batch", input.to_str().unwrap(), "-o", "ra", "-q"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let ra = dir.path().join("ra");
    let got: Vec<(&str, u64)> = [
        "bao-cao-ntm-2024-xa-ba-thanh.docx",
        "bao-cao-ntm-2024-xa-ba-dien.docx",
        "bao-cao-ntm-2024-xa-ba-trang.docx",
        "bao-cao-ntm-2024-xa-ba-vinh.docx",
        "tong-hop-ntm-2024-huyen-ba-to.docx",
    ]
    .into_iter()
    .map(|f| (f, fnv(document_xml(&ra.join(f)).as_bytes())))
    .collect();
    let expected: [(&str, u64); 5] = [
        ("bao-cao-ntm-2024-xa-ba-thanh.docx", 0xea9a7765c63d9920),
        ("bao-cao-ntm-2024-xa-ba-dien.docx", 0xd3855c2842cec675),
        ("bao-cao-ntm-2024-xa-ba-trang.docx", 0x7a60f0cac93483d7),
        ("bao-cao-ntm-2024-xa-ba-vinh.docx", 0xf6a79941c047524c),
        ("tong-hop-ntm-2024-huyen-ba-to.docx", 0x1b3d8a035e7bdbbc),
    ];
    assert_eq!(got, expected);
}

/// A province of a few 2025 communes in sub-folders: (folder, file, commune name).
fn province(dir: &Path, communes: &[(&str, &str, &str)]) {
    for (i, (folder, file, name)) in communes.iter().enumerate() {
        let d = dir.join(folder);
        std::fs::create_dir_all(&d).unwrap();
        let c = sample::province_commune(name, "Quảng Ngãi", 40 + i as u64);
        std::fs::write(d.join(file), sample::workbook_bytes(&c)).unwrap();
    }
}

fn tong_ket(out: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(out.join("tong-ket.json")).unwrap()).unwrap()
}

fn position(paragraphs: &[String], text: &str) -> usize {
    paragraphs
        .iter()
        .position(|p| p == text)
        .unwrap_or_else(|| panic!("«{text}» not a paragraph of the summary:\n{}", paragraphs.join("\n")))
}

#[test]
fn a_province_summary_issued_by_a_so_reads_back_from_the_docx() {
    let dir = temp_dir();
    province(
        &dir.path().join("tinh"),
        &[("", "Ba Tơ.xlsx", "Ba Tơ"), ("", "Sơn Hà.xlsx", "Sơn Hà")],
    );
    // The signer comes from a small file; the flags give the issuing body and win over it.
    std::fs::write(
        dir.path().join("ky.toml"),
        "nguoi_ky = \"Trần Văn Bình\"\nchuc_vu = \"PHÓ GIÁM ĐỐC\"\nso = \"99\"\n",
    )
    .unwrap();
    let out = baocao(
        &[
            "batch",
            "tinh",
            "-o",
            "ra",
            "-q",
            "-t",
            "bao-cao-ntm-2025",
            "--tong-hop",
            "ky.toml",
            "--co-quan-chu-quan",
            "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI",
            "--co-quan",
            "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG",
            "--ky-hieu",
            "BC-SNNMT",
            "--quyen-han-ky",
            "KT. GIÁM ĐỐC",
            "--so",
            "15",
            "--ngay",
            "20/12/2025",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let docx = std::fs::read(dir.path().join("ra/tong-hop-ntm-2025-tinh-quang-ngai.docx")).unwrap();
    let p = docx_paragraphs(&docx);
    // Cơ quan chủ quản above the issuing body, as ND30 draws a Sở's header.
    assert!(position(&p, "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI") < position(&p, "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"));
    position(&p, "Số: 15/BC-SNNMT");
    position(&p, "Quảng Ngãi, ngày 20 tháng 12 năm 2025");
    assert!(position(&p, "KT. GIÁM ĐỐC") < position(&p, "PHÓ GIÁM ĐỐC"));
    assert!(position(&p, "PHÓ GIÁM ĐỐC") < position(&p, "Trần Văn Bình"));
    assert!(!p
        .iter()
        .any(|l| l.contains("TM. ỦY BAN NHÂN DÂN") || l.contains("/BC-UBND")));
    assert!(
        p.iter().any(|l| l.contains("trên địa bàn tỉnh Quảng Ngãi")),
        "the title names the province"
    );

    // Without flags: UBND tỉnh issues it, and the văn thư's blanks stay blank.
    let out = baocao(
        &["batch", "tinh", "-o", "ra2", "-q", "-t", "bao-cao-ntm-2025"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let p = docx_paragraphs(&std::fs::read(dir.path().join("ra2/tong-hop-ntm-2025-tinh-quang-ngai.docx")).unwrap());
    assert!(position(&p, "ỦY BAN NHÂN DÂN") < position(&p, "TỈNH QUẢNG NGÃI"));
    position(&p, "Số: \u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}/BC-UBND");
    position(&p, "TM. ỦY BAN NHÂN DÂN");

    // A bad date is refused before any work, naming the flag's value.
    let out = baocao(
        &["batch", "tinh", "-o", "ra3", "-t", "bao-cao-ntm-2025", "--ngay", "mai"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("dd/mm/yyyy"));
}

#[test]
fn a_batch_over_sub_folders_writes_a_summary_per_folder_and_the_provinces() {
    let dir = temp_dir();
    province(
        &dir.path().join("tinh"),
        &[
            ("Khu A", "Đình Cương.xlsx", "Đình Cương"),
            ("Khu A", "Ba Tô.xlsx", "Ba Tô"),
            ("Khu A", "Ân Phú.xlsx", "Ân Phú"),
            ("Khu B", "Dân Chủ.xlsx", "Dân Chủ"),
            ("Khu B", "Ba Tơ.xlsx", "Ba Tơ"),
            ("Khu B/Cán bộ Lan", "ba to gui lai.xlsx", "Ba Tô"),
            ("Khu B/Cán bộ Lan", "Ba Liên.xlsx", "Ba Liên"),
        ],
    );
    let out = baocao(
        &[
            "batch",
            "tinh",
            "-o",
            "ra",
            "-t",
            "bao-cao-ntm-2025",
            "--nhom",
            "thu-muc",
        ],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // Progress lines name the folder; the same commune sent twice from two folders is
    // a duplicate, a commune whose name differs only by its tones is not.
    assert!(stderr.contains("Khu A/Ân Phú.xlsx: xong"), "{stderr}");
    assert!(
        stderr.contains("Khu B/Cán bộ Lan/ba to gui lai.xlsx: trùng xã và năm với tệp «Khu A/Ba Tô.xlsx»"),
        "{stderr}"
    );
    let ra = dir.path().join("ra");
    for f in [
        "tong-hop-ntm-2025-tinh-quang-ngai.docx",
        "tong-hop-ntm-2025-tinh-quang-ngai-khu-a.docx",
        "tong-hop-ntm-2025-tinh-quang-ngai-khu-b.docx",
        "bao-cao-ntm-2025-xa-ba-to.docx",
        "bao-cao-ntm-2025-xa-ba-to-2.docx",
    ] {
        assert!(ra.join(f).is_file(), "{f} missing");
    }
    let s = tong_ket(&ra);
    let folders: Vec<(&str, &str)> = s["cac_tep"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["tep"].as_str().unwrap(), i["thu_muc"].as_str().unwrap()))
        .collect();
    assert!(folders.contains(&("Khu B/Cán bộ Lan/ba to gui lai.xlsx", "Khu B/Cán bộ Lan")));
    assert!(folders.contains(&("Khu A/Ân Phú.xlsx", "Khu A")));
    let groups: Vec<(&str, u64)> = s["tong_hop_nhom"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["thu_muc"].as_str().unwrap(), g["so_xa"].as_u64().unwrap()))
        .collect();
    // A group is a sub-folder with everything below it.
    assert_eq!(groups, [("Khu A", 3), ("Khu B", 3)]);
    assert_eq!(s["so_xa_tong_hop"], 6);

    // Communes in Vietnamese order (Â after A, Ơ after Ô, Đ after D), not byte order.
    let names = |file: &str| -> Vec<String> {
        let p = docx_paragraphs(&std::fs::read(ra.join(file)).unwrap());
        let known = ["Ân Phú", "Ba Liên", "Ba Tô", "Ba Tơ", "Dân Chủ", "Đình Cương"];
        p.into_iter().filter(|l| known.contains(&l.as_str())).collect()
    };
    assert_eq!(
        names("tong-hop-ntm-2025-tinh-quang-ngai.docx"),
        ["Ân Phú", "Ba Liên", "Ba Tô", "Ba Tơ", "Dân Chủ", "Đình Cương"]
    );
    assert_eq!(
        names("tong-hop-ntm-2025-tinh-quang-ngai-khu-a.docx"),
        ["Ân Phú", "Ba Tô", "Đình Cương"]
    );
    let khu_b = docx_paragraphs(&std::fs::read(ra.join("tong-hop-ntm-2025-tinh-quang-ngai-khu-b.docx")).unwrap());
    assert!(khu_b.iter().any(|l| l.contains("của các xã thuộc Khu B")), "{khu_b:?}");
}

#[test]
fn the_2025_sample_province_says_huyen_nowhere() {
    let dir = temp_dir();
    let input = samples().join("tinh-quang-ngai");
    let out = baocao(
        &[
            "batch",
            input.to_str().unwrap(),
            "-o",
            "ra",
            "-q",
            "-t",
            "bao-cao-ntm-2025",
            "--nhom",
            "thu-muc",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let ra = dir.path().join("ra");
    let mut docs = 0;
    for entry in std::fs::read_dir(&ra).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "docx") {
            continue;
        }
        docs += 1;
        let bytes = std::fs::read(&path).unwrap();
        let text = docx_paragraphs(&bytes).join("\n").to_lowercase();
        assert!(!text.contains("huyện"), "{}: {text}", path.display());
        for (part, xml) in xml::unzip(&bytes) {
            assert!(!xml.to_lowercase().contains("huyện"), "{} › {part}", path.display());
        }
        if path.to_string_lossy().contains("bao-cao-ntm-2025-xa-") {
            let p = docx_paragraphs(&bytes);
            assert!(
                p.iter().any(|l| l == "Kính gửi: Ủy ban nhân dân tỉnh Quảng Ngãi."),
                "{}",
                path.display()
            );
            assert!(p.iter().any(|l| l == "- Như trên;"));
        }
    }
    assert_eq!(docs, 20 + 4 + 1, "20 communes, 4 folders, the province");
}

#[test]
fn a_mistyped_key_of_the_summary_file_is_named_with_its_line() {
    let dir = temp_dir();
    province(&dir.path().join("tinh"), &[("", "Ba Tơ.xlsx", "Ba Tơ")]);
    std::fs::write(
        dir.path().join("ky.toml"),
        "so = \"15\"\nnguoi_ki = \"Trần Văn Bình\"\n",
    )
    .unwrap();
    let out = baocao(
        &[
            "batch",
            "tinh",
            "-o",
            "ra",
            "-t",
            "bao-cao-ntm-2025",
            "--tong-hop",
            "ky.toml",
        ],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("ky.toml") && stderr.contains("dòng 2") && stderr.contains("khóa «nguoi_ki» không có"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("ra").exists(),
        "nothing written before the file is right"
    );
}

#[test]
fn a_name_typed_without_its_tones_is_the_same_commune() {
    let dir = temp_dir();
    province(
        &dir.path().join("tinh"),
        &[("", "Ba Động.xlsx", "Ba Động"), ("", "ba dong.xlsx", "Ba Dong")],
    );
    let out = baocao(&["batch", "tinh", "-o", "ra", "-t", "bao-cao-ntm-2025"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("ba dong.xlsx: trùng xã và năm với tệp «Ba Động.xlsx»"),
        "{stderr}"
    );
    assert!(!dir.path().join("ra/bao-cao-ntm-2025-xa-ba-dong-2.docx").exists());
}

#[test]
fn a_2025_report_compares_with_the_sum_of_the_communes_merged_into_it() {
    let dir = temp_dir();
    province(&dir.path().join("tinh"), &[("", "Ba Tơ.xlsx", "Ba Tơ")]);
    let old = dir.path().join("nam-2024");
    std::fs::create_dir_all(&old).unwrap();
    let formers = [sample::commune("Ba Tơ", 7), sample::commune("Ba Cung", 8)];
    for c in &formers {
        std::fs::write(old.join(format!("{}.xlsx", c.name)), sample::workbook_bytes(c)).unwrap();
    }
    std::fs::write(
        dir.path().join("sap-nhap.toml"),
        "ten = \"Nghị quyết số 1677/NQ-UBTVQH15\"\n[xa]\n\"Ba Tơ\" = [\"Ba Tơ\", \"Ba Cung\", \"Ba Xa\"]\n",
    )
    .unwrap();
    let out = baocao(
        &[
            "batch",
            "tinh",
            "-o",
            "ra",
            "-q",
            "-t",
            "bao-cao-ntm-2025",
            "--so-sanh",
            "nam-2024",
            "--sap-nhap",
            "sap-nhap.toml",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = docx_paragraphs(&std::fs::read(dir.path().join("ra/bao-cao-ntm-2025-xa-ba-to.docx")).unwrap())
        .join("\n")
        .replace('\u{a0}', " ");
    let done: f64 = formers.iter().flat_map(|c| &c.funding).map(|f| f.done).sum();
    let expected = format!(
        "So với năm 2024 (cộng số liệu của các xã Ba Tơ và Ba Cung, nay là xã Ba Tơ theo Nghị quyết số 1677/NQ-UBTVQH15; chưa có số liệu năm 2024 của xã Ba Xa), tổng nguồn vốn thực hiện năm 2024 là {} triệu đồng",
        baocao::vi::format_number_auto(done, 10)
    );
    assert!(text.contains(&expected), "{expected}\n---\n{text}");

    // Without the comparison the paragraph is not there.
    let out = baocao(
        &["batch", "tinh", "-o", "ra2", "-q", "-t", "bao-cao-ntm-2025"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    let text =
        docx_paragraphs(&std::fs::read(dir.path().join("ra2/bao-cao-ntm-2025-xa-ba-to.docx")).unwrap()).join("\n");
    assert!(!text.contains("So với năm 2024"));
}

/// A 2025 workbook (no «Huyện» row) rendered with the 2024 pack: the error names the
/// missing label and tells the clerk which pack reports to the province.
#[test]
fn the_2024_pack_on_a_2025_workbook_points_to_the_2025_pack() {
    let dir = temp_dir();
    let input = samples().join("tinh-quang-ngai/Mộ Đức (cũ)/Mộ Đức.xlsx");
    let out = baocao(&["render", input.to_str().unwrap(), "-o", "ra.docx"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("«Huyện»"), "{stderr}");
    assert!(stderr.contains("-t bao-cao-ntm-2025"), "{stderr}");
    assert!(!dir.path().join("ra.docx").exists());
    // With that pack, the same workbook gives its report.
    let out = baocao(
        &[
            "render",
            input.to_str().unwrap(),
            "-t",
            "bao-cao-ntm-2025",
            "-o",
            "ra.docx",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}
