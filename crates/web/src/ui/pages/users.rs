//! Users of Portvagt (administrators, X-8): the list, and a new user with the person
//! picked by name — a supplier's orderer from the supplier's list of orderers, which it
//! cannot be created without — and no role chosen for them. The one-time password shows
//! once, in monospace with a copy button. Each user's own page is in `user_page`.

use super::listing::{Filter, ListParams, ListSpec, PAGE_SIZE, col, csv_response, texts};
use super::*;
use app::UserView;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/admin/users", get(users).post(create_user))
}

#[derive(Deserialize, Default)]
pub(super) struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    supplier_id: String,
    #[serde(default)]
    department_id: String,
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    oidc_subject: String,
    /// A name to find the person by (narrows the person list).
    #[serde(default)]
    person_q: String,
}

async fn users(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, p: ListParams) -> Response {
    let f = UserForm { person_q: p.get("person_q").unwrap_or("").to_string(), ..Default::default() };
    users_page(&s, &ctx, &actor, &p, &f, Vec::new(), done_message(&ctx, &p.done), None).await
}

/// The users the list's search and filters select, in its order (there are a few
/// hundred at most: filtered here rather than in the database).
fn select_users(p: &ListParams, tr: &Tr, mut list: Vec<UserView>) -> Vec<UserView> {
    if let Some(q) = p.text().map(|q| q.to_lowercase()) {
        list.retain(|u| u.user.username.to_lowercase().contains(&q) || u.user.display_name.to_lowercase().contains(&q));
    }
    if let Some(role) = p.get("user_role") {
        list.retain(|u| u.user.role.as_str() == role);
    }
    if let Some(active) = p.get("active") {
        list.retain(|u| u.user.active == (active == "yes"));
    }
    match p.sort_by(&["username", "display_name", "role"]) {
        Some("display_name") => list.sort_by_key(|u| u.user.display_name.to_lowercase()),
        Some("role") => list.sort_by_key(|u| tr.role(&u.user.role)),
        _ => list.sort_by(|a, b| a.user.username.cmp(&b.user.username)),
    }
    if p.desc {
        list.reverse();
    }
    list
}

/// The persons a user can be: everyone on a supplier's list of orderers (named with
/// their supplier), and the persons whose name matches the search.
async fn person_options(s: &AppState, actor: &Actor, q: &str) -> Vec<(String, String)> {
    let suppliers: HashMap<Uuid, String> =
        s.app.choices::<Supplier>(actor).await.map(|list| list.iter().cloned().collect()).unwrap_or_default();
    let mut out: Vec<(String, String)> = s
        .app
        .orderer_persons(actor)
        .await
        .map(|l| l.iter().map(|(id, label)| (id.to_string(), label.clone())).collect())
        .unwrap_or_default();
    if !q.trim().is_empty() {
        let filter = ListFilter { active: Some(true), q: Some(q.trim().to_string()), ..Default::default() };
        if let Ok(found) = s.app.list::<Person>(actor, &filter, PageRequest { page: 1, page_size: 50 }).await {
            for p in found.items {
                let of = p.data.affiliations.first().and_then(|a| suppliers.get(&a.supplier_id)).cloned().unwrap_or_default();
                if !out.iter().any(|(id, _)| *id == p.id.to_string()) {
                    out.push((p.id.to_string(), if of.is_empty() { p.data.name.to_string() } else { format!("{} – {of}", p.data.name) }));
                }
            }
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

#[allow(clippy::too_many_arguments)]
async fn users_page(
    s: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    params: &ListParams,
    f: &UserForm,
    errors: Vec<FormError>,
    success: Option<String>,
    secret: Option<Section>,
) -> Response {
    let tr = &ctx.tr;
    let list = match s.app.users(actor).await {
        Ok(l) => l,
        Err(e) => return app_error_page(ctx, e),
    };
    let list = select_users(params, tr, list);
    let total = list.len() as u64;
    let shown: Vec<&UserView> =
        if params.csv { list.iter().collect() } else { list.iter().skip(params.offset() as usize).take(PAGE_SIZE as usize).collect() };
    let rows: Vec<Vec<Cell>> = shown
        .iter()
        .map(|u| {
            vec![
                link(u.user.username.clone(), format!("/admin/users/{}", u.user.id)),
                cell(u.user.display_name.clone()),
                cell(tr.role(&u.user.role)),
                cell(tr.t(if u.user.active { "ui-user-active" } else { "ui-user-inactive" })),
                cell(tr.t(if u.user.totp_confirmed { "ui-totp-set" } else { "ui-totp-not-set" })),
                cell(tr.num(&u.open_sessions)),
            ]
        })
        .collect();
    let roles: Vec<(String, String)> =
        UserRole::ALL.iter().filter(|r| **r != UserRole::TargetSystem).map(|r| (r.as_str().to_string(), tr.role(r))).collect();
    let columns = vec![
        col(tr, "field-username", Some("username")),
        col(tr, "field-display_name", Some("display_name")),
        col(tr, "field-role", Some("role")),
        col(tr, "field-status", None),
        col(tr, "ui-totp", None),
        col(tr, "ui-open-sessions", None),
    ];
    if params.csv {
        return csv_response(tr, "users", &columns, rows.iter().map(|r| texts(r)).collect());
    }
    let spec = ListSpec {
        path: "/admin/users",
        params,
        columns,
        filters: vec![
            Filter { name: "user_role", options: roles.clone() },
            Filter { name: "active", options: vec![("yes".into(), tr.t("ui-user-active")), ("no".into(), tr.t("ui-user-inactive"))] },
        ],
        fixed: &["person_q"],
        default_sort: ("username", false),
        search_hint: tr.t("ui-search-user-hint"),
        total,
        capped: false,
    };
    let suppliers = options::<Supplier>(s, actor, active_only()).await;
    let departments = options::<Department>(s, actor, active_only()).await;
    let choose = tr.t("ui-choose");
    let find = FormSpec {
        method: "get",
        action: "/admin/users".into(),
        submit: tr.t("ui-find-person"),
        button_class: "button-secondary",
        inline: true,
        fields: vec![FieldSpec::new(tr, "person_q", "text").value(&f.person_q).hint(tr.t("ui-find-person-hint"))],
        ..Default::default()
    };
    let form = FormSpec {
        action: "/admin/users".into(),
        submit: tr.t("ui-create-user"),
        button_class: "button-primary",
        hidden: vec![("person_q".into(), f.person_q.clone())],
        fields: vec![
            FieldSpec::new(tr, "username", "text").required().value(&f.username),
            FieldSpec::new(tr, "display_name", "text").required().value(&f.display_name),
            FieldSpec::new(tr, "role", "select").required().options(roles, std::slice::from_ref(&f.role)).placeholder(choose.clone()),
            FieldSpec::new(tr, "supplier_id", "select")
                .options(suppliers, std::slice::from_ref(&f.supplier_id))
                .placeholder(tr.t("ui-none-option"))
                .hint(tr.t("ui-supplier-hint")),
            FieldSpec::new(tr, "department_id", "select")
                .options(departments, std::slice::from_ref(&f.department_id))
                .placeholder(tr.t("ui-none-option"))
                .hint(tr.t("ui-department-hint")),
            FieldSpec::new(tr, "person_id", "select")
                .options(person_options(s, actor, &f.person_q).await, std::slice::from_ref(&f.person_id))
                .placeholder(tr.t("ui-none-option"))
                .hint(tr.t("ui-person-id-hint")),
            FieldSpec::new(tr, "oidc_subject", "text").value(&f.oidc_subject).hint(tr.t("ui-oidc-subject-hint")),
        ],
        ..Default::default()
    };
    let mut forms = [form];
    let msg = attach_errors(&mut forms, errors);
    let failed = msg.is_some();
    let mut sections = Vec::new();
    sections.extend(secret);
    sections.push(spec.section(ctx, tr.t("nav-users"), rows, tr.t("ui-none"), Vec::new()));
    // The person is found first, then the rest filled in.
    let mut create = vec![find];
    create.extend(forms);
    sections.push(Section {
        heading: tr.t("ui-create-user"),
        forms: create,
        collapsible: Some(failed || !f.person_q.is_empty()),
        ..Default::default()
    });
    let mut p = page(ctx, "nav-users", sections);
    p.error = msg;
    p.success = success;
    render_form(&p, failed)
}

/// The one-time password of a user just made or reset: once, in monospace, copyable.
pub(super) fn secret_section(tr: &Tr, username: &str, password: &str) -> Section {
    Section {
        id: Some("receipt"),
        heading: tr.t1("ui-one-time-password-for", username),
        text: Some(tr.t("ui-one-time-password-intro")),
        secrets: vec![(tr.t("ui-one-time-password"), password.to_string())],
        ..Default::default()
    }
}

async fn create_user(State(s): State<AppState>, SignedIn { ctx, actor }: SignedIn, CsrfForm(f): CsrfForm<UserForm>) -> Response {
    let mut errors = Vec::new();
    let mut opt_id = |v: &str, field: &str| -> Option<Uuid> {
        match v.trim() {
            "" => None,
            x => Uuid::parse_str(x).map_err(|_| errors.push(domain::error::FieldError::new(field, domain::codes::UNKNOWN_REFERENCE))).ok(),
        }
    };
    let mut supplier_id = opt_id(&f.supplier_id, "supplier_id");
    let department_id = opt_id(&f.department_id, "department_id");
    let person_id = opt_id(&f.person_id, "person_id");
    let role = match f.role.trim() {
        "" => {
            errors.push(domain::error::FieldError::new("role", domain::codes::MISSING_FIELD));
            None
        }
        r => UserRole::parse(r).or_else(|| {
            errors.push(domain::error::FieldError::with("role", domain::codes::UNKNOWN_ROLE, r));
            None
        }),
    };
    for (field, value) in [("username", &f.username), ("display_name", &f.display_name)] {
        if value.trim().is_empty() {
            errors.push(domain::error::FieldError::new(field, domain::codes::EMPTY));
        }
    }
    // An orderer picked from a supplier's list belongs to that supplier.
    if role == Some(UserRole::SupplierOrderer)
        && supplier_id.is_none()
        && let Some(person) = person_id
    {
        let filter = ListFilter { active: Some(true), refers_to: Some(person), ..Default::default() };
        if let Ok(list) = s.app.list::<domain::registry::Orderer>(&actor, &filter, PageRequest { page: 1, page_size: 10 }).await {
            let mut suppliers: Vec<Uuid> = list.items.iter().filter(|o| o.data.person_id == person).map(|o| o.data.supplier_id).collect();
            suppliers.dedup();
            if suppliers.len() == 1 {
                supplier_id = suppliers.pop();
            }
        }
    }
    let result = match role {
        Some(role) if errors.is_empty() => {
            let input = UserInput {
                username: f.username.clone(),
                display_name: f.display_name.clone(),
                role,
                supplier_id,
                department_id,
                person_id,
                oidc_subject: Some(f.oidc_subject.clone()),
            };
            s.app.create_user(&actor, input).await
        }
        _ => {
            let errors = errors.into_iter().map(|e| form_error(&ctx, &s.catalog, AppError::Invalid(e))).collect();
            return users_page(&s, &ctx, &actor, &ListParams::default(), &f, errors, None, None).await;
        }
    };
    match result {
        Ok((user, password)) => {
            let secret = secret_section(&ctx.tr, &user.username, &password);
            let msg = ctx.tr.t1("done-user_created", &user.username);
            users_page(&s, &ctx, &actor, &ListParams::default(), &UserForm::default(), Vec::new(), Some(msg), Some(secret)).await
        }
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => app_error_page(&ctx, e),
        Err(e) => {
            let fe = form_error(&ctx, &s.catalog, e);
            users_page(&s, &ctx, &actor, &ListParams::default(), &f, vec![fe], None, None).await
        }
    }
}
