//! Load and soak on the web page over loopback (127.0.0.1 only): many clients for
//! minutes, each sending in turn a district's .zip (18 communes), one workbook, an
//! .odt form with its workbook, one workbook to PDF (LibreOffice's, or in-process without it), a
//! broken .zip, a Word file instead of a workbook and a bad address; each upload is
//! followed to its end and its .zip or file downloaded. A full queue (503) is
//! waited out and counted, as a browser's clerk would try again.
//!
//! Prints p50/p95 of each kind (upload to download done), the counts, the peak
//! memory of the process (server and clients), the temporary files left at the end
//! (must be 0) and whether the page still answers.
//!
//!     cargo run --release --example serve_load
//!     BAOCAO_LOAD_CLIENTS=50 BAOCAO_LOAD_SECONDS=300 cargo run --release --example serve_load

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BOUNDARY: &str = "----baocao-tai";

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn zip_of(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        writer
            .start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn district_zip() -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/huyen-ba-to");
    let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    let files: Vec<(String, Vec<u8>)> = paths
        .iter()
        .map(|p| {
            let name = format!("huyen-ba-to/{}", p.file_name().unwrap().to_string_lossy());
            (name, std::fs::read(p).unwrap())
        })
        .collect();
    zip_of(&files)
}

/// A one-line .odt form: the commune's name.
fn odt_form() -> Vec<u8> {
    let ns = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3""#;
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}><office:body><office:text><text:p>BÁO CÁO XÃ {{{{ tt.ten_xa | upper }}}}</text:p></office:text></office:body></office:document-content>"#
    );
    let styles = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-styles {ns}><office:styles/></office:document-styles>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    writer.start_file("mimetype", stored).unwrap();
    writer.write_all(b"application/vnd.oasis.opendocument.text").unwrap();
    for (name, data) in [
        ("content.xml", content),
        ("styles.xml", styles),
        ("META-INF/manifest.xml", manifest.to_string()),
    ] {
        writer.start_file(name, stored).unwrap();
        writer.write_all(data.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// (field, file name, bytes); a None file name is a text field.
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> Bytes {
    let mut body = Vec::new();
    for (field, file, bytes) in parts {
        write!(body, "--{BOUNDARY}\r\n").unwrap();
        match file {
            Some(name) => write!(
                body,
                "Content-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n\r\n"
            )
            .unwrap(),
            None => write!(body, "Content-Disposition: form-data; name=\"{field}\"\r\n\r\n").unwrap(),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{BOUNDARY}--\r\n").unwrap();
    Bytes::from(body)
}

/// What one kind of request sends and what its end must be.
struct Kind {
    name: &'static str,
    body: Option<Bytes>,
    /// For a job: it ends made («xong», with this many files in its .zip) or refused
    /// («loi» or refused at once with this status).
    expect: Expect,
}

#[derive(Clone, Copy)]
enum Expect {
    Made {
        files: usize,
    },
    Refused {
        status: u16,
    },
    /// A plain GET of this address, answered with this status.
    Get {
        path: &'static str,
        status: u16,
    },
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

/// Requests sent again because the connection closed before any answer (a pooled
/// connection the server was closing as idle); browsers do the same.
static RETRIED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

async fn fetch(client: &HttpClient, request: hyper::Request<Full<Bytes>>) -> (u16, hyper::HeaderMap, Bytes) {
    let (parts, body) = request.into_parts();
    let again = hyper::Request::from_parts(parts.clone(), body.clone());
    let response = match client.request(hyper::Request::from_parts(parts, body)).await {
        Ok(r) => r,
        Err(e) if e.is_connect() || format!("{e:?}").contains("IncompleteMessage") => {
            RETRIED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            client.request(again).await.expect("the page answers")
        }
        Err(e) => panic!("the page answers: {e:?}"),
    };
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, bytes)
}

fn get(addr: std::net::SocketAddr, path: &str) -> hyper::Request<Full<Bytes>> {
    hyper::Request::get(format!("http://{addr}{path}"))
        .body(Full::new(Bytes::new()))
        .unwrap()
}

/// One request of a kind, followed to its end. Err(()) when the queue was full.
async fn once(client: &HttpClient, addr: std::net::SocketAddr, kind: &Kind) -> Result<(), ()> {
    let body = match (&kind.body, kind.expect) {
        (_, Expect::Get { path, status }) => {
            let (got, _, text) = fetch(client, get(addr, path)).await;
            assert_eq!(got, status, "{}: {}", kind.name, String::from_utf8_lossy(&text));
            assert!(
                !String::from_utf8_lossy(&text).contains("Invalid URL"),
                "English refusal"
            );
            return Ok(());
        }
        (Some(body), _) => body.clone(),
        (None, _) => unreachable!("a job has a body"),
    };
    let request = hyper::Request::post(format!("http://{addr}/lap"))
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(Full::new(body))
        .unwrap();
    let (status, headers, text) = fetch(client, request).await;
    if status == 503 {
        return Err(());
    }
    if let Expect::Refused { status: expected } = kind.expect {
        if status != 303 {
            assert_eq!(status, expected, "{}: {}", kind.name, String::from_utf8_lossy(&text));
            return Ok(());
        }
    } else {
        assert_eq!(status, 303, "{}: {}", kind.name, String::from_utf8_lossy(&text));
    }
    let job = headers["location"].to_str().unwrap().to_string();
    loop {
        let (_, _, state) = fetch(client, get(addr, &format!("{job}/tien-do"))).await;
        let state: serde_json::Value = serde_json::from_slice(&state).unwrap();
        match (state["trang_thai"].as_str(), kind.expect) {
            (Some("xong"), Expect::Made { files }) => {
                let (status, _, zip) = fetch(client, get(addr, &format!("{job}/tai-tat-ca"))).await;
                assert_eq!(status, 200);
                let found = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap().len();
                assert_eq!(found, files, "{}", kind.name);
                let (status, _, one) = fetch(client, get(addr, &format!("{job}/tai/0"))).await;
                assert_eq!(status, 200);
                assert!(!one.is_empty());
                return Ok(());
            }
            (Some("loi"), Expect::Refused { status }) => {
                assert_eq!(state["ma"], status, "{}: {state}", kind.name);
                return Ok(());
            }
            (Some("xong" | "loi"), _) => panic!("{}: {state}", kind.name),
            _ => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

fn files_below(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        1 + files_below(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let clients = setting("BAOCAO_LOAD_CLIENTS", 50) as usize;
    let seconds = setting("BAOCAO_LOAD_SECONDS", 300);
    let temp = tempfile::tempdir().unwrap();
    let config = baocao::serve::Config {
        temp_root: temp.path().to_path_buf(),
        ..baocao::serve::Config::default()
    };
    let limits = config.limits;
    let libreoffice = config.soffice.is_some();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(baocao::serve::serve_on(listener, config, async {
        let _ = stopped.await;
    }));

    let ba_thanh = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/Ba Thành.xlsx")).unwrap();
    let mut kinds = vec![
        Kind {
            name: "district .zip (18 communes)",
            body: Some(multipart(&[("tep", Some("huyen-ba-to.zip"), &district_zip())])),
            expect: Expect::Made { files: 20 },
        },
        Kind {
            name: "one workbook",
            body: Some(multipart(&[("tep", Some("Ba Thành.xlsx"), &ba_thanh)])),
            expect: Expect::Made { files: 2 },
        },
        Kind {
            name: ".odt form + workbook",
            body: Some(multipart(&[
                ("tep", Some("Ba Thành.xlsx"), &ba_thanh),
                ("mau", Some("mau.odt"), &odt_form()),
            ])),
            expect: Expect::Made { files: 2 },
        },
        Kind {
            name: "broken .zip",
            body: Some(multipart(&[("tep", Some("hong.zip"), b"PK\x03\x04 hong")])),
            expect: Expect::Refused { status: 400 },
        },
        Kind {
            name: "Word file instead of a workbook",
            body: Some(multipart(&[("tep", Some("bao-cao.docx"), b"PK\x03\x04 khong phai")])),
            expect: Expect::Refused { status: 400 },
        },
        Kind {
            name: "bad address",
            body: None,
            expect: Expect::Get {
                path: "/viec/abc/xem/khong-phai-so",
                status: 400,
            },
        },
    ];
    kinds.push(Kind {
        name: "one workbook to PDF",
        body: Some(multipart(&[
            ("tep", Some("Ba Thành.xlsx"), &ba_thanh),
            ("dinh_dang", None, b"docx"),
            ("dinh_dang", None, b"pdf"),
        ])),
        expect: Expect::Made { files: 3 },
    });
    let kinds = Arc::new(kinds);
    // Idle connections are closed before the server's 10 s for headers ends them.
    let client: HttpClient = Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(5))
        .build_http();
    let latencies: Arc<Mutex<BTreeMap<&'static str, Vec<Duration>>>> = Arc::default();
    let busy = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let (client, kinds, latencies, busy) = (client.clone(), kinds.clone(), latencies.clone(), busy.clone());
            tokio::spawn(async move {
                let mut turn = c;
                while Instant::now() < until {
                    let kind = &kinds[turn % kinds.len()];
                    let t0 = Instant::now();
                    match once(&client, addr, kind).await {
                        Ok(()) => latencies
                            .lock()
                            .unwrap()
                            .entry(kind.name)
                            .or_default()
                            .push(t0.elapsed()),
                        Err(()) => {
                            busy.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_secs(1)).await;
                            continue; // the same kind again, as a clerk would
                        }
                    }
                    turn += 1;
                }
            })
        })
        .collect();
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(seconds + 900), task)
            .await
            .expect("every client ends")
            .expect("client ok");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let (status, _, _) = fetch(&client, get(addr, "/")).await;
    println!(
        "{clients} clients for {elapsed:.0} s over 127.0.0.1, {} job(s) at once, {} waiting at most; PDF: {}",
        limits.running,
        limits.waiting,
        if libreoffice {
            "through LibreOffice"
        } else {
            "in-process"
        }
    );
    let mut all: Vec<Duration> = Vec::new();
    let pct = |v: &[Duration], p: f64| v[((v.len() as f64 * p).ceil() as usize).saturating_sub(1)].as_secs_f64();
    for (name, v) in latencies.lock().unwrap().iter_mut() {
        v.sort();
        all.extend(v.iter().copied());
        println!(
            "  {name:34} {:5} done, p50 {:6.2} s, p95 {:6.2} s",
            v.len(),
            pct(v, 0.5),
            pct(v, 0.95)
        );
    }
    all.sort();
    if !all.is_empty() {
        println!(
            "  {:34} {:5} done, p50 {:6.2} s, p95 {:6.2} s",
            "all",
            all.len(),
            pct(&all, 0.5),
            pct(&all, 0.95)
        );
    }
    println!(
        "  queue full (503, tried again after 1 s): {}",
        busy.load(std::sync::atomic::Ordering::SeqCst)
    );
    println!(
        "  sent again after a connection closed unanswered: {}",
        RETRIED.load(std::sync::atomic::Ordering::SeqCst)
    );
    println!("  peak RSS (server and clients): {:.0} MB", peak_rss_mb());
    println!("  the page still answers: {status}");
    drop(stop);
    server.await.unwrap().unwrap();
    let left = files_below(temp.path());
    println!("  temporary files and folders left: {left}");
    assert_eq!(status, 200);
    assert_eq!(left, 0, "temp area empty");
}
