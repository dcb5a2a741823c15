package io.embedflow.beam.embed;

/**
 * DJL settings a worker needs before the engine first loads: no downloads and no telemetry at run time unless
 * the JVM was started with other values (an explicit system property or environment variable always wins).
 */
final class OfflineEngine {
    private OfflineEngine() {}

    static void applyDefaults() {
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("OPT_OUT_TRACKING", "true");
    }

    private static void setIfAbsent(String name, String value) {
        if (System.getProperty(name) == null && System.getenv(name) == null) {
            System.setProperty(name, value);
        }
    }
}
