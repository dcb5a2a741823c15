package io.embedflow.bench;

import picocli.CommandLine.Command;

/** {@code embedflow bench NAME}: throughput benchmarks, each against its baseline in the same run. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Throughput benchmarks; each prints a table and, last, key=value figures.",
        subcommands = {EmbedBenchmark.class, ImportBenchmark.class, BatchingBenchmark.class, MemoryBenchmark.class,
            ScheduleBenchmark.class, S3Benchmark.class, TriggerBenchmark.class, IncrementalBenchmark.class,
            AllReduceBenchmark.class, RetrievalBenchmark.class, BeamBenchmark.class, ModelFetchBenchmark.class})
public final class BenchCommand {}
