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
    void propertyEveryItemOnceAndTheBudgetHeldOverRandomDistributions() {
        for (int seed = 0; seed < 200; seed++) {
            Random random = new Random(seed);
            int window = 1 + random.nextInt(300);
            int maxRows = 1 + random.nextInt(64);
            long maxTokens = 16 + random.nextInt(4000);
            int kind = seed % 3;
            List<Integer> items = new ArrayList<>();
            int n = random.nextInt(1500);
            for (int i = 0; i < n; i++) {
                int len = switch (kind) {
                    case 0 -> 2 + (int) Math.min(512, Math.exp(2.5 + random.nextGaussian()));   // log-normal
                    case 1 -> 1 + random.nextInt(512);                                          // uniform
                    default -> random.nextBoolean() ? 3 + random.nextInt(5) : 400 + random.nextInt(100); // bimodal
                };
                items.add(len);
            }
            List<List<Integer>> batches = new ArrayList<>();
            LengthSortedBatcher<Integer> batcher = new LengthSortedBatcher<>(
                    new BatchingOptions(window, maxRows, maxTokens), Integer::intValue, b -> batches.add(List.copyOf(b)));
            items.forEach(batcher::add);
            batcher.flush();
            List<Integer> seen = new ArrayList<>();
            for (List<Integer> b : batches) {
                int longest = b.stream().mapToInt(Integer::intValue).max().orElseThrow();
                assertThat(b.size()).as("seed " + seed).isBetween(1, maxRows);
                assertThat(b.size() == 1 || (long) longest * b.size() <= maxTokens).as("seed " + seed).isTrue();
                seen.addAll(b);
            }
            assertThat(seen).as("seed " + seed).containsExactlyInAnyOrderElementsOf(items);
        }
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
