package io.embedflow.bench;

import io.embedflow.orchestrator.demo.DemoDataset;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;

/** Writes texts as one Parquet file of the demo's schema ({@code id} = row number, {@code text}), in order. */
final class TextParquet {
    private TextParquet() {}

    static void write(Path file, List<String> texts) {
        try {
            Files.createDirectories(file.getParent());
            try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                    .withConf(new PlainParquetConfiguration())
                    .withType(DemoDataset.SCHEMA)
                    .withCompressionCodec(CompressionCodecName.SNAPPY)
                    .withRowGroupSize(256L * 1024)
                    .build()) {
                SimpleGroupFactory groups = new SimpleGroupFactory(DemoDataset.SCHEMA);
                for (int i = 0; i < texts.size(); i++) {
                    writer.write(groups.newGroup().append("id", (long) i).append("text", texts.get(i)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
