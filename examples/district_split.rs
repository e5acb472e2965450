//! How long splitting a district workbook into communes takes, and its memory:
//! `cargo run --release --example district_split -- COMMUNES ROWS [EXTRA_CELLS]`
//! generates a district workbook (COMMUNES rows in «Các xã», ROWS rows per commune in
//! a table sheet, and an unrelated sheet of EXTRA_CELLS cells), then reads and splits
//! it, printing the time of each step and the peak memory (VmHWM) after each.

use baocao::batch;
use baocao::template::Pack;
use rust_xlsxwriter::Workbook;
use std::path::Path;
use std::time::Instant;

fn peak_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<u64>().ok()))
        })
        .map_or(0, |kb| kb / 1024)
}

fn district(communes: usize, rows: usize, extra: usize) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("Các xã").unwrap();
    for (c, label) in ["Tên xã", "Huyện", "Tỉnh", "Năm báo cáo"].iter().enumerate() {
        ws.write_string(0, c as u16, *label).unwrap();
    }
    for i in 0..communes {
        let r = i as u32 + 1;
        ws.write_string(r, 0, format!("Xã Thử {i:05}")).unwrap();
        ws.write_string(r, 1, "Ba Tơ").unwrap();
        ws.write_string(r, 2, "Quảng Ngãi").unwrap();
        ws.write_number(r, 3, 2024.0).unwrap();
    }
    let ws = wb.add_worksheet().set_name("PL2 Bê tông nông thôn").unwrap();
    ws.write_string(0, 0, "BẢNG TỔNG HỢP BÊ TÔNG NÔNG THÔN").unwrap();
    for (c, h) in ["Tên xã", "STT", "Tên tuyến", "Thôn", "Chiều dài (m)", "Xi măng (tấn)"]
        .iter()
        .enumerate()
    {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    let mut r = 3u32;
    for i in 0..communes {
        for k in 0..rows {
            ws.write_string(r, 0, format!("Xã Thử {i:05}")).unwrap();
            ws.write_number(r, 1, (k + 1) as f64).unwrap();
            ws.write_string(r, 2, format!("Tuyến {k}")).unwrap();
            ws.write_string(r, 3, "Thôn 1").unwrap();
            ws.write_number(r, 4, 100.0 + k as f64).unwrap();
            ws.write_number(r, 5, 12.5).unwrap();
            r += 1;
        }
    }
    if extra > 0 {
        let ws = wb.add_worksheet().set_name("Dữ liệu khác").unwrap();
        let width = 20usize;
        for n in 0..extra {
            ws.write_string((n / width) as u32, (n % width) as u16, format!("ô {n}"))
                .unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let (communes, rows, extra) = (
        args.first().copied().unwrap_or(1000),
        args.get(1).copied().unwrap_or(20),
        args.get(2).copied().unwrap_or(0),
    );
    let bytes = district(communes, rows, extra);
    println!(
        "generated: {communes} communes × {rows} rows + {extra} other cells, {} KB, peak {} MB",
        bytes.len() / 1024,
        peak_mb()
    );
    let started = Instant::now();
    let book = baocao::workbook::read("huyen.xlsx", bytes).unwrap();
    println!("read: {:.2} s, peak {} MB", started.elapsed().as_secs_f64(), peak_mb());
    let pack = Pack::builtin().unwrap();
    let spec = pack.manifest.huyen.as_ref().unwrap();
    let started = Instant::now();
    let sources = batch::district_communes(spec, &book, Path::new("huyen.xlsx")).unwrap();
    println!(
        "split into {} communes: {:.2} s, peak {} MB",
        sources.len(),
        started.elapsed().as_secs_f64(),
        peak_mb()
    );
}
