//! Bar charts drawn on the server (RPT-1): no script. The labels and figures are HTML
//! text in the page's own size, so they never shrink below it or get cut; only the bars
//! are SVG (attributes, no inline style, so the CSP holds). Screen readers get the
//! chart's title, and the figures in the table behind "show as table".

use std::fmt::Write;

/// One bar: a label and one value per series.
pub struct Bar {
    pub label: String,
    pub values: Vec<u64>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A horizontal bar chart of one or more series (`legend` names them, one per value;
/// a single series needs none). Bars scale to the largest value of any series.
pub fn bar_chart(title: &str, legend: &[String], bars: &[Bar], format: impl Fn(u64) -> String) -> String {
    let max = bars.iter().flat_map(|b| b.values.iter().copied()).max().unwrap_or(0).max(1);
    let series = bars.iter().map(|b| b.values.len()).max().unwrap_or(1).max(1);
    let mut html = String::new();
    let _ = write!(html, r#"<div class="pv-bars" role="img" aria-label="{}">"#, escape(title));
    if legend.len() > 1 {
        html.push_str(r#"<p class="pv-bar-legend">"#);
        for (i, name) in legend.iter().enumerate() {
            let _ = write!(html, r#"<span class="pv-bar-key pv-series-{i}">{}</span>"#, escape(name));
        }
        html.push_str("</p>");
    }
    for b in bars {
        let _ = write!(
            html,
            r#"<div class="pv-bar-row"><span class="pv-bar-label">{}</span><svg class="pv-bar pv-bar-{series}" viewBox="0 0 100 {series}" preserveAspectRatio="none" aria-hidden="true">"#,
            escape(&b.label)
        );
        for (i, v) in b.values.iter().enumerate() {
            let w = (*v as f64 / max as f64) * 100.0;
            let _ = write!(html, r#"<rect class="pv-series-{i}" x="0" y="{}" width="{w:.1}" height="0.8"/>"#, i as f64 + 0.1);
        }
        let figures: Vec<String> = b.values.iter().map(|v| format(*v)).collect();
        let _ = write!(html, r#"</svg><span class="pv-bar-value">{}</span></div>"#, escape(&figures.join(" / ")));
    }
    html.push_str("</div>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_text_is_escaped() {
        // REQ: RPT-1
        let html = bar_chart(
            "Konti <pr. leverandør>",
            &[],
            &[Bar { label: "Omsorg & Co".into(), values: vec![10] }, Bar { label: "B".into(), values: vec![5] }],
            |n| n.to_string(),
        );
        assert!(html.starts_with("<div") && html.ends_with("</div>"));
        assert!(html.contains(r#"aria-label="Konti &lt;pr. leverandør&gt;""#));
        assert!(html.contains("Omsorg &amp; Co"));
        assert!(html.contains(r#"width="100.0""#), "the largest bar fills the width");
        assert!(html.contains(r#"width="50.0""#), "half the value, half the width");
    }

    #[test]
    fn a_long_label_is_kept_whole() {
        // REQ: RPT-1
        let label = "Venter på IT-sikkerhedskoordinatoren og afdelingslederen";
        let html = bar_chart("x", &[], &[Bar { label: label.into(), values: vec![3] }], |n| n.to_string());
        assert!(html.contains(label));
    }

    #[test]
    fn two_series_share_one_scale_and_a_legend() {
        // REQ: RPT-1
        let html = bar_chart(
            "Konti pr. måned",
            &["Oprettet".into(), "Lukket".into()],
            &[Bar { label: "2026-11".into(), values: vec![8, 2] }],
            |n| n.to_string(),
        );
        assert!(html.contains("Oprettet") && html.contains("Lukket"));
        assert!(html.contains(r#"width="25.0""#) && html.contains("8 / 2"));
    }

    #[test]
    fn an_empty_chart_is_still_valid_markup() {
        let html = bar_chart("x", &[], &[], |n| n.to_string());
        assert_eq!(html, r#"<div class="pv-bars" role="img" aria-label="x"></div>"#);
    }
}
