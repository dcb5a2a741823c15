package io.embedflow.orchestrator.schedule;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.embedflow.connectors.store.ObjectStores;
import io.embedflow.djl.DjlOpsException;
import io.embedflow.djl.device.DeviceRequest;
import io.embedflow.orchestrator.OrchestratorException;
import io.embedflow.orchestrator.registry.ModelRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Refresh specs as YAML: {@link #read} checks every field (unknown ones included) and builds a
 * {@link RefreshSpec}; {@link #write} gives the canonical form the schedule stores, which reads
 * back to an equal spec. Errors are {@link InvalidSpecException}s naming the source and the field.
 * Stateless and thread-safe.
 */
public final class RefreshSpecYaml {

    static final Set<String> FIELDS = Set.of("name", "tenant", "dataset", "where", "idColumn", "textColumn", "model", "output",
            "parallelism", "device", "priority", "jobOptions", "triggers");
    static final Set<String> TRIGGER_FIELDS = Set.of("cron", "timezone", "onNewData", "onModelAlias", "after");
    private static final List<String> FIELD_ORDER = List.of("name", "tenant", "dataset", "where", "idColumn", "textColumn",
            "model", "output", "parallelism", "device", "priority", "jobOptions", "triggers");
    private static final List<String> TRIGGER_ORDER = List.of("cron", "timezone", "onNewData", "onModelAlias", "after");

    private static final YAMLMapper MAPPER = YAMLMapper.builder(YAMLFactory.builder()
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                    .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .build();

    private RefreshSpecYaml() {
    }

    /** Reads the spec file {@code file}; relative locations in it are relative to its directory. */
    public static RefreshSpec read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new OrchestratorException("cannot read spec file " + file + ": " + e.getMessage(), e);
        }
        Path dir = file.toAbsolutePath().getParent();
        return read(file.getFileName().toString(), text, dir);
    }

    /**
     * Reads a spec from {@code yaml}.
     *
     * @param source names the spec in errors ({@code spec SOURCE: field: ...}), usually the file name
     * @param baseDir the directory relative local locations are resolved against; null to refuse relative locations
     * @throws InvalidSpecException naming the source and the first offending field
     */
    public static RefreshSpec read(String source, String yaml, Path baseDir) {
        try {
            return build(parse(yaml), baseDir);
        } catch (InvalidSpecException e) {
            throw e.in(source);
        }
    }

    /** The canonical YAML of {@code spec}: fields in a fixed order, defaults included, locations absolute. */
    public static String write(RefreshSpec spec) {
        try {
            return MAPPER.writeValueAsString(toMap(spec));
        } catch (JsonProcessingException e) {
            throw new OrchestratorException("cannot write refresh spec " + spec.name() + " as YAML: " + e.getOriginalMessage(), e);
        }
    }

    /** {@code spec} as the plain maps and lists its canonical YAML holds (for JSON views). */
    public static Map<String, Object> toMap(RefreshSpec spec) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", spec.name());
        m.put("tenant", spec.tenant());
        m.put("dataset", spec.dataset());
        if (!spec.where().isEmpty()) {
            m.put("where", spec.where());
        }
        m.put("idColumn", spec.idColumn());
        m.put("textColumn", spec.textColumn());
        m.put("model", spec.model().toString());
        m.put("output", spec.output());
        m.put("parallelism", spec.parallelism());
        m.put("device", spec.device().toString());
        m.put("priority", spec.priority());
        if (!spec.jobOptions().isEmpty()) {
            m.put("jobOptions", new TreeMap<>(spec.jobOptions()));
        }
        Triggers t = spec.triggers();
        Map<String, Object> triggers = new LinkedHashMap<>();
        if (t.cron() != null) {
            triggers.put("cron", t.cron().expression());
            triggers.put("timezone", t.cron().zone().getId());
        }
        triggers.put("onNewData", t.onNewData());
        triggers.put("onModelAlias", t.onModelAlias());
        if (!t.after().isEmpty()) {
            triggers.put("after", t.after());
        }
        m.put("triggers", triggers);
        return m;
    }

    private static JsonNode parse(String yaml) {
        JsonNode root;
        try {
            root = MAPPER.readTree(yaml);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new InvalidSpecException("", "is not valid YAML" + where + ": " + firstLine(e.getOriginalMessage()), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new InvalidSpecException("", "is empty; expected a mapping with at least " + required());
        }
        if (!root.isObject()) {
            throw new InvalidSpecException("", "is a YAML " + kind(root) + "; expected a mapping with at least " + required());
        }
        return root;
    }

    private static RefreshSpec build(JsonNode root, Path baseDir) {
        rejectUnknown((ObjectNode) root, "", FIELDS, FIELD_ORDER);
        String name = text(root, "name", true);
        String tenant = text(root, "tenant", false);
        String dataset = location(root, "dataset", baseDir);
        List<String> where = textList(root, "where");
        String idColumn = text(root, "idColumn", true);
        String textColumn = text(root, "textColumn", true);
        String modelText = text(root, "model", true);
        ModelRef model;
        try {
            model = ModelRef.parse(modelText);
        } catch (OrchestratorException e) {
            throw new InvalidSpecException("model", e.getMessage(), e);
        }
        String output = location(root, "output", baseDir);
        Integer parallelism = integer(root, "parallelism");
        String deviceText = text(root, "device", false);
        DeviceRequest device;
        try {
            device = deviceText == null ? DeviceRequest.CPU : DeviceRequest.parse(deviceText);
        } catch (DjlOpsException e) {
            throw new InvalidSpecException("device", "'" + deviceText + "' is not cpu, gpu or gpu:N", e);
        }
        Integer priority = integer(root, "priority");
        Map<String, String> jobOptions = options(root.get("jobOptions"));
        Triggers triggers = triggers(root.get("triggers"));
        return new RefreshSpec(name, tenant == null ? RefreshSpec.DEFAULT_TENANT : tenant, dataset, where, idColumn, textColumn,
                model, output, parallelism == null ? 1 : parallelism, device, priority == null ? 0 : priority, jobOptions, triggers);
    }

    private static Triggers triggers(JsonNode node) {
        if (node == null || node.isNull()) {
            return Triggers.MANUAL_ONLY;
        }
        if (!node.isObject()) {
            throw new InvalidSpecException("triggers", "is a " + kind(node) + "; expected a mapping of " + String.join(", ",
                    TRIGGER_ORDER));
        }
        rejectUnknown((ObjectNode) node, "triggers.", TRIGGER_FIELDS, TRIGGER_ORDER);
        String cronText = text(node, "cron", false, "triggers.cron");
        String zoneText = text(node, "timezone", false, "triggers.timezone");
        CronSchedule cron = null;
        if (zoneText != null && cronText == null) {
            throw new InvalidSpecException("triggers.timezone", "is set without triggers.cron; it says in which zone a cron "
                    + "expression is read");
        }
        if (cronText != null) {
            ZoneId zone = CronSchedule.UTC;
            if (zoneText != null) {
                try {
                    zone = ZoneId.of(zoneText);
                } catch (DateTimeException e) {
                    throw new InvalidSpecException("triggers.timezone", "'" + zoneText + "' is not a time zone; use a region "
                            + "such as Europe/Berlin or an offset such as +02:00", e);
                }
            }
            cron = CronSchedule.parse(cronText, zone);
        }
        boolean onNewData = bool(node, "onNewData", "triggers.onNewData");
        boolean onModelAlias = bool(node, "onModelAlias", "triggers.onModelAlias");
        List<String> after = textList(node, "after", "triggers.after");
        return new Triggers(cron, onNewData, onModelAlias, after);
    }

    private static void rejectUnknown(ObjectNode node, String prefix, Set<String> known, List<String> order) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new InvalidSpecException(prefix + name, "unknown field; the known fields " + (prefix.isEmpty() ? "" : "of "
                        + prefix.substring(0, prefix.length() - 1) + " ") + "are " + String.join(", ", order));
            }
        }
    }

    private static String text(JsonNode parent, String name, boolean required) {
        return text(parent, name, required, name);
    }

    private static String text(JsonNode parent, String name, boolean required, String field) {
        JsonNode node = parent.get(name);
        if (node == null || node.isNull()) {
            if (required) {
                throw new InvalidSpecException(field, "is required");
            }
            return null;
        }
        if (!node.isValueNode()) {
            throw new InvalidSpecException(field, "is a " + kind(node) + "; expected text");
        }
        return node.asText();
    }

    private static String location(JsonNode root, String name, Path baseDir) {
        String text = text(root, name, true);
        if (text.isBlank() || ObjectStores.isS3(text) || text.regionMatches(true, 0, "file:", 0, 5) || text.contains("://")) {
            return text;
        }
        Path path;
        try {
            path = Path.of(text);
        } catch (java.nio.file.InvalidPathException e) {
            throw new InvalidSpecException(name, "'" + text + "' is not a valid path: " + e.getMessage(), e);
        }
        if (path.isAbsolute()) {
            return text;
        }
        if (baseDir == null) {
            throw new InvalidSpecException(name, "'" + text + "' is a relative path; give an absolute path or s3://bucket/prefix");
        }
        return baseDir.resolve(path).normalize().toString();
    }

    private static Integer integer(JsonNode root, String name) {
        JsonNode node = root.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw new InvalidSpecException(name, "'" + node.asText() + "' is not a whole number");
        }
        return node.intValue();
    }

    private static boolean bool(JsonNode parent, String name, String field) {
        JsonNode node = parent.get(name);
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            throw new InvalidSpecException(field, "'" + node.asText() + "' is not true or false");
        }
        return node.booleanValue();
    }

    private static List<String> textList(JsonNode parent, String name) {
        return textList(parent, name, name);
    }

    private static List<String> textList(JsonNode parent, String name, String field) {
        JsonNode node = parent.get(name);
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (node.isValueNode()) {
            return List.of(node.asText());
        }
        if (!node.isArray()) {
            throw new InvalidSpecException(field, "is a " + kind(node) + "; expected a list");
        }
        List<String> values = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            if (item == null || item.isNull() || !item.isValueNode()) {
                throw new InvalidSpecException(field + "[" + i + "]", "is " + (item == null || item.isNull() ? "empty"
                        : "a " + kind(item)) + "; expected text");
            }
            values.add(item.asText());
        }
        return values;
    }

    private static Map<String, String> options(JsonNode node) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new InvalidSpecException("jobOptions", "is a " + kind(node) + "; expected a mapping of option keys to values");
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode value = field.getValue();
            if (value == null || value.isNull() || !value.isValueNode()) {
                throw new InvalidSpecException("jobOptions." + field.getKey(), "is " + (value == null || value.isNull() ? "empty"
                        : "a " + kind(value)) + "; expected a single value");
            }
            options.put(field.getKey(), value.asText());
        }
        return options;
    }

    private static String kind(JsonNode node) {
        if (node.isObject()) {
            return "mapping";
        }
        if (node.isArray()) {
            return "list";
        }
        if (node.isNumber()) {
            return "number";
        }
        if (node.isBoolean()) {
            return "boolean";
        }
        return "text";
    }

    private static String required() {
        return "name, dataset, idColumn, textColumn, model and output";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).strip();
    }
}
