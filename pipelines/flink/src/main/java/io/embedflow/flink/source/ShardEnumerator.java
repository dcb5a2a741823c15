package io.embedflow.flink.source;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;

/**
 * Hands shard {@code i} to subtask {@code i mod parallelism}, in shard order, all at once when
 * the reader first asks (so that it can fetch ahead). Each subtask therefore sees the same rows in the same order on every run,
 * so its batches — and, on CPU, its vectors, bit for bit — are the same when a run is replayed.
 * A failed reader's shards go back to the front of its own queue, for its replacement.
 */
final class ShardEnumerator implements SplitEnumerator<ShardSplit, Collection<ShardSplit>> {
    private final SplitEnumeratorContext<ShardSplit> context;
    private final List<ShardSplit> unassigned;
    private final Map<Integer, Deque<ShardSplit>> queues = new HashMap<>();

    ShardEnumerator(SplitEnumeratorContext<ShardSplit> context, Collection<ShardSplit> splits) {
        this.context = context;
        this.unassigned = new ArrayList<>(splits);
    }

    @Override
    public void start() {
        int parallelism = context.currentParallelism();
        for (int i = 0; i < unassigned.size(); i++) {
            queues.computeIfAbsent(i % parallelism, k -> new ArrayDeque<>()).add(unassigned.get(i));
        }
        unassigned.clear();
    }

    /** A reader gets all of its shards at once, in order, so it can fetch ahead; then no more. */
    @Override
    public void handleSplitRequest(int subtask, String requesterHostname) {
        Deque<ShardSplit> queue = queues.get(subtask);
        if (queue != null && !queue.isEmpty()) {
            List<ShardSplit> all = new ArrayList<>(queue);
            queue.clear();
            context.assignSplits(new SplitsAssignment<>(Map.of(subtask, all)));
        }
        context.signalNoMoreSplits(subtask);
    }

    @Override
    public void addSplitsBack(List<ShardSplit> splits, int subtask) {
        Deque<ShardSplit> queue = queues.computeIfAbsent(subtask, k -> new ArrayDeque<>());
        for (int i = splits.size() - 1; i >= 0; i--) {
            queue.addFirst(splits.get(i));
        }
    }

    @Override
    public void addReader(int subtask) {
        // readers ask for shards themselves (IteratorSourceReader sends a request when it starts)
    }

    @Override
    public Collection<ShardSplit> snapshotState(long checkpointId) {
        List<ShardSplit> remaining = new ArrayList<>(unassigned);
        queues.keySet().stream().sorted().forEach(k -> remaining.addAll(queues.get(k)));
        return remaining;
    }

    @Override
    public void close() {}
}
