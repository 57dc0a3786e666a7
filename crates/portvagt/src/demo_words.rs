//! The demo's words that differ between a Danish and a Swedish municipality:
//! departments, suppliers, job profiles, agreements and who signs them.

use domain::policy::Country;
use domain::registry::ServiceType;

/// Texts that differ between Danish and Swedish municipalities.
pub struct Words {
    pub departments: [(&'static str, &'static str, &'static str, &'static str); 5],
    pub suppliers: [(&'static str, ServiceType, bool); 4],
    pub job_profiles: [(&'static str, &'static str, &'static [&'static str]); 5],
    pub domain: &'static str,
    /// The word for an access agreement, after the supplier's name in its title.
    pub agreement: &'static str,
    pub dpa_reference: &'static str,
    /// A sub-processor's name and purpose.
    pub sub_processor: (&'static str, &'static str),
    /// Who signs for the supplier, and their title; who signs for the municipality.
    pub signatory: (&'static str, &'static str),
    pub coordinator: &'static str,
    pub supplier_address: &'static str,
    pub contact: &'static str,
    pub mailbox: &'static str,
    /// The demo's requests in flight: who acts (orderer, department head, coordinator),
    /// an urgent reason, a needs assessment, the head's comment.
    pub actors: [&'static str; 3],
    pub urgent_reason: &'static str,
    pub needs_assessment: &'static str,
    pub approved: &'static str,
}

pub fn words(country: Country) -> Words {
    match country {
        Country::DK => Words {
            departments: [
                ("HJEMMEPLEJE", "Hjemmeplejen", "Lone Kristensen", "Peter Holm"),
                ("PLEJECENTRE", "Plejecentre", "Hanne Dahl", "Jens Krogh"),
                ("SSO", "Sekretariatet i Social- og Sundhedsforvaltningen", "Mette Lund", "Søren Vinther"),
                ("IT", "IT-afdelingen", "Henrik Bach", "Camilla Friis"),
                ("BORGERSERVICE", "Borgerservice og Pension", "Susanne Mørk", "Thomas Bang"),
            ],
            suppliers: [
                ("Omsorgsgruppen Nord ApS", ServiceType::PersonalCare, false),
                ("Hjemmehjælp Plus A/S", ServiceType::PracticalHelp, false),
                ("Plejehjemmet Solgården", ServiceType::NursingHome, false),
                ("Dataproces ApS", ServiceType::Consultancy, true),
            ],
            job_profiles: [
                ("SSH", "Social- og sundhedshjælper", &["AD-LOGON", "OMSORGSJOURNAL"]),
                ("SSA", "Social- og sundhedsassistent", &["AD-STANDARD", "OMSORGSJOURNAL"]),
                ("SYG", "Sygeplejerske", &["AD-STANDARD", "NEX-SYGEPLEJE"]),
                ("PENSIONSKONSULENT", "Konsulent, gennemgang af pensionssager", &["AD-LOGON", "4-SOP-LÆS2", "CPR-OPSLAG"]),
                ("VIKAR", "Vikar i hjemmeplejen (nødadgang)", &["AD-LOGON", "OMSORGSJOURNAL"]),
            ],
            domain: "dk",
            agreement: "adgangsaftale",
            dpa_reference: "Databehandleraftale 2026-014",
            sub_processor: ("Nordisk Hosting A/S", "Drift af sagsbehandlingsplatform"),
            signatory: ("Leverandørens direktør", "Direktør"),
            coordinator: "IT-sikkerhedskoordinator",
            supplier_address: "Industrivej 10, 2770 Kastrup",
            contact: "Kontaktperson",
            mailbox: "leverandor",
            actors: ["Demo: bestiller", "Demo: afdelingsleder", "Demo: IT-sikkerhedskoordinator"],
            urgent_reason: "Vikar til akut sygdomsdækning",
            needs_assessment: "Behovsvurdering, hjemmeplejen 2026",
            approved: "Godkendt",
        },
        Country::SE => Words {
            departments: [
                ("HEMTJANST", "Hemtjänsten", "Karin Nilsson", "Per Lindberg"),
                ("SARSKILT-BOENDE", "Särskilt boende", "Eva Berg", "Johan Olsson"),
                ("KANSLI", "Socialförvaltningens kansli", "Lena Persson", "Erik Lund"),
                ("IT", "IT-enheten", "Anders Svensson", "Sara Hassan"),
                ("MEDBORGARSERVICE", "Medborgarservice", "Maria Karlsson", "Nils Jonsson"),
            ],
            suppliers: [
                ("Omsorg Syd AB", ServiceType::PersonalCare, false),
                ("Hemhjälpen i Göinge AB", ServiceType::PracticalHelp, false),
                ("Vårdboendet Solgården AB", ServiceType::NursingHome, false),
                ("Dataprocess Sverige AB", ServiceType::Consultancy, true),
            ],
            job_profiles: [
                ("USK", "Undersköterska", &["AD-STANDARD", "OMSORGSJOURNAL"]),
                ("VBI", "Vårdbiträde", &["AD-LOGON", "OMSORGSJOURNAL"]),
                ("SSK", "Sjuksköterska", &["AD-STANDARD", "NEX-SYGEPLEJE"]),
                ("KONSULT", "Konsult, ärendegranskning", &["AD-LOGON", "4-SOP-LÆS2", "CPR-OPSLAG"]),
                ("VIKARIE", "Vikarie i hemtjänsten", &["AD-LOGON", "OMSORGSJOURNAL"]),
            ],
            domain: "se",
            agreement: "behörighetsavtal",
            dpa_reference: "Personuppgiftsbiträdesavtal 2026-014",
            sub_processor: ("Nordisk Hosting AB", "Drift av handläggningsplattform"),
            signatory: ("Leverantörens vd", "Verkställande direktör"),
            coordinator: "Informationssäkerhetssamordnare",
            supplier_address: "Storgatan 5, 289 31 Knislinge",
            contact: "Kontaktperson",
            mailbox: "leverantor",
            actors: ["Demo: beställare", "Demo: enhetschef", "Demo: informationssäkerhetssamordnare"],
            urgent_reason: "Vikarie vid akut sjukfrånvaro",
            needs_assessment: "Behovsbedömning, hemtjänsten 2026",
            approved: "Godkänd",
        },
    }
}
