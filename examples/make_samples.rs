//! Rebuilds the workbooks shipped in `samples/`: `cargo run --example make_samples`.
//!
//! Writes xã Ba Thành's workbook, the folder of huyện Ba Tơ (2024, one workbook per
//! commune) and the folder of tỉnh Quảng Ngãi (2025, after the merger: communes in one
//! sub-folder per former district). Files the clerks saved as .xls or .ods are
//! converted from the generated .xlsx with LibreOffice (`soffice` must be on the PATH
//! for those). The .xlsx and .xls files rebuild to the same bytes; LibreOffice stamps
//! an .ods with the time it was saved, so the province's .ods files are re-zipped
//! with that stamp fixed (the district's were made before this and keep theirs).
//!
//! `cargo run --release --example make_samples -- --tinh 120 /tmp/tinh-120` writes a
//! province folder of that many .xlsx communes in six sub-folders instead, for
//! measuring a province batch (not shipped); `-- --xa 1000 /tmp/xa-1000` writes that
//! many distinct communes in one folder, as `cargo bench` makes them (the comparison
//! with docxtpl, benches/docxtpl/).

#[path = "../tests/common/sample.rs"]
mod sample;

use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, count, dir] = args.as_slice() {
        if flag == "--tinh" {
            return measurement_province(count.parse()?, Path::new(dir));
        }
        if flag == "--xa" {
            let dir = Path::new(dir);
            std::fs::create_dir_all(dir)?;
            for i in 0..count.parse::<usize>()? {
                let name = format!("Xã Thử {i:04}");
                std::fs::write(
                    dir.join(format!("{name}.xlsx")),
                    sample::workbook_bytes(&sample::commune(&name, i as u64)),
                )?;
            }
            return Ok(());
        }
    }
    if !args.is_empty() {
        return Err("usage: make_samples [--tinh N DIR | --xa N DIR]".into());
    }
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    std::fs::create_dir_all(&samples)?;
    std::fs::write(
        samples.join("Ba Thành.xlsx"),
        sample::workbook_bytes(&sample::ba_thanh()),
    )?;

    let work = tempfile::tempdir()?;
    let district = samples.join("huyen-ba-to");
    std::fs::create_dir_all(&district)?;
    for (file, commune) in sample::district() {
        save(
            &sample::workbook_bytes(&commune),
            &district.join(file),
            work.path(),
            false,
        )?;
    }

    let province = samples.join("tinh-quang-ngai");
    for (folder, file, commune) in sample::quang_ngai() {
        let dir = province.join(folder);
        std::fs::create_dir_all(&dir)?;
        save(&sample::workbook_bytes(&commune), &dir.join(file), work.path(), true)?;
    }
    println!("{}", samples.display());
    Ok(())
}

/// Write a workbook as `target`'s extension says: .xlsx as generated, .xls and .ods
/// saved through LibreOffice, as a clerk using it (or an old Excel) would.
fn save(xlsx: &[u8], target: &Path, work: &Path, fix_ods_stamp: bool) -> Result<(), Box<dyn std::error::Error>> {
    let ext = target.extension().and_then(|e| e.to_str()).unwrap_or("xlsx");
    if ext == "xlsx" {
        std::fs::write(target, xlsx)?;
        return Ok(());
    }
    let name = target.file_name().ok_or("no file name")?;
    let source = work.join(Path::new(name).with_extension("xlsx"));
    std::fs::write(&source, xlsx)?;
    let filter = if ext == "xls" { "xls:MS Excel 97" } else { "ods" };
    let status = Command::new("soffice")
        .arg(format!("-env:UserInstallation=file://{}/profile", work.display()))
        .args(["--headless", "--convert-to", filter, "--outdir"])
        .arg(work)
        .arg(&source)
        .output()?;
    if !status.status.success() {
        return Err(format!("soffice could not convert {}", target.display()).into());
    }
    let converted = source.with_extension(ext);
    if ext == "ods" && fix_ods_stamp {
        let bytes = std::fs::read(&converted)?;
        std::fs::write(target, without_save_time(&bytes)?)?;
        std::fs::remove_file(converted)?;
    } else {
        std::fs::rename(converted, target)?;
    }
    Ok(())
}

/// An .ods re-zipped with the save time, the editing time and every entry's date
/// fixed, the mimetype first and stored, as ODF wants: the same bytes on every run.
fn without_save_time(ods: &[u8]) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(ods))?;
    let mut parts = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i)?;
        let mut data = Vec::new();
        entry.read_to_end(&mut data)?;
        parts.push((entry.name()?.to_string(), data));
    }
    let fixed = zip::DateTime::from_date_and_time(2025, 12, 1, 0, 0, 0)?;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    parts.sort_by_key(|(name, _)| name != "mimetype");
    for (name, mut data) in parts {
        if name == "meta.xml" {
            data = fix_meta(&String::from_utf8(data)?).into_bytes();
        } else if name == "styles.xml" {
            data = sort_master_pages(&String::from_utf8(data)?).into_bytes();
        }
        let method = if name == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(method)
            .last_modified_time(fixed);
        out.start_file(name, options)?;
        out.write_all(&data)?;
    }
    Ok(out.finish()?.into_inner())
}

/// styles.xml with its master pages (one per sheet) sorted: LibreOffice writes them
/// in an order that changes from run to run.
fn sort_master_pages(xml: &str) -> String {
    const OPEN: &str = "<office:master-styles>";
    const CLOSE: &str = "</office:master-styles>";
    const END: &str = "</style:master-page>";
    let (Some(a), Some(b)) = (xml.find(OPEN), xml.find(CLOSE)) else {
        return xml.to_string();
    };
    let inner = &xml[a + OPEN.len()..b];
    let mut pages: Vec<&str> = inner.split_inclusive(END).collect();
    if pages
        .iter()
        .any(|p| !p.starts_with("<style:master-page ") || !p.ends_with(END))
    {
        return xml.to_string();
    }
    pages.sort_unstable();
    format!("{}{}{}", &xml[..a + OPEN.len()], pages.concat(), &xml[b..])
}

/// meta.xml with the save date and editing time of a fixed moment.
fn fix_meta(xml: &str) -> String {
    let mut out = xml.to_string();
    for (open, close, value) in [
        ("<dc:date>", "</dc:date>", "2025-12-01T00:00:00"),
        ("<meta:editing-duration>", "</meta:editing-duration>", "PT0S"),
        ("<meta:editing-cycles>", "</meta:editing-cycles>", "1"),
    ] {
        if let (Some(a), Some(b)) = (out.find(open), out.find(close)) {
            if a < b {
                out.replace_range(a + open.len()..b, value);
            }
        }
    }
    out
}

/// `count` .xlsx communes of a 2025 province in six sub-folders, for a measurement.
fn measurement_province(count: usize, dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    for i in 0..count {
        let folder = dir.join(format!("Khu vực {}", i % 6 + 1));
        std::fs::create_dir_all(&folder)?;
        let name = format!("Xã Số {}", i + 1);
        let commune = sample::province_commune(&name, "Quảng Ngãi", 5000 + i as u64);
        std::fs::write(folder.join(format!("{name}.xlsx")), sample::workbook_bytes(&commune))?;
    }
    println!("{}", dir.display());
    Ok(())
}
