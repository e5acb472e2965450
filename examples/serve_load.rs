//! Load on the web page: 20 clients at once, each uploading the 18-commune district
//! (samples/huyen-ba-to as a .zip) over loopback, then polling and downloading the
//! .zip of reports. Prints p50/p95 latency (upload to download done) and the peak
//! memory of the process (server and clients). Bounded: 20 clients, 10 minutes.
//!
//!     cargo run --release --example serve_load

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

const CLIENTS: usize = 20;
const BOUNDARY: &str = "----baocao-tai";

fn district_zip() -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/huyen-ba-to");
    let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for p in paths {
        let name = format!("huyen-ba-to/{}", p.file_name().unwrap().to_string_lossy());
        writer
            .start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(&std::fs::read(&p).unwrap()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() {
    let temp = tempfile::tempdir().unwrap();
    let config = baocao::serve::Config {
        temp_root: temp.path().to_path_buf(),
        ..baocao::serve::Config::default()
    };
    let limits = config.limits;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, baocao::serve::router(config)).await.unwrap() });

    let mut body = Vec::new();
    write!(
        body,
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"tep\"; filename=\"huyen-ba-to.zip\"\r\n\r\n"
    )
    .unwrap();
    body.extend_from_slice(&district_zip());
    write!(body, "\r\n--{BOUNDARY}--\r\n").unwrap();
    let body = Bytes::from(body);
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();

    let started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (client, body) = (client.clone(), body.clone());
            tokio::spawn(async move {
                let t0 = Instant::now();
                let request = hyper::Request::post(format!("http://{addr}/lap"))
                    .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
                    .body(Full::new(body))
                    .unwrap();
                let posted = client.request(request).await.unwrap();
                assert_eq!(posted.status(), 303, "upload refused");
                let job = posted.headers()["location"].to_str().unwrap().to_string();
                loop {
                    let get = hyper::Request::get(format!("http://{addr}{job}/tien-do"))
                        .body(Full::new(Bytes::new()))
                        .unwrap();
                    let state = client
                        .request(get)
                        .await
                        .unwrap()
                        .into_body()
                        .collect()
                        .await
                        .unwrap()
                        .to_bytes();
                    let state: serde_json::Value = serde_json::from_slice(&state).unwrap();
                    match state["trang_thai"].as_str() {
                        Some("xong") => break,
                        Some("loi") => panic!("job failed: {state}"),
                        _ => tokio::time::sleep(Duration::from_millis(100)).await,
                    }
                }
                let get = hyper::Request::get(format!("http://{addr}{job}/tai-tat-ca"))
                    .body(Full::new(Bytes::new()))
                    .unwrap();
                let zip = client
                    .request(get)
                    .await
                    .unwrap()
                    .into_body()
                    .collect()
                    .await
                    .unwrap()
                    .to_bytes();
                let reports = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap().len();
                assert_eq!(reports, 20, "18 reports, the summary and tong-ket.json");
                t0.elapsed()
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        let latency = tokio::time::timeout(Duration::from_secs(600), task)
            .await
            .expect("within 10 minutes")
            .expect("client ok");
        latencies.push(latency);
    }
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1)];
    println!(
        "{CLIENTS} clients × 18 communes, {} job(s) at once: all answered in {:.1} s; latency p50 {:.2} s, p95 {:.2} s; peak RSS {:.0} MB",
        limits.running,
        started.elapsed().as_secs_f64(),
        pct(0.50).as_secs_f64(),
        pct(0.95).as_secs_f64(),
        peak_rss_mb()
    );
    assert_eq!(std::fs::read_dir(temp.path()).unwrap().count(), 0, "temp area empty");
}
