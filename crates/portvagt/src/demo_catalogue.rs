//! The demo's target systems with their roles, profiles and transaction codes, as in
//! the Tårnby contracts; a Swedish municipality sees its own systems (Treserva, Viva,
//! Navet, Raindance) under Swedish codes and names. The Danish codes stay the keys the
//! demo wires by.

use domain::policy::Country;
use domain::registry::*;

/// What a catalogue code names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    System,
    Role,
    Profile,
    Transaction,
}

/// The code and name a municipality of `country` sees for a catalogue entry.
pub fn shown(country: Country, kind: Shown, code: &'static str, name: &'static str) -> (&'static str, &'static str) {
    if country == Country::DK {
        return (code, name);
    }
    SWEDISH.iter().find(|(k, c, _, _)| *k == kind && *c == code).map(|(_, _, c, n)| (*c, *n)).unwrap_or((code, name))
}

/// (kind, Danish code, Swedish code, Swedish name); a transaction's name is unused.
const SWEDISH: &[(Shown, &str, &str, &str)] = &[
    (Shown::System, "AD", "AD", "Kommunens Active Directory"),
    (Shown::System, "NEXUS", "TRESERVA", "Treserva omsorgsdokumentation"),
    (Shown::System, "SOCIALPENSION", "VIVA", "Viva ekonomiskt bistånd"),
    (Shown::System, "CPR", "NAVET", "Navet folkbokföringsuppgifter"),
    (Shown::System, "OPUS", "RAINDANCE", "Raindance ekonomi"),
    (Shown::Role, "AD-LOGON", "AD-INLOGG", "Inloggning på arbetsstation"),
    (Shown::Role, "AD-DREV", "AD-FILYTA", "Gemensam filyta"),
    (Shown::Role, "AD-INTERNET", "AD-INTERNET", "Internetåtkomst"),
    (Shown::Role, "AD-ADMIN", "AD-ADMIN", "Domänadministratör"),
    (Shown::Role, "NEX-BORGER-LÆS", "TRE-AKT-LÄS", "Läsa personakt"),
    (Shown::Role, "NEX-BORGER-SKRIV", "TRE-AKT-SKRIV", "Dokumentera i personakt"),
    (Shown::Role, "NEX-MEDICIN", "TRE-LÄKEMEDEL", "Läkemedelshantering"),
    (Shown::Role, "NEX-EKSPORT", "TRE-UTTAG", "Datauttag"),
    (Shown::Role, "NEX-ADMIN", "TRE-ADMIN", "Treserva-administratör"),
    (Shown::Role, "WSOP-ADM-S", "VIVA-ADM-S", "Administration, sök"),
    (Shown::Role, "WSOP-SAG-S", "VIVA-HANDL-S", "Handläggning, sök"),
    (Shown::Role, "WSOP-SAG-O", "VIVA-HANDL-U", "Handläggning, uppdatera"),
    (Shown::Role, "CPR-OPSLAG", "NAVET-SLAG", "Slagning i folkbokföringen"),
    (Shown::Role, "OPUS-LÆS", "RD-LÄS", "Ekonomi, läsa"),
    (Shown::Role, "OPUS-BOGFØR", "RD-BOKFÖR", "Ekonomi, bokföra"),
    (Shown::Profile, "AD-LOGON", "AD-INLOGG", "Inloggning (nödåtkomst)"),
    (Shown::Profile, "AD-STANDARD", "AD-STANDARD", "Standardanvändare"),
    (Shown::Profile, "AD-SUPPORT", "AD-SUPPORT", "Leverantörssupport"),
    (Shown::Profile, "OMSORGSJOURNAL", "OMSORGSDOK", "Omsorgsdokumentation"),
    (Shown::Profile, "NEX-SYGEPLEJE", "TRE-HSL", "Hälso- och sjukvård"),
    (Shown::Profile, "NEX-UDTRÆK", "TRE-UTTAG", "Uttag till personuppgiftsbiträde"),
    (Shown::Profile, "4-SOP-LÆS2", "VIVA-LÄS", "Viva, läsbehörighet"),
    (Shown::Profile, "CPR-OPSLAG", "NAVET-SLAG", "Folkbokföringsuppslag"),
    (Shown::Profile, "OPUS-LÆS", "RD-LÄS", "Ekonomi, läsbehörighet"),
    (Shown::Transaction, "LOGON", "INLOGG", ""),
    (Shown::Transaction, "LOGOFF", "UTLOGG", ""),
    (Shown::Transaction, "FIL-LÆS", "FIL-LÄS", ""),
    (Shown::Transaction, "VIS-BORGER", "VISA-AKT", ""),
    (Shown::Transaction, "SØG-BORGER", "SÖK-PERSON", ""),
    (Shown::Transaction, "OPRET-NOTAT", "SKAPA-ANTECKNING", ""),
    (Shown::Transaction, "VIS-MEDICIN", "VISA-LÄKEMEDEL", ""),
    (Shown::Transaction, "GIV-MEDICIN", "GE-LÄKEMEDEL", ""),
    (Shown::Transaction, "UDTRÆK", "UTTAG", ""),
    (Shown::Transaction, "SOP-SØG", "VIVA-SÖK", ""),
    (Shown::Transaction, "SOP-VIS-SAG", "VIVA-VISA-ÄRENDE", ""),
    (Shown::Transaction, "SOP-OPDATER", "VIVA-UPPDATERA", ""),
    (Shown::Transaction, "CPR-OPSLAG", "NAVET-SLAG", ""),
    (Shown::Transaction, "OPUS-VIS", "RD-VISA", ""),
    (Shown::Transaction, "OPUS-BOGFØR", "RD-BOKFÖR", ""),
];

pub struct Role0 {
    pub code: &'static str,
    pub name: &'static str,
    pub flags: Flags,
    pub tx: &'static [&'static str],
}

const fn flags(read_only: bool, allows_export: bool, privileged: bool, sensitive: bool) -> Flags {
    Flags { read_only, allows_export, privileged, sensitive }
}

/// Systems with their roles and profiles: (code, name, owner department index, connector,
/// logs transactions, username pattern, roles, profiles).
#[allow(clippy::type_complexity)]
pub fn catalogue() -> Vec<(
    &'static str,
    &'static str,
    usize,
    ConnectorKind,
    bool,
    &'static str,
    Vec<Role0>,
    Vec<(&'static str, &'static str, Vec<&'static str>)>,
)> {
    vec![
        (
            "AD",
            "Kommunens Active Directory",
            3,
            ConnectorKind::Ldap,
            false,
            "{supplier:3}{initials:3}{n}",
            vec![
                Role0 {
                    code: "AD-LOGON",
                    name: "Logon til arbejdsstation",
                    flags: flags(false, false, false, false),
                    tx: &["LOGON", "LOGOFF"],
                },
                Role0 { code: "AD-DREV", name: "Fællesdrev", flags: flags(false, false, false, false), tx: &["FIL-LÆS", "FIL-SKRIV"] },
                Role0 { code: "AD-INTERNET", name: "Internetadgang", flags: flags(false, false, false, false), tx: &["PROXY"] },
                Role0 { code: "AD-ADMIN", name: "Domæneadministrator", flags: flags(false, false, true, false), tx: &["ADMIN"] },
            ],
            vec![
                ("AD-LOGON", "Logon (nødadgang)", vec!["AD-LOGON"]),
                ("AD-STANDARD", "Standardbruger", vec!["AD-LOGON", "AD-DREV", "AD-INTERNET"]),
                ("AD-SUPPORT", "Leverandørsupport", vec!["AD-LOGON", "AD-ADMIN"]),
            ],
        ),
        (
            "NEXUS",
            "KMD Nexus",
            0,
            ConnectorKind::Scim,
            true,
            "{supplier:3}{initials:3}{n}",
            vec![
                Role0 {
                    code: "NEX-BORGER-LÆS",
                    name: "Læs borgerjournal",
                    flags: flags(true, false, false, true),
                    tx: &["VIS-BORGER", "SØG-BORGER"],
                },
                Role0 {
                    code: "NEX-BORGER-SKRIV",
                    name: "Dokumentation i borgerjournal",
                    flags: flags(false, false, false, true),
                    tx: &["VIS-BORGER", "SØG-BORGER", "OPRET-NOTAT"],
                },
                Role0 {
                    code: "NEX-MEDICIN",
                    name: "Medicinhåndtering",
                    flags: flags(false, false, false, true),
                    tx: &["VIS-MEDICIN", "GIV-MEDICIN"],
                },
                Role0 { code: "NEX-EKSPORT", name: "Dataudtræk", flags: flags(true, true, false, true), tx: &["UDTRÆK"] },
                Role0 { code: "NEX-ADMIN", name: "Nexus-administrator", flags: flags(false, false, true, false), tx: &["ADMIN"] },
            ],
            vec![
                ("OMSORGSJOURNAL", "Omsorgsjournal", vec!["NEX-BORGER-LÆS", "NEX-BORGER-SKRIV"]),
                ("NEX-SYGEPLEJE", "Sygepleje", vec!["NEX-BORGER-LÆS", "NEX-BORGER-SKRIV", "NEX-MEDICIN"]),
                ("NEX-UDTRÆK", "Udtræk til databehandler", vec!["NEX-EKSPORT"]),
            ],
        ),
        (
            "SOCIALPENSION",
            "KMD Social Pension",
            4,
            ConnectorKind::Manual,
            true,
            "{initials:4}",
            vec![
                Role0 { code: "WSOP-ADM-S", name: "Administration, søg", flags: flags(true, false, false, false), tx: &["SOP-SØG"] },
                Role0 { code: "WSOP-SAG-S", name: "Sagsbehandling, søg", flags: flags(true, false, false, true), tx: &["SOP-VIS-SAG"] },
                Role0 {
                    code: "WSOP-SAG-O",
                    name: "Sagsbehandling, opdater",
                    flags: flags(false, false, false, true),
                    tx: &["SOP-VIS-SAG", "SOP-OPDATER"],
                },
            ],
            vec![("4-SOP-LÆS2", "Social Pension, læseadgang", vec!["WSOP-ADM-S", "WSOP-SAG-S"])],
        ),
        (
            "CPR",
            "CPR-opslag",
            4,
            ConnectorKind::Manual,
            true,
            "{initials:4}",
            vec![Role0 { code: "CPR-OPSLAG", name: "Opslag i CPR", flags: flags(true, false, false, true), tx: &["CPR-OPSLAG"] }],
            vec![("CPR-OPSLAG", "CPR-opslag", vec!["CPR-OPSLAG"])],
        ),
        (
            "OPUS",
            "KMD Opus Økonomi",
            3,
            ConnectorKind::Manual,
            true,
            "{initials:4}",
            vec![
                Role0 { code: "OPUS-LÆS", name: "Økonomi, læs", flags: flags(true, false, false, false), tx: &["OPUS-VIS"] },
                Role0 {
                    code: "OPUS-BOGFØR",
                    name: "Økonomi, bogfør",
                    flags: flags(false, false, false, false),
                    tx: &["OPUS-VIS", "OPUS-BOGFØR"],
                },
            ],
            vec![("OPUS-LÆS", "Økonomi, læseadgang", vec!["OPUS-LÆS"])],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swedish_municipality_sees_every_entry_in_swedish() {
        // REQ: OPS-2
        for (code, name, _, _, _, _, roles, profiles) in catalogue() {
            let (c, n) = shown(Country::SE, Shown::System, code, name);
            assert!(c != "NEXUS" && !n.contains("KMD"), "{c} {n}");
            for r in roles {
                let (c, n) = shown(Country::SE, Shown::Role, r.code, r.name);
                assert_ne!((c, n), (r.code, r.name), "role {} has a Swedish name", r.code);
                for t in r.tx {
                    let (c, _) = shown(Country::SE, Shown::Transaction, t, "");
                    assert!(!c.contains(['Æ', 'Ø']) && !c.contains("BORGER"), "transaction {t} → {c}");
                }
            }
            for (pc, pn, _) in profiles {
                let (c, n) = shown(Country::SE, Shown::Profile, pc, pn);
                assert!(!c.contains(['Æ', 'Ø']) && n != pn, "profile {pc} → {c} {n}");
            }
        }
        assert_eq!(shown(Country::DK, Shown::System, "NEXUS", "KMD Nexus"), ("NEXUS", "KMD Nexus"));
    }
}
