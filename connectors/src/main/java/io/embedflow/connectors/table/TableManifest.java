package io.embedflow.connectors.table;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.shard.IdType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;

/**
 * The manifest of a published table, stored as {@value #FILE_NAME} in the table directory or under
 * the table's prefix: which run, model snapshot and data snapshot produced the table, and which files
 * hold its rows. A table exists iff its manifest does; readers read only the files listed here (see
 * {@link TableLocation}).
 *
 * @param format {@value #FORMAT}
 * @param runId the run that wrote the table
 * @param modelSnapshotId the model snapshot that produced the vectors
 * @param modelRef the reference the model was resolved from, e.g. {@code starter/1}; may be null
 * @param dataSnapshotId the data snapshot that was read
 * @param idType name of the {@link IdType} of the id column
 * @param dimension length of every vector
 * @param rowCount rows over {@code files}
 * @param rejectedCount rows over {@code rejectedFiles}
 * @param truncatedCount rows whose text was truncated to the model's maximum length (they are in {@code files})
 * @param createdAt when the table was written
 * @param files embedding part files
 * @param rejectedFiles rejected-row part files
 * @param baseVersion for an incremental refresh of a versioned table ({@link TableVersions}): the version it
 *     started from and whose unchanged rows it keeps; null for a table embedded in full
 * @param carried in the manifest of an incremental run's own table only: the files of {@code baseVersion} it
 *     keeps as they are; null otherwise (a version manifest lists them among {@code files})
 * @param retrieval for a table of retrieval predictions: the corpus table searched; null for an embedding table
 */
@JsonPropertyOrder({"format", "runId", "modelSnapshotId", "modelRef", "dataSnapshotId", "idType", "dimension",
    "rowCount", "rejectedCount", "truncatedCount", "createdAt", "files", "rejectedFiles", "baseVersion", "carried",
    "retrieval"})
public record TableManifest(
    String format,
    String runId,
    String modelSnapshotId,
    String modelRef,
    String dataSnapshotId,
    String idType,
    int dimension,
    long rowCount,
    long rejectedCount,
    long truncatedCount,
    Instant createdAt,
    List<TableFile> files,
    List<TableFile> rejectedFiles,
    @JsonInclude(JsonInclude.Include.NON_NULL) Long baseVersion,
    @JsonInclude(JsonInclude.Include.NON_NULL) Carried carried,
    @JsonInclude(JsonInclude.Include.NON_NULL) Retrieval retrieval) {

  public static final String FILE_NAME = "_embedflow.json";
  public static final String FORMAT = "embedflow-table/1";

  private static final ObjectMapper JSON = new ObjectMapper()
      .registerModule(new SimpleModule("embedflow-instant")
          .addSerializer(Instant.class, new InstantSerializer())
          .addDeserializer(Instant.class, new InstantDeserializer()))
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public TableManifest {
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(modelSnapshotId, "modelSnapshotId");
    Objects.requireNonNull(dataSnapshotId, "dataSnapshotId");
    Objects.requireNonNull(idType, "idType");
    Objects.requireNonNull(createdAt, "createdAt");
    files = files == null ? List.of() : List.copyOf(files);
    rejectedFiles = rejectedFiles == null ? List.of() : List.copyOf(rejectedFiles);
    if (carried != null && baseVersion == null) {
      throw new ConnectorException("manifest of run " + runId + " carries files but names no base version");
    }
  }

  /** The manifest of a table embedded in full. */
  public TableManifest(String format, String runId, String modelSnapshotId, String modelRef, String dataSnapshotId,
      String idType, int dimension, long rowCount, long rejectedCount, long truncatedCount, Instant createdAt,
      List<TableFile> files, List<TableFile> rejectedFiles) {
    this(format, runId, modelSnapshotId, modelRef, dataSnapshotId, idType, dimension, rowCount, rejectedCount,
        truncatedCount, createdAt, files, rejectedFiles, null, null, null);
  }

  /** The manifest of an embedding table, possibly an incremental refresh's. */
  public TableManifest(String format, String runId, String modelSnapshotId, String modelRef, String dataSnapshotId,
      String idType, int dimension, long rowCount, long rejectedCount, long truncatedCount, Instant createdAt,
      List<TableFile> files, List<TableFile> rejectedFiles, Long baseVersion, Carried carried) {
    this(format, runId, modelSnapshotId, modelRef, dataSnapshotId, idType, dimension, rowCount, rejectedCount,
        truncatedCount, createdAt, files, rejectedFiles, baseVersion, carried, null);
  }

  /**
   * What a table of retrieval predictions searched: its rows are the top {@code k} ids of {@code corpus}
   * (version {@code corpusVersion}, embedded with {@code corpusModelSnapshotId}) for each query; the
   * manifest's model and data snapshots are the queries'.
   *
   * @param corpusIdType name of the corpus's id type
   */
  public record Retrieval(String corpus, long corpusVersion, String corpusModelSnapshotId, String corpusIdType, int k) implements java.io.Serializable {}

  /**
   * What an incremental run keeps of its base version without rewriting it: whole files of the base
   * version, with paths relative to the versioned table's location (not to the run's table). Their rows
   * are not counted in the run manifest's {@code rowCount} or {@code truncatedCount}; the version that
   * commits the run adds them.
   *
   * @param files files of the base version whose rows are all unchanged
   * @param truncatedRows how many of their rows had their text truncated
   */
  public record Carried(List<TableFile> files, long truncatedRows) {
    public Carried {
      files = files == null ? List.of() : List.copyOf(files);
    }

    /** The rows over {@link #files}. */
    public long rows() {
      return files.stream().mapToLong(TableFile::rows).sum();
    }
  }

  /** The {@link #idType} as an enum. */
  public IdType parsedIdType() {
    try {
      return IdType.valueOf(idType);
    } catch (IllegalArgumentException e) {
      throw new ConnectorException("manifest of run " + runId + " has unknown id type '" + idType + "'", e);
    }
  }

  /**
   * Writes {@value #FILE_NAME} into {@code tableDir} (pretty JSON, {@code createdAt} as ISO-8601),
   * replacing any previous manifest atomically.
   */
  public void writeTo(Path tableDir) {
    Path target = tableDir.resolve(FILE_NAME);
    Path temp = tableDir.resolve("." + FILE_NAME + ".tmp");
    try {
      Files.write(temp, toJson());
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new ConnectorException("cannot write table manifest " + target + ": " + e.getMessage(), e);
    }
  }

  /** The manifest as {@link #writeTo} stores it: pretty JSON, {@code createdAt} as ISO-8601. */
  public byte[] toJson() {
    try {
      return JSON.writeValueAsBytes(this);
    } catch (IOException e) {
      throw new ConnectorException("cannot encode the manifest of run " + runId + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads the manifest of the table in {@code tableDir}: its newest version ({@link TableVersions}),
   * or {@value #FILE_NAME} for a table of one run.
   *
   * @throws ConnectorException when the manifest is missing, is not valid JSON, lacks a required
   *     field or has another format than {@value #FORMAT}
   */
  public static TableManifest read(Path tableDir) {
    return TableVersions.local(tableDir.toAbsolutePath().normalize()).latest()
        .map(TableVersions.Version::manifest)
        .orElseThrow(() -> new ConnectorException("table manifest " + tableDir.resolve(FILE_NAME)
            + " does not exist; is " + tableDir + " a published embedflow table?"));
  }

  /**
   * Reads the manifest of the table at {@code location}: a local directory or {@code s3://bucket/prefix/}
   * (reached with {@link S3Settings#fromEnvironment()} and the AWS credential chain).
   *
   * @throws ConnectorException as {@link #read(Path)} does, naming the location
   */
  public static TableManifest read(String location) {
    try (TableLocation table = TableLocation.open(location, S3Settings.fromEnvironment())) {
      return table.readManifest();
    }
  }

  /**
   * Parses a manifest's JSON.
   *
   * @param where the manifest's path or URI, for messages
   * @throws ConnectorException as {@link #read(Path)} does
   */
  public static TableManifest parse(byte[] json, String where) {
    TableManifest manifest;
    try {
      manifest = JSON.readValue(json, TableManifest.class);
    } catch (IOException e) {
      throw new ConnectorException("table manifest " + where + " is malformed: " + e.getMessage(), e);
    }
    if (manifest == null) {
      throw new ConnectorException("table manifest " + where + " is empty");
    }
    if (!FORMAT.equals(manifest.format())) {
      throw new ConnectorException("table manifest " + where + " has format '" + manifest.format() + "'; expected '"
          + FORMAT + "'");
    }
    return manifest;
  }

  private static final class InstantSerializer extends JsonSerializer<Instant> {
    @Override
    public void serialize(Instant value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
      gen.writeString(value.toString());
    }
  }

  private static final class InstantDeserializer extends JsonDeserializer<Instant> {
    @Override
    public Instant deserialize(JsonParser parser, DeserializationContext context) throws IOException {
      String text = parser.getValueAsString();
      if (text == null) {
        throw new JsonMappingException(parser, "expected an ISO-8601 instant string");
      }
      try {
        return Instant.parse(text);
      } catch (DateTimeParseException e) {
        throw new JsonMappingException(parser, "'" + text + "' is not an ISO-8601 instant", e);
      }
    }
  }
}
