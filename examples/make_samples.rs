//! Rebuilds the workbooks shipped in `samples/`:
//! `cargo run --example make_samples`.

#[path = "../tests/common/sample.rs"]
mod sample;

fn main() -> std::io::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("Ba Thành.xlsx");
    std::fs::write(&path, sample::workbook_bytes(&sample::ba_thanh()))?;
    println!("{}", path.display());
    Ok(())
}
