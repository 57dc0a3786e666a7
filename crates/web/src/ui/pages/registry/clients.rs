//! A supplier's client list on its page: how many clients it has today, the
//! imports that brought them, and — for the coordinator — a file to import, refused as a
//! whole with every bad line listed.

use super::*;
use crate::ui::pages::audit::local_time;
use app::{ClientListMode, MAX_CLIENT_FILE_BYTES};
use axum::extract::Multipart;
use domain::authz::Permission;

/// Lines of a refused file listed on the page; the message gives the full count.
const SHOWN_LINES: usize = 100;

/// A refused import: the message on the file field, and the file's bad lines
/// (line, column, problem).
pub(super) struct ClientsRefusal {
    pub message: String,
    pub lines: Vec<(usize, String, String)>,
    pub mode: String,
}

/// The client list's sections of a supplier's page, for those who may see it.
pub(super) async fn client_sections(s: &AppState, ctx: &Ctx, actor: &Actor, id: Uuid, refusal: Option<&ClientsRefusal>) -> Vec<Section> {
    let tr = &ctx.tr;
    if !s.app.can(actor, Permission::SeeClientLists) {
        return Vec::new();
    }
    let Ok(list) = s.app.client_list(actor, id).await else { return Vec::new() };
    let people: Vec<String> = list.imports.iter().filter(|i| !i.automatic).map(|i| i.imported_by.clone()).collect();
    let names = s.app.display_names(&people).await;
    let by = |i: &app::ClientImportView| {
        if i.automatic {
            tr.t1("ui-actor-automatic", &i.imported_by)
        } else {
            names.get(&i.imported_by).cloned().unwrap_or_else(|| i.imported_by.clone())
        }
    };
    let n = |x: u64| tr.num(&x);
    let mut facts = vec![(tr.t("ui-clients-current"), n(list.current)), (tr.t("ui-clients-kept"), n(list.kept))];
    if let Some(last) = list.imports.first() {
        facts.push((tr.t("ui-clients-last-import"), format!("{}, {}", local_time(tr, &last.imported_at), by(last))));
    }
    // A supplier sees how many of its clients the list holds and when it was last
    // imported; who imported it and what changed are the municipality's.
    if actor.supplier().is_some() {
        let when = list.imports.first().map(|l| local_time(tr, &l.imported_at));
        let mut facts = vec![(tr.t("ui-clients-current"), n(list.current))];
        facts.extend(when.map(|w| (tr.t("ui-clients-last-import"), w)));
        return vec![Section { heading: tr.t("ui-clients"), text: Some(tr.t("ui-clients-intro-supplier")), facts, ..Default::default() }];
    }
    let mut section = Section {
        heading: tr.t("ui-clients"),
        text: Some(tr.t(if list.imports.is_empty() { "ui-clients-intro-none" } else { "ui-clients-intro" })),
        facts,
        table: (!list.imports.is_empty()).then(|| TableSpec {
            caption: tr.t("ui-clients-imports"),
            headers: [
                "ui-when",
                "ui-clients-by",
                "ui-clients-mode",
                "ui-clients-total",
                "ui-clients-added",
                "ui-clients-changed",
                "ui-clients-removed",
            ]
            .iter()
            .map(|k| tr.t(k))
            .collect(),
            rows: list
                .imports
                .iter()
                .map(|i| {
                    vec![
                        cell(local_time(tr, &i.imported_at)),
                        cell(by(i)),
                        cell(tr.t(&format!("ui-clients-mode-{}", i.mode))),
                        cell(n(i.counts.total)),
                        cell(n(i.counts.added)),
                        cell(n(i.counts.changed)),
                        cell(n(i.counts.removed)),
                    ]
                })
                .collect(),
            empty: String::new(),
            more: String::new(),
        }),
        ..Default::default()
    };
    if s.app.can(actor, Permission::ImportClientList) {
        let mode = refusal.map(|r| r.mode.clone()).unwrap_or_else(|| "replace".into());
        let modes = ["replace", "update"].iter().map(|m| (m.to_string(), tr.t(&format!("opt-client_mode-{m}")))).collect();
        let mut file = FieldSpec::new(tr, "client_file", "file").required().hint(tr.t("hint-client_file"));
        file.error = refusal.map(|r| r.message.clone());
        section.forms.push(FormSpec {
            method: "post",
            action: format!("/registry/supplier/{id}/clients"),
            submit: tr.t("ui-clients-import"),
            button_class: "button-secondary",
            upload: true,
            prefix: "c",
            fields: vec![
                file,
                FieldSpec::new(tr, "client_mode", "select").required().options(modes, &[mode]).hint(tr.t("hint-client_mode")),
            ],
            ..Default::default()
        });
    }
    let mut out = vec![section];
    if let Some(r) = refusal.filter(|r| !r.lines.is_empty()) {
        out.push(Section {
            heading: tr.t("ui-clients-bad-lines"),
            text: (r.lines.len() > SHOWN_LINES).then(|| tr.t1("ui-clients-bad-lines-more", &SHOWN_LINES.to_string())),
            table: Some(TableSpec {
                caption: tr.t("ui-clients-bad-lines"),
                headers: vec![tr.t("ui-line"), tr.t("ui-column"), tr.t("ui-problem")],
                rows: r
                    .lines
                    .iter()
                    .take(SHOWN_LINES)
                    .map(|(l, c, m)| vec![cell(l.to_string()), cell(c.clone()), cell(m.clone())])
                    .collect(),
                empty: String::new(),
                more: String::new(),
            }),
            ..Default::default()
        });
    }
    out
}

/// The posted upload: its form token, mode, and the file's name and bytes.
#[derive(Default)]
struct Upload {
    csrf: String,
    mode: String,
    name: String,
    bytes: Vec<u8>,
}

async fn read_upload(mut mp: Multipart) -> Option<Upload> {
    let mut up = Upload::default();
    while let Ok(Some(field)) = mp.next_field().await {
        match field.name().unwrap_or_default() {
            "csrf" => up.csrf = field.text().await.ok()?,
            "client_mode" => up.mode = field.text().await.ok()?,
            "client_file" => {
                up.name = field.file_name().unwrap_or_default().to_string();
                up.bytes = field.bytes().await.ok()?.to_vec();
            }
            _ => {}
        }
    }
    Some(up)
}

/// The import's address opened again (a reload, the address bar): the supplier's page.
pub(super) async fn back_to_supplier(RecordId(id): RecordId) -> Response {
    Redirect::to(&format!("/registry/supplier/{id}")).into_response()
}

/// `POST /registry/supplier/{id}/clients`: imports the uploaded file.
pub(super) async fn import(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    mp: Multipart,
) -> Response {
    let tr = &ctx.tr;
    let Some(up) = read_upload(mp).await else {
        let too_big = tr.text(domain::codes::BODY_TOO_LARGE, &[("arg", &MAX_CLIENT_FILE_BYTES.to_string())]);
        return error_page(&ctx, axum::http::StatusCode::PAYLOAD_TOO_LARGE, &tr.t("problem-validation"), &too_big);
    };
    if let Err(r) = ctx.check_csrf(&up.csrf) {
        return r;
    }
    let refused = |message: String, lines: Vec<(usize, String, String)>| ClientsRefusal { message, lines, mode: up.mode.clone() };
    let refusal = match ClientListMode::parse(&up.mode) {
        Err(e) => refused(form_error(&ctx, &s.catalog, AppError::Invalid(e)).message, Vec::new()),
        Ok(_) if up.bytes.is_empty() => refused(tr.t(domain::codes::CLIENT_LIST_EMPTY), Vec::new()),
        Ok(mode) => {
            let lower = up.name.to_ascii_lowercase();
            let csv = !(lower.ends_with(".ndjson") || lower.ends_with(".jsonl") || lower.ends_with(".json"));
            match s.app.import_client_list(&actor, id, &up.bytes, csv, mode).await {
                Ok(_) => return Redirect::to(&format!("/registry/supplier/{id}?done=clients_imported")).into_response(),
                Err(e @ (AppError::NotFound | AppError::Forbidden)) => return app_error_page(&ctx, e),
                Err(AppError::BatchInvalid(lines)) => {
                    let whole = lines.iter().find(|l| l.line == 0);
                    let message = match whole {
                        Some(l) => tr.text(l.code, &[("field", &tr.t("field-client_file")), ("arg", l.arg.as_deref().unwrap_or(""))]),
                        None if lines.len() == 1 => tr.t("clients-refused-one"),
                        None => tr.text("clients-refused", &[("count", &lines.len().to_string())]),
                    };
                    let rows = lines
                        .iter()
                        .filter(|l| l.line > 0)
                        .map(|l| {
                            (
                                l.line,
                                l.field.clone(),
                                tr.text(l.code, &[("field", l.field.as_str()), ("arg", l.arg.as_deref().unwrap_or(""))]),
                            )
                        })
                        .collect();
                    refused(message, rows)
                }
                Err(AppError::Conflict(mut e)) if e.code == domain::codes::CLIENT_LIST_SAME_FILE => {
                    e.arg = e.arg.as_deref().map(|t| local_time(tr, t));
                    refused(form_error(&ctx, &s.catalog, AppError::Conflict(e)).message, Vec::new())
                }
                Err(e) => refused(form_error(&ctx, &s.catalog, e).message, Vec::new()),
            }
        }
    };
    detail_page::<domain::registry::Supplier>(&s, &ctx, &actor, id, Outcome::Clients(refusal)).await
}
