//! Danish and Swedish identifiers: CVR, Swedish organisation number, CPR, personnummer.

use crate::codes;
use crate::error::Invalid;
use crate::string_newtype;
use chrono::NaiveDate;

fn digits_only(s: &str) -> Option<Vec<u32>> {
    s.chars().map(|c| c.to_digit(10)).collect()
}

/// Luhn (mod 10) check over the digits, as used by Swedish organisation numbers and
/// personnummer.
pub fn luhn_ok(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                *d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn parse_cvr(s: &str) -> Result<String, Invalid> {
    let t: String = s.trim().trim_start_matches("DK").chars().filter(|c| *c != ' ').collect();
    let d = digits_only(&t).filter(|d| d.len() == 8 && d[0] != 0).ok_or(Invalid::new(codes::ORG_NUMBER_FORMAT))?;
    let weights = [2, 7, 6, 5, 4, 3, 2, 1];
    let sum: u32 = d.iter().zip(weights).map(|(a, b)| a * b).sum();
    if !sum.is_multiple_of(11) {
        return Err(Invalid::new(codes::CVR_CHECKSUM));
    }
    Ok(t)
}

fn parse_se_org(s: &str) -> Result<String, Invalid> {
    let t: String = s.trim().trim_start_matches("SE").chars().filter(|c| *c != ' ' && *c != '-').collect();
    let d = digits_only(&t).filter(|d| d.len() == 10).ok_or(Invalid::new(codes::ORG_NUMBER_FORMAT))?;
    if !luhn_ok(&d) {
        return Err(Invalid::new(codes::SE_ORG_NUMBER_CHECKSUM));
    }
    Ok(format!("{}-{}", &t[..6], &t[6..]))
}

string_newtype!(
    /// Danish CVR number: eight digits with a modulus-11 check digit.
    Cvr,
    parse_cvr,
    "29189838"
);

string_newtype!(
    /// Swedish organisation number (organisationsnummer): ten digits, Luhn check digit,
    /// written `NNNNNN-NNNN`.
    SeOrgNumber,
    parse_se_org,
    "212000-0761"
);

/// An organisation number: a Danish CVR (8 digits) or a Swedish organisation number
/// (10 digits). The length tells which; an optional `DK`/`SE` prefix is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum OrgNumber {
    Dk(Cvr),
    Se(SeOrgNumber),
}

impl OrgNumber {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let t = s.trim();
        if t.is_empty() {
            return Err(Invalid::new(codes::EMPTY));
        }
        let n = t.chars().filter(|c| c.is_ascii_digit()).count();
        let upper = t.to_uppercase();
        if upper.starts_with("SE") || n == 10 {
            SeOrgNumber::parse(&upper).map(OrgNumber::Se)
        } else {
            Cvr::parse(&upper).map(OrgNumber::Dk)
        }
    }
    pub fn as_str(&self) -> &str {
        match self {
            OrgNumber::Dk(c) => c.as_str(),
            OrgNumber::Se(s) => s.as_str(),
        }
    }
    /// The key under which uniqueness is enforced: country and number.
    pub fn key(&self) -> String {
        match self {
            OrgNumber::Dk(c) => format!("DK{c}"),
            OrgNumber::Se(s) => format!("SE{s}"),
        }
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for OrgNumber {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("CVR number (8 digits) or Swedish organisation number (10 digits, NNNNNN-NNNN)"))
            .examples(["29189838"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for OrgNumber {}

impl TryFrom<String> for OrgNumber {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}
impl From<OrgNumber> for String {
    fn from(o: OrgNumber) -> String {
        o.as_str().to_string()
    }
}

fn parse_cpr(s: &str) -> Result<String, Invalid> {
    let t: String = s.trim().chars().filter(|c| *c != '-' && *c != ' ').collect();
    let d = digits_only(&t).filter(|d| d.len() == 10).ok_or(Invalid::new(codes::CPR_FORMAT))?;
    let (day, month, yy) = (d[0] * 10 + d[1], d[2] * 10 + d[3], d[4] * 10 + d[5]);
    // The century follows from the seventh digit (CPR-kontoret's table).
    let century = match d[6] {
        0..=3 => 1900,
        4 | 9 => {
            if yy <= 36 {
                2000
            } else {
                1900
            }
        }
        _ => {
            if yy <= 57 {
                2000
            } else {
                1800
            }
        }
    };
    NaiveDate::from_ymd_opt((century + yy) as i32, month, day).ok_or(Invalid::new(codes::CPR_DATE))?;
    Ok(format!("{}-{}", &t[..6], &t[6..]))
}

fn parse_personnummer(s: &str) -> Result<String, Invalid> {
    let t = s.trim();
    let plus = t.contains('+');
    let digits: String = t.chars().filter(|c| !matches!(c, '-' | '+' | ' ')).collect();
    let d = digits_only(&digits).filter(|d| d.len() == 10 || d.len() == 12).ok_or(Invalid::new(codes::PERSONNUMMER_FORMAT))?;
    let short: Vec<u32> = if d.len() == 12 { d[2..].to_vec() } else { d.clone() };
    let (yy, month, mut day) = (short[0] * 10 + short[1], short[2] * 10 + short[3], short[4] * 10 + short[5]);
    if day > 60 {
        day -= 60; // samordningsnummer
    }
    let date_ok = if d.len() == 12 {
        NaiveDate::from_ymd_opt((d[0] * 1000 + d[1] * 100 + yy) as i32, month, day).is_some()
    } else {
        [1900, 2000].iter().any(|c| NaiveDate::from_ymd_opt((c + yy) as i32, month, day).is_some())
    };
    if !date_ok {
        return Err(Invalid::new(codes::PERSONNUMMER_DATE));
    }
    if !luhn_ok(&short) {
        return Err(Invalid::new(codes::PERSONNUMMER_CHECKSUM));
    }
    let s: String = short.iter().map(|d| char::from_digit(*d, 10).unwrap_or('0')).collect();
    Ok(format!("{}{}{}", &s[..6], if plus { '+' } else { '-' }, &s[6..]))
}

string_newtype!(
    /// Danish CPR number, `DDMMYY-SSSS`: a real date given the century rule of the
    /// seventh digit. (The modulus-11 check was dropped in 2007 and is not applied.)
    Cpr,
    parse_cpr,
    "010190-1234"
);

string_newtype!(
    /// Swedish personnummer or samordningsnummer, stored as `YYMMDD-NNNN`, Luhn-checked.
    Personnummer,
    parse_personnummer,
    "121212-1212"
);

/// A person's national identity number. Never shown back through the API: it is stored
/// encrypted and found through a keyed blind index.
///
/// Typed as people write it, a plain string whose format tells the kind
/// ([`NationalId::parse`]); the older `{"kind": "cpr", "value": "…"}` form is still read.
/// It serialises in that tagged form, which names the kind without guessing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum NationalId {
    Cpr(Cpr),
    Personnummer(Personnummer),
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for NationalId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "A Danish CPR number written DDMMYY-SSSS (the dash optional), or a Swedish personnummer or \
                 samordningsnummer written YYYYMMDD-NNNN (or YYMMDD-NNNN, `+` for those over 100). The format \
                 tells the kind: ten digits that form a valid CPR date are a CPR number, anything else a \
                 personnummer. Write-only.",
            ))
            .examples(["010190-1234"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for NationalId {}

impl<'de> serde::Deserialize<'de> for NationalId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Kind {
            Cpr,
            Personnummer,
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Tagged {
            kind: Kind,
            value: String,
        }
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Either {
            Text(String),
            Tagged(Tagged),
        }
        let parsed = match Either::deserialize(d).map_err(|_| serde::de::Error::custom(Invalid::new(codes::NATIONAL_ID_FORMAT)))? {
            Either::Text(s) => NationalId::parse(&s),
            Either::Tagged(Tagged { kind: Kind::Cpr, value }) => Cpr::parse(&value).map(NationalId::Cpr),
            Either::Tagged(Tagged { kind: Kind::Personnummer, value }) => Personnummer::parse(&value).map(NationalId::Personnummer),
        };
        parsed.map_err(serde::de::Error::custom)
    }
}

impl NationalId {
    /// A CPR number or personnummer as people write it, the kind told by the format: ten
    /// digits (a dash or space allowed) that form a date by the CPR century rule are a
    /// CPR number; twelve digits, a `+`, or ten digits that are no CPR date but a valid
    /// personnummer are a personnummer (samordningsnummer included). The error names
    /// what is wrong: a CPR date that does not exist, a personnummer's date or check
    /// digit, or else the expected format.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let t = s.trim();
        if t.is_empty() {
            return Err(Invalid::new(codes::EMPTY));
        }
        let digits = t.chars().filter(char::is_ascii_digit).count();
        let plausible = t.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' '));
        if !plausible || !(digits == 10 || digits == 12) {
            return Err(Invalid::new(codes::NATIONAL_ID_FORMAT));
        }
        if digits == 12 || t.contains('+') {
            return Personnummer::parse(t).map(NationalId::Personnummer);
        }
        match Cpr::parse(t) {
            Ok(c) => Ok(NationalId::Cpr(c)),
            Err(cpr_error) => Personnummer::parse(t).map(NationalId::Personnummer).map_err(|_| cpr_error),
        }
    }
    /// F-17, LOG-5: whether free text holds something that reads as a CPR number or
    /// personnummer: ten or twelve digits standing together (a `-`, `+` or space before
    /// the last four allowed), not part of a longer number, that form a valid one.
    pub fn appears_in(text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        for start in 0..chars.len() {
            if !chars[start].is_ascii_digit() || (start > 0 && chars[start - 1].is_ascii_digit()) {
                continue;
            }
            for len in [6usize, 8] {
                let head = start + len;
                if head > chars.len() || !chars[start..head].iter().all(char::is_ascii_digit) {
                    continue;
                }
                let sep = usize::from(chars.get(head).is_some_and(|c| matches!(c, '-' | '+' | ' ')));
                let tail = head + sep;
                let end = tail + 4;
                if end > chars.len()
                    || !chars[tail..end].iter().all(char::is_ascii_digit)
                    || chars.get(end).is_some_and(char::is_ascii_digit)
                {
                    continue;
                }
                let candidate: String = chars[start..end].iter().collect();
                if NationalId::parse(&candidate).is_ok() {
                    return true;
                }
            }
        }
        false
    }
    /// Canonical text, the input of the blind index and the plaintext that is encrypted.
    pub fn canonical(&self) -> String {
        match self {
            NationalId::Cpr(c) => format!("cpr:{c}"),
            NationalId::Personnummer(p) => format!("personnummer:{p}"),
        }
    }
    pub fn from_canonical(s: &str) -> Option<Self> {
        let (kind, value) = s.split_once(':')?;
        match kind {
            "cpr" => Cpr::parse(value).ok().map(NationalId::Cpr),
            "personnummer" => Personnummer::parse(value).ok().map(NationalId::Personnummer),
            _ => None,
        }
    }
    /// Birth date part only, the serial hidden: `010190-xxxx`.
    pub fn masked(&self) -> String {
        let s = match self {
            NationalId::Cpr(c) => c.as_str().to_string(),
            NationalId::Personnummer(p) => p.as_str().to_string(),
        };
        format!("{}xxxx", &s[..7])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cvr_needs_eight_digits_and_a_valid_check_digit() {
        // REQ: ORG-3
        assert_eq!(Cvr::parse("29189838").unwrap().as_str(), "29189838");
        assert_eq!(Cvr::parse("DK 29 18 98 38").unwrap().as_str(), "29189838");
        assert_eq!(Cvr::parse("2918983").unwrap_err().code, codes::ORG_NUMBER_FORMAT);
        assert_eq!(Cvr::parse("2918983x").unwrap_err().code, codes::ORG_NUMBER_FORMAT);
        assert_eq!(Cvr::parse("29189839").unwrap_err().code, codes::CVR_CHECKSUM);
    }

    #[test]
    fn swedish_org_number_needs_a_luhn_check_digit() {
        // REQ: ORG-3
        assert_eq!(SeOrgNumber::parse("2120000761").unwrap().as_str(), "212000-0761");
        assert_eq!(SeOrgNumber::parse("212000-0762").unwrap_err().code, codes::SE_ORG_NUMBER_CHECKSUM);
        assert_eq!(OrgNumber::parse("556036-0793").unwrap().key(), "SE556036-0793");
        assert_eq!(OrgNumber::parse("12345").unwrap_err().code, codes::ORG_NUMBER_FORMAT);
        assert!(matches!(OrgNumber::parse("29189838").unwrap(), OrgNumber::Dk(_)));
    }

    #[test]
    fn cpr_checks_format_and_date_with_the_century_rule() {
        // REQ: ORG-4
        assert_eq!(Cpr::parse("0101901234").unwrap().as_str(), "010190-1234");
        assert_eq!(Cpr::parse("01019-1234").unwrap_err().code, codes::CPR_FORMAT);
        assert_eq!(Cpr::parse("310290-1234").unwrap_err().code, codes::CPR_DATE);
        // 29 Feb 2000 exists: seventh digit 4 and year 00 means 2000.
        assert!(Cpr::parse("290200-4000").is_ok());
        // 29 Feb 1900 does not: seventh digit 0 means 1900.
        assert_eq!(Cpr::parse("290200-0000").unwrap_err().code, codes::CPR_DATE);
    }

    #[test]
    fn personnummer_checks_luhn_and_samordningsnummer() {
        // REQ: ORG-4
        assert_eq!(Personnummer::parse("19121212-1212").unwrap().as_str(), "121212-1212");
        assert_eq!(Personnummer::parse("121212-1213").unwrap_err().code, codes::PERSONNUMMER_CHECKSUM);
        assert_eq!(Personnummer::parse("121312-1212").unwrap_err().code, codes::PERSONNUMMER_DATE);
        assert!(Personnummer::parse("701063-2391").is_ok(), "samordningsnummer, day + 60");
        let id = NationalId::Personnummer(Personnummer::parse("121212-1212").unwrap());
        assert_eq!(NationalId::from_canonical(&id.canonical()), Some(id.clone()));
        assert_eq!(id.masked(), "121212-xxxx");
    }

    #[test]
    fn a_national_id_is_typed_as_people_write_it_and_the_format_tells_the_kind() {
        // REQ: ORG-4
        let cpr = |s: &str| matches!(NationalId::parse(s), Ok(NationalId::Cpr(_)));
        let pnr = |s: &str| matches!(NationalId::parse(s), Ok(NationalId::Personnummer(_)));
        assert!(cpr("010190-1235") && cpr("0101901235") && cpr(" 010190 1235 "));
        assert_eq!(NationalId::parse("0101901235").unwrap().canonical(), "cpr:010190-1235");
        assert!(pnr("19121212-1212") && pnr("191212121212") && pnr("121212+1212"));
        assert!(pnr("19701063-2391"), "samordningsnummer, day + 60");
        // Ten digits that are no CPR date (month 13) but a valid personnummer.
        assert!(pnr("701063-2391"));
        assert_eq!(NationalId::parse("123").unwrap_err().code, codes::NATIONAL_ID_FORMAT);
        assert_eq!(NationalId::parse("01-01-90-12a5").unwrap_err().code, codes::NATIONAL_ID_FORMAT);
        assert_eq!(NationalId::parse("").unwrap_err().code, codes::EMPTY);
        assert_eq!(NationalId::parse("310290-1234").unwrap_err().code, codes::CPR_DATE);
        assert_eq!(NationalId::parse("19121212-1213").unwrap_err().code, codes::PERSONNUMMER_CHECKSUM);
    }

    #[test]
    fn a_national_id_reads_from_a_plain_string_or_the_tagged_form() {
        // REQ: ORG-4
        let read = |j: &str| serde_json::from_str::<NationalId>(j);
        assert!(matches!(read(r#""010190-1235""#), Ok(NationalId::Cpr(_))));
        assert!(matches!(read(r#"{"kind":"personnummer","value":"121212-1212"}"#), Ok(NationalId::Personnummer(_))));
        let tagged = serde_json::to_string(&NationalId::parse("0101901235").unwrap()).unwrap();
        assert_eq!(tagged, r#"{"kind":"cpr","value":"010190-1235"}"#);
        assert!(matches!(read(&tagged), Ok(NationalId::Cpr(_))));
        assert!(read(r#""123""#).unwrap_err().to_string().contains(codes::NATIONAL_ID_FORMAT));
        assert!(read("42").unwrap_err().to_string().contains(codes::NATIONAL_ID_FORMAT));
    }

    fn luhn_digit(body: &[u32]) -> u32 {
        (0..10)
            .find(|c| {
                let mut v = body.to_vec();
                v.push(*c);
                luhn_ok(&v)
            })
            .unwrap()
    }

    proptest! {
        #[test]
        fn any_se_org_number_with_its_luhn_digit_parses(body in proptest::collection::vec(0u32..10, 9)) {
            let check = luhn_digit(&body);
            let text: String = body.iter().chain(std::iter::once(&check)).map(|d| char::from_digit(*d, 10).unwrap()).collect();
            prop_assert!(SeOrgNumber::parse(&text).is_ok());
            let wrong = (check + 1) % 10;
            let text: String = body.iter().chain(std::iter::once(&wrong)).map(|d| char::from_digit(*d, 10).unwrap()).collect();
            prop_assert_eq!(SeOrgNumber::parse(&text).unwrap_err().code, codes::SE_ORG_NUMBER_CHECKSUM);
        }

        #[test]
        fn cpr_parsing_never_panics_and_round_trips(s in "[0-9]{6}-?[0-9]{4}") {
            if let Ok(c) = Cpr::parse(&s) {
                prop_assert_eq!(Cpr::parse(c.as_str()).unwrap(), c);
            }
        }
    }

    #[test]
    fn national_ids_are_found_in_free_text() {
        // REQ: LOG-5
        for t in ["030303-3333", "journal.read.0505055555", "x 040404 4444 y", "user 19121212-1212", "{\"cpr\":\"0101901234\"}"] {
            assert!(NationalId::appears_in(t), "{t}");
        }
        for t in ["journal.read", "order 12345", "phone 4512345678901", "2026-11-23", "320101-1234", "id 99999999999999"] {
            assert!(!NationalId::appears_in(t), "{t}");
        }
    }
}
