//! Requests: lists, the approval inbox, detail with the policy checks, the order form.

use super::listing::{COUNT_CAP, Filter, ListParams, ListSpec, col, csv_response, person_chip, read_rows, texts};
use super::*;
use store::RequestSort;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/inbox", get(inbox)).route("/requests", get(requests))
}

async fn inbox(State(s): State<AppState>, signed: SignedIn, p: ListParams) -> Response {
    request_list(s, signed, p, true).await
}

async fn requests(State(s): State<AppState>, signed: SignedIn, p: ListParams) -> Response {
    request_list(s, signed, p, false).await
}

/// The columns a request list sorts by.
const SORTS: [(&str, RequestSort); 5] = [
    ("person", RequestSort::Person),
    ("kind", RequestSort::Kind),
    ("state", RequestSort::State),
    ("wanted_start", RequestSort::WantedStart),
    ("created", RequestSort::Created),
];

async fn request_list(s: AppState, SignedIn { ctx, actor }: SignedIn, p: ListParams, inbox: bool) -> Response {
    let tr = &ctx.tr;
    let keys: Vec<&str> = SORTS.iter().map(|(k, _)| *k).collect();
    let sort = p.sort_by(&keys).and_then(|k| SORTS.iter().find(|(x, _)| *x == k)).map(|(_, c)| (*c, p.desc));
    let filter = RequestFilter {
        state: p.get("state").and_then(|st| RequestState::ALL.into_iter().find(|x| x.as_str() == st)),
        waiting: match p.get("state") {
            Some("waiting") => Some(false),
            Some("past_start") => Some(true),
            _ => None,
        },
        kind: p.get("kind").and_then(RequestKind::parse),
        late: p.get("late").map(|v| v == "yes"),
        supplier_id: p.id("supplier"),
        person_id: p.id("person"),
        text: p.text(),
        sort,
        inbox,
        // A text search is counted only so far: its full count would cost more than the page.
        count_cap: p.text().filter(|_| !p.csv).map(|_| COUNT_CAP),
    };
    let (items, total) = match read_rows(&p, |page| s.app.list_requests(&actor, &filter, page)).await {
        Ok(x) => x,
        Err(e) => return app_error_page(&ctx, e),
    };
    let ids: Vec<Uuid> = items.iter().flat_map(|r| [r.request.person_id, r.request.system_id.unwrap_or(r.request.person_id)]).collect();
    let names = s.app.names(&ids).await.unwrap_or_default();
    let name = |id: &Uuid| names.get(id).cloned().unwrap_or_default();
    let orderers: Vec<String> = items.iter().map(|r| r.request.requested_by.name.clone()).collect();
    let people = s.app.display_names(&orderers).await;
    let rows: Vec<Vec<Cell>> = items
        .iter()
        .map(|r| {
            vec![
                link(name(&r.request.person_id), format!("/requests/{}", r.id)),
                cell(tr.t(&format!("kind-{}", r.request.kind.as_str()))),
                cell(r.request.system_id.map(|x| name(&x)).unwrap_or_default()),
                cell(tr.t(&format!("state-{}", r.request.state.as_str()))),
                cell(if r.request.late {
                    tr.t1("ui-late-start", &tr.date(&r.request.wanted_start))
                } else {
                    tr.date(&r.request.wanted_start)
                }),
                cell(people.get(&r.request.requested_by.name).unwrap_or(&r.request.requested_by.name).clone()),
                cell(tr.time(&r.created_at)),
            ]
        })
        .collect();
    let columns = vec![
        col(tr, "field-person_id", Some("person")),
        col(tr, "field-kind", Some("kind")),
        col(tr, "field-system_id", None),
        col(tr, "field-state", Some("state")),
        col(tr, "field-wanted_start", Some("wanted_start")),
        col(tr, "ui-requested-by", None),
        col(tr, "ui-ordered-at", Some("created")),
    ];
    let base = if inbox { "/inbox" } else { "/requests" };
    if p.csv {
        return csv_response(tr, base.trim_start_matches('/'), &columns, rows.iter().map(|r| texts(r)).collect());
    }
    let mut filters = Vec::new();
    if !inbox {
        filters.push(Filter {
            name: "state",
            options: [("waiting".to_string(), tr.t("ui-state-waiting")), ("past_start".to_string(), tr.t("ui-state-past-start"))]
                .into_iter()
                .chain(RequestState::ALL.iter().map(|st| (st.as_str().into(), tr.t(&format!("state-{}", st.as_str())))))
                .collect(),
        });
    }
    filters.push(Filter {
        name: "kind",
        options: RequestKind::ALL.iter().map(|k| (k.as_str().into(), tr.t(&format!("kind-{}", k.as_str())))).collect(),
    });
    filters.push(Filter { name: "late", options: vec![("yes".into(), tr.t("ui-filter-late")), ("no".into(), tr.t("ui-filter-not-late"))] });
    if actor.supplier().is_none() {
        filters.push(Filter { name: "supplier", options: options::<Supplier>(&s, &actor, ListFilter::default()).await });
    }
    let chips = person_chip(&s, &ctx, base, &p).await;
    let spec = ListSpec {
        path: base,
        params: &p,
        columns,
        filters,
        fixed: &[],
        default_sort: ("created", true),
        search_hint: tr.t("ui-search-national-id-hint"),
        total,
        capped: p.text().is_some(),
    };
    let title = if inbox { "nav-inbox" } else { "nav-requests" };
    let empty = tr.t(if inbox { "ui-inbox-empty" } else { "ui-none" });
    let sections = vec![spec.section(&ctx, tr.t(title), rows, empty, chips)];
    let mut sections = sections;
    if inbox {
        // EMG-2: the unit leader's temp accounts waiting for sign-off come first.
        let mut signoffs = emergency::signoff_sections(&s, &ctx, &actor).await;
        if !signoffs.is_empty() {
            if let Some(first) = sections.first_mut() {
                first.heading = tr.t("ui-requests-waiting-heading");
            }
            signoffs.append(&mut sections);
            sections = signoffs;
        }
    }
    let params = &p;
    let mut p = page(&ctx, title, sections);
    p.success = done_message(&ctx, &params.done);
    p.error = error_message(&ctx, &params.error);
    if s.app.may(&actor, domain::authz::Action::Create, domain::authz::ResourceKind::Request) && !inbox {
        p.actions.push(("/requests/new".into(), tr.t("ui-order-title")));
    }
    render(&p)
}

pub(super) fn kind_code(k: RequestKind) -> &'static str {
    k.as_str()
}
