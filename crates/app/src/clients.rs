//! Suppliers' client lists: the citizens a supplier serves, imported from the care
//! system as CSV or NDJSON, all or nothing with every bad line named, and kept only as
//! blind indexes — a CPR number or personnummer is never stored in clear. The security
//! report and the log-control samples ask whether a supplier's account looked up one of
//! the supplier's own clients.

use crate::audit_log::{LineError, err, err_with, json_lines};
use crate::{App, AppError, Result};
use domain::authz::{Actor, Permission};
use domain::codes;
use domain::error::FieldError;
use domain::ident::{NationalId, OrgNumber};
use domain::time::Date;
use store::{ClientListCounts, ClientListImport, ClientRelation};
use uuid::Uuid;

/// Relations per file, at most.
pub const MAX_CLIENTS: usize = 200_000;
/// The largest client-list file: 200,000 lines of up to ~80 bytes.
pub const MAX_CLIENT_FILE_BYTES: usize = 16 * 1024 * 1024;

/// How an import treats the relations already kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientListMode {
    /// The file is the whole list: relations not in it are removed.
    Replace,
    /// The file adds relations or changes their last day; the rest are kept.
    Update,
}

impl ClientListMode {
    pub fn parse(s: &str) -> std::result::Result<Self, FieldError> {
        match s.trim() {
            "" | "replace" => Ok(ClientListMode::Replace),
            "update" => Ok(ClientListMode::Update),
            other => Err(FieldError::with("mode", codes::CLIENT_LIST_MODE, other)),
        }
    }
}

/// One parsed line: the data subject in canonical form (never stored), the first and the
/// last day of the relation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientLine {
    pub subject: String,
    pub from: Date,
    pub to: Option<Date>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    national_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// The supplier's CVR number or organisationsnummer, when the file names it.
    supplier: Option<String>,
}

/// What a supplier's client list holds, for those who may see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClientListSummary {
    pub supplier_id: Uuid,
    /// Relations that hold today.
    pub current: u64,
    /// Relations kept in all, past and future ones too.
    pub kept: u64,
    /// The latest imports, newest first.
    pub imports: Vec<ClientImportView>,
}

/// One import as the pages and the API show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClientImportView {
    pub id: Uuid,
    pub imported_at: String,
    pub imported_by: String,
    pub automatic: bool,
    pub mode: String,
    /// SHA-256 of the file, hex.
    pub digest: String,
    #[serde(flatten)]
    pub counts: ClientListCounts,
}

impl From<ClientListImport> for ClientImportView {
    fn from(i: ClientListImport) -> Self {
        ClientImportView {
            id: i.id,
            imported_at: i.imported_at,
            imported_by: i.imported_by,
            automatic: i.automatic,
            mode: i.mode,
            digest: i.digest,
            counts: i.counts,
        }
    }
}

fn check(n: usize, l: Line, supplier: &OrgNumber, errors: &mut Vec<LineError>) -> Option<ClientLine> {
    let before = errors.len();
    let subject = match l.national_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => {
            errors.push(err(n, "national_id", codes::LINE_REQUIRED));
            None
        }
        Some(v) => match NationalId::parse(v) {
            Ok(id) => Some(id.canonical()),
            Err(_) => {
                errors.push(err(n, "national_id", codes::LINE_NATIONAL_ID));
                None
            }
        },
    };
    let mut day = |field: &str, v: Option<String>, required: bool| match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => {
            if required {
                errors.push(err(n, field, codes::LINE_REQUIRED));
            }
            None
        }
        Some(text) => match Date::parse(text) {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(err_with(n, field, codes::LINE_DATE, text.chars().take(40).collect::<String>()));
                None
            }
        },
    };
    let from = day("from", l.from, true);
    let to = day("to", l.to, false);
    if let (Some(f), Some(t)) = (&from, &to)
        && t < f
    {
        errors.push(err(n, "to", codes::LINE_ENDS_BEFORE_START));
    }
    if let Some(named) = l.supplier.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        match OrgNumber::parse(named) {
            Ok(o) if o.key() == supplier.key() => {}
            _ => errors.push(err_with(n, "supplier", codes::LINE_OTHER_SUPPLIER, named.chars().take(20).collect::<String>())),
        }
    }
    (errors.len() == before).then(|| ClientLine { subject: subject.expect("checked"), from: from.expect("checked"), to })
}

/// Parses a client list: CSV with a header row (`national_id`, `from`, `to`, optionally
/// `supplier`; `,` or `;` between the cells, as Danish and Swedish spreadsheets write
/// it), or NDJSON / a JSON array of objects with those fields. Every bad line is named,
/// one bad line refuses the file, and a data subject listed twice from the same day is a
/// bad line.
pub fn parse_client_list(body: &[u8], csv: bool, supplier: &OrgNumber) -> std::result::Result<Vec<ClientLine>, Vec<LineError>> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let values: Vec<(usize, std::result::Result<Line, String>)> = if csv {
        let first = body.split(|b| *b == b'\n').next().unwrap_or_default();
        let delimiter = if first.contains(&b';') { b';' } else { b',' };
        let mut r = csv::ReaderBuilder::new().delimiter(delimiter).trim(csv::Trim::All).flexible(false).from_reader(body);
        let headers = r.headers().map_err(|_| vec![err(0, "body", codes::CLIENT_FILE_UNREADABLE)])?.clone();
        if !headers.iter().any(|h| h.eq_ignore_ascii_case("national_id")) {
            return Err(vec![err(0, "header", codes::CLIENT_FILE_HEADER)]);
        }
        r.records()
            .enumerate()
            .map(|(i, rec)| {
                let parsed = rec.map_err(|e| e.to_string()).and_then(|rec| {
                    let obj: serde_json::Map<String, serde_json::Value> = headers
                        .iter()
                        .zip(rec.iter())
                        .filter(|(_, v)| !v.is_empty())
                        .map(|(h, v)| (h.to_ascii_lowercase(), serde_json::Value::String(v.to_string())))
                        .collect();
                    serde_json::from_value::<Line>(serde_json::Value::Object(obj)).map_err(|e| e.to_string())
                });
                (i + 2, parsed)
            })
            .collect()
    } else {
        json_lines(body).map_err(|_| vec![err(0, "body", codes::CLIENT_FILE_UNREADABLE)])?
    };
    if values.is_empty() {
        return Err(vec![err(0, "body", codes::CLIENT_LIST_EMPTY)]);
    }
    if values.len() > MAX_CLIENTS {
        return Err(vec![err_with(0, "body", codes::CLIENT_LIST_TOO_MANY, MAX_CLIENTS)]);
    }
    let mut errors = Vec::new();
    let mut out = Vec::with_capacity(values.len());
    let mut seen: std::collections::HashMap<(String, Date), usize> = std::collections::HashMap::with_capacity(values.len());
    for (n, v) in values {
        match v {
            Ok(l) => {
                if let Some(line) = check(n, l, supplier, &mut errors) {
                    match seen.insert((line.subject.clone(), line.from), n) {
                        Some(first) => errors.push(err_with(n, "national_id", codes::LINE_DUPLICATE, first)),
                        None => out.push(line),
                    }
                }
            }
            // Serde's and the CSV reader's words are for programmers: the line is named
            // with what it should hold.
            Err(_) => errors.push(err(n, "line", codes::CLIENT_LINE_UNREADABLE)),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

impl App {
    /// The supplier a client list belongs to, within the actor's reach of `permission`
    /// (another supplier's list answers as one that does not exist, and the attempt is
    /// recorded).
    async fn client_list_supplier(&self, actor: &Actor, supplier_id: Uuid, permission: Permission) -> Result<OrgNumber> {
        let scope = self.permit(actor, permission)?;
        let reach = self.reach(actor, scope).await?;
        let entry = self.store().get_entry(supplier_id).await?.filter(|e| e.kind == "supplier");
        let Some(entry) = entry.filter(|_| reach.owns(&[supplier_id])) else {
            return Err(self.refuse(actor, permission.as_str(), "supplier", Some(supplier_id)).await);
        };
        let org = entry.body.get("org_number").and_then(|v| v.as_str()).unwrap_or_default();
        OrgNumber::parse(org).map_err(|_| AppError::Internal(format!("supplier {supplier_id} has no valid organisation number")))
    }

    /// imports a supplier's client list. All or nothing: a file with a bad line is
    /// refused naming every bad line; the same file as the last import is refused as
    /// already imported; nothing is stored either way.
    pub async fn import_client_list(
        &self,
        actor: &Actor,
        supplier_id: Uuid,
        body: &[u8],
        csv: bool,
        mode: ClientListMode,
    ) -> Result<ClientListCounts> {
        let org = self.client_list_supplier(actor, supplier_id, Permission::ImportClientList).await?;
        let lines = parse_client_list(body, csv, &org).map_err(AppError::BatchInvalid)?;
        let digest = crate::audit_log::digest(body);
        if let Some(last) = self.store().last_client_import(supplier_id).await?
            && last.digest == digest
        {
            return Err(AppError::Conflict(FieldError::with("file", codes::CLIENT_LIST_SAME_FILE, last.imported_at)));
        }
        let rows: Vec<ClientRelation> = lines
            .iter()
            .map(|l| ClientRelation {
                subject_index: self.store().subject_blind_index(&l.subject),
                valid_from: l.from.to_string(),
                valid_to: l.to.map(|d| d.to_string()),
            })
            .collect();
        Ok(self.store().import_clients(supplier_id, &rows, mode == ClientListMode::Replace, &digest, actor, self.now()).await?)
    }

    /// how many clients a supplier has today and the latest imports (counts, not
    /// persons).
    pub async fn client_list(&self, actor: &Actor, supplier_id: Uuid) -> Result<ClientListSummary> {
        self.client_list_supplier(actor, supplier_id, Permission::SeeClientLists).await?;
        let today = self.now().date().to_string();
        let (current, kept) = self.store().client_count(supplier_id, &today).await?;
        let imports = self.store().client_imports(supplier_id, 10).await?.into_iter().map(ClientImportView::from).collect();
        Ok(ClientListSummary { supplier_id, current, kept, imports })
    }

    /// Whether the data subject (a CPR number or personnummer as written) was the
    /// supplier's client on `day`.
    pub async fn is_client(&self, supplier_id: Uuid, national_id: &str, day: Date) -> Result<bool> {
        let id = NationalId::parse(national_id).map_err(|e| AppError::Invalid(e.at("national_id")))?;
        let index = self.store().subject_blind_index(&id.canonical());
        Ok(self.store().is_client(supplier_id, &index, &day.to_string()).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> OrgNumber {
        OrgNumber::parse("29403473").unwrap()
    }

    #[test]
    fn a_client_list_parses_from_csv_with_either_separator_and_from_ndjson() {
        // REQ: X-11
        let csv = "\u{feff}national_id;from;to\n010190-1234;2026-01-01;\n0202901235;2026-02-01;2026-06-30\n";
        let lines = parse_client_list(csv.as_bytes(), true, &org()).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].to, Some(Date::parse("2026-06-30").unwrap()));
        let comma = "national_id,from\n010190-1234,2026-01-01\n";
        assert_eq!(parse_client_list(comma.as_bytes(), true, &org()).unwrap().len(), 1);
        let nd = "{\"national_id\":\"010190-1234\",\"from\":\"2026-01-01\",\"supplier\":\"29403473\"}\n";
        assert_eq!(parse_client_list(nd.as_bytes(), false, &org()).unwrap()[0].subject, lines[0].subject);
    }

    #[test]
    fn every_bad_line_of_a_client_list_is_named() {
        // REQ: X-11
        let csv = "national_id;from;to;supplier\n\
                   010190-1234;2026-01-01;;\n\
                   12345;2026-01-01;;\n\
                   010190-1234;2026-01-01;;\n\
                   020290-1234;1. maj;;\n\
                   030390-1234;2026-05-01;2026-04-01;\n\
                   040490-1234;2026-05-01;;12345678\n\
                   ;2026-05-01;;\n";
        let errors = parse_client_list(csv.as_bytes(), true, &org()).unwrap_err();
        let got: Vec<(usize, &str, &str)> = errors.iter().map(|e| (e.line, e.field.as_str(), e.code)).collect();
        assert_eq!(
            got,
            vec![
                (3, "national_id", codes::LINE_NATIONAL_ID),
                (4, "national_id", codes::LINE_DUPLICATE),
                (5, "from", codes::LINE_DATE),
                (6, "to", codes::LINE_ENDS_BEFORE_START),
                (7, "supplier", codes::LINE_OTHER_SUPPLIER),
                (8, "national_id", codes::LINE_REQUIRED),
            ]
        );
        assert_eq!(errors[1].arg.as_deref(), Some("2"), "the duplicate names the line it repeats");
        assert_eq!(parse_client_list(b"national_id;from\n", true, &org()).unwrap_err()[0].code, codes::CLIENT_LIST_EMPTY);
        assert_eq!(parse_client_list(b"{\"cpr\": 1}\n", false, &org()).unwrap_err()[0].code, codes::CLIENT_LINE_UNREADABLE);
        assert_eq!(parse_client_list(b"%PDF-1.4\n\x00\xff", true, &org()).unwrap_err()[0].code, codes::CLIENT_FILE_HEADER);
        assert_eq!(parse_client_list(b"\xff\xfe\x00", false, &org()).unwrap_err()[0].code, codes::CLIENT_FILE_UNREADABLE);
    }
}
