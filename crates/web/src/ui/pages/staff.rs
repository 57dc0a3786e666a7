//! The supplier's staff and their evidence (ACC-4).

use super::*;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/staff", get(staff))
        .route("/staff/{id}/evidence", post(record_evidence))
        .route("/staff/{id}/leaver", post(report_leaver))
}

async fn staff(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ListQuery>) -> Response {
    let actor = actor_or_return!(ctx);
    let tr = &ctx.tr;
    let filter = ListFilter { active: Some(true), supplier_id: actor.supplier(), ..Default::default() };
    let list = match s.app.list::<Person>(&actor, &filter, page_request(&q)).await {
        Ok(l) => l,
        Err(e) => return app_error_page(&ctx, e),
    };
    let ids: Vec<Uuid> = list.items.iter().map(|p| p.id).collect();
    let evidence = match s.app.evidence_kinds(&actor, &ids).await {
        Ok(e) => e,
        Err(e) => return app_error_page(&ctx, e),
    };
    let mut rows = Vec::new();
    for p in &list.items {
        let has = |code: &str| evidence.get(&p.id).is_some_and(|k| k.iter().any(|x| x == code));
        let mut row = vec![cell(p.data.name.to_string())];
        for kind in [EvidenceKind::ConfidentialityDeclaration, EvidenceKind::Training, EvidenceKind::IdentityCheck] {
            let code = serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            if has(&code) {
                row.push(cell(tr.t("ui-recorded")));
            } else {
                let mut c = cell("");
                c.form = Some(button(
                    format!("/staff/{}/evidence", p.id),
                    tr.t(&format!("ui-record-{code}")),
                    false,
                    vec![("kind".into(), code)],
                ));
                row.push(c);
            }
        }
        let mut leaver = cell("");
        let mut f = button(format!("/staff/{}/leaver", p.id), tr.t("ui-report-leaver"), false, Vec::new());
        f.confirm = Some(tr.t1("ui-report-leaver-confirm", p.data.name.as_str()));
        leaver.form = Some(f);
        row.push(leaver);
        rows.push(row);
    }
    let more = if list.page < list.total_pages as u32 { format!("/staff?page={}", list.page + 1) } else { String::new() };
    let mut p = page(
        &ctx,
        "nav-staff",
        vec![Section {
            table: Some(TableSpec {
                caption: tr.t("nav-staff"),
                headers: vec![
                    tr.t("field-name"),
                    tr.t("evidence-confidentiality_declaration"),
                    tr.t("evidence-training"),
                    tr.t("evidence-identity_check"),
                ],
                rows,
                empty: tr.t("ui-none"),
                more,
            }),
            ..Default::default()
        }],
    );
    p.intro = Some(tr.t("ui-staff-intro"));
    if s.app.may(&actor, domain::authz::Action::Create, domain::authz::ResourceKind::Person) {
        p.actions = vec![("/registry/person/new".into(), tr.t("new-person"))];
    }
    p.success = done_message(&ctx, &q.done);
    render(&p)
}

#[derive(Deserialize)]
struct EvidenceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
}

async fn record_evidence(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>, Form(f): Form<EvidenceForm>) -> Response {
    csrf_or_return!(ctx, &f.csrf);
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    let Ok(kind) = serde_json::from_value::<EvidenceKind>(serde_json::json!(f.kind)) else {
        return app_error_page(&ctx, AppError::NotFound);
    };
    match s.app.record_evidence(&actor, id, kind, None).await {
        Ok(_) => Redirect::to("/staff?done=evidence").into_response(),
        Err(e) => app_error_page(&ctx, e),
    }
}

/// REQ-4: the orderer reports that a staff member has left; every account of theirs
/// ends at once (a termination needs no approval).
async fn report_leaver(State(s): State<AppState>, ctx: Ctx, Path(id): Path<String>, Form(f): Form<CsrfOnly>) -> Response {
    csrf_or_return!(ctx, &f.csrf);
    let actor = actor_or_return!(ctx);
    let id = id_or_return!(ctx, id);
    let input = RequestInput {
        kind: RequestKind::Termination,
        person_id: id,
        system_id: None,
        account_id: None,
        agreement_id: None,
        job_profile_id: None,
        deviations: Vec::new(),
        wanted_start: s.app.now().date(),
        end_date: None,
        urgent_reason: None,
        needs_assessment_ref: None,
        comment: None,
        draft: false,
    };
    match s.app.submit_request(&actor, input).await {
        Ok(v) => Redirect::to(&format!("/requests/{}?done=leaver", v.id)).into_response(),
        Err(e @ (AppError::NotFound | AppError::Forbidden)) => app_error_page(&ctx, e),
        Err(AppError::Invalid(fe)) if fe.field == "person_id" => app_error_page(&ctx, AppError::NotFound),
        Err(e) => {
            let msg = form_error(&ctx, &s.catalog, e).message;
            error_page(&ctx, axum::http::StatusCode::UNPROCESSABLE_ENTITY, &ctx.tr.t("problem-validation"), &msg)
        }
    }
}
