//! Learning-curve plots: training loss and validation metrics per epoch, as SVG or PNG.
//!
//! The figure is a stack of panels sharing the epoch axis: the training loss on top, then one
//! panel per family of validation metrics, so that metrics of one scale and meaning share an
//! axis and twenty ranking metrics do not crowd one:
//!
//! | panel | metrics (name before `@`) |
//! |---|---|
//! | rating error | `rmse`, `mae`, `mse` |
//! | precision / recall | `precision`, `recall`, `recall_capped`, `hit_rate`, `sampled_hit_rate` |
//! | ranking (ndcg, map, mrr) | `ndcg`, `map`, `mrr`, `sampled_mrr` |
//! | auc / coverage | `auc`, `sampled_auc`, `coverage`, `gini` |
//! | novelty | `novelty` |
//! | other | anything else |
//!
//! Within a panel the cutoffs (`@5`, `@10`, ...) have distinct colours and the metrics
//! distinct line styles (solid, dashed, dotted, long dashes) and point markers; a panel
//! without several cutoffs gives each metric its own colour. The tracked metric (the one
//! early stopping watches) is drawn with a line twice as thick, and its legend entry says
//! "(tracked)". Legends sit in a column right of each panel, and a panel grows with its
//! legend, so a legend never overflows or hides a curve.
//!
//! Files are written atomically ([`rustrec::data::atomic`]): the SVG is rendered to a
//! string and the PNG to a pixel buffer (encoded with the `image` crate), then written to a
//! temporary file and renamed over the target.
//!
//! Fonts: plotters is built with its `ab_glyph` text engine, which measures and rasterises
//! text with a TrueType font registered at run time. SVG output needs no font: text is
//! written as `<text>` elements that the viewer renders, and [`ApproxTextSvg`] replaces font
//! measurement by an estimate good enough for layout. PNG output needs a real font, looked up
//! in `RUSTREC_FONT`, then in the usual system locations.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, anyhow, bail};
use image::ImageEncoder;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};
use rustrec::data::atomic::write_atomically;
use rustrec::models::EpochReport;

/// The font family name the PNG font is registered under and every text style uses.
const FAMILY: &str = "sans-serif";

/// Width of the figure in pixels.
const WIDTH: u32 = 960;

/// Height of one panel in pixels (more when its legend needs it).
const PANEL_HEIGHT: u32 = 300;

/// Width of the legend column right of each panel.
const LEGEND_WIDTH: u32 = 200;

/// Vertical distance between two legend entries.
const LEGEND_STEP: u32 = 22;

/// Series longer than this are drawn without point markers, which would only clutter.
const MAX_MARKED_POINTS: usize = 40;

/// Line width of a series; the tracked metric's is twice this.
const LINE_WIDTH: u32 = 2;

/// Line colours (the matplotlib "tab10" palette): loss first, then cutoffs or metrics in
/// order.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The panels of metric families: title and the metric names (before `@`) they hold.
const FAMILIES: [(&str, &[&str]); 5] = [
    ("rating error", &["rmse", "mae", "mse"]),
    (
        "precision / recall",
        &[
            "precision",
            "recall",
            "recall_capped",
            "hit_rate",
            "sampled_hit_rate",
        ],
    ),
    (
        "ranking (ndcg, map, mrr)",
        &["ndcg", "map", "mrr", "sampled_mrr"],
    ),
    (
        "auc / coverage",
        &["auc", "sampled_auc", "coverage", "gini"],
    ),
    ("novelty", &["novelty"]),
];

/// Title of the panel of metrics in no family.
const OTHER_FAMILY: &str = "other metrics";

/// Where PNG output looks for a font when `RUSTREC_FONT` is not set.
const FONT_CANDIDATES: [&str; 9] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "C:\\Windows\\Fonts\\arial.ttf",
];

/// How a line is drawn: the metrics of one family differ by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stroke {
    Solid,
    Dashed,
    Dotted,
    LongDash,
}

impl Stroke {
    const ALL: [Stroke; 4] = [
        Stroke::Solid,
        Stroke::Dashed,
        Stroke::Dotted,
        Stroke::LongDash,
    ];

    /// Dash length and gap in pixels (`None` for a solid line).
    fn dashes(self) -> Option<(u32, u32)> {
        match self {
            Stroke::Solid => None,
            Stroke::Dashed => Some((8, 5)),
            Stroke::Dotted => Some((2, 4)),
            Stroke::LongDash => Some((16, 6)),
        }
    }
}

/// The point marker of a series (drawn on short series and in the legend).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Marker {
    Circle,
    Triangle,
    Cross,
    Square,
}

impl Marker {
    const ALL: [Marker; 4] = [
        Marker::Circle,
        Marker::Triangle,
        Marker::Cross,
        Marker::Square,
    ];
}

/// One line of a panel.
#[derive(Clone, Debug)]
struct Series {
    label: String,
    color: RGBColor,
    stroke: Stroke,
    marker: Marker,
    /// The metric early stopping watches: drawn thicker.
    tracked: bool,
    points: Vec<(f64, f64)>,
}

impl Series {
    fn new(label: impl Into<String>, color: RGBColor) -> Self {
        Series {
            label: label.into(),
            color,
            stroke: Stroke::Solid,
            marker: Marker::Circle,
            tracked: false,
            points: Vec::new(),
        }
    }

    fn width(&self) -> u32 {
        if self.tracked {
            2 * LINE_WIDTH
        } else {
            LINE_WIDTH
        }
    }

    fn legend_label(&self) -> String {
        if self.tracked {
            format!("{} (tracked)", self.label)
        } else {
            self.label.clone()
        }
    }
}

/// One panel: the y-axis title and its series.
#[derive(Clone, Debug)]
struct Panel {
    title: &'static str,
    series: Vec<Series>,
}

impl Panel {
    /// Height in pixels: [`PANEL_HEIGHT`], or more if the legend needs it.
    fn height(&self) -> u32 {
        PANEL_HEIGHT.max(40 + LEGEND_STEP * self.series.len() as u32)
    }
}

/// Draws the learning curve of `history` to `path`; the format follows the extension
/// (`.svg` or `.png`). The tracked metric is guessed as early stopping's default: `rmse`
/// when it was validated, else `ndcg@10`, else none (see [`plot_learning_curve_tracked`]).
#[cfg(test)]
pub fn plot_learning_curve(path: &Path, history: &[EpochReport]) -> anyhow::Result<()> {
    let names: Vec<&str> = history
        .iter()
        .flat_map(|r| r.validation.iter().map(|(n, _)| n.as_str()))
        .collect();
    let tracked = ["rmse", "ndcg@10"].into_iter().find(|m| names.contains(m));
    plot_learning_curve_tracked(path, history, tracked)
}

/// Draws the learning curve of `history` to `path` (`.svg` or `.png`), marking the metric
/// named `tracked` (the one early stopping watched) with a thicker line and "(tracked)" in
/// its legend entry. The file is written atomically.
pub fn plot_learning_curve_tracked(
    path: &Path,
    history: &[EpochReport],
    tracked: Option<&str>,
) -> anyhow::Result<()> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if !matches!(ext.as_deref(), Some("svg" | "png")) {
        bail!(
            "cannot plot to {}: unknown image format {}; use a .svg or .png file name",
            path.display(),
            ext.map_or("(no extension)".to_string(), |e| format!(".{e}"))
        );
    }
    if history.is_empty() {
        bail!(
            "cannot plot a learning curve to {}: no epochs were recorded",
            path.display()
        );
    }
    let panels = panels(history, tracked);
    let size = (WIDTH, panels.iter().map(Panel::height).sum::<u32>());
    let bytes = if ext.as_deref() == Some("svg") {
        let mut svg = String::new();
        {
            let root = ApproxTextSvg(SVGBackend::with_string(&mut svg, size)).into_drawing_area();
            draw(&root, &panels)?;
            root.present()
                .map_err(|e| anyhow!("rendering the SVG: {e}"))?;
        }
        svg.into_bytes()
    } else {
        register_font()?;
        let mut pixels = vec![0u8; size.0 as usize * size.1 as usize * 3];
        {
            let root = BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area();
            draw(&root, &panels)?;
            root.present()
                .map_err(|e| anyhow!("rendering the PNG: {e}"))?;
        }
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(&pixels, size.0, size.1, image::ColorType::Rgb8)
            .map_err(|e| anyhow!("encoding the PNG: {e}"))?;
        png
    };
    write_atomically(path, |out| {
        out.write_all(&bytes)
            .map_err(|e| rustrec::data::DataError::io(path, e))
    })
    .with_context(|| format!("writing {}", path.display()))
}

/// The family panel a metric belongs to, by its name before `@`.
fn family_of(name: &str) -> &'static str {
    let base = name.split('@').next().unwrap_or(name);
    FAMILIES
        .iter()
        .find(|(_, members)| members.contains(&base))
        .map_or(OTHER_FAMILY, |(title, _)| title)
}

/// The panels to draw: the loss first, then one per metric family present, in the order of
/// [`FAMILIES`] (metrics in no family last).
fn panels(history: &[EpochReport], tracked: Option<&str>) -> Vec<Panel> {
    let mut loss = Series::new("train loss", PALETTE[0]);
    loss.points = history
        .iter()
        .map(|r| (r.epoch as f64, r.train_loss))
        .collect();
    let mut metrics: Vec<Series> = Vec::new();
    for report in history {
        for (name, value) in &report.validation {
            let k = match metrics.iter().position(|s| &s.label == name) {
                Some(k) => k,
                None => {
                    metrics.push(Series::new(name.clone(), PALETTE[0]));
                    metrics.len() - 1
                }
            };
            metrics[k].points.push((report.epoch as f64, *value));
        }
    }
    let mut panels = vec![Panel {
        title: "training loss",
        series: vec![loss],
    }];
    // One colour per cutoff in every panel: the same cutoff looks the same everywhere.
    let mut all_cutoffs: Vec<usize> = metrics
        .iter()
        .filter_map(|s| s.label.split_once('@').and_then(|(_, k)| k.parse().ok()))
        .collect();
    all_cutoffs.sort_unstable();
    all_cutoffs.dedup();
    let titles = FAMILIES
        .iter()
        .map(|(t, _)| *t)
        .chain(std::iter::once(OTHER_FAMILY));
    for title in titles {
        let mut series: Vec<Series> = metrics
            .iter()
            .filter(|s| family_of(&s.label) == title)
            .cloned()
            .collect();
        if series.is_empty() {
            continue;
        }
        style_family(&mut series, &all_cutoffs, tracked);
        panels.push(Panel { title, series });
    }
    panels
}

/// Colours, strokes and markers of one panel's series. When the panel has several cutoffs,
/// the colour tells the cutoff (the same in every panel: its rank in `all_cutoffs`; a metric
/// without cutoff gets a colour after those) and stroke and marker tell the metric;
/// otherwise the colour tells the metric too. Series are ordered by metric, then cutoff.
fn style_family(series: &mut [Series], all_cutoffs: &[usize], tracked: Option<&str>) {
    let split = |label: &str| -> (String, Option<usize>) {
        match label.split_once('@') {
            Some((m, k)) => (m.to_string(), k.parse().ok()),
            None => (label.to_string(), None),
        }
    };
    let mut metrics: Vec<String> = Vec::new();
    let mut cutoffs: Vec<Option<usize>> = Vec::new();
    for s in series.iter() {
        let (m, k) = split(&s.label);
        if !metrics.contains(&m) {
            metrics.push(m);
        }
        if !cutoffs.contains(&k) {
            cutoffs.push(k);
        }
    }
    let by_cutoff = cutoffs.iter().flatten().count() > 1;
    let colours = PALETTE.len() - 1;
    for s in series.iter_mut() {
        let (m, k) = split(&s.label);
        let mi = metrics.iter().position(|x| *x == m).unwrap_or(0);
        let colour = match (
            by_cutoff,
            k.and_then(|k| all_cutoffs.iter().position(|&c| c == k)),
        ) {
            (true, Some(ki)) => ki,
            (true, None) => all_cutoffs.len() + mi,
            (false, _) => mi,
        };
        s.color = PALETTE[1 + colour % colours];
        s.stroke = Stroke::ALL[mi % Stroke::ALL.len()];
        s.marker = Marker::ALL[mi % Marker::ALL.len()];
        s.tracked = tracked == Some(s.label.as_str());
    }
    series.sort_by_key(|s| {
        let (m, k) = split(&s.label);
        (metrics.iter().position(|x| *x == m), k)
    });
}

/// Draws the panels stacked on `root`.
fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, panels: &[Panel]) -> anyhow::Result<()> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing the plot: {e}");
    root.fill(&WHITE).map_err(err)?;
    let (first, last) = epoch_range(panels);
    let mut rest = root.clone();
    for panel in panels {
        let (area, below) = rest.split_vertically(panel.height());
        rest = below;
        let (plot_area, legend_area) = area.split_horizontally(WIDTH - LEGEND_WIDTH);
        let (y_lo, y_hi) = value_range(&panel.series);
        let mut chart = ChartBuilder::on(&plot_area)
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(72)
            .build_cartesian_2d(first..last, y_lo..y_hi)
            .map_err(err)?;
        let epochs = (last - first + 1).clamp(2, 11) as usize;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc(panel.title)
            .x_labels(epochs)
            .y_labels(6)
            .x_label_formatter(&|x| format!("{x}"))
            .y_label_formatter(&|y| format_value(*y))
            .label_style((FAMILY, 14))
            .axis_desc_style((FAMILY, 16))
            .max_light_lines(1)
            .light_line_style(RGBColor(240, 240, 240))
            .draw()
            .map_err(err)?;
        for s in &panel.series {
            let points: Vec<(i32, f64)> = s
                .points
                .iter()
                .filter(|(_, v)| v.is_finite())
                .map(|&(e, v)| (e as i32, v))
                .collect();
            let style = ShapeStyle::from(&s.color).stroke_width(s.width());
            match s.stroke.dashes() {
                None => {
                    chart
                        .draw_series(LineSeries::new(points.iter().copied(), style))
                        .map_err(err)?;
                }
                Some((dash, gap)) => {
                    chart
                        .draw_series(DashedLineSeries::new(
                            points.iter().copied(),
                            dash,
                            gap,
                            style,
                        ))
                        .map_err(err)?;
                }
            }
            if points.len() <= MAX_MARKED_POINTS {
                for &p in &points {
                    draw_marker(&mut chart, s, p).map_err(err)?;
                }
            }
        }
        draw_legend(&legend_area, &panel.series).map_err(err)?;
    }
    Ok(())
}

/// The marker of `s` at data point `p`.
fn draw_marker<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordi32, plotters::coord::types::RangedCoordf64>,
    >,
    s: &Series,
    p: (i32, f64),
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (fill, line) = (s.color.filled(), ShapeStyle::from(&s.color).stroke_width(2));
    let area = chart.plotting_area();
    match s.marker {
        Marker::Circle => area.draw(&Circle::new(p, 3, fill)),
        Marker::Triangle => area.draw(&TriangleMarker::new(p, 4, fill)),
        Marker::Cross => area.draw(&Cross::new(p, 3, line)),
        Marker::Square => {
            area.draw(&(EmptyElement::at(p) + Rectangle::new([(-3, -3), (3, 3)], fill)))
        }
    }
}

/// A legend column: a line in the series' colour, stroke and width, its marker, and its
/// label.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    series: &[Series],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let style = TextStyle::from((FAMILY, 15)).color(&BLACK);
    let (x0, mut y) = (8, 24);
    for s in series {
        let line = ShapeStyle::from(&s.color).stroke_width(s.width() + 1);
        match s.stroke.dashes() {
            None => area.draw(&PathElement::new(vec![(x0, y), (x0 + 32, y)], line))?,
            Some((dash, gap)) => area.draw(&DashedPathElement::new(
                vec![(x0, y), (x0 + 32, y)],
                dash,
                gap,
                line,
            ))?,
        }
        let c = (x0 + 16, y);
        let fill = s.color.filled();
        match s.marker {
            Marker::Circle => area.draw(&Circle::new(c, 3, fill))?,
            Marker::Triangle => area.draw(&TriangleMarker::new(c, 4, fill))?,
            Marker::Cross => area.draw(&Cross::new(
                c,
                3,
                ShapeStyle::from(&s.color).stroke_width(2),
            ))?,
            Marker::Square => area.draw(&Rectangle::new(
                [(c.0 - 3, c.1 - 3), (c.0 + 3, c.1 + 3)],
                fill,
            ))?,
        }
        area.draw(&Text::new(
            s.legend_label(),
            (x0 + 40, y),
            style.pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Left,
                plotters::style::text_anchor::VPos::Center,
            )),
        ))?;
        y += LEGEND_STEP as i32;
    }
    Ok(())
}

/// The epoch axis: first to last epoch, at least two epochs wide.
fn epoch_range(panels: &[Panel]) -> (i32, i32) {
    let epochs = panels
        .iter()
        .flat_map(|p| p.series.iter())
        .flat_map(|s| s.points.iter().map(|p| p.0 as i32));
    let (lo, hi) = epochs.fold((i32::MAX, i32::MIN), |(lo, hi), e| (lo.min(e), hi.max(e)));
    if lo >= hi {
        (lo.min(hi) - 1, lo.max(hi) + 1)
    } else {
        (lo, hi)
    }
}

/// The value axis: the finite values with 6 % headroom; a flat or empty series gets a unit
/// band around its value.
fn value_range(series: &[Series]) -> (f64, f64) {
    let (lo, hi) = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    if span <= f64::EPSILON * lo.abs().max(1.0) {
        let pad = (lo.abs() * 0.1).max(0.5);
        return (lo - pad, hi + pad);
    }
    (lo - 0.06 * span, hi + 0.06 * span)
}

/// A tick label: fixed-point for ordinary magnitudes, scientific otherwise.
fn format_value(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || (1e-3..1e5).contains(&a) {
        let text = format!("{v:.4}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        text.to_string()
    } else {
        format!("{v:.2e}")
    }
}

/// Registers a TrueType font for PNG output, once per process.
fn register_font() -> anyhow::Result<()> {
    static REGISTERED: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            let path = find_font()?;
            let bytes = std::fs::read(&path)
                .map_err(|e| format!("cannot read font {}: {e}", path.display()))?;
            // plotters keeps registered fonts for the life of the process: leak them once.
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            plotters::style::register_font(FAMILY, FontStyle::Normal, bytes)
                .map_err(|_| format!("{} is not a usable TrueType font", path.display()))?;
            Ok(path)
        })
        .as_ref()
        .map(|_| ())
        .map_err(|e| anyhow!("{e}"))
}

/// The font for PNG output: `RUSTREC_FONT`, else the first of [`FONT_CANDIDATES`] present.
fn find_font() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("RUSTREC_FONT") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("RUSTREC_FONT={} is not a file", path.display()))
        };
    }
    FONT_CANDIDATES
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| {
            "PNG plots need a TrueType font and none was found; set RUSTREC_FONT to a .ttf \
             file, or plot to a .svg file instead (no font needed)"
                .to_string()
        })
}

/// The SVG backend with text measured by estimate instead of by a font, so that SVG plots
/// need no font file. Text is still written as SVG `<text>`, rendered by the viewer.
struct ApproxTextSvg<'a>(SVGBackend<'a>);

impl DrawingBackend for ApproxTextSvg<'_> {
    type ErrorType = <SVGBackend<'static> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.fill_polygon(vert, style)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_text(text, style, pos)
    }

    /// About 0.55 em per character (an average for proportional sans-serif faces) by 1 em.
    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let em = style.size() / 1.24; // plotters' pixel size of a font of `size`
        let width = 0.55 * em * text.chars().count() as f64;
        Ok((width.ceil() as u32, em.ceil() as u32))
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.blit_bitmap(pos, size, src)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history() -> Vec<EpochReport> {
        report([(0.9, 1.02, 0.81), (0.7, 0.97, 0.77), (0.6, 0.95, 0.75)])
    }

    fn epoch(k: usize, loss: f64, validation: Vec<(String, f64)>) -> EpochReport {
        EpochReport {
            epoch: k + 1,
            train_loss: loss,
            validation,
            samples: 1000,
            seconds: 0.5,
            samples_per_sec: 2000.0,
            learning_rate: 0.01,
        }
    }

    fn report(values: impl IntoIterator<Item = (f64, f64, f64)>) -> Vec<EpochReport> {
        values
            .into_iter()
            .enumerate()
            .map(|(k, (loss, rmse, mae))| {
                epoch(
                    k,
                    loss,
                    vec![("rmse".to_string(), rmse), ("mae".to_string(), mae)],
                )
            })
            .collect()
    }

    /// What ranking validation reports: 6 metrics at 3 cutoffs, plus auc and mrr.
    fn ranking_history(epochs: usize) -> Vec<EpochReport> {
        (0..epochs)
            .map(|k| {
                let t = k as f64 / epochs as f64;
                let mut v = Vec::new();
                for cutoff in [5, 10, 20] {
                    for (m, base) in [
                        ("precision", 0.2),
                        ("recall", 0.1),
                        ("hit_rate", 0.5),
                        ("ndcg", 0.25),
                        ("map", 0.12),
                        ("coverage", 0.3),
                    ] {
                        v.push((
                            format!("{m}@{cutoff}"),
                            base + 0.1 * t + cutoff as f64 / 200.0,
                        ));
                    }
                }
                v.push(("auc".to_string(), 0.8 + 0.05 * t));
                v.push(("mrr".to_string(), 0.3 + 0.05 * t));
                epoch(k, 1.0 / (k + 1) as f64, v)
            })
            .collect()
    }

    fn svg_of(history: &[EpochReport], tracked: Option<&str>) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("curve.svg");
        plot_learning_curve_tracked(&path, history, tracked).unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file left beside the plot");
        std::fs::read_to_string(&path).unwrap()
    }

    #[test]
    fn svg_has_the_loss_and_rating_panels_and_every_label_without_a_font() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("curve.svg");
        plot_learning_curve(&path, &history()).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.contains("<svg"));
        for label in [
            "train loss",
            "rmse (tracked)",
            "mae",
            "epoch",
            "training loss",
            "rating error",
        ] {
            assert!(
                svg.contains(&format!("\n{label}\n</text>")),
                "missing label {label}"
            );
        }
        assert!(
            svg.contains("stroke=\"#1F77B4\""),
            "loss in the first palette colour"
        );
        // rmse is tracked by default: its line is twice as thick.
        assert_eq!(
            svg.matches(&format!("stroke-width=\"{}\"", 2 * LINE_WIDTH))
                .count(),
            1
        );
    }

    #[test]
    fn ranking_metrics_get_one_panel_per_family_and_a_colour_per_cutoff() {
        let h = ranking_history(8);
        let panels = panels(&h, Some("ndcg@10"));
        let titles: Vec<&str> = panels.iter().map(|p| p.title).collect();
        assert_eq!(
            titles,
            [
                "training loss",
                "precision / recall",
                "ranking (ndcg, map, mrr)",
                "auc / coverage"
            ]
        );
        let series = |title: &str| &panels.iter().find(|p| p.title == title).unwrap().series;
        let pr = series("precision / recall");
        assert_eq!(pr.len(), 9);
        let get = |name: &str| pr.iter().find(|s| s.label == name).unwrap();
        // Cutoffs: distinct colours; metrics: distinct strokes, the same colour per cutoff.
        assert_ne!(get("precision@5").color, get("precision@10").color);
        assert_ne!(get("precision@10").color, get("precision@20").color);
        assert_eq!(get("precision@5").color, get("recall@5").color);
        assert_ne!(get("precision@5").stroke, get("recall@5").stroke);
        assert_ne!(get("recall@5").stroke, get("hit_rate@5").stroke);
        // A cutoff has one colour in every panel.
        let ranking = series("ranking (ndcg, map, mrr)");
        let ndcg5 = ranking.iter().find(|s| s.label == "ndcg@5").unwrap();
        assert_eq!(ndcg5.color, get("precision@5").color);
        // Within a panel no two series look alike.
        for p in &panels {
            for (a, s) in p.series.iter().enumerate() {
                for t in &p.series[a + 1..] {
                    assert!(
                        (s.color, s.stroke) != (t.color, t.stroke),
                        "{} and {} look alike",
                        s.label,
                        t.label
                    );
                }
            }
            // The legend fits beside the panel.
            assert!(40 + LEGEND_STEP * p.series.len() as u32 <= p.height());
        }
        // Only the tracked metric is marked.
        let tracked: Vec<&str> = panels
            .iter()
            .flat_map(|p| &p.series)
            .filter(|s| s.tracked)
            .map(|s| s.label.as_str())
            .collect();
        assert_eq!(tracked, ["ndcg@10"]);
        // mrr has no cutoff: it shares the ranking panel, auc and coverage share theirs.
        assert!(
            series("ranking (ndcg, map, mrr)")
                .iter()
                .any(|s| s.label == "mrr")
        );
        assert!(series("auc / coverage").iter().any(|s| s.label == "auc"));

        let svg = svg_of(&h, Some("ndcg@10"));
        assert!(svg.contains("\nndcg@10 (tracked)\n</text>"));
        assert!(svg.contains("stroke-dasharray") || svg.matches("<polyline").count() > 20);
        let height = panels.iter().map(Panel::height).sum::<u32>();
        assert!(svg.contains(&format!("height=\"{height}\"")));
    }

    #[test]
    fn without_validation_only_the_loss_panel_is_drawn() {
        let mut h = history();
        for r in &mut h {
            r.validation.clear();
        }
        h[1].train_loss = f64::NAN; // skipped, not fatal
        let svg = svg_of(&h, None);
        assert!(svg.contains("\ntrain loss\n") && !svg.contains("\nrating error\n"));
        assert!(svg.contains(&format!("height=\"{PANEL_HEIGHT}\"")));
    }

    #[test]
    fn metrics_outside_the_known_families_get_their_own_panel() {
        let h: Vec<EpochReport> = (0..3)
            .map(|k| epoch(k, 1.0, vec![("serendipity@10".to_string(), 0.1 * k as f64)]))
            .collect();
        let titles: Vec<&str> = panels(&h, None).iter().map(|p| p.title).collect();
        assert_eq!(titles, ["training loss", OTHER_FAMILY]);
        assert_eq!(family_of("novelty@5"), "novelty");
        assert_eq!(family_of("sampled_hit_rate@10"), "precision / recall");
    }

    /// Set `RUSTREC_KEEP_PLOT=/some/file.png` to keep this PNG (and a 60-epoch ranking one
    /// beside it) for looking at.
    #[test]
    fn png_starts_with_the_png_signature_when_a_font_exists() {
        if find_font().is_err() {
            eprintln!("no TrueType font on this machine: PNG test skipped");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("curve.png");
        plot_learning_curve(&path, &history()).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        if let Some(keep) = std::env::var_os("RUSTREC_KEEP_PLOT") {
            std::fs::copy(&path, &keep).unwrap();
            let mut keep = PathBuf::from(keep);
            keep.set_extension("ranking.png");
            plot_learning_curve_tracked(&keep, &ranking_history(60), Some("ndcg@10")).unwrap();
        }
    }

    #[test]
    fn unknown_extensions_and_empty_histories_are_clear_errors_and_touch_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let jpg = dir.path().join("curve.jpg");
        std::fs::write(&jpg, "old").unwrap();
        let err = plot_learning_curve(&jpg, &history()).unwrap_err();
        assert!(
            err.to_string().contains("unknown image format .jpg"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&jpg).unwrap(), "old");
        let err = plot_learning_curve(Path::new("curve"), &history()).unwrap_err();
        assert!(err.to_string().contains("(no extension)"), "{err}");
        let err = plot_learning_curve(Path::new("c.svg"), &[]).unwrap_err();
        assert!(err.to_string().contains("no epochs"), "{err}");
        let err =
            plot_learning_curve(&dir.path().join("no/such/dir/c.svg"), &history()).unwrap_err();
        assert!(format!("{err:#}").contains("no/such/dir"), "{err:#}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn axis_ranges_widen_degenerate_data() {
        let one = |v: f64| {
            let mut s = Series::new("", BLACK);
            s.points = vec![(1.0, v)];
            s
        };
        assert_eq!(value_range(&[one(2.0)]), (1.5, 2.5));
        assert_eq!(value_range(&[one(f64::NAN)]), (0.0, 1.0));
        let (lo, hi) = value_range(&[one(0.0), one(1.0)]);
        assert!((lo + 0.06).abs() < 1e-12 && (hi - 1.06).abs() < 1e-12);
        let panel = Panel {
            title: "x",
            series: vec![one(1.0)],
        };
        assert_eq!(epoch_range(&[panel]), (0, 2));
        assert_eq!(format_value(0.25), "0.25");
        assert_eq!(format_value(1.0), "1");
        assert_eq!(format_value(123456.0), "1.23e5");
    }
}
