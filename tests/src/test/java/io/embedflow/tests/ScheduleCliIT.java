package io.embedflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code embedflow schedule}: refresh specs through the CLI's entry point, with its exit codes and one-sentence errors. */
class ScheduleCliIT {
    static final ObjectMapper JSON = new ObjectMapper();

    private static final String DOCS = """
            name: docs
            tenant: search
            dataset: ../data/docs
            idColumn: id
            textColumn: body
            model: minilm@production
            output: ../tables/docs
            triggers:
              cron: "0 3 * * *"
              onNewData: true
            """;

    @TempDir
    Path tmp;
    Cli cli;

    @BeforeEach
    void setUp() {
        cli = new Cli(tmp.resolve("home"));
    }

    @Test
    void addListShowTriggerPauseResumeRemove() throws IOException {
        Path docs = spec("docs.yaml", DOCS);

        Cli.Result added = ok(cli.run("schedule", "add", docs.toString()));
        assertThat(added.out()).startsWith("added refresh spec docs (tenant search; triggers: cron '0 3 * * *' (UTC), new data, "
                + "manual)\n").contains("`embedflow schedule trigger docs` asks for a run now");

        Cli.Result again = cli.run("schedule", "add", docs.toString());
        assertThat(again.exitCode()).as(again.toString()).isEqualTo(1);
        assertThat(again.err()).isEqualTo("error: refresh spec 'docs' already exists; add it with --replace to replace it\n");

        spec("docs.yaml", DOCS + "priority: 7\n");
        assertThat(ok(cli.run("schedule", "add", "--replace", docs.toString())).out()).startsWith("replaced refresh spec docs");

        JsonNode list = json(cli.run("schedule", "list", "--json"));
        assertThat(list).hasSize(1);
        assertThat(list.get(0).get("name").asText()).isEqualTo("docs");
        assertThat(list.get(0).get("status").asText()).isEqualTo("active");
        assertThat(list.get(0).get("priority").asInt()).isEqualTo(7);
        assertThat(list.get(0).get("lastFired").isNull()).isTrue();
        assertThat(ok(cli.run("schedule", "list")).out()).contains("docs").contains("search").contains("active");

        assertThat(ok(cli.run("schedule", "trigger", "docs", "--actor", "alice", "--reason", "backfill")).out())
                .isEqualTo("firing 1: manual trigger of refresh spec docs (by alice: backfill)\n");

        JsonNode show = json(cli.run("schedule", "show", "docs", "--json"));
        assertThat(show.get("spec").get("dataset").asText()).isEqualTo(tmp.resolve("data/docs").toString());
        assertThat(show.get("spec").get("triggers").get("cron").asText()).isEqualTo("0 3 * * *");
        assertThat(show.get("nextCronDue").asText()).endsWith("T03:00:00Z");
        assertThat(show.get("state").get("cronCheckedAt").isNull()).isFalse();
        assertThat(show.get("state").get("dataSeenAt").isNull()).as("never evaluated").isTrue();
        assertThat(show.get("firings")).hasSize(1);
        assertThat(show.get("firings").get(0).get("kind").asText()).isEqualTo("MANUAL");
        assertThat(show.get("firings").get(0).get("detail").asText()).isEqualTo("by alice: backfill");
        assertThat(ok(cli.run("schedule", "show", "docs")).out())
                .contains("status               active")
                .contains("  dataset: " + tmp.resolve("data/docs"))
                .contains("trigger state:")
                .containsPattern("  1 +\\S+ +MANUAL +by alice: backfill");

        assertThat(ok(cli.run("schedule", "pause", "docs")).out()).isEqualTo("paused refresh spec docs\n");
        assertThat(json(cli.run("schedule", "list", "--json")).get(0).get("status").asText()).isEqualTo("paused");
        assertThat(ok(cli.run("schedule", "pause", "docs")).out()).isEqualTo("already paused: refresh spec docs\n");
        assertThat(ok(cli.run("schedule", "resume", "docs")).out()).isEqualTo("resumed refresh spec docs\n");

        ok(cli.run("schedule", "add", spec("vectors.yaml", DOCS.replace("name: docs", "name: vectors")
                .replace("tables/docs", "tables/vectors").replace("  onNewData: true\n", "  after: [docs]\n")).toString()));
        Cli.Result refused = cli.run("schedule", "remove", "docs");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).isEqualTo("error: refresh spec 'docs' cannot be removed: vectors runs after it "
                + "(triggers.after); remove or change that spec first\n");
        assertThat(ok(cli.run("schedule", "remove", "vectors")).out()).isEqualTo("removed refresh spec vectors\n");
        ok(cli.run("schedule", "remove", "docs"));

        Cli.Result gone = cli.run("schedule", "show", "docs");
        assertThat(gone.exitCode()).isEqualTo(1);
        assertThat(gone.err()).isEqualTo("error: refresh spec 'docs' not found; `embedflow schedule list` shows the registered "
                + "specs\n");
        assertThat(json(cli.run("schedule", "list", "--json"))).isEmpty();
    }

    @Test
    void anInvalidSpecIsRefusedInOneSentenceNamingFileAndField() throws IOException {
        Cli.Result cron = cli.run("schedule", "add", spec("bad.yaml", DOCS.replace("0 3 * * *", "61 * * * *")).toString());
        assertThat(cron.exitCode()).isEqualTo(1);
        assertThat(cron.err()).isEqualTo("error: spec bad.yaml: triggers.cron: '61 * * * *' is not a valid cron expression: "
                + "Value 61 not in range [0, 59] (five fields: minute hour day-of-month month day-of-week)\n");

        Cli.Result unknown = cli.run("schedule", "add", spec("typo.yaml", DOCS.replace("model:", "modle:")).toString());
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).startsWith("error: spec typo.yaml: modle: unknown field; the known fields are name, ");

        Cli.Result model = cli.run("schedule", "add", spec("model.yaml", DOCS.replace("minilm@production", "x@")).toString());
        assertThat(model.err()).startsWith("error: spec model.yaml: model: invalid model reference 'x@': ");

        Cli.Result chain = cli.run("schedule", "add", spec("chain.yaml", DOCS + "  after: [clean]\n").toString());
        assertThat(chain.exitCode()).isEqualTo(1);
        assertThat(chain.err()).isEqualTo("error: spec chain.yaml: triggers.after[0]: no spec named 'clean' is registered; "
                + "add it first\n");

        Cli.Result missing = cli.run("schedule", "add", tmp.resolve("nope.yaml").toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).startsWith("error: cannot read spec file " + tmp.resolve("nope.yaml"));

        assertThat(json(cli.run("schedule", "list", "--json"))).as("nothing was added").isEmpty();
    }

    @Test
    void badUsageExitsWithTwo() {
        assertThat(cli.run("schedule").exitCode()).isEqualTo(2);
        assertThat(cli.run("schedule", "add").exitCode()).isEqualTo(2);
        assertThat(cli.run("schedule", "show").exitCode()).isEqualTo(2);
        assertThat(cli.run("schedule", "list", "--nope").exitCode()).isEqualTo(2);
    }

    private Path spec(String name, String yaml) throws IOException {
        Path file = tmp.resolve("specs").resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, yaml);
        return file;
    }

    private static Cli.Result ok(Cli.Result result) {
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return result;
    }

    private static JsonNode json(Cli.Result result) throws IOException {
        return JSON.readTree(ok(result).out());
    }
}
