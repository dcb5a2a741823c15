package io.embedflow.orchestrator.gang;

import io.embedflow.orchestrator.OrchestratorException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A gang as a user asks for it: {@code workers} members with {@code devicesPerWorker} accelerators
 * and {@code memoryPerWorker} each, all running the same worker program, which learns its place from
 * the environment ({@link #RANK_ENV}, {@link #WORLD_SIZE_ENV}, {@link #COORDINATOR_ENV},
 * {@link #GANG_ID_ENV}, {@link #ATTEMPT_ENV}). A {@link GangLauncher} turns it into members.
 *
 * @param gangId names the gang in every member, object and message; lower case letters, digits and
 *     {@code -}, at most 40 characters (it becomes part of Kubernetes object names)
 * @param workers members, at least 1
 * @param devicesPerWorker accelerators per member (0: CPU only)
 * @param memoryPerWorker memory per member as Kubernetes writes it, e.g. {@code 8Gi}
 * @param workerArgs arguments of the worker program ({@code embedflow gang-worker ARGS...})
 * @param env further environment of every member (never secrets: they come from the platform)
 * @param joinTimeout how long members may take to start and reach the rendezvous before the launch fails
 * @param restartBudget how many times the whole gang may restart after a member failed
 */
public record GangRequest(
        String gangId,
        int workers,
        int devicesPerWorker,
        String memoryPerWorker,
        List<String> workerArgs,
        Map<String, String> env,
        Duration joinTimeout,
        int restartBudget) {
    public static final String RANK_ENV = "EMBEDFLOW_GANG_RANK";
    public static final String WORLD_SIZE_ENV = "EMBEDFLOW_GANG_WORLD_SIZE";
    public static final String COORDINATOR_ENV = "EMBEDFLOW_GANG_COORDINATOR";
    public static final String GANG_ID_ENV = "EMBEDFLOW_GANG_ID";
    public static final String ATTEMPT_ENV = "EMBEDFLOW_GANG_ATTEMPT";
    public static final String DEVICES_ENV = "EMBEDFLOW_GANG_DEVICES";

    private static final Pattern GANG_ID = Pattern.compile("[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?");
    private static final Pattern MEMORY = Pattern.compile("[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?");

    public GangRequest {
        Objects.requireNonNull(gangId, "gangId");
        if (!GANG_ID.matcher(gangId).matches()) {
            throw new OrchestratorException("gang id '" + gangId + "' must be 1-40 lower-case letters, digits or '-', "
                    + "starting and ending with a letter or digit");
        }
        if (workers < 1) {
            throw new OrchestratorException("a gang needs at least 1 worker, was " + workers);
        }
        if (devicesPerWorker < 0) {
            throw new OrchestratorException("devices per worker must be 0 or more, was " + devicesPerWorker);
        }
        Objects.requireNonNull(memoryPerWorker, "memoryPerWorker");
        if (!MEMORY.matcher(memoryPerWorker).matches()) {
            throw new OrchestratorException("memory per worker '" + memoryPerWorker + "' must be a quantity like 512Mi or 8Gi");
        }
        workerArgs = List.copyOf(workerArgs);
        env = Map.copyOf(env);
        Objects.requireNonNull(joinTimeout, "joinTimeout");
        if (joinTimeout.isNegative() || joinTimeout.isZero()) {
            throw new OrchestratorException("join timeout must be positive, was " + joinTimeout);
        }
        if (restartBudget < 0) {
            throw new OrchestratorException("restart budget must be 0 or more, was " + restartBudget);
        }
    }
}
