package io.embedflow.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * This process's resident memory (Linux only), split into the Java heap and everything else.
 *
 * <p>RSS alone cannot tell a native leak from the JVM touching heap pages it committed earlier:
 * a heap of a few hundred MiB becomes resident only as allocation first reaches each page, which
 * looks like steady growth for the first minutes. So the heap's address range is asked of the JVM
 * ({@code GC.heap_info}) and the resident pages inside it are summed from {@code /proc/self/smaps};
 * what remains is native memory (libtorch, the tokenizer), metaspace, code and thread stacks.
 */
final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path SMAPS = Path.of("/proc/self/smaps");
    private static final Pattern RANGE = Pattern.compile("\\[(0x[0-9a-f]+),\\s*(0x[0-9a-f]+)\\)");

    /** Resident bytes: all of them, and those in the Java heap. */
    record Resident(long total, long heap) {
        long nonHeap() {
            return total - heap;
        }
    }

    private final long heapStart;
    private final long heapEnd;

    private ProcessMemory(long heapStart, long heapEnd) {
        this.heapStart = heapStart;
        this.heapEnd = heapEnd;
    }

    /** Finds the heap's reserved address range once; it does not move. */
    static ProcessMemory open() {
        String info;
        try {
            info = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcHeapInfo", new Object[] {null},
                    new String[] {String[].class.getName()});
        } catch (JMException e) {
            throw new IllegalStateException("cannot ask the JVM for its heap range (GC.heap_info): " + e.getMessage(), e);
        }
        Matcher m = RANGE.matcher(info);
        if (!m.find()) {
            throw new IllegalStateException("GC.heap_info names no heap range: " + info.lines().findFirst().orElse(""));
        }
        return new ProcessMemory(Long.parseUnsignedLong(m.group(1).substring(2), 16),
                Long.parseUnsignedLong(m.group(2).substring(2), 16));
    }

    /** {@code VmRSS} from {@code /proc/self/status}, and the resident part of the heap from {@code smaps}. */
    Resident resident() {
        return new Resident(vmRss(), heapResident());
    }

    /** Native memory held by direct NIO buffers (DJL copies each batch's inputs into one); freed only by GC. */
    static long directBufferBytes() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        return 0;
    }

    private static long vmRss() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    // "VmRSS:     123456 kB"
                    return Long.parseLong(line.trim().split("\\s+")[1]) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + STATUS + " (the memory benchmark needs Linux)", e);
        }
        throw new IllegalStateException(STATUS + " has no VmRSS line");
    }

    private long heapResident() {
        long sum = 0;
        boolean inHeap = false;
        try (BufferedReader in = Files.newBufferedReader(SMAPS)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                int dash = line.indexOf('-');
                int space = line.indexOf(' ');
                if (dash > 0 && space > dash && isHex(line, 0, dash)) {
                    // a mapping's header: "start-end perms offset dev inode [path]"
                    long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
                    long end = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                    inHeap = start >= heapStart && end <= heapEnd;
                } else if (inHeap && line.startsWith("Rss:")) {
                    sum += Long.parseLong(line.substring(4).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + SMAPS, e);
        }
        return sum;
    }

    private static boolean isHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }
}
