package io.embedflow.flink.incremental;

import io.embedflow.connectors.parquet.ContentHash;
import io.embedflow.connectors.parquet.TextRow;
import io.embedflow.flink.embed.EmbedOperator;
import io.embedflow.flink.refresh.RefreshJobException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The heart of an incremental refresh: for each id, the input rows (first input) meet the base
 * version's rows (second input). An input row whose content hash one of the base rows of its id has
 * is kept: its place goes to {@link #KEPT} and it is not embedded again. Every other input row goes
 * on to the embedder (a new id, or a changed text; rows with no text too, which the embedder rejects
 * as in a full refresh). Base rows no input row matched are dropped (their id was deleted or its text
 * changed). With duplicate ids allowed, rows of one id are matched as a multiset by hash; without,
 * a second input row of an id fails the job as the full refresh's duplicate check does.
 *
 * <p>Both inputs are keyed by id and the job runs in BATCH mode, so each key's rows are all there
 * when its end-of-key timer fires. Counts go to the job accumulators {@code embedflow.rowsKept},
 * {@code rowsChanged}, {@code rowsNew} and {@code rowsDropped} (rows without text count in none: the
 * embedder rejects them).
 */
public final class RowDiff extends KeyedCoProcessFunction<String, TextRow, BaseRow, TextRow> {
    private static final long serialVersionUID = 1L;

    /** Base rows the new version keeps. */
    public static final OutputTag<KeptRow> KEPT = new OutputTag<>("kept") {};

    private final List<String> inputFiles;
    private final boolean allowDuplicateIds;

    private transient ListState<TextRow> inputs;
    private transient ListState<BaseRow> base;
    private transient LongCounter kept;
    private transient LongCounter changed;
    private transient LongCounter added;
    private transient LongCounter dropped;

    /** @param inputFiles the input files relative to the dataset root, by file index (for messages) */
    public RowDiff(List<String> inputFiles, boolean allowDuplicateIds) {
        this.inputFiles = List.copyOf(inputFiles);
        this.allowDuplicateIds = allowDuplicateIds;
    }

    @Override
    public void open(OpenContext context) {
        inputs = getRuntimeContext().getListState(new ListStateDescriptor<>("inputs", TextRow.class));
        base = getRuntimeContext().getListState(new ListStateDescriptor<>("base", BaseRow.class));
        kept = counter("rowsKept");
        changed = counter("rowsChanged");
        added = counter("rowsNew");
        dropped = counter("rowsDropped");
    }

    private LongCounter counter(String name) {
        LongCounter counter = new LongCounter();
        getRuntimeContext().addAccumulator(EmbedOperator.ACC_PREFIX + name, counter);
        return counter;
    }

    @Override
    public void processElement1(TextRow row, Context ctx, Collector<TextRow> out) throws Exception {
        inputs.add(row);
        ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    }

    @Override
    public void processElement2(BaseRow row, Context ctx, Collector<TextRow> out) throws Exception {
        base.add(row);
        ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<TextRow> out) throws Exception {
        List<TextRow> rows = new ArrayList<>();
        inputs.get().forEach(rows::add);
        List<BaseRow> old = new ArrayList<>();
        base.get().forEach(old::add);
        inputs.clear();
        base.clear();
        if (!allowDuplicateIds && rows.size() > 1) {
            rows.sort((a, b) -> a.fileIndex != b.fileIndex ? Integer.compare(a.fileIndex, b.fileIndex)
                    : Long.compare(a.rowInFile, b.rowInFile));
            TextRow a = rows.get(0);
            TextRow b = rows.get(1);
            throw new SuppressRestartsException(new RefreshJobException("duplicate id '" + ctx.getCurrentKey() + "' in "
                    + inputFiles.get(a.fileIndex) + " row " + a.rowInFile + " and " + inputFiles.get(b.fileIndex) + " row "
                    + b.rowInFile + " (pass --allow-duplicate-ids to embed both)"));
        }
        boolean[] used = new boolean[old.size()];
        for (TextRow row : rows) {
            if (row.text == null || row.text.isBlank()) {
                out.collect(row);   // the embedder rejects it, as a full refresh does; no table holds such rows
                continue;
            }
            int match = unusedWithHash(old, used, ContentHash.of(row.text));
            if (match >= 0) {
                used[match] = true;
                BaseRow b = old.get(match);
                ctx.output(KEPT, new KeptRow(b.fileIndex, b.rowInFile, b.truncated));
                kept.add(1L);
                continue;
            }
            (old.isEmpty() ? added : changed).add(1L);
            out.collect(row);
        }
        for (boolean u : used) {
            if (!u) {
                dropped.add(1L);
            }
        }
    }

    private static int unusedWithHash(List<BaseRow> old, boolean[] used, String hash) {
        for (int i = 0; i < old.size(); i++) {
            if (!used[i] && old.get(i).contentHash.equals(hash)) {
                return i;
            }
        }
        return -1;
    }
}
