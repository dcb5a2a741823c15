package io.embedflow.beam.write;

import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.table.PartKind;
import io.embedflow.connectors.table.TableFile;
import io.embedflow.connectors.table.TableLocation;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.UUID;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;

/**
 * Writes one bundle's records into one part file of the table and reports it, at the end of the bundle, as a
 * {@link PartDescriptor}. The file is named {@code part-<writer>-<bundle>.parquet}: {@code writer} is random per
 * {@code DoFn} instance and {@code bundle} counts its bundles, so a retried bundle writes a new file and never
 * overwrites one a successful attempt reported. Only reported parts reach the committer; publishing the table
 * deletes the files of failed attempts (see {@code TableLocation#publish}).
 *
 * <p>The {@link TableLocation} (and for S3 its client) is opened once per instance in {@link #setup()} with
 * {@link S3Settings#fromEnvironment()} of the worker, and closed in {@link #teardown()}. Subclasses open the file
 * writer and write one record. Input must be in the global window ({@link WriteEmbeddingTable} puts it there).
 *
 * @param <IN> the record type
 * @param <W> the file writer
 */
abstract class PartWriterFn<IN, W extends Closeable> extends DoFn<IN, PartDescriptor> {
    private static final long serialVersionUID = 1L;

    private final String output;
    private final String runId;
    private final PartKind kind;

    private transient TableLocation table;
    private transient String writerId;
    private transient long bundles;
    private transient W writer;
    private transient String name;
    private transient long rows;

    PartWriterFn(String output, String runId, PartKind kind) {
        this.output = output;
        this.runId = runId;
        this.kind = kind;
    }

    /** Opens the file writer for the bundle's first record. */
    abstract W open(Path file, IN first);

    abstract void write(W writer, IN record);

    /** The committer's view of the finished file; rows and size are filled in. */
    abstract PartDescriptor describe(TableFile part);

    @Setup
    public void setup() {
        table = TableLocation.open(output, S3Settings.fromEnvironment());
        writerId = UUID.randomUUID().toString().substring(0, 8);
    }

    @StartBundle
    public void startBundle() {
        closeWriter();
        bundles++;
        rows = 0;
        name = null;
    }

    @ProcessElement
    public void process(@Element IN record) {
        if (writer == null) {
            name = String.format("part-%s-%05d.parquet", writerId, bundles);
            writer = open(table.partFile(runId, kind, name), record);
        }
        write(writer, record);
        rows++;
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
        if (writer == null) {
            return;
        }
        closeWriter();
        TableFile part = table.stagePart(runId, kind, name, rows);
        context.output(describe(part), GlobalWindow.INSTANCE.maxTimestamp(), GlobalWindow.INSTANCE);
    }

    private void closeWriter() {
        if (writer == null) {
            return;
        }
        try {
            writer.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close part " + name + " of " + output, e);
        } finally {
            writer = null;
        }
    }

    @Teardown
    public void teardown() {
        try {
            closeWriter();
        } finally {
            if (table != null) {
                table.close();
                table = null;
            }
        }
    }
}
