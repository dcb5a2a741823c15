package io.embedflow.connectors.shard;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.internal.LocalParquet;
import io.embedflow.connectors.internal.Sha256;
import io.embedflow.connectors.io.ObjectInputFile;
import io.embedflow.connectors.s3.S3Settings;
import io.embedflow.connectors.s3.S3Uri;
import io.embedflow.connectors.store.ObjectInfo;
import io.embedflow.connectors.store.ObjectStore;
import io.embedflow.connectors.store.ObjectStoreException;
import io.embedflow.connectors.store.ObjectStores;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.InputFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plans the read of a Parquet dataset on local disk or S3: lists its files, keeps those whose
 * Hive-style partitions pass the filter, validates every footer, cuts one shard per non-empty row
 * group and fingerprints the files into a {@link DataSnapshot}.
 *
 * <p>Files are the {@code *.parquet} files under the root, at any depth, sorted by relative path;
 * files and directories whose name starts with {@code _} or {@code .} are ignored (Spark's
 * {@code _SUCCESS}, staging directories). Local symbolic links are followed.
 *
 * <p>Local files are fingerprinted by their SHA-256 (planning reads every byte, sequentially);
 * S3 objects by their ETag from the listing, and their footers are read in parallel, one ranged
 * GET per footer for typical files, pinned to that ETag.
 *
 * <pre>{@code
 * DatasetPlan plan = ShardPlanner.plan("s3://warehouse/docs/", "doc_id", "body",
 *     PartitionFilter.parse(List.of("day=2026-11-28")), S3Settings.fromEnvironment());
 * }</pre>
 */
public final class ShardPlanner {
  private static final Logger LOG = LoggerFactory.getLogger(ShardPlanner.class);
  private static final String SUFFIX = ".parquet";
  /** Column chunks closer than this are fetched as one range: a request costs more than the gap. */
  private static final long MERGE_GAP = 256 * 1024;
  private static final int FOOTER_THREADS = 16;

  private ShardPlanner() {}

  /** Plans every file under a local directory. */
  public static DatasetPlan plan(Path inputDir, String idColumn, String textColumn) {
    Objects.requireNonNull(inputDir, "inputDir");
    return plan(inputDir.toString(), idColumn, textColumn, PartitionFilter.all(), S3Settings.defaults());
  }

  /**
   * Plans the dataset at {@code location}: a local directory or {@code s3://bucket/prefix/}.
   *
   * @param s3 how to reach S3; used only for {@code s3://} locations
   * @throws ConnectorException when the location is missing or holds no Parquet file (after
   *     filtering), when the filter names a key the dataset is not partitioned by, when files are
   *     partitioned differently, when a file is not readable Parquet, or lacks the id or text column
   *     or has them with an unsupported or inconsistent type; the message names the file and column
   */
  public static DatasetPlan plan(String location, String idColumn, String textColumn, PartitionFilter where,
      S3Settings s3) {
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(idColumn, "idColumn");
    Objects.requireNonNull(textColumn, "textColumn");
    Objects.requireNonNull(where, "where");
    if (ObjectStores.isS3(location)) {
      Objects.requireNonNull(s3, "s3");
      S3Uri root = S3Uri.parse(location);
      try (ObjectStore store = ObjectStores.open(location, s3)) {
        return planObjects(root, store, idColumn, textColumn, where);
      }
    }
    Path root = Path.of(ObjectStores.normalize(location));
    List<Candidate> files = filter(listLocalFiles(root), where, root.toString());
    List<Footer> footers = new ArrayList<>(files.size());
    for (Candidate file : files) {
      Path path = Path.of(file.location);
      footers.add(new Footer(file, readFooter(LocalParquet.inputFile(path), file.location), localTail(path),
          Sha256.ofFile(path)));
    }
    return assemble(root.toString(), footers, idColumn, textColumn, where);
  }

  private static DatasetPlan planObjects(S3Uri root, ObjectStore store, String idColumn, String textColumn,
      PartitionFilter where) {
    List<Candidate> all = new ArrayList<>();
    for (ObjectInfo object : store.list("")) {
      if (object.key().endsWith(SUFFIX) && !isHiddenPath(object.key())) {
        all.add(new Candidate(object.key(), root.resolve(object.key()).toString(), object.size(), object.etag(),
            PartitionFilter.valuesOf(object.key())));
      }
    }
    if (all.isEmpty()) {
      throw new ConnectorException("no *" + SUFFIX + " objects under " + root);
    }
    List<Candidate> files = filter(all, where, root.toString());
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(FOOTER_THREADS, files.size()), r -> {
      Thread thread = new Thread(r, "embedflow-footers");
      thread.setDaemon(true);
      return thread;
    });
    try {
      List<Future<Footer>> pending = new ArrayList<>(files.size());
      for (Candidate file : files) {
        pending.add(pool.submit(() -> {
          ObjectInputFile input = new ObjectInputFile(store, file.relativePath, file.location, file.size, file.etag,
              ObjectInputFile.DEFAULT_READ_AHEAD);
          ParquetMetadata footer = readFooter(input, file.location);
          byte[] tail = new byte[8];
          var stream = input.newStream();
          stream.seek(file.size - tail.length);
          stream.readFully(tail);
          return new Footer(file, footer, tailLength(tail), "etag:" + file.etag);
        }));
      }
      List<Footer> footers = new ArrayList<>(files.size());
      for (Future<Footer> future : pending) {
        footers.add(await(future));
      }
      return assemble(root.toString(), footers, idColumn, textColumn, where);
    } finally {
      pool.shutdownNow();
    }
  }

  private static Footer await(Future<Footer> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConnectorException("interrupted while reading footers", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new ConnectorException(LocalParquet.describe(cause), cause);
    }
  }

  private static DatasetPlan assemble(String root, List<Footer> footers, String idColumn, String textColumn,
      PartitionFilter where) {
    List<String> files = new ArrayList<>(footers.size());
    List<Map<String, String>> partitions = new ArrayList<>(footers.size());
    List<DataFile> dataFiles = new ArrayList<>(footers.size());
    List<Shard> shards = new ArrayList<>();
    IdType idType = null;
    String idTypeFile = null;
    long totalRows = 0;
    for (int fileIndex = 0; fileIndex < footers.size(); fileIndex++) {
      Footer f = footers.get(fileIndex);
      String file = f.file.location;
      IdType fileIdType = InputColumns.check(f.footer.getFileMetaData().getSchema(), idColumn, textColumn, file);
      if (idType == null) {
        idType = fileIdType;
        idTypeFile = file;
      } else if (idType != fileIdType) {
        throw new ConnectorException("id column '" + idColumn + "' is " + fileIdType + " in " + file + " but "
            + idType + " in " + idTypeFile + "; it must have the same type in every file");
      }
      long firstRow = 0;
      List<BlockMetaData> groups = f.footer.getBlocks();
      for (int group = 0; group < groups.size(); group++) {
        long rows = groups.get(group).getRowCount();
        if (rows > 0) {
          shards.add(new Shard(fileIndex, file, group, firstRow, rows, f.file.size, f.version, f.tailLength,
              chunks(groups.get(group), idColumn, textColumn)));
        }
        firstRow += rows;
      }
      totalRows += firstRow;
      files.add(file);
      partitions.add(f.file.partitions);
      dataFiles.add(new DataFile(f.file.relativePath, f.file.size, f.version));
    }
    DataSnapshot snapshot = DataSnapshot.of(dataFiles);
    LOG.info("planned {} ({}): {} files, {} shards, {} rows, data snapshot {}", root, where, files.size(),
        shards.size(), totalRows, snapshot.id());
    return new DatasetPlan(root, snapshot, files, partitions, where, shards, idColumn, textColumn, idType, totalRows);
  }

  private static List<ByteSpan> chunks(BlockMetaData group, String idColumn, String textColumn) {
    List<ByteSpan> spans = new ArrayList<>();
    for (ColumnChunkMetaData column : group.getColumns()) {
      String top = column.getPath().toArray()[0];
      if (column.getTotalSize() > 0 && (top.equals(idColumn) || top.equals(textColumn))) {
        spans.add(new ByteSpan(column.getStartingPos(), column.getTotalSize()));
      }
    }
    spans.sort((a, b) -> Long.compare(a.offset(), b.offset()));
    List<ByteSpan> merged = new ArrayList<>(spans.size());
    for (ByteSpan span : spans) {
      ByteSpan last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
      if (last != null && span.offset() - last.end() <= MERGE_GAP) {
        merged.set(merged.size() - 1, new ByteSpan(last.offset(), Math.max(last.end(), span.end()) - last.offset()));
      } else {
        merged.add(span);
      }
    }
    return merged;
  }

  private static List<Candidate> filter(List<Candidate> all, PartitionFilter where, String root) {
    List<String> keys = List.copyOf(all.get(0).partitions.keySet());
    for (Candidate file : all) {
      if (!List.copyOf(file.partitions.keySet()).equals(keys)) {
        throw new ConnectorException("file " + file.location + " is partitioned by " + file.partitions.keySet()
            + " but " + all.get(0).location + " by " + keys + "; every file of a dataset must have the same partition"
            + " directories");
      }
    }
    for (String key : where.keys()) {
      if (!keys.contains(key)) {
        throw new ConnectorException("cannot filter " + root + " on '" + key + "': "
            + (keys.isEmpty() ? "it has no key=value partition directories" : "its partition keys are " + keys));
      }
    }
    List<Candidate> kept = all.stream().filter(f -> where.matches(f.partitions)).toList();
    if (kept.isEmpty()) {
      throw new ConnectorException("no file of " + root + " is in the partitions " + where);
    }
    return kept;
  }

  /**
   * The relative paths (with {@code /}) and absolute paths of the Parquet files a plan of the local
   * directory {@code root} would read, sorted by relative path; the same rules as {@link #plan}.
   */
  public static List<Map.Entry<String, Path>> localParquetFiles(Path root) {
    return walkLocalFiles(root.toAbsolutePath().normalize()).stream()
        .map(c -> Map.entry(c.relativePath(), Path.of(c.location()))).toList();
  }

  private static List<Candidate> listLocalFiles(Path root) {
    List<Candidate> files = walkLocalFiles(root);
    if (files.isEmpty()) {
      throw new ConnectorException("input directory " + root + " contains no *" + SUFFIX + " files");
    }
    return files;
  }

  private static List<Candidate> walkLocalFiles(Path root) {
    if (!Files.exists(root)) {
      throw new ConnectorException("input directory " + root + " does not exist");
    }
    if (!Files.isDirectory(root)) {
      throw new ConnectorException("input directory " + root + " is not a directory");
    }
    List<Path> found = new ArrayList<>();
    try {
      Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          return dir.equals(root) || !isHidden(dir.getFileName().toString()) ? FileVisitResult.CONTINUE
              : FileVisitResult.SKIP_SUBTREE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          String name = file.getFileName().toString();
          if (attrs.isRegularFile() && !isHidden(name) && name.endsWith(SUFFIX)) {
            found.add(file);
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
          throw e;
        }
      });
    } catch (IOException e) {
      throw new ConnectorException("cannot list input directory " + root + ": " + LocalParquet.describe(e), e);
    }
    List<Candidate> files = new ArrayList<>(found.size());
    for (Path path : found) {
      String relative = root.relativize(path).toString().replace(path.getFileSystem().getSeparator(), "/");
      files.add(new Candidate(relative, path.toString(), size(path), null, PartitionFilter.valuesOf(relative)));
    }
    files.sort((a, b) -> a.relativePath.compareTo(b.relativePath));
    return files;
  }

  private static boolean isHidden(String name) {
    return name.startsWith("_") || name.startsWith(".");
  }

  private static boolean isHiddenPath(String relative) {
    for (String segment : relative.split("/")) {
      if (isHidden(segment)) {
        return true;
      }
    }
    return false;
  }

  private static ParquetMetadata readFooter(InputFile input, String file) {
    try (ParquetFileReader reader = ParquetFileReader.open(input, LocalParquet.readOptions())) {
      return reader.getFooter();
    } catch (ObjectStoreException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      if (e.getCause() instanceof ObjectStoreException store) {
        throw store;
      }
      throw new ConnectorException("cannot read Parquet file " + file + ": " + LocalParquet.describe(e), e);
    }
  }

  private static long localTail(Path file) {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer tail = ByteBuffer.allocate(8);
      channel.read(tail, channel.size() - 8);
      return tailLength(tail.array());
    } catch (IOException e) {
      throw new ConnectorException("cannot read the footer length of " + file + ": " + LocalParquet.describe(e), e);
    }
  }

  /** The footer's length plus the 4-byte length and the 4-byte magic, from the file's last 8 bytes. */
  private static long tailLength(byte[] last8) {
    long footerLength = ByteBuffer.wrap(last8, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
    return footerLength + 8;
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new ConnectorException("cannot read the size of " + file + ": " + LocalParquet.describe(e), e);
    }
  }

  /** A file that may be planned: before its footer is read. */
  private record Candidate(String relativePath, String location, long size, String etag,
      Map<String, String> partitions) {}

  private record Footer(Candidate file, ParquetMetadata footer, long tailLength, String version) {}
}
