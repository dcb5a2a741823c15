package io.embedflow.orchestrator.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.djl.train.TrainingPair;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetrievalMetricsTest {
    @Test
    void recallAndMrrMatchHandComputedRanks() {
        // q0 finds p0 first; q1 and q2 find their positive second (see the cosines below)
        Map<String, float[]> adjusted = Map.of(
                "q0", new float[] {1, 0, 0}, "p0", new float[] {1, 0, 0},
                "q1", new float[] {0, 1, 0}, "p1", new float[] {0, 0.8f, 0.6f},
                "q2", new float[] {0, 0, 1}, "p2", new float[] {0.5f, 0.85f, 0.16f});
        List<TrainingPair> pairs = List.of(new TrainingPair("q0", "p0"), new TrainingPair("q1", "p1"),
                new TrainingPair("q2", "p2"));
        RetrievalMetrics m = RetrievalMetrics.of(pairs, texts -> texts.stream().map(t -> adjusted.get(t).clone())
                .toArray(float[][]::new));
        // cosines: q1·p1 = 0.8, q1·p2 = 0.85/|p2| = 0.85/0.9987 = 0.851 -> p1 ranks 2nd
        //          q2·p2 = 0.16/0.9987 = 0.160, q2·p1 = 0.6, q2·p0 = 0 -> p2 ranks 2nd
        assertThat(m.queries()).isEqualTo(3);
        assertThat(m.recallAt1()).isEqualTo(0.3333);
        assertThat(m.recallAt5()).isEqualTo(1.0);
        assertThat(m.mrrAt10()).isEqualTo(Math.round((1 + 0.5 + 0.5) / 3 * 10000) / 10000.0);
    }

    @Test
    void noHeldOutPairsGiveZeros() {
        assertThat(RetrievalMetrics.of(List.of(), texts -> new float[0][])).isEqualTo(new RetrievalMetrics(0, 0, 0, 0));
    }
}
