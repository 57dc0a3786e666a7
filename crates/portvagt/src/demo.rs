//! Demo data: a realistic municipality for a chosen preset — departments, target systems
//! (the AD and KMD Nexus among them) with roles and profiles like those of the Tårnby
//! contracts, job profiles, a handful of suppliers with staff, orderers, agreements and
//! accounts — or, with `--scale large`, 500 suppliers, 20,000 persons and 100,000 role
//! assignments for benchmarks. Everything goes through the application's use-cases, so
//! the data obeys the same rules as data entered by hand.

use crate::demo_catalogue::{Shown, catalogue, shown};
use crate::demo_words::{Words, words};
use anyhow::{Context, Result};
use app::App;
use domain::authz::Actor;
use domain::ident::{Cpr, NationalId, OrgNumber, Personnummer, luhn_ok};
use domain::policy::{Country, Preset};
use domain::registry::*;
use domain::text::{Code, Email, Name, Phone, Text};
use domain::time::Date;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use store::NewAccount;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    Small,
    Large,
}

/// What was loaded.
#[derive(Debug, Default)]
pub struct Summary {
    pub suppliers: usize,
    pub persons: usize,
    pub accounts: usize,
    pub role_assignments: usize,
}

fn name(s: &str) -> Name {
    Name::parse(s).expect("demo names are valid")
}
fn code(s: &str) -> Code {
    Code::parse(s).expect("demo codes are valid")
}
fn date(s: &str) -> Date {
    Date::parse(s).expect("demo dates are valid")
}

/// A valid CVR number from a seed: seven digits and the modulus-11 check digit.
pub fn cvr_from(seed: u64) -> String {
    let weights = [2, 7, 6, 5, 4, 3, 2];
    let mut n = 1_000_000 + seed % 8_999_999;
    loop {
        let digits: Vec<u32> = n.to_string().chars().filter_map(|c| c.to_digit(10)).collect();
        let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
        let check = (11 - sum % 11) % 11;
        if check < 10 {
            return format!("{n}{check}");
        }
        n += 1;
    }
}

/// A valid Swedish organisation number (group 5, aktiebolag) from a seed.
pub fn se_org_from(seed: u64) -> String {
    let body = format!("55{:07}", seed % 10_000_000);
    let digits: Vec<u32> = body.chars().filter_map(|c| c.to_digit(10)).collect();
    let check = (0..10).find(|c| luhn_ok(&[digits.clone(), vec![*c]].concat())).unwrap_or(0);
    format!("{}-{}{check}", &body[..6], &body[6..])
}

fn national_id(rng: &mut StdRng, country: Country) -> NationalId {
    let (y, m, d) = (rng.gen_range(55..99u32), rng.gen_range(1..=12u32), rng.gen_range(1..=28u32));
    match country {
        Country::DK => {
            let serial = rng.gen_range(0..4000u32);
            NationalId::Cpr(Cpr::parse(&format!("{d:02}{m:02}{y:02}-{serial:04}")).expect("demo CPR is valid"))
        }
        Country::SE => {
            let body = format!("{y:02}{m:02}{d:02}{:03}", rng.gen_range(0..1000u32));
            let digits: Vec<u32> = body.chars().filter_map(|c| c.to_digit(10)).collect();
            let check = (0..10).find(|c| luhn_ok(&[digits.clone(), vec![*c]].concat())).unwrap_or(0);
            NationalId::Personnummer(
                Personnummer::parse(&format!("{}-{}{check}", &body[..6], &body[6..])).expect("demo personnummer is valid"),
            )
        }
    }
}

const DK_FIRST: &[&str] = &[
    "Anne", "Mette", "Hanne", "Susanne", "Lone", "Camilla", "Maria", "Lars", "Jens", "Peter", "Michael", "Søren", "Henrik", "Thomas",
    "Fatima", "Amir", "Ida", "Freja", "Mads", "Emil",
];
const DK_LAST: &[&str] = &[
    "Jensen",
    "Nielsen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Poulsen",
    "Ali",
    "Yilmaz",
];
const SE_FIRST: &[&str] = &[
    "Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Emma", "Lars", "Erik", "Johan", "Anders", "Per", "Mikael", "Karl", "Ahmed", "Elin",
    "Linnea", "Oskar", "Nils", "Hanna",
];
const SE_LAST: &[&str] = &[
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Lindberg",
    "Hassan",
    "Berg",
    "Lund",
];

/// The ids of the catalogue, by code.
#[derive(Default)]
struct Ids {
    departments: Vec<Uuid>,
    job_profiles: Vec<Uuid>,
    systems: HashMap<&'static str, Uuid>,
    profiles: HashMap<&'static str, (Uuid, Uuid, Vec<Uuid>)>, // code → (id, system, roles)
}

/// Loads the demo set. Refuses to load into a registry that has suppliers already.
pub async fn load(app: &App, preset: &Preset, scale: Scale) -> Result<Summary> {
    if app.store().count_entries("supplier").await? > 0 {
        anyhow::bail!("the registry has suppliers already; load demo data into an empty database");
    }
    let actor = Actor::system("demo");
    let w = words(preset.country);
    let mut rng = StdRng::seed_from_u64(2026);
    let slug = preset.id.replace('-', "");

    app.put_municipality(
        &actor,
        Municipality {
            name: name(&preset.name),
            org_number: OrgNumber::parse(&if preset.country == Country::DK { cvr_from(29_000_000) } else { se_org_from(12_000) })
                .context("org number")?,
            dpo: Contact {
                name: name("Databeskyttelsesrådgiver"),
                email: Some(Email::parse(&format!("dpo@{slug}.{}", w.domain))?),
                phone: Some(Phone::parse("+45 32 46 46 00")?),
            },
            secretariat: Some(Contact {
                name: name(w.departments[2].1),
                email: Some(Email::parse(&format!("autorisationer@{slug}.{}", w.domain))?),
                phone: Some(Phone::parse("+45 32 46 46 10")?),
            }),
            service_desk: Some(Contact {
                name: name("Servicedesk"),
                email: Some(Email::parse(&format!("servicedesk@{slug}.{}", w.domain))?),
                phone: Some(Phone::parse("+45 32 46 46 20")?),
            }),
            policy_preset: code(&preset.id),
        },
        None,
    )
    .await
    .map_err(|e| anyhow::anyhow!("municipality: {e}"))?;

    let mut ids = Ids::default();
    for (c, n, head, sub) in w.departments {
        let contact = |person: &str| Contact {
            name: name(person),
            email: Some(
                Email::parse(&format!(
                    "{}@{slug}.{}",
                    person.to_lowercase().replace(' ', ".").replace(['ø', 'ö'], "o").replace(['æ', 'ä'], "a").replace('å', "a"),
                    w.domain
                ))
                .expect("demo e-mail"),
            ),
            phone: None,
        };
        let d = app
            .create(&actor, Department { name: name(n), code: code(c), head: Some(contact(head)), substitute: Some(contact(sub)) })
            .await
            .map_err(|e| anyhow::anyhow!("department {c}: {e}"))?;
        ids.departments.push(d.id);
    }
    let country = preset.country;
    for (c, n, owner, connector, logs, pattern, roles, profiles) in catalogue() {
        let (sc, sn) = shown(country, Shown::System, c, n);
        let system = app
            .create(
                &actor,
                System {
                    name: name(sn),
                    code: code(sc),
                    owner_department_id: ids.departments[owner],
                    connector,
                    logs_transactions: logs,
                    username_pattern: Some(name(pattern)),
                    description: None,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("system {c}: {e}"))?;
        ids.systems.insert(c, system.id);
        let mut role_ids = HashMap::new();
        for r in roles {
            let tx = r.tx.iter().map(|t| code(shown(country, Shown::Transaction, t, "").0)).collect();
            let (rc, rn) = shown(country, Shown::Role, r.code, r.name);
            let role = app
                .create(&actor, Role { system_id: system.id, code: code(rc), name: name(rn), flags: r.flags, transaction_types: tx })
                .await
                .map_err(|e| anyhow::anyhow!("role {}: {e}", r.code))?;
            role_ids.insert(r.code, role.id);
        }
        for (pc, pn, prs) in profiles {
            let roles: Vec<Uuid> = prs.iter().map(|r| role_ids[r]).collect();
            let (spc, spn) = shown(country, Shown::Profile, pc, pn);
            let p = app
                .create(
                    &actor,
                    Profile { system_id: system.id, code: code(spc), name: name(spn), roles: roles.clone(), flags: Flags::default() },
                )
                .await
                .map_err(|e| anyhow::anyhow!("profile {pc}: {e}"))?;
            ids.profiles.insert(pc, (p.id, system.id, roles));
        }
    }
    for (c, n, profiles) in w.job_profiles {
        let profiles = profiles.iter().map(|p| ids.profiles[p].0).collect();
        let j = app
            .create(&actor, JobProfile { name: name(n), code: code(c), description: None, profiles })
            .await
            .map_err(|e| anyhow::anyhow!("job profile {c}: {e}"))?;
        ids.job_profiles.push(j.id);
    }

    match scale {
        Scale::Small => small(app, preset, &actor, &w, &ids, &mut rng).await,
        Scale::Large => large(app, preset, &actor, &ids, &mut rng).await,
    }
}

fn org_number(country: Country, seed: u64) -> OrgNumber {
    OrgNumber::parse(&match country {
        Country::DK => cvr_from(30_000_000 + seed * 7919),
        Country::SE => se_org_from(100_000 + seed * 7919),
    })
    .expect("demo org number is valid")
}

fn person_name(rng: &mut StdRng, country: Country) -> String {
    let (first, last) = if country == Country::DK { (DK_FIRST, DK_LAST) } else { (SE_FIRST, SE_LAST) };
    format!("{} {}", first[rng.gen_range(0..first.len())], last[rng.gen_range(0..last.len())])
}

fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|p| p.chars().next())
        .map(|c| match c {
            'Æ' | 'Ä' => 'A',
            'Ø' | 'Ö' => 'O',
            'Å' => 'A',
            other => other,
        })
        .collect::<String>()
        .to_lowercase()
}

/// The scope, profiles for staff, and agreement dates of a supplier by service type.
fn plan(kind: ServiceType) -> (&'static [&'static str], &'static [&'static str], &'static str, &'static str) {
    match kind {
        ServiceType::Consultancy => {
            (&["AD", "SOCIALPENSION", "CPR"], &["AD-LOGON", "4-SOP-LÆS2", "CPR-OPSLAG"], "2026-01-01", "2026-12-31")
        }
        _ => (&["AD", "NEXUS"], &["AD-STANDARD", "OMSORGSJOURNAL"], "2025-01-01", "2027-12-31"),
    }
}

async fn small(app: &App, preset: &Preset, actor: &Actor, w: &Words, ids: &Ids, rng: &mut StdRng) -> Result<Summary> {
    let mut summary = Summary::default();
    let required = preset.policy.accounts.required_attestations.value.clone();
    let mut accounts = Vec::new();
    let mut supplier_of = std::collections::HashMap::new();
    // The first supplier's agreement and orderer, for the requests in flight.
    let mut first: Option<(Uuid, Uuid, Uuid)> = None;
    for (i, (sname, kind, consultant)) in w.suppliers.iter().enumerate() {
        let supplier = app
            .create(
                actor,
                Supplier {
                    name: name(sname),
                    org_number: org_number(preset.country, i as u64),
                    address: Some(Text::parse(w.supplier_address)?),
                    contact: Some(Contact {
                        name: name(w.contact),
                        email: Some(Email::parse(&format!("kontakt{i}@{}.{}", w.mailbox, w.domain))?),
                        phone: None,
                    }),
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("supplier {sname}: {e}"))?;
        summary.suppliers += 1;
        let (systems, profiles, from, to) = plan(*kind);
        let staff = if *consultant { 4 } else { 12 };
        let scope_profiles: Vec<Uuid> = profiles.iter().map(|p| ids.profiles[p].0).collect();
        let agreement = app
            .create(
                actor,
                Agreement {
                    supplier_id: supplier.id,
                    // Home care and nursing homes answer to the care department; the
                    // consultants to Borgerservice og Pension.
                    department_id: Some(ids.departments[if *consultant { 4 } else { 0 }]),
                    title: name(&format!("{sname} — {}", w.agreement)),
                    service_type: *kind,
                    consultant_engagement: *consultant,
                    valid_from: date(from),
                    valid_to: date(to),
                    scope: AgreementScope {
                        systems: systems.iter().map(|s| ids.systems[s]).collect(),
                        profiles: scope_profiles,
                        user_cap: if *consultant { 4 } else { 20 },
                    },
                    data_processing: DataProcessing {
                        dpa_in_place: *consultant || *kind == ServiceType::NursingHome,
                        dpa_reference: consultant.then(|| name(w.dpa_reference)),
                        allows_export: false,
                        sub_processors: if *consultant {
                            vec![SubProcessor {
                                name: name(w.sub_processor.0),
                                org_number: Some(org_number(preset.country, 999)),
                                purpose: Text::parse(w.sub_processor.1)?,
                            }]
                        } else {
                            vec![]
                        },
                    },
                    attestations: vec![],
                    acceptances: vec![],
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("agreement of {sname}: {e}"))?;
        supplier_of.insert(agreement.id, supplier.id);
        // The supplier signs for itself; the coordinator for the municipality.
        let signatory = Actor {
            organisation: domain::authz::Organisation::Supplier(supplier.id),
            role: domain::authz::UserRole::SupplierOrderer,
            ..actor.clone()
        };
        let coordinator = Actor { role: domain::authz::UserRole::SecurityCoordinator, ..actor.clone() };
        // The second supplier has not yet attested everything (shows blocked activation).
        let attest: Vec<_> = if i == 1 { required.iter().copied().skip(1).collect() } else { required.clone() };
        for kind in attest {
            app.attest_agreement(&signatory, agreement.id, kind, name(w.signatory.0))
                .await
                .map_err(|e| anyhow::anyhow!("attestation: {e}"))?;
        }
        if i != 1 {
            app.accept_agreement(&signatory, agreement.id, name(w.signatory.0), name(w.signatory.1))
                .await
                .map_err(|e| anyhow::anyhow!("acceptance: {e}"))?;
            app.accept_agreement(&coordinator, agreement.id, name(w.coordinator), name(w.coordinator))
                .await
                .map_err(|e| anyhow::anyhow!("acceptance: {e}"))?;
        }
        for n in 0..staff {
            let pname = person_name(rng, preset.country);
            let person = app
                .create(
                    actor,
                    Person {
                        name: name(&pname),
                        email: Some(Email::parse(&format!("{}.{n}@leverandor{i}.{}", initials(&pname), w.domain))?),
                        affiliations: vec![Affiliation {
                            supplier_id: supplier.id,
                            from: date(from),
                            to: None,
                            employee_ref: Some(name(&format!("M{:04}", 100 + n))),
                        }],
                        national_id: Some(national_id(rng, preset.country)),
                        national_id_on_file: false,
                    },
                )
                .await
                .map_err(|e| anyhow::anyhow!("person {pname}: {e}"))?;
            summary.persons += 1;
            if n == 0 && first.is_none() {
                first = Some((supplier.id, agreement.id, person.id));
            }
            if n < 2 {
                app.create(
                    actor,
                    Orderer {
                        supplier_id: supplier.id,
                        person_id: person.id,
                        valid_from: date(from),
                        valid_to: None,
                        person_name: String::new(),
                    },
                )
                .await
                .map_err(|e| anyhow::anyhow!("orderer: {e}"))?;
            }
            for p in profiles {
                let (profile_id, system_id, roles) = &ids.profiles[p];
                let prefix: String = sname.chars().filter(|c| c.is_ascii_alphabetic()).take(3).collect::<String>().to_lowercase();
                accounts.push(NewAccount {
                    id: Uuid::now_v7(),
                    person_id: person.id,
                    system_id: *system_id,
                    agreement_id: Some(agreement.id),
                    username: format!("{prefix}{}{n}", initials(&pname)),
                    status: "active",
                    valid_from: date(from),
                    valid_to: Some(date(to)),
                    roles: roles.iter().map(|r| (*r, Some(*profile_id))).collect(),
                });
            }
        }
    }
    summary.accounts = accounts.len();
    summary.role_assignments = accounts.iter().map(|a| a.roles.len()).sum();
    app.import_accounts(actor, &accounts).await.map_err(|e| anyhow::anyhow!("accounts: {e}"))?;
    // The care-record system's log: one account of each of the first suppliers.
    let nexus = ids.systems["NEXUS"];
    let mut readers: Vec<(String, Uuid)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for a in accounts.iter().filter(|a| a.system_id == nexus) {
        if seen.insert(a.agreement_id)
            && let Some(supplier) = a.agreement_id.and_then(|g| supplier_of.get(&g))
        {
            readers.push((a.username.clone(), *supplier));
        }
    }
    crate::demo_log::load(app, preset.country, nexus, &readers).await?;
    if let Some((supplier, agreement, orderer)) = first {
        summary.persons += requests_in_flight(app, preset, w, ids, supplier, agreement, orderer, rng).await?;
    }
    Ok(summary)
}

/// Three new staff members of the first supplier with requests in flight: one waiting
/// for the department head, one late order accepted as urgent, one approved whose
/// provisioning waits in the IT operator's task list.
#[allow(clippy::too_many_arguments)]
async fn requests_in_flight(
    app: &App,
    preset: &Preset,
    w: &Words,
    ids: &Ids,
    supplier: Uuid,
    agreement: Uuid,
    orderer: Uuid,
    rng: &mut StdRng,
) -> Result<usize> {
    use domain::authz::{ActorKind, Organisation, UserRole};
    use domain::request::{RequestInput, RequestKind, Step};
    let who = |role, name: &str, organisation, department, person| Actor {
        kind: ActorKind::System,
        id: Uuid::now_v7(),
        name: name.into(),
        role,
        organisation,
        department,
        person,
    };
    let orderer = who(UserRole::SupplierOrderer, w.actors[0], Organisation::Supplier(supplier), None, Some(orderer));
    let head = who(UserRole::DepartmentHead, w.actors[1], Organisation::Municipality, Some(ids.departments[0]), None);
    let coordinator = who(UserRole::SecurityCoordinator, w.actors[2], Organisation::Municipality, None, None);
    let today = app.now().date();
    let lead = i64::from(preset.policy.lead_times.new_account_days.value);
    let mut persons = 0;
    for (i, (ahead, urgent, approve)) in [(lead + 7, false, false), (3, true, false), (lead + 10, false, true)].into_iter().enumerate() {
        let pname = person_name(rng, preset.country);
        let person = app
            .create(
                &orderer,
                Person {
                    name: name(&pname),
                    email: None,
                    affiliations: vec![Affiliation {
                        supplier_id: supplier,
                        from: today,
                        to: None,
                        employee_ref: Some(name(&format!("N{:03}", i + 1))),
                    }],
                    national_id: Some(national_id(rng, preset.country)),
                    national_id_on_file: false,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("new staff: {e}"))?;
        persons += 1;
        let input = RequestInput {
            kind: RequestKind::NewAccount,
            person_id: person.id,
            system_id: Some(ids.systems["NEXUS"]),
            account_id: None,
            agreement_id: Some(agreement),
            job_profile_id: Some(ids.job_profiles[1]),
            deviations: vec![],
            wanted_start: Date(today.0 + chrono::Duration::days(ahead)),
            end_date: None,
            urgent_reason: urgent.then(|| Text::parse(w.urgent_reason).expect("demo text")),
            needs_assessment_ref: Some(name(w.needs_assessment)),
            comment: None,
            draft: false,
        };
        let r = app.submit_request(&orderer, input).await.map_err(|e| anyhow::anyhow!("demo request: {e}"))?;
        if approve {
            app.decide_request(&head, r.id, Step::ApproveAsDepartment, Some(w.approved.into()), None)
                .await
                .map_err(|e| anyhow::anyhow!("demo approval: {e}"))?;
            app.decide_request(&coordinator, r.id, Step::ApproveAsCoordinator, None, None)
                .await
                .map_err(|e| anyhow::anyhow!("demo approval: {e}"))?;
        }
    }
    Ok(persons)
}

async fn large(app: &App, preset: &Preset, actor: &Actor, ids: &Ids, rng: &mut StdRng) -> Result<Summary> {
    const SUPPLIERS: usize = 500;
    const PERSONS_PER_SUPPLIER: usize = 40;
    let mut summary = Summary::default();
    let suppliers: Vec<Supplier> = (0..SUPPLIERS)
        .map(|i| Supplier {
            name: name(&format!("Leverandør {i:03} ApS")),
            org_number: org_number(preset.country, 1000 + i as u64),
            address: None,
            contact: None,
        })
        .collect();
    let supplier_ids = app.create_many(actor, suppliers).await.map_err(|e| anyhow::anyhow!("suppliers: {e}"))?;
    summary.suppliers = supplier_ids.len();
    let (systems, profiles, from, to) = plan(ServiceType::PersonalCare);
    let agreements: Vec<Agreement> = supplier_ids
        .iter()
        .enumerate()
        .map(|(i, s)| Agreement {
            supplier_id: *s,
            department_id: Some(ids.departments[0]),
            title: name(&format!("Adgangsaftale {i:03}")),
            service_type: ServiceType::PersonalCare,
            consultant_engagement: false,
            valid_from: date(from),
            valid_to: date(to),
            scope: AgreementScope {
                systems: systems.iter().map(|s| ids.systems[s]).collect(),
                profiles: profiles.iter().map(|p| ids.profiles[p].0).collect(),
                user_cap: 50,
            },
            data_processing: DataProcessing { dpa_in_place: false, dpa_reference: None, allows_export: false, sub_processors: vec![] },
            attestations: vec![],
            acceptances: vec![],
        })
        .collect();
    let agreement_ids = app.create_many(actor, agreements).await.map_err(|e| anyhow::anyhow!("agreements: {e}"))?;
    let mut accounts = Vec::new();
    let mut orderers = Vec::new();
    for (si, supplier) in supplier_ids.iter().enumerate() {
        let persons: Vec<Person> = (0..PERSONS_PER_SUPPLIER)
            .map(|_| Person {
                name: name(&person_name(rng, preset.country)),
                email: None,
                affiliations: vec![Affiliation { supplier_id: *supplier, from: date(from), to: None, employee_ref: None }],
                national_id: Some(national_id(rng, preset.country)),
                national_id_on_file: false,
            })
            .collect();
        let person_ids = app.create_many(actor, persons).await.map_err(|e| anyhow::anyhow!("persons: {e}"))?;
        summary.persons += person_ids.len();
        orderers.push(Orderer {
            supplier_id: *supplier,
            person_id: person_ids[0],
            valid_from: date(from),
            valid_to: None,
            person_name: String::new(),
        });
        for (pi, person) in person_ids.iter().enumerate() {
            for p in profiles {
                let (profile_id, system_id, roles) = &ids.profiles[p];
                accounts.push(NewAccount {
                    id: Uuid::now_v7(),
                    person_id: *person,
                    system_id: *system_id,
                    agreement_id: Some(agreement_ids[si]),
                    username: format!("l{si:03}p{pi:03}"),
                    status: "active",
                    valid_from: date(from),
                    valid_to: Some(date(to)),
                    roles: roles.iter().map(|r| (*r, Some(*profile_id))).collect(),
                });
            }
        }
    }
    app.create_many(actor, orderers).await.map_err(|e| anyhow::anyhow!("orderers: {e}"))?;
    summary.accounts = accounts.len();
    summary.role_assignments = accounts.iter().map(|a| a.roles.len()).sum();
    for chunk in accounts.chunks(10_000) {
        app.import_accounts(actor, chunk).await.map_err(|e| anyhow::anyhow!("accounts: {e}"))?;
    }
    app.store().analyze_tables().await?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_org_numbers_are_valid() {
        for seed in [0, 1, 17, 999, 123_456] {
            assert!(domain::ident::Cvr::parse(&cvr_from(seed)).is_ok(), "{}", cvr_from(seed));
            assert!(domain::ident::SeOrgNumber::parse(&se_org_from(seed)).is_ok(), "{}", se_org_from(seed));
        }
    }
}
