package io.embedflow.orchestrator.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;
import org.jfree.svg.SVGGraphics2D;
import org.jfree.svg.ViewBox;

/**
 * The reports' charts: drawn with JFreeChart into JFreeSVG's {@link SVGGraphics2D}, and returned as
 * one {@code <svg>} element to put inline into an HTML page. The element scales to its container
 * ({@code viewBox}, no fixed size), draws its text as {@code <text>} elements (escaped by JFreeSVG),
 * references nothing outside itself, and gives its clip paths ids unique to the chart, so that
 * several charts can share a page. Titles and legends are left to the page around the chart; a
 * chart with two y axes draws each in the color of its line.
 *
 * <p>Drawing needs the JDK's font support (AWT, headless); where it fails, the caller shows the
 * figures without their chart.
 */
final class Charts {
    static final int WIDTH = 720;
    static final int HEIGHT = 300;
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0xff7f0e)};
    private static final Color GRID = new Color(0xdddddd);
    private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

    private Charts() {}

    /** One line of a chart: {@code y[i]} at {@code x[i]}, in order of x. */
    record Series(String name, double[] x, double[] y) {
        Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException("series " + name + " has " + x.length + " x and " + y.length + " y values");
            }
        }
    }

    /**
     * Lines over a numeric x axis; {@code right}, when not empty, is drawn against a second y axis on
     * the right (e.g. a rate on the left and a running total on the right).
     */
    static String lines(String xLabel, String leftLabel, List<Series> left, String rightLabel, List<Series> right) {
        return lines(xLabel, false, leftLabel, left, rightLabel, right);
    }

    /** As {@link #lines(String, String, List, String, List)}; with {@code wholeX} the x axis ticks whole numbers only (steps). */
    static String lines(String xLabel, boolean wholeX, String leftLabel, List<Series> left, String rightLabel,
            List<Series> right) {
        NumberAxis x = axis(xLabel);
        if (wholeX) {
            x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        }
        NumberAxis leftAxis = axis(leftLabel);
        XYPlot plot = new XYPlot(collection(left), x, leftAxis, lineRenderer(0));
        if (!right.isEmpty()) {
            // no legend: each y axis is drawn in the color of its line
            leftAxis.setLabelPaint(COLORS[0]);
            leftAxis.setTickLabelPaint(COLORS[0]);
            NumberAxis rightAxis = axis(rightLabel);
            rightAxis.setLabelPaint(COLORS[left.size() % COLORS.length]);
            rightAxis.setTickLabelPaint(COLORS[left.size() % COLORS.length]);
            plot.setRangeAxis(1, rightAxis);
            plot.setDataset(1, collection(right));
            plot.setRenderer(1, lineRenderer(left.size()));
            plot.mapDatasetToRangeAxis(1, 1);
        }
        return draw(plot, HEIGHT);
    }

    /** One bar per category, labelled on the x axis. */
    static String bars(String xLabel, String yLabel, List<String> categories, double[] values) {
        XYSeries series = new XYSeries(yLabel);
        for (int i = 0; i < values.length; i++) {
            series.add(i, values[i]);
        }
        XYBarRenderer renderer = new XYBarRenderer(0.3);
        renderer.setBarPainter(new StandardXYBarPainter());
        renderer.setShadowVisible(false);
        renderer.setSeriesPaint(0, COLORS[0]);
        XYPlot plot = new XYPlot(new XYSeriesCollection(series), symbols(xLabel, categories), axis(yLabel), renderer);
        return draw(plot, HEIGHT * 3 / 4);
    }

    /**
     * A forest plot: per category (one row each) a point at {@code value} with a whisker from
     * {@code lower} to {@code upper}, and a line at zero, where no difference lies.
     */
    static String intervals(String categoryLabel, String valueLabel, List<String> categories, double[] value,
            double[] lower, double[] upper) {
        YIntervalSeries series = new YIntervalSeries(valueLabel);
        for (int i = 0; i < categories.size(); i++) {
            series.add(i, value[i], lower[i], upper[i]);
        }
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        data.addSeries(series);
        XYErrorRenderer renderer = new XYErrorRenderer();
        renderer.setDrawXError(false);
        renderer.setDefaultLinesVisible(false);
        renderer.setSeriesPaint(0, COLORS[0]);
        renderer.setErrorPaint(COLORS[0]);
        renderer.setErrorStroke(new BasicStroke(2f));
        renderer.setCapLength(8);
        XYPlot plot = new XYPlot(data, symbols(categoryLabel, categories), axis(valueLabel), renderer);
        plot.setOrientation(PlotOrientation.HORIZONTAL);
        ValueMarker zero = new ValueMarker(0, Color.GRAY, new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
                10f, new float[] {4f, 4f}, 0f));
        plot.addRangeMarker(zero);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(true);
        return draw(plot, Math.max(HEIGHT / 2, 40 + 28 * categories.size()));
    }

    private static XYSeriesCollection collection(List<Series> series) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Series s : series) {
            XYSeries xy = new XYSeries(s.name(), false, true);
            for (int i = 0; i < s.x().length; i++) {
                xy.add(s.x()[i], s.y()[i]);
            }
            data.addSeries(xy);
        }
        return data;
    }

    private static XYLineAndShapeRenderer lineRenderer(int firstColor) {
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        renderer.setDrawSeriesLineAsPath(true);
        for (int i = 0; i < 8; i++) {
            renderer.setSeriesPaint(i, COLORS[(firstColor + i) % COLORS.length]);
            renderer.setSeriesStroke(i, new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        }
        return renderer;
    }

    private static NumberAxis axis(String label) {
        NumberAxis axis = new NumberAxis(label);
        axis.setAutoRangeIncludesZero(true);
        style(axis);
        return axis;
    }

    private static SymbolAxis symbols(String label, List<String> categories) {
        SymbolAxis axis = new SymbolAxis(label, categories.toArray(String[]::new));
        axis.setGridBandsVisible(false);
        style(axis);
        return axis;
    }

    private static void style(ValueAxis axis) {
        axis.setLabelFont(LABEL);
        axis.setTickLabelFont(LABEL.deriveFont(11f));
    }

    private static String draw(XYPlot plot, int height) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(GRID);
        plot.setRangeGridlinePaint(GRID);
        plot.setOutlineVisible(false);
        JFreeChart chart = new JFreeChart(null, LABEL, plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        SVGGraphics2D g = new SVGGraphics2D(WIDTH, height);
        DecimalFormat twoPlaces = new DecimalFormat("0.##", DecimalFormatSymbols.getInstance(Locale.ROOT));
        g.setGeomDoubleConverter(twoPlaces::format);
        g.setTransformDoubleConverter(twoPlaces::format);
        chart.draw(g, new Rectangle(0, 0, WIDTH, height));
        String svg = g.getSVGElement(null, false, new ViewBox(0, 0, WIDTH, height), null, null);
        // the namespace of JFreeSVG's own hint attributes, which these charts never write
        return svg.replaceFirst(" xmlns:jfreesvg=(['\"])[^'\"]*\\1", "");
    }
}
