//! Reports as they go up since July 2025: the province summary's frame, a province
//! batch over sub-folders, the 2025 pack; and the 2024 path unchanged.

mod common;

use common::{baocao, temp_dir, xml};
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
/// (values computed on main at 55d5e97, before any change of this branch).
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
        ("bao-cao-ntm-2024-xa-ba-thanh.docx", 0x0138773e1e500857),
        ("bao-cao-ntm-2024-xa-ba-dien.docx", 0x9c0f37be76e578db),
        ("bao-cao-ntm-2024-xa-ba-trang.docx", 0x18fd93f2aedb7c8b),
        ("bao-cao-ntm-2024-xa-ba-vinh.docx", 0x05bfd2a71c34f89c),
        ("tong-hop-ntm-2024-huyen-ba-to.docx", 0x60cde1a62cde7dd4),
    ];
    assert_eq!(got, expected);
}
