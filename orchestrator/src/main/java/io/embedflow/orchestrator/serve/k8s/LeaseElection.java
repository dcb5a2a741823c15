package io.embedflow.orchestrator.serve.k8s;

import io.embedflow.orchestrator.OrchestratorException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which Kubernetes Lease the serve replicas stand for, who this process is, and the election's
 * timing: validated on construction, immutable.
 *
 * <pre>{@code
 * LeaseElection election = LeaseElection.builder()
 *         .setLease("ml/embedflow-serve")
 *         .optLeaseDuration(Duration.ofSeconds(30))   // renew deadline 20 s, retry period 4 s
 *         .build();
 * }</pre>
 *
 * @param namespace the Lease's namespace (a DNS-1123 label)
 * @param lease the Lease's name (a DNS-1123 subdomain)
 * @param identity who this process is in the Lease's {@code holderIdentity}; unique per process
 *     (default: the pod's name, from {@code $POD_NAME} or {@code $HOSTNAME}, and the process id)
 * @param leaseDuration how long followers wait after the leader's last renewal before taking the
 *     Lease; whole seconds, as the Lease records them (default 15 s)
 * @param renewDeadline how long the leader keeps trying to renew before it stops leading; shorter
 *     than the lease duration, so a leader cut off from the API stops before anyone else may start
 *     (default: two thirds of the lease duration, 10 s)
 * @param retryPeriod how often the Lease is tried and renewed; shorter than the renew deadline
 *     (default: two fifteenths of the lease duration, 2 s)
 */
public record LeaseElection(String namespace, String lease, String identity, Duration leaseDuration, Duration renewDeadline,
        Duration retryPeriod) {

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    public LeaseElection {
        checkLease(namespace, lease);
        if (identity == null || identity.isBlank() || identity.length() > 253) {
            throw new OrchestratorException("a leader identity is 1 to 253 characters, got '" + identity + "'");
        }
        requirePositive("lease duration", leaseDuration);
        requirePositive("renew deadline", renewDeadline);
        requirePositive("retry period", retryPeriod);
        if (leaseDuration.toNanos() % 1_000_000_000L != 0) {
            throw new OrchestratorException("the lease duration is whole seconds, as a Lease records it, got " + leaseDuration);
        }
        if (renewDeadline.compareTo(leaseDuration) >= 0) {
            throw new OrchestratorException("the renew deadline (" + renewDeadline + ") must be shorter than the lease duration ("
                    + leaseDuration + "): a leader that cannot renew must stop before another may take the Lease");
        }
        if (retryPeriod.compareTo(renewDeadline) >= 0) {
            throw new OrchestratorException("the retry period (" + retryPeriod + ") must be shorter than the renew deadline ("
                    + renewDeadline + "): the leader renews every retry period");
        }
    }

    private static void requirePositive(String what, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new OrchestratorException("the " + what + " must be longer than zero, got " + d);
        }
    }

    /** {@code NAMESPACE/LEASE}, as the command line gives it. */
    public String leaseRef() {
        return namespace + "/" + lease;
    }

    private static void checkLease(String namespace, String lease) {
        if (namespace == null || !DNS_LABEL.matcher(namespace).matches()) {
            throw new OrchestratorException("a Lease's namespace is a DNS-1123 label (1 to 63 lowercase letters, digits or '-', "
                    + "starting and ending with a letter or digit), got '" + namespace + "'");
        }
        if (lease == null || lease.length() > 253 || !DNS_SUBDOMAIN.matcher(lease).matches()) {
            throw new OrchestratorException("a Lease's name is a DNS-1123 subdomain (up to 253 lowercase letters, digits, '-' "
                    + "or '.'), got '" + lease + "'");
        }
    }

    /** {@code POD#PID}: the pod from {@code POD_NAME} or {@code HOSTNAME} in {@code env}, else this host's name. */
    static String identityOf(Map<String, String> env, long pid) {
        String pod = env.get("POD_NAME");
        if (pod == null || pod.isBlank()) {
            pod = env.get("HOSTNAME");
        }
        if (pod == null || pod.isBlank()) {
            try {
                pod = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                pod = "serve";
            }
        }
        return pod.strip() + "#" + pid;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The Lease is required ({@code setLease}); the rest has defaults ({@code optX}). */
    public static final class Builder {
        private String namespace;
        private String lease;
        private String identity;
        private Duration leaseDuration = Duration.ofSeconds(15);
        private Duration renewDeadline;
        private Duration retryPeriod;

        private Builder() {
        }

        /** The Lease {@code lease} in {@code namespace}; both are checked when {@link #build} is called. */
        public Builder setLease(String namespace, String lease) {
            this.namespace = namespace;
            this.lease = lease;
            return this;
        }

        /**
         * The Lease as {@code NAMESPACE/NAME}, e.g. {@code ml/embedflow-serve}.
         *
         * @throws OrchestratorException at once when it is not two Kubernetes names around one '/'
         */
        public Builder setLease(String ref) {
            int slash = ref == null ? -1 : ref.indexOf('/');
            if (slash < 0 || ref.indexOf('/', slash + 1) >= 0) {
                throw new OrchestratorException("a Lease is NAMESPACE/NAME, e.g. ml/embedflow-serve, got '" + ref + "'");
            }
            checkLease(ref.substring(0, slash), ref.substring(slash + 1));
            return setLease(ref.substring(0, slash), ref.substring(slash + 1));
        }

        /** Default: {@code POD#PID}, the pod from {@code $POD_NAME} or {@code $HOSTNAME}. */
        public Builder optIdentity(String identity) {
            this.identity = identity;
            return this;
        }

        /** Default 15 s. */
        public Builder optLeaseDuration(Duration leaseDuration) {
            this.leaseDuration = leaseDuration;
            return this;
        }

        /** Default: two thirds of the lease duration. */
        public Builder optRenewDeadline(Duration renewDeadline) {
            this.renewDeadline = renewDeadline;
            return this;
        }

        /** Default: two fifteenths of the lease duration. */
        public Builder optRetryPeriod(Duration retryPeriod) {
            this.retryPeriod = retryPeriod;
            return this;
        }

        public LeaseElection build() {
            Duration lasts = leaseDuration != null ? leaseDuration : Duration.ZERO;
            return new LeaseElection(namespace, lease,
                    identity != null ? identity : identityOf(System.getenv(), ProcessHandle.current().pid()), leaseDuration,
                    renewDeadline != null ? renewDeadline : lasts.multipliedBy(2).dividedBy(3),
                    retryPeriod != null ? retryPeriod : lasts.multipliedBy(2).dividedBy(15));
        }
    }
}
