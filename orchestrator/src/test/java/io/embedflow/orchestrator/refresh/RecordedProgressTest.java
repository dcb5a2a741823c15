package io.embedflow.orchestrator.refresh;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.orchestrator.metadata.ManualClock;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.RunRecord;
import io.embedflow.orchestrator.metadata.RunStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A refresh's progress reaches its run record at most once a second, and its listener every time. */
class RecordedProgressTest {

    static final Instant T0 = Instant.parse("2026-12-01T08:00:00Z");

    @TempDir
    Path tmp;

    @Test
    void progressIsWrittenAtMostOncePerIntervalAndPassedOnEveryTime() {
        ManualClock clock = new ManualClock(T0);
        List<String> seen = new ArrayList<>();
        ProgressListener bar = new ProgressListener() {
            @Override
            public void planned(long rows) {
                seen.add("planned " + rows);
            }

            @Override
            public void progress(long rows) {
                seen.add("progress " + rows);
            }

            @Override
            public void finished() {
                seen.add("finished");
            }
        };
        try (MetadataStore metadata = MetadataStore.openSqlite(tmp.resolve("embedflow.db"))) {
            RunRecord run = RunRecord.started("r-1", "refresh", "tiny/1", null, null, "/in", "/out", "{}", "dev", T0)
                    .withCounts(100, 0, 0, 0);
            metadata.insertRun(run);
            RecordedProgress progress = new RecordedProgress(bar, metadata, "r-1", clock, Duration.ofSeconds(1));

            progress.planned(100);
            progress.progress(10);
            assertThat(rowsOut(metadata)).isEqualTo(10);
            clock.advance(Duration.ofMillis(500));
            progress.progress(20);
            assertThat(rowsOut(metadata)).as("within the interval").isEqualTo(10);
            clock.advance(Duration.ofMillis(500));
            progress.progress(30);
            assertThat(rowsOut(metadata)).isEqualTo(30);

            metadata.updateRun(run.finished(RunStatus.SUCCEEDED, 100, 99, 1, 0, T0.plusSeconds(2), null));
            clock.advance(Duration.ofSeconds(2));
            progress.progress(40);
            progress.finished();
            assertThat(metadata.findRun("r-1").orElseThrow().rowsOut()).as("the end stands").isEqualTo(99);
        }
        assertThat(seen).containsExactly("planned 100", "progress 10", "progress 20", "progress 30", "progress 40", "finished");
    }

    private static long rowsOut(MetadataStore metadata) {
        return metadata.findRun("r-1").orElseThrow().rowsOut();
    }
}
