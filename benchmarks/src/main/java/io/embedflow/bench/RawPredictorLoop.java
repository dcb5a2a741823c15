package io.embedflow.bench;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import io.embedflow.connectors.parquet.ShardReader;
import io.embedflow.connectors.parquet.TextRow;
import io.embedflow.connectors.shard.DatasetPlan;
import io.embedflow.connectors.shard.Shard;
import io.embedflow.connectors.shard.ShardPlanner;
import io.embedflow.djl.embed.BatchingOptions;
import io.embedflow.djl.embed.EngineDefaults;
import io.embedflow.djl.embed.LengthSortedBatcher;
import io.embedflow.djl.model.ModelDirectory;
import io.embedflow.djl.text.TextTokenizer;
import io.embedflow.djl.text.Tokens;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The ceiling the engines are measured against: a plain DJL predictor over the dataset's texts, tokenized, sorted
 * into token-budget batches and turned into tensors before the clock starts; the model's forward pass and nothing
 * else.
 */
final class RawPredictorLoop {
    /** Rows (texts that are not blank), forward seconds and batches. */
    record Result(long rows, double seconds, int batches) {}

    private RawPredictorLoop() {}

    static Result run(Path data, Path model, BatchingOptions batching) throws Exception {
        EngineDefaults.apply();
        List<List<Tokens>> batches = new ArrayList<>();
        ModelDirectory directory = ModelDirectory.open(model);
        try (TextTokenizer tokenizer = TextTokenizer.load(directory);
                ZooModel<NDList, NDList> zoo = Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(directory.dir())
                        .optModelName(directory.modelName())
                        .optEngine("PyTorch")
                        .optTranslator(new NoopTranslator())
                        .build()
                        .loadModel();
                Predictor<NDList, NDList> predictor = zoo.newPredictor();
                NDManager manager = NDManager.newBaseManager("PyTorch")) {
            List<String> texts = readTexts(ShardPlanner.plan(data, "id", "text"));
            LengthSortedBatcher<Tokens> batcher = new LengthSortedBatcher<>(
                    new BatchingOptions(texts.size(), batching.maxBatchRows(), batching.maxBatchTokens()),
                    Tokens::length, b -> batches.add(List.copyOf(b)));
            for (Tokens t : tokenizer.encodeAll(texts)) {
                batcher.add(t);
            }
            batcher.flush();
            List<NDList> inputs = new ArrayList<>();
            for (List<Tokens> b : batches) {
                inputs.add(BatchTensors.of(manager, b, directory.config().includeTokenTypes()));
            }
            for (int i = 0; i < Math.min(5, inputs.size()); i++) {
                predictor.predict(inputs.get(i)).close();
            }
            long start = System.nanoTime();
            for (NDList in : inputs) {
                try (NDList hidden = predictor.predict(in)) {
                    hidden.head().getShape();
                }
            }
            return new Result(texts.size(), (System.nanoTime() - start) / 1e9, batches.size());
        }
    }

    private static List<String> readTexts(DatasetPlan plan) {
        List<String> texts = new ArrayList<>();
        for (Shard shard : plan.shards()) {
            try (ShardReader reader = new ShardReader(shard, plan.idColumn(), plan.textColumn(), plan.idType())) {
                while (reader.hasNext()) {
                    TextRow row = reader.next();
                    if (row.text != null && !row.text.isBlank()) {
                        texts.add(row.text);
                    }
                }
            }
        }
        return texts;
    }
}
