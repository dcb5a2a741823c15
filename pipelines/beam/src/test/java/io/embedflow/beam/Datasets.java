package io.embedflow.beam;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/** Small Parquet datasets for the tests, with small row groups (several shards per file). */
public final class Datasets {
    public static final String SCHEMA = "message t { required int64 id; optional binary body (STRING); optional int32 n; }";
    private static final String[] WORDS = ("the river runs through old city data table model vector search query user "
            + "order product price customer market zyxq unknownish quickly").split(" ");

    private Datasets() {}

    /**
     * Writes {@code files} files of {@code rowsPerFile} rows with ids from {@code firstId}: mostly short texts, some
     * long enough to be truncated, a few null, empty or blank. Returns id -> text.
     */
    public static Map<Long, String> write(Path dir, int files, int rowsPerFile, long seed, long firstId) {
        Map<Long, String> texts = new LinkedHashMap<>();
        Random random = new Random(seed);
        long id = firstId;
        for (int f = 0; f < files; f++) {
            List<Object[]> rows = new ArrayList<>();
            for (int i = 0; i < rowsPerFile; i++) {
                String text = text(random);
                rows.add(new Object[] {id, text});
                texts.put(id, text);
                id++;
            }
            writeFile(dir.resolve("f" + f + ".parquet"), SCHEMA, rows);
        }
        return texts;
    }

    static String text(Random random) {
        int kind = random.nextInt(100);
        if (kind < 2) {
            return null;
        }
        if (kind < 4) {
            return kind == 2 ? "" : "   ";
        }
        int n = kind < 7 ? 150 + random.nextInt(100) : 1 + random.nextInt(40);
        StringBuilder sb = new StringBuilder();
        for (int w = 0; w < n; w++) {
            sb.append(w == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }

    /** Writes rows of (id, body) under {@code schema}'s first two fields; a null body stays unset. */
    public static void writeFile(Path file, String schema, List<Object[]> rows) {
        MessageType type = MessageTypeParser.parseMessageType(schema);
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String idField = type.getFieldName(0);
        String textField = type.getFieldName(1);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withConf(new PlainParquetConfiguration())
                .withType(type)
                .withRowGroupSize(8L * 1024)
                .withPageSize(2 * 1024)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(type);
            for (Object[] row : rows) {
                Group g = groups.newGroup();
                if (row[0] instanceof Long l) {
                    g.append(idField, l);
                } else {
                    g.append(idField, row[0].toString());
                }
                if (row[1] != null) {
                    g.append(textField, row[1].toString());
                }
                writer.write(g);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
