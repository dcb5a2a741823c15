package io.embedflow.djl.embed;

import io.embedflow.djl.DjlOpsException;
import io.embedflow.djl.text.Tokens;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the model busy: items are gathered into windows; each full window is tokenized on a
 * small pool of tokenizer threads while the caller's thread runs the model on the window before
 * it. A window's rows are sorted by token length and cut into batches bounded by rows and
 * padded tokens ({@link LengthSortedBatcher}); every vector goes to the sink with its own item.
 *
 * <p>Threading: {@link #add}, {@link #flush} and {@link #close} are called from one thread, which
 * also runs the model and the sink. At most {@code windowsAhead} windows are tokenized ahead of
 * the model; {@link #add} blocks when they are all pending (back-pressure). The pool's threads
 * are owned here and stopped by {@link #close}.
 *
 * <pre>{@code
 * try (PipelinedEmbedder<Row> pipeline = new PipelinedEmbedder<>(embedder, BatchingOptions.CPU_DEFAULT, 1, 1,
 *         row -> row.text, (row, vector, tokens) -> out.write(row.id, vector))) {
 *     rows.forEach(pipeline::add);
 *     pipeline.flush();
 * }
 * }</pre>
 *
 * @param <T> the item type
 */
public final class PipelinedEmbedder<T> implements AutoCloseable {
    /** Receives each item with its vector and tokens, on the model thread, in batch order. */
    public interface Sink<T> {
        void accept(T item, float[] vector, Tokens tokens);
    }

    private record Window<T>(List<T> items, CompletableFuture<Tokens[]> tokens) {}

    private record Tokenized<T>(T item, Tokens tokens) {}

    private static final AtomicInteger POOLS = new AtomicInteger();
    private static final Logger LOG = LoggerFactory.getLogger(PipelinedEmbedder.class);

    private final TextEmbedder embedder;
    private final BatchingOptions batching;
    private final int windowsAhead;
    private final Function<T, String> text;
    private final Sink<T> sink;
    private final ExecutorService tokenizers;
    private final Deque<Window<T>> pending = new ArrayDeque<>();
    private final LengthSortedBatcher<Tokenized<T>> batcher;
    private final List<Tokens> batchTokens;
    private final AtomicLong tokenizeNanos = new AtomicLong();
    private List<T> filling;
    private long rows;
    private long batches;
    private long tokens;
    private long paddedTokens;
    private long forwardNanos;
    private long inputWaitNanos;

    /**
     * @param tokenizerThreads threads that tokenize ahead of the model (at least 1)
     * @param windowsAhead windows that may be tokenized before the model reaches them (at least 1)
     */
    public PipelinedEmbedder(TextEmbedder embedder, BatchingOptions batching, int tokenizerThreads, int windowsAhead,
            Function<T, String> text, Sink<T> sink) {
        if (tokenizerThreads < 1 || windowsAhead < 1) {
            throw new DjlOpsException("tokenizer threads and windows ahead must be at least 1, were "
                    + tokenizerThreads + " and " + windowsAhead);
        }
        this.embedder = embedder;
        this.batching = batching;
        this.windowsAhead = windowsAhead;
        this.text = text;
        this.sink = sink;
        int pool = POOLS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "embedflow-tokenizer-" + pool + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.tokenizers = Executors.newFixedThreadPool(tokenizerThreads, factory);
        this.batcher = new LengthSortedBatcher<>(batching, t -> t.tokens().length(), this::embedBatch);
        this.batchTokens = new ArrayList<>(batching.maxBatchRows());
        this.filling = new ArrayList<>(batching.windowRows());
    }

    /** Adds one item; may run the model on an earlier window, or wait for its tokens. */
    public void add(T item) {
        filling.add(item);
        if (filling.size() >= batching.windowRows()) {
            submit();
            while (pending.size() > windowsAhead) {
                embedWindow(pending.poll());
            }
        }
    }

    /** Embeds everything added so far. */
    public void flush() {
        submit();
        while (!pending.isEmpty()) {
            embedWindow(pending.poll());
        }
    }

    public EmbedStats stats() {
        return new EmbedStats(rows, batches, tokens, paddedTokens, forwardNanos, inputWaitNanos, tokenizeNanos.get());
    }

    private void submit() {
        if (filling.isEmpty()) {
            return;
        }
        List<T> items = filling;
        filling = new ArrayList<>(batching.windowRows());
        List<String> texts = new ArrayList<>(items.size());
        for (T item : items) {
            texts.add(text.apply(item));
        }
        CompletableFuture<Tokens[]> future = CompletableFuture.supplyAsync(() -> {
            long start = System.nanoTime();
            try {
                return embedder.tokenizer().encodeAll(texts);
            } finally {
                tokenizeNanos.addAndGet(System.nanoTime() - start);
            }
        }, tokenizers);
        pending.add(new Window<>(items, future));
    }

    private void embedWindow(Window<T> window) {
        Tokens[] encoded;
        long start = System.nanoTime();
        try {
            encoded = window.tokens().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DjlOpsException("interrupted while waiting for tokenized input", e);
        } catch (ExecutionException e) {
            throw new DjlOpsException("tokenization failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            inputWaitNanos += System.nanoTime() - start;
        }
        for (int i = 0; i < encoded.length; i++) {
            batcher.add(new Tokenized<>(window.items().get(i), encoded[i]));
        }
        batcher.flush();
    }

    private void embedBatch(List<Tokenized<T>> batch) {
        batchTokens.clear();
        int longest = 0;
        for (Tokenized<T> t : batch) {
            batchTokens.add(t.tokens());
            tokens += t.tokens().length();
            longest = Math.max(longest, t.tokens().length());
        }
        long start = System.nanoTime();
        float[][] vectors = embedder.embed(batchTokens);
        forwardNanos += System.nanoTime() - start;
        paddedTokens += (long) longest * batch.size();
        batches++;
        rows += batch.size();
        for (int i = 0; i < vectors.length; i++) {
            sink.accept(batch.get(i).item(), vectors[i], batch.get(i).tokens());
        }
    }

    /**
     * Stops the tokenizer threads and waits for them, so that the tokenizer (native memory) can be
     * closed safely afterwards; windows not yet embedded are dropped (call {@link #flush} first).
     */
    @Override
    public void close() {
        pending.forEach(w -> w.tokens().cancel(false));
        pending.clear();
        tokenizers.shutdown();
        boolean interrupted = false;
        try {
            while (!tokenizers.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("still waiting for a tokenizer thread to finish before the tokenizer is closed");
            }
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
