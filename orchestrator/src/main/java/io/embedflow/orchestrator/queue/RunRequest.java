package io.embedflow.orchestrator.queue;

import io.embedflow.orchestrator.OrchestratorException;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A run that waits for cluster slots: validated on construction, immutable.
 *
 * <pre>{@code
 * RunRequest request = RunRequest.builder()
 *         .setSpec("docs-minilm")
 *         .setTenant("search")
 *         .setSlots(4)                                   // the run's parallelism
 *         .setDedupeKey("docs-minilm:" + modelSnapshot + ":" + dataSnapshot + ":" + configHash)
 *         .setTrigger(new RunTrigger(RunTrigger.Kind.NEW_DATA, "data snapshot " + dataSnapshot))
 *         .setPayloadJson(requestJson)
 *         .setEnqueuedAt(clock.instant())
 *         .optPriority(10)                               // default 0
 *         .build();
 * }</pre>
 *
 * @param spec the refresh spec's name, 1 to {@value #MAX_NAME_LENGTH} characters
 * @param tenant who pays for the slots: letters, digits, {@code . _ -}, at most {@value #MAX_NAME_LENGTH}
 * @param priority higher runs first among the tenant's own requests; it does not compete across tenants
 * @param slots task slots the run holds while admitted (its parallelism), at least 1
 * @param dedupeKey identity of the work, computed by the caller from the spec and its inputs (model
 *     snapshot, data snapshot, config hash): while a request with this key is queued or admitted,
 *     enqueueing another returns that one; 1 to {@value #MAX_DEDUPE_KEY_LENGTH} characters
 * @param trigger what caused it
 * @param payloadJson what the runner needs to start it, a JSON document the queue stores but never reads
 * @param enqueuedAt when the caller asked for it
 */
public record RunRequest(String spec, String tenant, int priority, int slots, String dedupeKey, RunTrigger trigger,
        String payloadJson, Instant enqueuedAt) {

    public static final int MAX_NAME_LENGTH = 200;
    public static final int MAX_DEDUPE_KEY_LENGTH = 512;
    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    public RunRequest {
        Objects.requireNonNull(trigger, "trigger");
        Objects.requireNonNull(enqueuedAt, "enqueuedAt");
        if (spec == null || spec.isBlank() || spec.length() > MAX_NAME_LENGTH || spec.chars().anyMatch(Character::isISOControl)) {
            throw new OrchestratorException("a run request needs a spec name of 1 to " + MAX_NAME_LENGTH
                    + " printable characters, got '" + spec + "'");
        }
        requireValidTenant(tenant);
        if (slots < 1) {
            throw new OrchestratorException("run request for spec " + spec + " asks for " + slots + " slots; it needs at least 1");
        }
        if (dedupeKey == null || dedupeKey.isEmpty() || dedupeKey.length() > MAX_DEDUPE_KEY_LENGTH) {
            throw new OrchestratorException("run request for spec " + spec + " needs a dedupe key of 1 to "
                    + MAX_DEDUPE_KEY_LENGTH + " characters, got " + (dedupeKey == null ? "none" : dedupeKey.length()));
        }
        if (payloadJson == null || payloadJson.isBlank()) {
            throw new OrchestratorException("run request for spec " + spec + " has no payload");
        }
    }

    /** Throws unless {@code tenant} is a valid tenant name; returns it. */
    public static String requireValidTenant(String tenant) {
        if (tenant == null || tenant.length() > MAX_NAME_LENGTH || !TENANT.matcher(tenant).matches()) {
            throw new OrchestratorException("a tenant name is 1 to " + MAX_NAME_LENGTH
                    + " letters, digits, '.', '_' or '-' starting with a letter or digit, got '" + tenant + "'");
        }
        return tenant;
    }

    /** The policy's view of this request once it has the queue id {@code id}. */
    public SlotClaim claim(long id) {
        return new SlotClaim(id, tenant, priority, slots);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().setSpec(spec).setTenant(tenant).optPriority(priority).setSlots(slots).setDedupeKey(dedupeKey)
                .setTrigger(trigger).setPayloadJson(payloadJson).setEnqueuedAt(enqueuedAt);
    }

    /** {@code setX} for what is required, {@code optX} for what has a default. */
    public static final class Builder {
        private String spec;
        private String tenant;
        private int priority;
        private int slots;
        private String dedupeKey;
        private RunTrigger trigger;
        private String payloadJson;
        private Instant enqueuedAt;

        private Builder() {
        }

        public Builder setSpec(String spec) {
            this.spec = spec;
            return this;
        }

        public Builder setTenant(String tenant) {
            this.tenant = tenant;
            return this;
        }

        public Builder setSlots(int slots) {
            this.slots = slots;
            return this;
        }

        public Builder setDedupeKey(String dedupeKey) {
            this.dedupeKey = dedupeKey;
            return this;
        }

        public Builder setTrigger(RunTrigger trigger) {
            this.trigger = trigger;
            return this;
        }

        public Builder setPayloadJson(String payloadJson) {
            this.payloadJson = payloadJson;
            return this;
        }

        public Builder setEnqueuedAt(Instant enqueuedAt) {
            this.enqueuedAt = enqueuedAt;
            return this;
        }

        /** Default 0. */
        public Builder optPriority(int priority) {
            this.priority = priority;
            return this;
        }

        public RunRequest build() {
            return new RunRequest(spec, tenant, priority, slots, dedupeKey, trigger, payloadJson, enqueuedAt);
        }
    }
}
