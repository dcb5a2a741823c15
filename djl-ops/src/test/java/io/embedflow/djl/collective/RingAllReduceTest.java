package io.embedflow.djl.collective;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.djl.collective.Gangs.Outcome;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Gangs of threads on loopback: the mean, bucketed submission, and how members fail. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RingAllReduceTest {
    /** Small staging buffers, so that the larger sizes stream through many chunks per step. */
    private static final CollectiveOptions SMALL_CHUNKS = CollectiveOptions.builder().optChunkBytes(4096)
            .optJoinTimeout(Duration.ofSeconds(10)).optStepTimeout(Duration.ofSeconds(10)).build();

    @ParameterizedTest(name = "world size {0}")
    @ValueSource(ints = {1, 2, 3, 4})
    void everyMemberEndsWithTheMeanForEverySize(int n) {
        int[] sizes = {0, 1, 2, 3, 5, 1023, 1024, 10_007, 65_536};
        List<Collective> gang = Gangs.join(n, "mean-" + n, SMALL_CHUNKS);
        try {
            List<float[][]> results = Gangs.onRanks(n, rank -> {
                float[][] data = new float[sizes.length][];
                for (int i = 0; i < sizes.length; i++) {
                    data[i] = values(rank, sizes[i]);
                    gang.get(rank).allReduceMean(data[i]);
                }
                return data;
            });
            for (int i = 0; i < sizes.length; i++) {
                double[] expected = mean(n, sizes[i]);
                for (int rank = 0; rank < n; rank++) {
                    float[] got = results.get(rank)[i];
                    assertClose(got, expected, "rank " + rank + " of " + n + ", " + sizes[i] + " floats");
                    assertThat(got).as("rank %d has rank 0's bits, %d floats", rank, sizes[i]).isEqualTo(results.get(0)[i]);
                }
            }
        } finally {
            Gangs.closeAll(gang);
        }
    }

    @Test
    void largeBuffersWithTheDefaultChunksGiveTheMean() {
        int n = 3;
        int size = 1_000_003;
        List<Collective> gang = Gangs.join(n, "large", CollectiveOptions.builder().optStepTimeout(Duration.ofSeconds(10)).build());
        try {
            List<float[]> results = Gangs.onRanks(n, rank -> {
                float[] data = values(rank, size);
                gang.get(rank).allReduceMean(data);
                return data;
            });
            double[] expected = mean(n, size);
            for (int rank = 0; rank < n; rank++) {
                assertClose(results.get(rank), expected, "rank " + rank);
            }
        } finally {
            Gangs.closeAll(gang);
        }
    }

    @Test
    void bucketsSubmittedAheadEqualThePlainResult() {
        int n = 3;
        int[] sizes = {1, 0, 5_000, 3, 70_001, 2, 4_096};
        List<Collective> gang = Gangs.join(n, "buckets", SMALL_CHUNKS);
        try {
            List<List<float[]>> both = Gangs.onRanks(n, rank -> {
                Collective member = gang.get(rank);
                float[][] plain = new float[sizes.length][];
                for (int i = 0; i < sizes.length; i++) {
                    plain[i] = values(rank * 31 + i, sizes[i]);
                    member.allReduceMean(plain[i]);
                }
                member.barrier();
                // the same buckets, submitted all at once: as arrays, a direct buffer, and a heap buffer's middle
                List<PendingReduce> pending = new ArrayList<>();
                float[][] bucketed = new float[sizes.length][];
                FloatBuffer direct = ByteBuffer.allocateDirect(sizes[4] * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
                FloatBuffer middle = FloatBuffer.allocate(sizes[2] + 20);
                for (int i = 0; i < sizes.length; i++) {
                    bucketed[i] = values(rank * 31 + i, sizes[i]);
                    if (i == 4) {
                        direct.put(0, bucketed[i]);
                        pending.add(member.submitMean(direct));
                    } else if (i == 2) {
                        middle.put(10, bucketed[i]).position(10).limit(10 + sizes[i]);
                        pending.add(member.submitMean(middle));
                    } else {
                        pending.add(member.submitMean(bucketed[i]));
                    }
                }
                member.awaitAll();
                assertThat(pending).allMatch(PendingReduce::isDone);
                assertThat(pending.stream().map(PendingReduce::floats).toList()).containsExactly(1, 0, 5_000, 3, 70_001, 2, 4_096);
                direct.get(0, bucketed[4]);
                middle.get(10, bucketed[2]);
                assertThat(middle.position()).isEqualTo(10);
                List<float[]> out = new ArrayList<>(List.of(plain));
                out.addAll(List.of(bucketed));
                return out;
            });
            for (int rank = 0; rank < n; rank++) {
                for (int i = 0; i < sizes.length; i++) {
                    assertThat(both.get(rank).get(sizes.length + i)).as("rank %d bucket %d", rank, i)
                            .isEqualTo(both.get(rank).get(i));
                }
            }
        } finally {
            Gangs.closeAll(gang);
        }
    }

    @Test
    void sumsAndGathersAreExactAcrossRanks() {
        int n = 3;
        List<Collective> gang = Gangs.join(n, "sums", SMALL_CHUNKS);
        try {
            List<List<float[]>> results = Gangs.onRanks(n, rank -> {
                Collective member = gang.get(rank);
                float[] sum = values(rank * 7 + 1, 10_007);
                member.allReduceSum(sum);
                float[] gathered = member.allGather(values(rank * 13 + 2, 257));
                float[] afterMean = values(rank * 7 + 1, 10_007);
                member.allReduceMean(afterMean);   // a mean right after sums: the operations do not mix
                return List.of(sum, gathered, afterMean);
            });
            double[] expectedSum = new double[10_007];
            for (int rank = 0; rank < n; rank++) {
                float[] v = values(rank * 7 + 1, 10_007);
                for (int i = 0; i < v.length; i++) {
                    expectedSum[i] += v[i];
                }
            }
            float[] expectedGather = new float[257 * n];
            for (int rank = 0; rank < n; rank++) {
                System.arraycopy(values(rank * 13 + 2, 257), 0, expectedGather, rank * 257, 257);
            }
            for (int rank = 0; rank < n; rank++) {
                assertClose(results.get(rank).get(0), expectedSum, "sum on rank " + rank);
                assertThat(results.get(rank).get(1)).as("gather on rank %d", rank).containsExactly(expectedGather);
                double[] expectedMean = expectedSum.clone();
                for (int i = 0; i < expectedMean.length; i++) {
                    expectedMean[i] /= n;
                }
                assertClose(results.get(rank).get(2), expectedMean, "mean on rank " + rank);
                assertThat(results.get(rank).get(0)).isEqualTo(results.get(0).get(0));
            }
        } finally {
            Gangs.closeAll(gang);
        }
    }

    @Test
    void aMemberThatStopsSubmittingFailsItsNeighbourWithinTheStepTimeout() {
        CollectiveOptions options = SMALL_CHUNKS.toBuilder().optStepTimeout(Duration.ofSeconds(1)).build();
        List<Collective> gang = Gangs.join(2, "silent", options);
        try {
            assertThatThrownBy(() -> gang.get(0).allReduceMean(new float[1000]))
                    .isInstanceOf(GangException.class)
                    .hasMessageContaining("no data from rank 1 (127.0.0.1:")
                    .hasMessageContaining("within 1s during all-reduce of bucket 0");
            // poisoned: later calls fail at once with the first failure as their cause
            assertThatThrownBy(() -> gang.get(0).submitMean(new float[10]))
                    .isInstanceOf(GangException.class)
                    .hasMessageContaining("failed earlier")
                    .cause().hasMessageContaining("no data from rank 1");
            // the silent member finds its neighbour gone when it comes back
            assertThatThrownBy(() -> gang.get(1).allReduceMean(new float[1000]))
                    .isInstanceOf(GangException.class)
                    .hasMessageContaining("rank 0 (127.0.0.1:");
        } finally {
            Gangs.closeAll(gang);
        }
    }

    @Test
    void bucketsOfDifferentSizesFailClearly() {
        List<Collective> gang = Gangs.join(2, "sizes", SMALL_CHUNKS);
        try {
            List<Outcome<Void>> outcomes = Gangs.tryOnRanks(2, rank -> {
                gang.get(rank).allReduceMean(new float[100 + rank]);
                return null;
            });
            assertThat(outcomes).allSatisfy(o -> assertThat(o.failure()).isInstanceOf(GangException.class));
            assertThat(outcomes).anySatisfy(o -> assertThat(o.failure())
                    .hasMessageContaining("all-reduce of bucket 0: rank")
                    .hasMessageContaining("every member must submit the same sequence of bucket sizes"));
        } finally {
            Gangs.closeAll(gang);
        }
    }

    @Test
    void aRankThatNeverJoinsFailsTheRendezvousNamingIt() {
        CollectiveOptions options = SMALL_CHUNKS.toBuilder().optJoinTimeout(Duration.ofSeconds(1)).build();
        GangMember rank0 = GangMember.of(0, 3, "127.0.0.1:0", "absent");
        try (GangCoordinator coordinator = GangCoordinator.start(rank0, options)) {
            GangMember base = rank0.withCoordinator(coordinator.address());
            List<Outcome<Collective>> outcomes = Gangs.tryOnRanks(2, i -> i == 0 ? RingAllReduce.join(base, options, coordinator)
                    : RingAllReduce.join(base.withRank(2), options));
            assertThat(outcomes).allSatisfy(o -> assertThat(o.failure()).isInstanceOf(GangException.class)
                    .hasMessageContaining("rank 1 of 3 did not join gang absent within 1s"));
        }
    }

    @Test
    void membersOfAnotherGangOrWorldSizeOrATakenRankAreRefused() {
        GangMember rank0 = GangMember.of(0, 2, "127.0.0.1:0", "right");
        try (GangCoordinator coordinator = GangCoordinator.start(rank0, SMALL_CHUNKS)) {
            GangMember base = rank0.withCoordinator(coordinator.address());
            List<Outcome<Collective>> gang = Gangs.tryOnRanks(2, rank -> {
                if (rank == 1) {
                    assertThatThrownBy(() -> RingAllReduce.join(new GangMember(1, 2, base.coordinator(), "wrong"), SMALL_CHUNKS))
                            .isInstanceOf(GangException.class)
                            .hasMessageContaining("serves gang right, not gang wrong");
                    assertThatThrownBy(() -> RingAllReduce.join(new GangMember(1, 3, base.coordinator(), "right"), SMALL_CHUNKS))
                            .isInstanceOf(GangException.class)
                            .hasMessageContaining("counts a world size of 3 but gang right has 2 members");
                    return RingAllReduce.join(base.withRank(1), SMALL_CHUNKS);
                }
                return RingAllReduce.join(base, SMALL_CHUNKS, coordinator);
            });
            // the coordinator kept waiting for the right member; the gang works
            List<Collective> members = gang.stream().map(Outcome::value).toList();
            try {
                List<float[]> results = Gangs.onRanks(2, rank -> {
                    float[] data = {rank, 2 * rank};
                    members.get(rank).allReduceMean(data);
                    return data;
                });
                assertThat(results).allSatisfy(r -> assertThat(r).containsExactly(0.5f, 1f));
            } finally {
                Gangs.closeAll(members);
            }
        }
    }

    @Test
    void aSecondMemberWithATakenRankIsRefused() {
        CollectiveOptions options = SMALL_CHUNKS.toBuilder().optJoinTimeout(Duration.ofSeconds(2)).build();
        GangMember rank0 = GangMember.of(0, 3, "127.0.0.1:0", "twice");
        try (GangCoordinator coordinator = GangCoordinator.start(rank0, options)) {
            GangMember base = rank0.withCoordinator(coordinator.address());
            List<Outcome<Collective>> outcomes = Gangs.tryOnRanks(2, i -> RingAllReduce.join(base.withRank(1), options));
            // one rank 1 is refused at once; the other waits in vain for rank 0 and 2 and hears who is missing
            assertThat(outcomes).anySatisfy(o -> assertThat(o.failure()).isInstanceOf(GangException.class)
                    .hasMessageContaining("rank 1 of gang twice already joined from"));
            assertThat(outcomes).anySatisfy(o -> assertThat(o.failure()).isInstanceOf(GangException.class)
                    .hasMessageContaining("ranks 0, 2 of 3 did not join gang twice within 2s"));
        }
    }

    @Test
    void closeStopsTheThreadsAndLaterCallsFail() {
        List<Collective> gang = Gangs.join(2, "closing", SMALL_CHUNKS);
        Gangs.onRanks(2, rank -> {
            gang.get(rank).barrier();
            return null;
        });
        gang.get(0).close();
        gang.get(0).close();
        assertThatThrownBy(() -> gang.get(0).submitMean(new float[3])).isInstanceOf(GangException.class)
                .hasMessageContaining("is closed");
        assertThatThrownBy(() -> gang.get(1).allReduceMean(new float[3])).isInstanceOf(GangException.class)
                .hasMessageContaining("rank 0 (127.0.0.1:");
        gang.get(1).close();
        // a pool's thread may still be finishing its last instructions when the pool reports termination
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (gangThreadsAlive() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(gangThreadsAlive()).as("threads of the closed gang").isFalse();
    }

    private static boolean gangThreadsAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.isAlive() && t.getName().startsWith("embedflow-gang-closing"));
    }

    @Test
    void aGangOfOneLeavesTheBufferAsItIs() {
        try (Collective solo = RingAllReduce.join(GangMember.of(0, 1, "127.0.0.1:1", "solo"), SMALL_CHUNKS)) {
            float[] data = {1, 2, 3};
            PendingReduce pending = solo.submitMean(data);
            assertThat(pending.isDone()).isTrue();
            solo.barrier();
            solo.awaitAll();
            assertThat(data).containsExactly(1, 2, 3);
            assertThat(pending.operation()).isZero();
            assertThatThrownBy(() -> solo.submitMean(FloatBuffer.wrap(data).asReadOnlyBuffer()))
                    .isInstanceOf(GangException.class).hasMessageContaining("read-only");
        }
    }

    /** Positive values, different on every rank, so that the mean has no cancellation. */
    static float[] values(long seed, int size) {
        Random random = new Random(seed);
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = 0.5f + random.nextFloat() * (1 + seed % 5);
        }
        return v;
    }

    private static double[] mean(int n, int size) {
        double[] sum = new double[size];
        for (int rank = 0; rank < n; rank++) {
            float[] v = values(rank, size);
            for (int i = 0; i < size; i++) {
                sum[i] += v[i];
            }
        }
        for (int i = 0; i < size; i++) {
            sum[i] /= n;
        }
        return sum;
    }

    static void assertClose(float[] got, double[] expected, String what) {
        assertThat(got).as(what).hasSize(expected.length);
        for (int i = 0; i < got.length; i++) {
            if (Math.abs(got[i] - expected[i]) > 1e-6 * Math.abs(expected[i])) {
                throw new AssertionError(what + ": float " + i + " is " + got[i] + ", the mean is " + expected[i]);
            }
        }
    }
}
