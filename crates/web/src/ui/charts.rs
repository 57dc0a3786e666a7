//! Bar charts drawn as SVG on the server (RPT-1): no script, readable by screen readers
//! through the title and the table printed beside every chart.

use std::fmt::Write;

/// One bar.
pub struct Bar {
    pub label: String,
    pub value: u64,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A horizontal bar chart. `title` names it for assistive technology; the figures are
/// in the table next to it.
pub fn bar_chart(title: &str, bars: &[Bar], format: impl Fn(u64) -> String) -> String {
    const ROW: u32 = 28;
    const LABEL_W: u32 = 220;
    const BAR_W: u32 = 300;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let height = ROW * (bars.len().max(1) as u32) + 8;
    let width = LABEL_W + BAR_W + 80;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="pv-chart" role="img" aria-label="{t}" viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = escape(title)
    );
    for (i, b) in bars.iter().enumerate() {
        let y = 4 + ROW * i as u32;
        let w = ((b.value as f64 / max as f64) * f64::from(BAR_W)).round() as u32;
        let mut label = b.label.clone();
        if label.chars().count() > 30 {
            label = label.chars().take(29).collect::<String>() + "…";
        }
        let _ = write!(
            svg,
            r#"<text x="{lx}" y="{ty}" text-anchor="end" class="pv-chart-label">{l}</text><rect x="{bx}" y="{y}" width="{w}" height="{h}" class="pv-chart-bar"/><text x="{vx}" y="{ty}" class="pv-chart-value">{v}</text>"#,
            lx = LABEL_W - 8,
            ty = y + 18,
            l = escape(&label),
            bx = LABEL_W,
            h = ROW - 8,
            vx = LABEL_W + w + 6,
            v = escape(&format(b.value)),
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_text_is_escaped() {
        // REQ: RPT-1
        let svg = bar_chart(
            "Konti <pr. leverandør>",
            &[Bar { label: "Omsorg & Co".into(), value: 10 }, Bar { label: "B".into(), value: 5 }],
            |n| n.to_string(),
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("<title>Konti &lt;pr. leverandør&gt;</title>"));
        assert!(svg.contains("Omsorg &amp; Co"));
        assert!(svg.contains(r#"width="300""#), "the largest bar fills the width");
        assert!(svg.contains(r#"width="150""#), "half the value, half the width");
    }

    #[test]
    fn an_empty_chart_is_still_valid_svg() {
        let svg = bar_chart("x", &[], |n| n.to_string());
        assert!(svg.contains("viewBox=\"0 0 600 36\""));
    }
}
