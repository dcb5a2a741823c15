package io.embedflow.djl.collective;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;

/**
 * One member's identity in a gang: its rank among {@code worldSize} members, where rank 0's
 * coordinator listens, and the gang's id, which every member announces so that a member of another
 * gang that reaches the same port is refused.
 *
 * <p>A launcher gives each worker process its identity in four environment variables
 * ({@link #toEnvironment()}), read back with {@link #fromEnvironment()}:
 * <pre>{@code
 * EMBEDFLOW_GANG_RANK=1 EMBEDFLOW_GANG_WORLD_SIZE=4 EMBEDFLOW_GANG_COORDINATOR=gang-0.train:29500 EMBEDFLOW_GANG_ID=run-42
 * }</pre>
 *
 * @param rank this member's rank, from 0 to {@code worldSize - 1}
 * @param worldSize how many members the gang has (at least 1)
 * @param coordinator where rank 0 listens for the rendezvous; port 0 lets rank 0 bind any free port
 * @param gangId the gang's id (a run id): 1 to 200 printable characters
 */
public record GangMember(int rank, int worldSize, InetSocketAddress coordinator, String gangId) {
    public static final String RANK_VARIABLE = "EMBEDFLOW_GANG_RANK";
    public static final String WORLD_SIZE_VARIABLE = "EMBEDFLOW_GANG_WORLD_SIZE";
    public static final String COORDINATOR_VARIABLE = "EMBEDFLOW_GANG_COORDINATOR";
    public static final String ID_VARIABLE = "EMBEDFLOW_GANG_ID";

    private static final int MAX_ID_LENGTH = 200;

    public GangMember {
        Objects.requireNonNull(coordinator, "coordinator");
        Objects.requireNonNull(gangId, "gangId");
        if (worldSize < 1) {
            throw new GangException("a gang's world size must be at least 1, was " + worldSize);
        }
        if (rank < 0 || rank >= worldSize) {
            throw new GangException("rank " + rank + " is outside [0, " + worldSize + ") for a gang of " + worldSize);
        }
        if (gangId.isEmpty() || gangId.length() > MAX_ID_LENGTH || !gangId.chars().allMatch(c -> c > ' ' && c < 127)) {
            throw new GangException("gang id '" + gangId + "' must be 1 to " + MAX_ID_LENGTH
                    + " printable ASCII characters without spaces");
        }
    }

    /** A member whose coordinator is given as {@code host:port} (IPv6 hosts in brackets: {@code [::1]:29500}). */
    public static GangMember of(int rank, int worldSize, String coordinator, String gangId) {
        return new GangMember(rank, worldSize, parseAddress(coordinator, "coordinator"), gangId);
    }

    /** Reads the four {@code EMBEDFLOW_GANG_*} variables of this process. */
    public static GangMember fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    /** Reads the four {@code EMBEDFLOW_GANG_*} variables from {@code env}; an error names the variable at fault. */
    public static GangMember fromEnvironment(Map<String, String> env) {
        int rank = intVariable(env, RANK_VARIABLE);
        int worldSize = intVariable(env, WORLD_SIZE_VARIABLE);
        InetSocketAddress coordinator = parseAddress(variable(env, COORDINATOR_VARIABLE), COORDINATOR_VARIABLE);
        String gangId = variable(env, ID_VARIABLE);
        try {
            return new GangMember(rank, worldSize, coordinator, gangId);
        } catch (GangException e) {
            throw new GangException("invalid gang identity in " + RANK_VARIABLE + ", " + WORLD_SIZE_VARIABLE + ", "
                    + ID_VARIABLE + ": " + e.getMessage(), e);
        }
    }

    /** The variables that {@link #fromEnvironment(Map)} reads back as this member. */
    public Map<String, String> toEnvironment() {
        return Map.of(RANK_VARIABLE, String.valueOf(rank), WORLD_SIZE_VARIABLE, String.valueOf(worldSize),
                COORDINATOR_VARIABLE, hostPort(coordinator), ID_VARIABLE, gangId);
    }

    /** The same gang with another coordinator address, such as the port a coordinator bound to. */
    public GangMember withCoordinator(InetSocketAddress address) {
        return new GangMember(rank, worldSize, address, gangId);
    }

    /** The same gang and coordinator seen from another rank. */
    public GangMember withRank(int otherRank) {
        return new GangMember(otherRank, worldSize, coordinator, gangId);
    }

    /** {@code host:port}, brackets around IPv6 literals; the host as given, not resolved. */
    public static String hostPort(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /**
     * Parses {@code host:port} into an unresolved address (resolved when used, so that a name is
     * looked up where and when the connection is made).
     *
     * @param what what the text is, for the error message (a variable's name, an option)
     */
    public static InetSocketAddress parseAddress(String text, String what) {
        String s = text.strip();
        int colon = s.lastIndexOf(':');
        String host = colon > 0 ? s.substring(0, colon) : "";
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            host = "";   // an IPv6 literal without brackets is ambiguous about its port
        }
        int port = -1;
        try {
            port = colon > 0 ? Integer.parseInt(s.substring(colon + 1)) : -1;
        } catch (NumberFormatException e) {
            // reported below
        }
        if (host.isEmpty() || port < 0 || port > 65535) {
            throw new GangException(what + " '" + text + "' is not host:port (such as gang-0.train:29500 or [::1]:29500)");
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    private static String variable(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            throw new GangException(name + " is not set; a gang member needs " + RANK_VARIABLE + ", " + WORLD_SIZE_VARIABLE
                    + ", " + COORDINATOR_VARIABLE + " and " + ID_VARIABLE);
        }
        return value.strip();
    }

    private static int intVariable(Map<String, String> env, String name) {
        String value = variable(env, name);
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new GangException(name + "='" + value + "' is not a whole number");
        }
    }
}
