//! Accounts: the list, an account's page with its state in every target system, and the
//! security officer's and coordinator's actions on it — close it or all of the person's
//! accounts at once (REQ-7), lock and unlock it (ACC-9).

use super::listing::{COUNT_CAP, Filter, ListParams, ListSpec, col, csv_response, person_chip, texts};
use super::*;
use app::Outstanding;
use domain::account::AccountStatus;
use domain::authz::Permission;
use store::AccountRow;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(accounts))
        .route("/accounts/{id}", get(account_detail))
        .route("/accounts/{id}/revoke", post(revoke))
        .route("/accounts/{id}/revoke-all", post(revoke_all))
        .route("/accounts/{id}/lock", post(lock))
        .route("/accounts/{id}/unlock", post(unlock))
}

async fn accounts(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, p: ListParams) -> Response {
    let tr = &ctx.tr;
    let today = s.app.now().date();
    let (limit, offset) = p.window();
    let ending = p.get("ending") == Some("soon");
    // Accounts about to end: the first to end first, unless the person sorts otherwise.
    let sort = p.sort_by(&SORTS).map(|k| (account_sort(k), p.desc)).or(ending.then_some((store::AccountSort::ValidTo, false)));
    let query = store::AccountQuery {
        statuses: match p.get("state") {
            // Not ended: every state but closed and disabled (the dashboard's "open accounts").
            Some("open") => AccountStatus::ALL
                .iter()
                .filter(|st| !matches!(st, AccountStatus::Disabled | AccountStatus::Terminated))
                .map(|st| st.as_str())
                .collect(),
            other => other.and_then(AccountStatus::parse).map(|st| vec![st.as_str()]).unwrap_or_default(),
        },
        supplier_id: p.id("supplier"),
        system_id: p.id("system"),
        person_id: p.id("person"),
        text: p.text(),
        sort,
        // Counted only so far: the full count of a long list costs more than the page.
        count_cap: (!p.csv).then_some(COUNT_CAP),
        ends_by: ending.then(|| domain::time::Date(today.0 + chrono::Duration::days(app::ACCOUNT_ENDING_DAYS))),
        offset,
        limit,
        ..Default::default()
    };
    let (rows, total) = match s.app.list_accounts(&actor, query).await {
        Ok(x) => x,
        Err(e) => return app_error_page(&ctx, e),
    };
    let ids: Vec<Uuid> = rows.iter().flat_map(|a| [a.person_id, a.system_id]).collect();
    let names = s.app.names(&ids).await.unwrap_or_default();
    let outstanding = s.app.outstanding(&rows).await.unwrap_or_default();
    let name = |id: &Uuid| names.get(id).cloned().unwrap_or_default();
    let table_rows: Vec<Vec<Cell>> = rows
        .iter()
        .map(|a| {
            vec![
                link(a.username.clone(), format!("/accounts/{}", a.id)),
                cell(name(&a.person_id)),
                cell(name(&a.system_id)),
                cell(state::status_text(tr, a, today, outstanding.get(&a.id).map_or(&[], Vec::as_slice))),
                cell(tr.date(&a.valid_from)),
                cell(tr.opt_date(&a.valid_to)),
            ]
        })
        .collect();
    let columns = vec![
        col(tr, "field-username", Some("username")),
        col(tr, "field-person_id", Some("person")),
        col(tr, "field-system_id", Some("system")),
        col(tr, "field-status", Some("status")),
        col(tr, "field-valid_from", Some("valid_from")),
        col(tr, "field-valid_to", Some("valid_to")),
    ];
    if p.csv {
        return csv_response(tr, "accounts", &columns, table_rows.iter().map(|r| texts(r)).collect());
    }
    let mut filters = vec![Filter {
        name: "state",
        options: std::iter::once(("open".to_string(), tr.t("ui-status-open")))
            .chain(AccountStatus::ALL.iter().map(|st| (st.as_str().into(), tr.t(&format!("status-{}", st.as_str())))))
            .collect(),
    }];
    if actor.supplier().is_none() {
        filters.push(Filter { name: "supplier", options: options::<Supplier>(&s, &actor, ListFilter::default()).await });
    }
    filters.push(Filter { name: "system", options: options::<System>(&s, &actor, ListFilter::default()).await });
    filters
        .push(Filter { name: "ending", options: vec![("soon".into(), tr.t1("ui-ending-within", &app::ACCOUNT_ENDING_DAYS.to_string()))] });
    let chips = person_chip(&s, &ctx, "/accounts", &p).await;
    let spec = ListSpec {
        path: "/accounts",
        params: &p,
        columns,
        filters,
        fixed: &[],
        default_sort: ("username", false),
        search_hint: tr.t("ui-search-person-hint"),
        total,
        capped: true,
    };
    let section = spec.section(&ctx, tr.t("nav-accounts"), table_rows, tr.t("ui-accounts-empty"), chips);
    let mut page_ = page(&ctx, "nav-accounts", vec![section]);
    page_.success = done_message(&ctx, &p.done);
    page_.error = error_message(&ctx, &p.error);
    render(&page_)
}

/// The columns an account list sorts by.
const SORTS: [&str; 6] = ["username", "person", "system", "status", "valid_from", "valid_to"];

fn account_sort(key: &str) -> store::AccountSort {
    match key {
        "person" => store::AccountSort::Person,
        "system" => store::AccountSort::System,
        "status" => store::AccountSort::Status,
        "valid_from" => store::AccountSort::ValidFrom,
        "valid_to" => store::AccountSort::ValidTo,
        _ => store::AccountSort::Username,
    }
}

async fn account_detail(
    State(s): State<AppState>,
    SignedIn { ctx, actor }: SignedIn,
    RecordId(id): RecordId,
    Query(q): Query<ListQuery>,
) -> Response {
    account_page(&s, &ctx, &actor, id, q.done.clone(), None).await
}

/// A form of the account's page sent back: which one (its `kind`), what was typed, why.
pub(super) type Refused = (Values, FormError);

/// An account's page: its facts and state in Portvagt and in its target system, the
/// person's other accounts with theirs, and the actions this actor may take, each behind
/// its own heading. `done` names what just happened; the confirmation is built from the
/// state as it is now, so it says what is true.
pub(super) async fn account_page(
    s: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    id: Uuid,
    done: Option<String>,
    refused: Option<Refused>,
) -> Response {
    let tr = &ctx.tr;
    let today = s.app.now().date();
    let a = match s.app.account(actor, id).await {
        Ok(a) => a,
        Err(e) => return app_error_page(ctx, e),
    };
    // The person's accounts (this one among them) as this actor may see them.
    let query = store::AccountQuery { person_id: Some(a.person_id), limit: 200, ..Default::default() };
    let siblings = s.app.list_accounts(actor, query).await.map(|x| x.0).unwrap_or_else(|_| vec![a.clone()]);
    let outstanding = s.app.outstanding(&siblings).await.unwrap_or_default();
    let mut ids = vec![a.person_id, a.system_id];
    ids.extend(siblings.iter().map(|x| x.system_id));
    ids.extend(a.roles.iter().map(|r| r.0));
    ids.extend(a.roles.iter().filter_map(|r| r.1));
    let names = s.app.names(&ids).await.unwrap_or_default();
    let name = |id: &Uuid| names.get(id).cloned().unwrap_or_default();
    let none: Vec<Outstanding> = Vec::new();
    let target = |x: &AccountRow| state::target_text(tr, &name(&x.system_id), x, outstanding.get(&x.id).unwrap_or(&none));
    let person = name(&a.person_id);
    let facts = vec![
        (tr.t("field-username"), a.username.clone()),
        (tr.t("field-person_id"), person.clone()),
        (tr.t("field-system_id"), name(&a.system_id)),
        (tr.t("field-status"), state::status_text(tr, &a, today, outstanding.get(&a.id).map_or(&[], Vec::as_slice))),
        (tr.t("ui-in-target"), target(&a)),
        (tr.t("field-valid_from"), tr.date(&a.valid_from)),
        (tr.t("field-valid_to"), tr.opt_date(&a.valid_to)),
        (tr.t("ui-roles"), a.roles.iter().map(|r| name(&r.0)).collect::<Vec<_>>().join(", ")),
        (tr.t("ui-last-activity"), tr.opt_time(&a.last_activity_at)),
    ];
    let mut sections = vec![Section { heading: tr.t("ui-account-facts"), facts, ..Default::default() }];
    if siblings.len() > 1 {
        let rows = siblings
            .iter()
            .map(|x| {
                let user = if x.id == a.id { cell(x.username.clone()) } else { link(x.username.clone(), format!("/accounts/{}", x.id)) };
                vec![
                    user,
                    cell(name(&x.system_id)),
                    cell(state::status_text(tr, x, today, outstanding.get(&x.id).map_or(&[], Vec::as_slice))),
                    cell(target(x)),
                ]
            })
            .collect();
        sections.push(Section {
            heading: tr.t1("ui-person-accounts", &person),
            table: Some(TableSpec {
                caption: tr.t1("ui-person-accounts", &person),
                headers: vec![tr.t("field-username"), tr.t("field-system_id"), tr.t("field-status"), tr.t("ui-in-target")],
                rows,
                empty: tr.t("ui-none"),
                more: String::new(),
            }),
            ..Default::default()
        });
    }
    // Each action this actor may take, behind its own heading; a form sent back opens.
    let mut actions: Vec<(String, Option<String>, FormSpec)> = Vec::new();
    if a.status.is_live() && s.app.may(actor, domain::authz::Action::Create, domain::authz::ResourceKind::Request) {
        let current: Vec<(String, String)> = {
            let mut ps: Vec<Uuid> = a.roles.iter().filter_map(|r| r.1).collect();
            ps.sort();
            ps.dedup();
            ps.iter().map(|p| (p.to_string(), name(p))).collect()
        };
        let system_profiles =
            options::<Profile>(s, actor, ListFilter { active: Some(true), refers_to: Some(a.system_id), ..Default::default() }).await;
        let job_profiles = options::<JobProfile>(s, actor, active_only()).await;
        let preset = s.app.active_preset().await.ok();
        let lead = |days: fn(&domain::policy::LeadTimes) -> u32| {
            let d = preset.as_ref().map(|p| days(&p.policy.lead_times)).unwrap_or(0);
            (today.0 + chrono::Duration::days(i64::from(d))).to_string()
        };
        let forms = account_orders::order_forms(
            tr,
            id,
            &current,
            system_profiles,
            job_profiles,
            lead(|l| l.change_days.value),
            lead(|l| l.extension_days.value),
        );
        for (f, heading) in forms.into_iter().zip(["ui-action-change-roles", "ui-action-extension", "ui-action-termination"]) {
            actions.push((tr.t(heading), None, f));
        }
    }
    if s.app.can(actor, Permission::LockAccount) && matches!(a.status, AccountStatus::Active | AccountStatus::AwaitingActivation) {
        let mut f = action_form(tr, id, "lock", "ui-lock", "button-secondary");
        f.fields.push(FieldSpec::new(tr, "reason", "textarea").required().hint(tr.t("ui-lock-hint")));
        actions.push((tr.t("ui-lock-heading"), Some(tr.t("ui-lock-intro")), f));
    }
    if s.app.can(actor, Permission::UnlockAccount) && a.status == AccountStatus::Locked {
        actions.push((
            tr.t("ui-unlock-heading"),
            Some(tr.t("ui-unlock-intro")),
            action_form(tr, id, "unlock", "ui-unlock", "button-primary"),
        ));
    }
    if s.app.can(actor, Permission::RevokeAccount) && a.status != AccountStatus::Terminated {
        let mut f = action_form(tr, id, "revoke", "ui-revoke", "button-primary pv-danger");
        f.fields.push(FieldSpec::new(tr, "reason", "textarea").required());
        f.confirm = Some(tr.text("ui-revoke-confirm", &[("arg", a.username.as_str()), ("arg2", name(&a.system_id).as_str())]));
        actions.push((tr.t("ui-revoke-heading"), Some(tr.t("ui-revoke-intro")), f));
    }
    let live_of_person = siblings.iter().filter(|x| x.status != AccountStatus::Terminated).count() as u64;
    if s.app.can(actor, Permission::ClosePersonAccounts) && live_of_person > 0 {
        let mut f = action_form(tr, id, "revoke_all", "ui-revoke-all", "button-primary pv-danger");
        f.fields.push(FieldSpec::new(tr, "reason", "textarea").required());
        f.confirm = Some(tr.text("ui-revoke-all-confirm", &[("arg", person.as_str()), ("arg2", tr.num(&live_of_person).as_str())]));
        let intro = tr.text("ui-revoke-all-intro", &[("arg", person.as_str()), ("arg2", tr.num(&live_of_person).as_str())]);
        actions.push((tr.t1("ui-revoke-all-heading", &person), Some(intro), f));
    }
    let mut error = None;
    let refused_kind = refused.as_ref().and_then(|(v, _)| v.get("kind").and_then(|k| k.first()).cloned());
    let mut refused = refused;
    for (heading, text, mut f) in actions {
        let kind = f.hidden.iter().find(|(k, _)| k == "kind").map(|(_, v)| v.clone()).unwrap_or_default();
        let open = refused_kind.as_deref() == Some(kind.as_str());
        if open && let Some((values, e)) = refused.take() {
            account_orders::refill(&mut f, &values);
            error = attach_error(std::slice::from_mut(&mut f), e);
        }
        sections.push(Section { heading, text, forms: vec![f], collapsible: Some(open), ..Default::default() });
    }
    let mut p = page(ctx, "ui-account-title", sections);
    p.crumbs = vec![("/accounts".into(), tr.t("nav-accounts"))];
    p.c.title = tr.text("ui-account-title-of", &[("arg", a.username.as_str()), ("arg2", name(&a.system_id).as_str())]);
    p.success = done.as_deref().and_then(|d| confirmation(tr, d, &a, &siblings, &outstanding, &name));
    let failed = error.is_some();
    p.error = error;
    render_form(&p, failed)
}

/// What just happened, as it stands now: closed in Portvagt, and per target system
/// whether it is closed there too or who still has to do it.
fn confirmation(
    tr: &Tr,
    done: &str,
    a: &AccountRow,
    siblings: &[AccountRow],
    outstanding: &HashMap<Uuid, Vec<Outstanding>>,
    name: &dyn Fn(&Uuid) -> String,
) -> Option<String> {
    let none: Vec<Outstanding> = Vec::new();
    let target = |x: &AccountRow| state::target_text(tr, &name(&x.system_id), x, outstanding.get(&x.id).unwrap_or(&none));
    match done {
        "revoked" | "locked" | "unlocked" => Some(format!("{} {}", tr.t(&format!("done-{done}")), target(a))),
        "revoked_all" => {
            let closed: Vec<&AccountRow> = siblings.iter().filter(|x| x.status == AccountStatus::Terminated).collect();
            let everywhere = closed.iter().all(|x| state::settled(outstanding, x.id));
            let head = tr.t(if everywhere { "done-revoked_all-everywhere" } else { "done-revoked_all" });
            let waiting: Vec<String> = closed.iter().filter(|x| !state::settled(outstanding, x.id)).map(|x| target(x)).collect();
            Some(if waiting.is_empty() { head } else { format!("{head} {}", waiting.join(" · ")) })
        }
        other => {
            let key = format!("done-{other}");
            tr.catalog.has(tr.lang, &key).then(|| tr.t(&key))
        }
    }
}

/// A form of the account's page: posts to `/accounts/{id}/{path}` with its kind.
fn action_form(tr: &Tr, id: Uuid, kind: &str, submit: &str, button_class: &'static str) -> FormSpec {
    FormSpec {
        method: "post",
        action: format!("/accounts/{id}/{}", kind.replace('_', "-")),
        submit: tr.t(submit),
        button_class,
        hidden: vec![("kind".into(), kind.into())],
        ..Default::default()
    }
}

fn one(values: &Values, name: &str) -> String {
    values.get(name).and_then(|v| v.first()).map(|v| v.trim().to_string()).unwrap_or_default()
}

/// Runs an action on the account: on success to the account's page with what happened,
/// on a refusal back to the page with the form open and the error on its field.
async fn act<F, Fut>(s: &AppState, signed: SignedIn, id: Uuid, values: Values, done: &str, run: F) -> Response
where
    F: FnOnce(Actor, Uuid, Values) -> Fut,
    Fut: std::future::Future<Output = Result<(), AppError>>,
{
    let SignedIn { ctx, actor } = signed;
    let result = run(actor.clone(), id, values.clone()).await;
    done_or_again(
        &ctx,
        s,
        result,
        |()| format!("/accounts/{id}?done={done}"),
        |fe| account_page(s, &ctx, &actor, id, None, Some((values, fe))),
    )
    .await
}

async fn revoke(State(s): State<AppState>, signed: SignedIn, RecordId(id): RecordId, Posted(values): Posted) -> Response {
    let app = s.app.clone();
    act(
        &s,
        signed,
        id,
        values,
        "revoked",
        |actor, id, v| async move { app.revoke_account(&actor, id, &one(&v, "reason")).await.map(|_| ()) },
    )
    .await
}

/// REQ-7: every account of the account's person, closed at once.
async fn revoke_all(State(s): State<AppState>, signed: SignedIn, RecordId(id): RecordId, Posted(values): Posted) -> Response {
    let app = s.app.clone();
    act(&s, signed, id, values, "revoked_all", |actor, id, v| async move {
        let acc = app.account(&actor, id).await?;
        app.revoke_person(&actor, acc.person_id, &one(&v, "reason")).await.map(|_| ())
    })
    .await
}

async fn lock(State(s): State<AppState>, signed: SignedIn, RecordId(id): RecordId, Posted(values): Posted) -> Response {
    let app = s.app.clone();
    act(&s, signed, id, values, "locked", |actor, id, v| async move {
        let reason =
            Text::parse(&one(&v, "reason")).map_err(|_| domain::error::FieldError::new("reason", domain::codes::REASON_REQUIRED))?;
        app.lock_account(&actor, id, reason).await.map(|_| ())
    })
    .await
}

async fn unlock(State(s): State<AppState>, signed: SignedIn, RecordId(id): RecordId, Posted(values): Posted) -> Response {
    let app = s.app.clone();
    act(&s, signed, id, values, "unlocked", |actor, id, _| async move { app.unlock_account(&actor, id).await.map(|_| ()) }).await
}
