/**
 * Run reports: one self-contained HTML file per run, written when it ends, that opens offline.
 *
 * <ul>
 *   <li>{@link io.embedflow.orchestrator.report.Reports}: where reports live
 *       ({@code <home>/reports/<run id>.html}, by run id, for links from elsewhere) and writing them:
 *       one run, the runs a command started, an A/B comparison.</li>
 *   <li>{@code RunFactsReader} gathers what a report shows ({@code RunFacts}) from the metadata store
 *       and the run's table; {@code RunReport} and the sections of each kind of run
 *       ({@code TableRunSections}, {@code TrainSections}, {@code EvalSections}) and
 *       {@code ComparisonReport} render it, purely.</li>
 *   <li>{@code HtmlPage} builds the page with jsoup, which escapes every text and attribute;
 *       {@code Charts} draws charts with JFreeChart into inline SVG.</li>
 * </ul>
 */
package io.embedflow.orchestrator.report;
