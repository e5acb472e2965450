//! The `baocao` command: thin; all the work is in the library.

use baocao::batch::{self, Item};
use baocao::error::{Diagnostic, Kind, Place, Severity};
use baocao::report;
use baocao::template::Pack;
use baocao::write::{self, OutputFormat, PdfMode};
use clap::{ArgAction, Parser, Subcommand};
use std::error::Error as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// mimalloc: a report allocates and frees many small buffers and a few large ones
/// (each zip part's deflate state), which glibc's allocator hands back to the kernel
/// and faults in again; the binary, its bench and its profile use the same allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
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
    disable_version_flag = true,
    after_help = "\nKhông có lệnh (nhấp đúp vào baocao.exe): mở trang web trên máy này ở một cổng còn trống và mở trình duyệt; dừng bằng Ctrl-C hoặc đóng cửa sổ."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
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
        /// Tệp kết quả, hoặc thư mục để ghi vào (một thư mục có sẵn, hoặc đường dẫn kết thúc bằng «/»); mặc định: tên theo xã và năm, trong thư mục hiện tại.
        #[arg(short = 'o', long = "ra", alias = "output", value_name = "TỆP_KẾT_QUẢ")]
        output: Option<PathBuf>,
        #[command(flatten)]
        output_formats: OutputArgs,
        #[command(flatten)]
        form: Box<FormArgs>,
    },
    /// Lập báo cáo cho mọi xã của một thư mục (cả thư mục con) hoặc một tệp của huyện, và báo cáo tổng hợp.
    #[command(
        help_template = HELP_TEMPLATE,
        next_help_heading = "Tùy chọn",
        override_usage = "baocao batch THƯ_MỤC_HOẶC_TỆP_HUYỆN -o THƯ_MỤC_KẾT_QUẢ [-t THƯ_MỤC_MẪU] [-f ĐỊNH_DẠNG] [-q]"
    )]
    Batch {
        /// Thư mục chứa các tệp bảng tính của các xã (kể cả trong thư mục con), hoặc một tệp bảng tính của huyện (mỗi xã một dòng).
        #[arg(value_name = "THƯ_MỤC_HOẶC_TỆP_HUYỆN", help_heading = "Tham số")]
        input: PathBuf,
        /// Thư mục ghi kết quả.
        #[arg(short = 'o', long = "ra", alias = "output", value_name = "THƯ_MỤC_KẾT_QUẢ")]
        output: PathBuf,
        #[command(flatten)]
        pack: PackArg,
        #[command(flatten)]
        output_formats: OutputArgs,
        /// Không lập báo cáo tổng hợp.
        #[arg(long = "khong-tong-hop")]
        no_summary: bool,

        /// Chỉ in lỗi và dòng tổng kết.
        #[arg(short = 'q', long = "im-lang", alias = "quiet")]
        quiet: bool,
        /// In từng cảnh báo của từng tệp (mặc định chỉ đếm số cảnh báo).
        #[arg(short = 'v', long = "chi-tiet", alias = "verbose")]
        verbose: bool,
        #[command(flatten)]
        summary: Box<SummaryArgs>,
        /// Với mẫu biểu (-t mau.docx) và tệp dữ liệu JSON/TOML: tên tệp báo cáo, một mẫu nhỏ trên dữ liệu (ví dụ «don-hang-{{ so }}»; mặc định: tên tệp dữ liệu).
        #[arg(long = "ten-tep", value_name = "MẪU_TÊN")]
        ten_tep: Option<String>,
        /// Bỏ các liên kết ra ngoài tệp của mẫu biểu (mẫu đính kèm trên máy chủ, đối tượng OLE ở file:///…) trong mọi báo cáo.
        #[arg(long = "bo-lien-ket-ngoai")]
        drop_external: bool,
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
    /// Mở trang web để cán bộ xã gửi tệp bảng tính, xem lỗi, xem trước và tải báo cáo về.
    #[command(
        help_template = HELP_TEMPLATE,
        next_help_heading = "Tùy chọn",
        override_usage = "baocao serve [--dia-chi 127.0.0.1:8080] [--ma-truy-cap MÃ]"
    )]
    Serve {
        /// Địa chỉ và cổng mở trang (mặc định: 127.0.0.1:8080, chỉ máy này; 0.0.0.0:8080 cho cả mạng nội bộ).
        #[arg(
            long = "dia-chi",
            value_name = "ĐỊA_CHỈ:CỔNG",
            default_value = "127.0.0.1:8080",
            value_parser = parse_addr,
            hide_default_value = true
        )]
        addr: std::net::SocketAddr,
        /// Mã truy cập người dùng phải nhập trước khi dùng trang (không bắt buộc).
        #[arg(long = "ma-truy-cap", value_name = "MÃ")]
        token: Option<String>,
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
    /// Thư mục mẫu báo cáo, một mẫu biểu Word (.docx) hay LibreOffice (.odt) có thẻ {{ … }}, hoặc tên một mẫu có sẵn: «bao-cao-ntm» (mặc định, báo cáo năm 2024, cấp huyện), «bao-cao-ntm-2025» (từ năm 2025, xã báo cáo lên UBND tỉnh).
    #[arg(short = 't', long = "mau", alias = "template", value_name = "THƯ_MỤC_MẪU")]
    dir: Option<PathBuf>,
}

/// The summary of `batch`: groups, and who signs it, its number and date, instead of
/// the blanks the văn thư fills by hand.
#[derive(clap::Args)]
#[command(next_help_heading = "Báo cáo tổng hợp")]
struct SummaryArgs {
    /// Lập thêm một báo cáo tổng hợp cho mỗi thư mục con (thu-muc), ngoài báo cáo tổng hợp chung.
    #[arg(long = "nhom", value_name = "CÁCH_NHÓM", hide_possible_values = true)]
    group: Option<Grouping>,
    /// Tệp TOML khai báo cơ quan ban hành, người ký, số, ngày… của báo cáo tổng hợp (các khóa như [tong_hop.van_ban]).
    #[arg(long = "tong-hop", value_name = "TỆP_TOML")]
    file: Option<PathBuf>,
    /// Họ tên người ký báo cáo tổng hợp.
    #[arg(long = "nguoi-ky", value_name = "HỌ_TÊN")]
    nguoi_ky: Option<String>,
    /// Chức vụ người ký (ví dụ: «GIÁM ĐỐC», «CHỦ TỊCH»).
    #[arg(long = "chuc-vu", value_name = "CHỨC_VỤ")]
    chuc_vu: Option<String>,
    /// Quyền hạn ký (ví dụ: «TM. ỦY BAN NHÂN DÂN», «KT. GIÁM ĐỐC»; chuỗi rỗng để bỏ).
    #[arg(long = "quyen-han-ky", value_name = "QUYỀN_HẠN")]
    quyen_han_ky: Option<String>,
    /// Số của báo cáo tổng hợp chung (báo cáo của từng thư mục con lấy số trong tệp --tong-hop, bảng [nhom."tên thư mục"], hoặc để trống cho văn thư).
    #[arg(long = "so", value_name = "SỐ")]
    so: Option<String>,
    /// Ngày của báo cáo tổng hợp chung (dd/mm/yyyy).
    #[arg(long = "ngay", value_name = "NGÀY", value_parser = parse_day)]
    ngay: Option<String>,
    /// Cơ quan ban hành (xuống dòng bằng «\n», ví dụ: «SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG»).
    #[arg(long = "co-quan", value_name = "CƠ_QUAN")]
    co_quan: Option<String>,
    /// Cơ quan chủ quản (ví dụ: «UBND TỈNH QUẢNG NGÃI»).
    #[arg(long = "co-quan-chu-quan", value_name = "CƠ_QUAN")]
    co_quan_chu_quan: Option<String>,
    /// Ký hiệu (ví dụ: «BC-SNNMT»: loại văn bản - cơ quan).
    #[arg(long = "ky-hieu", value_name = "KÝ_HIỆU", value_parser = parse_symbol)]
    ky_hieu: Option<(String, String)>,
    /// Địa danh ghi trước ngày tháng (ví dụ: «Quảng Ngãi»).
    #[arg(long = "dia-danh", value_name = "ĐỊA_DANH")]
    dia_danh: Option<String>,
    /// Thư mục bảng tính năm trước của các xã cũ, để báo cáo của mỗi xã so sánh với số liệu cộng lại của các xã đã sáp nhập vào nó.
    #[arg(
        long = "so-sanh",
        value_name = "THƯ_MỤC_NĂM_TRƯỚC",
        help_heading = "So sánh trước sáp nhập"
    )]
    previous: Option<PathBuf>,
    /// Tệp TOML ghi xã mới gồm những xã cũ nào (mặc định: cùng tên).
    #[arg(
        long = "sap-nhap",
        value_name = "TỆP_TOML",
        requires = "previous",
        help_heading = "So sánh trước sáp nhập"
    )]
    mapping: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Grouping {
    /// Mỗi thư mục con một nhóm.
    #[value(name = "thu-muc")]
    Folder,
}

fn parse_day(text: &str) -> std::result::Result<String, String> {
    baocao::bind::parse_date(text)
        .map(|_| text.trim().to_string())
        .ok_or_else(|| "cần một ngày dạng dd/mm/yyyy, ví dụ 20/12/2025".to_string())
}

/// "BC-SNNMT" → ("BC", "SNNMT").
fn parse_symbol(text: &str) -> std::result::Result<(String, String), String> {
    baocao::template::parse_symbol(text)
}

impl SummaryArgs {
    /// With a bare form and data files there is no summary: the signer, number and
    /// date flags are then each report's `van_ban`.
    fn form_args(&self, ten_tep: Option<String>, drop_external: bool) -> FormArgs {
        FormArgs {
            so: self.so.clone(),
            ngay: self.ngay.clone(),
            nguoi_ky: self.nguoi_ky.clone(),
            chuc_vu: self.chuc_vu.clone(),
            quyen_han_ky: self.quyen_han_ky.clone(),
            co_quan: self.co_quan.clone(),
            dia_danh: self.dia_danh.clone(),
            trich_yeu: None,
            ten_tep,
            drop_external,
        }
    }

    /// The file's values, then the flags over them.
    fn overrides(self) -> baocao::Result<baocao::template::DocumentOverrides> {
        use baocao::template::DocumentOverrides;
        let from_file = match &self.file {
            Some(path) => DocumentOverrides::load(path)?,
            None => DocumentOverrides::default(),
        };
        let (ky_hieu, viet_tat) = self.ky_hieu.map_or((None, None), |(k, v)| (Some(k), Some(v)));
        let flags = DocumentOverrides {
            co_quan_chu_quan: self.co_quan_chu_quan,
            co_quan_ban_hanh: self.co_quan.map(|c| c.replace("\\n", "\n")),
            ky_hieu,
            co_quan_viet_tat: viet_tat,
            so: self.so,
            dia_danh: self.dia_danh,
            ngay: self.ngay,
            quyen_han_ky: self.quyen_han_ky,
            chuc_vu: self.chuc_vu,
            nguoi_ky: self.nguoi_ky,
            ..DocumentOverrides::default()
        };
        let merged = flags.or(from_file);
        let source = match &self.file {
            Some(path) => format!("các tùy chọn báo cáo tổng hợp và tệp {}", path.display()),
            None => "các tùy chọn báo cáo tổng hợp".to_string(),
        };
        merged.check(&source)?;
        Ok(merged)
    }
}

/// What `render DATA.json -t mau.docx` adds to the data: its `van_ban` fields and the
/// report's name. The data is otherwise the form's whole context.
#[derive(clap::Args)]
#[command(next_help_heading = "Mẫu biểu với dữ liệu JSON/TOML")]
struct FormArgs {
    /// Số văn bản (van_ban.so).
    #[arg(long = "so", value_name = "SỐ")]
    so: Option<String>,
    /// Ngày văn bản, dd/mm/yyyy (van_ban.ngay).
    #[arg(long = "ngay", value_name = "NGÀY", value_parser = parse_day)]
    ngay: Option<String>,
    /// Người ký (van_ban.nguoi_ky).
    #[arg(long = "nguoi-ky", value_name = "HỌ_TÊN")]
    nguoi_ky: Option<String>,
    /// Chức vụ người ký (van_ban.chuc_vu).
    #[arg(long = "chuc-vu", value_name = "CHỨC_VỤ")]
    chuc_vu: Option<String>,
    /// Quyền hạn ký (van_ban.quyen_han_ky).
    #[arg(long = "quyen-han-ky", value_name = "QUYỀN_HẠN")]
    quyen_han_ky: Option<String>,
    /// Cơ quan ban hành (van_ban.co_quan_ban_hanh).
    #[arg(long = "co-quan", value_name = "CƠ_QUAN")]
    co_quan: Option<String>,
    /// Địa danh (van_ban.dia_danh).
    #[arg(long = "dia-danh", value_name = "ĐỊA_DANH")]
    dia_danh: Option<String>,
    /// Trích yếu (van_ban.trich_yeu).
    #[arg(long = "trich-yeu", value_name = "TRÍCH_YẾU")]
    trich_yeu: Option<String>,
    /// Tên tệp báo cáo, một mẫu nhỏ trên dữ liệu (ví dụ «don-hang-{{ so }}»; mặc định: tên tệp dữ liệu).
    #[arg(long = "ten-tep", value_name = "MẪU_TÊN")]
    ten_tep: Option<String>,
    /// Bỏ các liên kết ra ngoài tệp của mẫu (mẫu đính kèm trên máy chủ, đối tượng OLE ở file:///…) trong báo cáo.
    #[arg(long = "bo-lien-ket-ngoai")]
    drop_external: bool,
}

impl FormArgs {
    fn apply(self, pack: &mut Pack) {
        if self.drop_external {
            pack.drop_external_links();
        }
        let Some(run) = pack.data_run.as_mut() else { return };
        run.set("so", self.so);
        run.set("ngay", self.ngay);
        run.set("nguoi_ky", self.nguoi_ky);
        run.set("chuc_vu", self.chuc_vu);
        run.set("quyen_han_ky", self.quyen_han_ky);
        run.set("co_quan_ban_hanh", self.co_quan.map(|c| c.replace("\\n", "\n")));
        run.set("dia_danh", self.dia_danh);
        run.set("trich_yeu", self.trich_yeu);
        run.ten_tep = self.ten_tep;
    }
}

/// The output formats of `render` and `batch`.
#[derive(clap::Args)]
struct OutputArgs {
    /// Định dạng kết quả, một hoặc nhiều, cách nhau bằng dấu phẩy (docx, odt, pdf; mặc định: theo đuôi tệp của -o, không có thì docx). PDF do baocao tự dàn trang, không cần LibreOffice; chỉ báo cáo điền từ mẫu Word/.odt riêng mới xuất PDF qua LibreOffice.
    #[arg(short = 'f', long = "format", value_name = "ĐỊNH_DẠNG", value_parser = parse_formats)]
    formats: Option<Formats>,
    /// Xuất PDF qua LibreOffice (chuyển từ tệp .docx) thay cho bộ dàn trang có sẵn của baocao.
    #[arg(long = "pdf-qua-libreoffice")]
    pdf_qua_libreoffice: bool,
    /// Văn bản điện tử theo Phụ lục I Nghị định 30: PDF/A-2b để ký số, mỗi phụ lục một tệp PDF riêng («…-phu-luc-1.pdf», …) đánh số trang từ 1, chừa chỗ cho chữ ký số của văn thư ở góc trên bên phải trang đầu phụ lục; không có -f thì chỉ xuất PDF.
    #[arg(long = "dien-tu", conflicts_with = "pdf_qua_libreoffice")]
    dien_tu: bool,
    /// Chương trình LibreOffice dùng để xuất PDF (mặc định: tìm «soffice» trong PATH khi cần); chỉ ra LibreOffice thì PDF được xuất qua LibreOffice như --pdf-qua-libreoffice.
    #[arg(long = "soffice", value_name = "ĐƯỜNG_DẪN")]
    soffice: Option<PathBuf>,
}

/// What `OutputArgs` resolve to: the formats, how PDF is made, and LibreOffice when
/// it may be needed.
struct Outputs {
    formats: Vec<OutputFormat>,
    pdf: PdfMode,
    soffice: Option<PathBuf>,
}

impl OutputArgs {
    /// The formats, and LibreOffice when PDF is asked for through it (or named with
    /// --soffice): a missing one ends the run before any work. Otherwise LibreOffice
    /// is looked for on the PATH, for filled forms only, and may be missing.
    fn resolve(self) -> std::result::Result<Outputs, ExitCode> {
        // `--dien-tu` alone writes the electronic document only; with -f, besides it.
        let mut formats = match self.formats {
            Some(f) => f.0,
            None if self.dien_tu => vec![OutputFormat::Pdf],
            None => vec![OutputFormat::Docx],
        };
        if self.dien_tu && !formats.contains(&OutputFormat::Pdf) {
            formats.push(OutputFormat::Pdf);
        }
        // Naming a LibreOffice (--soffice) asks for PDF through it.
        let pdf = if self.dien_tu {
            PdfMode::Electronic
        } else if self.pdf_qua_libreoffice || self.soffice.is_some() {
            PdfMode::LibreOffice
        } else {
            PdfMode::Native
        };
        if !formats.contains(&OutputFormat::Pdf) {
            return Ok(Outputs {
                formats,
                pdf,
                soffice: None,
            });
        }
        if pdf == PdfMode::LibreOffice || self.soffice.is_some() {
            match write::libreoffice::find(self.soffice.as_deref()) {
                Ok(s) => Ok(Outputs {
                    formats,
                    pdf,
                    soffice: Some(s),
                }),
                Err(e) => {
                    print(&[e]);
                    Err(ExitCode::from(2))
                }
            }
        } else {
            Ok(Outputs {
                formats,
                pdf,
                soffice: write::libreoffice::find(None).ok(),
            })
        }
    }
}

/// `-o ra/` (ending in a separator) or `-o ra` where «ra» is an existing folder:
/// the report goes into that folder under its own name.
fn is_folder(output: &Path) -> bool {
    let text = output.as_os_str().to_string_lossy();
    text.ends_with('/') || text.ends_with(std::path::MAIN_SEPARATOR) || output.is_dir()
}

/// `render -o bao-cao.pdf`: the extension of the output names the format, unless
/// `-f` names it too; an extension that is no format, or that `-f` leaves out, is an
/// error (exit 2) rather than a file of another kind than its name says.
fn formats_of_output(output: Option<&Path>, mut args: OutputArgs) -> std::result::Result<OutputArgs, ExitCode> {
    let Some(extension) = output.filter(|o| !is_folder(o)).and_then(Path::extension) else {
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

fn parse_addr(text: &str) -> std::result::Result<std::net::SocketAddr, String> {
    text.trim()
        .parse()
        .map_err(|_| "cần địa chỉ IP và cổng, ví dụ 127.0.0.1:8080 hoặc 0.0.0.0:8080".to_string())
}

fn parse_formats(text: &str) -> std::result::Result<Formats, String> {
    let mut out = Vec::new();
    for name in text.split(',').filter(|s| !s.trim().is_empty()) {
        let f = OutputFormat::parse(name).ok_or_else(|| {
            let valid = ["docx", "odt", "pdf"].map(String::from);
            format!(
                "định dạng «{}» không có; chọn trong: docx, odt, pdf{}",
                name.trim(),
                nearest_hint(name.trim(), &valid)
            )
        })?;
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
    let Some(command) = cli.command else {
        return double_click();
    };
    match command {
        Command::Render {
            workbook,
            pack,
            output,
            output_formats,
            form,
        } => {
            if let Some(code) = missing_input(&workbook) {
                return code;
            }
            let chosen = output_formats.formats.is_some()
                || output
                    .as_deref()
                    .filter(|o| !is_folder(o))
                    .and_then(OutputFormat::from_path)
                    .is_some();
            match formats_of_output(output.as_deref(), output_formats).and_then(OutputArgs::resolve) {
                Ok(outputs) => render(
                    &workbook,
                    pack.dir.as_deref(),
                    output.as_deref(),
                    (outputs, chosen),
                    *form,
                ),
                Err(code) => code,
            }
        }
        Command::Batch {
            input,
            output,
            pack,
            output_formats,
            no_summary,
            summary,
            quiet,
            verbose,
            ten_tep,
            drop_external,
        } => {
            if let Some(code) = missing_input(&input) {
                return code;
            }
            let chosen = output_formats.formats.is_some();
            match output_formats.resolve() {
                Ok(Outputs { formats, pdf, soffice }) => {
                    let group_by_folder = summary.group == Some(Grouping::Folder);
                    let comparison = summary.previous.clone().map(|dir| (dir, summary.mapping.clone()));
                    let form = summary.form_args(ten_tep, drop_external);
                    let summary_frame = match summary.overrides() {
                        Ok(o) => o,
                        Err(e) => {
                            print(&[e]);
                            return ExitCode::from(2);
                        }
                    };
                    let options = batch::Options {
                        out_dir: output,
                        formats,
                        summary: !no_summary,
                        soffice,
                        pdf,
                        root: input.is_dir().then(|| input.clone()),
                        group_by_folder,
                        summary_frame,
                        previous: None,
                        cancel: batch::Cancel::new(),
                        sink: batch::Sink::Folder,
                    };
                    run_batch(
                        &input,
                        pack.dir.as_deref(),
                        options,
                        comparison,
                        (chosen, form),
                        (quiet, verbose),
                    )
                }
                Err(code) => code,
            }
        }
        Command::Check { input, pack, format } => match missing_input(&input) {
            Some(code) => code,
            None => check(&input, pack.dir.as_deref(), format),
        },
        Command::Inspect {
            workbook,
            manifest,
            mau_docx,
        } => match missing_input(&workbook) {
            Some(code) => code,
            None => inspect(&workbook, manifest.as_deref(), mau_docx),
        },
        Command::Serve { addr, token } => serve(addr, token, false),
    }
}

/// No command, as when the program is opened from Explorer: the page on this machine
/// only, at a port the system finds free, in the default browser. An error is kept on
/// screen until Enter, since the console window would otherwise close with it.
fn double_click() -> ExitCode {
    let code = serve(std::net::SocketAddr::from(([127, 0, 0, 1], 0)), None, true);
    if code != ExitCode::SUCCESS && std::io::stdin().is_terminal() {
        eprintln!("Nhấn Enter để đóng cửa sổ.");
        let _ = std::io::stdin().read_line(&mut String::new());
    }
    code
}

/// Set (to anything) to keep the browser closed when the page starts without a command.
const NO_BROWSER: &str = "BAOCAO_KHONG_MO_TRINH_DUYET";

/// Opens `url` in the default browser, in the background; false when there is no way to
/// (no desktop, no xdg-open): the address printed is then the way in.
fn open_browser(url: &str) -> bool {
    use std::process::{Command, Stdio};
    if std::env::var_os(NO_BROWSER).is_some() {
        return false;
    }
    let mut command = if cfg!(windows) {
        // `start` is a command of cmd itself; its first quoted argument is a title.
        let mut c = Command::new("cmd");
        c.args(["/C", "start", "", url]);
        c
    } else if cfg!(target_os = "macos") {
        let mut c = Command::new("open");
        c.arg(url);
        c
    } else {
        let mut c = Command::new("xdg-open");
        c.arg(url);
        c
    };
    let spawned = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match spawned {
        Ok(mut child) => {
            // Reaped when it ends (xdg-open returns once the browser is asked).
            std::thread::spawn(move || child.wait());
            true
        }
        Err(_) => false,
    }
}

fn serve(addr: std::net::SocketAddr, token: Option<String>, browser: bool) -> ExitCode {
    let open_to_network = !addr.ip().is_loopback();
    if let Some(why) = token.as_deref().and_then(baocao::serve::token_problem) {
        eprintln!("Lỗi: không dùng được mã truy cập này: {why}.");
        return ExitCode::from(2);
    }
    let config = baocao::serve::Config {
        token,
        ..baocao::serve::Config::default()
    };
    if open_to_network && config.token.is_none() {
        eprintln!("Lưu ý: trang mở cho mọi máy trong mạng và không có mã truy cập (--ma-truy-cap).");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Lỗi: không khởi động được máy chủ ({e}).");
            return ExitCode::from(2);
        }
    };
    let listener = match runtime.block_on(tokio::net::TcpListener::bind(addr)) {
        Ok(l) => l,
        Err(e) => return refused(addr, &e),
    };
    // The port the system chose when asked for port 0.
    let addr = listener.local_addr().unwrap_or(addr);
    let url = format!("http://{addr}/");
    if browser {
        let opened = open_browser(&url);
        eprintln!("Trang báo cáo đang chạy tại: {url}");
        if opened {
            eprintln!("Đã mở trang trong trình duyệt; nếu chưa thấy, hãy mở địa chỉ trên trong trình duyệt.");
        } else {
            eprintln!("Hãy mở địa chỉ trên trong trình duyệt (Chrome, Edge, Firefox, Cốc Cốc).");
        }
        eprintln!("Để dừng: nhấn Ctrl-C hoặc đóng cửa sổ này. Các lệnh khác: baocao --help");
    } else {
        eprintln!("Trang web: {url} (nhấn Ctrl-C để dừng)");
    }
    let served = runtime.block_on(baocao::serve::serve_on(listener, config, baocao::serve::stop_signal()));
    // Jobs were cancelled: their threads end soon, removing their folders.
    runtime.shutdown_timeout(Duration::from_secs(10));
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => refused(addr, &e),
    }
}

fn refused(addr: std::net::SocketAddr, e: &std::io::Error) -> ExitCode {
    eprintln!("Lỗi: không mở được địa chỉ {addr} ({e}); hãy chọn cổng khác bằng --dia-chi.");
    ExitCode::from(2)
}

fn check(input: &Path, pack: Option<&Path>, format: CheckFormat) -> ExitCode {
    // A pack or form that does not load is checked as a file of its own: every
    // problem of a form is listed, each where it is.
    let results = match load_pack(pack).and_then(|p| baocao::check::run(&p, input).map_err(|e| vec![e])) {
        Ok(r) => r,
        Err(loi) => vec![baocao::check::Checked {
            tep: loi.first().map(|e| e.file.clone()).unwrap_or_default(),
            loi,
            canh_bao: Vec::new(),
        }],
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
            say!("  - {}: {}", baocao::check::label(d), baocao::check::line(d));
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
            "thiếu lệnh: dùng «baocao render …», «baocao batch …», «baocao check …», «baocao inspect …» hoặc «baocao serve»".to_string()
        }
        ErrorKind::InvalidSubcommand => format!(
            "lệnh «{}» không có; dùng «render», «batch», «check», «inspect» hoặc «serve»",
            detail(ContextKind::InvalidSubcommand)
        ),
        ErrorKind::UnknownArgument => format!("tùy chọn «{}» không có", detail(ContextKind::InvalidArg)),
        ErrorKind::ValueValidation | ErrorKind::InvalidValue => {
            let given = detail(ContextKind::InvalidValue);
            // A choice of clap's own (--nhom, check -f): the valid values and the nearest.
            let valid: Vec<String> = match e.get(ContextKind::ValidValue) {
                Some(clap::error::ContextValue::Strings(v)) => v.clone(),
                _ => Vec::new(),
            };
            let choices = if valid.is_empty() {
                String::new()
            } else {
                format!("; chọn trong: {}{}", valid.join(", "), nearest_hint(&given, &valid))
            };
            format!(
                "giá trị «{given}» của {} không hợp lệ{}{choices}",
                detail(ContextKind::InvalidArg),
                e.source().map(|s| format!(": {s}")).unwrap_or_default()
            )
        }
        _ => e.to_string(),
    };
    let stop = if message.ends_with('?') { "" } else { "." };
    eprintln!("Lỗi: {message}{stop}\nXem «baocao --help».");
    ExitCode::from(2)
}

fn load_pack(dir: Option<&Path>) -> std::result::Result<Pack, Vec<Diagnostic>> {
    match dir {
        // Neither a folder, a form nor an embedded pack's name: say which names
        // there are, rather than the system's «No such file or directory».
        Some(d) if !d.exists() && !is_form_path(d) && d.to_str().and_then(Pack::builtin_named).is_none() => {
            let given = d.display().to_string();
            let names: Vec<String> = Pack::builtin_names().map(String::from).collect();
            Err(vec![Diagnostic::error(
                &given,
                Place::File,
                format!(
                    "không có thư mục hay tệp mẫu này, cũng không phải tên một mẫu có sẵn; các mẫu có sẵn: {} (hoặc một thư mục mẫu có manifest.toml, một mẫu Word .docx hay .odt){}",
                    names.join(", "),
                    nearest_hint(&given, &names)
                ),
            )
            .kind(Kind::Unreadable)])
        }
        _ => Pack::open(dir),
    }
}

/// A path named like a Word or .odt form: when it is not there, the form's own
/// message says so («không đọc được mẫu biểu»), not a list of pack names.
fn is_form_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("docx") || e.eq_ignore_ascii_case("odt"))
}

/// A path given on the command line that is not there: said at once, exit 2 (a
/// usage error, as a wrong option), not 1 (a workbook with errors).
fn missing_input(path: &Path) -> Option<ExitCode> {
    if path.exists() {
        return None;
    }
    eprintln!(
        "Lỗi: {}: không tìm thấy tệp hay thư mục này; hãy kiểm tra lại tên và đường dẫn.",
        path.display()
    );
    Some(ExitCode::from(2))
}

/// «; có phải «bao-cao-ntm-2025»?»: the valid value nearest to what was typed.
fn nearest_hint(given: &str, valid: &[String]) -> String {
    let distance = |a: &str, b: &str| {
        let (a, b): (Vec<char>, Vec<char>) = (a.to_lowercase().chars().collect(), b.chars().collect());
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.iter().enumerate() {
            let mut diagonal = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let above = row[j + 1];
                row[j + 1] = (diagonal + usize::from(ca != cb)).min(row[j] + 1).min(above + 1);
                diagonal = above;
            }
        }
        row[b.len()]
    };
    valid
        .iter()
        .min_by_key(|v| distance(given, v))
        .map(|v| format!("; có phải «{v}» không?"))
        .unwrap_or_default()
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
    (outputs, chosen): (Outputs, bool),
    form: FormArgs,
) -> ExitCode {
    let mut pack = match load_pack(pack) {
        Ok(p) => p,
        Err(e) => {
            print(&e);
            return ExitCode::from(2);
        }
    };
    form.apply(&mut pack);
    let made = if report::is_data_file(workbook) {
        match report::read_data(workbook) {
            Ok(json) => report::from_data(&pack, &workbook.display().to_string(), json),
            Err(errors) => baocao::error::Outcome::failed(errors),
        }
    } else {
        report::open(&pack, workbook)
    };
    let mut report = match made.output {
        Ok(r) => r,
        Err(errors) => {
            print(&errors);
            print(&made.warnings);
            eprintln!("Không lập được báo cáo từ {}.", workbook.display());
            return ExitCode::from(1);
        }
    };
    print(&made.warnings);
    // "-o thu-muc/bao-cao.docx" names the files; every format takes the same stem.
    // "-o thu-muc/" (or an existing folder) keeps the report's own name, in that folder.
    let out_dir = match output {
        Some(folder) if is_folder(folder) => {
            if let Err(e) = std::fs::create_dir_all(folder) {
                eprintln!("Lỗi: không tạo được thư mục kết quả «{}» ({e}).", folder.display());
                return ExitCode::from(1);
            }
            folder.to_path_buf()
        }
        _ => {
            if let Some(stem) = output.and_then(Path::file_stem) {
                report.file_stem = stem.to_string_lossy().into_owned();
            }
            match output.and_then(Path::parent).filter(|p| !p.as_os_str().is_empty()) {
                Some(dir) => dir.to_path_buf(),
                None => PathBuf::from("."),
            }
        }
    };
    let options = batch::Options {
        out_dir,
        formats: baocao::plan::formats(&pack, outputs.formats, chosen),
        summary: false,
        soffice: outputs.soffice,
        pdf: outputs.pdf,
        ..batch::Options::default()
    };
    stop_on_signals(&options.cancel);
    let written = batch::write_final(&report, &options);
    // A report finished before the stop took effect is kept and said so.
    if options.cancel.is_cancelled() && written.is_err() {
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

/// Ctrl-C or SIGTERM: the first asks the work to stop cleanly (temporaries removed,
/// `tong-ket.json` written, LibreOffice ended) through the run's cancel token; a
/// second one ends at once.
fn stop_on_signals(cancel: &batch::Cancel) {
    let token = cancel.clone();
    let _ = ctrlc::set_handler(move || {
        if token.cancel() {
            std::process::exit(i32::from(batch::EXIT_INTERRUPTED));
        }
        eprintln!("Đang dừng: chờ các tệp đang lập xong và xóa tệp tạm (nhấn Ctrl-C lần nữa để dừng ngay).");
    });
}

/// An input a stopped batch never reached.
fn not_started(item: &Item) -> bool {
    !item.loi.is_empty() && item.loi.iter().all(|d| d.kind == Kind::Interrupted)
}

/// «(12 báo cáo/giây)», «(1,5 báo cáo/giây)» or «(3,2 giây/báo cáo)»: never «0».
fn rate(reports: usize, seconds: f64) -> String {
    if reports == 0 || seconds <= 0.0 {
        return String::new();
    }
    let per_second = reports as f64 / seconds;
    let text = if per_second >= 10.0 {
        format!("{per_second:.0} báo cáo/giây")
    } else if per_second >= 1.0 {
        format!("{per_second:.1} báo cáo/giây")
    } else {
        format!("{:.1} giây/báo cáo", seconds / reports as f64)
    };
    format!(" ({})", text.replace('.', ","))
}

/// A summary written in each format asked for: every file, not only the first.
fn every_format(first: &str, formats: &[OutputFormat]) -> String {
    let path = Path::new(first);
    let mut files = vec![first.to_string()];
    for f in formats {
        let other = path.with_extension(f.extension());
        if other != path && other.is_file() {
            files.push(other.display().to_string());
        }
    }
    files.join(", ")
}

fn run_batch(
    input: &Path,
    pack: Option<&Path>,
    mut options: batch::Options,
    comparison: Option<(PathBuf, Option<PathBuf>)>,
    (chosen, form): (bool, FormArgs),
    (quiet, verbose): (bool, bool),
) -> ExitCode {
    // A folder of commune workbooks, or one district workbook with a row per commune.
    let prepared = load_pack(pack).and_then(|p| batch::sources(&p, input).map(|f| (p, f)).map_err(|e| vec![e]));
    let (mut pack, (inputs, skipped)) = match prepared {
        Ok(x) => x,
        Err(e) => {
            print(&e);
            return ExitCode::from(2);
        }
    };
    // A bare form over data files only: each file is its own context, no summary.
    if pack.data_run.is_some()
        && inputs
            .iter()
            .all(|s| matches!(s, batch::Source::File(p) if report::is_data_file(p)))
    {
        options.summary = false;
    }
    form.apply(&mut pack);
    if let Some(f) = &pack.form {
        print(&f.warnings);
    }
    if let Some((dir, mapping)) = comparison {
        let previous = mapping
            .map(|m| baocao::compare::Mapping::load(&m))
            .transpose()
            .and_then(|m| baocao::compare::Previous::load(&pack, &dir, m));
        match previous {
            Ok(p) => {
                for (file, why) in p.unreadable() {
                    eprintln!("Cảnh báo: bảng tính năm trước «{file}» không dùng được để so sánh ({why}).");
                }
                if !quiet {
                    eprintln!("So sánh với số liệu năm trước của {} xã cũ.", p.len());
                }
                options.previous = Some(std::sync::Arc::new(p));
            }
            Err(e) => {
                print(&[e]);
                return ExitCode::from(2);
            }
        }
    }
    options.formats = baocao::plan::formats(&pack, std::mem::take(&mut options.formats), chosen);
    let options = &options;
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
    stop_on_signals(&options.cancel);
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
    let warnings: usize = summary.cac_tep.iter().map(|i| i.canh_bao.len()).sum();
    eprintln!(
        "Tổng kết: đã lập {} / {} báo cáo, lỗi {}, cảnh báo {warnings}, bỏ qua {} tệp; {:.2} giây{}.",
        summary.da_ghi,
        summary.so_tep,
        summary.loi,
        summary.bo_qua.len(),
        summary.giay,
        rate(summary.so_tep, summary.giay)
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
    if warnings > 0 {
        if verbose {
            for item in summary.cac_tep.iter().filter(|i| !i.canh_bao.is_empty()) {
                eprintln!("  - {}: {} cảnh báo", item.tep, item.canh_bao.len());
                for d in &item.canh_bao {
                    eprintln!("      Cảnh báo: {}", baocao::check::line(d));
                }
            }
        } else {
            let files = summary.cac_tep.iter().filter(|i| !i.canh_bao.is_empty()).count();
            eprintln!("  - {warnings} cảnh báo ở {files} tệp (thêm -v để xem từng cảnh báo).");
        }
    }
    for group in &summary.tong_hop_nhom {
        if let Some(file) = &group.bao_cao {
            eprintln!(
                "Báo cáo tổng hợp thư mục «{}» ({} xã): {}",
                group.thu_muc,
                group.so_xa,
                every_format(file, &options.formats)
            );
        }
    }
    if let Some(file) = &summary.bao_cao_tong_hop {
        eprintln!("Báo cáo tổng hợp: {}", every_format(file, &options.formats));
        if let Some(table) = &summary.bang_tong_hop {
            eprintln!("Bảng tổng hợp (Excel): {table}");
        }
        if !summary.xa_thieu.is_empty() {
            eprintln!(
                "  (tổng hợp {} xã; thiếu {} tệp không lập được báo cáo: {})",
                summary.so_xa_tong_hop,
                summary.xa_thieu.len(),
                summary.xa_thieu.join(", ")
            );
        }
    }
    for note in &summary.ghi_chu_tong_hop {
        eprintln!("  Ghi chú: {note}");
    }
    if let Some(why) = &summary.khong_tong_hop {
        eprintln!("Không có báo cáo tổng hợp: {why}");
    }
    eprintln!("Chi tiết: {}", options.out_dir.join(batch::SUMMARY_FILE).display());
    ExitCode::from(summary.exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_never_zero() {
        assert_eq!(rate(18, 19.33), " (1,1 giây/báo cáo)");
        assert_eq!(rate(3, 2.0), " (1,5 báo cáo/giây)");
        assert_eq!(rate(1000, 2.66), " (376 báo cáo/giây)");
        assert_eq!(rate(0, 0.0), "");
        assert_eq!(rate(5, 0.0), "");
    }

    #[test]
    fn the_nearest_value_is_suggested() {
        let packs = ["bao-cao-ntm", "bao-cao-ntm-2025"].map(String::from);
        assert_eq!(
            nearest_hint("bao-cao-ntm-2026", &packs),
            "; có phải «bao-cao-ntm-2025» không?"
        );
        assert_eq!(nearest_hint("BAO-CAO-NTM", &packs), "; có phải «bao-cao-ntm» không?");
    }
}
