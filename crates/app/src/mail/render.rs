//! NOT-1: mails in words, in the recipient's language, as plain text and HTML. A mail
//! says what waits and links to the list it is in; it names no person, CPR number or
//! username (the content it is given has none).

use super::{Mail, MailContent, RenderedMail};
use crate::Need;
use i18n::{Catalog, Lang};
use std::sync::Arc;

/// Renders mails with the pages' catalogue and links to Portvagt's public address.
#[derive(Clone)]
pub struct MailRenderer {
    catalog: Arc<Catalog>,
    tz: i18n::Tz,
    country: &'static str,
    default: Lang,
    base_url: String,
}

/// The catalogue in one language, with the country's variant of a message where it
/// has one (`{id}--se`).
struct Words<'a> {
    catalog: &'a Catalog,
    lang: Lang,
    country: &'static str,
}

impl Words<'_> {
    fn t(&self, id: &str) -> String {
        self.t1(id, "")
    }
    fn t1(&self, id: &str, arg: &str) -> String {
        let variant = format!("{id}--{}", self.country);
        let id = if self.catalog.has(self.lang, &variant) { variant.as_str() } else { id };
        self.catalog.text(self.lang, id, &[("arg", arg)])
    }
    fn num(&self, n: &u64) -> String {
        i18n::format_count(self.lang, *n)
    }
}

/// A list of lines under an optional heading.
type Group = (Option<String>, Vec<Line>);

/// One line of a mail: a label, its count (if any) and the link.
struct Line {
    label: String,
    count: Option<String>,
    href: String,
}

impl MailRenderer {
    pub fn new(frame: &crate::Frame, base_url: &str, tz: i18n::Tz) -> MailRenderer {
        let se = frame.country == domain::policy::Country::SE;
        MailRenderer {
            catalog: Arc::new(Catalog::new()),
            tz,
            country: if se { "se" } else { "dk" },
            default: if se { Lang::Sv } else { Lang::Da },
            base_url: base_url.trim_end_matches('/').to_string(),
        }
    }

    pub fn render(&self, mail: &Mail) -> RenderedMail {
        let lang = mail.language.as_deref().and_then(Lang::parse).unwrap_or(self.default);
        let tr = Words { catalog: &self.catalog, lang, country: self.country };
        let link = |path: &str| format!("{}{path}", self.base_url);
        let (subject, intro, groups): (String, String, Vec<Group>) = match &mail.content {
            MailContent::Digest { day, needs, notices, supplier } => {
                let day = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").map(|d| i18n::format_date(lang, d)).unwrap_or(day.clone());
                let waiting: Vec<Line> = needs
                    .iter()
                    .filter_map(|(code, n)| Need::parse(code).map(|need| (need, *n)))
                    .map(|(need, n)| {
                        let (key, path, days) = need.link(*supplier);
                        Line { label: tr.t1(key, &days.to_string()), count: Some(tr.num(&n)), href: link(path) }
                    })
                    .collect();
                let since: Vec<Line> = notices
                    .iter()
                    .map(|(kind, n)| Line {
                        label: tr.t(&format!("notice-{}", kind.code())),
                        count: Some(tr.num(n)),
                        href: link(kind.path()),
                    })
                    .collect();
                let mut groups = Vec::new();
                if !waiting.is_empty() {
                    groups.push((None, waiting));
                }
                if !since.is_empty() {
                    groups.push((Some(tr.t("mail-digest-notices")), since));
                }
                (tr.t1("mail-digest-subject", &day), tr.t("mail-digest-intro"), groups)
            }
            MailContent::Notice { notice, due_at } => {
                let label = tr.t(&format!("notice-{}", notice.code()));
                let due = due_at
                    .as_deref()
                    .and_then(|d| domain::time::Timestamp::parse(d).ok())
                    .map(|t| tr.t1("mail-due", &i18n::format_datetime(lang, self.tz, t.0)));
                let line = Line { label: label.clone(), count: due, href: link(notice.path()) };
                (tr.t1("mail-notice-subject", &label), tr.t("mail-notice-intro"), vec![(None, vec![line])])
            }
        };
        let footer = tr.t("mail-footer");
        let open = tr.t("mail-open");
        let mut text = format!("{intro}\n\n");
        let mut html = format!(
            "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
             <body style=\"font-family:'IBM Plex Sans',Arial,sans-serif;color:#1a1a1a;max-width:40em\">\
             <p>{}</p>",
            lang.code(),
            escape(&subject),
            escape(&intro)
        );
        for (heading, lines) in &groups {
            if let Some(h) = heading {
                text.push_str(&format!("{h}\n"));
                html.push_str(&format!("<h2 style=\"font-size:1.1em\">{}</h2>", escape(h)));
            }
            html.push_str("<ul>");
            for l in lines {
                let count = l.count.as_deref().map(|c| format!(": {c}")).unwrap_or_default();
                text.push_str(&format!("- {}{count}\n  {}\n", l.label, l.href));
                html.push_str(&format!("<li><a href=\"{}\">{}</a>{}</li>", escape(&l.href), escape(&l.label), escape(&count)));
            }
            html.push_str("</ul>");
            text.push('\n');
        }
        let home = link("/");
        text.push_str(&format!("{open}: {home}\n\n-- \n{footer}\n"));
        html.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p><hr><p style=\"font-size:0.9em;color:#555\">{}</p></body></html>",
            escape(&home),
            escape(&open),
            escape(&footer)
        ));
        RenderedMail { subject, text, html }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
