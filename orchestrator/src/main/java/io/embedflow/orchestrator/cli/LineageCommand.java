package io.embedflow.orchestrator.cli;

import io.embedflow.orchestrator.EmbedflowHome;
import io.embedflow.orchestrator.metadata.ModelVersion;
import io.embedflow.orchestrator.lineage.TableLineage;
import io.embedflow.orchestrator.registry.ModelRef;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code embedflow lineage TABLE} (a directory or {@code s3://} prefix) and {@code embedflow lineage --model NAME/N}. */
@Command(name = "lineage", mixinStandardHelpOptions = true,
        description = "Where a table came from (model snapshot, versions and aliases, data snapshot, run, code, config), "
                + "or with --model which tables and runs a model version produced.")
final class LineageCommand implements Callable<Integer> {
    @ParentCommand
    Main main;
    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "TABLE", description = "Table directory or s3://bucket/prefix/.")
    String table;

    @Option(names = "--model", paramLabel = "MODEL", description = "NAME, NAME/N or NAME@ALIAS.")
    String model;

    @Option(names = "--json", description = "Print as JSON.")
    boolean json;

    @Override
    public Integer call() {
        if ((table == null) == (model == null)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give a TABLE or --model, not both");
        }
        try (EmbedflowHome home = main.openHome()) {
            Object result = table != null ? ofTable(home) : ofModel(home);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Json.print(out, result);
            } else {
                printText(out, result, "");
            }
        }
        return 0;
    }

    private Map<String, Object> ofTable(EmbedflowHome home) {
        TableLineage lineage = TableLineage.of(home, table);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("table", lineage.table());
        m.put("rows", lineage.rows());
        m.put("rejected", lineage.rejected());
        m.put("dimension", lineage.dimension());
        m.put("createdAt", lineage.createdAt().toString());
        Map<String, Object> modelInfo = new LinkedHashMap<>();
        modelInfo.put("snapshotId", lineage.model().snapshotId());
        modelInfo.put("recordedAs", lineage.model().recordedAs());
        modelInfo.put("versions", lineage.model().versions().stream().map(ModelVersion::ref).toList());
        modelInfo.put("aliases", lineage.model().aliases().stream().map(a -> a.name() + "@" + a.alias()).toList());
        modelInfo.put("inStore", lineage.model().inStore());
        m.put("model", modelInfo);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("snapshotId", lineage.data().snapshotId());
        lineage.data().root().ifPresent(root -> {
            data.put("root", root);
            data.put("files", lineage.data().files().stream()
                    .map(f -> Map.of("path", f.relativePath(), "size", f.sizeBytes(), "sha256", f.sha256())).toList());
        });
        m.put("data", data);
        m.put("run", lineage.run().<Object>map(Views::run).orElseGet(() -> Map.of("id", lineage.runId(),
                "note", "not recorded in " + home.metadata().database() + " (submitted outside the orchestrator?)")));
        return m;
    }

    private Map<String, Object> ofModel(EmbedflowHome home) {
        ModelVersion v = home.registry().resolve(ModelRef.parse(model));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", v.ref());
        m.put("snapshotId", v.snapshotId());
        m.put("aliases", home.registry().aliasesOf(v).stream().map(a -> a.name() + "@" + a.alias()).toList());
        m.put("runs", home.metadata().runsByModelSnapshot(v.snapshotId()).stream().map(r -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("run", r.id());
            row.put("status", r.status().name());
            row.put("table", r.outputPath());
            row.put("dataSnapshotId", r.dataSnapshotId());
            row.put("startedAt", r.startedAt().toString());
            row.put("rowsOut", r.rowsOut());
            return row;
        }).toList());
        return m;
    }

    @SuppressWarnings("unchecked")
    private static void printText(PrintWriter out, Object value, String indent) {
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                Object v = e.getValue();
                if (v instanceof Map<?, ?> || (v instanceof List<?> l && !l.isEmpty() && !(l.get(0) instanceof String))) {
                    out.printf("%s%s:%n", indent, e.getKey());
                    printText(out, v, indent + "  ");
                } else {
                    out.printf("%s%-16s %s%n", indent, e.getKey(), v instanceof List<?> l ? String.join(", ", (List<String>) l)
                            : v == null ? "-" : v);
                }
            }
        } else if (value instanceof List<?> list) {
            for (Object item : list) {
                printText(out, item, indent);
                if (item instanceof Map<?, ?>) {
                    out.println();
                }
            }
        } else {
            out.printf("%s%s%n", indent, value);
        }
    }
}
