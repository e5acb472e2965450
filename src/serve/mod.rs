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
    /// Bytes of reports one job may make (written and kept); over it the job stops
    /// and is refused (413).
    pub job_output: u64,
    /// Bytes of every finished result kept at once; the oldest results go first.
    pub kept_output: u64,
    /// Connections open at once, and from one address; one more is answered 503
    /// and closed at once.
    pub connections: usize,
    pub connections_per_client: usize,
    /// Time a client has to send a request's headers.
    pub header_time: Duration,
    /// Time an upload may go without a byte, and the time a whole upload may take
    /// (408 after either; its temporary folder is removed).
    pub body_idle: Duration,
    pub upload_time: Duration,
    /// The pause before answering a wrong access token, grown by each recent wrong one.
    pub token_pause: Duration,
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
            job_output: 256 * 1024 * 1024,
            kept_output: 1024 * 1024 * 1024,
            connections: 512,
            connections_per_client: 64,
            header_time: Duration::from_secs(10),
            body_idle: Duration::from_secs(30),
            upload_time: Duration::from_secs(15 * 60),
            token_pause: Duration::from_millis(250),
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
    /// LibreOffice, when found: it makes the PDFs, as before the in-process writer;
    /// without it PDFs are laid out in-process, and a filled form's PDF is refused.
    pub soffice: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            token: None,
            temp_root: std::env::temp_dir(),
            limits: Limits::default(),
            soffice: crate::write::libreoffice::find(None).ok(),
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
    pub(crate) fn output_too_large(limit: u64) -> Refusal {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "Kết quả quá lớn: mỗi lần gửi được lập tối đa {} báo cáo (thường do mẫu báo cáo riêng chứa ảnh hoặc tệp nhúng rất lớn, chép vào từng báo cáo). Hãy thu nhỏ mẫu hoặc gửi ít tệp hơn mỗi lần.",
                size(limit)
            ),
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
    fn stalled(limits: &Limits, idle: bool) -> Refusal {
        let said = if idle {
            format!("không nhận thêm được gì trong {} giây", limits.body_idle.as_secs())
        } else {
            format!("chưa gửi xong sau {} phút", limits.upload_time.as_secs().div_ceil(60))
        };
        Refusal::new(
            StatusCode::REQUEST_TIMEOUT,
            format!("Các tệp gửi lên {said} (đường truyền quá chậm hoặc bị ngắt); đã bỏ phần đã nhận. Hãy gửi lại."),
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
    throttle: Throttle,
}

type Shared = Arc<App>;

/// The page's routes, ready to serve (also driven directly by the tests).
pub fn router(config: Config) -> Router {
    build(config).0
}

fn build(config: Config) -> (Router, Shared) {
    let limit = config.limits.request;
    let app = Arc::new(App {
        jobs: Jobs::new(config.limits),
        pages: page::Pages::new(&config.limits),
        throttle: Throttle::default(),
        config,
    });
    let router = Router::new()
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
        // One check of the token for every route, the fallback and any route added
        // later: no handler has to remember it.
        .layer(axum::middleware::from_fn_with_state(app.clone(), guard))
        .layer(axum::middleware::map_response_with_state(app.clone(), in_vietnamese))
        .with_state(app.clone());
    (router, app)
}

/// Answers that axum or tower make on their own (a body over the limit, an address
/// that does not parse, a form that does not deserialize, a wrong method) are bare
/// English; they get the page's Vietnamese.
async fn in_vietnamese(State(app): State<Shared>, response: Response) -> Response {
    let kind = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let ours = kind.starts_with("text/html") || kind.starts_with("application/json");
    let status = response.status();
    if ours || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => return refuse(&app, Refusal::request_too_large(app.config.limits.request)),
        StatusCode::NOT_FOUND => "Không có trang này. Hãy quay lại trang chủ.",
        StatusCode::METHOD_NOT_ALLOWED => "Trang này không nhận kiểu yêu cầu này. Hãy mở trang chủ và dùng các nút trên trang.",
        StatusCode::UNSUPPORTED_MEDIA_TYPE | StatusCode::UNPROCESSABLE_ENTITY => {
            "Dữ liệu biểu mẫu gửi lên không đúng (thiếu ô hoặc sai kiểu). Hãy mở lại trang chủ và gửi lại bằng biểu mẫu trên trang."
        }
        StatusCode::BAD_REQUEST => "Địa chỉ trang không đúng (có thể bị cắt hoặc gõ nhầm). Hãy mở lại trang chủ và dùng các liên kết trên trang.",
        StatusCode::REQUEST_TIMEOUT => "Trình duyệt gửi yêu cầu quá chậm; hãy thử lại.",
        _ if status.is_server_error() => "Lỗi của máy chủ; hãy thử lại sau hoặc báo người quản trị.",
        _ => "Yêu cầu không hợp lệ. Hãy mở lại trang chủ.",
    };
    refuse(&app, Refusal::new(status, message))
}

/// Ctrl-C or SIGTERM; on Windows also the console window being closed, which leaves
/// the program a few seconds to clean up.
pub async fn stop_signal() {
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(windows)]
    let term = async {
        match tokio::signal::windows::ctrl_close() {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(any(unix, windows)))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

/// Serve on a listener until `stop`: each connection has `Limits::header_time` to
/// send its headers, and beyond `Limits::connections` (or
/// `Limits::connections_per_client` from one address) a connection is answered 503
/// and closed, so slow or half-sent requests cannot take the page down. On `stop`,
/// jobs are cancelled, open requests get a few seconds, and whatever is left is
/// dropped with its temporary folder.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    config: Config,
    stop: impl std::future::Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let limits = config.limits;
    let (router, app) = build(config);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let open = Arc::new(Connections::default());
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(x) => x,
                // Out of file descriptors and the like: wait, do not spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        while tasks.try_join_next().is_some() {}
        let Some(slot) = open.take(peer.ip(), &limits) else {
            tasks.spawn(busy(stream));
            continue;
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: axum::extract::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            tower::ServiceExt::oneshot(router.clone(), request)
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(limits.header_time)
            .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tasks.spawn(async move {
            let _slot = slot;
            let _ = connection.await;
        });
    }
    drop(listener);
    eprintln!("Đang dừng máy chủ: dừng các việc đang lập và xóa tệp tạm.");
    app.jobs.cancel_all();
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(Duration::from_secs(5)) => {}
    }
    // Connections still open (a stalled upload) end here, their folders with them.
    tasks.shutdown().await;
    Ok(())
}

/// Connections open, in all and by address.
#[derive(Default)]
struct Connections {
    by_client: std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>,
}

struct ConnectionSlot {
    open: Arc<Connections>,
    client: std::net::IpAddr,
}

impl Connections {
    fn take(self: &Arc<Self>, client: std::net::IpAddr, limits: &Limits) -> Option<ConnectionSlot> {
        let mut by_client = self.by_client.lock().unwrap_or_else(|e| e.into_inner());
        let total: usize = by_client.values().sum();
        let mine = by_client.get(&client).copied().unwrap_or(0);
        if total >= limits.connections || mine >= limits.connections_per_client {
            return None;
        }
        *by_client.entry(client).or_default() += 1;
        Some(ConnectionSlot {
            open: self.clone(),
            client,
        })
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut by_client = self.open.by_client.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = by_client.get_mut(&self.client) {
            *n -= 1;
            if *n == 0 {
                by_client.remove(&self.client);
            }
        }
    }
}

/// A connection over the cap: a short 503 in Vietnamese, then closed.
async fn busy(mut stream: tokio::net::TcpStream) {
    let body = "Máy chủ đang bận: quá nhiều kết nối cùng lúc. Hãy thử lại sau ít phút.";
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: 30\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(2), stream.write_all(answer.as_bytes())).await;
}

// ---------------------------------------------------------------- access token

const TOKEN_COOKIE: &str = "ma_truy_cap";

/// Why a token cannot be used, said at start-up; None when it can. Any other token
/// works: the cookie carries it percent-encoded (Vietnamese letters, «;», spaces).
pub fn token_problem(token: &str) -> Option<String> {
    if token.is_empty() {
        Some("mã truy cập rỗng: hãy đặt một mã, hoặc bỏ tùy chọn --ma-truy-cap".into())
    } else if token.chars().any(char::is_control) {
        Some("mã truy cập chứa ký tự điều khiển (xuống dòng, tab…) nên không gõ được trên trang".into())
    } else if token.trim() != token {
        Some("mã truy cập có dấu cách ở đầu hoặc cuối, người dùng dễ gõ thiếu; hãy bỏ các dấu cách đó".into())
    } else {
        None
    }
}

/// Every byte but letters, digits and `-._~` as %XX: a cookie value of plain ASCII.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

enum Access {
    Granted,
    /// No token given: 401 and the login form.
    Missing,
    /// A wrong one: 403.
    Wrong,
}

fn same(a: &[u8], b: &[u8]) -> bool {
    // Length and every byte, without an early exit on the first difference.
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn access(expected: &str, headers: &HeaderMap) -> Access {
    // The header as sent (UTF-8 bytes) or percent-encoded, as programs find easier.
    let from_header = headers.get("x-ma-truy-cap").map(|v| {
        let raw = v.as_bytes();
        same(raw, expected.as_bytes())
            || std::str::from_utf8(raw)
                .ok()
                .and_then(percent_decode)
                .is_some_and(|d| same(d.as_bytes(), expected.as_bytes()))
    });
    let from_cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix(TOKEN_COOKIE)?.strip_prefix('='))
        .map(|v| percent_decode(v).is_some_and(|d| same(d.as_bytes(), expected.as_bytes())))
        .next();
    match from_header.or(from_cookie) {
        None => Access::Missing,
        Some(true) => Access::Granted,
        Some(false) => Access::Wrong,
    }
}

/// Wrong tokens, counted over the last ten minutes: each is answered after a pause
/// that grows with them, one at a time, and logged on the console.
#[derive(Default)]
struct Throttle {
    recent: std::sync::Mutex<(u32, Option<std::time::Instant>)>,
    one_at_a_time: tokio::sync::Mutex<()>,
}

impl Throttle {
    async fn wrong(&self, app: &App, client: Option<std::net::SocketAddr>) -> Response {
        let n = {
            let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            if recent.1.is_some_and(|t| t.elapsed() > Duration::from_secs(600)) {
                recent.0 = 0;
            }
            recent.0 += 1;
            recent.1 = Some(std::time::Instant::now());
            recent.0
        };
        let from = client.map_or_else(|| "không rõ địa chỉ".to_string(), |c| c.ip().to_string());
        eprintln!("Mã truy cập sai từ {from} (lần thứ {n} trong 10 phút gần đây).");
        let pause = (app.config.limits.token_pause * n).min(Duration::from_secs(5));
        let _turn = self.one_at_a_time.lock().await;
        tokio::time::sleep(pause).await;
        app.pages.login(
            StatusCode::FORBIDDEN,
            Some("Mã truy cập không đúng. Hãy hỏi người quản trị máy chủ."),
        )
    }
}

/// The token, checked once for every request but the login and the stylesheet.
async fn guard(State(app): State<Shared>, request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let Some(expected) = &app.config.token else {
        return next.run(request).await;
    };
    let path = request.uri().path();
    if path == "/dang-nhap" || path == "/kieu.css" {
        return next.run(request).await;
    }
    match access(expected, request.headers()) {
        Access::Granted => next.run(request).await,
        Access::Missing => app.pages.login(StatusCode::UNAUTHORIZED, None),
        Access::Wrong => {
            let client = client_of(request.extensions());
            app.throttle.wrong(&app, client).await
        }
    }
}

fn client_of(extensions: &axum::http::Extensions) -> Option<std::net::SocketAddr> {
    extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0)
}

#[derive(serde::Deserialize)]
struct LoginForm {
    ma_truy_cap: String,
}

async fn login(
    State(app): State<Shared>,
    extensions: axum::http::Extensions,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    match &app.config.token {
        Some(expected) if same(form.ma_truy_cap.as_bytes(), expected.as_bytes()) => {
            let mut response = Redirect::to("/").into_response();
            let cookie = format!(
                "{TOKEN_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/",
                percent_encode(&form.ma_truy_cap)
            );
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            response
        }
        Some(_) => app.throttle.wrong(&app, client_of(&extensions)).await,
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
    query: Result<axum::extract::Query<HomeQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    // Only an embedded pack's name is ever checked; anything else is ignored.
    let chosen = query
        .ok()
        .and_then(|q| q.0.mau)
        .as_deref()
        .and_then(|m| jobs::PACKS.iter().find(|(name, _)| *name == m))
        .map(|(name, _)| *name);
    app.pages.home(&app.config.limits, chosen)
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
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    // An upload in flight holds a place in the queue: refused before a byte is read
    // when the queue is full, counting the uploads still arriving.
    let Some(place) = app.jobs.reserve() else {
        return refuse(&app, Refusal::queue_full());
    };
    let Ok(multipart) = multipart else {
        return refuse(&app, Refusal::no_files());
    };
    let limits = app.config.limits;
    let received = match tokio::time::timeout(limits.upload_time, receive(&app, multipart)).await {
        Ok(received) => received,
        Err(_) => Err(Refusal::stalled(&limits, false)),
    };
    match received {
        Ok(received) => {
            let id = app.jobs.submit(received, app.config.soffice.clone(), place);
            Redirect::to(&format!("/viec/{id}")).into_response()
        }
        Err(refusal) => refuse(&app, refusal),
    }
}

/// The next part of an upload, within `Limits::body_idle`.
async fn next<T>(
    limits: &Limits,
    part: impl std::future::Future<Output = Result<T, axum::extract::multipart::MultipartError>>,
) -> Result<T, Refusal> {
    match tokio::time::timeout(limits.body_idle, part).await {
        Ok(result) => result.map_err(|e| Refusal::body(e, limits.request)),
        Err(_) => Err(Refusal::stalled(limits, true)),
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
    while let Some(mut field) = next(&limits, multipart.next_field()).await? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "dinh_dang" => {
                let text = next(&limits, field.text()).await?;
                if let Some(f) = crate::write::OutputFormat::parse(&text) {
                    if !formats.contains(&f) {
                        formats.push(f);
                    }
                }
            }
            "nhom" => {
                let text = next(&limits, field.text()).await?;
                by_folder = text.trim() == "thu-muc";
            }
            "mau_co_san" => {
                // «tu-dong» (or anything else): chosen from the workbooks' year.
                let text = next(&limits, field.text()).await?;
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
                while let Some(chunk) = next(&limits, field.chunk()).await? {
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

async fn job_page(State(app): State<Shared>, UrlPath(id): UrlPath<String>) -> Response {
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
async fn progress(State(app): State<Shared>, UrlPath(id): UrlPath<String>) -> Response {
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

async fn preview(State(app): State<Shared>, UrlPath((id, index)): UrlPath<(String, usize)>) -> Response {
    match app.jobs.finished(&id) {
        Some(result) if index < result.items.len() => app.pages.preview(&id, &result, index),
        _ => gone(&app),
    }
}

fn attachment(name: &str, mime: &'static str, bytes: axum::body::Bytes) -> Response {
    // Names are our own ASCII slugs; quoted all the same.
    let disposition = format!("attachment; filename=\"{}\"", name.replace('"', ""));
    let mut response = ([(header::CONTENT_TYPE, mime)], bytes).into_response();
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

async fn download_one(State(app): State<Shared>, UrlPath((id, index)): UrlPath<(String, usize)>) -> Response {
    let Some(result) = app.jobs.finished(&id) else {
        return gone(&app);
    };
    match result.file(index) {
        Some((file, bytes)) => attachment(file.name.rsplit('/').next().unwrap_or_default(), file.mime(), bytes),
        None => gone(&app),
    }
}

async fn download_all(State(app): State<Shared>, UrlPath(id): UrlPath<String>) -> Response {
    match app.jobs.finished(&id) {
        Some(result) => attachment(&result.zip_name, "application/zip", result.zip.clone()),
        None => gone(&app),
    }
}
