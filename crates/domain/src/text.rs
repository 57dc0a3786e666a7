//! Small text newtypes that parse: names, codes, e-mail addresses, phone numbers.

use crate::codes;
use crate::error::Invalid;

/// Declares a string newtype that is parsed with `$parse` on deserialization and
/// serializes as its canonical text.
#[macro_export]
macro_rules! string_newtype {
    ($(#[$meta:meta])* $name:ident, $parse:expr, $example:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = $example))]
        pub struct $name(String);

        impl $name {
            pub fn parse(s: &str) -> Result<Self, $crate::error::Invalid> {
                let f: fn(&str) -> Result<String, $crate::error::Invalid> = $parse;
                f(s).map(Self)
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = $crate::error::Invalid;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

/// Trims, refuses empty text, text over `max` characters and control characters.
pub fn clean_text(s: &str, max: usize) -> Result<String, Invalid> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Invalid::new(codes::EMPTY));
    }
    if t.chars().count() > max {
        return Err(Invalid::with(codes::TOO_LONG, max));
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Invalid::new(codes::CONTROL_CHARACTERS));
    }
    Ok(t.to_string())
}

string_newtype!(
    /// A name or title: trimmed, 1–200 characters, no control characters.
    Name,
    |s| clean_text(s, 200).and_then(|t| if t.contains('\n') { Err(Invalid::new(codes::CONTROL_CHARACTERS)) } else { Ok(t) }),
    "Hjemmeplejen Nord"
);

string_newtype!(
    /// Free text such as an address or description: 1–2000 characters.
    Text,
    |s| clean_text(s, 2000),
    "Stationsvej 12, 2770 Kastrup"
);

string_newtype!(
    /// A short machine code (system code, role code, profile code such as `4-SOP-LÆS2`):
    /// letters, digits, `-`, `_`, `.`; 1–60 characters; stored upper case.
    Code,
    |s| {
        let t = s.trim();
        if t.is_empty() {
            return Err(Invalid::new(codes::EMPTY));
        }
        if t.chars().count() > 60 {
            return Err(Invalid::with(codes::TOO_LONG, 60));
        }
        if !t.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            return Err(Invalid::new(codes::CODE_FORMAT));
        }
        Ok(t.to_uppercase())
    },
    "4-SOP-LÆS2"
);

string_newtype!(
    /// An e-mail address, lower-cased. Checked for shape only (one `@`, a dot in the
    /// domain, no spaces); delivery proves the rest.
    Email,
    |s| {
        let t = s.trim();
        if t.is_empty() {
            return Err(Invalid::new(codes::EMPTY));
        }
        if t.len() > 254 {
            return Err(Invalid::with(codes::TOO_LONG, 254));
        }
        let ok = match t.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !t.chars().any(|c| c.is_whitespace() || c.is_control())
            }
            None => false,
        };
        if ok { Ok(t.to_lowercase()) } else { Err(Invalid::new(codes::EMAIL_FORMAT)) }
    },
    "sikkerhed@taarnby.dk"
);

string_newtype!(
    /// A phone number: digits with optional leading `+` and spaces, 8–15 digits.
    Phone,
    |s| {
        let t = s.trim();
        if t.is_empty() {
            return Err(Invalid::new(codes::EMPTY));
        }
        let rest = t.strip_prefix('+').unwrap_or(t);
        let digits = rest.chars().filter(|c| c.is_ascii_digit()).count();
        if rest.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '-') && (8..=15).contains(&digits) {
            Ok(t.to_string())
        } else {
            Err(Invalid::new(codes::PHONE_FORMAT))
        }
    },
    "+45 32 46 46 46"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(Name::parse("  Hjemmeplejen ").unwrap().as_str(), "Hjemmeplejen");
        assert_eq!(Name::parse("   ").unwrap_err().code, codes::EMPTY);
        assert_eq!(Name::parse(&"x".repeat(201)).unwrap_err(), Invalid::with(codes::TOO_LONG, 200));
        assert_eq!(Name::parse("a\u{0}b").unwrap_err().code, codes::CONTROL_CHARACTERS);
    }

    #[test]
    fn codes_are_upper_cased_and_keep_danish_letters() {
        assert_eq!(Code::parse("4-sop-læs2").unwrap().as_str(), "4-SOP-LÆS2");
        assert_eq!(Code::parse("a b").unwrap_err().code, codes::CODE_FORMAT);
    }

    #[test]
    fn email_and_phone_shapes() {
        assert_eq!(Email::parse("Anna@Example.DK").unwrap().as_str(), "anna@example.dk");
        for bad in ["anna", "anna@", "@x.dk", "a@b", "a b@x.dk", "a@x.dk."] {
            assert_eq!(Email::parse(bad).unwrap_err().code, codes::EMAIL_FORMAT, "{bad}");
        }
        assert!(Phone::parse("+45 32 46 46 46").is_ok());
        assert_eq!(Phone::parse("12").unwrap_err().code, codes::PHONE_FORMAT);
    }
}
