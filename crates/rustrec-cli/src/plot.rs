//! Learning-curve plots: training loss and validation metrics per epoch, as SVG or PNG.
//!
//! The figure has two stacked panels sharing the epoch axis: the training loss on top, the
//! validation metrics (one line per metric, with a legend) below; without validation there is
//! only the loss panel. Legends sit in a column right of each panel, so they never hide a
//! curve.
//!
//! Fonts: plotters is built with its `ab_glyph` text engine, which measures and rasterises
//! text with a TrueType font registered at run time. SVG output needs no font: text is
//! written as `<text>` elements that the viewer renders, and [`ApproxTextSvg`] replaces font
//! measurement by an estimate good enough for layout. PNG output needs a real font, looked up
//! in `RUSTREC_FONT`, then in the usual system locations.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, anyhow, bail};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};
use rustrec::models::EpochReport;

/// The font family name the PNG font is registered under and every text style uses.
const FAMILY: &str = "sans-serif";

/// Width of the figure in pixels.
const WIDTH: u32 = 960;

/// Height of one panel in pixels.
const PANEL_HEIGHT: u32 = 340;

/// Width of the legend column right of each panel.
const LEGEND_WIDTH: u32 = 170;

/// Series longer than this are drawn without point markers, which would only clutter.
const MAX_MARKED_POINTS: usize = 40;

/// Line colours (the matplotlib "tab10" palette): loss first, then the metrics in order.
const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

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

/// One line of a panel.
struct Series {
    label: String,
    color: RGBColor,
    points: Vec<(f64, f64)>,
}

/// Draws the learning curve of `history` to `path`; the format follows the extension
/// (`.svg` or `.png`).
pub fn plot_learning_curve(path: &Path, history: &[EpochReport]) -> anyhow::Result<()> {
    if history.is_empty() {
        bail!(
            "cannot plot a learning curve to {}: no epochs were recorded",
            path.display()
        );
    }
    let panels = panels(history);
    let size = (WIDTH, PANEL_HEIGHT * panels.len() as u32);
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("svg") => {
            let mut svg = String::new();
            {
                let root =
                    ApproxTextSvg(SVGBackend::with_string(&mut svg, size)).into_drawing_area();
                draw(&root, &panels)?;
                root.present()
                    .map_err(|e| anyhow!("rendering the SVG: {e}"))?;
            }
            std::fs::write(path, svg).with_context(|| format!("writing {}", path.display()))
        }
        Some("png") => {
            register_font()?;
            let root = BitMapBackend::new(path, size).into_drawing_area();
            draw(&root, &panels)?;
            root.present()
                .map_err(|e| anyhow!("writing {}: {e}", path.display()))
        }
        _ => bail!(
            "cannot plot to {}: unknown image format {}; use a .svg or .png file name",
            path.display(),
            ext.map_or("(no extension)".to_string(), |e| format!(".{e}"))
        ),
    }
}

/// The panels to draw: `(y axis title, series)`, loss first, then validation if any.
fn panels(history: &[EpochReport]) -> Vec<(&'static str, Vec<Series>)> {
    let loss = Series {
        label: "train loss".to_string(),
        color: PALETTE[0],
        points: history
            .iter()
            .map(|r| (r.epoch as f64, r.train_loss))
            .collect(),
    };
    let mut metrics: Vec<Series> = Vec::new();
    for report in history {
        for (name, value) in &report.validation {
            let k = match metrics.iter().position(|s| &s.label == name) {
                Some(k) => k,
                None => {
                    metrics.push(Series {
                        label: name.clone(),
                        color: PALETTE[1 + metrics.len() % (PALETTE.len() - 1)],
                        points: Vec::new(),
                    });
                    metrics.len() - 1
                }
            };
            metrics[k].points.push((report.epoch as f64, *value));
        }
    }
    let mut panels = vec![("training loss", vec![loss])];
    if !metrics.is_empty() {
        panels.push(("validation", metrics));
    }
    panels
}

/// Draws the panels stacked on `root`.
fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    panels: &[(&str, Vec<Series>)],
) -> anyhow::Result<()> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing the plot: {e}");
    root.fill(&WHITE).map_err(err)?;
    let (first, last) = epoch_range(panels);
    for ((y_title, series), area) in panels.iter().zip(root.split_evenly((panels.len(), 1))) {
        let (plot_area, legend_area) = area.split_horizontally(WIDTH - LEGEND_WIDTH);
        let (y_lo, y_hi) = value_range(series);
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
            .y_desc(*y_title)
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
        for s in series {
            let points: Vec<(i32, f64)> = s
                .points
                .iter()
                .filter(|(_, v)| v.is_finite())
                .map(|&(e, v)| (e as i32, v))
                .collect();
            let style = ShapeStyle::from(&s.color).stroke_width(2);
            chart
                .draw_series(LineSeries::new(points.iter().copied(), style))
                .map_err(err)?;
            if points.len() <= MAX_MARKED_POINTS {
                chart
                    .draw_series(points.iter().map(|&p| Circle::new(p, 3, s.color.filled())))
                    .map_err(err)?;
            }
        }
        draw_legend(&legend_area, series).map_err(err)?;
    }
    Ok(())
}

/// A legend column: a coloured line and the label of each series.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    series: &[Series],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let style = TextStyle::from((FAMILY, 15)).color(&BLACK);
    let (x0, mut y) = (8, 24);
    for s in series {
        area.draw(&PathElement::new(
            vec![(x0, y), (x0 + 28, y)],
            ShapeStyle::from(&s.color).stroke_width(3),
        ))?;
        area.draw(&Circle::new((x0 + 14, y), 3, s.color.filled()))?;
        area.draw(&Text::new(
            s.label.clone(),
            (x0 + 36, y),
            style.pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Left,
                plotters::style::text_anchor::VPos::Center,
            )),
        ))?;
        y += 24;
    }
    Ok(())
}

/// The epoch axis: first to last epoch, at least two epochs wide.
fn epoch_range(panels: &[(&str, Vec<Series>)]) -> (i32, i32) {
    let epochs = panels
        .iter()
        .flat_map(|(_, s)| s.iter())
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

    fn report(values: impl IntoIterator<Item = (f64, f64, f64)>) -> Vec<EpochReport> {
        values
            .into_iter()
            .enumerate()
            .map(|(k, (loss, rmse, mae))| EpochReport {
                epoch: k + 1,
                train_loss: loss,
                validation: vec![("rmse".to_string(), rmse), ("mae".to_string(), mae)],
                samples: 1000,
                seconds: 0.5,
                samples_per_sec: 2000.0,
                learning_rate: 0.01,
            })
            .collect()
    }

    #[test]
    fn svg_has_both_panels_and_every_series_label_without_a_font() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("curve.svg");
        plot_learning_curve(&path, &history()).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.contains("<svg"));
        for label in [
            "train loss",
            "rmse",
            "mae",
            "epoch",
            "training loss",
            "validation",
        ] {
            assert!(
                svg.contains(&format!("\n{label}\n</text>")),
                "missing label {label}"
            );
        }
        assert_eq!(
            svg.matches("stroke-width=\"2\"").count(),
            3,
            "one line per series"
        );
        assert_eq!(
            svg.matches("stroke-width=\"3\"").count(),
            3,
            "one legend entry per series"
        );
        assert!(
            svg.contains("stroke=\"#1F77B4\""),
            "loss in the first palette colour"
        );
    }

    #[test]
    fn without_validation_only_the_loss_panel_is_drawn() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loss.SVG");
        let mut h = history();
        for r in &mut h {
            r.validation.clear();
        }
        h[1].train_loss = f64::NAN; // skipped, not fatal
        plot_learning_curve(&path, &h).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        assert!(svg.contains("\ntrain loss\n") && !svg.contains("\nvalidation\n"));
        assert!(svg.contains(&format!("height=\"{PANEL_HEIGHT}\"")));
    }

    /// Set `RUSTREC_KEEP_PLOT=/some/file.png` to keep this PNG (and a 60-epoch one beside it)
    /// for looking at.
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
        if let Some(keep) = std::env::var_os("RUSTREC_KEEP_PLOT") {
            std::fs::copy(&path, keep).unwrap();
            let long = report((1..=60).map(|e| {
                let e = e as f64;
                (1.0 / e, 0.9 + 0.2 / e + 0.0004 * e, 0.7 + 0.1 / e)
            }));
            let mut keep = PathBuf::from(std::env::var_os("RUSTREC_KEEP_PLOT").unwrap());
            keep.set_extension("long.png");
            plot_learning_curve(&keep, &long).unwrap();
        }
    }

    #[test]
    fn unknown_extensions_and_empty_histories_are_clear_errors() {
        let err = plot_learning_curve(Path::new("curve.jpg"), &history()).unwrap_err();
        assert!(
            err.to_string().contains("unknown image format .jpg"),
            "{err}"
        );
        let err = plot_learning_curve(Path::new("curve"), &history()).unwrap_err();
        assert!(err.to_string().contains("(no extension)"), "{err}");
        let err = plot_learning_curve(Path::new("c.svg"), &[]).unwrap_err();
        assert!(err.to_string().contains("no epochs"), "{err}");
    }

    #[test]
    fn axis_ranges_widen_degenerate_data() {
        let one = |v: f64| Series {
            label: String::new(),
            color: BLACK,
            points: vec![(1.0, v)],
        };
        assert_eq!(value_range(&[one(2.0)]), (1.5, 2.5));
        assert_eq!(value_range(&[one(f64::NAN)]), (0.0, 1.0));
        let (lo, hi) = value_range(&[one(0.0), one(1.0)]);
        assert!((lo + 0.06).abs() < 1e-12 && (hi - 1.06).abs() < 1e-12);
        assert_eq!(epoch_range(&[("x", vec![one(1.0)])]), (0, 2));
        assert_eq!(format_value(0.25), "0.25");
        assert_eq!(format_value(1.0), "1");
        assert_eq!(format_value(123456.0), "1.23e5");
    }
}
