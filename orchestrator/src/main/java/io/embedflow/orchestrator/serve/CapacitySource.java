package io.embedflow.orchestrator.serve;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.submit.FlinkTarget;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The cluster's capacity in task slots that {@code serve} admits runs against, read before each admission pass. */
public interface CapacitySource {

    /** The slots now; empty when they cannot be known now (nothing is admitted then). */
    OptionalInt slots();

    /** Whether the capacity is configured (a request larger than it can never run) rather than read from the cluster. */
    boolean isFixed();

    /** A configured number of slots ({@code serve --slots N}). */
    static CapacitySource fixed(int slots) {
        if (slots < 1) {
            throw new OrchestratorException("serve needs at least 1 task slot, got " + slots);
        }
        return new CapacitySource() {
            @Override
            public OptionalInt slots() {
                return OptionalInt.of(slots);
            }

            @Override
            public boolean isFixed() {
                return true;
            }

            @Override
            public String toString() {
                return slots + " task slots";
            }
        };
    }

    /** The task slots of {@code target}'s cluster ({@code GET /overview}), read each time; empty while it cannot be read. */
    static CapacitySource of(FlinkTarget target) {
        Logger log = LoggerFactory.getLogger(CapacitySource.class);
        return new CapacitySource() {
            @Override
            public OptionalInt slots() {
                try {
                    OptionalInt slots = target.totalSlots();
                    return slots.isPresent() && slots.getAsInt() > 0 ? slots : OptionalInt.empty();
                } catch (OrchestratorException e) {
                    log.warn("cannot read the task slots of {}: {}", target.restAddress(), e.getMessage());
                    return OptionalInt.empty();
                }
            }

            @Override
            public boolean isFixed() {
                return false;
            }

            @Override
            public String toString() {
                return "the task slots of " + target.restAddress();
            }
        };
    }
}
