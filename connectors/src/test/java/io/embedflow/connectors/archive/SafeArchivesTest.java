package io.embedflow.connectors.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.embedflow.connectors.ConnectorException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.UnixStat;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeArchivesTest {
  private static final long LIMIT = 10L << 20;

  @TempDir Path dir;

  /** Name → content; a null content is a directory entry. */
  private static Map<String, byte[]> modelFiles() {
    byte[] weights = new byte[300_000];
    new Random(11).nextBytes(weights);
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("model/", null);
    files.put("model/config.json", "{\"dim\": 384}".getBytes(StandardCharsets.UTF_8));
    files.put("model/weights.bin", weights);
    files.put("model/tokenizer/vocab.txt", "[PAD]\n[UNK]\nhello\n".getBytes(StandardCharsets.UTF_8));
    files.put("model/empty.txt", new byte[0]);
    return files;
  }

  private Path zip(String name, Map<String, byte[]> entries) throws IOException {
    Path archive = dir.resolve(name);
    try (ZipArchiveOutputStream out = new ZipArchiveOutputStream(Files.newOutputStream(archive))) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        ZipArchiveEntry entry = new ZipArchiveEntry(e.getKey());
        out.putArchiveEntry(entry);
        if (e.getValue() != null) {
          out.write(e.getValue());
        }
        out.closeArchiveEntry();
      }
    }
    return archive;
  }

  private Path tarGz(String name, Map<String, byte[]> entries) throws IOException {
    return tarGz(name, out -> {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        TarArchiveEntry entry = new TarArchiveEntry(e.getKey(), true);
        if (e.getValue() != null) {
          entry.setSize(e.getValue().length);
        }
        out.putArchiveEntry(entry);
        if (e.getValue() != null) {
          out.write(e.getValue());
        }
        out.closeArchiveEntry();
      }
    });
  }

  interface TarWriter {
    void write(TarArchiveOutputStream out) throws IOException;
  }

  private Path tarGz(String name, TarWriter writer) throws IOException {
    Path archive = dir.resolve(name);
    try (OutputStream file = Files.newOutputStream(archive);
        GzipCompressorOutputStream gzip = new GzipCompressorOutputStream(file);
        TarArchiveOutputStream out = new TarArchiveOutputStream(gzip)) {
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      writer.write(out);
    }
    return archive;
  }

  private void assertExtracted(Path target, Map<String, byte[]> files) throws IOException {
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      Path path = target.resolve(e.getKey());
      if (e.getValue() == null) {
        assertThat(path).isDirectory();
      } else {
        assertThat(Files.readAllBytes(path)).as(e.getKey()).isEqualTo(e.getValue());
      }
    }
  }

  /** Nothing but the archives in the test directory: no target, no temporary directory. */
  private void assertNothingLeftBehind() throws IOException {
    try (Stream<Path> children = Files.list(dir.resolve("out"))) {
      assertThat(children).isEmpty();
    }
  }

  private Path out() throws IOException {
    return Files.createDirectories(dir.resolve("out"));
  }

  @Test
  void zipAndTarGzExtractByteIdentical() throws IOException {
    Map<String, byte[]> files = modelFiles();
    Path target = out().resolve("from-zip");
    Path tgzTarget = out().resolve("from-tgz");
    Path tarGzTarget = out().resolve("from-tar-gz");

    SafeArchives.extract(zip("model.zip", files), target, LIMIT);
    SafeArchives.extract(tarGz("model.tgz", files), tgzTarget, LIMIT);
    SafeArchives.extract(tarGz("model.TAR.GZ", files), tarGzTarget, LIMIT);

    assertExtracted(target, files);
    assertExtracted(tgzTarget, files);
    assertExtracted(tarGzTarget, files);
    try (Stream<Path> children = Files.list(dir.resolve("out"))) {
      assertThat(children).extracting(p -> p.getFileName().toString())
          .containsExactlyInAnyOrder("from-zip", "from-tgz", "from-tar-gz");
    }
  }

  @Test
  void tarsWithADotRootEntryAndNoDirectoryEntriesExtract() throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("./", null);
    files.put("./a/b/c.txt", "c".getBytes(StandardCharsets.UTF_8));
    files.put("top.txt", "t".getBytes(StandardCharsets.UTF_8));

    Path target = out().resolve("t");
    SafeArchives.extract(tarGz("dot.tar.gz", files), target, LIMIT);

    assertThat(target.resolve("a/b/c.txt")).hasContent("c");
    assertThat(target.resolve("top.txt")).hasContent("t");
  }

  @Test
  void zipSlipIsRefused() throws IOException {
    Map<String, byte[]> files = modelFiles();
    files.put("model/../../evil.sh", "rm -rf /".getBytes(StandardCharsets.UTF_8));
    Path target = out().resolve("t");

    assertRefused(zip("slip.zip", files), target, "model/../../evil.sh", "outside");
    assertRefused(tarGz("slip.tgz", files), target, "model/../../evil.sh", "outside");
    assertThat(dir.resolve("evil.sh")).doesNotExist();
  }

  @Test
  void absolutePathsAreRefused() throws IOException {
    Map<String, byte[]> files = modelFiles();
    files.put("/tmp/embedflow-evil", "x".getBytes(StandardCharsets.UTF_8));
    Path target = out().resolve("t");

    assertRefused(zip("abs.zip", files), target, "/tmp/embedflow-evil", "absolute");
    assertRefused(tarGz("abs.tgz", files), target, "/tmp/embedflow-evil", "absolute");
    assertThat(Path.of("/tmp/embedflow-evil")).doesNotExist();
  }

  @Test
  void symlinksAndHardLinksAreRefused() throws IOException {
    Path target = out().resolve("t");
    Path zipWithLink = dir.resolve("link.zip");
    try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(Files.newOutputStream(zipWithLink))) {
      ZipArchiveEntry link = new ZipArchiveEntry("model/passwd");
      link.setUnixMode(UnixStat.LINK_FLAG | 0777);
      zip.putArchiveEntry(link);
      zip.write("/etc/passwd".getBytes(StandardCharsets.UTF_8));
      zip.closeArchiveEntry();
    }
    Path tarWithSymlink = tarGz("symlink.tgz", tar -> {
      TarArchiveEntry link = new TarArchiveEntry("model/passwd", TarArchiveEntry.LF_SYMLINK);
      link.setLinkName("/etc/passwd");
      tar.putArchiveEntry(link);
      tar.closeArchiveEntry();
    });
    Path tarWithHardLink = tarGz("hardlink.tgz", tar -> {
      TarArchiveEntry link = new TarArchiveEntry("model/shadow", TarArchiveEntry.LF_LINK);
      link.setLinkName("/etc/shadow");
      tar.putArchiveEntry(link);
      tar.closeArchiveEntry();
    });

    assertRefused(zipWithLink, target, "model/passwd", "link");
    assertRefused(tarWithSymlink, target, "model/passwd", "link");
    assertRefused(tarWithHardLink, target, "model/shadow", "link");
  }

  @Test
  void devicesAndFifosAreRefused() throws IOException {
    Path fifo = tarGz("fifo.tgz", tar -> {
      tar.putArchiveEntry(new TarArchiveEntry("model/pipe", TarArchiveEntry.LF_FIFO));
      tar.closeArchiveEntry();
    });
    Path device = tarGz("device.tgz", tar -> {
      tar.putArchiveEntry(new TarArchiveEntry("model/null", TarArchiveEntry.LF_CHR));
      tar.closeArchiveEntry();
    });

    assertRefused(fifo, out().resolve("t"), "model/pipe", "FIFO");
    assertRefused(device, out().resolve("t"), "model/null", "device");
  }

  @Test
  void archivesExpandingPastTheLimitAreRefused() throws IOException {
    Map<String, byte[]> bomb = new LinkedHashMap<>();
    bomb.put("a.bin", new byte[600_000]);
    bomb.put("b.bin", new byte[600_000]);

    assertRefused(zip("bomb.zip", bomb), out().resolve("t"), "b.bin", "more than 1000000 bytes");
    assertRefused(tarGz("bomb.tgz", bomb), out().resolve("t"), "b.bin", "more than 1000000 bytes");
  }

  @Test
  void zipsThatUnderstateTheirSizeAreStillCounted() throws IOException {
    Path archive = dir.resolve("liar.zip");
    try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(Files.newOutputStream(archive))) {
      ZipArchiveEntry entry = new ZipArchiveEntry("zeros.bin");
      zip.putArchiveEntry(entry);
      zip.write(new byte[2_000_000]);
      zip.closeArchiveEntry();
    }
    // a stream-written zip stores sizes in a data descriptor; extraction counts the bytes it writes
    assertRefused(archive, out().resolve("t"), "zeros.bin", "more than 1000000 bytes");
  }

  @Test
  void duplicateEntriesAreRefused() throws IOException {
    Path archive = tarGz("dup.tgz", tar -> {
      for (String content : new String[] {"first", "second"}) {
        TarArchiveEntry entry = new TarArchiveEntry("same.txt");
        entry.setSize(content.length());
        tar.putArchiveEntry(entry);
        tar.write(content.getBytes(StandardCharsets.UTF_8));
        tar.closeArchiveEntry();
      }
    });

    assertRefused(archive, out().resolve("t"), "same.txt", "earlier entry");
  }

  @Test
  void anExistingTargetAndUnknownSuffixesAreRefused() throws IOException {
    Path archive = zip("m.zip", modelFiles());
    Path existing = Files.createDirectories(out().resolve("exists"));

    assertThatThrownBy(() -> SafeArchives.extract(archive, existing, LIMIT))
        .isInstanceOf(ConnectorException.class).hasMessageContaining("already exists");
    assertThatThrownBy(() -> SafeArchives.extract(dir.resolve("m.rar"), out().resolve("t"), LIMIT))
        .isInstanceOf(ConnectorException.class).hasMessageContaining("m.rar");
  }

  @Test
  void corruptArchivesFailCleanly() throws IOException {
    Path notAZip = Files.writeString(dir.resolve("broken.zip"), "this is not a zip file");
    Path notAGzip = Files.writeString(dir.resolve("broken.tgz"), "nor is this a gzip stream");

    assertThatThrownBy(() -> SafeArchives.extract(notAZip, out().resolve("t"), LIMIT))
        .isInstanceOf(ConnectorException.class).hasMessageContaining("broken.zip");
    assertThatThrownBy(() -> SafeArchives.extract(notAGzip, out().resolve("t"), LIMIT))
        .isInstanceOf(ConnectorException.class).hasMessageContaining("broken.tgz");
    assertNothingLeftBehind();
  }

  @Test
  void isArchiveGoesByTheName() {
    assertThat(SafeArchives.isArchive(Path.of("a.zip"))).isTrue();
    assertThat(SafeArchives.isArchive(Path.of("dir/a.tar.gz"))).isTrue();
    assertThat(SafeArchives.isArchive(Path.of("A.TGZ"))).isTrue();
    assertThat(SafeArchives.isArchive(Path.of("a.tar"))).isFalse();
    assertThat(SafeArchives.isArchive(Path.of("a.gz"))).isFalse();
    assertThat(SafeArchives.isArchive(Path.of("zip"))).isFalse();
  }

  private void assertRefused(Path archive, Path target, String entry, String reason) throws IOException {
    long limit = reason.startsWith("more than") ? 1_000_000 : LIMIT;
    assertThatThrownBy(() -> SafeArchives.extract(archive, target, limit))
        .as("%s", archive.getFileName())
        .isInstanceOf(ConnectorException.class)
        .hasMessageContaining("'" + entry + "'")
        .hasMessageContaining(reason)
        .hasMessageContaining(archive.getFileName().toString());
    assertThat(target).doesNotExist();
    assertNothingLeftBehind();
  }
}
