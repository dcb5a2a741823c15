package io.embedflow.orchestrator.metadata;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Run ids of the form {@code r-20261129-005012-3f9a1c}: UTC start time to the second, then six
 * hex digits. Ids sort by start second; within one second their order is arbitrary.
 *
 * <p>The hex part is a per-process counter that starts at a random value, so ids from one
 * process never repeat (short of 16 million runs in one second) and ids from different
 * processes collide only by chance; a caller inserting a run should treat a duplicate-id error
 * as "draw a new id".
 */
public final class RunIds {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final int SUFFIX_MASK = 0xFF_FFFF;
    private static final AtomicInteger COUNTER = new AtomicInteger(new SecureRandom().nextInt());

    private RunIds() {
    }

    /** A new id stamped with the current time. */
    public static String newId() {
        return newId(Instant.now());
    }

    /** A new id stamped with {@code now}, for callers that carry their own clock. */
    public static String newId(Instant now) {
        return "r-" + TIME.format(now) + "-" + String.format("%06x", COUNTER.getAndIncrement() & SUFFIX_MASK);
    }
}
