//! AUTH-2, X-6: passwords leaked in known breaches are refused. The list is bundled
//! (`data/breached-passwords.txt`; its source and licence are in `data/README.md`), so
//! the check needs no network and tells nobody what was typed.

use std::collections::HashSet;
use std::sync::OnceLock;

const LIST: &str = include_str!("../data/breached-passwords.txt");

fn list() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| LIST.lines().map(str::trim).filter(|l| !l.is_empty()).collect())
}

/// Whether the password is on the bundled list of breached passwords, letter case
/// ignored.
pub fn is_breached(password: &str) -> bool {
    list().contains(password.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_breached_passwords_are_recognised_whatever_their_case() {
        // REQ: AUTH-2
        assert!(list().len() >= 10_000 - 1);
        for pw in ["password", "Password123", "qwerty123", "ILOVEYOU", "trustno1"] {
            assert!(is_breached(pw), "{pw}");
        }
        for pw in ["Vinterferie2026", "Portvagt2026Sikker", "Hjemmepleje-Nord-7"] {
            assert!(!is_breached(pw), "{pw}");
        }
    }
}
