package io.embedflow.orchestrator.schedule;

import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.metadata.Alias;
import io.embedflow.orchestrator.metadata.MetadataStore;
import io.embedflow.orchestrator.metadata.SpecState;
import io.embedflow.orchestrator.metadata.StoredSpec;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The registered refresh specs: add (validating chains), replace, pause, resume, remove, and
 * read them back with their trigger state and firings. Specs live in the metadata store as
 * canonical YAML ({@link RefreshSpecYaml#write}).
 *
 * <p>What a spec's triggers watch starts when it is added: the alias version and the upstream
 * specs' last successes are recorded then, so only later moves and successes fire; the cron
 * schedule counts due times from then on; the dataset's first look (the first evaluation) is its
 * baseline. Replacing a spec keeps what its triggers saw where the watched thing is unchanged
 * (the same dataset and {@code where}, the same model, the same cron and zone, the same upstream).
 * Pausing suspends the automatic triggers; resuming skips the cron due times that passed while
 * paused, while data changes, alias moves and upstream successes during the pause fire once.
 *
 * <p>Not thread-safe beyond what the metadata store gives: checks and writes of one call are
 * separate statements, so two processes adding specs that form a chain at the same moment may
 * both pass the cycle check.
 *
 * <pre>{@code
 * Schedule schedule = new Schedule(metadata, Clock.systemUTC());
 * schedule.add(RefreshSpecYaml.read(Path.of("docs.yaml")), false);
 * }</pre>
 */
public final class Schedule {

    private final MetadataStore metadata;
    private final Clock clock;

    public Schedule(MetadataStore metadata, Clock clock) {
        this.metadata = Objects.requireNonNull(metadata, "metadata");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The outcome of {@link #add}: the spec as registered, and whether it replaced one. */
    public record Added(ScheduledSpec spec, boolean replaced) {
    }

    /**
     * Registers {@code spec}. A spec of the same name is replaced only with {@code replace}
     * (keeping its paused flag and creation time).
     *
     * @throws InvalidSpecException when {@code triggers.after} names an unknown spec or closes a cycle
     * @throws OrchestratorException when the name is taken and {@code replace} is false
     */
    public Added add(RefreshSpec spec, boolean replace) {
        Objects.requireNonNull(spec, "spec");
        List<ScheduledSpec> all = list();
        new SpecGraph(all.stream().map(ScheduledSpec::spec).filter(s -> !s.name().equals(spec.name())).toList()).checkAdd(spec);
        Optional<ScheduledSpec> existing = all.stream().filter(s -> s.name().equals(spec.name())).findFirst();
        if (existing.isPresent() && !replace) {
            throw new OrchestratorException("refresh spec '" + spec.name() + "' already exists; add it with --replace to replace it");
        }
        Instant now = clock.instant();
        String yaml = RefreshSpecYaml.write(spec);
        Map<String, SpecState> states = metadata.specs().states();
        if (existing.isEmpty()) {
            StoredSpec stored = new StoredSpec(spec.name(), spec.tenant(), yaml, false, now, now);
            if (!metadata.specs().insert(stored, baseline(spec, null, SpecState.initial(spec.name()), states, now))) {
                throw new OrchestratorException("refresh spec '" + spec.name() + "' was added by someone else just now; "
                        + "add it with --replace to replace it");
            }
            return new Added(new ScheduledSpec(spec, false, now, now), false);
        }
        ScheduledSpec old = existing.get();
        SpecState oldState = Optional.ofNullable(states.get(spec.name())).orElseGet(() -> SpecState.initial(spec.name()));
        StoredSpec stored = new StoredSpec(spec.name(), spec.tenant(), yaml, old.paused(), old.createdAt(), now);
        if (!metadata.specs().replace(stored, baseline(spec, old.spec(), oldState, states, now))) {
            throw new OrchestratorException("refresh spec '" + spec.name() + "' was removed by someone else just now; add it again");
        }
        return new Added(new ScheduledSpec(spec, old.paused(), old.createdAt(), now), true);
    }

    /** Every registered spec, by name. */
    public List<ScheduledSpec> list() {
        return metadata.specs().list().stream().map(Schedule::parse).toList();
    }

    public Optional<ScheduledSpec> find(String name) {
        return metadata.specs().find(name).map(Schedule::parse);
    }

    /** The spec {@code name}; an error naming it when there is none. */
    public ScheduledSpec get(String name) {
        return find(name).orElseThrow(() -> notFound(name));
    }

    /** Suspends the automatic triggers of {@code name} (idempotent). */
    public ScheduledSpec pause(String name) {
        ScheduledSpec spec = get(name);
        if (spec.paused()) {
            return spec;
        }
        Instant now = clock.instant();
        if (!metadata.specs().setPaused(name, true, now, null)) {
            throw notFound(name);
        }
        return new ScheduledSpec(spec.spec(), true, spec.createdAt(), now);
    }

    /** Resumes the automatic triggers of {@code name}; cron due times that passed while paused do not fire. Idempotent. */
    public ScheduledSpec resume(String name) {
        ScheduledSpec spec = get(name);
        if (!spec.paused()) {
            return spec;
        }
        Instant now = clock.instant();
        if (!metadata.specs().setPaused(name, false, now, spec.spec().triggers().cron() == null ? null : now)) {
            throw notFound(name);
        }
        return new ScheduledSpec(spec.spec(), false, spec.createdAt(), now);
    }

    /**
     * Removes {@code name} and its trigger state; its firings stay in the log.
     *
     * @throws OrchestratorException when another spec runs after it, naming that spec
     */
    public void remove(String name) {
        List<ScheduledSpec> all = list();
        if (all.stream().noneMatch(s -> s.name().equals(name))) {
            throw notFound(name);
        }
        List<String> followers = new SpecGraph(all.stream().map(ScheduledSpec::spec).toList()).followersOf(name);
        if (!followers.isEmpty()) {
            throw new OrchestratorException("refresh spec '" + name + "' cannot be removed: " + String.join(", ", followers)
                    + (followers.size() == 1 ? " runs" : " run") + " after it (triggers.after); remove or change "
                    + (followers.size() == 1 ? "that spec" : "those specs") + " first");
        }
        if (!metadata.specs().delete(name)) {
            throw notFound(name);
        }
    }

    /** What the triggers of {@code name} have accounted for. */
    public SpecState state(String name) {
        return metadata.specs().state(name).orElseThrow(() -> notFound(name));
    }

    /** The last {@code limit} firings of {@code name}, newest first. */
    public List<TriggerFiring> firings(String name, int limit) {
        return metadata.specs().firings(name, limit).stream().map(TriggerFiring::of).toList();
    }

    /** The state {@code spec}'s triggers start from; {@code old} (null for a new spec) and {@code oldState} are what it replaces. */
    private SpecState baseline(RefreshSpec spec, RefreshSpec old, SpecState oldState, Map<String, SpecState> states,
            Instant now) {
        Triggers t = spec.triggers();
        SpecState s = oldState;
        boolean sameCron = old != null && Objects.equals(old.triggers().cron(), t.cron()) && s.cronCheckedAt() != null;
        s = s.withCronCheckedAt(t.cron() == null ? null : sameCron ? s.cronCheckedAt() : now);
        boolean sameData = old != null && old.triggers().onNewData() && old.dataset().equals(spec.dataset())
                && old.where().equals(spec.where());
        if (!t.onNewData() || !sameData) {
            s = s.withData(null, null);
        }
        boolean sameAlias = old != null && old.triggers().onModelAlias() && old.model().equals(spec.model());
        if (!t.onModelAlias()) {
            s = s.withAlias(null, null);
        } else if (!sameAlias) {
            s = s.withAlias(metadata.findAlias(spec.model().name(), spec.model().alias()).map(Alias::version).orElse(null), now);
        }
        Map<String, String> seen = new HashMap<>();
        for (String upstream : t.after()) {
            String kept = s.upstreamRunsSeen().get(upstream);
            String current = Optional.ofNullable(states.get(upstream)).map(SpecState::lastSuccessRunId).orElse(null);
            String value = kept != null ? kept : current;
            if (value != null) {
                seen.put(upstream, value);
            }
        }
        return s.withUpstreamRunsSeen(seen);
    }

    private static ScheduledSpec parse(StoredSpec stored) {
        RefreshSpec spec = RefreshSpecYaml.read("'" + stored.name() + "' as stored", stored.yaml(), null);
        return new ScheduledSpec(spec, stored.paused(), stored.createdAt(), stored.updatedAt());
    }

    static OrchestratorException notFound(String name) {
        return new OrchestratorException("refresh spec '" + name + "' not found; `embedflow schedule list` shows the registered specs");
    }
}
