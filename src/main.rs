//! The `baocao` command: thin; all the work is in the library.

use baocao::error::{Diagnostic, Severity};
use baocao::template::Pack;
use baocao::{report, write};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "baocao",
    version,
    about = "Lập báo cáo hành chính (.docx) theo Nghị định 30/2020/NĐ-CP từ phụ lục Excel của xã.",
    disable_help_subcommand = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lập báo cáo của một xã từ một tệp bảng tính (.xlsx, .xls, .ods).
    Render {
        /// Tệp bảng tính của xã.
        #[arg(value_name = "TỆP_BẢNG_TÍNH")]
        workbook: PathBuf,
        /// Thư mục mẫu báo cáo (mặc định: mẫu có sẵn «bao-cao-ntm»).
        #[arg(short = 't', long = "mau", value_name = "THƯ_MỤC_MẪU")]
        pack: Option<PathBuf>,
        /// Tệp kết quả (mặc định: tên theo xã và năm, trong thư mục hiện tại).
        #[arg(short = 'o', long = "ra", value_name = "TỆP_KẾT_QUẢ")]
        output: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match cli.command {
        Command::Render { workbook, pack, output } => render(&workbook, pack.as_deref(), output.as_deref()),
    }
}

fn load_pack(dir: Option<&Path>) -> Result<Pack, Diagnostic> {
    match dir {
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

fn render(workbook: &Path, pack: Option<&Path>, output: Option<&Path>) -> ExitCode {
    let pack = match load_pack(pack) {
        Ok(p) => p,
        Err(e) => {
            print(&[e]);
            return ExitCode::from(2);
        }
    };
    let report = match report::from_file(&pack, workbook) {
        Ok(r) => r,
        Err(errors) => {
            print(&errors);
            eprintln!("Không lập được báo cáo từ {}.", workbook.display());
            return ExitCode::from(1);
        }
    };
    print(&report.warnings);
    let path = output
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(format!("{}.docx", report.file_stem)));
    let bytes = write::docx::to_bytes(&report.document);
    if let Err(e) = write::write_atomic(&path, &bytes) {
        print(&[e]);
        return ExitCode::from(1);
    }
    eprintln!("Đã lập báo cáo: {}", path.display());
    ExitCode::SUCCESS
}
