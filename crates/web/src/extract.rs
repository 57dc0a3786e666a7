//! Parsing at the edge: the caller behind the bearer token, the language, JSON bodies
//! (size-limited, unknown fields refused, errors naming the field) and query strings.

use crate::AppState;
use crate::problem::Problem;
use app::AppError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use domain::authz::Actor;
use domain::codes;
use domain::error::{FieldError, Invalid};
use i18n::Lang;
use serde::de::DeserializeOwned;

/// The largest JSON body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub fn lang_of(parts: &Parts) -> Lang {
    Lang::negotiate(parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()))
}

/// The caller's language, for endpoints without a token.
pub struct LangOf(pub Lang);

impl FromRequestParts<AppState> for LangOf {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Problem> {
        Ok(LangOf(lang_of(parts)))
    }
}

/// An authenticated caller: who, and in which language to answer.
pub struct Caller {
    pub actor: Actor,
    pub lang: Lang,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let lang = lang_of(parts);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| Problem::from_app(&state.catalog, lang, AppError::Unauthenticated))?;
        let actor = state.app.authenticate(token).await.map_err(|e| Problem::from_app(&state.catalog, lang, e))?;
        Ok(Caller { actor, lang })
    }
}

impl Caller {
    pub fn problem(&self, state: &AppState) -> impl Fn(AppError) -> Problem + '_ {
        let catalog = state.catalog.clone();
        let lang = self.lang;
        move |e| Problem::from_app(&catalog, lang, e)
    }
}

/// Turns a `serde_path_to_error` failure into a field error: our own parse codes come
/// back from the `Display` of [`Invalid`]; serde's structural errors get codes of their
/// own.
pub fn json_error(e: serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    if inner.is_syntax() || inner.is_eof() || inner.is_io() {
        return FieldError::with("body", codes::MALFORMED_BODY, inner);
    }
    let full = inner.to_string();
    // serde_json appends " at line N column M".
    let msg = match full.rfind(" at line ") {
        Some(i) => &full[..i],
        None => full.as_str(),
    };
    field_error_from_message(if path == "." { "" } else { &path }, msg)
}

/// Classifies a deserializer's message (JSON or query string) into a field error.
pub fn field_error_from_message(path: &str, msg: &str) -> FieldError {
    let join = |name: &str| {
        if path.is_empty() { name.to_string() } else { format!("{path}.{name}") }
    };
    let ticked = |m: &str| m.split('`').nth(1).unwrap_or("").to_string();
    if let Some(inv) = Invalid::from_message(msg) {
        return inv.at(if path.is_empty() { "body" } else { path });
    }
    if msg.starts_with("unknown field") {
        // serde_path_to_error's path already ends with the unknown key.
        let field = if path.is_empty() { ticked(msg) } else { path.to_string() };
        return FieldError::new(field, codes::UNKNOWN_FIELD);
    }
    if msg.starts_with("missing field") {
        return FieldError::new(join(&ticked(msg)), codes::MISSING_FIELD);
    }
    let code = if msg.starts_with("invalid type") { codes::WRONG_TYPE } else { codes::INVALID_VALUE };
    FieldError::with(if path.is_empty() { "body" } else { path }, code, expected_kind(msg))
}

/// What a deserializer expected, as one word the message catalogues choose their text
/// by (`number`, `boolean`, `list`, `text`, `choice`, `other`): its own wording
/// (`invalid type: string "x", expected u32`) is never shown to anyone.
fn expected_kind(msg: &str) -> &'static str {
    let expected = msg.rsplit_once("expected").map(|(_, e)| e.trim()).unwrap_or("");
    let is = |words: &[&str]| words.iter().any(|w| expected.contains(w));
    if msg.starts_with("unknown variant") || is(&["one of", "variant"]) {
        "choice"
    } else if is(&["u8", "u16", "u32", "u64", "i8", "i16", "i32", "i64", "usize", "f32", "f64", "integer", "number"]) {
        "number"
    } else if is(&["bool"]) {
        "boolean"
    } else if is(&["sequence", "array", "list"]) {
        "list"
    } else if is(&["string", "str"]) {
        "text"
    } else {
        "other"
    }
}

/// A JSON body, parsed into `T` with every error naming its field. Nothing is written
/// when this fails: it runs before the handler.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = Problem;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Problem> {
        let (parts, body) = req.into_parts();
        let lang = lang_of(&parts);
        let json = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|ct| {
                let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            })
            .unwrap_or(false);
        if !json {
            return Err(Problem::unsupported_media_type(&state.catalog, lang));
        }
        let bytes: Bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
            .await
            .map_err(|_| Problem::field(&state.catalog, lang, &FieldError::with("body", codes::BODY_TOO_LARGE, MAX_BODY_BYTES), false))?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let value: T =
            serde_path_to_error::deserialize(&mut de).map_err(|e| Problem::field(&state.catalog, lang, &json_error(e), false))?;
        de.end().map_err(|e| Problem::field(&state.catalog, lang, &FieldError::with("body", codes::MALFORMED_BODY, e), false))?;
        Ok(JsonBody(value))
    }
}

/// Query parameters as (name, value) pairs, parsed by the handler with
/// [`QueryParams::take`] so that each error names the parameter.
pub struct QueryParams {
    pairs: Vec<(String, String)>,
}

impl QueryParams {
    pub fn parse(query: Option<&str>) -> QueryParams {
        let pairs = form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect();
        QueryParams { pairs }
    }

    /// Removes and parses parameter `name`.
    pub fn take<T>(&mut self, name: &str, parse: impl Fn(&str) -> Option<T>) -> Result<Option<T>, FieldError> {
        let Some(pos) = self.pairs.iter().position(|(k, _)| k == name) else {
            return Ok(None);
        };
        let (_, v) = self.pairs.remove(pos);
        if self.pairs.iter().any(|(k, _)| k == name) {
            return Err(FieldError::new(name, codes::DUPLICATE_ENTRY));
        }
        parse(&v).map(Some).ok_or_else(|| FieldError::with(name, codes::INVALID_VALUE, v))
    }

    /// Fails on any parameter not taken.
    pub fn finish(self) -> Result<(), FieldError> {
        match self.pairs.into_iter().next() {
            Some((k, _)) => Err(FieldError::new(k, codes::UNKNOWN_FIELD)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: domain::text::Name,
        inner: Inner,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        cap: u32,
        org: domain::ident::OrgNumber,
    }

    fn err(json: &str) -> FieldError {
        let mut de = serde_json::Deserializer::from_str(json);
        json_error(serde_path_to_error::deserialize::<_, Outer>(&mut de).unwrap_err())
    }

    #[test]
    fn json_errors_name_the_field() {
        assert_eq!(err(r#"{"name":"x","inner":{"cap":1,"org":"29189839"}}"#), FieldError::new("inner.org", codes::CVR_CHECKSUM));
        assert_eq!(err(r#"{"name":"x","inner":{"cap":"many","org":"29189838"}}"#).field, "inner.cap");
        assert_eq!(err(r#"{"name":"x","inner":{"cap":"many","org":"29189838"}}"#).code, codes::WRONG_TYPE);
        assert_eq!(err(r#"{"name":"x","inner":{"cap":1,"org":"29189838","x":1}}"#), FieldError::new("inner.x", codes::UNKNOWN_FIELD));
        assert_eq!(err(r#"{"name":"x","inner":{"org":"29189838"}}"#), FieldError::new("inner.cap", codes::MISSING_FIELD));
        assert_eq!(err(r#"{"name":"  ","inner":{"cap":1,"org":"29189838"}}"#), FieldError::new("name", codes::EMPTY));
        assert_eq!(err(r#"{"name":"x","#).code, codes::MALFORMED_BODY);
        assert_eq!(err(r#"{"name":"x","inner":{"cap":-1,"org":"29189838"}}"#).code, codes::INVALID_VALUE);
    }

    #[test]
    fn no_parser_text_reaches_a_message_only_what_was_expected() {
        // REQ: OPS-2
        let wrong = err(r#"{"name":"x","inner":{"cap":"many","org":"29189838"}}"#);
        assert_eq!((wrong.code, wrong.arg.as_deref()), (codes::WRONG_TYPE, Some("number")));
        assert_eq!(err(r#"{"name":"x","inner":{"cap":-1,"org":"29189838"}}"#).arg.as_deref(), Some("number"));
        assert_eq!(err(r#"{"name":7,"inner":{"cap":1,"org":"29189838"}}"#).arg.as_deref(), Some("text"));
        assert_eq!(field_error_from_message("kind", "unknown variant `x`, expected one of `a`, `b`").arg.as_deref(), Some("choice"));
        assert_eq!(field_error_from_message("on", "invalid type: string \"y\", expected a boolean").arg.as_deref(), Some("boolean"));
        assert_eq!(field_error_from_message("xs", "invalid type: map, expected a sequence").arg.as_deref(), Some("list"));
    }
}
