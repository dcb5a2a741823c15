package io.embedflow.beam.flink;

import io.embedflow.beam.refresh.BeamRefreshOptions;
import io.embedflow.beam.refresh.BeamRefreshPipeline;
import io.embedflow.connectors.table.TableManifest;
import java.util.Arrays;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * The Beam refresh on Beam's Flink runner, the main class of the {@code pipelines-beam-flink} job jar:
 * <pre>
 * flink run -c io.embedflow.beam.flink.FlinkRefreshPipeline pipelines-beam-flink-VERSION-job.jar \
 *     --runner=FlinkRunner --input=s3://bucket/docs/ --idColumn=id --textColumn=body \
 *     --model=/opt/models/minilm --output=s3://bucket/tables/docs/ --parallelism=4
 * </pre>
 * Without {@code --runner} it runs on the FlinkRunner; without {@code --flinkMaster} the runner picks the cluster
 * {@code flink run} submits to, or an embedded one ({@code [local]}) when started on its own.
 */
public final class FlinkRefreshPipeline {
    private FlinkRefreshPipeline() {}

    public static void main(String[] args) {
        TableManifest manifest = run(args);
        System.out.println("published " + manifest.files().size() + " files: " + manifest.rowCount() + " rows, "
                + manifest.rejectedCount() + " rejected, " + manifest.truncatedCount() + " truncated (run "
                + manifest.runId() + ")");
    }

    /** Parses the options (the refresh's and the FlinkRunner's), runs the refresh and returns its manifest. */
    public static TableManifest run(String[] args) {
        PipelineOptionsFactory.register(BeamRefreshOptions.class);
        PipelineOptionsFactory.register(FlinkPipelineOptions.class);
        BeamRefreshOptions options = PipelineOptionsFactory.fromArgs(args).withValidation().as(BeamRefreshOptions.class);
        if (Arrays.stream(args).noneMatch(a -> a.startsWith("--runner="))) {
            options.setRunner(FlinkRunner.class);
        }
        return BeamRefreshPipeline.run(options);
    }
}
