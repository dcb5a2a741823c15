package io.embedflow.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time used so far (Linux): by this JVM, by the S3 server's process, by this JVM's children that
 * have exited and been waited for ({@code aws}), and by the whole machine. On a machine with few cores,
 * client and server share them; the split says which side a method's time goes to, and the rest of the
 * machine's busy time shows other work that disturbed the measurement.
 */
final class CpuTimes {
    /** {@code USER_HZ}: the unit of {@code /proc/PID/stat}'s times on every Linux platform the JDK supports. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private CpuTimes() {}

    /** CPU nanoseconds at one moment. */
    record Snapshot(long clientNanos, long serverNanos, long exitedChildrenNanos, long machineBusyNanos) {
        /** CPU used between {@code earlier} and this snapshot. */
        Used since(Snapshot earlier) {
            long client = clientNanos - earlier.clientNanos + exitedChildrenNanos - earlier.exitedChildrenNanos;
            long server = serverNanos - earlier.serverNanos;
            long machine = machineBusyNanos - earlier.machineBusyNanos;
            return new Used(client, server, Math.max(0, machine - client - server));
        }
    }

    /**
     * CPU nanoseconds used by the client side (this JVM, and processes it ran to completion), by the
     * server, and by everything else on the machine (to within the kernel's 10 ms ticks).
     */
    record Used(long clientNanos, long serverNanos, long otherNanos) {}

    static Snapshot take(long serverPid) {
        long[] self = stat(Path.of("/proc/self/stat"));
        long[] server = stat(Path.of("/proc/" + serverPid + "/stat"));
        long client = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        return new Snapshot(client, (server[0] + server[1]) * NANOS_PER_TICK, (self[2] + self[3]) * NANOS_PER_TICK,
                machineBusyTicks() * NANOS_PER_TICK);
    }

    /** All cores' user, nice, system, irq and softirq time from {@code /proc/stat}: busy, not idle, waiting or stolen. */
    private static long machineBusyTicks() {
        Path file = Path.of("/proc/stat");
        try {
            String cpu = Files.readAllLines(file).get(0);
            String[] f = cpu.trim().split("\\s+");
            // "cpu user nice system idle iowait irq softirq steal guest guest_nice"
            return Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                    + Long.parseLong(f[7]);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** utime, stime, cutime, cstime: fields 14 to 17, counted after the command name, which may hold spaces. */
    private static long[] stat(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " (bench s3 measures CPU time on Linux only)", e);
        }
        String[] fields = text.substring(text.lastIndexOf(')') + 2).trim().split("\\s+");
        // fields[0] is field 3 (state)
        return new long[] {Long.parseLong(fields[11]), Long.parseLong(fields[12]), Long.parseLong(fields[13]),
            Long.parseLong(fields[14])};
    }
}
