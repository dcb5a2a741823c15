package io.embedflow.orchestrator.gang.k8s;

import java.util.logging.Level;
import java.util.logging.Logger;

/** fabric8's mock API server logs every request at INFO through java.util.logging; tests keep its warnings only. */
public final class MockServerLogs {

    /** Held here: java.util.logging keeps loggers weakly, and a collected logger forgets its level. */
    private static final Logger MOCK_WEB_SERVER = Logger.getLogger("io.fabric8.mockwebserver");

    private MockServerLogs() {
    }

    public static void quiet() {
        MOCK_WEB_SERVER.setLevel(Level.WARNING);
    }
}
