package io.embedflow.flink.retrieval;

import io.embedflow.connectors.parquet.EmbeddingTableReader;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableLocation;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.djl.retrieval.Hit;
import io.embedflow.djl.retrieval.TopKSearcher;
import io.embedflow.flink.embed.EmbedOperator;
import io.embedflow.flink.embed.EmbeddedRow;
import io.embedflow.flink.refresh.RefreshJobException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Finds each query's top k rows of the corpus table by cosine similarity, exactly: holds up to
 * {@code queryBatch} query vectors, then streams every file of the corpus version through a
 * {@link TopKSearcher} in blocks of {@code blockRows} (so the corpus may be larger than memory; each
 * pass reads it once), and emits the hits with their ranks. A subtask reads the corpus once per
 * batch of its queries. Counts go to the accumulators {@code embedflow.queries},
 * {@code embedflow.corpusRowsScanned} and {@code embedflow.searchNanos}.
 */
public final class RetrievalOperator extends AbstractStreamOperator<Prediction>
        implements OneInputStreamOperator<EmbeddedRow, Prediction>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    private final CorpusTable corpus;
    private final int k;
    private final int queryBatch;
    private final int blockRows;
    private final String device;

    private transient List<EmbeddedRow> pending;
    private transient long queries;
    private transient long scanned;
    private transient long searchNanos;

    public RetrievalOperator(CorpusTable corpus, int k, int queryBatch, int blockRows, String device) {
        this.corpus = corpus;
        this.k = k;
        this.queryBatch = queryBatch;
        this.blockRows = blockRows;
        this.device = device;
    }

    @Override
    public void open() throws Exception {
        super.open();
        pending = new ArrayList<>();
    }

    @Override
    public void processElement(StreamRecord<EmbeddedRow> element) {
        EmbeddedRow row = element.getValue();
        if (row.vector.length != corpus.dimension()) {
            throw new RefreshJobException("the model's vectors have " + row.vector.length + " dimensions, the corpus table "
                    + corpus.location() + " has " + corpus.dimension());
        }
        pending.add(row);
        if (pending.size() >= queryBatch) {
            search();
        }
    }

    @Override
    public void endInput() {
        if (!pending.isEmpty()) {
            search();
        }
        getRuntimeContext().addAccumulator(EmbedOperator.ACC_PREFIX + "queries", new LongCounter(queries));
        getRuntimeContext().addAccumulator(EmbedOperator.ACC_PREFIX + "corpusRowsScanned", new LongCounter(scanned));
        getRuntimeContext().addAccumulator(EmbedOperator.ACC_PREFIX + "searchNanos", new LongCounter(searchNanos));
    }

    private void search() {
        long start = System.nanoTime();
        float[][] vectors = new float[pending.size()][];
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = pending.get(i).vector;
        }
        List<List<Hit>> results;
        int dim = corpus.dimension();
        try (TopKSearcher searcher = TopKSearcher.create(vectors, k, DeviceRequest.parse(device));
                TableLocation table = TableLocation.open(corpus.location(), S3Settings.fromEnvironment(), scratchDir())) {
            Object[] ids = new Object[blockRows];
            float[] block = new float[blockRows * dim];
            int[] filled = {0};
            for (TableFile file : corpus.files()) {
                table.readFile(file, path -> {
                    EmbeddingTableReader.scan(path, true, row -> {
                        ids[filled[0]] = row.id();
                        System.arraycopy(row.embedding(), 0, block, filled[0] * dim, dim);
                        if (++filled[0] == blockRows) {
                            searcher.addBlock(ids, block, filled[0]);
                            scanned += filled[0];
                            filled[0] = 0;
                        }
                    });
                    return null;
                });
            }
            if (filled[0] > 0) {
                searcher.addBlock(ids, block, filled[0]);
                scanned += filled[0];
            }
            results = searcher.results();
        }
        for (int q = 0; q < pending.size(); q++) {
            EmbeddedRow query = pending.get(q);
            List<Hit> hits = results.get(q);
            for (int r = 0; r < hits.size(); r++) {
                Hit hit = hits.get(r);
                Object id = hit.id();
                output.collect(new StreamRecord<>(new Prediction(query.idLong, query.idString, r + 1,
                        id instanceof Number n ? n.longValue() : 0, id instanceof String s ? s : null, hit.score())));
            }
        }
        queries += pending.size();
        pending.clear();
        searchNanos += System.nanoTime() - start;
    }

    /** One of the task manager's temporary directories, spread over subtasks. */
    private Path scratchDir() {
        String[] dirs = getContainingTask().getEnvironment().getTaskManagerInfo().getTmpDirectories();
        return Path.of(dirs[getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() % dirs.length]);
    }
}
