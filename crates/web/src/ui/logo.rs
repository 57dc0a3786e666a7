//! The municipality's logo in the header, beside "Portvagt" and its name, when the
//! configuration names one (`logo_file`): an SVG or PNG file, checked when Portvagt
//! starts and served from memory at `/logo`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The largest logo accepted: a header logo is a few kilobytes.
pub const LOGO_MAX_BYTES: usize = 256 * 1024;

/// A logo file, its kind known from its content.
#[derive(Clone, Debug)]
pub struct Logo {
    bytes: Arc<[u8]>,
    content_type: &'static str,
}

impl Logo {
    /// The logo in `bytes`, or what is wrong with it.
    pub fn parse(bytes: &[u8]) -> Result<Logo, String> {
        if bytes.is_empty() {
            return Err("the file is empty".into());
        }
        if bytes.len() > LOGO_MAX_BYTES {
            return Err(format!("the file is {} KiB; a logo may be at most {} KiB", bytes.len() / 1024, LOGO_MAX_BYTES / 1024));
        }
        let content_type = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            "image/png"
        } else if is_svg(bytes) {
            "image/svg+xml"
        } else {
            return Err("the file is neither an SVG nor a PNG image".into());
        };
        Ok(Logo { bytes: bytes.into(), content_type })
    }

    /// The logo as a response: an image that cannot run anything even when opened on
    /// its own (an SVG may hold scripts; the sandbox keeps them inert).
    pub fn response(&self) -> Response {
        let mut res = self.bytes.to_vec().into_response();
        let h = res.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"));
        h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        res
    }
}

/// An SVG document: UTF-8 text whose first element is `<svg` (after an XML declaration,
/// comments or a doctype).
fn is_svg(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else { return false };
    let mut rest = text.trim_start_matches('\u{feff}').trim_start();
    loop {
        if rest.starts_with("<svg") {
            return true;
        }
        let skip = ["<?", "<!--", "<!"].iter().find(|p| rest.starts_with(**p)).map(|p| match *p {
            "<?" => rest.find("?>").map(|i| i + 2),
            "<!--" => rest.find("-->").map(|i| i + 3),
            _ => rest.find('>').map(|i| i + 1),
        });
        match skip.flatten() {
            Some(i) => rest = rest[i..].trim_start(),
            None => return false,
        }
    }
}

/// `GET /logo`: the configured logo, or 404 when there is none.
pub(crate) async fn serve(logo: Option<Logo>) -> Response {
    match logo {
        Some(l) => l.response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_and_png_are_known_by_their_content() {
        assert_eq!(Logo::parse(b"<svg xmlns='http://www.w3.org/2000/svg'/>").unwrap().content_type, "image/svg+xml");
        let declared = "\u{feff}<?xml version=\"1.0\"?>\n<!-- Tårnby -->\n<!DOCTYPE svg>\n<svg/>";
        assert_eq!(Logo::parse(declared.as_bytes()).unwrap().content_type, "image/svg+xml");
        assert_eq!(Logo::parse(b"\x89PNG\r\n\x1a\n rest").unwrap().content_type, "image/png");
    }

    #[test]
    fn other_files_are_refused_with_the_reason() {
        assert_eq!(Logo::parse(b"").unwrap_err(), "the file is empty");
        assert!(Logo::parse(b"<html><svg/></html>").unwrap_err().contains("neither an SVG nor a PNG"));
        assert!(Logo::parse(b"\xff\xd8\xff\xe0 jpeg").unwrap_err().contains("neither an SVG nor a PNG"));
        assert!(Logo::parse(&vec![b' '; LOGO_MAX_BYTES + 1]).unwrap_err().contains("at most 256 KiB"));
    }
}
