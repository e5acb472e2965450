//! Mutation test over Word forms: damaged variants of a test form and of the starter
//! form (`inspect --manifest --mau-docx`) — bytes changed, cut, copied; tags added or
//! broken; compressed data changed — in the document, header, footer, styles,
//! numbering, settings, relationships and content types. The rule: each is refused
//! with a message naming the form, or it gives a sound report (every entry inflates
//! with its CRC, every XML part parses, every relationship's target is there).
//! Never a panic, never a broken report.
//!
//! `BAOCAO_FORM_MUTANTS` sets the number of mutants per form (default 150); the seed
//! is fixed (`BAOCAO_MUTANT_SEED`).

#[path = "common/forms.rs"]
mod forms;

use forms::*;
use std::time::{Duration, Instant};

fn mutant_count() -> usize {
    std::env::var("BAOCAO_FORM_MUTANTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(150)
}

fn seed() -> u64 {
    std::env::var("BAOCAO_MUTANT_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20261206)
}

/// Tag text a form's author (or an attacker) may type.
const TAGS: &[&str] = &[
    "{{",
    "}}",
    "{%",
    "%}",
    "{{ x|safe }}",
    "{{ '<w:p>' }}",
    "{%tr for r in hang %}",
    "{%tr endfor %}",
    "{%p if tra_tien %}",
    "{%p endif %}",
    "{% if x %}",
    "{% endif %}",
    "{% for i in range(100000000) %}x{% endfor %}",
    "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
    "{% vm %}",
    "{% hm %}",
    "{#",
    "{{ ten * 100000000 }}",
    "{{ hang|tojson }}",
    "{{r hang }}",
    "{{p hang }}",
    "{{r ten }}",
    "{{p [ten, hang] }}",
    "{% colspan 3 %}",
    "{% cellbg 'FF0000' %}",
    "{#p x #}",
    "{#tr x #}",
    "{%- if x -%}",
    "{_{",
    "{%r if x %}",
    "{%tc for c in hang %}",
    "{%tc endfor %}",
    "\u{0}",
    "]]>",
    "&bogus;",
    "<!DOCTYPE x>",
];

/// Text that breaks XML readers.
const TEXTS: &[&str] = &[
    "<",
    "&",
    "\"",
    "</w:p>",
    "<w:p>",
    "\u{FEFF}",
    "<?xml version=\"1.0\"?>",
    "\u{1}",
    "é",
];

struct Mutant {
    name: String,
    bytes: Vec<u8>,
}

fn mutate(rng: &mut fastrand::Rng, data: &mut Vec<u8>) -> String {
    if data.is_empty() {
        data.push(b'<');
        return "empty part given <".into();
    }
    let at = rng.usize(..data.len());
    match rng.u8(..8) {
        0 => {
            let bit = rng.u8(..8);
            data[at] ^= 1 << bit;
            format!("flip bit {bit} at {at}")
        }
        1 => {
            let len = rng.usize(1..=32).min(data.len() - at);
            data.drain(at..at + len);
            format!("delete {len} bytes at {at}")
        }
        2 => {
            let len = rng.usize(1..=200).min(data.len() - at);
            let copy = data[at..at + len].to_vec();
            let to = rng.usize(..=data.len());
            data.splice(to..to, copy);
            format!("copy {len} bytes from {at} to {to}")
        }
        3 => {
            data.truncate(at);
            format!("truncate at {at}")
        }
        4 | 5 => {
            // A tag where text goes: after a '>' (inside w:t most of the time).
            let Some(gt) = (at..data.len()).find(|&i| data[i] == b'>') else {
                return "no tag".into();
            };
            let t = *rng.choice(TAGS).unwrap();
            data.splice(gt + 1..gt + 1, t.bytes());
            format!("insert tag {t:?} at {}", gt + 1)
        }
        6 => {
            let Some(gt) = (at..data.len()).find(|&i| data[i] == b'>') else {
                return "no tag".into();
            };
            let t = *rng.choice(TEXTS).unwrap();
            data.splice(gt + 1..gt + 1, t.bytes());
            format!("insert {t:?} at {}", gt + 1)
        }
        _ => {
            // An attribute value replaced (a namespace, an encoding, a target…).
            let Some(q) = (at..data.len()).find(|&i| data[i] == b'"') else {
                return "no attribute".into();
            };
            let Some(end) = (q + 1..data.len()).find(|&i| data[i] == b'"') else {
                return "no attribute end".into();
            };
            let t = *rng
                .choice(&[
                    "",
                    "UTF-0.0000001",
                    "x",
                    "../../x.xml",
                    "-1",
                    "999999999",
                    "&lt;",
                    "file:///etc/passwd",
                ])
                .unwrap();
            data.splice(q + 1..end, t.bytes());
            format!("attribute value {t:?} at {q}")
        }
    }
}

fn mutants(label: &str, original: &[u8], count: usize, seed: u64) -> Vec<Mutant> {
    let parts: Vec<(String, Vec<u8>)> = unzip(original).into_iter().map(|(n, d, _)| (n, d)).collect();
    let xml: Vec<usize> = (0..parts.len())
        .filter(|&i| parts[i].0.ends_with(".xml") || parts[i].0.ends_with(".rels"))
        .collect();
    (0..count)
        .map(|i| {
            let mut rng = fastrand::Rng::with_seed(seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            if rng.u8(..8) == 0 {
                // One byte of an entry's compressed data changed: the CRC must catch it.
                let mut bytes = original.to_vec();
                let p = *rng.choice(&xml).unwrap();
                let range = compressed_range(&bytes, &parts[p].0);
                let at = range.start + rng.usize(..range.len().max(1));
                bytes[at] ^= 1 << rng.u8(..8);
                return Mutant {
                    name: format!("{label} #{i} (compressed byte of {} at {at})", parts[p].0),
                    bytes,
                };
            }
            let mut parts = parts.clone();
            let mut what = Vec::new();
            for _ in 0..rng.usize(1..=2) {
                let p = *rng.choice(&xml).unwrap();
                let how = mutate(&mut rng, &mut parts[p].1);
                what.push(format!("{}: {how}", parts[p].0));
            }
            Mutant {
                name: format!("{label} #{i} ({})", what.join("; ")),
                bytes: zip_of(&parts, true),
            }
        })
        .collect()
}

#[derive(Default, Debug)]
struct Counts {
    ok: usize,
    refused: usize,
    broken: Vec<String>,
}

/// Load the mutant and fill it with `ctx`.
fn run_one(pack: &baocao::template::Pack, ctx: &minijinja::Value, m: &Mutant, counts: &mut Counts) {
    let started = Instant::now();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        baocao::form::Form::load("mau.docx", m.bytes.clone()).and_then(|form| form.fill(pack.environment(), ctx))
    }));
    judge(m, result, started.elapsed(), counts);
}

type Filled = std::thread::Result<Result<Vec<u8>, Vec<baocao::error::Diagnostic>>>;

/// Refused with a message naming the form, or a sound report; within the time.
fn judge(m: &Mutant, result: Filled, took: Duration, counts: &mut Counts) {
    match result {
        Err(_) => counts.broken.push(format!("panic: {}", m.name)),
        Ok(Ok(bytes)) => match sound(&bytes) {
            Ok(()) => counts.ok += 1,
            Err(why) => counts.broken.push(format!("{}: broken report: {why}", m.name)),
        },
        Ok(Err(errors)) => {
            if errors.is_empty()
                || errors
                    .iter()
                    .any(|e| e.message.trim().is_empty() || e.file != "mau.docx")
            {
                counts.broken.push(format!(
                    "{}: refused without a message naming the form: {errors:?}",
                    m.name
                ));
            } else {
                counts.refused += 1;
            }
        }
    }
    if took > Duration::from_secs(10) {
        counts.broken.push(format!("{}: took {took:?}", m.name));
    }
}

#[test]
fn damaged_forms_are_refused_or_give_sound_reports() {
    let pack = baocao::template::Pack::builtin().unwrap();
    let count = mutant_count();
    let started = Instant::now();
    let mut counts = Counts::default();

    // The test form, with its data.
    let ctx = minijinja::Value::from(minijinja::value::Serde(form_data()));
    for m in mutants("mau", &form_bytes(true), count, seed()) {
        run_one(&pack, &ctx, &m, &mut counts);
    }

    // The starter form of a sample commune, in its pack, with that commune's workbook.
    let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let book = baocao::workbook::open(&samples.join("Ba Thành.xlsx")).unwrap();
    let starter = baocao::inspect::starter(&book);
    let form = starter.form().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("manifest.toml"), starter.form_manifest()).unwrap();
    std::fs::write(dir.path().join(baocao::inspect::FORM_NAME), &form).unwrap();
    let mut starter_pack = baocao::template::Pack::load(dir.path()).unwrap();
    let report = baocao::report::from_workbook(&starter_pack, book.clone()).unwrap();
    sound(&report.to_bytes(baocao::write::OutputFormat::Docx).unwrap()).unwrap();
    for m in mutants("mau-khoi-dau", &form, count, seed() ^ 1) {
        let started = Instant::now();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let form = baocao::form::Form::load("mau.docx", m.bytes.clone())?;
            starter_pack.form = Some(std::sync::Arc::new(form));
            baocao::report::from_workbook(&starter_pack, book.clone())
                .and_then(|r| r.to_bytes(baocao::write::OutputFormat::Docx).map_err(|e| vec![e]))
        }));
        judge(&m, result, started.elapsed(), &mut counts);
    }

    eprintln!(
        "form mutants: {} ok, {} refused, {} broken, in {:.1} s",
        counts.ok,
        counts.refused,
        counts.broken.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(counts.broken.is_empty(), "{:#?}", counts.broken);
    // The campaign reaches both outcomes: it damages, and some damage is harmless.
    assert!(counts.ok > 0 && counts.refused > 0, "{counts:?}");
}
