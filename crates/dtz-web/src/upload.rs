//! File uploads (`multipart/form-data`, no JavaScript needed): the form's text fields and
//! one file, with explicit limits. Routes that take uploads get a larger body limit of
//! their own ([`UPLOAD_BODY_LIMIT`]); the rest of the application keeps its small one.
//! A file larger than the limit of files is drained, not kept, so the form's other
//! fields are still read and the use case can say clearly what is wrong.

use crate::error::AppError;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dtz_domain::files::{FileKind, MAX_FILE_BYTES};
use std::collections::BTreeMap;

/// Largest body of an upload route: the largest file and room for the form around it.
pub const UPLOAD_BODY_LIMIT: usize = MAX_FILE_BYTES + 1024 * 1024;

/// Largest total of the text fields of an upload form.
const TEXT_LIMIT: usize = 64 * 1024;

/// The file of an upload form.
#[derive(Clone, Debug, Default)]
pub struct UploadedFile {
    /// The name the browser sent (possibly empty, possibly a path).
    pub name: String,
    /// The bytes, at most one more than [`MAX_FILE_BYTES`] (so a larger file is known
    /// to be too large).
    pub bytes: Vec<u8>,
}

/// A submitted upload form.
#[derive(Clone, Debug, Default)]
pub struct Upload {
    /// Text fields by name (the last one wins).
    pub fields: BTreeMap<String, String>,
    /// The field named `file`, if sent.
    pub file: Option<UploadedFile>,
}

impl Upload {
    /// A text field, or "".
    pub fn get(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

fn read_error(e: &axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge
    } else {
        AppError::BadRequest(format!("The upload could not be read: {}", e.body_text()))
    }
}

impl<S: Send + Sync> FromRequest<S> for Upload {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let mut mp = Multipart::from_request(req, state).await.map_err(|_| {
            AppError::BadRequest("Send the form as multipart/form-data, with the file in the field “file”.".into())
        })?;
        let mut out = Upload::default();
        let mut text = 0usize;
        while let Some(mut field) = mp.next_field().await.map_err(|e| read_error(&e))? {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "file" {
                let mut f = UploadedFile { name: field.file_name().unwrap_or_default().to_owned(), bytes: Vec::new() };
                while let Some(chunk) = field.chunk().await.map_err(|e| read_error(&e))? {
                    let room = (MAX_FILE_BYTES + 1).saturating_sub(f.bytes.len());
                    f.bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
                out.file = Some(f);
            } else {
                let value = field.text().await.map_err(|e| read_error(&e))?;
                text += name.len() + value.len();
                if text > TEXT_LIMIT {
                    return Err(AppError::TooLarge);
                }
                out.fields.insert(name, value);
            }
        }
        Ok(out)
    }
}

/// A stored file as a download: always an attachment, its stored type only when it is
/// one dtz accepts (else `application/octet-stream`), never sniffed by the browser.
pub fn download(name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
    let kind = FileKind::from_content_type(content_type);
    let served = match kind {
        Some(k @ (FileKind::Csv | FileKind::Text)) => format!("{}; charset=utf-8", k.content_type()),
        Some(k) => k.content_type().to_owned(),
        None => "application/octet-stream".to_owned(),
    };
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' ' | '(' | ')') { c } else { '_' })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    (
        [(CONTENT_TYPE, served), (CONTENT_DISPOSITION, disposition), (X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned())],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn downloads_are_attachments_with_safe_names_and_known_types_only() {
        let r = super::download("Informe “final”\r\n.pdf", "application/pdf", b"%PDF-".to_vec());
        let h = r.headers();
        assert_eq!(h["content-type"], "application/pdf");
        let d = h["content-disposition"].to_str().unwrap();
        assert!(
            d.starts_with("attachment; filename=\"Informe _final___.pdf\"; filename*=UTF-8''Informe%20%E2%80%9C"),
            "{d}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        let r = super::download("x.html", "text/html", b"<script>".to_vec());
        assert_eq!(r.headers()["content-type"], "application/octet-stream");
        let r = super::download("x.csv", "text/csv", b"a,b".to_vec());
        assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    }
}
