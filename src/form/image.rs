//! Images from data in a form: `{{ anh(x.duong_dan, rong_mm=40) }}` puts a PNG or
//! JPEG file, named relative to the form's folder and never outside it, where the tag
//! is, as an inline picture (.docx: `w:drawing`, its relationship in the part's own
//! relationships; .odt: `draw:frame`, the picture in Pictures/ and the manifest), in
//! the body, headers, footers and notes. Size and pixel caps; anything else is a
//! clear error.

use super::rich::Markup;
use minijinja::value::{Kwargs, Value};
use minijinja::{Error, ErrorKind, State};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The function's name in a form.
pub(super) const IMAGE_FN: &str = "anh";
/// The largest image file a form may take.
const MAX_IMAGE_BYTES: u64 = 10 << 20;
/// The most pixels an image may have (a photo of 50 megapixels is already large).
const MAX_PIXELS: u64 = 50_000_000;
/// The most images one report may take.
const MAX_IMAGES: usize = 500;
/// The widest an image is laid out when the form gives no width (a portrait A4 body).
const DEFAULT_MAX_MM: f64 = 160.0;

/// One image a report takes: its kind ("png", "jpeg"), bytes, and the part that
/// shows it.
#[derive(Debug)]
pub(super) struct Image {
    pub(super) kind: String,
    pub(super) bytes: Vec<u8>,
    pub(super) part: String,
}

/// The images one report takes, in the order the form asks for them.
#[derive(Debug, Default)]
pub(super) struct Images {
    pub(super) files: Vec<Image>,
}

pub(super) type Shared = Arc<Mutex<Images>>;

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, message)
}

/// `anh(path, rong_mm=…, cao_mm=…)`, the path looked up in `folders` (the form's,
/// then the data file's).
pub(super) fn register(env: &mut minijinja::Environment<'static>, folders: Vec<PathBuf>, images: Shared, odt: bool) {
    env.add_function(
        IMAGE_FN,
        move |state: &State, path: String, kwargs: Kwargs| -> Result<Value, Error> {
            if state.name() == super::PROPERTIES {
                return Err(invalid(
                    "hàm «anh» không dùng được trong thuộc tính tài liệu (tiêu đề, chủ đề…)".into(),
                ));
            }
            let width_mm: Option<f64> = kwargs.get("rong_mm")?;
            let height_mm: Option<f64> = kwargs.get("cao_mm")?;
            kwargs.assert_all_used()?;
            let bytes = read_inside(&folders, &path, "ảnh", MAX_IMAGE_BYTES)?;
            let (kind, px_w, px_h) = dimensions(&bytes)
                .ok_or_else(|| invalid(format!("tệp «{path}» không phải ảnh PNG hoặc JPEG đọc được")))?;
            if px_w == 0 || px_h == 0 || u64::from(px_w) * u64::from(px_h) > MAX_PIXELS {
                return Err(invalid(format!(
                    "ảnh «{path}» có {px_w}×{px_h} điểm ảnh, quá giới hạn {} triệu điểm ảnh",
                    MAX_PIXELS / 1_000_000
                )));
            }
            let ratio = f64::from(px_h) / f64::from(px_w);
            let (w, h) = match (width_mm, height_mm) {
                (Some(w), Some(h)) => (w, h),
                (Some(w), None) => (w, w * ratio),
                (None, Some(h)) => (h / ratio, h),
                // 96 dots an inch, no wider than the body.
                (None, None) => {
                    let w = (f64::from(px_w) * 25.4 / 96.0).min(DEFAULT_MAX_MM);
                    (w, w * ratio)
                }
            };
            if !(0.05..=1000.0).contains(&w) || !(0.05..=1000.0).contains(&h) {
                return Err(invalid(format!(
                    "kích thước ảnh «{path}» ({w:.1}×{h:.1} mm) không hợp lệ; cần từ 0,05 đến 1000 mm"
                )));
            }
            let mut images = images.lock().unwrap_or_else(|e| e.into_inner());
            if images.files.len() >= MAX_IMAGES {
                return Err(invalid(format!("một báo cáo chỉ chèn được tới {MAX_IMAGES} ảnh")));
            }
            images.files.push(Image {
                kind: kind.to_string(),
                bytes,
                part: state.name().to_string(),
            });
            let n = images.files.len();
            let markup = if odt {
                frame(n, kind, w, h)
            } else {
                drawing(n, (w * 36_000.0) as u64, (h * 36_000.0) as u64)
            };
            Ok(Value::from_object(Markup(markup)))
        },
    );
}

/// The file at `path` under the first of `folders` that has it (the form's folder,
/// then the data file's): relative, no `..`, no link leading out, a regular file, at
/// most `max` bytes. `what` names it in messages ("ảnh").
pub(super) fn read_inside(folders: &[PathBuf], path: &str, what: &str, max: u64) -> Result<Vec<u8>, Error> {
    let relative = Path::new(path);
    let plain = relative
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    let places = if folders.len() > 1 {
        "thư mục của mẫu hoặc của tệp dữ liệu"
    } else {
        "thư mục của mẫu"
    };
    if path.is_empty() || !plain {
        return Err(invalid(format!(
            "đường dẫn {what} «{path}» phải là đường dẫn tương đối nằm trong {places} (không có «..», không bắt đầu bằng «/»)"
        )));
    }
    let mut missing = None;
    for folder in folders {
        let base = folder
            .canonicalize()
            .map_err(|e| invalid(format!("không mở được thư mục «{}» ({e})", folder.display())))?;
        let full = match base.join(relative).canonicalize() {
            Ok(full) => full,
            Err(e) => {
                missing.get_or_insert(e);
                continue;
            }
        };
        if !full.starts_with(&base) {
            return Err(invalid(format!("{what} «{path}» nằm ngoài {places}")));
        }
        let meta = std::fs::metadata(&full).map_err(|e| invalid(format!("không đọc được {what} «{path}» ({e})")))?;
        if !meta.is_file() {
            return Err(invalid(format!("«{path}» không phải một tệp")));
        }
        if meta.len() > max {
            return Err(invalid(format!("{what} «{path}» lớn quá {} MB", max >> 20)));
        }
        return std::fs::read(&full).map_err(|e| invalid(format!("không đọc được {what} «{path}» ({e})")));
    }
    Err(invalid(match missing {
        Some(e) => format!("không tìm thấy {what} «{path}» trong {places} ({e})"),
        None => format!("mẫu này không có thư mục để tìm {what} «{path}»"),
    }))
}

/// The kind ("png", "jpeg") and size in pixels of an image, from its header.
fn dimensions(bytes: &[u8]) -> Option<(&'static str, u32, u32)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.get(12..16) == Some(b"IHDR") {
        let w = u32::from_be_bytes(bytes.get(16..20)?.try_into().ok()?);
        let h = u32::from_be_bytes(bytes.get(20..24)?.try_into().ok()?);
        return Some(("png", w, h));
    }
    if bytes.starts_with(&[0xFF, 0xD8]) {
        // Walk the segments to the frame header (SOF0…SOF15 but DHT, JPG, DAC).
        let mut i = 2;
        while i + 9 < bytes.len() {
            if bytes[i] != 0xFF {
                return None;
            }
            let marker = bytes[i + 1];
            if marker == 0xFF {
                i += 1;
                continue;
            }
            let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
            if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
                let h = u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]);
                let w = u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]);
                return Some(("jpeg", u32::from(w), u32::from(h)));
            }
            if len < 2 {
                return None;
            }
            i += 2 + len;
        }
    }
    None
}

/// The relationship id of image `n` (1-based) in its part's relationships.
pub(super) fn rel_id(n: usize) -> String {
    format!("rIdBaocaoAnh{n}")
}

/// The media part of image `n`.
pub(super) fn media_name(n: usize, kind: &str, odt: bool) -> String {
    if odt {
        format!("Pictures/baocao-anh-{n}.{kind}")
    } else {
        format!("word/media/baocao-anh-{n}.{kind}")
    }
}

/// The relationships part of a part: word/header1.xml → word/_rels/header1.xml.rels.
pub(super) fn rels_name(part: &str) -> String {
    let (dir, file) = part.rsplit_once('/').unwrap_or(("", part));
    format!("{dir}/_rels/{file}.rels")
}

/// The relationships of a part that had none.
pub(super) const NO_RELATIONSHIPS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"></Relationships>";

/// An .odt picture where the tag is, as a character of its line; namespaces
/// declared where used.
fn frame(n: usize, kind: &str, w: f64, h: f64) -> String {
    format!(
        concat!(
            "<draw:frame xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\" xmlns:svg=\"urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" ",
            "draw:name=\"baocao-anh-{n}\" text:anchor-type=\"as-char\" svg:width=\"{w:.3}mm\" svg:height=\"{h:.3}mm\" draw:z-index=\"0\">",
            "<draw:image xlink:href=\"{href}\" xlink:type=\"simple\" xlink:show=\"embed\" xlink:actuate=\"onLoad\"/></draw:frame>"
        ),
        n = n,
        w = w,
        h = h,
        href = media_name(n, kind, true)
    )
}

/// An inline picture inside the run where the tag is (`w:drawing` is run content, so
/// the tag's `w:t` is closed around it). Namespaces declared where used.
fn drawing(n: usize, cx: u64, cy: u64) -> String {
    format!(
        concat!(
            "</w:t><w:drawing><wp:inline distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\" xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\">",
            "<wp:extent cx=\"{cx}\" cy=\"{cy}\"/><wp:docPr id=\"{id}\" name=\"Ảnh {n}\"/>",
            "<a:graphic xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\"><a:graphicData uri=\"http://schemas.openxmlformats.org/drawingml/2006/picture\">",
            "<pic:pic xmlns:pic=\"http://schemas.openxmlformats.org/drawingml/2006/picture\"><pic:nvPicPr><pic:cNvPr id=\"0\" name=\"anh-{n}\"/><pic:cNvPicPr/></pic:nvPicPr>",
            "<pic:blipFill><a:blip r:embed=\"{rel}\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>",
            "<pic:spPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext cx=\"{cx}\" cy=\"{cy}\"/></a:xfrm><a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>",
            "</a:graphicData></a:graphic></wp:inline></w:drawing><w:t xml:space=\"preserve\">"
        ),
        cx = cx,
        cy = cy,
        id = 90_000 + n,
        n = n,
        rel = rel_id(n)
    )
}

/// A part's relationships with its images (`(n, image)`, n 1-based) added.
pub(super) fn with_relationships(rels: &str, images: &[(usize, &Image)]) -> Option<String> {
    let mut added = String::new();
    for (n, image) in images {
        added.push_str(&format!(
            "<Relationship Id=\"{}\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" Target=\"media/baocao-anh-{n}.{}\"/>",
            rel_id(*n),
            image.kind
        ));
    }
    let at = rels.rfind("</Relationships>")?;
    Some(format!("{}{added}{}", &rels[..at], &rels[at..]))
}

/// The content types with the images' kinds declared.
pub(super) fn with_content_types(types: &str, images: &[Image]) -> Option<String> {
    let mut types = types.to_string();
    for kind in ["png", "jpeg"] {
        let used = images.iter().any(|i| i.kind == kind);
        let declared = types.to_ascii_lowercase().contains(&format!("extension=\"{kind}\""));
        if used && !declared {
            let at = types.rfind("</Types>")?;
            types.insert_str(
                at,
                &format!("<Default Extension=\"{kind}\" ContentType=\"image/{kind}\"/>"),
            );
        }
    }
    Some(types)
}

/// An .odt manifest with the pictures listed.
pub(super) fn with_manifest_entries(manifest: &str, images: &[Image]) -> Option<String> {
    let added: String = images
        .iter()
        .enumerate()
        .map(|(i, image)| {
            format!(
                "<manifest:file-entry manifest:full-path=\"{}\" manifest:media-type=\"image/{}\"/>",
                media_name(i + 1, &image.kind, true),
                image.kind
            )
        })
        .collect();
    let at = manifest.rfind("</manifest:manifest>")?;
    Some(format!("{}{added}{}", &manifest[..at], &manifest[at..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_and_jpeg_sizes_are_read_from_their_headers() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&300u32.to_be_bytes());
        png.extend_from_slice(&200u32.to_be_bytes());
        assert_eq!(dimensions(&png), Some(("png", 300, 200)));
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0x64, 0x00, 0xC8, 0x03,
        ];
        assert_eq!(dimensions(&jpeg), Some(("jpeg", 200, 100)));
        assert_eq!(dimensions(b"GIF89a"), None);
    }
}
