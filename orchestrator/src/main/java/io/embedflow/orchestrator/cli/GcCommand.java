package io.embedflow.orchestrator.cli;

import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.registry.SnapshotStore;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code embedflow gc [--dry-run]}: deletes stored models no version or run references. */
@Command(name = "gc", mixinStandardHelpOptions = true,
        description = "Delete snapshots, blobs and cached copies that no model version or run references.")
final class GcCommand implements Callable<Integer> {
    @ParentCommand
    Main main;
    @Spec
    CommandSpec spec;

    @Option(names = "--dry-run", description = "Only say what would be deleted.")
    boolean dryRun;

    @Option(names = "--json", description = "Print as JSON.")
    boolean json;

    @Override
    public Integer call() {
        try (EmbedflowHome home = main.openHome()) {
            SnapshotStore.GcReport report = home.registry().gc(dryRun);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("dryRun", dryRun);
                m.put("snapshots", report.snapshots());
                m.put("blobs", report.blobs());
                m.put("blobBytes", report.blobBytes());
                m.put("cacheDirs", report.cacheDirs());
                Json.print(out, m);
            } else {
                out.printf("%s %d snapshots, %d blobs (%d bytes), %d cached copies%n", dryRun ? "would delete" : "deleted",
                        report.snapshots().size(), report.blobs().size(), report.blobBytes(), report.cacheDirs().size());
                report.snapshots().forEach(id -> out.println("  snapshot " + id));
            }
        }
        return 0;
    }
}
