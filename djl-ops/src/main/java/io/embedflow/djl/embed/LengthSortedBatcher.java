package io.embedflow.djl.embed;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

/**
 * Forms batches from a bounded window of items sorted by length, so each batch pads little.
 * Items are buffered until the window is full; then the window is sorted by length and cut into
 * batches of at most {@code maxBatchRows} items and at most {@code maxBatchTokens} padded tokens
 * (rows x longest length). {@link #flush()} emits what is left.
 *
 * <p>Not thread-safe; the consumer is called on the caller's thread and must not keep the list.
 *
 * @param <T> the item type
 */
public final class LengthSortedBatcher<T> {
    private final int windowRows;
    private final int maxBatchRows;
    private final long maxBatchTokens;
    private final ToIntFunction<T> length;
    private final Consumer<List<T>> sink;
    private final List<T> window;
    private final List<T> batch;

    public LengthSortedBatcher(BatchingOptions options, ToIntFunction<T> length, Consumer<List<T>> sink) {
        this.windowRows = options.windowRows();
        this.maxBatchRows = options.maxBatchRows();
        this.maxBatchTokens = options.maxBatchTokens();
        this.length = length;
        this.sink = sink;
        this.window = new ArrayList<>(windowRows);
        this.batch = new ArrayList<>(maxBatchRows);
    }

    public void add(T item) {
        window.add(item);
        if (window.size() >= windowRows) {
            drain();
        }
    }

    /** Emits every buffered item. */
    public void flush() {
        drain();
    }

    public int buffered() {
        return window.size();
    }

    private void drain() {
        if (window.isEmpty()) {
            return;
        }
        window.sort(Comparator.comparingInt(length));
        int longest = 0;
        for (T item : window) {
            int len = length.applyAsInt(item);
            int wider = Math.max(longest, len);
            if (!batch.isEmpty() && (batch.size() >= maxBatchRows || (long) wider * (batch.size() + 1) > maxBatchTokens)) {
                emit();
                wider = len;
            }
            batch.add(item);
            longest = wider;
        }
        emit();
        window.clear();
    }

    private void emit() {
        if (!batch.isEmpty()) {
            sink.accept(batch);
            batch.clear();
        }
    }
}
