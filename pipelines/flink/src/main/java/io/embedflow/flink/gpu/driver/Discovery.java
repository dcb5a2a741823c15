package io.embedflow.flink.gpu.driver;

import java.util.List;
import java.util.Optional;

/**
 * What one GPU discovery found: the device indexes in discovery order, where they came from, and
 * the problem that made it find none, if any.
 *
 * @param indexes distinct, non-negative device indexes; empty when none were found
 * @param source what was asked, e.g. {@code nvidia-smi} or the configured list
 * @param problem why nothing was found, when discovery failed rather than found no GPU
 */
public record Discovery(List<Integer> indexes, String source, Optional<String> problem) {
    public Discovery {
        indexes = List.copyOf(indexes);
        if (indexes.stream().distinct().count() != indexes.size()) {
            throw new IllegalArgumentException("duplicate GPU index in " + indexes + " from " + source);
        }
    }

    static Discovery found(List<Integer> indexes, String source) {
        return new Discovery(indexes, source, Optional.empty());
    }

    static Discovery failed(String source, String problem) {
        return new Discovery(List.of(), source, Optional.of(problem));
    }
}
