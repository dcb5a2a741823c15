package io.embedflow.djl.collective;

import java.time.Duration;

/**
 * A gang member in a JVM of its own for tests: joins as its {@code EMBEDFLOW_GANG_*} variables say
 * and all-reduces a buffer over and over, printing {@code reduced N} after each, until it fails or
 * is killed.
 */
public final class GangMemberProcess {
    private GangMemberProcess() {}

    public static void main(String[] args) {
        int floats = Integer.parseInt(args[0]);
        CollectiveOptions options = CollectiveOptions.builder().optJoinTimeout(Duration.ofSeconds(20))
                .optStepTimeout(Duration.ofSeconds(10)).build();
        try (Collective gang = RingAllReduce.join(GangMember.fromEnvironment(), options)) {
            float[] data = new float[floats];
            for (long i = 1; ; i++) {
                gang.allReduceMean(data);
                System.out.println("reduced " + i);
                System.out.flush();
            }
        }
    }
}
