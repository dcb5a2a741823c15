package io.embedflow.orchestrator.serve;

/**
 * Whether this serve process may schedule now: when several daemons stand for one role (replicas
 * of one Deployment), only the one that leads evaluates triggers, takes firings, admits and starts
 * runs. A single daemon leads {@link #always()}; {@code serve.k8s.LeaseLeadership} holds a
 * Kubernetes Lease.
 *
 * <p>Threading: {@link #isLeader} is cheap and may be called from any thread. Watchers are called
 * on the leadership's own thread after each change; a watcher must return quickly and not throw
 * (what it throws is logged and ignored), and it reads the new state from {@link #isLeader}, so it
 * may see the same state twice after a quick flap.
 *
 * <p>Ownership: whoever creates a leadership closes it; the daemon only reads and watches it. A
 * leader that is stopping should close its leadership after its daemon closed, so that the next
 * leader finds the runs already handed back.
 */
public interface Leadership extends AutoCloseable {

    /** Whether this process leads now. */
    boolean isLeader();

    /** Calls {@code onChange} after each change of {@link #isLeader}, on the leadership's thread. */
    void watch(Runnable onChange);

    /**
     * Stops standing for leadership and, when leading, gives it up at once (a held lease is
     * released, so the next leader need not wait for it to expire); {@link #isLeader} is false
     * afterwards, except for {@link #always()}, which closing leaves as it was. Idempotent.
     */
    @Override
    void close();

    /** The leadership of a daemon that schedules alone: it always leads and never changes. */
    static Leadership always() {
        return Always.INSTANCE;
    }

    /** {@link Leadership#always()}. */
    enum Always implements Leadership {
        INSTANCE;

        @Override
        public boolean isLeader() {
            return true;
        }

        @Override
        public void watch(Runnable onChange) {
        }

        @Override
        public void close() {
        }

        @Override
        public String toString() {
            return "always (a single daemon)";
        }
    }
}
