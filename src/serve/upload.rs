//! What a client uploads, on disk in a job's temporary folder: names made safe, and
//! every limit counted on real bytes (a zip's headers are never trusted).

use super::{Limits, Refusal};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// A name a client gave (a form's file name, a zip entry), reduced to a plain file
/// name that is safe to create inside our folder; None when nothing safe is left or
/// when the name tries to climb out (`..`) or is absolute.
pub fn safe_name(raw: &str) -> Option<String> {
    if raw.chars().any(char::is_control) {
        return None;
    }
    let unified = raw.replace('\\', "/");
    if unified.starts_with('/') || unified.split('/').any(|part| part == "..") {
        return None;
    }
    // Windows drive letters ("C:…") count as absolute too.
    if unified.as_bytes().get(1) == Some(&b':') {
        return None;
    }
    let name = unified.rsplit('/').next()?.trim();
    let name: String = name
        .chars()
        .map(|c| {
            if matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
                '_'
            } else {
                c
            }
        })
        .collect();
    // Windows drops trailing dots and spaces and opens a device for CON, NUL, COM1…
    // whatever the extension: such names are changed alike on every system.
    let name = name.trim_end_matches(['.', ' ']);
    if name.is_empty() {
        return None;
    }
    let stem = name
        .split('.')
        .next()
        .unwrap_or_default()
        .trim_end()
        .to_ascii_lowercase();
    let device = crate::report::is_windows_device(&stem);
    Some(fit(&if device { format!("_{name}") } else { name.to_string() }))
}

/// Bytes of a name we create: file systems take 255, and « (2)» may be added to
/// tell two files of the same name apart.
const NAME_BYTES: usize = 240;

/// A name cut to `NAME_BYTES` at a letter's boundary, its extension kept: a long
/// Vietnamese name (3 bytes a letter) is taken, as the command line takes it.
fn fit(name: &str) -> String {
    if name.len() <= NAME_BYTES {
        return name.to_string();
    }
    let ext = match name.rfind('.') {
        Some(i) if i > 0 && name.len() - i <= 10 => &name[i..],
        _ => "",
    };
    let stem = &name[..name.len() - ext.len()];
    let mut end = NAME_BYTES - ext.len();
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{ext}", stem[..end].trim_end())
}

/// Files being gathered into one folder, with the limits of one request.
pub struct Gathered {
    dir: PathBuf,
    limits: Limits,
    names: BTreeSet<String>,
    pub files: usize,
    pub bytes: u64,
}

impl Gathered {
    pub fn new(dir: PathBuf, limits: Limits) -> Gathered {
        Gathered {
            dir,
            limits,
            names: BTreeSet::new(),
            files: 0,
            bytes: 0,
        }
    }

    /// A new file of this name in the folder ("Ba Thành (2).xlsx" when the name is
    /// taken: two districts' folders may hold the same commune file name).
    pub fn create(&mut self, name: &str) -> Result<(PathBuf, std::fs::File), Refusal> {
        self.create_in(None, name)
    }

    /// As `create`, inside the sub-folder `group` (a name made safe) when there is one.
    fn create_in(&mut self, group: Option<&str>, name: &str) -> Result<(PathBuf, std::fs::File), Refusal> {
        self.files += 1;
        if self.files > self.limits.files {
            return Err(Refusal::too_many_files(self.limits.files));
        }
        let (stem, ext) = match name.rfind('.') {
            Some(i) if i > 0 => (&name[..i], &name[i..]),
            _ => (name, ""),
        };
        let mut candidate = name.to_string();
        let mut n = 2;
        let dir = match group {
            Some(g) => {
                let dir = self.dir.join(g);
                std::fs::create_dir_all(&dir).map_err(Refusal::internal)?;
                dir
            }
            None => self.dir.clone(),
        };
        let key = |c: &str| format!("{}/{}", group.unwrap_or_default(), c).to_lowercase();
        while !self.names.insert(key(&candidate)) {
            candidate = format!("{stem} ({n}){ext}");
            n += 1;
        }
        let path = dir.join(&candidate);
        let file = std::fs::File::create_new(&path).map_err(Refusal::internal)?;
        Ok((path, file))
    }

    /// Count bytes written into the folder against the unpacked-size limit.
    pub fn count(&mut self, n: u64) -> Result<(), Refusal> {
        self.bytes += n;
        if self.bytes > self.limits.unpacked {
            return Err(Refusal::unpacked_too_large(self.limits.unpacked));
        }
        Ok(())
    }

    /// Unpack the files of a zip (a district's or province's folder) into the folder,
    /// each under its own file name, in the first sub-folder it had below the folder
    /// all entries share (a province's former districts, for `--nhom thu-muc`; deeper
    /// folders are flattened into it); hidden files and folders are passed over.
    /// Returns how many were taken.
    pub fn unpack_zip(&mut self, zip_path: &Path, shown: &str) -> Result<usize, Refusal> {
        let file = std::fs::File::open(zip_path).map_err(Refusal::internal)?;
        let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|_| Refusal::bad_zip(shown))?;
        let folders = |raw: &str| -> Vec<String> {
            let unified = raw.replace('\\', "/");
            let mut parts: Vec<String> = unified
                .split('/')
                .filter(|p| !p.is_empty() && *p != ".")
                .map(str::to_string)
                .collect();
            parts.pop();
            parts
        };
        // A folder zipped whole («huyen-ba-to/…»): its name is no group.
        let mut shared: Option<Option<String>> = None;
        for i in 0..archive.len() {
            let entry = archive.by_index_raw(i).map_err(|_| Refusal::bad_zip(shown))?;
            if entry.is_dir() {
                continue;
            }
            let raw = String::from_utf8_lossy(entry.name_raw()).into_owned();
            if raw.contains("__MACOSX/") || safe_name(&raw).is_some_and(|n| n.starts_with('.')) {
                continue;
            }
            let first = folders(&raw).into_iter().next();
            shared = match shared {
                None => Some(first),
                Some(s) if s == first => Some(s),
                Some(_) => Some(None),
            };
        }
        let shared = shared.flatten();
        let mut taken = 0;
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).map_err(|_| Refusal::bad_zip(shown))?;
            if entry.is_dir() {
                continue;
            }
            let raw = String::from_utf8_lossy(entry.name_raw()).into_owned();
            let Some(name) = safe_name(&raw) else {
                return Err(Refusal::unsafe_name(shown, &raw));
            };
            // macOS resource forks and hidden files are not anybody's workbook.
            if name.starts_with('.') || raw.contains("__MACOSX/") {
                continue;
            }
            let mut dirs = folders(&raw);
            if shared.is_some() && dirs.first() == shared.as_ref() {
                dirs.remove(0);
            }
            let group = match dirs.first() {
                Some(d) => match safe_name(d) {
                    Some(g) if g.starts_with('.') => continue, // a hidden folder
                    Some(g) => Some(g),
                    None => return Err(Refusal::unsafe_name(shown, &raw)),
                },
                None => None,
            };
            let (path, mut out) = self.create_in(group.as_deref(), &name)?;
            let mut buf = [0u8; 64 * 1024];
            loop {
                let n = match entry.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(_) => {
                        drop(out);
                        let _ = std::fs::remove_file(&path);
                        return Err(Refusal::bad_zip(shown));
                    }
                };
                self.count(n as u64)?;
                out.write_all(&buf[..n]).map_err(Refusal::internal)?;
            }
            taken += 1;
        }
        Ok(taken)
    }
}

/// A pack uploaded as a .zip, unpacked flat into `dir` (a pack is a manifest and its
/// templates side by side).
pub fn unpack_pack(zip_path: &Path, dir: &Path, limits: Limits) -> Result<(), Refusal> {
    std::fs::create_dir_all(dir).map_err(Refusal::internal)?;
    let mut gathered = Gathered::new(dir.to_path_buf(), limits);
    gathered.unpack_zip(zip_path, "mẫu báo cáo (.zip)")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_name_from_two_folders_keeps_both_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut gathered = Gathered::new(dir.path().to_path_buf(), Limits::default());
        let (a, _) = gathered.create("Ba Vì.xlsx").unwrap();
        let (b, _) = gathered.create("Ba Vì.xlsx").unwrap();
        let (c, _) = gathered.create("ba vì.xlsx").unwrap();
        assert_eq!(a.file_name().unwrap(), "Ba Vì.xlsx");
        assert_eq!(b.file_name().unwrap(), "Ba Vì (2).xlsx");
        assert_eq!(
            c.file_name().unwrap(),
            "ba vì (3).xlsx",
            "names differing in case only too (Windows, macOS)"
        );
    }

    #[test]
    fn client_names_become_plain_file_names() {
        assert_eq!(safe_name("Ba Thành.xlsx").as_deref(), Some("Ba Thành.xlsx"));
        assert_eq!(safe_name("huyen/Ba Tơ/Ba Vì.xlsx").as_deref(), Some("Ba Vì.xlsx"));
        assert_eq!(safe_name("C:\\Users\\xa\\Ba Vì.xlsx"), None);
        assert_eq!(safe_name("thu-muc\\Ba Vì.xlsx").as_deref(), Some("Ba Vì.xlsx"));
        assert_eq!(safe_name("../../etc/passwd"), None);
        assert_eq!(safe_name("a/../b.xlsx"), None);
        assert_eq!(safe_name("/etc/passwd"), None);
        assert_eq!(safe_name("bad\u{0}name.xlsx"), None);
        assert_eq!(safe_name("line\nbreak.xlsx"), None);
        assert_eq!(safe_name("thu-muc/"), None);
        assert_eq!(safe_name("a?b.xlsx").as_deref(), Some("a_b.xlsx"));
        // Names Windows would change or take for a device, changed alike everywhere.
        assert_eq!(safe_name("Ba Vì.xlsx. .").as_deref(), Some("Ba Vì.xlsx"));
        assert_eq!(safe_name("CON.xlsx").as_deref(), Some("_CON.xlsx"));
        assert_eq!(safe_name("nul").as_deref(), Some("_nul"));
        assert_eq!(safe_name("Com1 .tar.xlsx").as_deref(), Some("_Com1 .tar.xlsx"));
        assert_eq!(safe_name("console.xlsx").as_deref(), Some("console.xlsx"));
        assert_eq!(safe_name("com10.xlsx").as_deref(), Some("com10.xlsx"));
        assert_eq!(safe_name("..."), None);
    }

    #[test]
    fn a_long_vietnamese_name_is_cut_to_fit_keeping_its_extension() {
        let long = format!("{}.xlsx", "Báo cáo kết quả xây dựng nông thôn mới ".repeat(10));
        let cut = safe_name(&long).unwrap();
        assert!(cut.len() <= NAME_BYTES, "{}", cut.len());
        assert!(cut.ends_with(".xlsx"));
        assert!(long.starts_with(cut.trim_end_matches(".xlsx")));
    }
}
