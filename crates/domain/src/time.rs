//! Dates and instants. The domain never reads the clock; callers pass `now`.

use crate::codes;
use crate::error::Invalid;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Date, example = "2026-03-01"))]
pub struct Date(pub NaiveDate);

impl Date {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map(Date).map_err(|_| Invalid::new(codes::DATE_FORMAT))
    }
    pub fn ymd(y: i32, m: u32, d: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(y, m, d).map(Date)
    }
}
impl TryFrom<String> for Date {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}
impl From<Date> for String {
    fn from(d: Date) -> String {
        d.to_string()
    }
}
impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

/// An instant in UTC, written RFC 3339 with microseconds and `Z`, so that the text
/// sorts in time order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = DateTime, example = "2026-11-23T09:15:00.000000Z"))]
pub struct Timestamp(pub DateTime<Utc>);

impl Timestamp {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        DateTime::parse_from_rfc3339(s.trim()).map(|d| Timestamp(d.with_timezone(&Utc))).map_err(|_| Invalid::new(codes::TIMESTAMP_FORMAT))
    }
    pub fn date(&self) -> Date {
        Date(self.0.date_naive())
    }
}
impl TryFrom<String> for Timestamp {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}
impl From<Timestamp> for String {
    fn from(t: Timestamp) -> String {
        t.to_string()
    }
}
impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Micros, true))
    }
}

/// The source of `now` for the application layer; tests use a clock they can move
/// (OPS-4).
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp(Utc::now())
    }
}

/// A clock that stands still until moved: for tests and benchmarks that step through
/// days and months (OPS-4).
#[derive(Debug)]
pub struct ManualClock(std::sync::Mutex<Timestamp>);

impl ManualClock {
    pub fn at(t: &str) -> Self {
        ManualClock(std::sync::Mutex::new(Timestamp::parse(t).expect("a valid RFC 3339 time")))
    }
    pub fn set(&self, t: &str) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Timestamp::parse(t).expect("a valid RFC 3339 time");
    }
    pub fn advance(&self, by: chrono::Duration) {
        let mut g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *g = Timestamp(g.0 + by);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_sort_as_text_in_time_order() {
        let a = Timestamp::parse("2026-01-02T03:04:05Z").unwrap();
        let b = Timestamp::parse("2026-01-02T03:04:05.5+00:00").unwrap();
        assert!(a < b);
        assert!(a.to_string() < b.to_string());
        assert_eq!(a.to_string(), "2026-01-02T03:04:05.000000Z");
    }

    #[test]
    fn dates_parse_strictly() {
        assert_eq!(Date::parse("2026-02-30").unwrap_err().code, codes::DATE_FORMAT);
        assert_eq!(Date::parse("1/3/2026").unwrap_err().code, codes::DATE_FORMAT);
        assert_eq!(Date::parse("2026-03-01").unwrap().to_string(), "2026-03-01");
    }
}
