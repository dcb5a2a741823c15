package io.embedflow.orchestrator.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.orchestrator.registry.ModelRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Reading refresh specs from YAML: every field, its defaults, and an error naming the field for each way to get it wrong. */
class SpecYamlTest {

    private static final String MINIMAL = """
            name: docs
            dataset: /data/docs
            idColumn: id
            textColumn: body
            model: minilm@production
            output: /tables/docs
            """;

    @TempDir
    Path tmp;

    @Test
    void readsEveryField() {
        RefreshSpec spec = read("""
                name: docs-nightly
                tenant: search
                dataset: s3://warehouse/docs/
                where: [country=de, year=2026]
                idColumn: id
                textColumn: body
                model: minilm@production
                output: /tables/docs
                parallelism: 4
                device: gpu:1
                priority: -3
                jobOptions:
                  embedflow.batch.max-rows: 128
                  embedflow.tokenizer.threads: "2"
                triggers:
                  cron: "0 3 * * 1-5"
                  timezone: Europe/Berlin
                  onNewData: true
                  onModelAlias: true
                  after: [docs-clean, docs-dedupe]
                """);

        assertThat(spec.name()).isEqualTo("docs-nightly");
        assertThat(spec.tenant()).isEqualTo("search");
        assertThat(spec.dataset()).isEqualTo("s3://warehouse/docs/");
        assertThat(spec.where()).containsExactly("country=de", "year=2026");
        assertThat(spec.partitionFilter().matches(Map.of("country", "de", "year", "2026"))).isTrue();
        assertThat(spec.idColumn()).isEqualTo("id");
        assertThat(spec.textColumn()).isEqualTo("body");
        assertThat(spec.model()).isEqualTo(ModelRef.alias("minilm", "production"));
        assertThat(spec.output()).isEqualTo("/tables/docs");
        assertThat(spec.parallelism()).isEqualTo(4);
        assertThat(spec.device()).isEqualTo(new DeviceRequest(DeviceRequest.Kind.GPU, 1));
        assertThat(spec.priority()).isEqualTo(-3);
        assertThat(spec.jobOptions()).containsExactlyInAnyOrderEntriesOf(
                Map.of("embedflow.batch.max-rows", "128", "embedflow.tokenizer.threads", "2"));
        Triggers t = spec.triggers();
        assertThat(t.cron()).isEqualTo(CronSchedule.parse("0 3 * * 1-5", ZoneId.of("Europe/Berlin")));
        assertThat(t.onNewData()).isTrue();
        assertThat(t.onModelAlias()).isTrue();
        assertThat(t.after()).containsExactly("docs-clean", "docs-dedupe");
    }

    @Test
    void optionalFieldsHaveDefaultsAndNoTriggersMeansManualOnly() {
        RefreshSpec spec = read(MINIMAL);

        assertThat(spec.tenant()).isEqualTo(RefreshSpec.DEFAULT_TENANT);
        assertThat(spec.where()).isEmpty();
        assertThat(spec.partitionFilter().isAll()).isTrue();
        assertThat(spec.parallelism()).isEqualTo(1);
        assertThat(spec.device()).isEqualTo(DeviceRequest.CPU);
        assertThat(spec.priority()).isZero();
        assertThat(spec.jobOptions()).isEmpty();
        assertThat(spec.triggers()).isEqualTo(Triggers.MANUAL_ONLY);
        assertThat(spec.triggers().manualOnly()).isTrue();
    }

    @Test
    void cronWithoutTimezoneIsUtc() {
        RefreshSpec spec = read(MINIMAL + "triggers: {cron: '*/15 * * * *'}\n");
        assertThat(spec.triggers().cron().zone()).isEqualTo(CronSchedule.UTC);
    }

    @Test
    void relativeLocationsAreRelativeToTheSpecFile() throws Exception {
        Path file = tmp.resolve("specs/docs.yaml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, MINIMAL.replace("/data/docs", "../data/docs").replace("/tables/docs", "tables/docs"));

        RefreshSpec spec = RefreshSpecYaml.read(file);

        assertThat(spec.dataset()).isEqualTo(tmp.resolve("data/docs").toString());
        assertThat(spec.output()).isEqualTo(tmp.resolve("specs/tables/docs").toString());
    }

    @Test
    void aRelativeLocationWithoutABaseDirectoryIsRefused() {
        assertThatThrownBy(() -> RefreshSpecYaml.read("docs.yaml", MINIMAL.replace("/data/docs", "data/docs"), null))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessage("spec docs.yaml: dataset: 'data/docs' is a relative path; give an absolute path or s3://bucket/prefix");
    }

    @Test
    void canonicalYamlReadsBackToAnEqualSpec() {
        RefreshSpec full = read("""
                name: docs
                tenant: search
                dataset: s3://warehouse/docs/
                where: [country=de]
                idColumn: id
                textColumn: body
                model: minilm@production
                output: s3://tables/docs/
                parallelism: 2
                device: gpu
                priority: 7
                jobOptions: {embedflow.batch.max-rows: 32, embedflow.tokenizer.threads: "true"}
                triggers: {cron: "0 3 * * *", timezone: Asia/Kolkata, onNewData: true, onModelAlias: true, after: [a, b]}
                """);
        for (RefreshSpec spec : List.of(full, read(MINIMAL))) {
            String yaml = RefreshSpecYaml.write(spec);
            assertThat(RefreshSpecYaml.read("canonical", yaml, null)).as(yaml).isEqualTo(spec);
        }
        assertThat(RefreshSpecYaml.write(full)).startsWith("name: docs\ntenant: search\n").contains("cron: 0 3 * * *");
    }

    static Stream<Arguments> invalidSpecs() {
        return Stream.of(
                bad("an empty file", "", "is empty; expected a mapping with at least name, dataset, idColumn, textColumn, "
                        + "model and output"),
                bad("a list instead of a mapping", "- docs\n- more\n", "is a YAML list; expected a mapping"),
                bad("broken YAML", "name: [docs\n", "is not valid YAML at line "),
                bad("a duplicate key", MINIMAL + "name: again\n", "is not valid YAML at line 7, column "),
                bad("an unknown field", MINIMAL + "modle: x\n", "modle: unknown field; the known fields are name, tenant, "
                        + "dataset, where, idColumn, textColumn, model, output, parallelism, device, priority, jobOptions, triggers"),
                bad("an unknown trigger", MINIMAL + "triggers: {onNewData: true, croon: '* * * * *'}\n",
                        "triggers.croon: unknown field; the known fields of triggers are cron, timezone, onNewData, onModelAlias, after"),
                bad("no name", MINIMAL.replace("name: docs\n", ""), "name: is required"),
                bad("an invalid name", MINIMAL.replace("name: docs", "name: Docs_1"),
                        "name: 'Docs_1' must be 1 to 63 lowercase letters, digits and '-', starting with a letter or digit"),
                bad("an invalid tenant", MINIMAL + "tenant: -search\n", "tenant: '-search' must be 1 to 63 lowercase letters"),
                bad("no dataset", MINIMAL.replace("dataset: /data/docs\n", ""), "dataset: is required"),
                bad("a dataset on another scheme", MINIMAL.replace("/data/docs", "gs://bucket/docs"),
                        "dataset: unsupported store location 'gs://bucket/docs'"),
                bad("a where term without '='", MINIMAL + "where: [country=de, year]\n",
                        "where[1]: partition filter 'year' must look like key=value"),
                bad("a where mapping", MINIMAL + "where: {country: de}\n", "where: is a mapping; expected a list"),
                bad("no id column", MINIMAL.replace("idColumn: id\n", ""), "idColumn: is required"),
                bad("a list as text column", MINIMAL.replace("textColumn: body", "textColumn: [a, b]"),
                        "textColumn: is a list; expected text"),
                bad("an alias without a name", MINIMAL.replace("minilm@production", "x@"),
                        "model: invalid model reference 'x@': the alias after '@' must start with a letter"),
                bad("no output", MINIMAL.replace("output: /tables/docs\n", ""), "output: is required"),
                bad("the dataset as output", MINIMAL.replace("/tables/docs", "/data/docs/"),
                        "output: '/data/docs' is the dataset itself; write the table elsewhere"),
                bad("parallelism 0", MINIMAL + "parallelism: 0\n", "parallelism: 0 is not between 1 and 4096"),
                bad("parallelism in words", MINIMAL + "parallelism: four\n", "parallelism: 'four' is not a whole number"),
                bad("a fractional priority", MINIMAL + "priority: 1.5\n", "priority: '1.5' is not a whole number"),
                bad("an unknown device", MINIMAL + "device: tpu\n", "device: 'tpu' is not cpu, gpu or gpu:N"),
                bad("a job option a field sets", MINIMAL + "jobOptions: {embedflow.input: /elsewhere}\n",
                        "jobOptions.embedflow.input: is set by the spec's field 'dataset'; set it there"),
                bad("a nested job option", MINIMAL + "jobOptions: {embedflow.batch: {max-rows: 3}}\n",
                        "jobOptions.embedflow.batch: is a mapping; expected a single value"),
                bad("a bad cron expression", MINIMAL + "triggers: {cron: '61 * * * *'}\n",
                        "triggers.cron: '61 * * * *' is not a valid cron expression: Value 61 not in range [0, 59]"),
                bad("a cron expression with three fields", MINIMAL + "triggers: {cron: '* * *'}\n",
                        "triggers.cron: '* * *' is not a valid cron expression: Cron expression contains 3 parts"),
                bad("an unknown time zone", MINIMAL + "triggers: {cron: '0 3 * * *', timezone: Mars/Olympus}\n",
                        "triggers.timezone: 'Mars/Olympus' is not a time zone"),
                bad("a time zone without cron", MINIMAL + "triggers: {timezone: UTC, onNewData: true}\n",
                        "triggers.timezone: is set without triggers.cron"),
                bad("a flag that is not a boolean", MINIMAL + "triggers: {onNewData: maybe}\n",
                        "triggers.onNewData: 'maybe' is not true or false"),
                bad("an alias trigger on a fixed version", MINIMAL.replace("minilm@production", "minilm/3")
                        + "triggers: {onModelAlias: true}\n",
                        "triggers.onModelAlias: needs a model alias (NAME@ALIAS), but model is 'minilm/3'"),
                bad("a spec after itself", MINIMAL + "triggers: {after: [clean, docs]}\n",
                        "triggers.after: spec 'docs' cannot run after itself"),
                bad("an upstream named twice", MINIMAL + "triggers: {after: [clean, clean]}\n",
                        "triggers.after[1]: spec 'clean' is named twice"),
                bad("an upstream that is no spec name", MINIMAL + "triggers: {after: [Clean]}\n",
                        "triggers.after[0]: 'Clean' is not a spec name"),
                bad("triggers as a list", MINIMAL + "triggers: [cron]\n", "triggers: is a list; expected a mapping"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSpecs")
    void anInvalidSpecIsRefusedNamingFileAndField(String what, String yaml, String message) {
        assertThatThrownBy(() -> RefreshSpecYaml.read("docs.yaml", yaml, tmp))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageStartingWith("spec docs.yaml: " + message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void theErrorCarriesTheField() {
        assertThatThrownBy(() -> read(MINIMAL + "triggers: {cron: '61 * * * *'}\n"))
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> {
                    assertThat(e.field()).isEqualTo("triggers.cron");
                    assertThat(e.source()).isEqualTo("docs.yaml");
                });
    }

    private static Arguments bad(String what, String yaml, String message) {
        return Arguments.of(what, yaml, message);
    }

    private RefreshSpec read(String yaml) {
        return RefreshSpecYaml.read("docs.yaml", yaml, tmp);
    }
}
