//! The citizen extract as a letter: who looked at a person's data, naming the
//! organisation always and the person only after a second person approved it, in the
//! wording an authority uses for an access request (GDPR art. 15: *indsigt*,
//! *registerutdrag*); on the page, printable, and as an accessible PDF. The second
//! person finds the extracts waiting for them in a list. Log searches print here too.

use super::audit::{action_text, local_time};
use super::listing::Column;
use super::*;
use axum::http::{HeaderValue, header};
use domain::authz::Permission;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/audit/extracts", get(extracts).post(create_extract))
        .route("/audit/extracts/{id}", get(extract))
        .route("/audit/extracts/{id}/pdf", get(extract_pdf))
        .route("/audit/extracts/{id}/approve-names", post(approve_extract_names))
}

/// The form that starts an extract.
pub(super) fn extract_form_section(tr: &Tr) -> Section {
    let form = FormSpec {
        action: "/audit/extracts".into(),
        submit: tr.t("ui-create-extract"),
        button_class: "button-secondary",
        // Its own name: the log search has a `subject` field too (one id each).
        fields: vec![FieldSpec::new(tr, "extract_subject", "text").required()],
        ..Default::default()
    };
    Section { heading: tr.t("ui-extract"), text: Some(tr.t("ui-extract-intro")), forms: vec![form], ..Default::default() }
}

/// The extracts — those waiting for a second person's approval of names first in mind,
/// and the finished letters to send — and a new one.
async fn extracts(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn) -> Response {
    let tr = &ctx.tr;
    let list = match s.app.extract_list(&actor).await {
        Ok(l) => l,
        Err(e) => return app_error_page(&ctx, e),
    };
    let may_approve = s.app.can(&actor, Permission::ApproveNames);
    let rows = list
        .iter()
        .map(|x| {
            let step = match (x.names_approved, x.own, may_approve) {
                (true, _, _) => "ui-extract-ready",
                (false, true, _) => "ui-extract-own",
                (false, false, true) => "ui-extract-yours-to-approve",
                (false, false, false) => "ui-extracts-waiting",
            };
            vec![
                link(local_time(tr, &x.created_at), format!("/audit/extracts/{}", x.id)),
                cell(x.subject.clone()),
                cell(x.created_by_name.clone()),
                cell(tr.t(step)),
            ]
        })
        .collect();
    let sections = vec![
        Section {
            heading: tr.t("ui-extracts-list"),
            table: Some(TableSpec {
                caption: tr.t("ui-extracts-list"),
                headers: vec![tr.t("ui-made-at"), tr.t("ui-extract-subject"), tr.t("ui-made-by"), tr.t("ui-next-step")],
                rows,
                empty: tr.t("ui-extracts-none"),
                more: String::new(),
            }),
            ..Default::default()
        },
        extract_form_section(tr),
    ];
    let mut p = page(&ctx, "nav-extracts", sections);
    p.crumbs = vec![("/audit".into(), tr.t("nav-audit"))];
    p.intro = Some(tr.t("ui-extracts-intro"));
    render(&p)
}

#[derive(Deserialize)]
struct ExtractForm {
    #[serde(default, alias = "extract_subject")]
    subject: String,
}

async fn create_extract(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, CsrfForm(f): CsrfForm<ExtractForm>) -> Response {
    match s.app.create_extract(&actor, &f.subject).await {
        Ok(id) => Redirect::to(&format!("/audit/extracts/{id}")).into_response(),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => app_error_page(&ctx, e),
        Err(e) => {
            let msg = form_error(&ctx, &s.catalog, e).message;
            error_page(&ctx, axum::http::StatusCode::UNPROCESSABLE_ENTITY, &ctx.tr.t("problem-validation"), &msg)
        }
    }
}

/// The letter's head: the data subject (masked), the period, who made it and when, who
/// approved showing names.
fn letter_facts(tr: &Tr, x: &app::CitizenExtract) -> Vec<(String, String)> {
    let mut times: Vec<&str> = x.entries.iter().map(|e| e.occurred_at.as_str()).collect();
    times.sort_unstable();
    let period = match (times.first(), times.last()) {
        (Some(a), Some(b)) => format!("{} – {}", local_time(tr, a), local_time(tr, b)),
        _ => tr.t("ui-extract-no-events"),
    };
    let names = match (&x.names_approved_by_name, &x.names_approved_at) {
        (Some(by), Some(at)) => tr.text("ui-extract-names-by", &[("name", by), ("at", &local_time(tr, at))]),
        _ => tr.t("ui-extract-names-pending"),
    };
    vec![
        (tr.t("ui-extract-from"), x.municipality.clone()),
        (tr.t("ui-extract-subject"), x.subject.clone()),
        (tr.t("ui-extract-period"), period),
        (tr.t("ui-extract-made"), format!("{}, {}", x.created_by_name, local_time(tr, &x.created_at))),
        (tr.t("ui-extract-names"), names),
    ]
}

fn letter_rows(tr: &Tr, x: &app::CitizenExtract) -> Vec<Vec<String>> {
    x.entries
        .iter()
        .map(|e| {
            vec![
                local_time(tr, &e.occurred_at),
                e.organisation.clone(),
                e.person.clone().unwrap_or_else(|| tr.t("ui-name-withheld")),
                action_text(tr, &e.action),
                e.system.clone().unwrap_or_default(),
            ]
        })
        .collect()
}

fn letter_headers(tr: &Tr) -> Vec<String> {
    vec![tr.t("ui-when"), tr.t("ui-organisation"), tr.t("ui-person"), tr.t("field-action"), tr.t("field-system")]
}

async fn extract(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, RecordId(id): RecordId) -> Response {
    let tr = &ctx.tr;
    let x = match s.app.citizen_extract(&actor, id).await {
        Ok(x) => x,
        Err(e) => return app_error_page(&ctx, e),
    };
    let mut forms = Vec::new();
    if !x.names_approved && !actor.is(x.created_by, Some(x.created_by)) && s.app.can(&actor, Permission::ApproveNames) {
        let mut f = button(format!("/audit/extracts/{id}/approve-names"), tr.t("ui-approve-names"), true, Vec::new());
        f.confirm = Some(tr.t("ui-approve-names-confirm"));
        forms.push(f);
    }
    let rows = letter_rows(tr, &x).into_iter().map(|r| r.into_iter().map(cell).collect()).collect();
    let sections = vec![
        Section { id: Some("letter-head"), facts: letter_facts(tr, &x), text: Some(tr.t("ui-extract-letter-intro")), ..Default::default() },
        Section { text: Some(tr.t("ui-extract-letter-rights")), ..Default::default() },
        Section {
            heading: tr.t("ui-extract-accesses"),
            forms,
            table: Some(TableSpec {
                caption: tr.t("ui-extract-accesses"),
                headers: letter_headers(tr),
                rows,
                empty: tr.t("ui-extract-no-events"),
                more: String::new(),
            }),
            ..Default::default()
        },
    ];
    let mut p = page(&ctx, "ui-extract-title", sections);
    p.crumbs = vec![("/audit".into(), tr.t("nav-audit")), ("/audit/extracts".into(), tr.t("nav-extracts"))];
    p.actions.push((format!("/audit/extracts/{id}/pdf"), tr.t("ui-download-pdf")));
    render(&p)
}

/// A PDF response, or a page saying it could not be made.
fn pdf_response(ctx: &Ctx, name: &str, printout: crate::pdf::Printout) -> Response {
    match crate::pdf::render(&printout) {
        Ok(bytes) => {
            let mut res = bytes.into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.pdf\"")) {
                res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => {
            tracing::error!(error = %e, "a PDF could not be written");
            error_page(ctx, axum::http::StatusCode::INTERNAL_SERVER_ERROR, &ctx.tr.t("ui-pdf-failed-title"), &ctx.tr.t("ui-pdf-failed"))
        }
    }
}

async fn extract_pdf(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, RecordId(id): RecordId) -> Response {
    let tr = &ctx.tr;
    let x = match s.app.citizen_extract(&actor, id).await {
        Ok(x) => x,
        Err(e) => return app_error_page(&ctx, e),
    };
    // The letter the citizen gets: who approved showing names is the municipality's own
    // record, kept on the page and in the log, not in the letter.
    let mut facts = letter_facts(tr, &x);
    facts.pop();
    let printout = crate::pdf::Printout {
        title: tr.t("ui-extract-title"),
        lang: tr.lang.code(),
        facts,
        paragraphs: vec![tr.t("ui-extract-letter-intro"), tr.t("ui-extract-letter-rights")],
        headers: letter_headers(tr),
        rows: letter_rows(tr, &x),
        page_label: tr.t("ui-pdf-page"),
    };
    pdf_response(&ctx, &format!("{}-{}", tr.t("ui-extract-file"), &x.created_at.get(..10).unwrap_or("")), printout)
}

/// A log search as a PDF: what was searched for, by whom and when, then the results.
pub(super) fn search_pdf(ctx: &Ctx, columns: &[Column], rows: &[Vec<Cell>], terms: &[(String, String)]) -> Response {
    let tr = &ctx.tr;
    let mut facts = terms.to_vec();
    if let Some(u) = ctx.session.as_ref().and_then(|s| s.user.as_ref()) {
        facts.push((tr.t("ui-printed-by"), u.display_name.clone()));
    }
    facts.push((tr.t("ui-printed-at"), tr.time(&domain::time::Timestamp(chrono::Utc::now()))));
    let printout = crate::pdf::Printout {
        title: tr.t("ui-audit-printout"),
        lang: tr.lang.code(),
        facts,
        paragraphs: Vec::new(),
        headers: columns.iter().map(|c| c.label.clone()).collect(),
        rows: rows.iter().map(|r| super::listing::texts(r)).collect(),
        page_label: tr.t("ui-pdf-page"),
    };
    pdf_response(ctx, "audit-log", printout)
}

/// a second DPO or security officer approves showing the accessing persons' names
/// (the use-case refuses the extract's own creator).
async fn approve_extract_names(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    Posted(_): Posted,
) -> Response {
    match s.app.approve_extract_names(&actor, id).await {
        Ok(()) => Redirect::to(&format!("/audit/extracts/{id}")).into_response(),
        Err(e @ (AppError::NotFound | AppError::Forbidden)) => app_error_page(&ctx, e),
        Err(e) => {
            let msg = form_error(&ctx, &s.catalog, e).message;
            error_page(&ctx, axum::http::StatusCode::UNPROCESSABLE_ENTITY, &ctx.tr.t("problem-validation"), &msg)
        }
    }
}
