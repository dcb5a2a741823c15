package io.embedflow.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/** Writes small Parquet inputs for the end-to-end tests, with small row groups (several shards). */
final class Parquet {
    private Parquet() {}

    static void write(Path file, String schema, List<Map<String, Object>> rows) {
        MessageType type = MessageTypeParser.parseMessageType(schema);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withConf(new PlainParquetConfiguration())
                .withType(type)
                .withRowGroupSize(16L * 1024)
                .withPageSize(4 * 1024)
                .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(type);
            for (Map<String, Object> row : rows) {
                Group g = groups.newGroup();
                for (Map.Entry<String, Object> e : row.entrySet()) {
                    Object v = e.getValue();
                    if (v == null) {
                        continue;
                    }
                    if (v instanceof Long l) {
                        g.append(e.getKey(), l);
                    } else if (v instanceof Integer i) {
                        g.append(e.getKey(), i);
                    } else if (v instanceof Double d) {
                        g.append(e.getKey(), d);
                    } else {
                        g.append(e.getKey(), v.toString());
                    }
                }
                writer.write(g);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
