package io.embedflow.flink.gpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two jobs on one task manager: each job's classes, and so its registry, come from its own class loader. With a
 * shared lock directory they never hand out the same index, so never the same GPU.
 */
class LocalIndexRegistryTest {
    @TempDir
    Path locks;

    @Test
    void registriesOfTwoJobsOnOneTaskManagerNeverHandOutTheSameIndex() {
        LocalIndexRegistry jobA = new LocalIndexRegistry(locks);
        LocalIndexRegistry jobB = new LocalIndexRegistry(locks);

        assertThat(jobA.acquire("10.0.0.5:6122-tm", "a-slot-1")).isZero();
        assertThat(jobB.acquire("10.0.0.5:6122-tm", "b-slot-1")).as("index 0 is job A's").isEqualTo(1);
        assertThat(jobA.acquire("10.0.0.5:6122-tm", "a-slot-2")).isEqualTo(2);
        assertThat(jobA.acquire("10.0.0.5:6122-tm", "a-slot-1")).as("a slot's second subtask shares its index").isZero();
        assertThat(jobB.acquire("other-tm", "b-slot-2")).as("another task manager has its own indexes").isZero();

        jobA.release("10.0.0.5:6122-tm", "a-slot-1");
        assertThat(jobB.acquire("10.0.0.5:6122-tm", "b-slot-3")).as("still held by a-slot-1's other subtask")
                .isEqualTo(3);
        jobA.release("10.0.0.5:6122-tm", "a-slot-1");
        assertThat(jobB.acquire("10.0.0.5:6122-tm", "b-slot-4")).as("freed with its last holder").isZero();
        assertThat(Files.isRegularFile(locks.resolve("10.0.0.5_6122-tm").resolve("index-0.lock"))).isTrue();
    }

    @Test
    void withoutAUsableLockDirectoryARegistryWorksAlone() throws Exception {
        Path notADirectory = Files.writeString(locks.resolve("file"), "x");
        LocalIndexRegistry alone = new LocalIndexRegistry(notADirectory);

        assertThat(alone.acquire("tm", "s1")).isZero();
        assertThat(alone.acquire("tm", "s2")).isEqualTo(1);
        alone.release("tm", "s1");
        assertThat(alone.acquire("tm", "s3")).isZero();
    }
}
