//! The demo's log of the care-record system: supplier staff opening and searching for
//! citizens' records over the past weeks, as the system would report them — so the log
//! search, the citizen extract and its PDF have something to show.
//!
//! The demo citizens (data subjects, not persons in the registry): in a Danish preset
//! `120354-1230`, `230478-2460` and `051190-3340`; in a Swedish one the same birth dates
//! (year first) and serials with their personnummer check digit.

use crate::demo_catalogue::{Shown, shown};
use anyhow::Result;
use app::App;
use chrono::Duration;
use domain::ident::{Cpr, NationalId, Personnummer, luhn_ok};
use domain::policy::Country;
use store::log::InboundEvent;
use uuid::Uuid;

/// Birth dates and serials of the demo citizens (the Swedish check digit is computed).
const CITIZENS: [(&str, &str); 3] = [("120354", "123"), ("230478", "246"), ("051190", "334")];

/// A demo citizen's identifier in canonical form.
pub fn citizen(country: Country, i: usize) -> String {
    let (date, serial) = CITIZENS[i % CITIZENS.len()];
    match country {
        Country::DK => Cpr::parse(&format!("{date}-{serial}0")).map(|c| NationalId::Cpr(c).canonical()).unwrap_or_default(),
        Country::SE => {
            // A personnummer writes the birth date year first (ÅÅMMDD).
            let date = format!("{}{}{}", &date[4..6], &date[2..4], &date[0..2]);
            let digits: Vec<u32> = format!("{date}{serial}").chars().filter_map(|c| c.to_digit(10)).collect();
            let check = (0..10).find(|c| luhn_ok(&[digits.clone(), vec![*c]].concat())).unwrap_or(0);
            Personnummer::parse(&format!("{date}-{serial}{check}")).map(|p| NationalId::Personnummer(p).canonical()).unwrap_or_default()
        }
    }
}

/// A canonical identifier as a person writes it (`cpr:1203541230` → `1203541230`).
fn national_id(canonical: &str) -> &str {
    canonical.split_once(':').map(|(_, v)| v).unwrap_or(canonical)
}

/// Reads and searches by the first accounts of the care-record system over the last
/// three weeks, stored as one batch from that system; and the client lists of those
/// accounts' suppliers, which hold the first two demo citizens but not the third,
/// so the third's look-ups are what the security report asks about.
pub async fn load(app: &App, country: Country, system: Uuid, readers: &[(String, Uuid)]) -> Result<()> {
    if readers.is_empty() {
        return Ok(());
    }
    let mut suppliers: Vec<Uuid> = readers.iter().take(4).map(|(_, s)| *s).collect();
    suppliers.dedup();
    let year_ago = app.now().date().0 - Duration::days(365);
    for supplier in suppliers {
        let list: String =
            (0..2).map(|i| format!("{{\"national_id\": \"{}\", \"from\": \"{year_ago}\"}}\n", national_id(&citizen(country, i)))).collect();
        app.import_client_list(&domain::authz::Actor::system("demo"), supplier, list.as_bytes(), false, app::ClientListMode::Replace)
            .await
            .map_err(|e| anyhow::anyhow!("demo client list: {e}"))?;
    }
    let now = app.now().0;
    // The care-record system's own transaction codes, and what its users type.
    let search = shown(country, Shown::Transaction, "SØG-BORGER", "").0;
    let open = shown(country, Shown::Transaction, "VIS-BORGER", "").0;
    let criteria =
        if country == Country::DK { ["Vestergade 12", "Jensen", "Strandvejen"] } else { ["Storgatan 12", "Svensson", "Hembygdsvägen"] };
    let mut events = Vec::new();
    // Two rounds: the last three weeks, and five to eight weeks ago, so that the last
    // whole month always has look-ups for its log control (SEC-3).
    for (i, (username, _)) in readers.iter().take(4).enumerate() {
        for (day, criterion) in criteria.iter().enumerate().chain(criteria.iter().enumerate().map(|(d, c)| (d + 17, c))) {
            let at = now - Duration::days((i * 5 + day * 2 + 1) as i64) - Duration::minutes((i * 37) as i64);
            let subject = citizen(country, i + day);
            // A logon, a search by address or name, then the record opened.
            let steps =
                [(0, "logon", None, None), (2, search, Some(subject.clone()), Some(criterion.to_string())), (3, open, Some(subject), None)];
            for (minutes, action, subject, criterion) in steps {
                events.push(InboundEvent {
                    occurred_at: domain::time::Timestamp(at + Duration::minutes(minutes)),
                    username: username.clone(),
                    action: action.into(),
                    outcome: "success".into(),
                    subject,
                    criterion,
                    client_ip: Some(format!("10.20.{i}.{}", 10 + day)),
                    details: serde_json::json!({}),
                });
            }
        }
    }
    events.sort_by_key(|e| e.occurred_at.0);
    let key = format!("demo:{system}");
    app.ingest_audit(system, &key, &app::digest(key.as_bytes()), &events).await.map_err(|e| anyhow::anyhow!("demo log: {e}"))?;
    Ok(())
}
