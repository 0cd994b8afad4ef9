//! Small inline-SVG charts for the HTML report: line and scatter charts (linear or log x
//! axis), box plots and horizontal bar charts. Text is escaped; nothing is loaded from
//! anywhere.

use std::fmt::Write;

/// Line colours (matplotlib's "tab10").
pub const PALETTE: [&str; 10] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

/// The colour of series `k`.
pub fn color(k: usize) -> &'static str {
    PALETTE[k % PALETTE.len()]
}

/// Escapes text for HTML and SVG.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// How a series' points are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    /// No marker.
    None,
    /// A filled circle.
    Dot,
    /// An open circle.
    Ring,
    /// A cross.
    Cross,
}

/// One series of a chart.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// CSS colour.
    pub color: String,
    /// Points (x, y); non-finite ones are skipped.
    pub points: Vec<(f64, f64)>,
    /// Join the points by a line.
    pub line: bool,
    /// Dashed line.
    pub dashed: bool,
    /// Point markers.
    pub marker: Marker,
}

impl Series {
    /// A solid line without markers.
    pub fn line(name: impl Into<String>, color: &str, points: Vec<(f64, f64)>) -> Self {
        Series {
            name: name.into(),
            color: color.into(),
            points,
            line: true,
            dashed: false,
            marker: Marker::None,
        }
    }

    /// Points without a line.
    pub fn points(
        name: impl Into<String>,
        color: &str,
        points: Vec<(f64, f64)>,
        marker: Marker,
    ) -> Self {
        Series {
            name: name.into(),
            color: color.into(),
            points,
            line: false,
            dashed: false,
            marker,
        }
    }
}

/// Characters of a legend entry that fit beside a chart.
const LEGEND_CHARS: usize = 24;

/// `name`, shortened to fit the legend column (the full text stays in a tooltip).
fn fit_legend(name: &str) -> String {
    if name.chars().count() <= LEGEND_CHARS {
        return name.to_string();
    }
    let head: String = name.chars().take(LEGEND_CHARS - 1).collect();
    format!("{head}…")
}

/// A line or scatter chart.
#[derive(Clone, Debug)]
pub struct Chart {
    /// Title above the plot.
    pub title: String,
    /// X axis label.
    pub x_label: String,
    /// Y axis label.
    pub y_label: String,
    /// Log-scale x axis (positive x only).
    pub log_x: bool,
    /// The series.
    pub series: Vec<Series>,
}

const W: f64 = 640.0;
const H: f64 = 300.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 170.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 44.0;

/// About `n` round tick values covering `[lo, hi]`.
pub fn ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let start = (lo / step).ceil() * step;
    let mut out = Vec::new();
    let mut v = start;
    while v <= hi + step * 1e-9 && out.len() < 50 {
        out.push(if v.abs() < step * 1e-9 { 0.0 } else { v });
        v += step;
    }
    out
}

/// A number in few characters.
pub fn short(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        format!("{v:.1e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.4}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    }
}

fn bounds(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        return None;
    }
    if lo == hi {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.05 };
        return Some((lo - pad, hi + pad));
    }
    let pad = (hi - lo) * 0.05;
    Some((lo - pad, hi + pad))
}

fn open_svg(out: &mut String, title: &str, height: f64) {
    let _ = write!(
        out,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" width="{W}" height="{height}" role="img"><title>{t}</title><text x="{x}" y="18" class="title">{t}</text>"#,
        t = escape(title),
        x = LEFT,
    );
}

impl Chart {
    /// The chart as an `<svg>` element.
    pub fn render(&self) -> String {
        let mut out = String::new();
        open_svg(&mut out, &self.title, H);
        let fx = |x: f64| if self.log_x { x.log10() } else { x };
        let pts = || {
            self.series.iter().flat_map(|s| {
                s.points
                    .iter()
                    .filter(|(x, y)| x.is_finite() && y.is_finite() && (!self.log_x || *x > 0.0))
            })
        };
        let (Some((x0, x1)), Some((y0, y1))) =
            (bounds(pts().map(|p| fx(p.0))), bounds(pts().map(|p| p.1)))
        else {
            out.push_str(r#"<text x="70" y="80" class="note">no data</text></svg>"#);
            return out;
        };
        let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
        let sx = |x: f64| LEFT + (fx(x) - x0) / (x1 - x0) * pw;
        let sy = |y: f64| TOP + (1.0 - (y - y0) / (y1 - y0)) * ph;
        // Axes and grid.
        let _ = write!(
            out,
            r#"<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" class="frame"/>"#
        );
        for t in ticks(y0, y1, 5) {
            let y = sy(t);
            let _ = write!(
                out,
                r#"<line x1="{LEFT}" x2="{x2}" y1="{y:.1}" y2="{y:.1}" class="grid"/><text x="{tx}" y="{ty:.1}" class="tick" text-anchor="end">{v}</text>"#,
                x2 = LEFT + pw,
                tx = LEFT - 4.0,
                ty = y + 4.0,
                v = short(t)
            );
        }
        let xticks: Vec<f64> = if self.log_x {
            (x0.ceil() as i32..=x1.floor() as i32)
                .map(|e| 10f64.powi(e))
                .collect()
        } else {
            ticks(x0, x1, 6)
        };
        for t in xticks {
            let x = sx(t);
            let _ = write!(
                out,
                r#"<line y1="{TOP}" y2="{y2}" x1="{x:.1}" x2="{x:.1}" class="grid"/><text x="{x:.1}" y="{ty}" class="tick" text-anchor="middle">{v}</text>"#,
                y2 = TOP + ph,
                ty = TOP + ph + 14.0,
                v = short(t)
            );
        }
        let _ = write!(
            out,
            r#"<text x="{x}" y="{y}" class="label" text-anchor="middle">{l}</text><text transform="translate(14 {ym}) rotate(-90)" class="label" text-anchor="middle">{yl}</text>"#,
            x = LEFT + pw / 2.0,
            y = H - 8.0,
            l = escape(&self.x_label),
            ym = TOP + ph / 2.0,
            yl = escape(&self.y_label)
        );
        for (k, s) in self.series.iter().enumerate() {
            let p: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|(x, y)| x.is_finite() && y.is_finite() && (!self.log_x || *x > 0.0))
                .map(|(x, y)| (sx(x), sy(y)))
                .collect();
            let col = escape(&s.color);
            if s.line && p.len() > 1 {
                let d: Vec<String> = p.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
                let dash = if s.dashed {
                    r#" stroke-dasharray="6 4""#
                } else {
                    ""
                };
                let _ = write!(
                    out,
                    r#"<polyline points="{}" fill="none" stroke="{col}" stroke-width="2"{dash}/>"#,
                    d.join(" ")
                );
            }
            for (x, y) in &p {
                let _ = match s.marker {
                    Marker::None if p.len() == 1 => write!(
                        out,
                        r#"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="{col}"/>"#
                    ),
                    Marker::None => Ok(()),
                    Marker::Dot => write!(
                        out,
                        r#"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="{col}"/>"#
                    ),
                    Marker::Ring => write!(
                        out,
                        r#"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="none" stroke="{col}" stroke-width="1.5"/>"#
                    ),
                    Marker::Cross => write!(
                        out,
                        r#"<path d="M{a:.1},{b:.1}L{c:.1},{d:.1}M{a:.1},{d:.1}L{c:.1},{b:.1}" stroke="{col}" stroke-width="1.5"/>"#,
                        a = x - 3.5,
                        b = y - 3.5,
                        c = x + 3.5,
                        d = y + 3.5
                    ),
                };
            }
            // Legend.
            let ly = TOP + 8.0 + 18.0 * k as f64;
            let lx = W - RIGHT + 12.0;
            let _ = write!(
                out,
                r#"<rect x="{lx}" y="{ry}" width="14" height="4" fill="{col}"/><text x="{tx}" y="{ty}" class="legend"><title>{full}</title>{n}</text>"#,
                ry = ly - 4.0,
                tx = lx + 20.0,
                ty = ly + 2.0,
                full = escape(&s.name),
                n = escape(&fit_legend(&s.name))
            );
        }
        out.push_str("</svg>");
        out
    }
}

/// Box plots of several groups of values on one axis: box from the first to the third
/// quartile, median line, whiskers to the furthest value within 1.5 IQR, and the mean as a
/// diamond.
pub fn box_plot(title: &str, y_label: &str, groups: &[(String, String, Vec<f64>)]) -> String {
    let height = 80.0 + 44.0 * groups.len() as f64;
    let mut out = String::new();
    open_svg(&mut out, title, height);
    let all = groups.iter().flat_map(|g| g.2.iter().copied());
    let Some((lo, hi)) = bounds(all) else {
        out.push_str(r#"<text x="70" y="50" class="note">no data</text></svg>"#);
        return out;
    };
    let left = 40.0;
    let pw = W - left - 40.0;
    let sx = |v: f64| left + (v - lo) / (hi - lo) * pw;
    let bottom = height - 40.0;
    for t in ticks(lo, hi, 6) {
        let x = sx(t);
        let _ = write!(
            out,
            r#"<line y1="30" y2="{bottom}" x1="{x:.1}" x2="{x:.1}" class="grid"/><text x="{x:.1}" y="{ty}" class="tick" text-anchor="middle">{v}</text>"#,
            ty = bottom + 14.0,
            v = short(t)
        );
    }
    let _ = write!(
        out,
        r#"<text x="{x}" y="{y}" class="label" text-anchor="middle">{l}</text>"#,
        x = left + pw / 2.0,
        y = height - 8.0,
        l = escape(y_label)
    );
    for (k, (name, col, values)) in groups.iter().enumerate() {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        let cy = 54.0 + 44.0 * k as f64;
        let _ = write!(
            out,
            r#"<text x="{left}" y="{ty}" class="legend">{n} (n={c})</text>"#,
            ty = cy - 13.0,
            n = escape(name),
            c = v.len()
        );
        if v.is_empty() {
            continue;
        }
        v.sort_by(f64::total_cmp);
        let q = |p: f64| {
            let pos = p * (v.len() - 1) as f64;
            let (i, f) = (pos.floor() as usize, pos.fract());
            v[i] + (v[(i + 1).min(v.len() - 1)] - v[i]) * f
        };
        let (q1, med, q3) = (q(0.25), q(0.5), q(0.75));
        let iqr = q3 - q1;
        let wlo = v
            .iter()
            .copied()
            .find(|x| *x >= q1 - 1.5 * iqr)
            .unwrap_or(q1);
        let whi = v
            .iter()
            .rev()
            .copied()
            .find(|x| *x <= q3 + 1.5 * iqr)
            .unwrap_or(q3);
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let col = escape(col);
        let _ = write!(
            out,
            r#"<line x1="{a:.1}" x2="{b:.1}" y1="{cy}" y2="{cy}" stroke="{col}"/><rect x="{r0:.1}" y="{ry}" width="{rw:.1}" height="20" fill="{col}" fill-opacity="0.25" stroke="{col}"/><line x1="{m:.1}" x2="{m:.1}" y1="{ry}" y2="{ry2}" stroke="{col}" stroke-width="2"/><path d="M{mx:.1},{my0}l5,5l-5,5l-5,-5z" fill="{col}"/>"#,
            a = sx(wlo),
            b = sx(whi),
            r0 = sx(q1),
            ry = cy - 10.0,
            rw = (sx(q3) - sx(q1)).max(1.0),
            m = sx(med),
            ry2 = cy + 10.0,
            mx = sx(mean),
            my0 = cy - 5.0,
        );
    }
    out.push_str("</svg>");
    out
}

/// A horizontal bar chart: one bar per (label, colour, value).
pub fn bar_chart(title: &str, x_label: &str, bars: &[(String, String, f64)]) -> String {
    let height = 70.0 + 26.0 * bars.len() as f64;
    let mut out = String::new();
    open_svg(&mut out, title, height);
    let hi = bars
        .iter()
        .map(|b| b.2)
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let hi = if hi > 0.0 { hi * 1.05 } else { 1.0 };
    let left = 190.0;
    let pw = W - left - 80.0;
    for (k, (label, col, v)) in bars.iter().enumerate() {
        let y = 34.0 + 26.0 * k as f64;
        let w = if v.is_finite() {
            (v / hi * pw).max(0.0)
        } else {
            0.0
        };
        let _ = write!(
            out,
            r#"<text x="{tx}" y="{ty}" class="legend" text-anchor="end">{l}</text><rect x="{left}" y="{y}" width="{w:.1}" height="18" fill="{c}"/><text x="{vx:.1}" y="{ty}" class="tick">{v}</text>"#,
            tx = left - 8.0,
            ty = y + 13.0,
            l = escape(label),
            c = escape(col),
            vx = left + w + 4.0,
            v = short(*v)
        );
    }
    let _ = write!(
        out,
        r#"<text x="{x}" y="{y}" class="label" text-anchor="middle">{l}</text></svg>"#,
        x = left + pw / 2.0,
        y = height - 8.0,
        l = escape(x_label)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(
            ticks(0.0, 1.0, 5),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        let t = ticks(0.87, 0.96, 5);
        assert!(
            t.len() >= 3 && t[0] >= 0.87 && *t.last().unwrap() <= 0.96 + 1e-9,
            "{t:?}"
        );
        assert_eq!(short(0.91234), "0.9123");
        assert_eq!(short(1e-5), "1.0e-5");
    }

    #[test]
    fn charts_are_svg_with_escaped_text() {
        let c = Chart {
            title: "a <b>".into(),
            x_label: "epoch".into(),
            y_label: "rmse".into(),
            log_x: true,
            series: vec![
                Series::line(
                    "m&1",
                    color(0),
                    vec![(1.0, 2.0), (10.0, 1.0), (100.0, f64::NAN)],
                ),
                Series::points("x", color(1), vec![(0.0, 1.0)], Marker::Cross),
            ],
        };
        let s = c.render();
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
        assert!(s.contains("a &lt;b&gt;") && s.contains("m&amp;1") && s.contains("<polyline"));
        let b = box_plot(
            "per user",
            "ndcg",
            &[("m".into(), color(0).into(), vec![0.1, 0.2, 0.9])],
        );
        assert!(b.contains("<rect") && b.contains("n=3"));
        let bars = bar_chart("gini", "", &[("m".into(), color(0).into(), 0.5)]);
        assert!(bars.contains("0.5"));
        let empty = Chart {
            series: vec![],
            ..c
        }
        .render();
        assert!(empty.contains("no data"));
    }
}
