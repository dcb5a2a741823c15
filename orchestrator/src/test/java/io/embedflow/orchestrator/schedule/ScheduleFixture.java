package io.embedflow.orchestrator.schedule;

import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.orchestrator.metadata.ManualClock;
import io.embedflow.orchestrator.metadata.MetadataStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A schedule on a SQLite file in a test's directory, with a manual clock, the real dataset
 * probe, and helpers to write specs and dataset files. Closing it closes the store.
 */
final class ScheduleFixture implements AutoCloseable {

    final Path root;
    final ManualClock clock;
    MetadataStore metadata;
    Schedule schedule;
    TriggerEvaluator triggers;
    private DatasetProbe probe = new ObjectStoreDatasetProbe(S3Settings.defaults());

    ScheduleFixture(Path root, Instant start) {
        this.root = root;
        this.clock = new ManualClock(start);
        open();
    }

    /** Closes the store and opens it again, as a restarted process would. */
    void reopen() {
        metadata.close();
        open();
    }

    /** Evaluates through {@code replacement} from now on. */
    void useProbe(DatasetProbe replacement) {
        probe = replacement;
        triggers = new TriggerEvaluator(metadata, probe, clock);
    }

    private void open() {
        metadata = MetadataStore.openSqlite(root.resolve("home/embedflow.db"), clock);
        schedule = new Schedule(metadata, clock);
        triggers = new TriggerEvaluator(metadata, probe, clock);
    }

    /** A valid spec {@code name} reading {@code root/data/<name>}, with extra YAML lines (e.g. triggers). */
    static String yaml(String name, String extra) {
        return "name: " + name + "\n"
                + "dataset: data/" + name + "\n"
                + "idColumn: id\n"
                + "textColumn: body\n"
                + "model: minilm@production\n"
                + "output: tables/" + name + "\n"
                + extra;
    }

    RefreshSpec spec(String name, String extra) {
        return RefreshSpecYaml.read(name + ".yaml", yaml(name, extra), root);
    }

    ScheduledSpec add(String name, String extra) {
        return schedule.add(spec(name, extra), false).spec();
    }

    /** Evaluates at the clock's time. */
    List<TriggerFiring> evaluate() {
        return triggers.evaluate(clock.instant());
    }

    /** Moves the clock to {@code at} and evaluates. */
    List<TriggerFiring> evaluateAt(String at) {
        clock.set(Instant.parse(at));
        return evaluate();
    }

    void advance(Duration step) {
        clock.advance(step);
    }

    /** The dataset directory of spec {@code name}. */
    Path dataset(String name) {
        return root.resolve("data").resolve(name);
    }

    /** Writes {@code content} to {@code relative} under the dataset of {@code name} (any bytes: the probe reads no rows). */
    Path write(String name, String relative, String content) {
        Path file = dataset(name).resolve(relative);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    @Override
    public void close() {
        metadata.close();
    }
}
