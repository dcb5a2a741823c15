package io.embedflow.djl.embed;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LengthSortedBatcherTest {
    @Test
    void everyItemIsEmittedOnceWithinTheLimits() {
        BatchingOptions options = new BatchingOptions(100, 8, 200);
        List<List<Integer>> batches = new ArrayList<>();
        LengthSortedBatcher<Integer> batcher =
                new LengthSortedBatcher<>(options, Integer::intValue, b -> batches.add(List.copyOf(b)));
        Random random = new Random(1);
        List<Integer> items = new ArrayList<>();
        for (int i = 0; i < 1003; i++) {
            items.add(1 + random.nextInt(120));
        }
        items.forEach(batcher::add);
        batcher.flush();

        List<Integer> seen = new ArrayList<>();
        for (List<Integer> b : batches) {
            int longest = b.stream().mapToInt(Integer::intValue).max().orElseThrow();
            assertThat(b.size()).isLessThanOrEqualTo(8);
            assertThat(b.size() == 1 || (long) longest * b.size() <= 200).isTrue();
            assertThat(b).isSorted();
            seen.addAll(b);
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(items);
        assertThat(batcher.buffered()).isZero();
    }

    @Test
    void anItemLongerThanTheTokenBudgetGoesAlone() {
        List<List<Integer>> batches = new ArrayList<>();
        LengthSortedBatcher<Integer> batcher = new LengthSortedBatcher<>(
                new BatchingOptions(10, 8, 50), Integer::intValue, b -> batches.add(List.copyOf(b)));
        List.of(5, 500, 5).forEach(batcher::add);
        batcher.flush();
        assertThat(batches).containsExactly(List.of(5, 5), List.of(500));
    }
}
