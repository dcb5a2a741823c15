package io.embedflow.flink.sink;

import io.embedflow.flink.refresh.RefreshJobException;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Fails the job on the first id seen twice, naming both places. It emits nothing, but the
 * committer consumes its (empty) output, so no table is published before the check is done.
 */
public final class DuplicateIdCheck extends KeyedProcessFunction<String, IdRef, PartFile> {
    private static final long serialVersionUID = 1L;

    private final List<String> files;
    private transient ValueState<IdRef> first;

    public DuplicateIdCheck(List<String> files) {
        this.files = List.copyOf(files);
    }

    @Override
    public void open(OpenContext context) {
        first = getRuntimeContext().getState(new ValueStateDescriptor<>("first", IdRef.class));
    }

    @Override
    public void processElement(IdRef ref, Context ctx, Collector<PartFile> out) throws Exception {
        IdRef seen = first.value();
        if (seen == null) {
            first.update(new IdRef(ref.id, ref.fileIndex, ref.rowInFile));
            return;
        }
        IdRef a = seen.fileIndex < ref.fileIndex || (seen.fileIndex == ref.fileIndex && seen.rowInFile < ref.rowInFile) ? seen : ref;
        IdRef b = a == seen ? ref : seen;
        throw new SuppressRestartsException(new RefreshJobException("duplicate id '" + ref.id + "' in "
                + files.get(a.fileIndex) + " row " + a.rowInFile + " and " + files.get(b.fileIndex) + " row "
                + b.rowInFile + " (pass --allow-duplicate-ids to embed both)"));
    }
}
