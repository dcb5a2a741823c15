package io.embedflow.orchestrator.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RunIdsTest {

    @Test
    void idsCarryTheUtcTimeAndSortByIt() {
        String early = RunIds.newId(Instant.parse("2026-11-29T00:50:12Z"));
        String late = RunIds.newId(Instant.parse("2026-11-29T00:50:13Z"));

        assertThat(early).matches("r-20261129-005012-[0-9a-f]{6}");
        assertThat(early).isLessThan(late);
    }

    @Test
    void idsAreUnique() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            ids.add(RunIds.newId());
        }
        assertThat(ids).hasSize(1000);
    }
}
