//! Portvagt's user-facing text in Danish (the default), Swedish and English, as one
//! Fluent catalogue per language (`locales/*.ftl`) compiled into the binary.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use unic_langid::LanguageIdentifier;

pub use chrono_tz::Tz;

/// A language of the user interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Da,
    Sv,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Da, Lang::Sv, Lang::En];

    pub fn code(&self) -> &'static str {
        match self {
            Lang::Da => "da",
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "da" => Some(Lang::Da),
            "sv" => Some(Lang::Sv),
            "en" => Some(Lang::En),
            // Norwegian readers understand Danish best.
            "nb" | "no" | "nn" => Some(Lang::Da),
            _ => None,
        }
    }

    /// Picks from an `Accept-Language` header by quality; Danish when nothing fits.
    pub fn negotiate(accept_language: Option<&str>) -> Lang {
        let Some(header) = accept_language else { return Lang::Da };
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut it = part.split(';');
            let tag = it.next().unwrap_or("");
            let q = it.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
            if let Some(lang) = Lang::parse(tag)
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or(Lang::Da)
    }

    fn source(&self) -> &'static str {
        match self {
            Lang::Da => include_str!("../locales/da.ftl"),
            Lang::Sv => include_str!("../locales/sv.ftl"),
            Lang::En => include_str!("../locales/en.ftl"),
        }
    }
}

/// A date as people write it: `23.11.2026` (da), `2026-11-23` (sv), `23 Nov 2026` (en).
pub fn format_date(lang: Lang, d: chrono::NaiveDate) -> String {
    match lang {
        Lang::Da => d.format("%d.%m.%Y").to_string(),
        Lang::Sv => d.format("%Y-%m-%d").to_string(),
        Lang::En => d.format("%-d %b %Y").to_string(),
    }
}

/// A moment in the given time zone, written the language's way with the zone's abbreviation
/// (`23.11.2026 kl. 14.47 CET`).
pub fn format_datetime(lang: Lang, tz: Tz, t: chrono::DateTime<chrono::Utc>) -> String {
    let t = t.with_timezone(&tz);
    match lang {
        Lang::Da => t.format("%d.%m.%Y kl. %H.%M %Z").to_string(),
        Lang::Sv => t.format("%Y-%m-%d %H:%M %Z").to_string(),
        Lang::En => t.format("%-d %b %Y, %H:%M %Z").to_string(),
    }
}

/// The time zone times are shown in unless configured otherwise (Denmark and Sweden
/// keep the same clock).
pub const DEFAULT_TIME_ZONE: Tz = Tz::Europe__Copenhagen;

/// A count with the language's thousands separator: `12.345` (da), `12 345` (sv, a
/// no-break space), `12,345` (en).
pub fn format_count(lang: Lang, n: u64) -> String {
    let sep = match lang {
        Lang::Da => '.',
        Lang::Sv => '\u{a0}',
        Lang::En => ',',
    };
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// The three catalogues.
pub struct Catalog {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Catalog")
    }
}

impl Default for Catalog {
    fn default() -> Self {
        Self::new()
    }
}

impl Catalog {
    /// Loads the compiled-in catalogues. They are checked by this crate's tests, so a
    /// syntax error cannot reach a release.
    pub fn new() -> Catalog {
        let bundles = Lang::ALL
            .iter()
            .map(|lang| {
                let res = FluentResource::try_new(lang.source().to_string()).unwrap_or_else(|(res, _)| res);
                let id: LanguageIdentifier = lang.code().parse().expect("language code");
                let mut bundle = FluentBundle::new_concurrent(vec![id]);
                // No Unicode isolation marks: these texts go into JSON and plain text.
                bundle.set_use_isolating(false);
                let _ = bundle.add_resource(res);
                (*lang, bundle)
            })
            .collect();
        Catalog { bundles }
    }

    fn bundle(&self, lang: Lang) -> &FluentBundle<FluentResource> {
        &self.bundles.iter().find(|(l, _)| *l == lang).expect("every language is loaded").1
    }

    pub fn has(&self, lang: Lang, id: &str) -> bool {
        self.bundle(lang).has_message(id)
    }

    /// The message `id` with arguments; the id itself when the message is missing.
    pub fn text(&self, lang: Lang, id: &str, args: &[(&str, &str)]) -> String {
        let bundle = self.bundle(lang);
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            return id.to_string();
        };
        let mut fargs = FluentArgs::new();
        for (k, v) in args {
            fargs.set(*k, v.to_string());
        }
        let mut errors = Vec::new();
        bundle.format_pattern(pattern, Some(&fargs), &mut errors).into_owned()
    }

    /// Message ids of one language, sorted.
    pub fn ids(lang: Lang) -> Vec<String> {
        let res = FluentResource::try_new(lang.source().to_string()).unwrap_or_else(|(res, _)| res);
        let mut ids: Vec<String> = res
            .entries()
            .filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
                _ => None,
            })
            .collect();
        ids.sort();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_numbers_are_written_the_way_of_each_language() {
        // REQ: OPS-2
        let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 3).unwrap();
        assert_eq!(format_date(Lang::Da, d), "03.11.2026");
        assert_eq!(format_date(Lang::Sv, d), "2026-11-03");
        assert_eq!(format_date(Lang::En, d), "3 Nov 2026");
        assert_eq!(format_count(Lang::Da, 1_234_567), "1.234.567");
        assert_eq!(format_count(Lang::Sv, 12_345), "12\u{a0}345");
        assert_eq!(format_count(Lang::En, 999), "999");
        assert_eq!(format_count(Lang::En, 1000), "1,000");
    }

    #[test]
    fn times_are_shown_on_the_local_clock_winter_and_summer() {
        // REQ: OPS-2
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&chrono::Utc);
        let winter = at("2026-11-23T13:47:00Z");
        assert_eq!(format_datetime(Lang::Da, DEFAULT_TIME_ZONE, winter), "23.11.2026 kl. 14.47 CET");
        assert_eq!(format_datetime(Lang::Sv, Tz::Europe__Stockholm, winter), "2026-11-23 14:47 CET");
        assert_eq!(format_datetime(Lang::En, DEFAULT_TIME_ZONE, winter), "23 Nov 2026, 14:47 CET");
        // Summer time starts on the last Sunday of March at 01:00 UTC.
        assert_eq!(format_datetime(Lang::Da, DEFAULT_TIME_ZONE, at("2026-03-29T00:59:00Z")), "29.03.2026 kl. 01.59 CET");
        assert_eq!(format_datetime(Lang::Da, DEFAULT_TIME_ZONE, at("2026-03-29T01:00:00Z")), "29.03.2026 kl. 03.00 CEST");
        assert_eq!(format_datetime(Lang::En, Tz::UTC, winter), "23 Nov 2026, 13:47 UTC");
    }

    #[test]
    fn catalogues_parse_without_errors() {
        // REQ: OPS-2
        for lang in Lang::ALL {
            if let Err((_, errors)) = FluentResource::try_new(lang.source().to_string()) {
                panic!("{}.ftl: {errors:?}", lang.code());
            }
        }
    }

    #[test]
    fn all_catalogues_have_the_same_keys() {
        // REQ: OPS-2
        let en = Catalog::ids(Lang::En);
        assert!(en.len() > 50);
        for lang in [Lang::Da, Lang::Sv] {
            assert_eq!(Catalog::ids(lang), en, "{}.ftl differs from en.ftl", lang.code());
        }
    }

    #[test]
    fn a_country_variant_overrides_a_message_that_exists_and_speaks_of_that_country() {
        // REQ: OPS-2
        let ids = Catalog::ids(Lang::Da);
        let variants: Vec<&String> = ids.iter().filter(|id| id.contains("--")).collect();
        assert!(variants.len() >= 10, "{variants:?}");
        let c = Catalog::new();
        for v in variants {
            let (base, country) = v.split_once("--").unwrap();
            assert!(ids.iter().any(|i| i == base), "{v} varies a message that exists");
            assert!(["dk", "se"].contains(&country), "{v}");
            // A Swedish municipality's wording never names the Danish CPR number or law first.
            for lang in Lang::ALL {
                let text = c.text(lang, v, &[("field", "x")]);
                assert!(!text.starts_with("CPR") && !text.contains("§ 152"), "{v} ({}): {text}", lang.code());
            }
        }
        // Swedish text speaks of Swedish law when the municipality is Swedish.
        assert!(c.text(Lang::Sv, "evidence-confidentiality_declaration--se", &[]).contains("offentlighets- och sekretesslagen"));
        assert!(c.text(Lang::Da, "evidence-confidentiality_declaration", &[]).contains("straffelovens § 152"));
    }

    #[test]
    fn every_domain_error_code_has_a_message_in_every_language() {
        // REQ: OPS-2
        let c = Catalog::new();
        for lang in Lang::ALL {
            for code in domain::codes::ALL {
                assert!(c.has(lang, code), "{} lacks {code}", lang.code());
            }
            for preset in domain::policy::shipped_presets().unwrap() {
                for (_, code) in preset.deviations_from_guidance() {
                    assert!(c.has(lang, code), "{} lacks {code}", lang.code());
                }
            }
        }
    }

    #[test]
    fn messages_take_arguments_and_languages_differ() {
        let c = Catalog::new();
        let args = [("field", "org_number")];
        let da = c.text(Lang::Da, "cvr-checksum", &args);
        let sv = c.text(Lang::Sv, "cvr-checksum", &args);
        let en = c.text(Lang::En, "cvr-checksum", &args);
        assert_eq!(en, "org_number is not a valid CVR number: the check digit is wrong.");
        assert!(da.contains("kontrolcifferet") && sv.contains("kontrollsiffran"));
    }

    #[test]
    fn accept_language_is_negotiated_by_quality() {
        assert_eq!(Lang::negotiate(None), Lang::Da);
        assert_eq!(Lang::negotiate(Some("sv-SE,sv;q=0.9,en;q=0.8")), Lang::Sv);
        assert_eq!(Lang::negotiate(Some("de-DE,en;q=0.5,da;q=0.7")), Lang::Da);
        assert_eq!(Lang::negotiate(Some("en-GB")), Lang::En);
        assert_eq!(Lang::negotiate(Some("fr")), Lang::Da);
    }
}
