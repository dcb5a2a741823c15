package io.embedflow.orchestrator.schedule;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The chains between specs ({@code triggers.after}): checks that a spec about to be added names
 * only registered specs and closes no cycle, and that a spec about to be removed is followed by
 * none.
 */
final class SpecGraph {

    private final Map<String, RefreshSpec> specs = new HashMap<>();

    /** The graph of {@code registered}. */
    SpecGraph(Collection<RefreshSpec> registered) {
        registered.forEach(s -> specs.put(s.name(), s));
    }

    /**
     * Checks that {@code spec} may be added (or replace the spec of its name).
     *
     * @throws InvalidSpecException for {@code triggers.after}, naming an unknown spec or the cycle
     */
    void checkAdd(RefreshSpec spec) {
        List<String> after = spec.triggers().after();
        for (int i = 0; i < after.size(); i++) {
            if (!specs.containsKey(after.get(i))) {
                throw new InvalidSpecException("triggers.after[" + i + "]", "no spec named '" + after.get(i)
                        + "' is registered; add it first");
            }
        }
        Map<String, RefreshSpec> next = new HashMap<>(specs);
        next.put(spec.name(), spec);
        List<String> cycle = cycleThrough(spec.name(), next);
        if (!cycle.isEmpty()) {
            throw new InvalidSpecException("triggers.after", "closes a cycle of specs running after each other: "
                    + String.join(" -> ", cycle));
        }
    }

    /** The specs that run after {@code name}, by name. */
    List<String> followersOf(String name) {
        return specs.values().stream().filter(s -> s.triggers().after().contains(name)).map(RefreshSpec::name).sorted().toList();
    }

    /**
     * A path {@code start -> ... -> start} along "runs after" edges read backwards (a spec, then
     * the one it runs after), or empty when {@code start} is on no cycle. Depth first; the graph
     * is small and every other cycle was refused when it would have formed.
     */
    private static List<String> cycleThrough(String start, Map<String, RefreshSpec> specs) {
        List<String> path = new ArrayList<>();
        path.add(start);
        return search(start, start, specs, path, new HashMap<>()) ? path : List.of();
    }

    private static boolean search(String node, String start, Map<String, RefreshSpec> specs, List<String> path,
            Map<String, Boolean> visited) {
        RefreshSpec spec = specs.get(node);
        if (spec == null || visited.putIfAbsent(node, Boolean.TRUE) != null) {
            return false;
        }
        for (String upstream : spec.triggers().after()) {
            path.add(upstream);
            if (upstream.equals(start) || search(upstream, start, specs, path, visited)) {
                return true;
            }
            path.remove(path.size() - 1);
        }
        return false;
    }
}
