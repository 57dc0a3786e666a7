//! LOG-6: the audit log as CSV for a spreadsheet, with every cell a spreadsheet could
//! run as a formula made inert (F-16), whichever list separator the reader's locale uses
//! (`,` in English, `;` in Danish and Swedish Excel).

use crate::audit_log::AuditEventView;

/// What a spreadsheet reads as the start of a formula.
const FORMULA: [char; 4] = ['=', '+', '-', '@'];
/// List separators of the locales a reader may open the file in.
const SEPARATORS: [char; 3] = [',', ';', '\t'];

/// One cell made inert: a formula start at the beginning (after any whitespace, NBSP
/// included) or right after a separator (where a `;` locale splits the cell) gets a `'`
/// in front, which spreadsheets show as text.
fn inert(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    let mut at_start = true;
    for c in s.chars() {
        if at_start && FORMULA.contains(&c) {
            out.push('\'');
        }
        if at_start && (c == '\t' || c == '\r') && out.is_empty() {
            out.push('\'');
        }
        out.push(c);
        if SEPARATORS.contains(&c) || c == '\n' || c == '\r' {
            at_start = true;
        } else if !c.is_whitespace() {
            at_start = false;
        }
    }
    out
}

/// Writes events as CSV, every cell quoted and made inert.
pub fn csv_export(items: &[AuditEventView]) -> String {
    let mut w = csv::WriterBuilder::new().quote_style(csv::QuoteStyle::Always).from_writer(Vec::new());
    let header = ["seq", "occurred_at", "source", "actor", "actor_name", "supplier_id", "action", "subject", "client_ip", "outcome"];
    let _ = w.write_record(header);
    for e in items {
        let row = [
            e.seq.to_string(),
            e.occurred_at.clone(),
            e.source.clone(),
            e.actor.clone(),
            e.actor_name.clone().unwrap_or_default(),
            e.supplier_id.clone().unwrap_or_default(),
            e.action.clone(),
            e.subject.clone().unwrap_or_default(),
            e.client_ip.clone().unwrap_or_default(),
            e.outcome.clone(),
        ];
        let _ = w.write_record(row.iter().map(|c| inert(c)));
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A list as a CSV file a spreadsheet opens as it is: UTF-8 with a byte order mark (so
/// Excel reads the letters æ, ø, å, ä, ö right), `sep` between cells (`;` where the
/// reader's Excel expects it), every cell quoted and made inert.
pub fn csv_table(sep: u8, header: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().delimiter(sep).quote_style(csv::QuoteStyle::Always).from_writer(vec![0xEF, 0xBB, 0xBF]);
    let _ = w.write_record(header.iter().map(|c| inert(c)));
    for row in rows {
        let _ = w.write_record(row.iter().map(|c| inert(c)));
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_cell_starts_a_formula_in_a_comma_or_semicolon_locale() {
        // REQ: LOG-6
        // The review's variants (F-16): plain prefixes, a separator inside the cell, and
        // leading spaces, NBSP and tabs.
        let cases = [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t'=1"),
            ("x;=1+1", "x;'=1+1"),
            ("0;=cmd|' /C calc'!A0", "0;'=cmd|' /C calc'!A0"),
            ("y;=2+2", "y;'=2+2"),
            (" =2+2", " '=2+2"),
            ("\u{a0}=2+2", "\u{a0}'=2+2"),
            ("a,+1", "a,'+1"),
            ("a; -1", "a; '-1"),
            ("journal.read", "journal.read"),
            ("Anne-Mette", "Anne-Mette"),
        ];
        for (raw, want) in cases {
            assert_eq!(inert(raw), want, "{raw:?}");
        }
        // In the file every cell is quoted, so a separator inside it never splits it.
        let view = AuditEventView { action: "x;=1+1".into(), ..AuditEventView::default() };
        let csv = csv_export(&[view]);
        let line = csv.lines().nth(1).unwrap();
        assert!(line.contains(r#""x;'=1+1""#), "{line}");
        assert!(line.split("\",\"").all(|cell| !cell.trim_start_matches('"').trim_start().starts_with(FORMULA)), "{line}");
    }
}
