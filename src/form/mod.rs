//! Word forms (mẫu biểu .docx) as the body of a pack: the province's own document,
//! with docxtpl-style tags, filled at the XML-event level. Every part without tags is
//! copied byte for byte (styles, numbering, images, section settings, fields); the
//! parts with tags are turned into minijinja templates and rendered with the pack's
//! filters, strict undefined and an XML auto-escape.
//!
//! Tags as in docxtpl: `{{ expr }}`, `{% … %}`, `{# … #}`, and the structural
//! `{%p … %}`, `{%tr … %}`, `{%tc … %}`, `{%r … %}`, which stand for the whole
//! paragraph, table row, table cell or run that holds them; `{% vm %}` and `{% hm %}`
//! merge a cell vertically (in a row loop) or horizontally (in a cell loop). Word
//! splits a tag over several runs (spell-check marks, rsid, formatting changes,
//! bookmarks): the paragraph's text is joined, tags are found in it, and each tag is
//! moved whole into the run where it begins, so its value takes that run's formatting.

use crate::error::{Diagnostic, FormPlace, Kind, Place};
use minijinja::{AutoEscape, Environment};
use quick_xml::events::Event;
use std::io::{Read, Write};

mod data;
mod docx;
mod image;
pub mod nd30;
mod numbering;
mod odt;
mod package;
mod rich;
mod subdoc;
mod tags;

pub use data::{parse_json, DataRun, DUPLICATE_KEY};
use docx::*;
use odt::*;
use tags::*;

/// The most a filled part may grow to.
const MAX_PART_BYTES: usize = 64 << 20;
/// The most a form part may inflate to when read.
const MAX_FORM_PART_BYTES: u64 = 64 << 20;
/// The most tags one part of a form may hold: a real form has tens or hundreds (a
/// table's rows repeat with one `{%tr for %}`); a form of a million tiny tags would
/// take gigabytes to prepare.
const MAX_TAGS: usize = 20_000;
/// The work one part's filling may do (minijinja fuel: one unit per instruction and
/// per 64 bytes made): twice the largest part in bytes, so a tag that doubles a
/// string in a loop stops at about 128 MB of values made instead of growing
/// until the process aborts.
const FORM_FUEL: u64 = 2 * (MAX_PART_BYTES as u64) / 64;

/// A form, ready to fill: its package and its parts with tags as templates.
#[derive(Clone, Debug)]
pub struct Form {
    /// The form's file name, for messages.
    pub file: String,
    bytes: Vec<u8>,
    parts: Vec<TemplatePart>,
    /// The form's numbering.xml, for the lists a loop restarts.
    numbering: Option<String>,
    flavor: Flavor,
    /// What a reader should know about the form (links to outside the package).
    pub warnings: Vec<Diagnostic>,
    /// The relationship parts whose outside links `drop_external_links` cuts, as
    /// they are then written.
    external: Vec<(String, String)>,
    drop_external: bool,
    /// Where images and sub-documents named by `anh(…)`, `chen(…)` are looked for
    /// first: the form's folder.
    folder: Option<std::path::PathBuf>,
    /// The form's styles and numbering, kept when a part calls `chen(…)`.
    inserts: Option<std::sync::Arc<subdoc::Base>>,
    /// The environment with the parts compiled, for the pack environment it was
    /// made from.
    compiled: std::sync::Arc<std::sync::Mutex<Option<CompiledEnv>>>,
}

type CompiledEnv = (usize, std::sync::Arc<Environment<'static>>);

/// One XML part of the form that holds tags, as a minijinja template.
#[derive(Clone, Debug)]
struct TemplatePart {
    name: String,
    source: String,
    /// Where each paragraph ended up in `source`, with its place for messages.
    places: Vec<Span>,
}

#[derive(Clone, Debug)]
struct Span {
    start: usize,
    end: usize,
    place: Place,
}

/// Is this file name a form's (.docx, .odt)?
pub fn is_form_name(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower.ends_with(".docx") || lower.ends_with(".odt")
}

/// Is this path a form's (.docx, .odt)?
pub fn is_form_file(path: &std::path::Path) -> bool {
    is_form_name(&path.to_string_lossy())
}

/// A form designed in Word (.docx) or in LibreOffice Writer (.odt).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavor {
    Docx,
    Odt,
}

/// Is this a part whose text can hold tags?
fn fillable(flavor: Flavor, name: &str) -> bool {
    if flavor == Flavor::Odt {
        // The body, and the headers and footers of the master pages.
        return name == "content.xml" || name == "styles.xml";
    }
    name == "word/document.xml"
        || name == PROPERTIES
        || name == "word/footnotes.xml"
        || name == "word/endnotes.xml"
        || (name.starts_with("word/header") && name.ends_with(".xml"))
        || (name.starts_with("word/footer") && name.ends_with(".xml"))
}

/// The document's properties (title, subject…), which may hold tags too.
const PROPERTIES: &str = "docProps/core.xml";

/// A whole part as a place.
fn whole_part(name: &str) -> Place {
    Place::from(FormPlace {
        part: part_label(name),
        at: String::new(),
        excerpt: String::new(),
    })
}

/// A part of the form that a reader cannot take: the form, the part, where and why.
fn part_error(file: &str, name: &str, why: String) -> Diagnostic {
    Diagnostic::error(
        file,
        Place::from(FormPlace {
            part: name.to_string(),
            at: String::new(),
            excerpt: String::new(),
        }),
        format!("phần «{name}» của mẫu hỏng: {why}; hãy mở mẫu bằng Word hoặc LibreOffice và lưu lại."),
    )
    .kind(Kind::Corrupt)
}

/// What people call a part.
fn part_label(name: &str) -> String {
    let stem = name.trim_start_matches("word/").trim_end_matches(".xml");
    match stem {
        "document" | "content" => "thân văn bản".to_string(),
        "styles" => "đầu trang, chân trang".to_string(),
        "footnotes" => "chú thích cuối trang".to_string(),
        "endnotes" => "chú thích cuối văn bản".to_string(),
        "docProps/core" => "thuộc tính tài liệu".to_string(),
        s if s.starts_with("header") => format!("đầu trang {}", &s[6..]),
        s if s.starts_with("footer") => format!("chân trang {}", &s[6..]),
        s => s.to_string(),
    }
}

impl Form {
    /// Read a .docx or .odt form and turn each part that holds tags into a template.
    /// Every problem of the form is returned at once: unclosed tags, blocks that do
    /// not close at their level, structural tags in the wrong place, and syntax
    /// errors of each tag.
    pub fn load(file: &str, bytes: Vec<u8>) -> Result<Form, Vec<Diagnostic>> {
        let odt_named = file.to_lowercase().ends_with(".odt");
        let broken = |why: String| {
            let advice = if odt_named {
                "mẫu .odt bị hỏng hoặc không phải văn bản OpenDocument; hãy mở mẫu bằng LibreOffice Writer và lưu lại dưới dạng .odt"
            } else {
                "mẫu Word bị hỏng hoặc không phải tệp .docx; hãy mở mẫu bằng Word và lưu lại dưới dạng .docx"
            };
            vec![Diagnostic::error(file, Place::File, format!("{advice} ({why}).")).kind(Kind::Corrupt)]
        };
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).map_err(|e| broken(e.to_string()))?;
        let flavor = if zip.index_for_name("word/document.xml").is_some() {
            Flavor::Docx
        } else if zip.index_for_name("content.xml").is_some() {
            let mut mimetype = String::new();
            if let Ok(entry) = zip.by_name("mimetype") {
                let _ = entry.take(200).read_to_string(&mut mimetype);
            }
            if mimetype.trim() != "application/vnd.oasis.opendocument.text" {
                return Err(broken(format!(
                    "kiểu tệp «{}» không phải văn bản (application/vnd.oasis.opendocument.text)",
                    mimetype.trim()
                )));
            }
            Flavor::Odt
        } else if odt_named {
            return Err(broken("không có content.xml".into()));
        } else {
            return Err(broken("không có word/document.xml".into()));
        };
        let mut parts = Vec::new();
        let mut errors = Vec::new();
        let mut numbering = None;
        let mut styles = None;
        let mut names = Vec::new();
        let mut links: Vec<(String, Vec<u8>)> = Vec::new();
        let mut warnings = Vec::new();
        let mut external = Vec::new();
        // Every part is read once, whole: its compressed data must inflate with the
        // right CRC, since every part without tags is copied into each report as
        // its compressed bytes; every XML part must be well-formed.
        for i in 0..zip.len() {
            let mut entry = match zip.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    errors.push(part_error(
                        file,
                        &format!("mục {}", i + 1),
                        format!("không đọc được ({e})"),
                    ));
                    continue;
                }
            };
            let name = match entry.name() {
                Ok(n) => n.to_string(),
                Err(e) => {
                    errors.push(part_error(
                        file,
                        &format!("mục {}", i + 1),
                        format!("tên không đọc được ({e})"),
                    ));
                    continue;
                }
            };
            names.push(name.clone());
            if entry.is_dir() {
                continue;
            }
            let mut data = Vec::new();
            if let Err(e) = (&mut entry).take(MAX_FORM_PART_BYTES + 1).read_to_end(&mut data) {
                errors.push(
                    part_error(
                        file,
                        &name,
                        format!("dữ liệu nén hỏng, không giải nén được hoặc sai mã kiểm tra CRC ({e})"),
                    )
                    .kind(Kind::Corrupt),
                );
                continue;
            }
            if data.len() as u64 > MAX_FORM_PART_BYTES {
                errors.push(
                    Diagnostic::error(
                        file,
                        whole_part(&name),
                        format!("phần {name} của mẫu lớn quá {} MB.", MAX_FORM_PART_BYTES >> 20),
                    )
                    .kind(Kind::TooLarge),
                );
                continue;
            }
            if !package::is_xml_part(&name) {
                continue;
            }
            if let Err(fault) = package::check_xml(&data) {
                errors.push(part_error(file, &name, format!("XML không hợp lệ ở {fault}")).kind(Kind::Corrupt));
                continue;
            }
            if name.to_ascii_lowercase().ends_with(".rels") || name == "META-INF/manifest.xml" {
                links.push((name.clone(), data.clone()));
            }
            if name == "word/numbering.xml" {
                numbering = String::from_utf8(data).ok();
                continue;
            }
            if name == "word/styles.xml" {
                styles = String::from_utf8(data).ok();
                continue;
            }
            if !fillable(flavor, &name) {
                continue;
            }
            let Ok(xml) = String::from_utf8(data) else { continue };
            // A byte-order mark (LibreOffice writes one) is not part of the text.
            let xml = xml.strip_prefix('\u{FEFF}').unwrap_or(&xml);
            let prepared = if name == PROPERTIES {
                prepare_properties(xml, &part_label(&name))
            } else {
                prepare(xml, &part_label(&name), flavor)
            };
            match prepared {
                Ok(Some((source, places))) => parts.push(TemplatePart { name, source, places }),
                Ok(None) => {}
                Err(mut e) => {
                    for d in &mut e {
                        d.file = file.to_string();
                    }
                    errors.extend(e);
                }
            }
        }
        // Every relationship (every manifest entry of an .odt) points at a part that
        // is there, or each report would be one Word cannot open.
        for (name, xml) in &links {
            let missing = if name.ends_with(".rels") {
                package::missing_targets(name, xml, &names)
            } else {
                package::missing_manifest_entries(xml, &names)
            };
            if name.ends_with(".rels") {
                let risky: Vec<_> = package::relationships(xml)
                    .into_iter()
                    .filter(package::is_risky_external)
                    .collect();
                for rel in &risky {
                    let kind = rel.kind.rsplit('/').next().unwrap_or("");
                    warnings.push(
                        Diagnostic::warning(
                            file,
                            Place::from(FormPlace {
                                part: name.clone(),
                                at: String::new(),
                                excerpt: String::new(),
                            }),
                            format!(
                                "mẫu có liên kết ra ngoài tệp «{}» ({kind}): Word có thể tự tải về hoặc mở nó khi mở mỗi báo cáo; dùng --bo-lien-ket-ngoai để bỏ các liên kết này.",
                                rel.target
                            ),
                        )
                        .kind(Kind::Template),
                    );
                }
                if !risky.is_empty() {
                    if let Some(rewritten) = package::without_external(xml) {
                        external.push((name.clone(), rewritten));
                    }
                }
            }
            for target in missing {
                errors.push(
                    part_error(file, name, format!("trỏ tới phần «{target}» không có trong mẫu")).kind(Kind::Corrupt),
                );
            }
        }
        let inserts = parts
            .iter()
            .any(|p| p.source.contains(subdoc::INSERT_FN))
            .then(|| std::sync::Arc::new(subdoc::Base { styles }));
        // Kept only when a loop may restart a list.
        let numbering = numbering.filter(|_| parts.iter().any(|p| p.source.contains(numbering::RESTART_FN)));
        let form = Form {
            file: file.to_string(),
            bytes,
            parts,
            numbering,
            flavor,
            warnings,
            external,
            drop_external: false,
            folder: std::path::Path::new(file).parent().map(|p| {
                if p.as_os_str().is_empty() {
                    std::path::PathBuf::from(".")
                } else {
                    p.to_path_buf()
                }
            }),
            inserts,
            compiled: Default::default(),
        };
        errors.extend(form.syntax_errors());
        if errors.is_empty() {
            Ok(form)
        } else {
            Err(errors)
        }
    }

    /// Cut the form's links to outside the package (`--bo-lien-ket-ngoai`) in every
    /// report: each points at `about:blank` instead.
    pub fn drop_external_links(&mut self) {
        self.drop_external = true;
        for w in &mut self.warnings {
            w.message = w
                .message
                .split(": Word có thể")
                .next()
                .map(|head| format!("{head}: đã bỏ (--bo-lien-ket-ngoai)."))
                .unwrap_or_default();
        }
    }

    /// What the tags alone do not show: each part parsed as a whole (every tag was
    /// checked on its own when the part was prepared).
    fn syntax_errors(&self) -> Vec<Diagnostic> {
        let env = Environment::new();
        self.parts
            .iter()
            .filter_map(|part| {
                let e = env.template_from_str(&part.source).err()?;
                Some(self.error_at(part, e.range().map_or(0, |r| r.start), &e))
            })
            .collect()
    }

    fn place_of(part: &TemplatePart, offset: usize) -> Place {
        // The innermost paragraph holding the offset.
        part.places
            .iter()
            .filter(|s| s.start <= offset && offset <= s.end)
            .min_by_key(|s| s.end - s.start)
            .map(|s| s.place.clone())
            .unwrap_or_else(|| whole_part(&part.name))
    }

    fn error_at(&self, part: &TemplatePart, offset: usize, e: &minijinja::Error) -> Diagnostic {
        Diagnostic::error(&self.file, Form::place_of(part, offset), explain(e)).kind(Kind::Template)
    }

    /// The format of the form, which is the format of every report filled from it.
    pub fn format(&self) -> crate::write::OutputFormat {
        match self.flavor {
            Flavor::Docx => crate::write::OutputFormat::Docx,
            Flavor::Odt => crate::write::OutputFormat::Odt,
        }
    }

    /// Fill the form with `context`: the package's bytes, in the form's format. `base`
    /// is the pack's environment (filters, functions, strict undefined, fuel); values
    /// are XML-escaped, and a newline or a tab in a value becomes a line break or a
    /// tab in the document.
    pub fn fill(&self, base: &Environment<'static>, context: &minijinja::Value) -> Result<Vec<u8>, Vec<Diagnostic>> {
        self.fill_beside(base, context, None)
    }

    /// `fill`, with the folder of the data file: an image or a sub-document the data
    /// names is looked for in the form's folder, then in that one.
    pub fn fill_beside(
        &self,
        base: &Environment<'static>,
        context: &minijinja::Value,
        data_folder: Option<&std::path::Path>,
    ) -> Result<Vec<u8>, Vec<Diagnostic>> {
        let folders: Vec<std::path::PathBuf> = self
            .folder
            .iter()
            .cloned()
            .chain(data_folder.map(|f| {
                if f.as_os_str().is_empty() {
                    std::path::PathBuf::from(".")
                } else {
                    f.to_path_buf()
                }
            }))
            .collect();
        let prepared = self.environment(base);
        let mut env = (*prepared).clone();
        let flavor = self.flavor;
        let images = image::Shared::default();
        image::register(&mut env, folders.clone(), images.clone(), flavor == Flavor::Odt);
        let styles = rich::OdtStyles::default();
        if flavor == Flavor::Odt {
            rich::register_odt(&mut env, styles.clone());
        }
        let inserted = subdoc::Shared::default();
        if let Some(base) = &self.inserts {
            subdoc::register(&mut env, folders, base.clone(), inserted.clone(), flavor == Flavor::Odt);
        }
        let lists = numbering::register(&mut env, self.numbering.as_deref());
        self.fill_in(&env, context, images, styles, inserted, lists)
    }

    /// The environment the form fills in: `base` with the form's escaping, work
    /// limit and rich-value functions, and the form's parts compiled, once for all
    /// the reports of a run (keyed by `base`, the pack's environment, which lives as
    /// long as the pack).
    fn environment(&self, base: &Environment<'static>) -> std::sync::Arc<Environment<'static>> {
        let key = base as *const Environment<'static> as usize;
        let mut cached = self.compiled.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((k, env)) = cached.as_ref() {
            if *k == key {
                return env.clone();
            }
        }
        let mut env = base.clone();
        env.set_fuel(Some(FORM_FUEL));
        // minijinja names an undefined value (`{name}` is undefined) only in debug
        // mode, which it turns on by itself in debug builds alone.
        env.set_debug(true);
        let flavor = self.flavor;
        env.set_auto_escape_callback(|_| AutoEscape::Custom("ooxml".into()));
        env.set_formatter(move |out, state, value| {
            if value.is_none() {
                return Ok(());
            }
            // Markup made by the rich-value functions (never by data).
            if let Some(markup) = value.downcast_object_ref::<rich::Markup>() {
                return out.write_str(&markup.0).map_err(minijinja::Error::from);
            }
            if value.downcast_object_ref::<subdoc::Body>().is_some() {
                return Err(minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    "một văn bản con thay cả đoạn: hãy viết {{p chen(\"…\") }}",
                ));
            }
            if state.name() == PROPERTIES {
                let text = value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string());
                return out.write_str(&escape_plain(&text)).map_err(minijinja::Error::from);
            }
            // Data is always escaped, `|safe` or `{% autoescape false %}` or not: raw
            // text in a part would give a report Word cannot open, or crafted data
            // would add paragraphs.
            let text = value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string());
            let escaped = match flavor {
                Flavor::Docx => escape_run_text(&text),
                Flavor::Odt => escape_odt_text(&text),
            };
            out.write_str(&escaped).map_err(minijinja::Error::from)
        });
        env.add_function(rich::RUNS_FN, rich::runs);
        env.add_function(rich::PARAGRAPHS_FN, rich::paragraphs);
        for part in &self.parts {
            // A part that does not compile is rendered from its source, which names
            // the error.
            let _ = env.add_template_owned(part.name.clone(), part.source.clone());
        }
        let env = std::sync::Arc::new(env);
        *cached = Some((key, env.clone()));
        env
    }

    fn fill_in(
        &self,
        env: &Environment<'static>,
        context: &minijinja::Value,
        images: image::Shared,
        styles: rich::OdtStyles,
        inserted: subdoc::Shared,
        lists: std::sync::Arc<std::sync::Mutex<numbering::Made>>,
    ) -> Result<Vec<u8>, Vec<Diagnostic>> {
        let mut filled = Vec::new();
        let mut errors = Vec::new();
        for part in &self.parts {
            match self.render_part(env, part, context) {
                Ok(xml) if xml.len() > MAX_PART_BYTES => errors.push(
                    Diagnostic::error(
                        &self.file,
                        whole_part(&part.name),
                        format!(
                            "phần {} sau khi điền lớn quá {} MB; hãy kiểm tra các vòng lặp của mẫu.",
                            part_label(&part.name),
                            MAX_PART_BYTES >> 20
                        ),
                    )
                    .kind(Kind::TooLarge),
                ),
                Ok(xml) => filled.push((part.name.clone(), xml)),
                Err(e) => errors.extend(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        if self.drop_external {
            filled.extend(self.external.iter().cloned());
        }
        rich::define_odt_styles(&mut filled, &styles);
        let images = std::mem::take(&mut images.lock().unwrap_or_else(|e| e.into_inner()).files);
        let mut media = Vec::new();
        if !images.is_empty() {
            self.add_images(&mut filled, &images)?;
            let odt = self.flavor == Flavor::Odt;
            for (i, image) in images.into_iter().enumerate() {
                media.push((image::media_name(i + 1, &image.kind, odt), image.bytes));
            }
        }
        let made = lists.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(xml) = self
            .numbering
            .as_deref()
            .and_then(|xml| numbering::with_lists(xml, &made))
        {
            filled.push(("word/numbering.xml".to_string(), xml));
        }
        drop(made);
        let inserted = std::mem::take(&mut *inserted.lock().unwrap_or_else(|e| e.into_inner()));
        if inserted.count > 0 {
            let edits = subdoc::package_edits(&inserted, |name| {
                filled
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, x)| x.clone())
                    .or_else(|| self.part_text(name))
            })
            .map_err(|why| {
                vec![
                    Diagnostic::error(&self.file, Place::File, format!("không chèn được văn bản con: {why}."))
                        .kind(Kind::Template),
                ]
            })?;
            for (name, xml) in edits {
                filled.retain(|(n, _)| *n != name);
                filled.push((name, xml));
            }
            media.extend(inserted.media);
        }
        let bytes = self.package(&filled, &media).map_err(|e| {
            vec![Diagnostic::error(
                &self.file,
                Place::File,
                format!("không đóng gói được văn bản đã điền ({e})."),
            )
            .kind(Kind::Output)]
        })?;
        self.verify(&bytes, &filled).map_err(|e| vec![e])?;
        Ok(bytes)
    }

    /// The package edits that carry a report's images: each part's relationships
    /// (made when the part had none) and the content types (.docx), or the manifest
    /// (.odt).
    fn add_images(&self, filled: &mut Vec<(String, String)>, images: &[image::Image]) -> Result<(), Vec<Diagnostic>> {
        let text_of = |filled: &Vec<(String, String)>, name: &str| {
            filled
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, x)| x.clone())
                .or_else(|| self.part_text(name))
        };
        let set = |filled: &mut Vec<(String, String)>, name: &str, xml: Option<String>| match xml {
            Some(xml) => {
                filled.retain(|(n, _)| n != name);
                filled.push((name.to_string(), xml));
                Ok(())
            }
            None => Err(vec![Diagnostic::error(
                &self.file,
                whole_part(name),
                format!("không chèn được ảnh: phần «{name}» của mẫu không đọc được; hãy mở mẫu và lưu lại."),
            )
            .kind(Kind::Template)]),
        };
        if self.flavor == Flavor::Odt {
            const MANIFEST: &str = "META-INF/manifest.xml";
            let manifest = text_of(filled, MANIFEST).and_then(|m| image::with_manifest_entries(&m, images));
            return set(filled, MANIFEST, manifest);
        }
        let mut parts: Vec<&str> = images.iter().map(|i| i.part.as_str()).collect();
        parts.dedup();
        parts.sort_unstable();
        parts.dedup();
        for part in parts {
            let rels_name = image::rels_name(part);
            let rels = text_of(filled, &rels_name).unwrap_or_else(|| image::NO_RELATIONSHIPS.to_string());
            let own: Vec<(usize, &image::Image)> = images
                .iter()
                .enumerate()
                .filter(|(_, i)| i.part == part)
                .map(|(k, i)| (k + 1, i))
                .collect();
            let rels = image::with_relationships(&rels, &own);
            set(filled, &rels_name, rels)?;
        }
        const TYPES: &str = "[Content_Types].xml";
        let types = text_of(filled, TYPES).and_then(|t| image::with_content_types(&t, images));
        set(filled, TYPES, types)
    }

    /// The report's package as a reader sees it, before it is called written: each
    /// filled part well-formed, every relationship's target (every manifest entry)
    /// present. The parts copied as they were passed the same check when the form
    /// was loaded.
    fn verify(&self, bytes: &[u8], filled: &[(String, String)]) -> Result<(), Diagnostic> {
        let refuse = |part: &str, why: String| {
            Diagnostic::error(
                &self.file,
                Place::from(FormPlace {
                    part: part.to_string(),
                    at: String::new(),
                    excerpt: String::new(),
                }),
                format!(
                    "báo cáo điền từ mẫu này không mở được ({why}), nên không ghi; hãy kiểm tra các thẻ của phần này."
                ),
            )
            .kind(Kind::Output)
        };
        for (name, xml) in filled {
            package::check_filled(xml).map_err(|f| refuse(name, format!("XML không hợp lệ ở {f}")))?;
        }
        // The relationships copied as they were were checked against the same parts
        // when the form was loaded (a report only adds parts); the ones made for
        // this report are checked against the report's parts.
        let made: Vec<&(String, String)> = filled
            .iter()
            .filter(|(n, _)| n.to_ascii_lowercase().ends_with(".rels") || n == "META-INF/manifest.xml")
            .collect();
        if made.is_empty() {
            return Ok(());
        }
        let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| refuse("", e.to_string()))?;
        let names: Vec<String> = zip
            .file_names()
            .filter_map(|n| n.ok())
            .map(|n| n.into_owned())
            .collect();
        for (name, xml) in made {
            let missing = if name.ends_with(".rels") {
                package::missing_targets(name, xml.as_bytes(), &names)
            } else {
                package::missing_manifest_entries(xml.as_bytes(), &names)
            };
            if let Some(target) = missing.first() {
                return Err(refuse(name, format!("trỏ tới phần «{target}» không có")));
            }
        }
        Ok(())
    }

    /// One part filled. On an error the tag at fault is set aside and the part is
    /// filled again, so that every undefined name or bad value of a form is named at
    /// once, each once (a tag in a loop fails on the first pass only).
    fn render_part(
        &self,
        env: &Environment<'static>,
        part: &TemplatePart,
        context: &minijinja::Value,
    ) -> Result<String, Vec<Diagnostic>> {
        const MAX_ERRORS: usize = 100;
        let mut source = std::borrow::Cow::Borrowed(part.source.as_str());
        let mut patches: Vec<Patch> = Vec::new();
        let mut errors = Vec::new();
        loop {
            let rendered = match env.get_template(&part.name) {
                Ok(template) if patches.is_empty() => template.render(context),
                _ => env.render_named_str(&part.name, &source, context),
            };
            let e = match rendered {
                Ok(xml) if errors.is_empty() => return Ok(xml),
                Ok(_) => return Err(self.with_unreached_names(env, part, context, errors)),
                Err(e) => e,
            };
            let at = e.range().map(|r| r.start);
            let original = at.map_or(0, |at| patches.iter().rev().fold(at, |at, p| p.back(at)));
            errors.push(self.error_at(part, original, &e));
            let patch = at.and_then(|at| set_aside(&source, at));
            match patch {
                Some(patch) if errors.len() < MAX_ERRORS && e.kind() != minijinja::ErrorKind::OutOfFuel => {
                    let mut text = source.into_owned();
                    text.replace_range(patch.start..patch.start + patch.old_len, &patch.text);
                    source = std::borrow::Cow::Owned(text);
                    patches.push(patch);
                }
                _ => return Err(self.with_unreached_names(env, part, context, errors)),
            }
        }
    }

    /// When a part lacks names, the names of the data it uses in blocks that a
    /// missing name kept from running (`{{ degree_field }}` under `{% if has_degree
    /// %}`) are named too, each at its first tag, so one run of `check` lists every
    /// name the data must add, as docxtpl's `get_undeclared_template_variables` does.
    fn with_unreached_names(
        &self,
        env: &Environment<'static>,
        part: &TemplatePart,
        context: &minijinja::Value,
        mut errors: Vec<Diagnostic>,
    ) -> Vec<Diagnostic> {
        const UNDEFINED: &str = "không có trong dữ liệu";
        if !errors.iter().any(|d| d.message.contains(UNDEFINED)) {
            return errors;
        }
        let Ok(template) = env.get_template(&part.name) else {
            return errors;
        };
        let mut names: Vec<String> = template.undeclared_variables(false).into_iter().collect();
        names.sort_by_key(|name| first_use(&part.source, name).unwrap_or(usize::MAX));
        for name in names {
            let known = context.get_attr(&name).is_ok_and(|v| !v.is_undefined())
                || env.globals().any(|(g, _)| g == name)
                || errors.iter().any(|d| d.message.contains(&format!("`{name}`")));
            let Some(at) = first_use(&part.source, &name).filter(|_| !known) else {
                continue;
            };
            errors.push(
                Diagnostic::error(
                    &self.file,
                    Form::place_of(part, at),
                    format!("mẫu dùng một biến hoặc thuộc tính không có trong dữ liệu: `{name}` is undefined."),
                )
                .kind(Kind::Template),
            );
        }
        errors
    }

    /// The text of one of the form's parts.
    fn part_text(&self, name: &str) -> Option<String> {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&self.bytes)).ok()?;
        let mut text = String::new();
        zip.by_name(name).ok()?.read_to_string(&mut text).ok()?;
        Some(text)
    }

    /// The form's package with the filled parts in place of the templates; every other
    /// entry is copied as it is, compressed bytes included.
    fn package(&self, filled: &[(String, String)], media: &[(String, Vec<u8>)]) -> zip::result::ZipResult<Vec<u8>> {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&self.bytes))?;
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let deflated = crate::write::zip_options(zip::CompressionMethod::Deflated);
        let stored = crate::write::zip_options(zip::CompressionMethod::Stored);
        for i in 0..zip.len() {
            let entry = zip.by_index_raw(i)?;
            let name = entry.name()?.to_string();
            match filled.iter().find(|(n, _)| *n == name) {
                Some((_, xml)) => {
                    drop(entry);
                    out.start_file(name.as_str(), deflated)?;
                    out.write_all(xml.as_bytes())?;
                }
                None => out.raw_copy_file(entry)?,
            }
        }
        // Parts the form did not have (the relationships of a header that now shows
        // an image).
        for (name, xml) in filled {
            if zip.index_for_name(name).is_none() {
                out.start_file(name.as_str(), deflated)?;
                out.write_all(xml.as_bytes())?;
            }
        }
        for (name, bytes) in media {
            out.start_file(name.as_str(), stored)?;
            out.write_all(bytes)?;
        }
        Ok(out.finish()?.into_inner())
    }
}

/// A start tag without its `xml:id` (ids must stay unique when it is copied).
fn without_xml_id(tag: &str) -> String {
    let mut out = tag.to_string();
    while let Some(at) = out.find(" xml:id=\"") {
        let end = out[at + 9..].find('"').map_or(out.len(), |i| at + 9 + i + 1);
        out.replace_range(at..end, "");
    }
    out
}

/// Where a name is first used in a tag of a template's source.
fn first_use(source: &str, name: &str) -> Option<usize> {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(Ok(range)) = next_tag(source, from) {
        let tag = &source[range.clone()];
        let mut rest = 0;
        while let Some(i) = tag[rest..].find(name).map(|i| rest + i) {
            let before = tag[..i].chars().next_back();
            let after = tag[i + name.len()..].chars().next();
            if !before.is_some_and(|c| is_ident(c) || c == '.') && !after.is_some_and(is_ident) {
                return Some(range.start + i);
            }
            rest = i + name.len();
        }
        from = range.end;
    }
    None
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

// ---------------------------------------------------------------------------------
// Turning a part's XML into a template.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ElemKind {
    P,
    R,
    T,
    Tr,
    Tc,
    TcPr,
    Tbl,
    /// A child of `w:tcPr`, for placing merge properties in schema order.
    TcPrChild,
    /// A paragraph's list (`w:numPr/w:numId`) and level (`w:ilvl`).
    NumId,
    Ilvl,
    /// An .odt list item (`text:list-item`), which a `{%p` tag takes whole when its
    /// paragraph is all it holds.
    ListItem,
    /// An .odt master page's header or footer (`style:header`, `style:footer-left`…).
    Region,
}

#[derive(Clone, Debug)]
struct Elem {
    kind: ElemKind,
    /// The element's local name (for `TcPrChild`).
    local: String,
    start: usize,
    /// Just after the start tag.
    content_start: usize,
    /// Where the end tag begins (== content_start for an empty element).
    content_end: usize,
    /// Just after the end tag.
    end: usize,
    parent: Option<usize>,
    empty: bool,
}

/// A tag's characters replaced: the first by `text`, the rest by nothing.
fn replace_chars(chars: &[TextChar], text: String, edits: &mut Vec<Edit>) {
    for (k, c) in chars.iter().enumerate() {
        edits.push(Edit {
            start: c.start,
            end: c.end,
            text: if k == 0 { text.clone() } else { String::new() },
        });
    }
}

/// One character of a paragraph's joined text and where it is in the XML.
#[derive(Clone, Copy)]
struct TextChar {
    ch: char,
    start: usize,
    end: usize,
    /// The `w:t` element it is in.
    t: usize,
}

/// An edit of the part's XML: replace `start..end` with `text`. Insertions have
/// `start == end` and go before a replacement that starts at the same offset.
#[derive(Clone, Debug)]
struct Edit {
    start: usize,
    end: usize,
    text: String,
}

/// Text of an .odt paragraph outside any `w:t`-like element: a stretch of characters
/// or a `text:s`, `text:tab`, `text:line-break` (`special`), in its innermost
/// paragraph or span (`container`).
struct Piece {
    start: usize,
    end: usize,
    container: usize,
    special: Option<char>,
}

fn parse_elements(xml: &str, flavor: Flavor) -> Result<(Vec<Elem>, Vec<Piece>), String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut elems: Vec<Elem> = Vec::new();
    let mut pieces: Vec<Piece> = Vec::new();
    // Every open element, with its index in `elems` when it is one we track, and
    // whether text in it is outside any paragraph's own text (.odt: a note's
    // citation, an annotation's author and date).
    let mut stack: Vec<(Option<usize>, bool)> = Vec::new();
    loop {
        let before = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| e.to_string())?;
        let after = reader.buffer_position() as usize;
        let container = || stack.iter().rev().find_map(|s| s.0);
        let skipping = stack.last().is_some_and(|s| s.1);
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let name = e.name();
                let name = std::str::from_utf8(name.as_ref()).unwrap_or("");
                let parent_tcpr = stack
                    .last()
                    .and_then(|s| s.0)
                    .is_some_and(|i| elems[i].kind == ElemKind::TcPr);
                let kind = match (flavor, name) {
                    (Flavor::Docx, "w:p") => Some(ElemKind::P),
                    (Flavor::Docx, "w:r") => Some(ElemKind::R),
                    (Flavor::Docx, "w:t") => Some(ElemKind::T),
                    (Flavor::Docx, "w:tr") => Some(ElemKind::Tr),
                    (Flavor::Docx, "w:tc") => Some(ElemKind::Tc),
                    (Flavor::Docx, "w:tcPr") => Some(ElemKind::TcPr),
                    (Flavor::Docx, "w:tbl") => Some(ElemKind::Tbl),
                    (Flavor::Docx, "w:numId") => Some(ElemKind::NumId),
                    (Flavor::Docx, "w:ilvl") => Some(ElemKind::Ilvl),
                    (Flavor::Docx, _) if parent_tcpr => Some(ElemKind::TcPrChild),
                    (Flavor::Odt, "text:p" | "text:h") => Some(ElemKind::P),
                    (Flavor::Odt, "text:span") => Some(ElemKind::R),
                    (Flavor::Odt, "table:table-row") => Some(ElemKind::Tr),
                    (Flavor::Odt, "table:table-cell" | "table:covered-table-cell") => Some(ElemKind::Tc),
                    (Flavor::Odt, "table:table") => Some(ElemKind::Tbl),
                    (Flavor::Odt, "text:list-item" | "text:list-header") => Some(ElemKind::ListItem),
                    (Flavor::Odt, n) if n.starts_with("style:header") || n.starts_with("style:footer") => {
                        Some(ElemKind::Region)
                    }
                    _ => None,
                };
                if flavor == Flavor::Odt && !skipping && empty {
                    let special = match name {
                        "text:s" => Some(' '),
                        "text:tab" => Some('\t'),
                        "text:line-break" => Some('\n'),
                        _ => None,
                    };
                    if let (Some(special), Some(container)) = (special, container()) {
                        pieces.push(Piece {
                            start: before,
                            end: after,
                            container,
                            special: Some(special),
                        });
                    }
                }
                let index = kind.map(|kind| {
                    let parent = container();
                    elems.push(Elem {
                        kind,
                        local: name.split(':').next_back().unwrap_or(name).to_string(),
                        start: before,
                        content_start: after,
                        content_end: after,
                        end: after,
                        parent,
                        empty,
                    });
                    elems.len() - 1
                });
                if !empty {
                    let skip = match kind {
                        Some(ElemKind::P) => false,
                        _ => {
                            skipping
                                || name == "text:note-citation"
                                || !(name.starts_with("text:") || name.starts_with("table:"))
                        }
                    };
                    stack.push((index, skip));
                }
            }
            Event::Text(_) | Event::GeneralRef(_) if flavor == Flavor::Odt && !skipping => {
                if let Some(container) = container() {
                    pieces.push(Piece {
                        start: before,
                        end: after,
                        container,
                        special: None,
                    });
                }
            }
            Event::End(_) => {
                if let Some((Some(i), _)) = stack.pop() {
                    elems[i].content_end = before;
                    elems[i].end = after;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok((elems, pieces))
}

/// The elements inside element `i` (they follow it, in document order).
fn within(elems: &[Elem], i: usize) -> impl Iterator<Item = &Elem> {
    let end = elems[i].end;
    elems[i + 1..].iter().take_while(move |e| e.start < end)
}

/// The nearest ancestor (or self) of `i` of a kind.
fn enclosing(elems: &[Elem], mut i: usize, kind: ElemKind) -> Option<usize> {
    loop {
        if elems[i].kind == kind {
            return Some(i);
        }
        i = elems[i].parent?;
    }
}

/// The characters of `xml[from..to]`, entities decoded, as text of `t`.
fn decode_range(xml: &str, from: usize, to: usize, t: usize, out: &mut Vec<TextChar>) {
    let content = &xml[from..to];
    let mut i = 0;
    while i < content.len() {
        let start = from + i;
        if content.as_bytes()[i] == b'&' {
            if let Some(semi) = content[i..].find(';') {
                let entity = &content[i..=i + semi];
                if let Ok(decoded) = quick_xml::escape::unescape(entity) {
                    for ch in decoded.chars() {
                        out.push(TextChar {
                            ch,
                            start,
                            end: start + entity.len(),
                            t,
                        });
                    }
                    i += entity.len();
                    continue;
                }
            }
        }
        let ch = content[i..].chars().next().unwrap_or('\u{FFFD}');
        out.push(TextChar {
            ch,
            start,
            end: start + ch.len_utf8(),
            t,
        });
        i += ch.len_utf8().max(1);
    }
}

/// Where a paragraph is, as a person finds it: "thân văn bản › bảng 1, hàng 3, ô 2
/// «…»" or "thân văn bản › đoạn 12 «…»".
fn describe(elems: &[Elem], p: usize, label: &str, numbers: &Numbering, text: &str) -> Place {
    let at = match enclosing(elems, p, ElemKind::Tc) {
        Some(tc) => {
            let tr = enclosing(elems, tc, ElemKind::Tr);
            let tbl = enclosing(elems, tc, ElemKind::Tbl);
            format!(
                "bảng {}, hàng {}, ô {}",
                tbl.map_or(0, |t| numbers.of(t)),
                tr.map_or(0, |r| numbers.of(r)),
                numbers.of(tc)
            )
        }
        None => format!("đoạn {}", numbers.of(p)),
    };
    // In an .odt's styles.xml: which header or footer.
    let part = match enclosing(elems, p, ElemKind::Region).map(|r| elems[r].local.as_str()) {
        Some(region) => {
            let which = if region.starts_with("header") {
                "đầu trang"
            } else {
                "chân trang"
            };
            match region.rsplit('-').next() {
                Some("left") => format!("{which} (trang chẵn)"),
                Some("first") => format!("{which} (trang đầu)"),
                _ => which.to_string(),
            }
        }
        None => label.to_string(),
    };
    Place::from(FormPlace {
        part,
        at,
        excerpt: excerpt(text),
    })
}

/// 1-based ordinal of each element among its kind: paragraphs and tables in the part,
/// rows in their table, cells in their row.
struct Numbering(Vec<usize>);

impl Numbering {
    fn new(elems: &[Elem]) -> Self {
        let mut n = vec![0; elems.len()];
        // Paragraphs and tables are counted in each header and footer of an .odt
        // apart, and in the rest of the part.
        let mut paragraphs: std::collections::HashMap<Option<usize>, usize> = Default::default();
        let mut tables: std::collections::HashMap<Option<usize>, usize> = Default::default();
        let mut children: std::collections::HashMap<(Option<usize>, u8), usize> = Default::default();
        for (i, e) in elems.iter().enumerate() {
            let region = enclosing(elems, i, ElemKind::Region);
            n[i] = match e.kind {
                // Paragraphs in a table are found by their cell.
                ElemKind::P if enclosing(elems, i, ElemKind::Tc).is_none() => {
                    let c = paragraphs.entry(region).or_default();
                    *c += 1;
                    *c
                }
                ElemKind::Tbl => {
                    let c = tables.entry(region).or_default();
                    *c += 1;
                    *c
                }
                ElemKind::Tr => {
                    let c = children.entry((enclosing(elems, i, ElemKind::Tbl), 0)).or_default();
                    *c += 1;
                    *c
                }
                ElemKind::Tc => {
                    let c = children.entry((enclosing(elems, i, ElemKind::Tr), 1)).or_default();
                    *c += 1;
                    *c
                }
                _ => 0,
            };
        }
        Numbering(n)
    }

    fn of(&self, i: usize) -> usize {
        self.0[i]
    }
}

/// A part's XML as a template: None when it has no tags.
fn prepare(xml: &str, label: &str, flavor: Flavor) -> Result<Option<(String, Vec<Span>)>, Vec<Diagnostic>> {
    // Without both braces there is no tag, even one Word split over runs.
    if !xml.contains('{') || !xml.contains('}') {
        return Ok(None);
    }
    // A hostile form of a million tiny tags is refused before any work on it.
    let openers = memchr::memmem::find_iter(xml.as_bytes(), "{{").count()
        + memchr::memmem::find_iter(xml.as_bytes(), "{%").count()
        + memchr::memmem::find_iter(xml.as_bytes(), "{#").count();
    if openers > MAX_TAGS {
        return Err(vec![too_many_tags(Place::from(FormPlace {
            part: label.into(),
            at: String::new(),
            excerpt: String::new(),
        }))]);
    }
    let (elems, pieces) = parse_elements(xml, flavor).map_err(|e| {
        vec![Diagnostic::error(
            "",
            Place::from(FormPlace {
                part: label.into(),
                at: String::new(),
                excerpt: String::new(),
            }),
            format!("XML của mẫu bị hỏng ({e})."),
        )
        .kind(Kind::Corrupt)]
    })?;
    let numbers = Numbering::new(&elems);
    // The text of each paragraph, from its own runs (not those of a text box inside it).
    // Only paragraphs with a brace in their markup can hold a tag (or an escape like
    // `%_}`): the others are
    // not decoded, so memory follows the tags, not the size of the document.
    let mut texts: Vec<(usize, Vec<TextChar>)> = Vec::new();
    for (i, e) in elems.iter().enumerate() {
        if e.kind == ElemKind::P && memchr::memchr2(b'{', b'}', &xml.as_bytes()[e.start..e.end]).is_some() {
            texts.push((i, Vec::new()));
        }
    }
    for (t, e) in elems.iter().enumerate() {
        if e.kind != ElemKind::T || e.empty {
            continue;
        }
        if let Some(p) = enclosing(&elems, t, ElemKind::P) {
            if let Ok(k) = texts.binary_search_by_key(&p, |(i, _)| *i) {
                decode_range(xml, e.content_start, e.content_end, t, &mut texts[k].1);
            }
        }
    }
    for piece in &pieces {
        let Some(p) = enclosing(&elems, piece.container, ElemKind::P) else {
            continue;
        };
        let Ok(k) = texts.binary_search_by_key(&p, |(i, _)| *i) else {
            continue;
        };
        match piece.special {
            Some(ch) => texts[k].1.push(TextChar {
                ch,
                start: piece.start,
                end: piece.end,
                t: piece.container,
            }),
            None => decode_range(xml, piece.start, piece.end, piece.container, &mut texts[k].1),
        }
    }

    let mut edits: Vec<Edit> = Vec::new();
    // Whole elements replaced by a structural tag: (element, its paragraph).
    let mut replaced: Vec<(usize, usize, String)> = Vec::new();
    let mut preserve = std::collections::BTreeSet::new();
    let mut errors = Vec::new();
    let mut places = Vec::new();
    let syntax = Environment::new();
    let mut blocks: Vec<BlockTag> = Vec::new();
    let mut merges: Vec<(usize, &str, String, Place)> = Vec::new();
    let mut tags = 0usize;
    for (p, chars) in &texts {
        let joined: String = chars.iter().map(|c| c.ch).collect();
        let place = describe(&elems, *p, label, &numbers, &joined);
        places.push((*p, place.clone()));
        // Char index of each byte offset of `joined`.
        let index: Vec<usize> = joined.char_indices().map(|(b, _)| b).collect();
        let char_at = |byte: usize| index.partition_point(|&b| b < byte);
        let mut rest = 0;
        let mut tag_chars: Vec<(usize, usize)> = Vec::new();
        while let Some(found) = next_tag(&joined, rest) {
            let (open, end) = match found {
                Ok(range) => (range.start, range.end),
                Err((open, close)) => {
                    errors.push(
                        Diagnostic::error(
                            "",
                            place.clone(),
                            format!(
                                "thẻ «{}» mở nhưng không đóng trong cùng đoạn (cần «{close}»); một thẻ không được trải qua hai đoạn.",
                                excerpt(&joined[open..])
                            ),
                        )
                        .kind(Kind::Template),
                    );
                    break;
                }
            };
            rest = end;
            tags += 1;
            if tags > MAX_TAGS {
                errors.push(too_many_tags(place.clone()));
                return Err(errors);
            }
            let (first, last) = (char_at(open), char_at(end) - 1);
            tag_chars.push((first, last));
            let tag = plain_tag(&joined[open..end]);
            if let Some(kind) = structural_comment(&tag) {
                // A comment that takes its paragraph, row or cell with it.
                let target = match kind {
                    Structural::Paragraph => Some(list_item_alone(&elems, *p).unwrap_or(*p)),
                    Structural::Row => enclosing(&elems, *p, ElemKind::Tr),
                    Structural::Cell => enclosing(&elems, *p, ElemKind::Tc),
                    Structural::Run => None,
                };
                match target {
                    Some(target) => replaced.push((target, *p, String::new())),
                    None => errors.push(misplaced(&place, &tag, "một hàng hoặc một ô của bảng")),
                }
                continue;
            }
            if let Some((kind, expr)) = cell_tag(&tag) {
                let tc = enclosing(&elems, *p, ElemKind::Tc).filter(|_| flavor == Flavor::Docx);
                let Some(tc) = tc else {
                    errors.push(misplaced(&place, &tag, "một ô của bảng (mẫu Word)"));
                    continue;
                };
                if let Err(e) = syntax.template_from_str(&format!("{{{{ {expr} }}}}")) {
                    errors.push(Diagnostic::error("", place.clone(), explain(&e)).kind(Kind::Template));
                }
                replace_chars(&chars[first..=last], String::new(), &mut edits);
                cell_property_edits(&elems, tc, kind, &expr, &mut edits);
                continue;
            }
            if let Some((kind, expr)) = rich_tag(&tag).filter(|_| flavor == Flavor::Odt) {
                // .odt: the runs go where the tag is (inside its span, whose style
                // they keep under their own); the paragraphs take the paragraph's
                // place, each a copy of its start tag.
                if let Err(e) = syntax.template_from_str(&format!("{{{{ {expr} }}}}")) {
                    errors.push(Diagnostic::error("", place.clone(), explain(&e)).kind(Kind::Template));
                    continue;
                }
                match kind {
                    Structural::Run => {
                        replace_chars(
                            &chars[first..=last],
                            format!("{{{{ {}({expr}) }}}}", rich::ODT_RUNS_FN),
                            &mut edits,
                        );
                    }
                    _ => {
                        let head = |i: usize| &xml[elems[i].start..elems[i].content_start];
                        let span = enclosing(&elems, chars[first].t, ElemKind::R)
                            .filter(|&r| r > *p)
                            .map(|r| without_xml_id(head(r)))
                            .unwrap_or_default();
                        let inner = format!(
                            "{{{{ {}({expr}, {}, {}, {}) }}}}",
                            rich::ODT_PARAGRAPHS_FN,
                            rich::literal(&without_xml_id(head(*p))),
                            rich::literal(&xml[elems[*p].content_end..elems[*p].end]),
                            rich::literal(&span)
                        );
                        replaced.push((*p, *p, inner));
                    }
                }
                continue;
            }
            if let Some((kind, expr)) = rich_tag(&tag).filter(|_| flavor == Flavor::Docx) {
                // A rich value takes its run or paragraph whole; the markup is made by
                // `rich`, with the run's (and the paragraph's) properties.
                let run = enclosing(&elems, chars[first].t, ElemKind::R);
                let content = |i: usize| &xml[elems[i].content_start..elems[i].content_end];
                let rpr = run
                    .map(|r| rich::leading_properties(content(r), "w:rPr"))
                    .unwrap_or_default();
                if let Err(e) = syntax.template_from_str(&format!("{{{{ {expr} }}}}")) {
                    errors.push(Diagnostic::error("", place.clone(), explain(&e)).kind(Kind::Template));
                    continue;
                }
                let (target, inner) = match kind {
                    Structural::Run => (
                        run,
                        format!("{{{{ {}({expr}, {}) }}}}", rich::RUNS_FN, rich::literal(&rpr)),
                    ),
                    _ => (
                        Some(*p),
                        format!(
                            "{{{{ {}({expr}, {}, {}) }}}}",
                            rich::PARAGRAPHS_FN,
                            rich::literal(&rich::leading_properties(content(*p), "w:pPr")),
                            rich::literal(&rpr)
                        ),
                    ),
                };
                match target {
                    Some(target) => replaced.push((target, *p, inner)),
                    None => errors.push(misplaced(&place, &tag, "một đoạn chữ (run)")),
                }
                continue;
            }
            if let Some((kind, inner)) = structural(&tag) {
                let target = match kind {
                    Structural::Paragraph => Some(list_item_alone(&elems, *p).unwrap_or(*p)),
                    Structural::Row => enclosing(&elems, *p, ElemKind::Tr),
                    Structural::Cell => enclosing(&elems, *p, ElemKind::Tc),
                    Structural::Run => enclosing(&elems, chars[first].t, ElemKind::R),
                };
                let Some(target) = target else {
                    let what = match kind {
                        Structural::Row => "một hàng của bảng",
                        Structural::Cell => "một ô của bảng",
                        Structural::Run => "một đoạn chữ có định dạng riêng (run, hoặc span của .odt)",
                        Structural::Paragraph => "một đoạn",
                    };
                    errors.push(misplaced(&place, &tag, what));
                    continue;
                };
                if let Some(e) = statement_error(&syntax, &inner) {
                    errors.push(Diagnostic::error("", place.clone(), explain(&e)).kind(Kind::Template));
                }
                blocks.push(BlockTag::new(&tag, &inner, Some(kind), target, *p, &place));
                replaced.push((target, *p, inner));
                continue;
            }
            if let Some(merge) = merge_tag(&tag) {
                let Some(tc) = enclosing(&elems, *p, ElemKind::Tc) else {
                    errors.push(misplaced(&place, &tag, "một ô của bảng"));
                    continue;
                };
                replace_chars(&chars[first..=last], String::new(), &mut edits);
                match flavor {
                    Flavor::Docx => merge_edits(&elems, tc, merge, &mut edits),
                    Flavor::Odt => odt_merge_edits(&elems[tc], merge, &mut edits),
                }
                merges.push((tc, merge, tag.clone(), place.clone()));
                continue;
            }
            // The tag as the template gets it (a join drops its dash, as docxtpl does,
            // so that no white space of the joined text is trimmed).
            let mut written = tag.clone();
            let wrong = if tag.starts_with("{{") {
                syntax.template_from_str(&tag).err()
            } else if tag.starts_with("{%") {
                let mut block = BlockTag::new(&tag, &tag, None, *p, *p, &place);
                block.level = (elems[*p].parent, depth(&elems, chars[first].t));
                blocks.push(block);
                // `{%-` joins the paragraph to the text before it, `-%}` the text after
                // it to the paragraph, as docxtpl does: the markup between is dropped.
                if flavor == Flavor::Docx {
                    let t = chars[first].t;
                    if tag.starts_with("{%-") && (first == 0 || chars[first - 1].t != t) {
                        let before = elems[..t]
                            .iter()
                            .enumerate()
                            .rev()
                            .find(|(_, e)| e.kind == ElemKind::T && !e.empty && e.end <= elems[t].start);
                        if let Some((prev, e)) = before {
                            if depth(&elems, prev) == depth(&elems, t) {
                                edits.push(Edit {
                                    start: e.content_end,
                                    end: chars[first].start,
                                    text: String::new(),
                                });
                                written = written.replacen("{%-", "{%", 1);
                            }
                        }
                    }
                    let t = chars[last].t;
                    if tag.ends_with("-%}") && chars.get(last + 1).is_none_or(|c| c.t != t) {
                        let after = elems
                            .iter()
                            .enumerate()
                            .skip(t + 1)
                            .find(|(_, e)| e.kind == ElemKind::T && !e.empty && e.start >= elems[t].end);
                        if let Some((next, e)) = after {
                            if depth(&elems, next) == depth(&elems, t) {
                                edits.push(Edit {
                                    start: chars[last].end,
                                    end: e.content_start,
                                    text: String::new(),
                                });
                                written = format!("{}%}}", &written[..written.len() - 3]);
                            }
                        }
                    }
                }
                statement_error(&syntax, &tag)
            } else {
                None
            };
            if let Some(e) = wrong {
                errors.push(Diagnostic::error("", place.clone(), explain(&e)).kind(Kind::Template));
            }
            // An ordinary tag: whole in the `w:t` where it begins, gone from the others.
            replace_chars(&chars[first..=last], written.clone(), &mut edits);
            if flavor == Flavor::Docx {
                preserve.insert(chars[first].t);
            }
        }
        // docxtpl's escapes, outside tags: `{_{ x }_}` prints `{{ x }}`.
        for (from, to) in ESCAPES {
            for (at, _) in joined.match_indices(from) {
                let first = char_at(at);
                let last = first + from.chars().count() - 1;
                if last >= chars.len() || tag_chars.iter().any(|&(a, b)| first <= b && a <= last) {
                    continue;
                }
                replace_chars(&chars[first..=last], to.to_string(), &mut edits);
                if flavor == Flavor::Docx {
                    preserve.insert(chars[first].t);
                }
            }
        }
    }
    let (unbalanced, loops) = balance(&blocks, &elems);
    errors.extend(unbalanced);
    // A merge needs the loop it merges over: rows for vm, cells for hm.
    for (tc, merge, tag, place) in &merges {
        let (over, what) = match *merge {
            "vm" => (ElemKind::Tr, "một hàng lặp ({%tr for … %} … {%tr endfor %})"),
            _ => (ElemKind::Tc, "một ô lặp ({%tc for … %} … {%tc endfor %})"),
        };
        let looped = loops.iter().any(|&(open, close)| {
            elems[open].kind == over && elems[open].end <= elems[*tc].start && elems[*tc].end <= elems[close].start
        });
        if !looped {
            errors.push(
                Diagnostic::error("", place.clone(), format!("thẻ «{tag}» chỉ dùng được trong {what}."))
                    .kind(Kind::Template),
            );
        }
    }
    if errors.is_empty() && edits.is_empty() && replaced.is_empty() {
        return Ok(None);
    }
    for t in preserve {
        let e = &elems[t];
        edits.push(Edit {
            start: e.start,
            end: e.content_start,
            text: "<w:t xml:space=\"preserve\">".into(),
        });
    }
    // A structural tag takes its whole element; two in one element, or other tags in
    // it, would be lost silently.
    replaced.sort_by_key(|(target, _, _)| elems[*target].start);
    for pair in replaced.windows(2) {
        let (a, b) = (&elems[pair[0].0], &elems[pair[1].0]);
        if b.start < a.end {
            let place = places
                .iter()
                .find(|(p, _)| *p == pair[1].1)
                .map(|(_, s)| s.clone())
                .unwrap_or_default();
            errors.push(Diagnostic::error(
                "",
                place,
                "hai thẻ cấu trúc ({%p, {%tr, {%tc, {%r) nằm trong cùng một đoạn, hàng, ô hoặc đoạn chữ; mỗi thẻ cấu trúc cần một chỗ riêng.",
            )
            .kind(Kind::Template));
        }
    }
    let mut kept = Vec::new();
    for edit in edits {
        // The replaced elements do not overlap (or an error was given above): one
        // holding the edit is the last that starts before it.
        let k = replaced.partition_point(|(t, _, _)| elems[*t].start <= edit.start);
        // An insertion just before or just after a replaced element is outside it.
        let inside = |t: usize| {
            let e = &elems[t];
            edit.end <= e.end && !(edit.start == edit.end && (edit.start == e.start || edit.start == e.end))
        };
        match replaced[..k].last().filter(|(t, _, _)| inside(*t)) {
            Some((_, p, _)) if !edit.text.is_empty() && edit.text.starts_with('{') => {
                let place = places
                    .iter()
                    .find(|(q, _)| q == p)
                    .map(|(_, s)| s.clone())
                    .unwrap_or_default();
                errors.push(Diagnostic::error(
                    "",
                    place,
                    format!(
                        "thẻ «{}» nằm cùng chỗ với một thẻ cấu trúc ({{%p, {{%tr, {{%tc, {{%r}}), nên sẽ bị mất; hãy đặt nó ở đoạn, hàng hoặc ô khác.",
                        edit.text
                    ),
                )
                .kind(Kind::Template));
            }
            Some(_) => {}
            None => kept.push(edit),
        }
    }
    if !errors.is_empty() {
        // In the order of the document, as its author reads it.
        let order: std::collections::HashMap<String, usize> = places
            .iter()
            .enumerate()
            .map(|(i, (_, at))| (at.to_string(), i))
            .collect();
        errors.sort_by_cached_key(|d| order.get(&d.place.to_string()).copied().unwrap_or(usize::MAX));
        return Err(errors);
    }
    for (target, _, inner) in &replaced {
        kept.push(Edit {
            start: elems[*target].start,
            end: elems[*target].end,
            text: inner.clone(),
        });
    }
    let gone: Vec<usize> = replaced.iter().map(|(target, _, _)| *target).collect();
    if flavor == Flavor::Docx {
        kept.extend(numbering::restarts(xml, &elems, &loops, &gone));
    }
    kept.sort_by_key(|e| (e.start, e.end));
    let (source, map) = apply(xml, &kept);
    // A structural tag's text belongs to the paragraph that held it.
    let held: std::collections::HashMap<usize, Place> = places.iter().cloned().collect();
    let mut spans = Vec::new();
    for (p, place) in places {
        let e = &elems[p];
        // A paragraph inside an element a structural tag replaced is gone; mapped,
        // its offsets would land on what follows the replacement.
        if gone.iter().any(|&g| elems[g].start <= e.start && e.end <= elems[g].end) {
            continue;
        }
        let (start, end) = (map(e.start), map(e.end));
        spans.push(Span { start, end, place });
    }
    for (target, p, inner) in &replaced {
        let start = map(elems[*target].start);
        if let Some(place) = held.get(p) {
            spans.push(Span {
                start,
                end: start + inner.len(),
                place: place.clone(),
            });
        }
    }
    Ok(Some((source, spans)))
}

/// The document's properties with tags in their texts (`<dc:title>{{ ten }}</dc:title>`):
/// each tag as a template tag, entities inside it decoded; a tag may not cross an
/// element.
fn prepare_properties(xml: &str, label: &str) -> Result<Option<(String, Vec<Span>)>, Vec<Diagnostic>> {
    if !xml.contains("{{") && !xml.contains("{%") {
        return Ok(None);
    }
    let place = Place::from(FormPlace {
        part: label.into(),
        at: String::new(),
        excerpt: String::new(),
    });
    let fail = |message: String| vec![Diagnostic::error("", place.clone(), message).kind(Kind::Template)];
    let syntax = Environment::new();
    let mut out = String::with_capacity(xml.len());
    let (mut at, mut rest) = (0, 0);
    while let Some(found) = next_tag(xml, rest) {
        let range = found.map_err(|(open, close)| {
            fail(format!(
                "thẻ «{}» mở nhưng không đóng (cần «{close}»).",
                excerpt(&xml[open..xml.len().min(open + 60)])
            ))
        })?;
        let raw = &xml[range.clone()];
        if raw.contains('<') {
            return Err(fail(format!(
                "thẻ «{}» nằm vắt qua hai mục của thuộc tính tài liệu.",
                excerpt(raw)
            )));
        }
        let tag = plain_tag(
            &raw.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        );
        let wrong = if tag.starts_with("{{") {
            syntax.template_from_str(&tag).err()
        } else if tag.starts_with("{%") {
            statement_error(&syntax, &tag)
        } else {
            None
        };
        if let Some(e) = wrong {
            return Err(fail(explain(&e)));
        }
        out.push_str(&xml[at..range.start]);
        out.push_str(&tag);
        at = range.end;
        rest = range.end;
    }
    out.push_str(&xml[at..]);
    Ok(Some((out, Vec::new())))
}

/// A value as the text of a plain XML element.
fn escape_plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
    out
}

/// How deep an element is in the part.
fn depth(elems: &[Elem], mut i: usize) -> usize {
    let mut d = 0;
    while let Some(p) = elems[i].parent {
        d += 1;
        i = p;
    }
    d
}

fn too_many_tags(place: Place) -> Diagnostic {
    Diagnostic::error(
        "",
        place,
        format!(
            "phần này của mẫu có hơn {MAX_TAGS} thẻ; một mẫu biểu không cần nhiều thế (mỗi hàng dữ liệu lặp bằng một thẻ {{%tr for %}}), nên mẫu bị từ chối."
        ),
    )
    .kind(Kind::TooLarge)
}

/// Apply sorted, non-overlapping edits; also returns the map from an offset of the
/// original to the same place in the result.
fn apply(xml: &str, edits: &[Edit]) -> (String, impl Fn(usize) -> usize) {
    let mut out = String::with_capacity(xml.len() + 256);
    // (original offset, output offset) at the end of each edit.
    let mut marks: Vec<(usize, usize)> = vec![(0, 0)];
    let mut at = 0;
    for e in edits {
        if e.start < at {
            continue;
        }
        out.push_str(&xml[at..e.start]);
        marks.push((e.start, out.len()));
        out.push_str(&e.text);
        at = e.end;
        marks.push((at, out.len()));
    }
    out.push_str(&xml[at..]);
    let map = move |offset: usize| {
        let i = marks.partition_point(|&(o, _)| o <= offset).saturating_sub(1);
        let (o, out) = marks[i];
        out + (offset - o)
    };
    (out, map)
}

/// «thẻ «{% tr … %}» phải nằm trong một hàng …»: a tag where its kind cannot stand.
fn misplaced(place: &Place, tag: &str, inside: &str) -> Diagnostic {
    Diagnostic::error("", place.clone(), format!("thẻ «{tag}» phải nằm trong {inside}.")).kind(Kind::Template)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(body: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}<w:sectPr/></w:body></w:document>"
        )
    }

    fn render(xml: &str, ctx: minijinja::Value) -> String {
        let (source, _) = prepare(xml, "thân văn bản", Flavor::Docx).unwrap().unwrap();
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::Custom("ooxml".into()));
        env.set_formatter(|out, _, value| {
            let text = value.as_str().map(str::to_string).unwrap_or_else(|| value.to_string());
            out.write_str(&escape_run_text(&text)).map_err(minijinja::Error::from)
        });
        let out = env.render_str(&source, ctx).unwrap();
        roxmltree::Document::parse(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
        out
    }

    fn text_of(xml: &str) -> String {
        let d = roxmltree::Document::parse(xml).unwrap();
        d.descendants()
            .filter(|n| n.tag_name().name() == "p")
            .map(|p| {
                p.descendants()
                    .filter(|n| n.is_text() && n.parent().is_some_and(|t| t.tag_name().name() == "t"))
                    .map(|n| n.text().unwrap_or(""))
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn a_tag_split_over_runs_takes_the_first_runs_formatting() {
        let xml = doc(concat!(
            "<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>Xã {{ tt.</w:t></w:r>",
            "<w:proofErr w:type=\"spellStart\"/><w:bookmarkStart w:id=\"0\" w:name=\"x\"/>",
            "<w:r w:rsidR=\"00AB\"><w:rPr><w:i/></w:rPr><w:t>ten_xa</w:t></w:r><w:bookmarkEnd w:id=\"0\"/>",
            "<w:r><w:lastRenderedPageBreak/><w:t xml:space=\"preserve\"> }} có</w:t></w:r></w:p>"
        ));
        let out = render(
            &xml,
            minijinja::context! { tt => minijinja::context! { ten_xa => "Ba Thành" } },
        );
        assert_eq!(text_of(&out), "Xã Ba Thành có");
        assert!(
            out.contains("<w:b/></w:rPr><w:t xml:space=\"preserve\">Xã Ba Thành</w:t>"),
            "{out}"
        );
    }

    #[test]
    fn values_are_literal_and_newlines_break_lines() {
        let xml = doc("<w:p><w:r><w:t>{{ x }}</w:t></w:r></w:p>");
        let out = render(&xml, minijinja::context! { x => "a < b & \"c\"\n{{ y }}</w:t>\u{1}" });
        assert_eq!(text_of(&out), "a < b & \"c\"{{ y }}</w:t>");
        assert!(out.contains("<w:br/>"));
    }

    #[test]
    fn curly_quotes_in_a_tag_work() {
        let xml = doc("<w:p><w:r><w:t>{{ “a” ~ ‘b’ }}</w:t></w:r></w:p>");
        assert_eq!(text_of(&render(&xml, minijinja::context! {})), "ab");
    }

    #[test]
    fn a_row_loop_repeats_the_row_with_its_formatting() {
        let row = |t: &str| {
            format!("<w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:p><w:r><w:t>{t}</w:t></w:r></w:p></w:tc></w:tr>")
        };
        let xml = doc(&format!(
            "<w:tbl>{}{}{}</w:tbl>",
            row("{%tr for x in xs %}"),
            row("{{ x }}"),
            row("{%tr endfor %}")
        ));
        let out = render(&xml, minijinja::context! { xs => vec!["một", "hai", "ba"] });
        assert_eq!(text_of(&out), "một\nhai\nba");
        assert_eq!(out.matches("<w:cantSplit/>").count(), 3);
    }

    #[test]
    fn a_paragraph_condition_removes_the_whole_paragraph() {
        let xml = doc(concat!(
            "<w:p><w:r><w:t>{%p if show %}</w:t></w:r></w:p>",
            "<w:p><w:r><w:t>có</w:t></w:r></w:p>",
            "<w:p><w:r><w:t>{%p endif %}</w:t></w:r></w:p>",
            "<w:p><w:r><w:t>sau</w:t></w:r></w:p>"
        ));
        assert_eq!(text_of(&render(&xml, minijinja::context! { show => false })), "sau");
        assert_eq!(text_of(&render(&xml, minijinja::context! { show => true })), "có\nsau");
    }

    #[test]
    fn vertical_merge_in_a_row_loop() {
        let xml = doc(concat!(
            "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>{%tr for x in xs %}</w:t></w:r></w:p></w:tc></w:tr>",
            "<w:tr><w:tc><w:tcPr><w:tcW w:w=\"100\" w:type=\"dxa\"/><w:vAlign w:val=\"center\"/></w:tcPr><w:p><w:r><w:t>{% vm %}Nhóm</w:t></w:r></w:p></w:tc>",
            "<w:tc><w:p><w:r><w:t>{{ x }}</w:t></w:r></w:p></w:tc></w:tr>",
            "<w:tr><w:tc><w:p><w:r><w:t>{%tr endfor %}</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
        ));
        let out = render(&xml, minijinja::context! { xs => vec!["a", "b"] });
        assert!(
            out.contains("<w:tcW w:w=\"100\" w:type=\"dxa\"/><w:vMerge w:val=\"restart\"/><w:vAlign"),
            "{out}"
        );
        assert!(out.contains("<w:vMerge w:val=\"continue\"/>"));
        assert_eq!(out.matches("Nhóm").count(), 1);
    }

    #[test]
    fn unclosed_and_misplaced_tags_name_the_paragraph() {
        let xml =
            doc("<w:p><w:r><w:t>Số {{ tt.so</w:t></w:r></w:p><w:p><w:r><w:t>{%tr for x in y %}</w:t></w:r></w:p>");
        let errors = prepare(&xml, "thân văn bản", Flavor::Docx).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].place.to_string().contains("đoạn 1 «Số {{ tt.so»"),
            "{errors:?}"
        );
        assert!(errors[1].message.contains("một hàng của bảng"));
        assert!(errors[1].place.to_string().contains("đoạn 2"));
    }

    fn fill_errors(xml: &str, ctx: minijinja::Value) -> Vec<String> {
        let form = Form {
            file: "mau.docx".into(),
            bytes: Vec::new(),
            numbering: None,
            flavor: Flavor::Docx,
            warnings: Vec::new(),
            external: Vec::new(),
            drop_external: false,
            folder: None,
            inserts: None,
            compiled: Default::default(),
            parts: vec![{
                let (source, places) = prepare(xml, "thân văn bản", Flavor::Docx).unwrap().unwrap();
                TemplatePart {
                    name: "word/document.xml".into(),
                    source,
                    places,
                }
            }],
        };
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        // As in a release build, where minijinja leaves debug mode off.
        env.set_debug(false);
        form.fill(&env, &ctx)
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    /// A filled part that is not well-formed (no form's tags should make one, but a
    /// report is checked as a reader sees it before it is called written).
    #[test]
    fn a_report_that_is_not_well_formed_is_refused() {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file("word/document.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(doc("<w:p/>").as_bytes()).unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        let source = "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">{% if x %}<w:body>{% endif %}</w:document>";
        let form = Form {
            file: "mau.docx".into(),
            bytes,
            numbering: None,
            flavor: Flavor::Docx,
            warnings: Vec::new(),
            external: Vec::new(),
            drop_external: false,
            folder: None,
            inserts: None,
            compiled: Default::default(),
            parts: vec![TemplatePart {
                name: "word/document.xml".into(),
                source: source.into(),
                places: Vec::new(),
            }],
        };
        let env = Environment::new();
        assert!(form.fill(&env, &minijinja::context! { x => false }).is_ok());
        let errors = form.fill(&env, &minijinja::context! { x => true }).unwrap_err();
        let shown = errors[0].to_string();
        assert!(
            shown.starts_with("mau.docx › word/document.xml") && shown.contains("không ghi"),
            "{shown}"
        );
    }

    #[test]
    fn every_undefined_name_is_named_once() {
        let row = |t: &str| format!("<w:tr><w:tc><w:p><w:r><w:t>{t}</w:t></w:r></w:p></w:tc></w:tr>");
        let xml = doc(&format!(
            "<w:p><w:r><w:t>Xã {{{{ tt.ten }}}}, năm {{{{ tt.nam }}}}</w:t></w:r></w:p><w:p><w:r><w:t>{{% if tt.co %}}có{{% endif %}}</w:t></w:r></w:p><w:tbl>{}{}{}</w:tbl>",
            row("{%tr for d in duong %}"),
            row("{{ d.ten }} {{ d.dai }}"),
            row("{%tr endfor %}")
        ));
        let ctx = minijinja::context! { tt => minijinja::context! { nam => 2024 }, duong => vec![minijinja::context! { ten => "a" }, minijinja::context! { ten => "b" }] };
        let errors = fill_errors(&xml, ctx);
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(errors[0].contains("đoạn 1 «Xã {{ tt.ten }}"), "{errors:#?}");
        assert!(errors[1].contains("đoạn 2 «{% if tt.co %}"), "{errors:#?}");
        assert!(
            errors[2].contains("bảng 1, hàng 2, ô 1 «{{ d.ten }} {{ d.dai }}»"),
            "{errors:#?}"
        );
    }

    /// docxtpl's `get_undeclared_variables` case, in a form of our own: the data
    /// lacks a condition and the names under it; every one is named, where it is used.
    #[test]
    fn names_under_a_condition_the_data_lacks_are_named_too() {
        let xml = doc(
            "<w:p><w:r><w:t>Tên {{ name }}</w:t></w:r></w:p><w:p><w:r><w:t>{% if has_degree %}Ngành {{ degree_field }}.{% endif %}</w:t></w:r></w:p><w:p><w:r><w:t>{% for p in projects %}{{ p.name }} ({{ p.year }}){% endfor %}</w:t></w:r></w:p><w:p><w:r><w:t>{{ p }}</w:t></w:r></w:p>",
        );
        let errors = fill_errors(&xml, minijinja::context! { name => "An", p => 1 });
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(
            errors[0].contains("đoạn 2") && errors[0].contains("`has_degree`"),
            "{errors:#?}"
        );
        assert!(
            errors[1].contains("đoạn 3") && errors[1].contains("`projects`"),
            "{errors:#?}"
        );
        assert!(
            errors[2].contains("đoạn 2") && errors[2].contains("`degree_field`"),
            "{errors:#?}"
        );
    }

    #[test]
    fn every_unbalanced_block_is_named() {
        let row = |t: &str| format!("<w:tr><w:tc><w:p><w:r><w:t>{t}</w:t></w:r></w:p></w:tc></w:tr>");
        let xml = doc(&format!(
            "<w:tbl>{}{}</w:tbl><w:p><w:r><w:t>{{% if a %}}x</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>{{% endif %}}</w:t></w:r></w:p></w:tc></w:tr></w:tbl><w:p><w:r><w:t>{{%p endfor %}}</w:t></w:r></w:p><w:p><w:r><w:t>{{{{ a b }}}} {{% for %}}{{% endfor %}}</w:t></w:r></w:p>",
            row("{%tr for d in duong %}"),
            row("{{ d.ten }}"),
        ));
        let errors: Vec<String> = prepare(&xml, "thân văn bản", Flavor::Docx)
            .unwrap_err()
            .iter()
            .map(|e| format!("{} {}", e.place, e.message))
            .collect();
        // In the order of the document: an `if` closed at another level (in a table
        // cell), a row loop closed by a paragraph tag, two syntax errors.
        assert_eq!(errors.len(), 4, "{errors:#?}");
        assert!(
            errors[0].starts_with("thân văn bản › bảng 2, hàng 1, ô 1 «{% endif %}»") && errors[0].contains("đoạn 1"),
            "{errors:#?}"
        );
        assert!(
            errors[1].contains("«{%tr for d in duong %}» (cả hàng của bảng"),
            "{errors:#?}"
        );
        assert!(errors[2].starts_with("thân văn bản › đoạn 3 «{{ a b }}") && errors[2].contains("cú pháp"));
        assert!(errors[3].starts_with("thân văn bản › đoạn 3") && errors[3].contains("cú pháp"));
    }

    #[test]
    fn a_merge_outside_its_loop_is_named() {
        let xml = doc(concat!(
            "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>{%tr for x in xs %}</w:t></w:r></w:p></w:tc></w:tr>",
            "<w:tr><w:tc><w:p><w:r><w:t>{% hm %}{{ x }}</w:t></w:r></w:p></w:tc></w:tr>",
            "<w:tr><w:tc><w:p><w:r><w:t>{%tr endfor %}</w:t></w:r></w:p></w:tc></w:tr>",
            "<w:tr><w:tc><w:p><w:r><w:t>{% vm %}Tổng</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
        ));
        let errors: Vec<String> = prepare(&xml, "thân văn bản", Flavor::Docx)
            .unwrap_err()
            .iter()
            .map(|e| format!("{} {}", e.place, e.message))
            .collect();
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert!(errors[0].starts_with("thân văn bản › bảng 1, hàng 2, ô 1") && errors[0].contains("{%tc for"));
        assert!(errors[1].starts_with("thân văn bản › bảng 1, hàng 4, ô 1") && errors[1].contains("{%tr for"));
    }
}
