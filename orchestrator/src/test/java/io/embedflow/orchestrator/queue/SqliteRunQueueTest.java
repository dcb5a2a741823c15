package io.embedflow.orchestrator.queue;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;

/** The run queue contract on SQLite files. */
class SqliteRunQueueTest extends RunQueueContract {

    @TempDir
    Path tmp;

    private final AtomicInteger databases = new AtomicInteger();

    @Override
    String newDatabaseUrl() {
        return "jdbc:sqlite:" + tmp.resolve("metadata-" + databases.incrementAndGet() + ".db");
    }
}
