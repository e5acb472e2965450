//! The page's HTML: minijinja templates (HTML auto-escaped by their `.html` names)
//! compiled into the binary.

use super::jobs::Finished;
use super::Limits;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::{context, Environment, Value};

pub const CSS: &str = include_str!("trang/kieu.css");

const POLICY: &str = "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const TEMPLATES: &[(&str, &str)] = &[
    ("khung.html", include_str!("trang/khung.html")),
    ("trang-chu.html", include_str!("trang/trang-chu.html")),
    ("cho.html", include_str!("trang/cho.html")),
    ("ket-qua.html", include_str!("trang/ket-qua.html")),
    ("xem.html", include_str!("trang/xem.html")),
    ("loi.html", include_str!("trang/loi.html")),
    ("dang-nhap.html", include_str!("trang/dang-nhap.html")),
];

pub struct Pages {
    env: Environment<'static>,
    keep_minutes: u64,
}

impl Pages {
    pub fn new(limits: &Limits) -> Pages {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            // Our own templates, checked by the tests: a failure here is a bug.
            env.add_template(name, source).expect("the page's templates are valid");
        }
        Pages {
            env,
            keep_minutes: limits.keep.as_secs().div_ceil(60),
        }
    }

    fn render(&self, status: StatusCode, name: &str, ctx: Value) -> Response {
        let ctx = context! { keep_minutes => self.keep_minutes, ..ctx };
        match self.env.get_template(name).and_then(|t| t.render(ctx)) {
            Ok(html) => (
                status,
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    (header::CACHE_CONTROL, "no-store"),
                    // No script at all; the preview's inline styles are ours.
                    (header::CONTENT_SECURITY_POLICY, POLICY),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                ],
                html,
            )
                .into_response(),
            Err(e) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("Lỗi của máy chủ khi dựng trang ({e})."),
            )
                .into_response(),
        }
    }

    /// `chosen`: an embedded pack to have checked (a results page's «send again
    /// with…»); none: the pack follows the workbooks' year.
    pub fn home(&self, limits: &Limits, chosen: Option<&str>) -> Response {
        self.render(
            StatusCode::OK,
            "trang-chu.html",
            context! {
                packs => Value::from(minijinja::value::Serde(super::jobs::PACKS)),
                chosen,
                request => super::size(limits.request as u64),
                files => limits.files,
                unpacked => super::size(limits.unpacked),
                job_time => limits.job_time.as_secs(),
            },
        )
    }

    pub fn login(&self, status: StatusCode, message: Option<&str>) -> Response {
        self.render(status, "dang-nhap.html", context! { message })
    }

    pub fn error(&self, status: StatusCode, message: &str) -> Response {
        self.render(status, "loi.html", context! { message })
    }

    pub fn waiting(
        &self,
        id: &str,
        position: Option<usize>,
        progress: Option<(usize, usize, Option<usize>)>,
    ) -> Response {
        let (done, total, pdfs) = progress.unwrap_or((0, 0, None));
        self.render(StatusCode::OK, "cho.html", context! { id, position, done, total, pdfs })
    }

    pub fn result(&self, id: &str, result: &Finished) -> Response {
        let first = result.items.iter().find(|i| i.preview.is_some());
        let errors = result.items.iter().any(|i| !i.ok);
        let failed = result.items.iter().filter(|i| !i.ok).count();
        self.render(
            StatusCode::OK,
            "ket-qua.html",
            context! {
                id,
                totals => result.totals.clone(),
                errors,
                failed,
                succeeded => result.items.len() - failed,
                pack_note => result.pack_note.clone(),
                notices => result.notices.clone(),
                suggested => result.suggested,
                outputs => Value::from(minijinja::value::Serde(&result.outputs)),
                single => result.single,
                count => result.files.len(),
                written => result.written,
                items => Value::from(minijinja::value::Serde(&result.items)),
                skipped => Value::from(minijinja::value::Serde(&result.skipped)),
                summary_errors => Value::from(minijinja::value::Serde(&result.summary_errors)),
                missing => result.missing.clone(),
                preview => first.and_then(|i| i.preview.clone()),
                preview_name => first.map(|i| i.tep.clone()),
            },
        )
    }

    pub fn preview(&self, id: &str, result: &Finished, index: usize) -> Response {
        let item = &result.items[index];
        match &item.preview {
            Some(preview) => self.render(
                StatusCode::OK,
                "xem.html",
                context! { id, name => item.tep.clone(), preview },
            ),
            None => self.error(
                StatusCode::NOT_FOUND,
                "Tệp này không có bản xem trước (không lập được báo cáo, hoặc báo cáo dùng mẫu Word).",
            ),
        }
    }
}
