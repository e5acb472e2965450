//! The web page in a real headless Chromium, over WebDriver (Debian's `chromium`
//! and `chromium-driver`): a district's folder as a .zip gives 18 reports, a preview
//! and a .zip to download; a damaged workbook among good ones is named by its cell
//! while the others come out. Without Chromium the test says so and passes, except
//! under CI, where it fails.
//!
//! A province's .zip with sub-folders and a damaged workbook: the clerk asks for
//! per-folder summaries, reads the error at the top, opens a preview on a 400 px
//! phone (no horizontal scroll, the letterhead and the title whole) and downloads
//! everything.
//!
//! `BAOCAO_CHUP_ANH=1` also writes the user guide's screenshots into docs/anh/.

mod common;

use baocao::serve::{router, Config, Limits};
use common::sample;
use fantoccini::{Client, ClientBuilder, Locator};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn find(program: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// chromedriver, ended with the test.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn browser(downloads: &Path, profile: &Path) -> Option<(Driver, Client)> {
    let (Some(driver), Some(chromium)) = (
        find("chromedriver"),
        find("chromium").or_else(|| find("chromium-browser")),
    ) else {
        let why = "không có chromium và chromedriver (apt-get install chromium chromium-driver)";
        common::skipped(why);
        return None;
    };
    let port = free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child);
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not listen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let capabilities = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1100,1000", "--lang=vi",
                format!("--user-data-dir={}", profile.display()),
            ],
            "prefs": {
                "download.default_directory": downloads,
                "download.prompt_for_download": false,
            },
        }
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    // Once, on a fresh CI machine, chromedriver reset the connection of the first
    // session request (it was still starting Chromium): try again before failing.
    let mut tries = 0;
    let client = loop {
        tries += 1;
        match ClientBuilder::new(connector.clone())
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => break client,
            Err(e) if tries < 3 => {
                eprintln!("chromedriver, try {tries}: {e:?}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => panic!("a Chromium session: {e:?}"),
        }
    };
    Some((driver, client))
}

async fn serve(temp: &Path) -> String {
    let config = Config {
        token: None,
        temp_root: temp.to_path_buf(),
        limits: Limits::default(),
        soffice: None,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(config)).await.unwrap() });
    format!("http://{addr}")
}

fn district_zip(path: &Path) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/huyen-ba-to");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    let mut writer = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    for p in names {
        let name = format!("huyen-ba-to/{}", p.file_name().unwrap().to_string_lossy());
        writer.start_file(name, options).unwrap();
        writer.write_all(&std::fs::read(&p).unwrap()).unwrap();
    }
    writer.finish().unwrap();
}

/// The results page, once the page has refreshed itself to it.
async fn wait_for_results(client: &Client) -> String {
    client
        .wait()
        .at_most(Duration::from_secs(120))
        .for_element(Locator::Id("tong-cong"))
        .await
        .expect("the results page")
        .text()
        .await
        .unwrap()
}

/// The downloaded .zip once Chromium has finished it. Chromium reserves the final
/// name with an empty file while it writes to a `.crdownload` beside it, so the name
/// alone is not the end of the download (seen on a loaded machine: an empty .zip).
async fn wait_for_download(dir: &Path) -> PathBuf {
    let started = Instant::now();
    loop {
        let files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        let writing = files.iter().any(|p| p.extension().is_some_and(|e| e == "crdownload"));
        let done = files.iter().find(|p| {
            p.extension().is_some_and(|e| e == "zip")
                && std::fs::File::open(p).is_ok_and(|f| zip::ZipArchive::new(f).is_ok())
        });
        if let (false, Some(p)) = (writing, done) {
            return p.clone();
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the .zip never downloaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn shot(client: &Client, name: &str) {
    if std::env::var_os("BAOCAO_CHUP_ANH").is_none() {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/anh");
    std::fs::create_dir_all(&dir).unwrap();
    let png = client.screenshot().await.unwrap();
    std::fs::write(dir.join(name), png).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_uploads_a_district_and_a_damaged_workbook_in_chromium() {
    let work = tempfile::tempdir().unwrap();
    let (temp, downloads, profile, files) = (
        work.path().join("tam"),
        work.path().join("tai-ve"),
        work.path().join("ho-so"),
        work.path().join("tep"),
    );
    for d in [&temp, &downloads, &profile, &files] {
        std::fs::create_dir_all(d).unwrap();
    }
    let Some((_driver, client)) = browser(&downloads, &profile).await else {
        return;
    };
    let base = serve(&temp).await;

    // A district's folder as a .zip.
    let zip = files.join("huyen-ba-to.zip");
    district_zip(&zip);
    client.goto(&base).await.unwrap();
    assert!(client.source().await.unwrap().contains("Lập báo cáo từ phụ lục Excel"));
    let input = client.find(Locator::Id("tep")).await.unwrap();
    input.send_keys(&zip.display().to_string()).await.unwrap();
    shot(&client, "1-chon-tep.png").await;
    client.find(Locator::Id("gui")).await.unwrap().click().await.unwrap();
    let totals = wait_for_results(&client).await;
    assert!(totals.contains("Tổng cộng: 18 tệp, 0 lỗi"), "{totals}");
    let communes = client.find_all(Locator::Css("#cac-tep > li.tot")).await.unwrap();
    assert!(
        client
            .find(Locator::Id("mau-bao-cao"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("chọn theo năm báo cáo 2024"),
        "a 2024 district gets the 2024 pack by itself"
    );
    assert_eq!(communes.len(), 18);
    let preview = client
        .find(Locator::Css("article.bao-cao"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(preview.contains("BÁO CÁO"), "{preview}");
    shot(&client, "2-ket-qua.png").await;
    client
        .find(Locator::Id("tai-tat-ca"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let downloaded = wait_for_download(&downloads).await;
    let archive = zip::ZipArchive::new(std::fs::File::open(&downloaded).unwrap()).unwrap();
    let names: Vec<String> = archive.file_names().map(|n| n.unwrap().into_owned()).collect();
    assert_eq!(
        names.iter().filter(|n| n.starts_with("bao-cao-ntm-2024-xa-")).count(),
        18,
        "{names:?}"
    );
    assert!(names.iter().any(|n| n == "tong-hop-ntm-2024-huyen-ba-to.docx"));
    assert!(names.iter().any(|n| n == "tong-ket.json"));

    // A damaged workbook among good ones.
    let mut wrong = sample::commune("Ba Lỗi", 7);
    wrong.patches.push(sample::Patch::length_as_text());
    let wrong_path = files.join("Ba Lỗi.xlsx");
    std::fs::write(&wrong_path, sample::workbook_bytes(&wrong)).unwrap();
    let good_path = files.join("Ba Thành.xlsx");
    std::fs::write(&good_path, sample::workbook_bytes(&sample::ba_thanh())).unwrap();
    client.goto(&base).await.unwrap();
    let input = client.find(Locator::Id("tep")).await.unwrap();
    input
        .send_keys(&format!("{}\n{}", good_path.display(), wrong_path.display()))
        .await
        .unwrap();
    client.find(Locator::Id("gui")).await.unwrap().click().await.unwrap();
    let totals = wait_for_results(&client).await;
    assert!(totals.contains("Đã lập 1 / 2 báo cáo"), "{totals}");
    let failed = client
        .find(Locator::Css("#tep-loi > li.loi"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(failed.contains("Ba Lỗi.xlsx: 1 lỗi"), "{failed}");
    assert!(failed.contains("PL2 Bê tông nông thôn › D8"), "{failed}");
    let good = client
        .find(Locator::Css("#cac-tep > li.tot"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(good.contains("Tải bao-cao-ntm-2024-xa-ba-thanh.docx"), "{good}");
    shot(&client, "3-loi-o.png").await;

    client.close().await.unwrap();
    // Nothing of either upload is left on the server.
    assert_eq!(std::fs::read_dir(&temp).unwrap().count(), 0);
}

/// samples/tinh-quang-ngai as a clerk zips it (the province's folder, a folder per
/// former district), with a workbook cut in half in one of them.
fn province_zip(path: &Path) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/tinh-quang-ngai");
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for folder in std::fs::read_dir(&root).unwrap().flatten() {
        for file in std::fs::read_dir(folder.path()).unwrap().flatten() {
            let name = format!(
                "tinh-quang-ngai/{}/{}",
                folder.file_name().to_string_lossy(),
                file.file_name().to_string_lossy()
            );
            files.push((name, std::fs::read(file.path()).unwrap()));
        }
    }
    let mut cut = std::fs::read(root.join("Sơn Hà (cũ)/Sơn Kỳ.xlsx")).unwrap();
    cut.truncate(cut.len() / 2);
    files.push(("tinh-quang-ngai/Sơn Hà (cũ)/Sơn Hỏng.xlsx".into(), cut));
    files.sort();
    let mut writer = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in &files {
        writer
            .start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap();
    files.len()
}

async fn number(client: &Client, script: &str) -> f64 {
    client
        .execute(script, Vec::new())
        .await
        .unwrap()
        .as_f64()
        .unwrap_or_else(|| panic!("{script} gives no number"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_sends_a_province_reads_the_errors_first_and_a_preview_on_a_phone() {
    let work = tempfile::tempdir().unwrap();
    let (temp, downloads, profile, files) = (
        work.path().join("tam"),
        work.path().join("tai-ve"),
        work.path().join("ho-so"),
        work.path().join("tep"),
    );
    for d in [&temp, &downloads, &profile, &files] {
        std::fs::create_dir_all(d).unwrap();
    }
    let Some((_driver, client)) = browser(&downloads, &profile).await else {
        return;
    };
    let base = serve(&temp).await;
    let zip = files.join("tinh-quang-ngai.zip");
    let count = province_zip(&zip);

    client.goto(&base).await.unwrap();
    // The file button is the page's own words; whether a file is chosen shows
    // without any script.
    let button = client.find(Locator::Css("label[for=tep]")).await.unwrap();
    assert_eq!(button.text().await.unwrap(), "Chọn tệp bảng tính hoặc tệp .zip…");
    let chosen = client.find(Locator::Css(".chon-tep .da-chon")).await.unwrap();
    assert!(!chosen.is_displayed().await.unwrap());
    client
        .find(Locator::Id("tep"))
        .await
        .unwrap()
        .send_keys(&zip.display().to_string())
        .await
        .unwrap();
    assert!(
        chosen.is_displayed().await.unwrap(),
        "«Đã chọn tệp» once a file is chosen"
    );
    client
        .find(Locator::Css("input[name=nhom][value=thu-muc]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    shot(&client, "4-chon-tinh.png").await;
    client.find(Locator::Id("gui")).await.unwrap().click().await.unwrap();
    let totals = wait_for_results(&client).await;
    assert!(
        totals.contains(&format!("Đã lập {} / {count} báo cáo", count - 1)),
        "{totals}"
    );
    let note = client
        .find(Locator::Id("mau-bao-cao"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(note.contains("Từ năm 2025: xã báo cáo UBND tỉnh"), "{note}");

    // The error is the first thing after the totals, above every download.
    let first = client
        .find(Locator::Css(".cac-tep > li"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(first.contains("Sơn Hà (cũ)/Sơn Hỏng.xlsx: 1 lỗi"), "{first}");
    assert!(first.contains("bị hỏng"), "{first}");
    let top = |id: &str| format!("return document.getElementById('{id}').getBoundingClientRect().top;");
    assert!(number(&client, &top("tep-loi")).await < number(&client, &top("tai-ve")).await);
    assert!(number(&client, &top("tai-ve")).await < number(&client, &top("cac-tep")).await);
    shot(&client, "5-ket-qua-tinh.png").await;

    // Each summary of a former district is listed with its link.
    let mut listed = Vec::new();
    for link in client.find_all(Locator::Css("#cac-tep-ra a")).await.unwrap() {
        listed.push(link.text().await.unwrap());
    }
    for slug in ["ba-to-cu", "mo-duc-cu", "nghia-hanh-cu", "son-ha-cu"] {
        let name = format!("tong-hop-ntm-2025-tinh-quang-ngai-{slug}.docx");
        assert!(listed.contains(&name), "{name} not in {listed:?}");
    }
    assert!(
        listed.contains(&"tong-hop-ntm-2025-tinh-quang-ngai.docx".to_string()),
        "{listed:?}"
    );

    // Everything, in one .zip: every file listed on the page.
    client
        .find(Locator::Id("tai-tat-ca"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let downloaded = wait_for_download(&downloads).await;
    let archive = zip::ZipArchive::new(std::fs::File::open(&downloaded).unwrap()).unwrap();
    let names: Vec<String> = archive.file_names().map(|n| n.unwrap().into_owned()).collect();
    assert_eq!(
        names.iter().filter(|n| n.starts_with("bao-cao-ntm-2025-xa-")).count(),
        count - 1,
        "{names:?}"
    );
    let mut on_page = listed.clone();
    for link in client.find_all(Locator::Css(".cac-tep a")).await.unwrap() {
        on_page.push(link.text().await.unwrap().trim_start_matches("Tải ").to_string());
    }
    for name in &names {
        assert!(on_page.contains(name), "{name} has no link on the page");
    }

    // A preview on a 400 px phone: no sideways scrolling, the letterhead whole,
    // the title on a few lines, not a word a line.
    client.set_window_size(400, 860).await.unwrap();
    let width = number(&client, "return window.innerWidth;").await;
    assert!(width <= 400.0, "{width}");
    shot(&client, "6-dien-thoai-ket-qua.png").await;
    assert!(
        number(&client, "return document.documentElement.scrollWidth;").await <= width,
        "the results page scrolls sideways on a phone"
    );
    client
        .find(Locator::Css("#cac-tep a[href*='/xem/']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("article.bao-cao"))
        .await
        .unwrap();
    shot(&client, "7-dien-thoai-xem-truoc.png").await;
    assert!(
        number(&client, "return document.documentElement.scrollWidth;").await <= width,
        "the preview scrolls sideways on a phone"
    );
    let letterhead = "return document.querySelector('article.bao-cao table').getBoundingClientRect().right;";
    assert!(number(&client, letterhead).await <= width, "the letterhead is cut");
    let narrowest_word = r#"
        const title = [...document.querySelectorAll('article.bao-cao p')]
            .find(p => p.textContent.startsWith('Kết quả thực hiện Chương trình'));
        const lines = title.getClientRects().length ? title.getBoundingClientRect().height : 0;
        return lines / parseFloat(getComputedStyle(title).lineHeight || '20');"#;
    let title_lines = number(&client, narrowest_word).await;
    assert!(title_lines <= 6.0, "the title takes {title_lines} lines");
    client
        .execute(
            "document.querySelector('article.bao-cao table.khung').scrollIntoView();",
            Vec::new(),
        )
        .await
        .unwrap();
    shot(&client, "8-dien-thoai-bang.png").await;
    // Wide tables scroll inside their own box.
    let widest = "return Math.max(...[...document.querySelectorAll('article.bao-cao table')].map(t => t.getBoundingClientRect().right));";
    assert!(number(&client, widest).await <= width);

    // The home page on the phone too.
    client.goto(&base).await.unwrap();
    assert!(number(&client, "return document.documentElement.scrollWidth;").await <= width);

    client.close().await.unwrap();
    assert_eq!(std::fs::read_dir(&temp).unwrap().count(), 0);
}
