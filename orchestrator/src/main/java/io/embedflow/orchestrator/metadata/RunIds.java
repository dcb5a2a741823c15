package io.embedflow.orchestrator.metadata;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

/**
 * Run ids of the form {@code r-20261129-005012-3f9a1c}: UTC start time to the second, then 24
 * random bits. Ids sort by start second; within one second their order is arbitrary. Two ids
 * collide only if they share the second and the random part, so a caller inserting a run
 * should treat a duplicate-id error as "draw a new id".
 */
public final class RunIds {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    private RunIds() {
    }

    /** A new id stamped with the current time. */
    public static String newId() {
        return newId(Instant.now());
    }

    /** A new id stamped with {@code now}, for callers that carry their own clock. */
    public static String newId(Instant now) {
        byte[] random = new byte[3];
        RANDOM.nextBytes(random);
        return "r-" + TIME.format(now) + "-" + HexFormat.of().formatHex(random);
    }
}
