package io.embedflow.orchestrator.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cron triggers on a manual clock: due times, one firing per window, one firing after downtime, time zones, pauses. */
class SpecCronTest {

    private static final Instant ADDED = Instant.parse("2026-12-01T02:59:00Z");

    @TempDir
    Path tmp;

    private ScheduleFixture f;

    @BeforeEach
    void setUp() {
        f = new ScheduleFixture(tmp, ADDED);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    @Test
    void dueTimesFollowTheExpressionInItsZone() {
        CronSchedule nightly = CronSchedule.parse("0 3 * * *");
        assertThat(nightly.nextDueAfter(Instant.parse("2026-12-01T02:59:00Z"))).contains(Instant.parse("2026-12-01T03:00:00Z"));
        assertThat(nightly.nextDueAfter(Instant.parse("2026-12-01T03:00:00Z"))).contains(Instant.parse("2026-12-02T03:00:00Z"));
        assertThat(nightly.lastDueAtOrBefore(Instant.parse("2026-12-01T03:00:00Z"))).contains(Instant.parse("2026-12-01T03:00:00Z"));
        assertThat(nightly.lastDueAtOrBefore(Instant.parse("2026-12-01T03:00:42Z"))).contains(Instant.parse("2026-12-01T03:00:00Z"));
        assertThat(nightly.lastDueAtOrBefore(Instant.parse("2026-12-01T02:59:59Z"))).contains(Instant.parse("2026-11-30T03:00:00Z"));

        CronSchedule.Window window = nightly.dueBetween(Instant.parse("2026-12-01T03:00:00Z"),
                Instant.parse("2026-12-04T03:30:00Z"), 100);
        assertThat(window).isEqualTo(new CronSchedule.Window(3, Instant.parse("2026-12-02T03:00:00Z"),
                Instant.parse("2026-12-04T03:00:00Z")));
        assertThat(nightly.dueBetween(Instant.parse("2026-12-01T03:00:00Z"), Instant.parse("2026-12-02T02:59:59Z"), 100).isEmpty())
                .isTrue();

        // 03:00 in Kolkata (UTC+05:30) is 21:30 UTC the day before
        assertThat(CronSchedule.parse("0 3 * * *", ZoneId.of("Asia/Kolkata")).nextDueAfter(Instant.parse("2026-12-01T00:00:00Z")))
                .contains(Instant.parse("2026-12-01T21:30:00Z"));
        // Berlin: UTC+1 in winter, UTC+2 in summer
        CronSchedule berlin = CronSchedule.parse("0 3 * * *", ZoneId.of("Europe/Berlin"));
        assertThat(berlin.nextDueAfter(Instant.parse("2026-12-01T00:00:00Z"))).contains(Instant.parse("2026-12-01T02:00:00Z"));
        assertThat(berlin.nextDueAfter(Instant.parse("2026-07-01T00:00:00Z"))).contains(Instant.parse("2026-07-01T01:00:00Z"));
    }

    @Test
    void firesOnceWhenADueTimePassesAndNotAgainInTheSameWindow() {
        f.add("docs", "triggers: {cron: '0 3 * * *'}\n");

        assertThat(f.evaluateAt("2026-12-01T02:59:59Z")).isEmpty();
        List<TriggerFiring> fired = f.evaluateAt("2026-12-01T03:00:00Z");
        assertThat(f.evaluateAt("2026-12-01T03:00:30Z")).isEmpty();
        assertThat(f.evaluateAt("2026-12-01T17:00:00Z")).isEmpty();
        List<TriggerFiring> nextDay = f.evaluateAt("2026-12-02T03:00:05Z");

        assertThat(fired).singleElement().satisfies(firing -> {
            assertThat(firing.spec()).isEqualTo("docs");
            assertThat(firing.kind()).isEqualTo(TriggerKind.CRON);
            assertThat(firing.firedAt()).isEqualTo(Instant.parse("2026-12-01T03:00:00Z"));
            assertThat(firing.detail()).isEqualTo("cron '0 3 * * *' (UTC) due at 2026-12-01T03:00:00Z");
        });
        assertThat(nextDay).singleElement().extracting(TriggerFiring::detail)
                .isEqualTo("cron '0 3 * * *' (UTC) due at 2026-12-02T03:00:00Z");
        assertThat(f.schedule.firings("docs", 10)).extracting(TriggerFiring::id).containsExactly(2L, 1L);
    }

    @Test
    void dueTimesMissedWhileDownFireOnceSayingHowManyWereFoldedIn() {
        f.add("docs", "triggers: {cron: '0 3 * * *'}\n");
        assertThat(f.evaluateAt("2026-12-01T03:00:00Z")).hasSize(1);

        // down from 03:00:01 on the 1st to 03:30 on the 4th: due times on the 2nd, 3rd and 4th
        List<TriggerFiring> afterDowntime = f.evaluateAt("2026-12-04T03:30:00Z");

        assertThat(afterDowntime).singleElement().extracting(TriggerFiring::detail).isEqualTo("cron '0 3 * * *' (UTC) due at "
                + "2026-12-04T03:00:00Z; 2 earlier due time(s) since 2026-12-02T03:00:00Z passed unevaluated and fire with it");
        assertThat(f.evaluateAt("2026-12-04T03:31:00Z")).isEmpty();
    }

    @Test
    void aLongDowntimeOfAFrequentScheduleStillFiresOnce() {
        f.add("docs", "triggers: {cron: '* * * * *'}\n");

        List<TriggerFiring> fired = f.evaluateAt("2026-12-04T00:00:00Z");

        assertThat(fired).singleElement().extracting(TriggerFiring::detail).asString()
                .startsWith("cron '* * * * *' (UTC) due at 2026-12-04T00:00:00Z; at least 999 earlier due time(s) since "
                        + "2026-12-01T03:00:00Z");
    }

    @Test
    void aSpecAddedAfterTheDueTimeWaitsForTheNextOne() {
        f.clock.set(Instant.parse("2026-12-01T03:01:00Z"));
        f.add("docs", "triggers: {cron: '0 3 * * *'}\n");

        assertThat(f.evaluateAt("2026-12-01T03:02:00Z")).isEmpty();
        assertThat(f.evaluateAt("2026-12-02T03:00:00Z")).hasSize(1);
    }

    @Test
    void theTimeZoneDecidesWhenItIsDue() {
        f.add("docs", "triggers: {cron: '0 3 * * *', timezone: Asia/Kolkata}\n");

        assertThat(f.evaluateAt("2026-12-01T03:00:00Z")).isEmpty();
        assertThat(f.evaluateAt("2026-12-01T21:29:59Z")).isEmpty();
        assertThat(f.evaluateAt("2026-12-01T21:30:00Z")).singleElement().extracting(TriggerFiring::detail)
                .isEqualTo("cron '0 3 * * *' (Asia/Kolkata) due at 2026-12-01T21:30:00Z");
    }

    @Test
    void dueTimesWhilePausedAreSkippedOnResume() {
        f.add("docs", "triggers: {cron: '0 3 * * *'}\n");
        f.schedule.pause("docs");

        assertThat(f.evaluateAt("2026-12-01T03:00:00Z")).isEmpty();
        f.advance(Duration.ofHours(2));
        f.schedule.resume("docs");

        assertThat(f.evaluateAt("2026-12-01T05:00:01Z")).isEmpty();
        assertThat(f.evaluateAt("2026-12-02T03:00:00Z")).hasSize(1);
    }

    @Test
    void replacingASpecKeepsItsCronWindowWhenTheScheduleIsUnchanged() {
        f.add("docs", "triggers: {cron: '0 3 * * *'}\n");
        f.clock.set(Instant.parse("2026-12-01T04:00:00Z"));
        f.schedule.add(f.spec("docs", "priority: 5\ntriggers: {cron: '0 3 * * *'}\n"), true);

        // the 03:00 due time passed before the replacement and was not yet evaluated: it still fires
        assertThat(f.evaluateAt("2026-12-01T04:00:01Z")).hasSize(1);

        f.schedule.add(f.spec("docs", "triggers: {cron: '30 3 * * *'}\n"), true);
        assertThat(f.evaluateAt("2026-12-02T03:00:00Z")).isEmpty();
        assertThat(f.evaluateAt("2026-12-02T03:30:00Z")).hasSize(1);
    }
}
