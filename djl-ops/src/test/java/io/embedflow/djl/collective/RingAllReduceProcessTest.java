package io.embedflow.djl.collective;

import static org.assertj.core.api.Assertions.assertThat;

import io.embedflow.djl.collective.Gangs.Outcome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A gang with one member in a JVM of its own, killed in the middle of all-reducing. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RingAllReduceProcessTest {
    private static final int FLOATS = 200_000;

    @Test
    void killingAMemberProcessFailsTheOthersInsteadOfHangingThem() throws Exception {
        CollectiveOptions options = CollectiveOptions.builder().optJoinTimeout(Duration.ofSeconds(20))
                .optStepTimeout(Duration.ofSeconds(10)).build();
        GangMember rank0 = GangMember.of(0, 3, "127.0.0.1:0", "killed");
        Process child;
        try (GangCoordinator coordinator = GangCoordinator.start(rank0, options)) {
            GangMember base = rank0.withCoordinator(coordinator.address());
            child = start(base.withRank(1));
            try {
                List<Outcome<Long>> outcomes = Gangs.tryOnRanks(2, i -> {
                    try (Collective member = i == 0 ? RingAllReduce.join(base, options, coordinator)
                            : RingAllReduce.join(base.withRank(2), options)) {
                        float[] data = new float[FLOATS];
                        long reduced = 0;
                        while (true) {
                            member.allReduceMean(data);   // until the killed member makes it fail
                            reduced++;
                        }
                    }
                }, () -> killAfter(child, 3));
                assertThat(outcomes).allSatisfy(o -> assertThat(o.failure()).isInstanceOf(GangException.class));
                // rank 2 receives from the killed rank 1 and names it
                assertThat(outcomes.get(1).failure()).hasMessageContaining("rank 1 (127.0.0.1:");
            } finally {
                child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        assertThat(child.exitValue()).isNotZero();
    }

    private static Process start(GangMember member) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                GangMemberProcess.class.getName(), String.valueOf(FLOATS)).redirectErrorStream(true);
        builder.environment().putAll(member.toEnvironment());
        return builder.start();
    }

    /** Waits until the child has completed {@code reductions} all-reduces, then kills it (SIGKILL: no goodbye on its links). */
    private static void killAfter(Process child, int reductions) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            StringBuilder seen = new StringBuilder();
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                seen.append(line).append('\n');
                if (line.equals("reduced " + reductions)) {
                    child.destroyForcibly();
                    return;
                }
            }
            throw new AssertionError("the member process ended before " + reductions + " all-reduces:\n" + seen);
        } catch (IOException e) {
            throw new AssertionError("cannot read the member process's output", e);
        }
    }
}
