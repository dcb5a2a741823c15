package io.embedflow.orchestrator.schedule;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What starts runs of a refresh spec, besides a manual {@code embedflow schedule trigger}, which
 * every spec allows. Several triggers may be set; each fires on its own.
 *
 * @param cron fire at the due times of this schedule; null for none
 * @param onNewData fire when the data snapshot of the spec's dataset (after its {@code where}) changes
 * @param onModelAlias fire when the spec's model alias ({@code NAME@ALIAS}) moves to another version
 * @param after fire when a run of one of these specs succeeds (a chain); names of registered specs
 */
public record Triggers(CronSchedule cron, boolean onNewData, boolean onModelAlias, List<String> after) {

    /** Manual runs only. */
    public static final Triggers MANUAL_ONLY = new Triggers(null, false, false, List.of());

    public Triggers {
        after = List.copyOf(after);
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < after.size(); i++) {
            String upstream = after.get(i);
            if (!RefreshSpec.isValidName(upstream)) {
                throw new InvalidSpecException("triggers.after[" + i + "]", "'" + upstream + "' is not a spec name: "
                        + RefreshSpec.NAME_RULE);
            }
            if (!seen.add(upstream)) {
                throw new InvalidSpecException("triggers.after[" + i + "]", "spec '" + upstream + "' is named twice");
            }
        }
    }

    /** The triggers in a few words: {@code cron 0 3 * * * (UTC), new data, alias, after a,b, manual}. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (cron != null) {
            parts.add("cron " + cron);
        }
        if (onNewData) {
            parts.add("new data");
        }
        if (onModelAlias) {
            parts.add("alias");
        }
        if (!after.isEmpty()) {
            parts.add("after " + String.join(",", after));
        }
        parts.add("manual");
        return String.join(", ", parts);
    }

    /** Whether only manual runs are possible. */
    public boolean manualOnly() {
        return cron == null && !onNewData && !onModelAlias && after.isEmpty();
    }
}
