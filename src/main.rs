//! The `baocao` command: thin; all the work is in the library.

use baocao::batch::{self, Item};
use baocao::error::{Diagnostic, Kind, Place, Severity};
use baocao::template::Pack;
use baocao::write::{self, OutputFormat};
use baocao::{report, Result};
use clap::{ArgAction, Parser, Subcommand};
use std::error::Error as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

/// Print to stdout; a closed pipe (`baocao inspect x.xlsx | head`) is not an error.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

macro_rules! say_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

const HELP_TEMPLATE: &str = "{about}\n\nCách dùng: {usage}\n\n{all-args}{after-help}";

#[derive(Parser)]
#[command(
    name = "baocao",
    version,
    about = "Lập báo cáo hành chính (.docx) theo Nghị định 30/2020/NĐ-CP từ phụ lục Excel của các xã.",
    help_template = HELP_TEMPLATE,
    override_usage = "baocao LỆNH [TÙY_CHỌN]",
    subcommand_help_heading = "Lệnh",
    subcommand_value_name = "LỆNH",
    disable_help_subcommand = true,
    disable_help_flag = true,
    disable_version_flag = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// In trợ giúp.
    #[arg(short = 'h', long = "help", action = ArgAction::Help, global = true, help_heading = "Tùy chọn")]
    help: Option<bool>,
    /// In phiên bản.
    #[arg(short = 'V', long = "version", action = ArgAction::Version, help_heading = "Tùy chọn")]
    version: Option<bool>,
}

#[derive(Subcommand)]
enum Command {
    /// Lập báo cáo của một xã từ một tệp bảng tính (.xlsx, .xls, .ods).
    #[command(
        help_template = HELP_TEMPLATE,
        next_help_heading = "Tùy chọn",
        override_usage = "baocao render TỆP_BẢNG_TÍNH [-t THƯ_MỤC_MẪU] [-o TỆP_KẾT_QUẢ] [-f ĐỊNH_DẠNG]"
    )]
    Render {
        /// Tệp bảng tính của xã.
        #[arg(value_name = "TỆP_BẢNG_TÍNH", help_heading = "Tham số")]
        workbook: PathBuf,
        #[command(flatten)]
        pack: PackArg,
        /// Tệp kết quả (mặc định: tên theo xã và năm, trong thư mục hiện tại).
        #[arg(short = 'o', long = "ra", alias = "output", value_name = "TỆP_KẾT_QUẢ")]
        output: Option<PathBuf>,
        #[command(flatten)]
        output_formats: OutputArgs,
    },
    /// Lập báo cáo cho mọi xã của một thư mục hoặc một tệp của huyện, và báo cáo tổng hợp của huyện.
    #[command(
        help_template = HELP_TEMPLATE,
        next_help_heading = "Tùy chọn",
        override_usage = "baocao batch THƯ_MỤC_HOẶC_TỆP_HUYỆN -o THƯ_MỤC_KẾT_QUẢ [-t THƯ_MỤC_MẪU] [-f ĐỊNH_DẠNG] [-q]"
    )]
    Batch {
        /// Thư mục chứa các tệp bảng tính của các xã, hoặc một tệp bảng tính của huyện (mỗi xã một dòng).
        #[arg(value_name = "THƯ_MỤC_HOẶC_TỆP_HUYỆN", help_heading = "Tham số")]
        input: PathBuf,
        /// Thư mục ghi kết quả.
        #[arg(short = 'o', long = "ra", alias = "output", value_name = "THƯ_MỤC_KẾT_QUẢ")]
        output: PathBuf,
        #[command(flatten)]
        pack: PackArg,
        #[command(flatten)]
        output_formats: OutputArgs,
        /// Không lập báo cáo tổng hợp của huyện.
        #[arg(long = "khong-tong-hop")]
        no_summary: bool,
        /// Chỉ in lỗi và dòng tổng kết.
        #[arg(short = 'q', long = "im-lang", alias = "quiet")]
        quiet: bool,
    },
    /// Kiểm tra một tệp hoặc một thư mục bảng tính mà không lập báo cáo: liệt kê mọi lỗi và cảnh báo.
    #[command(
        help_template = HELP_TEMPLATE,
        next_help_heading = "Tùy chọn",
        override_usage = "baocao check TỆP_HOẶC_THƯ_MỤC [-t THƯ_MỤC_MẪU] [-f text|json]"
    )]
    Check {
        /// Tệp bảng tính hoặc thư mục các tệp bảng tính.
        #[arg(value_name = "TỆP_HOẶC_THƯ_MỤC", help_heading = "Tham số")]
        input: PathBuf,
        #[command(flatten)]
        pack: PackArg,
        /// Cách in kết quả: text hoặc json (mặc định: text).
        #[arg(
            short = 'f',
            long = "format",
            value_name = "KIỂU",
            default_value = "text",
            hide_default_value = true,
            hide_possible_values = true
        )]
        format: CheckFormat,
    },
    /// Cho xem chương trình thấy gì trong một bảng tính: trang, vùng gộp ô, tên, bảng, chữ mã cũ.
    #[command(
        help_template = HELP_TEMPLATE,
        next_help_heading = "Tùy chọn",
        override_usage = "baocao inspect TỆP_BẢNG_TÍNH [--manifest THƯ_MỤC [--mau-docx]]"
    )]
    Inspect {
        /// Tệp bảng tính.
        #[arg(value_name = "TỆP_BẢNG_TÍNH", help_heading = "Tham số")]
        workbook: PathBuf,
        /// Ghi vào thư mục này một mẫu báo cáo khởi đầu (manifest.toml, noi-dung.md) gắn các bảng và các nhãn văn bản (tên xã, số, ngày, người ký, nơi nhận…) tìm thấy.
        #[arg(long = "manifest", value_name = "THƯ_MỤC")]
        manifest: Option<PathBuf>,
        /// Cùng với --manifest: ghi thêm mẫu Word mau.docx (khung văn bản theo Nghị định 30, các trường dưới dạng thẻ {{ … }}) làm thân văn bản của mẫu, để sửa kiểu trình bày trong Word.
        #[arg(long = "mau-docx", requires = "manifest")]
        mau_docx: bool,
    },
}

/// The template pack of `render`, `batch` and `check`.
#[derive(clap::Args)]
struct PackArg {
    /// Thư mục mẫu báo cáo, hoặc một mẫu Word (.docx) có thẻ {{ … }} (mặc định: mẫu có sẵn «bao-cao-ntm»).
    #[arg(short = 't', long = "mau", alias = "template", value_name = "THƯ_MỤC_MẪU")]
    dir: Option<PathBuf>,
}

/// The output formats of `render` and `batch`.
#[derive(clap::Args)]
struct OutputArgs {
    /// Định dạng kết quả, một hoặc nhiều, cách nhau bằng dấu phẩy (docx, odt, pdf; mặc định: theo đuôi tệp của -o, không có thì docx; pdf cần LibreOffice).
    #[arg(short = 'f', long = "format", value_name = "ĐỊNH_DẠNG", value_parser = parse_formats)]
    formats: Option<Formats>,
    /// Chương trình LibreOffice dùng để xuất PDF (mặc định: tìm «soffice» trong PATH).
    #[arg(long = "soffice", value_name = "ĐƯỜNG_DẪN")]
    soffice: Option<PathBuf>,
}

impl OutputArgs {
    /// The formats, and LibreOffice when PDF is asked for; a missing one ends the
    /// run before any work.
    fn resolve(self) -> std::result::Result<(Vec<OutputFormat>, Option<PathBuf>), ExitCode> {
        let formats = self.formats.map_or_else(|| vec![OutputFormat::Docx], |f| f.0);
        if !formats.contains(&OutputFormat::Pdf) {
            return Ok((formats, None));
        }
        match write::pdf::find(self.soffice.as_deref()) {
            Ok(s) => Ok((formats, Some(s))),
            Err(e) => {
                print(&[e]);
                Err(ExitCode::from(2))
            }
        }
    }
}

/// `render -o bao-cao.pdf`: the extension of the output names the format, unless
/// `-f` names it too; an extension that is no format, or that `-f` leaves out, is an
/// error (exit 2) rather than a file of another kind than its name says.
fn formats_of_output(output: Option<&Path>, mut args: OutputArgs) -> std::result::Result<OutputArgs, ExitCode> {
    let Some(extension) = output.and_then(Path::extension) else {
        return Ok(args);
    };
    let shown = output.map(|o| o.display().to_string()).unwrap_or_default();
    let message = match (OutputFormat::parse(&extension.to_string_lossy()), &args.formats) {
        (Some(format), None) => {
            args.formats = Some(Formats(vec![format]));
            return Ok(args);
        }
        (Some(format), Some(formats)) if formats.0.contains(&format) => return Ok(args),
        (Some(format), Some(formats)) => format!(
            "tệp kết quả «{shown}» có đuôi .{} nhưng -f chọn {}; hãy bỏ -f hoặc đổi đuôi tệp cho khớp.",
            format.extension(),
            formats.0.iter().map(|f| f.extension()).collect::<Vec<_>>().join(", ")
        ),
        (None, _) => format!(
            "tệp kết quả «{shown}» có đuôi .{} mà baocao không ghi được; hãy dùng .docx, .odt hoặc .pdf.",
            extension.to_string_lossy()
        ),
    };
    eprintln!("Lỗi: {message}");
    Err(ExitCode::from(2))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum CheckFormat {
    /// Văn bản dễ đọc.
    Text,
    /// JSON cho chương trình khác.
    Json,
}

#[derive(Clone, Debug)]
struct Formats(Vec<OutputFormat>);

fn parse_formats(text: &str) -> std::result::Result<Formats, String> {
    let mut out = Vec::new();
    for name in text.split(',').filter(|s| !s.trim().is_empty()) {
        let f = OutputFormat::parse(name)
            .ok_or_else(|| format!("định dạng «{name}» không có; chọn trong: docx, odt, pdf"))?;
        if !out.contains(&f) {
            out.push(f);
        }
    }
    if out.is_empty() {
        return Err("cần ít nhất một định dạng".into());
    }
    Ok(Formats(out))
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_error(e),
    };
    match cli.command {
        Command::Render {
            workbook,
            pack,
            output,
            output_formats,
        } => match formats_of_output(output.as_deref(), output_formats).and_then(OutputArgs::resolve) {
            Ok((formats, soffice)) => render(&workbook, pack.dir.as_deref(), output.as_deref(), &formats, soffice),
            Err(code) => code,
        },
        Command::Batch {
            input,
            output,
            pack,
            output_formats,
            no_summary,
            quiet,
        } => match output_formats.resolve() {
            Ok((formats, soffice)) => {
                let options = batch::Options {
                    out_dir: output,
                    formats,
                    summary: !no_summary,
                    soffice,
                };
                run_batch(&input, pack.dir.as_deref(), &options, quiet)
            }
            Err(code) => code,
        },
        Command::Check { input, pack, format } => check(&input, pack.dir.as_deref(), format),
        Command::Inspect {
            workbook,
            manifest,
            mau_docx,
        } => inspect(&workbook, manifest.as_deref(), mau_docx),
    }
}

fn check(input: &Path, pack: Option<&Path>, format: CheckFormat) -> ExitCode {
    let results = match load_pack(pack).and_then(|p| baocao::check::run(&p, input)) {
        Ok(r) => r,
        Err(e) => {
            if format == CheckFormat::Json {
                let all = serde_json::json!([{ "tep": e.file, "loi": [e], "canh_bao": [] }]);
                say!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
            } else {
                print(&[e]);
            }
            return ExitCode::from(2);
        }
    };
    let code = baocao::check::exit_code(&results);
    if format == CheckFormat::Json {
        say!("{}", serde_json::to_string_pretty(&results).unwrap_or_default());
        return ExitCode::from(code);
    }
    for r in &results {
        if r.loi.is_empty() && r.canh_bao.is_empty() {
            say!("{}: không có lỗi.", r.tep);
            continue;
        }
        say!("{}: {} lỗi, {} cảnh báo", r.tep, r.loi.len(), r.canh_bao.len());
        for d in r.loi.iter().chain(&r.canh_bao) {
            let label = if d.severity == Severity::Error {
                "Lỗi"
            } else {
                "Cảnh báo"
            };
            let place = if d.place.is_file() {
                String::new()
            } else {
                format!("{}: ", d.place)
            };
            say!("  - {label}: {place}{}", d.message);
        }
    }
    let errors: usize = results.iter().map(|r| r.loi.len()).sum();
    let warnings: usize = results.iter().map(|r| r.canh_bao.len()).sum();
    say!("Tổng cộng: {} tệp, {errors} lỗi, {warnings} cảnh báo.", results.len());
    ExitCode::from(code)
}

fn inspect(workbook: &Path, manifest: Option<&Path>, form: bool) -> ExitCode {
    let book = match baocao::workbook::open(workbook) {
        Ok(b) => b,
        Err(e) => {
            print(&[e]);
            return ExitCode::from(1);
        }
    };
    say_raw!("{}", baocao::inspect::describe(&book));
    if let Some(dir) = manifest {
        let starter = baocao::inspect::starter(&book);
        let written = std::fs::create_dir_all(dir)
            .map_err(|e| {
                Diagnostic::error(
                    dir.display().to_string(),
                    Place::File,
                    format!("không tạo được thư mục ({e})."),
                )
                .kind(Kind::Output)
            })
            .and_then(|_| {
                if form {
                    let bytes = starter.form()?;
                    write::write_atomic(&dir.join(baocao::inspect::FORM_NAME), &bytes)?;
                    write::write_atomic(&dir.join("manifest.toml"), starter.form_manifest().as_bytes())
                } else {
                    write::write_atomic(&dir.join("manifest.toml"), starter.manifest.as_bytes())
                }
            })
            .and_then(|_| write::write_atomic(&dir.join("noi-dung.md"), starter.body.as_bytes()));
        if let Err(e) = written {
            print(&[e]);
            return ExitCode::from(1);
        }
        say!("\nĐã ghi mẫu khởi đầu: {}", dir.display());
        if form {
            say!(
                "Mẫu Word: {} (thân văn bản của mẫu; sửa kiểu trình bày trong Word, giữ nguyên các thẻ {{{{ … }}}} và {{%tr … %}}).",
                dir.join(baocao::inspect::FORM_NAME).display()
            );
        }
    }
    ExitCode::SUCCESS
}

/// clap's own messages are English; say the common ones in Vietnamese.
fn clap_error(e: clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ErrorKind};
    let detail = |kind| e.get(kind).map(|v| v.to_string()).unwrap_or_default();
    let message = match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        ErrorKind::MissingRequiredArgument => format!("thiếu tham số bắt buộc: {}", detail(ContextKind::InvalidArg)),
        ErrorKind::MissingSubcommand => {
            "thiếu lệnh: dùng «baocao render …», «baocao batch …», «baocao check …» hoặc «baocao inspect …»".to_string()
        }
        ErrorKind::InvalidSubcommand => format!(
            "lệnh «{}» không có; dùng «render», «batch», «check» hoặc «inspect»",
            detail(ContextKind::InvalidSubcommand)
        ),
        ErrorKind::UnknownArgument => format!("tùy chọn «{}» không có", detail(ContextKind::InvalidArg)),
        ErrorKind::ValueValidation | ErrorKind::InvalidValue => format!(
            "giá trị «{}» của {} không hợp lệ{}",
            detail(ContextKind::InvalidValue),
            detail(ContextKind::InvalidArg),
            e.source().map(|s| format!(": {s}")).unwrap_or_default()
        ),
        _ => e.to_string(),
    };
    eprintln!("Lỗi: {message}.\nXem «baocao --help».");
    ExitCode::from(2)
}

fn load_pack(dir: Option<&Path>) -> Result<Pack> {
    match dir {
        Some(f) if f.is_file() && f.extension().is_some_and(|e| e.eq_ignore_ascii_case("docx")) => Pack::with_form(f),
        Some(d) => Pack::load(d),
        None => Pack::builtin(),
    }
}

fn print(diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        let label = match d.severity {
            Severity::Error => "Lỗi",
            Severity::Warning => "Cảnh báo",
        };
        eprintln!("{label}: {d}");
    }
}

fn render(
    workbook: &Path,
    pack: Option<&Path>,
    output: Option<&Path>,
    formats: &[OutputFormat],
    soffice: Option<PathBuf>,
) -> ExitCode {
    let pack = match load_pack(pack) {
        Ok(p) => p,
        Err(e) => {
            print(&[e]);
            return ExitCode::from(2);
        }
    };
    let made = match data_file(workbook) {
        Some(data) => data.and_then(|(file, json)| report::from_data(&pack, &file, json)),
        None => report::from_file(&pack, workbook),
    };
    let mut report = match made {
        Ok(r) => r,
        Err(errors) => {
            print(&errors);
            eprintln!("Không lập được báo cáo từ {}.", workbook.display());
            return ExitCode::from(1);
        }
    };
    print(&report.warnings);
    // "-o thu-muc/bao-cao.docx" names the files; every format takes the same stem.
    let out_dir = match output.and_then(Path::parent).filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => dir.to_path_buf(),
        None => PathBuf::from("."),
    };
    if let Some(stem) = output.and_then(Path::file_stem) {
        report.file_stem = stem.to_string_lossy().into_owned();
    }
    let options = batch::Options {
        out_dir,
        formats: formats.to_vec(),
        summary: false,
        soffice,
    };
    stop_on_signals();
    let written = batch::write_final(&report, &options);
    // A report finished before the stop took effect is kept and said so.
    if batch::stop_requested() && written.is_err() {
        eprintln!("Đã dừng theo yêu cầu (Ctrl-C hoặc tín hiệu dừng); không có tệp nào được ghi.");
        return ExitCode::from(batch::EXIT_INTERRUPTED);
    }
    match written {
        Ok(files) => {
            for f in files {
                eprintln!("Đã lập báo cáo: {}", f.trim_start_matches("./"));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            print(&[e]);
            ExitCode::from(1)
        }
    }
}

/// A JSON or TOML file of data (an export of another system) instead of a workbook:
/// None when the file is not one by its extension.
fn data_file(path: &Path) -> Option<std::result::Result<(String, serde_json::Value), Vec<Diagnostic>>> {
    let ext = path.extension()?.to_string_lossy().to_lowercase();
    if ext != "json" && ext != "toml" {
        return None;
    }
    let file = path.display().to_string();
    let fail = |what: String| vec![Diagnostic::error(&file, baocao::Place::File, what).kind(Kind::BadValue)];
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            return Some(Err(fail(format!(
                "không đọc được tệp dữ liệu ({e}); cần một tệp văn bản UTF-8."
            ))))
        }
    };
    let parsed = if ext == "json" {
        serde_json::from_str(&text).map_err(|e| {
            format!(
                "tệp JSON không đúng cú pháp ở dòng {}, cột {}: {e}.",
                e.line(),
                e.column()
            )
        })
    } else {
        toml::from_str(&text).map_err(|e| format!("tệp TOML không đúng cú pháp: {}", e.message()))
    };
    Some(parsed.map(|json| (file.clone(), json)).map_err(fail))
}

/// Ctrl-C or SIGTERM: the first asks the work to stop cleanly (temporaries removed,
/// `tong-ket.json` written, LibreOffice ended); a second one ends at once.
fn stop_on_signals() {
    let _ = ctrlc::set_handler(|| {
        if batch::request_stop() {
            std::process::exit(i32::from(batch::EXIT_INTERRUPTED));
        }
        eprintln!("Đang dừng: chờ các tệp đang lập xong và xóa tệp tạm (nhấn Ctrl-C lần nữa để dừng ngay).");
    });
}

/// An input a stopped batch never reached.
fn not_started(item: &Item) -> bool {
    !item.loi.is_empty() && item.loi.iter().all(|d| d.kind == Kind::Interrupted)
}

fn run_batch(input: &Path, pack: Option<&Path>, options: &batch::Options, quiet: bool) -> ExitCode {
    // A folder of commune workbooks, or one district workbook with a row per commune.
    let prepared = load_pack(pack).and_then(|p| {
        let found = if input.is_file() {
            batch::district_sources(&p, input).map(|s| (s, Vec::new()))
        } else {
            batch::scan(input).map(|(files, skipped)| (files.into_iter().map(batch::Source::File).collect(), skipped))
        };
        found.map(|f| (p, f))
    });
    let (pack, (inputs, skipped)) = match prepared {
        Ok(x) => x,
        Err(e) => {
            print(&[e]);
            return ExitCode::from(2);
        }
    };
    if !quiet {
        for s in &skipped {
            eprintln!("Bỏ qua: {} ({})", s.tep, s.ly_do);
        }
    }
    let total = inputs.len();
    let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(total as u64);
        let style = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} xã · {per_sec} · còn {eta} · {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    });
    let done = Mutex::new(0usize);
    let progress = |item: &Item| {
        let mut n = done.lock().unwrap_or_else(|e| e.into_inner());
        *n += 1;
        if not_started(item) {
            // Counted once at the end, not one line per file left.
            return;
        }
        match &bar {
            Some(bar) => {
                bar.inc(1);
                bar.set_message(item.tep.clone());
                if !item.ok() {
                    bar.suspend(|| print(&item.loi));
                }
            }
            None if !item.ok() => {
                eprintln!("[{}/{total}] {}: LỖI", *n, item.tep);
                print(&item.loi);
            }
            None if !quiet => eprintln!("[{}/{total}] {}: xong", *n, item.tep),
            None => {}
        }
    };
    stop_on_signals();
    let summary = match batch::run(&pack, inputs, skipped, options, &progress) {
        Ok(s) => s,
        Err(e) => {
            if let Some(bar) = &bar {
                bar.finish_and_clear();
            }
            print(&[e]);
            return ExitCode::from(2);
        }
    };
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    print(&summary.loi_tong_hop);
    let rate = if summary.giay > 0.0 {
        summary.so_tep as f64 / summary.giay
    } else {
        0.0
    };
    if summary.tep_tam_da_xoa > 0 {
        eprintln!(
            "Đã xóa {} tệp tạm còn sót lại từ một lần chạy bị ngắt trước đó trong {}.",
            summary.tep_tam_da_xoa,
            options.out_dir.display()
        );
    }
    if summary.bi_dung {
        eprintln!("Đã dừng theo yêu cầu (Ctrl-C hoặc tín hiệu dừng): các báo cáo đã xong được giữ, tệp tạm đã xóa, không lập báo cáo tổng hợp.");
    }
    eprintln!(
        "Tổng kết: đã lập {} / {} báo cáo, lỗi {}, bỏ qua {} tệp; {:.2} giây ({:.0} báo cáo/giây).",
        summary.da_ghi,
        summary.so_tep,
        summary.loi,
        summary.bo_qua.len(),
        summary.giay,
        rate
    );
    let left = summary.cac_tep.iter().filter(|i| not_started(i)).count();
    if left > 0 {
        eprintln!("  - {left} tệp chưa lập vì lần chạy bị dừng.");
    }
    // Each failed input with where its first error is (sheet, cell), as the line
    // printed when it failed said: the summary is what a clerk reads last.
    for item in summary.cac_tep.iter().filter(|i| !i.ok() && !not_started(i)) {
        let Some(first) = item.loi.first() else { continue };
        let place = if first.place.is_file() {
            String::new()
        } else {
            format!(" › {}", first.place)
        };
        let more = match item.loi.len() - 1 {
            0 => String::new(),
            n => format!(" (và {n} lỗi khác)"),
        };
        eprintln!("  - {}{place}: {}{more}", item.tep, first.message);
    }
    if let Some(file) = &summary.bao_cao_tong_hop {
        eprintln!("Báo cáo tổng hợp: {file}");
        if !summary.xa_thieu.is_empty() {
            eprintln!(
                "  (tổng hợp {} xã; thiếu {} tệp không lập được báo cáo: {})",
                summary.so_xa_tong_hop,
                summary.xa_thieu.len(),
                summary.xa_thieu.join(", ")
            );
        }
    }
    eprintln!("Chi tiết: {}", options.out_dir.join(batch::SUMMARY_FILE).display());
    ExitCode::from(summary.exit_code())
}
