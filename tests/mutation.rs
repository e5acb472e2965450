//! Mutation test: thousands of damaged variants of the sample workbooks (.xlsx, .xls,
//! .ods) go through the whole pipeline. Whatever the damage, reading never panics or
//! aborts, stays within a time and memory bound, and either gives a clear error that
//! names the file or a report whose every XML part is well-formed. A batch over a
//! folder of mutants writes only whole reports, no temporaries, and a `tong-ket.json`
//! that accounts for every file.
//!
//! `BAOCAO_MUTANTS` sets the number of mutants per format (default 700); the seed is
//! fixed, so a failure names a mutant that can be made again (`BAOCAO_MUTANT_SEED`).

mod common;

use baocao::write::OutputFormat;
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// Memory the whole test process may map: a reader that tries to allocate a grid for
/// a stray cell at XFD1048576 fails here instead of taking the machine.
const MEMORY_LIMIT: u64 = 4 << 30;
/// Time one mutant may take through read → report → both writers (debug build).
const TIME_LIMIT: Duration = Duration::from_secs(5);
/// A mutant still running after this long is a hang: the watchdog names it and ends
/// the test process, instead of leaving CI to wait for its own timeout.
const HANG_LIMIT: Duration = Duration::from_secs(60);

/// The mutant each worker is running and since when, for the watchdog.
type InFlight = std::sync::Mutex<Vec<Option<(String, Instant)>>>;

fn watchdog(in_flight: &'static InFlight) {
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_secs(1));
        for (name, since) in in_flight.lock().unwrap().iter().flatten() {
            if since.elapsed() > HANG_LIMIT {
                // Straight to stderr: the test harness would swallow eprintln! output.
                let _ = writeln!(
                    std::io::stderr(),
                    "mutant still running after {HANG_LIMIT:?}, a hang: {name}"
                );
                std::process::exit(101);
            }
        }
    });
}

fn limit_memory() {
    let limit = libc::rlimit {
        rlim_cur: MEMORY_LIMIT,
        rlim_max: MEMORY_LIMIT,
    };
    // SAFETY: setrlimit only reads the struct we pass.
    unsafe {
        libc::setrlimit(libc::RLIMIT_AS, &limit);
    }
}

fn mutant_count() -> usize {
    std::env::var("BAOCAO_MUTANTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(700)
}

fn seed() -> u64 {
    std::env::var("BAOCAO_MUTANT_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20241205)
}

fn sample(path: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// Numbers that break readers that trust counts, indexes and serials.
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "-2147483648",
    "2147483647",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "1048576",
    "16384",
    "65536",
    "2000000000",
    "1e308",
    "-1e308",
    "NaN",
    "inf",
    "2958466",
    "99999999",
    "0.000001",
    "",
    "x",
];

/// Text that breaks writers and readers that trust characters and markup.
const TEXTS: &[&str] = &[
    "_x0001_",
    "_x000B_",
    "_xD800_",
    "_xFFFF_",
    "&#1;",
    "&#xFFFE;",
    "\u{b}",
    "\u{c}",
    "\u{2028}",
    "<f>SUM(A1:A9)</f>",
    "<v>",
    "</row>",
    "]]>",
    "&amp;&lt;",
    "{{ 6*7 }}",
    "# ",
    "XFD1048576",
    "A1048577",
    "ZZZZ99999999",
    "<text:s text:c=\"2000000000\"/>",
    "table:number-rows-repeated=\"1048576\"",
    "table:number-columns-repeated=\"16384\"",
    "<mergeCell ref=\"A1:XFD1048576\"/>",
];

struct Mutant {
    name: String,
    bytes: Vec<u8>,
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().to_string(), data)
        })
        .collect()
}

fn rezip(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in parts {
        let method = if name == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        out.start_file(name.as_str(), options).unwrap();
        out.write_all(data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// One local change to some bytes.
fn mutate_bytes(rng: &mut fastrand::Rng, data: &mut Vec<u8>, markup: bool) -> String {
    if data.is_empty() {
        data.extend_from_slice(b"<");
        return "empty part given one byte".into();
    }
    let at = rng.usize(..data.len());
    match rng.u8(..if markup { 8 } else { 5 }) {
        0 => {
            let bit = rng.u8(..8);
            data[at] ^= 1 << bit;
            format!("flip bit {bit} at {at}")
        }
        1 => {
            let len = rng.usize(1..=64).min(data.len() - at);
            data.drain(at..at + len);
            format!("delete {len} bytes at {at}")
        }
        2 => {
            let len = rng.usize(1..=256).min(data.len() - at);
            let copy = data[at..at + len].to_vec();
            let to = rng.usize(..=data.len());
            data.splice(to..to, copy);
            format!("copy {len} bytes from {at} to {to}")
        }
        3 => {
            data.truncate(at);
            format!("truncate at {at}")
        }
        4 => {
            // A 32-bit little-endian count or offset with an extreme value.
            let v: u32 = *rng
                .choice(&[0u32, 1, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x8000_0000])
                .unwrap();
            let end = (at + 4).min(data.len());
            data[at..end].copy_from_slice(&v.to_le_bytes()[..end - at]);
            format!("write {v:#x} at {at}")
        }
        5 => {
            // Replace a run of digits (a count, an index, a serial, a cell row).
            let Some(start) = (at..data.len()).find(|&i| data[i].is_ascii_digit()) else {
                return "no digits".into();
            };
            let end = (start..data.len())
                .find(|&i| !data[i].is_ascii_digit())
                .unwrap_or(data.len());
            let n = *rng.choice(NUMBERS).unwrap();
            data.splice(start..end, n.bytes());
            format!("number {n:?} at {start}")
        }
        6 => {
            // Hostile text where text or markup can go: after a '>'.
            let Some(gt) = (at..data.len()).find(|&i| data[i] == b'>') else {
                return "no tag".into();
            };
            let t = *rng.choice(TEXTS).unwrap();
            data.splice(gt + 1..gt + 1, t.bytes());
            format!("insert {t:?} at {}", gt + 1)
        }
        _ => {
            // An attribute value replaced by an extreme one.
            let Some(q) = (at..data.len()).find(|&i| data[i] == b'"') else {
                return "no attribute".into();
            };
            let Some(end) = (q + 1..data.len()).find(|&i| data[i] == b'"') else {
                return "no attribute end".into();
            };
            let t = if rng.bool() {
                *rng.choice(NUMBERS).unwrap()
            } else {
                *rng.choice(TEXTS).unwrap()
            };
            let t = t.replace('"', "&quot;");
            data.splice(q + 1..end, t.bytes());
            format!("attribute value {t:?} at {q}")
        }
    }
}

/// Parts worth damaging most: the ones readers parse.
fn pick_part(rng: &mut fastrand::Rng, parts: &[(String, Vec<u8>)]) -> usize {
    let xml: Vec<usize> = (0..parts.len())
        .filter(|&i| parts[i].0.ends_with(".xml") || parts[i].0.ends_with(".rels"))
        .collect();
    let cells: Vec<usize> = xml
        .iter()
        .copied()
        .filter(|&i| {
            let n = &parts[i].0;
            n.contains("worksheets/") || n.contains("sharedStrings") || n == "content.xml" || n.contains("styles")
        })
        .collect();
    if !cells.is_empty() && rng.u8(..4) != 0 {
        *rng.choice(&cells).unwrap()
    } else if !xml.is_empty() {
        *rng.choice(&xml).unwrap()
    } else {
        rng.usize(..parts.len())
    }
}

/// `BAOCAO_MUTANT_DUMP=xls#171` writes that mutant to the temporary folder, to look
/// at a failure with other tools.
fn dump(m: &Mutant) {
    if let Ok(which) = std::env::var("BAOCAO_MUTANT_DUMP") {
        let (label, number) = which.split_once('#').unwrap_or(("", ""));
        if m.name.starts_with(&format!("{label} #{number} ")) {
            let path = std::env::temp_dir().join(format!("mutant-{label}-{number}.{label}"));
            std::fs::write(&path, &m.bytes).unwrap();
            eprintln!("wrote {}", path.display());
        }
    }
}

fn mutants(label: &str, original: &[u8], count: usize, seed: u64) -> Vec<Mutant> {
    let is_zip = original.starts_with(b"PK");
    let parts = if is_zip { unzip(original) } else { Vec::new() };
    (0..count)
        .map(|i| {
            let mut rng = fastrand::Rng::with_seed(seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let changes = rng.usize(1..=3);
            let mut what = Vec::new();
            let bytes = if is_zip && rng.u8(..10) != 0 {
                let mut parts = parts.clone();
                for _ in 0..changes {
                    let p = pick_part(&mut rng, &parts);
                    let how = mutate_bytes(&mut rng, &mut parts[p].1, true);
                    what.push(format!("{}: {how}", parts[p].0));
                }
                rezip(&parts)
            } else {
                let mut bytes = original.to_vec();
                for _ in 0..changes {
                    what.push(mutate_bytes(&mut rng, &mut bytes, false));
                }
                bytes
            };
            Mutant {
                name: format!("{label} #{i} ({})", what.join("; ")),
                bytes,
            }
        })
        .collect()
}

/// Every part of a package that is XML must be well-formed XML 1.0: characters XML
/// forbids included (roxmltree rejects them).
fn check_package(bytes: &[u8]) -> Result<(), String> {
    if bytes.is_empty() {
        return Err("empty output".into());
    }
    for (name, data) in unzip(bytes) {
        if name.ends_with(".xml") || name.ends_with(".rels") {
            let text = std::str::from_utf8(&data).map_err(|e| format!("{name}: not UTF-8 ({e})"))?;
            roxmltree::Document::parse(text).map_err(|e| format!("{name}: {e}"))?;
        }
    }
    Ok(())
}

enum Outcome {
    Report,
    Error,
}

/// Read → report → .docx and .odt; a panic is caught and returned as a failure.
fn run_one(pack: &baocao::template::Pack, m: &Mutant) -> Result<Outcome, String> {
    let started = Instant::now();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let book = match baocao::workbook::read("dot-bien.xlsx", m.bytes.clone()) {
            Ok(book) => book,
            Err(e) => return Ok((Outcome::Error, vec![e])),
        };
        let made = baocao::report::from_workbook_with(pack, book, None);
        match made.output {
            Ok(report) => {
                for format in [OutputFormat::Docx, OutputFormat::Odt] {
                    let bytes = baocao::write::render(report.document().unwrap(), format)
                        .map_err(|e| format!("{format:?}: {e}"))?;
                    check_package(&bytes).map_err(|e| format!("{format:?}: {e}"))?;
                }
                Ok((Outcome::Report, made.warnings))
            }
            Err(errors) => Ok((Outcome::Error, errors.into_iter().chain(made.warnings).collect())),
        }
    }));
    let elapsed = started.elapsed();
    if elapsed > TIME_LIMIT {
        return Err(format!("took {elapsed:?}"));
    }
    match result {
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("panicked: {what}"))
        }
        Ok(Err(e)) => Err(e),
        Ok(Ok((outcome, diagnostics))) => {
            for d in &diagnostics {
                if d.file.is_empty() || d.message.trim().is_empty() {
                    return Err(format!("a diagnostic without file or message: {d:?}"));
                }
                if matches!(outcome, Outcome::Error) && d.is_error() && d.file != "dot-bien.xlsx" {
                    // Errors name the workbook or a template file of the pack.
                    if !d.file.contains("bao-cao-ntm") {
                        return Err(format!("an error names another file: {d}"));
                    }
                }
            }
            Ok(outcome)
        }
    }
}

#[test]
fn damaged_workbooks_never_panic_and_never_write_bad_xml() {
    limit_memory();
    // Panics are caught and reported per mutant; keep their default messages quiet.
    std::panic::set_hook(Box::new(|_| {}));
    let pack = baocao::template::Pack::builtin().unwrap();
    let count = mutant_count();
    let seed = seed();
    let originals = [
        ("xlsx", sample("samples/Ba Thành.xlsx")),
        ("xls", sample("samples/huyen-ba-to/Ba Điền.xls")),
        ("ods", sample("samples/huyen-ba-to/ba vinh.ods")),
    ];
    let in_flight: &'static InFlight = Box::leak(Box::new(std::sync::Mutex::new(vec![None, None])));
    watchdog(in_flight);
    let mut failures = Vec::new();
    let (mut reports, mut errors) = (0, 0);
    for (label, original) in &originals {
        let all = mutants(label, original, count, seed);
        all.iter().for_each(dump);
        let results: Vec<(String, Result<Outcome, String>)> = std::thread::scope(|s| {
            let halves: Vec<_> = all
                .chunks(all.len().div_ceil(2).max(1))
                .enumerate()
                .map(|(worker, chunk)| {
                    let pack = &pack;
                    s.spawn(move || {
                        let results = chunk
                            .iter()
                            .map(|m| {
                                in_flight.lock().unwrap()[worker] = Some((m.name.clone(), Instant::now()));
                                (m.name.clone(), run_one(pack, m))
                            })
                            .collect::<Vec<_>>();
                        in_flight.lock().unwrap()[worker] = None;
                        results
                    })
                })
                .collect();
            halves.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        for (name, result) in results {
            match result {
                Ok(Outcome::Report) => reports += 1,
                Ok(Outcome::Error) => errors += 1,
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
    }
    let _ = std::panic::take_hook();
    eprintln!(
        "mutants: {} ({reports} gave a report, {errors} a clear error, {} failed)",
        count * originals.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} mutants failed:\n{}",
        failures.len(),
        failures.iter().take(30).cloned().collect::<Vec<_>>().join("\n")
    );
    // The mutants must exercise both paths, or the test proves nothing.
    assert!(reports > count / 20, "too few mutants still gave a report: {reports}");
    assert!(errors > count / 20, "too few mutants gave an error: {errors}");
}

/// A batch over a folder of good and damaged workbooks: whole reports only, no
/// temporaries, every file accounted for in tong-ket.json, exit 1.
#[test]
fn a_batch_of_mutants_writes_only_whole_reports() {
    let dir = common::temp_dir();
    let input = dir.path().join("vao");
    let output = dir.path().join("ra");
    std::fs::create_dir(&input).unwrap();
    let originals = [
        ("xlsx", sample("samples/Ba Thành.xlsx")),
        ("xls", sample("samples/huyen-ba-to/Ba Điền.xls")),
        ("ods", sample("samples/huyen-ba-to/ba vinh.ods")),
    ];
    let mut files = 0;
    for (label, original) in &originals {
        for (i, m) in mutants(label, original, 40, seed() + 1).into_iter().enumerate() {
            std::fs::write(input.join(format!("dot-bien-{i:03}.{label}")), &m.bytes).unwrap();
            files += 1;
        }
    }
    let out = common::baocao(
        &[
            "batch",
            input.to_str().unwrap(),
            "-o",
            output.to_str().unwrap(),
            "-q",
            "-f",
            "docx,odt",
        ],
        dir.path(),
    );
    let code = out.status.code();
    assert!(
        code == Some(0) || code == Some(1),
        "batch exit {code:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut written = 0;
    for entry in std::fs::read_dir(&output).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            !name.starts_with(".baocao-") && !name.ends_with(".tmp"),
            "temporary left: {name}"
        );
        if name.ends_with(".docx") || name.ends_with(".odt") {
            check_package(&std::fs::read(&path).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"));
            written += 1;
        }
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(output.join("tong-ket.json")).expect("tong-ket.json written")).unwrap();
    let text = summary.to_string();
    for i in 0..40 {
        for (label, _) in &originals {
            let name = format!("dot-bien-{i:03}.{label}");
            assert!(text.contains(&name), "tong-ket.json does not account for {name}");
        }
    }
    assert!(files > 0 && written > 0, "no report was written from {files} mutants");
}
