//! The web page's HTTP layer, without a browser: what a clerk sees for a district's
//! folder and for a damaged workbook, every limit's status and message, the access
//! token, and an empty temporary area after every request, a client that goes away
//! mid-upload included.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use baocao::serve::{router, Config, Limits};
use common::sample;
use http_body_util::BodyExt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tower::ServiceExt;

const BOUNDARY: &str = "----baocao-kiem-thu";

fn config(temp: &Path, limits: Limits) -> Config {
    Config {
        token: None,
        temp_root: temp.to_path_buf(),
        limits,
        soffice: None,
    }
}

/// A multipart body: (field, file name, bytes); a None file name is a text field.
fn multipart(parts: &[(&str, Option<&str>, Vec<u8>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (field, file, bytes) in parts {
        write!(body, "--{BOUNDARY}\r\n").unwrap();
        match file {
            Some(name) => write!(
                body,
                "Content-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .unwrap(),
            None => write!(body, "Content-Disposition: form-data; name=\"{field}\"\r\n\r\n").unwrap(),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{BOUNDARY}--\r\n").unwrap();
    body
}

fn upload_request(body: Vec<u8>) -> Request<Body> {
    Request::post("/lap")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .unwrap()
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    bytes: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        // The page escapes "/" as minijinja does; read it as a person would.
        String::from_utf8_lossy(&self.bytes).replace("&#x2f;", "/")
    }
}

async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    Answer { status, headers, bytes }
}

async fn get(app: &Router, path: &str) -> Answer {
    send(app, Request::get(path).body(Body::empty()).unwrap()).await
}

/// Upload, then poll the job's page as the browser's refresh does, until it is not
/// waiting any more.
async fn submit(app: &Router, parts: &[(&str, Option<&str>, Vec<u8>)]) -> (String, Answer) {
    let posted = send(app, upload_request(multipart(parts))).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.text());
    let location = posted.headers[header::LOCATION].to_str().unwrap().to_string();
    let started = Instant::now();
    loop {
        let page = get(app, &location).await;
        if !page.text().contains(r#"id="tien-do""#) {
            return (location, page);
        }
        assert!(started.elapsed() < Duration::from_secs(120), "job never ended");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Our job folders are gone (within a moment: a job's thread removes its own).
async fn assert_temp_empty(temp: &Path) {
    let started = Instant::now();
    loop {
        let left: Vec<PathBuf> = std::fs::read_dir(temp).unwrap().map(|e| e.unwrap().path()).collect();
        if left.is_empty() {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "temporary area not emptied: {left:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn zip_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        writer.start_file(name.as_str(), options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// samples/huyen-ba-to as a clerk zips it: the folder inside.
fn district_zip() -> Vec<u8> {
    zip_of(&district_files("huyen-ba-to/"))
}

fn district_files(prefix: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/huyen-ba-to");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = format!("{prefix}{}", p.file_name().unwrap().to_string_lossy());
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

fn zip_names(bytes: &[u8]) -> Vec<String> {
    let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut names: Vec<String> = archive.file_names().map(|n| n.unwrap().into_owned()).collect();
    names.sort();
    names
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[tokio::test]
async fn a_districts_zip_gives_every_report_the_summary_and_a_preview() {
    let temp = temp();
    let app = router(config(temp.path(), Limits::default()));
    let (job, page) = submit(&app, &[("tep", Some("huyen-ba-to.zip"), district_zip())]).await;
    let text = page.text();
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        text.contains("Tổng cộng: 18 tệp, 0 lỗi, 5 cảnh báo. Đã lập 18 / 18 báo cáo."),
        "{text}"
    );
    assert!(text.contains("Ba Điền.xls: không có lỗi."));
    assert!(text.contains("ba vinh.ods: không có lỗi."));
    assert!(text.contains("tong-hop-ntm-2024-huyen-ba-to.docx"));
    assert!(text.contains("BÁO CÁO"), "the first commune's preview is on the page");
    // Never our temporary folder's path.
    assert!(!text.contains(&temp.path().display().to_string()));

    let all = get(&app, &format!("{job}/tai-tat-ca")).await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.headers[header::CONTENT_TYPE], "application/zip");
    let names = zip_names(&all.bytes);
    assert_eq!(
        names.iter().filter(|n| n.starts_with("bao-cao-ntm-2024-xa-")).count(),
        18,
        "{names:?}"
    );
    assert!(names.contains(&"tong-hop-ntm-2024-huyen-ba-to.docx".to_string()));
    assert!(names.contains(&"tong-ket.json".to_string()));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&all.bytes)).unwrap();
    let mut json = String::new();
    archive
        .by_name("tong-ket.json")
        .unwrap()
        .read_to_string(&mut json)
        .unwrap();
    let summary: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(summary["da_ghi"], 18);
    assert_eq!(summary["bao_cao_tong_hop"], "tong-hop-ntm-2024-huyen-ba-to.docx");
    assert!(
        !json.contains(&temp.path().display().to_string()),
        "tong-ket.json names no server path"
    );

    let polled = get(&app, &format!("{job}/tien-do")).await;
    let state: serde_json::Value = serde_json::from_slice(&polled.bytes).unwrap();
    assert_eq!(
        state,
        serde_json::json!({ "trang_thai": "xong", "da_lap": 18, "tong": 18 })
    );
    let one = get(&app, &format!("{job}/tai/0")).await;
    assert!(one.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("bao-cao-ntm-2024-xa-ba-dong.docx"));
    assert!(common::docx_text(&one.bytes).contains("BÁO CÁO"));
    // The very bytes the .zip holds, which holds them stored (reports are
    // compressed already): a download is a slice of the kept result.
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&all.bytes)).unwrap();
    let mut entry = archive.by_name("bao-cao-ntm-2024-xa-ba-dong.docx").unwrap();
    assert_eq!(entry.compression(), zip::CompressionMethod::Stored);
    let mut in_zip = Vec::new();
    entry.read_to_end(&mut in_zip).unwrap();
    assert_eq!(in_zip, one.bytes);
    let preview = get(&app, &format!("{job}/xem/3")).await;
    assert!(preview.text().contains("Xem trước: Ba Dinh.xlsx"));
    assert!(preview.text().contains("BÁO CÁO"));
    assert_temp_empty(temp.path()).await;
}

#[tokio::test]
async fn a_damaged_workbook_is_named_by_its_cell_with_checks_words_and_the_others_come_out() {
    let temp = temp();
    let app = router(config(temp.path(), Limits::default()));
    let mut wrong = sample::commune("Ba Lỗi", 7);
    wrong.patches.push(sample::Patch::length_as_text());
    let wrong = sample::workbook_bytes(&wrong);
    let good = sample::workbook_bytes(&sample::ba_thanh());
    let (job, page) = submit(
        &app,
        &[
            ("tep", Some("Ba Thành.xlsx"), good),
            ("tep", Some("Ba Lỗi.xlsx"), wrong.clone()),
        ],
    )
    .await;
    let text = page.text();
    assert!(text.contains("Ba Lỗi.xlsx: 1 lỗi"), "{text}");
    assert!(text.contains("PL2 Bê tông nông thôn › D8"), "the cell is named: {text}");
    assert!(text.contains("Ba Thành.xlsx: không có lỗi."));
    assert!(text.contains("Đã lập 1 / 2 báo cáo."));
    // The same words as `baocao check` on that file.
    let dir = temp_dir_with(&[("Ba Lỗi.xlsx", &wrong)]);
    let pack = baocao::template::Pack::builtin().unwrap();
    let checked = baocao::check::run(&pack, dir.path()).unwrap();
    for d in &checked[0].loi {
        let line = format!("{}: {}", baocao::check::label(d), baocao::check::line(d));
        let escaped = line
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#x27;");
        assert!(text.contains(&escaped), "the page says what check says: {line}\n{text}");
    }
    let all = get(&app, &format!("{job}/tai-tat-ca")).await;
    let names = zip_names(&all.bytes);
    assert!(
        names.contains(&"bao-cao-ntm-2024-xa-ba-thanh.docx".to_string()),
        "{names:?}"
    );
    assert_eq!(names.iter().filter(|n| n.starts_with("bao-cao-")).count(), 1);
    assert_temp_empty(temp.path()).await;
}

#[tokio::test]
async fn a_district_workbook_is_split_by_commune_as_batch_does() {
    let temp = temp();
    let app = router(config(temp.path(), Limits::default()));
    let communes = vec![sample::commune("Ba Cung", 3), sample::commune("Ba Vì", 4)];
    let book = sample::district_workbook(&communes);
    let (job, page) = submit(&app, &[("tep", Some("huyen.xlsx"), book)]).await;
    let text = page.text();
    assert!(text.contains("Đã lập 2 / 2 báo cáo."), "{text}");
    assert!(text.contains("huyen.xlsx › Ba Cung: 0 lỗi"), "{text}");
    let names = zip_names(&get(&app, &format!("{job}/tai-tat-ca")).await.bytes);
    assert!(
        names.contains(&"bao-cao-ntm-2024-xa-ba-vi.docx".to_string()),
        "{names:?}"
    );
    assert_temp_empty(temp.path()).await;
}

/// The 2025 pack chosen on the page: the province's sample gives reports to UBND
/// tỉnh, the province summary and, asked for, one per sub-folder of the zip; a name
/// that is no embedded pack is not a path.
#[tokio::test]
async fn the_2025_pack_is_chosen_on_the_page() {
    let temp = temp();
    let app = router(config(temp.path(), Limits::default()));
    // Two former districts' folders, zipped with the province's folder around them.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/tinh-quang-ngai");
    let mut files: Vec<(String, Vec<u8>)> = ["Mộ Đức (cũ)", "Sơn Hà (cũ)"]
        .iter()
        .flat_map(|folder| {
            std::fs::read_dir(root.join(folder)).unwrap().flatten().map(move |e| {
                (
                    format!("tinh-quang-ngai/{folder}/{}", e.file_name().to_string_lossy()),
                    std::fs::read(e.path()).unwrap(),
                )
            })
        })
        .collect();
    files.sort();
    let count = files.len();
    let (job, page) = submit(
        &app,
        &[
            ("mau_co_san", None, b"bao-cao-ntm-2025".to_vec()),
            ("nhom", None, b"thu-muc".to_vec()),
            ("tep", Some("tinh.zip"), zip_of(&files)),
        ],
    )
    .await;
    let text = page.text();
    assert!(text.contains(&format!("Đã lập {count} / {count} báo cáo.")), "{text}");
    let all = get(&app, &format!("{job}/tai-tat-ca")).await;
    let names = zip_names(&all.bytes);
    assert_eq!(
        names.iter().filter(|n| n.starts_with("bao-cao-ntm-2025-xa-")).count(),
        count,
        "{names:?}"
    );
    assert!(
        names.contains(&"tong-hop-ntm-2025-tinh-quang-ngai.docx".to_string()),
        "{names:?}"
    );
    // The officer's table comes with it.
    assert!(
        names.contains(&"tong-hop-ntm-2025-tinh-quang-ngai.xlsx".to_string()),
        "{names:?}"
    );
    // And, asked for with «nhom», one summary per sub-folder of the zip.
    for folder in ["mo-duc-cu", "son-ha-cu"] {
        let name = format!("tong-hop-ntm-2025-tinh-quang-ngai-{folder}.docx");
        assert!(names.contains(&name), "{names:?}");
    }
    assert!(text.contains("Mộ Đức (cũ)/Mỏ Cày.xlsx: không có lỗi."), "{text}");
    let one = get(&app, &format!("{job}/tai/0")).await;
    let report = common::docx_text(&one.bytes);
    assert!(report.contains("Kính gửi: Ủy ban nhân dân tỉnh Quảng Ngãi"), "{report}");
    assert!(!report.to_lowercase().contains("huyện"), "{report}");

    // Anything else is the default pack, never a folder on the server.
    let (_, page) = submit(
        &app,
        &[
            ("mau_co_san", None, b"../../etc".to_vec()),
            ("tep", Some("huyen-ba-to.zip"), district_zip()),
        ],
    )
    .await;
    assert!(page.text().contains("Đã lập 18 / 18 báo cáo."), "{}", page.text());
    assert_temp_empty(temp.path()).await;
}

fn temp_dir_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = temp();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

#[tokio::test]
async fn a_request_over_the_size_limit_is_413_in_vietnamese() {
    let temp = temp();
    let limits = Limits {
        request: 20 * 1024,
        ..Limits::default()
    };
    let app = router(config(temp.path(), limits));
    let page = send(
        &app,
        upload_request(multipart(&[("tep", Some("to.xlsx"), vec![0; 64 * 1024])])),
    )
    .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        page.text().contains("Tệp gửi lên quá lớn: mỗi lần gửi tối đa 20 KB."),
        "{}",
        page.text()
    );
    // Without a Content-Length the body is counted as it comes.
    let body = multipart(&[("tep", Some("to.xlsx"), vec![0; 64 * 1024])]);
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body.chunks(4096).map(|c| Ok(c.to_vec())).collect();
    let streamed = Request::post("/lap")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from_stream(futures_stream(chunks)))
        .unwrap();
    let page = send(&app, streamed).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.text().contains("Tệp gửi lên quá lớn"), "{}", page.text());
    assert_temp_empty(temp.path()).await;
}

fn futures_stream(
    chunks: Vec<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    struct Chunks(std::vec::IntoIter<Result<Vec<u8>, std::io::Error>>);
    impl futures_core::Stream for Chunks {
        type Item = Result<Vec<u8>, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            std::task::Poll::Ready(self.0.next())
        }
    }
    Chunks(chunks.into_iter())
}

#[tokio::test]
async fn too_many_files_is_400_counting_those_inside_a_zip() {
    let temp = temp();
    let limits = Limits {
        files: 5,
        ..Limits::default()
    };
    let app = router(config(temp.path(), limits));
    let small: Vec<(&str, Option<&str>, Vec<u8>)> = ["a.xlsx", "b.xlsx", "c.xlsx", "d.xlsx", "e.xlsx", "f.xlsx"]
        .iter()
        .map(|n| ("tep", Some(*n), b"x".to_vec()))
        .collect();
    let page = send(&app, upload_request(multipart(&small))).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.text().contains("Quá nhiều tệp trong một lần gửi: tối đa 5 tệp"),
        "{}",
        page.text()
    );
    let page = send(
        &app,
        upload_request(multipart(&[("tep", Some("huyen.zip"), district_zip())])),
    )
    .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.text().contains("tối đa 5 tệp (kể cả các tệp trong tệp .zip)"));
    assert_temp_empty(temp.path()).await;
}

#[tokio::test]
async fn a_zip_bomb_is_413_counted_on_real_bytes() {
    let temp = temp();
    let limits = Limits {
        unpacked: 1024 * 1024,
        ..Limits::default()
    };
    let app = router(config(temp.path(), limits));
    // 64 MB of zeros deflate to some 60 KB.
    let bomb = zip_of(&[("bom.xlsx".into(), vec![0; 64 * 1024 * 1024])]);
    assert!(bomb.len() < 200 * 1024);
    let page = send(&app, upload_request(multipart(&[("tep", Some("bom.zip"), bomb)]))).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        page.text()
            .contains("Các tệp sau khi giải nén quá lớn: tối đa 1 MB mỗi lần gửi."),
        "{}",
        page.text()
    );
    // A header that lies about the size changes nothing: bytes are counted as inflated.
    let mut lying = zip_of(&[("bom.xlsx".into(), vec![0; 8 * 1024 * 1024])]);
    lie_about_size(&mut lying, 100);
    let page = send(&app, upload_request(multipart(&[("tep", Some("bom.zip"), lying)]))).await;
    assert!(
        page.status == StatusCode::PAYLOAD_TOO_LARGE || page.status == StatusCode::BAD_REQUEST,
        "{}",
        page.status
    );
    assert!(!page.text().contains("Đã lập"));
    assert_temp_empty(temp.path()).await;
}

/// Write `size` as the uncompressed size in every local and central header.
fn lie_about_size(zip: &mut [u8], size: u32) {
    let mut i = 0;
    while i + 30 < zip.len() {
        if zip[i..i + 4] == [0x50, 0x4b, 0x03, 0x04] {
            zip[i + 22..i + 26].copy_from_slice(&size.to_le_bytes());
        } else if zip[i..i + 4] == [0x50, 0x4b, 0x01, 0x02] {
            zip[i + 24..i + 28].copy_from_slice(&size.to_le_bytes());
        }
        i += 1;
    }
}

#[tokio::test]
async fn unsafe_names_in_a_zip_are_refused_and_nothing_is_written_outside() {
    let temp = temp();
    let app = router(config(temp.path(), Limits::default()));
    for evil in [
        "../../thoat.xlsx",
        "/etc/thoat.xlsx",
        "a/../../thoat.xlsx",
        "xin\u{1}chao.xlsx",
    ] {
        let bytes = zip_of(&[(evil.to_string(), b"x".to_vec())]);
        let page = send(&app, upload_request(multipart(&[("tep", Some("huyen.zip"), bytes)]))).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{evil}");
        assert!(
            page.text().contains("chứa tên tệp không an toàn"),
            "{evil}: {}",
            page.text()
        );
    }
    // A form's file name with a path is reduced to its file name.
    let page = send(
        &app,
        upload_request(multipart(&[("tep", Some("../../thoat.xlsx"), b"x".to_vec())])),
    )
    .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(!temp.path().parent().unwrap().join("thoat.xlsx").exists());
    assert_temp_empty(temp.path()).await;
}

#[tokio::test]
async fn an_empty_form_is_400() {
    let temp = temp();
    let app = router(config(temp.path(), Limits::default()));
    let page = send(
        &app,
        upload_request(multipart(&[("dinh_dang", None, b"docx".to_vec())])),
    )
    .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.text().contains("Chưa chọn tệp nào"));
    assert_temp_empty(temp.path()).await;
}

#[tokio::test]
async fn the_queue_shows_each_jobs_position_and_a_full_queue_is_503() {
    let temp = temp();
    let limits = Limits {
        running: 0,
        waiting: 2,
        ..Limits::default()
    };
    let app = router(config(temp.path(), limits));
    let good = sample::workbook_bytes(&sample::ba_thanh());
    let mut jobs = Vec::new();
    for _ in 0..2 {
        let posted = send(
            &app,
            upload_request(multipart(&[("tep", Some("Ba Thành.xlsx"), good.clone())])),
        )
        .await;
        assert_eq!(posted.status, StatusCode::SEE_OTHER);
        jobs.push(posted.headers[header::LOCATION].to_str().unwrap().to_string());
    }
    let first = get(&app, &jobs[0]).await;
    assert!(
        first.text().contains("Đang chờ đến lượt: vị trí thứ 1 trong hàng đợi."),
        "{}",
        first.text()
    );
    assert!(first.text().contains(r#"<meta http-equiv="refresh" content="1">"#));
    let second = get(&app, &jobs[1]).await;
    assert!(second.text().contains("vị trí thứ 2 trong hàng đợi"));
    let polled = get(&app, &format!("{}/tien-do", jobs[1])).await;
    let state: serde_json::Value = serde_json::from_slice(&polled.bytes).unwrap();
    assert_eq!(state, serde_json::json!({ "trang_thai": "cho", "vi_tri": 2 }));
    let third = send(&app, upload_request(multipart(&[("tep", Some("Ba Thành.xlsx"), good)]))).await;
    assert_eq!(third.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(third.headers[header::RETRY_AFTER], "30");
    assert!(third.text().contains("Máy chủ đang bận: hàng đợi đã đầy."));
}

#[tokio::test]
async fn a_job_over_its_time_is_504_and_its_folder_still_goes() {
    let temp = temp();
    let limits = Limits {
        job_time: Duration::from_millis(1),
        ..Limits::default()
    };
    let app = router(config(temp.path(), limits));
    let (_, page) = submit(&app, &[("tep", Some("huyen.zip"), district_zip())]).await;
    assert_eq!(page.status, StatusCode::GATEWAY_TIMEOUT);
    assert!(
        page.text()
            .contains("Quá thời gian: mỗi lần gửi được xử lý tối đa 0 giây."),
        "{}",
        page.text()
    );
    assert_temp_empty(temp.path()).await;
}

#[tokio::test]
async fn the_access_token_is_asked_for_and_checked() {
    let temp = temp();
    let mut config = config(temp.path(), Limits::default());
    config.token = Some("bi-mat".into());
    let app = router(config);
    let page = get(&app, "/").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.text().contains("Cần mã truy cập"));
    let wrong = send(
        &app,
        Request::get("/")
            .header("x-ma-truy-cap", "sai")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert!(wrong.text().contains("Mã truy cập không đúng."));
    let right = send(
        &app,
        Request::get("/")
            .header("x-ma-truy-cap", "bi-mat")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(right.status, StatusCode::OK);
    assert!(right.text().contains("Kiểm tra và lập báo cáo"));
    // The form field sets a cookie the next requests carry.
    let login = send(
        &app,
        Request::post("/dang-nhap")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("ma_truy_cap=bi-mat"))
            .unwrap(),
    )
    .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    let cookie = login.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let with_cookie = send(
        &app,
        Request::get("/")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(with_cookie.status, StatusCode::OK);
    let bad_login = send(
        &app,
        Request::post("/dang-nhap")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("ma_truy_cap=doan"))
            .unwrap(),
    )
    .await;
    assert_eq!(bad_login.status, StatusCode::FORBIDDEN);
    // No upload is even read without it.
    let upload = send(
        &app,
        upload_request(multipart(&[("tep", Some("a.xlsx"), b"x".to_vec())])),
    )
    .await;
    assert_eq!(upload.status, StatusCode::UNAUTHORIZED);
    assert_temp_empty(temp.path()).await;
}

#[tokio::test]
async fn the_page_is_vietnamese_labelled_and_unknown_pages_are_404() {
    let temp = temp();
    let app = router(config(temp.path(), Limits::default()));
    let page = get(&app, "/").await;
    let text = page.text();
    assert!(text.contains(r#"<html lang="vi">"#));
    assert!(text.contains(r#"id="tep" name="tep""#));
    // The file button is the page's own words, not the browser's «Choose Files».
    assert!(
        text.contains(r#"<label for="tep" class="nut" id="nut-chon-tep">Chọn tệp bảng tính"#),
        "{text}"
    );
    assert!(
        text.contains(r#"enctype="multipart/form-data""#),
        "a plain form works without JavaScript"
    );
    assert!(!text.contains("<script"));
    let policy = page.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        policy.contains("default-src 'none'"),
        "no script runs even if some text slipped through"
    );
    let css = get(&app, "/kieu.css").await;
    assert!(css.text().contains("@media print"));
    let missing = get(&app, "/viec/khong-co").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text().contains("Không tìm thấy kết quả này"));
}

#[tokio::test]
async fn a_client_that_leaves_mid_upload_leaves_nothing_behind() {
    let temp = temp();
    let app = router(config(temp.path(), Limits::default()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let body = multipart(&[("tep", Some("huyen.zip"), district_zip())]);
    let mut socket = std::net::TcpStream::connect(addr).unwrap();
    write!(
        socket,
        "POST /lap HTTP/1.1\r\nHost: {addr}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    socket.write_all(&body[..body.len() / 2]).unwrap();
    socket.flush().unwrap();
    // The upload has begun: its folder exists.
    let started = Instant::now();
    while std::fs::read_dir(temp.path()).unwrap().count() == 0 {
        assert!(started.elapsed() < Duration::from_secs(20), "upload never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(socket);
    assert_temp_empty(temp.path()).await;
}

#[test]
fn a_bad_address_is_refused_in_vietnamese() {
    let dir = temp();
    let out = common::baocao(&["serve", "--dia-chi", "may-chu"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cần địa chỉ IP và cổng, ví dụ 127.0.0.1:8080"), "{err}");
    // A port already taken.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = common::baocao(&["serve", "--dia-chi", &addr], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("không mở được địa chỉ {addr}")), "{err}");
}

#[tokio::test]
async fn a_pack_uploaded_as_a_zip_is_used_and_a_broken_one_is_400_naming_its_file() {
    let temp = temp();
    let app = router(config(temp.path(), Limits::default()));
    let pack_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/bao-cao-ntm");
    let mut pack: Vec<(String, Vec<u8>)> = std::fs::read_dir(&pack_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = format!("mau/{}", p.file_name().unwrap().to_string_lossy());
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    // The pack's own body, with a sentence of the province's.
    for (name, bytes) in &mut pack {
        if name.ends_with("noi-dung.md") {
            bytes.extend_from_slice("\n\nCâu riêng của tỉnh Quảng Ngãi.\n".as_bytes());
        }
    }
    let good = sample::workbook_bytes(&sample::ba_thanh());
    let (_, page) = submit(
        &app,
        &[
            ("tep", Some("Ba Thành.xlsx"), good.clone()),
            ("mau", Some("mau.zip"), zip_of(&pack)),
        ],
    )
    .await;
    assert!(page.text().contains("Đã lập 1 / 1 báo cáo."), "{}", page.text());
    assert!(
        page.text().contains("Câu riêng của tỉnh Quảng Ngãi."),
        "the preview uses the uploaded pack"
    );

    for (name, bytes) in &mut pack {
        if name.ends_with("manifest.toml") {
            *bytes = b"[van_ban\nso = ".to_vec();
        }
    }
    let (_, page) = submit(
        &app,
        &[
            ("tep", Some("Ba Thành.xlsx"), good),
            ("mau", Some("mau.zip"), zip_of(&pack)),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let text = page.text();
    assert!(text.contains("Mẫu báo cáo gửi lên không dùng được"), "{text}");
    assert!(text.contains("manifest.toml"), "{text}");
    assert!(!text.contains(&temp.path().display().to_string()), "{text}");
    assert_temp_empty(temp.path()).await;
}

#[tokio::test]
async fn formats_are_chosen_as_on_the_command_line_and_pdf_needs_no_libreoffice() {
    let temp = temp();
    let app = router(config(temp.path(), Limits::default()));
    let good = sample::workbook_bytes(&sample::ba_thanh());
    let (job, _) = submit(
        &app,
        &[
            ("tep", Some("Ba Thành.xlsx"), good.clone()),
            ("dinh_dang", None, b"docx".to_vec()),
            ("dinh_dang", None, b"odt".to_vec()),
        ],
    )
    .await;
    let names = zip_names(&get(&app, &format!("{job}/tai-tat-ca")).await.bytes);
    assert!(
        names.contains(&"bao-cao-ntm-2024-xa-ba-thanh.docx".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"bao-cao-ntm-2024-xa-ba-thanh.odt".to_string()),
        "{names:?}"
    );
    // No LibreOffice on this server (the config has none): the report's PDF is laid
    // out in-process; a filled form's PDF needs LibreOffice and is refused.
    assert!(get(&app, "/").await.text().contains(r#"value="pdf""#), "PDF is offered");
    let (job, page) = submit(
        &app,
        &[
            ("tep", Some("Ba Thành.xlsx"), good.clone()),
            ("dinh_dang", None, b"pdf".to_vec()),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let pdf = get(&app, &format!("{job}/tai/0")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.bytes.starts_with(b"%PDF-"), "the first file is the report's PDF");
    let (_, page) = submit(
        &app,
        &[
            ("tep", Some("Ba Thành.xlsx"), good),
            ("dinh_dang", None, b"pdf".to_vec()),
            ("mau", Some("mau.odt"), odt_form()),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(
        page.text().contains("chỉ xuất được PDF qua LibreOffice"),
        "{}",
        page.text()
    );
    assert_temp_empty(temp.path()).await;
}

/// The files of a sample folder zipped as a clerk does: (path in the zip, bytes).
fn sample_files(folder: &str, prefix: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(folder);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| {
            (
                format!("{prefix}{}", e.file_name().to_string_lossy()),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// A command-line word on the page is a bug: the clerk has no command line.
fn assert_no_command_line_words(text: &str) {
    for word in ["-t bao-cao", "--nhom", "-f docx", "os error", "Zip error", "EOCD"] {
        assert!(!text.contains(word), "«{word}» on the page: {text}");
    }
}

/// With nothing chosen the pack follows the workbooks' year (2025 on: the
/// province's); the choice is said, and a pack chosen against the year is a warning
/// in the page's words.
#[tokio::test]
async fn the_pack_follows_the_workbooks_year_and_a_mismatch_is_said_in_the_pages_words() {
    let temp = temp();
    let app = router(config(temp.path(), Limits::default()));
    let province = zip_of(&sample_files("tinh-quang-ngai/Mộ Đức (cũ)", "Mộ Đức (cũ)/"));
    let (job, page) = submit(&app, &[("tep", Some("mo-duc.zip"), province.clone())]).await;
    let text = page.text();
    assert!(text.contains("Đã lập 4 / 4 báo cáo."), "{text}");
    assert!(
        text.contains(
            "Mẫu báo cáo: «Từ năm 2025: xã báo cáo UBND tỉnh, tổng hợp của tỉnh», chọn theo năm báo cáo 2025"
        ),
        "{text}"
    );
    assert!(text.contains(r#"<a href="/">Chọn mẫu khác và gửi lại</a>"#), "{text}");
    // No warning but the samples' own: two reports dated before the decision they cite.
    assert_eq!(
        text.matches("Cảnh báo: ").count(),
        text.matches("ở sau ngày của báo cáo").count(),
        "{text}"
    );
    let names = zip_names(&get(&app, &format!("{job}/tai-tat-ca")).await.bytes);
    assert_eq!(
        names.iter().filter(|n| n.starts_with("bao-cao-ntm-2025-xa-")).count(),
        4,
        "{names:?}"
    );
    // A 2024 workbook alone: the 2024 pack.
    let (_, page) = submit(
        &app,
        &[(
            "tep",
            Some("Ba Thành.xlsx"),
            sample::workbook_bytes(&sample::ba_thanh()),
        )],
    )
    .await;
    assert!(page.text().contains("chọn theo năm báo cáo 2024"), "{}", page.text());

    // The 2024 pack chosen for 2025 workbooks: a warning at the top, in the page's words.
    let (_, page) = submit(
        &app,
        &[
            ("mau_co_san", None, b"bao-cao-ntm".to_vec()),
            ("tep", Some("mo-duc.zip"), province),
        ],
    )
    .await;
    let text = page.text();
    assert!(
        text.contains("«Năm 2024: xã báo cáo UBND huyện, tổng hợp của huyện» (đã chọn ở trang chủ)"),
        "{text}"
    );
    let warning = text
        .find("Cảnh báo: 4 tệp ghi năm báo cáo từ 2025 trở đi")
        .expect(&text);
    assert!(
        text[warning..].contains("hãy gửi lại các tệp này và chọn mẫu «Từ năm 2025"),
        "{text}"
    );
    assert!(warning < text.find("Long Phụng.xlsx: 1 lỗi").expect(&text));
    assert_no_command_line_words(&text);
    // «Send again» opens the home page with that pack checked.
    assert!(
        text.contains(r#"href="/?mau=bao-cao-ntm-2025">Gửi lại với mẫu «Từ năm 2025"#),
        "{text}"
    );
    let home = get(&app, "/?mau=bao-cao-ntm-2025").await.text();
    assert!(home.contains(r#"value="bao-cao-ntm-2025" checked>"#), "{home}");
    assert!(!home.contains(r#"value="tu-dong" checked>"#), "{home}");
    let home = get(&app, "/?mau=..%2F..%2Fetc").await.text();
    assert!(home.contains(r#"value="tu-dong" checked>"#), "{home}");

    // The 2025 pack chosen for a 2024 workbook: reports to the province, said so.
    let (_, page) = submit(
        &app,
        &[
            ("mau_co_san", None, b"bao-cao-ntm-2025".to_vec()),
            (
                "tep",
                Some("Ba Thành.xlsx"),
                sample::workbook_bytes(&sample::ba_thanh()),
            ),
        ],
    )
    .await;
    let text = page.text();
    assert!(
        text.contains("Cảnh báo: 1 tệp ghi năm báo cáo trước 2025 («Ba Thành.xlsx»)"),
        "{text}"
    );
    assert_no_command_line_words(&text);
    assert_temp_empty(temp.path()).await;
}

/// A province's zip with per-folder summaries and a damaged workbook: the failure is
/// at the top, then every file the run made, each with its link (the summaries of
/// every sub-folder too), then the communes that came out.
#[tokio::test]
async fn failures_come_first_and_every_file_made_is_listed_with_its_link() {
    let temp = temp();
    let app = router(config(temp.path(), Limits::default()));
    let mut files = sample_files("tinh-quang-ngai/Mộ Đức (cũ)", "tinh/Mộ Đức (cũ)/");
    files.extend(sample_files("tinh-quang-ngai/Sơn Hà (cũ)", "tinh/Sơn Hà (cũ)/"));
    let mut bytes =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/tinh-quang-ngai/Sơn Hà (cũ)/Sơn Kỳ.xlsx"))
            .unwrap();
    bytes.truncate(bytes.len() / 2);
    files.push(("tinh/Sơn Hà (cũ)/Sơn Hỏng.xlsx".into(), bytes));
    let (job, page) = submit(
        &app,
        &[
            ("nhom", None, b"thu-muc".to_vec()),
            ("tep", Some("tinh.zip"), zip_of(&files)),
        ],
    )
    .await;
    let text = page.text();
    assert!(text.contains("Đã lập 9 / 10 báo cáo."), "{text}");
    let failed = text.find(r#"id="tep-loi""#).expect(&text);
    let downloads = text.find(r#"id="tai-ve""#).expect(&text);
    let good = text.find(r#"id="cac-tep""#).expect(&text);
    assert!(failed < downloads && downloads < good, "failures, downloads, the rest");
    let broken = &text[failed..downloads];
    assert!(broken.contains("Sơn Hà (cũ)/Sơn Hỏng.xlsx: 1 lỗi"), "{broken}");
    assert!(broken.contains("bị hỏng"), "{broken}");
    assert_no_command_line_words(&text);
    // Every file of the .zip has its link on the page.
    let names = zip_names(&get(&app, &format!("{job}/tai-tat-ca")).await.bytes);
    assert!(
        text.contains(&format!("Tải tất cả {} tệp (.zip)", names.len())),
        "{text}"
    );
    for name in &names {
        assert!(
            text.contains(&format!(">{name}<")) || text.contains(&format!(">Tải {name}<")),
            "{name} is not listed: {text}"
        );
    }
    for (folder, slug, n) in [("Mộ Đức (cũ)", "mo-duc-cu", 4), ("Sơn Hà (cũ)", "son-ha-cu", 5)] {
        let name = format!("tong-hop-ntm-2025-tinh-quang-ngai-{slug}.docx");
        assert!(names.contains(&name), "{names:?}");
        let line = format!(">{name}</a>: Báo cáo tổng hợp thư mục «{folder}» ({n} xã)");
        assert!(text.contains(&line), "{line}\n{text}");
        let index = text[..text.find(&line).unwrap()].rsplit("/tai/").next().unwrap();
        let index: usize = index[..index.find('"').unwrap()].parse().unwrap();
        let one = get(&app, &format!("{job}/tai/{index}")).await;
        assert!(
            common::docx_text(&one.bytes).contains(folder),
            "the link gives that summary"
        );
    }
    assert_temp_empty(temp.path()).await;
}

/// One commune: its report, nothing about a .zip, a summary or tong-ket.json.
#[tokio::test]
async fn one_commune_gets_its_report_and_no_batch_words() {
    let temp = temp();
    let app = router(config(temp.path(), Limits::default()));
    let (job, page) = submit(
        &app,
        &[(
            "tep",
            Some("Ba Thành.xlsx"),
            sample::workbook_bytes(&sample::ba_thanh()),
        )],
    )
    .await;
    let text = page.text();
    assert!(text.contains("Tải bao-cao-ntm-2024-xa-ba-thanh.docx"), "{text}");
    let text = &text[..text.find(r#"id="xem-truoc""#).expect(&text)];
    for jargon in ["Tải tất cả", "tong-ket.json", "Báo cáo tổng hợp", ".zip"] {
        assert!(!text.contains(jargon), "«{jargon}» for one commune: {text}");
    }
    let one = get(&app, &format!("{job}/tai/0")).await;
    assert!(common::docx_text(&one.bytes).contains("BÁO CÁO"));
    assert_temp_empty(temp.path()).await;
}

/// A Word file alone, a file of another kind, a broken .zip, a Word file among
/// workbooks: each said in plain Vietnamese, never the system's or a library's
/// English.
#[tokio::test]
async fn a_word_file_another_file_and_a_broken_zip_are_said_in_plain_vietnamese() {
    let temp = temp();
    let app = router(config(temp.path(), Limits::default()));
    let (_, page) = submit(
        &app,
        &[(
            "tep",
            Some("Ba Thành.xlsx"),
            sample::workbook_bytes(&sample::ba_thanh()),
        )],
    )
    .await;
    assert!(page.text().contains("Tải bao-cao"), "{}", page.text());
    // A report itself, sent back as if it were the workbook.
    let word = {
        let dir = temp_dir_with(&[("Ba Thành.xlsx", &sample::workbook_bytes(&sample::ba_thanh()))]);
        let pack = baocao::template::Pack::builtin().unwrap();
        let report = baocao::report::from_file(&pack, &dir.path().join("Ba Thành.xlsx")).unwrap();
        report.to_bytes(baocao::write::OutputFormat::Docx).unwrap()
    };
    let alone = send(
        &app,
        upload_request(multipart(&[("tep", Some("bao-cao.docx"), word.clone())])),
    )
    .await;
    let alone = if alone.status == StatusCode::SEE_OTHER {
        submit(&app, &[("tep", Some("bao-cao.docx"), word.clone())]).await.1
    } else {
        alone
    };
    let text = alone.text();
    assert_eq!(alone.status, StatusCode::BAD_REQUEST, "{text}");
    assert!(
        text.contains("Tệp «bao-cao.docx» là văn bản Word, không phải bảng tính"),
        "{text}"
    );
    assert!(text.contains("«Dùng mẫu báo cáo riêng»"), "{text}");
    assert!(
        !text.contains("thư mục không có"),
        "one file was sent, not a folder: {text}"
    );

    let (_, page) = submit(&app, &[("tep", Some("ghi-chu.txt"), b"so lieu".to_vec())]).await;
    assert!(
        page.text()
            .contains("Tệp «ghi-chu.txt» không phải bảng tính nên không lập được báo cáo."),
        "{}",
        page.text()
    );

    let mut broken = district_zip();
    broken.truncate(broken.len() / 2);
    let answer = send(&app, upload_request(multipart(&[("tep", Some("huyen.zip"), broken)]))).await;
    let text = answer.text();
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(
        text.contains("Không giải nén được «huyen.zip»: tệp .zip bị hỏng"),
        "{text}"
    );
    assert_no_command_line_words(&text);

    // A Word file named as a workbook, among good ones.
    let (_, page) = submit(
        &app,
        &[
            (
                "tep",
                Some("Ba Thành.xlsx"),
                sample::workbook_bytes(&sample::ba_thanh()),
            ),
            ("tep", Some("Ba Vì.xlsx"), word),
        ],
    )
    .await;
    let text = page.text();
    assert!(text.contains("Ba Vì.xlsx: 1 lỗi"), "{text}");
    assert!(
        text.contains("tệp này là văn bản Word (.docx), không phải bảng tính"),
        "{text}"
    );
    assert!(!text.contains("bị hỏng"), "{text}");
    assert_no_command_line_words(&text);
    assert_temp_empty(temp.path()).await;
}

/// With PDF, the page counts each report as it is made and each PDF as LibreOffice
/// writes it, not 0 until everything is done. Needs LibreOffice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_pdf_progress_counts_each_report_and_each_pdf() {
    let Ok(soffice) = baocao::write::libreoffice::find(None) else {
        assert!(std::env::var_os("CI").is_none(), "CI: LibreOffice is needed");
        println!("BỎ QUA: không có LibreOffice (soffice).");
        return;
    };
    let temp = temp();
    let app = router(Config {
        soffice: Some(soffice),
        ..config(temp.path(), Limits::default())
    });
    let files: Vec<(String, Vec<u8>)> = district_files("huyen/").into_iter().take(6).collect();
    let posted = send(
        &app,
        upload_request(multipart(&[
            ("dinh_dang", None, b"pdf".to_vec()),
            ("tep", Some("huyen.zip"), zip_of(&files)),
        ])),
    )
    .await;
    let location = posted.headers[header::LOCATION].to_str().unwrap().to_string();
    let mut seen = Vec::new();
    let started = Instant::now();
    loop {
        let state: serde_json::Value =
            serde_json::from_slice(&get(&app, &format!("{location}/tien-do")).await.bytes).unwrap();
        if state["trang_thai"] == "xong" {
            assert_eq!(state["da_lap"], 6, "{state}");
            break;
        }
        if state["trang_thai"] == "dang_lap" {
            let step = (state["xong"].as_u64().unwrap(), state["pdf_xong"].as_u64().unwrap_or(0));
            if seen.last() != Some(&step) {
                seen.push(step);
            }
        }
        assert!(started.elapsed() < Duration::from_secs(120), "job never ended");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Every report counted before the PDFs are done, and the PDFs one by one.
    assert!(seen.iter().any(|&(reports, pdfs)| reports == 6 && pdfs < 6), "{seen:?}");
    assert!(seen.iter().any(|&(_, pdfs)| pdfs > 0 && pdfs < 6), "{seen:?}");
    assert!(
        seen.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1),
        "{seen:?}"
    );
    assert_temp_empty(temp.path()).await;
}

// ---------------------------------------------------------------- under attack

/// The page on a real socket (127.0.0.1, a free port) until the sender is dropped.
async fn start(config: Config) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        baocao::serve::serve_on(listener, config, async {
            let _ = stopped.await;
        })
        .await
        .unwrap()
    });
    (addr, stop)
}

/// A connection to the page from `from` (any 127.x.y.z address is this machine).
async fn connect(addr: std::net::SocketAddr, from: &str) -> tokio::net::TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    socket.connect(addr).await.unwrap()
}

/// Everything the server sends until it closes (or `within` passes: None).
async fn answer(stream: &mut tokio::net::TcpStream, within: Duration) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut got = Vec::new();
    match tokio::time::timeout(within, stream.read_to_end(&mut got)).await {
        Ok(_) => Some(String::from_utf8_lossy(&got).replace("&#x2f;", "/")),
        Err(_) => None,
    }
}

async fn raw_get(addr: std::net::SocketAddr, from: &str, path: &str) -> Option<String> {
    use tokio::io::AsyncWriteExt;
    let mut stream = connect(addr, from).await;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    answer(&mut stream, Duration::from_secs(10)).await
}

#[tokio::test]
async fn a_jobs_output_over_its_cap_is_413_and_kept_results_are_bounded() {
    let temp = temp();
    let limits = Limits {
        job_output: 20 * 1024,
        ..Limits::default()
    };
    let app = router(config(temp.path(), limits));
    let (_, page) = submit(&app, &[("tep", Some("huyen.zip"), district_zip())]).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        page.text()
            .contains("Kết quả quá lớn: mỗi lần gửi được lập tối đa 20 KB báo cáo"),
        "{}",
        page.text()
    );
    assert_temp_empty(temp.path()).await;

    // Results kept: over the total, the oldest goes and the newest stays.
    let limits = Limits {
        kept_output: 1,
        ..Limits::default()
    };
    let app = router(config(temp.path(), limits));
    let good = sample::workbook_bytes(&sample::ba_thanh());
    let (first, page) = submit(&app, &[("tep", Some("Ba Thành.xlsx"), good.clone())]).await;
    assert_eq!(page.status, StatusCode::OK);
    let (second, _) = submit(&app, &[("tep", Some("Ba Thành.xlsx"), good)]).await;
    let gone = get(&app, &first).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(gone.text().contains("Không tìm thấy kết quả này"), "{}", gone.text());
    assert_eq!(get(&app, &second).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_get_a_time_limit_and_a_connection_cap_and_the_page_still_answers() {
    use tokio::io::AsyncWriteExt;
    let temp = temp();
    let limits = Limits {
        header_time: Duration::from_secs(2),
        connections_per_client: 64,
        ..Limits::default()
    };
    let (addr, _stop) = start(config(temp.path(), limits)).await;
    // 300 requests whose headers never end, from one address.
    let mut slow = Vec::new();
    for _ in 0..300 {
        let mut stream = connect(addr, "127.0.0.1").await;
        let _ = stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Cham: ").await;
        slow.push(stream);
    }
    // Another client is answered at once.
    let started = Instant::now();
    let page = raw_get(addr, "127.0.0.2", "/").await.expect("the page answers");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(started.elapsed() < Duration::from_secs(2));
    // Beyond the cap of one address: 503 in Vietnamese, closed at once.
    let over = answer(&mut slow[299], Duration::from_secs(5))
        .await
        .expect("closed at once");
    assert!(over.starts_with("HTTP/1.1 503"), "{over}");
    assert!(over.contains("Máy chủ đang bận: quá nhiều kết nối cùng lúc."), "{over}");
    // Those within the cap are closed once their time for headers is up.
    let held = answer(&mut slow[0], Duration::from_secs(10)).await;
    assert!(held.is_some(), "a half-sent request is still open after its time");
    // And the address may connect again.
    let again = raw_get(addr, "127.0.0.1", "/").await.expect("the page answers");
    assert!(again.starts_with("HTTP/1.1 200"), "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_in_flight_holds_a_queue_place_and_a_stalled_one_times_out_leaving_nothing() {
    use tokio::io::AsyncWriteExt;
    let temp = temp();
    let limits = Limits {
        running: 0,
        waiting: 1,
        body_idle: Duration::from_secs(1),
        ..Limits::default()
    };
    let (addr, _stop) = start(config(temp.path(), limits)).await;
    let body = multipart(&[("tep", Some("huyen.zip"), district_zip())]);
    let head = format!(
        "POST /lap HTTP/1.1\r\nHost: {addr}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut stalled = connect(addr, "127.0.0.1").await;
    stalled.write_all(head.as_bytes()).await.unwrap();
    stalled.write_all(&body[..body.len() / 2]).await.unwrap();
    let started = Instant::now();
    while std::fs::read_dir(temp.path()).unwrap().count() == 0 {
        assert!(started.elapsed() < Duration::from_secs(20), "upload never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The one place is held by the upload still arriving.
    let mut second = connect(addr, "127.0.0.1").await;
    second.write_all(head.as_bytes()).await.unwrap();
    let _ = second.write_all(&body).await;
    let refused = answer(&mut second, Duration::from_secs(10)).await.expect("answered");
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    assert!(refused.contains("Máy chủ đang bận: hàng đợi đã đầy."), "{refused}");
    // The stalled body times out: 408 in Vietnamese, its folder removed.
    let timed_out = answer(&mut stalled, Duration::from_secs(10)).await.expect("answered");
    assert!(timed_out.starts_with("HTTP/1.1 408"), "{timed_out}");
    assert!(
        timed_out.contains("Các tệp gửi lên không nhận thêm được gì trong 1 giây"),
        "{timed_out}"
    );
    assert_temp_empty(temp.path()).await;
}

#[tokio::test]
async fn any_token_works_through_its_cookie_and_an_unusable_one_is_refused_at_start_up() {
    let temp_dir = temp();
    let token = "Mật khẩu; xã Ba Tơ = 2025";
    let mut config = config(temp_dir.path(), Limits::default());
    config.token = Some(token.into());
    let app = router(config);
    let form: String = format!(
        "ma_truy_cap={}",
        token
            .bytes()
            .map(|b| if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            })
            .collect::<String>()
    );
    let login = send(
        &app,
        Request::post("/dang-nhap")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap(),
    )
    .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    let cookie = login.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let home = send(
        &app,
        Request::get("/")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.text());
    assert!(home.text().contains("Kiểm tra và lập báo cáo"));

    let dir = temp();
    let out = common::baocao(
        &["serve", "--dia-chi", "127.0.0.1:0", "--ma-truy-cap", "a\tb"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("không dùng được mã truy cập này: mã truy cập chứa ký tự điều khiển"),
        "{err}"
    );
}

#[tokio::test]
async fn every_route_asks_for_the_token_and_wrong_ones_slow_down() {
    let temp = temp();
    let mut config = config(
        temp.path(),
        Limits {
            token_pause: Duration::from_millis(200),
            ..Limits::default()
        },
    );
    config.token = Some("bi-mat".into());
    let app = router(config);
    for path in [
        "/",
        "/viec/abc",
        "/viec/abc/tien-do",
        "/viec/abc/xem/0",
        "/viec/abc/tai/0",
        "/viec/abc/tai-tat-ca",
        "/trang-chua-co",
    ] {
        let page = get(&app, path).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(page.text().contains("Cần mã truy cập"), "{path}");
    }
    let mut pauses = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let wrong = send(
            &app,
            Request::get("/")
                .header("x-ma-truy-cap", "doan")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);
        assert!(wrong.text().contains("Mã truy cập không đúng."));
        pauses.push(started.elapsed());
    }
    assert!(pauses[2] >= Duration::from_millis(600), "{pauses:?}");
    // The right one is not held back.
    let started = Instant::now();
    let right = send(
        &app,
        Request::get("/")
            .header("x-ma-truy-cap", "bi-mat")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(right.status, StatusCode::OK);
    assert!(started.elapsed() < Duration::from_millis(500));
}

#[tokio::test]
async fn axums_own_refusals_are_in_vietnamese() {
    let temp = temp();
    let mut config = config(temp.path(), Limits::default());
    config.token = Some("bi-mat".into());
    let app = router(config);
    let bad_address = send(
        &app,
        Request::get("/viec/abc/xem/khong-phai-so")
            .header("x-ma-truy-cap", "bi-mat")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(bad_address.status, StatusCode::BAD_REQUEST);
    assert!(
        bad_address.text().contains("Địa chỉ trang không đúng"),
        "{}",
        bad_address.text()
    );
    assert!(!bad_address.text().contains("Invalid URL"));
    let bad_form = send(
        &app,
        Request::post("/dang-nhap")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("khac=1"))
            .unwrap(),
    )
    .await;
    assert_eq!(bad_form.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_form.text().contains("Dữ liệu biểu mẫu gửi lên không đúng"),
        "{}",
        bad_form.text()
    );
    assert!(!bad_form.text().contains("Failed to deserialize"));
    let wrong_method = send(
        &app,
        Request::delete("/")
            .header("x-ma-truy-cap", "bi-mat")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(wrong_method.text().contains("Trang này không nhận kiểu yêu cầu này"));
}

#[tokio::test]
async fn a_long_vietnamese_file_name_is_taken_alone_and_in_a_zip() {
    let temp = temp();
    let app = router(config(temp.path(), Limits::default()));
    // 172 letters, 224 bytes: more than 200 bytes, within the file system's 255.
    let long = "Số liệu kết quả thực hiện Bộ tiêu chí quốc gia về xã nông thôn mới nâng cao của xã Ba Thành giai đoạn hai nghìn không trăm hai mươi mốt đến năm 2025 (bản đã sửa lần 3).xlsx";
    assert_eq!((long.chars().count(), long.len()), (172, 224));
    let good = sample::workbook_bytes(&sample::ba_thanh());
    let (_, page) = submit(&app, &[("tep", Some(long), good.clone())]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert!(page.text().contains("Đã lập 1 / 1 báo cáo"), "{}", page.text());
    let mut files = district_files("huyen-ba-to/");
    // Another commune than the district's under the long name (Ba Thành is there).
    drop(good);
    let other = sample::workbook_bytes(&sample::commune("Ba Khê", 3));
    files.push((format!("huyen-ba-to/{long}"), other));
    let (_, page) = submit(&app, &[("tep", Some("huyen.zip"), zip_of(&files))]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let n = files.len();
    assert!(!page.text().contains("không an toàn"), "{}", page.text());
    // Every file is made (the shipped district has warnings of its own: dates of
    // next year's decisions after the report's date).
    assert!(
        page.text().contains(&format!("Tổng cộng: {n} tệp, 0 lỗi,")),
        "{}",
        page.text()
    );
    assert!(
        page.text().contains(&format!("Đã lập {n} / {n} báo cáo.")),
        "{}",
        page.text()
    );
    assert_temp_empty(temp.path()).await;
}

/// A LibreOffice that never finishes: writes its pid, then sleeps.
fn hanging_soffice(dir: &Path) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let pid_file = dir.join("pid");
    let script = dir.join("soffice-treo");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nsleep 300 &\necho $! > '{}'\nsleep 300\n",
            pid_file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (script, pid_file)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_over_its_time_stops_ends_libreoffice_and_gives_back_its_turn() {
    let temp = temp();
    let tools = tempfile::tempdir().unwrap();
    let (soffice, pid_file) = hanging_soffice(tools.path());
    let limits = Limits {
        running: 1,
        job_time: Duration::from_secs(2),
        ..Limits::default()
    };
    let mut config = config(temp.path(), limits);
    config.soffice = Some(soffice);
    let app = router(config);
    let good = sample::workbook_bytes(&sample::ba_thanh());
    let (_, page) = submit(
        &app,
        &[
            ("tep", Some("Ba Thành.xlsx"), good.clone()),
            ("dinh_dang", None, b"pdf".to_vec()),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::GATEWAY_TIMEOUT, "{}", page.text());
    // The one turn is free again at once: the next job runs and ends.
    let started = Instant::now();
    let (_, next) = submit(&app, &[("tep", Some("Ba Thành.xlsx"), good)]).await;
    assert_eq!(next.status, StatusCode::OK, "{}", next.text());
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
    // LibreOffice and what it started are ended.
    // (A zombie is ended: nobody may be left to reap it in a container.)
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let running = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
        .is_ok_and(|stat| !stat.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'));
    assert!(!running, "LibreOffice's child still runs");
    assert_temp_empty(temp.path()).await;
}

#[test]
fn sigterm_cleans_up_like_ctrl_c_and_wrong_tokens_are_logged() {
    use std::io::BufRead;
    let temp = temp();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_baocao"))
        .args(["serve", "--dia-chi", &addr, "--ma-truy-cap", "bi-mat"])
        .env("TMPDIR", temp.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut socket = loop {
        match std::net::TcpStream::connect(&addr) {
            Ok(s) => break s,
            Err(_) if started.elapsed() < Duration::from_secs(20) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => panic!("server never listened: {e}"),
        }
    };
    let mut wrong = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        wrong,
        "GET / HTTP/1.1\r\nHost: {addr}\r\nX-Ma-Truy-Cap: doan\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    wrong.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    // An upload half sent: its folder exists.
    let body = multipart(&[("tep", Some("huyen.zip"), district_zip())]);
    write!(
        socket,
        "POST /lap HTTP/1.1\r\nHost: {addr}\r\nX-Ma-Truy-Cap: bi-mat\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    socket.write_all(&body[..body.len() / 2]).unwrap();
    let ours = || -> Vec<PathBuf> {
        std::fs::read_dir(temp.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("baocao-web-"))
            .collect()
    };
    while ours().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(30), "upload never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    unsafe {
        libc::kill(server.id() as i32, libc::SIGTERM);
    }
    let status = loop {
        if let Some(s) = server.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    assert!(ours().is_empty(), "left behind: {:?}", ours());
    let log: Vec<String> = std::io::BufReader::new(server.stderr.take().unwrap())
        .lines()
        .map(Result::unwrap)
        .collect();
    assert!(
        log.iter().any(|l| l.contains("Mã truy cập sai từ 127.0.0.1")),
        "{log:?}"
    );
    drop(socket);
}

/// Opened with no command, as from Explorer: the page at a port the system chose, the
/// address said in Vietnamese with how to stop, the default browser asked to open it
/// (xdg-open here, a stand-in that notes its argument), and SIGTERM cleaning up.
#[cfg(unix)]
#[test]
fn no_command_opens_the_page_at_a_free_port_in_the_browser() {
    use std::io::BufRead;
    use std::os::unix::fs::PermissionsExt;
    let temp = temp();
    let bin = temp.path().join("bin");
    let tmp = temp.path().join("tmp");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&tmp).unwrap();
    let opened = temp.path().join("opened.txt");
    let opener = bin.join("xdg-open");
    std::fs::write(&opener, "#!/bin/sh\necho \"$1\" >> \"$OPENED\"\n").unwrap();
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_baocao"))
        .env("PATH", path)
        .env("OPENED", &opened)
        .env("TMPDIR", &tmp)
        .env_remove("BAOCAO_KHONG_MO_TRINH_DUYET")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, said) = std::sync::mpsc::channel();
    let stderr = server.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let mut console = Vec::new();
    let url = loop {
        let line = said.recv_timeout(Duration::from_secs(20)).expect("no address printed");
        console.push(line.clone());
        if let Some(at) = line.find("http://") {
            break line[at..].trim().to_string();
        }
    };
    let addr = url.trim_start_matches("http://").trim_end_matches('/').to_string();
    let port: u16 = addr.strip_prefix("127.0.0.1:").expect(&url).parse().unwrap();
    assert_ne!(port, 0);
    let mut page = std::net::TcpStream::connect(&addr).unwrap();
    write!(page, "GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    page.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("<html"), "{answer}");
    let started = Instant::now();
    while std::fs::read_to_string(&opened).unwrap_or_default().trim() != url {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "browser not asked to open {url}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    while let Ok(line) = said.recv_timeout(Duration::from_millis(500)) {
        console.push(line);
    }
    let console = console.join("\n");
    assert!(
        console.contains("Trang báo cáo đang chạy tại: http://127.0.0.1:"),
        "{console}"
    );
    assert!(
        console.contains("Để dừng: nhấn Ctrl-C hoặc đóng cửa sổ này"),
        "{console}"
    );
    // An upload half sent, then the stop: its folder goes.
    let mut socket = std::net::TcpStream::connect(&addr).unwrap();
    let body = multipart(&[("tep", Some("huyen.zip"), district_zip())]);
    write!(
        socket,
        "POST /lap HTTP/1.1\r\nHost: {addr}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    socket.write_all(&body[..body.len() / 2]).unwrap();
    let ours = || std::fs::read_dir(&tmp).unwrap().count();
    while ours() == 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "upload never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    unsafe {
        libc::kill(server.id() as i32, libc::SIGTERM);
    }
    let status = loop {
        if let Some(s) = server.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    assert_eq!(ours(), 0, "temporary files left behind");
    drop(socket);
}

/// A one-line .odt form: the commune's name.
fn odt_form() -> Vec<u8> {
    let ns = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" office:version="1.3""#;
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}><office:body><office:text><text:p>BÁO CÁO XÃ {{{{ tt.ten_xa | upper }}}}</text:p></office:text></office:body></office:document-content>"#
    );
    let styles = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-styles {ns}><office:styles/></office:document-styles>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.text").unwrap();
    for (name, data) in [
        ("content.xml", content),
        ("styles.xml", styles),
        ("META-INF/manifest.xml", manifest.to_string()),
    ] {
        zip.start_file(name, stored).unwrap();
        zip.write_all(data.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// The page and `batch -t mau.odt` agree: a form writes its own format, whatever
/// the format boxes (made for the packs) say.
#[tokio::test]
async fn an_odt_form_on_the_page_writes_odt_as_batch_does() {
    let temp = temp();
    let app = router(config(temp.path(), Limits::default()));
    let good = sample::workbook_bytes(&sample::ba_thanh());
    let (location, page) = submit(
        &app,
        &[
            ("tep", Some("Ba Thành.xlsx"), good.clone()),
            ("dinh_dang", None, b"docx".to_vec()),
            ("mau", Some("mau.odt"), odt_form()),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert!(!page.text().contains("chỉ ghi được .odt"), "{}", page.text());
    assert!(page.text().contains("Đã lập 1 / 1 báo cáo"), "{}", page.text());
    let file = get(&app, &format!("{location}/tai/0")).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(
        file.headers[header::CONTENT_TYPE],
        "application/vnd.oasis.opendocument.text"
    );
    let disposition = file.headers[header::CONTENT_DISPOSITION].to_str().unwrap().to_string();
    assert!(disposition.ends_with(".odt\""), "{disposition}");
    let mut content = String::new();
    zip::ZipArchive::new(std::io::Cursor::new(&file.bytes))
        .unwrap()
        .by_name("content.xml")
        .unwrap()
        .read_to_string(&mut content)
        .unwrap();
    assert!(content.contains("BÁO CÁO XÃ BA THÀNH"), "{content}");

    // The command line with the same form and workbook writes the same file.
    let dir = temp_dir_with(&[("mau.odt", &odt_form()), ("Ba Thành.xlsx", &good)]);
    let out = common::baocao(
        &["batch", "Ba Thành.xlsx", "-t", "mau.odt", "-o", "ra", "-q"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let name = disposition.rsplit('"').nth(1).unwrap();
    assert!(dir.path().join("ra").join(name).is_file(), "{name}");
    assert_temp_empty(temp.path()).await;
}

/// Each file's findings as "Lỗi: place: message" lines, in the order listed.
type Findings = std::collections::BTreeMap<String, Vec<String>>;

fn findings_of(items: &serde_json::Value, name: impl Fn(&str) -> String) -> (Vec<String>, Findings) {
    let mut order = Vec::new();
    let mut found = Findings::new();
    for item in items.as_array().unwrap() {
        let tep = name(item["tep"].as_str().unwrap());
        let mut lines = Vec::new();
        for (key, label) in [("loi", "Lỗi"), ("canh_bao", "Cảnh báo")] {
            for d in item[key].as_array().unwrap() {
                let place = d["place"].as_str().unwrap();
                let message = d["message"].as_str().unwrap();
                lines.push(match place {
                    "" => format!("{label}: {message}"),
                    place => format!("{label}: {place}: {message}"),
                });
            }
        }
        order.push(tep.clone());
        found.insert(tep, lines);
    }
    (order, found)
}

/// `batch`, `check --format json` and the page list the same findings of the same
/// inputs in the same order: per file its errors, then its warnings, each by place
/// (the whole file, then sheet by sheet, row by row) — `error::sort`, in the library.
#[tokio::test]
async fn batch_check_and_the_page_list_the_same_findings_in_one_order() {
    let dir = temp();
    let input = dir.path().join("vao");
    std::fs::create_dir(&input).unwrap();
    let mut sent = district_files("");
    // A damaged workbook, one with findings on several sheets (text converted from
    // TCVN3, a section the pack does not know, a length typed as words, an error
    // cell) and a second copy of a commune.
    let mut broken = sent.iter().find(|(n, _)| n == "Ba Lế.xlsx").unwrap().1.clone();
    broken.truncate(broken.len() / 2);
    sent.push(("Ba Hỏng.xlsx".into(), broken));
    let mut mixed = sample::commune("Ba Hỗn", 7);
    mixed.legacy = Some((baocao::workbook::legacy::Legacy::Tcvn3, ".VnTime"));
    mixed.narrative = Some(sample::Narrative::new(&[
        &["Mục", "Nội dung"],
        &["kho_khan_xa", "Đoạn dưới một khóa mẫu không có."],
    ]));
    mixed.patches.push(sample::Patch::length_as_text());
    mixed.patches.push(sample::Patch::Error {
        sheet: "PL2 Bê tông nông thôn",
        row: 6,
        col: 3,
        error: "#DIV/0!",
    });
    mixed.patches.push(sample::Patch::Error {
        sheet: "PL1 Tiêu chí xã",
        row: 7,
        col: 0,
        error: "#REF!",
    });
    sent.push(("Ba Hỗn.xlsx".into(), sample::workbook_bytes(&mixed)));
    // A report made with warnings on two sheets, the last found (a date after the
    // report's) on the first sheet.
    let mut old = sample::commune("Ba Cũ", 8);
    old.legacy = Some((baocao::workbook::legacy::Legacy::Tcvn3, ".VnTime"));
    old.patches.push(sample::Patch::Text {
        sheet: "Thông tin chung",
        row: 14,
        col: 2,
        text: "01/TB-BQL ngày 19/4/2099".into(),
    });
    sent.push(("Ba Cũ.xlsx".into(), sample::workbook_bytes(&old)));
    let copy = sent.iter().find(|(n, _)| n == "Ba Thành.xlsx").unwrap().1.clone();
    sent.push(("Ba Thành (bản sao).xlsx".into(), copy));
    for (name, bytes) in &sent {
        std::fs::write(input.join(name), bytes).unwrap();
    }

    let out = common::baocao(&["batch", "vao", "-o", "ra", "-q"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("ra/tong-ket.json")).unwrap()).unwrap();
    let (batch_order, batch) = findings_of(&summary["cac_tep"], str::to_string);

    let check = common::baocao(&["check", "vao", "--format", "json"], dir.path());
    let checked: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let (check_order, check) = findings_of(&checked, |t| t.strip_prefix("vao/").unwrap_or(t).to_string());
    assert_eq!(check_order, batch_order);
    assert_eq!(check, batch);

    // The page, from the same files in a .zip.
    let temp = temp();
    let app = router(config(temp.path(), Limits::default()));
    let (_, page) = submit(&app, &[("tep", Some("vao.zip"), zip_of(&sent))]).await;
    let text = page
        .text()
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let mut shown = Findings::new();
    for block in text.split("<strong>").skip(1) {
        let (headline, rest) = block.split_once("</strong>").unwrap();
        let Some((tep, _)) = headline.rsplit_once(": ") else {
            continue;
        };
        let rest = rest.trim_start();
        let list = if rest.starts_with("<ul>") {
            rest.split("</ul>").next().unwrap()
        } else {
            ""
        };
        let lines: Vec<String> = list
            .split("<li class=\"")
            .skip(1)
            .map(|li| {
                li.split_once("\">")
                    .unwrap()
                    .1
                    .replace("</li>", "")
                    .replace("</ul>", "")
            })
            .map(|l| l.trim().to_string())
            .collect();
        shown.insert(tep.to_string(), lines);
    }
    assert_eq!(shown, batch);

    // The order itself: errors then warnings; each by sheet (in the workbook's
    // order), row, column.
    for (tep, key) in [
        ("Ba Hỗn.xlsx", "loi"),
        ("Ba Hỗn.xlsx", "canh_bao"),
        ("Ba Cũ.xlsx", "canh_bao"),
    ] {
        let mixed = summary["cac_tep"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["tep"] == tep)
            .unwrap();
        let list = mixed[key].as_array().unwrap();
        assert!(list.len() >= 2, "{key}: {mixed}");
        let mut sheets: Vec<String> = Vec::new();
        let keys: Vec<(u8, usize, u64, u64)> = list
            .iter()
            .map(|d| {
                let at = &d["vi_tri"];
                let Some(sheet) = at["sheet"].as_str() else {
                    return (0, 0, 0, 0);
                };
                if !sheets.iter().any(|s| s == sheet) {
                    sheets.push(sheet.to_string());
                }
                let rank = sheets.iter().position(|s| s == sheet).unwrap();
                let (row, col) = (at["row"].as_u64().unwrap_or(0), at["col"].as_u64().unwrap_or(0));
                (1, rank, row, col)
            })
            .collect();
        assert!(
            keys.windows(2).all(|w| w[0] <= w[1]),
            "{key} out of order: {keys:?}\n{mixed}"
        );
    }
    let said = batch["Ba Thành.xlsx"].join("\n");
    assert!(said.contains("trùng xã và năm"), "{batch:?}");
    assert!(batch["Ba Hỏng.xlsx"][0].contains("bị hỏng"), "{batch:?}");
    assert_temp_empty(temp.path()).await;
}
