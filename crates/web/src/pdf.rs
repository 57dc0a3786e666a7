//! Printouts as PDF a person can read with a screen reader: tagged (headings, paragraphs,
//! a table with its header cells), in the reader's language, with a title, and checked
//! against PDF/UA-1 by the writer (`krilla`) as it is written. The text is set in IBM
//! Plex Sans, the design system's typeface, embedded (subset) in the file.

use krilla::Document;
use krilla::color::rgb;
use krilla::configure::{Configuration, Validator};
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::tagging::{ArtifactType, ContentTag, SpanTag, Tag, TagGroup, TagTree};
use krilla::text::{Font, TextDirection};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};
use std::num::NonZeroU16;
use std::sync::Arc;

const REGULAR: &[u8] = include_bytes!("../assets/fonts/IBMPlexSans-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../assets/fonts/IBMPlexSans-Bold.ttf");

/// A4 landscape, in points.
const WIDTH: f32 = 842.0;
const HEIGHT: f32 = 595.0;
const MARGIN: f32 = 40.0;
const BODY: f32 = 9.0;
const LEADING: f32 = 1.35;
const PAD: f32 = 4.0;

/// What a printout holds: a title, facts about it (label, value), paragraphs, and a table.
pub struct Printout {
    pub title: String,
    /// BCP 47 code of the text's language (`da`, `sv`, `en`).
    pub lang: &'static str,
    pub facts: Vec<(String, String)>,
    pub paragraphs: Vec<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// "Page {n}" in the reader's language, `{n}` replaced by the page's number.
    pub page_label: String,
}

/// A face with what is needed to measure text set in it.
struct Face {
    font: Font,
    bytes: &'static [u8],
}

impl Face {
    fn new(bytes: &'static [u8]) -> Result<Face, String> {
        let font = Font::new(Arc::new(bytes.to_vec()).into(), 0).ok_or("the embedded font does not load")?;
        Ok(Face { font, bytes })
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        let Ok(f) = skrifa::FontRef::new(self.bytes) else { return text.chars().count() as f32 * size * 0.55 };
        let charmap = f.charmap();
        let metrics = f.glyph_metrics(Size::new(size), LocationRef::default());
        text.chars().map(|c| charmap.map(c).and_then(|g| metrics.advance_width(g)).unwrap_or(size * 0.55)).sum()
    }

    /// The text broken into lines no wider than `max` (a word longer than a line is
    /// broken between letters).
    fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            for word in para.split_whitespace() {
                let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
                if self.width(&candidate, size) <= max {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                for c in word.chars() {
                    let next = format!("{line}{c}");
                    if self.width(&next, size) > max && !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                    }
                    line.push(c);
                }
            }
            lines.push(line);
        }
        lines
    }
}

/// Draws one line of text as a span of the tag tree and returns its identifier.
fn text(surface: &mut Surface, face: &Face, size: f32, at: (f32, f32), s: &str) -> krilla::tagging::Identifier {
    let id = surface.start_tagged(ContentTag::Span(SpanTag::empty()));
    surface.draw_text(Point::from_xy(at.0, at.1), face.font.clone(), size, s, false, TextDirection::Auto);
    surface.end_tagged();
    id
}

fn rect(surface: &mut Surface, x: f32, y: f32, w: f32, h: f32, color: rgb::Color) {
    let mut pb = PathBuilder::new();
    if let Some(r) = Rect::from_xywh(x, y, w, h) {
        pb.push_rect(r);
    }
    if let Some(path) = pb.finish() {
        surface.start_tagged(ContentTag::Artifact(ArtifactType::Other));
        surface.set_fill(Some(Fill { paint: color.into(), ..Default::default() }));
        surface.draw_path(&path);
        surface.set_fill(Some(Fill::default()));
        surface.end_tagged();
    }
}

/// The widths of the table's columns: each wide enough for its longest word, and the
/// rest of the page shared in proportion to how much more each needs for its text.
fn column_widths(bold: &Face, regular: &Face, p: &Printout) -> Vec<f32> {
    let avail = WIDTH - 2.0 * MARGIN;
    let longest_word = |face: &Face, text: &str| text.split_whitespace().map(|w| face.width(w, BODY)).fold(0.0f32, f32::max);
    let mut min: Vec<f32> = p.headers.iter().map(|h| longest_word(bold, h) + 2.0 * PAD).collect();
    let mut natural: Vec<f32> = p.headers.iter().map(|h| bold.width(h, BODY).min(120.0) + 2.0 * PAD).collect();
    for row in &p.rows {
        for (i, c) in row.iter().enumerate().take(min.len()) {
            min[i] = min[i].max((longest_word(regular, c) + 2.0 * PAD).min(160.0));
            natural[i] = natural[i].max((regular.width(c, BODY) + 2.0 * PAD).min(220.0));
        }
    }
    let total: f32 = natural.iter().sum();
    if total <= avail {
        return natural;
    }
    let floor: f32 = min.iter().sum();
    if floor >= avail {
        return min.iter().map(|w| w * avail / floor).collect();
    }
    let extra: f32 = natural.iter().zip(&min).map(|(n, m)| n - m).sum();
    min.iter().zip(&natural).map(|(m, n)| m + (n - m) * (avail - floor) / extra.max(1.0)).collect()
}

/// The printout as a PDF file, or why it could not be written.
pub fn render(p: &Printout) -> Result<Vec<u8>, String> {
    let regular = Face::new(REGULAR)?;
    let bold = Face::new(BOLD)?;
    let settings = krilla::SerializeSettings {
        configuration: Configuration::new_with_validator(Validator::UA1),
        enable_tagging: true,
        ..Default::default()
    };
    let mut doc = Document::new_with(settings);
    let now = chrono::Utc::now();
    use chrono::{Datelike, Timelike};
    let created = DateTime::new(now.year() as u16)
        .month(now.month() as u8)
        .day(now.day() as u8)
        .hour(now.hour() as u8)
        .minute(now.minute() as u8)
        .second(now.second() as u8);
    doc.set_metadata(Metadata::new().title(p.title.clone()).language(p.lang.to_string()).creator("Portvagt".into()).creation_date(created));
    let widths = column_widths(&bold, &regular, p);
    let line_h = BODY * LEADING;
    let mut tree = TagTree::new();
    let mut table = TagGroup::new(Tag::Table);
    let mut pages = 0usize;
    let mut row_index = 0usize;
    let mut first = true;
    let black = rgb::Color::new(26, 26, 26);
    loop {
        pages += 1;
        let mut page = doc.start_page_with(PageSettings::from_wh(WIDTH, HEIGHT).ok_or("page size")?);
        let mut s = page.surface();
        s.set_fill(Some(Fill { paint: black.into(), ..Default::default() }));
        let mut y = MARGIN;
        if first {
            // The title, the facts and the paragraphs, on the first page.
            let mut h1 = TagGroup::new(Tag::Hn(NonZeroU16::MIN, Some(p.title.clone())));
            for line in bold.wrap(&p.title, 16.0, WIDTH - 2.0 * MARGIN) {
                y += 16.0 * LEADING;
                h1.push(text(&mut s, &bold, 16.0, (MARGIN, y), &line));
            }
            tree.push(h1);
            y += 6.0;
            for (label, value) in &p.facts {
                let mut para = TagGroup::new(Tag::P);
                y += line_h * 1.1;
                para.push(text(&mut s, &bold, BODY, (MARGIN, y), &format!("{label}:")));
                let lw = 150.0;
                for (i, line) in regular.wrap(value, BODY, WIDTH - 2.0 * MARGIN - lw).into_iter().enumerate() {
                    if i > 0 {
                        y += line_h;
                    }
                    para.push(text(&mut s, &regular, BODY, (MARGIN + lw, y), &line));
                }
                tree.push(para);
            }
            for paragraph in &p.paragraphs {
                y += 6.0;
                let mut para = TagGroup::new(Tag::P);
                for line in regular.wrap(paragraph, BODY, WIDTH - 2.0 * MARGIN) {
                    y += line_h;
                    para.push(text(&mut s, &regular, BODY, (MARGIN, y), &line));
                }
                tree.push(para);
            }
            y += 12.0;
        }
        // The header row: tagged once, as the table's header; on later pages an artifact.
        let header_lines: Vec<Vec<String>> = p.headers.iter().zip(&widths).map(|(h, w)| bold.wrap(h, BODY, w - 2.0 * PAD)).collect();
        let header_h = header_lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * line_h + 2.0 * PAD;
        rect(&mut s, MARGIN, y, widths.iter().sum(), header_h, rgb::Color::new(230, 230, 230));
        s.set_fill(Some(Fill { paint: black.into(), ..Default::default() }));
        let mut x = MARGIN;
        let mut head_row = TagGroup::new(Tag::TR);
        for (lines, w) in header_lines.iter().zip(&widths) {
            let mut th = TagGroup::new(Tag::TH(krilla::tagging::TableHeaderScope::Column));
            for (i, line) in lines.iter().enumerate() {
                let at = (x + PAD, y + PAD + (i as f32 + 0.8) * line_h);
                if first {
                    th.push(text(&mut s, &bold, BODY, at, line));
                } else {
                    s.start_tagged(ContentTag::Artifact(ArtifactType::Other));
                    s.draw_text(Point::from_xy(at.0, at.1), bold.font.clone(), BODY, line, false, TextDirection::Auto);
                    s.end_tagged();
                }
            }
            if first {
                head_row.push(th);
            }
            x += w;
        }
        if first {
            let mut thead = TagGroup::new(Tag::THead);
            thead.push(head_row);
            table.push(thead);
        }
        y += header_h;
        let mut body = TagGroup::new(Tag::TBody);
        let mut on_page = 0;
        // Rows until the page is full (a row taller than a page goes on one anyway).
        while row_index < p.rows.len() {
            let row = &p.rows[row_index];
            let lines: Vec<Vec<String>> = widths
                .iter()
                .enumerate()
                .map(|(i, w)| regular.wrap(row.get(i).map(String::as_str).unwrap_or(""), BODY, w - 2.0 * PAD))
                .collect();
            let h = lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * line_h + 2.0 * PAD;
            if y + h > HEIGHT - MARGIN - 20.0 && on_page > 0 {
                break;
            }
            on_page += 1;
            if row_index % 2 == 1 {
                rect(&mut s, MARGIN, y, widths.iter().sum(), h, rgb::Color::new(245, 245, 245));
                s.set_fill(Some(Fill { paint: black.into(), ..Default::default() }));
            }
            let mut tr = TagGroup::new(Tag::TR);
            let mut x = MARGIN;
            for (cell_lines, w) in lines.iter().zip(&widths) {
                let mut td = TagGroup::new(Tag::TD);
                for (i, line) in cell_lines.iter().enumerate() {
                    if !line.is_empty() {
                        td.push(text(&mut s, &regular, BODY, (x + PAD, y + PAD + (i as f32 + 0.8) * line_h), line));
                    }
                }
                tr.push(td);
                x += w;
            }
            body.push(tr);
            y += h;
            row_index += 1;
        }
        table.push(body);
        // The page's number, outside the logical content.
        let label = p.page_label.replace("{n}", &pages.to_string());
        s.start_tagged(ContentTag::Artifact(ArtifactType::Page));
        s.draw_text(Point::from_xy(MARGIN, HEIGHT - MARGIN / 2.0), regular.font.clone(), 8.0, &label, false, TextDirection::Auto);
        s.end_tagged();
        drop(s);
        page.finish();
        first = false;
        if row_index >= p.rows.len() {
            break;
        }
    }
    tree.push(table);
    doc.set_tag_tree(tree);
    // PDF/UA asks for an outline: the title, at the top of the first page.
    let mut outline = Outline::new();
    outline.push_child(OutlineNode::new(p.title.clone(), XyzDestination::new(0, Point::from_xy(0.0, 0.0))));
    doc.set_outline(outline);
    doc.finish().map_err(|e| format!("{e:?}"))
}
