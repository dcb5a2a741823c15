package io.embedflow.flink.gpu.driver;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;

/** Asks {@code nvidia-smi} for the GPU indexes of this machine and reads its answer strictly. */
final class NvidiaSmi {
    private NvidiaSmi() {}

    static final List<String> QUERY = List.of("--query-gpu=index", "--format=csv,noheader");
    static final String CUDA_VISIBLE_DEVICES = "CUDA_VISIBLE_DEVICES";

    /** Longest piece of a command's output quoted in a problem. */
    private static final int QUOTE_CHARS = 200;

    /**
     * Runs {@code binary --query-gpu=index --format=csv,noheader}. Never throws for what the
     * command does: a missing program, a non-zero exit, a timeout or output that is not one index a
     * line each give a {@link Discovery} with no GPU and the problem.
     */
    static Discovery query(CommandRunner runner, String binary, Duration timeout) {
        List<String> command = new ArrayList<>();
        command.add(binary);
        command.addAll(QUERY);
        String source = String.join(" ", command);
        CommandRunner.Result result;
        try {
            result = runner.run(command, timeout);
        } catch (IOException e) {
            return Discovery.failed(source, "cannot run " + binary + ": " + e.getMessage());
        } catch (TimeoutException e) {
            return Discovery.failed(source, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Discovery.failed(source, "interrupted while waiting for " + binary);
        }
        if (result.exitCode() != 0) {
            String said = (result.stdout() + " " + result.stderr()).strip();
            return Discovery.failed(source, binary + " exited with code " + result.exitCode()
                    + (said.isEmpty() ? "" : ": " + quote(said)));
        }
        try {
            return Discovery.found(parse(result.stdout()), source);
        } catch (IllegalArgumentException e) {
            return Discovery.failed(source, e.getMessage());
        }
    }

    /**
     * Reads one index a line; blank lines are skipped, anything else that is not a non-negative
     * integer, or a repeated index, rejects the whole output.
     *
     * @throws IllegalArgumentException quoting the offending line
     */
    static List<Integer> parse(String stdout) {
        List<Integer> indexes = new ArrayList<>();
        String[] lines = stdout.split("\\R");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            if (!GpuDriverOptions.isIndex(line)) {
                throw new IllegalArgumentException("unexpected nvidia-smi output, line " + (i + 1) + " is not a GPU index: "
                        + quote(line));
            }
            int index = Integer.parseInt(line);
            if (indexes.contains(index)) {
                throw new IllegalArgumentException("unexpected nvidia-smi output, GPU index " + index + " appears twice");
            }
            indexes.add(index);
        }
        return indexes;
    }

    private static String quote(String text) {
        String oneLine = text.replaceAll("\\s+", " ");
        return "'" + (oneLine.length() <= QUOTE_CHARS ? oneLine : oneLine.substring(0, QUOTE_CHARS) + "…") + "'";
    }

    /**
     * The GPUs as CUDA (and so DJL) numbers them when {@code CUDA_VISIBLE_DEVICES} is set:
     * nvidia-smi reports physical indexes, CUDA numbers the listed devices 0, 1, ... in the order
     * listed, and stops at the first entry that names no device. Entries that are not indexes
     * (GPU or MIG UUIDs) cannot be checked against nvidia-smi's answer and are taken as valid.
     */
    static Discovery asCudaSees(Discovery physical, String cudaVisibleDevices) {
        int visible = 0;
        for (String entry : cudaVisibleDevices.split(",", -1)) {
            String e = entry.strip();
            boolean valid = GpuDriverOptions.isIndex(e)
                    ? physical.indexes().contains(Integer.parseInt(e))
                    : !e.isEmpty() && !e.startsWith("-") && !e.equals("NoDevFiles");
            if (!valid) {
                break;
            }
            visible++;
        }
        return Discovery.found(IntStream.range(0, visible).boxed().toList(),
                physical.source() + " with " + CUDA_VISIBLE_DEVICES + "=" + cudaVisibleDevices);
    }
}
