package io.embedflow.bench;

import io.embedflow.djl.collective.Collective;
import io.embedflow.djl.collective.CollectiveOptions;
import io.embedflow.djl.collective.GangMember;
import io.embedflow.djl.collective.RingAllReduce;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * One worker process of {@code bench allreduce}: joins the gang its {@code EMBEDFLOW_GANG_*}
 * variables name and says {@code ready}; then, for each {@code reduce} line on stdin, waits at a
 * barrier, all-reduces its buffer and says {@code reduced NANOS}; on {@code end}, says
 * {@code checked} if every float holds the expected mean, and exits.
 *
 * <p>Arguments: floats, chunk bytes, socket buffer bytes.
 */
public final class AllReduceWorker {
    private AllReduceWorker() {}

    public static void main(String[] args) throws IOException {
        int floats = Integer.parseInt(args[0]);
        CollectiveOptions options = CollectiveOptions.builder().optChunkBytes(Integer.parseInt(args[1]))
                .optSocketBufferBytes(Integer.parseInt(args[2])).optJoinTimeout(Duration.ofMinutes(1))
                .optStepTimeout(Duration.ofMinutes(1)).build();
        GangMember member = GangMember.fromEnvironment();
        float[] data = new float[floats];
        Arrays.fill(data, member.rank() + 1);
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (Collective gang = RingAllReduce.join(member, options)) {
            System.out.println("ready");
            System.out.flush();
            for (String command = commands.readLine(); !"end".equals(command); command = commands.readLine()) {
                if (!"reduce".equals(command)) {
                    System.err.println("unexpected command: " + command);
                    System.exit(2);
                }
                gang.barrier();
                long t0 = System.nanoTime();
                gang.allReduceMean(data);
                System.out.println("reduced " + (System.nanoTime() - t0));
                System.out.flush();
            }
        }
        // ranks 1..N averaged, then the mean of equal values: exact for the world sizes a machine runs
        float expected = (member.worldSize() + 1) / 2f;
        for (int i = 0; i < floats; i++) {
            if (data[i] != expected) {
                System.err.println("float " + i + " is " + data[i] + ", expected " + expected);
                System.exit(3);
            }
        }
        System.out.println("checked");
    }
}
