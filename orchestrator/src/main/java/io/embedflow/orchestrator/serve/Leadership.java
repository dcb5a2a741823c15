package io.embedflow.orchestrator.serve;

/**
 * Whether this serve process may schedule now: when several daemons stand for one role (replicas
 * of one Deployment), only the one that leads evaluates triggers, takes firings, admits and starts
 * runs. A single daemon leads {@link #always()}; {@code serve.k8s.LeaseLeadership} holds a
 * Kubernetes Lease.
 *
 * <p>Threading: {@link #isLeader} is cheap and may be called from any thread. Watchers are told of
 * each change, in order, on the leadership's own thread; a watcher must return quickly and not throw
 * (what it throws is logged and ignored).
 *
 * <p>Ownership: whoever creates a leadership closes it; the daemon only reads and watches it. A
 * leader that is stopping should close its leadership after its daemon closed, so that the next
 * leader finds the runs already handed back.
 */
public interface Leadership extends AutoCloseable {

    /** Whether this process leads now. */
    boolean isLeader();

    /** Tells {@code watcher} of each later change of {@link #isLeader}, in order, on the leadership's thread. */
    void watch(Watcher watcher);

    /**
     * Stops standing for leadership and, when leading, gives it up at once (a held lease is
     * released, so the next leader need not wait for it to expire); {@link #isLeader} is false
     * afterwards, except for {@link #always()}, which closing leaves as it was. Idempotent.
     */
    @Override
    void close();

    /** Told of a change of leadership. */
    @FunctionalInterface
    interface Watcher {
        /** This process leads from now on ({@code leads}), or no longer does. */
        void changed(boolean leads);
    }

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
        public void watch(Watcher watcher) {
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
