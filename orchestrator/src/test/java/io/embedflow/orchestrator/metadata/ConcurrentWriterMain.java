package io.embedflow.orchestrator.metadata;

import io.embedflow.orchestrator.OrchestratorException;
import java.nio.file.Path;
import java.time.Instant;

/**
 * One of several processes hammering one SQLite file (started by {@link SqliteMultiProcessTest}):
 * opens it (racing the others through the first migration), then {@code rounds} times imports
 * the next version of model "m" the way the registry does (latest + 1, retried when another
 * process took that number), moves alias {@code m@shared} there with compare-and-set (retried
 * when another process moved it first) and moves its own alias unconditionally; it also
 * inserts versions of a model of its own. Prints
 * {@code versions=N moves=N casRefusals=N} on success.
 */
public final class ConcurrentWriterMain {

    private ConcurrentWriterMain() {
    }

    public static void main(String[] args) {
        Path file = Path.of(args[0]);
        String worker = args[1];
        int rounds = Integer.parseInt(args[2]);
        int versions = 0;
        int moves = 0;
        int refusals = 0;
        try (MetadataStore store = MetadataStore.openSqlite(file)) {
            for (int round = 0; round < rounds; round++) {
                int version;
                do {
                    version = store.latestModelVersion("m").map(ModelVersion::version).orElse(0) + 1;
                } while (!store.tryInsertModelVersion(new ModelVersion("m", version, "s-" + worker + "-" + round,
                        Instant.now(), null)));
                versions++;
                store.insertModelVersion(new ModelVersion("solo-" + worker, round + 1, "s-" + worker, Instant.now(), null));
                while (true) {
                    Integer current = store.findAlias("m", "shared").map(Alias::version).orElse(null);
                    try {
                        if (current == null) {
                            store.moveAlias("m", "shared", version, null, worker, "create", null);
                        } else {
                            store.moveAlias("m", "shared", version, current, worker, "round " + round, null);
                        }
                        moves++;
                        break;
                    } catch (OrchestratorException e) {
                        if (!e.getMessage().contains("as expected; nothing changed")) {
                            throw e;
                        }
                        refusals++;
                    }
                }
                store.moveAlias("m", "own-" + worker, version, null, worker, null, "{\"round\":" + round + "}");
                moves++;
            }
        }
        System.out.println("versions=" + versions + " moves=" + moves + " casRefusals=" + refusals);
    }
}
