package io.embedflow.orchestrator.schedule;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;

/**
 * A UNIX cron expression ({@code minute hour day-of-month month day-of-week}, e.g. {@code 0 3 * * *})
 * read in a time zone: its due times, computed by cron-utils (which handles daylight-saving gaps
 * and overlaps). Immutable and thread-safe; equal when expression and zone are.
 *
 * <pre>{@code
 * CronSchedule nightly = CronSchedule.parse("0 3 * * *", ZoneId.of("Europe/Berlin"));
 * Optional<Instant> next = nightly.nextDueAfter(Instant.now());
 * }</pre>
 */
public final class CronSchedule {

    /** The zone of a schedule that names none. */
    public static final ZoneId UTC = ZoneId.of("UTC");

    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private final String expression;
    private final ZoneId zone;
    private final ExecutionTime times;

    private CronSchedule(String expression, ZoneId zone, ExecutionTime times) {
        this.expression = expression;
        this.zone = zone;
        this.times = times;
    }

    /**
     * Parses {@code expression} (surrounding blanks ignored) for {@code zone}.
     *
     * @throws InvalidSpecException for field {@code triggers.cron}, naming the expression and what is wrong with it
     */
    public static CronSchedule parse(String expression, ZoneId zone) {
        Objects.requireNonNull(zone, "zone");
        String text = expression == null ? "" : expression.strip();
        if (text.isEmpty()) {
            throw new InvalidSpecException("triggers.cron", "is empty; expected five fields such as '0 3 * * *'");
        }
        try {
            Cron cron = PARSER.parse(text).validate();
            return new CronSchedule(text, zone, ExecutionTime.forCron(cron));
        } catch (IllegalArgumentException e) {
            String why = Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName())
                    .replace("Failed to parse cron expression. ", "");
            throw new InvalidSpecException("triggers.cron", "'" + text + "' is not a valid cron expression: " + why
                    + " (five fields: minute hour day-of-month month day-of-week)", e);
        }
    }

    /** As {@link #parse(String, ZoneId)} in {@link #UTC}. */
    public static CronSchedule parse(String expression) {
        return parse(expression, UTC);
    }

    public String expression() {
        return expression;
    }

    public ZoneId zone() {
        return zone;
    }

    /** The first due time strictly after {@code after}; empty if the expression never fires again. */
    public Optional<Instant> nextDueAfter(Instant after) {
        return times.nextExecution(ZonedDateTime.ofInstant(after, zone)).map(ZonedDateTime::toInstant);
    }

    /**
     * The due times in {@code (after, upTo]}: how many (counting stops at {@code limit}), the
     * first and the last.
     */
    public Window dueBetween(Instant after, Instant upTo, int limit) {
        Optional<Instant> first = nextDueAfter(after).filter(t -> !t.isAfter(upTo));
        if (first.isEmpty()) {
            return new Window(0, null, null);
        }
        int count = 1;
        for (Optional<Instant> next = nextDueAfter(first.get()); count < limit && next.isPresent() && !next.get().isAfter(upTo);
                next = nextDueAfter(next.get())) {
            count++;
        }
        return new Window(count, first.get(), lastDueAtOrBefore(upTo).orElse(first.get()));
    }

    /** The latest due time at or before {@code at}; empty if there is none. */
    public Optional<Instant> lastDueAtOrBefore(Instant at) {
        // due times are whole minutes: the one starting at or before `at` may be due itself
        ZonedDateTime minute = ZonedDateTime.ofInstant(at, zone).truncatedTo(ChronoUnit.MINUTES);
        if (times.isMatch(minute)) {
            return Optional.of(minute.toInstant());
        }
        return times.lastExecution(minute).map(ZonedDateTime::toInstant);
    }

    /**
     * Due times in a range.
     *
     * @param count how many (at most the limit asked for)
     * @param first the earliest, null when none
     * @param last the latest, null when none
     */
    public record Window(int count, Instant first, Instant last) {
        public boolean isEmpty() {
            return count == 0;
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CronSchedule that && expression.equals(that.expression) && zone.equals(that.zone);
    }

    @Override
    public int hashCode() {
        return Objects.hash(expression, zone);
    }

    @Override
    public String toString() {
        return "'" + expression + "' (" + zone + ")";
    }
}
