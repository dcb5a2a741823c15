package io.embedflow.orchestrator.demo;

import io.embedflow.orchestrator.OrchestratorException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * Generates a sample dataset: Parquet files of {@code (id int64, text string, category string)}
 * with a realistic spread of text lengths (log-normal, from a few words to a few hundred), and a
 * few null and empty texts, as warehouse tables have.
 */
public final class DemoDataset {
    public static final MessageType SCHEMA = MessageTypeParser.parseMessageType(
            "message demo { required int64 id; optional binary text (STRING); optional binary category (STRING); }");
    private static final String[] CATEGORIES = {"news", "review", "support", "product", "forum"};

    private DemoDataset() {}

    /** Writes {@code rows} rows into {@code files} Parquet files under {@code dir} (created). */
    public static void generate(Path dir, long rows, int files, long seed) {
        generate(dir, rows, files, seed, 0, "part");
    }

    /**
     * As {@link #generate(Path, long, int, long)}, with ids from {@code firstId} and files named
     * {@code <prefix>-NNN.parquet} (so that more data can be added beside a dataset).
     */
    public static void generate(Path dir, long rows, int files, long seed, long firstId, String prefix) {
        List<String> words = words();
        Random random = new Random(seed);
        try {
            Files.createDirectories(dir);
            long id = firstId;
            for (int f = 0; f < files; f++) {
                long n = rows / files + (f < rows % files ? 1 : 0);
                Path file = dir.resolve(String.format("%s-%03d.parquet", prefix, f));
                try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                        .withConf(new PlainParquetConfiguration())
                        .withType(SCHEMA)
                        .withCompressionCodec(CompressionCodecName.SNAPPY)
                        .withRowGroupSize(256L * 1024)
                        .build()) {
                    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
                    for (long i = 0; i < n; i++) {
                        Group g = groups.newGroup().append("id", id++);
                        double u = random.nextDouble();
                        if (u < 0.0005) {
                            // null text
                        } else if (u < 0.001) {
                            g.append("text", "");
                        } else {
                            g.append("text", sentence(words, random));
                        }
                        g.append("category", CATEGORIES[random.nextInt(CATEGORIES.length)]);
                        writer.write(g);
                    }
                }
            }
        } catch (IOException e) {
            throw new OrchestratorException("cannot write the demo dataset to " + dir + ": " + e.getMessage(), e);
        }
    }

    private static String sentence(List<String> words, Random random) {
        int n = (int) Math.max(1, Math.min(400, Math.round(Math.exp(Math.log(14) + 0.9 * random.nextGaussian()))));
        StringBuilder sb = new StringBuilder(n * 7);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(i % 13 == 12 ? ". " : " ");
            }
            sb.append(words.get(random.nextInt(words.size())));
        }
        return sb.append('.').toString();
    }

    private static List<String> words() {
        try (InputStream in = DemoDataset.class.getResourceAsStream("words.txt")) {
            if (in == null) {
                throw new OrchestratorException("words.txt is missing from the classpath");
            }
            return List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).trim().split("\\s+"));
        } catch (IOException e) {
            throw new OrchestratorException("cannot read words.txt", e);
        }
    }
}
