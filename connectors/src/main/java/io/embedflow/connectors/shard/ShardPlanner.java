package io.embedflow.connectors.shard;

import io.embedflow.connectors.ConnectorException;
import io.embedflow.connectors.internal.LocalParquet;
import io.embedflow.connectors.internal.Sha256;
import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plans the read of a Parquet dataset on local disk: lists its files, validates every footer, cuts
 * one shard per non-empty row group and fingerprints the files into a {@link DataSnapshot}.
 *
 * <p>Files are the {@code *.parquet} files under the input directory, recursively, sorted by
 * relative path; files and directories whose name starts with {@code _} or {@code .} are ignored
 * (Spark's {@code _SUCCESS}, staging directories, editor droppings). Symbolic links are followed.
 *
 * <pre>{@code
 * DatasetPlan plan = ShardPlanner.plan(Path.of("/data/docs"), "doc_id", "body");
 * for (Shard shard : plan.shards()) {
 *   try (ShardReader reader = new ShardReader(shard, plan.idColumn(), plan.textColumn(), plan.idType())) { ... }
 * }
 * }</pre>
 *
 * <p>Planning reads every footer and every byte (for the checksums), sequentially, on the calling thread.
 */
public final class ShardPlanner {
  private static final Logger LOG = LoggerFactory.getLogger(ShardPlanner.class);
  private static final String SUFFIX = ".parquet";

  private ShardPlanner() {}

  /**
   * Plans {@code inputDir}.
   *
   * @throws ConnectorException when the directory is missing or holds no Parquet file, when a file is
   *     not readable Parquet, or when a file lacks the id or text column or has them with an
   *     unsupported or inconsistent type; the message names the file and the column
   */
  public static DatasetPlan plan(Path inputDir, String idColumn, String textColumn) {
    Objects.requireNonNull(inputDir, "inputDir");
    Objects.requireNonNull(idColumn, "idColumn");
    Objects.requireNonNull(textColumn, "textColumn");
    Path root = inputDir.toAbsolutePath().normalize();
    List<Path> paths = listParquetFiles(root);

    List<String> files = new ArrayList<>(paths.size());
    List<DataFile> dataFiles = new ArrayList<>(paths.size());
    List<Shard> shards = new ArrayList<>();
    IdType idType = null;
    String idTypeFile = null;
    long totalRows = 0;
    for (int fileIndex = 0; fileIndex < paths.size(); fileIndex++) {
      Path path = paths.get(fileIndex);
      String file = path.toString();
      ParquetMetadata footer = readFooter(path);
      IdType fileIdType = InputColumns.check(footer.getFileMetaData().getSchema(), idColumn, textColumn, file);
      if (idType == null) {
        idType = fileIdType;
        idTypeFile = file;
      } else if (idType != fileIdType) {
        throw new ConnectorException("id column '" + idColumn + "' is " + fileIdType + " in " + file + " but "
            + idType + " in " + idTypeFile + "; it must have the same type in every file");
      }
      long firstRow = 0;
      List<BlockMetaData> groups = footer.getBlocks();
      for (int group = 0; group < groups.size(); group++) {
        long rows = groups.get(group).getRowCount();
        if (rows > 0) {
          shards.add(new Shard(fileIndex, file, group, firstRow, rows));
        }
        firstRow += rows;
      }
      totalRows += firstRow;
      files.add(file);
      dataFiles.add(new DataFile(relativePath(root, path), size(path), Sha256.ofFile(path)));
    }
    DataSnapshot snapshot = DataSnapshot.of(dataFiles);
    LOG.info("planned {}: {} files, {} shards, {} rows, data snapshot {}", root, files.size(), shards.size(), totalRows,
        snapshot.id());
    return new DatasetPlan(root.toString(), snapshot, files, shards, idColumn, textColumn, idType, totalRows);
  }

  private static List<Path> listParquetFiles(Path root) {
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
          return dir.equals(root) || !isHidden(dir) ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if (attrs.isRegularFile() && !isHidden(file) && file.getFileName().toString().endsWith(SUFFIX)) {
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
    if (found.isEmpty()) {
      throw new ConnectorException("input directory " + root + " contains no *" + SUFFIX + " files");
    }
    found.sort((a, b) -> relativePath(root, a).compareTo(relativePath(root, b)));
    return found;
  }

  private static boolean isHidden(Path path) {
    String name = path.getFileName().toString();
    return name.startsWith("_") || name.startsWith(".");
  }

  private static String relativePath(Path root, Path file) {
    return root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
  }

  private static ParquetMetadata readFooter(Path file) {
    try (ParquetFileReader reader = LocalParquet.open(file)) {
      return reader.getFooter();
    } catch (IOException e) {
      throw new ConnectorException("cannot close Parquet file " + file + ": " + LocalParquet.describe(e), e);
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new ConnectorException("cannot read the size of " + file + ": " + LocalParquet.describe(e), e);
    }
  }
}
