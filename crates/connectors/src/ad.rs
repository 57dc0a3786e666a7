//! Active Directory's encodings, as pure functions: the `unicodePwd` value, the
//! `userAccountControl` bits, `accountExpires` in Windows file time, and `pwdLastSet`.

use chrono::NaiveDate;
use domain::time::Date;

/// `userAccountControl`: a normal account.
pub const NORMAL_ACCOUNT: u32 = 0x0200;
/// `userAccountControl`: the account is disabled.
pub const ACCOUNTDISABLE: u32 = 0x0002;
/// `accountExpires` for "never".
pub const NEVER_EXPIRES: i64 = 0x7FFF_FFFF_FFFF_FFFF;
/// `pwdLastSet = 0` makes the user change the password at the next logon.
pub const MUST_CHANGE_PASSWORD: &str = "0";

/// The `unicodePwd` attribute: the password in double quotes, UTF-16LE encoded.
pub fn unicode_pwd(password: &str) -> Vec<u8> {
    format!("\"{password}\"").encode_utf16().flat_map(|u| u.to_le_bytes()).collect()
}

/// `userAccountControl` for a normal account, enabled or disabled, keeping other bits.
pub fn user_account_control(current: u32, enabled: bool) -> u32 {
    let base = current | NORMAL_ACCOUNT;
    if enabled { base & !ACCOUNTDISABLE } else { base | ACCOUNTDISABLE }
}

/// `accountExpires`: 100-nanosecond intervals since 1601-01-01 UTC, at the end of the
/// account's last day (AD expires an account at the start of the given instant).
pub fn account_expires(valid_to: Option<Date>) -> i64 {
    match valid_to {
        None => NEVER_EXPIRES,
        Some(d) => {
            let epoch = NaiveDate::from_ymd_opt(1601, 1, 1).and_then(|e| e.and_hms_opt(0, 0, 0)).map(|e| e.and_utc());
            let end = d.0.succ_opt().and_then(|n| n.and_hms_opt(0, 0, 0)).map(|e| e.and_utc());
            match (epoch, end) {
                (Some(epoch), Some(end)) => (end - epoch).num_microseconds().map(|us| us * 10).unwrap_or(NEVER_EXPIRES),
                _ => NEVER_EXPIRES,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_pwd_is_quoted_utf16_le() {
        // REQ: ACC-8
        assert_eq!(unicode_pwd("Ab1"), vec![0x22, 0, 0x41, 0, 0x62, 0, 0x31, 0, 0x22, 0]);
        assert_eq!(unicode_pwd("æ")[2..4], [0xE6, 0x00]);
    }

    #[test]
    fn user_account_control_toggles_only_the_disable_bit() {
        assert_eq!(user_account_control(0, true), 0x200);
        assert_eq!(user_account_control(0, false), 0x202);
        // DONT_EXPIRE_PASSWORD (0x10000) survives.
        assert_eq!(user_account_control(0x10202, true), 0x10200);
    }

    #[test]
    fn account_expires_is_windows_file_time_after_the_last_day() {
        // REQ: ACC-5
        // 2026-12-31 ends at 2027-01-01T00:00Z = 134432352000000000 in file time.
        assert_eq!(account_expires(Date::parse("2026-12-31").ok()), 134_432_352_000_000_000);
        assert_eq!(account_expires(None), NEVER_EXPIRES);
        // 1970-01-01 is 116444736000000000: the well-known offset of the Unix epoch.
        assert_eq!(account_expires(Date::parse("1969-12-31").ok()), 116_444_736_000_000_000);
    }
}
