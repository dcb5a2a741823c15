package io.embedflow.connectors.archive;

import io.embedflow.connectors.ConnectorException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import io.embedflow.connectors.files.FileTrees;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Enumeration;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Extracts {@code .zip}, {@code .tar.gz} and {@code .tgz} archives from untrusted sources (model
 * archives users upload or point at) so that nothing lands outside the target directory and nothing
 * half-extracted is ever visible.
 *
 * <p>Refused, with an error naming the archive and the entry, leaving neither the target nor a temporary
 * directory behind:
 * <ul>
 *   <li>absolute names ({@code /etc/x}, {@code C:/x}), names with {@code \}, and names whose {@code ..}
 *       segments lead out of the target ("zip slip");
 *   <li>every symbolic or hard link: links are rarely needed in a model archive, and refusing them all
 *       is the simplest rule that keeps every later write inside the target;
 *   <li>devices, FIFOs and any other entry that is neither a file nor a directory;
 *   <li>two entries for the same file;
 *   <li>more than {@value #MAX_ENTRIES} entries, or more than {@code maxBytes} bytes in total once
 *       uncompressed (zip bombs). Bytes are counted as they are written, not taken from headers.
 * </ul>
 * File modes, owners and times are not restored: extracted files get the process's defaults.
 *
 * <pre>{@code
 * if (SafeArchives.isArchive(upload)) {
 *   SafeArchives.extract(upload, modelsDir.resolve("minilm"), 8L << 30);
 * }
 * }</pre>
 */
public final class SafeArchives {
  /** The most entries (files and directories) an archive may have. */
  public static final int MAX_ENTRIES = 100_000;

  private static final int BUFFER_BYTES = 64 * 1024;

  private SafeArchives() {}

  /** Whether {@code file}'s name ends in {@code .zip}, {@code .tar.gz} or {@code .tgz} (any case). */
  public static boolean isArchive(Path file) {
    return format(file) != null;
  }

  /**
   * Extracts {@code archive} into {@code targetDir}, which must not exist: entries go into a hidden
   * sibling directory that is renamed to {@code targetDir} once all are written. Missing parents of
   * {@code targetDir} are created.
   *
   * @param maxBytes the most bytes all files together may have once extracted; positive
   * @throws ConnectorException when the archive has an unknown suffix, is unreadable or corrupt, has an
   *     entry refused above, or when {@code targetDir} exists; the message names the archive and entry
   */
  public static void extract(Path archive, Path targetDir, long maxBytes) {
    Objects.requireNonNull(archive, "archive");
    Objects.requireNonNull(targetDir, "targetDir");
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
    }
    Format format = format(archive);
    if (format == null) {
      throw new ConnectorException("cannot extract " + archive + ": not a .zip, .tar.gz or .tgz file");
    }
    Path target = targetDir.toAbsolutePath().normalize();
    Path parent = target.getParent();
    if (parent == null) {
      throw new ConnectorException("cannot extract " + archive + " into the file system root");
    }
    if (Files.exists(target)) {
      throw new ConnectorException("cannot extract " + archive + " into " + target + ": it already exists");
    }
    Path temp;
    try {
      Files.createDirectories(parent);
      temp = Files.createDirectory(parent.resolve("." + target.getFileName() + ".extract-" + UUID.randomUUID()));
    } catch (IOException e) {
      throw new ConnectorException("cannot create a directory beside " + target + " to extract " + archive + ": " + e, e);
    }
    boolean moved = false;
    try {
      Extraction extraction = new Extraction(archive, temp, maxBytes);
      if (format == Format.ZIP) {
        readZip(archive, extraction);
      } else {
        readTarGz(archive, extraction);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      moved = true;
    } catch (FileAlreadyExistsException e) {
      throw new ConnectorException("cannot extract " + archive + " into " + target + ": it appeared meanwhile", e);
    } catch (IOException e) {
      throw new ConnectorException("cannot extract " + archive + " into " + target + ": " + e, e);
    } finally {
      if (!moved) {
        FileTrees.deleteQuietly(temp);
      }
    }
  }

  private enum Format { ZIP, TAR_GZ }

  private static Format format(Path file) {
    Path name = file.getFileName();
    if (name == null) {
      return null;
    }
    String lower = name.toString().toLowerCase(Locale.ROOT);
    if (lower.endsWith(".zip")) {
      return Format.ZIP;
    }
    if (lower.endsWith(".tar.gz") || lower.endsWith(".tgz")) {
      return Format.TAR_GZ;
    }
    return null;
  }

  private static void readZip(Path archive, Extraction extraction) throws IOException {
    try (ZipFile zip = ZipFile.builder().setPath(archive).get()) {
      // the central directory, not the local headers, is what every zip tool trusts
      Enumeration<ZipArchiveEntry> entries = zip.getEntriesInPhysicalOrder();
      while (entries.hasMoreElements()) {
        ZipArchiveEntry entry = entries.nextElement();
        Kind kind = kindOf(entry);
        if (kind == Kind.FILE) {
          try (InputStream in = zip.getInputStream(entry)) {
            extraction.add(entry.getName(), kind, entry.getSize(), in);
          }
        } else {
          extraction.add(entry.getName(), kind, 0, InputStream.nullInputStream());
        }
      }
    }
  }

  private static Kind kindOf(ZipArchiveEntry entry) {
    if (entry.isUnixSymlink()) {
      return Kind.LINK;
    }
    int type = entry.getPlatform() == ZipArchiveEntry.PLATFORM_UNIX ? entry.getUnixMode() & 0170000 : 0;
    if (entry.isDirectory()) {
      return type == 0 || type == 0040000 ? Kind.DIRECTORY : Kind.SPECIAL;
    }
    return type == 0 || type == 0100000 ? Kind.FILE : Kind.SPECIAL;
  }

  private static void readTarGz(Path archive, Extraction extraction) throws IOException {
    try (InputStream file = new BufferedInputStream(Files.newInputStream(archive), BUFFER_BYTES);
        InputStream gzip = GzipCompressorInputStream.builder().setInputStream(file).setDecompressConcatenated(true).get();
        TarArchiveInputStream tar = new TarArchiveInputStream(gzip)) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        extraction.add(entry.getName(), kindOf(entry), entry.getSize(), tar);
      }
    }
  }

  private static Kind kindOf(TarArchiveEntry entry) {
    // links first: TarArchiveEntry.isFile() is also true for them
    if (entry.isSymbolicLink() || entry.isLink()) {
      return Kind.LINK;
    }
    if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
      return Kind.SPECIAL;
    }
    if (entry.isDirectory()) {
      return Kind.DIRECTORY;
    }
    byte flag = entry.getLinkFlag();
    return flag == TarArchiveEntry.LF_NORMAL || flag == TarArchiveEntry.LF_OLDNORM || flag == TarArchiveEntry.LF_CONTIG
        ? Kind.FILE : Kind.SPECIAL;
  }

  private enum Kind { FILE, DIRECTORY, LINK, SPECIAL }

  /** The checks and writes of one extraction into its temporary directory. */
  private static final class Extraction {
    private final Path archive;
    private final Path root;
    private final long maxBytes;
    private final byte[] buffer = new byte[BUFFER_BYTES];
    private int entries;
    private long bytes;

    Extraction(Path archive, Path root, long maxBytes) {
      this.archive = archive;
      this.root = root;
      this.maxBytes = maxBytes;
    }

    void add(String name, Kind kind, long declaredSize, InputStream data) throws IOException {
      if (++entries > MAX_ENTRIES) {
        throw refuse(name, "the archive has more than " + MAX_ENTRIES + " entries");
      }
      switch (kind) {
        case LINK -> throw refuse(name, "it is a symbolic or hard link; archives with links are refused");
        case SPECIAL -> throw refuse(name, "it is a device, FIFO or other special file");
        default -> { }
      }
      Path path = resolve(name);
      if (kind == Kind.DIRECTORY) {
        Files.createDirectories(path);
        return;
      }
      if (path.equals(root)) {
        throw refuse(name, "a file entry cannot name the archive's root");
      }
      if (declaredSize > maxBytes - bytes) {
        throw tooLarge(name);
      }
      Files.createDirectories(path.getParent());
      try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        int n;
        while ((n = data.read(buffer)) > 0) {
          bytes += n;
          if (bytes > maxBytes) {
            throw tooLarge(name);
          }
          out.write(buffer, 0, n);
        }
      } catch (FileAlreadyExistsException e) {
        throw refuse(name, "an earlier entry already created it");
      }
    }

    private Path resolve(String name) {
      if (name.isEmpty()) {
        throw refuse(name, "it has an empty name");
      }
      if (name.indexOf('\\') >= 0) {
        throw refuse(name, "its name contains '\\'");
      }
      if (name.startsWith("/") || name.matches("^[A-Za-z]:.*")) {
        throw refuse(name, "its path is absolute");
      }
      Path path;
      try {
        path = root.resolve(name).normalize();
      } catch (InvalidPathException e) {
        throw refuse(name, "its name is not a valid path (" + e.getReason() + ")");
      }
      if (!path.startsWith(root)) {
        throw refuse(name, "its path leads outside the target directory");
      }
      return path;
    }

    private ConnectorException tooLarge(String name) {
      return refuse(name, "the archive expands to more than " + maxBytes + " bytes");
    }

    private ConnectorException refuse(String name, String why) {
      return new ConnectorException("refused to extract " + archive + ": entry '" + name.replaceAll("\\p{Cntrl}", "?")
          + "': " + why + "; nothing was extracted");
    }
  }
}
