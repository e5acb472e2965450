//! `baocao serve`: the web page on the office network. Clerks upload workbooks (or a
//! .zip of a folder), see what `check` sees, preview each report and download the
//! reports; the work is done by the same library functions as the command line
//! (`batch::sources`, `batch::run_with`, `check::line`).
//!
//! Safe to leave running on a LAN: nothing a client sends is used as a path (names
//! are reduced to plain file names), every upload lives in a temporary folder that is
//! removed when its job ends, on error, or when the client goes away mid-upload (the
//! folder is a `TempDir` owned by whoever holds the work), and every limit is
//! answered with a Vietnamese message and its HTTP status.

mod jobs;
mod page;
mod upload;

pub use upload::safe_name;

use axum::extract::{DefaultBodyLimit, Multipart, Path as UrlPath, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use jobs::{Jobs, Phase};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Limits of one request and of the server.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Bytes of one request body.
    pub request: usize,
    /// Files in one request, counting those inside zips.
    pub files: usize,
    /// Bytes once every zip is unpacked, counted while inflating.
    pub unpacked: u64,
    /// Jobs running at once (0 lets none start: only for testing the queue).
    pub running: usize,
    /// Jobs waiting for a turn; one more is refused (503).
    pub waiting: usize,
    /// Time one job may take from its start (504 after).
    pub job_time: Duration,
    /// How long finished results stay downloadable (in memory only).
    pub keep: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            request: 200 * 1024 * 1024,
            files: 2000,
            unpacked: 1024 * 1024 * 1024,
            running: std::thread::available_parallelism().map_or(1, |n| n.get().div_ceil(2)),
            waiting: 32,
            job_time: Duration::from_secs(300),
            keep: Duration::from_secs(30 * 60),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    /// Access token; when set, every page but the login asks for it (cookie, form
    /// field `ma_truy_cap` or header `X-Ma-Truy-Cap`).
    pub token: Option<String>,
    /// Where each job's temporary folder is made (the system's temp folder by default).
    pub temp_root: PathBuf,
    pub limits: Limits,
    /// LibreOffice, when found: PDF is offered only then.
    pub soffice: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            token: None,
            temp_root: std::env::temp_dir(),
            limits: Limits::default(),
            soffice: crate::write::pdf::find(None).ok(),
        }
    }
}

/// Why a request is refused: the status and the Vietnamese sentence shown.
#[derive(Clone, Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
}

impl Refusal {
    fn new(status: StatusCode, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            message: message.into(),
        }
    }
    fn request_too_large(limit: usize) -> Refusal {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "Tệp gửi lên quá lớn: mỗi lần gửi tối đa {}. Hãy chia thư mục thành nhiều lần gửi.",
                size(limit as u64)
            ),
        )
    }
    fn too_many_files(limit: usize) -> Refusal {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            format!("Quá nhiều tệp trong một lần gửi: tối đa {limit} tệp (kể cả các tệp trong tệp .zip)."),
        )
    }
    fn unpacked_too_large(limit: u64) -> Refusal {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "Các tệp sau khi giải nén quá lớn: tối đa {} mỗi lần gửi. Tệp .zip có thể bị hỏng hoặc chứa dữ liệu bất thường.",
                size(limit)
            ),
        )
    }
    /// The zip crate's reason is English and says nothing a clerk can act on.
    fn bad_zip(shown: &str) -> Refusal {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            format!("Không giải nén được «{shown}»: tệp .zip bị hỏng, chưa tải về trọn vẹn hoặc không phải tệp .zip. Hãy nén lại thư mục các bảng tính (trong Windows: bấm chuột phải vào thư mục → «Gửi tới» → «Thư mục nén») rồi gửi lại."),
        )
    }
    fn unsafe_name(shown: &str, name: &str) -> Refusal {
        let printable: String = name.chars().map(|c| if c.is_control() { '?' } else { c }).collect();
        Refusal::new(
            StatusCode::BAD_REQUEST,
            format!("Tệp «{shown}» chứa tên tệp không an toàn «{printable}» (đường dẫn tuyệt đối, «..» hoặc ký tự điều khiển); không nhận tệp này."),
        )
    }
    fn no_files() -> Refusal {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "Chưa chọn tệp nào: hãy chọn một hoặc nhiều tệp bảng tính (.xlsx, .xls, .ods) hoặc một tệp .zip của thư mục.",
        )
    }
    fn queue_full() -> Refusal {
        Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Máy chủ đang bận: hàng đợi đã đầy. Hãy thử lại sau ít phút.",
        )
    }
    /// The system's own words (English) go to the administrator's console, not to
    /// the clerk.
    fn internal(e: impl std::fmt::Display) -> Refusal {
        eprintln!("Lỗi của máy chủ khi lưu tệp tạm: {e}");
        Refusal::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Lỗi của máy chủ khi lưu tệp tạm (đĩa đầy hoặc không có quyền ghi); hãy báo người quản trị: chi tiết ở cửa sổ chạy máy chủ.",
        )
    }
    fn body(e: axum::extract::multipart::MultipartError, limit: usize) -> Refusal {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Refusal::request_too_large(limit)
        } else {
            Refusal::new(
                StatusCode::BAD_REQUEST,
                "Không nhận được trọn vẹn các tệp gửi lên (đường truyền bị ngắt hoặc trình duyệt gửi sai); hãy gửi lại.",
            )
        }
    }
}

fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MB", bytes / (1024 * 1024))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

struct App {
    config: Config,
    jobs: Jobs,
    pages: page::Pages,
}

type Shared = Arc<App>;

/// The page's routes, ready to serve (also driven directly by the tests).
pub fn router(config: Config) -> Router {
    let limit = config.limits.request;
    let app = Arc::new(App {
        jobs: Jobs::new(config.limits),
        pages: page::Pages::new(&config.limits),
        config,
    });
    Router::new()
        .route("/", get(home))
        .route("/kieu.css", get(stylesheet))
        .route("/dang-nhap", post(login))
        .route("/lap", post(upload))
        .route("/viec/{id}", get(job_page))
        .route("/viec/{id}/tien-do", get(progress))
        .route("/viec/{id}/xem/{index}", get(preview))
        .route("/viec/{id}/tai/{index}", get(download_one))
        .route("/viec/{id}/tai-tat-ca", get(download_all))
        .fallback(not_found)
        .layer(DefaultBodyLimit::disable())
        .layer(tower_http::limit::RequestBodyLimitLayer::new(limit))
        .layer(axum::middleware::map_response_with_state(app.clone(), in_vietnamese))
        .with_state(app)
}

/// The body limit's own 413 (a request whose Content-Length is over it) is bare
/// English; it gets the page's message.
async fn in_vietnamese(State(app): State<Shared>, response: Response) -> Response {
    let bare = !response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && bare {
        return refuse(&app, Refusal::request_too_large(app.config.limits.request));
    }
    response
}

/// Serve until Ctrl-C.
pub async fn serve(addr: std::net::SocketAddr, config: Config) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, router(config))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

// ---------------------------------------------------------------- access token

const TOKEN_COOKIE: &str = "ma_truy_cap";

enum Access {
    Granted,
    /// No token given: 401 and the login form.
    Missing,
    /// A wrong one: 403.
    Wrong,
}

fn same(a: &str, b: &str) -> bool {
    // Length and every byte, without an early exit on the first difference.
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn access(app: &App, headers: &HeaderMap) -> Access {
    let Some(expected) = &app.config.token else {
        return Access::Granted;
    };
    let from_header = headers
        .get("x-ma-truy-cap")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let from_cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| {
            c.trim()
                .strip_prefix(TOKEN_COOKIE)?
                .strip_prefix('=')
                .map(str::to_string)
        })
        .next();
    match from_header.or(from_cookie) {
        None => Access::Missing,
        Some(given) if same(&given, expected) => Access::Granted,
        Some(_) => Access::Wrong,
    }
}

fn denied(app: &App, how: Access) -> Option<Response> {
    match how {
        Access::Granted => None,
        Access::Missing => Some(app.pages.login(StatusCode::UNAUTHORIZED, None)),
        Access::Wrong => Some(app.pages.login(
            StatusCode::FORBIDDEN,
            Some("Mã truy cập không đúng. Hãy hỏi người quản trị máy chủ."),
        )),
    }
}

#[derive(serde::Deserialize)]
struct LoginForm {
    ma_truy_cap: String,
}

async fn login(State(app): State<Shared>, axum::Form(form): axum::Form<LoginForm>) -> Response {
    match &app.config.token {
        Some(expected) if same(&form.ma_truy_cap, expected) => {
            let mut response = Redirect::to("/").into_response();
            let cookie = format!("{TOKEN_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/", form.ma_truy_cap);
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            response
        }
        Some(_) => app.pages.login(
            StatusCode::FORBIDDEN,
            Some("Mã truy cập không đúng. Hãy hỏi người quản trị máy chủ."),
        ),
        None => Redirect::to("/").into_response(),
    }
}

// ---------------------------------------------------------------- pages

#[derive(serde::Deserialize)]
struct HomeQuery {
    mau: Option<String>,
}

async fn home(
    State(app): State<Shared>,
    headers: HeaderMap,
    query: Result<axum::extract::Query<HomeQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if let Some(r) = denied(&app, access(&app, &headers)) {
        return r;
    }
    // Only an embedded pack's name is ever checked; anything else is ignored.
    let chosen = query
        .ok()
        .and_then(|q| q.0.mau)
        .as_deref()
        .and_then(|m| jobs::PACKS.iter().find(|(name, _)| *name == m))
        .map(|(name, _)| *name);
    app.pages.home(app.config.soffice.is_some(), &app.config.limits, chosen)
}

async fn stylesheet() -> Response {
    let css = format!("{}\n{}", page::CSS, crate::write::html::CSS);
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], css).into_response()
}

async fn not_found(State(app): State<Shared>) -> Response {
    app.pages
        .error(StatusCode::NOT_FOUND, "Không có trang này. Hãy quay lại trang chủ.")
}

fn refuse(app: &App, refusal: Refusal) -> Response {
    let mut response = app.pages.error(refusal.status, &refusal.message);
    if refusal.status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
    }
    response
}

/// POST /lap: the files go into a fresh temporary folder, the job is queued and the
/// client is sent to its page.
async fn upload(
    State(app): State<Shared>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    if let Some(r) = denied(&app, access(&app, &headers)) {
        return r;
    }
    // Refused before a byte is read when the queue is full.
    if app.jobs.waiting() >= app.config.limits.waiting {
        return refuse(&app, Refusal::queue_full());
    }
    let Ok(multipart) = multipart else {
        return refuse(&app, Refusal::no_files());
    };
    match receive(&app, multipart).await {
        Ok(received) => match app.jobs.submit(received, app.config.soffice.clone()) {
            Ok(id) => Redirect::to(&format!("/viec/{id}")).into_response(),
            Err(refusal) => refuse(&app, refusal),
        },
        Err(refusal) => refuse(&app, refusal),
    }
}

/// An upload on disk, waiting for its turn. Dropping it removes the folder.
pub(crate) struct Received {
    pub dir: tempfile::TempDir,
    pub inputs: PathBuf,
    pub pack: Option<PathBuf>,
    /// One of the embedded packs, chosen on the page (never a path); none: chosen
    /// by the workbooks' report year.
    pub builtin: Option<&'static str>,
    /// A summary for each sub-folder too (`batch --nhom thu-muc`).
    pub by_folder: bool,
    pub formats: Vec<crate::write::OutputFormat>,
}

async fn receive(app: &App, mut multipart: Multipart) -> Result<Received, Refusal> {
    let limits = app.config.limits;
    let dir = tempfile::Builder::new()
        .prefix("baocao-web-")
        .tempdir_in(&app.config.temp_root)
        .map_err(Refusal::internal)?;
    let inputs = dir.path().join("vao");
    let raw = dir.path().join("tai-len");
    std::fs::create_dir(&inputs).map_err(Refusal::internal)?;
    std::fs::create_dir(&raw).map_err(Refusal::internal)?;
    let mut gathered = upload::Gathered::new(inputs.clone(), limits);
    let mut zips = Vec::new();
    let mut pack = None;
    let mut builtin = None;
    let mut by_folder = false;
    let mut formats = Vec::new();
    let mut received_bytes = 0usize;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| Refusal::body(e, limits.request))?
    {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "dinh_dang" => {
                let text = field.text().await.map_err(|e| Refusal::body(e, limits.request))?;
                if let Some(f) = crate::write::OutputFormat::parse(&text) {
                    if !formats.contains(&f) {
                        formats.push(f);
                    }
                }
            }
            "nhom" => {
                let text = field.text().await.map_err(|e| Refusal::body(e, limits.request))?;
                by_folder = text.trim() == "thu-muc";
            }
            "mau_co_san" => {
                // «tu-dong» (or anything else): chosen from the workbooks' year.
                let text = field.text().await.map_err(|e| Refusal::body(e, limits.request))?;
                builtin = crate::template::Pack::builtin_names().find(|n| *n == text.trim());
            }
            "tep" | "mau" => {
                let Some(client_name) = field.file_name().map(str::to_string) else {
                    continue;
                };
                if client_name.is_empty() {
                    continue; // an empty file input
                }
                let Some(safe) = safe_name(&client_name) else {
                    return Err(Refusal::unsafe_name(&client_name, &client_name));
                };
                let lower = safe.to_lowercase();
                let is_zip = lower.ends_with(".zip");
                let (path, file) = if name == "mau" {
                    let ext = if is_zip {
                        "zip"
                    } else if lower.ends_with(".odt") {
                        "odt"
                    } else {
                        "docx"
                    };
                    let path = raw.join(format!("mau.{ext}"));
                    let file = std::fs::File::create(&path).map_err(Refusal::internal)?;
                    (path, file)
                } else if is_zip {
                    let path = raw.join(format!("{}.zip", zips.len()));
                    let file = std::fs::File::create(&path).map_err(Refusal::internal)?;
                    (path, file)
                } else {
                    gathered.create(&safe)?
                };
                let mut file = tokio::fs::File::from_std(file);
                while let Some(chunk) = field.chunk().await.map_err(|e| Refusal::body(e, limits.request))? {
                    received_bytes += chunk.len();
                    if received_bytes > limits.request {
                        return Err(Refusal::request_too_large(limits.request));
                    }
                    if name == "tep" && !is_zip {
                        gathered.count(chunk.len() as u64)?;
                    }
                    file.write_all(&chunk).await.map_err(Refusal::internal)?;
                }
                file.flush().await.map_err(Refusal::internal)?;
                if name == "mau" {
                    pack = Some((path, is_zip));
                } else if is_zip {
                    zips.push((path, safe));
                }
            }
            _ => {}
        }
    }
    if formats.is_empty() {
        formats.push(crate::write::OutputFormat::Docx);
    }
    // Unpacking is blocking work; the folder comes back with it, or is removed there.
    let unpacked = tokio::task::spawn_blocking(move || -> Result<_, Refusal> {
        for (zip, shown) in &zips {
            gathered.unpack_zip(zip, shown)?;
            let _ = std::fs::remove_file(zip);
        }
        if gathered.files == 0 {
            return Err(Refusal::no_files());
        }
        let pack = match pack {
            Some((path, true)) => {
                let pack_dir = path.with_extension("");
                upload::unpack_pack(&path, &pack_dir, limits)?;
                Some(pack_dir)
            }
            Some((path, false)) => Some(path),
            None => None,
        };
        Ok((dir, pack))
    })
    .await
    .map_err(Refusal::internal)??;
    let (dir, pack) = unpacked;
    Ok(Received {
        dir,
        inputs,
        pack,
        builtin,
        by_folder,
        formats,
    })
}

async fn job_page(State(app): State<Shared>, headers: HeaderMap, UrlPath(id): UrlPath<String>) -> Response {
    if let Some(r) = denied(&app, access(&app, &headers)) {
        return r;
    }
    let Some(job) = app.jobs.get(&id) else {
        return gone(&app);
    };
    let phase = job.phase();
    match phase {
        Phase::Waiting => app.pages.waiting(&id, Some(app.jobs.position(&job)), None),
        Phase::Running { done, total, pdfs } => app.pages.waiting(&id, None, Some((done, total, pdfs))),
        Phase::Failed(refusal) => refuse(&app, refusal),
        Phase::Done(result) => app.pages.result(&id, &result),
    }
}

/// The job's state as JSON, for a page or program that polls without reloading:
/// `{"trang_thai": "cho" | "dang_lap" | "xong" | "loi", …}`.
async fn progress(State(app): State<Shared>, headers: HeaderMap, UrlPath(id): UrlPath<String>) -> Response {
    if let Some(r) = denied(&app, access(&app, &headers)) {
        return r;
    }
    let Some(job) = app.jobs.get(&id) else {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({ "trang_thai": "khong_co" })),
        )
            .into_response();
    };
    let state = match job.phase() {
        Phase::Waiting => serde_json::json!({ "trang_thai": "cho", "vi_tri": app.jobs.position(&job) }),
        Phase::Running { done, total, pdfs } => {
            serde_json::json!({ "trang_thai": "dang_lap", "xong": done, "tong": total, "pdf_xong": pdfs })
        }
        Phase::Failed(refusal) => serde_json::json!({
            "trang_thai": "loi",
            "ma": refusal.status.as_u16(),
            "thong_bao": refusal.message,
        }),
        Phase::Done(result) => serde_json::json!({
            "trang_thai": "xong",
            "da_lap": result.written,
            "tong": result.items.len(),
        }),
    };
    axum::Json(state).into_response()
}

fn gone(app: &App) -> Response {
    app.pages.error(
        StatusCode::NOT_FOUND,
        "Không tìm thấy kết quả này: kết quả chỉ được giữ trong bộ nhớ một thời gian ngắn rồi xóa. Hãy gửi lại tệp.",
    )
}

async fn preview(
    State(app): State<Shared>,
    headers: HeaderMap,
    UrlPath((id, index)): UrlPath<(String, usize)>,
) -> Response {
    if let Some(r) = denied(&app, access(&app, &headers)) {
        return r;
    }
    match app.jobs.finished(&id) {
        Some(result) if index < result.items.len() => app.pages.preview(&id, &result, index),
        _ => gone(&app),
    }
}

fn attachment(name: &str, mime: &'static str, bytes: Vec<u8>) -> Response {
    // Names are our own ASCII slugs; quoted all the same.
    let disposition = format!("attachment; filename=\"{}\"", name.replace('"', ""));
    let mut response = ([(header::CONTENT_TYPE, mime)], bytes).into_response();
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

async fn download_one(
    State(app): State<Shared>,
    headers: HeaderMap,
    UrlPath((id, index)): UrlPath<(String, usize)>,
) -> Response {
    if let Some(r) = denied(&app, access(&app, &headers)) {
        return r;
    }
    let Some(result) = app.jobs.finished(&id) else {
        return gone(&app);
    };
    match result.file(index) {
        Some((file, bytes)) => attachment(file.name.rsplit('/').next().unwrap_or_default(), file.mime(), bytes),
        None => gone(&app),
    }
}

async fn download_all(State(app): State<Shared>, headers: HeaderMap, UrlPath(id): UrlPath<String>) -> Response {
    if let Some(r) = denied(&app, access(&app, &headers)) {
        return r;
    }
    match app.jobs.finished(&id) {
        Some(result) => attachment(&result.zip_name, "application/zip", result.zip.clone()),
        None => gone(&app),
    }
}
